"""Who may do what: API tokens (stored hashed), page sessions, roles, and the audit log.

Which fields a role sees is :mod:`api.privacy`.

Tokens, page sessions and the audit log live in SQLite (the store file itself for the
embedded store), apart from the dataset, so reloading data never touches them. The audit
log is hash-chained, and each entry's hash is also appended to a log file beside the
database (``api.audit_chain``), so an edit to the database alone is detected.

>>> import tempfile, pathlib
>>> access = AccessStore(pathlib.Path(tempfile.mkdtemp()) / "a.db")
>>> token = access.create_token("planner")
>>> access.principal_for(token).role
'planner'
>>> access.principal_for("cc_wrong") is None
True
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import secrets
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from concentric.api.audit_chain import (
    CHAINED_FIELDS,
    GENESIS,
    AuditVerdict,
    entry_hash,
    log_line,
    log_path,
    verify_chain,
    void_line,
)
from concentric.graph.engine.coverage import UnknownId

if TYPE_CHECKING:
    from concentric.graph.workspace import Workspace

__all__ = ["ROLES", "AccessStore", "Principal", "require_known_leader", "verify_audit"]

ROLES = ("admin", "planner", "analyst", "leader")
TOKEN_PREFIX = "cc_"
CALENDAR_PREFIX = "cal_"
SESSION_HOURS = 12

# Version 0: the first files (no expiry, no sessions, no audit chain).
_DDL = """
CREATE TABLE IF NOT EXISTS api_tokens (
    id TEXT PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL,
    leader_id TEXT,
    created TEXT NOT NULL,
    revoked TEXT
);
CREATE TABLE IF NOT EXISTS audit_log (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    token_id TEXT,
    role TEXT,
    action TEXT NOT NULL,
    resource TEXT NOT NULL,
    status INTEGER NOT NULL,
    detail TEXT
);
CREATE TABLE IF NOT EXISTS access_schema (version INTEGER NOT NULL);
"""

# Schema version -> the statements that bring the previous one to it. The version is kept in
# its own table, not in PRAGMA user_version: for an embedded store the access tables share
# the store's file, whose user_version belongs to the store's own migrations.
_MIGRATIONS: dict[int, tuple[str, ...]] = {
    1: (
        # Entries already there keep a NULL hash: they predate the chain, which starts after them.
        "ALTER TABLE audit_log ADD COLUMN hash TEXT",
        "ALTER TABLE api_tokens ADD COLUMN expires TEXT",
        "CREATE TABLE IF NOT EXISTS sessions ("
        " id_hash TEXT PRIMARY KEY,"
        " token_id TEXT NOT NULL REFERENCES api_tokens(id),"
        " created TEXT NOT NULL,"
        " expires TEXT NOT NULL)",
    ),
    2: (
        # A leader's calendar feed is read by calendar programs, which send no token: the
        # secret in its URL is the credential, kept hashed like the tokens.
        "CREATE TABLE IF NOT EXISTS calendar_feeds ("
        " id TEXT PRIMARY KEY,"
        " secret_hash TEXT NOT NULL UNIQUE,"
        " leader_id TEXT NOT NULL,"
        " created TEXT NOT NULL,"
        " revoked TEXT)",
    ),
}
SCHEMA_VERSION = max(_MIGRATIONS)


@dataclass(frozen=True)
class Principal:
    """The caller: a token's id (never the token itself), role and, for leaders, who."""

    token_id: str
    role: str
    leader_id: str | None = None


def _hash(secret: str) -> str:
    # Tokens and session ids carry 256 random bits, so a plain SHA-256 is enough (no
    # password stretching).
    return hashlib.sha256(secret.encode()).hexdigest()


def require_known_leader(workspace: Workspace, leader_id: str) -> None:
    """A leader token is only for a leader in the store (not a figure, not an unknown id)."""
    try:
        workspace.leader(leader_id)
    except UnknownId:
        raise ValueError(
            f"leader_id: {leader_id!r} is not a leader in the store "
            "(a leader token needs the id of an existing leader)"
        ) from None


def _migrate(con: sqlite3.Connection) -> None:
    con.executescript(_DDL)
    con.execute("BEGIN IMMEDIATE")
    try:
        row = con.execute("SELECT max(version) FROM access_schema").fetchone()
        version = int(row[0] or 0)
        for target in sorted(v for v in _MIGRATIONS if v > version):
            for statement in _MIGRATIONS[target]:
                con.execute(statement)
        if version < SCHEMA_VERSION:
            con.execute("DELETE FROM access_schema")
            con.execute("INSERT INTO access_schema (version) VALUES (?)", (SCHEMA_VERSION,))
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


_TOKEN_KEYS = ("id", "role", "leader_id", "created", "expires", "revoked")
_AUDIT_KEYS = (*CHAINED_FIELDS, "hash")


class AccessStore:
    """Tokens, page sessions and the hash-chained audit log in one SQLite file."""

    def __init__(self, path: Path) -> None:
        self._lock = threading.Lock()
        self._con = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._con.execute("PRAGMA journal_mode=WAL")
        # Every request writes an audit entry: in WAL mode NORMAL syncs at checkpoints, not at
        # each commit, so a crash of the process loses nothing and a power cut at most the
        # last entries (never the chain's consistency); FULL would sync on every read.
        self._con.execute("PRAGMA synchronous=NORMAL")
        self._con.execute("PRAGMA busy_timeout=30000")
        _migrate(self._con)
        self.log_path = log_path(path)

    # -- tokens -----------------------------------------------------------------------------

    def create_token(
        self, role: str, leader_id: str | None = None, expires_days: int | None = None
    ) -> str:
        """A new token for ``role``; only its hash is kept, so this is the one chance to see it."""
        if role not in ROLES:
            raise ValueError(f"unknown role {role!r} (one of: {', '.join(ROLES)})")
        if (role == "leader") != bool(leader_id):
            raise ValueError("a leader token needs --leader ID, and only a leader token takes one")
        if expires_days is not None and expires_days < 1:
            raise ValueError(f"expires_days: must be at least 1, not {expires_days}")
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        expires = _now(dt.timedelta(days=expires_days)) if expires_days else None
        with self._lock:
            self._con.execute(
                "INSERT INTO api_tokens (id, token_hash, role, leader_id, created, expires) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (secrets.token_hex(6), _hash(token), role, leader_id, _now(), expires),
            )
        return token

    def token_info(self, token: str) -> dict[str, Any] | None:
        """A token's id, role, leader and dates (never the token), valid or not."""
        with self._lock:
            row = self._con.execute(
                f"SELECT {', '.join(_TOKEN_KEYS)} FROM api_tokens WHERE token_hash = ?",
                (_hash(token),),
            ).fetchone()
        return dict(zip(_TOKEN_KEYS, row, strict=True)) if row else None

    def principal_for(self, token: str) -> Principal | None:
        """Who holds ``token``, if it is known, not revoked and not expired."""
        with self._lock:
            row = self._con.execute(
                "SELECT id, role, leader_id FROM api_tokens WHERE token_hash = ? "
                "AND revoked IS NULL AND (expires IS NULL OR expires > ?)",
                (_hash(token), _now()),
            ).fetchone()
        return Principal(row[0], row[1], row[2]) if row else None

    def tokens(self) -> list[dict[str, Any]]:
        with self._lock:
            rows = self._con.execute(
                f"SELECT {', '.join(_TOKEN_KEYS)} FROM api_tokens ORDER BY created, id"
            ).fetchall()
        return [dict(zip(_TOKEN_KEYS, row, strict=True)) for row in rows]

    def revoke(self, token_id: str) -> bool:
        """Revoke a token and end its page sessions; False if no active token has this id."""
        with self._lock:
            self._con.execute("BEGIN IMMEDIATE")
            try:
                cursor = self._con.execute(
                    "UPDATE api_tokens SET revoked = ? WHERE id = ? AND revoked IS NULL",
                    (_now(), token_id),
                )
                self._con.execute("DELETE FROM sessions WHERE token_id = ?", (token_id,))
                self._con.execute("COMMIT")
            except BaseException:
                self._con.execute("ROLLBACK")
                raise
        return cursor.rowcount == 1

    # -- calendar feeds ---------------------------------------------------------------------

    def create_calendar(self, leader_id: str) -> tuple[str, str]:
        """A new secret for ``leader_id``'s calendar feed, as (feed id, secret); only the
        secret's hash is kept, so this is the one chance to see it."""
        secret = CALENDAR_PREFIX + secrets.token_urlsafe(32)
        feed_id = secrets.token_hex(6)
        with self._lock:
            self._con.execute(
                "INSERT INTO calendar_feeds (id, secret_hash, leader_id, created) "
                "VALUES (?, ?, ?, ?)",
                (feed_id, _hash(secret), leader_id, _now()),
            )
        return feed_id, secret

    def calendar_leader(self, secret: str) -> str | None:
        """The leader whose feed ``secret`` opens, unless unknown or revoked."""
        with self._lock:
            row = self._con.execute(
                "SELECT leader_id FROM calendar_feeds WHERE secret_hash = ? AND revoked IS NULL",
                (_hash(secret),),
            ).fetchone()
        return str(row[0]) if row else None

    def revoke_calendars(self, leader_id: str) -> int:
        """Revoke every calendar feed of ``leader_id``; how many were active."""
        with self._lock:
            cursor = self._con.execute(
                "UPDATE calendar_feeds SET revoked = ? WHERE leader_id = ? AND revoked IS NULL",
                (_now(), leader_id),
            )
        return int(cursor.rowcount)

    # -- page sessions ------------------------------------------------------------------------

    def start_session(
        self, principal: Principal, hours: int = SESSION_HOURS
    ) -> tuple[str, dt.datetime]:
        """A new session id for ``principal``'s token (only its hash is kept) and its expiry."""
        session_id = secrets.token_urlsafe(32)
        expires = dt.datetime.now(dt.UTC) + dt.timedelta(hours=hours)
        with self._lock:
            self._con.execute("DELETE FROM sessions WHERE expires <= ?", (_now(),))
            self._con.execute(
                "INSERT INTO sessions (id_hash, token_id, created, expires) VALUES (?, ?, ?, ?)",
                (_hash(session_id), principal.token_id, _now(), _iso(expires)),
            )
        return session_id, expires

    def principal_for_session(self, session_id: str) -> Principal | None:
        """Who a page session belongs to, while the session and its token are both valid."""
        now = _now()
        with self._lock:
            row = self._con.execute(
                "SELECT t.id, t.role, t.leader_id FROM sessions s "
                "JOIN api_tokens t ON t.id = s.token_id "
                "WHERE s.id_hash = ? AND s.expires > ? AND t.revoked IS NULL "
                "AND (t.expires IS NULL OR t.expires > ?)",
                (_hash(session_id), now, now),
            ).fetchone()
        return Principal(row[0], row[1], row[2]) if row else None

    def end_session(self, session_id: str) -> None:
        with self._lock:
            self._con.execute("DELETE FROM sessions WHERE id_hash = ?", (_hash(session_id),))

    # -- audit --------------------------------------------------------------------------------

    def audit(
        self,
        principal: Principal | None,
        action: str,
        resource: str,
        status: int,
        detail: dict[str, Any] | None = None,
    ) -> None:
        """Record one access: who (token id and role), when, what; never the data itself.

        The entry is chained to the previous one inside one write transaction (so threads
        and processes appending at once keep one chain), and its hash is appended to the
        log file before the commit.
        """
        token_id = principal.token_id if principal else None
        role = principal.role if principal else None
        text = json.dumps(detail, ensure_ascii=False, sort_keys=True) if detail else None
        with self._lock:
            self._con.execute("BEGIN IMMEDIATE")
            logged: int | None = None
            try:
                last = self._con.execute(
                    "SELECT hash FROM audit_log WHERE hash IS NOT NULL ORDER BY seq DESC LIMIT 1"
                ).fetchone()
                at = _now()
                seq = self._con.execute(
                    "INSERT INTO audit_log (at, token_id, role, action, resource, status, detail)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (at, token_id, role, action, resource, status, text),
                ).lastrowid
                assert seq is not None
                fields = (seq, at, token_id, role, action, resource, status, text)
                digest = entry_hash(last[0] if last else GENESIS, fields)
                self._con.execute("UPDATE audit_log SET hash = ? WHERE seq = ?", (digest, seq))
                self._append_log(log_line(seq, digest, token_id, role))
                logged = seq
                self._con.execute("COMMIT")
            except BaseException:
                if self._con.in_transaction:
                    self._con.execute("ROLLBACK")
                if logged is not None:
                    self._withdraw(logged)
                raise

    def _append_log(self, line: bytes) -> None:
        # O_APPEND: one write per line, so lines from several processes do not interleave.
        fd = os.open(self.log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, line)
        finally:
            os.close(fd)

    def _withdraw(self, seq: int) -> None:
        """Void a logged entry whose commit failed (best effort: the disk may be full)."""
        with contextlib.suppress(OSError):
            self._append_log(void_line(seq))

    def audit_entries(self, limit: int = 100, offset: int = 0) -> tuple[int, list[dict[str, Any]]]:
        keys = _AUDIT_KEYS[:-1]
        with self._lock:
            total = self._con.execute("SELECT count(*) FROM audit_log").fetchone()[0]
            rows = self._con.execute(
                f"SELECT {', '.join(keys)} FROM audit_log ORDER BY seq DESC LIMIT ? OFFSET ?",
                (limit, offset),
            ).fetchall()
        entries = []
        for row in rows:
            entry = dict(zip(keys, row, strict=True))
            entry["detail"] = json.loads(entry["detail"]) if entry["detail"] else None
            entries.append(entry)
        return int(total), entries

    def close(self) -> None:
        with self._lock:
            self._con.close()


def verify_audit(access_db: Path) -> AuditVerdict:
    """Check the audit chain of ``access_db`` against its log file, reading only.

    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "a.db"
    >>> access = AccessStore(path)
    >>> access.audit(None, "GET", "/api/v1/coverage", 401)
    >>> verify_audit(path).intact
    True
    """
    con = sqlite3.connect(f"file:{access_db}?mode=ro", uri=True)
    try:
        columns = {row[1] for row in con.execute("PRAGMA table_info(audit_log)")}
        hash_column = "hash" if "hash" in columns else "NULL"
        rows = con.execute(
            f"SELECT {', '.join(CHAINED_FIELDS)}, {hash_column} FROM audit_log ORDER BY seq"
        ).fetchall()
    finally:
        con.close()
    return verify_chain(rows, log_path(access_db))


def _iso(moment: dt.datetime) -> str:
    return moment.isoformat(timespec="seconds")


def _now(ahead: dt.timedelta = dt.timedelta(0)) -> str:
    """Now (plus ``ahead``) in UTC as ISO text; these compare correctly as strings."""
    return _iso(dt.datetime.now(dt.UTC) + ahead)

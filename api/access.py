"""Who may do what: API tokens (stored hashed), roles, and the audit log.

Which fields a role sees is :mod:`api.privacy`.

Tokens and the audit log live in SQLite (the store file itself for the embedded store),
apart from the dataset, so reloading data never touches them.

>>> import tempfile, pathlib
>>> access = AccessStore(pathlib.Path(tempfile.mkdtemp()) / "a.db")
>>> token = access.create_token("planner")
>>> access.principal_for(token).role
'planner'
>>> access.principal_for("cc_wrong") is None
True
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["ROLES", "AccessStore", "Principal"]

ROLES = ("admin", "planner", "analyst", "leader")
TOKEN_PREFIX = "cc_"

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
"""


@dataclass(frozen=True)
class Principal:
    """The caller: a token's id (never the token itself), role and, for leaders, who."""

    token_id: str
    role: str
    leader_id: str | None = None


def _hash(token: str) -> str:
    # Tokens carry 256 random bits, so a plain SHA-256 is enough (no password stretching).
    return hashlib.sha256(token.encode()).hexdigest()


class AccessStore:
    """Tokens and audit entries in one SQLite file."""

    def __init__(self, path: Path) -> None:
        self._lock = threading.Lock()
        self._con = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._con.execute("PRAGMA journal_mode=WAL")
        self._con.execute("PRAGMA busy_timeout=30000")
        self._con.executescript(_DDL)

    def create_token(self, role: str, leader_id: str | None = None) -> str:
        """A new token for ``role``; only its hash is kept, so this is the one chance to see it."""
        if role not in ROLES:
            raise ValueError(f"unknown role {role!r} (one of: {', '.join(ROLES)})")
        if (role == "leader") != bool(leader_id):
            raise ValueError("a leader token needs --leader ID, and only a leader token takes one")
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        token_id = secrets.token_hex(6)
        with self._lock:
            self._con.execute(
                "INSERT INTO api_tokens (id, token_hash, role, leader_id, created) "
                "VALUES (?, ?, ?, ?, ?)",
                (token_id, _hash(token), role, leader_id, _now()),
            )
        return token

    def principal_for(self, token: str) -> Principal | None:
        with self._lock:
            row = self._con.execute(
                "SELECT id, role, leader_id FROM api_tokens WHERE token_hash = ? "
                "AND revoked IS NULL",
                (_hash(token),),
            ).fetchone()
        return Principal(row[0], row[1], row[2]) if row else None

    def tokens(self) -> list[dict[str, Any]]:
        with self._lock:
            rows = self._con.execute(
                "SELECT id, role, leader_id, created, revoked FROM api_tokens ORDER BY created"
            ).fetchall()
        keys = ("id", "role", "leader_id", "created", "revoked")
        return [dict(zip(keys, row, strict=True)) for row in rows]

    def revoke(self, token_id: str) -> bool:
        with self._lock:
            cursor = self._con.execute(
                "UPDATE api_tokens SET revoked = ? WHERE id = ? AND revoked IS NULL",
                (_now(), token_id),
            )
        return cursor.rowcount == 1

    def audit(
        self,
        principal: Principal | None,
        action: str,
        resource: str,
        status: int,
        detail: dict[str, Any] | None = None,
    ) -> None:
        """Record one access: who (token id and role), when, what; never the data itself."""
        with self._lock:
            self._con.execute(
                "INSERT INTO audit_log (at, token_id, role, action, resource, status, detail) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    _now(),
                    principal.token_id if principal else None,
                    principal.role if principal else None,
                    action,
                    resource,
                    status,
                    json.dumps(detail, ensure_ascii=False) if detail else None,
                ),
            )

    def audit_entries(self, limit: int = 100, offset: int = 0) -> tuple[int, list[dict[str, Any]]]:
        with self._lock:
            total = self._con.execute("SELECT count(*) FROM audit_log").fetchone()[0]
            rows = self._con.execute(
                "SELECT seq, at, token_id, role, action, resource, status, detail "
                "FROM audit_log ORDER BY seq DESC LIMIT ? OFFSET ?",
                (limit, offset),
            ).fetchall()
        keys = ("seq", "at", "token_id", "role", "action", "resource", "status", "detail")
        entries = []
        for row in rows:
            entry = dict(zip(keys, row, strict=True))
            entry["detail"] = json.loads(entry["detail"]) if entry["detail"] else None
            entries.append(entry)
        return int(total), entries

    def close(self) -> None:
        with self._lock:
            self._con.close()


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")

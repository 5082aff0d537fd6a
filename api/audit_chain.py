"""The audit log's hash chain, and its check against the append-only log file.

Each audit entry carries ``hash = sha256(previous hash + the entry's fields)``; the same
hash, with the entry's seq, token id and role, is appended as one JSON line to a log file
next to the access database. Rewriting, deleting or re-attributing an entry in the
database then breaks the chain, disagrees with the log file, or both. Entries written
before the chain existed (older files) have no hash; they are counted, not verified.

>>> first = entry_hash(GENESIS, (1, "2026-01-01T00:00:00+00:00", "t1", "admin", "GET",
...     "/api/v1/coverage", 200, None))
>>> len(first), first == entry_hash(GENESIS, (1, "2026-01-01T00:00:00+00:00", "t1",
...     "admin", "GET", "/api/v1/coverage", 200, None))
(64, True)
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["GENESIS", "AuditVerdict", "entry_hash", "log_line", "log_path", "verify_chain"]

# The previous hash of the first chained entry.
GENESIS = "0" * 64

# The fields covered by the hash, in the audit table's column order.
CHAINED_FIELDS = ("seq", "at", "token_id", "role", "action", "resource", "status", "detail")


def log_path(access_db: Path) -> Path:
    """The append-only chain log kept beside an access database."""
    return Path(f"{access_db}.audit.log")


def entry_hash(previous: str, fields: tuple[Any, ...]) -> str:
    """The chain hash of one entry: its fields (as stored) after the previous entry's hash."""
    canonical = json.dumps([previous, *fields], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def log_line(seq: int, digest: str, token_id: str | None, role: str | None) -> bytes:
    """One line of the log file: which entry, its hash, and who it names (never the data)."""
    record = {"seq": seq, "hash": digest, "token_id": token_id, "role": role}
    return (json.dumps(record, separators=(",", ":")) + "\n").encode()


def void_line(seq: int) -> bytes:
    """Withdraws a logged entry whose database transaction did not commit."""
    return (json.dumps({"seq": seq, "void": True}, separators=(",", ":")) + "\n").encode()


@dataclass(frozen=True)
class AuditVerdict:
    """What ``concentric audit verify`` found."""

    intact: bool
    chained: int  # entries covered by the chain
    pre_chain: int  # older entries without a hash (written before the chain existed)
    head_seq: int | None
    head_hash: str | None
    bad_seq: int | None = None
    problem: str | None = None


@dataclass(frozen=True)
class _Logged:
    digest: str
    token_id: str | None
    role: str | None


def _read_log(path: Path) -> tuple[dict[int, _Logged], str | None]:
    """The log file's entries by seq (a later line for a seq replaces an earlier one)."""
    logged: dict[int, _Logged] = {}
    if not path.exists():
        return logged, None
    for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        try:
            record = json.loads(text)
            seq = int(record["seq"])
            if record.get("void"):
                logged.pop(seq, None)
            else:
                logged[seq] = _Logged(str(record["hash"]), record["token_id"], record["role"])
        except (ValueError, KeyError, TypeError):
            return logged, f"line {number} of {path} is not a log entry"
    return logged, None


def verify_chain(rows: list[tuple[Any, ...]], log: Path) -> AuditVerdict:
    """Check ``rows`` (CHAINED_FIELDS then hash, by seq) against the chain and ``log``.

    Names the first bad entry: deleted (in the log, not the table), missing from the log,
    re-attributed (token or role differs from the log), hash removed or rewritten, or
    changed (its fields no longer give its hash).
    """
    logged, unreadable = _read_log(log)
    by_seq = {int(row[0]): row for row in rows}
    hashed = [seq for seq, row in by_seq.items() if row[-1] is not None]
    start = min([*logged, *hashed], default=None)
    pre_chain = sum(1 for seq in by_seq if start is None or seq < start)
    if start is None:
        return AuditVerdict(True, 0, pre_chain, None, None)

    def bad(seq: int, problem: str, checked: int) -> AuditVerdict:
        return AuditVerdict(False, checked, pre_chain, None, None, seq, problem)

    if unreadable:
        return bad(start, unreadable, 0)
    if not log.exists():
        return bad(start, f"the log file {log} is missing", 0)
    previous_hash, previous_seq, checked = GENESIS, None, 0
    for seq in sorted({*logged, *(s for s in by_seq if s >= start)}):
        row, entry = by_seq.get(seq), logged.get(seq)
        if previous_seq is not None and seq != previous_seq + 1:
            gap = f"{previous_seq + 1}" + (f"-{seq - 1}" if seq - 1 > previous_seq + 1 else "")
            return bad(
                previous_seq + 1, f"entries {gap} deleted from the table and the log", checked
            )
        if row is None:
            return bad(seq, "deleted: in the log file, not in the audit table", checked)
        if entry is None:
            return bad(seq, "not in the log file: added to the table, or the log was cut", checked)
        stored = row[-1]
        if (row[2], row[3]) != (entry.token_id, entry.role):
            return bad(
                seq,
                f"re-attributed: the log says token {entry.token_id} ({entry.role}), "
                f"the table says token {row[2]} ({row[3]})",
                checked,
            )
        if stored is None:
            return bad(seq, "its hash was removed", checked)
        if stored != entry.digest:
            return bad(seq, "its hash differs from the log file's", checked)
        if entry_hash(previous_hash, tuple(row[:-1])) != stored:
            return bad(seq, "changed: its fields no longer match its hash", checked)
        previous_hash, previous_seq, checked = stored, seq, checked + 1
    return AuditVerdict(True, checked, pre_chain, previous_seq, previous_hash)

"""Idempotent writes: an ``Idempotency-Key`` header makes a retried write happen once.

The first request with a key runs the write and keeps its answer (status and JSON body)
with the key, the caller's token id and a hash of the request; a retry with the same key
and the same request gets that answer back without writing again, and one with another
request is refused (409). Requests with the same key are serialised, so a retry that
arrives while the first is still being written waits for it and then gets its answer.
Keys are kept in the access database for ``ttl`` (24 hours by default).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Header, Request

from concentric.graph.store.protocol import DiskFull, StoreError
from concentric.graph.store.sqlite_store import is_disk_full

log = logging.getLogger("concentric.api")

__all__ = [
    "KEY_PATTERN",
    "Answer",
    "IdempotencyDep",
    "IdempotencyKey",
    "IdempotencyStore",
    "KeyReused",
    "request_hash",
]

#: What a key may be: 1 to 200 printable ASCII characters, no spaces (the header's and the
#: page forms' keys alike).
KEY_PATTERN = r"^[!-~]{1,200}$"

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=200,
        pattern=KEY_PATTERN,
        description="A key the client makes for one write (e.g. a UUID) and sends again "
        "with every retry of it: the write happens once, and a retry gets the first answer. "
        "Kept 24 hours; reusing it for another request is refused (409).",
    ),
]

_DDL = """
CREATE TABLE IF NOT EXISTS idempotency_keys (
    token_id TEXT NOT NULL,
    key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status INTEGER NOT NULL,
    answer TEXT NOT NULL,
    created TEXT NOT NULL,
    PRIMARY KEY (token_id, key)
);
CREATE INDEX IF NOT EXISTS idempotency_keys_created ON idempotency_keys (created);
"""


class KeyReused(Exception):
    """The key was used before for a different request (409)."""


@dataclass(frozen=True)
class Answer:
    status: int
    body: dict[str, Any]


def request_hash(method: str, path: str, body: dict[str, Any]) -> str:
    """The same for the same write, whatever the JSON's key order or spacing."""
    canonical = json.dumps([method, path, body], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


class IdempotencyStore:
    """Keys and the answers they got, in their own table of the access database."""

    def __init__(self, path: Path, ttl: dt.timedelta = dt.timedelta(hours=24)) -> None:
        self.ttl = ttl
        self._db_lock = threading.Lock()
        self._con = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._con.execute("PRAGMA busy_timeout=30000")
        self._con.executescript(_DDL)
        # One lock per key in use, so two requests with one key never write both.
        self._keys_lock = threading.Lock()
        self._key_locks: dict[tuple[str, str], tuple[threading.Lock, int]] = {}

    @contextmanager
    def _serialised(self, slot: tuple[str, str]) -> Iterator[None]:
        with self._keys_lock:
            lock, users = self._key_locks.get(slot, (threading.Lock(), 0))
            self._key_locks[slot] = (lock, users + 1)
        try:
            with lock:
                yield
        finally:
            with self._keys_lock:
                lock, users = self._key_locks[slot]
                if users == 1:
                    del self._key_locks[slot]
                else:
                    self._key_locks[slot] = (lock, users - 1)

    def run(
        self,
        token_id: str,
        key: str | None,
        fingerprint: str,
        write: Callable[[], Answer],
    ) -> tuple[Answer, bool]:
        """``write()``'s answer, run at most once per key; and whether it is a replay.

        A write that raises keeps nothing: its retry runs again (and fails the same way,
        or succeeds if what was wrong was fixed in between, e.g. the store came back).
        """
        if key is None:
            return write(), False
        with self._serialised((token_id, key)):
            stored = self._find(token_id, key)
            if stored is not None:
                kept_hash, answer = stored
                if kept_hash != fingerprint:
                    raise KeyReused(
                        f"Idempotency-Key {key!r} was used for a different request; "
                        "use a new key for a new write"
                    )
                return answer, True
            answer = write()
            try:
                self._keep(token_id, key, fingerprint, answer)
            except sqlite3.Error as exc:
                # The write is stored: say so. Its retry finds it (an interaction by its
                # id made from the key; a contact written again is the same contact).
                log.error("an Idempotency-Key could not be kept: %s", exc)
            return answer, False

    def _find(self, token_id: str, key: str) -> tuple[str, Answer] | None:
        oldest = _iso(dt.datetime.now(dt.UTC) - self.ttl)
        with self._db_lock:
            try:
                self._con.execute("DELETE FROM idempotency_keys WHERE created < ?", (oldest,))
            except sqlite3.Error as exc:  # old keys wait for the next request
                log.warning("expired Idempotency-Keys could not be removed: %s", exc)
            try:
                row = self._con.execute(
                    "SELECT request_hash, status, answer FROM idempotency_keys "
                    "WHERE token_id = ? AND key = ? AND created >= ?",
                    (token_id, key, oldest),
                ).fetchone()
            except sqlite3.Error as exc:
                if is_disk_full(exc):
                    raise DiskFull(str(exc)) from exc
                raise StoreError(f"the Idempotency-Keys cannot be read: {exc}") from exc
        if row is None:
            return None
        return str(row[0]), Answer(int(row[1]), json.loads(row[2]))

    def _keep(self, token_id: str, key: str, fingerprint: str, answer: Answer) -> None:
        with self._db_lock:
            self._con.execute(
                "INSERT INTO idempotency_keys "
                "(token_id, key, request_hash, status, answer, created) VALUES (?, ?, ?, ?, ?, ?)",
                (
                    token_id,
                    key,
                    fingerprint,
                    answer.status,
                    json.dumps(answer.body, ensure_ascii=False),
                    _iso(dt.datetime.now(dt.UTC)),
                ),
            )

    def close(self) -> None:
        with self._db_lock:
            self._con.close()


def _iso(moment: dt.datetime) -> str:
    return moment.isoformat(timespec="seconds")


def get_idempotency(request: Request) -> IdempotencyStore:
    store: IdempotencyStore = request.app.state.idempotency
    return store


IdempotencyDep = Annotated[IdempotencyStore, Depends(get_idempotency)]

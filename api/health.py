"""What `/healthz` reports beyond liveness: audit entries that could not be written, and
the store's data version.

An audit write that fails (a full disk, a read-only or locked file) must not turn the
request it records into an error, but it must not go unnoticed either: the failure is kept
here (when, what kind; never the request or its data) until an audit write succeeds again.
"""

from __future__ import annotations

import datetime as dt
import errno
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass
from time import monotonic

from concentric.graph.store.sqlite_store import is_disk_full

__all__ = ["AuditFailure", "AuditHealth", "VersionProbe", "failure_kind"]


@dataclass(frozen=True)
class AuditFailure:
    """Audit writes failing since ``since``: how many, the latest when and of what kind."""

    since: str
    last: str
    kind: str
    failures: int

    def reason(self) -> str:
        return (
            f"the audit log cannot be written ({self.kind}) since {self.since}: "
            f"{self.failures} request(s) answered without an audit entry"
        )


def failure_kind(exc: BaseException) -> str:
    """A short name for why a write failed: an error code or class, never its message's
    data (messages can quote what was being written)."""
    if is_disk_full(exc) or (
        isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT)
    ):
        return "disk full"
    if isinstance(exc, sqlite3.Error):
        return f"database error {getattr(exc, 'sqlite_errorname', None) or type(exc).__name__}"
    if isinstance(exc, OSError) and exc.errno is not None:
        return f"file error {errno.errorcode.get(exc.errno, exc.errno)}"
    return type(exc).__name__


class AuditHealth:
    """The audit log's state for one server process (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._failure: AuditFailure | None = None

    def failed(self, exc: BaseException) -> AuditFailure:
        now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        with self._lock:
            before = self._failure
            self._failure = AuditFailure(
                since=before.since if before else now,
                last=now,
                kind=failure_kind(exc),
                failures=before.failures + 1 if before else 1,
            )
            return self._failure

    def succeeded(self) -> None:
        with self._lock:
            self._failure = None

    def failure(self) -> AuditFailure | None:
        with self._lock:
            return self._failure


class VersionProbe:
    """The store's data version as ``/healthz`` reports it: read at most once per ``every``
    seconds, so most health checks are answered from memory. On a loaded server each store
    read on the event loop is one more wait for the interpreter lock; a version up to a
    second old still proves the store answered.

    >>> reads, now = [], [0.0]
    >>> probe = VersionProbe(lambda: reads.append(1) or len(reads), every=1.0,
    ...                      clock=lambda: now[0])
    >>> probe.version(), probe.version()
    (1, 1)
    >>> now[0] = 1.0
    >>> probe.version()
    2
    """

    def __init__(
        self, read: Callable[[], int], every: float = 1.0, clock: Callable[[], float] = monotonic
    ) -> None:
        self.read, self.every, self.clock = read, every, clock
        self._read_at: float | None = None
        self._version = 0

    def version(self) -> int:
        now = self.clock()
        if self._read_at is None or now - self._read_at >= self.every:
            self._version, self._read_at = self.read(), now
        return self._version

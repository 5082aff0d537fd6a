"""The snapshot a workspace answers from, kept at the stored data's version, and the
answers remembered per version.

A :class:`Snapshot` holds what the engine answers from for one data version (the coverage
index, the leaders' interaction table, the policy). :class:`Snapshots` publishes the one of
the store's current version and keeps it current: followed through the store's change log
after a write (of this process or another), built again after anything larger, read back
from the parts the store keeps per version, and kept there for other processes and the next
start (by a keeper thread on a server, once writes pause).

One lock, ``build_lock``, serialises whoever replaces the published snapshot (a builder, a
writer); readers never take it while a snapshot is published: during a rebuild they answer
from the previous one, which says its version.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import Any, TypeVar

from concentric.graph.engine.coverage_index import CoverageIndex
from concentric.graph.engine.index_analyses import LeaderActivity
from concentric.graph.engine.index_delta import with_changes
from concentric.graph.engine.merge import (
    merge_map,
    merged_columns,
    merged_participations,
    same_pairs,
    touches,
)
from concentric.graph.engine.search import SEARCH_KINDS
from concentric.graph.schema.schema import SCHEMA, Policy
from concentric.graph.store.protocol import (
    JudgementsUnsupported,
    KeepsDerived,
    ReadsAtOneVersion,
    ReportsChanges,
    Store,
    StoreChanges,
)

__all__ = [
    "ANSWERS_REMEMBERED",
    "ANSWER_ROWS_BUDGET",
    "KEEP_AFTER_QUIET_SECONDS",
    "KEEP_AT_LEAST_EVERY_SECONDS",
    "KEPT_WAIT_SECONDS",
    "SNAPSHOT_PARTS",
    "AnswerMemo",
    "Snapshot",
    "Snapshots",
    "answer_rows",
]

log = logging.getLogger(__name__)

_Part_T = TypeVar("_Part_T")

# The parts of a snapshot a store keeps per data version, and how long a server process
# that meets a new version waits for the process that wrote it to keep them.
SNAPSHOT_PARTS = ("coverage_index", "leader_activity")
KEPT_WAIT_SECONDS = 2.0
# A server keeps a written snapshot once writes pause this long, or at least this often.
KEEP_AFTER_QUIET_SECONDS = 1.0
KEEP_AT_LEAST_EVERY_SECONDS = 30.0


@dataclass(frozen=True)
class Snapshot:
    """Everything the engine answers from, for one data version. Never changed once
    published: a request takes one and works on it from start to end."""

    version: int
    policy: Policy
    index: CoverageIndex
    activity: LeaderActivity
    rows: int | None  # stored rows (only read when the whole graph has a limit)
    # The version since which no searchable entity (name, kind, area) changed, as far as
    # this process knows: the search index of that version serves this one.
    names_version: int = 0
    # Ids a planner judged the same, each to the id its group counts as (see
    # graph/engine/merge.py); the index and activity were built with them merged.
    merged: dict[str, str] = field(default_factory=dict)
    # Every id of a pair judged the same (stored or not), as of this version: a write that
    # names one is not followed by the delta (the merge map itself may change with it).
    judged: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        if not self.names_version:
            object.__setattr__(self, "names_version", self.version)

    def followed_by(self, changes: StoreChanges, policy: Policy) -> Snapshot | None:
        """This snapshot one data version on, after a write that changed ``changes``
        (:func:`graph.engine.index_delta.with_changes`), under ``policy``; None when the
        delta cannot follow it (then the arrays are built again): a write naming an id
        judged the same (the merge map itself may change with it), or one the delta
        leaves to a rebuild."""
        parts = (
            None
            if touches(changes, self.judged)
            else with_changes(self.index, self.activity, changes)
        )
        if parts is None:
            return None
        version = self.version + 1
        inserted = sum(old is None for old, _ in [*changes.nodes, *changes.links])
        searchable = any(new.kind in SEARCH_KINDS for _, new in changes.nodes)
        return Snapshot(
            version,
            policy,
            *parts,
            None if self.rows is None else self.rows + inserted,
            names_version=version if searchable else self.names_version,
            merged=self.merged,
            judged=self.judged,
        )


class Snapshots:
    """The published :class:`Snapshot` of ``store``'s data, kept current (see the module).

    ``count_rows``: whether a snapshot counts the stored rows, asked at each build (a
    workspace with a limit on the whole graph, which a caller may set at any time).
    ``build_in_background``: a server's readers never wait for a rebuild once a snapshot is
    published, and its writes are kept by the keeper thread.
    ``also_keep``: more parts to keep with a snapshot (name to a function making the bytes).
    """

    def __init__(
        self,
        store: Store,
        *,
        count_rows: Callable[[], bool] = lambda: False,
        build_in_background: bool = False,
        also_keep: Callable[[Snapshot], Mapping[str, Callable[[], bytes]]] = lambda _: {},
    ) -> None:
        self.store = store
        self.count_rows = count_rows
        self.build_in_background = build_in_background
        self.also_keep = also_keep
        self.keeps: KeepsDerived | None = store if isinstance(store, KeepsDerived) else None
        self.published: Snapshot | None = None
        self.build_lock = threading.Lock()
        # A server's writes keep their snapshot in the store from a keeper thread, so a
        # write does not wait for it; only the newest waiting snapshot is kept.
        self._keep_wanted = threading.Condition()
        self._to_keep: Snapshot | None = None
        self._keeper: threading.Thread | None = None

    def current(self) -> Snapshot:
        """The snapshot of the stored data's version: one read of the version when the
        published snapshot is current; otherwise brought up to date (from the store's change
        log when it says what each write since changed, else built — the first time, or
        when no other thread is building) or the previous one while another thread builds."""
        version = self.store.version()
        current = self.published
        if current is not None and current.version == version:
            return current
        if current is not None and not self.build_lock.acquire(blocking=False):
            return current
        if current is None:
            self.build_lock.acquire()
        releases = True
        try:
            current = self.published
            followed = None if current is None else self.follow(current)
            if followed is not None:
                return followed
            if (
                current is not None
                and self.build_in_background
                and not self.kept_for(version, wait=KEPT_WAIT_SECONDS)
            ):
                builder = threading.Thread(target=self._refresh_and_release, daemon=True)
                builder.start()  # it releases the lock when the new snapshot is published
                releases = False
                return current
            return self.refresh()
        finally:
            if releases:
                self.build_lock.release()

    def follow(self, current: Snapshot) -> Snapshot | None:
        """``current`` brought to the stored version through the store's change log
        (writes of this or another process), published; None when the log does not say
        what every write since changed, or the delta cannot follow one (build lock held)."""
        if not isinstance(self.store, ReportsChanges):
            return None
        logged = self.store.changes_since(current.version)
        if not logged:
            return None
        followed = current
        for changes in logged:
            step = followed.followed_by(changes, current.policy)
            if step is None:
                return None
            followed = step
        self.published = followed
        if self.build_in_background:
            self.keep_soon(followed)
        return followed

    def _refresh_and_release(self) -> None:
        """:meth:`refresh` in a builder thread that holds the build lock for it."""
        try:
            self.refresh()
        except Exception:  # the next reader tries again, and meets the same problem
            log.exception("building the snapshot in the background failed")
        finally:
            self.build_lock.release()

    def kept_for(self, version: int, wait: float = 0.0) -> bool:
        """Whether the store keeps the snapshot's parts of ``version`` (read back quickly),
        looking again for up to ``wait`` seconds: another server process that made the
        version keeps them just after its write."""
        if self.keeps is None:
            return False
        deadline = time.monotonic() + wait
        while True:
            if all(self.keeps.has_state(name, version) for name in SNAPSHOT_PARTS):
                return True
            if time.monotonic() >= deadline or self.store.version() != version:
                return False
            time.sleep(0.02)

    def keep_soon(self, snapshot: Snapshot) -> None:
        """Keep ``snapshot``'s parts from the keeper thread (started on first use)."""
        with self._keep_wanted:
            self._to_keep = snapshot
            self._keep_wanted.notify()
            if self._keeper is None:
                self._keeper = threading.Thread(target=self._keep_loop, daemon=True)
                self._keeper.start()

    def _keep_loop(self) -> None:
        while True:
            with self._keep_wanted:
                while self._to_keep is None:
                    self._keep_wanted.wait()
                # Keeping costs the interpreter and the store's write lock; under a stream
                # of writes it waits for a pause (other processes follow the change log).
                started = time.monotonic()
                while time.monotonic() - started < KEEP_AT_LEAST_EVERY_SECONDS:
                    waiting = self._to_keep
                    self._keep_wanted.wait(KEEP_AFTER_QUIET_SECONDS)
                    if self._to_keep is waiting:
                        break
                snapshot, self._to_keep = self._to_keep, None
            if snapshot is not None:  # else taken by close() meanwhile, and kept there
                self._keep_quietly(snapshot)

    def _keep_quietly(self, snapshot: Snapshot) -> None:
        """:meth:`keep`, best effort: another process builds what is not kept."""
        try:
            self.keep(snapshot, set())
        except Exception:
            log.exception("keeping the snapshot of version %s failed", snapshot.version)

    def refresh(self) -> Snapshot:
        """The current snapshot, built and published if the data moved on (build lock held)."""
        while True:
            version = self.store.version()
            current = self.published
            if current is not None and current.version == version:
                return current
            followed = None if current is None else self.follow(current)
            if followed is not None:
                return followed
            built, restored, one_version = self.build(version)
            if not one_version and self.store.version() != version:
                continue  # written to while reading: the parts may mix two versions
            self.keep(built, restored)
            self.published = built  # a write since: the next turn follows the change log

    def build(self, version: int) -> tuple[Snapshot, set[str], bool]:
        """A snapshot read from the store (kept arrays where the store has them for the
        version read), the names of the parts read back rather than built, and whether the
        store vouches that every read saw one version (else the caller checks ``version``
        again after it)."""
        reading: AbstractContextManager[int] = nullcontext(version)
        if one_version := isinstance(self.store, ReadsAtOneVersion):
            reading = self.store.at_one_version()
        with reading as version:
            restored: set[str] = set()
            merged, judged = self._merges()
            index = self.read_back("coverage_index", version, CoverageIndex.from_bytes)
            if index is None:
                index = CoverageIndex(merged_columns(self.store.coverage_columns(), merged))
            else:
                restored.add("coverage_index")
            # A kept table is read back only with the kept index it was built on.
            activity = (
                self.read_back("leader_activity", version, LeaderActivity.from_bytes)
                if restored
                else None
            )
            if activity is None:
                activity = LeaderActivity(
                    index, merged_participations(self.store.participations(), merged)
                )
            else:
                restored.add("leader_activity")
            rows = self.store.row_count() if self.count_rows() else None
            policy = self.store.policy()
        snapshot = Snapshot(version, policy, index, activity, rows, merged=merged, judged=judged)
        return snapshot, restored, one_version

    def _merges(self) -> tuple[dict[str, str], frozenset[str]]:
        """Each merged id to the id its group counts as, from the pairs judged the same
        whose two ids are stored targets (:func:`graph.engine.merge.merge_map`), and every
        id of those pairs (none on a store that keeps no judgements)."""
        try:
            pairs = same_pairs(self.store.judgements())
        except JudgementsUnsupported:
            pairs = []
        judged = frozenset(node for pair in pairs for node in pair)
        if not pairs:
            return {}, judged
        stored = {
            node
            for node, found in self.store.existing_nodes(judged).items()
            if found.kind in SCHEMA.target_kinds
        }
        return merge_map(pairs, stored), judged

    def read_back(
        self, name: str, version: int, parse: Callable[[bytes], _Part_T]
    ) -> _Part_T | None:
        """The part ``name`` the store keeps for ``version``, parsed; None when there is none
        or it is unreadable (then it is built again)."""
        data = self.keeps.saved_state(name, version) if self.keeps else None
        if data is None:
            return None
        try:
            return parse(data)
        except ValueError:
            log.warning("rebuilding %s: the kept copy is unreadable", name)
            return None

    def keep(self, snapshot: Snapshot, restored: set[str]) -> None:
        """Keep the built parts under the version they were built from (the store refuses
        them if the data has moved on since)."""
        if self.keeps is None:
            return
        parts = dict(
            zip(SNAPSHOT_PARTS, (snapshot.index.to_bytes, snapshot.activity.to_bytes), strict=True)
        )
        for name, to_bytes in parts.items():
            if name not in restored:
                self.keeps.save_state(name, snapshot.version, to_bytes())
        for name, to_bytes in self.also_keep(snapshot).items():
            if not self.keeps.has_state(name, snapshot.version):
                self.keeps.save_state(name, snapshot.version, to_bytes())

    def base(self, version: int) -> Snapshot | None:
        """The snapshot of ``version`` for a load to bring up to date: the published one
        (through the change log if another process wrote since), else one read back from
        the parts the store keeps for it (nothing is built)."""
        current = self.published
        if current is not None and current.version != version:
            current = self.follow(current)
        if current is not None:
            return current if current.version == version else None
        if not self.kept_for(version):
            return None
        built, restored, _ = self.build(version)
        whole = restored == set(SNAPSHOT_PARTS)
        return built if whole and built.version == version else None

    def wait_for_build(self) -> None:
        """Return once no snapshot is being built."""
        with self.build_lock:
            pass

    def close(self) -> None:
        """Keep the snapshot waiting for the keeper now, so the next start reads it back."""
        with self._keep_wanted:
            waiting, self._to_keep = self._to_keep, None
        if waiting is not None:
            self._keep_quietly(waiting)


# Rows (items of an answer's lists and tables) that the remembered answers may hold in all,
# and how many answers: at province size one unfiltered list is hundreds of MB.
ANSWER_ROWS_BUDGET = 500_000
ANSWERS_REMEMBERED = 256


def answer_rows(answer: Mapping[str, object]) -> int:
    """The rows an answer holds, for :class:`AnswerMemo`'s budget: the entries of its
    top-level lists and tables, at least 1.

    >>> answer_rows({"items": [1, 2, 3], "total": 3, "by_leader": {"L1": [1]}})
    4
    >>> answer_rows({"totals": {}})
    1
    """
    return max(1, sum(len(v) for v in answer.values() if isinstance(v, list | dict)))


class AnswerMemo:
    """Answers remembered by (data version, query), the least recently used forgotten first
    once they hold more than ``budget`` rows (:func:`answer_rows`) or number more than
    ``most``; an answer larger than the whole budget is not remembered. Thread-safe; the
    answers are shared, never to be mutated.

    >>> memo = AnswerMemo(budget=5)
    >>> a = memo.remember((1, "a"), {"items": [1, 2, 3]})
    >>> b = memo.remember((1, "b"), {"items": [1, 2]})
    >>> memo.find((1, "a")) is a  # and now the most recently used
    True
    >>> _ = memo.remember((1, "c"), {"items": [1]})  # 6 rows: "b" goes
    >>> memo.find((1, "b")) is None, memo.find((1, "a")) is a
    (True, True)
    """

    def __init__(self, budget: int = ANSWER_ROWS_BUDGET, most: int = ANSWERS_REMEMBERED) -> None:
        self.budget, self.most = budget, most
        self._answers: OrderedDict[tuple[Any, ...], tuple[dict[str, Any], int]] = OrderedDict()
        self._rows = 0
        self._lock = threading.Lock()

    def find(self, key: tuple[Any, ...]) -> dict[str, Any] | None:
        with self._lock:
            found = self._answers.get(key)
            if found is None:
                return None
            self._answers.move_to_end(key)
            return found[0]

    def remember(self, key: tuple[Any, ...], answer: dict[str, Any]) -> dict[str, Any]:
        """``answer``, remembered; or the one remembered under ``key`` meanwhile."""
        rows = answer_rows(answer)
        with self._lock:
            found = self._answers.get(key)
            if found is not None:
                self._answers.move_to_end(key)
                return found[0]
            if rows > self.budget:
                return answer
            self._answers[key] = (answer, rows)
            self._rows += rows
            while self._rows > self.budget or len(self._answers) > self.most:
                _, (_, dropped) = self._answers.popitem(last=False)
                self._rows -= dropped
            return answer

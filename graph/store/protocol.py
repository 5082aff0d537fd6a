"""The storage interface (:mod:`graph.store.factory` picks a backend from a location).

A store persists a validated :class:`~graph.schema.model.Dataset` atomically and hands back its
records (and the ``networkx`` graph built from them, cached per data version). Algorithms
never see which backend they run on.
"""

from __future__ import annotations

import datetime as dt
import gc
from collections.abc import Callable, Collection, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import networkx as nx

from concentric.graph.schema.model import Dataset, ExistingNode, LinkRecord, NodeRecord
from concentric.graph.schema.schema import SCHEMA, Policy

__all__ = [
    "ASSESSMENT_FIELDS",
    "CONTACT_FIELDS",
    "READ_CHUNK_IDS",
    "VERDICTS",
    "CoverageColumns",
    "DiskFull",
    "Judgement",
    "JudgementsUnsupported",
    "KeepsDerived",
    "KnowsRowsVersion",
    "LoadReport",
    "ReadsTiesToEnds",
    "ReportsChanges",
    "Store",
    "StoreChanges",
    "StoreError",
    "StoredRecords",
    "assessment_contact",
    "assessment_node",
    "id_chunks",
    "merge_policy",
    "merged_overrides",
    "paused_gc",
]

ProgressCallback = Callable[[int], None]

# Ids per statement of a read by id lists (a path's or a ranking's far layers run to tens of
# thousands): bounds what one statement sends and what the server gathers for it.
READ_CHUNK_IDS = 5_000


def id_chunks(ids: Collection[str]) -> Iterator[list[str]]:
    """``ids`` without repeats, sorted, in lists of at most :data:`READ_CHUNK_IDS`."""
    ordered = sorted(set(ids))
    for start in range(0, len(ordered), READ_CHUNK_IDS):
        yield ordered[start : start + READ_CHUNK_IDS]


@contextmanager
def paused_gc() -> Iterator[None]:
    """Run a bulk read or write without the cyclic garbage collector.

    A load allocates millions of containers and keeps them alive; each collection would walk
    them all again (at 10^6 targets it doubled the time to validate). Nothing made there forms
    a cycle, so reference counting frees it as before.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


#: The fields the yearly assessment (graph/engine/assessment.py) reads of each node kind but
#: leaders (read whole: a few per target at most); of ``contacts`` links, since and until.
ASSESSMENT_FIELDS: dict[str, tuple[str, ...]] = {
    "area": ("parent_id", "name", "kind"),
    "figure": ("name", "category"),
    "organization": ("name", "kind"),
    "unit": ("name", "kind"),
    "interaction": ("date", "kind", "leader_ids", "target_ids"),
}
CONTACT_FIELDS = ("since", "until")


def assessment_node(kind: str, node_id: str, values: Iterable[Any]) -> NodeRecord:
    """A node of :meth:`Store.assessment_records`: the values of its kind's
    :data:`ASSESSMENT_FIELDS` in order (None: absent), dates given as ISO text.

    >>> assessment_node("interaction", "I1", ["2026-01-05", None, ["L1"], []]).props
    {'date': datetime.date(2026, 1, 5), 'leader_ids': ['L1'], 'target_ids': []}
    """
    return NodeRecord(node_id, kind, _dated(kind, ASSESSMENT_FIELDS[kind], values))


def assessment_contact(key: str, leader: str, target: str, values: Iterable[Any]) -> LinkRecord:
    """A ``contacts`` link of :meth:`Store.assessment_records` (since and until as ISO text)."""
    return LinkRecord("contacts", leader, target, key, _dated("contacts", CONTACT_FIELDS, values))


def _dated(kind: str, fields: tuple[str, ...], values: Iterable[Any]) -> dict[str, Any]:
    props = {name: value for name, value in zip(fields, values, strict=True) if value is not None}
    for name in SCHEMA.date_fields[kind].intersection(props):
        props[name] = dt.date.fromisoformat(props[name])
    return props


@dataclass
class CoverageColumns:
    """The plain columns coverage needs, as a store can read them cheaply."""

    targets: list[tuple[str, str, str | None, str | None, str | None]]
    # (id, kind, subtype: category or org/unit kind, area_id, name), ordered by kind, id
    leaders: list[tuple[str, str | None, str | None, Any, Any, Any]]
    # (id, name, post, in_office, quota_min, quota_max), ordered by id
    areas: list[tuple[str, str | None, str | None, str | None]]  # id, parent_id, name, kind
    contacts: list[tuple[str, str, Any, Any]]  # leader, target, since, until
    memberships: list[tuple[str, str, Any, Any]]  # figure, org/unit, since, until
    concerns: list[tuple[str, Any]]  # target, interaction date
    joint_meeting: set[str]  # units in the joint-meeting system (联席会议)


class StoreError(Exception):
    """The store cannot be opened or written; the message is meant for the user."""


class DiskFull(StoreError):
    """The disk (or the database's size limit) is full: the write was not stored."""


class JudgementsUnsupported(StoreError):
    """This backend keeps no duplicate judgements (yet); the message says so."""


#: A planner's verdict on a pair of ids that may name one entity.
VERDICTS = ("same", "different", "unsure")


@dataclass(frozen=True)
class Judgement:
    """A planner's verdict on two ids (``left`` < ``right``), kept apart from loaded rows so
    a reload of the files never touches it."""

    left: str
    right: str
    kind: str
    verdict: str
    judged_at: str  # ISO time, UTC
    judged_by: str | None  # the token id, or None from the command line


@dataclass(frozen=True)
class LoadReport:
    """What a load did, in rows."""

    inserted: int
    updated: int
    unchanged: int
    removed: int = 0

    @property
    def rows(self) -> int:
        return self.inserted + self.updated + self.unchanged


@runtime_checkable
class Store(Protocol):
    """One place the dataset lives. Implemented by the embedded store (and Neo4j)."""

    location: str

    def load(
        self, dataset: Dataset, *, replace: bool = False, progress: ProgressCallback | None = None
    ) -> LoadReport:
        """Write every record of ``dataset`` in one transaction (all or nothing)."""
        ...

    def existing_nodes(self, ids: Collection[str] | None = None) -> dict[str, ExistingNode]:
        """Kind (and parent, for areas and organizations) of every stored id, or of those
        among ``ids`` (a write of a few rows need not read millions)."""
        ...

    def nodes(self) -> Iterator[NodeRecord]: ...

    def links(self) -> Iterator[LinkRecord]: ...

    def policy_overrides(self) -> dict[str, Any]:
        """The policy settings the loaded data overrides (empty for the defaults)."""
        ...

    def version(self) -> int:
        """A number that changes whenever the stored data changes, or a "same" judgement
        is made or undone (the answers count the pair as one entity, or two again)."""
        ...

    def row_count(self) -> int:
        """How many nodes and links are stored."""
        ...

    def graph(self) -> nx.MultiDiGraph:
        """The graph of the stored data, built once per version; ``graph.graph["version"]``
        is the data version it was built from."""
        ...

    def policy(self) -> Policy: ...

    def close(self) -> None: ...

    # -- what the engine reads ------------------------------------------------------------
    def coverage_columns(self) -> CoverageColumns:
        """The plain columns the coverage index is built from."""
        ...

    def participations(self) -> list[tuple[str, str | None, Any]]:
        """(leader, target, date): one row per leader and target of each interaction
        (target None for an interaction without targets)."""
        ...

    def assessment_records(self) -> tuple[Iterator[NodeRecord], Iterator[LinkRecord]]:
        """The records the yearly assessment reads, from one version of the data: leaders
        whole; areas, targets and interactions with just their :data:`ASSESSMENT_FIELDS`;
        ``contacts`` links with just since and until (no other record or field decoded).
        Made a record at a time as they are taken, so they need not all be held at once."""
        ...

    # -- what local graphs read -----------------------------------------------------------
    def neighbourhood(self, ids: Collection[str]) -> tuple[list[NodeRecord], list[LinkRecord]]:
        """The records of ``ids``, every link touching one of them, the nodes at the far end
        of those links, and the interactions naming them (with their links)."""
        ...

    def relationship_ties(self, ids: Collection[str]) -> dict[str, set[tuple[str, str, str]]]:
        """Per stored id among ``ids``, the relationship edges touching it as ``(kind,
        source, target)``: links of a relationship kind either way, and the edges an
        interaction's columns make (a leader's ``took_part``, a target's ``concerns``),
        where both ends are stored — the ties a graph of :meth:`neighbourhood` holds, read
        without the records (no properties decoded). An id with none maps to an empty set;
        an unknown id is left out."""
        ...

    def node_records(self, ids: Collection[str]) -> list[NodeRecord]:
        """The stored records of those of ``ids`` that exist."""
        ...

    def links_among(self, ids: Collection[str]) -> list[LinkRecord]:
        """Every link with both ends among ``ids``."""
        ...

    def prepare_lookups(self) -> None:
        """Build whatever :meth:`neighbourhood` needs to answer quickly (may do nothing)."""
        ...

    # -- duplicate judgements (apart from the loaded rows) --------------------------------
    def judgements(self) -> list[Judgement]:
        """Every kept judgement, ordered by pair. Raises :class:`JudgementsUnsupported` on a
        backend that keeps none."""
        ...

    def judge(self, judgement: Judgement) -> None:
        """Keep ``judgement``, replacing an earlier one of the same pair; one that makes or
        replaces a "same" moves :meth:`version` on (and so does undoing a "same")."""
        ...

    def undo_judgement(self, left: str, right: str) -> Judgement | None:
        """Forget the pair's judgement; the one forgotten, or None if there was none."""
        ...


class StoredRecords(Protocol):
    """Every record of one data version, read a row at a time (a whole export)."""

    def nodes(self) -> Iterator[NodeRecord]: ...

    def links(self) -> Iterator[LinkRecord]: ...

    def existing(self, ids: Collection[str]) -> set[str]:
        """The ids among ``ids`` that name a stored node."""
        ...


@dataclass
class StoreChanges:
    """The records a load changed: each as it was stored before (None if new) and after.

    Rows the load left as they were are not in it. ``overflow``: the load changed more than
    the caller's ``limit`` of rows, and the lists stop there (a rebuild is cheaper then).
    """

    nodes: list[tuple[NodeRecord | None, NodeRecord]]
    links: list[tuple[LinkRecord | None, LinkRecord]]
    overflow: bool = False

    @property
    def rows(self) -> int:
        return len(self.nodes) + len(self.links)


@runtime_checkable
class ReportsChanges(Protocol):
    """A store whose upsert says which records it changed (what a snapshot's arrays need
    to follow a load without reading every column again)."""

    def load_changes(
        self, dataset: Dataset, *, limit: int, progress: ProgressCallback | None = None
    ) -> tuple[LoadReport, StoreChanges]:
        """:meth:`Store.load` (an upsert), with the records it changed, at most ``limit``."""
        ...

    def changes_since(self, version: int) -> list[StoreChanges] | None:
        """What each load after data version ``version`` changed, oldest first (another
        process's writes included); None unless every version up to the current one says
        (a replace or a large load is not logged)."""
        ...


@runtime_checkable
class ReadsTiesToEnds(Protocol):
    """A store that can read only the relationship ties reaching some given nodes (a
    ranking's last step looks for leaders only: most ties there reach others)."""

    def relationship_ties_to(
        self, ids: Collection[str], ends: Collection[str]
    ) -> dict[str, set[tuple[str, str, str]]]:
        """:meth:`Store.relationship_ties` of ``ids``, each id's ties cut to those whose
        other end (the id itself for a tie to itself) is one of ``ends``."""
        ...


@runtime_checkable
class KnowsRowsVersion(Protocol):
    """A store whose data version also moves when a "same" judgement is made or undone
    (merged counting changes the answers) and that can say the version of the loaded rows
    alone: what is worked out from the rows only (the duplicate finder) stays valid while it
    holds."""

    def rows_version(self) -> int:
        """A number that changes whenever a load changes the stored rows, and only then."""
        ...


@runtime_checkable
class ReadsAtOneVersion(Protocol):
    """A store that can hold every read of a snapshot's build to one data version, so a
    build under a stream of writes is not thrown away (it is followed up from there)."""

    def at_one_version(self) -> AbstractContextManager[int]:
        """Reads made inside (by this thread) all see the data version it gives."""
        ...


@runtime_checkable
class KeepsDerived(Protocol):
    """A store that keeps derived data (a built snapshot's arrays) next to the data, so the
    next process reads them back instead of building them. Checked once per workspace."""

    def saved_state(self, name: str, version: int) -> bytes | None:
        """What :meth:`save_state` kept under ``name`` for data version ``version``."""
        ...

    def has_state(self, name: str, version: int) -> bool:
        """Whether :meth:`saved_state` has something for ``name`` and ``version`` (without
        reading it)."""
        ...

    def save_state(self, name: str, version: int, data: bytes) -> bool:
        """Keep ``data`` as built from data version ``version``; refused (False) unless
        ``version`` is still the stored data's version."""
        ...


def merge_policy(overrides: dict[str, Any]) -> Policy:
    """The schema's default policy with a dataset's overrides applied (lines per line).

    >>> merge_policy({"window_days": 180}).window_days
    180
    >>> merge_policy({"lines": {"union": {"unit_kinds": ["soe"]}}}).lines_of("unit", "hospital")
    ()
    """
    lines = dict(SCHEMA.raw["lines"])
    lines.update(overrides.get("lines") or {})
    return SCHEMA.policy_from(overrides, lines)


def merged_overrides(
    stored: dict[str, Any], loaded: dict[str, Any] | None, replace: bool
) -> dict[str, Any]:
    """The policy overrides after a load: a replace keeps only the loaded ones.

    >>> merged_overrides({"window_days": 180}, {"quota_min": 2}, replace=False)
    {'window_days': 180, 'quota_min': 2}
    >>> merged_overrides({"window_days": 180}, None, replace=True)
    {}
    """
    merged = {} if replace else dict(stored)
    merged.update(loaded or {})
    return merged

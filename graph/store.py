"""The storage interface, and :func:`open_store` to pick a backend from a location.

A store persists a validated :class:`~graph.model.Dataset` atomically and hands back its
records (and the ``networkx`` graph built from them, cached per data version). Algorithms
never see which backend they run on.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import networkx as nx

from graph.coverage_index import CoverageColumns
from graph.model import Dataset, ExistingNode, LinkRecord, NodeRecord
from graph.schema import SCHEMA, Policy

__all__ = [
    "DiskFull",
    "KeepsDerived",
    "LoadReport",
    "Store",
    "StoreError",
    "is_server_uri",
    "merge_policy",
    "merged_overrides",
    "open_store",
    "paused_gc",
]

ProgressCallback = Callable[[int], None]


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


class StoreError(Exception):
    """The store cannot be opened or written; the message is meant for the user."""


class DiskFull(StoreError):
    """The disk (or the database's size limit) is full: the write was not stored."""


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
        """A number that changes whenever the stored data changes."""
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

    # -- what local graphs read -----------------------------------------------------------
    def neighbourhood(self, ids: Collection[str]) -> tuple[list[NodeRecord], list[LinkRecord]]:
        """The records of ``ids``, every link touching one of them, the nodes at the far end
        of those links, and the interactions naming them (with their links)."""
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


@runtime_checkable
class KeepsDerived(Protocol):
    """A store that keeps derived data (a built snapshot's arrays) next to the data, so the
    next process reads them back instead of building them. Checked once per workspace."""

    def saved_state(self, name: str, version: int) -> bytes | None:
        """What :meth:`save_state` kept under ``name`` for data version ``version``."""
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


def is_server_uri(location: str) -> bool:
    """Whether a ``--store`` value names a Neo4j server rather than a file."""
    return location.split("://", 1)[0].lower() in {
        "bolt",
        "bolt+s",
        "bolt+ssc",
        "neo4j",
        "neo4j+s",
        "neo4j+ssc",
    }


def open_store(location: str | Path) -> Store:
    """Open the store at ``location``: a file path (embedded) or a ``bolt://`` URI (Neo4j)."""
    text = str(location)
    if is_server_uri(text):
        try:
            from graph.neo4j_store import Neo4jStore  # type: ignore[import-not-found,unused-ignore]
        except ImportError as exc:
            raise StoreError(f"{text}: the Neo4j backend is not available ({exc})") from exc
        store: Store = Neo4jStore(text)
        return store
    from graph.sqlite_store import SQLiteStore

    return SQLiteStore(Path(text))

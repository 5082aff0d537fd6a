"""One dataset's store with its analyses: what the CLI, the API and notebooks call.

>>> import tempfile, pathlib
>>> ws = open_workspace(pathlib.Path(tempfile.mkdtemp()) / "c.db")
>>> ws.coverage(as_of=dt.date(2026, 1, 1))["totals"]
{'targets': 0, 'covered': 0, 'stale': 0, 'indirect': 0, 'uncovered': 0}
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from pathlib import Path
from typing import Any

import networkx as nx

from graph import coverage as cov
from graph.blind_spots import blind_spots
from graph.changes import status_changes
from graph.entities import entity_record, leader_todo, search_entities
from graph.leaders import departure, leader_load, single_points
from graph.network import brokers, communities, ego_network, relationship_path
from graph.recommend import recommend
from graph.schema import Policy
from graph.store import Store, open_store

__all__ = ["Workspace", "open_workspace"]


class Workspace:
    """A store plus the analyses over its graph, with the policy's defaults filled in."""

    def __init__(self, store: Store) -> None:
        self.store = store
        # (data version, as_of, window) -> statuses; analyses of one request share them.
        self._coverage: dict[tuple[int, dt.date, int], dict[str, cov.TargetCoverage]] = {}

    def graph(self) -> nx.MultiDiGraph:
        """The stored data as a graph (rebuilt only when the data changed)."""
        return self.store.graph()

    def target_coverage(
        self, as_of: dt.date | None = None, window_days: int | None = None
    ) -> dict[str, cov.TargetCoverage]:
        """Status, assigned leaders and last contact of every target (cached)."""
        as_of = as_of or dt.date.today()
        window = self._window(window_days)
        key = (self.store.version(), as_of, window)
        if key not in self._coverage:
            if len(self._coverage) > 32:
                self._coverage.clear()
            self._coverage[key] = cov.target_coverage(self.graph(), as_of, window)
        return self._coverage[key]

    @property
    def policy(self) -> Policy:
        return self.store.policy()

    def _window(self, window_days: int | None) -> int:
        if window_days is not None and window_days < 0:
            raise cov.QueryError(f"window_days must be ≥ 0, not {window_days}")
        return self.policy.window_days if window_days is None else window_days

    def coverage(
        self, as_of: dt.date | None = None, window_days: int | None = None
    ) -> dict[str, Any]:
        """The coverage summary (spec section 4)."""
        as_of = as_of or dt.date.today()
        window = self._window(window_days)
        server_side = getattr(self.store, "coverage_summary", None)
        if server_side is not None:  # a server backend counts where the data lives
            return dict(server_side(as_of, window, self.policy))
        return cov.coverage_summary(
            self.graph(), as_of, window, self.policy, self.target_coverage(as_of, window)
        )

    def gaps(
        self,
        as_of: dt.date | None = None,
        window_days: int | None = None,
        *,
        statuses: Collection[str] = ("uncovered", "stale"),
        kind: str | None = None,
        category: str | None = None,
        line: str | None = None,
        area_id: str | None = None,
    ) -> dict[str, Any]:
        """The gap list (spec section 4), filtered."""
        as_of = as_of or dt.date.today()
        window = self._window(window_days)
        server_side = getattr(self.store, "gap_list", None)
        if server_side is not None:
            return dict(
                server_side(
                    as_of,
                    window,
                    self.policy,
                    statuses=statuses,
                    kind=kind,
                    category=category,
                    line=line,
                    area_id=area_id,
                )
            )
        return cov.gap_list(
            self.graph(),
            as_of,
            window,
            self.policy,
            statuses=statuses,
            kind=kind,
            category=category,
            line=line,
            area_id=area_id,
            coverage=self.target_coverage(as_of, window),
        )

    def _args(
        self, as_of: dt.date | None, window_days: int | None
    ) -> tuple[nx.MultiDiGraph, dt.date, int]:
        as_of = as_of or dt.date.today()
        return self.graph(), as_of, self._window(window_days)

    def leaders(
        self, as_of: dt.date | None = None, window_days: int | None = None
    ) -> dict[str, Any]:
        """Leader load and quota status, worst first."""
        graph, as_of, window = self._args(as_of, window_days)
        return leader_load(graph, as_of, window, self.policy, self.target_coverage(as_of, window))

    def single_points(
        self, as_of: dt.date | None = None, window_days: int | None = None
    ) -> dict[str, Any]:
        """Targets with exactly one assigned leader."""
        graph, as_of, window = self._args(as_of, window_days)
        return single_points(graph, as_of, window, self.target_coverage(as_of, window))

    def departure(
        self,
        leader_ids: Collection[str],
        as_of: dt.date | None = None,
        window_days: int | None = None,
    ) -> dict[str, Any]:
        """Targets orphaned if these leaders left, with ranked successors."""
        graph, as_of, window = self._args(as_of, window_days)
        return departure(
            graph, leader_ids, as_of, window, self.policy, self.target_coverage(as_of, window)
        )

    def blind_spots(
        self, as_of: dt.date | None = None, window_days: int | None = None
    ) -> dict[str, Any]:
        """Empty area × category cells, towns without a station, the five-line score."""
        graph, as_of, window = self._args(as_of, window_days)
        return blind_spots(graph, as_of, window, self.policy, self.target_coverage(as_of, window))

    def recommend(
        self,
        as_of: dt.date | None = None,
        window_days: int | None = None,
        statuses: Collection[str] = ("uncovered", "stale"),
    ) -> dict[str, Any]:
        """A global min-cost assignment of leaders to targets without an active owner."""
        graph, as_of, window = self._args(as_of, window_days)
        wanted = cov.parse_statuses(statuses)
        return recommend(
            graph,
            as_of,
            window,
            self.policy,
            statuses=wanted,
            coverage=self.target_coverage(as_of, window),
        )

    def changes(
        self, start: dt.date, end: dt.date | None = None, window_days: int | None = None
    ) -> dict[str, Any]:
        """Targets whose status changed between two dates."""
        return status_changes(
            self.graph(), start, end or dt.date.today(), self._window(window_days)
        )

    def entity(
        self, node_id: str, as_of: dt.date | None = None, window_days: int | None = None
    ) -> dict[str, Any]:
        """One entity's record: properties, coverage, ties, recent interactions."""
        graph, as_of, window = self._args(as_of, window_days)
        return entity_record(graph, node_id, as_of, window, self.target_coverage(as_of, window))

    def search(self, query: str, limit: int = 50) -> dict[str, Any]:
        """Entities by name, id or pinyin."""
        return search_entities(self.graph(), query, limit)

    def todo(
        self, leader_id: str, as_of: dt.date | None = None, window_days: int | None = None
    ) -> dict[str, Any]:
        """A leader's overdue and soon-due targets."""
        graph, as_of, window = self._args(as_of, window_days)
        return leader_todo(
            graph, leader_id, as_of, window, coverage=self.target_coverage(as_of, window)
        )

    def network(self, node_id: str, depth: int = 1) -> dict[str, Any]:
        """The ego network of any entity."""
        return ego_network(self.graph(), node_id, depth)

    def path(self, source: str, target: str) -> dict[str, Any]:
        """The shortest chain of real relationships between two entities."""
        return relationship_path(self.graph(), source, target)

    def brokers(self, top: int = 20) -> dict[str, Any]:
        """Figures and organizations bridging groups (betweenness)."""
        return brokers(self.graph(), top=top)

    def communities(self) -> dict[str, Any]:
        """Densely tied groups (Louvain)."""
        return communities(self.graph())

    def close(self) -> None:
        self.store.close()


def open_workspace(location: str | Path) -> Workspace:
    """Open the store at ``location`` (a file path or a ``bolt://`` URI) for analysis."""
    return Workspace(open_store(location))

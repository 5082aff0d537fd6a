"""One dataset's store with its analyses: what the CLI, the API and notebooks call.

>>> import tempfile, pathlib
>>> ws = open_workspace(pathlib.Path(tempfile.mkdtemp()) / "c.db")
>>> ws.coverage(as_of=dt.date(2026, 1, 1))["totals"]
{'targets': 0, 'covered': 0, 'stale': 0, 'indirect': 0, 'uncovered': 0}
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable, Collection
from pathlib import Path
from typing import Any, Literal, TypeVar

import networkx as nx
import numpy as np

from graph import coverage as cov
from graph import index_analyses as arrays
from graph.answers import Answer, NetworkView
from graph.build import build_graph
from graph.coverage_index import CoverageIndex
from graph.entities import entity_record, search_entities
from graph.index_analyses import LeaderActivity
from graph.leaders import departure
from graph.model import Dataset, LinkRecord, NodeRecord
from graph.network import (
    brokers,
    communities,
    ego_network,
    relationship_path,
    relationship_view,
)
from graph.recommend import recommend
from graph.schema import Policy
from graph.store import LoadReport, Store, open_store

__all__ = ["LOCAL_GRAPH_MAX_NODES", "Workspace", "open_workspace"]

log = logging.getLogger(__name__)
_Kept = TypeVar("_Kept", CoverageIndex, LeaderActivity)
_Patch = Callable[
    [CoverageIndex, LeaderActivity | None], tuple[CoverageIndex | None, LeaderActivity | None]
]

# A local graph (an entity's or an ego network's part of the data) stops growing here.
LOCAL_GRAPH_MAX_NODES = 50_000


class _Part:
    """Records read from a store a neighbourhood at a time, for a local graph."""

    def __init__(self, store: Store) -> None:
        self.neighbourhood = store.neighbourhood  # type: ignore[attr-defined]
        self.nodes: dict[str, NodeRecord] = {}
        self.links: dict[str, LinkRecord] = {}
        self.expanded: set[str] = set()

    def grow(self, ids: set[str]) -> None:
        """Add the neighbourhoods of ``ids`` (those not read yet)."""
        fresh = ids - self.expanded
        if fresh:
            nodes, links = self.neighbourhood(fresh)
            self.add(nodes)
            self.links.update((link.key, link) for link in links)
            self.expanded |= fresh

    def add(self, nodes: list[NodeRecord]) -> None:
        self.nodes.update((n.id, n) for n in nodes)

    def graph(self) -> nx.MultiDiGraph:
        # In the store's order (kind, id / kind, key), so edges come out of the graph in the
        # same order as from the whole graph and the first edge between two nodes is the same.
        return build_graph(
            sorted(self.nodes.values(), key=lambda n: (n.kind, n.id)),
            sorted(self.links.values(), key=lambda link: (link.kind, link.key)),
        )


class Workspace:
    """A store plus the analyses over its graph, with the policy's defaults filled in."""

    def __init__(self, store: Store, graph_max_rows: int | None = None) -> None:
        self.store = store
        # Above this many stored rows, analyses that need the whole networkx graph refuse
        # (about 2.5 KB of memory per row); None: no limit (the CLI and notebooks).
        self.graph_max_rows = graph_max_rows
        self._rows: tuple[int, int] | None = None
        # (data version, as_of, window) -> statuses; analyses of one request share them.
        self._coverage: dict[tuple[int, dt.date, int], dict[str, cov.TargetCoverage]] = {}
        # Built once per data version: the array index and the policy.
        self._index: tuple[int, CoverageIndex] | None = None
        self._activity: tuple[int, LeaderActivity] | None = None
        self._policy: tuple[int, Policy] | None = None
        # Answers of the aggregate queries, per (data version, query, arguments).
        self._answers: dict[tuple[Any, ...], dict[str, Any]] = {}
        self._lock = threading.RLock()
        self._activity_lock = threading.Lock()  # taken after _lock, never before it

    def index(self) -> CoverageIndex:
        """The array index for coverage and gaps (built once per data version)."""
        with self._lock:
            version = self.store.version()
            if self._index is None or self._index[0] != version:
                read_columns = getattr(self.store, "coverage_columns", None)
                index = self._kept(
                    "coverage_index",
                    version,
                    CoverageIndex.from_bytes,
                    lambda: (
                        CoverageIndex(read_columns())
                        if read_columns is not None
                        else CoverageIndex.from_records(self.store.nodes(), self.store.links())
                    ),
                )
                self._index = (version, index)
            return self._index[1]

    def activity(self) -> LeaderActivity:
        """Who met whom when, as arrays (built once per data version, after the index).

        Built under a lock of its own: coverage and gaps need not wait for it.
        """
        index = self.index()
        with self._activity_lock:
            version = self.store.version()
            if self._activity is None or self._activity[0] != version:
                read_rows = getattr(self.store, "participations", None)
                activity = self._kept(
                    "leader_activity",
                    version,
                    LeaderActivity.from_bytes,
                    lambda: (
                        LeaderActivity(index, read_rows())
                        if read_rows is not None
                        else LeaderActivity.from_records(index, self.store.nodes())
                    ),
                )
                self._activity = (version, activity)
            return self._activity[1]

    def load(self, dataset: Dataset) -> LoadReport:
        """Store ``dataset`` (upsert, one transaction) and keep the arrays up to date.

        A write of new interactions only (what a leader logs) or of contacts only (assigning
        or ending them) patches the index and the leaders' interaction table already built,
        instead of leaving them to be rebuilt: 27 s for the next coverage answer at 10^6
        targets. Anything else, or another writer in between, and they are rebuilt on the
        next read as before.
        """
        with self._lock, self._activity_lock:
            before = self.store.version()
            patch = self._patch_for(dataset)
            report = self.store.load(dataset)
            after = self.store.version()
            built, activity = self._index, self._activity
            if patch is not None and after == before + 1 and built and built[0] == before:
                index, patched = patch(
                    built[1], activity[1] if activity and activity[0] == before else None
                )
                if index is not None:
                    self._index = (after, index)
                    if patched is not None:
                        self._activity = (after, patched)
            return report

    def _patch_for(self, dataset: Dataset) -> _Patch | None:
        """How to bring the arrays of the version before ``dataset`` up to date with it,
        if it can be done: (index, leader table or None) -> the same after the write
        (index None: rebuild)."""
        if dataset.policy:
            return None
        nodes, links = dataset.nodes, dataset.links
        if not links and nodes and all(n.kind == "interaction" for n in nodes):
            if self.store.existing_nodes([n.id for n in nodes]):
                return None  # an upsert of a stored interaction: its old rows would stay
            concerns = [(t, n.props["date"]) for n in nodes for t in n.props["target_ids"]]
            rows = LeaderActivity.rows_of(nodes)

            def add_interactions(
                index: CoverageIndex, activity: LeaderActivity | None
            ) -> tuple[CoverageIndex | None, LeaderActivity | None]:
                index = index.with_concerns(concerns)
                return index, activity.with_rows(index, rows) if activity else None

            return add_interactions
        if not nodes and links and all(link.kind == "contacts" for link in links):
            contacts = self._contact_rows(links)
            if contacts is None:
                return None
            # Contacts are not in the leaders' interaction table: it carries over as it is.
            return lambda index, activity: (index.with_contacts(contacts), activity)
        return None

    def _contact_rows(
        self, links: list[LinkRecord]
    ) -> list[tuple[str, str, Any, Any, bool]] | None:
        """The contacts a write holds, each marked if it replaces a stored one (the store
        upserts by key); None if the store cannot tell."""
        links_among = getattr(self.store, "links_among", None)
        if links_among is None:
            return None
        ends = {link.source_id for link in links} | {link.target_id for link in links}
        stored = {link.key: link for link in links_among(ends) if link.kind == "contacts"}
        rows = []
        for link in links:
            old = stored.get(link.key)
            triple = (link.source_id, link.target_id, link.props.get("since"))
            if old is not None and (old.source_id, old.target_id, old.props.get("since")) != triple:
                return None  # a key whose contact is another: rebuild
            rows.append((*triple, link.props.get("until"), old is not None))
            stored[link.key] = link  # a later row with the same key replaces this one
        return rows

    def warm(self) -> None:
        """Build (or read back) what the first requests need: the coverage index, the
        leaders' interaction table and, past the whole-graph limit, the store's lookup of
        who each interaction names (about 9 s at 10^6 targets)."""
        self.activity()  # builds the index first
        if self._uses_local_graphs():
            self.store.prepare_lookups()  # type: ignore[attr-defined]

    def _kept(
        self, name: str, version: int, restore: Callable[[bytes], _Kept], build: Callable[[], _Kept]
    ) -> _Kept:
        """What the store kept of ``name`` for this data version, else built (and kept).

        A store that keeps derived data (the embedded one) spares the next process the
        build: about 25 s for the index at 10^6 targets, against 2 s to read it back.
        """
        saved = getattr(self.store, "saved_state", None)
        data = saved(name, version) if saved is not None else None
        if data is not None:
            try:
                return restore(data)
            except ValueError:
                log.warning("rebuilding %s: the kept copy is unreadable", name)
        value = build()
        save = getattr(self.store, "save_state", None)
        if save is not None and self.store.version() == version:
            save(name, version, value.to_bytes())
        return value

    def _memo(self, key: tuple[Any, ...], compute: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        """``compute()``, remembered for this data version (answers are not to be mutated).

        Computed outside the lock, so a slow analysis does not hold up cached answers.
        """
        full_key = (self.store.version(), *key)
        with self._lock:
            if full_key in self._answers:
                return self._answers[full_key]
        answer = compute()
        with self._lock:
            if len(self._answers) > 256:
                self._answers.clear()
            return self._answers.setdefault(full_key, answer)

    def graph(self) -> nx.MultiDiGraph:
        """The stored data as a graph (rebuilt only when the data changed).

        Raises :class:`~graph.coverage.GraphTooLarge` when the store holds more rows than
        ``graph_max_rows``.
        """
        rows = self._rows_over_limit()
        if rows is not None:
            raise cov.GraphTooLarge(
                f"this analysis needs the whole graph in memory, and the store holds "
                f"{rows:,} rows, more than this server's limit of {self.graph_max_rows:,} "
                "(CONCENTRIC_GRAPH_MAX_ROWS, about 2.5 KB of memory per row). Coverage, gaps, "
                "blind spots, leaders, to-do lists, changes, entity records, ego networks, "
                "their pictures and area maps answer at any size; run this analysis from the "
                "command line, or raise the limit on a bigger machine"
            )
        return self.store.graph()

    def _rows_over_limit(self) -> int | None:
        """The stored row count when it is over ``graph_max_rows``, else None."""
        limit = self.graph_max_rows
        if limit is None:
            return None
        with self._lock:
            version = self.store.version()
            if self._rows is None or self._rows[0] != version:
                self._rows = (version, self.store.row_count())
            rows = self._rows[1]
        return rows if rows > limit else None

    def _uses_local_graphs(self) -> bool:
        """Whether local analyses read just their part of the data (over the whole-graph
        limit, on a store that can hand out neighbourhoods)."""
        return hasattr(self.store, "neighbourhood") and self._rows_over_limit() is not None

    def local_graph(self, center: str, depth: int = 1) -> nx.MultiDiGraph:
        """The part of the data within ``depth`` relationship steps of ``center``, as a graph.

        Every node within ``depth`` steps (as :func:`graph.network.ego_network` counts them)
        with every edge among them, and every edge of the nodes nearer than ``depth``, with
        their far ends: what an entity record (depth 1) or an ego network needs, read from
        the store without building the whole graph. Raises UnknownId for an unknown id and
        GraphTooLarge past ``LOCAL_GRAPH_MAX_NODES`` nodes.
        """
        part = _Part(self.store)
        frontier = {center}
        for step in range(max(depth, 1)):
            part.grow(frontier)
            if center not in part.nodes:
                raise cov.UnknownId(f"unknown id {center!r}")
            if len(part.nodes) > LOCAL_GRAPH_MAX_NODES:
                raise cov.GraphTooLarge(
                    f"the network of {center!r} reaches more than {LOCAL_GRAPH_MAX_NODES:,} "
                    f"nodes within {step + 1} steps; ask for fewer steps"
                )
            view = relationship_view(part.graph())
            reach = (
                nx.single_source_shortest_path_length(view, center, cutoff=step + 1)
                if center in view
                else {}
            )
            frontier = {n for n, d in reach.items() if d == step + 1} - part.expanded
            if not frontier:
                break
        else:
            # Links between two nodes both ``depth`` steps out touch no expanded node.
            among = self.store.links_among(frontier)  # type: ignore[attr-defined]
            part.links.update((link.key, link) for link in among)
        return part.graph()

    def target_coverage(
        self, as_of: dt.date | None = None, window_days: int | None = None
    ) -> dict[str, cov.TargetCoverage]:
        """Status, assigned leaders and last contact of every target (cached)."""
        as_of, window = self._when(as_of, window_days)
        with self._lock:
            key = (self.store.version(), as_of, window)
            if key not in self._coverage:
                if len(self._coverage) > 32:
                    self._coverage.clear()
                self._coverage[key] = self.index().target_coverage(as_of, window)
            return self._coverage[key]

    @property
    def policy(self) -> Policy:
        with self._lock:
            version = self.store.version()
            if self._policy is None or self._policy[0] != version:
                self._policy = (version, self.store.policy())
            return self._policy[1]

    def _window(self, window_days: int | None) -> int:
        if window_days is not None and window_days < 0:
            raise cov.QueryError(f"window_days must be ≥ 0, not {window_days}")
        return self.policy.window_days if window_days is None else window_days

    def coverage(self, as_of: dt.date | None = None, window_days: int | None = None) -> Answer:
        """The coverage summary (spec section 4)."""
        as_of, window = self._when(as_of, window_days)
        server_side = getattr(self.store, "coverage_summary", None)
        if server_side is not None:  # a server backend counts where the data lives
            return Answer(server_side(as_of, window, self.policy), "coverage")
        policy = self.policy
        summary = self._memo(
            ("coverage", as_of, window), lambda: self.index().summary(as_of, window, policy)
        )
        return Answer(summary, "coverage")

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
    ) -> Answer:
        """The gap list (spec section 4), filtered."""
        as_of, window = self._when(as_of, window_days)
        server_side = getattr(self.store, "gap_list", None)
        if server_side is not None:
            return Answer(
                server_side(
                    as_of,
                    window,
                    self.policy,
                    statuses=statuses,
                    kind=kind,
                    category=category,
                    line=line,
                    area_id=area_id,
                ),
                "gaps",
            )
        policy = self.policy
        answer = self._memo(
            ("gaps", as_of, window, tuple(statuses), kind, category, line, area_id),
            lambda: self.index().gap_list(
                as_of,
                window,
                policy,
                statuses=statuses,
                kind=kind,
                category=category,
                line=line,
                area_id=area_id,
            ),
        )
        return Answer(answer, "gaps")

    def _when(self, as_of: dt.date | None, window_days: int | None) -> tuple[dt.date, int]:
        """The date (today unless given) and the window (the policy's unless given)."""
        return as_of or dt.date.today(), self._window(window_days)

    def _args(
        self, as_of: dt.date | None, window_days: int | None
    ) -> tuple[nx.MultiDiGraph, dt.date, int]:
        return self.graph(), *self._when(as_of, window_days)

    def leaders(self, as_of: dt.date | None = None, window_days: int | None = None) -> Answer:
        """Leader load and quota status, worst first."""
        as_of, window = self._when(as_of, window_days)
        policy = self.policy
        return Answer(
            self._memo(
                ("leaders", as_of, window),
                lambda: arrays.leader_load(self.index(), self.activity(), as_of, window, policy),
            ),
            "leaders",
        )

    def single_points(self, as_of: dt.date | None = None, window_days: int | None = None) -> Answer:
        """Targets with exactly one assigned leader."""
        as_of, window = self._when(as_of, window_days)
        return Answer(
            self._memo(
                ("single_points", as_of, window),
                lambda: arrays.single_points(self.index(), as_of, window),
            ),
            "single_points",
        )

    def departure(
        self,
        leader_ids: Collection[str],
        as_of: dt.date | None = None,
        window_days: int | None = None,
    ) -> Answer:
        """Targets orphaned if these leaders left, with ranked successors."""
        graph, as_of, window = self._args(as_of, window_days)
        return Answer(
            departure(
                graph, leader_ids, as_of, window, self.policy, self.target_coverage(as_of, window)
            ),
            "departure",
        )

    def blind_spots(self, as_of: dt.date | None = None, window_days: int | None = None) -> Answer:
        """Empty area × category cells, towns without a station, the five-line score."""
        as_of, window = self._when(as_of, window_days)
        policy = self.policy
        return Answer(
            self._memo(
                ("blind_spots", as_of, window),
                lambda: arrays.blind_spots(self.index(), self.activity(), as_of, window, policy),
            ),
            "blind_spots",
        )

    def recommend(
        self,
        as_of: dt.date | None = None,
        window_days: int | None = None,
        statuses: Collection[str] = ("uncovered", "stale"),
    ) -> Answer:
        """A global min-cost assignment of leaders to targets without an active owner."""
        graph, as_of, window = self._args(as_of, window_days)
        wanted = cov.parse_statuses(statuses)
        return Answer(
            self._memo(
                ("recommend", as_of, window, tuple(wanted)),
                lambda: recommend(
                    graph,
                    as_of,
                    window,
                    self.policy,
                    statuses=wanted,
                    coverage=self.target_coverage(as_of, window),
                ),
            ),
            "recommend",
        )

    def changes(
        self, start: dt.date, end: dt.date | None = None, window_days: int | None = None
    ) -> Answer:
        """Targets whose status changed between two dates."""
        end, window = end or dt.date.today(), self._window(window_days)
        return Answer(
            self._memo(
                ("changes", start, end, window),
                lambda: arrays.status_changes(self.index(), start, end, window),
            ),
            "changes",
        )

    def entity(
        self, node_id: str, as_of: dt.date | None = None, window_days: int | None = None
    ) -> Answer:
        """One entity's record: properties, coverage, ties, recent interactions."""
        as_of, window = self._when(as_of, window_days)
        if self._uses_local_graphs():
            graph = self.local_graph(node_id)
            coverage = self.index().coverage_of([node_id], as_of, window)
        else:
            graph, coverage = self.graph(), self.target_coverage(as_of, window)
        return Answer(entity_record(graph, node_id, as_of, window, coverage), "entity")

    def search(self, query: str, limit: int = 50) -> Answer:
        """Entities by name, id or pinyin."""
        return Answer(search_entities(self.graph(), query, limit), "search")

    def todo(
        self,
        leader_id: str,
        as_of: dt.date | None = None,
        window_days: int | None = None,
        due_within: int = 30,
    ) -> Answer:
        """A leader's targets that are overdue or due within ``due_within`` days."""
        as_of, window = self._when(as_of, window_days)
        return Answer(
            arrays.leader_todo(self.index(), leader_id, as_of, window, due_within), "todo"
        )

    def assigned_targets(self, leader_id: str, as_of: dt.date | None = None) -> set[str]:
        """The targets a leader has an open contact with (today unless ``as_of``)."""
        index = self.index()
        found = arrays.assigned_targets(index, leader_id, as_of or dt.date.today())
        return {index.ids[i] for i in found.tolist()}

    def leader(self, leader_id: str) -> dict[str, Any]:
        """A leader's id, name and post (in office or not)."""
        row = self.index().leaders.get(leader_id)
        if row is None:
            raise cov.UnknownId(f"unknown leader id {leader_id!r}")
        return {"id": leader_id, "name": row[1], "post": row[2]}

    def names(self, *kinds: str) -> dict[str, str]:
        """Display names (the id when unnamed) of every leader and/or area, by id."""
        index = self.index()
        names: dict[str, str] = {}
        for kind in kinds:
            if kind == "leader":
                names.update((lead, str(row[1] or lead)) for lead, row in index.leaders.items())
            elif kind == "area":
                names.update((a, str(name or a)) for a, name in index.area_names.items())
            else:
                raise ValueError(f"names of leaders or areas, not {kind!r}")
        return names

    def areas(self, kinds: Collection[str]) -> list[dict[str, str]]:
        """The areas of these kinds (district, town, ...) as ``{"id", "name"}``, by id."""
        index = self.index()
        return [
            {"id": a, "name": str(index.area_names.get(a) or a)}
            for a in index.area_list
            if index.area_kinds.get(a) in kinds
        ]

    def leader_network_html(
        self,
        leader_id: str,
        as_of: dt.date | None = None,
        window_days: int | None = None,
        *,
        text: Callable[[str], str] | None = None,
    ) -> str:
        """A leader's contact network as a page (see :func:`graph.render.leader_network_html`).

        Over the whole-graph limit it reads the leader's part of the data in three rounds:
        the leader's ties; its targets' and interactions' ties, which fix what is drawn;
        then the ties of everything drawn, with every area, so each card reads as it would
        on the whole graph.
        """
        from graph import render

        as_of, window = self._when(as_of, window_days)
        if not self._uses_local_graphs():
            coverage = self.target_coverage(as_of, window)
            return render.leader_network_html(
                self.graph(), leader_id, as_of, window, coverage=coverage, text=text
            )
        part = _Part(self.store)
        part.grow({leader_id})
        graph = part.graph()
        if graph.nodes.get(leader_id, {}).get("kind") == "leader":
            # Its targets and interactions (not its area: that is everyone in the area).
            part.grow({n for n in graph.successors(leader_id) if graph.nodes[n]["kind"] != "area"})
            graph = part.graph()
            drawn = render.leader_network_nodes(
                graph, leader_id, as_of, window, self._coverage_in(graph, as_of, window)
            )
            part.grow(set(drawn))
            part.add(self.store.node_records(self.index().area_list))  # type: ignore[attr-defined]
            graph = part.graph()
        coverage = self._coverage_in(graph, as_of, window)
        return render.leader_network_html(
            graph, leader_id, as_of, window, coverage=coverage, text=text
        )

    def ego_network_html(
        self,
        node_id: str,
        depth: int = 1,
        as_of: dt.date | None = None,
        window_days: int | None = None,
        *,
        text: Callable[[str], str] | None = None,
    ) -> str:
        """An entity's ego network as a page (see :func:`graph.render.ego_network_html`).

        Over the whole-graph limit: the local graph ``depth`` steps deep fixes what is
        drawn; the ties of everything drawn, with every area, fill in the cards.
        """
        from graph import render

        as_of, window = self._when(as_of, window_days)
        if not self._uses_local_graphs():
            coverage = self.target_coverage(as_of, window)
            return render.ego_network_html(
                self.graph(), node_id, depth, as_of, window, coverage=coverage, text=text
            )
        if depth < 0:
            raise cov.QueryError(f"depth must be ≥ 0, not {depth}")
        local = self.local_graph(node_id, depth)
        part = _Part(self.store)
        part.grow({n["id"] for n in ego_network(local, node_id, depth)["nodes"]})
        part.add(self.store.node_records(self.index().area_list))  # type: ignore[attr-defined]
        graph = part.graph()
        coverage = self._coverage_in(graph, as_of, window)
        counts = self._area_counts(as_of, window)
        return render.ego_network_html(
            graph, node_id, depth, as_of, window, coverage=coverage, area_counts=counts, text=text
        )

    def area_map_html(
        self,
        area_id: str,
        as_of: dt.date | None = None,
        window_days: int | None = None,
        *,
        text: Callable[[str], str] | None = None,
    ) -> str:
        """An area's coverage map as a page (see :func:`graph.render.area_map_html`).

        Over the whole-graph limit: the index names the areas below it and the targets in
        them; their ties and every area are read from the store. An area holding more than
        ``LOCAL_GRAPH_MAX_NODES`` targets is refused (pick an area below it).
        """
        from graph import render

        as_of, window = self._when(as_of, window_days)
        if not self._uses_local_graphs():
            coverage = self.target_coverage(as_of, window)
            return render.area_map_html(
                self.graph(), area_id, as_of, window, coverage=coverage, text=text
            )
        index = self.index()
        part = _Part(self.store)
        part.add(self.store.node_records(index.area_list))  # type: ignore[attr-defined]
        if area_id in index.area_position:
            inside = np.nonzero(index.within_area(area_id))[0].tolist()
            if len(inside) > LOCAL_GRAPH_MAX_NODES:
                raise cov.GraphTooLarge(
                    f"the map of {area_id!r} holds {len(inside):,} targets, more than "
                    f"{LOCAL_GRAPH_MAX_NODES:,}; open the map of an area below it"
                )
            part.grow({index.ids[i] for i in inside})
        else:  # not an area: the page says what it is
            part.add(self.store.node_records([area_id]))  # type: ignore[attr-defined]
        graph = part.graph()
        # Every target of the area and the areas below it is read, so its cards count all.
        coverage = self._coverage_in(graph, as_of, window)
        return render.area_map_html(graph, area_id, as_of, window, coverage=coverage, text=text)

    def _area_counts(self, as_of: dt.date, window: int) -> dict[str, dict[str, int]]:
        """Targets per status in each area and the areas below it (an area's card counts
        every target in it, not only those a local graph read)."""
        by_area = self.coverage(as_of, window)["by_area"]
        return {a: {s: row[s] for s in cov.STATUSES} for a, row in by_area.items()}

    def _coverage_in(
        self, graph: nx.MultiDiGraph, as_of: dt.date, window: int
    ) -> dict[str, cov.TargetCoverage]:
        """Coverage of the targets in a local graph, from the index."""
        return self.index().coverage_of(graph.nodes, as_of, window)

    def edges_between(self, source: str, target: str) -> list[dict[str, Any]]:
        """The attributes of every edge from ``source`` to ``target`` (any size of data)."""
        graph = self.local_graph(source) if self._uses_local_graphs() else self.graph()
        return list((graph.get_edge_data(source, target) or {}).values())

    def network(self, node_id: str, depth: int = 1) -> Answer:
        """The ego network of any entity."""
        if depth < 0:
            raise cov.QueryError(f"depth must be ≥ 0, not {depth}")
        graph = self.local_graph(node_id, depth) if self._uses_local_graphs() else self.graph()
        return Answer(ego_network(graph, node_id, depth), "network")

    def path(self, source: str, target: str) -> Answer:
        """The shortest chain of real relationships between two entities."""
        return Answer(relationship_path(self.graph(), source, target), "path")

    def brokers(self, top: int = 20) -> Answer:
        """Figures and organizations bridging groups (betweenness)."""
        graph = self.graph()
        return Answer(self._memo(("brokers", top), lambda: brokers(graph, top=top)), "brokers")

    def communities(self) -> Answer:
        """Densely tied groups (Louvain)."""
        graph = self.graph()
        return Answer(self._memo(("communities",), lambda: communities(graph)), "communities")

    def show(
        self,
        node_id: str,
        depth: int = 1,
        *,
        view: Literal["auto", "ego", "leader", "area"] = "auto",
        as_of: dt.date | None = None,
        window_days: int | None = None,
        height: int = 640,
    ) -> NetworkView:
        """Draw an entity's network for a notebook (shown inline; ``.save(path)`` writes it).

        ``view="auto"`` draws a leader's contact network for a leader, the coverage map
        for an area and the ego network ``depth`` steps deep for anything else; ``"ego"``,
        ``"leader"`` and ``"area"`` choose a view. Targets are coloured by status.
        """
        index = self.index()
        position = index.position.get(node_id)
        if node_id in index.leaders:
            kind, name = "leader", index.leaders[node_id][1]
        elif node_id in index.area_position:
            kind, name = "area", index.area_names.get(node_id)
        else:
            kind, name = None, index.names[position] if position is not None else None
        if view == "auto":
            view = "leader" if kind == "leader" else "area" if kind == "area" else "ego"
        if view == "leader":
            page = self.leader_network_html(node_id, as_of, window_days)
        elif view == "area":
            page = self.area_map_html(node_id, as_of, window_days)
        else:
            page = self.ego_network_html(node_id, depth, as_of, window_days)
        return NetworkView(f"{name or node_id} ({node_id}): {view}", page, height)

    def close(self) -> None:
        self.store.close()


def open_workspace(location: str | Path, graph_max_rows: int | None = None) -> Workspace:
    """Open the store at ``location`` (a file path or a ``bolt://`` URI) for analysis."""
    return Workspace(open_store(location), graph_max_rows)

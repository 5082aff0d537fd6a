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
from collections.abc import Callable, Collection, Iterable, Mapping
from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import networkx as nx
import numpy as np

from concentric.graph.engine import coverage as cov
from concentric.graph.engine import index_analyses as arrays
from concentric.graph.engine.assessment import assessment, assessment_data
from concentric.graph.engine.completeness import completeness, links_named
from concentric.graph.engine.coverage_index import CoverageIndex, out_of_office
from concentric.graph.engine.entities import entity_record
from concentric.graph.engine.index_analyses import LeaderActivity
from concentric.graph.engine.index_delta import delta_limit
from concentric.graph.engine.leaders import check_leaders
from concentric.graph.engine.merge import (
    merged_groups,
)
from concentric.graph.engine.search import SearchIndex
from concentric.graph.network.network import (
    brokers,
    communities,
    ego_network,
    path_answer,
    relationship_path,
    relationship_view,
    shortest_chain,
)
from concentric.graph.network.recommend import (
    Candidate,
    Context,
    Reader,
    assign,
    capacities,
    departure_answer,
    orphaned_by,
    rank_for,
    ties_ending_in,
)
from concentric.graph.schema.build import build_graph, node_attributes
from concentric.graph.schema.model import Dataset, LinkRecord, NodeRecord
from concentric.graph.schema.schema import SCHEMA, Policy
from concentric.graph.snapshots import AnswerMemo, Snapshot, Snapshots
from concentric.graph.store.factory import open_store
from concentric.graph.store.load_diff import DIFF_ROWS, LoadDiff, PreviewsLoads, diff_from_records
from concentric.graph.store.protocol import (
    LoadReport,
    ProgressCallback,
    ReadsTiesToEnds,
    ReportsChanges,
    Store,
    StoreChanges,
)
from concentric.graph.store.register import REGISTER_KINDS, ReadsRegister
from concentric.graph.views.answers import Answer, NetworkView

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "LOCAL_GRAPH_MAX_NODES",
    "Snapshot",
    "Snapshots",
    "Workspace",
    "area_category_matrix",
    "area_coverage",
    "open_workspace",
]

log = logging.getLogger(__name__)

# Past the whole-graph limit, recommendations go an area of none of these kinds at a time.
WHOLE_AREA_KINDS = frozenset({"district"})

# A local graph (an entity's or an ego network's part of the data) stops growing here.
LOCAL_GRAPH_MAX_NODES = 50_000


class _Part:
    """Records read from a store a neighbourhood at a time, for a local graph."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.nodes: dict[str, NodeRecord] = {}
        self.links: dict[str, LinkRecord] = {}
        self.expanded: set[str] = set()

    def grow(self, ids: set[str]) -> None:
        """Add the neighbourhoods of ``ids`` (those not read yet)."""
        fresh = ids - self.expanded
        if fresh:
            nodes, links = self.store.neighbourhood(fresh)
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


class _StoreReader:
    """Records and relationship ties read from a store (the ranking's
    :class:`~graph.network.recommend.Reader`), each read once: ties as ids and kinds only,
    records only for the ids the ranking looks at."""

    def __init__(self, store: Store, known: Mapping[str, dict[str, Any]] | None = None) -> None:
        self.store = store
        # ``known``: records read already (of this data version), not read again.
        self._records: dict[str, dict[str, Any]] = dict(known or {})
        # Per id asked for: its ties, or None for an id that names no stored node.
        self._ties: dict[str, set[tuple[str, str, str]] | None] = {}

    def records(self, ids: Collection[str]) -> dict[str, dict[str, Any]]:
        missing = [n for n in ids if n not in self._records]
        if missing:
            self._records.update(
                (node.id, node_attributes(node)) for node in self.store.node_records(missing)
            )
        return {n: self._records[n] for n in ids if n in self._records}

    def ties(self, ids: Collection[str]) -> dict[str, set[tuple[str, str, str]]]:
        fresh = {n for n in ids if n not in self._ties}
        if fresh:
            found = self.store.relationship_ties(fresh)
            self._ties.update((n, found.get(n)) for n in fresh)
        return {n: ties for n in ids if (ties := self._ties.get(n)) is not None}

    def ties_to(
        self, ids: Collection[str], ends: Mapping[str, Mapping[str, Any]]
    ) -> dict[str, set[tuple[str, str, str]]]:
        """The ties of ``ids`` reaching ``ends``: from the ties read already, else (a
        store that can) read only those, not kept."""
        read = [n for n in ids if n in self._ties]
        found = ties_ending_in(self.ties(read), ends)
        fresh = [n for n in ids if n not in self._ties]
        if fresh and isinstance(self.store, ReadsTiesToEnds):
            found.update(self.store.relationship_ties_to(fresh, ends))
        elif fresh:
            found.update(ties_ending_in(self.ties(fresh), ends))
        return found


class _MergedReader:
    """A reader's records and ties with merged ids counted as one entity (``canonical``,
    :attr:`Snapshot.merged`): the ties of a group's id are those of every id of the group,
    and every tie's ends are written as their group's id, so a ranking sees the relations
    and interactions of both records of a merged pair as those of one."""

    def __init__(self, reader: _StoreReader, canonical: Mapping[str, str]) -> None:
        self.reader = reader
        self.canonical = canonical
        self.groups = merged_groups(canonical)

    def records(self, ids: Collection[str]) -> dict[str, dict[str, Any]]:
        return self.reader.records(ids)

    def ties(self, ids: Collection[str]) -> dict[str, set[tuple[str, str, str]]]:
        name = self.canonical.get
        asked = {n: [n, *self.groups.get(n, ())] for n in ids}
        found = self.reader.ties({m for members in asked.values() for m in members})
        return {
            n: {
                (kind, name(source, source), name(sink, sink))
                for member in members
                for kind, source, sink in found.get(member, ())
            }
            for n, members in asked.items()
            if any(member in found for member in members)
        }

    def ties_to(
        self, ids: Collection[str], ends: Mapping[str, Mapping[str, Any]]
    ) -> dict[str, set[tuple[str, str, str]]]:
        # A member's far end may be named by its group's id: cut after naming, from all ties.
        return ties_ending_in(self.ties(ids), ends)


class Workspace:
    """A store plus the analyses over its data, with the policy's defaults filled in.

    Answers come from the published :class:`Snapshot` of the stored data's version, which
    ``snapshots`` (:class:`graph.snapshots.Snapshots`) keeps current; a load publishes the
    snapshot it brought up to date under the same build lock.
    """

    def __init__(
        self, store: Store, graph_max_rows: int | None = None, *, build_in_background: bool = False
    ) -> None:
        self.store = store
        # Above this many stored rows, analyses that need the whole networkx graph refuse
        # (about 2.5 KB of memory per row); None: no limit (the CLI and notebooks).
        self.graph_max_rows = graph_max_rows
        self.snapshots = Snapshots(
            store,
            count_rows=lambda: self.graph_max_rows is not None,
            build_in_background=build_in_background,
            also_keep=self._search_part,
        )
        # Answers per (data version, query, arguments), within a budget of rows.
        self._answers = AnswerMemo()
        # The search index of one data version (built on the first search of a version).
        self._search: tuple[int, SearchIndex] | None = None
        self._search_lock = threading.Lock()

    # -- the snapshot -----------------------------------------------------------------------
    @property
    def build_in_background(self) -> bool:
        """A server's: readers never wait for a rebuild once a snapshot is published (the
        new version is built in a thread while they answer from the previous one)."""
        return self.snapshots.build_in_background

    def when(
        self, as_of: dt.date | None = None, window_days: int | None = None
    ) -> tuple[dt.date, int]:
        """The date (today unless given) and the window (the policy's unless given) that an
        answer asked with ``as_of`` and ``window_days`` is computed for."""
        return _when(self.snapshot(), as_of, window_days)

    def snapshot(self) -> Snapshot:
        """The snapshot of the stored data's version (:meth:`Snapshots.current`)."""
        return self.snapshots.current()

    def _search_part(self, snapshot: Snapshot) -> dict[str, Callable[[], bytes]]:
        """The search index of ``snapshot``'s names, to keep with it: a write drops every
        kept part, and a restart would otherwise build the index again before its first
        search."""
        search = self._search
        if search is None or search[0] != snapshot.names_version:
            return {}
        return {"search_index": search[1].to_bytes}

    def index(self) -> CoverageIndex:
        """The array index of the current snapshot."""
        return self.snapshot().index

    def activity(self) -> LeaderActivity:
        """The leaders' interaction table of the current snapshot."""
        return self.snapshot().activity

    def load(
        self,
        dataset: Dataset,
        *,
        replace: bool = False,
        progress: ProgressCallback | None = None,
        keep: bool | None = None,
    ) -> LoadReport:
        """Store ``dataset`` (upsert, or ``replace`` everything; one transaction) and keep
        the snapshot up to date.

        The arrays of the version before (the published snapshot, or the parts the store
        keeps for it) follow what the load changed (:func:`graph.engine.index_delta.
        with_changes`) instead of being read again from every column; the new snapshot is
        published and, with ``keep`` (the default on a server), kept in the store for other
        processes. A replace, a large change, or another writer in between: the next read
        rebuilds (a server's writer waits for it, its readers do not).
        """
        keep_soon = keep is None and self.build_in_background
        with self.snapshots.build_lock:
            before = self.store.version()
            base = None if replace else self.snapshots.base(before)
            changes: StoreChanges | None = None
            if base is not None and isinstance(self.store, ReportsChanges):
                limit = delta_limit(base.index, base.activity)
                report, changes = self.store.load_changes(dataset, limit=limit, progress=progress)
            else:
                if base is not None:
                    changes = self._changes_of(dataset, delta_limit(base.index, base.activity))
                report = self.store.load(dataset, replace=replace, progress=progress)
            after = self.store.version()
            if after == before:
                return report  # nothing changed
            followed = (
                base.followed_by(changes, self.store.policy())
                if base is not None and changes is not None and after == before + 1
                else None
            )
            if followed is not None:
                self.snapshots.published = followed
                if keep:
                    self.snapshots.keep(self.snapshots.published, set())
                elif keep_soon:
                    self.snapshots.keep_soon(self.snapshots.published)
            elif self.snapshots.published is not None and self.build_in_background:
                self.snapshots.refresh()  # the writer waits for its own write, readers do not
            return report

    def show_own_write(self) -> None:
        """After a write through this workspace that is no load (a judgement that merges or
        parts two ids): a server's writer builds the new version now, so its next answer
        shows the write, as after a load (its readers answer from the previous one)."""
        current = self.snapshots.published
        if current is None or not self.build_in_background:
            return  # the next answer builds the current version anyway
        if current.version != self.store.version():
            with self.snapshots.build_lock:
                self.snapshots.refresh()

    def _changes_of(self, dataset: Dataset, limit: int) -> StoreChanges | None:
        """What upserting ``dataset`` will change, read from a store that does not say
        (records compared with the stored ones); None for a write of more than ``limit``
        rows (a rebuild is cheaper)."""
        if dataset.row_count > limit:
            return None
        nodes, links = dataset.nodes, dataset.links
        stored = {n.id: n for n in self.store.node_records([n.id for n in nodes])}
        ends = {link.source_id for link in links} | {link.target_id for link in links}
        stored_links = {link.key: link for link in self.store.links_among(ends)}
        changes = StoreChanges([], [])
        for node in nodes:
            old = stored.get(node.id)
            if old is None or (old.kind, old.props) != (node.kind, node.props):
                changes.nodes.append((old, node))
                stored[node.id] = node
        for link in links:
            old_link = stored_links.get(link.key)
            if old_link is None or old_link.props != link.props:
                changes.links.append((old_link, link))
                stored_links[link.key] = link
        return changes

    def load_diff(
        self, dataset: Dataset, *, replace: bool = False, limit: int = DIFF_ROWS
    ) -> LoadDiff:
        """What :meth:`load` of ``dataset`` would add, change and (with ``replace``) remove,
        per table, before anything is written (``concentric load --diff``, the upload
        page's preview). The store compares by its upsert's own test where it can."""
        if isinstance(self.store, PreviewsLoads):
            return self.store.preview(dataset, replace=replace, limit=limit)
        changes = self._changes_of(dataset, dataset.row_count) or StoreChanges([], [])
        ids = {node.id for node in dataset.nodes} | {link.key for link in dataset.links}
        stored: Iterable[NodeRecord | LinkRecord] = chain(self.store.nodes(), self.store.links())
        return diff_from_records(
            chain(changes.nodes, changes.links), stored, ids, replace=replace, limit=limit
        )

    def completeness(self) -> Answer:
        """The register's completeness (:func:`graph.engine.completeness.completeness`):
        records missing what the office needs, per table, area and source file; read
        from the stored records, remembered for the data version."""
        found = self._remembered(self.store.version(), ("completeness",), self._completeness)
        return Answer(found, "completeness")

    def _completeness(self) -> dict[str, Any]:
        if isinstance(self.store, ReadsRegister):
            with self.store.register_records() as read:
                return completeness(read.nodes, read.members, read.contacted)
        nodes = [n for n in self.store.nodes() if n.kind in (*REGISTER_KINDS, "interaction")]
        return completeness(nodes, *links_named(nodes, self.store.links()))

    def warm(self) -> None:
        """Build (or read back) the snapshot and the search index the first requests need
        and, for local reads, whatever the store's neighbourhood reads need (may be
        nothing)."""
        snap = self.snapshot()
        if self._uses_local_graphs(snap):
            self.store.prepare_lookups()
        self._search_index_of(snap)

    def _memo(
        self, snap: Snapshot, key: tuple[Any, ...], compute: Callable[[], dict[str, Any]]
    ) -> dict[str, Any]:
        """``compute()``, remembered for the snapshot's version (answers are not to be
        mutated), with the version it was computed from."""
        return self._remembered(snap.version, key, compute)

    def _remembered(
        self, version: int, key: tuple[Any, ...], compute: Callable[[], dict[str, Any]]
    ) -> dict[str, Any]:
        """:meth:`_memo` for data ``version`` (an answer that needs no snapshot)."""
        full_key = (version, *key)
        found = self._answers.find(full_key)
        if found is not None:
            return found
        return self._answers.remember(full_key, {**compute(), "version": version})

    def _analysis(
        self,
        name: str,
        as_of: dt.date | None,
        window_days: int | None,
        compute: Callable[[Snapshot, dt.date, int], dict[str, Any]],
        *key: Any,
    ) -> Answer:
        """The analysis ``name`` (``compute(snapshot, as_of, window)``) on the current
        snapshot, remembered by its arguments (``key``: those beyond the date and window)."""
        snap = self.snapshot()
        day, window = _when(snap, as_of, window_days)
        return Answer(
            self._memo(snap, (name, day, window, *key), lambda: compute(snap, day, window)), name
        )

    def graph(self) -> nx.MultiDiGraph:
        """The stored data as a graph (rebuilt only when the data changed).

        Raises :class:`~graph.engine.coverage.GraphTooLarge` when the store holds more rows than
        ``graph_max_rows``.
        """
        return self._graph_of(self.snapshot())[0]

    def _graph_of(self, snap: Snapshot) -> tuple[nx.MultiDiGraph, Snapshot]:
        """The whole graph and the snapshot of the same data version."""
        rows = self._rows_over_limit(snap)
        if rows is not None:
            raise cov.GraphTooLarge(
                f"this analysis needs the whole graph in memory, and the store holds "
                f"{rows:,} rows, more than this server's limit of {self.graph_max_rows:,} "
                "(CONCENTRIC_GRAPH_MAX_ROWS, about 2.5 KB of memory per row). Coverage, gaps, "
                "blind spots, leaders, to-do lists, changes, search, paths, entity records, "
                "ego networks, their pictures, area maps, the district map, departures and "
                "recommendations per area (area_id of a town) answer at any size, and brokers "
                "and communities do for an area_id or a sample; ask one of those, run this "
                "analysis from the command line, or raise the limit on a bigger machine"
            )
        graph = self.store.graph()
        while graph.graph.get("version") != snap.version:
            # Written to between the two reads: take the snapshot of the graph's version.
            with self.snapshots.build_lock:
                snap = self.snapshots.refresh()
            graph = self.store.graph()
        return graph, snap

    def _rows_over_limit(self, snap: Snapshot) -> int | None:
        """The stored row count when it is over ``graph_max_rows``, else None."""
        limit = self.graph_max_rows
        if limit is None or snap.rows is None:
            return None
        return snap.rows if snap.rows > limit else None

    def _uses_local_graphs(self, snap: Snapshot) -> bool:
        """Whether local analyses read just their part of the data: always on a server (a
        workspace with a whole-graph limit), where every write would otherwise cost a
        rebuild of the whole graph before the next entity page; the CLI and notebooks (no
        limit) use the whole graph, which is quicker for many questions in a row."""
        return self.graph_max_rows is not None

    def local_graph(self, center: str, depth: int = 1) -> nx.MultiDiGraph:
        """The part of the data within ``depth`` relationship steps of ``center``, as a graph.

        Every node within ``depth`` steps (as :func:`graph.network.network.ego_network` counts them)
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
            part.links.update((link.key, link) for link in self.store.links_among(frontier))
        return part.graph()

    def target_coverage(
        self, as_of: dt.date | None = None, window_days: int | None = None
    ) -> dict[str, cov.TargetCoverage]:
        """Status, assigned leaders and last contact of every target."""
        snap = self.snapshot()
        as_of, window = _when(snap, as_of, window_days)
        return snap.index.target_coverage(as_of, window)

    @property
    def policy(self) -> Policy:
        return self.snapshot().policy

    def coverage(self, as_of: dt.date | None = None, window_days: int | None = None) -> Answer:
        """The coverage summary (spec section 4)."""
        return self._analysis(
            "coverage", as_of, window_days, lambda s, day, w: s.index.summary(day, w, s.policy)
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
    ) -> Answer:
        """The gap list (spec section 4), filtered."""
        filters = {"kind": kind, "category": category, "line": line, "area_id": area_id}
        return self._analysis(
            "gaps",
            as_of,
            window_days,
            lambda s, day, w: s.index.gap_list(day, w, s.policy, statuses=statuses, **filters),
            tuple(statuses),
            *filters.values(),
        )

    def leaders(self, as_of: dt.date | None = None, window_days: int | None = None) -> Answer:
        """Leader load and quota status, worst first."""
        return self._analysis(
            "leaders",
            as_of,
            window_days,
            lambda s, day, w: arrays.leader_load(s.index, s.activity, day, w, s.policy),
        )

    def single_points(self, as_of: dt.date | None = None, window_days: int | None = None) -> Answer:
        """Targets with exactly one assigned leader."""
        return self._analysis(
            "single_points",
            as_of,
            window_days,
            lambda s, day, w: arrays.single_points(s.index, day, w),
        )

    def departure(
        self,
        leader_ids: Collection[str],
        as_of: dt.date | None = None,
        window_days: int | None = None,
    ) -> Answer:
        """Targets orphaned if these leaders left, with ranked successors (any size of
        data: the arrays find the targets, the store's neighbourhoods rank successors)."""
        snap = self.snapshot()
        as_of, window = _when(snap, as_of, window_days)
        reader = self._reader(snap)
        leaving = set(check_leaders(reader.records(list(leader_ids)), leader_ids))
        index = snap.index
        theirs: set[int] = set()
        for leader in leaving:
            theirs.update(arrays.assigned_targets(index, leader, as_of).tolist())
        ids = [index.ids[i] for i in sorted(theirs)]
        coverage = index.coverage_of(ids, as_of, window)
        orphaned = [item for item in coverage.values() if orphaned_by(item, leaving)]
        posts = {str(reader.records([lead])[lead].get("post") or "") for lead in leaving} - {""}
        staying = [n for n in self._in_office(snap) if n not in leaving]
        context = self._context(snap, reader, as_of, staying, same_post=posts, avoid=leaving)
        answer = departure_answer(context, leaving, orphaned, window, successors=3)
        return Answer({**answer, "version": snap.version}, "departure")

    def candidates(
        self,
        target_id: str,
        limit: int,
        as_of: dt.date | None = None,
        window_days: int | None = None,
    ) -> list[Candidate]:
        """The ``limit`` cheapest leaders in office (not already assigned) to take
        ``target_id``, with their reasons: the ranking of :meth:`departure` and
        :meth:`recommend`, read from the store at any size of data."""
        snap = self.snapshot()
        as_of, window = _when(snap, as_of, window_days)
        coverage = snap.index.coverage_of([target_id], as_of, window)
        assigned = coverage[target_id].assigned_leaders if target_id in coverage else ()
        reader = self._reader(snap)
        context = self._context(snap, reader, as_of, self._in_office(snap))
        return rank_for(context, target_id, assigned, limit)

    def _reader(self, snap: Snapshot) -> Reader:
        """A reader of the store for a ranking, knowing the records of the leaders in
        office already: every ranking looks at all of them, so they are read once per data
        version (the records are shared: not to be mutated)."""
        known = self._memo(
            snap,
            ("leaders in office",),
            lambda: {"records": _StoreReader(self.store).records(self._in_office(snap))},
        )
        reader = _StoreReader(self.store, known["records"])
        return _MergedReader(reader, snap.merged) if snap.merged else reader

    def _in_office(self, snap: Snapshot) -> list[str]:
        """The ids of the leaders in office, sorted."""
        return sorted(n for n, row in snap.index.leaders.items() if not out_of_office(row))

    def _context(
        self,
        snap: Snapshot,
        reader: Reader,
        as_of: dt.date,
        leaders: Collection[str],
        *,
        same_post: Collection[str] = (),
        avoid: Collection[str] = (),
    ) -> Context:
        """The ranking's context for these candidate leaders, from the snapshot's areas."""
        index = snap.index
        lineage: dict[str, tuple[str, ...]] = {}
        for position, area in enumerate(index.area_list):
            chain = [position]
            while index.area_parent[chain[-1]] >= 0 and index.area_parent[chain[-1]] not in chain:
                chain.append(int(index.area_parent[chain[-1]]))
            lineage[area] = tuple(index.area_list[p] for p in chain)
        return Context(
            reader,
            as_of,
            snap.policy,
            lineage,
            dict(index.area_names),
            reader.records(leaders),
            same_post,
            avoid,
        )

    def blind_spots(self, as_of: dt.date | None = None, window_days: int | None = None) -> Answer:
        """Empty area × category cells, towns without a station, the five-line score."""
        return self._analysis(
            "blind_spots",
            as_of,
            window_days,
            lambda s, day, w: arrays.blind_spots(s.index, s.activity, day, w, s.policy),
        )

    def recommend(
        self,
        as_of: dt.date | None = None,
        window_days: int | None = None,
        statuses: Collection[str] = ("uncovered", "stale"),
        *,
        area_id: str | None = None,
        line: str | None = None,
    ) -> Answer:
        """A min-cost assignment of leaders to the targets with one of ``statuses`` (in
        ``area_id`` and the areas below it, on ``line``: the scope of :meth:`gaps`), each
        leader taking at most its quota minus its load over the whole data.

        Past the whole-graph limit the scope is one town (or an area below one) at a time:
        without ``area_id``, or for an area above a town, :class:`GraphTooLarge`.
        """
        snap = self.snapshot()
        as_of, window = _when(snap, as_of, window_days)
        wanted = cov.parse_statuses(statuses)
        if self._rows_over_limit(snap) is not None:
            kind = snap.index.area_kinds.get(area_id) if area_id else None
            if area_id is None or kind in WHOLE_AREA_KINDS:
                what = "without area_id" if area_id is None else f"for the {kind} {area_id!r}"
                raise cov.GraphTooLarge(
                    f"recommendations {what} need more than this server's whole-graph limit "
                    f"of {self.graph_max_rows:,} rows; ask per area: area_id of a town or an "
                    "area below one (or run `concentric recommend` from the command line, "
                    "which goes town by town)"
                )
        key = ("recommend", as_of, window, tuple(wanted), area_id, line)
        return Answer(
            self._memo(
                snap, key, lambda: self._recommend(snap, as_of, window, wanted, area_id, line)
            ),
            "recommend",
        )

    def recommendation_areas(self) -> list[str]:
        """The areas recommendations go one at a time past the whole-graph limit, in id
        order: the highest areas of no kind in ``WHOLE_AREA_KINDS`` (the towns), so that
        none lies inside another."""
        index = self.index()
        found = []
        for position, area in enumerate(index.area_list):
            if index.area_kinds.get(area) in WHOLE_AREA_KINDS:
                continue
            parent = int(index.area_parent[position])
            if parent < 0 or index.area_kinds.get(index.area_list[parent]) in WHOLE_AREA_KINDS:
                found.append(area)
        return sorted(found)

    def _recommend(
        self,
        snap: Snapshot,
        as_of: dt.date,
        window: int,
        statuses: Collection[str],
        area_id: str | None,
        line: str | None,
    ) -> dict[str, Any]:
        scope = snap.index.gap_list(
            as_of, window, snap.policy, statuses=statuses, line=line, area_id=area_id
        )["items"]
        targets = [
            (i["id"], i["status"], i["assigned_leaders"])
            for i in sorted(scope, key=lambda i: i["id"])
        ]
        load = {i["id"]: i["assigned"] for i in self.leaders(as_of, window)["items"]}
        reader = self._reader(snap)
        in_office = reader.records(self._in_office(snap))
        capacity = capacities(in_office, load, snap.policy)
        open_leaders = [n for n, c in capacity.items() if c > 0]
        context = self._context(snap, reader, as_of, open_leaders)
        return assign(context, targets, capacity, window)

    def changes(
        self, start: dt.date, end: dt.date | None = None, window_days: int | None = None
    ) -> Answer:
        """Targets whose status changed between two dates."""
        return self._analysis(
            "changes",
            end,
            window_days,
            lambda s, day, w: arrays.status_changes(s.index, start, day, w),
            start,
        )

    def entity(
        self, node_id: str, as_of: dt.date | None = None, window_days: int | None = None
    ) -> Answer:
        """One entity's record: properties, coverage, ties, recent interactions."""
        snap = self.snapshot()
        as_of, window = _when(snap, as_of, window_days)
        if self._uses_local_graphs(snap):
            graph = self.local_graph(node_id)
            coverage = snap.index.coverage_of([snap.merged.get(node_id, node_id)], as_of, window)
        else:
            graph, snap = self._graph_of(snap)
            coverage = snap.index.target_coverage(as_of, window)
        counted_as = snap.merged.get(node_id, node_id)
        if counted_as != node_id and counted_as in coverage:
            # A merged-away id is counted as its group's id: its coverage is that entity's.
            coverage = {**coverage, node_id: coverage[counted_as]}
        answer = entity_record(graph, node_id, as_of, window, coverage)
        if counted_as != node_id:
            answer["merged_into"] = counted_as
        elif merged_ids := merged_groups(snap.merged).get(node_id):
            answer["merged_ids"] = merged_ids
        return Answer({**answer, "version": snap.version}, "entity")

    def search(self, query: str, limit: int = 50) -> Answer:
        """Entities by name, id or pinyin (any size of data)."""
        snap = self.snapshot()
        answer = self._search_index_of(snap).search(query, limit)
        return Answer({**answer, "version": snap.version}, "search")

    def search_index(self) -> SearchIndex:
        """The names, ids and pinyin of the current snapshot's entities."""
        return self._search_index_of(self.snapshot())

    def _search_index_of(self, snap: Snapshot) -> SearchIndex:
        """The search index of ``snap``'s names (those of its ``names_version``): the one
        built already, else the store's kept copy, else built (reusing the previous
        version's pinyin) and kept. A write that changed no searchable entity (a logged
        visit, an assignment) keeps the names, so no write costs a rebuild of the index."""
        found = self._search
        if found is not None and found[0] == snap.names_version:
            return found[1]
        with self._search_lock:
            found = self._search
            if found is not None and found[0] == snap.names_version:
                return found[1]
            built = self.snapshots.read_back("search_index", snap.version, SearchIndex.from_bytes)
            if built is None:
                leaders = self.store.node_records(list(snap.index.leaders))
                previous = found[1] if found is not None else None
                built = SearchIndex.build(snap.index, leaders, previous)
                if self.snapshots.keeps is not None:
                    self.snapshots.keeps.save_state("search_index", snap.version, built.to_bytes())
            self._search = (snap.names_version, built)
            return built

    def todo(
        self,
        leader_id: str,
        as_of: dt.date | None = None,
        window_days: int | None = None,
        due_within: int = 30,
    ) -> Answer:
        """A leader's targets that are overdue or due within ``due_within`` days."""
        snap = self.snapshot()
        as_of, window = _when(snap, as_of, window_days)
        answer = arrays.leader_todo(snap.index, leader_id, as_of, window, due_within)
        return Answer({**answer, "version": snap.version}, "todo")

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
        language: str = "zh",
    ) -> str:
        """A leader's contact network as a page (see :func:`.render.leader_network_html`).

        Over the whole-graph limit it reads the leader's part of the data in three rounds:
        the leader's ties; its targets' and interactions' ties, which fix what is drawn;
        then the ties of everything drawn, with every area, so each card reads as it would
        on the whole graph.
        """
        from concentric.graph.views import render

        snap = self.snapshot()
        as_of, window = _when(snap, as_of, window_days)
        if not self._uses_local_graphs(snap):
            graph, snap = self._graph_of(snap)
            coverage = snap.index.target_coverage(as_of, window)
            return render.leader_network_html(
                graph, leader_id, as_of, window, coverage=coverage, text=text, language=language
            )
        part = _Part(self.store)
        part.grow({leader_id})
        graph = part.graph()
        if graph.nodes.get(leader_id, {}).get("kind") == "leader":
            # Its targets and interactions (not its area: that is everyone in the area).
            part.grow({n for n in graph.successors(leader_id) if graph.nodes[n]["kind"] != "area"})
            graph = part.graph()
            drawn = render.leader_network_nodes(
                graph, leader_id, as_of, window, snap.index.coverage_of(graph.nodes, as_of, window)
            )
            part.grow(set(drawn))
            part.add(self.store.node_records(snap.index.area_list))
            graph = part.graph()
        coverage = snap.index.coverage_of(graph.nodes, as_of, window)
        return render.leader_network_html(
            graph, leader_id, as_of, window, coverage=coverage, text=text, language=language
        )

    def ego_network_html(
        self,
        node_id: str,
        depth: int = 1,
        as_of: dt.date | None = None,
        window_days: int | None = None,
        *,
        text: Callable[[str], str] | None = None,
        language: str = "zh",
    ) -> str:
        """An entity's ego network as a page (see :func:`graph.views.render.ego_network_html`).

        Over the whole-graph limit: the local graph ``depth`` steps deep fixes what is
        drawn; the ties of everything drawn, with every area, fill in the cards.
        """
        from concentric.graph.views import render

        snap = self.snapshot()
        as_of, window = _when(snap, as_of, window_days)
        if not self._uses_local_graphs(snap):
            graph, snap = self._graph_of(snap)
            coverage = snap.index.target_coverage(as_of, window)
            return render.ego_network_html(
                graph,
                node_id,
                depth,
                as_of,
                window,
                coverage=coverage,
                text=text,
                language=language,
            )
        if depth < 0:
            raise cov.QueryError(f"depth must be ≥ 0, not {depth}")
        local = self.local_graph(node_id, depth)
        part = _Part(self.store)
        part.grow({n["id"] for n in ego_network(local, node_id, depth)["nodes"]})
        part.add(self.store.node_records(snap.index.area_list))
        graph = part.graph()
        coverage = snap.index.coverage_of(graph.nodes, as_of, window)
        summary = self._memo(
            snap,
            ("coverage", as_of, window),
            lambda: snap.index.summary(as_of, window, snap.policy),
        )
        counts = _area_counts(summary)
        return render.ego_network_html(
            graph,
            node_id,
            depth,
            as_of,
            window,
            coverage=coverage,
            area_counts=counts,
            text=text,
            language=language,
        )

    def area_map_html(
        self,
        area_id: str,
        as_of: dt.date | None = None,
        window_days: int | None = None,
        *,
        text: Callable[[str], str] | None = None,
        language: str = "zh",
    ) -> str:
        """An area's coverage map as a page (see :func:`graph.views.render.area_map_html`).

        Over the whole-graph limit: the index names the areas below it and the targets in
        them; their ties and every area are read from the store. An area holding more than
        ``LOCAL_GRAPH_MAX_NODES`` targets is refused (pick an area below it).
        """
        from concentric.graph.views import render

        snap = self.snapshot()
        as_of, window = _when(snap, as_of, window_days)
        if not self._uses_local_graphs(snap):
            graph, snap = self._graph_of(snap)
            coverage = snap.index.target_coverage(as_of, window)
            return render.area_map_html(
                graph, area_id, as_of, window, coverage=coverage, text=text, language=language
            )
        index = snap.index
        part = _Part(self.store)
        part.add(self.store.node_records(index.area_list))
        if area_id in index.area_position:
            inside = np.nonzero(index.within_area(area_id))[0].tolist()
            if len(inside) > LOCAL_GRAPH_MAX_NODES:
                raise cov.GraphTooLarge(
                    f"the map of {area_id!r} holds {len(inside):,} targets, more than "
                    f"{LOCAL_GRAPH_MAX_NODES:,}; open the map of an area below it"
                )
            part.grow({index.ids[i] for i in inside})
        else:  # not an area: the page says what it is
            part.add(self.store.node_records([area_id]))
        graph = part.graph()
        # Every target of the area and the areas below it is read, so its cards count all.
        coverage = index.coverage_of(graph.nodes, as_of, window)
        return render.area_map_html(
            graph, area_id, as_of, window, coverage=coverage, text=text, language=language
        )

    def district_map_html(
        self,
        as_of: dt.date | None = None,
        window_days: int | None = None,
        *,
        text: Callable[[str], str] | None = None,
        language: str = "zh",
    ) -> str:
        """The district as its towns and subdistricts, one node each (see
        :func:`graph.views.render.district_areas_html`).

        Over the whole-graph limit only the areas and the links among them are read from the
        store; the counts per area come from the engine's coverage summary.
        """
        from concentric.graph.views import render

        snap = self.snapshot()
        as_of, window = _when(snap, as_of, window_days)
        if not self._uses_local_graphs(snap):
            graph, snap = self._graph_of(snap)
            coverage = snap.index.target_coverage(as_of, window)
            return render.district_areas_html(
                graph, as_of, window, coverage=coverage, text=text, language=language
            )
        areas = snap.index.area_list
        graph = build_graph(self.store.node_records(areas), self.store.links_among(areas))
        summary = self._memo(
            snap,
            ("coverage", as_of, window),
            lambda: snap.index.summary(as_of, window, snap.policy),
        )
        return render.district_areas_html(
            graph,
            as_of,
            window,
            coverage={},
            area_counts=_area_counts(summary),
            text=text,
            language=language,
        )

    def edges_between(self, source: str, target: str) -> list[dict[str, Any]]:
        """The attributes of every edge from ``source`` to ``target`` (any size of data)."""
        snap = self.snapshot()
        graph = self.local_graph(source) if self._uses_local_graphs(snap) else self.graph()
        return list((graph.get_edge_data(source, target) or {}).values())

    def network(self, node_id: str, depth: int = 1) -> Answer:
        """The ego network of any entity."""
        if depth < 0:
            raise cov.QueryError(f"depth must be ≥ 0, not {depth}")
        snap = self.snapshot()
        if self._uses_local_graphs(snap):
            graph = self.local_graph(node_id, depth)
        else:
            graph, snap = self._graph_of(snap)
        return Answer({**ego_network(graph, node_id, depth), "version": snap.version}, "network")

    def path(self, source: str, target: str) -> Answer:
        """The shortest chain of real relationships between two entities (any size of
        data: over the whole-graph limit, a search over the store's adjacency a layer at a
        time that picks the same chain as on the whole graph)."""
        snap = self.snapshot()
        if not self._uses_local_graphs(snap):
            graph, snap = self._graph_of(snap)
            answer = relationship_path(graph, source, target)
            return Answer({**answer, "version": snap.version}, "path")
        stored = {record.id for record in self.store.node_records([source, target])}
        for end in (source, target):
            if end not in stored:
                raise cov.UnknownId(f"unknown id {end!r}")
        chain = shortest_chain(self._store_neighbours, source, target)
        # The answer tells only the chain: its records and the edges among them.
        shown = chain or [source, target]
        part = _Part(self.store)
        part.add(self.store.node_records(shown))
        part.links.update((link.key, link) for link in self.store.links_among(shown))
        answer = path_answer(part.graph(), source, target, chain)
        return Answer({**answer, "version": snap.version}, "path")

    def _store_neighbours(self, ids: Collection[str]) -> dict[str, Iterable[str]]:
        """The relationship neighbours of ``ids``, read from the store in one go (ids only):
        the ends of the edges :func:`relationship_view` would keep of the whole graph."""
        found: dict[str, Iterable[str]] = {}
        for node, ties in self.store.relationship_ties(ids).items():
            others = {target if source == node else source for _, source, target in ties}
            others.discard(node)  # a tie of a node with itself is no step
            if others:
                found[node] = others
        return found

    def brokers(
        self,
        top: int = 20,
        *,
        area_id: str | None = None,
        sample: int | None = None,
        seed: int = 7,
    ) -> Answer:
        """Figures and organizations bridging groups (betweenness), in the whole data or
        in a scope (see :meth:`_scoped`); the answer names the method and scope."""
        return Answer(
            self._scoped_memo("brokers", area_id, sample, seed, lambda g: brokers(g, top=top), top),
            "brokers",
        )

    def communities(
        self, *, area_id: str | None = None, sample: int | None = None, seed: int = 7
    ) -> Answer:
        """Densely tied groups (Louvain), in the whole data or in a scope (see
        :meth:`_scoped`); the answer names the method and scope."""
        return Answer(
            self._scoped_memo("communities", area_id, sample, seed, communities), "communities"
        )

    def _scoped_memo(
        self,
        analysis: Literal["brokers", "communities"],
        area_id: str | None,
        sample: int | None,
        seed: int,
        compute: Callable[[nx.MultiDiGraph], dict[str, Any]],
        *key: Any,
    ) -> dict[str, Any]:
        """``compute`` on the whole graph (no area, no sample) or on the scope's graph,
        remembered per data version, with the method it was computed by."""
        method: dict[str, Any] = {
            "name": "betweenness" if analysis == "brokers" else "louvain",
            "scope": "whole graph",
            "area_id": area_id,
            "sample": sample,
            "seed": seed if sample is not None else None,
        }
        if area_id is None and sample is None:
            found = self._graph_memo((analysis, *key), compute)
            return {**found, "method": method}
        snap = self.snapshot()
        memo_key = (analysis, area_id, sample, seed, *key)

        def on_scope() -> dict[str, Any]:
            graph, scope = self._scoped(snap, area_id, sample, seed)
            return {**compute(graph), "method": {**method, "scope": scope}}

        return self._memo(snap, memo_key, on_scope)

    def _scoped(
        self, snap: Snapshot, area_id: str | None, sample: int | None, seed: int
    ) -> tuple[nx.MultiDiGraph, str]:
        """The graph of a scope, read from the store (any size of data), and its words.

        The scope's targets are those of ``area_id`` and the areas below it (every
        target without one), ``sample`` of them drawn at random with ``seed`` when given;
        its graph holds them and the leaders and interactions tied to them (through a
        contact, a relation, an interaction about them and that interaction's leaders),
        with every edge among these.
        """
        index = snap.index
        inside = np.ones(index.n, dtype=bool)
        scope = "all targets"
        if area_id is not None:
            if area_id not in index.area_position:
                raise cov.UnknownId(f"unknown area_id {area_id!r}")
            inside = index.within_area(area_id)
            name = index.area_names.get(area_id) or area_id
            scope = f"area {name} ({area_id}) and the areas below it"
        positions = np.nonzero(inside)[0]
        if sample is not None:
            if sample < 1:
                raise cov.QueryError(f"sample must be ≥ 1, not {sample}")
            if sample < len(positions):
                rng = np.random.default_rng(seed)
                positions = np.sort(rng.choice(positions, size=sample, replace=False))
            scope = f"{scope}, a random sample of {len(positions):,} targets (seed {seed})"
        if len(positions) > LOCAL_GRAPH_MAX_NODES:
            raise cov.GraphTooLarge(
                f"the scope holds {len(positions):,} targets, more than "
                f"{LOCAL_GRAPH_MAX_NODES:,}; give an area_id below it or a smaller sample"
            )
        targets = {index.ids[i] for i in positions.tolist()}
        nodes, _ = self.store.neighbourhood(targets) if targets else ([], [])
        chosen = {n.id: n for n in nodes if n.id in targets or n.kind in ("leader", "interaction")}
        links = self.store.links_among(chosen)
        graph = build_graph(
            sorted(chosen.values(), key=lambda n: (n.kind, n.id)),
            sorted(links, key=lambda link: (link.kind, link.key)),
        )
        # Edges an interaction or a reference implies to nodes outside the scope.
        graph.remove_nodes_from([n for n in list(graph) if n not in chosen])
        return graph, scope

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

    def _graph_memo(
        self, key: tuple[Any, ...], compute: Callable[[nx.MultiDiGraph], dict[str, Any]]
    ) -> dict[str, Any]:
        """An analysis of the whole graph, remembered per data version (the graph is only
        fetched when the answer is not remembered)."""
        snap = self.snapshot()
        found = self._answers.find((snap.version, *key))
        if found is not None:
            return found
        graph, snap = self._graph_of(snap)
        return self._memo(snap, key, lambda: compute(graph))

    def assessment(self, year: int, as_of: dt.date | None = None) -> Answer:
        """The yearly assessment's scorecard for ``year`` under the stored policy's rules,
        measured up to ``as_of`` (today unless given), with the year before for comparison.
        Reads the stored records it needs (interactions of every year, just the fields it
        reads), not the snapshot's arrays; the answer is shared between callers (not to be
        mutated)."""
        day = as_of or dt.date.today()
        snap = self.snapshot()

        def compute() -> dict[str, Any]:
            data = assessment_data(*self.store.assessment_records())
            return assessment(data, snap.policy.assessment, year, day)

        # Remembered per data version: the dashboard asks on every visit.
        return Answer(self._memo(snap, ("assessment", year, day), compute), "assessment")

    def assessment_is_cheap(self) -> bool:
        """Whether :meth:`assessment` reads few enough records to be computed on a page
        that did not ask for it (the stored rows are within ``graph_max_rows``)."""
        return self._rows_over_limit(self.snapshot()) is None

    def wait_for_build(self) -> None:
        """Return once no snapshot of this workspace is being built. A server's writer
        calls it before it takes the lock the other server processes' writers wait on, so
        they never wait for this process's build."""
        self.snapshots.wait_for_build()

    def close(self) -> None:
        self.snapshots.close()
        self.store.close()


def _when(snap: Snapshot, as_of: dt.date | None, window_days: int | None) -> tuple[dt.date, int]:
    """The date (today unless given) and the window (the snapshot's policy's unless given)."""
    if window_days is not None and window_days < 0:
        raise cov.QueryError(f"window_days must be ≥ 0, not {window_days}")
    return as_of or dt.date.today(), snap.policy.window_days if window_days is None else window_days


def _area_counts(summary: dict[str, Any]) -> dict[str, dict[str, int]]:
    """Targets per status in each area and the areas below it (an area's card counts
    every target in it, not only those a local graph read)."""
    return {a: {s: row[s] for s in cov.STATUSES} for a, row in summary["by_area"].items()}


def open_workspace(
    location: str | Path, graph_max_rows: int | None = None, *, build_in_background: bool = False
) -> Workspace:
    """Open the store at ``location`` (a file path or a ``bolt://`` URI) for analysis."""
    return Workspace(open_store(location), graph_max_rows, build_in_background=build_in_background)


# -- tables for plots -----------------------------------------------------------------------


def _areas(workspace: Workspace, area_kinds: Iterable[str]) -> list[tuple[str, str]]:
    """(id, name) of the areas of these kinds (``type``), in id order."""
    wanted = set(area_kinds)
    return [
        (node, str(data.get("name") or node))
        for node, data in sorted(workspace.graph().nodes(data=True))
        if data["kind"] == "area" and data.get("type") in wanted
    ]


def area_coverage(
    workspace: Workspace,
    as_of: dt.date | None = None,
    window_days: int | None = None,
    *,
    area_kinds: Iterable[str] = ("town", "subdistrict"),
) -> pd.DataFrame:
    """Status counts per area of ``area_kinds`` (each with the areas below it).

    The ``by_area`` table of :meth:`Workspace.coverage` (with ``ratio`` and ``reach``),
    for the areas of these kinds only, indexed by area name, with an ``area_id`` column.
    """
    import pandas as pd

    frame = workspace.coverage(as_of, window_days).to_frame("by_area")
    areas = [(a, name) for a, name in _areas(workspace, area_kinds) if a in frame.index]
    picked = frame.loc[[a for a, _ in areas]].reset_index()
    picked.index = pd.Index([name for _, name in areas], name="area")
    return picked


def area_category_matrix(
    workspace: Workspace,
    as_of: dt.date | None = None,
    window_days: int | None = None,
    *,
    area_kinds: Iterable[str] = ("town", "subdistrict"),
    value: str = "ratio",
) -> pd.DataFrame:
    """Area × figure category, for a heat map: one row per area of ``area_kinds``.

    Built from the ``matrix`` of :meth:`Workspace.blind_spots` (each area counts the
    figures in it and below it). ``value`` is ``"ratio"`` (covered / figures; empty where
    an area has no figure of a category), ``"covered"`` or ``"figures"``. Rows are area
    names (in id order), columns the categories' Chinese labels in the schema's order.
    """
    import pandas as pd

    if value not in ("ratio", "covered", "figures"):
        raise ValueError(f"value must be ratio, covered or figures, not {value!r}")
    areas = _areas(workspace, area_kinds)
    cells = {
        (cell["area_id"], cell["category"]): cell
        for cell in workspace.blind_spots(as_of, window_days)["matrix"]
    }
    categories = list(SCHEMA.figure_categories)
    data: list[list[float]] = []
    for area, _ in areas:
        row = []
        for category in categories:
            cell = cells.get((area, category))
            if cell is None or not cell["figures"]:
                row.append(float("nan") if value == "ratio" else 0.0)
            elif value == "ratio":
                row.append(cell["covered"] / cell["figures"])
            else:
                row.append(float(cell[value]))
        data.append(row)
    return pd.DataFrame(
        data,
        index=pd.Index([name for _, name in areas], name="area"),
        columns=pd.Index(
            [SCHEMA.enum_label("figure_category", c) or c for c in categories], name="category"
        ),
    )

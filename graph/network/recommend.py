"""Who should cover whom: explainable candidate costs and a global assignment.

Each (leader, target) pair gets a cost: a base of 10, lowered by signals a planner can
check — the leader is in charge of the target's area (−4), the leader's lines include the
target's line (−3), the two met before (−1 a meeting, up to −3), and they are close in the
relationship graph (−2 at two steps, −1 at three); a leader holding the same post as a
departing one gets −5. Every signal that applies becomes a reason in words, one whole
Chinese clause each: 分管秀川街道（对象所在地）, 负责协商共进合作线,
网络中相距2步（经由九三学社七里河区支社）.

:func:`recommend` assigns targets to leaders as a minimum-cost flow (OR-tools' compiled
solver, :mod:`~concentric.graph.network.flow`), so the whole assignment is cheapest among
those that place the most targets without pushing any leader over capacity (``quota_max``
minus current load); among several cheapest, the one with the least sum of fixed tie ranks
of its (target, leader) pairs, so the answer never depends on the solver.

>>> import datetime as dt
>>> from concentric.graph.schema.build import build_graph
>>> from concentric.graph.schema.model import NodeRecord
>>> T = dt.date(2026, 6, 30)
>>> g = build_graph(
...     [NodeRecord("A1", "area", {"name": "西湖街道", "kind": "subdistrict"}),
...      NodeRecord("L1", "leader", {"name": "张三", "area_id": "A1", "quota_max": 1}),
...      NodeRecord("L2", "leader", {"name": "李四", "lines": ["guidance"], "quota_max": 1}),
...      NodeRecord("F1", "figure", {"name": "王五", "category": "religious", "area_id": "A1"}),
...      NodeRecord("F2", "figure", {"name": "赵六", "category": "ethnic"}),
...      NodeRecord("F3", "figure", {"name": "钱七", "category": "private_economy"})], [])
>>> answer = recommend(g, T, 365)
>>> [(i["target_id"], i["leader_id"], i["cost"]) for i in answer["items"]]
[('F1', 'L1', 6), ('F2', 'L2', 7)]
>>> [u["target_id"] for u in answer["unassigned"]]
['F3']
>>> answer["items"][0]["reasons"]
['分管西湖街道（对象所在地）']
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

import networkx as nx

from concentric.graph.engine.coverage import TargetCoverage, area_lineage, target_lines
from concentric.graph.engine.coverage_index import coverage_of_graph
from concentric.graph.engine.leaders import check_leaders, iso_date, leaders_in_office
from concentric.graph.network.flow import FlowNetwork
from concentric.graph.network.network import RELATIONSHIP_EDGES, name_of
from concentric.graph.schema.schema import SCHEMA, Policy

__all__ = [
    "Candidate",
    "Context",
    "GraphReader",
    "Reader",
    "assign",
    "candidate_cost",
    "capacities",
    "departure",
    "departure_answer",
    "explained",
    "orphaned_by",
    "rank_candidates",
    "rank_for",
    "read_signals",
    "recommend",
    "signalled_options",
    "ties_ending_in",
]

BASE_COST = 10
AREA_BONUS = 4
LINE_BONUS = 3
SAME_POST_BONUS = 5
MEETING_BONUS_MAX = 3
PROXIMITY_BONUS = {2: 2, 3: 1}
# Every (leader, target) pair goes into the flow network while there are at most this many,
# so the answer is the true optimum; past it (province-sized data) each target keeps only its
# cheapest leaders, which keeps the network linear in the number of targets.
MAX_PAIRS = 2_000_000
CANDIDATES_PER_TARGET_CAP = 50
# Past this many pairs the leaders a target has no signal with (each of cost BASE_COST) are
# reached through one shared node instead of an edge each: the same optimum, with a flow
# network linear in the number of targets plus leaders instead of their product.
SHARED_FILLER_PAIRS = 100_000
# Targets whose three-step walks are read together (one read of ties per step for all):
# fewer, bigger reads, with one batch's walks held at a time.
SIGNAL_BATCH = 256

_Ranked = TypeVar("_Ranked")


@dataclass(frozen=True)
class Candidate:
    leader_id: str
    cost: int
    reasons: list[str]
    same_post: bool = False
    # Costed without its reasons (see :func:`explained`): the pair's own meetings and
    # distance, to word them later; None once the reasons are worked out.
    pair: PairSignals | None = field(default=None, compare=False, repr=False)


class Reader(Protocol):
    """Where the ranking reads records and relationship ties from: the whole graph
    (:class:`GraphReader`) or the store a neighbourhood at a time (past the whole-graph
    limit); both give the same answers for the same data."""

    def records(self, ids: Collection[str]) -> dict[str, dict[str, Any]]:
        """``{"kind", **props}`` of those of ``ids`` that exist."""
        ...

    def ties(self, ids: Collection[str]) -> dict[str, set[tuple[str, str, str]]]:
        """Per id, its relationship links as ``(kind, source, target)``."""
        ...

    def ties_to(
        self, ids: Collection[str], ends: Mapping[str, Mapping[str, Any]]
    ) -> dict[str, set[tuple[str, str, str]]]:
        """:meth:`ties` of ``ids``, each id's cut to those whose other end is one of
        ``ends`` (records by id, as :meth:`records` gives them)."""
        ...


def ties_ending_in(
    ties: Mapping[str, set[tuple[str, str, str]]], ends: Collection[str]
) -> dict[str, set[tuple[str, str, str]]]:
    """Each id's ``ties`` whose other end (the id itself for a tie to itself) is in
    ``ends``."""
    return {
        node: {tie for tie in found if (tie[2] if tie[1] == node else tie[1]) in ends}
        for node, found in ties.items()
    }


class GraphReader:
    """Records and ties read from a whole graph."""

    def __init__(self, graph: nx.MultiDiGraph) -> None:
        self.graph = graph

    def records(self, ids: Collection[str]) -> dict[str, dict[str, Any]]:
        nodes = self.graph.nodes
        return {n: dict(nodes[n]) for n in ids if n in nodes}

    def ties(self, ids: Collection[str]) -> dict[str, set[tuple[str, str, str]]]:
        graph = self.graph
        found: dict[str, set[tuple[str, str, str]]] = {}
        for node in ids:
            if node not in graph:
                continue
            edges = [*graph.out_edges(node, data="kind"), *graph.in_edges(node, data="kind")]
            found[node] = {(k, u, v) for u, v, k in edges if k in RELATIONSHIP_EDGES}
        return found

    def ties_to(
        self, ids: Collection[str], ends: Mapping[str, Mapping[str, Any]]
    ) -> dict[str, set[tuple[str, str, str]]]:
        return ties_ending_in(self.ties(ids), ends)


@dataclass
class Context:
    """What every (leader, target) cost needs besides the pair's own signals."""

    reader: Reader
    as_of: dt.date
    policy: Policy
    lineage: dict[str, tuple[str, ...]]  # area -> itself and its ancestors, nearest first
    area_names: dict[str, str | None]
    leaders: dict[str, dict[str, Any]]  # the candidates' records, by id
    same_post: Collection[str] = ()
    avoid: Collection[str] = ()  # no distance runs through these (the leaders leaving)
    by_area: dict[str, list[str]] = field(default_factory=dict)
    by_line: dict[str, list[str]] = field(default_factory=dict)
    ordered: list[str] = field(default_factory=list)  # the leaders' ids, sorted
    post_holders: list[str] = field(default_factory=list)  # those holding a post in same_post
    # Per tuple of a target's lines: the leaders holding a departing post or sharing some of
    # the lines, sorted by id, by post and lines shared (once per tuple, not per target).
    by_shared: dict[tuple[str, ...], dict[tuple[Any, ...], list[str]]] = field(default_factory=dict)
    # Per tuple of a target's lines: the other leaders (no post, none of the lines), by id.
    sharing_none: dict[tuple[str, ...], list[str]] = field(default_factory=dict)
    # Per (area, tuple of a target's lines): the area's leaders by post and lines shared.
    area_groups: dict[tuple[str, tuple[str, ...]], dict[tuple[Any, ...], list[str]]] = field(
        default_factory=dict
    )
    # Per target: what its neighbourhood says (:func:`read_signals`), read once per context.
    signals: dict[str, PairSignals] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.ordered = sorted(self.leaders)
        if self.same_post:
            self.post_holders = [
                n for n, r in self.leaders.items() if r.get("post") in self.same_post
            ]
        for leader, record in self.leaders.items():
            if record.get("area_id"):
                self.by_area.setdefault(record["area_id"], []).append(leader)
            for line in record.get("lines") or ():
                self.by_line.setdefault(line, []).append(leader)


def graph_context(
    graph: nx.MultiDiGraph,
    as_of: dt.date,
    policy: Policy,
    leaders: Collection[str],
    *,
    same_post: Collection[str] = (),
    avoid: Collection[str] = (),
) -> Context:
    """The context of a whole graph, for these candidate leaders."""
    reader = GraphReader(graph)
    return Context(
        reader,
        as_of,
        policy,
        area_lineage(graph),
        {n: d.get("name") for n, d in graph.nodes(data=True) if d["kind"] == "area"},
        reader.records(leaders),
        same_post,
        avoid,
    )


@dataclass(frozen=True)
class PairSignals:
    """What a target's neighbourhood says about each leader: the dates they met (on or
    before T) and, for the context's leaders 2 or 3 relationship steps away, the steps and who lies
    between (the path whose intermediate ids come first, from the leader's side)."""

    meetings: dict[str, list[dt.date]]
    near: dict[str, tuple[int, list[str]]]


def pair_signals(context: Context, target: str) -> PairSignals:
    """Read outward from ``target`` three steps (never through ``context.avoid``); kept in
    ``context.signals`` (see :func:`read_signals`)."""
    found = context.signals.get(target)
    return found if found is not None else read_signals(context, [target])[target]


@dataclass
class _Walk:
    """One target's walk outward: what it has reached, by step, and from where."""

    seen: set[str]
    levels: list[set[str]]
    parents: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))


def read_signals(context: Context, targets: Collection[str]) -> dict[str, PairSignals]:
    """Each target's :class:`PairSignals`, kept in ``context.signals``: its walk three steps
    out (never through ``context.avoid``; the last step only to the context's leaders).
    The targets walk in step, so each step is one read of ties for all of them and the
    records they need are read together (a read per target and step costs more than the
    ids it reads)."""
    reader, avoid, leaders = context.reader, set(context.avoid), context.leaders
    wanted = [t for t in dict.fromkeys(targets) if t not in context.signals]
    walks = {t: _Walk({t}, [{t}]) for t in wanted}
    ties_of: dict[str, set[tuple[str, str, str]]] = {}
    for step in range(3):
        level = {n for walk in walks.values() for n in walk.levels[-1]}
        last = step == 2  # three steps out only the context's leaders are asked about
        if last:
            # Only the ties reaching leaders (most reach others), kept apart: a node of
            # this level may be a step nearer another target, whose meetings need all its
            # ties.
            reached = reader.ties_to(level, leaders)
        else:
            ties_of.update(reader.ties(level))
            reached = ties_of
        for walk in walks.values():
            seen, parents = walk.seen, walk.parents
            following: set[str] = set()
            for node in walk.levels[-1]:
                for _, source, sink in reached.get(node, ()):
                    other = sink if source == node else source
                    if other in seen or other in avoid or (last and other not in leaders):
                        continue
                    parents[other].add(node)
                    following.add(other)
            seen |= following
            walk.levels.append(following)
    # A meeting is an interaction concerning the target: a tie the target has too, so only
    # those of its neighbours are read.
    concerning = {
        target: {
            source
            for kind, source, sink in ties_of.get(target, ())
            if kind == "concerns" and sink == target and source in walk.levels[1]
        }
        for target, walk in walks.items()
    }
    records = reader.records({n for nodes in concerning.values() for n in nodes})
    for target, walk in walks.items():
        meetings: dict[str, list[dt.date]] = defaultdict(list)
        for node in sorted(concerning[target]):
            data = records.get(node, {})
            if data.get("kind") != "interaction" or data["date"] > context.as_of:
                continue
            if ("concerns", node, target) not in ties_of.get(node, ()):
                continue
            for kind, source, _ in ties_of.get(node, ()):
                if kind == "took_part":
                    meetings[source].append(data["date"])
        near: dict[str, tuple[int, list[str]]] = {}
        for distance in PROXIMITY_BONUS:
            for node in walk.levels[distance]:
                if node not in leaders:  # only a candidate's distance is ever asked for
                    continue
                via = [min(walk.parents[node])]
                while len(via) < distance - 1:
                    via.append(min(walk.parents[via[-1]]))
                near[node] = (distance, via)
        context.signals[target] = PairSignals(dict(meetings), near)
    reader.records(walks.keys())  # the targets' own, read at once
    return {t: context.signals[t] for t in dict.fromkeys(targets)}


def candidate_cost(
    context: Context,
    leader: str,
    target: dict[str, Any],
    signals: PairSignals,
    lines: tuple[str, ...] | None = None,
    *,
    explain: bool = True,
) -> Candidate:
    """The cost of ``leader`` covering the ``target`` record and the reasons that lowered it
    (``lines``: the target's lines, when the caller has them already). Without ``explain``
    the reasons are left out (most costed pairs are never shown; :func:`explained` words
    them later from the pair's signals the candidate carries)."""
    lnode = context.leaders[leader]
    cost = BASE_COST
    reasons: list[str] = []
    holds_post = bool(context.same_post) and lnode.get("post") in context.same_post
    if holds_post:
        cost -= SAME_POST_BONUS
        if explain:
            reasons.append(f"与离任领导同任{lnode['post']}")
    leader_area = lnode.get("area_id")
    target_area = target.get("area_id")
    if leader_area and leader_area in context.lineage.get(target_area or "", ()):
        cost -= AREA_BONUS
        if explain:
            reasons.append(_area_reason(context.area_names, leader_area, target_area))
    if lines is None:
        lines = target_lines(target, context.policy)
    shared = [line for line in lines if line in (lnode.get("lines") or ())]
    if shared:
        cost -= LINE_BONUS
        if explain:
            labels = "、".join(SCHEMA.enum_label("line", line) for line in shared)
            reasons.append("负责" + labels)
    met = signals.meetings.get(leader, [])
    near = signals.near.get(leader)
    if met:
        cost -= min(len(met), MEETING_BONUS_MAX)
        if explain:
            reasons.append(f"此前联系过{len(met)}次，最近一次在{max(met).isoformat()}")
    elif near is not None:
        distance, path = near
        cost -= PROXIMITY_BONUS[distance]
        if explain:
            records = context.reader.records(path)
            via = "、".join(name_of(n, records[n]) for n in path)
            reasons.append(f"网络中相距{distance}步（经由{via}）")
    if not explain:
        pair = PairSignals({leader: met} if met else {}, {leader: near} if near else {})
        return Candidate(leader, max(cost, 0), [], holds_post, pair)
    if not reasons:
        reasons.append("尚有联系名额")
    return Candidate(leader, max(cost, 0), reasons, holds_post)


def explained(
    context: Context,
    candidate: Candidate,
    target: dict[str, Any],
    lines: tuple[str, ...] | None = None,
) -> Candidate:
    """``candidate`` (of the ``target`` record) with its reasons worked out."""
    if candidate.pair is None:
        return candidate
    return candidate_cost(context, candidate.leader_id, target, candidate.pair, lines)


def _area_reason(
    area_names: dict[str, str | None], leader_area: str, target_area: str | None
) -> str:
    """分管X（对象所在地）, or for an area above the target's, which area of X it is in."""
    name = area_names.get(leader_area) or leader_area
    if leader_area == target_area or target_area is None:
        return f"分管{name}（对象所在地）"
    inner = area_names.get(target_area) or target_area if target_area in area_names else ""
    return f"分管{name}（对象所在的{inner}属其辖区）"


def rank_for(
    context: Context,
    target: str,
    assigned: Collection[str],
    limit: int,
    *,
    explain: bool = True,
) -> list[Candidate]:
    """The ``limit`` cheapest of the context's leaders for ``target`` (not those in
    ``assigned``); a leader holding a departing leader's post comes first. Without
    ``explain``, their reasons are left to :func:`explained`.

    Only leaders with some signal are costed one by one: every other leader costs
    ``BASE_COST`` for the same reason, so they follow in id order.
    """
    record = context.reader.records([target]).get(target)
    if record is None:
        return []
    signals = pair_signals(context, target)
    leaders = context.leaders
    target_lineage = context.lineage.get(record.get("area_id") or "", ())
    lines = target_lines(record, context.policy)
    met_or_near = set(signals.meetings) | set(signals.near)
    excluded = set(assigned)

    def cost(leader: str) -> Candidate:
        return candidate_cost(context, leader, record, signals, lines, explain=False)

    def order(option: Candidate) -> tuple[bool, int]:
        return (not option.same_post, option.cost)

    # (order, id, the candidate if costed): a group's leaders all cost what its first one
    # costs, so only the first of each group and the ``limit`` chosen at the end are costed.
    found: list[tuple[tuple[bool, int], str, Candidate | None]] = []
    for leader in met_or_near:
        if leader in leaders and leader not in excluded:
            option = cost(leader)
            found.append((order(option), leader, option))
    skipped = met_or_near | excluded
    # The groups with a signal, then the leaders with none (of other areas: those of the
    # target's own areas are in its area groups), all of whom cost BASE_COST alike.
    groups = [*_groups(context, lines, target_lineage), (_sharing_none(context, lines), True)]
    for members, other_areas_only in groups:
        taken = 0
        level: tuple[bool, int] | None = None
        for leader in members:
            if taken >= limit:
                break
            if leader in skipped or (
                other_areas_only and _in_lineage(context, leader, target_lineage)
            ):
                continue
            if level is None:
                option = cost(leader)
                level = order(option)
                found.append((level, leader, option))
            else:
                found.append((level, leader, None))
            taken += 1
    found.sort(key=lambda entry: (entry[0], entry[1]))
    chosen = [option or cost(leader) for _, leader, option in found[:limit]]
    return [explained(context, c, record, lines) for c in chosen] if explain else chosen


def _groups(
    context: Context, lines: tuple[str, ...], target_lineage: tuple[str, ...]
) -> list[tuple[list[str], bool]]:
    """The context's leaders with a signal besides meetings and distance, in groups alike in
    cost and reasons, each sorted by id: the post holders and line sharers (True: keep only
    those of areas outside ``target_lineage``), then each lineage area's leaders.

    Besides meetings and distance, a leader's cost and reasons come from its post (if
    departing), its area (where it holds the target's) and the lines it shares (see
    :func:`candidate_cost`), so leaders of one group met or near neither cost the same.
    """
    groups = [(members, True) for members in _sharing(context, lines).values()]
    for area in target_lineage:
        groups.extend((members, False) for members in _in_area(context, area, lines).values())
    return groups


def _in_lineage(context: Context, leader: str, target_lineage: tuple[str, ...]) -> bool:
    return context.leaders[leader].get("area_id") in target_lineage


def signalled_options(
    context: Context,
    target: str,
    assigned: Collection[str],
    room: dict[str, int],
    wanted: int,
) -> tuple[list[Candidate], set[str]]:
    """The options of ``target`` among the context's leaders with some signal for it (not
    in ``assigned``), sorted as :func:`rank_for` sorts them: at each (post, cost) only the
    first by id whose ``room`` adds up to ``wanted`` (see :func:`_first_of_each_cost`);
    and the ids of every leader with a signal. Their reasons are left to :func:`explained`.
    """
    record = context.reader.records([target]).get(target)
    if record is None:
        return [], set()
    signals = pair_signals(context, target)
    leaders = context.leaders
    target_lineage = context.lineage.get(record.get("area_id") or "", ())
    lines = target_lines(record, context.policy)
    met_or_near = set(signals.meetings) | set(signals.near)
    marked = met_or_near.union(context.post_holders)
    for area in target_lineage:
        marked.update(context.by_area.get(area, ()))
    for line in lines:
        marked.update(context.by_line.get(line, ()))
    excluded = set(assigned)
    signalled = {n for n in marked if n in leaders and n not in excluded}
    costed = [n for n in met_or_near if n in signalled]
    skipped = met_or_near | excluded
    # A group's leaders cost the same, so the first of the group whose room adds up to
    # ``wanted`` hold every one of them that its level can keep.
    for members, other_areas_only in _groups(context, lines, target_lineage):
        held = 0
        for leader in members:
            if held >= wanted:
                break
            if leader in skipped or (
                other_areas_only and _in_lineage(context, leader, target_lineage)
            ):
                continue
            costed.append(leader)
            held += room.get(leader, 0)
    options = [
        candidate_cost(context, leader, record, signals, lines, explain=False) for leader in costed
    ]
    options.sort(key=lambda c: (not c.same_post, c.cost, c.leader_id))
    return _first_of_each_cost(options, room, wanted), signalled


def _sharing(context: Context, lines: tuple[str, ...]) -> dict[tuple[Any, ...], list[str]]:
    """The context's leaders holding a departing post or sharing some of ``lines``, sorted
    by id, by (the post if departing, the lines shared)."""
    key = tuple(lines)
    if key not in context.by_shared:
        groups: dict[tuple[Any, ...], list[str]] = defaultdict(list)
        marked = {n for line in key for n in context.by_line.get(line, ())}
        for leader in sorted(marked.union(context.post_holders)):
            row = context.leaders[leader]
            post = row.get("post") if row.get("post") in context.same_post else None
            held = row.get("lines") or ()
            groups[(post, tuple(line for line in key if line in held))].append(leader)
        context.by_shared[key] = dict(groups)
        sharing = {n for members in groups.values() for n in members}
        context.sharing_none[key] = [n for n in context.ordered if n not in sharing]
    return context.by_shared[key]


def _sharing_none(context: Context, lines: tuple[str, ...]) -> list[str]:
    """The context's leaders neither holding a departing post nor sharing any of ``lines``,
    sorted by id."""
    _sharing(context, lines)
    return context.sharing_none[tuple(lines)]


def _in_area(
    context: Context, area: str, lines: tuple[str, ...]
) -> dict[tuple[Any, ...], list[str]]:
    """The context's leaders in charge of ``area``, sorted by id, by (the post if
    departing, the ``lines`` shared)."""
    key = (area, tuple(lines))
    if key not in context.area_groups:
        groups: dict[tuple[Any, ...], list[str]] = defaultdict(list)
        for leader in sorted(context.by_area.get(area, ())):
            row = context.leaders[leader]
            post = row.get("post") if row.get("post") in context.same_post else None
            held = row.get("lines") or ()
            groups[(post, tuple(line for line in lines if line in held))].append(leader)
        context.area_groups[key] = dict(groups)
    return context.area_groups[key]


def capacities(
    leaders: dict[str, dict[str, Any]], load: dict[str, int], policy: Policy
) -> dict[str, int]:
    """What each of these leaders (in office) may still take: ``quota_max`` minus load."""
    capacity = {}
    for leader in sorted(leaders):
        quota_max = leaders[leader].get("quota_max")
        quota_max = policy.quota_max if quota_max is None else quota_max
        capacity[leader] = max(quota_max - load.get(leader, 0), 0)
    return capacity


def rank_candidates(
    graph: nx.MultiDiGraph,
    targets: Iterable[str],
    as_of: dt.date,
    window_days: int,
    policy: Policy | None = None,
    *,
    exclude: Collection[str] = (),
    same_post: Collection[str] = (),
    avoid: Collection[str] = (),
    limit: int = 3,
    coverage: dict[str, TargetCoverage] | None = None,
) -> dict[str, list[Candidate]]:
    """For each target, the ``limit`` cheapest leaders in office (not in ``exclude``).

    Network distances (and the "经由" reason) never run through the ``avoid`` nodes.
    """
    policy = policy or SCHEMA.default_policy
    coverage = coverage if coverage is not None else coverage_of_graph(graph, as_of, window_days)
    leaders = [lead for lead in leaders_in_office(graph) if lead not in exclude]
    context = graph_context(graph, as_of, policy, leaders, same_post=same_post, avoid=avoid)
    return {
        target: rank_for(
            context,
            target,
            coverage[target].assigned_leaders if target in coverage else (),
            limit,
        )
        for target in targets
    }


def recommend(
    graph: nx.MultiDiGraph,
    as_of: dt.date,
    window_days: int,
    policy: Policy | None = None,
    *,
    statuses: Collection[str] = ("uncovered", "stale"),
    coverage: dict[str, TargetCoverage] | None = None,
) -> dict[str, Any]:
    """Suggest a leader for every target with one of ``statuses``, globally.

    No leader gets more new targets than their capacity; targets left over (capacity ran
    out, or no leader can take them) are listed in ``unassigned``.
    """
    policy = policy or SCHEMA.default_policy
    coverage = coverage if coverage is not None else coverage_of_graph(graph, as_of, window_days)
    wanted = set(statuses)
    targets = [
        (t, item.status, item.assigned_leaders)
        for t, item in sorted(coverage.items())
        if item.status in wanted
    ]
    load: dict[str, int] = defaultdict(int)
    for item in coverage.values():
        for leader in item.assigned_leaders:
            load[leader] += 1
    in_office = GraphReader(graph).records(leaders_in_office(graph))
    capacity = capacities(in_office, load, policy)
    context = graph_context(graph, as_of, policy, [n for n, c in capacity.items() if c > 0])
    return assign(context, targets, capacity, window_days)


def assign(
    context: Context,
    targets: Sequence[tuple[str, str, Collection[str]]],
    capacity: dict[str, int],
    window_days: int,
) -> dict[str, Any]:
    """The cheapest assignment of ``targets`` (id, status, assigned leaders; in id order)
    to the context's leaders (those with capacity left) that places the most targets
    without pushing a leader over ``capacity``: a minimum-cost flow."""
    open_leaders = context.leaders
    pairs = len(open_leaders) * len(targets)
    if SHARED_FILLER_PAIRS < pairs <= MAX_PAIRS:
        shared = _assign_with_shared_fillers(context, targets, capacity)
        if shared is not None:
            return _assignment_answer(context, targets, capacity, window_days, *shared)
    limit = len(open_leaders) if pairs <= MAX_PAIRS else CANDIDATES_PER_TARGET_CAP
    ranked = _ranked_in_batches(
        context,
        targets,
        lambda target, assigned: rank_for(context, target, assigned, limit, explain=False),
    )
    flow_net = FlowNetwork()
    source, sink = ("source",), ("sink",)  # tuples never collide with string ids
    pair_arcs: list[tuple[str, str, int]] = []
    for target, _, _ in targets:
        if ranked[target]:
            flow_net.add_arc(source, ("t", target), 1, 0)
        for candidate in ranked[target]:
            arc = flow_net.add_arc(("t", target), ("l", candidate.leader_id), 1, candidate.cost)
            pair_arcs.append((target, candidate.leader_id, arc))
    for leader in sorted(open_leaders):
        flow_net.add_arc(("l", leader), sink, capacity[leader], 0)
    flow = flow_net.solve(source, sink)
    chosen = {target: leader for target, leader, arc in pair_arcs if flow[arc]}
    picked = {
        target: next(c for c in ranked[target] if c.leader_id == leader)
        for target, leader in chosen.items()
    }
    return _assignment_answer(
        context, targets, capacity, window_days, picked, {t for t, r in ranked.items() if r}
    )


def _assign_with_shared_fillers(
    context: Context,
    targets: Sequence[tuple[str, str, Collection[str]]],
    capacity: dict[str, int],
) -> tuple[dict[str, Candidate], set[str]] | None:
    """:func:`assign`'s flow with every target's signal-less leaders (cost ``BASE_COST``)
    behind one shared node; None if the targets sent through it cannot be paired with the
    leaders it fed (only their already-assigned leaders left), for the full network.

    A target sent through the shared node never has a signal with a leader the node fed:
    the direct edge, cheaper, would lower the optimum. So any pairing of those targets with
    those leaders' units costs the same; they are paired in id order.
    """
    open_leaders = context.leaders
    records = context.reader.records([t for t, _, _ in targets])
    ranked = _ranked_in_batches(
        context,
        targets,
        lambda target, assigned: signalled_options(
            context, target, assigned, capacity, len(targets)
        ),
    )
    signalled = {t: options for t, (options, _) in ranked.items()}
    everyone = {t: marked for t, (_, marked) in ranked.items()}
    flow_net = FlowNetwork()
    source, sink, shared = ("source",), ("sink",), ("shared",)
    has_option: set[str] = set()
    pair_arcs: list[tuple[str, Candidate | None, int]] = []  # None: through the shared node
    for target, _, assigned in targets:
        options = signalled[target]
        blocked = len(set(assigned) & open_leaders.keys())
        fillers = len(open_leaders) - len(everyone[target]) - blocked
        if options or fillers:
            has_option.add(target)
            flow_net.add_arc(source, ("t", target), 1, 0)
        for candidate in options:
            arc = flow_net.add_arc(("t", target), ("l", candidate.leader_id), 1, candidate.cost)
            pair_arcs.append((target, candidate, arc))
        if fillers:
            pair_arcs.append((target, None, flow_net.add_arc(("t", target), shared, 1, BASE_COST)))
    unit_arcs: list[tuple[str, int]] = []
    for leader in context.ordered:
        if shared in flow_net:
            unit_arcs.append((leader, flow_net.add_arc(shared, ("l", leader), capacity[leader], 0)))
        flow_net.add_arc(("l", leader), sink, capacity[leader], 0)
    picked: dict[str, Candidate] = {}
    if not has_option:
        return picked, has_option
    flow = flow_net.solve(source, sink)
    via_shared: set[str] = set()
    for target, option, arc in pair_arcs:
        if not flow[arc]:
            continue
        if option is None:
            via_shared.add(target)
        else:
            picked[target] = option
    units = {leader: flow[arc] for leader, arc in unit_arcs if flow[arc]}
    no_signal = PairSignals({}, {})
    for target, _, assigned in targets:
        if target not in via_shared:
            continue
        skip = set(assigned) | everyone[target]
        paired = next((n for n in sorted(units) if units[n] and n not in skip), None)
        if paired is None:
            return None
        units[paired] -= 1
        picked[target] = candidate_cost(context, paired, records[target], no_signal)
    return picked, has_option


def _ranked_in_batches(
    context: Context,
    targets: Sequence[tuple[str, Any, Collection[str]]],
    rank: Callable[[str, Collection[str]], _Ranked],
) -> dict[str, _Ranked]:
    """``rank(target, assigned)`` of each of ``targets`` (id, anything, assigned leaders),
    their signals read :data:`SIGNAL_BATCH` targets at a time (:func:`read_signals`) and
    dropped once ranked, so memory holds one batch's walks, not every target's."""
    ranked: dict[str, _Ranked] = {}
    for start in range(0, len(targets), SIGNAL_BATCH):
        batch = targets[start : start + SIGNAL_BATCH]
        read_signals(context, [target for target, _, _ in batch])
        for target, _, assigned in batch:
            ranked[target] = rank(target, assigned)
        context.signals.clear()
    return ranked


def _first_of_each_cost(
    options: list[Candidate], room: dict[str, int], wanted: int
) -> list[Candidate]:
    """Of a target's options at each (post, cost), the first by id whose ``room`` adds up
    to ``wanted``.

    With ``wanted`` at least the number of targets, the flow loses nothing: in a cheapest
    assignment that gives a target a leader left out, the leaders kept at the same cost have
    room for ``wanted`` while the other targets take fewer units, so one of them has a unit
    free and can take the target instead at the same cost, without moving anyone else.
    """
    kept: list[Candidate] = []
    held: dict[tuple[bool, int], int] = defaultdict(int)
    for option in options:  # sorted by (not same post, cost, id)
        level = (option.same_post, option.cost)
        if held[level] < wanted:
            held[level] += room.get(option.leader_id, 0)
            kept.append(option)
    return kept


def _assignment_answer(
    context: Context,
    targets: Sequence[tuple[str, str, Collection[str]]],
    capacity: dict[str, int],
    window_days: int,
    picked: dict[str, Candidate],
    has_option: Collection[str],
) -> dict[str, Any]:
    """:func:`assign`'s answer: each target's chosen candidate, or why it has none."""
    open_leaders = context.leaders
    records = context.reader.records([t for t, _, _ in targets])
    # Read at once the records the chosen pairs' "经由" reasons name.
    context.reader.records(
        {n for c in picked.values() if c.pair for _, via in c.pair.near.values() for n in via}
    )
    items, unassigned = [], []
    for target, status, _ in targets:
        node = records[target]
        base = {
            "target_id": target,
            "target_name": node.get("name"),
            "kind": node["kind"],
            "status": status,
        }
        if target in picked:
            candidate = explained(context, picked[target], node)
            items.append(
                {
                    **base,
                    "leader_id": candidate.leader_id,
                    "leader_name": open_leaders[candidate.leader_id].get("name"),
                    "cost": candidate.cost,
                    "reasons": candidate.reasons,
                }
            )
        else:
            why = (
                "名额已满：候选领导的名额已分给代价更低的对象"
                if target in has_option
                else "在任领导均无剩余名额"
            )
            unassigned.append({**base, "reason": why})
    return {
        "as_of": context.as_of.isoformat(),
        "window_days": window_days,
        "total": len(items),
        "total_cost": sum(i["cost"] for i in items),
        "capacity": capacity,
        "items": items,
        "unassigned": unassigned,
    }


def departure(
    graph: nx.MultiDiGraph,
    leader_ids: Iterable[str],
    as_of: dt.date,
    window_days: int,
    policy: Policy | None = None,
    coverage: dict[str, TargetCoverage] | None = None,
    successors: int = 3,
) -> dict[str, Any]:
    """The targets left with no assigned leader if these leaders left, with successors.

    Each item has the target's current ``status`` and up to ``successors`` ranked
    candidate leaders (``{"leader_id", "leader_name", "cost", "reasons"}``), chosen among
    the leaders in office who stay; a leader with the same post as a departing one ranks
    first. Network distances between a successor and a target leave the departing leaders
    out, so no reason runs "经由" (via) someone who is leaving.

    >>> import datetime as dt
    >>> from concentric.graph.schema.build import build_graph
    >>> from concentric.graph.schema.model import NodeRecord, LinkRecord
    >>> T = dt.date(2026, 6, 30)
    >>> g = build_graph(
    ...     [NodeRecord("L1", "leader", {"name": "张三", "in_office": True, "quota_min": 1}),
    ...      NodeRecord("L2", "leader", {"name": "李四", "in_office": True}),
    ...      NodeRecord("F1", "figure", {"name": "王五", "category": "religious"}),
    ...      NodeRecord("U1", "unit", {"name": "兰州理工大学", "kind": "university"})],
    ...     [LinkRecord("contacts", "L1", "F1", "c1", {}),
    ...      LinkRecord("contacts", "L2", "F1", "c2", {}),
    ...      LinkRecord("contacts", "L1", "U1", "c3", {})],
    ... )
    >>> coverage = coverage_of_graph(g, T, 365)
    >>> [i["id"] for i in departure(g, ["L2"], T, 365, coverage=coverage)["items"]]
    []
    >>> [i["id"] for i in departure(g, ["L1", "L2"], T, 365, coverage=coverage)["items"]]
    ['F1', 'U1']
    """
    policy = policy or SCHEMA.default_policy
    leaving = set(check_leaders(graph.nodes, leader_ids))
    coverage = coverage if coverage is not None else coverage_of_graph(graph, as_of, window_days)
    orphaned = [item for item in coverage.values() if orphaned_by(item, leaving)]
    posts = {graph.nodes[leader].get("post") for leader in leaving} - {None, ""}
    staying = [lead for lead in leaders_in_office(graph) if lead not in leaving]
    context = graph_context(graph, as_of, policy, staying, same_post=posts, avoid=leaving)
    return departure_answer(context, leaving, orphaned, window_days, successors)


def orphaned_by(item: TargetCoverage, leaving: Collection[str]) -> bool:
    """Whether a target would have no assigned leader left once ``leaving`` have gone."""
    return bool(item.assigned_leaders) and set(item.assigned_leaders) <= set(leaving)


def departure_answer(
    context: Context,
    leaving: Collection[str],
    orphaned: Iterable[TargetCoverage],
    window_days: int,
    successors: int,
) -> dict[str, Any]:
    """The departure answer for the ``orphaned`` targets' coverage, each with its
    ``successors`` cheapest leaders among the context's."""
    items = []
    chosen = sorted(orphaned, key=lambda item: item.id)
    records = context.reader.records([item.id for item in chosen])
    ranked_of = _ranked_in_batches(
        context,
        [(item.id, None, item.assigned_leaders) for item in chosen],
        lambda target, assigned: rank_for(context, target, assigned, successors),
    )
    for item in chosen:
        ranked = ranked_of[item.id]
        items.append(
            {
                "id": item.id,
                "name": records[item.id].get("name"),
                "kind": item.kind,
                "status": item.status,
                "leaving_leaders": list(item.assigned_leaders),
                "last_contact": iso_date(item.last_contact),
                "successors": [
                    {
                        "leader_id": c.leader_id,
                        "leader_name": context.leaders[c.leader_id].get("name"),
                        "cost": c.cost,
                        "reasons": c.reasons,
                    }
                    for c in ranked
                ],
            }
        )
    return {
        "as_of": context.as_of.isoformat(),
        "window_days": window_days,
        "leaders": sorted(leaving),
        "total": len(items),
        "items": items,
    }

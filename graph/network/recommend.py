"""Who should cover whom: explainable candidate costs and a global assignment.

Each (leader, target) pair gets a cost: a base of 10, lowered by signals a planner can
check — the leader is in charge of the target's area (−4), the leader's lines include the
target's line (−3), the two met before (−1 a meeting, up to −3), and they are close in the
relationship graph (−2 at two steps, −1 at three); a leader holding the same post as a
departing one gets −5. Every signal that applies becomes a reason in words, one whole
Chinese clause each: 分管秀川街道（对象所在地）, 负责协商共进合作线,
网络中相距2步（经由九三学社七里河区支社）.

:func:`recommend` assigns targets to leaders as a minimum-cost flow (``networkx``), so the
whole assignment is cheapest among those that place the most targets without pushing any
leader over capacity (``quota_max`` minus current load).

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
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Any

import networkx as nx

from concentric.graph.engine.coverage import TargetCoverage, area_lineage, target_lines
from concentric.graph.engine.coverage_index import coverage_of_graph
from concentric.graph.engine.leaders import check_leaders, iso_date, leaders_in_office
from concentric.graph.network.network import display_name, relationship_view
from concentric.graph.schema.schema import SCHEMA, Policy

__all__ = ["Candidate", "candidate_cost", "departure", "rank_candidates", "recommend"]

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


@dataclass(frozen=True)
class Candidate:
    leader_id: str
    cost: int
    reasons: list[str]
    same_post: bool = False


class _Signals:
    """What the cost needs, computed once for a graph and date.

    Network distances leave out the ``avoid`` nodes (the leaders leaving, in a departure):
    a tie that runs through someone who is going will not introduce their successor.
    """

    def __init__(
        self,
        graph: nx.MultiDiGraph,
        as_of: dt.date,
        policy: Policy,
        avoid: Collection[str] = (),
    ) -> None:
        self.graph = graph
        self.policy = policy
        self.lineage = area_lineage(graph)
        # (leader, target) -> dates they met (on or before T)
        self.meetings: dict[tuple[str, str], list[dt.date]] = defaultdict(list)
        for node, data in graph.nodes(data=True):
            if data["kind"] != "interaction" or data["date"] > as_of:
                continue
            leaders = [u for u, _, k in graph.in_edges(node, data="kind") if k == "took_part"]
            targets = [v for _, v, k in graph.out_edges(node, data="kind") if k == "concerns"]
            for leader in leaders:
                for target in targets:
                    self.meetings[leader, target].append(data["date"])
        view = relationship_view(graph)
        gone = set(avoid)
        self.view: nx.Graph = (
            nx.subgraph_view(view, filter_node=lambda n: n not in gone) if gone else view
        )
        self._distances: dict[str, dict[str, int]] = {}

    def distances(self, leader: str) -> dict[str, int]:
        if leader not in self._distances:
            self._distances[leader] = (
                nx.single_source_shortest_path_length(self.view, leader, cutoff=3)
                if leader in self.view
                else {}
            )
        return self._distances[leader]


def candidate_cost(
    signals: _Signals, leader: str, target: str, same_post: Collection[str] = ()
) -> Candidate:
    """The cost of ``leader`` covering ``target`` and the reasons that lowered it."""
    graph = signals.graph
    lnode, tnode = graph.nodes[leader], graph.nodes[target]
    cost = BASE_COST
    reasons: list[str] = []
    holds_post = bool(same_post) and lnode.get("post") in same_post
    if holds_post:
        cost -= SAME_POST_BONUS
        reasons.append(f"与离任领导同任{lnode['post']}")
    leader_area = lnode.get("area_id")
    target_area = tnode.get("area_id")
    if leader_area and leader_area in signals.lineage.get(target_area or "", ()):
        cost -= AREA_BONUS
        reasons.append(_area_reason(graph, leader_area, target_area))
    shared = [
        line for line in target_lines(tnode, signals.policy) if line in (lnode.get("lines") or ())
    ]
    if shared:
        cost -= LINE_BONUS
        reasons.append("负责" + "、".join(SCHEMA.enum_label("line", line) for line in shared))
    met = signals.meetings.get((leader, target), [])
    if met:
        cost -= min(len(met), MEETING_BONUS_MAX)
        reasons.append(f"此前联系过{len(met)}次，最近一次在{max(met).isoformat()}")
    else:
        distance = signals.distances(leader).get(target)
        if distance in PROXIMITY_BONUS:
            cost -= PROXIMITY_BONUS[distance]
            path = nx.shortest_path(signals.view, leader, target)
            via = "、".join(display_name(graph, n) for n in path[1:-1])
            reasons.append(f"网络中相距{distance}步（经由{via}）")
    if not reasons:
        reasons.append("尚有联系名额")
    return Candidate(leader, max(cost, 0), reasons, holds_post)


def _area_reason(graph: nx.MultiDiGraph, leader_area: str, target_area: str | None) -> str:
    """分管X（对象所在地）, or for an area above the target's, which area of X it is in."""
    name = graph.nodes[leader_area].get("name") or leader_area
    if leader_area == target_area or target_area is None:
        return f"分管{name}（对象所在地）"
    inner = graph.nodes[target_area].get("name") or target_area if target_area in graph else ""
    return f"分管{name}（对象所在的{inner}属其辖区）"


def _capacities(
    graph: nx.MultiDiGraph,
    coverage: dict[str, TargetCoverage],
    policy: Policy,
    exclude: Collection[str] = (),
) -> dict[str, int]:
    load: dict[str, int] = defaultdict(int)
    for item in coverage.values():
        for leader in item.assigned_leaders:
            load[leader] += 1
    capacity = {}
    for leader in leaders_in_office(graph):
        if leader in exclude:
            continue
        quota_max = graph.nodes[leader].get("quota_max")
        quota_max = policy.quota_max if quota_max is None else quota_max
        capacity[leader] = max(quota_max - load[leader], 0)
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
    signals = _Signals(graph, as_of, policy, avoid)
    leaders = [lead for lead in leaders_in_office(graph) if lead not in exclude]
    ranked = {}
    for target in targets:
        assigned = set(coverage[target].assigned_leaders) if target in coverage else set()
        options = [
            candidate_cost(signals, leader, target, same_post)
            for leader in leaders
            if leader not in assigned
        ]
        # A leader holding a departing leader's post is the natural first candidate.
        options.sort(key=lambda c: (not c.same_post, c.cost, c.leader_id))
        ranked[target] = options[:limit]
    return ranked


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
    targets = sorted(t for t, item in coverage.items() if item.status in wanted)
    capacity = _capacities(graph, coverage, policy)
    open_leaders = {lead for lead, cap in capacity.items() if cap > 0}
    pairs = len(open_leaders) * len(targets)
    ranked = rank_candidates(
        graph,
        targets,
        as_of,
        window_days,
        policy,
        exclude=set(capacity) - open_leaders,
        limit=len(open_leaders) if pairs <= MAX_PAIRS else CANDIDATES_PER_TARGET_CAP,
        coverage=coverage,
    )
    flow_net = nx.DiGraph()
    source, sink = ("source",), ("sink",)  # tuples never collide with string ids
    for target in targets:
        for candidate in ranked[target]:
            flow_net.add_edge(source, ("t", target), capacity=1, weight=0)
            flow_net.add_edge(
                ("t", target), ("l", candidate.leader_id), capacity=1, weight=candidate.cost
            )
    for leader in open_leaders:
        flow_net.add_edge(("l", leader), sink, capacity=capacity[leader], weight=0)
    chosen: dict[str, str] = {}
    if flow_net.number_of_edges() and source in flow_net and sink in flow_net:
        flow = nx.max_flow_min_cost(flow_net, source, sink)
        for target in targets:
            for (_, leader), amount in flow.get(("t", target), {}).items():
                if amount:
                    chosen[target] = leader
    items, unassigned = [], []
    for target in targets:
        node = graph.nodes[target]
        base = {
            "target_id": target,
            "target_name": node.get("name"),
            "kind": node["kind"],
            "status": coverage[target].status,
        }
        if target in chosen:
            candidate = next(c for c in ranked[target] if c.leader_id == chosen[target])
            items.append(
                {
                    **base,
                    "leader_id": candidate.leader_id,
                    "leader_name": graph.nodes[candidate.leader_id].get("name"),
                    "cost": candidate.cost,
                    "reasons": candidate.reasons,
                }
            )
        else:
            why = (
                "名额已满：候选领导的名额已分给代价更低的对象"
                if ranked[target]
                else "在任领导均无剩余名额"
            )
            unassigned.append({**base, "reason": why})
    return {
        "as_of": as_of.isoformat(),
        "window_days": window_days,
        "total": len(items),
        "total_cost": sum(i["cost"] for i in items),
        "capacity": {lead: capacity[lead] for lead in sorted(capacity)},
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
    leaving = set(check_leaders(graph, leader_ids))
    coverage = coverage if coverage is not None else coverage_of_graph(graph, as_of, window_days)
    orphaned = [
        t
        for t, item in coverage.items()
        if item.assigned_leaders and set(item.assigned_leaders) <= leaving
    ]
    posts = {graph.nodes[leader].get("post") for leader in leaving} - {None, ""}
    ranked = rank_candidates(
        graph,
        orphaned,
        as_of,
        window_days,
        policy,
        exclude=leaving,
        same_post=posts,
        avoid=leaving,
        limit=successors,
    )
    items = []
    for target in sorted(orphaned):
        item = coverage[target]
        items.append(
            {
                "id": target,
                "name": graph.nodes[target].get("name"),
                "kind": item.kind,
                "status": item.status,
                "leaving_leaders": list(item.assigned_leaders),
                "last_contact": iso_date(item.last_contact),
                "successors": [
                    {
                        "leader_id": c.leader_id,
                        "leader_name": graph.nodes[c.leader_id].get("name"),
                        "cost": c.cost,
                        "reasons": c.reasons,
                    }
                    for c in ranked.get(target, [])
                ],
            }
        )
    return {
        "as_of": as_of.isoformat(),
        "window_days": window_days,
        "leaders": sorted(leaving),
        "total": len(items),
        "items": items,
    }

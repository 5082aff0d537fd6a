"""Leaders' load against their quotas and single points of failure (the answers' shape;
:mod:`graph.index_analyses` counts them), and departures (a graph analysis that takes its
statuses from the coverage engine).

>>> import datetime as dt
>>> from graph.build import build_graph
>>> from graph.model import NodeRecord, LinkRecord
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

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

import networkx as nx

from graph.coverage import QueryError, TargetCoverage, UnknownId
from graph.coverage_index import coverage_of_graph
from graph.schema import Policy

__all__ = [
    "departure",
    "leader_load_answer",
    "leader_load_item",
    "leaders_in_office",
    "single_points_answer",
]

_QUOTA_RANK = {"under": 0, "over": 1, "ok": 2}


def leaders_in_office(graph: nx.MultiDiGraph) -> list[str]:
    """Ids of the leaders in office, sorted."""
    return sorted(
        n for n, d in graph.nodes(data=True) if d["kind"] == "leader" and d.get("in_office", True)
    )


def _date(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def leader_load_item(
    leader: str,
    node: dict[str, Any],
    policy: Policy,
    *,
    assigned: int,
    figures: int,
    active: int,
    stale: int,
    last_interaction: dt.date | None,
) -> dict[str, Any]:
    """One leader's row of :func:`graph.index_analyses.leader_load` from its counts
    (``node``: name, post, quotas).

    >>> from graph.schema import SCHEMA
    >>> item = leader_load_item("L1", {"name": "张三", "quota_max": 1}, SCHEMA.default_policy,
    ...     assigned=3, figures=3, active=1, stale=2, last_interaction=None)
    >>> item["quota_status"], item["stale_share"]
    ('over', 0.6667)
    """
    quota_min = node.get("quota_min")
    quota_max = node.get("quota_max")
    quota_min = policy.quota_min if quota_min is None else quota_min
    quota_max = policy.quota_max if quota_max is None else quota_max
    if figures < quota_min:
        quota_status = "under"
    elif assigned > quota_max:
        quota_status = "over"
    else:
        quota_status = "ok"
    return {
        "id": leader,
        "name": node.get("name"),
        "post": node.get("post"),
        "assigned": assigned,
        "figures": figures,
        "active": active,
        "stale": stale,
        "stale_share": round(stale / assigned, 4) if assigned else 0.0,
        "last_interaction": _date(last_interaction),
        "quota_min": quota_min,
        "quota_max": quota_max,
        "quota_status": quota_status,
    }


def leader_load_answer(
    as_of: dt.date, window_days: int, items: list[dict[str, Any]]
) -> dict[str, Any]:
    """The :func:`graph.index_analyses.leader_load` answer around its rows, worst first."""
    items.sort(key=lambda i: (_QUOTA_RANK[i["quota_status"]], -i["stale_share"], i["id"]))
    return {
        "as_of": as_of.isoformat(),
        "window_days": window_days,
        "total": len(items),
        "items": items,
    }


def single_points_answer(
    as_of: dt.date, window_days: int, items: list[dict[str, Any]]
) -> dict[str, Any]:
    """The :func:`graph.index_analyses.single_points` answer around its rows, grouped by leader."""
    items.sort(key=lambda i: (i["leader_id"], i["id"]))
    by_leader: dict[str, list[str]] = defaultdict(list)
    for record in items:
        by_leader[record["leader_id"]].append(record["id"])
    return {
        "as_of": as_of.isoformat(),
        "window_days": window_days,
        "total": len(items),
        "items": items,
        "by_leader": dict(by_leader),
    }


def check_leaders(graph: nx.MultiDiGraph, leader_ids: Iterable[str]) -> list[str]:
    """The ids, checked to be leaders; raise :class:`QueryError` naming any that is not."""
    ids = list(dict.fromkeys(leader_ids))
    if not ids:
        raise QueryError("name at least one leader id")
    for leader in ids:
        if leader not in graph:
            raise UnknownId(f"unknown leader id {leader!r}")
        if graph.nodes[leader]["kind"] != "leader":
            raise QueryError(f"{leader!r} is a {graph.nodes[leader]['kind']}, not a leader")
    return ids


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
    """
    from graph.recommend import rank_candidates  # recommend builds on this module

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
                "last_contact": _date(item.last_contact),
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

"""Leaders' load against their quotas and single points of failure (the answers' shape;
:mod:`graph.engine.index_analyses` counts them); departures are in :mod:`graph.network.recommend`.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

import networkx as nx

from concentric.graph.engine.coverage import QueryError, UnknownId
from concentric.graph.schema.schema import Policy

__all__ = ["leader_load_answer", "leader_load_item", "leaders_in_office", "single_points_answer"]

_QUOTA_RANK = {"under": 0, "over": 1, "ok": 2}


def leaders_in_office(graph: nx.MultiDiGraph) -> list[str]:
    """Ids of the leaders in office, sorted."""
    return sorted(
        n for n, d in graph.nodes(data=True) if d["kind"] == "leader" and d.get("in_office", True)
    )


def iso_date(value: dt.date | None) -> str | None:
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
    """One leader's row of :func:`graph.engine.index_analyses.leader_load` from its counts
    (``node``: name, post, quotas).

    >>> from concentric.graph.schema.schema import SCHEMA
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
        "last_interaction": iso_date(last_interaction),
        "quota_min": quota_min,
        "quota_max": quota_max,
        "quota_status": quota_status,
    }


def leader_load_answer(
    as_of: dt.date, window_days: int, items: list[dict[str, Any]]
) -> dict[str, Any]:
    """The :func:`graph.engine.index_analyses.leader_load` answer around its rows, worst first."""
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
    """The :func:`.index_analyses.single_points` answer around its rows, grouped by leader."""
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


def check_leaders(nodes: Mapping[str, Mapping[str, Any]], leader_ids: Iterable[str]) -> list[str]:
    """The ids, checked to be leaders among ``nodes`` (a graph's ``nodes``, or records by
    id); raise :class:`QueryError` naming any that is not."""
    ids = list(dict.fromkeys(leader_ids))
    if not ids:
        raise QueryError("name at least one leader id")
    for leader in ids:
        if leader not in nodes:
            raise UnknownId(f"unknown leader id {leader!r}")
        if nodes[leader]["kind"] != "leader":
            raise QueryError(f"{leader!r} is a {nodes[leader]['kind']}, not a leader")
    return ids

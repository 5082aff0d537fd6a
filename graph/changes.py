"""Change over time: targets whose status differs between two as-of dates.

>>> import datetime as dt
>>> from graph.build import build_graph
>>> from graph.model import NodeRecord, LinkRecord
>>> g = build_graph(
...     [NodeRecord("L1", "leader", {"name": "张三"}),
...      NodeRecord("F1", "figure", {"name": "王五", "category": "religious"}),
...      NodeRecord("I1", "interaction", {"date": dt.date(2025, 6, 1), "kind": "visit",
...                 "leader_ids": ["L1"], "target_ids": ["F1"]})],
...     [LinkRecord("contacts", "L1", "F1", "c1", {})])
>>> answer = status_changes(g, dt.date(2026, 5, 1), dt.date(2026, 6, 30), 365)
>>> answer["groups"]
{'covered→stale': 1}
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

import networkx as nx

from graph.coverage import STATUSES, QueryError, target_coverage

__all__ = [
    "change_item",
    "check_period",
    "status_changes",
    "status_changes_answer",
]


def status_changes(
    graph: nx.MultiDiGraph, start: dt.date, end: dt.date, window_days: int
) -> dict[str, Any]:
    """Targets whose status on ``end`` differs from their status on ``start``.

    Items are grouped by transition (``"covered→stale"``: became stale in the period),
    worst transitions first. ``end`` may come before ``start``: the two statuses are
    compared in the order given (the API accepts any two dates; the CLI refuses that order
    with :func:`check_period`, where it is more likely a slip).
    """
    before = target_coverage(graph, start, window_days)
    after = target_coverage(graph, end, window_days)
    items = []
    for target, now in after.items():
        was = before[target]
        if was.status != now.status:
            items.append(
                change_item(
                    target,
                    graph.nodes[target].get("name"),
                    now.kind,
                    was.status,
                    now.status,
                    now.last_contact,
                )
            )
    return status_changes_answer(start, end, window_days, items)


def check_period(start: dt.date, end: dt.date) -> None:
    """Raise :class:`QueryError` when ``end`` is before ``start``."""
    if end < start:
        raise QueryError(f"--to ({end}) is before --from ({start})")


def change_item(
    target: str, name: str | None, kind: str, was: str, now: str, last: dt.date | None
) -> dict[str, Any]:
    """One target's row of :func:`status_changes`."""
    return {
        "id": target,
        "name": name,
        "kind": kind,
        "from": was,
        "to": now,
        "transition": f"{was}→{now}",
        "last_contact": last.isoformat() if last else None,
    }


def status_changes_answer(
    start: dt.date, end: dt.date, window_days: int, items: list[dict[str, Any]]
) -> dict[str, Any]:
    """The :func:`status_changes` answer around its rows: worsening first, grouped."""
    rank = {status: i for i, status in enumerate(STATUSES)}
    # Worsening first (to a later status in covered, stale, indirect, uncovered), then id.
    items.sort(key=lambda i: (rank[i["from"]] - rank[i["to"]], i["transition"], i["id"]))
    groups = Counter(i["transition"] for i in items)
    return {
        "from": start.isoformat(),
        "to": end.isoformat(),
        "window_days": window_days,
        "total": len(items),
        "groups": dict(sorted(groups.items(), key=lambda kv: (-kv[1], kv[0]))),
        "items": items,
    }

"""Looking entities up: one entity's record, a leader's to-do list (search: :mod:`.search`).

>>> import datetime as dt
>>> from concentric.graph.schema.build import build_graph
>>> from concentric.graph.schema.model import NodeRecord, LinkRecord
>>> g = build_graph(
...     [NodeRecord("L1", "leader", {"name": "张三"}),
...      NodeRecord("F1", "figure", {"name": "王伟", "category": "religious"}),
...      NodeRecord("F2", "figure", {"name": "汪维", "category": "ethnic"}),
...      NodeRecord("I1", "interaction", {"date": dt.date(2025, 12, 1), "kind": "visit",
...                 "leader_ids": ["L1"], "target_ids": ["F1"]})],
...     [LinkRecord("contacts", "L1", "F1", "c1", {})])
>>> [t["id"] for t in entity_record(g, "F1", dt.date(2026, 1, 1), 365)["ties"]]
['L1']
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import networkx as nx

from concentric.graph.engine.coverage import TargetCoverage, UnknownId
from concentric.graph.engine.coverage_index import coverage_of_graph
from concentric.graph.schema.schema import SCHEMA

__all__ = [
    "PERSON_KINDS",
    "entity_record",
    "todo_answer",
    "todo_item",
]

PERSON_KINDS = frozenset({"leader", "figure"})


def _plain(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def entity_record(
    graph: nx.MultiDiGraph,
    node_id: str,
    as_of: dt.date,
    window_days: int,
    coverage: dict[str, TargetCoverage] | None = None,
    recent: int = 10,
) -> dict[str, Any]:
    """Everything about one entity: its properties, coverage, ties and recent interactions."""
    if node_id not in graph:
        raise UnknownId(f"unknown id {node_id!r}")
    data = graph.nodes[node_id]
    properties = {k: _plain(v) for k, v in data.items() if k not in ("kind", "file", "line")}
    record: dict[str, Any] = {
        "id": node_id,
        "kind": data["kind"],
        "name": data.get("name"),
        "properties": properties,
        "provenance": {"file": data.get("file"), "line": data.get("line")},
        "coverage": None,
        "ties": [],
        "interactions": [],
    }
    if data["kind"] in SCHEMA.target_kinds:
        coverage = (
            coverage if coverage is not None else coverage_of_graph(graph, as_of, window_days)
        )
        item = coverage[node_id]
        record["coverage"] = {
            "status": item.status,
            "assigned_leaders": list(item.assigned_leaders),
            "last_contact": item.last_contact.isoformat() if item.last_contact else None,
        }
    ties = []
    interactions = []
    for u, v, edge in [*graph.out_edges(node_id, data=True), *graph.in_edges(node_id, data=True)]:
        other = v if u == node_id else u
        kind = edge["kind"]
        # A leader's or target's interactions are listed as such; an interaction's own
        # took_part/concerns edges are its ties (its leaders and targets).
        if kind in ("took_part", "concerns") and data["kind"] != "interaction":
            idata = graph.nodes[other]
            if idata["date"] <= as_of:
                interactions.append(
                    {
                        "id": other,
                        "date": idata["date"].isoformat(),
                        "kind": idata.get("type"),
                        "leader_ids": idata.get("leader_ids", []),
                        "target_ids": idata.get("target_ids", []),
                        "summary": idata.get("summary"),
                    }
                )
            continue
        ties.append(
            {
                "kind": kind,
                "direction": "out" if u == node_id else "in",
                "id": other,
                "name": graph.nodes[other].get("name"),
                "other_kind": graph.nodes[other]["kind"],
                "since": _plain(edge.get("since")),
                "until": _plain(edge.get("until")),
                "role": edge.get("role"),
            }
        )
    ties.sort(key=lambda t: (t["kind"], t["id"]))
    interactions.sort(key=lambda i: (i["date"], i["id"]), reverse=True)
    record["ties"] = ties
    record["interactions"] = interactions[:recent]
    return record


def todo_item(
    summary: dict[str, Any],
    status: str,
    last: dt.date | None,
    as_of: dt.date,
    window_days: int,
    due_within: int,
) -> dict[str, Any] | None:
    """One target's row of a leader's to-do list, or None when it is not due soon.

    >>> todo_item({"id": "F1"}, "stale", None, dt.date(2026, 1, 1), 365, 30)["due"]
    '2026-01-01'
    >>> todo_item({"id": "F1"}, "covered", dt.date(2025, 12, 1), dt.date(2026, 1, 1), 365, 30)
    """
    try:
        due = last + dt.timedelta(days=window_days) if last else as_of
    except OverflowError:
        due = dt.date.max
    if due - as_of > dt.timedelta(days=due_within):
        return None
    return {
        **summary,
        "status": status,
        "last_contact": last.isoformat() if last else None,
        "due": due.isoformat(),
        "overdue": status == "stale",
    }


def todo_answer(
    leader_id: str, as_of: dt.date, window_days: int, items: list[dict[str, Any]]
) -> dict[str, Any]:
    """The to-do answer around its rows: overdue first, then by due date."""
    items.sort(key=lambda i: (not i["overdue"], i["due"], i["id"]))
    return {
        "leader_id": leader_id,
        "as_of": as_of.isoformat(),
        "window_days": window_days,
        "total": len(items),
        "items": items,
    }

"""Coverage (spec section 3): who is assigned to each target, when it was last contacted,
and its status, as of a date T with a window of W days; the summary and the gap list.

Pure functions of (graph, as_of, window, policy): no I/O, no clock.

A tiny district: leader L1 (in office) contacts figure F1 and met them ten days before T,
so F1 is ``covered``; F1 is a member of the mosque O1, which nobody is assigned to, so O1
is ``indirect`` (one membership hop from a covered target); F2 is ``uncovered``.

>>> import datetime as dt
>>> from graph.build import build_graph
>>> from graph.model import NodeRecord, LinkRecord
>>> T = dt.date(2026, 6, 30)
>>> g = build_graph(
...     [NodeRecord("L1", "leader", {"name": "张三", "in_office": True}),
...      NodeRecord("F1", "figure", {"name": "李四", "category": "religious"}),
...      NodeRecord("F2", "figure", {"name": "王五", "category": "ethnic"}),
...      NodeRecord("O1", "organization", {"name": "清真寺", "kind": "religious_venue"}),
...      NodeRecord("I1", "interaction", {"date": dt.date(2026, 6, 20), "kind": "visit",
...                 "leader_ids": ["L1"], "target_ids": ["F1"]})],
...     [LinkRecord("contacts", "L1", "F1", "c1", {}),
...      LinkRecord("member_of", "F1", "O1", "m1", {})],
... )
>>> {t: c.status for t, c in target_coverage(g, T, 365).items()}
{'F1': 'covered', 'F2': 'uncovered', 'O1': 'indirect'}
>>> coverage_summary(g, T, 365)["totals"]
{'targets': 3, 'covered': 1, 'stale': 0, 'indirect': 1, 'uncovered': 1}
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Any

import networkx as nx

from graph.schema import SCHEMA, Policy

__all__ = [
    "STATUSES",
    "QueryError",
    "TargetCoverage",
    "UnknownId",
    "area_lineage",
    "coverage_summary",
    "gap_list",
    "is_open",
    "parse_gap_filters",
    "parse_statuses",
    "sort_gap_items",
    "target_coverage",
    "target_lines",
    "window_start",
]

STATUSES: tuple[str, ...] = ("covered", "stale", "indirect", "uncovered")
# Gap lists show the worst first.
_STATUS_RANK = {"uncovered": 0, "stale": 1, "indirect": 2, "covered": 3}


class QueryError(ValueError):
    """A query's argument is wrong (unknown id, bad filter value); the message says which."""


class GraphTooLarge(QueryError):
    """An analysis needs the whole graph in memory and the data is over the set limit."""


class UnknownId(QueryError):
    """A query named an id that is not in the data (the API answers 404)."""


@dataclass(frozen=True)
class TargetCoverage:
    """The coverage of one target as of a date."""

    id: str
    kind: str
    status: str
    assigned_leaders: tuple[str, ...]
    last_contact: dt.date | None


def window_start(as_of: dt.date, window_days: int) -> dt.date:
    """The first day of the window: T − W (an interaction on it still counts).

    Windows reaching before the calendar's first day start there.

    >>> window_start(dt.date(2026, 6, 30), 365)
    datetime.date(2025, 6, 30)
    >>> window_start(dt.date(1, 1, 5), 365)
    datetime.date(1, 1, 1)
    """
    try:
        return as_of - dt.timedelta(days=window_days)
    except OverflowError:
        return dt.date.min


def is_open(data: dict[str, Any], as_of: dt.date) -> bool:
    """Whether a dated link is open at ``as_of``: started on or before, not yet ended.

    >>> T = dt.date(2026, 6, 30)
    >>> is_open({"since": T, "until": None}, T), is_open({"until": T}, T)
    (True, False)
    """
    since, until = data.get("since"), data.get("until")
    return (since is None or since <= as_of) and (until is None or until > as_of)


def _targets(graph: nx.MultiDiGraph) -> list[str]:
    kinds = set(SCHEMA.target_kinds)
    return [n for n, kind in graph.nodes(data="kind") if kind in kinds]


def target_coverage(
    graph: nx.MultiDiGraph, as_of: dt.date, window_days: int
) -> dict[str, TargetCoverage]:
    """Assigned leaders, last contact and status of every target, keyed by id."""
    nodes = graph.nodes
    targets = _targets(graph)
    target_set = set(targets)
    assigned: dict[str, set[str]] = defaultdict(set)
    last_contact: dict[str, dt.date] = {}
    neighbours: dict[str, set[str]] = defaultdict(set)
    for u, v, data in graph.edges(data=True):
        kind = data["kind"]
        if kind == "contacts":
            # Leaders out of office cover nothing.
            if v in target_set and nodes[u].get("in_office", True) and is_open(data, as_of):
                assigned[v].add(u)
        elif kind == "concerns":
            date = nodes[u]["date"]
            if date <= as_of and v in target_set and date > last_contact.get(v, dt.date.min):
                last_contact[v] = date
        elif kind == "member_of" and is_open(data, as_of):
            neighbours[u].add(v)
            neighbours[v].add(u)
    start = window_start(as_of, window_days)

    def recent(target: str) -> bool:
        return last_contact.get(target, dt.date.min) >= start

    covered = {t for t in targets if assigned.get(t) and recent(t)}
    result: dict[str, TargetCoverage] = {}
    for target in targets:
        if target in covered:
            status = "covered"
        elif assigned.get(target):
            status = "stale"
        elif recent(target) or not neighbours.get(target, set()).isdisjoint(covered):
            status = "indirect"
        else:
            status = "uncovered"
        result[target] = TargetCoverage(
            id=target,
            kind=nodes[target]["kind"],
            status=status,
            assigned_leaders=tuple(sorted(assigned.get(target, ()))),
            last_contact=last_contact.get(target),
        )
    return result


def area_lineage(graph: nx.MultiDiGraph) -> dict[str, tuple[str, ...]]:
    """Each area with its ancestors, nearest first: ``{"A3": ("A3", "A1", "A0")}``."""
    areas = [n for n, kind in graph.nodes(data="kind") if kind == "area"]
    parent: dict[str, str] = {}
    for area in areas:
        for _, up, kind in graph.out_edges(area, data="kind"):
            if kind == "part_of" and graph.nodes[up]["kind"] == "area":
                parent[area] = up
    lineage: dict[str, tuple[str, ...]] = {}
    for area in areas:
        chain = [area]
        while chain[-1] in parent and parent[chain[-1]] not in chain:
            chain.append(parent[chain[-1]])
        lineage[area] = tuple(chain)
    return lineage


def target_lines(node: dict[str, Any], policy: Policy) -> tuple[str, ...]:
    """The line codes a target sits on, per the policy's line mapping."""
    subtype = node.get("category") if node["kind"] == "figure" else node.get("type")
    return policy.lines_of(node["kind"], subtype) if subtype else ()


def _zero() -> dict[str, int]:
    return {"targets": 0, **dict.fromkeys(STATUSES, 0)}


def coverage_summary(
    graph: nx.MultiDiGraph,
    as_of: dt.date,
    window_days: int | None = None,
    policy: Policy | None = None,
    coverage: dict[str, TargetCoverage] | None = None,
) -> dict[str, Any]:
    """The coverage summary of spec section 4, as a JSON-ready dict.

    Every kind, category, line and area appears, with zeros where nothing is there.
    A target counts toward its own area and every ancestor area.
    """
    policy = policy or SCHEMA.default_policy
    window = policy.window_days if window_days is None else window_days
    coverage = coverage if coverage is not None else target_coverage(graph, as_of, window)
    lineage = area_lineage(graph)
    totals = _zero()
    by_kind = {kind: _zero() for kind in SCHEMA.target_kinds}
    by_category = {code: _zero() for code in SCHEMA.figure_categories}
    by_line = {code: _zero() for code in SCHEMA.line_codes}
    by_area = {area: _zero() for area in sorted(lineage)}
    for target, item in coverage.items():
        node = graph.nodes[target]
        buckets = [totals, by_kind[item.kind]]
        if item.kind == "figure" and node.get("category") in by_category:
            buckets.append(by_category[node["category"]])
        buckets.extend(by_line[line] for line in target_lines(node, policy) if line in by_line)
        buckets.extend(by_area[a] for a in lineage.get(node.get("area_id") or "", ()))
        for bucket in buckets:
            bucket["targets"] += 1
            bucket[item.status] += 1
    return {
        "as_of": as_of.isoformat(),
        "window_days": window,
        "totals": totals,
        "by_kind": by_kind,
        "by_category": by_category,
        "by_line": by_line,
        "by_area": by_area,
    }


def _parse_choices(values: Iterable[str], enum: str, what: str) -> list[str]:
    codes = []
    for value in values:
        code = SCHEMA.enum_code(enum, value)
        if code is None:
            raise QueryError(f"unknown {what} {value!r} (one of: {SCHEMA.enum_choices(enum)})")
        codes.append(code)
    return codes


def parse_statuses(values: Iterable[str]) -> list[str]:
    """Status codes from codes or Chinese labels; raise :class:`QueryError` for others.

    >>> parse_statuses(["未覆盖", "stale"])
    ['uncovered', 'stale']
    """
    return _parse_choices(values, "coverage_status", "status")


def sort_gap_items(items: list[dict[str, Any]]) -> None:
    """Sort gap items in place, worst status first (uncovered, stale, indirect, covered),
    then by id: the one order every backend answers in."""
    items.sort(key=lambda i: (_STATUS_RANK[i["status"]], i["id"]))


def parse_gap_filters(
    statuses: Collection[str], kind: str | None, category: str | None, line: str | None
) -> tuple[set[str], str | None, str | None, str | None]:
    """The gap list's filters as codes (labels accepted); :class:`QueryError` if unknown.

    >>> parse_gap_filters(["未覆盖"], "figure", "宗教界人士", "引导线")
    ({'uncovered'}, 'figure', 'religious', 'guidance')
    >>> parse_gap_filters([], "驻区单位", None, None)[1]
    'unit'

    """
    if kind is not None:
        labels = {k: SCHEMA.node_kinds[k]["label"] for k in SCHEMA.target_kinds}
        code = next((k for k, label in labels.items() if kind in (k, label)), None)
        if code is None:
            allowed = "、".join(f"{k} {label}" for k, label in labels.items())
            raise QueryError(f"unknown kind {kind!r} (one of: {allowed})")
        kind = code
    category_code = (
        _parse_choices([category], "figure_category", "category")[0] if category else None
    )
    line_code = _parse_choices([line], "line", "line")[0] if line else None
    return set(parse_statuses(statuses)), kind, category_code, line_code


def gap_list(
    graph: nx.MultiDiGraph,
    as_of: dt.date,
    window_days: int | None = None,
    policy: Policy | None = None,
    *,
    statuses: Collection[str] = ("uncovered", "stale"),
    kind: str | None = None,
    category: str | None = None,
    line: str | None = None,
    area_id: str | None = None,
    coverage: dict[str, TargetCoverage] | None = None,
) -> dict[str, Any]:
    """The gap list of spec section 4: targets with the given statuses, worst first.

    ``area_id`` matches targets located in that area or any area below it; ``category``
    and ``line`` accept codes or Chinese labels. Raises :class:`QueryError` for unknown
    filter values.
    """
    policy = policy or SCHEMA.default_policy
    window = policy.window_days if window_days is None else window_days
    wanted, kind, category_code, line_code = parse_gap_filters(statuses, kind, category, line)
    lineage = area_lineage(graph)
    if area_id is not None and area_id not in lineage:
        raise UnknownId(f"unknown area id {area_id!r}")
    coverage = coverage if coverage is not None else target_coverage(graph, as_of, window)
    items = []
    for target, item in coverage.items():
        node = graph.nodes[target]
        if item.status not in wanted or (kind and item.kind != kind):
            continue
        if category_code and node.get("category") != category_code:
            continue
        if line_code and line_code not in target_lines(node, policy):
            continue
        if area_id and area_id not in lineage.get(node.get("area_id") or "", ()):
            continue
        items.append(_gap_item(item, node))
    sort_gap_items(items)
    return {"as_of": as_of.isoformat(), "window_days": window, "total": len(items), "items": items}


def _gap_item(item: TargetCoverage, node: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": item.id,
        "name": node.get("name"),
        "kind": item.kind,
        "category": node.get("category") if item.kind == "figure" else None,
        "type": node.get("type"),
        "area_id": node.get("area_id"),
        "status": item.status,
        "assigned_leaders": list(item.assigned_leaders),
        "last_contact": item.last_contact.isoformat() if item.last_contact else None,
    }

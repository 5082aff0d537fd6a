"""Coverage vocabulary (spec section 3): the statuses, a target's coverage record, query
errors, and the filters of the gap list. The rule that decides a status lives in one place,
:func:`graph.engine.coverage_index.status_rule`; this module holds what every layer shares.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Any

import networkx as nx

from concentric.graph.schema.schema import SCHEMA, Policy

__all__ = [
    "STATUSES",
    "QueryError",
    "TargetCoverage",
    "UnknownId",
    "area_lineage",
    "is_open",
    "parse_gap_filters",
    "parse_statuses",
    "sort_gap_items",
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
    recent: bool  # an interaction in the window [T − W, T] (the engine's fact)
    # For an indirect target: the covered targets it shares an open membership with.
    via: tuple[str, ...] = ()


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

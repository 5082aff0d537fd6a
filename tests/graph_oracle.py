"""The networkx implementations of coverage and the leader, blind-spot, to-do and change
analyses, as the product had them before the array engine became the only one. Kept here as
the tests' second opinion on the engine (they walk the graph edge by edge, the engine works
on arrays); the answers' shapes come from the product's ``*_answer``/``*_item``/``*_rows`` helpers.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Collection
from typing import Any

import networkx as nx
import numpy as np

from concentric.graph.engine.blind_spots import (
    STATION_AREA_KINDS,
    STATION_KIND,
    blind_spots_answer,
    line_scores_answer,
)
from concentric.graph.engine.changes import change_item, status_changes_answer
from concentric.graph.engine.coverage import (
    STATUSES,
    TargetCoverage,
    UnknownId,
    area_lineage,
    is_open,
    parse_gap_filters,
    sort_gap_items,
    target_lines,
    window_start,
)
from concentric.graph.engine.entities import todo_answer, todo_item
from concentric.graph.engine.leaders import (
    iso_date,
    leader_load_answer,
    leader_load_rows,
    leaders_in_office,
    single_points_answer,
)
from concentric.graph.schema.schema import SCHEMA, Policy


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
            recent=recent(target),
            via=tuple(sorted(neighbours.get(target, set()) & covered))
            if status == "indirect"
            else (),
        )
    return result


def _zero() -> dict[str, int]:
    return {"targets": 0, **dict.fromkeys(STATUSES, 0)}


def _summary(graph: nx.MultiDiGraph, node: str) -> dict[str, Any]:
    """A target as the lists show it, read from its graph node."""
    data = graph.nodes[node]
    return {
        "id": node,
        "kind": data["kind"],
        "name": data.get("name"),
        "category": data.get("category"),
        "type": data.get("type"),
        "area_id": data.get("area_id"),
    }


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


def leader_load(
    graph: nx.MultiDiGraph,
    as_of: dt.date,
    window_days: int,
    policy: Policy | None = None,
    coverage: dict[str, TargetCoverage] | None = None,
) -> dict[str, Any]:
    """Per leader in office: load, activity and quota status; worst first.

    ``assigned`` counts the targets the leader has an open contact with; ``figures`` the
    figures among them; ``active`` those the leader met inside the window;
    ``quota_status`` is ``under`` when ``figures`` < ``quota_min``, ``over`` when
    ``assigned`` > ``quota_max``, else ``ok``. ``stale_share`` is the share of the
    assigned targets whose status is ``stale``.
    """
    policy = policy or SCHEMA.default_policy
    coverage = coverage if coverage is not None else target_coverage(graph, as_of, window_days)
    start = window_start(as_of, window_days)
    assigned: dict[str, list[str]] = defaultdict(list)
    for target, item in coverage.items():
        for leader in item.assigned_leaders:
            assigned[leader].append(target)
    met: dict[str, set[str]] = defaultdict(set)  # leader -> targets met inside the window
    last: dict[str, dt.date] = {}
    for leader in leaders_in_office(graph):
        for _, interaction, kind in graph.out_edges(leader, data="kind"):
            if kind != "took_part":
                continue
            date = graph.nodes[interaction]["date"]
            if date > as_of:
                continue
            if date > last.get(leader, dt.date.min):
                last[leader] = date
            if date >= start:
                met[leader].update(
                    t for _, t, k in graph.out_edges(interaction, data="kind") if k == "concerns"
                )
    in_office = leaders_in_office(graph)
    counts: dict[str, list[int]] = {k: [] for k in ("assigned", "figures", "active", "stale")}
    for leader in in_office:
        targets = assigned.get(leader, [])
        counts["assigned"].append(len(targets))
        counts["figures"].append(sum(1 for t in targets if graph.nodes[t]["kind"] == "figure"))
        counts["active"].append(sum(1 for t in targets if t in met[leader]))
        counts["stale"].append(sum(1 for t in targets if coverage[t].status == "stale"))
    items = leader_load_rows(
        in_office,
        [graph.nodes[leader] for leader in in_office],
        policy,
        {name: np.array(column, dtype=np.int64) for name, column in counts.items()},
        [iso_date(last.get(leader)) for leader in in_office],
    )
    return leader_load_answer(as_of, window_days, items)


def single_points(
    graph: nx.MultiDiGraph,
    as_of: dt.date,
    window_days: int,
    coverage: dict[str, TargetCoverage] | None = None,
) -> dict[str, Any]:
    """Targets with exactly one assigned leader, with that leader; grouped by leader."""
    coverage = coverage if coverage is not None else target_coverage(graph, as_of, window_days)
    items = []
    for target, item in coverage.items():
        if len(item.assigned_leaders) == 1:
            leader = item.assigned_leaders[0]
            items.append(
                {
                    "id": target,
                    "name": graph.nodes[target].get("name"),
                    "kind": item.kind,
                    "status": item.status,
                    "leader_id": leader,
                    "leader_name": graph.nodes[leader].get("name"),
                }
            )
    return single_points_answer(as_of, window_days, items)


def areas_without_station(graph: nx.MultiDiGraph) -> list[str]:
    """Towns and subdistricts with no ethnic work station in them or in any area below."""
    lineage = area_lineage(graph)
    with_station: set[str] = set()
    for _, data in graph.nodes(data=True):
        if data["kind"] == "organization" and data.get("type") == STATION_KIND:
            with_station.update(lineage.get(data.get("area_id") or "", ()))
    return sorted(
        a
        for a in lineage
        if graph.nodes[a].get("type") in STATION_AREA_KINDS and a not in with_station
    )


def blind_spots(
    graph: nx.MultiDiGraph,
    as_of: dt.date,
    window_days: int,
    policy: Policy | None = None,
    coverage: dict[str, TargetCoverage] | None = None,
) -> dict[str, Any]:
    """Area × category cells with figures and none of them covered; areas with no station.

    ``items`` are the empty cells (spec section 3); ``matrix`` holds every cell with at
    least one figure; ``units_outside_joint_meeting`` the residing units neither in the
    joint-meeting system (联席会议) nor covered; ``lines`` the five-line score.
    """
    policy = policy or SCHEMA.default_policy
    coverage = coverage if coverage is not None else target_coverage(graph, as_of, window_days)
    lineage = area_lineage(graph)
    cells: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for target, item in coverage.items():
        node = graph.nodes[target]
        if item.kind != "figure" or not node.get("category"):
            continue
        for area in lineage.get(node.get("area_id") or "", ()):
            cell = cells[area, node["category"]]
            cell[0] += 1
            cell[1] += item.status == "covered"
    order = {code: i for i, code in enumerate(SCHEMA.figure_categories)}
    matrix = [
        {
            "area_id": area,
            "area_name": graph.nodes[area].get("name"),
            "category": category,
            "figures": n,
            "covered": covered,
        }
        for (area, category), (n, covered) in sorted(
            cells.items(), key=lambda kv: (kv[0][0], order.get(kv[0][1], 99))
        )
    ]
    units = [
        {"id": t, "name": graph.nodes[t].get("name"), "status": item.status}
        for t, item in sorted(coverage.items())
        if item.kind == "unit"
        and not graph.nodes[t].get("joint_meeting")
        and item.status != "covered"
    ]
    return blind_spots_answer(
        as_of,
        window_days,
        matrix,
        areas_without_station(graph),
        units,
        line_scores(graph, as_of, window_days, policy, coverage)["items"],
    )


def line_scores(
    graph: nx.MultiDiGraph,
    as_of: dt.date,
    window_days: int,
    policy: Policy | None = None,
    coverage: dict[str, TargetCoverage] | None = None,
    worst: int = 3,
) -> dict[str, Any]:
    """The five-line score: per line, coverage ratio, reach and the worst towns.

    The ``center`` line has no targets; it is measured on leaders (share meeting their
    quota) and on towns/subdistricts (share with an ethnic work station), and its ratio
    is the mean of the two.
    """
    policy = policy or SCHEMA.default_policy
    coverage = coverage if coverage is not None else target_coverage(graph, as_of, window_days)
    summary = coverage_summary(graph, as_of, window_days, policy, coverage)
    towns = [
        a
        for a, d in graph.nodes(data=True)
        if d["kind"] == "area" and d.get("type") in STATION_AREA_KINDS
    ]
    per_area_line: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    lineage = area_lineage(graph)
    town_set = set(towns)
    for target, item in coverage.items():
        node = graph.nodes[target]
        for line in target_lines(node, policy):
            for area in lineage.get(node.get("area_id") or "", ()):
                if area in town_set:
                    cell = per_area_line[area, line]
                    cell[0] += 1
                    cell[1] += item.status == "covered"
    load = leader_load(graph, as_of, window_days, policy, coverage)["items"]
    return line_scores_answer(
        as_of,
        window_days,
        summary["by_line"],
        per_area_line,
        towns,
        areas_without_station(graph),
        load,
        {a: graph.nodes[a].get("name") for a in lineage},
        worst,
    )


def leader_todo(
    graph: nx.MultiDiGraph,
    leader_id: str,
    as_of: dt.date,
    window_days: int,
    due_within: int = 30,
    coverage: dict[str, TargetCoverage] | None = None,
) -> dict[str, Any]:
    """A leader's assigned targets that are overdue or due within ``due_within`` days.

    A target is due ``window_days`` after its last contact (the last day a meeting keeps it
    covered; at once if never contacted). Overdue (already stale) first, then by due date.
    """
    if leader_id not in graph or graph.nodes[leader_id]["kind"] != "leader":
        raise UnknownId(f"unknown leader id {leader_id!r}")
    coverage = coverage if coverage is not None else target_coverage(graph, as_of, window_days)
    items = []
    for target, item in coverage.items():
        if leader_id not in item.assigned_leaders:
            continue
        record = todo_item(
            _summary(graph, target), item.status, item.last_contact, as_of, window_days, due_within
        )
        if record is not None:
            items.append(record)
    return todo_answer(leader_id, as_of, window_days, items)


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

"""Blind spots (盲区和死角) and the five-line score (统战五线谱).

>>> import datetime as dt
>>> from graph.build import build_graph
>>> from graph.model import NodeRecord
>>> g = build_graph(
...     [NodeRecord("A0", "area", {"name": "七里河区", "kind": "district"}),
...      NodeRecord("A1", "area", {"name": "西湖街道", "kind": "subdistrict", "parent_id": "A0"}),
...      NodeRecord("A2", "area", {"name": "阿干镇", "kind": "town", "parent_id": "A0"}),
...      NodeRecord("O1", "organization", {"name": "西湖民族工作站",
...                 "kind": "ethnic_work_station", "area_id": "A1"}),
...      NodeRecord("F1", "figure", {"name": "王五", "category": "religious", "area_id": "A2"})],
...     [])
>>> answer = blind_spots(g, dt.date(2026, 6, 30), 365)
>>> [(i["area_id"], i["category"], i["figures"], i["covered"]) for i in answer["items"]]
[('A0', 'religious', 1, 0), ('A2', 'religious', 1, 0)]
>>> answer["areas_without_station"]
['A2']
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from typing import Any

import networkx as nx

from graph.coverage import (
    TargetCoverage,
    area_lineage,
    coverage_summary,
    target_coverage,
    target_lines,
)
from graph.leaders import leader_load
from graph.schema import SCHEMA, Policy

__all__ = [
    "STATION_AREA_KINDS",
    "STATION_KIND",
    "areas_without_station",
    "blind_spots",
    "blind_spots_answer",
    "line_scores",
    "line_scores_answer",
]

# Each town and subdistrict should have an ethnic work station (民族工作站).
STATION_AREA_KINDS = ("town", "subdistrict")
STATION_KIND = "ethnic_work_station"


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


def blind_spots_answer(
    as_of: dt.date,
    window_days: int,
    matrix: list[dict[str, Any]],
    without_station: list[str],
    units: list[dict[str, Any]],
    lines: list[dict[str, Any]],
) -> dict[str, Any]:
    """The :func:`blind_spots` answer from its parts (the empty cells are picked here)."""
    empty = [cell for cell in matrix if cell["covered"] == 0]
    return {
        "as_of": as_of.isoformat(),
        "window_days": window_days,
        "total": len(empty),
        "items": empty,
        "areas_without_station": without_station,
        "units_outside_joint_meeting": units,
        "matrix": matrix,
        "lines": lines,
    }


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


def line_scores_answer(
    as_of: dt.date,
    window_days: int,
    by_line: dict[str, dict[str, int]],
    per_area_line: Mapping[tuple[str, str], Sequence[int]],
    towns: Collection[str],
    without_station: Collection[str],
    load: list[dict[str, Any]],
    area_names: Mapping[str, str | None],
    worst: int = 3,
) -> dict[str, Any]:
    """The :func:`line_scores` answer from its counts.

    ``by_line`` is the summary's; ``per_area_line`` holds ``[targets, covered]`` per
    (town, line) with at least one target; ``load`` is :func:`leader_load`'s items.
    """
    items = []
    for line in SCHEMA.line_codes:
        counts = by_line[line]
        record: dict[str, Any] = {
            "line": line,
            "label": SCHEMA.enum_label("line", line),
            "targets": counts["targets"],
            "covered": counts["covered"],
            "ratio": round(counts["covered"] / counts["targets"], 4) if counts["targets"] else None,
            "reach": round((counts["covered"] + counts["indirect"]) / counts["targets"], 4)
            if counts["targets"]
            else None,
        }
        if line == "center":
            quota_ok = sum(1 for i in load if i["quota_status"] == "ok")
            missing = set(without_station)
            parts = []
            if load:
                parts.append(quota_ok / len(load))
            if towns:
                parts.append((len(towns) - len(missing)) / len(towns))
            record.update(
                leaders=len(load),
                leaders_quota_ok=quota_ok,
                towns=len(towns),
                towns_with_station=len(towns) - len(missing),
                ratio=round(sum(parts) / len(parts), 4) if parts else None,
                worst_areas=[
                    {
                        "area_id": a,
                        "area_name": area_names.get(a),
                        "reason": "no ethnic work station",
                    }
                    for a in sorted(missing)
                ],
            )
        else:
            ranked = sorted(
                ((c[1] / c[0], a, c) for (a, ln), c in per_area_line.items() if ln == line),
                key=lambda r: (r[0], r[1]),
            )
            record["worst_areas"] = [
                {
                    "area_id": a,
                    "area_name": area_names.get(a),
                    "targets": c[0],
                    "covered": c[1],
                    "ratio": round(r, 4),
                }
                for r, a, c in ranked[:worst]
            ]
        items.append(record)
    return {"as_of": as_of.isoformat(), "window_days": window_days, "items": items}

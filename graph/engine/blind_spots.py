"""Blind spots (盲区和死角) and the five-line score (统战五线谱): the answers' shape and
ranking; :mod:`graph.engine.index_analyses` counts them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping, Sequence
from typing import Any

from concentric.graph.schema.schema import SCHEMA

__all__ = [
    "STATION_AREA_KINDS",
    "STATION_KIND",
    "blind_spots_answer",
    "line_scores_answer",
]

# Each town and subdistrict should have an ethnic work station (民族工作站).
STATION_AREA_KINDS = ("town", "subdistrict")
STATION_KIND = "ethnic_work_station"


def blind_spots_answer(
    as_of: dt.date,
    window_days: int,
    matrix: list[dict[str, Any]],
    without_station: list[str],
    units: list[dict[str, Any]],
    lines: list[dict[str, Any]],
) -> dict[str, Any]:
    """The blind-spot answer from its parts (the empty cells are picked here)."""
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
    """The five-line score from its counts.

    ``by_line`` is the summary's; ``per_area_line`` holds ``[targets, covered]`` per
    (town, line) with at least one target; ``load`` is the leader load's items.
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

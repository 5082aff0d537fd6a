"""Leader load, blind spots, the five-line score, to-do lists and status changes, on arrays.

The only implementation of these analyses, computed from the
:class:`~graph.engine.coverage_index.CoverageIndex` and the leaders' interactions
(:class:`LeaderActivity`); :mod:`.leaders`, :mod:`.blind_spots`, :mod:`.entities` and
:mod:`.changes` give the answers their shape. At province
size (10^6 targets) the whole graph does not fit the server's memory, the arrays do.

>>> import datetime as dt
>>> from concentric.graph.schema.model import NodeRecord, LinkRecord
>>> T = dt.date(2026, 6, 30)
>>> nodes = [
...     NodeRecord("A0", "area", {"name": "七里河区", "kind": "district"}),
...     NodeRecord("A1", "area", {"name": "阿干镇", "kind": "town", "parent_id": "A0"}),
...     NodeRecord("L1", "leader", {"name": "张三", "quota_min": 1}),
...     NodeRecord("F1", "figure", {"name": "李四", "category": "religious", "area_id": "A1"}),
...     NodeRecord("I1", "interaction", {"date": dt.date(2026, 6, 20), "kind": "visit",
...                "leader_ids": ["L1"], "target_ids": ["F1"]})]
>>> links = [LinkRecord("contacts", "L1", "F1", "c1", {})]
>>> index = CoverageIndex.from_records(nodes, links)
>>> activity = LeaderActivity.from_records(index, nodes)
>>> [(i["id"], i["assigned"], i["active"], i["quota_status"])
...  for i in leader_load(index, activity, T, 365)["items"]]
[('L1', 1, 1, 'ok')]
>>> areas_without_station(index)
['A1']
>>> [(c["area_id"], c["covered"]) for c in blind_spots(index, activity, T, 365)["matrix"]]
[('A0', 1), ('A1', 1)]
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import numpy as np
import numpy.typing as npt

from concentric.graph.engine.blind_spots import (
    STATION_AREA_KINDS,
    STATION_KIND,
    blind_spots_answer,
    line_scores_answer,
)
from concentric.graph.engine.changes import change_item, status_changes_answer
from concentric.graph.engine.coverage import STATUSES, UnknownId
from concentric.graph.engine.coverage_index import (
    CoverageIndex,
    _days,
    _open,
    contains,
    date_of,
    distinct,
    out_of_office,
    pack_state,
    unpack_state,
)
from concentric.graph.engine.entities import todo_answer, todo_item
from concentric.graph.engine.leaders import (
    iso_date,
    leader_load_answer,
    leader_load_rows,
    single_points_answer,
)
from concentric.graph.schema.model import NodeRecord
from concentric.graph.schema.schema import SCHEMA, Policy

__all__ = [
    "LeaderActivity",
    "areas_without_station",
    "blind_spots",
    "leader_load",
    "leader_todo",
    "single_points",
    "status_changes",
]

_COVERED, _STALE = STATUSES.index("covered"), STATUSES.index("stale")
_STATE_FORMAT = 1  # of LeaderActivity.to_bytes


class LeaderActivity:
    """Who took part in which interaction about whom: (leader, target, day) rows by day.

    Built once per data version from ``(leader_id, target_id, date)`` rows, one per leader
    and target of each interaction (target ``None`` for an interaction without targets).
    """

    def __init__(self, index: CoverageIndex, rows: Iterable[tuple[str, str | None, Any]]) -> None:
        self.leader_ids = sorted(index.leaders)
        position = {leader: i for i, leader in enumerate(self.leader_ids)}
        targets = index.position
        kept = [r for r in rows if r[0] in position]
        days = _days([r[2] for r in kept], 0)
        order = np.argsort(days, kind="stable")
        self.day = days[order]
        self.leader = np.array([position[r[0]] for r in kept], dtype=np.int32)[order]
        self.target = np.array([targets.get(r[1] or "", -1) for r in kept], dtype=np.int32)[order]

    def to_bytes(self) -> bytes:
        """The table, for a store to keep (see :meth:`CoverageIndex.to_bytes`)."""
        arrays = {"day": self.day, "leader": self.leader, "target": self.target}
        return pack_state(arrays, {"format": _STATE_FORMAT, "leader_ids": self.leader_ids})

    @classmethod
    def from_bytes(cls, data: bytes) -> LeaderActivity:
        """The table :meth:`to_bytes` wrote; ValueError if the bytes are not one."""
        arrays, plain = unpack_state(data)
        if plain.get("format") != _STATE_FORMAT or set(arrays) != {"day", "leader", "target"}:
            raise ValueError("not a leader activity table of this version")
        activity = cls.__new__(cls)
        activity.leader_ids = plain["leader_ids"]
        activity.day, activity.leader, activity.target = (
            arrays["day"],
            arrays["leader"],
            arrays["target"],
        )
        return activity

    @staticmethod
    def rows_of(nodes: Iterable[NodeRecord]) -> list[tuple[str, str | None, Any]]:
        """The (leader, target, date) rows of the interactions among ``nodes``."""
        rows: list[tuple[str, str | None, Any]] = []
        for node in nodes:
            if node.kind != "interaction":
                continue
            date, targets = node.props["date"], node.props.get("target_ids") or [None]
            rows.extend((leader, t, date) for leader in node.props["leader_ids"] for t in targets)
        return rows

    @classmethod
    def from_records(cls, index: CoverageIndex, nodes: Iterable[NodeRecord]) -> LeaderActivity:
        """Build from node records (any store)."""
        return cls(index, cls.rows_of(nodes))


def _in_office(index: CoverageIndex) -> list[str]:
    return sorted(lead for lead, row in index.leaders.items() if not out_of_office(row))


def _open_pairs(index: CoverageIndex, t: int) -> tuple[npt.NDArray[np.int64], ...]:
    """(contact leader code, target) of every distinct open contact on day ``t``."""
    is_open = _open(index.c_since, index.c_until, t)
    keys = distinct(
        (index.c_leader[is_open].astype(np.int64) << 32) | index.c_target[is_open].astype(np.int64)
    )
    return keys >> 32, keys & 0xFFFFFFFF


def _leader_node(row: tuple[Any, ...]) -> dict[str, Any]:
    return {"name": row[1], "post": row[2], "quota_min": row[4], "quota_max": row[5]}


def leader_load(
    index: CoverageIndex,
    activity: LeaderActivity,
    as_of: dt.date,
    window_days: int,
    policy: Policy | None = None,
) -> dict[str, Any]:
    """Leader load against quotas: per leader in office, worst first."""
    policy = policy or SCHEMA.default_policy
    t = as_of.toordinal()
    status, _ = index.statuses(as_of, window_days)
    contact_leader, target = _open_pairs(index, t)
    # Contact leader codes → activity leader codes, so every count is per activity leader.
    code = {lead: i for i, lead in enumerate(activity.leader_ids)}
    to_all = np.array([code[lead] for lead in index.leader_ids], dtype=np.int64)
    leader = to_all[contact_leader]
    size = len(activity.leader_ids)

    def per_leader(mask: npt.NDArray[np.bool_] | None = None) -> npt.NDArray[np.int64]:
        chosen = leader if mask is None else leader[mask]
        return np.bincount(chosen, minlength=size)

    figure = SCHEMA.target_kinds.index("figure")
    # Met inside the window: the (leader, target) pairs of the window's interactions.
    lo = np.searchsorted(activity.day, t - window_days, side="left")
    hi = np.searchsorted(activity.day, t, side="right")
    met = distinct(
        (activity.leader[lo:hi].astype(np.int64) << 32) | activity.target[lo:hi].astype(np.int64)
    )
    # The day column's own type: ufunc.at with a cast is many times slower.
    last = np.full(size, -1, dtype=activity.day.dtype)
    np.maximum.at(last, activity.leader[:hi], activity.day[:hi])
    counts = {
        "assigned": per_leader(),
        "figures": per_leader(index.kind_code[target] == figure),
        "active": per_leader(contains(met, (leader << 32) | target)),
        "stale": per_leader(status[target] == _STALE),
    }
    in_office = _in_office(index)
    rows = np.array([code[lead] for lead in in_office], dtype=np.int64)
    last_days = last[rows].tolist()
    # Many leaders last met someone on the same day: each day's text is made once.
    day_text = {day: iso_date(date_of(day)) for day in set(last_days)}
    items = leader_load_rows(
        in_office,
        [_leader_node(index.leaders[lead]) for lead in in_office],
        policy,
        {name: column[rows] for name, column in counts.items()},
        [day_text[day] for day in last_days],
    )
    return leader_load_answer(as_of, window_days, items)


def single_points(index: CoverageIndex, as_of: dt.date, window_days: int) -> dict[str, Any]:
    """Targets with exactly one assigned leader, grouped by leader."""
    status, _ = index.statuses(as_of, window_days)
    contact_leader, target = _open_pairs(index, as_of.toordinal())
    alone = np.bincount(target, minlength=index.n)[target] == 1
    items = []
    for lead, t in zip(contact_leader[alone].tolist(), target[alone].tolist(), strict=True):
        leader = index.leader_ids[lead]
        items.append(
            {
                "id": index.ids[t],
                "name": index.names[t],
                "kind": index.kinds[t],
                "status": STATUSES[status[t]],
                "leader_id": leader,
                "leader_name": index.leaders[leader][1] if leader in index.leaders else None,
            }
        )
    return single_points_answer(as_of, window_days, items)


def leader_todo(
    index: CoverageIndex,
    leader_id: str,
    as_of: dt.date,
    window_days: int,
    due_within: int = 30,
) -> dict[str, Any]:
    """A leader's overdue and soon-due targets: one leader's own targets only."""
    if leader_id not in index.leaders:
        raise UnknownId(f"unknown leader id {leader_id!r}")
    targets = assigned_targets(index, leader_id, as_of)
    status = index.statuses_of(targets, as_of, window_days)
    last = index.last_contact_of(targets, as_of.toordinal())
    items = []
    for t, code, day in zip(targets.tolist(), status.tolist(), last.tolist(), strict=True):
        summary = index.summary_of(t)
        item = todo_item(summary, STATUSES[code], date_of(day), as_of, window_days, due_within)
        if item is not None:
            items.append(item)
    return todo_answer(leader_id, as_of, window_days, items)


def status_changes(
    index: CoverageIndex, start: dt.date, end: dt.date, window_days: int
) -> dict[str, Any]:
    """Targets whose status differs between two dates: two status passes compared."""
    before, _ = index.statuses(start, window_days)
    after, _ = index.statuses(end, window_days)
    changed = np.nonzero(before != after)[0]
    last = index.last_contact_of(changed.astype(np.int64), end.toordinal())
    items = [
        change_item(
            index.ids[t],
            index.names[t],
            index.kinds[t],
            STATUSES[was],
            STATUSES[now],
            date_of(day),
        )
        for t, was, now, day in zip(
            changed.tolist(),
            before[changed].tolist(),
            after[changed].tolist(),
            last.tolist(),
            strict=True,
        )
    ]
    return status_changes_answer(start, end, window_days, items)


def assigned_targets(index: CoverageIndex, leader_id: str, as_of: dt.date) -> npt.NDArray[Any]:
    """Positions of the targets ``leader_id`` has an open contact with on ``as_of``, sorted."""
    code = index.leader_code.get(leader_id)
    if code is None:  # no contact at all
        return np.zeros(0, dtype=np.int64)
    mine = index.c_leader == code
    mine &= _open(index.c_since, index.c_until, as_of.toordinal())
    return distinct(index.c_target[mine]).astype(np.int64)


def _area_counts(
    index: CoverageIndex, mask: npt.NDArray[np.bool_], column: npt.NDArray[np.int64], width: int
) -> npt.NDArray[np.int64]:
    """Targets in ``mask`` per (area, ``column`` value), each area counting those below it."""
    chosen = mask & (index.target_area >= 0)
    flat = np.bincount(
        index.target_area[chosen].astype(np.int64) * width + column[chosen],
        minlength=len(index.area_list) * width,
    )
    return index.rolled_up(flat.reshape(len(index.area_list), width))


def areas_without_station(index: CoverageIndex) -> list[str]:
    """Towns and subdistricts without an ethnic work station."""
    station = index.of_subtype("organization", STATION_KIND)
    with_station = _area_counts(index, station, np.zeros(index.n, dtype=np.int64), 1)[:, 0] > 0
    return [
        area
        for area, has in zip(index.area_list, with_station.tolist(), strict=True)
        if index.area_kinds.get(area) in STATION_AREA_KINDS and not has
    ]


def blind_spots(
    index: CoverageIndex,
    activity: LeaderActivity,
    as_of: dt.date,
    window_days: int,
    policy: Policy | None = None,
) -> dict[str, Any]:
    """:func:`graph.engine.blind_spots.blind_spots` from the arrays."""
    policy = policy or SCHEMA.default_policy
    status, _ = index.statuses(as_of, window_days)
    covered = status == _COVERED
    categories = SCHEMA.figure_categories
    category, width = index.category.astype(np.int64), len(categories)
    figures = _area_counts(index, category >= 0, category, width)
    figures_covered = _area_counts(index, (category >= 0) & covered, category, width)
    matrix = [
        {
            "area_id": index.area_list[a],
            "area_name": index.area_names.get(index.area_list[a]),
            "category": categories[c],
            "figures": int(figures[a, c]),
            "covered": int(figures_covered[a, c]),
        }
        for a, c in zip(*np.nonzero(figures), strict=True)  # row-major: by area id, category
    ]
    unit = SCHEMA.target_kinds.index("unit")
    units = [
        {"id": index.ids[t], "name": index.names[t], "status": STATUSES[status[t]]}
        for t in np.nonzero((index.kind_code == unit) & ~covered)[0].tolist()
        if index.ids[t] not in index.joint_meeting
    ]
    units.sort(key=lambda u: u["id"])
    without_station = areas_without_station(index)
    lines = _line_scores(index, activity, as_of, window_days, policy, status, without_station, 3)
    return blind_spots_answer(as_of, window_days, matrix, without_station, units, lines["items"])


def _line_scores(
    index: CoverageIndex,
    activity: LeaderActivity,
    as_of: dt.date,
    window_days: int,
    policy: Policy,
    status: npt.NDArray[np.int8],
    without_station: list[str],
    worst: int,
) -> dict[str, Any]:
    """:func:`graph.engine.blind_spots.line_scores` from the arrays, given the statuses."""
    covered = status == _COVERED
    towns = [a for a in index.area_list if index.area_kinds.get(a) in STATION_AREA_KINDS]
    town_rows = [index.area_position[a] for a in towns]
    zero = np.zeros(index.n, dtype=np.int64)
    per_area_line: dict[tuple[str, str], list[int]] = {}
    for line in SCHEMA.line_codes:
        if line == "center":
            continue
        on_line = index.on_line(line, policy)
        targets = _area_counts(index, on_line, zero, 1)
        done = _area_counts(index, on_line & covered, zero, 1)
        for town, row in zip(towns, town_rows, strict=True):
            if targets[row, 0]:
                per_area_line[town, line] = [int(targets[row, 0]), int(done[row, 0])]
    summary = index.summary(as_of, window_days, policy)
    return line_scores_answer(
        as_of,
        window_days,
        summary["by_line"],
        per_area_line,
        towns,
        without_station,
        leader_load(index, activity, as_of, window_days, policy)["items"],
        index.area_names,
        worst,
    )

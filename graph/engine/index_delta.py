"""A snapshot's arrays brought up to date with what a load changed, instead of rebuilt.

A rebuild reads every column of the store again (at province size, tens of seconds); a load
of a few changed files changes a few thousand rows. :func:`with_changes` takes the previous
version's :class:`~graph.engine.coverage_index.CoverageIndex` and
:class:`~graph.engine.index_analyses.LeaderActivity` and the store's
:class:`~graph.store.protocol.StoreChanges` (every changed record as it was and as it is),
and gives the arrays a rebuild from the new data would give (the same answers; rows of
the same day may sit in another order).

It follows new and changed targets (names, categories, areas, joint meeting), areas (new
ones, renamed ones, and changes of their hierarchy: the area tables are small and made
again), leaders (new ones, new names, posts and quotas), interactions, contacts and
memberships (new ones, and changed ones: the old row out, the new one in). It gives up
(None: rebuild) when a load changes more than :data:`DELTA_MAX_SHARE` of the rows the
arrays hold (and more than :data:`DELTA_MIN_ROWS`), when a record changes its kind, when
a link's key is reused for other ends, when a leader's ``in_office`` changes (the contacts
of a leader out of office are not in the arrays, so they cannot come back from them), or
when an old row the arrays should hold is not found in them.

>>> import datetime as dt
>>> from concentric.graph.store.protocol import StoreChanges
>>> from concentric.graph.schema.model import NodeRecord, LinkRecord
>>> index = CoverageIndex.from_records(
...     [NodeRecord("L1", "leader", {"name": "张三"}), NodeRecord("F1", "figure", {})], [])
>>> activity = LeaderActivity(index, [])
>>> added = StoreChanges([(None, NodeRecord("F0", "figure", {"name": "李四"}))],
...                      [(None, LinkRecord("contacts", "L1", "F0", "c1", {}))])
>>> index, activity = with_changes(index, activity, added)
>>> index.ids, index.c_target.tolist()
(['F0', 'F1'], [0])
"""

from __future__ import annotations

import bisect
import copy
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from concentric.graph.engine.coverage_index import (
    _NEVER_AFTER,
    _NEVER_BEFORE,
    CoverageIndex,
    _days,
    _grouped,
    area_row,
    concerns_of,
    dated_row,
    is_joint_meeting,
    leader_row,
    out_of_office,
    target_row,
)
from concentric.graph.engine.index_analyses import LeaderActivity
from concentric.graph.schema.model import LinkRecord, NodeRecord
from concentric.graph.schema.schema import SCHEMA
from concentric.graph.store.protocol import StoreChanges

__all__ = ["DELTA_MAX_SHARE", "DELTA_MIN_ROWS", "delta_limit", "with_changes"]

# Past this share of the rows the arrays hold, one rebuild is cheaper than the delta;
# up to DELTA_MIN_ROWS changed rows always take the delta (a server's writes of a few rows).
DELTA_MAX_SHARE = 0.2
DELTA_MIN_ROWS = 1000

_Rows = Sequence[tuple[int, ...]]


def delta_limit(index: CoverageIndex, activity: LeaderActivity) -> int:
    """The most changed records :func:`with_changes` follows for these arrays."""
    held = (
        index.n
        + len(index.leaders)
        + len(index.area_list)
        + len(index.c_target)
        + len(index.m_a)
        + len(index.i_date)
        + len(activity.day)
    )
    return max(int(DELTA_MAX_SHARE * held), DELTA_MIN_ROWS)


def with_changes(
    index: CoverageIndex, activity: LeaderActivity, changes: StoreChanges
) -> tuple[CoverageIndex, LeaderActivity] | None:
    """The arrays of the data after ``changes``, from those of the data before; None when
    the delta cannot follow them (see the module's text) and a rebuild must."""
    if changes.overflow or changes.rows > delta_limit(index, activity):
        return None
    nodes = _collapsed([(old, new, new.id) for old, new in changes.nodes])
    links = _collapsed([(old, new, new.key) for old, new in changes.links])
    if nodes is None or links is None:
        return None
    for old_link, new_link in links:
        ends = (new_link.kind, new_link.source_id, new_link.target_id)
        if old_link is not None and (old_link.kind, old_link.source_id, old_link.target_id) != ends:
            return None  # a key reused for other ends
    for _, new_node in nodes:
        if new_node.kind == "leader":
            before = index.leaders.get(new_node.id)
            if before is not None and out_of_office(before) != out_of_office(leader_row(new_node)):
                return None
    patched, moved = copy.copy(index), copy.copy(activity)
    patched._group_codes = None
    _follow_leaders(patched, [new for _, new in nodes if new.kind == "leader"])
    if not _follow_areas(patched, [new for _, new in nodes if new.kind == "area"]):
        return None
    interactions = [(old, new) for old, new in nodes if new.kind == "interaction"]
    contacts = [(old, new) for old, new in links if new.kind == "contacts"]
    memberships = [(old, new) for old, new in links if new.kind == "member_of"]
    # Old rows out first, while positions are still the arrays' own.
    if not _drop_old_rows(patched, moved, interactions, contacts, memberships):
        return None
    targets = [(old, new) for old, new in nodes if new.kind in SCHEMA.target_kinds]
    _follow_targets(patched, moved, targets)
    _add_contacts(patched, [new for _, new in contacts])
    _add_memberships(patched, [new for _, new in memberships])
    _add_interactions(patched, moved, [new for _, new in interactions])
    return patched, moved


def _collapsed(
    changes: list[tuple[Any, Any, str]],
) -> list[tuple[Any, Any]] | None:
    """One change per id or key (a file may repeat one): its first old and last new
    record; None if a record changes its kind."""
    found: dict[str, tuple[Any, Any]] = {}
    for old, new, key in changes:
        first = found[key][0] if key in found else old
        if first is not None and first.kind != new.kind:
            return None
        found[key] = (first, new)
    return list(found.values())


def _follow_leaders(index: CoverageIndex, leaders: list[NodeRecord]) -> None:
    if leaders:
        index.leaders = {**index.leaders, **{n.id: leader_row(n) for n in leaders}}


def _follow_areas(index: CoverageIndex, areas: list[NodeRecord]) -> bool:
    """The area tables made again (areas are few), each target's area code carried over;
    False when a new area may be one that stored targets already name (their code says
    only "no known area"), which a rebuild sorts out."""
    if not areas:
        return True
    rows = {row[0]: row for row in index.area_rows()}
    if any(n.id not in rows for n in areas) and bool((index.target_area == -1).any()):
        return False
    rows.update((n.id, area_row(n)) for n in areas)
    before = index.area_list
    index.set_areas(rows.values())
    # The last entry takes the -1 of "no area" to -1.
    code = np.array([index.area_position[a] for a in before] + [-1], dtype=np.int32)
    index.target_area = code[index.target_area]
    return True


def _drop_old_rows(
    index: CoverageIndex,
    activity: LeaderActivity,
    interactions: list[tuple[NodeRecord | None, NodeRecord]],
    contacts: list[tuple[LinkRecord | None, LinkRecord]],
    memberships: list[tuple[LinkRecord | None, LinkRecord]],
) -> bool:
    """Take the rows of the changed records' old versions out of the arrays (as a
    rebuild would have kept them); False if one of them is not there."""
    position = index.position
    old_contacts = [
        (position[c[1]], index.leader_code[c[0]], *_interval(c))
        for c in (dated_row(old) for old, _ in contacts if old is not None)
        if c[1] in position and not out_of_office(index.leaders.get(c[0]))
    ]
    columns = (index.c_target, index.c_leader, index.c_since, index.c_until)
    keep = _without(columns, old_contacts)
    if keep is None:
        return False
    if old_contacts:
        index.c_target, index.c_leader, index.c_since, index.c_until = (c[keep] for c in columns)
        index.c_by_target, index.c_start = _grouped(index.c_target, index.n)
    old_members = [
        (position[m[0]], position[m[1]], *_interval(m))
        for m in (dated_row(old) for old, _ in memberships if old is not None)
        if m[0] in position and m[1] in position
    ]
    columns = (index.m_a, index.m_b, index.m_since, index.m_until)
    keep = _without(columns, old_members)
    if keep is None:
        return False
    if old_members:
        index.m_a, index.m_b, index.m_since, index.m_until = (c[keep] for c in columns)
        _group_memberships(index)
    olds = [old for old, _ in interactions if old is not None]
    concerns = [(t, d) for node in olds for t, d in concerns_of(node) if t in position]
    old_concerns = [(position[t], int(day)) for (t, _), day in _with_days(concerns)]
    keep = _without((index.i_target, index.i_date), old_concerns)
    if keep is None:
        return False
    if old_concerns:
        index.i_target, index.i_date = index.i_target[keep], index.i_date[keep]
        _key_interactions(index)
    code = {leader: i for i, leader in enumerate(activity.leader_ids)}
    rows = [r for r in LeaderActivity.rows_of(olds) if r[0] in code]
    old_rows = [
        (position.get(r[1] or "", -1), int(day), code[r[0]]) for r, day in _with_days(rows, 2)
    ]
    trio = (activity.target, activity.day, activity.leader)
    keep = _without(trio, old_rows)
    if keep is None:
        return False
    if old_rows:
        activity.target, activity.day, activity.leader = (c[keep] for c in trio)
    return True


def _with_days(rows: list[Any], at: int = 1) -> list[tuple[Any, int]]:
    """Each row with the day number of its date (column ``at``)."""
    days = _days([r[at] for r in rows], 0).tolist() if rows else []
    return list(zip(rows, days, strict=True))


def _interval(row: tuple[str, str, Any, Any]) -> tuple[int, int]:
    """The (since, until) day numbers of a contact or membership row."""
    since = int(_days([row[2]], _NEVER_BEFORE)[0])
    return since, int(_days([row[3]], _NEVER_AFTER)[0])


def _pair_keys(first: npt.NDArray[Any], second: npt.NDArray[Any]) -> npt.NDArray[np.int64]:
    return (first.astype(np.int64) << 32) | (second.astype(np.int64) & 0xFFFFFFFF)


def _without(columns: tuple[npt.NDArray[Any], ...], rows: _Rows) -> npt.NDArray[np.bool_] | None:
    """A mask that leaves one row out for each of ``rows`` (values of ``columns``, the
    same row twice leaves two out); None if one is not there."""
    keep = np.ones(len(columns[0]), dtype=bool)
    if not rows:
        return keep
    wanted = np.array([r[:2] for r in rows], dtype=np.int64)
    # The first two columns pick a few candidates; the rest are compared row by row.
    keys = _pair_keys(columns[0], columns[1])
    candidates = np.nonzero(np.isin(keys, _pair_keys(wanted[:, 0], wanted[:, 1])))[0]
    where: dict[tuple[int, ...], list[int]] = {}
    values = [column[candidates].tolist() for column in columns]
    for i, row in zip(candidates.tolist(), zip(*values, strict=True), strict=True):
        where.setdefault(row, []).append(i)
    for row in rows:
        found = where.get(row)
        if not found:
            return None
        keep[found.pop()] = False
    return keep


def _follow_targets(
    index: CoverageIndex,
    activity: LeaderActivity,
    targets: list[tuple[NodeRecord | None, NodeRecord]],
) -> None:
    """Changed targets rewritten in place, new ones inserted in (kind, id) order with every
    position column moved along."""
    if not targets:
        return
    index.subtypes, index.area_ids, index.names = (
        list(index.subtypes),
        list(index.area_ids),
        list(index.names),
    )
    index.category, index.pair = index.category.copy(), index.pair.copy()
    index.target_area = index.target_area.copy()
    index._pair_code = dict(index._pair_code)
    index.joint_meeting = set(index.joint_meeting)
    added: list[tuple[str, str, str | None, str | None, str | None]] = []
    for old, node in targets:
        row = target_row(node)
        index.joint_meeting.discard(node.id)
        if is_joint_meeting(node):
            index.joint_meeting.add(node.id)
        if old is None:
            added.append(row)
            continue
        i = index.position[node.id]
        _, kind, subtype, area_id, name = row
        index.subtypes[i], index.area_ids[i], index.names[i] = subtype, area_id, name
        index.category[i] = index.category_code(kind, subtype)
        index.pair[i] = _pair_code(index, kind, subtype)
        index.target_area[i] = index.area_position.get(area_id or "", -1)
    if added:
        _insert_targets(index, activity, sorted(added, key=lambda r: (r[1], r[0])))


def _pair_code(index: CoverageIndex, kind: str, subtype: str | None) -> int:
    """The code of a (kind, subtype) pair, a new one for a pair not seen yet (a code
    without targets counts nothing, so the ones no target has any more can stay)."""
    return index._pair_code.setdefault((kind, subtype or ""), len(index._pair_code))


def _insert_targets(
    index: CoverageIndex,
    activity: LeaderActivity,
    added: list[tuple[str, str, str | None, str | None, str | None]],
) -> None:
    # Targets are in (kind, id) order: kinds are runs, ids sorted within each run.
    points = []
    for node_id, kind, *_ in added:
        lo = bisect.bisect_left(index.kinds, kind)
        hi = bisect.bisect_right(index.kinds, kind, lo)
        points.append(bisect.bisect_left(index.ids, node_id, lo, hi))
    at = np.array(points, dtype=np.intp)

    def inserted(values: list[Any], column: int) -> list[Any]:
        new = np.array([r[column] for r in added], dtype=object)
        return np.insert(np.array(values, dtype=object), at, new).tolist()

    index.ids = inserted(index.ids, 0)
    index.kinds = inserted(index.kinds, 1)
    index.subtypes = inserted(index.subtypes, 2)
    index.area_ids = inserted(index.area_ids, 3)
    index.names = inserted(index.names, 4)
    kind_codes = [SCHEMA.target_kinds.index(r[1]) for r in added]
    index.kind_code = np.insert(index.kind_code, at, kind_codes)
    index.category = np.insert(index.category, at, [index.category_code(r[1], r[2]) for r in added])
    index.pair = np.insert(index.pair, at, [_pair_code(index, r[1], r[2]) for r in added])
    areas = [index.area_position.get(r[3] or "", -1) for r in added]
    index.target_area = np.insert(index.target_area, at, areas)
    # Old position i moves up by the number of targets inserted at or before it.
    moved_to = np.arange(index.n) + np.searchsorted(at, np.arange(index.n), side="right")
    index.n = len(index.ids)
    index.position = {node: i for i, node in enumerate(index.ids)}
    index.c_target = moved_to[index.c_target].astype(np.int32)
    index.c_by_target, index.c_start = _grouped(index.c_target, index.n)
    index.m_a = moved_to[index.m_a].astype(np.int32)
    index.m_b = moved_to[index.m_b].astype(np.int32)
    _group_memberships(index)
    index.i_target = moved_to[index.i_target].astype(np.int32)
    _key_interactions(index)
    # The appended -1 keeps "no target" (-1) as it is.
    activity.target = np.append(moved_to, -1)[activity.target].astype(np.int32)


def _group_memberships(index: CoverageIndex) -> None:
    index.m_by_a, index.m_a_start = _grouped(index.m_a, index.n)
    index.m_by_b, index.m_b_start = _grouped(index.m_b, index.n)


def _key_interactions(index: CoverageIndex) -> None:
    index.i_key = np.sort(_pair_keys(index.i_target, index.i_date))


def _add_contacts(index: CoverageIndex, links: list[LinkRecord]) -> None:
    """The new versions of contacts in (those that count: see CoverageIndex)."""
    rows = [dated_row(link) for link in links]
    fresh = sorted({r[0] for r in rows} - index.leader_code.keys())
    if fresh:
        before = index.leader_ids
        index.leader_ids = sorted([*before, *fresh])
        index.leader_code = {lead: i for i, lead in enumerate(index.leader_ids)}
        code = np.array([index.leader_code[lead] for lead in before], dtype=np.int32)
        index.c_leader = code[index.c_leader]
    kept = [
        r for r in rows if r[1] in index.position and not out_of_office(index.leaders.get(r[0]))
    ]
    if not kept:
        return
    index.c_leader = np.append(index.c_leader, [index.leader_code[r[0]] for r in kept]).astype(
        np.int32
    )
    index.c_target = np.append(index.c_target, [index.position[r[1]] for r in kept]).astype(
        np.int32
    )
    index.c_since = np.append(index.c_since, _days([r[2] for r in kept], _NEVER_BEFORE))
    index.c_until = np.append(index.c_until, _days([r[3] for r in kept], _NEVER_AFTER))
    index.c_by_target, index.c_start = _grouped(index.c_target, index.n)


def _add_memberships(index: CoverageIndex, links: list[LinkRecord]) -> None:
    rows = [dated_row(link) for link in links]
    kept = [r for r in rows if r[0] in index.position and r[1] in index.position]
    if not kept:
        return
    index.m_a = np.append(index.m_a, [index.position[r[0]] for r in kept]).astype(np.int32)
    index.m_b = np.append(index.m_b, [index.position[r[1]] for r in kept]).astype(np.int32)
    index.m_since = np.append(index.m_since, _days([r[2] for r in kept], _NEVER_BEFORE))
    index.m_until = np.append(index.m_until, _days([r[3] for r in kept], _NEVER_AFTER))
    _group_memberships(index)


def _add_interactions(
    index: CoverageIndex, activity: LeaderActivity, nodes: list[NodeRecord]
) -> None:
    """The new versions of interactions in: their (target, day) rows and the leaders'
    (leader, target, day) rows, each after the rows of the same day."""
    leaders = sorted(index.leaders)
    if leaders != activity.leader_ids:
        code = {lead: i for i, lead in enumerate(leaders)}
        moved = np.array([code[lead] for lead in activity.leader_ids], dtype=np.int32)
        activity.leader = moved[activity.leader] if len(activity.leader) else activity.leader
        activity.leader_ids = leaders
    concerns = [(t, d) for node in nodes for t, d in concerns_of(node) if t in index.position]
    if concerns:
        days = _days([d for _, d in concerns], 0)
        order = np.argsort(days, kind="stable")
        targets = np.array([index.position[t] for t, _ in concerns], dtype=np.int32)[order]
        at = np.searchsorted(index.i_date, days[order], side="right")
        index.i_target = np.insert(index.i_target, at, targets)
        index.i_date = np.insert(index.i_date, at, days[order])
        _key_interactions(index)
    added = LeaderActivity(index, LeaderActivity.rows_of(nodes))
    if len(added.day):
        at = np.searchsorted(activity.day, added.day, side="right")
        activity.day = np.insert(activity.day, at, added.day)
        activity.leader = np.insert(activity.leader, at, added.leader)
        activity.target = np.insert(activity.target, at, added.target)

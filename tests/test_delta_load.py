"""A load of a few changed rows brings the previous version's arrays up to date (its delta)
instead of reading every column again; the answers are those of a fresh rebuild."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from analysis_helpers import AREAS, CATEGORIES, ORG_KINDS, UNIT_KINDS, World, worlds
from conftest import Concentric
from hypothesis import given, settings
from hypothesis import strategies as st

from concentric.graph.engine import index_delta
from concentric.graph.schema.model import Dataset, LinkRecord, NodeRecord
from concentric.graph.store.sqlite_store import SQLiteStore
from concentric.graph.workspace import Workspace

T = dt.date(2026, 6, 30)
ALL = ("covered", "stale", "indirect", "uncovered")
DATES = (None, dt.date(2025, 1, 1), dt.date(2026, 3, 1), T)
SAMPLE = Path(__file__).parent.parent / "data" / "sample"


def _same(a: object, b: object) -> bool:
    return json.dumps(a, sort_keys=True, default=str) == json.dumps(b, sort_keys=True, default=str)


def _answers(workspace: Workspace) -> Any:
    leaders = sorted(workspace.index().leaders)
    return [
        {
            t: (c.status, c.assigned_leaders, c.last_contact, c.via)
            for t, c in workspace.target_coverage(day, window).items()
        }
        for day in (dt.date(2025, 6, 30), T)
        for window in (0, 365)
    ] + [
        workspace.coverage(T, 365),
        workspace.gaps(T, 365, statuses=ALL),
        workspace.leaders(T, 365),
        workspace.blind_spots(T, 365),
        [workspace.todo(leader, T, 365) for leader in leaders],
        workspace.changes(dt.date(2025, 6, 30), T, 365),
    ]


@st.composite
def _changes(draw: st.DrawFn, world: World) -> tuple[Dataset, bool]:
    """Random new and changed records of every kind the arrays hold, and whether one of
    them moves a leader in or out of office (which the delta leaves to a rebuild)."""
    nodes: list[NodeRecord] = []
    links: list[LinkRecord] = []
    targets = [n for n in world.nodes.values() if n.kind in ("figure", "organization", "unit")]
    areas = st.sampled_from((None, *AREAS, "A9"))
    # New targets, with ids that sort among the stored ones.
    for i in range(draw(st.integers(0, 3))):
        kind = draw(st.sampled_from(("figure", "organization", "unit")))
        node_id = f"{kind[0].upper()}{draw(st.integers(0, 6))}n{i}"
        sub = draw(st.sampled_from(CATEGORIES if kind == "figure" else ORG_KINDS + UNIT_KINDS))
        props = {"name": node_id, "category" if kind == "figure" else "kind": sub}
        if (area := draw(areas)) is not None:
            props["area_id"] = area
        if kind == "unit" and draw(st.booleans()):
            props["joint_meeting"] = True
        nodes.append(NodeRecord(node_id, kind, props))
    # Changed targets: another name, category or kind, area, joint meeting.
    for node in draw(st.lists(st.sampled_from(targets), max_size=3, unique_by=lambda n: n.id)):
        props = dict(node.props, name=draw(st.sampled_from(["改名", node.id + "x"])))
        field = "category" if node.kind == "figure" else "kind"
        props[field] = draw(
            st.sampled_from(CATEGORIES if node.kind == "figure" else ORG_KINDS + UNIT_KINDS)
        )
        props["area_id"] = draw(areas)
        if node.kind == "unit":
            props["joint_meeting"] = draw(st.booleans())
        nodes.append(NodeRecord(node.id, node.kind, props))
    # A new area, and renamed or moved ones.
    if draw(st.booleans()):
        nodes.append(NodeRecord("A9", "area", {"name": "新区", "kind": "town", "parent_id": "A0"}))
    for area_id in draw(st.lists(st.sampled_from(AREAS[1:]), max_size=2, unique=True)):
        props = dict(world.nodes[area_id].props, name=f"{area_id}改")
        props["parent_id"] = draw(st.sampled_from(("A0", "A2")))
        nodes.append(NodeRecord(area_id, "area", props))
    # Leaders: a new one, changed names and quotas, perhaps one leaving or returning.
    leaders = [n for n in world.nodes.values() if n.kind == "leader"]
    flips = False
    if draw(st.booleans()):
        nodes.append(NodeRecord("L5", "leader", {"name": "新", "in_office": draw(st.booleans())}))
    for node in draw(st.lists(st.sampled_from(leaders), max_size=2, unique_by=lambda n: n.id)):
        props = dict(node.props, name="改名", quota_max=draw(st.sampled_from([None, 1, 5])))
        if draw(st.integers(0, 4)) == 0:
            props["in_office"] = not props.get("in_office", True)
            flips = True
        nodes.append(NodeRecord(node.id, "leader", props))
    leader_ids = [n.id for n in leaders] + (["L5"] if any(n.id == "L5" for n in nodes) else [])
    target_ids = sorted({n.id for n in targets} | {n.id for n in nodes if n.kind != "area"})
    target_ids = [t for t in target_ids if t[0] in "FOU"]
    figures = [t for t in target_ids if t.startswith("F")]
    groups = [t for t in target_ids if t[0] in "OU"]
    # New contacts and memberships; changed ones (the same key, other dates).
    for i in range(draw(st.integers(0, 3))):
        leader, target = draw(st.sampled_from(leader_ids)), draw(st.sampled_from(target_ids))
        since, until = draw(st.sampled_from(DATES)), draw(st.sampled_from(DATES))
        props = {"leader_id": leader, "target_id": target, "since": since, "until": until}
        links.append(LinkRecord("contacts", leader, target, f"new-contact{i}", props))
    if figures and groups:
        for i in range(draw(st.integers(0, 2))):
            figure, group = draw(st.sampled_from(figures)), draw(st.sampled_from(groups))
            props = {"figure_id": figure, "org_id": group, "until": draw(st.sampled_from(DATES))}
            links.append(LinkRecord("member_of", figure, group, f"new-member{i}", props))
    stored = [link for link in world.links if link.kind in ("contacts", "member_of")]
    reused = st.lists(st.sampled_from(stored), max_size=3, unique_by=lambda k: k.key)
    for link in draw(reused) if stored else []:
        props = dict(link.props, until=draw(st.sampled_from(DATES)))
        links.append(LinkRecord(link.kind, link.source_id, link.target_id, link.key, props))
    # New interactions, and changed ones (date, leaders, targets).
    interactions = [n for n in world.nodes.values() if n.kind == "interaction"]
    changed = st.lists(st.sampled_from(interactions), max_size=2, unique_by=lambda n: n.id)
    old = draw(changed) if interactions else []
    new_ids = [f"INEW{i}" for i in range(draw(st.integers(0, 3)))]
    for node_id in [n.id for n in old] + new_ids:
        props = {
            "name": node_id,
            "kind": "visit",
            "date": draw(st.sampled_from(DATES[1:])),
            "leader_ids": draw(
                st.lists(st.sampled_from(leader_ids), min_size=1, max_size=2, unique=True)
            ),
            "target_ids": draw(st.lists(st.sampled_from(target_ids), max_size=3, unique=True)),
        }
        nodes.append(NodeRecord(node_id, "interaction", props))
    return Dataset(nodes, links), flips


@settings(max_examples=60, deadline=None)
@given(data=st.data(), world=worlds(max_leaders=3, max_targets=7), from_kept=st.booleans())
def test_a_small_load_follows_its_delta(
    tmp_path_factory: pytest.TempPathFactory, data: st.DataObject, world: World, from_kept: bool
) -> None:
    change, flips = data.draw(_changes(world))
    with SQLiteStore(tmp_path_factory.mktemp("delta") / "c.db") as store:
        store.load(Dataset(list(world.nodes.values()), world.links))
        if from_kept:  # what `concentric load` starts from: the parts kept for the version
            Workspace(store).snapshot()
        workspace = Workspace(store)
        if not from_kept:
            workspace.snapshot()
        before = store.version()
        workspace.load(change, keep=True)
        followed = (
            workspace.snapshots.published is not None
            and workspace.snapshots.published.version > before
        )
        if store.version() > before:
            # Left to a rebuild: a leader leaving or returning, and a new area while a
            # stored target names no known area (it may name the new one); nothing else.
            areas = {n.id for n in world.nodes.values() if n.kind == "area"}
            new_area = any(n.kind == "area" and n.id not in areas for n in change.nodes)
            unplaced = any(
                n.kind in ("figure", "organization", "unit") and n.props.get("area_id") not in areas
                for n in world.nodes.values()
            )
            assert followed == (not flips and not (new_area and unplaced))
        delta = _answers(workspace)
        fresh = Workspace(store)
        fresh.snapshots.keeps = None  # built from every column, not read back
        assert _same(delta, _answers(fresh))


def test_a_large_change_is_left_to_a_rebuild(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(index_delta, "DELTA_MIN_ROWS", 0)
    world = World()
    world.leader("L1")
    for i in range(10):
        world.figure(f"F{i}")
        world.contact("L1", f"F{i}")
    renamed = [NodeRecord(f"F{i}", "figure", {"name": f"新{i}"}) for i in range(10)]
    with SQLiteStore(tmp_path / "c.db") as store:
        store.load(Dataset(list(world.nodes.values()), world.links))
        workspace = Workspace(store)
        before = workspace.snapshot().version
        # The arrays hold 1 leader + 10 targets + 10 contacts: 20 % of them is 4 rows.
        workspace.load(Dataset(renamed[:4]))
        assert (
            workspace.snapshots.published is not None
            and workspace.snapshots.published.version == before + 1
        )
        workspace.load(Dataset(renamed[4:9]))  # 5 changed rows: not followed
        assert (
            workspace.snapshots.published is not None
            and workspace.snapshots.published.version == before + 1
        )
        assert store.version() == before + 2
        assert workspace.index().names == [*(f"新{i}" for i in range(9)), "F9"]


def test_concentric_load_keeps_the_followed_parts(
    concentric: Concentric, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    concentric.load(SAMPLE)
    with SQLiteStore(concentric.store) as store:
        first = store.version()
    changed = tmp_path / "interactions.csv"
    with (SAMPLE / "interactions.csv").open(encoding="utf-8") as source:
        rows = list(csv.reader(source))
    rows[1][5] = "改过的内容"  # a changed interaction
    rows.append(["I99999", "2026-06-29", "走访", "L06", "F0001", "新的走访"])
    with changed.open("w", encoding="utf-8", newline="") as out:
        csv.writer(out).writerows(rows)
    with SQLiteStore(concentric.store) as store:
        rebuilt = Workspace(store)
        rebuilt.snapshots.keeps = None
        answer_before = rebuilt.target_coverage(T, 365)["F0001"]

    def no_columns(self: SQLiteStore) -> Any:
        raise AssertionError("read every column again")

    monkeypatch.setattr(SQLiteStore, "coverage_columns", no_columns)
    result = concentric.load(changed)
    assert "1 new, 1 updated" in result.stdout
    with SQLiteStore(concentric.store) as store:
        version = store.version()
        assert version == first + 1
        assert store.has_state("coverage_index", version)
        assert store.has_state("leader_activity", version)
        coverage = Workspace(store).target_coverage(T, 365)
    # F0001 was last seen before 2026-06-29 (or never): now that visit is its last contact.
    assert answer_before.last_contact != dt.date(2026, 6, 29)
    assert coverage["F0001"].last_contact == dt.date(2026, 6, 29)
    monkeypatch.undo()
    with SQLiteStore(concentric.store) as store:
        fresh = Workspace(store)
        fresh.snapshots.keeps = None
        assert fresh.target_coverage(T, 365) == coverage

"""Merged counting: a pair judged "same" counts as one entity in every index answer.

The expected answers come from datasets where the duplicate rows were joined by hand (the
duplicate's contacts, memberships and interactions rewritten to the kept id, its own row
removed): the merged store must answer exactly as the joined one does. Undoing every
judgement must give back every original answer.
"""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from analysis_helpers import T, World, base_areas, day, worlds
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from concentric.api.duplicates import judge_pair, list_duplicates, undo_pair
from concentric.graph.schema.model import Dataset, LinkRecord, NodeRecord
from concentric.graph.store.protocol import Judgement
from concentric.graph.store.sqlite_store import SQLiteStore
from concentric.graph.workspace import Workspace

W = 365


def _store(path: Path, world: World) -> SQLiteStore:
    store = SQLiteStore(path)
    store.load(Dataset(copy.deepcopy(list(world.nodes.values())), copy.deepcopy(world.links)))
    return store


def _plain(answer: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in answer.items() if k != "version"}


def answers(workspace: Workspace, leaders: list[str]) -> dict[str, Any]:
    """Every index answer of the workspace at T (the version aside)."""
    found: dict[str, Any] = {
        "coverage": _plain(workspace.coverage(as_of=T, window_days=W)),
        "gaps": _plain(
            workspace.gaps(as_of=T, window_days=W, statuses=("uncovered", "stale", "indirect"))
        ),
        "leaders": _plain(workspace.leaders(as_of=T, window_days=W)),
        "single_points": _plain(workspace.single_points(as_of=T, window_days=W)),
        "changes": _plain(workspace.changes(day(-400), T, window_days=W)),
        "blind_spots": _plain(workspace.blind_spots(as_of=T, window_days=W)),
    }
    for leader in leaders:
        found[f"todo {leader}"] = _plain(workspace.todo(leader, as_of=T, window_days=W))
    return found


# --------------------------------------------------------------- a dataset joined by hand


def planted() -> World:
    """Two figures and two organizations entered twice (F2 = F1, O2 = O1)."""
    world = World()
    base_areas(world)
    for leader in ("L1", "L2", "L3"):
        world.leader(leader, area="A1")
    world.figure("F1", "religious", "A1")
    world.figure("F2", "religious", "A1")
    world.figure("F3", "ethnic", "A2")
    world.organization("O1", "religious_venue", "A1")
    world.organization("O2", "religious_venue", "A1")
    world.contact("L1", "F1", since=day(-900), until=day(-500))  # long closed
    world.contact("L2", "F2", since=day(-300))  # open, but on the duplicate
    world.contact("L1", "F3", since=day(-300))
    world.contact("L3", "O1", since=day(-300))
    world.contact("L3", "O2", since=day(-300))  # the same contact, under each id
    world.member("F3", "O2")
    world.member("F2", "O1")
    world.interaction("I1", day(-30), ["L2"], ["F2", "F3"])
    world.interaction("I2", day(-600), ["L1"], ["F2"])
    world.interaction("I3", day(-20), ["L3"], ["O2"])
    world.relate("L3", "F2")  # a relation of the duplicate
    return world


def joined_by_hand() -> World:
    """:func:`planted` with F2 written as F1 and O2 as O1, their own rows gone."""
    world = World()
    base_areas(world)
    for leader in ("L1", "L2", "L3"):
        world.leader(leader, area="A1")
    world.figure("F1", "religious", "A1")
    world.figure("F3", "ethnic", "A2")
    world.organization("O1", "religious_venue", "A1")
    world.contact("L1", "F1", since=day(-900), until=day(-500))
    world.contact("L2", "F1", since=day(-300))
    world.contact("L1", "F3", since=day(-300))
    world.contact("L3", "O1", since=day(-300))
    world.member("F3", "O1")
    world.member("F1", "O1")
    world.interaction("I1", day(-30), ["L2"], ["F1", "F3"])
    world.interaction("I2", day(-600), ["L1"], ["F1"])
    world.interaction("I3", day(-20), ["L3"], ["O1"])
    world.relate("L3", "F1")
    return world


def test_merged_answers_equal_those_of_the_dataset_joined_by_hand(tmp_path: Path) -> None:
    leaders = ["L1", "L2", "L3"]
    store = _store(tmp_path / "merged.db", planted())
    merged = Workspace(store)
    before = answers(merged, leaders)
    assert before["coverage"]["totals"]["targets"] == 5
    version = store.version()
    judge_pair(merged, "F2", "F1", "same", None)
    judge_pair(merged, "O1", "O2", "same", None)
    assert store.version() == version + 2  # each "same" is a new data version

    joined = Workspace(_store(tmp_path / "joined.db", joined_by_hand()))
    assert answers(merged, leaders) == answers(joined, leaders)
    # Worked out by hand: F1 is covered now (L2's open contact, I1 30 days ago), O1 is
    # covered (L3, I3), F3 covered (L1, I1): three targets, all covered.
    totals = merged.coverage(as_of=T, window_days=W)["totals"]
    assert totals == {"targets": 3, "covered": 3, "stale": 0, "indirect": 0, "uncovered": 0}

    for pair in (("F1", "F2"), ("O1", "O2")):
        undo_pair(merged, *pair)
    assert answers(merged, leaders) == before


def test_rankings_see_the_relations_of_both_records(tmp_path: Path) -> None:
    """Successors and candidates read relations and interactions through merged ids: as in
    the dataset joined by hand, where L3's relation to F2 is one to F1."""
    merged = Workspace(_store(tmp_path / "merged.db", planted()))
    judge_pair(merged, "F1", "F2", "same", None)
    judge_pair(merged, "O1", "O2", "same", None)
    joined = Workspace(_store(tmp_path / "joined.db", joined_by_hand()))
    for workspace in (merged, joined):
        assert workspace.snapshot()  # built
    assert merged.candidates("F1", 3, as_of=T) == joined.candidates("F1", 3, as_of=T)
    leaving = _plain(merged.departure(["L2"], as_of=T))
    assert leaving == _plain(joined.departure(["L2"], as_of=T))
    # By hand: L2's only target is F1; L1 met it once before (I2, under F2's id).
    assert [item["id"] for item in leaving["items"]] == ["F1"]
    best = merged.candidates("F1", 1, as_of=T)[0]
    assert best.leader_id == "L1"
    assert any(day(-600).isoformat() in reason for reason in best.reasons)


@pytest.mark.parametrize("graph_max_rows", [None, 1], ids=["whole graph", "local graphs"])
def test_an_entity_record_says_where_it_was_merged(
    tmp_path: Path, graph_max_rows: int | None
) -> None:
    store = _store(tmp_path / "c.db", planted())
    workspace = Workspace(store, graph_max_rows)
    assert "merged_into" not in workspace.entity("F2", as_of=T)
    judge_pair(workspace, "F1", "F2", "same", None)
    gone, kept = workspace.entity("F2", as_of=T), workspace.entity("F1", as_of=T)
    assert gone["merged_into"] == "F1" and "merged_ids" not in gone
    assert kept["merged_ids"] == ["F2"] and "merged_into" not in kept
    # The stored rows keep their own provenance; the coverage is the merged entity's.
    assert gone["id"] == "F2" and gone["coverage"] == kept["coverage"]
    assert kept["coverage"]["status"] == "covered"
    assert kept["coverage"]["assigned_leaders"] == ["L2"]


def test_a_different_or_unsure_judgement_merges_nothing(tmp_path: Path) -> None:
    store = _store(tmp_path / "c.db", planted())
    workspace = Workspace(store)
    before = answers(workspace, ["L1"])
    version = store.version()
    judge_pair(workspace, "F1", "F2", "different", None)
    judge_pair(workspace, "O1", "O2", "unsure", None)
    assert store.version() == version  # nothing to rebuild
    assert answers(workspace, ["L1"]) == before
    judge_pair(workspace, "F1", "F2", "same", None)  # replacing "different"
    assert workspace.coverage(as_of=T)["totals"]["targets"] == 4
    judge_pair(workspace, "F1", "F2", "different", None)  # and back
    assert store.version() == version + 2
    assert answers(workspace, ["L1"]) == before


def test_reloading_the_same_files_keeps_the_merge(tmp_path: Path) -> None:
    world = planted()
    store = _store(tmp_path / "c.db", world)
    workspace = Workspace(store)
    judge_pair(workspace, "F1", "F2", "same", None)
    judge_pair(workspace, "O1", "O2", "same", None)
    merged = answers(workspace, ["L1", "L2", "L3"])
    everything = Dataset(copy.deepcopy(list(world.nodes.values())), copy.deepcopy(world.links))
    workspace.load(everything, replace=True)
    assert answers(workspace, ["L1", "L2", "L3"]) == merged
    # Another process opening the file builds merged too.
    other = Workspace(SQLiteStore(tmp_path / "c.db"))
    assert answers(other, ["L1", "L2", "L3"]) == merged


def test_a_small_load_after_a_merge_is_counted_merged(tmp_path: Path) -> None:
    """The delta path is not taken while a "same" exists: a visit logged under the
    duplicate's id counts for the merged entity."""
    store = _store(tmp_path / "c.db", planted())
    workspace = Workspace(store)
    judge_pair(workspace, "F1", "F2", "same", None)
    workspace.coverage(as_of=T)  # a published snapshot the load could follow
    visit = NodeRecord(
        "I9",
        "interaction",
        {
            "name": "I9",
            "kind": "visit",
            "date": day(-5),
            "leader_ids": ["L1"],
            "target_ids": ["F2"],
        },
    )
    contact = LinkRecord(
        "contacts", "L1", "F2", "c-new", {"leader_id": "L1", "target_id": "F2", "since": day(-9)}
    )
    workspace.load(Dataset([visit], [contact]))
    kept = workspace.entity("F1", as_of=T)["coverage"]
    assert kept["assigned_leaders"] == ["L1", "L2"]
    assert kept["last_contact"] == day(-5).isoformat()


def test_neo4j_like_store_without_judgements_builds_unmerged(tmp_path: Path) -> None:
    """A store that keeps no judgements (it raises JudgementsUnsupported) answers as before."""

    class NoJudgements(SQLiteStore):
        def judgements(self) -> list[Judgement]:
            from concentric.graph.store.protocol import JudgementsUnsupported

            raise JudgementsUnsupported("none kept here")

    world = planted()
    plain = Workspace(_store(tmp_path / "a.db", world))
    NoJudgements(tmp_path / "b.db").load(Dataset(list(world.nodes.values()), world.links))
    refused = Workspace(NoJudgements(tmp_path / "b.db"))
    assert answers(refused, ["L1"]) == answers(plain, ["L1"])


def test_the_duplicate_list_hides_merged_pairs_and_the_judgement_moves_coverage(
    tmp_path: Path,
) -> None:
    world = World()
    base_areas(world)
    world.leader("L1")
    world.nodes["F1"] = NodeRecord("F1", "figure", {"name": "张伟", "category": "religious"})
    world.nodes["F2"] = NodeRecord("F2", "figure", {"name": "张 伟", "category": "religious"})
    world.contact("L1", "F2", since=day(-100))
    world.interaction("I1", day(-10), ["L1"], ["F2"])
    store = _store(tmp_path / "c.db", world)
    workspace = Workspace(store)
    listed = list_duplicates(workspace, kind="figure")
    assert [(c["left"], c["right"]) for c in listed["items"]] == [("F1", "F2")]
    assert workspace.coverage(as_of=T)["totals"]["uncovered"] == 1  # F1, never contacted
    judge_pair(workspace, "F1", "F2", "same", None)
    assert list_duplicates(workspace, kind="figure")["items"] == []
    assert workspace.coverage(as_of=T)["totals"] == {
        "targets": 1,
        "covered": 1,
        "stale": 0,
        "indirect": 0,
        "uncovered": 0,
    }


# ---------------------------------------------------------------- merge, then undo all


def _canonical(pairs: list[tuple[str, str]]) -> dict[str, str]:
    """Each id of a joined group to the group's smallest id (grown until nothing changes)."""
    group = {node: {node} for pair in pairs for node in pair}
    for a, b in pairs:
        joined = group[a] | group[b]
        for node in joined:
            group[node] = joined
    return {node: min(members) for node, members in group.items()}


def joined(world: World, canonical: dict[str, str]) -> World:
    """``world`` with every merged id written as its group's smallest id (by hand)."""
    out = World()
    name = lambda node: canonical.get(node, node)  # noqa: E731
    for node in world.nodes.values():
        if name(node.id) != node.id:
            continue
        props = copy.deepcopy(node.props)
        if node.kind == "interaction":
            props["target_ids"] = list(dict.fromkeys(name(t) for t in props["target_ids"]))
        out.nodes[node.id] = NodeRecord(node.id, node.kind, props)
    for link in world.links:
        props = copy.deepcopy(link.props)
        if link.kind == "contacts":
            props["target_id"] = name(link.target_id)
        elif link.kind == "member_of":
            props["figure_id"], props["org_id"] = name(link.source_id), name(link.target_id)
        out.links.append(
            LinkRecord(link.kind, name(link.source_id), name(link.target_id), link.key, props)
        )
    return out


@st.composite
def worlds_with_pairs(draw: st.DrawFn) -> tuple[World, list[tuple[str, str]]]:
    world = draw(worlds(max_leaders=3, max_targets=6, contact_chance=0.4))
    by_kind: dict[str, list[str]] = {}
    for node in world.nodes.values():
        if node.kind in ("figure", "organization", "unit"):
            by_kind.setdefault(node.kind, []).append(node.id)
    pairs = [(a, b) for ids in by_kind.values() for a in sorted(ids) for b in sorted(ids) if a < b]
    chosen = draw(st.lists(st.sampled_from(pairs), unique=True, max_size=3)) if pairs else []
    return world, chosen


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(case=worlds_with_pairs())
def test_merge_then_undo_restores_every_answer(tmp_path_factory: Any, case: Any) -> None:
    world, pairs = case
    folder = tmp_path_factory.mktemp("merge")
    store = _store(folder / "c.db", world)
    workspace = Workspace(store)
    leaders = world.ids("leader")
    before = answers(workspace, leaders)
    for a, b in pairs:
        judge_pair(workspace, a, b, "same", None)
    # While merged: the answers of the world joined by hand.
    expected = Workspace(_store(folder / "joined.db", joined(world, _canonical(pairs))))
    assert answers(workspace, leaders) == answers(expected, leaders)
    for a, b in reversed(pairs):
        assert undo_pair(workspace, a, b) is not None
    assert answers(workspace, leaders) == before


def test_judging_through_the_store_bumps_the_version_once(tmp_path: Path) -> None:
    store = _store(tmp_path / "c.db", planted())
    version = store.version()
    now = dt.datetime(2026, 1, 1).isoformat()
    store.judge(Judgement("F1", "F2", "figure", "same", now, None))
    assert store.version() == version + 1
    assert store.changes_since(version) is None  # no change-log row: every process rebuilds
    assert store.undo_judgement("F1", "F2") is not None
    assert store.version() == version + 2
    assert store.undo_judgement("F1", "F2") is None
    assert store.version() == version + 2


def test_a_same_judgement_keeps_the_rows_version(tmp_path: Path) -> None:
    """The duplicate finder's answer is kept per version of the loaded rows: a "same"
    moves the data version but not that one; a load moves both."""
    store = _store(tmp_path / "c.db", planted())
    rows, version = store.rows_version(), store.version()
    now = dt.datetime(2026, 1, 1).isoformat()
    store.judge(Judgement("F1", "F2", "figure", "same", now, None))
    store.undo_judgement("F1", "F2")
    assert (store.rows_version(), store.version()) == (rows, version + 2)
    store.load(Dataset([NodeRecord("F9", "figure", {"name": "F9", "category": "religious"})]))
    assert (store.rows_version(), store.version()) == (rows + 1, version + 3)


# ------------------------------------------------------------- small loads after a merge


def test_a_small_load_naming_no_judged_id_follows_the_delta(tmp_path: Path) -> None:
    """A visit to F3 (no judged id) is followed from the merged arrays, not rebuilt; the
    answers are those of the dataset joined by hand with the same visit."""
    store = _store(tmp_path / "c.db", planted())
    workspace = Workspace(store)
    judge_pair(workspace, "F1", "F2", "same", None)
    judge_pair(workspace, "O1", "O2", "same", None)
    workspace.coverage(as_of=T)
    reads: list[int] = []
    real = store.coverage_columns
    store.coverage_columns = lambda: reads.append(1) or real()  # type: ignore[method-assign]
    visit = NodeRecord(
        "I9",
        "interaction",
        {
            "name": "I9",
            "kind": "visit",
            "date": day(-3),
            "leader_ids": ["L1"],
            "target_ids": ["F3"],
        },
    )
    workspace.load(Dataset([visit]))
    expected = joined_by_hand()
    expected.interaction("I9", day(-3), ["L1"], ["F3"])
    leaders = ["L1", "L2", "L3"]
    assert answers(workspace, leaders) == answers(
        Workspace(_store(tmp_path / "joined.db", expected)), leaders
    )
    assert reads == []  # followed, not read again
    assert workspace.entity("F2", as_of=T)["merged_into"] == "F1"


def _visit(node_id: str, when: dt.date, leader: str, targets: list[str]) -> NodeRecord:
    props = {"name": node_id, "kind": "visit", "date": when}
    return NodeRecord(
        node_id, "interaction", {**props, "leader_ids": [leader], "target_ids": targets}
    )


@st.composite
def loads_after_merges(draw: st.DrawFn) -> tuple[World, list[tuple[str, str]], World]:
    """A world, pairs judged the same, and the world after a small load (a visit and a
    contact to random targets, judged or not)."""
    world, pairs = draw(worlds_with_pairs())
    after = copy.deepcopy(world)
    targets = world.targets()
    leaders = world.ids("leader")
    visited = draw(st.lists(st.sampled_from(targets), min_size=1, max_size=2, unique=True))
    after.nodes["I99"] = _visit("I99", day(-draw(st.integers(0, 400))), leaders[0], visited)
    after.contact(leaders[-1], draw(st.sampled_from(targets)), since=day(-50))
    return world, pairs, after


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(case=loads_after_merges())
def test_a_small_load_after_merges_answers_as_the_joined_data(
    tmp_path_factory: Any, case: Any
) -> None:
    """Whether the delta follows the load (it names no judged id) or the arrays are built
    again, the writer and a reader that follows the change log answer as the loaded world
    joined by hand."""
    world, pairs, after = case
    folder = tmp_path_factory.mktemp("load")
    store = _store(folder / "c.db", world)
    writer, reader = Workspace(store), Workspace(SQLiteStore(folder / "c.db"))
    for a, b in pairs:
        judge_pair(writer, a, b, "same", None)
    leaders = world.ids("leader")
    writer.coverage(as_of=T)
    reader.coverage(as_of=T)  # both hold a snapshot of the merged version
    added = [n for n in after.nodes.values() if n.id not in world.nodes]
    writer.load(Dataset(copy.deepcopy(added), copy.deepcopy(after.links[len(world.links) :])))
    expected = answers(
        Workspace(_store(folder / "joined.db", joined(after, _canonical(pairs)))), leaders
    )
    assert answers(writer, leaders) == expected
    assert answers(reader, leaders) == expected

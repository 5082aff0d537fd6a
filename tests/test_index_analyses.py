"""Leader load, single points, blind spots and to-do lists of the engine answer what a walk
over the graph does.

The engine (graph.engine.index_analyses) is checked against the spec by hand in
tests/test_analysis.py; here it must give the same JSON as the tests' own networkx
implementation (tests/graph_oracle.py), built from records and from a real store's SQL
columns, on random districts and on the sample at several dates.
"""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from analysis_helpers import World, worlds
from graph_oracle import (
    blind_spots,
    leader_load,
    leader_todo,
    single_points,
    status_changes,
    target_coverage,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from concentric.graph.engine import index_analyses as arrays
from concentric.graph.engine.coverage import UnknownId
from concentric.graph.engine.coverage_index import CoverageIndex
from concentric.graph.schema.model import Dataset
from concentric.graph.schema.schema import SCHEMA
from concentric.graph.store.sqlite_store import SQLiteStore
from concentric.graph.workspace import Workspace, open_workspace
from concentric.loaders.dataset import read_dataset

T = dt.date(2026, 6, 30)
SAMPLE = Path(__file__).parent.parent / "data" / "sample"


def _same(answer: object, expected: object) -> bool:
    """The same JSON, but for the data version a workspace's answer names."""
    if isinstance(answer, dict) and "version" in answer:
        answer = {k: v for k, v in answer.items() if k != "version"}
    return json.dumps(answer, sort_keys=True, default=str) == json.dumps(
        expected, sort_keys=True, default=str
    )


def _with_joint_meeting(world: World, picks: list[bool]) -> World:
    """Mark some units as in the joint-meeting system (worlds() leaves them all out)."""
    units = sorted(n for n, node in world.nodes.items() if node.kind == "unit")
    for unit, pick in zip(units, picks, strict=False):
        world.nodes[unit].props["joint_meeting"] = pick
    return world


def _assert_same_answers(
    world: World, index: CoverageIndex, activity: arrays.LeaderActivity, window: int
) -> None:
    graph = world.graph()
    policy = SCHEMA.default_policy
    coverage = target_coverage(graph, T, window)
    assert _same(
        arrays.leader_load(index, activity, T, window, policy),
        leader_load(graph, T, window, policy, coverage),
    )
    assert _same(arrays.single_points(index, T, window), single_points(graph, T, window, coverage))
    assert _same(
        arrays.blind_spots(index, activity, T, window, policy),
        blind_spots(graph, T, window, policy, coverage),
    )
    for leader in (n for n, node in world.nodes.items() if node.kind == "leader"):
        assert _same(
            arrays.leader_todo(index, leader, T, window),
            leader_todo(graph, leader, T, window, coverage=coverage),
        )
        expected = {t for t, item in coverage.items() if leader in item.assigned_leaders}
        found = arrays.assigned_targets(index, leader, T)
        assert {index.ids[i] for i in found.tolist()} == expected


@settings(max_examples=80, deadline=None)
@given(
    world=worlds(max_leaders=4, max_targets=8),
    window=st.sampled_from([0, 30, 365]),
    picks=st.lists(st.booleans(), max_size=8),
)
def test_array_analyses_match_the_graph(world: World, window: int, picks: list[bool]) -> None:
    world = _with_joint_meeting(world, picks)
    index = CoverageIndex.from_records(world.nodes.values(), world.links)
    activity = arrays.LeaderActivity.from_records(index, world.nodes.values())
    _assert_same_answers(world, index, activity, window)


@settings(max_examples=25, deadline=None)
@given(world=worlds(max_leaders=3, max_targets=6), picks=st.lists(st.booleans(), max_size=6))
def test_array_analyses_from_sql_columns_match_the_graph(world: World, picks: list[bool]) -> None:
    # SQL hands booleans back as 0/1 and dates as text: the same answers must come out.
    world = _with_joint_meeting(world, picks)
    with tempfile.TemporaryDirectory() as folder, SQLiteStore(Path(folder) / "c.db") as store:
        store.load(Dataset(list(world.nodes.values()), world.links), replace=True)
        index = CoverageIndex(store.coverage_columns())
        activity = arrays.LeaderActivity(index, store.participations())
    _assert_same_answers(world, index, activity, 365)


@settings(max_examples=60, deadline=None)
@given(
    world=worlds(max_leaders=4, max_targets=8),
    window=st.sampled_from([0, 30, 365]),
    start=st.sampled_from([dt.date(2024, 1, 1), dt.date(2025, 12, 31), T]),
)
def test_status_changes_match_the_graph(world: World, window: int, start: dt.date) -> None:
    index = CoverageIndex.from_records(world.nodes.values(), world.links)
    graph = world.graph()
    assert _same(
        arrays.status_changes(index, start, T, window), status_changes(graph, start, T, window)
    )


def test_a_reversed_period_matches_the_graph() -> None:
    """Any two dates are compared in the order given, by both implementations."""
    world = World()
    world.leader("L1")
    world.figure("F1")
    world.contact("L1", "F1")
    world.interaction("I1", dt.date(2025, 6, 1), ["L1"], ["F1"])
    index = CoverageIndex.from_records(world.nodes.values(), world.links)
    start, end = dt.date(2026, 7, 1), dt.date(2026, 1, 1)
    answer = arrays.status_changes(index, start, end, 365)
    assert answer["groups"] == {"stale→covered": 1}  # the meeting counts on 2026-01-01 only
    assert _same(answer, status_changes(world.graph(), start, end, 365))


def test_todo_of_an_id_that_is_not_a_leader_is_unknown() -> None:
    index = CoverageIndex.from_records([], [])
    with pytest.raises(UnknownId, match="unknown leader id 'F1'"):
        arrays.leader_todo(index, "F1", T, 365)


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    result = read_dataset([SAMPLE])
    assert not result.problems
    path = tmp_path_factory.mktemp("sample") / "c.db"
    with SQLiteStore(path) as store:
        store.load(result.dataset)
    workspace = open_workspace(path)
    yield workspace
    workspace.close()


@pytest.mark.parametrize("as_of", [dt.date(2025, 6, 30), dt.date(2026, 11, 27)])
@pytest.mark.parametrize("window", [90, 365])
def test_workspace_serves_the_graph_answers_on_the_sample(
    sample: Workspace, as_of: dt.date, window: int
) -> None:
    graph = sample.graph()
    policy = sample.policy
    coverage = target_coverage(graph, as_of, window)
    assert sample.leaders(as_of, window)["total"] > 0  # the sample has leaders in office
    assert _same(sample.leaders(as_of, window), leader_load(graph, as_of, window, policy, coverage))
    assert _same(sample.single_points(as_of, window), single_points(graph, as_of, window, coverage))
    assert _same(
        sample.blind_spots(as_of, window), blind_spots(graph, as_of, window, policy, coverage)
    )
    start = as_of - dt.timedelta(days=200)
    changes = sample.changes(start, as_of, window)
    assert changes["total"] > 0  # the sample's statuses move over 200 days
    assert _same(changes, status_changes(graph, start, as_of, window))
    for leader in (n for n, kind in graph.nodes(data="kind") if kind == "leader"):
        assert _same(
            sample.todo(leader, as_of, window),
            leader_todo(graph, leader, as_of, window, coverage=coverage),
        )


def test_workspace_names_and_areas_come_from_the_stored_rows(sample: Workspace) -> None:
    graph = sample.graph()
    for kind in ("area", "leader"):
        expected = {
            n: str(d.get("name") or n) for n, d in graph.nodes(data=True) if d["kind"] == kind
        }
        assert sample.names(kind) == expected
    towns = [
        {"id": n, "name": d["name"]}
        for n, d in sorted(graph.nodes(data=True))
        if d["kind"] == "area" and d.get("type") in ("town", "subdistrict")
    ]
    assert towns and sample.areas(("town", "subdistrict")) == towns
    leader = next(n for n, d in graph.nodes(data=True) if d["kind"] == "leader")
    assert sample.leader(leader) == {
        "id": leader,
        "name": graph.nodes[leader]["name"],
        "post": graph.nodes[leader].get("post"),
    }
    with pytest.raises(UnknownId):
        sample.leader("no-such-leader")

"""Departures and area recommendations past the whole-graph limit equal the whole graph's.

Past the limit the workspace ranks successors and candidates from the arrays and the
store's neighbourhood reads; the answers must be those the whole graph gives, and an area's
assignment must be as cheap as the cheapest one found by trying every assignment.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from analysis_helpers import AREAS, T, W, World, best_assignment, expected_coverage, worlds
from hypothesis import given, settings

from concentric.graph.engine.coverage import GraphTooLarge
from concentric.graph.network.recommend import departure, rank_candidates
from concentric.graph.schema.model import Dataset
from concentric.graph.store.sqlite_store import SQLiteStore
from concentric.graph.workspace import Workspace

PROPERTY = settings(max_examples=40, deadline=None)
WANTED = ("uncovered", "stale")


def _plain(answer: Any) -> str:
    data = {k: v for k, v in dict(answer).items() if k != "version"}
    return json.dumps(data, sort_keys=True, default=str)


def _below(world: World, area: str) -> set[str]:
    """``area`` and every area under it, from the records' parent ids."""
    found = {area}
    while True:
        more = {
            n
            for n, r in world.nodes.items()
            if r.kind == "area" and r.props.get("parent_id") in found
        } - found
        if not more:
            return found
        found |= more


@PROPERTY
@given(world=worlds(max_leaders=4, max_targets=8))
def test_departure_past_the_limit_equals_the_whole_graph(world: World) -> None:
    with tempfile.TemporaryDirectory() as folder, SQLiteStore(Path(folder) / "c.db") as store:
        store.load(Dataset(list(world.nodes.values()), world.links), replace=True)
        local = Workspace(store, graph_max_rows=0)
        graph = Workspace(store).graph()
        leaders = sorted(n for n, r in world.nodes.items() if r.kind == "leader")
        for leaving in [[lead] for lead in leaders] + [leaders[:2]]:
            expected = departure(graph, leaving, T, W)
            assert _plain(local.departure(leaving, T, W)) == _plain(expected)


@PROPERTY
@given(world=worlds(max_leaders=3, max_targets=6, contact_chance=0.2))
def test_area_recommendation_past_the_limit_is_a_cheapest_assignment(world: World) -> None:
    coverage = expected_coverage(world)
    with tempfile.TemporaryDirectory() as folder, SQLiteStore(Path(folder) / "c.db") as store:
        store.load(Dataset(list(world.nodes.values()), world.links), replace=True)
        whole, local = Workspace(store), Workspace(store, graph_max_rows=0)
        graph = whole.graph()
        capacity = whole.recommend(T, W)["capacity"]
        for area in [a for a in AREAS if a != "A0"]:
            answer = local.recommend(T, W, area_id=area)
            assert _plain(answer) == _plain(whole.recommend(T, W, area_id=area))
            inside = _below(world, area)
            scope = sorted(
                t
                for t, item in coverage.items()
                if item.status in WANTED and world.nodes[t].props.get("area_id") in inside
            )
            answered = [i["target_id"] for i in answer["items"] + answer["unassigned"]]
            assert sorted(answered) == scope
            open_leaders = [lead for lead, room in capacity.items() if room > 0]
            ranked = rank_candidates(graph, scope, T, W, limit=100)
            costs = {
                (t, c.leader_id): c.cost
                for t in scope
                for c in ranked[t]
                if c.leader_id in open_leaders
            }
            placed, total = best_assignment(costs, {lead: capacity[lead] for lead in open_leaders})
            assert (answer["total"], answer["total_cost"]) == (placed, total)


@given(world=worlds(max_leaders=2, max_targets=3))
@settings(max_examples=5, deadline=None)
def test_past_the_limit_the_whole_data_or_a_district_is_refused(world: World) -> None:
    with tempfile.TemporaryDirectory() as folder, SQLiteStore(Path(folder) / "c.db") as store:
        store.load(Dataset(list(world.nodes.values()), world.links), replace=True)
        local = Workspace(store, graph_max_rows=0)
        for area in (None, "A0"):
            try:
                local.recommend(T, W, area_id=area)
            except GraphTooLarge as refusal:
                assert "area_id" in str(refusal)
            else:
                raise AssertionError(f"recommend past the limit for {area} was not refused")

"""The recommender with its signal-less leaders behind one shared flow node (how it runs
past ``SHARED_FILLER_PAIRS`` pairs, forced here on small random districts): the same
oracles as tests/test_recommend.py — as many placed as a maximum matching, the least cost
among those by exhaustive search, no leader over capacity, no already-assigned leader.
"""

from __future__ import annotations

from collections import Counter
from unittest import mock

from analysis_helpers import (
    T,
    W,
    World,
    best_assignment,
    expected_coverage,
    in_office,
    max_assignable,
)
from hypothesis import given, settings
from test_recommend import Solved, instances, solve

import concentric.graph.network.recommend as recommend_module

PROPERTY = settings(max_examples=80, deadline=None)


def solve_shared(world: World) -> Solved:
    with mock.patch.object(recommend_module, "SHARED_FILLER_PAIRS", 0):
        return solve(world)


@PROPERTY
@given(world=instances)
def test_shared_fillers_place_the_most_at_the_least_cost(world: World) -> None:
    s = solve_shared(world)
    assert sorted([*s.chosen, *s.unassigned]) == s.eligible
    assert len(s.chosen) == max_assignable(s.costs, s.capacity)
    for target, leader in s.chosen.items():
        assert s.reported_costs[target] == s.costs[target, leader]
    assert (len(s.chosen), s.total_cost) == best_assignment(s.costs, s.capacity)


@PROPERTY
@given(world=instances)
def test_shared_fillers_respect_capacity_and_current_leaders(world: World) -> None:
    s = solve_shared(world)
    coverage = expected_coverage(world)
    for leader, count in Counter(s.chosen.values()).items():
        assert leader in in_office(world)
        assert count <= s.capacity[leader]
    for target, leader in s.chosen.items():
        assert leader not in coverage[target].assigned


def test_many_leaders_at_one_cost_all_stay_open_by_hand() -> None:
    """Three leaders on the guidance line, room for one target each, and three religious
    figures with no area: every pair costs 10 − 3 (line) = 7, so all three are placed,
    each with a different leader, for 21."""
    w = World()
    for leader in ("L1", "L2", "L3"):
        w.leader(leader, lines=["guidance"], quota_max=1)
    for figure in ("F1", "F2", "F3"):
        w.figure(figure, "religious")
    with mock.patch.object(recommend_module, "SHARED_FILLER_PAIRS", 0):
        answer = recommend_module.recommend(w.graph(), T, W)
    assert answer["unassigned"] == []
    assert sorted(i["leader_id"] for i in answer["items"]) == ["L1", "L2", "L3"]
    assert [i["cost"] for i in answer["items"]] == [7, 7, 7]
    assert answer["total_cost"] == 21

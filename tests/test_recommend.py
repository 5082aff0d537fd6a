"""The recommender: candidate costs worked out by hand, small assignments where the
answer is known, and properties on random districts checked against independent oracles
(maximum bipartite matching for how many can be placed, exhaustive search and a greedy
baseline for the cost).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import pytest
from analysis_helpers import (
    T,
    W,
    World,
    base_areas,
    best_assignment,
    capacities,
    day,
    expected_coverage,
    greedy_assignment,
    in_office,
    max_assignable,
    worlds,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from concentric.graph.network.recommend import rank_candidates, recommend

PROPERTY = settings(max_examples=50, deadline=None)
WANTED = ("uncovered", "stale")  # recommend's default statuses
# Small quotas so that capacity often runs out, which is where assignments get interesting.
instances = worlds(
    max_leaders=4,
    max_targets=8,
    quota_max=st.sampled_from((0, 1, 1, 2, 2, 3, None)),
    contact_chance=0.15,
)


# ---------------------------------------------------------------------- candidate costs


@pytest.fixture(scope="module")
def cost_world() -> World:
    """F1 religious (guidance line) in C1 ⊂ A1 ⊂ A0; F2 democratic_party in A2 ⊂ A0.

    Meetings are long before the window, so both targets stay uncovered.
    """
    w = World()
    base_areas(w)
    w.figure("F1", "religious", "C1")
    w.figure("F2", "democratic_party", "A2")
    w.leader("LN")  # no signal at all
    w.leader("LA", area="A1")  # in charge of F1's area's parent
    w.leader("LD", area="A0")  # in charge of the district: above everything
    w.leader("LL", lines=["guidance"])
    w.leader("LM1")
    w.leader("LM4")
    w.leader("LP2")
    w.leader("LP3")
    w.leader("LX", area="A1", lines=["guidance"])
    w.interaction("I1", day(-500), ["LM1"], ["F1"])
    for i in range(4):
        w.interaction(f"I4{i}", day(-500 - i), ["LM4"], ["F1"])
    for i in range(3):
        w.interaction(f"IX{i}", day(-600 - i), ["LX"], ["F1"])
    # LP2 – X1 – F1: two steps. LP3 – X2 – O9 – F2: three steps.
    w.figure("X1", "other")
    w.figure("X2", "other")
    w.organization("O9", "other")
    w.contact("LP2", "X1")
    w.relate("X1", "F1")
    w.contact("LP3", "X2")
    w.member("X2", "O9")
    w.member("F2", "O9")
    return w


@pytest.mark.parametrize(
    ("leader", "target", "cost"),
    [
        ("LN", "F1", 10),  # base
        ("LA", "F1", 6),  # −4: in charge of an area above the target's
        ("LA", "F2", 10),  # A2 is not below A1
        ("LD", "F2", 6),  # −4: the district holds everything
        ("LL", "F1", 7),  # −3: guidance line
        ("LL", "F2", 10),  # democratic_party is on cooperation, not guidance
        ("LM1", "F1", 9),  # −1: met once
        ("LM4", "F1", 7),  # −3: four meetings, capped at three
        ("LP2", "F1", 8),  # −2: two steps away
        ("LP3", "F2", 9),  # −1: three steps away
        ("LX", "F1", 0),  # −4 −3 −3: area, line and three meetings
    ],
)
def test_candidate_cost_by_hand(cost_world: World, leader: str, target: str, cost: int) -> None:
    graph = cost_world.graph()
    ranked = rank_candidates(graph, [target], T, W, limit=100)[target]
    [candidate] = [c for c in ranked if c.leader_id == leader]
    assert candidate.cost == cost
    assert candidate.reasons  # every candidate is explained


def test_candidate_reasons_in_chinese_by_hand(cost_world: World) -> None:
    """Each deduction is one whole Chinese clause; World's areas are named by their ids."""
    graph = cost_world.graph()
    reasons = {
        c.leader_id: c.reasons for c in rank_candidates(graph, ["F1"], T, W, limit=100)["F1"]
    }
    assert reasons["LX"] == [
        "分管A1（对象所在的C1属其辖区）",
        "负责和谐稳定引导线",
        f"此前联系过3次，最近一次在{day(-600).isoformat()}",
    ]
    assert reasons["LM1"] == [f"此前联系过1次，最近一次在{day(-500).isoformat()}"]
    assert reasons["LP2"] == ["网络中相距2步（经由X1）"]
    assert reasons["LN"] == ["尚有联系名额"]
    by_f2 = {c.leader_id: c.reasons for c in rank_candidates(graph, ["F2"], T, W, limit=100)["F2"]}
    assert by_f2["LD"] == ["分管A0（对象所在的A2属其辖区）"]
    assert by_f2["LP3"] == ["网络中相距3步（经由X2、O9）"]


# ------------------------------------------------------------------ hand-built answers


def test_recommend_beats_greedy_by_hand() -> None:
    """Greedy takes the cheapest pair F1–L1 (3) and is left with F2–L2 (10): 13.
    The best assignment is F1–L2 (7) + F2–L1 (4) = 11."""
    w = World()
    base_areas(w)
    w.leader("L1", area="A1", lines=["guidance"], quota_max=1)
    w.leader("L2", quota_max=1)
    w.figure("F1", "religious", "A1")  # L1: −4 area −3 line = 3
    w.figure("F2", "religious", "A2")  # L1: −3 line −3 met = 4
    for i in range(3):
        w.interaction(f"IA{i}", day(-500 - i), ["L2"], ["F1"])  # L2–F1: −3 met = 7
        w.interaction(f"IB{i}", day(-500 - i), ["L1"], ["F2"])
    answer = recommend(w.graph(), T, W)
    assert {(i["target_id"], i["leader_id"], i["cost"]) for i in answer["items"]} == {
        ("F1", "L2", 7),
        ("F2", "L1", 4),
    }
    assert answer["total_cost"] == 11
    assert answer["unassigned"] == []


@pytest.fixture
def capacity_world() -> World:
    """L1 (max 3) holds F1 (stale) and F5 (covered): capacity 1.
    L2 (max 1) holds F2 and F3 (stale): over quota, capacity 0.
    L3 is out of office; L4 has quota_max 0. F4 is uncovered."""
    w = World()
    w.leader("L1", quota_max=3)
    w.leader("L2", quota_max=1)
    w.leader("L3", in_office=False, quota_max=10)
    w.leader("L4", quota_max=0)
    for figure in ("F1", "F2", "F3", "F4", "F5"):
        w.figure(figure)
    w.contact("L1", "F1")
    w.contact("L1", "F5")
    w.contact("L2", "F2")
    w.contact("L2", "F3")
    w.interaction("I1", day(-10), ["L1"], ["F5"])
    return w


def test_recommend_respects_capacity_by_hand(capacity_world: World) -> None:
    answer = recommend(capacity_world.graph(), T, W)
    assert answer["capacity"] == {"L1": 1, "L2": 0, "L4": 0}
    # Only L1 has room, for one target, and not for F1 which L1 already holds.
    [item] = answer["items"]
    assert item["leader_id"] == "L1"
    assert item["target_id"] in {"F2", "F3", "F4"}
    unassigned = {u["target_id"] for u in answer["unassigned"]}
    assert unassigned == {"F1", "F2", "F3", "F4"} - {item["target_id"]}


def test_recommend_status_filter(capacity_world: World) -> None:
    answer = recommend(capacity_world.graph(), T, W, statuses=("uncovered",))
    assert [(i["target_id"], i["leader_id"]) for i in answer["items"]] == [("F4", "L1")]
    assert answer["unassigned"] == []


def test_recommend_places_as_many_as_possible_with_many_leaders() -> None:
    w = World()
    leaders = [w.leader(f"L{i}", quota_max=1) for i in range(9)]
    targets = [w.figure(f"F{i}", "other") for i in range(9)]
    capacity = dict.fromkeys(leaders, 1)
    pairs = [(t, leader) for t in targets for leader in leaders]
    assert max_assignable(pairs, capacity) == 9  # a perfect matching exists
    answer = recommend(w.graph(), T, W)
    assert answer["total"] == 9, answer["unassigned"]


# ------------------------------------------------------------------ random districts


@dataclass
class Solved:
    """A random district, what the recommender answered, and the oracles' inputs."""

    world: World
    chosen: dict[str, str]  # target -> suggested leader
    reported_costs: dict[str, int]  # target -> cost on the suggestion
    total_cost: int
    unassigned: list[str]
    capacity: dict[str, int]  # from the oracle: quota_max − assigned, ≥ 0
    eligible: list[str]  # uncovered or stale, per the oracle
    costs: dict[tuple[str, str], int]  # (target, leader) -> cost, leaders with room


def solve(world: World) -> Solved:
    graph = world.graph()
    answer = recommend(graph, T, W)
    coverage = expected_coverage(world)
    eligible = sorted(t for t, c in coverage.items() if c.status in WANTED)
    capacity = capacities(world)
    # The product's candidate_cost for every pair (costs only; the assignment is ours).
    ranked = rank_candidates(graph, eligible, T, W, limit=max(len(in_office(world)), 1))
    costs = {
        (t, c.leader_id): c.cost
        for t in eligible
        for c in ranked[t]
        if capacity[c.leader_id] > 0 and c.leader_id not in coverage[t].assigned
    }
    return Solved(
        world=world,
        chosen={i["target_id"]: i["leader_id"] for i in answer["items"]},
        reported_costs={i["target_id"]: i["cost"] for i in answer["items"]},
        total_cost=answer["total_cost"],
        unassigned=[u["target_id"] for u in answer["unassigned"]],
        capacity=capacity,
        eligible=eligible,
        costs=costs,
    )


@PROPERTY
@given(world=instances)
def test_every_eligible_target_is_answered_once(world: World) -> None:
    s = solve(world)
    assert sorted([*s.chosen, *s.unassigned]) == s.eligible
    assert not set(s.chosen) & set(s.unassigned)


@PROPERTY
@given(world=instances)
def test_no_leader_exceeds_capacity(world: World) -> None:
    s = solve(world)
    for leader, count in Counter(s.chosen.values()).items():
        assert leader in in_office(world)
        assert count <= s.capacity[leader], (leader, count, s.capacity)


@PROPERTY
@given(world=instances)
def test_places_as_many_as_a_maximum_matching(world: World) -> None:
    s = solve(world)
    assert len(s.chosen) == max_assignable(s.costs, s.capacity)


@PROPERTY
@given(world=instances)
def test_cost_is_optimal_and_not_worse_than_greedy(world: World) -> None:
    s = solve(world)
    for target, leader in s.chosen.items():
        assert s.reported_costs[target] == s.costs[target, leader]
    assert s.total_cost == sum(s.reported_costs.values())
    greedy = greedy_assignment(s.costs, s.capacity)
    # Compare costs only when greedy places as many: the recommender places most first.
    if len(greedy) == len(s.chosen):
        assert s.total_cost <= sum(s.costs[pair] for pair in greedy.items())
    # Exhaustive search: the most targets, then the least cost among those.
    assert (len(s.chosen), s.total_cost) == best_assignment(s.costs, s.capacity)


@PROPERTY
@given(world=instances)
def test_never_suggests_an_already_assigned_leader(world: World) -> None:
    s = solve(world)
    coverage = expected_coverage(world)
    for target, leader in s.chosen.items():
        assert leader not in coverage[target].assigned

"""``rank_for`` costs only a few leaders of each group alike in post, area and lines; its
answer must be the first ``limit`` of ranking EVERY leader by ``candidate_cost``.

The brute force below costs each leader in office one by one (the cost rule itself is
tested by hand in test_recommend.py) and sorts them the way the docstring of ``rank_for``
says: a departing leader's post first, then cost, then id. Districts with many leaders
sharing areas, posts and lines are what the grouping is for, so they are drawn here.
"""

from __future__ import annotations

from analysis_helpers import T, World, worlds
from hypothesis import given, settings
from hypothesis import strategies as st

from concentric.graph.engine.coverage import target_lines
from concentric.graph.engine.leaders import leaders_in_office
from concentric.graph.network.recommend import (
    candidate_cost,
    graph_context,
    pair_signals,
    rank_for,
)
from concentric.graph.schema.schema import SCHEMA


def brute_force(world: World, target: str, limit: int, same_post: tuple[str, ...]) -> list:
    graph = world.graph()
    leaders = leaders_in_office(graph)
    context = graph_context(graph, T, SCHEMA.default_policy, leaders, same_post=same_post)
    record = dict(graph.nodes[target])
    signals = pair_signals(context, target)
    lines = target_lines(record, context.policy)
    options = [candidate_cost(context, leader, record, signals, lines) for leader in leaders]
    options.sort(key=lambda c: (not c.same_post, c.cost, c.leader_id))
    return options[:limit]


@settings(max_examples=60, deadline=None)
@given(
    world=worlds(max_leaders=24, max_targets=5, contact_chance=0.2),
    limit=st.integers(1, 6),
    departing=st.booleans(),
    data=st.data(),
)
def test_ranking_a_target_equals_costing_every_leader(
    world: World, limit: int, departing: bool, data: st.DataObject
) -> None:
    graph = world.graph()
    leaders = leaders_in_office(graph)
    targets = sorted(n for n, d in graph.nodes(data=True) if d["kind"] in SCHEMA.target_kinds)
    target = data.draw(st.sampled_from(targets))
    posts = sorted({graph.nodes[n].get("post") for n in leaders if graph.nodes[n].get("post")})
    same_post = tuple(posts[:1]) if departing and posts else ()
    context = graph_context(graph, T, SCHEMA.default_policy, leaders, same_post=same_post)
    ranked = rank_for(context, target, (), limit)
    expected = brute_force(world, target, limit, same_post)
    assert [(c.leader_id, c.cost, c.reasons, c.same_post) for c in ranked] == [
        (c.leader_id, c.cost, c.reasons, c.same_post) for c in expected
    ]

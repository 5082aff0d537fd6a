"""Relationship networks: ego networks, paths, brokers and communities on hand-built graphs
whose answer is worked out here (areas are never a way through).
"""

from __future__ import annotations

import itertools

import pytest
from analysis_helpers import World, day

from concentric.graph.engine.coverage import QueryError
from concentric.graph.network.network import brokers, communities, ego_network, relationship_path


@pytest.fixture
def chain_world() -> World:
    """L1 –contacts→ F1 –member_of→ O1 ←member_of– F2 –related_to→ F3, and
    L2 –took_part→ I1 –concerns→ F1. Everyone is in area A1 (L1 in charge of it);
    F4 is in A1 too but has no relationship at all; L9 –contacts→ F9 is a pair apart."""
    w = World()
    w.area("A1", "subdistrict")
    w.leader("L1", area="A1")
    w.leader("L2")
    for figure in ("F1", "F2", "F3", "F4"):
        w.figure(figure, area="A1")
    w.organization("O1", area="A1")
    w.contact("L1", "F1")
    w.member("F1", "O1")
    w.member("F2", "O1")
    w.relate("F2", "F3")
    w.interaction("I1", day(-3), ["L2"], ["F1"])
    w.leader("L9")
    w.figure("F9")
    w.contact("L9", "F9")  # a separate pair: no path to the others
    return w


# ------------------------------------------------------------------------ ego networks


@pytest.mark.parametrize(
    ("center", "depth", "distances"),
    [
        ("F1", 0, {"F1": 0}),
        ("F1", 1, {"F1": 0, "L1": 1, "O1": 1, "I1": 1}),
        ("F1", 2, {"F1": 0, "L1": 1, "O1": 1, "I1": 1, "F2": 2, "L2": 2}),
        ("F1", 3, {"F1": 0, "L1": 1, "O1": 1, "I1": 1, "F2": 2, "L2": 2, "F3": 3}),
        ("L1", 2, {"L1": 0, "F1": 1, "O1": 2, "I1": 2}),  # not F4 nor A1 via the area
        ("F4", 3, {"F4": 0}),  # shares an area with everyone, knows nobody
        ("A1", 2, {"A1": 0}),  # an area is not a relationship
    ],
)
def test_ego_network_distances(
    chain_world: World, center: str, depth: int, distances: dict[str, int]
) -> None:
    answer = ego_network(chain_world.graph(), center, depth)
    assert {n["id"]: n["distance"] for n in answer["nodes"]} == distances


def test_ego_network_edges_keep_kind_and_direction(chain_world: World) -> None:
    answer = ego_network(chain_world.graph(), "F1", 2)
    assert {(e["source"], e["target"], e["kind"]) for e in answer["edges"]} == {
        ("L1", "F1", "contacts"),
        ("F1", "O1", "member_of"),
        ("F2", "O1", "member_of"),
        ("I1", "F1", "concerns"),
        ("L2", "I1", "took_part"),
    }


@pytest.mark.parametrize(("node", "depth"), [("NOPE", 1), ("F1", -1)])
def test_ego_network_rejects_bad_queries(chain_world: World, node: str, depth: int) -> None:
    with pytest.raises(QueryError):
        ego_network(chain_world.graph(), node, depth)


# -------------------------------------------------------------------------------- paths


@pytest.mark.parametrize(
    ("source", "target", "steps"),
    [
        (
            "L1",
            "F3",
            [
                ("L1", "F1", "contacts", True),
                ("F1", "O1", "member_of", True),
                ("O1", "F2", "member_of", False),  # walked against F2 → O1
                ("F2", "F3", "related_to", True),
            ],
        ),
        (
            "F3",
            "L1",
            [
                ("F3", "F2", "related_to", False),
                ("F2", "O1", "member_of", True),
                ("O1", "F1", "member_of", False),
                ("F1", "L1", "contacts", False),
            ],
        ),
        (
            "L2",
            "O1",
            [
                ("L2", "I1", "took_part", True),
                ("I1", "F1", "concerns", True),
                ("F1", "O1", "member_of", True),
            ],
        ),
        ("F2", "F2", []),
    ],
)
def test_relationship_path_steps(
    chain_world: World, source: str, target: str, steps: list[tuple[str, str, str, bool]]
) -> None:
    answer = relationship_path(chain_world.graph(), source, target)
    assert answer["found"] is True
    assert answer["length"] == len(steps)
    assert [(s["from"], s["to"], s["kind"], s["forward"]) for s in answer["steps"]] == steps
    assert [n["id"] for n in answer["nodes"]] == [source, *(s[1] for s in steps)]


# relationship_path() catches only NetworkXNoPath: when the target exists but has no
# relationship at all (so it is not in the relationship view) and the source has one,
# nx.shortest_path raises NodeNotFound, which escapes as an internal error.


@pytest.mark.parametrize(
    ("source", "target"),
    [
        pytest.param("F1", "F4"),
        ("F4", "L1"),
        ("A1", "L1"),
        pytest.param("L1", "A1"),
        ("F1", "L9"),  # L9 has relationships, but none reaching F1's side
    ],
)
def test_relationship_path_not_found(chain_world: World, source: str, target: str) -> None:
    # F4 and A1 are only tied to the others through the area, which does not count.
    answer = relationship_path(chain_world.graph(), source, target)
    assert (answer["found"], answer["length"], answer["steps"]) == (False, None, [])


@pytest.mark.parametrize(("source", "target"), [("NOPE", "F1"), ("F1", "NOPE")])
def test_relationship_path_unknown_id(chain_world: World, source: str, target: str) -> None:
    with pytest.raises(QueryError):
        relationship_path(chain_world.graph(), source, target)


# ---------------------------------------------------------------- brokers, communities


def two_cliques(world: World) -> tuple[list[str], list[str]]:
    """Two groups of four figures, everyone related to everyone inside a group."""
    left = [world.figure(f"A{i}", "religious") for i in range(1, 5)]
    right = [world.figure(f"B{i}", "ethnic") for i in range(1, 5)]
    for group in (left, right):
        for a, b in itertools.combinations(group, 2):
            world.relate(a, b)
    return left, right


@pytest.mark.parametrize("bridge_kind", ["figure", "organization", "unit"])
def test_bridge_between_two_cliques_ranks_first(bridge_kind: str) -> None:
    w = World()
    two_cliques(w)
    if bridge_kind == "figure":
        w.figure("X")
        w.relate("A1", "X")
        w.relate("X", "B1")
    else:
        (w.organization if bridge_kind == "organization" else w.unit)("X")
        w.member("A1", "X")
        w.member("B1", "X")
    # A leader and an interaction tying the two sides are not brokers' ground: the
    # betweenness is taken among figures, organizations and units only.
    w.leader("L1")
    w.contact("L1", "A2")
    w.contact("L1", "B2")
    w.interaction("I1", day(-1), ["L1"], ["A3", "B3"])
    answer = brokers(w.graph())
    # Nine nodes, so 28 pairs not involving a given node. X is on the only shortest path
    # of all 4 × 4 A–B pairs; A1 on those between A2..A4 and {X, B1..B4} (3 × 5).
    scores = {i["id"]: i["betweenness"] for i in answer["items"]}
    assert scores == {
        "X": pytest.approx(16 / 28, abs=1e-6),
        "A1": pytest.approx(15 / 28, abs=1e-6),
        "B1": pytest.approx(15 / 28, abs=1e-6),
    }
    assert [i["id"] for i in answer["items"]] == ["X", "A1", "B1"]


def test_two_disconnected_cliques_are_two_communities() -> None:
    w = World()
    left, right = two_cliques(w)
    w.leader("L1")
    for figure in left:
        w.contact("L1", figure)  # L1 sits inside the left group
    w.figure("P1")
    w.figure("P2")
    w.relate("P1", "P2")  # a pair: below the default min_size of 3
    answer = communities(w.graph())
    got = [(set(c["members"]), c["leaders"], c["top_category"]) for c in answer["items"]]
    assert got == [
        ({"L1", *left}, ["L1"], "religious"),  # larger first
        (set(right), [], "ethnic"),
    ]
    assert [c["size"] for c in answer["items"]] == [5, 4]
    assert answer["total"] == 2

"""Leader load, single points, departure, blind spots, the five-line score and status
changes (spec section 3), each on a tiny hand-built district whose answer is worked out
here by hand, plus departure checked against a from-scratch recomputation on random
districts.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import networkx as nx
import pytest
from analysis_helpers import T, W, World, day, expected_coverage, in_office, worlds
from hypothesis import given, settings
from hypothesis import strategies as st

from concentric.graph.engine import index_analyses as arrays
from concentric.graph.engine.changes import check_period
from concentric.graph.engine.coverage import QueryError, TargetCoverage
from concentric.graph.engine.coverage_index import CoverageIndex
from concentric.graph.network.recommend import departure
from concentric.graph.schema.model import NodeRecord
from concentric.graph.schema.schema import SCHEMA, Policy


# The engine (graph.engine.index_analyses on a CoverageIndex), built from the graph the tests
# describe: every expected answer below is worked out by hand from that district.
def _engine(graph: nx.MultiDiGraph) -> tuple[CoverageIndex, arrays.LeaderActivity]:
    index = CoverageIndex.from_graph(graph)
    interactions = [
        NodeRecord(n, "interaction", data)
        for n, data in graph.nodes(data=True)
        if data["kind"] == "interaction"
    ]
    return index, arrays.LeaderActivity.from_records(index, interactions)


def target_coverage(
    graph: nx.MultiDiGraph, as_of: dt.date, window: int
) -> dict[str, TargetCoverage]:
    return CoverageIndex.from_graph(graph).target_coverage(as_of, window)


def leader_load(
    graph: nx.MultiDiGraph, as_of: dt.date, window: int, policy: Policy | None = None
) -> dict[str, Any]:
    index, activity = _engine(graph)
    return arrays.leader_load(index, activity, as_of, window, policy or SCHEMA.default_policy)


def single_points(graph: nx.MultiDiGraph, as_of: dt.date, window: int) -> dict[str, Any]:
    return arrays.single_points(CoverageIndex.from_graph(graph), as_of, window)


def blind_spots(
    graph: nx.MultiDiGraph, as_of: dt.date, window: int, policy: Policy | None = None
) -> dict[str, Any]:
    index, activity = _engine(graph)
    return arrays.blind_spots(index, activity, as_of, window, policy or SCHEMA.default_policy)


def line_scores(graph: nx.MultiDiGraph, as_of: dt.date, window: int) -> dict[str, Any]:
    return {"items": blind_spots(graph, as_of, window)["lines"]}


def areas_without_station(graph: nx.MultiDiGraph) -> list[str]:
    return arrays.areas_without_station(CoverageIndex.from_graph(graph))


def status_changes(
    graph: nx.MultiDiGraph, start: dt.date, end: dt.date, window: int
) -> dict[str, Any]:
    return arrays.status_changes(CoverageIndex.from_graph(graph), start, end, window)


PROPERTY = settings(max_examples=50, deadline=None)


def by_id(items: list[dict[str, Any]], key: str = "id") -> dict[str, dict[str, Any]]:
    return {item[key]: item for item in items}


# ------------------------------------------------------------------------- leader load


@pytest.fixture
def load_world() -> World:
    """Five leaders around T = 2026-06-30 (W = 365, so the window starts 2025-06-30).

    L1 (quota 2..3)    contacts F1 F2 O1 U1         → 4 assigned, 2 figures → over
    L2 (default 3..15) contacts F1                  → 1 figure              → under
    L3 (quota 1..2)    contacts F3 (since T, open), U1; F4 until T (closed);
                       O1 since T+1 (not yet)       → 2 assigned, 1 figure  → ok
    L4 out of office   contacts F2                  → not listed, assigns nothing
    L5 (quota 0..0)    nothing                      → ok
    """
    w = World()
    w.leader("L1", quota_min=2, quota_max=3)
    w.leader("L2")
    w.leader("L3", quota_min=1, quota_max=2)
    w.leader("L4", in_office=False)
    w.leader("L5", quota_min=0, quota_max=0)
    for figure in ("F1", "F2", "F3", "F4"):
        w.figure(figure)
    w.organization("O1")
    w.unit("U1")
    for target in ("F1", "F2", "O1", "U1"):
        w.contact("L1", target)
    w.contact("L2", "F1")
    w.contact("L3", "F3", since=T)
    w.contact("L3", "U1", since=day(-30))
    w.contact("L3", "F4", since=day(-300), until=T)
    w.contact("L3", "O1", since=day(1))
    w.contact("L4", "F2")
    w.interaction("I1", day(-10), ["L1"], ["F1", "F3"])  # F3 is not L1's
    w.interaction("I2", day(-W), ["L1"], ["O1"])  # first day of the window: inside
    w.interaction("I3", day(-W - 1), ["L1"], ["F2"])  # one day before the window
    w.interaction("I4", day(5), ["L1", "L3", "L5"], ["U1"])  # after T: ignored
    w.interaction("I5", day(-100), ["L2", "L3"], ["U1"])  # U1 is L3's, not L2's
    w.interaction("I6", day(-20), ["L2"], ["F3"])  # F3 is L3's, but L3 was not there
    w.interaction("I7", day(-5), ["L4"], ["F2"])
    return w


def test_leader_load_by_hand(load_world: World) -> None:
    answer = leader_load(load_world.graph(), T, W)
    got = {
        i["id"]: (
            i["assigned"],
            i["figures"],
            i["active"],
            i["last_interaction"],
            i["quota_min"],
            i["quota_max"],
            i["quota_status"],
        )
        for i in answer["items"]
    }
    assert got == {
        # active: F1 (I1) and O1 (I2, on the window's first day); F2 met before the
        # window, U1 only after T.
        "L1": (4, 2, 2, day(-10).isoformat(), 2, 3, "over"),
        # L2 met U1 and F3, neither assigned to L2.
        "L2": (1, 1, 0, day(-20).isoformat(), 3, 15, "under"),
        # U1 met in I5; F3 was met by L2, not L3; I4 is after T.
        "L3": (2, 1, 1, day(-100).isoformat(), 1, 2, "ok"),
        # Only an interaction after T: no last interaction.
        "L5": (0, 0, 0, None, 0, 0, "ok"),
    }
    assert answer["total"] == 4


def test_leader_load_lists_worst_first(load_world: World) -> None:
    statuses = [i["quota_status"] for i in leader_load(load_world.graph(), T, W)["items"]]
    rank = {"under": 0, "over": 1, "ok": 2}
    assert statuses == sorted(statuses, key=rank.__getitem__)


@pytest.mark.parametrize(
    ("figures", "others", "quota_min", "quota_max", "expected"),
    [
        (2, 0, None, None, "under"),  # default quota_min 3
        (3, 0, None, None, "ok"),  # figures == quota_min is enough
        (3, 12, None, None, "ok"),  # assigned 15 == default quota_max
        (3, 13, None, None, "over"),  # assigned 16 > 15
        (1, 5, 1, 5, "over"),  # organizations and units count toward assigned
        (0, 6, 1, 5, "under"),  # under and over at once: under is checked first
        (0, 0, 0, 0, "ok"),
        (2, 0, 2, None, "ok"),  # leader's own quota_min, default quota_max
        (5, 0, None, 4, "over"),  # default quota_min, leader's own quota_max
    ],
)
def test_quota_status(
    figures: int, others: int, quota_min: int | None, quota_max: int | None, expected: str
) -> None:
    w = World()
    w.leader("L1", quota_min=quota_min, quota_max=quota_max)
    for i in range(figures):
        w.contact("L1", w.figure(f"F{i}"))
    for i in range(others):
        w.contact("L1", w.unit(f"U{i}") if i % 2 else w.organization(f"O{i}"))
    [item] = leader_load(w.graph(), T, W)["items"]
    assert (item["assigned"], item["figures"]) == (figures + others, figures)
    assert item["quota_status"] == expected


# ------------------------------------------------------------------------ single points


def test_single_points_by_hand() -> None:
    w = World()
    for leader in ("L1", "L2", "L3"):
        w.leader(leader)
    w.leader("L4", in_office=False)
    for figure in ("F1", "F2", "F3"):
        w.figure(figure)
    w.organization("O1")
    w.organization("O2")
    w.unit("U1")
    w.unit("U2")
    w.contact("L1", "F1")
    w.contact("L2", "F1")  # two leaders: not a single point
    w.contact("L1", "F2")  # one leader
    w.contact("L3", "F3")
    w.contact("L4", "F3")  # out of office: does not count
    # O1: nobody at all, so not a single point either.
    w.contact("L1", "O2", until=T)  # ended on T: closed
    w.contact("L2", "O2")
    w.contact("L2", "U1", since=day(1))  # not started yet
    w.contact("L3", "U1")
    w.contact("L1", "U2", since=day(-500), until=day(-100))
    w.contact("L1", "U2", since=day(-100))  # two rows, still one leader
    answer = single_points(w.graph(), T, W)
    assert {i["id"]: i["leader_id"] for i in answer["items"]} == {
        "F2": "L1",
        "F3": "L3",
        "O2": "L2",
        "U1": "L3",
        "U2": "L1",
    }
    assert answer["by_leader"] == {"L1": ["F2", "U2"], "L2": ["O2"], "L3": ["F3", "U1"]}
    assert answer["total"] == 5


# ---------------------------------------------------------------------------- departure


@pytest.fixture
def departure_world() -> World:
    """L1 and L3 share the post 部长; L5 (also 部长) is out of office.

    F1: L1 only · F2: L1 and L2 · F3: L2 only · O1: L1 and L5 (out of office)
    U1: nobody · F4: L1 until T (closed)
    """
    w = World()
    w.leader("L1", post="部长")
    w.leader("L2", post="副区长")
    w.leader("L3", post="部长")
    w.leader("L4")
    w.leader("L5", post="部长", in_office=False)
    w.leader("L6")
    for figure in ("F1", "F2", "F3", "F4"):
        w.figure(figure)
    w.organization("O1")
    w.unit("U1")
    w.contact("L1", "F1")
    w.contact("L1", "F2")
    w.contact("L2", "F2")
    w.contact("L2", "F3")
    w.contact("L1", "O1")
    w.contact("L5", "O1")
    w.contact("L1", "F4", until=T)
    return w


@pytest.mark.parametrize(
    ("leaving", "orphaned"),
    [
        (["L1"], ["F1", "O1"]),  # F2 keeps L2; F4's contact already ended; U1 had nobody
        (["L2"], ["F3"]),
        (["L1", "L2"], ["F1", "F2", "F3", "O1"]),
        (["L5"], []),  # out of office already: assigned to nothing
        (["L4", "L6"], []),
    ],
)
def test_departure_by_hand(departure_world: World, leaving: list[str], orphaned: list[str]) -> None:
    answer = departure(departure_world.graph(), leaving, T, W)
    assert [i["id"] for i in answer["items"]] == orphaned
    assert answer["leaders"] == sorted(leaving)
    for item in answer["items"]:
        successors = [s["leader_id"] for s in item["successors"]]
        # Departing leaders and leaders out of office are never proposed.
        assert not set(successors) & {*leaving, "L5"}
        assert all(s["reasons"] for s in item["successors"])


def test_departure_same_post_ranks_first(departure_world: World) -> None:
    answer = departure(departure_world.graph(), ["L1"], T, W)
    # L3 holds L1's post (−5). L2's only chain to F1 and O1 runs through L1 (L2–F2–L1–F1),
    # who is leaving, so it earns nothing: L2, L4 and L6 all cost 10, tie broken by id;
    # at most three successors.
    expected = [("L3", 5), ("L2", 10), ("L4", 10)]
    for item in answer["items"]:
        assert [(s["leader_id"], s["cost"]) for s in item["successors"]] == expected


def test_departure_same_post_ranks_first_even_against_other_signals() -> None:
    w = World()
    w.area("A1", "town")
    w.leader("L1", post="部长")
    w.leader("L2", post="部长")
    w.leader("L3", area="A1", lines=["guidance"])
    w.figure("F1", "religious", "A1")  # religious → guidance line
    w.contact("L1", "F1")
    [item] = departure(w.graph(), ["L1"], T, W)["items"]
    assert item["successors"][0]["leader_id"] == "L2"


@pytest.mark.parametrize("leaving", [["NOPE"], ["L1", "NOPE"], ["F1"], ["A1"], []])
def test_departure_rejects_bad_ids(departure_world: World, leaving: list[str]) -> None:
    departure_world.area("A1", "town")
    with pytest.raises(QueryError):
        departure(departure_world.graph(), leaving, T, W)


def assigned_sets(graph: nx.MultiDiGraph) -> dict[str, tuple[str, ...]]:
    return {t: c.assigned_leaders for t, c in target_coverage(graph, T, W).items()}


@PROPERTY
@given(world=worlds(max_leaders=4, max_targets=7), data=st.data())
def test_departure_agrees_with_recomputed_coverage(world: World, data: st.DataObject) -> None:
    leaders = world.ids("leader")
    leaving = data.draw(st.lists(st.sampled_from(leaders), min_size=1, unique=True))
    answer = departure(world.graph(), leaving, T, W)
    reported = [i["id"] for i in answer["items"]]

    # Recompute coverage from scratch on the world after the departure, two ways.
    before = assigned_sets(world.graph())
    for after_world in (world.leaving(leaving), world.without_contacts_of(leaving)):
        after = assigned_sets(after_world.graph())
        lost = sorted(t for t in before if before[t] and not after[t])
        assert reported == lost
    # And with the independent oracle.
    oracle = expected_coverage(world)
    assert reported == sorted(
        t for t, c in oracle.items() if c.assigned and c.assigned <= set(leaving)
    )

    staying = in_office(world) - set(leaving)
    for item in answer["items"]:
        assert {s["leader_id"] for s in item["successors"]} <= staying


# -------------------------------------------------------------------------- blind spots


@pytest.fixture
def blind_world() -> World:
    """D0 district ⊃ T1 town ⊃ C1 community; D0 ⊃ S1 subdistrict; D0 ⊃ T2 town ⊃ V2
    village; D0 ⊃ T3 town. Stations: ST1 in C1 (below T1), ST2 in S1; T2 has only a
    religious venue; T3 nothing (a station with no area counts nowhere).

    religious: F1 in C1 covered · F2 in V2 uncovered · F5 in S1 uncovered
    ethnic:    F3 in C1 stale · F4 in T1 uncovered · F6 in S1 indirect (met, not assigned)
    """
    w = World()
    w.area("D0", "district")
    w.area("T1", "town", "D0")
    w.area("C1", "community", "T1")
    w.area("S1", "subdistrict", "D0")
    w.area("T2", "town", "D0")
    w.area("V2", "village", "T2")
    w.area("T3", "town", "D0")
    w.organization("ST1", "ethnic_work_station", "C1")
    w.organization("ST2", "ethnic_work_station", "S1")
    w.organization("ST3", "ethnic_work_station")
    w.organization("RV2", "religious_venue", "T2")
    w.leader("L1")
    w.figure("F1", "religious", "C1")
    w.figure("F2", "religious", "V2")
    w.figure("F3", "ethnic", "C1")
    w.figure("F4", "ethnic", "T1")
    w.figure("F5", "religious", "S1")
    w.figure("F6", "ethnic", "S1")
    w.unit("U1", area="T1", joint_meeting=True)  # in the joint meeting, uncovered
    w.unit("U2", area="T1", joint_meeting=False)  # covered
    w.unit("U3", area="S1", joint_meeting=False)  # stale
    w.unit("U4", area="S1")  # joint_meeting missing, uncovered
    w.contact("L1", "F1")
    w.contact("L1", "F3")
    w.contact("L1", "U2")
    w.contact("L1", "U3")
    w.interaction("I1", day(-10), ["L1"], ["F1", "U2"])
    w.interaction("I2", day(-5), ["L1"], ["F6"])
    return w


def test_blind_spot_cells_by_hand(blind_world: World) -> None:
    answer = blind_spots(blind_world.graph(), T, W)
    cells = {(c["area_id"], c["category"]): (c["figures"], c["covered"]) for c in answer["matrix"]}
    # Each figure counts in its own area and every ancestor.
    assert cells == {
        ("C1", "religious"): (1, 1),
        ("T1", "religious"): (1, 1),
        ("D0", "religious"): (3, 1),  # one of three covered: not a blind spot
        ("V2", "religious"): (1, 0),
        ("T2", "religious"): (1, 0),
        ("S1", "religious"): (1, 0),
        ("C1", "ethnic"): (1, 0),  # stale is not covered
        ("T1", "ethnic"): (2, 0),
        ("S1", "ethnic"): (1, 0),  # indirect is not covered
        ("D0", "ethnic"): (3, 0),
    }
    empty = {(c["area_id"], c["category"]): c["figures"] for c in answer["items"]}
    assert empty == {
        ("C1", "ethnic"): 1,
        ("T1", "ethnic"): 2,
        ("S1", "ethnic"): 1,
        ("D0", "ethnic"): 3,
        ("S1", "religious"): 1,
        ("T2", "religious"): 1,
        ("V2", "religious"): 1,
    }
    assert all(c["covered"] == 0 for c in answer["items"])
    assert answer["total"] == 7
    # T1's station is in C1, below it; S1 has its own; T2 has a venue but no station.
    assert answer["areas_without_station"] == ["T2", "T3"]


def test_units_outside_joint_meeting(blind_world: World) -> None:
    answer = blind_spots(blind_world.graph(), T, W)
    units = {u["id"]: u["status"] for u in answer["units_outside_joint_meeting"]}
    assert units == {"U3": "stale", "U4": "uncovered"}


@pytest.mark.parametrize(
    ("station_area", "station_kind", "missing"),
    [
        (None, "ethnic_work_station", ["S1", "T1"]),
        ("T1", "ethnic_work_station", ["S1"]),
        ("C1", "ethnic_work_station", ["S1"]),  # a community below the town counts for it
        ("V1", "ethnic_work_station", ["S1"]),  # two levels below
        ("S1", "ethnic_work_station", ["T1"]),
        ("D0", "ethnic_work_station", ["S1", "T1"]),  # above the towns: counts for none
        ("T1", "religious_venue", ["S1", "T1"]),  # another kind of organization
    ],
)
def test_areas_without_station(
    station_area: str | None, station_kind: str, missing: list[str]
) -> None:
    w = World()
    w.area("D0", "district")
    w.area("T1", "town", "D0")
    w.area("C1", "community", "T1")
    w.area("V1", "village", "C1")
    w.area("S1", "subdistrict", "D0")
    w.organization("O1", station_kind, station_area)
    assert areas_without_station(w.graph()) == missing
    assert blind_spots(w.graph(), T, W)["areas_without_station"] == missing


# ------------------------------------------------------------------------- line scores


@pytest.fixture
def line_world() -> World:
    """Two towns (T1 with a station, S1 without) and three leaders in office.

    cooperation: F1 democratic_party covered, F2 non_party stale, F4 intellectual indirect
    guidance: O1 station uncovered · service: F3 private_economy uncovered
    union: U1 hospital covered
    leaders: L1 (1..5, 1 figure, 2 assigned) ok · L2 (default, 1 figure) under ·
    L4 (0..0) ok · L3 out of office
    """
    w = World()
    w.area("D0", "district")
    w.area("T1", "town", "D0")
    w.area("S1", "subdistrict", "D0")
    w.organization("O1", "ethnic_work_station", "T1")
    w.leader("L1", quota_min=1, quota_max=5)
    w.leader("L2")
    w.leader("L3", in_office=False)
    w.leader("L4", quota_min=0, quota_max=0)
    w.figure("F1", "democratic_party", "T1")
    w.figure("F2", "non_party", "S1")
    w.figure("F3", "private_economy", "S1")
    w.figure("F4", "intellectual", "S1")
    w.unit("U1", "hospital", "T1")
    w.contact("L1", "F1")
    w.contact("L1", "U1")
    w.contact("L2", "F2")
    w.contact("L3", "F3")
    w.member("F4", "U1")  # a member of a covered unit: indirect
    w.interaction("I1", day(-10), ["L1"], ["F1", "U1"])
    return w


def test_line_scores_by_hand(line_world: World) -> None:
    lines = by_id(line_scores(line_world.graph(), T, W)["items"], "line")
    got = {
        code: (lines[code]["targets"], lines[code]["covered"], lines[code]["reach"])
        for code in ("cooperation", "guidance", "service", "union")
    }
    assert got == {
        "cooperation": (3, 1, pytest.approx(2 / 3, abs=1e-4)),
        "guidance": (1, 0, 0.0),
        "service": (1, 0, 0.0),
        "union": (1, 1, 1.0),
    }
    assert lines["cooperation"]["ratio"] == pytest.approx(1 / 3, abs=1e-4)
    assert lines["guidance"]["ratio"] == 0.0
    assert lines["union"]["ratio"] == 1.0
    # S1 holds F2 (stale) and F4 (indirect): 0/2; T1 holds F1 (covered): 1/1.
    worst = [
        (a["area_id"], a["targets"], a["covered"]) for a in lines["cooperation"]["worst_areas"]
    ]
    assert worst == [("S1", 2, 0), ("T1", 1, 1)]


def test_center_line_by_hand(line_world: World) -> None:
    center = by_id(line_scores(line_world.graph(), T, W)["items"], "line")["center"]
    assert (center["leaders"], center["leaders_quota_ok"]) == (3, 2)  # L1, L4 ok; L2 under
    assert (center["towns"], center["towns_with_station"]) == (2, 1)  # T1 yes, S1 no
    assert center["ratio"] == pytest.approx((2 / 3 + 1 / 2) / 2, abs=1e-4)
    assert [a["area_id"] for a in center["worst_areas"]] == ["S1"]
    # The same score is part of the blind-spot answer.
    lines = by_id(blind_spots(line_world.graph(), T, W)["lines"], "line")
    assert lines["center"]["ratio"] == center["ratio"]


# ----------------------------------------------------------------------- status changes


def test_status_changes_by_hand() -> None:
    start, end = dt.date(2026, 5, 1), T
    w = World()
    w.leader("L1")
    for figure in ("F1", "F2", "F3", "F4", "F5"):
        w.figure(figure)
    w.contact("L1", "F1")
    w.contact("L1", "F2")
    w.contact("L1", "F5", since=dt.date(2026, 6, 1))  # not yet assigned at start
    w.interaction("I1", dt.date(2025, 6, 1), ["L1"], ["F1"])  # in start's window only
    w.interaction("I2", dt.date(2026, 6, 1), ["L1"], ["F2"])
    w.interaction("I3", dt.date(2026, 6, 15), ["L1"], ["F5"])
    w.interaction("I4", dt.date(2026, 6, 10), ["L1"], ["F3"])  # met but not assigned
    answer = status_changes(w.graph(), start, end, W)
    assert {i["id"]: i["transition"] for i in answer["items"]} == {
        "F1": "covered→stale",  # its only meeting fell out of the window
        "F2": "stale→covered",
        "F3": "uncovered→indirect",
        "F5": "uncovered→covered",
    }  # F4 stays uncovered: not listed
    assert answer["groups"] == {
        "covered→stale": 1,
        "stale→covered": 1,
        "uncovered→covered": 1,
        "uncovered→indirect": 1,
    }
    assert answer["total"] == 4


@pytest.mark.parametrize(
    ("end", "changed"),
    [
        (dt.date(2026, 5, 31), False),
        (dt.date(2026, 6, 1), False),  # window starts 2025-06-01: the meeting still counts
        (dt.date(2026, 6, 2), True),  # window starts 2025-06-02: it no longer does
    ],
)
def test_covered_becomes_stale_when_the_window_passes(end: dt.date, changed: bool) -> None:
    w = World()
    w.leader("L1")
    w.figure("F1")
    w.contact("L1", "F1")
    w.interaction("I1", dt.date(2025, 6, 1), ["L1"], ["F1"])
    answer = status_changes(w.graph(), dt.date(2026, 1, 1), end, W)
    assert answer["groups"] == ({"covered→stale": 1} if changed else {})


def test_status_changes_compare_reversed_dates_in_the_order_given() -> None:
    """The meeting of 2025-06-01 counts on 2026-01-01, no longer on 2026-07-01 (W = 365):
    from the later date to the earlier one the target goes from stale back to covered."""
    w = World()
    w.leader("L1")
    w.figure("F1")
    w.contact("L1", "F1")
    w.interaction("I1", dt.date(2025, 6, 1), ["L1"], ["F1"])
    answer = status_changes(w.graph(), dt.date(2026, 7, 1), dt.date(2026, 1, 1), W)
    assert answer["groups"] == {"stale→covered": 1}
    assert (answer["from"], answer["to"]) == ("2026-07-01", "2026-01-01")


def test_the_cli_refuses_a_period_that_ends_before_it_starts() -> None:
    with pytest.raises(QueryError, match="is before"):
        check_period(T, day(-1))

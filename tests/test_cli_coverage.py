"""Coverage rules of spec section 3, one small hand-built dataset per rule and boundary.

Every expected answer below is written by hand from the spec text; each is checked against
the oracle too (so a slip in either shows up) and then against the real CLI.
T = 2026-06-30 and W = 365 unless a case says otherwise, so T - W = 2025-06-30.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import oracle
import pytest
from conftest import (
    AS_OF,
    WINDOW,
    Concentric,
    assert_usage_error,
    days,
    gap_ids,
    gap_items,
)
from oracle import CATEGORIES, ORG_KINDS, UNIT_KINDS, Dataset, write_dataset

# target id -> (status, assigned_leaders, last_contact)
Expect = dict[str, tuple[str, list[str], dt.date | None]]

WINDOW_START = dt.date(2025, 6, 30)  # T - W, written out so a date-arithmetic slip can't hide
assert days(-WINDOW) == WINDOW_START


@dataclass(frozen=True)
class Case:
    id: str
    data: Dataset
    expect: Expect
    as_of: dt.date = AS_OF
    window: int = WINDOW


def base() -> Dataset:
    """One district, a leader in office (L1) and one out of office (L9)."""
    return Dataset().area("A0", "district").leader("L1").leader("L9", in_office=False)


def assigned_f1(**contact: Any) -> Dataset:
    """F1 with a contact from L1 (bounds from `contact`) and nothing else."""
    return base().figure("F1", area="A0").contact("L1", "F1", **contact)


CASES: list[Case] = [
    # --- contact open at T: since empty or <= T, until empty or > T
    Case(
        "contact_until_T_is_closed",
        assigned_f1(until=AS_OF).interaction("I1", days(-10), ["L1"], ["F1"]),
        {"F1": ("indirect", [], days(-10))},
    ),
    Case(
        "contact_until_T_plus_1_is_open",
        assigned_f1(until=days(1)).interaction("I1", days(-10), ["L1"], ["F1"]),
        {"F1": ("covered", ["L1"], days(-10))},
    ),
    Case(
        "contact_since_T_is_open",
        assigned_f1(since=AS_OF).interaction("I1", days(-10), ["L1"], ["F1"]),
        {"F1": ("covered", ["L1"], days(-10))},
    ),
    Case(
        "contact_since_T_plus_1_not_yet_open",
        assigned_f1(since=days(1)).interaction("I1", days(-10), ["L1"], ["F1"]),
        {"F1": ("indirect", [], days(-10))},
    ),
    Case(
        "contact_ended_long_ago_no_interaction",
        assigned_f1(since=dt.date(2020, 1, 1), until=dt.date(2021, 1, 1)),
        {"F1": ("uncovered", [], None)},
    ),
    Case(
        "backup_role_still_assigns",
        assigned_f1(role="backup").interaction("I1", days(-3), ["L1"], ["F1"]),
        {"F1": ("covered", ["L1"], days(-3))},
    ),
    Case(
        "assigned_leaders_sorted",
        base()
        .leader("L3")
        .leader("L2")
        .figure("F1")
        .contact("L3", "F1")
        .contact("L2", "F1")
        .contact("L1", "F1")
        .interaction("I1", days(-1), ["L2"], ["F1"]),
        {"F1": ("covered", ["L1", "L2", "L3"], days(-1))},
    ),
    # --- the window: last_contact >= T - W
    Case(
        "interaction_on_window_start_counts",
        assigned_f1().interaction("I1", WINDOW_START, ["L1"], ["F1"]),
        {"F1": ("covered", ["L1"], dt.date(2025, 6, 30))},
    ),
    Case(
        "interaction_day_before_window_is_stale",
        assigned_f1().interaction("I1", dt.date(2025, 6, 29), ["L1"], ["F1"]),
        {"F1": ("stale", ["L1"], dt.date(2025, 6, 29))},
    ),
    Case(
        "interaction_on_T_counts",
        assigned_f1().interaction("I1", AS_OF, ["L1"], ["F1"]),
        {"F1": ("covered", ["L1"], AS_OF)},
    ),
    Case(
        "interaction_after_T_is_ignored",
        assigned_f1().interaction("I1", days(1), ["L1"], ["F1"]),
        {"F1": ("stale", ["L1"], None)},
    ),
    Case(
        "latest_interaction_on_or_before_T_wins",
        assigned_f1()
        .interaction("I1", days(-400), ["L1"], ["F1"])
        .interaction("I2", days(-5), ["L1"], ["F1"])
        .interaction("I3", days(3), ["L1"], ["F1"]),
        {"F1": ("covered", ["L1"], days(-5))},
    ),
    Case(
        "unassigned_recent_interaction_is_indirect",
        base().figure("F1").interaction("I1", days(-20), ["L1"], ["F1"]),
        {"F1": ("indirect", [], days(-20))},
    ),
    Case(
        "unassigned_old_interaction_is_uncovered",
        base().figure("F1").interaction("I1", dt.date(2025, 6, 29), ["L1"], ["F1"]),
        {"F1": ("uncovered", [], dt.date(2025, 6, 29))},
    ),
    Case(
        "no_contact_no_interaction_is_uncovered",
        base().figure("F1").org("O1").unit("U1"),
        {
            "F1": ("uncovered", [], None),
            "O1": ("uncovered", [], None),
            "U1": ("uncovered", [], None),
        },
    ),
    Case(
        "one_interaction_many_targets",
        base()
        .figure("F1")
        .org("O1")
        .unit("U1")
        .contact("L1", "U1")
        .interaction("I1", days(-7), ["L1", "L9"], ["F1", "O1", "U1"]),
        {
            "F1": ("indirect", [], days(-7)),
            "O1": ("indirect", [], days(-7)),
            "U1": ("covered", ["L1"], days(-7)),
        },
    ),
    # --- leaders out of office cover nothing, but their interactions still count
    Case(
        "out_of_office_leader_assigns_nothing",
        base()
        .figure("F1")
        .figure("F2")
        .contact("L9", "F1")
        .contact("L9", "F2")
        .interaction("I1", days(-10), ["L9"], ["F1"]),
        {"F1": ("indirect", [], days(-10)), "F2": ("uncovered", [], None)},
    ),
    Case(
        "out_of_office_interaction_counts_for_last_contact",
        assigned_f1().interaction("I1", days(-10), ["L9"], ["F1"]),
        {"F1": ("covered", ["L1"], days(-10))},
    ),
    Case(
        "in_office_empty_means_true",
        base()
        .leader("L5", in_office=None)
        .figure("F1")
        .contact("L5", "F1")
        .interaction("I1", days(-10), ["L5"], ["F1"]),
        {"F1": ("covered", ["L5"], days(-10))},
    ),
    # --- indirect through a membership open at T, in both directions, one hop only
    Case(
        "figure_in_covered_org_is_indirect",
        base()
        .org("O1")
        .figure("F1")
        .contact("L1", "O1")
        .interaction("I1", days(-10), ["L1"], ["O1"])
        .member("F1", "O1", since=days(-100)),
        {"O1": ("covered", ["L1"], days(-10)), "F1": ("indirect", [], None)},
    ),
    Case(
        "org_with_covered_member_is_indirect",
        base()
        .org("O1")
        .figure("F1")
        .contact("L1", "F1")
        .interaction("I1", days(-10), ["L1"], ["F1"])
        .member("F1", "O1"),
        {"F1": ("covered", ["L1"], days(-10)), "O1": ("indirect", [], None)},
    ),
    Case(
        "membership_in_a_unit_works_both_ways",
        base()
        .unit("U1")
        .unit("U2")
        .figure("F1")
        .figure("F2")
        .contact("L1", "U1")
        .contact("L1", "F2")
        .interaction("I1", days(-10), ["L1"], ["U1", "F2"])
        .member("F1", "U1")
        .member("F2", "U2"),
        {
            "U1": ("covered", ["L1"], days(-10)),
            "F1": ("indirect", [], None),
            "F2": ("covered", ["L1"], days(-10)),
            "U2": ("indirect", [], None),
        },
    ),
    Case(
        "membership_since_T_is_open",
        base()
        .org("O1")
        .figure("F1")
        .contact("L1", "O1")
        .interaction("I1", days(-10), ["L1"], ["O1"])
        .member("F1", "O1", since=AS_OF),
        {"O1": ("covered", ["L1"], days(-10)), "F1": ("indirect", [], None)},
    ),
    Case(
        "membership_until_T_is_closed",
        base()
        .org("O1")
        .figure("F1")
        .contact("L1", "O1")
        .interaction("I1", days(-10), ["L1"], ["O1"])
        .member("F1", "O1", until=AS_OF),
        {"O1": ("covered", ["L1"], days(-10)), "F1": ("uncovered", [], None)},
    ),
    Case(
        "membership_starting_after_T_is_closed",
        base()
        .org("O1")
        .figure("F1")
        .contact("L1", "O1")
        .interaction("I1", days(-10), ["L1"], ["O1"])
        .member("F1", "O1", since=days(1)),
        {"O1": ("covered", ["L1"], days(-10)), "F1": ("uncovered", [], None)},
    ),
    Case(
        "membership_until_T_plus_1_is_open",
        base()
        .org("O1")
        .figure("F1")
        .contact("L1", "F1")
        .interaction("I1", days(-10), ["L1"], ["F1"])
        .member("F1", "O1", since=dt.date(2020, 1, 1), until=days(1)),
        {"F1": ("covered", ["L1"], days(-10)), "O1": ("indirect", [], None)},
    ),
    Case(
        "no_two_hops",
        # F1 covered -> O1 indirect; F2 (another member of O1) gets nothing from F1.
        base()
        .org("O1")
        .figure("F1")
        .figure("F2")
        .contact("L1", "F1")
        .interaction("I1", days(-10), ["L1"], ["F1"])
        .member("F1", "O1")
        .member("F2", "O1"),
        {
            "F1": ("covered", ["L1"], days(-10)),
            "O1": ("indirect", [], None),
            "F2": ("uncovered", [], None),
        },
    ),
    Case(
        "stale_target_is_not_made_indirect",
        base()
        .org("O1")
        .figure("F1")
        .contact("L1", "O1")
        .contact("L1", "F1")
        .interaction("I1", days(-10), ["L1"], ["O1"])
        .member("F1", "O1"),
        {"O1": ("covered", ["L1"], days(-10)), "F1": ("stale", ["L1"], None)},
    ),
    Case(
        "stale_partner_gives_nothing",
        base().org("O1").figure("F1").contact("L1", "O1").member("F1", "O1"),
        {"O1": ("stale", ["L1"], None), "F1": ("uncovered", [], None)},
    ),
    Case(
        "indirect_partner_gives_nothing",
        base()
        .org("O1")
        .figure("F1")
        .interaction("I1", days(-10), ["L1"], ["O1"])
        .member("F1", "O1"),
        {"O1": ("indirect", [], days(-10)), "F1": ("uncovered", [], None)},
    ),
    Case(
        "out_of_office_covered_partner_is_not_covered",
        base()
        .org("O1")
        .figure("F1")
        .contact("L9", "O1")
        .interaction("I1", dt.date(2024, 1, 1), ["L9"], ["O1"])
        .member("F1", "O1"),
        {"O1": ("uncovered", [], dt.date(2024, 1, 1)), "F1": ("uncovered", [], None)},
    ),
    # --- other as_of / window values
    Case(
        "window_zero_keeps_only_T",
        assigned_f1()
        .figure("F2")
        .contact("L1", "F2")
        .interaction("I1", AS_OF, ["L1"], ["F1"])
        .interaction("I2", days(-1), ["L1"], ["F2"]),
        {"F1": ("covered", ["L1"], AS_OF), "F2": ("stale", ["L1"], days(-1))},
        window=0,
    ),
    Case(
        "window_30",
        assigned_f1()
        .figure("F2")
        .contact("L1", "F2")
        .interaction("I1", dt.date(2026, 5, 31), ["L1"], ["F1"])
        .interaction("I2", dt.date(2026, 5, 30), ["L1"], ["F2"]),
        {
            "F1": ("covered", ["L1"], dt.date(2026, 5, 31)),
            "F2": ("stale", ["L1"], dt.date(2026, 5, 30)),
        },
        window=30,
    ),
    Case(
        "earlier_as_of_sees_less",
        assigned_f1(since=dt.date(2026, 1, 1)).interaction(
            "I1", dt.date(2026, 2, 1), ["L1"], ["F1"]
        ),
        {"F1": ("uncovered", [], None)},
        as_of=dt.date(2025, 12, 31),
    ),
]


def hand_view(targets: dict[str, oracle.Target]) -> Expect:
    return {t: (s.status, list(s.assigned_leaders), s.last_contact) for t, s in targets.items()}


def cli_view(answer: dict[str, Any]) -> Expect:
    return {
        i["id"]: (
            i["status"],
            i["assigned_leaders"],
            dt.date.fromisoformat(i["last_contact"]) if i["last_contact"] else None,
        )
        for i in answer["items"]
    }


class TestStatusRules:
    """Each case: hand answer == oracle == CLI (gap list with all statuses)."""

    @pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
    def test_oracle_matches_hand(self, case: Case) -> None:
        assert hand_view(oracle.evaluate(case.data, case.as_of, case.window)) == case.expect

    @pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
    def test_cli_matches_hand(self, case: Case, concentric: Concentric, tmp_path: Path) -> None:
        concentric.load(write_dataset(case.data, tmp_path / "ds"))
        answer = concentric.gaps(as_of=case.as_of, window_days=case.window)
        assert cli_view(answer) == case.expect
        # Same data, the full answers: item order and the summary counts as well.
        expected = oracle.gaps(case.data, case.as_of, case.window, statuses=oracle.STATUSES)
        assert gap_items(answer) == expected["items"]
        assert concentric.coverage(case.as_of, case.window) == oracle.coverage(
            case.data, case.as_of, case.window
        )


# --------------------------------------------------------------------------- roll-up & filters


def district() -> Dataset:
    """Areas A0 > (A1 > A2, A3); eight targets with all four statuses.

    F1 ethnic A2 covered       F2 religious A1 stale      F3 private_economy A3 indirect
    F4 ethnic (no area) uncov. O1 party_branch A1 uncov.  O2 religious_venue A2 stale
    U1 university A3 uncovered U2 hospital A2 covered
    """
    return (
        Dataset()
        .area("A0", "district")
        .area("A1", "town", "A0")
        .area("A2", "community", "A1")
        .area("A3", "subdistrict", "A0")
        .leader("L1")
        .leader("L2")
        .figure("F1", "ethnic", "A2")
        .figure("F2", "religious", "A1")
        .figure("F3", "private_economy", "A3")
        .figure("F4", "ethnic", None)
        .org("O1", "party_branch", "A1")
        .org("O2", "religious_venue", "A2")
        .unit("U1", "university", "A3")
        .unit("U2", "hospital", "A2")
        .contact("L1", "F1")
        .contact("L1", "F2")
        .contact("L2", "O2")
        .contact("L2", "U2")
        .interaction("I1", days(-10), ["L1"], ["F1"])
        .interaction("I2", days(-20), ["L2"], ["F3"])
        .interaction("I3", days(-500), ["L2"], ["O2"])
        .interaction("I4", days(-1), ["L2"], ["U2"])
    )


def counts(targets: int, covered: int, stale: int, indirect: int, uncovered: int) -> dict[str, int]:
    assert targets == covered + stale + indirect + uncovered  # guards the hand arithmetic
    return {
        "targets": targets,
        "covered": covered,
        "stale": stale,
        "indirect": indirect,
        "uncovered": uncovered,
    }


ZERO = counts(0, 0, 0, 0, 0)

DISTRICT_COVERAGE: dict[str, Any] = {
    "as_of": "2026-06-30",
    "window_days": 365,
    "totals": counts(8, 2, 2, 1, 3),
    "by_kind": {
        "figure": counts(4, 1, 1, 1, 1),
        "organization": counts(2, 0, 1, 0, 1),
        "unit": counts(2, 1, 0, 0, 1),
    },
    "by_category": {c: ZERO for c in CATEGORIES}
    | {
        "ethnic": counts(2, 1, 0, 0, 1),
        "religious": counts(1, 0, 1, 0, 0),
        "private_economy": counts(1, 0, 0, 1, 0),
    },
    "by_line": {
        "center": ZERO,
        "cooperation": counts(1, 0, 0, 0, 1),  # O1
        "guidance": counts(4, 1, 2, 0, 1),  # F1 F2 F4 O2
        "service": counts(1, 0, 0, 1, 0),  # F3
        "union": counts(2, 1, 0, 0, 1),  # U1 U2
    },
    # A target counts in its own area and every ancestor; F4 (no area) in none.
    "by_area": {
        "A0": counts(7, 2, 2, 1, 2),
        "A1": counts(5, 2, 2, 0, 1),
        "A2": counts(3, 2, 1, 0, 0),
        "A3": counts(2, 0, 0, 1, 1),
    },
}


class TestSummary:
    def test_oracle_matches_hand(self) -> None:
        assert oracle.coverage(district(), AS_OF, WINDOW) == DISTRICT_COVERAGE

    def test_rollup_to_ancestor_areas(self, concentric: Concentric, tmp_path: Path) -> None:
        concentric.load(write_dataset(district(), tmp_path / "ds"))
        assert concentric.coverage() == DISTRICT_COVERAGE

    def test_empty_area_has_zero_counts(self, concentric: Concentric, tmp_path: Path) -> None:
        ds = district().area("A9", "village", "A3")
        concentric.load(write_dataset(ds, tmp_path / "ds"))
        got = concentric.coverage()
        assert got["by_area"]["A9"] == ZERO
        assert got["by_area"]["A3"] == DISTRICT_COVERAGE["by_area"]["A3"]

    def test_gap_item_shape(self, concentric: Concentric, tmp_path: Path) -> None:
        concentric.load(write_dataset(district(), tmp_path / "ds"))
        items = {i["id"]: i for i in gap_items(concentric.gaps())}
        assert items["U1"] == {
            "id": "U1",
            "name": "单位U1",
            "kind": "unit",
            "category": None,
            "area_id": "A3",
            "status": "uncovered",
            "assigned_leaders": [],
            "last_contact": None,
        }
        assert items["F4"]["area_id"] is None and items["F4"]["category"] == "ethnic"
        assert items["O2"] == {
            "id": "O2",
            "name": "组织O2",
            "kind": "organization",
            "category": None,
            "area_id": "A2",
            "status": "stale",
            "assigned_leaders": ["L2"],
            "last_contact": "2025-02-15",  # T - 500
        }


def every_kind() -> Dataset:
    """One figure per category, one organization per kind, one unit per kind; nothing covered."""
    ds = Dataset().area("A0", "district")
    for i, c in enumerate(CATEGORIES):
        ds.figure(f"F{i:02}", c, "A0")
    for i, k in enumerate(ORG_KINDS):
        ds.org(f"O{i:02}", k, "A0")
    for i, k in enumerate(UNIT_KINDS):
        ds.unit(f"U{i:02}", k, "A0")
    return ds


# Section 2 table, counted by hand: figures + organizations (+ units for union).
EXPECTED_LINE_TARGETS = {
    "center": 0,
    "cooperation": 3 + 1,
    "guidance": 2 + 3,
    "service": 1 + 2,
    "union": 6 + 4 + 7,
}


class TestLines:
    def test_line_counts(self, concentric: Concentric, tmp_path: Path) -> None:
        ds = every_kind()
        assert len(ds["figures"]) + len(ds["organizations"]) + len(ds["units"]) == 29
        concentric.load(write_dataset(ds, tmp_path / "ds"))
        got = concentric.coverage()
        assert got["totals"] == counts(29, 0, 0, 0, 29)
        assert got["by_kind"] == {
            "figure": counts(12, 0, 0, 0, 12),
            "organization": counts(10, 0, 0, 0, 10),
            "unit": counts(7, 0, 0, 0, 7),
        }
        assert got["by_category"] == {c: counts(1, 0, 0, 0, 1) for c in CATEGORIES}
        assert got["by_line"] == {
            ln: counts(n, 0, 0, 0, n) for ln, n in EXPECTED_LINE_TARGETS.items()
        }
        assert got == oracle.coverage(ds, AS_OF, WINDOW)

    @pytest.mark.parametrize(
        ("line", "ids"),
        [
            ("center", []),
            ("cooperation", ["F00", "F01", "F02", "O00"]),
            ("guidance", ["F03", "F04", "O03", "O04", "O05"]),
            ("service", ["F05", "O01", "O02"]),
            (
                "union",
                ["F06", "F07", "F08", "F09", "F10", "F11", "O06", "O07", "O08", "O09"]
                + [f"U0{i}" for i in range(7)],
            ),
        ],
    )
    def test_gaps_by_line(
        self, line: str, ids: list[str], concentric: Concentric, tmp_path: Path
    ) -> None:
        ds = every_kind()
        concentric.load(write_dataset(ds, tmp_path / "ds"))
        assert gap_ids(concentric.gaps("--line", line)) == ids
        assert ids == gap_ids(oracle.gaps(ds, AS_OF, WINDOW, statuses=oracle.STATUSES, line=line))


ALL = oracle.ALL_STATUSES

GAP_FILTERS: list[tuple[str, str | None, list[str], list[str]]] = [
    # (test id, --status value or None for no flag at all, other CLI filters,
    #  expected ids in answer order: status uncovered, stale, indirect, covered, then id)
    ("default_status", None, [], ["F4", "O1", "U1", "F2", "O2"]),
    ("all", ALL, [], ["F4", "O1", "U1", "F2", "O2", "F3", "F1", "U2"]),
    ("covered", "covered", [], ["F1", "U2"]),
    ("indirect_covered", "indirect,covered", [], ["F3", "F1", "U2"]),
    ("kind_unit", ALL, ["--kind", "unit"], ["U1", "U2"]),
    ("kind_figure", ALL, ["--kind", "figure"], ["F4", "F2", "F3", "F1"]),
    ("kind_org_uncovered", "uncovered", ["--kind", "organization"], ["O1"]),
    ("category_code", ALL, ["--category", "ethnic"], ["F4", "F1"]),
    ("category_label", ALL, ["--category", "少数民族人士"], ["F4", "F1"]),
    ("category_religious", ALL, ["--category", "religious"], ["F2"]),
    ("line_guidance", ALL, ["--line", "guidance"], ["F4", "F2", "O2", "F1"]),
    ("line_service", ALL, ["--line", "service"], ["F3"]),
    ("line_cooperation", ALL, ["--line", "cooperation"], ["O1"]),
    ("line_union", ALL, ["--line", "union"], ["U1", "U2"]),
    ("line_center", ALL, ["--line", "center"], []),
    ("area_town_and_below", ALL, ["--area", "A1"], ["O1", "F2", "O2", "F1", "U2"]),
    ("area_leaf", ALL, ["--area", "A2"], ["O2", "F1", "U2"]),
    ("area_root", ALL, ["--area", "A0"], ["O1", "U1", "F2", "O2", "F3", "F1", "U2"]),
    ("area_other_branch", ALL, ["--area", "A3"], ["U1", "F3"]),
    ("default_status_in_area", None, ["--area", "A3"], ["U1"]),
    ("combined", "stale,covered", ["--area", "A1", "--kind", "figure"], ["F2", "F1"]),
]


def oracle_filters(status: str | None, args: list[str]) -> dict[str, Any]:
    """Translate CLI filter arguments into oracle keywords."""
    kw: dict[str, Any] = {"statuses": status.split(",") if status else ("uncovered", "stale")}
    names = {"--kind": "kind", "--category": "category", "--line": "line", "--area": "area"}
    for flag, value in zip(args[::2], args[1::2], strict=True):
        kw[names[flag]] = value
    return kw


class TestGapFilters:
    @pytest.mark.parametrize(
        ("name", "status", "args", "ids"), GAP_FILTERS, ids=[g[0] for g in GAP_FILTERS]
    )
    def test_oracle_matches_hand(
        self, name: str, status: str | None, args: list[str], ids: list[str]
    ) -> None:
        answer = oracle.gaps(district(), AS_OF, WINDOW, **oracle_filters(status, args))
        assert gap_ids(answer) == ids

    @pytest.mark.parametrize(
        ("name", "status", "args", "ids"), GAP_FILTERS, ids=[g[0] for g in GAP_FILTERS]
    )
    def test_cli(
        self,
        name: str,
        status: str | None,
        args: list[str],
        ids: list[str],
        concentric: Concentric,
        tmp_path: Path,
    ) -> None:
        concentric.load(write_dataset(district(), tmp_path / "ds"))
        answer = concentric.gaps(*args, status=status)
        assert gap_ids(answer) == ids
        assert answer["as_of"] == "2026-06-30" and answer["window_days"] == 365

    @pytest.mark.parametrize(
        "args",
        [
            ["gaps", "--status", "bogus"],
            ["gaps", "--status", "covered,nope"],
            ["gaps", "--area", "NO_SUCH_AREA"],
            ["gaps", "--as-of", "2026-02-30"],
            ["gaps", "--as-of", "yesterday"],
            ["gaps", "--kind", "leader"],
            ["gaps", "--line", "nowhere"],
            ["gaps", "--category", "astronaut"],
            ["gaps", "--window-days", "many"],
            ["coverage", "--as-of", "2026-13-01"],
            ["coverage", "--as-of", "soon"],
        ],
        ids=lambda a: "_".join(a),
    )
    def test_bad_arguments_exit_2(
        self, args: list[str], concentric: Concentric, tmp_path: Path
    ) -> None:
        concentric.load(write_dataset(district(), tmp_path / "ds"))
        result = concentric.run(args[0], "--store", concentric.store, "--json", *args[1:])
        assert_usage_error(result)
        # The CLI contract: "exit 2, one-line message on stderr".
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr


# --------------------------------------------------------------------------- as_of, window, policy


def one_contact() -> Dataset:
    """L1 -> F1 from 2026-01-01; one interaction on 2026-02-01."""
    return (
        base()
        .figure("F1")
        .contact("L1", "F1", since=dt.date(2026, 1, 1))
        .interaction("I1", dt.date(2026, 2, 1), ["L1"], ["F1"])
    )


class TestAsOfAndWindow:
    @pytest.mark.parametrize(
        ("as_of", "window", "status"),
        [
            (dt.date(2026, 6, 30), 365, "covered"),
            (dt.date(2025, 12, 31), 365, "uncovered"),  # contact not yet open, I1 in future
            (dt.date(2026, 1, 15), 365, "stale"),  # contact open, I1 still in the future
            (dt.date(2026, 2, 1), 0, "covered"),  # window of 0 days = T itself
            (dt.date(2027, 2, 1), 365, "covered"),  # T - W = 2026-02-01 exactly
            (dt.date(2027, 2, 2), 365, "stale"),
            (dt.date(2026, 6, 30), 149, "covered"),  # 2026-06-30 - 149 days = 2026-02-01
            (dt.date(2026, 6, 30), 148, "stale"),
        ],
    )
    def test_as_of_and_window_days(
        self,
        as_of: dt.date,
        window: int,
        status: str,
        concentric: Concentric,
        tmp_path: Path,
    ) -> None:
        ds = one_contact()
        assert oracle.evaluate(ds, as_of, window)["F1"].status == status
        concentric.load(write_dataset(ds, tmp_path / "ds"))
        answer = concentric.gaps(as_of=as_of, window_days=window)
        assert [(i["id"], i["status"]) for i in answer["items"]] == [("F1", status)]
        assert (answer["as_of"], answer["window_days"]) == (as_of.isoformat(), window)
        summary = concentric.coverage(as_of, window)
        assert (summary["as_of"], summary["window_days"]) == (as_of.isoformat(), window)
        assert summary["totals"][status] == 1

    def test_default_window_is_365(self, concentric: Concentric, tmp_path: Path) -> None:
        concentric.load(write_dataset(one_contact(), tmp_path / "ds"))
        # 2027-02-01 - 365 days = 2026-02-01: covered with 365, stale with anything shorter.
        summary = concentric.coverage(dt.date(2027, 2, 1), None)
        assert summary["window_days"] == 365
        assert summary["totals"]["covered"] == 1
        assert concentric.gaps(as_of=dt.date(2027, 2, 1), window_days=None)["window_days"] == 365

    def test_policy_yaml_sets_window(self, concentric: Concentric, tmp_path: Path) -> None:
        # F1 seen on T - 30 (inside a 30-day window), F2 on T - 31 (outside).
        ds = (
            base()
            .figure("F1")
            .figure("F2")
            .contact("L1", "F1")
            .contact("L1", "F2")
            .interaction("I1", dt.date(2026, 5, 31), ["L1"], ["F1"])
            .interaction("I2", dt.date(2026, 5, 30), ["L1"], ["F2"])
        )
        ds.policy = {"window_days": 30}
        concentric.load(write_dataset(ds, tmp_path / "ds"))
        summary = concentric.coverage(AS_OF, None)
        assert summary["window_days"] == 30
        assert summary["totals"] == counts(2, 1, 1, 0, 0)
        answer = concentric.gaps(window_days=None)
        assert answer["window_days"] == 30
        assert [(i["id"], i["status"]) for i in answer["items"]] == [
            ("F2", "stale"),
            ("F1", "covered"),
        ]
        # An explicit --window-days still wins over the policy.
        assert concentric.coverage(AS_OF, 365)["totals"] == counts(2, 2, 0, 0, 0)


# --------------------------------------------------------------------------- loading semantics


class TestLoadSemantics:
    def test_double_load_is_idempotent(self, concentric: Concentric, tmp_path: Path) -> None:
        folder = write_dataset(district(), tmp_path / "ds")
        concentric.load(folder)
        first = concentric.snapshot()
        concentric.load(folder)
        assert concentric.snapshot() == first
        assert first[0] == DISTRICT_COVERAGE

    def test_check_validates_only(self, concentric: Concentric, tmp_path: Path) -> None:
        concentric.load(write_dataset(district(), tmp_path / "ds"))
        before = concentric.snapshot()
        more = district().figure("F9", "taiwan", "A1").unit("U9", "soe", "A3")
        concentric.load(write_dataset(more, tmp_path / "more"), flags=("--check",))
        assert concentric.snapshot() == before

    @staticmethod
    def smaller() -> Dataset:
        """district() without F3, F4, U1 (and I2); F1 renamed; every reference still valid."""
        ds = district()
        ds.tables["figures"] = [r for r in ds["figures"] if r["id"] not in ("F3", "F4")]
        ds.tables["units"] = [r for r in ds["units"] if r["id"] != "U1"]
        ds.tables["interactions"] = [r for r in ds["interactions"] if r["id"] != "I2"]
        ds.row("figures", "id", "F1")["name"] = "新名字"
        return ds

    def test_replace_drops_missing_rows(self, concentric: Concentric, tmp_path: Path) -> None:
        concentric.load(write_dataset(district(), tmp_path / "big"))
        concentric.load(
            write_dataset(self.smaller(), tmp_path / "small"), flags=("--replace", "--yes")
        )
        answer = concentric.gaps()
        assert sorted(gap_ids(answer)) == ["F1", "F2", "O1", "O2", "U2"]
        assert concentric.coverage()["totals"] == counts(5, 2, 2, 0, 1)
        expected = oracle.gaps(self.smaller(), AS_OF, WINDOW, statuses=oracle.STATUSES)
        assert gap_items(answer) == expected["items"]

    def test_upsert_keeps_missing_rows_and_updates(
        self, concentric: Concentric, tmp_path: Path
    ) -> None:
        concentric.load(write_dataset(district(), tmp_path / "big"))
        concentric.load(write_dataset(self.smaller(), tmp_path / "small"))
        items = {i["id"]: i for i in gap_items(concentric.gaps())}
        assert sorted(items) == ["F1", "F2", "F3", "F4", "O1", "O2", "U1", "U2"]
        assert items["F1"]["name"] == "新名字"  # upserted by id
        assert items["F3"]["status"] == "indirect"  # I2 was kept too
        assert concentric.coverage() == DISTRICT_COVERAGE

    def test_upsert_edge_by_natural_key(self, concentric: Concentric, tmp_path: Path) -> None:
        # The contact (L1, F2, since empty) is loaded again with an `until` before T: the same
        # edge is updated (F2 no longer assigned), not duplicated next to the open one.
        concentric.load(write_dataset(district(), tmp_path / "big"))
        ds = district()
        ds.row("contacts", "target_id", "F2")["until"] = days(-1)
        concentric.load(write_dataset(ds, tmp_path / "closed"))
        items = {i["id"]: i for i in gap_items(concentric.gaps())}
        assert (items["F2"]["status"], items["F2"]["assigned_leaders"]) == ("uncovered", [])
        assert concentric.coverage() == oracle.coverage(ds, AS_OF, WINDOW)

"""The yearly assessment: rules in the policy (checked field by field) and the scorecard,
against values worked out by hand from the rules in docs/assessment.md."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from conftest import Run
from hypothesis import given, settings
from hypothesis import strategies as st

from concentric.graph.engine.assessment import AssessmentData, assessment, scorecard
from concentric.graph.schema.schema import SCHEMA

D = dt.date
RULES = SCHEMA.default_policy.assessment


def world() -> AssessmentData:
    """L1 in office all year in town T1; L2 left on 1 July 2026 (in office 181 days of
    365), in charge of village V1 under T1."""
    return AssessmentData(
        leaders={
            "L1": {"name": "甲", "department": "区委", "area_id": "T1", "in_office": True},
            "L2": {
                "name": "乙",
                "department": "统战部",
                "area_id": "V1",
                "in_office": False,
                "until": D(2026, 7, 1),
            },
        },
        targets={
            "F1": ("figure", "religious", "人一"),
            "F2": ("figure", "ethnic", "人二"),
            "F3": ("figure", "non_party", "人三"),
            "O1": ("organization", "religious_venue", "寺一"),
            "O2": ("organization", "party_branch", "支部"),
            "U1": ("unit", "hospital", "医院"),
        },
        contacts=[
            ("L1", "F1", None, None),
            ("L1", "F2", D(2025, 1, 1), None),
            ("L1", "O1", None, None),
            ("L2", "F3", None, None),
        ],
        interactions=[
            ("I1", D(2026, 1, 1), "visit", ("L1",), ("O1",)),
            ("I2", D(2026, 12, 31), "study", ("L1",), ("O2",)),
            ("I3", D(2025, 12, 31), "study", ("L1",), ("O2",)),
            ("I4", D(2026, 5, 5), "meeting", ("L1", "L2"), ("F1", "F2")),
            ("I5", D(2026, 3, 3), "visit", ("L2",), ("U1",)),
            ("I6", D(2026, 8, 1), "visit", ("L2",), ("U1",)),  # after L2 left
            ("I7", D(2026, 2, 2), "visit", ("L1",), ("F1",)),  # a figure: no unit visit
        ],
        areas={"T1": (None, "镇一", "town"), "V1": ("T1", "村一", "village")},
    )


def by_code(card: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["code"]: c for c in card["criteria"]}


def leaders(answer: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {card["id"]: card for card in answer["leaders"]}


def test_whole_year_leader_by_hand() -> None:
    card = leaders(scorecard(world(), RULES, 2026))["L1"]
    crit = by_code(card)
    # study: I2 on 31 December counts, I3 on 31 December 2025 does not: 1 of 2 -> 1 × 1/2
    assert (crit["study"]["value"], crit["study"]["required"], crit["study"]["points"]) == (
        1,
        2,
        0.5,
    )
    assert [e["interaction_id"] for e in crit["study"]["evidence"]] == ["I2"]
    assert crit["study"]["evidence"][0]["with"] == [{"id": "O2", "name": "支部"}]
    # activities: the meeting I4: 1 of 2 -> 0.5
    assert (crit["activities"]["value"], crit["activities"]["points"]) == (1, 0.5)
    # friends: F1 and F2 (O1 is no figure) both met: share 1 -> 2 points
    assert (crit["friends"]["value"], crit["friends"]["points"], crit["friends"]["met"]) == (
        1.0,
        2.0,
        True,
    )
    assert {e["target_id"]: e["date"] for e in crit["friends"]["evidence"]} == {
        "F1": "2026-02-02",  # I7 before I4
        "F2": "2026-05-05",
    }
    # visits: I1 on 1 January (O1) counts, I7 (a figure) does not: 1 of 4 -> 2 × 1/4
    assert (crit["visits"]["value"], crit["visits"]["required"], crit["visits"]["points"]) == (
        1,
        4,
        0.5,
    )
    assert card["total"] == 3.5
    assert card["met_all"] is False
    assert card["period"] == {
        "start": "2026-01-01",
        "end": "2026-12-31",
        "days": 365,
        "partial": False,
        "note": None,
    }


def test_leader_who_left_mid_year_by_hand() -> None:
    card = leaders(scorecard(world(), RULES, 2026))["L2"]
    crit = by_code(card)
    assert card["period"]["partial"] is True and card["period"]["note"] == "left"
    assert (card["period"]["end"], card["period"]["days"]) == ("2026-06-30", 181)
    # required: ceil(2 × 181/365) = 1, ceil(4 × 181/365) = 2
    assert crit["study"]["required"] == 1 and crit["visits"]["required"] == 2
    assert (crit["activities"]["value"], crit["activities"]["points"]) == (1, 1.0)
    # I6 falls after leaving: only I5
    assert (crit["visits"]["value"], crit["visits"]["points"]) == (1, 1.0)
    assert (crit["friends"]["value"], crit["friends"]["points"]) == (0.0, 0.0)
    assert card["total"] == 2.0


def test_previous_year_and_roll_ups_by_hand() -> None:
    answer = assessment(world(), RULES, 2026)
    cards = leaders(answer)
    # 2025: L1 has I3 (study, 0.5) and met neither assigned figure; L2 nothing
    assert (cards["L1"]["previous"], cards["L1"]["change"]) == (0.5, 3.0)
    assert (cards["L2"]["previous"], cards["L2"]["change"]) == (0.0, 2.0)
    departments = {d["key"]: (d["leaders"], d["mean_total"]) for d in answer["departments"]}
    assert departments == {"区委": (1, 3.5), "统战部": (1, 2.0)}
    # V1 lies in T1: both leaders roll up to the town
    assert [(t["key"], t["leaders"], t["mean_total"]) for t in answer["towns"]] == [("T1", 2, 2.75)]


def test_year_in_progress_measures_up_to_as_of() -> None:
    card = leaders(scorecard(world(), RULES, 2026, as_of=D(2026, 6, 30)))["L1"]
    crit = by_code(card)
    assert crit["study"]["value"] == 0  # I2 is in December
    assert crit["study"]["on_track"] is False  # 0 < 2 × 181/365
    assert crit["friends"]["on_track"] is True
    assert card["on_track"] is False


def test_changing_a_rule_changes_the_scorecard() -> None:
    policy = SCHEMA.policy_from(
        {
            "assessment": {
                "criteria": {
                    "visits": {
                        "label": "走访",
                        "measure": "count",
                        "interaction_kinds": ["visit"],
                        "min_count": 1,
                        "weight": 2,
                    }
                }
            }
        }
    )
    crit = by_code(leaders(scorecard(world(), policy.assessment, 2026))["L1"])
    # any target now: I1 and I7, 2 ≥ 1 -> full 2 points
    assert (crit["visits"]["value"], crit["visits"]["points"]) == (2, 2.0)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"points": 7}, "assessment: the weights add up to 6, not to points 7"),
        (
            {"criteria": {"study": {"label": "学", "measure": "count", "weight": 1}}},
            "assessment.criteria.study.min_count must be a whole number ≥ 1, not None",
        ),
        (
            {
                "criteria": {
                    "friends": {
                        "label": "交友",
                        "measure": "assigned_share",
                        "min_share": 1.5,
                        "weight": 2,
                    }
                }
            },
            "assessment.criteria.friends.min_share must be a number in (0, 1], not 1.5",
        ),
        ({"criteria": {"study": {"label": "学", "measure": "sum", "weight": 1}}}, "measure"),
        ({"colour": 1}, "assessment: unknown setting 'colour'"),
    ],
)
def test_bad_rules_are_refused_naming_the_field(overrides: dict[str, Any], message: str) -> None:
    problems = SCHEMA.policy_problems({"assessment": overrides})
    assert any(message in p for p in problems), problems


def test_default_weights_add_up_to_six() -> None:
    assert RULES.points == 6
    assert sum(c.weight for c in RULES.criteria.values()) == 6


# -- properties ---------------------------------------------------------------------------

TARGETS = sorted(world().targets)
KINDS = list(SCHEMA.enumerations["interaction_kind"])
interactions = st.lists(
    st.tuples(
        st.dates(D(2025, 12, 25), D(2027, 1, 5)),
        st.sampled_from(KINDS),
        st.lists(st.sampled_from(["L1", "L2"]), min_size=1, max_size=2, unique=True),
        st.lists(st.sampled_from(TARGETS), min_size=1, max_size=3, unique=True),
    ),
    max_size=12,
)


def with_interactions(extra: list[tuple[Any, ...]]) -> AssessmentData:
    data = world()
    data.interactions = data.interactions + [
        (f"X{n}", day, kind, tuple(who), tuple(whom))
        for n, (day, kind, who, whom) in enumerate(extra)
    ]
    return data


@settings(max_examples=60, deadline=None)
@given(interactions)
def test_points_never_exceed_the_weights(extra: list[tuple[Any, ...]]) -> None:
    for card in scorecard(with_interactions(extra), RULES, 2026)["leaders"]:
        for row in card["criteria"]:
            assert 0 <= row["points"] <= RULES.criteria[row["code"]].weight
        assert card["total"] <= RULES.points


@settings(max_examples=60, deadline=None)
@given(interactions, interactions.filter(bool))
def test_adding_an_interaction_never_lowers_a_score(
    before: list[tuple[Any, ...]], added: list[tuple[Any, ...]]
) -> None:
    was = {
        c["id"]: c["total"] for c in scorecard(with_interactions(before), RULES, 2026)["leaders"]
    }
    now = {
        c["id"]: c["total"]
        for c in scorecard(with_interactions(before + added), RULES, 2026)["leaders"]
    }
    for lead, total in was.items():
        assert now[lead] >= total


# -- the command, over the same world loaded from files -----------------------------------


def write_world(folder: Path, policy: str | None = None) -> Path:
    """``world()`` as the CSV files an office would load (and a policy.yaml if given)."""
    data = world()
    folder.mkdir(parents=True, exist_ok=True)

    def table(name: str, rows: list[dict[str, Any]]) -> None:
        with (folder / name).open("w", encoding="utf-8", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)

    table(
        "areas.csv",
        [
            {"id": a, "name": name, "kind": kind, "parent_id": parent or ""}
            for a, (parent, name, kind) in data.areas.items()
        ],
    )
    table(
        "leaders.csv",
        [
            {
                "id": lead,
                "name": row["name"],
                "department": row["department"],
                "area_id": row["area_id"],
                "in_office": "yes" if row["in_office"] else "no",
                "until": row.get("until") or "",
            }
            for lead, row in data.leaders.items()
        ],
    )
    for kind, file, column in (
        ("figure", "figures.csv", "category"),
        ("organization", "organizations.csv", "kind"),
        ("unit", "units.csv", "kind"),
    ):
        table(
            file,
            [
                {"id": t, "name": name, column: subtype}
                for t, (k, subtype, name) in data.targets.items()
                if k == kind
            ],
        )
    table(
        "contacts.csv",
        [
            {"leader_id": lead, "target_id": t, "since": since or "", "until": until or ""}
            for lead, t, since, until in data.contacts
        ],
    )
    table(
        "interactions.csv",
        [
            {
                "id": i,
                "date": day,
                "kind": kind,
                "leader_ids": ";".join(who),
                "target_ids": ";".join(whom),
            }
            for i, day, kind, who, whom in data.interactions
        ],
    )
    if policy is not None:
        (folder / "policy.yaml").write_text(policy, encoding="utf-8")
    return folder


VISITS_ANY_TARGET = """
assessment:
  criteria:
    visits: {label: 走访, measure: count, interaction_kinds: [visit], min_count: 1, weight: 2}
"""


def assess_json(cli: Run, folder: Path, store: Path) -> dict[str, Any]:
    loaded = cli("load", folder, "--store", store)
    assert loaded.exit_code == 0, loaded.output
    result = cli("assess", "--year", "2026", "--as-of", "2027-01-01", "--json", "--store", store)
    assert result.exit_code == 0, result.output
    answer: dict[str, Any] = json.loads(result.stdout)
    return answer


def test_assess_command_from_loaded_files(cli: Run, tmp_path: Path) -> None:
    answer = assess_json(cli, write_world(tmp_path / "d"), tmp_path / "c.db")
    totals = {c["id"]: (c["total"], c["previous"], c["period"]["note"]) for c in answer["leaders"]}
    assert totals == {"L1": (3.5, 0.5, None), "L2": (2.0, 0.0, "left")}
    book = tmp_path / "a.xlsx"
    written = cli(
        "assess",
        "--year",
        "2026",
        "--as-of",
        "2027-01-01",
        "--xlsx",
        book,
        "--store",
        tmp_path / "c.db",
    )
    assert written.exit_code == 0, written.output
    sheets = openpyxl.load_workbook(book)
    assert sheets.sheetnames == ["考核细则", "领导", "佐证", "单位", "乡镇街道"]
    rows = {r[0]: r for r in sheets["领导"].iter_rows(min_row=3, values_only=True)}
    width = len(RULES.criteria)
    assert rows["L1"][4 + 2 * width] == 3.5 and rows["L2"][4 + 2 * width] == 2.0
    assert "年内离任" in rows["L2"][3]
    evidence = [r[3] for r in sheets["佐证"].iter_rows(min_row=3, values_only=True)]
    assert "2026-12-31 政策学习 支部 (I2)" in evidence


def test_a_rule_in_policy_yaml_changes_the_scorecard(cli: Run, tmp_path: Path) -> None:
    answer = assess_json(cli, write_world(tmp_path / "d", VISITS_ANY_TARGET), tmp_path / "c.db")
    l1 = by_code(leaders(answer)["L1"])
    assert (l1["visits"]["value"], l1["visits"]["points"]) == (2, 2.0)
    assert leaders(answer)["L1"]["total"] == 5.0  # 3.5 - 0.5 + 2


def test_weights_that_do_not_add_up_are_refused_at_load(cli: Run, tmp_path: Path) -> None:
    folder = write_world(tmp_path / "d", "assessment: {points: 8}\n")
    result = cli("load", folder, "--store", tmp_path / "c.db")
    assert result.exit_code == 2
    assert "assessment: the weights add up to 6, not to points 8" in result.output


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 12), st.sampled_from([0.5, 1.0, 1.5, 2.0]))
def test_a_count_rule_from_the_policy_sets_requirement_and_points(
    min_count: int, weight: float
) -> None:
    """L1 made 1 visit to an organization or unit in 2026 (I1; I7 met a figure): by the
    written rule its points are weight × min(1, 1 / min_count)."""
    visits = {
        "label": "走访",
        "measure": "count",
        "interaction_kinds": ["visit"],
        "targets": {"organization_kinds": "all", "unit_kinds": "all"},
        "min_count": min_count,
        "weight": weight,
    }
    overrides = {"points": 4 + weight, "criteria": {"visits": visits}}
    assert SCHEMA.assessment_problems(overrides) == []
    rules = SCHEMA.policy_from({"assessment": overrides}).assessment
    row = by_code(leaders(scorecard(world(), rules, 2026))["L1"])["visits"]
    assert row["required"] == min_count
    assert row["points"] == round(weight * min(1.0, 1 / min_count), 2)
    assert row["met"] is (min_count == 1)

"""Bad input (spec section 1): every kind of problem is reported as `FILE:LINE: COLUMN: MESSAGE`,
all of them at once, with exit 2, no traceback, and nothing written to the store.

Each case edits a copy of a good dataset that also carries an extra, valid figure F9 (with a
contact and an interaction), so a load that half-applied would change the coverage answer.
Line numbers are computed from row positions: row i of a table is on line i + 2.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from conftest import Concentric, Problem, days, problems
from oracle import COLUMNS, FORMATS, Dataset, Format, write_dataset, write_table


def good() -> Dataset:
    return (
        Dataset()
        .area("A0", "district")
        .area("A1", "town", "A0")
        .area("A2", "community", "A1")
        .leader("L1", lines=["cooperation"], quota_min=2, quota_max=9)
        .leader("L2", in_office=False)
        .figure("F1", "ethnic", "A1", reserve=True)
        .figure("F2", "religious", "A2")
        .figure("F3", "non_party")
        .org("O1", "party_branch", "A1")
        .unit("U1", "university", "A0", level="provincial", joint_meeting=True)
        .member("F1", "O1", since=dt.date(2024, 1, 1), role="head")
        .contact("L1", "F1")
        .contact("L1", "O1", since=dt.date(2025, 1, 1))
        .interaction("I1", days(-10), ["L1"], ["F1", "O1"])
        .interaction("I2", days(-40), ["L2"], ["U1"])
        .relation("F1", "F2", "friend")
    )


def extended() -> Dataset:
    """good() plus F9, which a half-applied load would let through."""
    return (
        good()
        .figure("F9", "taiwan", "A2")
        .contact("L1", "F9")
        .interaction("I9", days(-2), ["L1"], ["F9"])
    )


# --------------------------------------------------------------------------- the cases


@dataclass(frozen=True)
class Want:
    """One expected problem: the English column, and the (table, line) places it may be
    reported at (a duplicate or a cycle may fairly be blamed on either row)."""

    column: str
    places: tuple[tuple[str, int], ...]


def edit(ds: Dataset, table: str, match: str | dict[str, Any], **changes: Any) -> int:
    """Change one row (found by id, or by column values); return its line number."""
    where = {"id": match} if isinstance(match, str) else match
    for i, row in enumerate(ds[table]):
        if all(row.get(k) == v for k, v in where.items()):
            row.update(changes)
            return i + 2
    raise LookupError((table, match))


def append(ds: Dataset, table: str, **row: Any) -> int:
    ds[table].append(row)
    return len(ds[table]) + 1


def at(column: str, table: str, line: int, *more: tuple[str, int]) -> Want:
    return Want(column, ((table, line), *more))


Mutation = Callable[[Dataset], list[Want]]
CASES: dict[str, Mutation] = {
    # unknown enum values
    "enum_category": lambda ds: [
        at("category", "figures", edit(ds, "figures", "F2", category="astronaut"))
    ],
    "enum_area_kind": lambda ds: [at("kind", "areas", edit(ds, "areas", "A2", kind="planet"))],
    "enum_org_kind": lambda ds: [
        at("kind", "organizations", edit(ds, "organizations", "O1", kind="club"))
    ],
    "enum_unit_kind": lambda ds: [at("kind", "units", edit(ds, "units", "U1", kind="castle"))],
    "enum_unit_level": lambda ds: [at("level", "units", edit(ds, "units", "U1", level="galactic"))],
    "enum_interaction_kind": lambda ds: [
        at("kind", "interactions", edit(ds, "interactions", "I1", kind="party"))
    ],
    "enum_contact_role": lambda ds: [
        at("role", "contacts", edit(ds, "contacts", {"target_id": "F1"}, role="boss"))
    ],
    "enum_membership_role": lambda ds: [
        at("role", "memberships", edit(ds, "memberships", {"figure_id": "F1"}, role="king"))
    ],
    "enum_leader_lines": lambda ds: [
        at("lines", "leaders", edit(ds, "leaders", "L1", lines=["cooperation", "nonsense"]))
    ],
    # missing required values
    "missing_figure_name": lambda ds: [at("name", "figures", edit(ds, "figures", "F2", name=None))],
    "missing_figure_id": lambda ds: [at("id", "figures", edit(ds, "figures", "F3", id=None))],
    "missing_area_kind": lambda ds: [at("kind", "areas", edit(ds, "areas", "A1", kind=None))],
    "missing_org_kind": lambda ds: [
        at("kind", "organizations", edit(ds, "organizations", "O1", kind=None))
    ],
    "missing_interaction_date": lambda ds: [
        at("date", "interactions", edit(ds, "interactions", "I2", date=None))
    ],
    "missing_interaction_leaders": lambda ds: [
        at("leader_ids", "interactions", edit(ds, "interactions", "I2", leader_ids=[]))
    ],
    "missing_contact_target": lambda ds: [
        at("target_id", "contacts", edit(ds, "contacts", {"target_id": "O1"}, target_id=None))
    ],
    "missing_membership_figure": lambda ds: [
        at("figure_id", "memberships", edit(ds, "memberships", {"org_id": "O1"}, figure_id=None))
    ],
    "missing_relation_kind": lambda ds: [
        at("kind", "relations", edit(ds, "relations", {"source_id": "F1"}, kind=None))
    ],
    # duplicate ids, within a table and across tables
    "duplicate_in_table": lambda ds: [
        at(
            "id",
            "figures",
            append(ds, "figures", id="F2", name="又一个", category="ethnic"),
            ("figures", 3),
        )
    ],
    "duplicate_leader_unit": lambda ds: [
        at(
            "id",
            "units",
            append(ds, "units", id="L1", name="同号单位", kind="soe"),
            ("leaders", 2),
        )
    ],
    "duplicate_figure_org": lambda ds: [
        at(
            "id",
            "organizations",
            append(ds, "organizations", id="F3", name="同号组织", kind="other"),
            ("figures", 4),
        )
    ],
    # references to unknown ids
    "ref_contact_target": lambda ds: [
        at("target_id", "contacts", edit(ds, "contacts", {"target_id": "F1"}, target_id="NOPE"))
    ],
    "ref_contact_leader": lambda ds: [
        at("leader_id", "contacts", edit(ds, "contacts", {"target_id": "F1"}, leader_id="L404"))
    ],
    "ref_figure_area": lambda ds: [
        at("area_id", "figures", edit(ds, "figures", "F1", area_id="A99"))
    ],
    "ref_leader_area": lambda ds: [
        at("area_id", "leaders", edit(ds, "leaders", "L1", area_id="A99"))
    ],
    "ref_area_parent": lambda ds: [
        at("parent_id", "areas", edit(ds, "areas", "A2", parent_id="A99"))
    ],
    "ref_org_parent": lambda ds: [
        at("parent_id", "organizations", edit(ds, "organizations", "O1", parent_id="O99"))
    ],
    "ref_interaction_target_in_list": lambda ds: [
        at(
            "target_ids",
            "interactions",
            edit(ds, "interactions", "I1", target_ids=["F1", "NOPE"]),
        )
    ],
    "ref_interaction_leader_in_list": lambda ds: [
        at(
            "leader_ids",
            "interactions",
            edit(ds, "interactions", "I1", leader_ids=["L1", "NOBODY"]),
        )
    ],
    "ref_membership_org": lambda ds: [
        at("org_id", "memberships", edit(ds, "memberships", {"figure_id": "F1"}, org_id="O99"))
    ],
    "ref_relation_target": lambda ds: [
        at("target_id", "relations", edit(ds, "relations", {"source_id": "F1"}, target_id="X1"))
    ],
    # bad dates
    "date_feb_30": lambda ds: [
        at("since", "contacts", edit(ds, "contacts", {"target_id": "F1"}, since="2026-02-30"))
    ],
    "date_word": lambda ds: [
        at("date", "interactions", edit(ds, "interactions", "I1", date="yesterday"))
    ],
    "date_month_13": lambda ds: [
        at("until", "memberships", edit(ds, "memberships", {"figure_id": "F1"}, until="2026/13/01"))
    ],
    "date_cjk_feb_30": lambda ds: [
        at("date", "interactions", edit(ds, "interactions", "I2", date="2026年2月30日"))
    ],
    "date_dotted": lambda ds: [
        at("since", "relations", edit(ds, "relations", {"source_id": "F1"}, since="31.12.2025"))
    ],
    # references to an id of the wrong kind
    "kind_contact_leader_is_figure": lambda ds: [
        at("leader_id", "contacts", edit(ds, "contacts", {"target_id": "F1"}, leader_id="F2"))
    ],
    "kind_contact_target_is_leader": lambda ds: [
        at("target_id", "contacts", edit(ds, "contacts", {"target_id": "F1"}, target_id="L2"))
    ],
    "kind_contact_target_is_area": lambda ds: [
        at("target_id", "contacts", edit(ds, "contacts", {"target_id": "F1"}, target_id="A1"))
    ],
    "kind_interaction_target_is_leader": lambda ds: [
        at("target_ids", "interactions", edit(ds, "interactions", "I1", target_ids=["F1", "L1"]))
    ],
    "kind_interaction_leader_is_unit": lambda ds: [
        at("leader_ids", "interactions", edit(ds, "interactions", "I2", leader_ids=["U1"]))
    ],
    "kind_membership_org_is_figure": lambda ds: [
        at("org_id", "memberships", edit(ds, "memberships", {"figure_id": "F1"}, org_id="F2"))
    ],
    "kind_membership_figure_is_org": lambda ds: [
        at("figure_id", "memberships", edit(ds, "memberships", {"org_id": "O1"}, figure_id="O1"))
    ],
    "kind_figure_area_is_org": lambda ds: [
        at("area_id", "figures", edit(ds, "figures", "F2", area_id="O1"))
    ],
    "kind_area_parent_is_figure": lambda ds: [
        at("parent_id", "areas", edit(ds, "areas", "A2", parent_id="F1"))
    ],
    "kind_relation_source_is_area": lambda ds: [
        at("source_id", "relations", edit(ds, "relations", {"source_id": "F1"}, source_id="A0"))
    ],
    # areas that are their own ancestor
    "area_cycle_of_1": lambda ds: [
        at("parent_id", "areas", edit(ds, "areas", "A2", parent_id="A2"))
    ],
    "area_cycle_of_2": lambda ds: [
        at(
            "parent_id",
            "areas",
            edit(ds, "areas", "A1", parent_id="A2"),
            ("areas", 4),  # A2 -> A1 closes the loop
        )
    ],
    "area_cycle_of_3": lambda ds: [
        at(
            "parent_id",
            "areas",
            edit(ds, "areas", "A0", parent_id="A2"),
            ("areas", 3),
            ("areas", 4),
        )
    ],
    # bad booleans and integers
    "bool_in_office": lambda ds: [
        at("in_office", "leaders", edit(ds, "leaders", "L1", in_office="maybe"))
    ],
    "bool_joint_meeting": lambda ds: [
        at("joint_meeting", "units", edit(ds, "units", "U1", joint_meeting="perhaps"))
    ],
    "bool_reserve_2": lambda ds: [at("reserve", "figures", edit(ds, "figures", "F1", reserve="2"))],
    "int_quota": lambda ds: [
        at("quota_min", "leaders", edit(ds, "leaders", "L1", quota_min="three"))
    ],
}

# The cases also run in the other formats (XLSX, JSON, Chinese-header GBK CSV).
CROSS_FORMAT = [
    "enum_category",
    "missing_figure_name",
    "duplicate_in_table",
    "ref_contact_target",
    "date_word",
    "kind_contact_leader_is_figure",
    "kind_interaction_target_is_leader",
    "area_cycle_of_2",
    "bool_in_office",
]


def header(fmt: Format, table: str, column: str) -> str:
    """The header as the writer wrote it: `COLUMN` must be reported exactly so."""
    return COLUMNS[table][column] if fmt.chinese_headers else column


def matches(p: Problem, want: Want, fmt: Format) -> bool:
    return any(
        p.file.endswith(f"{table}.{fmt.suffix}")
        and p.line == line
        and p.column == header(fmt, table, want.column)
        for table, line in want.places
    )


def assert_reported(stderr: str, wants: list[Want], fmt: Format) -> None:
    found = problems(stderr)
    assert found, f"no FILE:LINE: COLUMN: MESSAGE line on stderr:\n{stderr}"
    for want in wants:
        assert any(matches(p, want, fmt) for p in found), (want, stderr)


# --------------------------------------------------------------------------- the tests


@pytest.fixture
def loaded(concentric: Concentric, tmp_path: Path) -> tuple[Any, Any]:
    """A store holding good(); returns its snapshot to compare with after a failed load."""
    concentric.load(write_dataset(good(), tmp_path / "good"))
    return concentric.snapshot()


class TestEachProblemKind:
    @pytest.mark.parametrize("case", sorted(CASES))
    def test_csv(
        self, case: str, concentric: Concentric, loaded: tuple[Any, Any], tmp_path: Path
    ) -> None:
        self.check(case, FORMATS["csv"], concentric, loaded, tmp_path)

    @pytest.mark.parametrize("fmt", ["xlsx", "json", "csv_zh_gbk"])
    @pytest.mark.parametrize("case", CROSS_FORMAT)
    def test_other_formats(
        self,
        case: str,
        fmt: str,
        concentric: Concentric,
        loaded: tuple[Any, Any],
        tmp_path: Path,
    ) -> None:
        self.check(case, FORMATS[fmt], concentric, loaded, tmp_path)

    @staticmethod
    def check(
        case: str, fmt: Format, concentric: Concentric, before: tuple[Any, Any], tmp_path: Path
    ) -> None:
        ds = extended()
        wants = CASES[case](ds)
        folder = write_dataset(ds, tmp_path / "bad", fmt)
        result = concentric.load(folder, expect=2)
        assert_reported(result.stderr, wants, fmt)
        assert concentric.snapshot() == before  # nothing applied, not even F9

    @pytest.mark.parametrize("case", ["enum_category", "ref_contact_target", "area_cycle_of_1"])
    def test_check_flag_reports_the_same(
        self, case: str, concentric: Concentric, loaded: tuple[Any, Any], tmp_path: Path
    ) -> None:
        ds = extended()
        wants = CASES[case](ds)
        folder = write_dataset(ds, tmp_path / "bad")
        checked = concentric.load(folder, flags=("--check",), expect=2)
        assert_reported(checked.stderr, wants, FORMATS["csv"])
        assert concentric.snapshot() == loaded


MISSING_COLUMNS = [
    ("figures", "category"),
    ("figures", "name"),
    ("contacts", "target_id"),
    ("interactions", "date"),
    ("areas", "kind"),
    ("memberships", "org_id"),
]


class TestMissingColumn:
    @pytest.mark.parametrize("fmt", ["csv", "csv_zh_gbk", "xlsx"])
    @pytest.mark.parametrize(("table", "column"), MISSING_COLUMNS)
    def test_missing_required_column(
        self,
        table: str,
        column: str,
        fmt: str,
        concentric: Concentric,
        loaded: tuple[Any, Any],
        tmp_path: Path,
    ) -> None:
        ds = extended()
        folder = write_dataset(ds, tmp_path / "bad", fmt)
        cols = [c for c in COLUMNS[table] if c != column]
        write_table(table, ds[table], folder, FORMATS[fmt], columns=cols)
        result = concentric.load(folder, expect=2)
        # The header row is line 1; the column is named by its canonical English name.
        want = Want(column, ((table, 1),))
        found = problems(result.stderr)
        english = FORMATS[fmt].with_(chinese_headers=False)
        assert any(matches(p, want, english) for p in found), result.stderr
        assert concentric.snapshot() == loaded


class TestEveryProblemIsReported:
    def test_three_problems_in_one_file(
        self, concentric: Concentric, loaded: tuple[Any, Any], tmp_path: Path
    ) -> None:
        ds = extended()
        wants = [
            at("category", "figures", edit(ds, "figures", "F1", category="astronaut")),
            at("name", "figures", edit(ds, "figures", "F2", name=None)),
            at("area_id", "figures", edit(ds, "figures", "F3", area_id="A99")),
        ]
        assert [w.places[0][1] for w in wants] == [2, 3, 4]
        result = concentric.load(write_dataset(ds, tmp_path / "bad"), expect=2)
        assert_reported(result.stderr, wants, FORMATS["csv"])
        in_figures = [p for p in problems(result.stderr) if p.file.endswith("figures.csv")]
        assert len(in_figures) == 3, result.stderr
        assert concentric.snapshot() == loaded

    def test_two_problems_in_one_row(
        self, concentric: Concentric, loaded: tuple[Any, Any], tmp_path: Path
    ) -> None:
        ds = extended()
        line = edit(ds, "figures", "F2", category="astronaut", area_id="A99")
        result = concentric.load(write_dataset(ds, tmp_path / "bad"), expect=2)
        assert_reported(
            result.stderr,
            [at("category", "figures", line), at("area_id", "figures", line)],
            FORMATS["csv"],
        )
        assert concentric.snapshot() == loaded

    def test_problems_in_many_files(
        self, concentric: Concentric, loaded: tuple[Any, Any], tmp_path: Path
    ) -> None:
        ds = extended()
        wants = [
            at("since", "contacts", edit(ds, "contacts", {"target_id": "O1"}, since="someday")),
            at("target_ids", "interactions", edit(ds, "interactions", "I2", target_ids=["L2"])),
            at("parent_id", "areas", edit(ds, "areas", "A1", parent_id="A1")),
            at("in_office", "leaders", edit(ds, "leaders", "L2", in_office="perhaps")),
            at("kind", "units", edit(ds, "units", "U1", kind="castle")),
        ]
        result = concentric.load(write_dataset(ds, tmp_path / "bad"), expect=2)
        assert_reported(result.stderr, wants, FORMATS["csv"])
        assert len(problems(result.stderr)) >= len(wants)
        assert concentric.snapshot() == loaded

    def test_each_problem_on_its_own_line(
        self, concentric: Concentric, loaded: tuple[Any, Any], tmp_path: Path
    ) -> None:
        # Long paths must not be wrapped: every stderr line that names figures.csv parses.
        ds = extended()
        for fid in ("F1", "F2", "F3", "F9"):
            edit(ds, "figures", fid, category=f"not-a-category-{fid}-" + "x" * 60)
        deep = tmp_path / ("a-rather-long-directory-name-" * 3) / "bad"
        result = concentric.load(write_dataset(ds, deep), expect=2)
        found = [p for p in problems(result.stderr) if p.file.endswith("figures.csv")]
        assert sorted(p.line for p in found) == [2, 3, 4, 5], result.stderr
        assert all(p.column == "category" for p in found)


class TestLineNumbers:
    """LINE is the physical line: CSV rows can span lines, JSON objects start where `{` is."""

    @staticmethod
    def two_interactions() -> Dataset:
        return (
            Dataset()
            .area("A0", "district")
            .leader("L1")
            .figure("F1")
            .interaction("I1", days(-5), ["L1"], ["F1"], summary="第一行\n第二行\n第三行")
            .interaction("I2", "not-a-date", ["L1"], ["F1"])
        )

    def test_quoted_newlines_in_csv(self, concentric: Concentric, tmp_path: Path) -> None:
        folder = write_dataset(self.two_interactions(), tmp_path / "bad")
        text = (folder / "interactions.csv").read_text("utf-8").splitlines()
        assert text[4].startswith("I2,")  # I1's summary spans lines 2-4; I2 is on line 5
        result = concentric.load(folder, expect=2)
        assert_reported(result.stderr, [at("date", "interactions", 5)], FORMATS["csv"])

    def test_pretty_printed_json(self, concentric: Concentric, tmp_path: Path) -> None:
        ds = self.two_interactions()
        folder = write_dataset(ds, tmp_path / "bad", skip_empty=True)
        (folder / "interactions.csv").unlink()
        rows = [
            {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in r.items()}
            for r in ds["interactions"]
        ]
        path = folder / "interactions.json"
        path.write_text(json.dumps(rows, indent=2, ensure_ascii=False), encoding="utf-8")
        starts = [n for n, ln in enumerate(path.read_text("utf-8").splitlines(), 1) if ln == "  {"]
        assert len(starts) == 2  # guards the arithmetic below
        result = concentric.load(folder, expect=2)
        assert_reported(result.stderr, [at("date", "interactions", starts[1])], FORMATS["json"])

    def test_xlsx_row_number(self, concentric: Concentric, tmp_path: Path) -> None:
        ds = extended()
        want = at("category", "figures", edit(ds, "figures", "F9", category="???"))
        result = concentric.load(write_dataset(ds, tmp_path / "bad", "xlsx"), expect=2)
        assert want.places == (("figures", 5),)
        assert_reported(result.stderr, [want], FORMATS["xlsx"])


class TestReplaceIsAtomic:
    @pytest.mark.parametrize("case", ["enum_category", "ref_interaction_target_in_list"])
    def test_failed_replace_keeps_the_old_dataset(
        self, case: str, concentric: Concentric, loaded: tuple[Any, Any], tmp_path: Path
    ) -> None:
        # --replace must validate before it clears anything.
        ds = extended()
        CASES[case](ds)
        concentric.load(write_dataset(ds, tmp_path / "bad"), flags=("--replace",), expect=2)
        assert concentric.snapshot() == loaded


# --------------------------------------------------------------------------- not a table at all

NOT_A_TABLE: list[tuple[str, str, bytes]] = [
    # (test id, file name, content)
    ("binary_csv", "contacts.csv", bytes(range(256)) * 4 + b"\x00\x00\x00PK\x03\x04"),
    ("text_xlsx", "units.xlsx", b"this is not a zip archive\n"),
    ("zip_but_not_xlsx", "units.xlsx", b"PK\x05\x06" + b"\x00" * 18),
    ("json_object", "figures.json", b'{"id": "F1", "name": "x", "category": "ethnic"}'),
    ("json_list_of_numbers", "figures.json", b"[1, 2, 3]"),
    ("json_truncated", "figures.json", b'[{"id": "F1", "name": '),
]


class TestNotATable:
    @pytest.mark.parametrize(
        ("name", "content"), [c[1:] for c in NOT_A_TABLE], ids=[c[0] for c in NOT_A_TABLE]
    )
    def test_garbage_file(
        self,
        name: str,
        content: bytes,
        concentric: Concentric,
        loaded: tuple[Any, Any],
        tmp_path: Path,
    ) -> None:
        folder = write_dataset(extended(), tmp_path / "bad")
        table = name.split(".")[0]
        (folder / f"{table}.csv").unlink()  # the garbage file stands in for the table
        (folder / name).write_bytes(content)
        result = concentric.load(folder, expect=2)
        found = problems(result.stderr)
        assert any(p.file.endswith(name) for p in found), result.stderr
        assert concentric.snapshot() == loaded

    def test_single_garbage_file(
        self, concentric: Concentric, loaded: tuple[Any, Any], tmp_path: Path
    ) -> None:
        path = tmp_path / "figures.xlsx"
        path.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
        result = concentric.load(path, expect=2)
        assert any(p.file.endswith("figures.xlsx") for p in problems(result.stderr))
        assert concentric.snapshot() == loaded

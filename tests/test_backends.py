"""The storage contract, run against every backend (spec sections 1, 3 and 4; issue 4, item 6).

One set of expectations, parametrized over the embedded SQLite store and a real Neo4j server
(``CONCENTRIC_TEST_NEO4J``; skipped with a reason when unset). The coverage answers of the
small hand-built district below are worked out by hand, not by running either backend.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
from backends import (
    ALL_STATUSES,
    BACKENDS,
    NEO4J_GROUP,
    SAMPLE,
    Backend,
    exclusive_neo4j,
    graph_view,
    make_backend,
    open_neo4j,
    read_folder,
    records,
    snapshot,
    write_tables,
)
from graph_oracle import blind_spots, leader_load, leader_todo, single_points, target_coverage
from typer.testing import CliRunner

from concentric.api.duplicates import judge_pair, undo_pair
from concentric.graph.engine.assessment import assessment_data
from concentric.graph.engine.coverage import QueryError, UnknownId
from concentric.graph.schema.model import Dataset, ExistingNode, LinkRecord, NodeRecord
from concentric.graph.store import cypher, neo4j_store, protocol, sqlite_store
from concentric.graph.store.factory import open_store
from concentric.graph.store.protocol import KeepsDerived, Store
from concentric.graph.workspace import Workspace

T = dt.date(2026, 6, 30)
W = 365


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


# -- the hand-built district -------------------------------------------------------------------
#
# As of T = 2026-06-30 with W = 365 (window start T-W = 2025-06-30):
#
#   F1  covered    L1 (since 2025-01-01) and L2 assigned; L3 too but out of office;
#                  last interaction I1 exactly on T-W (counts)
#   F2  indirect   L1's contact ended ON T (closed); met on 2026-06-01 (recent, unassigned)
#   F3  uncovered  only L3 (out of office) assigned; met on T-W-1 (outside the window)
#   F4  stale      L2 assigned since T (open); never met
#   F5  uncovered  L2 assigned only from T+1
#   F6  indirect   member of O1 (covered): figure -> organization
#   F7  uncovered  member of O1 only from T+1
#   F9  covered    L2 assigned; met ON T by L3 (any leader counts, in office or not)
#   O1  covered    L2 assigned, met 2026-03-01
#   O2  uncovered  F1's membership ended ON T; F4 (stale) is a member
#   O3  uncovered  only F6 (indirect) is a member: indirect does not chain
#   U1  indirect   F1 (covered) is a member: unit <- figure
#   U2  uncovered  met 2024-01-01; the 2026-07-01 visit is after T
#
# Areas: A0 district > A1 town > A2 community; A0 > A3 subdistrict. F5 has no area.

DISTRICT: dict[str, list[dict[str, Any]]] = {
    "areas": [
        {"id": "A0", "name": "七里河区", "kind": "district", "parent_id": None},
        {"id": "A1", "name": "阿干镇", "kind": "乡镇", "parent_id": "A0"},
        {"id": "A2", "name": "阿干社区", "kind": "community", "parent_id": "A1"},
        {"id": "A3", "name": "西湖街道", "kind": "街道", "parent_id": "A0"},
    ],
    "leaders": [
        {"id": "L1", "name": "张三", "post": "副区长", "in_office": "是"},
        {"id": "L2", "name": "李四", "post": "统战部长", "in_office": None},
        {"id": "L3", "name": "王五", "post": "原副书记", "in_office": "否"},
    ],
    "figures": [
        {"id": "F1", "name": "马明", "category": "religious", "area_id": "A2"},
        {"id": "F2", "name": "阿依古丽", "category": "少数民族人士", "area_id": "A1"},
        {"id": "F3", "name": "陈实业", "category": "private_economy", "area_id": "A3"},
        {"id": "F4", "name": "周民主", "category": "democratic_party", "area_id": "A2"},
        {"id": "F5", "name": "林网红", "category": "new_strata", "area_id": None},
        {"id": "F6", "name": "丁阿訇", "category": "religious", "area_id": "A2"},
        {"id": "F7", "name": "扎西", "category": "ethnic", "area_id": "A3"},
        {"id": "F9", "name": "黄侨", "category": "overseas_chinese", "area_id": "A1"},
    ],
    "organizations": [
        {"id": "O1", "name": "阿干清真寺", "kind": "religious_venue", "area_id": "A2"},
        {"id": "O2", "name": "七里河区商会", "kind": "商会", "area_id": "A1"},
        {"id": "O3", "name": "七里河区台侨联", "kind": "台侨联", "area_id": "A3"},
    ],
    "units": [
        {"id": "U1", "name": "兰州交通大学", "kind": "university", "area_id": "A3"},
        {"id": "U2", "name": "兰州市第二人民医院", "kind": "hospital", "area_id": "A1"},
    ],
    "contacts": [
        {"leader_id": "L1", "target_id": "F1", "since": d("2025-01-01"), "until": None},
        {"leader_id": "L2", "target_id": "F1", "since": None, "until": None, "role": "backup"},
        {"leader_id": "L3", "target_id": "F1", "since": None, "until": None},
        {"leader_id": "L1", "target_id": "F2", "since": d("2024-01-01"), "until": T},
        {"leader_id": "L3", "target_id": "F3", "since": d("2024-01-01"), "until": None},
        {"leader_id": "L2", "target_id": "F4", "since": T, "until": None},
        {"leader_id": "L2", "target_id": "F5", "since": d("2026-07-01"), "until": None},
        {"leader_id": "L2", "target_id": "F9", "since": None, "until": None},
        {"leader_id": "L2", "target_id": "O1", "since": None, "until": None},
    ],
    "interactions": [
        {"id": "I1", "date": d("2025-06-30"), "kind": "visit", "leader_ids": ["L1"],
         "target_ids": ["F1"], "summary": "走访"},
        {"id": "I2", "date": d("2026-06-01"), "kind": "talk", "leader_ids": ["L1"],
         "target_ids": ["F2"], "summary": "谈心谈话"},
        {"id": "I3", "date": d("2025-06-29"), "kind": "visit", "leader_ids": ["L3"],
         "target_ids": ["F3"], "summary": None},
        {"id": "I4", "date": d("2026-03-01"), "kind": "座谈会", "leader_ids": ["L2"],
         "target_ids": ["O1"], "summary": None},
        {"id": "I5", "date": d("2026-07-01"), "kind": "visit", "leader_ids": ["L2"],
         "target_ids": ["U2"], "summary": "T 之后"},
        {"id": "I6", "date": d("2024-01-01"), "kind": "visit", "leader_ids": ["L1"],
         "target_ids": ["U2"], "summary": None},
        {"id": "I7", "date": T, "kind": "activity", "leader_ids": ["L3"],
         "target_ids": ["F9"], "summary": None},
    ],
    "memberships": [
        {"figure_id": "F6", "org_id": "O1", "since": d("2020-01-01"), "until": None},
        {"figure_id": "F1", "org_id": "U1", "since": None, "until": None},
        {"figure_id": "F4", "org_id": "O2", "since": None, "until": None},
        {"figure_id": "F1", "org_id": "O2", "since": d("2020-01-01"), "until": T},
        {"figure_id": "F7", "org_id": "O1", "since": d("2026-07-01"), "until": None},
        {"figure_id": "F6", "org_id": "O3", "since": None, "until": None},
    ],
}  # fmt: skip


def _item(
    id: str,
    name: str,
    kind: str,
    type_or_category: str,
    area_id: str | None,
    status: str,
    leaders: list[str],
    last: str | None,
) -> dict[str, Any]:
    figure = kind == "figure"
    return {
        "id": id,
        "name": name,
        "kind": kind,
        "category": type_or_category if figure else None,
        "type": None if figure else type_or_category,
        "area_id": area_id,
        "status": status,
        "assigned_leaders": leaders,
        "last_contact": last,
    }


# Every target, worst first then by id: the gap list with all four statuses.
DISTRICT_GAPS = [
    _item("F3", "陈实业", "figure", "private_economy", "A3", "uncovered", [], "2025-06-29"),
    _item("F5", "林网红", "figure", "new_strata", None, "uncovered", [], None),
    _item("F7", "扎西", "figure", "ethnic", "A3", "uncovered", [], None),
    _item("O2", "七里河区商会", "organization", "chamber_of_commerce", "A1", "uncovered", [], None),
    _item("O3", "七里河区台侨联", "organization", "taiwan_overseas_federation", "A3",
          "uncovered", [], None),
    _item("U2", "兰州市第二人民医院", "unit", "hospital", "A1", "uncovered", [], "2024-01-01"),
    _item("F4", "周民主", "figure", "democratic_party", "A2", "stale", ["L2"], None),
    _item("F2", "阿依古丽", "figure", "ethnic", "A1", "indirect", [], "2026-06-01"),
    _item("F6", "丁阿訇", "figure", "religious", "A2", "indirect", [], None),
    _item("U1", "兰州交通大学", "unit", "university", "A3", "indirect", [], None),
    _item("F1", "马明", "figure", "religious", "A2", "covered", ["L1", "L2"], "2025-06-30"),
    _item("F9", "黄侨", "figure", "overseas_chinese", "A1", "covered", ["L2"], "2026-06-30"),
    _item("O1", "阿干清真寺", "organization", "religious_venue", "A2", "covered", ["L2"],
          "2026-03-01"),
]  # fmt: skip


def counts(targets: int, covered: int, stale: int, indirect: int, uncovered: int) -> dict[str, int]:
    assert covered + stale + indirect + uncovered == targets
    return {
        "targets": targets,
        "covered": covered,
        "stale": stale,
        "indirect": indirect,
        "uncovered": uncovered,
    }


ZERO = counts(0, 0, 0, 0, 0)
CATEGORIES = (
    "democratic_party",
    "non_party",
    "intellectual",
    "ethnic",
    "religious",
    "private_economy",
    "new_strata",
    "overseas_student",
    "hk_macao",
    "taiwan",
    "overseas_chinese",
    "other",
)

DISTRICT_COVERAGE = {
    "as_of": "2026-06-30",
    "window_days": 365,
    "totals": counts(13, 3, 1, 3, 6),
    "by_kind": {
        "figure": counts(8, 2, 1, 2, 3),
        "organization": counts(3, 1, 0, 0, 2),
        "unit": counts(2, 0, 0, 1, 1),
    },
    "by_category": {
        **dict.fromkeys(CATEGORIES, ZERO),
        "democratic_party": counts(1, 0, 1, 0, 0),
        "ethnic": counts(2, 0, 0, 1, 1),
        "religious": counts(2, 1, 0, 1, 0),
        "private_economy": counts(1, 0, 0, 0, 1),
        "new_strata": counts(1, 0, 0, 0, 1),
        "overseas_chinese": counts(1, 1, 0, 0, 0),
    },
    "by_line": {
        "center": ZERO,
        "cooperation": counts(1, 0, 1, 0, 0),  # F4
        "guidance": counts(5, 2, 0, 2, 1),  # F1 F2 F6 F7 O1
        "service": counts(2, 0, 0, 0, 2),  # F3 O2
        "union": counts(5, 1, 0, 1, 3),  # F5 F9 O3 U1 U2
    },
    "by_area": {
        "A0": counts(12, 3, 1, 3, 5),  # everything but F5
        "A1": counts(8, 3, 1, 2, 2),  # F2 F9 O2 U2 + A2
        "A2": counts(4, 2, 1, 1, 0),  # F1 F4 F6 O1
        "A3": counts(4, 0, 0, 1, 3),  # F3 F7 O3 U1
    },
}


# The district's figures without their areas, for tests that load nothing else.
LONE_FIGURES = [dict(row, area_id=None) for row in DISTRICT["figures"]]


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    """Each backend in turn, empty."""
    with make_backend(request.param, tmp_path) as chosen:
        yield chosen


@pytest.fixture
def district(tmp_path: Path) -> Path:
    return write_tables(tmp_path / "district", DISTRICT)


def load_folder(store: Store, folder: Path, *, replace: bool = False) -> Any:
    dataset = read_folder(folder, None if replace else store.existing_nodes())
    return store.load(dataset, replace=replace)


def statuses_of(answer: dict[str, Any]) -> dict[str, str]:
    return {item["id"]: item["status"] for item in answer["items"]}


# -- the workspace's array analyses, on every backend ---------------------------------------


def test_workspace_array_analyses_equal_the_graph_ones(backend: Backend, district: Path) -> None:
    """Leader load, single points, blind spots and to-do lists come from the coverage index
    on every backend (built from the columns each store reads); the tests' own walk over
    the same store's graph (tests/graph_oracle.py) is the reference."""
    store = backend.open()
    load_folder(store, district)
    workspace = Workspace(store)
    graph = store.graph()
    policy = store.policy()
    coverage = target_coverage(graph, T, W)

    def same(answer: dict[str, Any], expected: object) -> bool:
        assert answer["version"] == store.version()
        answer = {k: v for k, v in answer.items() if k != "version"}
        return json.dumps(answer, sort_keys=True, default=str) == json.dumps(
            expected, sort_keys=True, default=str
        )

    assert same(workspace.leaders(T, W), leader_load(graph, T, W, policy, coverage))
    assert same(workspace.single_points(T, W), single_points(graph, T, W, coverage))
    assert same(workspace.blind_spots(T, W), blind_spots(graph, T, W, policy, coverage))
    leaders = [n for n, kind in graph.nodes(data="kind") if kind == "leader"]
    assert leaders
    for leader in leaders:
        assert same(
            workspace.todo(leader, T, W), leader_todo(graph, leader, T, W, coverage=coverage)
        )


# -- coverage and gaps, answers worked out by hand ---------------------------------------------


def test_district_coverage_summary(backend: Backend, district: Path) -> None:
    store = backend.open()
    load_folder(store, district)
    answer = Workspace(store).coverage(as_of=T, window_days=W)
    assert answer.pop("version") == store.version()
    assert answer == DISTRICT_COVERAGE
    # Same key order too, so the JSON text of both backends is identical.
    assert list(answer["by_category"]) == list(CATEGORIES)
    assert list(answer["by_area"]) == ["A0", "A1", "A2", "A3"]


def test_district_gap_list_every_status(backend: Backend, district: Path) -> None:
    store = backend.open()
    load_folder(store, district)
    answer = Workspace(store).gaps(as_of=T, window_days=W, statuses=ALL_STATUSES)
    assert answer["as_of"] == "2026-06-30"
    assert answer["window_days"] == 365
    assert answer["total"] == len(DISTRICT_GAPS)
    assert [dict(item) for item in answer["items"]] == DISTRICT_GAPS


# (filters, expected ids in order). Statuses default to uncovered,stale as in the spec.
GAP_FILTERS: list[tuple[dict[str, Any], list[str]]] = [
    ({}, ["F3", "F5", "F7", "O2", "O3", "U2", "F4"]),
    ({"statuses": ["未覆盖", "stale"]}, ["F3", "F5", "F7", "O2", "O3", "U2", "F4"]),
    ({"statuses": ["covered"]}, ["F1", "F9", "O1"]),
    ({"statuses": ["indirect"]}, ["F2", "F6", "U1"]),
    ({"statuses": ["stale"]}, ["F4"]),
    (
        {"statuses": ALL_STATUSES, "kind": "figure"},
        ["F3", "F5", "F7", "F4", "F2", "F6", "F1", "F9"],
    ),
    ({"statuses": ALL_STATUSES, "kind": "organization"}, ["O2", "O3", "O1"]),
    ({"statuses": ALL_STATUSES, "kind": "unit"}, ["U2", "U1"]),
    ({"kind": "unit"}, ["U2"]),
    ({"statuses": ALL_STATUSES, "category": "religious"}, ["F6", "F1"]),
    ({"statuses": ALL_STATUSES, "category": "少数民族人士"}, ["F7", "F2"]),
    ({"category": "private_economy"}, ["F3"]),
    ({"statuses": ALL_STATUSES, "category": "non_party"}, []),
    ({"statuses": ALL_STATUSES, "line": "center"}, []),
    ({"statuses": ALL_STATUSES, "line": "cooperation"}, ["F4"]),
    ({"statuses": ALL_STATUSES, "line": "guidance"}, ["F7", "F2", "F6", "F1", "O1"]),
    ({"statuses": ALL_STATUSES, "line": "service"}, ["F3", "O2"]),
    ({"statuses": ALL_STATUSES, "line": "union"}, ["F5", "O3", "U2", "U1", "F9"]),
    ({"statuses": ALL_STATUSES, "line": "争取人心 联合线"}, ["F5", "O3", "U2", "U1", "F9"]),
    ({"line": "union"}, ["F5", "O3", "U2"]),
    (
        {"statuses": ALL_STATUSES, "area_id": "A0"},
        ["F3", "F7", "O2", "O3", "U2", "F4", "F2", "F6", "U1", "F1", "F9", "O1"],
    ),
    ({"statuses": ALL_STATUSES, "area_id": "A1"}, ["O2", "U2", "F4", "F2", "F6", "F1", "F9", "O1"]),
    ({"statuses": ALL_STATUSES, "area_id": "A2"}, ["F4", "F6", "F1", "O1"]),
    ({"area_id": "A3"}, ["F3", "F7", "O3"]),
    ({"statuses": ["indirect", "uncovered"], "kind": "figure", "area_id": "A1"}, ["F2", "F6"]),
    ({"statuses": ALL_STATUSES, "line": "guidance", "area_id": "A3"}, ["F7"]),
    ({"statuses": ALL_STATUSES, "category": "religious", "line": "service"}, []),
    ({"statuses": ALL_STATUSES, "kind": "unit", "line": "union", "area_id": "A3"}, ["U1"]),
]


def test_district_gap_filters(backend: Backend, district: Path) -> None:
    store = backend.open()
    load_folder(store, district)
    ws = Workspace(store)
    by_id = {item["id"]: item for item in DISTRICT_GAPS}
    wrong = []
    for filters, expected in GAP_FILTERS:
        answer = ws.gaps(as_of=T, window_days=W, **filters)
        ids = [item["id"] for item in answer["items"]]
        if ids != expected or answer["total"] != len(expected):
            wrong.append((filters, ids, expected))
        # A filter selects items; it never changes them.
        assert all(item == by_id[item["id"]] for item in answer["items"]), filters
    assert not wrong, wrong


@pytest.mark.parametrize(
    ("filters", "error"),
    [
        ({"area_id": "A9"}, UnknownId),
        ({"area_id": "F1"}, UnknownId),  # an id, but not an area
        ({"kind": "leader"}, QueryError),
        ({"category": "martian"}, QueryError),
        ({"line": "sixth"}, QueryError),
        ({"statuses": ["lost"]}, QueryError),
    ],
)
def test_district_gap_filter_errors(
    backend: Backend, district: Path, filters: dict[str, Any], error: type[Exception]
) -> None:
    store = backend.open()
    load_folder(store, district)
    with pytest.raises(error):
        Workspace(store).gaps(as_of=T, window_days=W, **filters)


@pytest.mark.parametrize(
    ("as_of", "window", "expected"),
    [
        # W = 0: only an interaction ON T is recent.
        (
            T,
            0,
            {"F1": "stale", "F2": "uncovered", "F3": "uncovered", "F4": "stale",
             "F5": "uncovered", "F6": "uncovered", "F7": "uncovered", "F9": "covered",
             "O1": "stale", "O2": "uncovered", "O3": "uncovered", "U1": "uncovered",
             "U2": "uncovered"},
        ),
        # One day later: I1 leaves the window, F5's contact and F7's membership open, the
        # 2026-07-01 visit counts.
        (
            d("2026-07-01"),
            365,
            {"F1": "stale", "F2": "indirect", "F3": "uncovered", "F4": "stale",
             "F5": "stale", "F6": "indirect", "F7": "indirect", "F9": "covered",
             "O1": "covered", "O2": "uncovered", "O3": "uncovered", "U1": "uncovered",
             "U2": "indirect"},
        ),
        # Before every contact and interaction began.
        (
            d("2019-01-01"),
            365,
            {"F1": "stale", "F2": "uncovered", "F3": "uncovered", "F4": "uncovered",
             "F5": "uncovered", "F6": "uncovered", "F7": "uncovered", "F9": "stale",
             "O1": "stale", "O2": "uncovered", "O3": "uncovered", "U1": "uncovered",
             "U2": "uncovered"},
        ),
    ],
    ids=["window-0", "T-plus-1", "before-everything"],
)  # fmt: skip
def test_district_statuses_move_with_as_of_and_window(
    backend: Backend, district: Path, as_of: dt.date, window: int, expected: dict[str, str]
) -> None:
    store = backend.open()
    load_folder(store, district)
    ws = Workspace(store)
    gaps = ws.gaps(as_of=as_of, window_days=window, statuses=ALL_STATUSES)
    assert statuses_of(gaps) == expected
    totals = ws.coverage(as_of=as_of, window_days=window)["totals"]
    assert totals == {
        "targets": len(expected),
        **{s: sum(v == s for v in expected.values()) for s in ALL_STATUSES},
    }


def test_district_policy_window_and_lines_reach_the_backend(
    backend: Backend, tmp_path: Path
) -> None:
    """A dataset's policy (window, line mapping) is what coverage uses on every backend."""
    policy = {
        "window_days": 30,
        "lines": {
            "union": {
                "figure_categories": ["new_strata", "overseas_chinese"],
                "organization_kinds": ["taiwan_overseas_federation"],
                "unit_kinds": ["university"],
            }
        },
    }
    store = backend.open()
    load_folder(store, write_tables(tmp_path / "d", DISTRICT, policy=policy))
    ws = Workspace(store)
    # Window 30 (start 2026-05-31): only F9 (met on T) is covered; F2 (met 2026-06-01) is
    # still recent; O1 (met 2026-03-01) turns stale, so F6 loses its indirect coverage.
    summary = ws.coverage(as_of=T)
    assert summary["window_days"] == 30
    assert summary["totals"] == counts(13, 1, 3, 1, 8)
    assert summary["by_line"]["union"] == counts(4, 1, 0, 0, 3)  # F5 F9 O3 U1, no U2
    assert summary["by_line"]["guidance"] == counts(5, 0, 2, 1, 2)
    gaps = ws.gaps(as_of=T, statuses=ALL_STATUSES, line="union")
    assert gaps["window_days"] == 30
    assert [i["id"] for i in gaps["items"]] == ["F5", "O3", "U1", "F9"]


def test_empty_store_answers_zeros(backend: Backend) -> None:
    ws = Workspace(backend.open())
    summary = ws.coverage(as_of=T, window_days=W)
    assert summary["totals"] == ZERO
    assert summary["by_area"] == {}
    assert summary["by_kind"] == dict.fromkeys(("figure", "organization", "unit"), ZERO)
    assert ws.gaps(as_of=T, window_days=W, statuses=ALL_STATUSES)["items"] == []


# -- loads ------------------------------------------------------------------------------------


class Boom(RuntimeError):
    """Raised from inside a load, after part of it was written."""


def _failing_after(batches: int) -> Callable[[int], None]:
    calls = []

    def progress(rows: int) -> None:
        calls.append(rows)
        if len(calls) >= batches:
            raise Boom(f"failed after {len(calls)} written batches")

    return progress


def _changed_district() -> dict[str, list[dict[str, Any]]]:
    tables = {name: [dict(row) for row in rows] for name, rows in DISTRICT.items()}
    for row in tables["figures"]:
        row["name"] += "（改）"
    tables["figures"] += [
        {"id": f"F1{i:02}", "name": f"新人士{i}", "category": "other", "area_id": "A3"}
        for i in range(20)
    ]
    tables["contacts"] += [{"leader_id": "L1", "target_id": f"F1{i:02}"} for i in range(20)]
    return tables


@pytest.mark.parametrize("replace", [False, True], ids=["upsert", "replace"])
@pytest.mark.parametrize("fail_at", [1, 12, 30], ids=lambda n: f"batch-{n}")
def test_load_failing_midway_leaves_previous_data(
    backend: Backend,
    district: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    replace: bool,
    fail_at: int,
) -> None:
    """Spec 1: a load applies every row or none. Batches of 2 rows; batch N's write fails.

    Batch 1 is the first nodes; batch 12 is mid-way through the figures; batch 30 comes after
    every node (47 of them) and some links were written.
    """
    monkeypatch.setattr(sqlite_store, "BATCH_ROWS", 2)
    monkeypatch.setattr(neo4j_store, "BATCH_ROWS", 2)
    monkeypatch.setattr(neo4j_store, "STAGED_BATCH_ROWS", 2)
    store = backend.open()
    load_folder(store, district)
    before = snapshot(store)
    coverage_before = Workspace(store).coverage(as_of=T, window_days=W)
    folder = write_tables(tmp_path / "changed", _changed_district())
    dataset = read_folder(folder, None if replace else store.existing_nodes())
    with pytest.raises(Boom):
        store.load(dataset, replace=replace, progress=_failing_after(fail_at))
    # The same connection and a new one both see exactly the previous data.
    assert snapshot(store) == before
    fresh = backend.open()
    assert snapshot(fresh) == before
    assert Workspace(fresh).coverage(as_of=T, window_days=W) == coverage_before
    # Nothing is left locked or half-open: the same load goes through afterwards.
    report = store.load(dataset, replace=replace)
    assert (report.inserted, report.updated) == ((dataset.row_count, 0) if replace else (40, 8))
    assert snapshot(backend.open()).version != before.version


def test_reload_of_same_dataset_changes_nothing(backend: Backend, district: Path) -> None:
    store = backend.open()
    dataset = read_folder(district)
    first = store.load(dataset)
    assert (first.inserted, first.updated, first.unchanged) == (dataset.row_count, 0, 0)
    before = snapshot(store)
    graph_before = graph_view(backend.open())
    second = store.load(read_folder(district, store.existing_nodes()))
    assert (second.inserted, second.updated, second.unchanged, second.removed) == (
        0,
        0,
        dataset.row_count,
        0,
    )
    assert snapshot(store) == before  # same records, same version
    assert snapshot(backend.open()) == before
    assert graph_view(backend.open()) == graph_before


def test_existing_nodes_among_some_ids(backend: Backend, district: Path) -> None:
    store = backend.open()
    load_folder(store, district)
    everything = store.existing_nodes()
    some = sorted(everything)[::3]
    wanted = [*some, "no-such-id", some[0]]
    assert store.existing_nodes(wanted) == {i: everything[i] for i in some}
    assert store.existing_nodes([]) == {}
    assert any(node.parent_id for node in store.existing_nodes(everything).values())


def test_row_count_is_the_stored_rows(backend: Backend, district: Path, tmp_path: Path) -> None:
    store = backend.open()
    assert store.row_count() == 0
    dataset = read_folder(district)
    store.load(dataset)
    assert store.row_count() == dataset.row_count
    small = write_tables(tmp_path / "s", {"figures": LONE_FIGURES[:2]})
    load_folder(store, small, replace=True)
    assert backend.open().row_count() == 2


def test_reload_with_the_same_policy_keeps_the_version(backend: Backend, tmp_path: Path) -> None:
    """The version changes only when the data does: an identical policy.yaml is no change.

    (The version keys the graph and coverage caches; bumping it on a no-op reload throws
    them away. data/sample ships a policy.yaml, so every reload of it hits this.)
    """
    folder = write_tables(tmp_path / "d", DISTRICT, policy={"window_days": 365})
    store = backend.open()
    load_folder(store, folder)
    version = store.version()
    report = load_folder(store, folder)
    assert (report.inserted, report.updated) == (0, 0)
    assert store.policy_overrides() == {"window_days": 365}
    assert store.version() == version


def test_version_changes_only_with_the_data(backend: Backend, tmp_path: Path) -> None:
    store = backend.open()
    empty = store.version()
    a = write_tables(tmp_path / "a", {"figures": LONE_FIGURES[:2]})
    load_folder(store, a)
    v1 = store.version()
    assert v1 != empty
    load_folder(store, a)
    assert store.version() == v1
    changed = [dict(LONE_FIGURES[0], name="马明明"), LONE_FIGURES[1]]
    load_folder(store, write_tables(tmp_path / "b", {"figures": changed}))
    v2 = store.version()
    assert v2 not in (empty, v1)
    # Another connection sees the same version, and a cached graph follows a change made
    # through another connection.
    other = backend.open()
    assert other.version() == v2
    assert store.graph().nodes["F1"]["name"] == "马明明"
    renamed = [dict(LONE_FIGURES[0], name="马三")]
    load_folder(other, write_tables(tmp_path / "c", {"figures": renamed}))
    assert store.version() not in (empty, v1, v2)
    assert store.graph().nodes["F1"]["name"] == "马三"


def test_upsert_then_replace(backend: Backend, tmp_path: Path) -> None:
    first = {
        "leaders": [{"id": "L1", "name": "张三"}],
        "figures": [
            {"id": "F1", "name": "王一", "category": "ethnic"},
            {"id": "F2", "name": "王二", "category": "ethnic"},
        ],
        "contacts": [{"leader_id": "L1", "target_id": "F1"}],
    }
    second = {
        "figures": [
            {"id": "F2", "name": "王二改", "category": "ethnic"},
            {"id": "F3", "name": "王三", "category": "religious"},
        ]
    }
    store = backend.open()
    report = load_folder(store, write_tables(tmp_path / "first", first))
    assert (report.inserted, report.updated, report.unchanged) == (4, 0, 0)
    # Upsert: F2 updated, F3 new, L1, F1 and the contact untouched.
    report = load_folder(store, write_tables(tmp_path / "second", second))
    assert (report.inserted, report.updated, report.unchanged, report.removed) == (1, 1, 0, 0)
    now = snapshot(store)
    assert [(n.id, n.props["name"]) for n in now.nodes if n.kind == "figure"] == [
        ("F1", "王一"),
        ("F2", "王二改"),
        ("F3", "王三"),
    ]
    assert [n.id for n in now.nodes if n.kind == "leader"] == ["L1"]
    assert [(lk.source_id, lk.target_id) for lk in now.links] == [("L1", "F1")]
    # A changed link row (same natural key) is an update, not a second link.
    third = {"contacts": [{"leader_id": "L1", "target_id": "F1", "role": "协助"}]}
    report = load_folder(store, write_tables(tmp_path / "third", third))
    assert (report.inserted, report.updated, report.unchanged) == (0, 1, 0)
    links = snapshot(store).links
    assert [(lk.source_id, lk.target_id, lk.props["role"]) for lk in links] == [
        ("L1", "F1", "backup")
    ]
    # Replace: everything stored before is gone (5 rows), only the new rows remain.
    report = load_folder(store, tmp_path / "second", replace=True)
    assert (report.inserted, report.updated, report.unchanged, report.removed) == (2, 0, 0, 5)
    now = snapshot(store)
    assert [n.id for n in now.nodes] == ["F2", "F3"]
    assert now.links == []
    assert set(store.existing_nodes()) == {"F2", "F3"}
    assert Workspace(store).coverage(as_of=T, window_days=W)["totals"] == counts(2, 0, 0, 0, 2)


def test_upsert_rewires_references(backend: Backend, district: Path, tmp_path: Path) -> None:
    """Changing a row's area, parent, contact end or interaction targets moves coverage.

    (Neo4j keeps these as relationships beside the row; they must follow the row.)
    """
    store = backend.open()
    load_folder(store, district)
    changes = {
        # F1 moves from A2 to A3; A2 moves under A3 (taking F4, F6, O1 with it).
        "figures": [dict(DISTRICT["figures"][0], area_id="A3")],
        "areas": [dict(DISTRICT["areas"][2], parent_id="A3")],
        # F4's contact ends before T; I2 now concerns F7 instead of F2.
        "contacts": [{"leader_id": "L2", "target_id": "F4", "since": T, "until": T}],
        "interactions": [dict(DISTRICT["interactions"][1], target_ids=["F7"])],
    }
    report = load_folder(store, write_tables(tmp_path / "changes", changes))
    assert (report.inserted, report.updated) == (0, 4)
    ws = Workspace(backend.open())
    statuses = statuses_of(ws.gaps(as_of=T, window_days=W, statuses=ALL_STATUSES))
    assert statuses["F4"] == "uncovered"  # no open contact any more
    assert statuses["F2"] == "uncovered"  # I2 no longer concerns F2
    assert statuses["F7"] == "indirect"  # ... but F7 (met 2026-06-01, unassigned)
    by_area = ws.coverage(as_of=T, window_days=W)["by_area"]
    # A1: F2 O2 U2 (uncovered), F9 (covered). A2 (under A3 now): F4 F6 O1. A3: F1 F3 F7 O3 U1
    # and A2's.
    assert by_area["A1"] == counts(4, 1, 0, 0, 3)
    assert by_area["A2"] == counts(3, 1, 0, 1, 1)
    assert by_area["A3"] == counts(8, 2, 0, 3, 3)
    assert by_area["A0"] == counts(12, 3, 0, 3, 6)
    in_a1 = ws.gaps(as_of=T, window_days=W, statuses=ALL_STATUSES, area_id="A1")
    assert [i["id"] for i in in_a1["items"]] == ["F2", "O2", "U2", "F9"]
    gone = ws.gaps(as_of=T, window_days=W, statuses=ALL_STATUSES, area_id="A3")
    assert "F1" in {i["id"] for i in gone["items"]}
    assert {i["id"]: i["area_id"] for i in gone["items"]}["F1"] == "A3"


def test_existing_nodes(backend: Backend, district: Path, tmp_path: Path) -> None:
    store = backend.open()
    assert store.existing_nodes() == {}
    load_folder(store, district)
    orgs = {"organizations": [{"id": "O9", "name": "清真寺分寺", "kind": "religious_venue",
                               "parent_id": "O1"}]}  # fmt: skip
    load_folder(store, write_tables(tmp_path / "more", orgs))
    existing = store.existing_nodes()
    expected = {
        "A0": ExistingNode("area", None),
        "A1": ExistingNode("area", "A0"),
        "A2": ExistingNode("area", "A1"),
        "A3": ExistingNode("area", "A0"),
        "O9": ExistingNode("organization", "O1"),
        **{r["id"]: ExistingNode("leader", None) for r in DISTRICT["leaders"]},
        **{r["id"]: ExistingNode("figure", None) for r in DISTRICT["figures"]},
        **{r["id"]: ExistingNode("organization", None) for r in DISTRICT["organizations"]},
        **{r["id"]: ExistingNode("unit", None) for r in DISTRICT["units"]},
        **{r["id"]: ExistingNode("interaction", None) for r in DISTRICT["interactions"]},
    }
    assert existing == expected
    assert all(type(v) is ExistingNode for v in existing.values())


# -- what goes in comes out -------------------------------------------------------------------

ROUND_TRIP: dict[str, list[dict[str, Any]]] = {
    "areas": [
        {"编号": "A1", "名称": "敦煌路街道", "类型": "街道", "上级编号": None, "备注": "城区"},
    ],
    "leaders": [
        {"编号": "L1", "姓名": "张 三", "职务": "区委常委、统战部部长", "分管区域": "A1",
         "分管条线": "center；合作线", "联系下限": "4", "联系上限": "２０", "在任": "是"},
        {"编号": "L2", "姓名": "Zhāng Sān", "职务": None, "分管区域": None, "分管条线": None,
         "联系下限": None, "联系上限": None, "在任": "离任"},
    ],
    "figures": [
        {"编号": "F1", "姓名": "马明", "类别": "宗教界人士", "性别": "男", "民族": "回族",
         "宗教": "伊斯兰教", "党派": None, "所在区域": "A1", "身份": "人大代表；政协委员、商会会长",
         "人才储备": "是", "电话": "13800000000", "爱好": "书法 “行书”", "备注": "第一行\n第二行"},
        {"编号": "F2", "姓名": "O'Brien \"Bob\"", "类别": "other", "性别": None, "民族": None,
         "宗教": None, "党派": "致公党", "所在区域": None, "身份": None, "人才储备": None,
         "电话": "+86 (931) 1234-5678", "爱好": None, "备注": "😀 emoji 𠀀 ext-B"},
    ],
    "organizations": [
        {"编号": "O1", "名称": "兰州清真寺", "类型": "宗教活动场所", "所在区域": "A1",
         "宗教": "伊斯兰教", "上级编号": None, "备注": "extra, with comma"},
        {"编号": "O2", "名称": "分寺", "类型": "religious_venue", "所在区域": None,
         "宗教": None, "上级编号": "O1", "备注": None},
    ],
    "units": [
        {"编号": "U1", "名称": "兰州大学", "类型": "高校", "级别": "中央", "所在区域": "A1",
         "联席会议": "1"},
    ],
    "memberships": [
        {"人士编号": "F1", "组织编号": "O1", "职务": "负责人", "开始日期": "2014/07/26",
         "结束日期": None},
        {"人士编号": "F2", "组织编号": "U1", "职务": None, "开始日期": "2020年1月5日",
         "结束日期": "2026-12-31"},
    ],
    "contacts": [
        {"领导编号": "L1", "对象编号": "F1", "开始日期": "2025-01-01", "结束日期": None,
         "分工": "主联系人"},
        {"领导编号": "L2", "对象编号": "O1", "开始日期": None, "结束日期": "2026-06-30",
         "分工": "协助"},
    ],
    "interactions": [
        {"编号": "I1", "日期": "2026年6月1日", "类型": "走访", "领导编号": "L1；L2",
         "对象编号": "F1、O1,U1", "内容": "春节前走访慰问，交流思想"},
    ],
    "relations": [
        {"起点编号": "F1", "终点编号": "F2", "类型": "朋友", "开始日期": "2013-09-28",
         "结束日期": None},
        {"起点编号": "L1", "终点编号": "U1", "类型": "liaison", "开始日期": None,
         "结束日期": None},
    ],
}  # fmt: skip


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_nodes_and_links_round_trip(backend: Backend, tmp_path: Path, fmt: str) -> None:
    """What the loader produced is what the store gives back: dates, lists, booleans, ints,
    extra columns, Chinese text, provenance."""
    folder = write_tables(tmp_path / "rt", ROUND_TRIP, fmt=fmt)
    dataset = read_folder(folder)
    store = backend.open()
    store.load(dataset)
    nodes, links = records(dataset)
    for reader in (store, backend.open()):
        got = snapshot(reader)
        assert got.nodes == nodes
        assert got.links == links
    # Spot checks that the loader really produced typed values (so the equality means
    # something).
    by_id = {n.id: n for n in nodes}
    assert by_id["F1"].props["roles"] == ["人大代表", "政协委员", "商会会长"]
    assert by_id["F1"].props["reserve"] is True
    assert by_id["F1"].props["extra"] == {"爱好": "书法 “行书”", "备注": "第一行\n第二行"}
    assert by_id["L1"].props["quota_max"] == 20
    assert by_id["L1"].props["lines"] == ["center", "cooperation"]
    assert by_id["L2"].props["in_office"] is False
    assert by_id["I1"].props["date"] == dt.date(2026, 6, 1)
    assert by_id["I1"].props["target_ids"] == ["F1", "O1", "U1"]
    membership = next(lk for lk in links if lk.source_id == "F2")
    assert membership.props["since"] == dt.date(2020, 1, 5)
    # The graph the analyses see is built from the same records.
    graph = store.graph()
    assert graph.nodes["F1"]["roles"] == ["人大代表", "政协委员", "商会会长"]
    assert graph.nodes["O1"]["type"] == "religious_venue"
    assert graph.nodes["O2"]["file"] == str(folder / f"organizations.{fmt}")


def test_provenance_file_and_line(backend: Backend, district: Path, tmp_path: Path) -> None:
    store = backend.open()
    load_folder(store, district)
    nodes = {n.id: n for n in store.nodes()}
    assert (nodes["F1"].source, nodes["F1"].line) == (str(district / "figures.csv"), 2)
    assert (nodes["F9"].source, nodes["F9"].line) == (str(district / "figures.csv"), 9)
    assert (nodes["I7"].source, nodes["I7"].line) == (str(district / "interactions.csv"), 8)
    contacts = [lk for lk in store.links() if lk.kind == "contacts"]
    where = {(lk.source_id, lk.target_id): (Path(lk.source).name, lk.line) for lk in contacts}
    assert where[("L1", "F2")] == ("contacts.csv", 5)
    assert where[("L2", "O1")] == ("contacts.csv", 10)
    graph = store.graph()
    assert (graph.nodes["U2"]["file"], graph.nodes["U2"]["line"]) == (
        str(district / "units.csv"),
        3,
    )
    # A changed row takes the provenance of the load that changed it; an unchanged row
    # keeps where it was first loaded from (reloading it changed nothing).
    moved = {"figures": [DISTRICT["figures"][1], dict(DISTRICT["figures"][0], name="马明明")]}
    load_folder(store, write_tables(tmp_path / "later", moved))
    nodes = {n.id: n for n in backend.open().nodes()}
    assert (nodes["F1"].source, nodes["F1"].line) == (str(tmp_path / "later" / "figures.csv"), 3)
    assert (nodes["F2"].source, nodes["F2"].line) == (str(district / "figures.csv"), 3)


def test_policy_overrides(backend: Backend, tmp_path: Path) -> None:
    tables = {"figures": LONE_FIGURES[:1]}
    store = backend.open()
    assert store.policy_overrides() == {}
    assert store.policy().window_days == 365
    load_folder(store, write_tables(tmp_path / "a", tables, policy={"window_days": 30}))
    assert store.policy_overrides() == {"window_days": 30}
    # Later loads add to the overrides; a load without a policy keeps them.
    load_folder(store, write_tables(tmp_path / "b", tables, policy={"quota_min": 5}))
    load_folder(store, write_tables(tmp_path / "c", tables))
    lines = {"union": {"unit_kinds": ["soe"]}}
    load_folder(store, write_tables(tmp_path / "d", tables, policy={"lines": lines}))
    other = backend.open()
    for reader in (store, other):
        assert reader.policy_overrides() == {"window_days": 30, "quota_min": 5, "lines": lines}
        policy = reader.policy()
        assert (policy.window_days, policy.quota_min, policy.quota_max) == (30, 5, 15)
        assert policy.lines_of("unit", "hospital") == ()
        assert policy.lines_of("unit", "soe") == ("union",)
        assert policy.lines_of("figure", "religious") == ("guidance",)
    # A replace starts from the defaults again.
    load_folder(store, tmp_path / "c", replace=True)
    assert store.policy_overrides() == {}
    assert backend.open().policy().window_days == 365


def test_every_value_the_loader_accepts_is_stored(backend: Backend, tmp_path: Path) -> None:
    """A dataset that passes validation loads on every backend, not just on some.

    Neo4j integers are 64-bit; the loader takes any whole number (e.g. a 联系下限 typed
    as 9223372036854775808). Either the loader reports it, or every store keeps it.
    """
    tables = {"leaders": [{"id": "L1", "name": "张三", "quota_min": 2**63, "quota_max": -(2**64)}]}
    folder = write_tables(tmp_path / "big", tables)
    from concentric.loaders import read_dataset

    result = read_dataset([folder])
    if result.problems:  # the loader refuses it: consistent on every backend
        return
    store = backend.open()
    store.load(result.dataset)
    assert snapshot(store).nodes == records(result.dataset)[0]


# -- the sample district: both backends, same JSON ----------------------------------------------


def _cli(*args: str) -> str:
    from concentric.api.cli import app

    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, (args, result.exit_code, result.stdout, result.stderr)
    return result.stdout


SAMPLE_AS_OF = "2026-11-27"


def _sample_queries() -> list[dict[str, Any]]:
    queries: list[dict[str, Any]] = [{}, {"statuses": ALL_STATUSES}]
    queries += [{"statuses": [s]} for s in ALL_STATUSES]
    queries += [{"statuses": ALL_STATUSES, "kind": k} for k in ("figure", "organization", "unit")]
    queries += [{"statuses": ALL_STATUSES, "category": c} for c in CATEGORIES]
    queries += [{"category": "宗教界人士"}]
    lines = ("center", "cooperation", "guidance", "service", "union", "和谐稳定 引导线")
    queries += [{"statuses": ALL_STATUSES, "line": line} for line in lines]
    areas = ("A01", "A02", "A05", "A17", "A43", "A57")
    queries += [{"statuses": ALL_STATUSES, "area_id": a} for a in areas]
    queries += [
        {"kind": "figure", "area_id": "A05", "category": "religious"},
        {"statuses": ["indirect", "covered"], "line": "union", "area_id": "A02"},
    ]
    return queries


def _unversioned(answer: Any) -> Any:
    assert isinstance(answer["version"], int)
    return {k: v for k, v in answer.items() if k != "version"}


@pytest.fixture
def neo4j_uri() -> Iterator[str]:
    """The test server, held for this test and cleared (skipped when not configured)."""
    with exclusive_neo4j() as uri:
        yield uri


@NEO4J_GROUP
def test_columns_read_across_a_flip_are_all_of_the_new_generation(
    neo4j_uri: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The columns are read in several sessions at once (issue 15); a replace published
    while they are read (its flip, then the old generation deleted) must not give columns
    mixing two generations: every column comes from the new one, read again whole."""
    reader = open_neo4j(neo4j_uri)
    writer = open_neo4j(neo4j_uri)
    try:
        reader.load(read_folder(write_tables(tmp_path / "district", DISTRICT)))
        lone = read_folder(write_tables(tmp_path / "lone", {"figures": LONE_FIGURES[:2]}))
        read_pages = neo4j_store._paged_rows
        calls: list[str] = []

        def replace_during_the_first_read(tx: Any, gen: int, pages: tuple[str, str]) -> Any:
            calls.append(pages[0])
            if len(calls) == 1:
                writer.load(lone, replace=True)  # staged: new generation, flip, old deleted
            return read_pages(tx, gen, pages)

        monkeypatch.setattr(neo4j_store, "_paged_rows", replace_during_the_first_read)
        columns = reader.coverage_columns()
    finally:
        reader.close()
        writer.close()
    reads = len(calls) // 2
    # Every column read twice (the sessions run at once: in any order within a round).
    assert len(calls) == 2 * reads and sorted(calls[:reads]) == sorted(calls[reads:])
    # Two figures and nothing else, as loaded by the replace (LONE_FIGURES: no areas).
    assert sorted(row[0] for row in columns.targets) == sorted(
        row["id"] for row in LONE_FIGURES[:2]
    )
    assert not (columns.leaders or columns.areas or columns.contacts or columns.concerns)
    assert not (columns.memberships or columns.joint_meeting)


@NEO4J_GROUP
def test_sample_district_same_json_on_both_backends(neo4j_uri: str, tmp_path: Path) -> None:
    """data/sample through the CLI and the workspace: identical coverage, gaps, leaders."""
    uri = neo4j_uri
    sqlite = str(tmp_path / "sample.db")
    for location in (sqlite, uri):
        _cli("load", "--store", location, str(SAMPLE))
    # The README's figures, as of 2026-11-27 with the default window.
    for location in (sqlite, uri):
        answer = json.loads(_cli("coverage", "--store", location, "--json", "--as-of",
                                 SAMPLE_AS_OF))  # fmt: skip
        assert answer["totals"] == counts(774, 235, 164, 200, 175), location
    disagreements: list[str] = []

    def same(what: str, a: str, b: str) -> None:
        # Each store counts its own writes: the answers agree but for the version they name.
        a, b = (json.dumps(_unversioned(json.loads(x)), ensure_ascii=False) for x in (a, b))
        if a != b:
            disagreements.append(f"{what}: sqlite {a[:300]!r} != neo4j {b[:300]!r}")

    for as_of, window in ((SAMPLE_AS_OF, "365"), ("2026-06-30", "90"), ("2025-12-31", "0")):
        args = ("--json", "--as-of", as_of, "--window-days", window)
        same(
            f"coverage {as_of} {window}",
            _cli("coverage", "--store", sqlite, *args),
            _cli("coverage", "--store", uri, *args),
        )
        status = ("--status", ",".join(ALL_STATUSES))
        same(
            f"gaps {as_of} {window}",
            _cli("gaps", "--store", sqlite, *args, *status),
            _cli("gaps", "--store", uri, *args, *status),
        )
    lite, neo = Workspace(open_store(sqlite)), Workspace(open_neo4j(uri))
    day = dt.date.fromisoformat(SAMPLE_AS_OF)
    for query in _sample_queries():
        a = lite.gaps(as_of=day, **query)
        b = neo.gaps(as_of=day, **query)
        assert a["total"] or query.get("line") == "center", query  # the filter selects something
        same(f"gaps {query}", json.dumps(a, ensure_ascii=False), json.dumps(b, ensure_ascii=False))
    same(
        "leaders",
        json.dumps(lite.leaders(as_of=day), ensure_ascii=False),
        json.dumps(neo.leaders(as_of=day), ensure_ascii=False),
    )
    lite.close()
    neo.close()
    assert not disagreements, "\n".join(disagreements)


# -- every method of the Store protocol, on every backend -----------------------------------
# Expected values come from the loaded records themselves (the loader's dataset), worked
# out here without the stores' SQL or Cypher.

# The reference columns of each node kind (spec: a node names these ids).
_REFERENCES = {
    "area": ("parent_id",),
    "leader": ("area_id",),
    "figure": ("area_id",),
    "organization": ("area_id", "parent_id"),
    "unit": ("area_id",),
    "interaction": ("leader_ids", "target_ids"),
}


def _named(node: NodeRecord) -> set[str]:
    found: set[str] = set()
    for column in _REFERENCES.get(node.kind, ()):
        value = node.props.get(column)
        found.update(value if isinstance(value, list) else [value] if value else [])
    return found


def _iso(value: Any) -> str | None:
    return None if value is None else str(value)[:10]


def _node_keys(nodes: Iterable[NodeRecord]) -> list[tuple[str, str, str]]:
    return sorted((n.id, n.kind, json.dumps(n.props, sort_keys=True, default=str)) for n in nodes)


def _link_keys(links: Iterable[LinkRecord]) -> list[tuple[str, str, str, str, str]]:
    return sorted(
        (k.key, k.kind, k.source_id, k.target_id, json.dumps(k.props, sort_keys=True, default=str))
        for k in links
    )


@pytest.fixture
def loaded(backend: Backend, district: Path) -> tuple[Store, Dataset]:
    store = backend.open()
    dataset = read_folder(district, store.existing_nodes())
    store.load(dataset)
    return store, dataset


# Neo4j reads the columns in pages (the SQLite store ignores it): pages of one and two rows
# cross every page boundary of the small district, and full pages end with an empty one.
COLUMN_PAGE_ROWS = [cypher.PAGE_ROWS, 1, 2]


@pytest.mark.parametrize("page_rows", COLUMN_PAGE_ROWS)
def test_coverage_columns_are_the_records_columns(
    loaded: tuple[Store, Dataset], page_rows: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cypher, "PAGE_ROWS", page_rows)
    store, dataset = loaded
    columns = store.coverage_columns()
    nodes = {n.id: n for n in dataset.nodes}
    targets = sorted(
        (n for n in nodes.values() if n.kind in ("figure", "organization", "unit")),
        key=lambda n: (n.kind, n.id),
    )
    assert [tuple(row) for row in columns.targets] == [
        (
            n.id,
            n.kind,
            n.props.get("category") if n.kind == "figure" else n.props.get("kind"),
            n.props.get("area_id"),
            n.props.get("name"),
        )
        for n in targets
    ]
    leaders = sorted((n for n in nodes.values() if n.kind == "leader"), key=lambda n: n.id)
    in_office = {"L1": True, "L2": True, "L3": False}  # 是, empty (in office), 否 in DISTRICT

    def leader_row(row: Any) -> tuple[Any, ...]:
        office = None if row[3] is None else bool(row[3])
        return (row[0], row[1], row[2], office, row[4], row[5])

    assert [leader_row(row) for row in columns.leaders] == [
        (n.id, n.props["name"], n.props["post"], in_office[n.id], None, None) for n in leaders
    ]
    assert sorted(tuple(row) for row in columns.areas) == sorted(
        (a["id"], a["parent_id"], a["name"], nodes[a["id"]].props["kind"])
        for a in DISTRICT["areas"]
    )

    def dated(rows: Iterable[Any]) -> list[tuple[Any, ...]]:
        return sorted((a, b, _iso(since), _iso(until)) for a, b, since, until in rows)

    assert dated(columns.contacts) == sorted(
        (c["leader_id"], c["target_id"], _iso(c["since"]), _iso(c["until"]))
        for c in DISTRICT["contacts"]
    )
    assert dated(columns.memberships) == sorted(
        (m["figure_id"], m["org_id"], _iso(m["since"]), _iso(m["until"]))
        for m in DISTRICT["memberships"]
    )
    assert sorted((t, _iso(day)) for t, day in columns.concerns) == sorted(
        (t, _iso(i["date"])) for i in DISTRICT["interactions"] for t in i["target_ids"]
    )
    assert columns.joint_meeting == set()  # DISTRICT marks no unit


@pytest.mark.parametrize("page_rows", COLUMN_PAGE_ROWS)
def test_participations_are_one_row_per_leader_and_target(
    loaded: tuple[Store, Dataset], page_rows: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cypher, "PAGE_ROWS", page_rows)
    store, _ = loaded
    rows = sorted((leader, target, _iso(day)) for leader, target, day in store.participations())
    assert rows == sorted(
        (leader, target, _iso(i["date"]))
        for i in DISTRICT["interactions"]
        for leader in i["leader_ids"]
        for target in i["target_ids"]
    )


@pytest.mark.parametrize("page_rows", COLUMN_PAGE_ROWS)
def test_assessment_records_give_the_records_assessment_data(
    backend: Backend,
    district: Path,
    tmp_path: Path,
    page_rows: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The assessment's own read shapes to what every stored record shapes to (leaders with
    dates in and out of office too), with dates as dates and id lists as tuples."""
    store = backend.open()
    load_folder(store, district)
    terms = {
        "leaders": [
            dict(DISTRICT["leaders"][0], since=d("2026-02-01")),
            dict(DISTRICT["leaders"][2], since=d("2019-05-04"), until=d("2026-07-01")),
        ]
    }
    load_folder(store, write_tables(tmp_path / "terms", terms))
    monkeypatch.setattr(cypher, "PAGE_ROWS", page_rows)
    expected = assessment_data(store.nodes(), store.links())
    assert assessment_data(*store.assessment_records()) == expected
    # The expected answer's pieces, from the written district (not from either read).
    assert expected.leaders["L1"]["since"] == d("2026-02-01")
    assert expected.leaders["L3"]["until"] == d("2026-07-01")
    assert sorted(expected.targets) == sorted(
        row["id"] for table in ("figures", "organizations", "units") for row in DISTRICT[table]
    )
    code = {"座谈会": "meeting"}  # the one label DISTRICT writes for a kind
    assert sorted(expected.interactions) == sorted(
        (
            i["id"],
            i["date"],
            code.get(i["kind"], i["kind"]),
            tuple(i["leader_ids"]),
            tuple(i["target_ids"]),
        )
        for i in DISTRICT["interactions"]
    )
    assert sorted(expected.contacts) == sorted(
        (c["leader_id"], c["target_id"], c["since"], c["until"]) for c in DISTRICT["contacts"]
    )
    assert {a: parent for a, (parent, _, _) in expected.areas.items()} == {
        a["id"]: a["parent_id"] for a in DISTRICT["areas"]
    }


@pytest.mark.parametrize(
    "ids", [{"L1"}, {"F1"}, {"A1"}, {"O1", "U2"}, {"A0", "I4"}, {"NOPE"}, {"F5", "L2", "A3"}]
)
def test_neighbourhood_is_the_records_around_the_ids(
    loaded: tuple[Store, Dataset], ids: set[str]
) -> None:
    store, dataset = loaded
    store.prepare_lookups()  # may do nothing; the answer is the same either way
    nodes, links = store.neighbourhood(ids)
    own = [n for n in dataset.nodes if n.id in ids]
    touching = [k for k in dataset.links if k.source_id in ids or k.target_id in ids]
    naming = [n for n in dataset.nodes if _named(n) & ids]
    far = {r for n in own + naming for r in _named(n)}
    far |= {end for k in touching for end in (k.source_id, k.target_id)}
    expected = {n.id: n for n in [*own, *naming, *(n for n in dataset.nodes if n.id in far)]}
    assert _node_keys(nodes) == _node_keys(expected.values())
    assert _link_keys(links) == _link_keys(touching)


# The district with relations (one between a leader and a figure, one among groups) and a
# sub-organization: a ``part_of`` and ``located_in`` edge are no relationship ties.
TIED = {
    **DISTRICT,
    "organizations": [
        *DISTRICT["organizations"],
        {"id": "O4", "name": "商会青年分会", "kind": "商会", "area_id": "A1", "parent_id": "O2"},
    ],
    "relations": [
        {"source_id": "F2", "target_id": "L3", "kind": "同学"},
        {"source_id": "O3", "target_id": "U1", "kind": "共建"},
    ],
}
TIED_IDS = {row["id"] for table in TIED.values() for row in table if "id" in row}


def _tables_ties(tables: dict[str, list[dict[str, Any]]]) -> set[tuple[str, str, str]]:
    """Every relationship tie of raw tables as (kind, source, target), read off the rows."""
    ties = {("contacts", row["leader_id"], row["target_id"]) for row in tables["contacts"]}
    ties |= {("member_of", row["figure_id"], row["org_id"]) for row in tables["memberships"]}
    ties |= {("related_to", row["source_id"], row["target_id"]) for row in tables["relations"]}
    for row in tables["interactions"]:
        ties |= {("took_part", leader, row["id"]) for leader in row["leader_ids"]}
        ties |= {("concerns", row["id"], target) for target in row["target_ids"]}
    return ties


@pytest.mark.parametrize("chunk_ids", [protocol.READ_CHUNK_IDS, 1, 2])
@pytest.mark.parametrize(
    "ids",
    [
        set(),
        {"L1"},
        {"F1", "I1"},
        {"A1", "O4", "O2"},
        {"NOPE", "F5", "F2", "L3"},
        {"O3", "U1", "I7", "L2"},
        TIED_IDS | {"NOPE"},
    ],
)
def test_relationship_ties_are_the_ties_of_the_rows(
    backend: Backend,
    tmp_path: Path,
    ids: set[str],
    chunk_ids: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    store = backend.open()
    store.load(read_folder(write_tables(tmp_path / "tied", TIED)))
    monkeypatch.setattr(protocol, "READ_CHUNK_IDS", chunk_ids)
    ties = _tables_ties(TIED)
    expected = {n: {t for t in ties if n in t[1:]} for n in ids if n in TIED_IDS}
    assert store.relationship_ties(ids) == expected


@pytest.mark.parametrize("ids", [set(), {"F1", "O2", "U1", "NOPE"}, {"L1", "L2", "F1", "F9"}])
def test_node_records_and_links_among(loaded: tuple[Store, Dataset], ids: set[str]) -> None:
    store, dataset = loaded
    assert _node_keys(store.node_records(ids)) == _node_keys(
        n for n in dataset.nodes if n.id in ids
    )
    assert _link_keys(store.links_among(ids)) == _link_keys(
        k for k in dataset.links if k.source_id in ids and k.target_id in ids
    )


def test_version_row_count_and_existing_nodes(backend: Backend, district: Path) -> None:
    store = backend.open()
    before = store.version()
    dataset = read_folder(district, store.existing_nodes())
    store.load(dataset)
    assert store.version() == before + 1
    assert store.row_count() == len(dataset.nodes) + len(dataset.links)
    assert set(store.existing_nodes(["F1", "A2", "NOPE"])) == {"F1", "A2"}
    assert store.existing_nodes(["A2"])["A2"] == ExistingNode("area", "A1")
    graph = store.graph()
    assert graph.graph["version"] == store.version()


def test_keeping_derived_data_is_a_declared_capability(
    loaded: tuple[Store, Dataset], backend: Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both backends keep built parts per data version (issue 15): refused for a version the
    data has left, gone once the data moves on, read back by a fresh connection."""
    store, _ = loaded
    assert isinstance(store, KeepsDerived)
    version = store.version()
    assert not store.has_state("probe", version)
    assert store.save_state("probe", version, b"kept")
    assert store.saved_state("probe", version) == b"kept"
    assert store.has_state("probe", version) and not store.has_state("probe", version - 1)
    assert not store.save_state("probe", version - 1, b"old")  # not the data's version
    assert store.saved_state("probe", version - 1) is None
    monkeypatch.setattr(neo4j_store, "DERIVED_PART_BYTES", 1000)
    big = bytes(range(256)) * 20  # six parts on Neo4j
    assert store.save_state("big", version, big)
    fresh = backend.open()
    assert isinstance(fresh, KeepsDerived)
    assert fresh.saved_state("big", version) == big
    assert fresh.saved_state("probe", version) == b"kept"
    area = {"name": "新区", "kind": "district", "parent_id": None}
    fresh.load(Dataset(nodes=[NodeRecord("KD1", "area", area, "areas.csv", 2)], links=[]))
    assert fresh.version() == version + 1
    assert store.saved_state("probe", version) is None  # built from data that moved on
    assert not store.has_state("probe", version)
    assert not store.save_state("probe", version, b"late")


def test_a_load_keeps_the_snapshot_for_the_next_process(
    backend: Backend, district: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``concentric load`` (a Workspace load that keeps, then the snapshot) leaves the built
    arrays in either store, so a new process answers without reading a column (issue 15:
    the first answer after a load reads them back instead of rebuilding)."""
    loader = Workspace(backend.open())
    loader.load(read_folder(district, None), replace=True, keep=True)
    loader.snapshot()
    fresh = backend.open()

    def columns_read() -> Any:
        raise AssertionError("a column was read: the load kept nothing")

    monkeypatch.setattr(fresh, "coverage_columns", columns_read)
    monkeypatch.setattr(fresh, "participations", columns_read)
    assert (
        Workspace(fresh).coverage(as_of=T, window_days=W)["totals"] == (DISTRICT_COVERAGE["totals"])
    )


# -- duplicate judgements, on every backend ---------------------------------------------------
# Kept apart from the loaded rows: a load (a replace, a staged one) never touches them; a
# "same" made or undone is a new data version but not a new version of the rows.

JUDGED_AT = "2026-07-01T08:00:00+00:00"


def _judgement(left: str, right: str, verdict: str, by: str | None = None) -> protocol.Judgement:
    kind = {"F": "figure", "O": "organization", "U": "unit"}[left[0]]
    return protocol.Judgement(left, right, kind, verdict, JUDGED_AT, by)


def _versions(store: Store) -> tuple[int, int]:
    assert isinstance(store, protocol.KnowsRowsVersion)
    return store.version(), store.rows_version()


def test_judge_replace_and_undo(backend: Backend, district: Path) -> None:
    store = backend.open()
    load_folder(store, district)
    version, rows = _versions(store)
    assert store.judgements() == []
    store.judge(_judgement("F1", "F2", "different", "tok-1"))
    assert _versions(store) == (version, rows)  # no "same" made: the answers stand
    store.judge(_judgement("F1", "F2", "same"))  # replaces the "different"
    assert store.judgements() == [_judgement("F1", "F2", "same")]
    assert _versions(store) == (version + 1, rows)
    store.judge(_judgement("F1", "F2", "same"))  # a "same" replaced: a version again
    assert _versions(store) == (version + 2, rows)
    store.judge(_judgement("O2", "O3", "unsure"))
    store.judge(_judgement("F1", "F2", "unsure", "tok-2"))  # a "same" unmade
    assert _versions(store) == (version + 3, rows)
    # Another connection sees them, ordered by pair.
    expected = [_judgement("F1", "F2", "unsure", "tok-2"), _judgement("O2", "O3", "unsure")]
    assert backend.open().judgements() == expected
    assert store.undo_judgement("F1", "F2") == _judgement("F1", "F2", "unsure", "tok-2")
    assert store.undo_judgement("F1", "F2") is None
    assert _versions(store) == (version + 3, rows)  # neither undo touched a "same"
    store.judge(_judgement("U1", "U2", "same"))
    assert store.undo_judgement("U1", "U2") == _judgement("U1", "U2", "same")
    assert _versions(store) == (version + 5, rows)
    assert store.judgements() == [_judgement("O2", "O3", "unsure")]


@pytest.mark.parametrize("staged", [False, True], ids=["one-transaction", "staged"])
def test_judgements_survive_loads(
    backend: Backend, district: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, staged: bool
) -> None:
    """A replace (on Neo4j: a new generation, the flip, the old one dropped) and an upsert
    (in one transaction, or staged) keep every judgement; each moves both versions."""
    if staged:
        monkeypatch.setattr(neo4j_store, "STAGED_ROWS", 0)
    store = backend.open()
    load_folder(store, district)
    kept = [_judgement("F1", "F2", "same"), _judgement("O2", "O3", "different")]
    for judgement in kept:
        store.judge(judgement)
    version, rows = _versions(store)
    load_folder(store, district, replace=True)
    assert store.judgements() == kept
    assert _versions(store) == (version + 1, rows + 1)
    changed = {**DISTRICT, "figures": [dict(DISTRICT["figures"][0], name="马明明")]}
    load_folder(store, write_tables(tmp_path / "changed", changed))
    assert store.judgements() == kept
    assert _versions(store) == (version + 2, rows + 2)
    assert backend.open().judgements() == kept


def test_a_same_judgement_moves_coverage_in_every_process(backend: Backend, district: Path) -> None:
    """Worked out by hand from the district's table above. F3 = F4: L2's open contact from T
    (in office) and F3's only visit a day before the window: stale. F5 = F9: L2 assigned and
    F9 met on T: covered. O2 / O3 "different" merges nothing. Figures 8 -> 6."""
    writer = backend.workspace()
    load_folder(writer.store, district)
    reader = backend.workspace()  # another process: it follows the version
    assert reader.coverage(as_of=T, window_days=W)["totals"] == DISTRICT_COVERAGE["totals"]
    judge_pair(writer, "F4", "F3", "same", None)
    judge_pair(writer, "F9", "F5", "same", None)
    judge_pair(writer, "O2", "O3", "different", None)
    merged = {
        "totals": counts(11, 3, 1, 3, 4),
        "by_kind": {
            "figure": counts(6, 2, 1, 2, 1),  # F1 F5=F9 | F3=F4 | F2 F6 | F7
            "organization": counts(3, 1, 0, 0, 2),
            "unit": counts(2, 0, 0, 1, 1),
        },
    }
    for workspace in (writer, reader, backend.workspace()):
        answer = workspace.coverage(as_of=T, window_days=W)
        assert {key: answer[key] for key in merged} == merged
    undo_pair(writer, "F3", "F4")
    undo_pair(writer, "F5", "F9")
    for workspace in (writer, reader):
        assert workspace.coverage(as_of=T, window_days=W)["totals"] == DISTRICT_COVERAGE["totals"]


@NEO4J_GROUP
def test_sample_merged_coverage_same_on_both_backends(neo4j_uri: str, tmp_path: Path) -> None:
    """data/sample with the same judgements on both stores: the same merged answers, four
    targets fewer than unmerged (four pairs judged the same; "different" and "unsure" merge
    nothing)."""
    sqlite = str(tmp_path / "sample.db")
    dataset = read_folder(SAMPLE)
    ids = {
        kind: sorted(n.id for n in dataset.nodes if n.kind == kind)
        for kind in ("figure", "organization", "unit")
    }
    figures = ids["figure"]
    judgements = [
        ("same", figures[0], figures[1]),
        ("same", figures[2], figures[3]),
        ("different", figures[4], figures[5]),
        ("unsure", figures[6], figures[7]),
        ("same", ids["organization"][0], ids["organization"][1]),
        ("same", ids["unit"][0], ids["unit"][1]),
    ]
    day = dt.date.fromisoformat(SAMPLE_AS_OF)
    found: list[dict[str, Any]] = []
    for store in (open_store(sqlite), open_neo4j(neo4j_uri)):
        store.load(read_folder(SAMPLE))
        workspace = Workspace(store)
        for verdict, left, right in judgements:
            judge_pair(workspace, left, right, verdict, None)
        answers: dict[str, Any] = {
            "judgements": [(j.left, j.right, j.kind, j.verdict) for j in store.judgements()]
        }
        for as_of, window in ((day, 365), (dt.date(2026, 6, 30), 90)):
            answers[f"coverage {as_of} {window}"] = _unversioned(
                workspace.coverage(as_of=as_of, window_days=window)
            )
            answers[f"gaps {as_of} {window}"] = _unversioned(
                workspace.gaps(as_of=as_of, window_days=window, statuses=ALL_STATUSES)
            )
        answers["leaders"] = _unversioned(workspace.leaders(as_of=day))
        found.append(json.loads(json.dumps(answers, ensure_ascii=False, default=str)))
        workspace.close()
    lite, neo = found
    assert lite[f"coverage {day} 365"]["totals"]["targets"] == 774 - 4
    assert len(lite["judgements"]) == len(judgements)
    for key in lite:
        assert lite[key] == neo[key], key

"""The register's completeness on a small district worked out by hand.

七里河 (A1) holds two towns, 阿干镇 (A2) and 西园 (A3). Each record below says in its
comment what it lacks; the expected counts are tallied from those comments by hand.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from conftest import Run

TABLES = {
    "areas": "编号,名称,类型,上级编号\nA1,七里河区,区,\nA2,阿干镇,乡镇,A1\nA3,西园街道,街道,A1\n",
    "figures": (
        "编号,姓名,类别,党派,民族,宗教,所在区域,电话\n"
        "F1,甲,民主党派成员,民盟,,,A2,13800000001\n"  # complete
        "F2,乙,宗教界人士,,,,A2,\n"  # details, phone, organization, contact
        "F3,丙,无党派人士,,,,,13800000003\n"  # area
        "F4,丁,少数民族人士,,回族,,A3,13800000004\n"  # organization
    ),
    "organizations": (
        "编号,名称,类型,所在区域\nO1,民盟支部,民主党派组织,A2\nO2,清真寺,宗教活动场所,A3\n"
    ),
    # O1 complete; O2 never contacted.
    "units": "编号,名称,类型,所在区域,联席会议\nU1,兰州理工大学,高校,A3,是\nU2,某国企,国企,,\n",
    # U1 complete; U2 area, joint meeting, contact.
    "leaders": "编号,姓名,职务,分管区域\nL1,张书记,区委书记,A1\nL2,李副区长,,\n",
    # L1 complete; L2 post.
    "memberships": "人士编号,组织编号\nF1,O1\nF3,O1\n",
    "interactions": "编号,日期,类型,领导编号,对象编号\nI1,2026-01-05,走访,L1,F1;F3;F4;U1;O1\n",
}


@pytest.fixture
def district_db(cli: Run, tmp_path: Path) -> Path:
    folder = tmp_path / "district"
    folder.mkdir()
    for name, text in TABLES.items():
        (folder / f"{name}.csv").write_text(text, encoding="utf-8")
    db = tmp_path / "c.db"
    loaded = cli("load", folder, "--store", db)
    assert loaded.exit_code == 0, loaded.output
    return db


@pytest.fixture
def answer(cli: Run, district_db: Path) -> dict[str, Any]:
    result = cli("completeness", "--json", "--store", district_db)
    assert result.exit_code == 0, result.output
    found: dict[str, Any] = json.loads(result.stdout)
    return found


def test_per_table(answer: dict[str, Any]) -> None:
    assert answer["tables"] == {
        "figures": {
            "records": 4,
            "complete": 1,
            "ratio": 0.25,
            "missing": {
                "no_area": 1,
                "no_category_details": 1,
                "no_phone": 1,
                "no_organization": 2,
                "never_contacted": 1,
            },
        },
        "organizations": {
            "records": 2,
            "complete": 1,
            "ratio": 0.5,
            "missing": {"never_contacted": 1},
        },
        "units": {
            "records": 2,
            "complete": 1,
            "ratio": 0.5,
            "missing": {"no_area": 1, "no_joint_meeting": 1, "never_contacted": 1},
        },
        "leaders": {"records": 2, "complete": 1, "ratio": 0.5, "missing": {"no_post": 1}},
    }


def test_per_area_with_the_areas_below(answer: dict[str, Any]) -> None:
    areas = {a["area_id"]: (a["records"], a["complete"], a["ratio"]) for a in answer["areas"]}
    # A2: F1, F2, O1 (F2 incomplete). A3: F4, U1, O2 (F4, O2 incomplete).
    # A1: both towns and L1 (complete). No area: F3, U2, L2, none complete.
    assert areas == {
        "A2": (3, 2, round(2 / 3, 4)),
        "A3": (3, 1, round(1 / 3, 4)),
        "A1": (7, 4, round(4 / 7, 4)),
        "": (3, 0, 0.0),
    }
    assert [a["area_id"] for a in answer["areas"]] == ["", "A3", "A1", "A2"]  # worst first
    a1 = next(a for a in answer["areas"] if a["area_id"] == "A1")
    assert a1["missing"] == {
        "no_category_details": 1,
        "no_phone": 1,
        "no_organization": 2,
        "never_contacted": 2,
    }


def test_per_source_file(answer: dict[str, Any]) -> None:
    files = {Path(f["file"]).name: (f["records"], f["complete"]) for f in answer["files"]}
    assert files == {
        "figures.csv": (4, 1),
        "organizations.csv": (2, 1),
        "units.csv": (2, 1),
        "leaders.csv": (2, 1),
    }


def test_each_incomplete_record_and_where_it_came_from(answer: dict[str, Any]) -> None:
    items = {r["id"]: (r["missing"], Path(r["file"]).name, r["line"]) for r in answer["items"]}
    assert items == {
        "F2": (
            ["no_category_details", "no_phone", "no_organization", "never_contacted"],
            "figures.csv",
            3,
        ),
        "F3": (["no_area"], "figures.csv", 4),
        "F4": (["no_organization"], "figures.csv", 5),
        "O2": (["never_contacted"], "organizations.csv", 3),
        "U2": (["no_area", "no_joint_meeting", "never_contacted"], "units.csv", 3),
        "L2": (["no_post"], "leaders.csv", 3),
    }
    assert answer["items"][0]["id"] == "F2"  # the most missing first


def test_the_table_output_names_the_worst_record(cli: Run, district_db: Path) -> None:
    result = cli("completeness", "--store", district_db)
    assert result.exit_code == 0
    assert "incomplete records: 6" in result.stdout and "乙" in result.stdout


def test_an_empty_store_is_refused(cli: Run, tmp_path: Path) -> None:
    result = cli("completeness", "--store", tmp_path / "none.db")
    assert result.exit_code == 2 and "Traceback" not in result.output


def test_the_api_answers_readers_and_tells_who_lacks_a_phone_only_to_whom_may_see_phones(
    district_db: Path, answer: dict[str, Any]
) -> None:
    from fastapi.testclient import TestClient

    from concentric.api.app import create_app
    from concentric.api.settings import Settings

    app = create_app(
        Settings(store=str(district_db), access_db=None, cors_origins=[], _env_file=None)
    )
    access = app.state.access
    tokens = {role: access.create_token(role) for role in ("planner", "analyst", "admin")}
    tokens["leader"] = access.create_token("leader", leader_id="L1")
    with TestClient(app) as client:

        def get(role: str, **params: Any) -> Any:
            headers = {"Authorization": f"Bearer {tokens[role]}"}
            return client.get("/api/v1/completeness", headers=headers, params=params)

        planner = get("planner").json()
        assert planner["tables"] == answer["tables"]  # the CLI's JSON, the same counts
        assert {i["id"]: i["missing"] for i in planner["items"]}["F2"] == [
            "no_category_details",
            "no_phone",
            "no_organization",
            "never_contacted",
        ]
        assert planner["total"] == 6
        # An analyst sees no personal fields: the counts stay, F2's list loses its phone.
        analyst = get("analyst").json()
        assert analyst["tables"]["figures"]["missing"]["no_phone"] == 1
        f2 = next(i for i in analyst["items"] if i["id"] == "F2")
        assert f2["missing"] == ["no_category_details", "no_organization", "never_contacted"]
        paged = get("planner", limit=2, offset=1).json()
        assert [i["id"] for i in paged["items"]] == [i["id"] for i in planner["items"][1:3]]
        assert paged["total"] == 6
        assert get("leader").status_code == 403
        assert client.get("/api/v1/completeness").status_code == 401


def test_the_page_shows_the_same_counts_and_records(district_db: Path) -> None:
    from test_page_actions import Site

    site = Site(district_db)
    try:
        site.sign_in("planner")
        page = site.page("/completeness")
        assert re.findall(r'<tr class="completeness-item" data-id="(\w+)">', page) == [
            "F2",
            "U2",
            "F3",
            "F4",
            "L2",
            "O2",
        ]
        # The figures row: 4 records, 1 complete, 25 %.
        figures = re.search(
            r'<tr class="completeness-table"><td[^>]*>党外代表人士</td>(.*?)</tr>', page
        )
        assert figures is not None
        assert re.findall(r'<td class="num"[^>]*>([^<]*)</td>', figures[1])[:3] == ["4", "1", "25%"]
        assert "无电话" in page
        site.sign_in("analyst")
        shown = site.page("/completeness")
        f2 = re.search(r'data-id="F2">(.*?)</tr>', shown)
        assert f2 is not None and "无电话" not in f2[1] and "缺类别信息" in f2[1]
        site.tokens["leader"] = site.app.state.access.create_token("leader", leader_id="L1")
        site.sign_in("leader")
        assert site.client.get("/completeness").status_code == 403
    finally:
        site.client.close()
        site.app.state.workspace.close()
        site.app.state.access.close()
        site.app.state.idempotency.close()


def test_the_xlsx_report_has_the_completeness_sheets(
    cli: Run, district_db: Path, tmp_path: Path
) -> None:
    from openpyxl import load_workbook

    out = tmp_path / "r.xlsx"
    result = cli("report", "--xlsx", out, "--as-of", "2026-06-30", "--store", district_db)
    assert result.exit_code == 0, result.output
    book = load_workbook(out, read_only=True)
    rows = [list(r) for r in book["底数完整性"].iter_rows(min_row=3, values_only=True)]
    by_key = {(r[0], r[1] or ""): tuple(r[3:]) for r in rows}
    # records, complete, ratio, then area, details, phone, organization, joint, post, contact
    assert by_key[("表", "figures")] == (4, 1, 0.25, 1, 1, 1, 2, 0, 0, 1)
    assert by_key[("表", "units")] == (2, 1, 0.5, 1, 0, 0, 0, 1, 0, 1)
    assert by_key[("区域", "A1")][:2] == (7, 4)
    assert by_key[("区域", "")][:3] == (3, 0, 0.0)
    assert by_key[("文件", "leaders.csv")][:2] == (2, 1)
    items = {r[0]: r[6] for r in book["不完整记录"].iter_rows(min_row=3, values_only=True)}
    assert set(items) == {"F2", "F3", "F4", "O2", "U2", "L2"}
    # The report holds ordinary fields only: F2 is listed without its missing phone.
    assert items["F2"] == "缺类别信息、无所属组织、从未联系"


def test_a_store_read_as_whole_records_gives_the_same_answer(
    district_db: Path, answer: dict[str, Any]
) -> None:
    """The generic path (every record decoded, as for Neo4j) against the SQL one."""
    from concentric.graph.engine.completeness import completeness, links_named
    from concentric.graph.store.sqlite_store import SQLiteStore

    with SQLiteStore(district_db) as store:
        nodes = list(store.nodes())
        whole = completeness(nodes, *links_named(nodes, store.links()))
    assert {k: v for k, v in answer.items() if k != "version"} == whole

"""Names, pinyin and initials wherever the CLI takes an id; the area tree; enum errors that
list the Chinese labels; Chinese reasons whose network path avoids the leaving leaders; the
demo's kept store; read commands on a missing or empty store.

The small district below is built by hand, so every expected id, reason and path is worked
out in the comments, not taken from the code under test. The area tree is rebuilt from
``data/sample/areas.csv`` directly.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from backends import write_tables
from typer.testing import CliRunner, Result

import concentric.api.cli_server
from concentric.api.cli import app
from concentric.graph.store.factory import open_store

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "sample"
AS_OF = "2026-06-30"
OLD = dt.date(2024, 1, 10)  # outside the 365-day window before AS_OF

# A0 七里河区 ⊃ A1 秀川街道; A0 ⊃ A2 阿干镇 ⊃ A3 阿干村.
# L1 尹秀荣 is the one who leaves; she alone holds F1 and F2, so both are orphaned.
# F1 马军 (democratic_party → cooperation line) in A1, member of O1 九三学社七里河区支社.
# F2 马军 (ethnic → guidance line) in A3: the same name as F1.
# L2 王伟 is in charge of A1 and of the cooperation line: for F1 −4 −3 = 3.
# L3 汪维 (same pinyin as 王伟: wangwei / ww) holds O1: L3–O1–F1 is two steps, −2 = 8.
# L4 张敏 took part with L1 in I9 about F2 (old): for F2 met once, −1 = 9. For F1 its only
#   chain is L4–I9–L1–F1, through the leaving L1: no bonus, 10, "尚有联系名额".
# L5 李强 is in charge of A2 阿干镇, above F2's A3: for F2 −4 = 6; for F1 nothing, 10.
# Successors of F1: L2 (3), L3 (8), then L4 and L5 at 10, by id: L4.
# Successors of F2: L5 (6), L4 (9), then L2 and L3 at 10, by id: L2.
DISTRICT: dict[str, list[dict[str, Any]]] = {
    "areas": [
        {"id": "A0", "name": "七里河区", "kind": "district", "parent_id": None},
        {"id": "A1", "name": "秀川街道", "kind": "subdistrict", "parent_id": "A0"},
        {"id": "A2", "name": "阿干镇", "kind": "town", "parent_id": "A0"},
        {"id": "A3", "name": "阿干村", "kind": "village", "parent_id": "A2"},
    ],
    "leaders": [
        {"id": "L1", "name": "尹秀荣", "post": "统战部长"},
        {"id": "L2", "name": "王伟", "post": "副区长", "area_id": "A1", "lines": "cooperation"},
        {"id": "L3", "name": "汪维", "post": "科长"},
        {"id": "L4", "name": "张敏", "post": "干事"},
        {"id": "L5", "name": "李强", "post": "镇长", "area_id": "A2"},
    ],
    "figures": [
        {"id": "F1", "name": "马军", "category": "democratic_party", "area_id": "A1"},
        {"id": "F2", "name": "马军", "category": "ethnic", "area_id": "A3"},
    ],
    "organizations": [
        {"id": "O1", "name": "九三学社七里河区支社", "kind": "party_branch", "area_id": "A1"},
    ],
    "memberships": [{"figure_id": "F1", "org_id": "O1"}],
    "contacts": [
        {"leader_id": "L1", "target_id": "F1"},
        {"leader_id": "L1", "target_id": "F2"},
        {"leader_id": "L3", "target_id": "O1"},
    ],
    "interactions": [
        {"id": "I9", "date": OLD, "kind": "visit", "leader_ids": "L1;L4", "target_ids": "F2"},
    ],
}


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = write_tables(tmp_path_factory.mktemp("district") / "data", DISTRICT)
    path = folder.parent / "d.db"
    result = CliRunner().invoke(app, ["load", "--store", str(path), str(folder)])
    assert result.exit_code == 0, result.stderr
    return path


def invoke(store: Path, *args: str) -> Result:
    return CliRunner().invoke(app, [*args, "--store", str(store)])


def answer(store: Path, *args: str) -> Any:
    result = invoke(store, *args, "--json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


# ---------------------------------------------------------------- names, pinyin, initials


@pytest.mark.parametrize("spelling", ["L1", "尹秀荣", "yinxiurong", "Yin Xiurong", "yxr", "YXR"])
def test_a_leader_by_id_name_pinyin_or_initials(store: Path, spelling: str) -> None:
    departure = answer(store, "departure", spelling, "--as-of", AS_OF)
    assert departure["leaders"] == ["L1"]
    assert [i["id"] for i in departure["items"]] == ["F1", "F2"]


@pytest.mark.parametrize("spelling", ["A2", "阿干镇", "aganzhen", "agz"])
def test_gaps_area_by_name(store: Path, spelling: str) -> None:
    gaps = answer(store, "gaps", "--area", spelling, "--status", "uncovered,stale,indirect,covered")
    # Below 阿干镇: only A3, where F2 is.
    assert [i["id"] for i in gaps["items"]] == ["F2"]


def test_an_area_option_resolves_areas_only(store: Path) -> None:
    result = invoke(store, "gaps", "--area", "马军")  # two figures, no area
    assert result.exit_code == 2
    assert "'马军' is not an area's id, name or pinyin" in result.stderr
    result = invoke(store, "gaps", "--area", "F1")
    assert result.exit_code == 2
    assert "is a figure" in result.stderr and "not an area" in result.stderr


def test_an_ambiguous_name_lists_the_candidates(store: Path) -> None:
    result = invoke(store, "network", "马军")
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert "'马军' names 2 entities" in lines[0]
    # One line each: name, id, kind label, area.
    assert lines[1:] == ["  马军 (F1, 党外代表人士, 秀川街道)", "  马军 (F2, 党外代表人士, 阿干村)"]
    # Same pinyin, two leaders.
    result = invoke(store, "departure", "wangwei")
    assert result.exit_code == 2
    assert "(L2, 联系领导, 副区长)" in result.stderr and "(L3, 联系领导, 科长)" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_miss_suggests_the_closest_names(store: Path) -> None:
    result = invoke(store, "departure", "尹秀")
    assert result.exit_code == 2
    assert "did you mean 尹秀荣 (L1," in result.stderr
    result = invoke(store, "gaps", "--area", "阿干")
    assert result.exit_code == 2
    assert "阿干镇 (A2," in result.stderr and "阿干村 (A3," in result.stderr
    result = invoke(store, "departure", "yinxiu")  # a pinyin beginning
    assert "did you mean 尹秀荣 (L1," in result.stderr
    result = invoke(store, "departure", "F1")  # an id of another kind
    assert result.exit_code == 2
    assert "马军 (F1, 党外代表人士, 秀川街道) is a figure" in result.stderr


def test_path_network_export_viz_and_token_take_names(store: Path, tmp_path: Path) -> None:
    path = answer(store, "path", "汪维", "九三学社七里河区支社")
    assert path["found"] and [s["to"] for s in path["steps"]] == ["O1"]
    network = answer(store, "network", "九三学社七里河区支社")
    assert {n["id"] for n in network["nodes"]} == {"O1", "F1", "L3"}
    out = tmp_path / "o1.graphml"
    result = invoke(store, "export", str(out), "--entity", "jiusanxueshe七里河区支社")
    assert result.exit_code == 2  # neither a name nor a pinyin: refused, nothing written
    assert not out.exists()
    result = invoke(store, "export", str(out), "--entity", "九三学社七里河区支社")
    assert result.exit_code == 0, result.stderr
    text = out.read_text(encoding="utf-8")
    assert 'id="F1"' in text and 'id="F2"' not in text
    page = tmp_path / "l1.html"
    result = invoke(store, "viz", "leader", "yxr", "-o", str(page))
    assert result.exit_code == 0, result.stderr
    assert "马军" in page.read_text(encoding="utf-8")  # her targets are drawn
    result = invoke(store, "token", "create", "--role", "leader", "--leader", "尹秀荣")
    assert result.exit_code == 0, result.stderr
    tokens = answer(store, "token", "list")
    assert [t["leader_id"] for t in tokens] == ["L1"]


# ------------------------------------------------------------------------------ the areas


def test_areas_lists_the_sample_tree(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    assert CliRunner().invoke(app, ["load", "--store", str(db), str(SAMPLE)]).exit_code == 0
    with (SAMPLE / "areas.csv").open(encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    children: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        children.setdefault(row["上级编号"], []).append(row)
    kind_codes = {"区": "district", "乡镇": "town", "街道": "subdistrict", "社区": "community"}
    kind_codes["村"] = "village"
    expected: list[dict[str, Any]] = []

    def walk(parent: str, depth: int) -> None:
        for row in sorted(children.get(parent, []), key=lambda r: r["编号"]):
            expected.append(
                {
                    "id": row["编号"],
                    "name": row["名称"],
                    "kind": kind_codes[row["类型"]],
                    "parent_id": row["上级编号"] or None,
                    "depth": depth,
                }
            )
            walk(row["编号"], depth + 1)

    walk("", 0)
    assert len(expected) == len(rows)
    assert answer(db, "areas") == expected
    labels = {row["编号"]: row["类型"] for row in rows}
    text = invoke(db, "areas").stdout.splitlines()
    indented = ["  " * a["depth"] + f"{a['name']} {a['id']} {labels[a['id']]}" for a in expected]
    assert text == indented


# ------------------------------------------------------------------------------ enum errors


@pytest.mark.parametrize(
    ("option", "value", "listed"),
    [
        ("--category", "宗教", ["religious 宗教界人士", "democratic_party 民主党派成员"]),
        ("--kind", "person", ["figure 党外代表人士", "unit 驻区单位"]),
        ("--line", "统战线", ["guidance 和谐稳定引导线", "union 争取人心联合线"]),
        ("--status", "lost", ["uncovered 未覆盖", "stale 久未联系"]),
    ],
)
def test_enum_errors_list_code_and_label(
    store: Path, option: str, value: str, listed: list[str]
) -> None:
    result = invoke(store, "gaps", option, value)
    assert result.exit_code == 2
    assert f"{value!r}" in result.stderr
    for pair in listed:
        assert pair in result.stderr
    assert "Traceback" not in result.stderr


def test_a_kind_label_is_accepted(store: Path) -> None:
    gaps = answer(store, "gaps", "--kind", "组织", "--status", "uncovered,stale,indirect,covered")
    assert [i["id"] for i in gaps["items"]] == ["O1"]


# ------------------------------------------------------------------------------ reasons


def test_departure_reasons_in_chinese_never_via_the_leaver(store: Path) -> None:
    departure = answer(store, "departure", "尹秀荣", "--as-of", AS_OF)
    by_target = {i["id"]: i["successors"] for i in departure["items"]}
    assert [(s["leader_id"], s["leader_name"], s["cost"]) for s in by_target["F1"]] == [
        ("L2", "王伟", 3),
        ("L3", "汪维", 8),
        ("L4", "张敏", 10),
    ]
    assert [s["reasons"] for s in by_target["F1"]] == [
        ["分管秀川街道（对象所在地）", "负责协商共进合作线"],
        ["网络中相距2步（经由九三学社七里河区支社）"],
        ["尚有联系名额"],  # its only chain ran through 尹秀荣
    ]
    assert [(s["leader_id"], s["cost"]) for s in by_target["F2"]] == [
        ("L5", 6),
        ("L4", 9),
        ("L2", 10),
    ]
    assert by_target["F2"][0]["reasons"] == ["分管阿干镇（对象所在的阿干村属其辖区）"]
    assert by_target["F2"][1]["reasons"] == [f"此前联系过1次，最近一次在{OLD.isoformat()}"]
    text = json.dumps(departure, ensure_ascii=False)
    assert "经由尹秀荣" not in text and "、尹秀荣" not in text


def test_departure_table_names_the_successors(store: Path) -> None:
    result = invoke(store, "departure", "L1", "--as-of", AS_OF)
    assert result.exit_code == 0, result.stderr
    assert "尹秀荣 (L1)" in result.stdout
    assert "王伟 (L2)、汪维 (L3)、张敏 (L4)" in result.stdout
    assert "分管秀川街道（对象所在地）；负责协商共进合作线" in result.stdout


def test_a_narrow_terminal_wraps_reasons_instead_of_cutting_them(
    store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import concentric.api.cli

    monkeypatch.setattr(concentric.api.cli.out, "width", 70)
    result = invoke(store, "departure", "L1", "--as-of", AS_OF)
    assert result.exit_code == 0, result.stderr
    assert "…" not in result.stdout
    # The last column, read down the table's body lines, is each row's reasons in full.
    last = "".join(
        line.split("│")[-2].strip() for line in result.stdout.splitlines() if "│" in line
    )
    assert "分管秀川街道（对象所在地）；负责协商共进合作线" in last
    assert "分管阿干镇（对象所在的阿干村属其辖区）" in last


# ----------------------------------------------------------------- demo and empty stores


def uncovered(store: Path) -> set[str]:
    return {i["id"] for i in answer(store, "gaps", "--status", "uncovered")["items"]}


def test_demo_keeps_its_store_and_prints_commands_for_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = write_tables(tmp_path / "data", DISTRICT)
    served: list[str] = []
    monkeypatch.setattr(
        concentric.api.cli_server, "_serve", lambda settings: served.append(settings.store)
    )
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["demo", "--data", str(folder)])
    assert result.exit_code == 0, result.stderr
    assert served == ["concentric-demo.db"]
    assert (tmp_path / "concentric-demo.db").exists()
    assert "concentric coverage --store concentric-demo.db" in result.stdout
    assert "stays at concentric-demo.db" in result.stdout
    # Work done on the demo store survives the next demo ...
    extra = write_tables(
        tmp_path / "extra", {"figures": [{"id": "F9", "name": "新人", "category": "other"}]}
    )
    assert (
        CliRunner().invoke(app, ["load", str(extra), "--store", "concentric-demo.db"]).exit_code
        == 0
    )
    result = CliRunner().invoke(app, ["demo", "--data", str(folder)])
    assert result.exit_code == 0, result.stderr
    assert "Using the existing demo store concentric-demo.db" in result.stdout
    ids = {
        i["id"]
        for i in answer(Path("concentric-demo.db"), "gaps", "--status", "uncovered")["items"]
    }
    assert "F9" in ids
    # ... unless --fresh loads the dataset again.
    result = CliRunner().invoke(app, ["demo", "--data", str(folder), "--fresh"])
    assert result.exit_code == 0, result.stderr
    ids = {
        i["id"]
        for i in answer(Path("concentric-demo.db"), "gaps", "--status", "uncovered")["items"]
    }
    assert "F9" not in ids


@pytest.mark.parametrize(
    "command", [["coverage"], ["gaps"], ["leaders"], ["areas"], ["departure", "L1"]]
)
def test_a_missing_store_is_named_and_not_created(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: list[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CONCENTRIC_STORE", raising=False)
    result = CliRunner().invoke(app, command)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "the store concentric.db does not exist" in result.stderr
    assert "concentric load PATH --store concentric.db" in result.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("command", [["coverage"], ["gaps", "--json"], ["blind-spots"]])
def test_an_empty_store_says_so_before_any_table(tmp_path: Path, command: list[str]) -> None:
    empty = tmp_path / "e.db"
    open_store(empty).close()
    result = CliRunner().invoke(app, [*command, "--store", str(empty)])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert f"the store {empty} is empty" in result.stderr

"""The analysis commands on the sample district, against what its generator planted.

`scripts/make_sample.py` plants known gaps in `data/sample` (leaders under or over quota,
towns without an ethnic work station, area × category blind spots); the expected values
below are those plants, looked up by name in the sample's own files, not computed by the
code under test.
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from concentric.api.cli import app

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "sample"
AS_OF = "2026-11-27"


@pytest.fixture(scope="module")
def sample_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sample") / "s.db"
    result = CliRunner().invoke(app, ["load", "--store", str(path), str(SAMPLE)])
    assert result.exit_code == 0, result.stderr
    return path


def run(store: Path, *args: str) -> Any:
    result = CliRunner().invoke(app, [*args, "--store", str(store), "--json"])
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def area_ids() -> dict[str, str]:
    with (SAMPLE / "areas.csv").open(encoding="utf-8-sig") as handle:
        return {row["名称"]: row["编号"] for row in csv.DictReader(handle)}


def test_leaders_flags_the_planted_quota_problems(sample_store: Path) -> None:
    answer = run(sample_store, "leaders", "--as-of", AS_OF)
    by_status = {
        s: {i["id"] for i in answer["items"] if i["quota_status"] == s} for s in ("under", "over")
    }
    assert by_status == {"under": {"L01", "L14", "L28"}, "over": {"L07", "L27"}}
    assert {i["id"] for i in answer["items"]}.isdisjoint({"L16", "L25"})  # out of office
    # Worst first: every problem comes before every leader whose quota is fine.
    ranks = [i["quota_status"] != "ok" for i in answer["items"]]
    assert ranks == sorted(ranks, reverse=True)


def test_blind_spots_find_the_planted_towns_and_cells(sample_store: Path) -> None:
    answer = run(sample_store, "blind-spots", "--as-of", AS_OF)
    ids = area_ids()
    assert set(answer["areas_without_station"]) == {ids["秀川街道"], ids["魏岭乡"], ids["黄峪乡"]}
    empty = {(c["area_id"], c["category"]) for c in answer["items"]}
    planted = {
        ("阿干镇", "religious"),
        ("魏岭乡", "religious"),
        ("黄峪乡", "ethnic"),
        ("西果园镇", "private_economy"),
        ("秀川街道", "intellectual"),
        ("八里镇", "new_strata"),
    }
    assert {(ids[town], category) for town, category in planted} <= empty
    assert [line["line"] for line in answer["lines"]] == [
        "center",
        "cooperation",
        "guidance",
        "service",
        "union",
    ]


def test_recommend_keeps_every_leader_within_capacity(sample_store: Path) -> None:
    answer = run(sample_store, "recommend", "--as-of", AS_OF)
    placed = Counter(i["leader_id"] for i in answer["items"])
    assert all(placed[leader] <= cap for leader, cap in answer["capacity"].items())
    assert set(placed) <= set(answer["capacity"])
    assert all(i["reasons"] for i in answer["items"])
    assert {i["status"] for i in answer["items"]} <= {"uncovered", "stale"}


@pytest.mark.parametrize(
    "args",
    [
        ("single-points", "--as-of", AS_OF),
        ("departure", "L07", "--as-of", AS_OF),
        ("changes", "--from", "2026-08-27", "--to", AS_OF),
        ("network", "L01", "--depth", "2"),
        ("path", "L01", "U02"),
        ("brokers", "--top", "5"),
        ("communities",),
    ],
)
def test_every_analysis_answers_json_on_the_sample(
    sample_store: Path, args: tuple[str, ...]
) -> None:
    answer = run(sample_store, *args)
    assert answer.get("items") or answer.get("nodes") or answer.get("steps")


@pytest.mark.parametrize(
    "args",
    [
        ("departure", "NOPE"),
        ("departure", "F0001"),  # a figure, not a leader
        ("network", "NOPE"),
        ("path", "L01", "NOPE"),
        ("changes", "--from", "2026-11-27", "--to", "2026-01-01"),
    ],
)
def test_bad_ids_and_dates_exit_2_in_one_line(sample_store: Path, args: tuple[str, ...]) -> None:
    result = CliRunner().invoke(app, [*args, "--store", str(sample_store)])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("concentric: error:")
    assert "Traceback" not in result.stderr + result.stdout


@pytest.mark.parametrize(
    ("command", "key"),
    [(["gaps", "--status", "covered,stale,indirect,uncovered"], "items"), (["leaders"], "items")],
)
def test_long_tables_print_as_tab_separated_rows(
    monkeypatch: pytest.MonkeyPatch, sample_store: Path, command: list[str], key: str
) -> None:
    # A province's table (10^4 rows) took rich 10-40 s to lay out; past LONG_TABLE_ROWS
    # rows it is printed as plain lines instead, with the same rows in the same order.
    import concentric.api.cli_common

    monkeypatch.setattr(concentric.api.cli_common, "LONG_TABLE_ROWS", 3)
    args = [*command, "--as-of", "2026-11-27", "--store", str(sample_store)]
    runner = CliRunner()
    expected = json.loads(runner.invoke(app, [*args, "--json"]).stdout)[key]
    assert len(expected) > 3
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    headings = lines[1].split("\t")
    rows = [line.split("\t") for line in lines[2:]]
    assert all(len(row) == len(headings) for row in rows)
    assert [row[0] for row in rows] == [item["id"] for item in expected]
    names = {item["id"]: item["name"] or "" for item in expected}
    assert all(row[1] == " ".join(names[row[0]].split()) for row in rows)

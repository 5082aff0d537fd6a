"""`concentric recommend` by area, line and status, town by town on a big store, and
`concentric departure` on a store past any limit.

Expected values come from the raw sample tables (the oracle over them) and from the whole
graph's answers, never from the command's own output.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import oracle
import pytest
from test_page_analyses import _below, sample, statuses, towns
from typer.testing import CliRunner

from concentric.api.cli import app
from concentric.graph.network.recommend import departure
from concentric.graph.workspace import open_workspace

AS_OF = dt.date(2026, 6, 30)
WINDOW = 365
WANTED = ("uncovered", "stale")


def run(store: Path, *args: str, env: dict[str, str] | None = None) -> Any:
    result = CliRunner().invoke(
        app, [*args, "--as-of", AS_OF.isoformat(), "--store", str(store)], env=env
    )
    return result


def answer_of(store: Path, *args: str) -> dict[str, Any]:
    result = run(store, "recommend", "--json", *args)
    assert result.exit_code == 0, result.output
    found: dict[str, Any] = json.loads(result.stdout)
    return found


def where() -> dict[str, str]:
    return {t["id"]: t["area_id"] for table in oracle.TARGET_TABLES for t in sample()[table]}


def test_town_by_town_is_the_per_town_answers_together(sample_store: Path) -> None:
    # The sample's towns and subdistricts all sit right under the district.
    per_town = [answer_of(sample_store, "--area", town) for town in sorted(towns())]
    whole = answer_of(sample_store, "--graph-max-rows", "1")
    assert whole["areas"] == sorted(towns())
    assert whole["items"] == sorted(
        (i for a in per_town for i in a["items"]), key=lambda i: i["target_id"]
    )
    assert whole["unassigned"] == sorted(
        (u for a in per_town for u in a["unassigned"]), key=lambda u: u["target_id"]
    )
    assert whole["total"] == len(whole["items"]) > 0
    assert whole["total_cost"] == sum(i["cost"] for i in whole["items"])
    # Every target the towns answer for is an uncovered or stale target of some town.
    status, areas = statuses(AS_OF), where()
    in_towns = set().union(*(_below(town) for town in towns()))
    answered = {i["target_id"] for i in whole["items"] + whole["unassigned"]}
    assert answered == {t for t in status if status[t] in WANTED and areas[t] in in_towns}


def test_town_by_town_places_only_targets_the_whole_data_considers(sample_store: Path) -> None:
    by_towns = answer_of(sample_store, "--graph-max-rows", "1")
    whole = answer_of(sample_store, "--graph-max-rows", "0")
    assert "areas" not in whole  # one assignment over the whole data
    status = statuses(AS_OF)
    considered = {i["target_id"] for i in whole["items"] + whole["unassigned"]}
    assert considered == {t for t in status if status[t] in WANTED}
    placed = {i["target_id"] for i in by_towns["items"]}
    assert placed and placed <= considered


def test_an_area_line_and_status_narrow_the_targets(sample_store: Path) -> None:
    town = sorted(towns())[0]
    answer = answer_of(sample_store, "--area", town, "--status", "uncovered")
    status, areas = statuses(AS_OF), where()
    expected = {t for t in status if status[t] == "uncovered" and areas[t] in _below(town)}
    assert {i["target_id"] for i in answer["items"] + answer["unassigned"]} == expected
    guided = answer_of(sample_store, "--line", "guidance")
    assert {i["target_id"] for i in guided["items"] + guided["unassigned"]} <= {
        t for t in status if status[t] in WANTED
    }


@pytest.mark.parametrize(
    ("option", "value", "named"),
    [("--line", "nosuchline", "line"), ("--status", "nosuch", "nosuch")],
)
def test_a_bad_line_or_status_exits_2_as_gaps_does(
    sample_store: Path, option: str, value: str, named: str
) -> None:
    for command in ("recommend", "gaps"):
        for extra in ([], ["--graph-max-rows", "1"]) if command == "recommend" else ([],):
            result = run(sample_store, command, option, value, *extra)
            assert result.exit_code == 2, (command, extra, result.output)
            assert named in result.output
            assert "Traceback" not in result.output


def test_departure_answers_past_any_limit_as_the_whole_graph(sample_store: Path) -> None:
    result = run(sample_store, "departure", "L01", "--json", env={"CONCENTRIC_GRAPH_MAX_ROWS": "1"})
    assert result.exit_code == 0, result.output
    whole = open_workspace(sample_store)
    try:
        expected = departure(whole.graph(), ["L01"], AS_OF, WINDOW, whole.policy)
    finally:
        whole.close()
    answer = json.loads(result.stdout)
    del answer["version"]
    assert answer == json.loads(json.dumps(expected))
    assert answer["items"]  # L01 leaves some target without a leader

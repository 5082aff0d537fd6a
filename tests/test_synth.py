"""`concentric synth`: a valid synthetic dataset of any size, deterministic per seed.

Drives the real CLI (the `synth` command is registered by importing `api.cli_synth`) and
reads the CSV it writes with the csv module only, so the proportions are checked against the
files themselves, not against the generator's own bookkeeping.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from collections import Counter
from pathlib import Path

import pytest
from conftest import Concentric, Run, assert_usage_error

import concentric.api.cli_synth  # noqa: F401  (registers `synth` on api.cli.app)
from concentric.graph.schema.schema import SCHEMA
from concentric.synth import DEFAULT_END, MemoryWriter, Sizes, generate

N = 3000
SEED = 11
TABLES = (
    "areas",
    "leaders",
    "figures",
    "organizations",
    "units",
    "memberships",
    "contacts",
    "interactions",
    "relations",
)


def read(folder: Path, table: str) -> list[dict[str, str]]:
    with (folder / f"{table}.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from typer.testing import CliRunner

    from concentric.api.cli import app

    out = tmp_path_factory.mktemp("synth") / "d"
    result = CliRunner().invoke(app, ["synth", "--targets", str(N), "--seed", str(SEED), str(out)])
    assert result.exit_code == 0, (result.stdout, result.stderr)
    return out


@pytest.fixture(scope="module")
def tables(dataset: Path) -> dict[str, list[dict[str, str]]]:
    return {t: read(dataset, t) for t in TABLES}


def test_writes_every_table_as_utf8_csv_with_english_headers(dataset: Path) -> None:
    assert sorted(p.name for p in dataset.iterdir()) == sorted(f"{t}.csv" for t in TABLES)
    for table in TABLES:
        raw = (dataset / f"{table}.csv").read_bytes()
        assert not raw.startswith(b"\xef\xbb\xbf")
        header = raw.decode("utf-8").split("\n", 1)[0].split(",")
        assert set(header) <= set(SCHEMA.tables[table].columns), (table, header)


def test_loads_with_no_problems_and_every_status_occurs(
    dataset: Path, cli: Run, store: Path
) -> None:
    c = Concentric(cli, store)
    result = c.load(dataset)
    assert "warning" not in result.stderr, result.stderr
    summary = c.coverage(as_of=DEFAULT_END + dt.timedelta(days=1), window_days=365)
    totals = summary["totals"]
    assert totals["targets"] == N
    for status in ("covered", "stale", "indirect", "uncovered"):
        assert 0.05 * N < totals[status] < 0.6 * N, totals
    assert all(summary["by_category"][code]["targets"] for code in SCHEMA.figure_categories)


def test_proportions(tables: dict[str, list[dict[str, str]]]) -> None:
    figures, orgs, units = tables["figures"], tables["organizations"], tables["units"]
    assert len(figures) + len(orgs) + len(units) == N
    assert len(figures) == pytest.approx(0.78 * N, rel=0.02)
    assert len(orgs) == pytest.approx(0.17 * N, rel=0.02)
    assert len(units) == pytest.approx(0.05 * N, rel=0.02)
    leaders = tables["leaders"]
    assert len(leaders) == pytest.approx(N / 40, rel=0.05)
    away = [r for r in leaders if r["in_office"] == "false"]
    assert 1 <= len(away) <= 0.04 * len(leaders) + 1

    areas = Counter(r["kind"] for r in tables["areas"])
    assert areas["district"] == 1
    towns = areas["town"] + areas["subdistrict"]
    assert towns == Sizes.for_targets(N).towns == 5
    assert areas["community"] + areas["village"] >= 2 * towns

    targets = {r["id"] for r in figures + orgs + units}
    contacts = tables["contacts"]
    per_target = Counter(r["target_id"] for r in contacts)
    assert set(per_target) <= targets
    assert set(per_target.values()) <= {1, 2}
    assert len(per_target) == pytest.approx(0.6 * N, rel=0.08)
    assert len(tables["memberships"]) == pytest.approx(len(figures), rel=0.1)
    assert len(tables["relations"]) == pytest.approx(0.13 * N, rel=0.05)

    dates = sorted(r["date"] for r in tables["interactions"])
    assert dates[-1] <= DEFAULT_END.isoformat()
    assert dates[0] >= (DEFAULT_END - dt.timedelta(days=729)).isoformat()
    assert len(dates) == pytest.approx(0.8 * N, rel=0.02)


def test_every_category_and_kind_and_stations_in_most_towns(
    tables: dict[str, list[dict[str, str]]],
) -> None:
    assert {r["category"] for r in tables["figures"]} == set(SCHEMA.figure_categories)
    org_kinds = set(SCHEMA.raw["enumerations"]["organization_kind"])
    assert {r["kind"] for r in tables["organizations"]} == org_kinds
    assert {r["kind"] for r in tables["units"]} == set(SCHEMA.raw["enumerations"]["unit_kind"])
    assert {r["kind"] for r in tables["interactions"]} == set(
        SCHEMA.raw["enumerations"]["interaction_kind"]
    )
    parent = {r["id"]: r["parent_id"] for r in tables["areas"]}
    towns = {r["id"] for r in tables["areas"] if r["kind"] in ("town", "subdistrict")}

    def town_of(area: str) -> str:
        while area and area not in towns:
            area = parent[area]
        return area

    with_station = {
        town_of(r["area_id"]) for r in tables["organizations"] if r["kind"] == "ethnic_work_station"
    }
    assert len(with_station & towns) >= 0.6 * len(towns)


def test_same_seed_same_bytes_other_seed_other_bytes(cli: Run, tmp_path: Path) -> None:
    def run(seed: int, name: str) -> dict[str, bytes]:
        out = tmp_path / name
        result = cli("synth", "--targets", "800", "--seed", str(seed), out)
        assert result.exit_code == 0, result.stderr
        return {p.name: p.read_bytes() for p in sorted(out.iterdir())}

    first = run(5, "a")
    assert run(5, "b") == first
    assert run(6, "c") != first


def test_generator_is_deterministic_in_memory() -> None:
    a, b = MemoryWriter(), MemoryWriter()
    generate(random.Random(3), a, 500)
    generate(random.Random(3), b, 500)
    assert a.tables == b.tables


def test_smallest_dataset_is_valid(cli: Run, tmp_path: Path, store: Path) -> None:
    out = tmp_path / "tiny"
    assert cli("synth", "--targets", "100", out).exit_code == 0
    Concentric(cli, store).load(out)
    figures = read(out, "figures")
    assert {r["category"] for r in figures} == set(SCHEMA.figure_categories)
    assert len({r["kind"] for r in read(out, "organizations")}) == 10


def test_end_date_moves_the_interactions(cli: Run, tmp_path: Path) -> None:
    out = tmp_path / "end"
    assert cli("synth", "--targets", "300", "--end", "2025-06-30", out).exit_code == 0
    dates = sorted(r["date"] for r in read(out, "interactions"))
    assert dates[-1] <= "2025-06-30"
    assert dates[0] >= "2023-07-01"


def test_refuses_a_folder_with_files_unless_forced(cli: Run, tmp_path: Path) -> None:
    out = tmp_path / "busy"
    out.mkdir()
    (out / "figures.xlsx").write_bytes(b"old")
    assert_usage_error(cli("synth", "--targets", "200", out))
    result = cli("synth", "--targets", "200", "--force", out)
    assert result.exit_code == 0, result.stderr
    assert not (out / "figures.xlsx").exists()
    assert (out / "figures.csv").exists()


@pytest.mark.parametrize(
    "args",
    [("--targets", "99"), ("--targets", "500", "--format", "xlsx"), ("--end", "1990-01-01")],
)
def test_bad_options_are_usage_errors(cli: Run, tmp_path: Path, args: tuple[str, ...]) -> None:
    full = list(args) if "--targets" in args else ["--targets", "500", *args]
    assert_usage_error(cli("synth", *full, tmp_path / "x"))
    assert not (tmp_path / "x").exists()

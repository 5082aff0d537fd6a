"""``concentric report`` (XLSX, HTML) and ``concentric export`` (GraphML, GEXF, CSV).

Expected values come from the CLI's ``--json`` answers and from the sample's own files,
never from the report or export code.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from functools import partial
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
import yaml
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet
from typer.testing import CliRunner

import concentric.api.cli_report  # noqa: F401  (registers `report` and `export` on the app)
from concentric.api.cli import app
from concentric.api.privacy import EXPORT_CLASSES, cut
from concentric.graph import SCHEMA, open_workspace
from concentric.graph.network.export import csv_tables, export_graph

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "sample"
AS_OF = "2026-11-27"
EVIL = "<img src=x onerror=alert(1)>"


def invoke(*args: str | Path) -> Any:
    return CliRunner().invoke(app, [str(a) for a in args])


def run(*args: str | Path) -> Any:
    result = invoke(*args)
    assert result.exit_code == 0, (result.stdout, result.stderr)
    return result


def cli_json(store: Path, *args: str) -> Any:
    return json.loads(run(*args, "--json", "--store", store).stdout)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sample") / "c.db"
    run("load", SAMPLE, "--store", path)
    return path


@pytest.fixture(scope="module")
def reports(store: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("report")
    xlsx, page = folder / "report.xlsx", folder / "report.html"
    result = run("report", "--xlsx", xlsx, "--html", page, "--as-of", AS_OF, "--store", store)
    assert str(xlsx) in result.stdout and str(page) in result.stdout
    return xlsx, page


@pytest.fixture(scope="module")
def evil_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("evil")
    data = base / "data"
    data.mkdir()
    (data / "areas.csv").write_text("id,name,kind\nA1,七里河区,district\n", encoding="utf-8")
    (data / "leaders.csv").write_text(f'id,name\nL1,"{EVIL}"\n', encoding="utf-8")
    (data / "figures.csv").write_text(
        f'id,name,category,area_id\nF1,"{EVIL}",religious,A1\n'
        'F2,"=HYPERLINK(""http://x"")",ethnic,A1\n',
        encoding="utf-8",
    )
    (data / "contacts.csv").write_text("leader_id,target_id\nL1,F1\n", encoding="utf-8")
    path = base / "c.db"
    run("load", data, "--store", path)
    return path


def _table_rows(path: Path) -> int:
    """Data rows of a sample table, read directly from its file."""
    if path.suffix == ".xlsx":
        sheet = load_workbook(path, read_only=True).worksheets[0]
        return sum(1 for row in sheet.iter_rows(min_row=2, values_only=True) if any(row))
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("gb18030")  # Chinese office exports (the sample has one)
    return sum(1 for _ in csv.DictReader(io.StringIO(text, newline="")))


def _sample_file(name: str) -> Path:
    return next(SAMPLE.glob(f"{name}.*"))


def _find_row(sheet: Worksheet, label: str) -> list[Any]:
    for row in sheet.iter_rows(values_only=True):
        if row and row[0] == label:
            return list(row)
    raise AssertionError(f"no row {label!r} in {sheet.title}")


def _data_rows(sheet: Worksheet) -> list[tuple[Any, ...]]:
    """Rows under the title (row 1) and the header (row 2)."""
    return list(sheet.iter_rows(min_row=3, values_only=True))


# -- XLSX -------------------------------------------------------------------------------------


def test_xlsx_summary_counts_equal_the_coverage_json(
    store: Path, reports: tuple[Path, Path]
) -> None:
    expected = cli_json(store, "coverage", "--as-of", AS_OF)
    # Independently: every figure, organization and unit row of the sample is a target.
    targets = sum(_table_rows(_sample_file(t)) for t in ("figures", "organizations", "units"))
    assert expected["totals"]["targets"] == targets

    book = load_workbook(reports[0])
    assert book.sheetnames[:6] == ["概况", "缺口", "领导负荷", "单点联系", "盲区", "建议分工"]
    summary = book["概况"]
    title = str(summary["A1"].value)
    assert AS_OF in title and "365" in title
    keys = ("targets", "covered", "stale", "indirect", "uncovered")
    assert _find_row(summary, "合计")[1:6] == [expected["totals"][k] for k in keys]
    for kind, counts in expected["by_kind"].items():
        row = _find_row(summary, SCHEMA.node_kinds[kind]["label"])
        assert row[1:6] == [counts[k] for k in keys]
        assert row[6] == pytest.approx(counts["covered"] / counts["targets"])
    for category, counts in expected["by_category"].items():
        row = _find_row(summary, SCHEMA.enum_label("figure_category", category))
        assert row[1:6] == [counts[k] for k in keys]
    lines = cli_json(store, "blind-spots", "--as-of", AS_OF)["lines"]
    for line in lines:
        row = _find_row(summary, line["label"])
        assert row[3] == pytest.approx(line["ratio"])
    assert summary.freeze_panes == "A2"


def test_xlsx_sheets_hold_every_answer_row(store: Path, reports: tuple[Path, Path]) -> None:
    book = load_workbook(reports[0])
    gaps = cli_json(store, "gaps", "--as-of", AS_OF)
    leaders = cli_json(store, "leaders", "--as-of", AS_OF)
    single = cli_json(store, "single-points", "--as-of", AS_OF)
    blind = cli_json(store, "blind-spots", "--as-of", AS_OF)
    suggestions = cli_json(store, "recommend", "--as-of", AS_OF)
    expected = {
        "缺口": [g["id"] for g in gaps["items"]],
        "领导负荷": [i["id"] for i in leaders["items"]],
        "单点联系": [i["leader_id"] for i in single["items"]],
        "盲区": [c["area_id"] for c in blind["items"]]
        + blind["areas_without_station"]
        + [u["id"] for u in blind["units_outside_joint_meeting"]],
        "建议分工": [i["target_id"] for i in suggestions["items"]]
        + [i["target_id"] for i in suggestions["unassigned"]],
    }
    column = {"缺口": 0, "领导负荷": 0, "单点联系": 0, "盲区": 1, "建议分工": 0}
    for name, ids in expected.items():
        sheet = book[name]
        assert sheet.freeze_panes == "A3", name
        title = str(sheet["A1"].value)
        assert AS_OF in title and "365" in title, name
        headers = [c.value for c in sheet[2]]
        assert all(isinstance(h, str) and h for h in headers), headers
        assert [row[column[name]] for row in _data_rows(sheet)] == ids, name
        assert sheet.column_dimensions["A"].width and sheet.column_dimensions["B"].width


def _raw_names() -> dict[str, str]:
    """Area and leader names by id, read from the sample's own files (first two columns)."""
    names: dict[str, str] = {}
    areas = _sample_file("areas").read_bytes().decode("utf-8-sig")
    for row in list(csv.reader(io.StringIO(areas, newline="")))[1:]:
        names[row[0]] = row[1]
    leaders = load_workbook(_sample_file("leaders"), read_only=True).worksheets[0]
    for leader_id, name, *_ in leaders.iter_rows(min_row=2, values_only=True):
        if leader_id:
            names[str(leader_id)] = str(name)
    return names


def test_streamed_xlsx_rows_equal_the_answers_cell_by_cell(
    store: Path, reports: tuple[Path, Path]
) -> None:
    # Every cell of the gap and leader-load sheets, worked out here from the CLI's answers,
    # the sample's name files and schema.yaml read as plain YAML.
    schema_file = ROOT / "graph" / "schema" / "schema.yaml"
    raw = yaml.safe_load(schema_file.read_text(encoding="utf-8"))
    labels, kinds = raw["enumerations"], raw["node_kinds"]
    names = _raw_names()
    gaps = cli_json(store, "gaps", "--as-of", AS_OF)
    expected_gaps = [
        (
            g["id"],
            g["name"],
            kinds[g["kind"]]["label"],
            labels["figure_category"].get(g["category"])
            or labels.get(f"{g['kind']}_kind", {}).get(g["type"]),
            names.get(g["area_id"] or ""),
            labels["coverage_status"][g["status"]],
            "、".join(names[lead] for lead in g["assigned_leaders"]) or None,
            g["last_contact"],
        )
        for g in gaps["items"]
    ]
    book = load_workbook(reports[0])
    assert _data_rows(book["缺口"]) == expected_gaps
    leaders = cli_json(store, "leaders", "--as-of", AS_OF)
    expected_leaders = [
        (
            i["id"],
            names[i["id"]],
            i["post"] or None,
            i["assigned"],
            i["figures"],
            i["active"],
            i["stale"],
            i["stale_share"],
            i["last_interaction"],
            i["quota_min"],
            i["quota_max"],
            labels["quota_status"][i["quota_status"]],
        )
        for i in leaders["items"]
    ]
    sheet = book["领导负荷"]
    assert _data_rows(sheet) == expected_leaders
    assert sheet.auto_filter.ref == f"A2:L{len(expected_leaders) + 2}"
    percent = [row[7].number_format for row in sheet.iter_rows(min_row=3) if row[7].value]
    assert percent and set(percent) == {"0%"}
    assert book["缺口"]["A2"].font.b and book["缺口"]["A1"].font.sz == 13


def test_past_the_graph_limit_the_report_leaves_out_only_the_suggestions(
    store: Path, reports: tuple[Path, Path], tmp_path: Path
) -> None:
    out = tmp_path / "limited.xlsx"
    run("report", "--xlsx", out, "--as-of", AS_OF, "--graph-max-rows", "1", "--store", store)
    limited, full = load_workbook(out), load_workbook(reports[0])
    assert limited.sheetnames == full.sheetnames
    sheet = limited["建议分工"]
    assert "未生成" in str(sheet["A1"].value) and _data_rows(sheet) == []
    assert _data_rows(full["建议分工"])  # the sample's report has suggestions
    for name in ("缺口", "领导负荷", "单点联系", "盲区", "区域"):
        assert _data_rows(limited[name]) == _data_rows(full[name]), name


def test_xlsx_colours_statuses(store: Path, reports: tuple[Path, Path]) -> None:
    book = load_workbook(reports[0])
    gaps = book["缺口"]
    status_col = [c.value for c in gaps[2]].index("状态")
    colours = {}
    for row in gaps.iter_rows(min_row=3):
        colours.setdefault(row[status_col].value, set()).add(row[status_col].fill.fgColor.rgb)
    # One distinct colour per status label, and uncovered differs from stale.
    assert set(colours) == {"未覆盖", "久未联系"}
    assert all(len(c) == 1 for c in colours.values())
    assert colours["未覆盖"] != colours["久未联系"]
    leaders = book["领导负荷"]
    quota_col = [c.value for c in leaders[2]].index("配额状态")
    by_label: dict[Any, set[Any]] = {}
    for row in leaders.iter_rows(min_row=3):
        by_label.setdefault(row[quota_col].value, set()).add(row[quota_col].fill.fgColor.rgb)
    assert {"不足", "超额", "正常"} <= set(by_label)
    assert len({next(iter(v)) for v in by_label.values()}) == len(by_label)


def test_report_fills_are_the_schemas(reports: tuple[Path, Path]) -> None:
    # Expected colours from schema.yaml read as plain YAML, not through the product.
    schema_file = Path(__file__).resolve().parent.parent / "graph" / "schema" / "schema.yaml"
    raw = yaml.safe_load(schema_file.read_text(encoding="utf-8"))
    shown, labels = raw["presentation"], raw["enumerations"]
    book = load_workbook(reports[0])
    page = reports[1].read_text(encoding="utf-8")
    for sheet_name, heading, enum in (
        ("缺口", "状态", "coverage_status"),
        ("领导负荷", "配额状态", "quota_status"),
    ):
        sheet = book[sheet_name]
        column = [c.value for c in sheet[2]].index(heading)
        code_of = {label: code for code, label in labels[enum].items()}
        rows = list(sheet.iter_rows(min_row=3))
        assert rows
        for row in rows:
            fill = shown[enum][code_of[row[column].value]]["fill"]
            assert row[column].fill.fgColor.rgb[-6:] == fill[1:].upper()
            assert f"background:{fill}" in page


def test_xlsx_names_stay_text(evil_store: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.xlsx"
    run("report", "--xlsx", out, "--as-of", AS_OF, "--store", evil_store)
    book = load_workbook(out)
    cells = [c for sheet in book for row in sheet.iter_rows() for c in row if c.value]
    formulas = [c for c in cells if str(c.value).startswith("=")]
    assert formulas and all(c.data_type == "s" for c in formulas)
    assert any(c.value == EVIL for c in cells)


def test_report_needs_an_output(store: Path) -> None:
    result = invoke("report", "--store", store)
    assert result.exit_code == 2 and "--xlsx" in result.stderr


# -- HTML -------------------------------------------------------------------------------------


def test_html_report_is_self_contained(store: Path, reports: tuple[Path, Path]) -> None:
    page = reports[1].read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    for banned in ("http://", "https://", "<script", "<link", "src=", "@import", "url("):
        assert banned not in page, banned
    assert "default-src 'none'" in page
    totals = cli_json(store, "coverage", "--as-of", AS_OF)["totals"]
    assert f'<b style="color:#212529">{totals["targets"]}</b>' in page
    assert AS_OF in page and "统战五线谱" in page
    gaps = cli_json(store, "gaps", "--as-of", AS_OF)
    assert all(f"<td>{g['id']}</td>" in page for g in gaps["items"])


def test_html_report_escapes_names(evil_store: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    run("report", "--html", out, "--as-of", AS_OF, "--store", evil_store)
    page = out.read_text(encoding="utf-8")
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "<img" not in page


# -- export -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def stored_graph(store: Path) -> nx.MultiDiGraph:
    ws = open_workspace(store)
    try:
        return ws.graph()
    finally:
        ws.close()


def test_graphml_reads_back_with_the_same_counts(
    store: Path, stored_graph: nx.MultiDiGraph, tmp_path: Path
) -> None:
    out = tmp_path / "district.graphml"
    result = run("export", out, "--as-of", AS_OF, "--store", store)
    assert "graphml" in result.stdout
    back = nx.read_graphml(out, force_multigraph=True)
    assert back.number_of_nodes() == stored_graph.number_of_nodes()
    assert back.number_of_edges() == stored_graph.number_of_edges()
    # Independently: every row of every entity table is a node.
    entity_rows = sum(
        _table_rows(_sample_file(t))
        for t in ("areas", "leaders", "figures", "organizations", "units", "interactions")
    )
    assert back.number_of_nodes() == entity_rows
    gaps = cli_json(store, "gaps", "--as-of", AS_OF, "--status", "uncovered,stale,indirect,covered")
    for item in gaps["items"][:50]:
        node = back.nodes[item["id"]]
        assert node["kind"] == item["kind"] and node["status"] == item["status"]
        assert node["label"] == item["name"]
        if item["last_contact"]:
            assert node["last_contact"] == item["last_contact"]
        if item["assigned_leaders"]:
            assert node["assigned_leaders"] == ";".join(item["assigned_leaders"])
    leaders = [n for n, d in back.nodes(data=True) if d["kind"] == "leader"]
    assert leaders and all(isinstance(back.nodes[n].get("lines", ""), str) for n in leaders)
    interaction = next(d for _, d in back.nodes(data=True) if d["kind"] == "interaction")
    assert len(interaction["date"]) == 10 and interaction["date"][4] == "-"
    assert all(v is not None for _, d in back.nodes(data=True) for v in d.values())
    kinds = {d["kind"] for _, _, d in back.edges(data=True)}
    assert {"contacts", "member_of", "located_in"} <= kinds


def test_gexf_parses(store: Path, stored_graph: nx.MultiDiGraph, tmp_path: Path) -> None:
    out = tmp_path / "district.gexf"
    run("export", out, "--as-of", AS_OF, "--store", store)
    back = nx.read_gexf(out)
    assert back.number_of_nodes() == stored_graph.number_of_nodes()
    assert back.number_of_edges() == stored_graph.number_of_edges()
    figure = next(d for _, d in back.nodes(data=True) if d.get("kind") == "figure")
    assert figure["status"] in ("covered", "stale", "indirect", "uncovered")


def test_csv_export(store: Path, stored_graph: nx.MultiDiGraph, tmp_path: Path) -> None:
    out = tmp_path / "csv"
    run("export", "--format", "csv", out, "--as-of", AS_OF, "--store", store)
    with (out / "nodes.csv").open(encoding="utf-8", newline="") as handle:
        nodes = list(csv.DictReader(handle))
    with (out / "edges.csv").open(encoding="utf-8", newline="") as handle:
        edges = list(csv.DictReader(handle))
    assert len(nodes) == stored_graph.number_of_nodes()
    assert len(edges) == stored_graph.number_of_edges()
    assert {"id", "label", "kind", "status"} <= set(nodes[0])
    assert {"source", "target", "kind"} <= set(edges[0])
    assert {n["id"] for n in nodes} == set(stored_graph.nodes)


def test_ego_export_matches_the_network_answer(store: Path, tmp_path: Path) -> None:
    out = tmp_path / "l07.graphml"
    run("export", "--entity", "L07", "--depth", "2", out, "--as-of", AS_OF, "--store", store)
    back = nx.read_graphml(out, force_multigraph=True)
    network = cli_json(store, "network", "L07", "--depth", "2")
    assert set(back.nodes) == {n["id"] for n in network["nodes"]}
    pairs = {frozenset((e["source"], e["target"])) for e in network["edges"]}
    assert {frozenset((u, v)) for u, v in back.edges()} == pairs


def test_export_errors(store: Path, tmp_path: Path) -> None:
    unknown = invoke("export", "--entity", "NOPE", tmp_path / "x.graphml", "--store", store)
    assert unknown.exit_code == 2 and "NOPE" in unknown.stderr
    assert "Traceback" not in unknown.stderr
    bad = invoke("export", "--format", "dot", tmp_path / "x", "--store", store)
    assert bad.exit_code == 2 and "graphml" in bad.stderr
    unclear = invoke("export", tmp_path / "x.txt", "--store", store)
    assert unclear.exit_code == 2 and "--format" in unclear.stderr


def _raw_table(name: str) -> list[dict[str, str]]:
    """A sample CSV table read directly (UTF-8 with or without BOM, else GB18030)."""
    raw = (SAMPLE / f"{name}.csv").read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("gb18030")
    return list(csv.DictReader(io.StringIO(text, newline="")))


def _csv_rows(path: Path) -> set[frozenset[tuple[str, str]]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return {frozenset(row.items()) for row in csv.DictReader(handle)}


def test_streamed_csv_holds_what_the_graph_export_holds(
    store: Path, stored_graph: nx.MultiDiGraph, tmp_path: Path
) -> None:
    out = tmp_path / "csv"
    run("export", "--format", "csv", out, "--as-of", AS_OF, "--store", store)
    nodes, edges = _csv_rows(out / "nodes.csv"), _csv_rows(out / "edges.csv")
    # The export the networkx graph gave before it was streamed.
    ws = open_workspace(store)
    try:
        coverage = ws.target_coverage(dt.date.fromisoformat(AS_OF), ws.policy.window_days)
    finally:
        ws.close()
    graph = export_graph(stored_graph, coverage, fields=partial(cut, classes=EXPORT_CLASSES))
    old_nodes, old_edges = csv_tables(graph)
    assert nodes == {frozenset(r.items()) for r in csv.DictReader(io.StringIO(old_nodes))}
    assert edges == {frozenset(r.items()) for r in csv.DictReader(io.StringIO(old_edges))}
    # Independently of both: the raw tables' ids and contacts, and no personal column.
    by_id = {dict(row)["id"]: dict(row) for row in nodes}
    figures = {r["编号"] for r in _raw_table("figures")}
    assert {i for i, row in by_id.items() if row["kind"] == "figure"} == figures
    contacts = {(r["领导编号"], r["对象编号"]) for r in _raw_table("contacts")}
    shown = {(dict(e)["source"], dict(e)["target"]) for e in edges if dict(e)["kind"] == "contacts"}
    assert shown == contacts
    header = next(csv.reader((out / "nodes.csv").open(encoding="utf-8")))
    assert not {"phone", "ethnicity", "religion"} & set(header)


def test_whole_graph_graphml_past_the_limit_points_to_csv(store: Path, tmp_path: Path) -> None:
    out = tmp_path / "x.graphml"
    result = invoke("export", out, "--store", store, "--graph-max-rows", "10")
    assert result.exit_code == 2
    assert "--format csv" in result.stderr and "Traceback" not in result.stderr
    assert not out.exists()
    streamed = invoke("export", tmp_path / "d", "--store", store, "--graph-max-rows", "10")
    assert streamed.exit_code == 0, streamed.stderr

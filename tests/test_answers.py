"""The notebook API: ``from graph import open_workspace``, answers as tables, inline views,
and matplotlib with a CJK font.

Expected values come from the CLI's ``--json`` (the contract) or from the sample's files,
never from :mod:`graph.views.answers` itself.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import pickle
import re
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from concentric import graph
from concentric.api.cli import app
from concentric.graph import Answer, NetworkView, open_workspace
from concentric.graph.workspace import Workspace

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "sample"
AS_OF = "2026-11-27"
DAY = dt.date(2026, 11, 27)
EVIL = "<img src=x onerror=alert(1)>"


def run(*args: str | Path) -> Any:
    result = CliRunner().invoke(app, [str(a) for a in args])
    assert result.exit_code == 0, (result.stdout, result.stderr)
    return result


def cli_json(store: Path, *args: str) -> Any:
    return json.loads(run(*args, "--json", "--store", store).stdout)


@pytest.fixture(scope="module")
def sample_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    store = tmp_path_factory.mktemp("sample") / "c.db"
    run("load", SAMPLE, "--store", store)
    return store


@pytest.fixture(scope="module")
def ws(sample_store: Path) -> Iterator[Workspace]:
    workspace = open_workspace(sample_store)
    yield workspace
    workspace.close()


def write_evil_dataset(folder: Path) -> Path:
    """A tiny district whose names are HTML, for escaping tests."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "areas.csv").write_text("id,name,kind\nA1,七里河区,district\n", encoding="utf-8")
    (folder / "leaders.csv").write_text(f'id,name,post\nL1,"{EVIL}",区长\n', encoding="utf-8")
    (folder / "figures.csv").write_text(
        f'id,name,category,area_id\nF1,"{EVIL}",religious,A1\nF2,"=1+2",ethnic,A1\n',
        encoding="utf-8",
    )
    (folder / "contacts.csv").write_text("leader_id,target_id\nL1,F1\n", encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def evil_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("evil")
    store = base / "c.db"
    run("load", write_evil_dataset(base / "data"), "--store", store)
    return store


# -- one entry point --------------------------------------------------------------------------


def test_the_documented_entry_point() -> None:
    assert graph.open_workspace is open_workspace
    assert graph.connect is open_workspace
    assert "open_workspace" in graph.__all__ and "connect" in graph.__all__


def test_answers_are_the_cli_json(ws: Workspace, sample_store: Path) -> None:
    answer = ws.coverage(DAY)
    assert isinstance(answer, Answer) and isinstance(answer, dict)
    assert json.loads(json.dumps(answer)) == cli_json(sample_store, "coverage", "--as-of", AS_OF)
    gaps = ws.gaps(DAY)
    assert json.loads(json.dumps(gaps)) == cli_json(sample_store, "gaps", "--as-of", AS_OF)


def test_answers_pickle_with_their_analysis(ws: Workspace) -> None:
    answer = ws.leaders(DAY)
    copy = pickle.loads(pickle.dumps(answer))
    assert copy == answer and copy.analysis == "leaders" and isinstance(copy, Answer)


# -- to_frame ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "args"),
    [
        ("gaps", {"as_of": DAY}),
        ("leaders", {"as_of": DAY}),
        ("single_points", {"as_of": DAY}),
        ("blind_spots", {"as_of": DAY}),
        ("recommend", {"as_of": DAY}),
        ("departure", {"leader_ids": ["L07"], "as_of": DAY}),
        ("changes", {"start": DAY - dt.timedelta(days=91), "end": DAY}),
        ("brokers", {"top": 5}),
        ("search", {"query": "王"}),
    ],
)
def test_to_frame_has_one_row_per_item(ws: Workspace, method: str, args: dict[str, Any]) -> None:
    answer = getattr(ws, method)(**args)
    frame = answer.to_frame()
    assert len(frame) == len(answer["items"])
    if answer["items"]:
        assert set(answer["items"][0]) <= set(frame.columns)
        first = next(iter(answer["items"][0]))  # the id column
        assert frame[first].tolist() == [item[first] for item in answer["items"]]


def test_coverage_tables(ws: Workspace, sample_store: Path) -> None:
    expected = cli_json(sample_store, "coverage", "--as-of", AS_OF)
    answer = ws.coverage(DAY)
    by_area = answer.to_frame("by_area")
    assert len(by_area) == len(expected["by_area"])
    for area, counts in expected["by_area"].items():
        assert by_area.loc[area, list(counts)].tolist() == list(counts.values())
        if counts["targets"]:
            assert by_area.loc[area, "ratio"] == pytest.approx(
                counts["covered"] / counts["targets"]
            )
    by_category = answer.to_frame("by_category")
    assert by_category.loc["religious", "label"] == "宗教界人士"
    assert by_category["targets"].sum() == expected["by_kind"]["figure"]["targets"]
    totals = answer.to_frame("totals")
    assert len(totals) == 1 and totals.iloc[0]["targets"] == expected["totals"]["targets"]
    with pytest.raises(KeyError, match="no table 'nope'"):
        answer.to_frame("nope")


def test_empty_items_give_an_empty_frame(evil_store: Path) -> None:
    ws = open_workspace(evil_store)
    try:
        answer = ws.departure(["L1"], DAY)
        answer["items"] = []
        frame = answer.to_frame()
        assert len(frame) == 0 and "id" in frame.columns
    finally:
        ws.close()


# -- HTML in a notebook -----------------------------------------------------------------------


def test_repr_html_title_and_rows(ws: Workspace) -> None:
    gaps = ws.gaps(DAY)
    page = gaps._repr_html_()
    assert page.startswith("<p><strong>缺口清单 gaps")
    assert f"{gaps['total']} 条 rows" in page and AS_OF in page
    assert page.count("<tr>") == 1 + 30  # header + the first 30 rows
    assert f"… {gaps['total'] - 30} more rows" in page
    coverage = ws.coverage(DAY)._repr_html_()
    assert "已覆盖" in coverage and "覆盖率" in coverage


@pytest.mark.parametrize("method", ["gaps", "leaders", "single_points", "search", "entity"])
def test_repr_html_escapes_names(evil_store: Path, method: str) -> None:
    ws = open_workspace(evil_store)
    try:
        args: dict[str, Any] = {
            "gaps": {"as_of": DAY, "statuses": ["uncovered", "stale", "covered", "indirect"]},
            "leaders": {"as_of": DAY},
            "single_points": {"as_of": DAY},
            "search": {"query": "img"},
            "entity": {"node_id": "L1", "as_of": DAY},
        }[method]
        answer = getattr(ws, method)(**args)
        page = answer._repr_html_()
    finally:
        ws.close()
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "<img" not in page
    assert "onerror=alert(1)>" not in page


def test_show_embeds_the_page_in_an_iframe(ws: Workspace, evil_store: Path) -> None:
    view = ws.show("L07", as_of=DAY)
    assert isinstance(view, NetworkView)
    shown = view._repr_html_()
    # One element: the iframe; the page is an escaped attribute value, no markup leaks out.
    assert shown.startswith("<iframe ") and shown.endswith("></iframe>")
    assert shown.count("<") == 2
    assert 'sandbox="allow-scripts"' in shown
    srcdoc = re.search(r'srcdoc="([^"]*)"', shown)
    assert srcdoc is not None
    import html

    assert html.unescape(srcdoc.group(1)) == view.html
    assert "魏豪 的联系网络" in view.html  # L07 in leaders.xlsx; pictures are Chinese first
    # An ego view of a figure, and of an area (its coverage map).
    assert "的关系网络（2 步）" in ws.show("F0013", depth=2, as_of=DAY).html
    assert "覆盖图" in ws.show("A02", as_of=DAY).html

    evil = open_workspace(evil_store)
    try:
        page = evil.show("L1", as_of=DAY)._repr_html_()
    finally:
        evil.close()
    assert page.count("<") == 2 and EVIL not in page


def test_show_saves_a_page(ws: Workspace, tmp_path: Path) -> None:
    path = ws.show("O131", depth=1, as_of=DAY).save(tmp_path / "o131.html")
    text = path.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and "O131" in text


def test_show_unknown_id(ws: Workspace) -> None:
    with pytest.raises(graph.QueryError, match="NOPE"):
        ws.show("NOPE")


# -- plots ------------------------------------------------------------------------------------


def _render_png(title: str) -> tuple[bytes, list[str]]:
    import matplotlib.pyplot as plt

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig, ax = plt.subplots(figsize=(4, 2))
        ax.barh(["党的领导中心线", "协商共进合作线"], [0.81, 0.21])
        ax.set_title(title)
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png")
        plt.close(fig)
    return buffer.getvalue(), [str(w.message) for w in caught]


def test_cjk_font_draws_chinese_without_missing_glyphs() -> None:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import font_manager, rcParams

    missing = re.compile(r"Glyph \d+ .*missing from font")
    with matplotlib.rc_context():
        # Control: the default font has no CJK glyphs, and matplotlib says so.
        rcParams["font.family"] = "sans-serif"
        rcParams["font.sans-serif"] = ["DejaVu Sans"]
        _, warned = _render_png("统战五线谱 five-line score")
        assert any(missing.search(m) for m in warned), warned
    with matplotlib.rc_context():
        name = graph.use_cjk_font()
        assert "CJK" in name or "Hei" in name or "Han" in name
        png, warned = _render_png("统战五线谱 five-line score，覆盖率")
        assert png.startswith(b"\x89PNG")
        assert not [m for m in warned if missing.search(m)], warned
        path = font_manager.findfont(font_manager.FontProperties(family=["sans-serif"]))
        assert "cjk" in Path(path).name.lower() or name.lower() in path.lower()


def test_cjk_font_error_names_the_package(monkeypatch: pytest.MonkeyPatch) -> None:
    from matplotlib import font_manager

    from concentric.graph.views import answers

    monkeypatch.setattr(answers, "CJK_FONTS", ("No Such Font For Testing",))
    monkeypatch.setattr(font_manager, "findSystemFonts", lambda *a, **k: [])
    with pytest.raises(graph.CJKFontError, match="fonts-noto-cjk"):
        answers.use_cjk_font()


def test_area_helpers(ws: Workspace, sample_store: Path) -> None:
    from concentric.graph.workspace import area_category_matrix, area_coverage

    expected = cli_json(sample_store, "coverage", "--as-of", AS_OF)["by_area"]
    areas = area_coverage(ws, DAY)
    assert len(areas) == 15  # the sample's 9 subdistricts and 6 towns
    for _, row in areas.iterrows():
        assert row["targets"] == expected[row["area_id"]]["targets"]
    matrix = area_category_matrix(ws, DAY)
    assert matrix.shape == (15, 12)
    assert list(matrix.index) == list(areas.index)
    cells = {
        (c["area_name"], c["category"]): c
        for c in cli_json(sample_store, "blind-spots", "--as-of", AS_OF)["matrix"]
    }
    cell = cells["敦煌路街道", "democratic_party"]
    assert matrix.loc["敦煌路街道", "民主党派成员"] == pytest.approx(
        cell["covered"] / cell["figures"]
    )

"""The HTML network views (graph.views.render) and ``concentric viz``.

One small district, built by hand, with hostile names. As of T = 2026-06-30, window 365:

- areas A0 七里河区 (district) > A1 西湖街道 (subdistrict) > A2 ``<b>小西湖</b>社区`` (community);
- leaders L1 张书记 (area A0) and L2 李部长;
- F1 ``<img src=x onerror=alert(1)>`` (religious, A1): contact L1, visit I1 at T-10 -> covered;
- F2 ``王五</script><script>alert(2)</script>`` (ethnic, A2): contact L1, never met -> stale;
- F3 赵六 (intellectual, A1): no contact, member of O1 which is covered -> indirect;
- F4 孙七 (new_strata), F5 周八 and F6 吴九 (religious), all in A2: nothing -> uncovered;
- O1 清真寺 (religious_venue, A1): contact L2, meeting I2 at T-20 -> covered;
- U1 兰州大学 (university, A0): contact L2, talk I3 at T-400 -> stale.
F1 and F3 are members of O1.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import html as htmllib
import json
import math
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
from typer.testing import CliRunner, Result

import concentric.api.cli_viz  # noqa: F401  (registers `concentric viz`)
from concentric.api.cli import app
from concentric.graph.engine.coverage import QueryError
from concentric.graph.schema.build import build_graph
from concentric.graph.schema.model import LinkRecord, NodeRecord
from concentric.graph.views import render

T = dt.date(2026, 6, 30)
W = 365
XSS = "<img src=x onerror=alert(1)>"
SCRIPT = "王五</script><script>alert(2)</script>"
AREA2 = "<b>小西湖</b>社区"
STATUS = {
    "F1": "covered",
    "F2": "stale",
    "F3": "indirect",
    "F4": "uncovered",
    "F5": "uncovered",
    "F6": "uncovered",
    "O1": "covered",
    "U1": "stale",
}


def day(offset: int) -> dt.date:
    return T + dt.timedelta(days=offset)


def records() -> tuple[list[NodeRecord], list[LinkRecord]]:
    def node(node_id: str, node_kind: str, **props: Any) -> NodeRecord:
        return NodeRecord(node_id, node_kind, props)

    nodes = [
        node("A0", "area", name="七里河区", kind="district"),
        node("A1", "area", name="西湖街道", kind="subdistrict", parent_id="A0"),
        node("A2", "area", name=AREA2, kind="community", parent_id="A1"),
        node("L1", "leader", name="张书记", post="区委书记", area_id="A0", in_office=True),
        node("L2", "leader", name="李部长", in_office=True),
        node("F1", "figure", name=XSS, category="religious", area_id="A1"),
        node("F2", "figure", name=SCRIPT, category="ethnic", area_id="A2"),
        node("F3", "figure", name="赵六", category="intellectual", area_id="A1"),
        node("F4", "figure", name="孙七", category="new_strata", area_id="A2"),
        node("F5", "figure", name="周八", category="religious", area_id="A2"),
        node("F6", "figure", name="吴九", category="religious", area_id="A2"),
        node("O1", "organization", name="清真寺", kind="religious_venue", area_id="A1"),
        node("U1", "unit", name="兰州大学", kind="university", area_id="A0"),
        node("I1", "interaction", date=day(-10), kind="visit", leader_ids=["L1"],
             target_ids=["F1"], summary="<script>alert(3)</script>"),
        node("I2", "interaction", date=day(-20), kind="meeting", leader_ids=["L2"],
             target_ids=["O1"]),
        node("I3", "interaction", date=day(-400), kind="talk", leader_ids=["L2"],
             target_ids=["U1"]),
    ]  # fmt: skip
    links = [
        LinkRecord("contacts", "L1", "F1", "c1", {"role": "primary"}),
        LinkRecord("contacts", "L1", "F2", "c2", {}),
        LinkRecord("contacts", "L2", "O1", "c3", {}),
        LinkRecord("contacts", "L2", "U1", "c4", {}),
        LinkRecord("member_of", "F1", "O1", "m1", {"role": "member"}),
        LinkRecord("member_of", "F3", "O1", "m2", {}),
    ]
    return nodes, links


@pytest.fixture(scope="module")
def graph() -> nx.MultiDiGraph:
    nodes, links = records()
    return build_graph(nodes, links)


View = Callable[[nx.MultiDiGraph], str]
VIEWS: dict[str, View] = {
    "leader": lambda g: render.leader_network_html(g, "L1", T, W),
    "ego": lambda g: render.ego_network_html(g, "F1", 2, T, W),
    "area": lambda g: render.area_map_html(g, "A1", T, W),
    "district": lambda g: render.district_html(g, T, W),
}
# The nodes of each view, worked out by hand from the docstring.
EXPECTED_NODES = {
    # L1, its two assigned targets, F1's organization, and I1 (L1 took part, inside the window).
    "leader": {"L1", "F1", "F2", "O1", "I1"},
    # depth 1: L1, O1, I1; depth 2: F2 (via L1), F3, L2 and I2 (via O1).
    "ego": {"F1", "L1", "O1", "I1", "F2", "F3", "L2", "I2"},
    # A1, A2 below it, and the targets located in either.
    "area": {"A1", "A2", "F1", "F3", "O1", "F2", "F4", "F5", "F6"},
    # every area, every target, both leaders (each has an open contact).
    "district": {"A0", "A1", "A2", *STATUS, "L1", "L2"},
}
EXPECTED_EDGES = {
    "leader": {
        ("L1", "F1", "contacts"),
        ("L1", "F2", "contacts"),
        ("F1", "O1", "member_of"),
        ("L1", "I1", "took_part"),
        ("I1", "F1", "concerns"),
    },
    "area": {
        ("A2", "A1", "part_of"),
        *((t, "A1", "located_in") for t in ("F1", "F3", "O1")),
        *((t, "A2", "located_in") for t in ("F2", "F4", "F5", "F6")),
    },
}

DATA_BLOCK = re.compile(
    r'<script type="application/json" id="concentric-data">(.*?)</script>', re.DOTALL
)


def page_data(html: str) -> dict[str, Any]:
    match = DATA_BLOCK.search(html)
    assert match, "the page must embed its data"
    data: dict[str, Any] = json.loads(match.group(1))
    return data


def nodes_by_id(html: str) -> dict[str, dict[str, Any]]:
    return {n["id"]: n for n in page_data(html)["nodes"]}


def card(node: dict[str, Any]) -> dict[str, str]:
    return {key: value for key, value in node["card"]["rows"]}


@pytest.fixture(scope="module", params=sorted(VIEWS))
def view(request: pytest.FixtureRequest, graph: nx.MultiDiGraph) -> tuple[str, str]:
    name: str = request.param
    return name, VIEWS[name](graph)


# -- offline -----------------------------------------------------------------------------------

EXTERNAL = [
    re.compile(r"https?://", re.IGNORECASE),
    re.compile(r"//cdn", re.IGNORECASE),
    re.compile(r"node_modules", re.IGNORECASE),
    re.compile(r"<script\b[^>]*\bsrc\s*=", re.IGNORECASE),
    re.compile(r"<link\b[^>]*\bhref\s*=\s*(?![\"']?data:)", re.IGNORECASE),
    re.compile(r"<(img|iframe|embed|object|source|audio|video)\b", re.IGNORECASE),
    re.compile(r"@import", re.IGNORECASE),
    re.compile(r"sourceMappingURL", re.IGNORECASE),  # DevTools would fetch the map
]


@pytest.mark.parametrize("pattern", EXTERNAL, ids=lambda p: p.pattern)
def test_no_external_reference(view: tuple[str, str], pattern: re.Pattern[str]) -> None:
    _, html = view
    found = pattern.search(html)
    assert found is None, html[max(found.start() - 80, 0) : found.end() + 80] if found else ""


def test_stylesheets_load_nothing(view: tuple[str, str]) -> None:
    _, html = view
    css = re.findall(r"<style>(.*?)</style>", html, re.DOTALL)
    css += re.findall(r'style="([^"]*)"', html)
    assert len(css) >= 2
    for text in css:
        for found in re.finditer(r"url\(\s*([^)]{0,12})", text, re.IGNORECASE):
            assert found.group(1).lstrip("\"'").startswith("data:"), found.group(0)


def test_vis_network_is_inlined_and_allowed_by_the_policy(view: tuple[str, str]) -> None:
    _, html = view
    assert "@version 9.1.2" in html  # the vis-network banner: the library itself is in the page
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]*)"', html)
    assert policy is not None
    csp = htmllib.unescape(policy.group(1))
    assert "default-src 'none'" in csp
    assert "unsafe-inline" not in csp.split("script-src", 1)[1].split(";", 1)[0]
    scripts = re.findall(r"<script>(.*?)</script>", html, re.DOTALL)
    assert len(scripts) == 2  # vis-network and the page's own script
    for script in scripts:
        digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in csp


# -- names are data -------------------------------------------------------------------------


def test_markup_in_names_is_never_raw(view: tuple[str, str]) -> None:
    _, html = view
    assert "<img src=x onerror" not in html
    assert "alert(2)</script>" not in html
    assert "<script>alert(3)" not in html
    assert "<b>小西湖" not in html


def test_script_blocks_are_not_broken_by_names(view: tuple[str, str]) -> None:
    _, html = view
    # Four <script> elements (data, server controls, vis-network, page) and exactly four
    # closing tags.
    assert html.count("<script") == 4
    assert html.count("</script>") == 4
    page_data(html)  # the whole data block parses as JSON


def test_hostile_names_arrive_intact_in_the_data(view: tuple[str, str]) -> None:
    _, html = view
    nodes = nodes_by_id(html)
    # The escaped form sits in the page; the browser gets the name back as text.
    assert "\\u003cimg src=x onerror=alert(1)\\u003e" in html
    assert nodes["F1"]["label"] == XSS
    assert card(nodes["F1"])["编号"] == "F1"
    if "F2" in nodes:
        assert "王五\\u003c/script\\u003e\\u003cscript\\u003ealert(2)" in html
        assert nodes["F2"]["label"] == SCRIPT


def test_names_in_the_document_itself_are_escaped(graph: nx.MultiDiGraph) -> None:
    html = render.ego_network_html(graph, "F1", 1, T, W)
    escaped = "&lt;img src=x onerror=alert(1)&gt;"
    title = re.search(r"<title>(.*?)</title>", html, re.DOTALL)
    heading = re.search(r"<h1>(.*?)</h1>", html, re.DOTALL)
    assert title is not None and heading is not None
    assert escaped in title.group(1)
    assert escaped in heading.group(1)
    area = render.area_map_html(graph, "A2", T, W)
    assert "&lt;b&gt;小西湖&lt;/b&gt;社区" in area


def test_cards_are_plain_text_built_with_text_nodes(view: tuple[str, str]) -> None:
    _, html = view
    for node in page_data(html)["nodes"]:
        assert "title" not in node  # the page script builds it from `card` with textContent
        assert node["card"]["heading"]
    assert "textContent" in html
    assert "innerHTML" not in html.split("@version 9.1.2", 1)[0]  # nothing of ours uses it


# -- content --------------------------------------------------------------------------------


def test_each_view_shows_the_expected_nodes(view: tuple[str, str]) -> None:
    name, html = view
    assert set(nodes_by_id(html)) == EXPECTED_NODES[name]


@pytest.mark.parametrize("name", sorted(EXPECTED_EDGES))
def test_edges(graph: nx.MultiDiGraph, name: str) -> None:
    edges = page_data(VIEWS[name](graph))["edges"]
    assert {(e["from"], e["to"], e["kind"]) for e in edges} == EXPECTED_EDGES[name]


def test_district_contacts(graph: nx.MultiDiGraph) -> None:
    edges = page_data(render.district_html(graph, T, W))["edges"]
    contacts = {(e["from"], e["to"]) for e in edges if e["kind"] == "contacts"}
    assert contacts == {("L1", "F1"), ("L1", "F2"), ("L2", "O1"), ("L2", "U1")}


def test_targets_are_coloured_by_status(view: tuple[str, str]) -> None:
    _, html = view
    nodes = nodes_by_id(html)
    targets = {i: n for i, n in nodes.items() if i in STATUS}
    assert targets
    for node_id, node in targets.items():
        assert node["status"] == STATUS[node_id]
        assert node["color"]["background"] == render.STATUS_COLORS[STATUS[node_id]]
    for node_id, node in nodes.items():
        if node_id not in STATUS:
            assert "status" not in node
    assert nodes["L1"]["shape"] == "star" if "L1" in nodes else True


def test_legend(view: tuple[str, str]) -> None:
    _, html = view
    legend = re.search(r'<aside id="legend".*?</aside>', html, re.DOTALL)
    assert legend is not None
    text = legend.group(0)
    for label, colour in (
        ("已覆盖", "#2f9e44"),
        ("久未联系", "#f08c00"),
        ("间接覆盖", "#1c7ed6"),
        ("未覆盖", "#e03131"),
    ):
        assert label in text
        assert colour in text
    assert "党外代表人士" in text


def test_cjk_font_stack(view: tuple[str, str]) -> None:
    _, html = view
    for font in ('"Noto Sans CJK SC"', '"WenQuanYi Micro Hei"', '"Microsoft YaHei"'):
        assert font in html
    assert page_data(html)["options"]["nodes"]["font"]["face"] == render.FONT_STACK


def test_hover_cards_say_why(graph: nx.MultiDiGraph) -> None:
    nodes = nodes_by_id(render.district_html(graph, T, W))
    f1, f2, f3, f4, u1 = (card(nodes[i]) for i in ("F1", "F2", "F3", "F4", "U1"))
    assert f1["状态"] == "已覆盖"
    assert f1["最近联系"] == "2026-06-20"
    assert f1["联系领导"] == "张书记 (L1)"
    assert f1["类别"] == "宗教界人士"
    assert f1["区域"] == "西湖街道 (A1)"
    assert f2["最近联系"] == "无"
    assert "从未联系" in f2["原因"]
    assert "清真寺 (O1)" in f3["原因"]  # indirect through its membership of O1
    assert f3["联系领导"] == "无"
    assert f4["状态"] == "未覆盖"
    assert u1["最近联系"] == "2025-05-26"  # T - 400
    assert "2025-05-26" in u1["原因"]
    leader = card(nodes["L1"])
    assert leader["联系对象"] == "2"
    assert "已覆盖 1" in leader["覆盖情况"]
    a1 = card(nodes["A1"])
    assert a1["对象（含下级）"] == "7"  # F1 F3 O1 + F2 F4 F5 F6


def test_english_is_a_switch_for_the_whole_page(graph: nx.MultiDiGraph) -> None:
    html = render.district_html(graph, T, W, language="en")
    nodes = nodes_by_id(html)
    f1, f2 = card(nodes["F1"]), card(nodes["F2"])
    assert f1["Status"] == "covered"
    assert f1["Category"] == "religious"
    assert f1["Leaders"] == "张书记 (L1)"  # names stay as they are
    assert f2["Last contact"] == "none"
    assert "never contacted" in f2["Why"]
    assert "已覆盖" not in html and "原因" not in html and "图例" not in html
    assert '<html lang="en">' in html
    legend = re.search(r'<aside id="legend".*?</aside>', html, re.DOTALL)
    assert legend is not None and "Coverage status" in legend.group(0)
    # The Chinese page (the default) has no English card row or legend word.
    chinese = render.district_html(graph, T, W)
    assert '<html lang="zh-CN">' in chinese
    assert "Coverage status" not in chinese and '"Status"' not in chinese


def test_depth_links_use_the_page_language(graph: nx.MultiDiGraph) -> None:
    for language, word in (("zh", "步数"), ("en", "Depth")):
        page = render.ego_network_html(graph, "F1", 1, T, W, language=language)
        linked = render.with_controls(page, links={}, depth=1, depths=(0, 1, 2))
        nav = re.search(r'<nav id="depth-control".*?</nav>', linked, re.DOTALL)
        assert nav is not None and f'aria-label="{word}">{word}：' in nav.group(0)


def test_an_unknown_language_is_refused(graph: nx.MultiDiGraph) -> None:
    with pytest.raises(QueryError, match="language"):
        render.district_html(graph, T, W, language="fr")


def test_interaction_summary_is_text(graph: nx.MultiDiGraph) -> None:
    nodes = nodes_by_id(render.leader_network_html(graph, "L1", T, W))
    assert card(nodes["I1"])["内容"] == "<script>alert(3)</script>"
    assert nodes["I1"]["label"] == "走访 2026-06-20"


def test_window_changes_the_colours(graph: nx.MultiDiGraph) -> None:
    # With a 5-day window I1 (T-10) is too old: F1 becomes stale, F3 loses its covered peer
    # O1 (also stale now) and becomes uncovered.
    nodes = nodes_by_id(render.district_html(graph, T, 5))
    assert nodes["F1"]["status"] == "stale"
    assert nodes["O1"]["status"] == "stale"
    assert nodes["F3"]["status"] == "uncovered"


# -- unknown ids ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call",
    [
        lambda g: render.leader_network_html(g, "NOPE", T, W),
        lambda g: render.leader_network_html(g, "F1", T, W),
        lambda g: render.ego_network_html(g, "NOPE", 1, T, W),
        lambda g: render.ego_network_html(g, "F1", -1, T, W),
        lambda g: render.area_map_html(g, "NOPE", T, W),
        lambda g: render.area_map_html(g, "L1", T, W),
        lambda g: render.district_html(g, T, -1),
    ],
    ids=["leader", "leader-wrong-kind", "ego", "ego-depth", "area", "area-wrong-kind", "window"],
)
def test_bad_arguments_raise_query_error(graph: nx.MultiDiGraph, call: View) -> None:
    with pytest.raises(QueryError):
        call(graph)


# -- size: aggregation and layout --------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "limit", "expected"),
    [
        # 13 nodes > 11. Grouping at depth 2 keeps A0 A1 A2, L1 L2 and 7 groups: 12 > 11.
        # At depth 1 A2 merges into A1: A0 A1, L1 L2, and 6 groups = 10.
        (
            "district",
            11,
            {
                "A0",
                "A1",
                "L1",
                "L2",
                "group:figure|religious|A1",  # F1 F5 F6
                "group:figure|intellectual|A1",  # F3
                "group:organization||A1",  # O1
                "group:figure|ethnic|A1",  # F2
                "group:figure|new_strata|A1",  # F4
                "group:unit||A0",  # U1
            },
        ),
        # 9 nodes > 7. Depth 2: A1 A2 + 6 groups = 8 > 7; depth 1: A1 + 5 groups = 6.
        (
            "area",
            7,
            {
                "A1",
                "group:figure|religious|A1",
                "group:figure|intellectual|A1",
                "group:organization||A1",
                "group:figure|ethnic|A1",
                "group:figure|new_strata|A1",
            },
        ),
    ],
)
def test_aggregation_above_the_threshold(
    graph: nx.MultiDiGraph,
    monkeypatch: pytest.MonkeyPatch,
    name: str,
    limit: int,
    expected: set[str],
) -> None:
    monkeypatch.setattr(render, "MAX_NODES", limit)
    html = VIEWS[name](graph)
    data = page_data(html)
    nodes = {n["id"]: n for n in data["nodes"]}
    assert set(nodes) == expected
    assert len(nodes) < limit
    assert data["aggregated"] is True
    religious = nodes["group:figure|religious|A1"]
    assert religious["count"] == 3
    assert religious["mix"] == [["covered", 1], ["stale", 0], ["indirect", 0], ["uncovered", 2]]
    assert religious["status"] == "uncovered"  # the majority
    rows = card(religious)
    assert rows["已覆盖"] == "1 (33%)"
    assert "周八 (F5)" in rows["包含"]
    assert "<img" not in html
    assert "汇总（饼图为状态构成）" in html  # the legend explains the pies
    edges = {(e["from"], e["to"], e["kind"]) for e in data["edges"]}
    assert all(u in nodes and v in nodes for u, v, _ in edges)
    assert ("A2", "A1", "part_of") not in edges


def test_no_aggregation_at_the_threshold(
    graph: nx.MultiDiGraph, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(render, "MAX_NODES", 13)
    data = page_data(render.district_html(graph, T, W))
    assert len(data["nodes"]) == 13
    assert data["aggregated"] is False


def test_large_views_are_laid_out_in_python_with_physics_off(
    graph: nx.MultiDiGraph, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert page_data(render.district_html(graph, T, W))["options"]["physics"]["enabled"]
    monkeypatch.setattr(render, "PHYSICS_MAX_NODES", 12)
    html = render.district_html(graph, T, W)
    assert page_data(html)["options"]["physics"]["enabled"] is False
    assert "布局已固定" in html


def test_layout_places_every_node_apart(view: tuple[str, str]) -> None:
    _, html = view
    positions = [(n["x"], n["y"]) for n in page_data(html)["nodes"]]
    assert all(math.isfinite(x) and math.isfinite(y) for x, y in positions)
    assert len(set(positions)) == len(positions)


def test_output_is_deterministic(view: tuple[str, str]) -> None:
    name, html = view
    nodes, links = records()
    shuffled = build_graph(list(reversed(nodes)), list(reversed(links)))
    assert VIEWS[name](shuffled) == html


# -- write_html and the command line -----------------------------------------------------------


def test_write_html(tmp_path: Path) -> None:
    target = tmp_path / "page.html"
    render.write_html(target, "<p>中文</p>")
    render.write_html(target, "<p>再来</p>")
    assert target.read_text(encoding="utf-8") == "<p>再来</p>"
    assert [p.name for p in tmp_path.iterdir()] == ["page.html"]


TABLES = {
    "areas": "id,name,kind,parent_id\nA0,七里河区,district,\nA1,西湖街道,subdistrict,A0\n",
    "leaders": "id,name,in_office\nL1,张书记,true\n",
    "figures": f"id,name,category,area_id\nF1,{XSS},religious,A1\nF2,赵六,ethnic,A1\n",
    "contacts": "leader_id,target_id\nL1,F1\n",
    "interactions": "id,date,kind,leader_ids,target_ids\nI1,2026-06-20,visit,L1,F1\n",
}


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("data")
    for table, text in TABLES.items():
        (folder / f"{table}.csv").write_text(text, encoding="utf-8")
    path = folder / "c.db"
    result = invoke("load", "--store", path, folder)
    assert result.exit_code == 0, result.output
    return path


def invoke(*args: str | Path) -> Result:
    return CliRunner().invoke(app, [str(a) for a in args])


@pytest.mark.parametrize(
    ("args", "ids"),
    [
        (["leader", "L1"], {"L1", "F1", "I1"}),
        (["entity", "F1", "--depth", "2"], {"F1", "L1", "I1"}),
        (["area", "A1"], {"A1", "F1", "F2"}),
        (["district"], {"A0", "A1", "F1", "F2", "L1"}),
    ],
)
def test_cli_writes_a_page(store: Path, tmp_path: Path, args: list[str], ids: set[str]) -> None:
    target = tmp_path / "out.html"
    result = invoke(
        "viz", *args, "-o", target, "--as-of", "2026-06-30", "--window-days", "365",
        "--store", store,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    html = target.read_text(encoding="utf-8")
    assert set(nodes_by_id(html)) == ids
    assert nodes_by_id(html)["F1"]["status"] == "covered"
    assert "<img src=x" not in html
    assert not re.search(r"https?://", html)


@pytest.mark.parametrize(
    "args",
    [
        ["leader", "NOPE"],
        ["leader", "F1"],
        ["entity", "NOPE"],
        ["area", "NOPE"],
    ],
)
def test_cli_unknown_id_exits_2(store: Path, tmp_path: Path, args: list[str]) -> None:
    target = tmp_path / "out.html"
    result = invoke("viz", *args, "-o", target, "--store", store)
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("concentric: error:"), result.stderr
    assert "Traceback" not in result.output
    assert not target.exists()


def test_cli_district_past_the_limit_draws_its_subdistrict_by_ratio(
    store: Path, tmp_path: Path
) -> None:
    target = tmp_path / "out.html"
    result = invoke(
        "viz", "district", "-o", target, "--as-of", "2026-06-30", "--window-days", "365",
        "--store", store, "--graph-max-rows", "1",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    html = target.read_text(encoding="utf-8")
    # From TABLES: A1 holds F1 (contact and visit on 06-20: covered) and F2 (no contact).
    assert set(nodes_by_id(html)) == {"A1"}
    values = set(card(nodes_by_id(html)["A1"]).values())
    assert {"50% / 50%", "2"} <= values
    assert "<img src=x" not in html


def test_cli_unwritable_output_exits_2(store: Path, tmp_path: Path) -> None:
    result = invoke("viz", "district", "-o", tmp_path / "missing" / "x.html", "--store", store)
    assert result.exit_code == 2
    assert result.stderr.startswith("concentric: error: cannot write")

"""The analysis pages and the readable networks (issue 14, items 3 and 6), over the sample
district with TestClient.

Expected values come from the raw sample tables (read here with csv/openpyxl) and from
`oracle.evaluate` over those tables, never from the product's answers.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import html
import json
import re
from collections import Counter
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import openpyxl
import oracle
import pytest
from fastapi.testclient import TestClient
from test_api import copy_store, settings_for
from test_page_actions import CJK, sample_names
from test_pages_chinese import problems

from concentric.api.app import create_app
from concentric.graph.engine.leaders import leaders_in_office
from concentric.graph.network.recommend import GraphReader, assign, capacities, graph_context
from concentric.graph.workspace import Workspace, open_workspace

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "sample"
AS_OF = dt.date(2026, 6, 30)
WINDOW = 365
SEPARATORS = r"[,，;；、|\s]+"
TOWN_LABELS = {"乡镇", "街道"}
PAGES = (
    "/blind-spots",
    "/single-points",
    "/suggestions",
    "/changes",
    "/search?q=agz",
    "/areas/A16",
)


# -- the raw sample, as the oracle's dataset ------------------------------------------------


def _csv(name: str, encoding: str = "utf-8-sig") -> list[dict[str, str]]:
    with (SAMPLE / name).open(encoding=encoding, newline="") as f:
        return list(csv.DictReader(f))


def _xlsx(name: str) -> list[dict[str, Any]]:
    rows = list(
        openpyxl.load_workbook(SAMPLE / name, read_only=True).active.iter_rows(values_only=True)
    )
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def _date(text: Any) -> dt.date | None:
    match = re.fullmatch(r"(\d{4})[-/年](\d{1,2})[-/月](\d{1,2})日?", str(text or "").strip())
    return dt.date(*map(int, match.groups())) if match else None


def _code(enum: str, label: str) -> str:
    return next(c for c, text in oracle.ENUMS[enum].items() if label in (c, text))


def _ids(text: Any) -> list[str]:
    return [t for t in re.split(SEPARATORS, str(text or "")) if t]


@functools.cache
def sample() -> oracle.Dataset:
    """The sample district's tables as the oracle reads datasets (only what it uses)."""
    ds = oracle.Dataset()
    for row in _csv("areas.csv"):
        kind = "town" if row["类型"] == "乡镇" else _code("area_kind", row["类型"])
        ds.add(
            "areas", id=row["编号"], name=row["名称"], kind=kind, parent_id=row["上级编号"] or None
        )
    for row in _xlsx("leaders.xlsx"):
        ds.add("leaders", id=row["编号"], name=row["姓名"], in_office=row["在任"] != "否")
    for row in _csv("figures.csv", "gb18030"):
        category = oracle.category_code(row["类别"])
        ds.add(
            "figures",
            id=row["编号"],
            name=row["姓名"],
            category=category,
            area_id=row["所在区域"] or None,
        )
    for row in _csv("organizations.csv"):
        kind = _code("organization_kind", row["类型"])
        ds.add(
            "organizations",
            id=row["编号"],
            name=row["名称"],
            kind=kind,
            area_id=row["所在区域"] or None,
        )
    for row in _xlsx("units.xlsx"):
        kind = _code("unit_kind", row["类型"])
        ds.add(
            "units",
            id=row["编号"],
            name=row["名称"],
            kind=kind,
            area_id=row["所在区域"] or None,
            joint_meeting=row["联席会议"] == "是",
        )
    for row in _csv("contacts.csv"):
        ds.add(
            "contacts",
            leader_id=row["领导编号"],
            target_id=row["对象编号"],
            since=_date(row["开始日期"]),
            until=_date(row["结束日期"]),
        )
    for row in _csv("memberships.csv"):
        ds.add(
            "memberships",
            figure_id=row["人士编号"],
            org_id=row["组织编号"],
            since=_date(row["开始日期"]),
            until=_date(row["结束日期"]),
        )
    for row in _csv("interactions.csv"):
        assert _date(row["日期"]) is not None, row["日期"]
        ds.add(
            "interactions",
            id=row["编号"],
            date=_date(row["日期"]),
            leader_ids=_ids(row["领导编号"]),
            target_ids=_ids(row["对象编号"]),
        )
    return ds


def statuses(day: dt.date) -> dict[str, str]:
    return {t: s.status for t, s in oracle.evaluate(sample(), day, WINDOW).items()}


def towns() -> dict[str, str]:
    """Towns and subdistricts of the raw areas table, id -> name."""
    return {r["编号"]: r["名称"] for r in _csv("areas.csv") if r["类型"] in TOWN_LABELS}


# -- the app ------------------------------------------------------------------------------


def _signed_in(app: Any, token: str) -> TestClient:
    client = TestClient(app, raise_server_exceptions=False)
    answer = client.post("/login", data={"token": token, "next": "/"}, follow_redirects=False)
    assert answer.status_code == 303
    return client


@pytest.fixture(scope="module")
def clients(
    sample_store: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, TestClient]]:
    app = create_app(settings_for(copy_store(sample_store, tmp_path_factory.mktemp("pages"))))
    access = app.state.access
    tokens = {
        "planner": access.create_token("planner"),
        "analyst": access.create_token("analyst"),
        "leader": access.create_token("leader", "L01"),
    }
    clients = {who: _signed_in(app, token) for who, token in tokens.items()}
    yield clients
    for client in clients.values():
        client.close()
    app.state.workspace.close()
    access.close()


def page(clients: dict[str, TestClient], url: str, who: str = "planner") -> str:
    answer = clients[who].get(url)
    assert answer.status_code == 200, (url, answer.text[:500])
    return answer.text


def table_rows(text: str, table_id: str) -> list[str]:
    found = re.search(rf'<table id="{table_id}">(.*?)</table>', text, re.DOTALL)
    assert found is not None, table_id
    return re.findall(r"<tr[^>]*>.*?</tr>", found.group(1), re.DOTALL)[1:]


def network_data(text: str) -> dict[str, Any]:
    found = re.search(
        r'<script type="application/json" id="concentric-data">(.*?)</script>', text, re.DOTALL
    )
    assert found is not None
    data: dict[str, Any] = json.loads(found.group(1))
    return data


def controls(text: str) -> dict[str, Any]:
    found = re.search(
        r'<script type="application/json" id="concentric-controls">(.*?)</script>', text, re.DOTALL
    )
    assert found is not None
    data: dict[str, Any] = json.loads(found.group(1))
    return data


# -- access ---------------------------------------------------------------------------------


@pytest.mark.parametrize("url", PAGES)
def test_pages_answer_planners_and_analysts_and_refuse_leaders(
    clients: dict[str, TestClient], url: str
) -> None:
    dated = f"{url}{'&' if '?' in url else '?'}as_of={AS_OF}"
    assert clients["planner"].get(dated).status_code == 200
    assert clients["analyst"].get(dated).status_code == 200
    assert clients["leader"].get(dated).status_code == 403


def test_a_bad_date_is_a_clear_400(clients: dict[str, TestClient]) -> None:
    answer = clients["planner"].get("/blind-spots?as_of=2026-13-45")
    assert answer.status_code == 400
    assert "as_of" in answer.text


def test_an_unknown_area_is_404(clients: dict[str, TestClient]) -> None:
    assert clients["planner"].get("/areas/NOPE").status_code == 404
    assert clients["planner"].get("/areas/F0001").status_code == 404  # a figure, not an area


# -- language -------------------------------------------------------------------------------


class _FixedWords(HTMLParser):
    """The text a page writes itself, not read from the data: headings, table headers,
    labels, buttons, paragraphs, notes, cards and links outside table cells and lists;
    never the options of a select or the cells of a table (those hold names)."""

    WORDS = frozenset({"h1", "h2", "th", "label", "button", "p", "ul.notes", "div.card"})
    SKIP = frozenset({"select", "td", "li", "script", "style"})
    VOID = frozenset({"br", "img", "input", "meta", "link", "hr", "source", "wbr"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.words: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.VOID:
            return
        classes = str(dict(attrs).get("class") or "").split()
        self.stack.append(next((f"{tag}.{c}" for c in classes if f"{tag}.{c}" in self.WORDS), tag))

    def handle_endtag(self, tag: str) -> None:
        opened = [t.split(".")[0] for t in self.stack]
        if tag in opened:
            del self.stack[len(opened) - 1 - opened[::-1].index(tag) :]

    def handle_data(self, data: str) -> None:
        if data.strip() and not self.SKIP & set(self.stack) and self.WORDS & set(self.stack):
            self.words.append(data.strip())


def fixed_words(text: str) -> list[str]:
    parser = _FixedWords()
    parser.feed(text)
    return parser.words


def test_fixed_words_leave_out_cells_and_options() -> None:
    text = (
        '<h1>盲区 <span class="muted">截至</span></h1><table><tr><th>区域</th></tr>'
        "<tr><td><a>阿干镇</a></td></tr></table><label>区域<select><option>全部</option>"
        '</select></label><ul class="notes"><li>无</li></ul><ul><li>不要</li></ul>'
        '<div class="card"><div>对象</div></div><p>共 <a>看</a><br>项</p>'
    )
    assert fixed_words(text) == ["盲区", "截至", "区域", "区域", "对象", "共", "看", "项"]


@pytest.mark.parametrize("url", PAGES)
def test_the_analysis_pages_switch_to_english_and_stay_chinese_by_default(
    clients: dict[str, TestClient], url: str
) -> None:
    names = sample_names()
    english = page(clients, f"{url}{'&' if '?' in url else '?'}lang=en")
    words = fixed_words(english)
    assert len(words) >= 3, words  # an empty page cannot pass
    left = []
    for word in words:
        for name in names:
            word = word.replace(name, "")
        left.append(word)
    assert [w for w in left if CJK.search(w)] == []
    chinese = page(clients, url)
    assert any(CJK.search(w) for w in fixed_words(chinese))
    assert problems(chinese) == []


def test_a_refused_query_is_explained_in_the_page_language(
    clients: dict[str, TestClient],
) -> None:
    chinese = clients["planner"].get("/changes?from=2026-02-30")
    assert chinese.status_code == 400
    assert "from：日期格式应为 YYYY-MM-DD，收到 '2026-02-30'" in html.unescape(chinese.text)
    reversed_range = clients["planner"].get("/changes?from=2026-06-30&to=2025-01-01")
    assert "开始日期 2026-06-30 晚于结束日期 2025-01-01" in reversed_range.text
    status = clients["planner"].get("/suggestions?status=covered")
    assert status.status_code == 400
    assert "status：无此状态 'covered'" in html.unescape(status.text)
    for url in (
        "/changes?from=2026-02-30",
        "/changes?from=2026-06-30&to=2025-01-01",
        "/suggestions?status=covered",
    ):
        english = clients["planner"].get(f"{url}&lang=en")
        assert english.status_code == 400
        assert "Bad request" in english.text
        assert not CJK.search(" ".join(fixed_words(english.text)))


# -- blind spots ----------------------------------------------------------------------------


def _below(area: str) -> set[str]:
    """``area`` and every area below it, from the raw table."""
    parent = {r["编号"]: r["上级编号"] for r in _csv("areas.csv")}
    return {a for a in parent if area in oracle.area_chain(sample(), a)}


def test_blind_spots_towns_without_station_are_those_of_the_raw_tables(
    clients: dict[str, TestClient],
) -> None:
    stations = {
        o["area_id"] for o in sample()["organizations"] if o["kind"] == "ethnic_work_station"
    }
    expected = {t for t in towns() if not _below(t) & stations}
    assert expected  # the sample has some (else the check says nothing)
    text = page(clients, f"/blind-spots?as_of={AS_OF}")
    section = re.search(r'<ul id="towns-without-station">(.*?)</ul>', text, re.DOTALL)
    assert section is not None
    shown = set(re.findall(r'href="/areas/(\w+)\?as_of=', section.group(1)))
    assert shown == expected


def test_blind_spots_matrix_and_units_follow_the_oracle(clients: dict[str, TestClient]) -> None:
    status = statuses(AS_OF)
    text = page(clients, f"/blind-spots?as_of={AS_OF}")
    cells = re.findall(
        r'data-area="(\w+)" data-category="(\w+)" data-figures="(\d+)" data-covered="(\d+)"', text
    )
    assert cells
    for area, category, figures, covered in cells:
        inside = _below(area)
        mine = [
            f for f in sample()["figures"] if f["area_id"] in inside and f["category"] == category
        ]
        assert int(figures) == len(mine), (area, category)
        assert int(covered) == sum(status[f["id"]] == "covered" for f in mine), (area, category)
    # Every town with figures of a category has its cell.
    assert {(a, c) for a, c, _, _ in cells} >= {
        (t, f["category"])
        for t in towns()
        for f in sample()["figures"]
        if f["area_id"] in _below(t)
    }
    outside = {
        u["id"]
        for u in sample()["units"]
        if not u["joint_meeting"] and status[u["id"]] != "covered"
    }
    shown = {re.search(r"/entities/(\w+)", r).group(1) for r in table_rows(text, "units-outside")}  # type: ignore[union-attr]
    assert shown == outside


# -- single points and suggestions ------------------------------------------------------------


def _assigned(day: dt.date) -> dict[str, tuple[str, ...]]:
    return {t: s.assigned_leaders for t, s in oracle.evaluate(sample(), day, WINDOW).items()}


def test_single_points_are_targets_with_exactly_one_leader(clients: dict[str, TestClient]) -> None:
    expected = {t for t, leaders in _assigned(AS_OF).items() if len(leaders) == 1}
    text = page(clients, f"/single-points?as_of={AS_OF}")
    assert f"共 {len(expected)} 项" in text
    shown = set(re.findall(r'<tr class="single-row"><td><a href="/entities/(\w+)', text))
    assert shown == expected  # fewer than a page of rows in the sample


def test_suggestions_are_filtered_like_the_gap_list(clients: dict[str, TestClient]) -> None:
    status = statuses(AS_OF)
    all_rows = page(clients, f"/suggestions?as_of={AS_OF}")
    suggested = set(re.findall(r'class="suggestion-row" data-target="(\w+)"', all_rows))
    assert suggested and all(status[t] in ("uncovered", "stale") for t in suggested)
    where = {t["id"]: t["area_id"] for table in oracle.TARGET_TABLES for t in sample()[table]}
    # The town with the most suggested uncovered targets, so the filter keeps some.
    town = max(
        sorted(towns()),
        key=lambda a: sum(where[t] in _below(a) and status[t] == "uncovered" for t in suggested),
    )
    inside = _below(town)
    text = page(clients, f"/suggestions?as_of={AS_OF}&area_id={town}&status=uncovered")
    shown = set(re.findall(r'class="suggestion-row" data-target="(\w+)"', text))
    # The assignment is made within the filter's scope, where the town's leaders have room
    # for every one of its uncovered targets.
    assert shown == {t for t in status if where.get(t) in inside and status[t] == "uncovered"}
    assert shown  # the filter keeps some


def whole_graph_recommendation(
    whole: Workspace, area: str, wanted: tuple[str, ...] = ("uncovered", "stale")
) -> dict[str, Any]:
    """The assignment over the whole graph of the targets the raw tables put in ``area``
    (or below it) with one of ``wanted``, each leader's room counted over the raw tables."""
    graph = whole.graph()
    assessed = oracle.evaluate(sample(), AS_OF, WINDOW)
    where = {t["id"]: t["area_id"] for table in oracle.TARGET_TABLES for t in sample()[table]}
    inside = _below(area)
    scope = [
        (t, item.status, item.assigned_leaders)
        for t, item in sorted(assessed.items())
        if item.status in wanted and where[t] in inside
    ]
    load = Counter(lead for item in assessed.values() for lead in item.assigned_leaders)
    in_office = GraphReader(graph).records(leaders_in_office(graph))
    capacity = capacities(in_office, load, whole.policy)
    context = graph_context(
        graph, AS_OF, whole.policy, [lead for lead, room in capacity.items() if room > 0]
    )
    return assign(context, scope, capacity, WINDOW)


@pytest.fixture(scope="module")
def limited(
    sample_store: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[TestClient, Any]]:
    """A planner's client of an app whose whole-graph limit is one row, and the workspace
    of the same store without a limit."""
    path = copy_store(sample_store, tmp_path_factory.mktemp("limited"))
    settings = settings_for(path).model_copy(update={"graph_max_rows": 1})
    app = create_app(settings)
    client = _signed_in(app, app.state.access.create_token("planner"))
    whole = open_workspace(path)
    yield client, whole
    client.close()
    whole.close()
    app.state.workspace.close()


def test_past_the_limit_suggestions_answer_for_a_town_as_without_a_limit(
    limited: tuple[TestClient, Any],
) -> None:
    client, whole = limited
    town = sorted(towns())[0]
    answer = client.get(f"/suggestions?as_of={AS_OF}&area_id={town}")
    assert answer.status_code == 200
    rows = re.findall(
        r'class="suggestion-row" data-target="(\w+)" data-leader="(\w+)"', answer.text
    )
    expected = whole_graph_recommendation(whole, town)["items"]
    assert rows == [(i["target_id"], i["leader_id"]) for i in expected]
    assert rows  # the town has suggestions (else the check says nothing)


def test_past_the_limit_suggestions_without_an_area_ask_for_one(
    limited: tuple[TestClient, Any],
) -> None:
    client, _ = limited
    answer = client.get(f"/suggestions?as_of={AS_OF}")
    assert answer.status_code == 200
    assert 'id="suggestion-choose-area"' in answer.text
    assert "请在上方选择一个乡镇街道" in answer.text
    assert "suggestion-row" not in answer.text
    picker = re.search(r'<select name="area_id">(.*?)</select>', answer.text, re.DOTALL)
    assert picker is not None
    assert set(towns()) <= set(re.findall(r'<option value="(\w+)"', picker.group(1)))
    english = client.get(f"/suggestions?as_of={AS_OF}&lang=en")
    assert "choose a town or subdistrict" in english.text


# -- changes ----------------------------------------------------------------------------------


def test_changes_count_the_targets_whose_status_differs(clients: dict[str, TestClient]) -> None:
    start, end = dt.date(2025, 6, 30), AS_OF
    before, after = statuses(start), statuses(end)
    moved = Counter(f"{before[t]}→{after[t]}" for t in before if before[t] != after[t])
    text = page(clients, f"/changes?from={start}&to={end}")
    assert f"共 {sum(moved.values())} 个对象状态改变" in text
    groups = dict(
        re.findall(
            r'<tr data-transition="([a-z→]+)">.*?<td class="num">(\d+)</td>', text, re.DOTALL
        )
    )
    assert {k: int(v) for k, v in groups.items()} == dict(moved)


def test_changes_refuse_a_reversed_range(clients: dict[str, TestClient]) -> None:
    assert clients["planner"].get("/changes?from=2026-06-30&to=2025-01-01").status_code == 400


# -- search -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("闫萱梅", "F0001"),  # the first row of figures.csv, by name
        ("yanxuanmei", "F0001"),  # its pinyin (worked out by hand)
        ("agz", "A16"),  # 阿干镇 by its initials
        ("aganzhen", "A16"),
    ],
)
def test_search_finds_names_pinyin_and_initials(
    clients: dict[str, TestClient], query: str, expected: str
) -> None:
    assert _csv("figures.csv", "gb18030")[0]["姓名"] == "闫萱梅"
    text = page(clients, f"/search?q={query}")
    assert f'class="search-row" data-id="{expected}"' in text


def test_every_page_has_the_search_box_and_the_date_picker(clients: dict[str, TestClient]) -> None:
    for url in ("/", "/gaps", *PAGES):
        text = page(clients, url)
        assert 'action="/search"' in text and 'name="q"' in text, url
        assert 'id="as-of-form"' in text and 'name="as_of"' in text, url
    leader = page(clients, "/leaders/L01", "leader")
    assert 'action="/search"' not in leader  # a leader has no search
    assert 'id="as-of-form"' in leader


# -- areas and as_of --------------------------------------------------------------------------


def _counts(area: str, day: dt.date) -> dict[str, int]:
    inside = _below(area)
    status = oracle.evaluate(sample(), day, WINDOW)
    mine = [s.status for s in status.values() if s.area_id in inside]
    return {"targets": len(mine), **{s: mine.count(s) for s in oracle.STATUSES}}


def _shown_counts(text: str) -> dict[str, int]:
    return {k: int(v) for k, v in re.findall(r'data-count="(\w+)">(\d+)<', text)}


def test_area_page_counts_areas_below_and_gaps(clients: dict[str, TestClient]) -> None:
    text = page(clients, f"/areas/A16?as_of={AS_OF}")
    assert _shown_counts(text) == _counts("A16", AS_OF)
    children = {r["编号"] for r in _csv("areas.csv") if r["上级编号"] == "A16"}
    shown = set(re.findall(r'<tr data-area="(\w+)">', text))
    assert shown == children
    status = statuses(AS_OF)
    gaps = {
        t for t, s in status.items() if s in ("uncovered", "stale") and _where(t) in _below("A16")
    }
    assert f"共 {len(gaps)} 项" in text
    assert f'src="/viz/area/A16?as_of={AS_OF}"' in html.unescape(text)


def _where(target: str) -> str | None:
    for table in oracle.TARGET_TABLES:
        for row in sample()[table]:
            if row["id"] == target:
                found: str | None = row["area_id"]
                return found
    return None


def _a_target_that_changed() -> tuple[str, dt.date, dt.date]:
    """A target of A16 that is a gap (uncovered or stale) on one day and not on another."""
    early, late = dt.date(2025, 6, 30), AS_OF
    before, after = statuses(early), statuses(late)
    gap = ("uncovered", "stale")
    for target in sorted(before):
        if _where(target) in _below("A16") and (before[target] in gap) != (after[target] in gap):
            return target, early, late
    raise AssertionError("no target of A16 changed between the two days")


def test_as_of_changes_what_the_area_page_shows(clients: dict[str, TestClient]) -> None:
    target, early, late = _a_target_that_changed()
    gap_early = statuses(early)[target] in ("uncovered", "stale")
    early_page = page(clients, f"/areas/A16?as_of={early}")
    late_page = page(clients, f"/areas/A16?as_of={late}")
    assert (f"/entities/{target}?as_of={early}" in early_page) == gap_early
    assert (f"/entities/{target}?as_of={late}" in late_page) != gap_early
    assert _shown_counts(early_page) == _counts("A16", early)
    assert _shown_counts(early_page) != _shown_counts(late_page)


def test_dashboard_links_areas_and_honours_as_of(clients: dict[str, TestClient]) -> None:
    early = dt.date(2025, 6, 30)
    text = page(clients, f"/?as_of={early}")
    for town in towns():
        assert f'href="/areas/{town}"' in text
    expected = sum(1 for s in statuses(early).values() if s == "covered")
    card = re.search(r'data-count="covered".*?<div class="big">(\d+)</div>', text, re.S)
    assert card and int(card[1]) == expected


# -- networks ---------------------------------------------------------------------------------


DEBUG = re.compile(r"\d+\s*ms\b|节点 nodes ·|个节点 nodes")


def test_network_pages_have_filters_links_and_no_debug_text(clients: dict[str, TestClient]) -> None:
    text = page(clients, f"/viz/entity/F0001?depth=1&as_of={AS_OF}")
    assert 'data-filter-kind="figure"' in text and "data-filter-status=" in text
    assert controls(text)["links"]["figure"] == "/entities/{id}"
    assert controls(text)["links"]["area"] == "/areas/{id}"
    assert controls(text)["query"] == f"as_of={AS_OF}"
    assert 'network.on("click"' in text
    depth = re.search(r'<nav id="depth-control".*?</nav>', text, re.DOTALL)
    assert depth is not None
    assert {int(d) for d in re.findall(r'href="\?depth=(\d)&amp;as_of=', depth.group(0))} == {
        0,
        2,
        3,
    }
    visible = re.sub(r"<script.*?</script>", "", text, flags=re.DOTALL)
    assert not DEBUG.search(visible)
    assert "performance.now() - started" in text  # the drawing time stays an attribute only
    assert ".textContent = data.nodes.length" not in text


def test_leader_network_hides_interactions_at_first(clients: dict[str, TestClient]) -> None:
    text = page(clients, f"/viz/leader/L01?as_of={AS_OF}")
    box = re.search(r'<input type="checkbox" id="show-interactions"[^>]*>', text)
    assert box is not None and "checked" not in box.group(0)
    entity = page(clients, "/viz/entity/L01?depth=1")
    other = re.search(r'<input type="checkbox" id="show-interactions"[^>]*>', entity)
    assert other is not None and "checked" in other.group(0)
    # A leader's own network: no links to area pages (a leader has none).
    own = page(clients, "/viz/leader/L01", "leader")
    assert "area" not in controls(own)["links"]


def test_district_map_is_one_node_per_town(clients: dict[str, TestClient]) -> None:
    text = page(clients, f"/viz/district?as_of={AS_OF}")
    nodes = network_data(text)["nodes"]
    assert {n["id"] for n in nodes} == set(towns())
    assert network_data(text)["edges"] == []
    assert controls(text)["links"] == {"area": "/viz/area/{id}"}
    sizes = {n["id"]: n["size"] for n in nodes}
    biggest = max(towns(), key=lambda t: _counts(t, AS_OF)["targets"])
    assert sizes[biggest] == max(sizes.values())
    assert clients["leader"].get("/viz/district").status_code == 403


def test_district_map_past_the_whole_graph_limit_draws_the_towns_ratios(
    sample_store: Path, tmp_path: Path
) -> None:
    settings = settings_for(copy_store(sample_store, tmp_path)).model_copy(
        update={"graph_max_rows": 1}
    )
    app = create_app(settings)
    client = _signed_in(app, app.state.access.create_token("planner"))
    answer = client.get(f"/viz/district?as_of={AS_OF}")
    assert answer.status_code == 200, answer.text[:500]
    nodes = network_data(answer.text)["nodes"]
    assert {n["id"] for n in nodes} == set(towns())
    for node in nodes:
        counts = _counts(node["id"], AS_OF)
        total = counts["targets"]
        reach = counts["covered"] + counts["indirect"]
        expected = f"{counts['covered'] / total:.0%} / {reach / total:.0%}" if total else "–"
        cells = [row[1] for row in node["card"]["rows"]]
        assert expected in cells, (node["id"], cells)
        assert str(total) in cells
        assert node["label"].startswith(towns()[node["id"]])
    # The same page as under the limit, where the whole graph is drawn.
    assert answer.text == page_of_whole_graph(sample_store, tmp_path)


def page_of_whole_graph(sample_store: Path, tmp_path: Path) -> str:
    app = create_app(settings_for(copy_store(sample_store, tmp_path / "whole")))
    client = _signed_in(app, app.state.access.create_token("planner"))
    return page({"planner": client}, f"/viz/district?as_of={AS_OF}")

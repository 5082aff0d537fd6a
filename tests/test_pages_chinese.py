"""Every page in Chinese, and every page fits a phone.

The pages are found by walking the app's routes (every GET route outside /api/ that is
not the sign-out), so a page added later is checked without editing this file. Path
parameters are filled from the sample district (`PATH_VALUES`); a route with a parameter
this file does not know fails, naming it.

Two checks on the default (Chinese) text of every page, rendered for a planner:
- no raw enumeration code: every code of every enumeration in graph/schema/schema.yaml, read here
  with plain `yaml`, is looked for as a word of the visible text;
- no English: no run of three or more ASCII letters outside ids (`<small class="id">`),
  source file names (`<span class="file">`), scripts, styles and attributes (tooltips,
  `title`, count as text), except `ALLOWED`.

Then Debian's Chromium (Playwright) opens the same pages at 390 × 844, as a phone does, and
fails on any page wider than the screen (document.scrollingElement.scrollWidth > 390).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import yaml
from browser_support import CHROMIUM, CHROMIUM_ARGS, TIMEOUT_MS, running_server
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from starlette.routing import Route
from test_api import Api, copy_store, open_api

SCHEMA_FILE = Path(__file__).resolve().parent.parent / "graph" / "schema" / "schema.yaml"
RAW: dict[str, Any] = yaml.safe_load(SCHEMA_FILE.read_text(encoding="utf-8"))
#: Every enumeration code (not one of them may reach a Chinese page as it is).
CODES: frozenset[str] = frozenset(
    code for values in RAW["enumerations"].values() for code in values
)

#: ASCII words a Chinese page may show: the names of file formats (downloads, uploads),
#: nothing else.
ALLOWED: frozenset[str] = frozenset({"CSV", "XLSX", "JSON", "ZIP"})
ENGLISH = re.compile(r"[A-Za-z]{3,}")
WORD = re.compile(r"[A-Za-z_]+")

#: Sample-district ids for each path parameter: a leader in office (L01, under quota) and
#: L20 (most of its targets stale); a figure, an organization, a unit, a town, an
#: interaction and a leader as entities.
PATH_VALUES: dict[str, tuple[str, ...]] = {
    "leader_id": ("L01", "L20"),
    "entity_id": ("F0001", "O001", "U01", "A16", "I00001", "L01"),
    "area_id": ("A16",),
    "figure_id": ("F0001",),
    "organization_id": ("O001",),
    "org_id": ("O001",),
    "unit_id": ("U01",),
    "target_id": ("U01",),
    "interaction_id": ("I00001",),
}
#: Pages the walk cannot find from the routes alone: the other depths of an ego network (the
#: walk asks for the default depth, 1).
EXTRA_PAGES: tuple[str, ...] = (
    "/viz/entity/F0001?depth=0",
    "/viz/entity/U01?depth=2",
    "/viz/entity/A16?depth=3",
    # The sample's one pair of namesakes (雷学豪) scores under the default 0.5.
    "/duplicates?min_score=0.2",
)
#: Pages that are not for reading: signing out ends the session the walk uses.
# A calendar feed is iCalendar for calendar programs, not a page (tests/test_calendar.py).
NOT_PAGES = frozenset({"/logout", "/calendar/{secret}.ics"})
PARAM = re.compile(r"{([^}:]+)(?::[^}]*)?}")


def get_routes(routes: list[Any], prefix: str = "") -> Iterator[str]:
    """The path of every GET route, through included routers (FastAPI keeps an included
    router as one entry that holds the original router and its prefix)."""
    for route in routes:
        if isinstance(route, Route | APIRoute):
            if "GET" in (route.methods or ()):
                yield prefix + route.path
        elif hasattr(route, "original_router"):
            inner = prefix + getattr(route.include_context, "prefix", "")
            yield from get_routes(route.original_router.routes, inner)
        elif hasattr(route, "routes"):  # a mounted sub-application
            yield from get_routes(route.routes, prefix + getattr(route, "path", ""))


def page_paths(routes: list[Any]) -> list[str]:
    """Every URL of every page route (GET, outside /api/), path parameters filled in."""
    paths: list[str] = []
    for path in get_routes(routes):
        if path.startswith("/api/") or path in NOT_PAGES:
            continue
        if path in ("/openapi.json", "/healthz") or path.startswith("/docs"):
            continue
        params = PARAM.findall(path)
        unknown = [p for p in params if p not in PATH_VALUES]
        assert not unknown, f"{path}: add sample ids for {unknown} to PATH_VALUES"
        filled = [path]
        for param in params:
            filled = [
                PARAM.sub(lambda m, v=value, p=param: v if m.group(1) == p else m.group(0), path)
                for path in filled
                for value in PATH_VALUES[param]
            ]
        paths.extend(filled)
    return sorted(set(paths))


class VisibleText(HTMLParser):
    """The text a reader sees: element text and `title`/`placeholder` tooltips, without
    scripts, styles, the small id labels beside names, the names of source files
    (`figures.csv`: the office's own file names, data rather than words of the page) and
    what a reader types (`<kbd>`: pinyin examples, a command)."""

    HIDDEN = frozenset({"script", "style", "template", "noscript", "kbd"})
    VOID = frozenset({"br", "img", "input", "meta", "link", "hr", "source", "area", "wbr"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.stack: list[bool] = []  # per open element: is its text hidden?

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for name in ("title", "placeholder", "alt"):
            if values.get(name):
                self.parts.append(str(values[name]))
        if tag in self.VOID:
            return
        hidden = (self.stack and self.stack[-1]) or tag in self.HIDDEN
        hidden = hidden or bool({"id", "file"} & set((values.get("class") or "").split()))
        self.stack.append(bool(hidden))

    def handle_endtag(self, tag: str) -> None:
        if tag not in self.VOID and self.stack:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        if not (self.stack and self.stack[-1]):
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = VisibleText()
    parser.feed(html)
    parser.close()
    return " ".join(parser.parts)


def problems(html: str) -> list[str]:
    """Raw codes and English words in the visible text of a page."""
    text = visible_text(html)
    found = [f"code {w!r}" for w in WORD.findall(text) if w in CODES]
    found += [f"English {w!r}" for w in ENGLISH.findall(text) if w not in ALLOWED]
    return sorted(set(found))


def test_visible_text_finds_what_a_reader_sees() -> None:
    html = (
        '<p title="help text">省属 <small class="id">LX14</small><script>var level = "x";'
        "</script><b>provincial</b> CSV</p>"
    )
    assert visible_text(html).split() == ["help", "text", "省属", "provincial", "CSV"]
    assert problems(html) == [
        "English 'help'",
        "English 'provincial'",
        "English 'text'",
        "code 'provincial'",
    ]


# -- every page, as HTML ------------------------------------------------------------------


def signed_in(api: Api, who: str, **headers: str) -> TestClient:
    client = TestClient(api.app, raise_server_exceptions=False, headers=headers)
    response = client.post("/login", data={"token": api.tokens[who]}, follow_redirects=False)
    assert response.status_code == 303, response.text
    return client


@pytest.fixture(scope="module")
def site(sample_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    api = open_api(copy_store(sample_store, tmp_path_factory.mktemp("chinese")))
    yield api
    api.close()


@pytest.fixture(scope="module")
def planner(site: Api) -> TestClient:
    return signed_in(site, "planner")


def html_of(client: TestClient, path: str) -> str | None:
    """The page's HTML (it must answer 200), or None when the route is a download."""
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code, response.text[:300])
    if not response.headers["content-type"].startswith("text/html"):
        return None
    return response.text


def html_paths(site: Api, client: TestClient) -> list[str]:
    """The walked pages that answer HTML (downloads left out), and the sign-in page."""
    paths = [*page_paths(site.app.routes), *EXTRA_PAGES, "/login"]
    return [p for p in paths if html_of(client, p) is not None]


def test_the_walk_finds_the_pages(site: Api) -> None:
    paths = page_paths(site.app.routes)
    for page in ("/", "/gaps", "/leaders", "/leaders/L01", "/entities/U01", "/viz/district"):
        assert page in paths
    for page in ("/viz/leader/L01", "/viz/entity/F0001", "/viz/area/A16"):
        assert page in paths


#: The network pages: self-contained documents written by graph/views/render.py.
NETWORK = "/viz/"


def pages_with_problems(site: Api, client: TestClient, network: bool) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for path in html_paths(site, client):
        if path.startswith(NETWORK) == network:
            html = html_of(client, path)
            if html is not None and problems(html):
                found[path] = problems(html)
    return found


def test_no_page_shows_codes_or_english(site: Api, planner: TestClient) -> None:
    found = pages_with_problems(site, planner, network=False)
    assert not found, found


def test_no_network_page_shows_codes_or_english(site: Api, planner: TestClient) -> None:
    found = pages_with_problems(site, planner, network=True)
    assert not found, found


def test_network_pages_switch_to_english_as_a_whole(planner: TestClient) -> None:
    for path in ("/viz/leader/L01", "/viz/entity/F0001?depth=2", "/viz/area/A16", "/viz/district"):
        chinese = visible_text(planner.get(path).text)
        joiner = "&" if "?" in path else "?"
        page = planner.get(f"{path}{joiner}lang=en").text
        english = visible_text(page)
        assert "图例" in chinese and "Legend" not in chinese, path
        assert "Legend" in english and "图例" not in english, path
        # Fixed words all English: what Han script is left are names (people, areas).
        for word in ("截至", "覆盖率", "联系周期", "查找", "适应窗口", "节点"):
            assert word not in english, (path, word)
        # A click on a node keeps the language.
        assert "lang=en" in str(network_controls(page)["query"]), path


def network_controls(html: str) -> dict[str, Any]:
    found = re.search(
        r'<script type="application/json" id="concentric-controls">(.*?)</script>', html
    )
    assert found is not None
    value: dict[str, Any] = json.loads(found.group(1))
    return value


def test_error_pages_are_chinese(site: Api, planner: TestClient) -> None:
    leader = signed_in(site, "leader")
    for client, path, status, words in (
        (planner, "/entities/NO-SUCH-ID", 404, "未找到"),
        (planner, "/gaps?page=0", 422, "输入有误"),
        (leader, "/gaps", 403, "无权查看"),
        (leader, "/leaders/L02", 403, "无权查看"),
    ):
        response = client.get(path)
        assert response.status_code == status, (path, response.status_code)
        assert words in visible_text(response.text), (path, response.text)
        assert problems(response.text) == [], (path, problems(response.text))


def test_english_is_a_switch_not_a_second_line(site: Api, planner: TestClient) -> None:
    chinese = visible_text(planner.get("/").text)
    english = visible_text(planner.get("/?lang=en").text)
    assert "覆盖率" in chinese and "Coverage" not in chinese
    assert "Coverage" in english and "覆盖率" not in english
    preferring = signed_in(site, "planner", **{"Accept-Language": "en-GB,en;q=0.9,zh;q=0.5"})
    assert "Coverage" in visible_text(preferring.get("/").text)
    chinese_first = signed_in(site, "planner", **{"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8"})
    assert "覆盖率" in visible_text(chinese_first.get("/").text)


def test_a_unit_reads_in_words(planner: TestClient) -> None:
    # U01 兰州理工大学 in the sample's units.xlsx: 高校 (university), 省属 (provincial),
    # in the joint meeting (是), in 兰工坪社区 (A22, areas.csv), row 2 of units.xlsx.
    html = planner.get("/entities/U01").text
    text = visible_text(html)
    for words in ("高校", "省属", "联席会议", "是", "兰工坪社区", "第2行"):
        assert words in text, words
    assert '<span class="file">units.xlsx</span> 第2行' in html
    assert "/data/sample" not in html and str(Path.cwd()) not in html
    assert '<small class="id">A22</small>' in html


def test_ties_are_words(planner: TestClient) -> None:
    # O001 民革七里河区总支部: figures are its members (成员), it lies in an area (位于).
    text = visible_text(planner.get("/entities/O001").text)
    assert "成员" in text and "位于" in text
    for raw in ("member_of", "located_in", "(in)", "(out)"):
        assert raw not in text


def test_quota_and_activity_say_why(site: Api, planner: TestClient) -> None:
    loads = {i["id"]: i for i in site.get("/api/v1/leaders", limit=500)["items"]}
    l01 = loads["L01"]
    text = visible_text(planner.get("/leaders/L01").text)
    if l01["quota_status"] == "under":
        assert f"不足：人士 {l01['figures']} < {l01['quota_min']}" in text
    l20 = loads["L20"]
    text = visible_text(planner.get("/leaders/L20").text)
    # The rule: half or more of its targets stale is a warning, whatever the quota says.
    assert (l20["stale_share"] >= 0.5) == ("久未联系占比高" in text)
    assert f"最近一次联系 {l20['last_interaction']}" in text


def test_the_center_line_says_what_it_measures(planner: TestClient) -> None:
    html = planner.get("/").text
    row = re.search(r'<tr class="center-line">(.*?)</tr>', html, re.S)
    assert row is not None
    text = visible_text(row.group(1))
    assert "联系领导达到定额" in text and "民族工作站" in text


# -- every page, on a phone ---------------------------------------------------------------

PHONE = {"width": 390, "height": 844}
#: The smallest label on a phone, in screen pixels.
READABLE_PX = 12
#: A drawn network page's smallest label on screen: the font size of each node's label (its
#: own, the page's default, or 13 px for a group's pie, which draws its label itself) times
#: the zoom at which the page opened.
SMALLEST_LABEL_PX = """() => {
  const data = JSON.parse(document.getElementById("concentric-data").textContent);
  const base = data.options.nodes.font.size;
  const sizes = data.nodes.map(n => n.mix ? 13 : (n.font && n.font.size) || base);
  return Math.min(base, ...sizes) * window.concentricNetwork.getScale();
}"""


def test_no_page_is_wider_than_a_phone(
    site: Api, planner: TestClient, sample_store: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    from playwright.sync_api import sync_playwright

    folder = tmp_path_factory.mktemp("phone")
    store = copy_store(sample_store, folder)
    token = open_api(store)
    planner_token = token.tokens["planner"]
    token.close()
    paths = html_paths(site, planner)
    too_wide: dict[str, int] = {}
    small_labels: dict[str, float] = {}
    with running_server(store, folder / "serve.log") as server, sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS, timeout=TIMEOUT_MS
        )
        context = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True)
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        page.goto(f"{server.base_url}/login")
        page.fill("input[name=token]", planner_token)
        with page.expect_navigation(wait_until="load"):
            page.click("button[type=submit]")
        for path in paths:
            response = page.goto(f"{server.base_url}{path}", wait_until="load")
            assert response is not None and response.status == 200, path
            if path.startswith(NETWORK):
                page.locator("body[data-drawn-ms]").wait_for(state="attached")
                smallest = page.evaluate(SMALLEST_LABEL_PX)
                if smallest < READABLE_PX:
                    small_labels[path] = smallest
                legend = page.locator("#legend-fold")
                assert legend.get_attribute("open") is None, f"{path}: the legend is open"
            width = page.evaluate("() => document.scrollingElement.scrollWidth")
            if width > PHONE["width"]:
                too_wide[path] = width
        browser.close()
    assert not too_wide, too_wide
    assert not small_labels, small_labels

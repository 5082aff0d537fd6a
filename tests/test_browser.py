"""The web pages in a real browser: Debian's headless Chromium driven by Playwright.

One server per module: `concentric serve` as a subprocess on a free 127.0.0.1 port, over a
store loaded from the sample district plus two figures with hostile names
(`browser_support.HOSTILE`, loaded with `concentric load` from an extra CSV folder and
assigned to leader L01 by contacts). One browser per module; every test gets a fresh
browser context (its own cookies), so sign-ins never leak between tests.

Expected numbers always come from the real CLI (`api.cli.app` under typer's CliRunner) on
the same store file and the same day ("today", as the server uses), never from a
re-implementation.

Every test fails if any page or frame opens a JavaScript dialog (an `alert` would mean a
hostile name ran as script).

All tests are kept on one xdist worker (`xdist_group`), so `-n 2 --dist loadgroup` starts
one server and one browser for this module, not one per worker.
"""

from __future__ import annotations

import base64
import csv
import json
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pytest
from browser_support import (
    CHROMIUM,
    CHROMIUM_ARGS,
    HOSTILE,
    HOSTILE_LEADER,
    IMG_NAME,
    INJECTED_JS,
    SCRIPT_NAME,
    TIMEOUT_MS,
    Ink,
    Server,
    hex_rgb,
    ink,
    running_server,
    write_hostile_tables,
)
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Dialog,
    Frame,
    Page,
    Playwright,
    Request,
    WebSocket,
    expect,
    sync_playwright,
)
from typer.testing import CliRunner

from concentric.api.cli import app as cli_app

pytestmark = pytest.mark.xdist_group("browser")

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "sample"

#: The gap-list filter exercised in the browser: 和谐稳定引导线 in 阿干镇. Its gaps lie in
#: the town itself and in two villages below it, so "every row's area" means "the town
#: or an area below it".
FILTER_LINE = "guidance"
FILTER_AREA = "A16"

FIVE_LINES = 5

#: "Not blank" for a network canvas (see test_leader_page_draws_the_network).
MIN_INK_SHARE = 0.01
MIN_COLORS = 100
MIN_FILL = 10

WaitUntil = Literal["commit", "domcontentloaded", "load", "networkidle"]


# -- the CLI, in-process ------------------------------------------------------------------


def cli(*args: str | Path) -> str:
    """Run `concentric ARGS…` in-process; its stdout (the command must succeed)."""
    result = CliRunner().invoke(cli_app, [str(a) for a in args])
    assert result.exit_code == 0, (args, result.exit_code, result.stdout, result.stderr)
    return result.stdout


def cli_json(*args: str | Path) -> Any:
    return json.loads(cli(*args, "--json"))


def new_token(store: Path, *options: str) -> str:
    """`concentric token create OPTIONS --store STORE`: the token is its last line."""
    return cli("token", "create", *options, "--store", store).strip().splitlines()[-1].strip()


# -- fixtures -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Site:
    server: Server
    store: Path
    planner_token: str
    leader_token: str

    @property
    def base(self) -> str:
        return self.server.base_url

    def url(self, path: str) -> str:
        return f"{self.base}{path}"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    folder = tmp_path_factory.mktemp("browser")
    store = folder / "concentric.db"
    cli("load", "--store", store, SAMPLE)
    cli("load", "--store", store, write_hostile_tables(folder / "hostile"))
    planner = new_token(store, "--role", "planner")
    leader = new_token(store, "--role", "leader", "--leader", HOSTILE_LEADER)
    with running_server(store, folder / "serve.log") as server:
        yield Site(server, store, planner, leader)


@pytest.fixture(scope="module")
def playwright_driver() -> Iterator[Playwright]:
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="module")
def browser(playwright_driver: Playwright) -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"{CHROMIUM} is missing: apt-get install -y chromium fonts-noto-cjk "
            "(scripts/test does this when run as root)"
        )
    # launch() gives the browser a fresh temporary profile (user data dir), removed on close.
    browser = playwright_driver.chromium.launch(
        executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS, timeout=TIMEOUT_MS
    )
    yield browser
    browser.close()


@dataclass
class Watch:
    """Everything the pages of one browser context did that a test may want to refuse."""

    requests: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    websockets: list[str] = field(default_factory=list)


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    yield context
    context.close()


@pytest.fixture
def watch(context: BrowserContext) -> Iterator[Watch]:
    seen = Watch()

    def on_dialog(dialog: Dialog) -> None:
        seen.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            seen.console_errors.append(message.text)

    def on_page(page: Page) -> None:
        page.on("pageerror", lambda error: seen.page_errors.append(str(error)))
        page.on("console", on_console)
        page.on("websocket", lambda socket: seen.websockets.append(socket_url(socket)))

    context.on("request", lambda request: seen.requests.append(request_url(request)))
    context.on("dialog", on_dialog)
    context.on("page", on_page)
    yield seen
    assert not seen.dialogs, f"a page opened a dialog: {seen.dialogs}"


def request_url(request: Request) -> str:
    return request.url


def socket_url(socket: WebSocket) -> str:
    return socket.url


@pytest.fixture
def page(context: BrowserContext, watch: Watch) -> Page:
    return context.new_page()


# -- helpers ------------------------------------------------------------------------------


def sign_in(page: Page, site: Site, token: str) -> None:
    page.goto(site.url("/login"))
    page.fill("input[name=token]", token)
    with page.expect_navigation(wait_until="load"):
        page.click("button[type=submit]")


def open_page(page: Page, site: Site, path: str, wait_until: WaitUntil = "load") -> None:
    """Go to PATH; it must answer 200. "load" includes the page's iframes."""
    response = page.goto(site.url(path), wait_until=wait_until)
    assert response is not None and response.status == 200, (path, response and response.status)


def next_frames(frame: Frame) -> None:
    """Let the frame paint twice more, so what was drawn last is on the canvas."""
    frame.evaluate(
        "() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))"
    )


def network_frame(page: Page, viz_path: str) -> Frame:
    """The `#network` iframe of a leader or entity page, once vis-network has drawn it
    (the page's script sets `data-drawn-ms` on <body> after stabilising and fitting)."""
    page.frame_locator("#network").locator("body[data-drawn-ms]").wait_for(state="attached")
    frame = page.frame(url=re.compile(re.escape(viz_path) + r"$"))
    assert frame is not None, [f.url for f in page.frames]
    next_frames(frame)
    return frame


def wait_drawn(page: Page) -> None:
    """A /viz/… page opened on its own: wait until vis-network has drawn it."""
    page.locator("body[data-drawn-ms]").wait_for(state="attached")
    next_frames(page.main_frame)


def canvas_png(frame: Frame) -> bytes:
    url: str = frame.evaluate(
        "() => document.querySelector('#network canvas').toDataURL('image/png')"
    )
    assert url.startswith("data:image/png;base64,"), url[:40]
    return base64.b64decode(url.split(",", 1)[1])


def drawing(picture: Ink, fills: set[tuple[int, int, int]]) -> bool:
    """Not blank: enough ink, enough colours, and every node colour painted."""
    return (
        picture.share >= MIN_INK_SHARE
        and len(picture.colors) >= MIN_COLORS
        and all(picture.opaque(fill) >= MIN_FILL for fill in fills)
    )


def injected(frame: Frame) -> dict[str, int]:
    counts: dict[str, int] = frame.evaluate(INJECTED_JS)
    return counts


def assert_nothing_injected(page: Page) -> None:
    for frame in page.frames:
        assert injected(frame) == {"img": 0, "onerror": 0, "script": 0}, frame.url


def area_tree() -> tuple[dict[str, str], dict[str, str | None]]:
    """(id -> name, id -> parent id) of the sample's areas, read from its CSV."""
    names: dict[str, str] = {}
    parents: dict[str, str | None] = {}
    with (SAMPLE / "areas.csv").open(encoding="utf-8-sig", newline="") as f:
        for row in csv.DictReader(f):
            names[row["编号"]] = row["名称"]
            parents[row["编号"]] = row["上级编号"] or None
    return names, parents


def within(area_id: str, ancestor: str, parents: dict[str, str | None]) -> bool:
    current: str | None = area_id
    while current is not None:
        if current == ancestor:
            return True
        current = parents.get(current)
    return False


# -- 1. sign in, dashboard ----------------------------------------------------------------


def test_sign_in_then_dashboard_matches_cli_coverage(page: Page, site: Site) -> None:
    sign_in(page, site, site.planner_token)
    assert page.url == site.url("/"), page.url

    score_rows = page.locator("#lines tr:has(td)")
    assert score_rows.count() == FIVE_LINES, page.locator("#lines").inner_text()

    totals = cli_json("coverage", "--store", site.store)["totals"]
    shown: dict[str, int] = {}
    for card in page.locator("#status-counts .card").all():
        label = card.get_attribute("data-count") or ""
        shown[label] = int(card.locator(".big").inner_text().strip())
    assert shown == totals
    assert page.locator("#areas tr:has(td)").count() > 0


# -- 2. leader page: the network is drawn -------------------------------------------------


def test_leader_page_draws_the_network(page: Page, site: Site, tmp_path: Path) -> None:
    """The canvas must hold a real drawing, not a blank rectangle.

    The canvas is read back with `toDataURL()` (the pixels vis-network drew, without the
    HTML legend that floats over it) and decoded in Python. Its most common pixel is the
    background (transparent). A blank canvas has no other pixel; the L01 network (about 60
    nodes, 80 edges, labels) covers several per cent of it with thousands of distinct
    colours (anti-aliased lines and text). Three checks, each with wide margin:
    at least 1 % of the pixels differ from the background, at least 100 distinct colours,
    and every node fill colour in the page's data (status colours, leader; not the
    interactions, hidden when the page opens) appears as at least 10 opaque pixels, i.e.
    the nodes themselves were painted.
    """
    sign_in(page, site, site.planner_token)
    open_page(page, site, f"/leaders/{HOSTILE_LEADER}")
    assert page.locator("#todo-table").is_visible()
    frame = network_frame(page, f"/viz/leader/{HOSTILE_LEADER}")
    assert frame.locator("#network canvas").count() == 1

    data = json.loads(frame.locator("#concentric-data").text_content() or "{}")
    assert {node["id"] for node in data["nodes"]} >= {HOSTILE_LEADER, *HOSTILE}
    # Interactions start hidden in a leader's network (the "show interactions" box).
    assert frame.locator("#show-interactions").is_checked() is False
    fills = {
        hex_rgb(node["color"]["background"])
        for node in data["nodes"]
        if node["kind"] != "interaction"
    }

    # Read the canvas until it holds the drawing (at most 10 s after "drawn" was flagged).
    deadline = time.monotonic() + 10
    while True:
        png = canvas_png(frame)
        picture: Ink = ink(png)
        if drawing(picture, fills) or time.monotonic() > deadline:
            break
        page.wait_for_timeout(250)
    (tmp_path / "leader-network.png").write_bytes(png)  # kept for a failing run

    assert picture.share >= MIN_INK_SHARE, (picture.ink, picture.pixels)
    assert len(picture.colors) >= MIN_COLORS, len(picture.colors)
    missing = {fill: picture.opaque(fill) for fill in fills if picture.opaque(fill) < MIN_FILL}
    assert not missing, f"node colours not painted: {missing}"


# -- 3. gap list filters ------------------------------------------------------------------


def test_gap_filters_match_cli(page: Page, site: Site) -> None:
    everything = cli_json("gaps", "--store", site.store)
    expected = cli_json("gaps", "--store", site.store, "--line", FILTER_LINE, "--area", FILTER_AREA)
    assert 0 < expected["total"] < everything["total"], "the filter must narrow the list"

    sign_in(page, site, site.planner_token)
    open_page(page, site, "/gaps")
    total = page.locator("#gap-total")
    assert re.findall(r"\d+", total.inner_text()) == [str(everything["total"])]

    form = page.locator("#gap-filters")
    form.locator("select[name=line]").select_option(FILTER_LINE)
    form.locator("select[name=area_id]").select_option(FILTER_AREA)
    with page.expect_navigation(wait_until="load"):
        form.locator("button[type=submit]").click()
    assert f"line={FILTER_LINE}" in page.url and f"area_id={FILTER_AREA}" in page.url, page.url

    assert re.findall(r"\d+", total.inner_text()) == [str(expected["total"])]
    rows = page.locator("#gap-table tr.gap-row")
    assert rows.count() == expected["total"]
    # The form keeps the chosen filter.
    assert form.locator("select[name=line]").input_value() == FILTER_LINE
    assert form.locator("select[name=area_id]").input_value() == FILTER_AREA

    names, parents = area_tree()
    item_area = {item["id"]: item["area_id"] for item in expected["items"]}
    shown: dict[str, str] = {}
    for row in rows.all():
        cells = [cell.inner_text().strip() for cell in row.locator("td").all()]
        shown[cells[1]] = cells[5]  # after the planner's selection box: id, …, area
    assert set(shown) == set(item_area)
    for item_id, area_name in shown.items():
        area_id = item_area[item_id]
        assert within(area_id, FILTER_AREA, parents), (item_id, area_id)
        assert area_name == names[area_id], (item_id, area_name, area_id)


# -- 4. nothing leaves 127.0.0.1 ----------------------------------------------------------


def test_pages_request_only_the_local_server(page: Page, site: Site, watch: Watch) -> None:
    sign_in(page, site, site.planner_token)
    figure = next(iter(HOSTILE))
    open_page(page, site, "/", "networkidle")
    open_page(page, site, "/gaps", "networkidle")
    open_page(page, site, f"/leaders/{HOSTILE_LEADER}", "networkidle")
    network_frame(page, f"/viz/leader/{HOSTILE_LEADER}")
    open_page(page, site, f"/entities/{figure}", "networkidle")
    network_frame(page, f"/viz/entity/{figure}")
    open_page(page, site, "/viz/district", "networkidle")
    wait_drawn(page)
    page.wait_for_load_state("networkidle")

    local = f"{site.base}/"
    outside = [
        url
        for url in watch.requests
        if not url.startswith(local) and url.split(":", 1)[0] not in ("data", "about", "blob")
    ]
    assert not outside, outside
    assert not watch.websockets, watch.websockets
    # The recording did see the pages and their frames.
    for path in (
        "/gaps",
        f"/viz/leader/{HOSTILE_LEADER}",
        f"/entities/{figure}",
        f"/viz/entity/{figure}",
        "/viz/district",
    ):
        assert site.url(path) in watch.requests, (path, watch.requests)
    # A reference to another host blocked by the Content-Security-Policy never becomes a
    # request, so it would pass the check above: it shows up as a console error instead.
    refused = [text for text in watch.console_errors if "Content Security Policy" in text]
    assert not refused, refused
    assert not watch.page_errors, watch.page_errors


# -- 5. hostile names are text ------------------------------------------------------------


def test_hostile_names_show_as_text_on_pages(page: Page, site: Site, watch: Watch) -> None:
    sign_in(page, site, site.planner_token)

    open_page(page, site, "/gaps")
    table = page.locator("#gap-table").inner_text()
    assert IMG_NAME in table and SCRIPT_NAME in table
    for figure, name in HOSTILE.items():
        link = page.locator(f"#gap-table a[href='/entities/{figure}']")
        assert link.inner_text() == name
    assert_nothing_injected(page)

    open_page(page, site, f"/leaders/{HOSTILE_LEADER}")
    todo = page.locator("#todo-table").inner_text()
    assert IMG_NAME in todo and SCRIPT_NAME in todo
    network_frame(page, f"/viz/leader/{HOSTILE_LEADER}")
    assert_nothing_injected(page)

    for figure, name in HOSTILE.items():
        open_page(page, site, f"/entities/{figure}")
        assert page.locator("h1").inner_text().startswith(name)
        assert page.title().startswith(name)
        frame = network_frame(page, f"/viz/entity/{figure}")
        assert name in frame.locator("h1").inner_text()
        assert_nothing_injected(page)

    assert not watch.dialogs, watch.dialogs
    assert not watch.page_errors, watch.page_errors


def test_hostile_names_are_inert_in_the_network_view(page: Page, site: Site, watch: Watch) -> None:
    """Find each hostile figure with the view's search box, then hover it: the hover card
    shows the name as text; no dialog opens and no element is injected."""
    sign_in(page, site, site.planner_token)
    open_page(page, site, f"/viz/leader/{HOSTILE_LEADER}")
    wait_drawn(page)
    canvas = page.locator("#network canvas")
    tooltip = page.locator("div.vis-tooltip")

    for figure, name in HOSTILE.items():
        page.fill("#find", name)
        page.press("#find", "Enter")
        expect(page.locator("#status")).to_have_text(re.compile(r"^1 "))
        # The search centres the view on the hit (animated): hover the centre of the canvas
        # until the hover card of that figure shows up.
        box = canvas.bounding_box()
        assert box is not None
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        seen = ""
        for attempt in range(40):
            page.mouse.move(x + attempt % 2, y)
            page.wait_for_timeout(250)
            if tooltip.count() and tooltip.first.is_visible():
                seen = tooltip.first.inner_text()
                # An edge's card names the figure too; wait for the figure's own card.
                heading = tooltip.first.locator(".card-heading")
                if figure in seen and heading.count() and heading.first.inner_text() == name:
                    break
        assert figure in seen and name in seen, (figure, seen)
        assert tooltip.first.locator(".card-heading").inner_text() == name
        page.mouse.move(0, 0)
        assert_nothing_injected(page)

    assert not watch.dialogs, watch.dialogs
    assert not watch.page_errors, watch.page_errors


# -- 6. a leader's own account ------------------------------------------------------------


def test_leader_token_lands_on_own_page_and_cannot_open_gaps(page: Page, site: Site) -> None:
    sign_in(page, site, site.leader_token)
    assert page.url == site.url(f"/leaders/{HOSTILE_LEADER}"), page.url
    assert HOSTILE_LEADER in page.locator("h1").inner_text()
    network_frame(page, f"/viz/leader/{HOSTILE_LEADER}")

    response = page.goto(site.url("/gaps"))
    assert response is not None and response.status == 403, response and response.status
    assert page.locator("#gap-table").count() == 0
    response = page.goto(site.url("/leaders/L02"))
    assert response is not None and response.status == 403, response and response.status
    # The dashboard sends a leader back to their own page.
    page.goto(site.url("/"))
    assert page.url == site.url(f"/leaders/{HOSTILE_LEADER}"), page.url
    # Downloads too (fetched with the page's cookies, so a download is not started).
    for path in ("/gaps.csv", "/gaps.xlsx"):
        download = page.request.get(site.url(path))
        assert download.status == 403, (path, download.status)

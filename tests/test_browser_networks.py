"""Networks in a real browser (Debian's headless Chromium through Playwright): a click on
a node opens its page, in the whole window even when the network is framed in a page.

One `concentric serve` over the sample district for the module (tests/browser_support.py).
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from browser_support import (
    CHROMIUM,
    CHROMIUM_ARGS,
    TIMEOUT_MS,
    Server,
    concentric_command,
    running_server,
)
from playwright.sync_api import Browser, Frame, Page, sync_playwright

pytestmark = pytest.mark.xdist_group("browser")

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "sample"

# In the node's own page script: a node of one of ``kinds`` that the canvas answers for at
# its centre (not hidden under another), with that centre in the canvas's coordinates.
FIND_NODE = """(kinds) => {
  const net = window.concentricNetwork;
  const data = net.body.data.nodes;
  for (const id of data.getIds().sort()) {
    const node = data.get(id);
    if (!kinds.includes(node.kind) || node.borderWidth === 4) { continue; }
    const at = net.canvasToDOM(net.getPositions([id])[id]);
    if (net.getNodeAt(at) === id) { return { id: id, x: at.x, y: at.y }; }
  }
  return null;
}"""


@dataclass(frozen=True)
class Site:
    server: Server
    token: str


def _run(*args: str | Path) -> str:
    done = subprocess.run(
        [*concentric_command(), *map(str, args)], capture_output=True, text=True, check=True
    )
    return done.stdout


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    folder = tmp_path_factory.mktemp("networks")
    store = folder / "concentric.db"
    _run("load", "--store", store, SAMPLE)
    token = _run("token", "create", "--role", "planner", "--store", store).strip().splitlines()[-1]
    with running_server(store, folder / "serve.log") as server:
        yield Site(server, token.strip())


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium fonts-noto-cjk")
    with sync_playwright() as driver:
        browser = driver.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS, timeout=TIMEOUT_MS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser, site: Site) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.goto(f"{site.server.base_url}/login")
    page.fill("input[name=token]", site.token)
    with page.expect_navigation(wait_until="load"):
        page.click("button[type=submit]")
    yield page
    context.close()


def _drawn(frame: Frame) -> None:
    frame.locator("body[data-drawn-ms]").wait_for(state="attached")


def _click_node(frame: Frame, kinds: list[str]) -> str:
    found = frame.evaluate(FIND_NODE, kinds)
    assert found is not None, f"no clickable node of {kinds}"
    frame.locator("#network canvas").click(position={"x": found["x"], "y": found["y"]})
    node_id: str = found["id"]
    return node_id


def test_clicking_a_node_in_a_framed_network_opens_its_entity_page(page: Page, site: Site) -> None:
    base = site.server.base_url
    page.goto(f"{base}/entities/O034", wait_until="load")
    page.frame_locator("#network").locator("body[data-drawn-ms]").wait_for(state="attached")
    frame = page.frame(url=re.compile(r"/viz/entity/O034"))
    assert frame is not None
    with page.expect_navigation(wait_until="load"):
        node_id = _click_node(frame, ["figure", "organization", "unit", "leader", "interaction"])
    assert page.url == f"{base}/entities/{node_id}"
    assert page.locator("h1").count() >= 1


def test_clicking_a_town_on_the_district_map_opens_its_map(page: Page, site: Site) -> None:
    base = site.server.base_url
    page.goto(f"{base}/viz/district?as_of=2026-06-30", wait_until="load")
    _drawn(page.main_frame)
    with page.expect_navigation(wait_until="load"):
        town = _click_node(page.main_frame, ["area"])
    assert page.url == f"{base}/viz/area/{town}?as_of=2026-06-30"
    _drawn(page.main_frame)

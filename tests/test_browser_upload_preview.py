"""In a real browser: the upload page's preview shows what the files would change, and
its confirmation stores them (Chromium, as tests/test_browser_actions.py)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser_support import running_server
from playwright.sync_api import Browser, sync_playwright
from test_browser_actions import CHROMIUM, Site, _launch, _page, cli, new_token, sign_in, submit
from test_page_actions import FIGURES_HEAD, LEAVING, SAMPLE

pytestmark = pytest.mark.xdist_group("browser-upload-preview")


@pytest.fixture(scope="module")
def preview_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    folder = tmp_path_factory.mktemp("preview")
    store = folder / "concentric.db"
    cli("load", "--store", store, SAMPLE)
    planner = new_token(store, "--role", "planner")
    leader = new_token(store, "--role", "leader", "--leader", LEAVING)
    with running_server(store, folder / "serve.log") as server:
        yield Site(server, store, planner, leader)


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium fonts-noto-cjk")
    with sync_playwright() as driver:
        yield _launch(driver)


def test_a_preview_then_its_confirmation(
    preview_site: Site, chromium: Browser, tmp_path: Path
) -> None:
    site = preview_site
    with sqlite3.connect(site.store) as con:
        figure, props = con.execute(
            "SELECT id, props FROM nodes WHERE kind = 'figure' ORDER BY id LIMIT 1"
        ).fetchone()
        version = con.execute("SELECT value FROM meta WHERE key = 'version'").fetchone()
    old_name = json.loads(props)["name"]
    page = _page(chromium)
    sign_in(page, site, site.planner)
    page.goto(site.url("/upload"))
    upload = tmp_path / "figures.csv"
    upload.write_text(
        FIGURES_HEAD + f"FP1,张三,无党派人士,A02\n{figure},新名字,无党派人士,A02\n",
        encoding="utf-8",
    )
    page.locator("#upload-form input[name=files]").set_input_files(str(upload))
    with page.expect_navigation(wait_until="load"):
        page.locator("#upload-preview-button").click()
    rows = page.locator("#upload-diff-rows tr.upload-diff-row")
    assert rows.count() == 2
    changed = page.locator("tr.upload-diff-row[data-change=changed]").inner_text()
    assert figure in changed and f"name：{old_name} → 新名字" in changed
    with sqlite3.connect(site.store) as con:
        assert con.execute("SELECT value FROM meta WHERE key = 'version'").fetchone() == version
        assert con.execute("SELECT count(*) FROM nodes WHERE id = 'FP1'").fetchone() == (0,)
    submit(page, "#upload-confirm")
    assert page.locator("#upload-inserted").inner_text() == "1"
    assert page.locator("#upload-updated").inner_text() == "1"
    assert site.api(f"/api/v1/entities/{figure}")["name"] == "新名字"
    page.context.close()

"""The pages' forms in a real browser (Debian's Chromium through Playwright): assigning a
leader and logging a visit, accepting suggestions, a handover, an upload, and a leader on
a phone.

One `concentric serve` over the sample district for the module (tests/browser_support.py).
The tests run in file order on that one server, the leader's first (before anything else
changes its targets). Expected results come from the data the tests post and from the
sample tables (read with csv/openpyxl in tests/test_page_actions.py); what the server
stored is read back through the JSON API with a planner token, or from the store file.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from browser_support import CHROMIUM, CHROMIUM_ARGS, TIMEOUT_MS, Server, running_server
from playwright.sync_api import Browser, Page, Playwright, sync_playwright
from pypinyin import lazy_pinyin
from test_page_actions import (
    FIGURES_HEAD,
    LEAVING,
    SAMPLE,
    leaders_in_office,
    office_names,
    open_contacts,
    sample_contacts,
    untouched_figure,
)
from typer.testing import CliRunner

from concentric.api.cli import app as cli_app

pytestmark = pytest.mark.xdist_group("browser-actions")

TODAY = dt.date.today()


def cli(*args: str | Path) -> str:
    result = CliRunner().invoke(cli_app, [str(a) for a in args])
    assert result.exit_code == 0, (args, result.output)
    return result.stdout


def new_token(store: Path, *options: str) -> str:
    return cli("token", "create", *options, "--store", store).strip().splitlines()[-1].strip()


@dataclass(frozen=True)
class Site:
    server: Server
    store: Path
    planner: str
    leader: str

    def url(self, path: str) -> str:
        return f"{self.server.base_url}{path}"

    def api(self, path: str) -> Any:
        """GET an API answer as the planner (straight to 127.0.0.1, no proxy)."""
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        request = urllib.request.Request(
            self.url(path), headers={"Authorization": f"Bearer {self.planner}"}
        )
        with opener.open(request, timeout=30) as response:
            return json.loads(response.read())

    def assigned(self, target: str) -> list[str]:
        return list(self.api(f"/api/v1/entities/{target}")["coverage"]["assigned_leaders"])

    def interactions(self) -> list[dict[str, Any]]:
        with sqlite3.connect(self.store) as con:
            rows = con.execute("SELECT props FROM nodes WHERE kind = 'interaction'").fetchall()
        return [json.loads(r[0]) for r in rows]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    folder = tmp_path_factory.mktemp("actions")
    store = folder / "concentric.db"
    cli("load", "--store", store, SAMPLE)
    planner = new_token(store, "--role", "planner")
    leader = new_token(store, "--role", "leader", "--leader", LEAVING)
    with running_server(store, folder / "serve.log") as server:
        yield Site(server, store, planner, leader)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium fonts-noto-cjk")
    with sync_playwright() as driver:
        yield _launch(driver)


def _launch(driver: Playwright) -> Browser:
    return driver.chromium.launch(
        executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS, timeout=TIMEOUT_MS
    )


def _page(browser: Browser, width: int = 1280, height: int = 900) -> Page:
    context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.on("dialog", lambda dialog: pytest.fail(f"a dialog opened: {dialog.message}"))
    return page


def sign_in(page: Page, site: Site, token: str) -> None:
    page.goto(site.url("/login"))
    page.fill("input[name=token]", token)
    with page.expect_navigation(wait_until="load"):
        page.click("button[type=submit]")


def submit(page: Page, form: str) -> None:
    with page.expect_navigation(wait_until="load"):
        page.locator(form).locator("button[type=submit]").click()


# -- the tests, in order -----------------------------------------------------------------


def test_a_leader_on_a_phone_logs_its_own_visit_and_sees_no_other_target(
    site: Site, browser: Browser
) -> None:
    now = open_contacts(TODAY)
    own = sorted(t for t, leads in now.items() if LEAVING in leads)
    other = sorted(t for t, leads in now.items() if LEAVING not in leads)[0]
    page = _page(browser, 390, 844)
    sign_in(page, site, site.leader)
    assert page.url.endswith(f"/leaders/{LEAVING}")
    rows = page.locator("#todo-table tr.todo-row")
    assert sorted(r.get_attribute("data-target") or "" for r in rows.all()) == own
    row = rows.first
    target = row.get_attribute("data-target")
    form = row.locator("form[data-action=log-interaction]")
    form.locator("select[name=kind]").select_option("visit")
    before = len(site.interactions())
    with page.expect_navigation(wait_until="load"):
        form.locator("button[type=submit]").click()
    assert page.locator("#form-done").is_visible()
    mine = [i for i in site.interactions() if i["target_ids"] == [target]]
    assert len(site.interactions()) == before + 1
    assert any(
        i["leader_ids"] == [LEAVING] and i["kind"] == "visit" and i["date"] == TODAY.isoformat()
        for i in mine
    )
    response = page.goto(site.url(f"/entities/{other}"))
    assert response is not None and response.status == 403
    assert other not in page.locator("main").inner_text()
    page.context.close()


def uncovered_unit() -> str:
    """A unit of the sample with no contact row and named by no interaction."""
    sheet = openpyxl.load_workbook(SAMPLE / "units.xlsx").active
    assert sheet is not None
    units = [r[0] for r in list(sheet.iter_rows(values_only=True))[1:]]
    contacted = {target for _, target, _, _ in sample_contacts()}
    named = (SAMPLE / "interactions.csv").read_text(encoding="utf-8-sig", errors="replace")
    return next(u for u in units if u not in contacted and u not in named)


def test_a_planner_assigns_a_leader_and_logs_a_visit_then_coverage_says_covered(
    site: Site, browser: Browser
) -> None:
    unit = uncovered_unit()
    assert site.api(f"/api/v1/entities/{unit}")["coverage"]["status"] != "covered"
    page = _page(browser)
    sign_in(page, site, site.planner)
    page.goto(site.url(f"/entities/{unit}"))
    assign = page.locator("form[data-action=assign-contact]")
    leader = assign.locator("select[name=leader_id] option").nth(1).get_attribute("value")
    assert leader in leaders_in_office()
    assign.locator("select[name=leader_id]").select_option(leader)
    submit(page, "form[data-action=assign-contact]")
    assert "已指派联系领导" in page.locator("#form-done").inner_text()
    log = page.locator("form[data-action=log-interaction]")
    log.locator("select[name=kind]").select_option("visit")
    log.locator("select[name=leader_ids]").select_option([leader])
    log.locator("textarea[name=summary]").fill("走访了解情况")
    submit(page, "form[data-action=log-interaction]")
    record = site.api(f"/api/v1/entities/{unit}")["coverage"]
    assert record == {
        "status": "covered",
        "assigned_leaders": [leader],
        "last_contact": TODAY.isoformat(),
    }
    page.context.close()


def test_a_planner_accepts_two_suggestions_in_one_step(site: Site, browser: Browser) -> None:
    page = _page(browser)
    sign_in(page, site, site.planner)
    page.goto(site.url("/gaps"))
    boxes = page.locator("#gap-table input[name=target_ids]")
    chosen: dict[str, str] = {}
    for box in boxes.all()[:2]:
        target = box.get_attribute("value") or ""
        row = page.locator(f'#gap-table tr.gap-row[data-target="{target}"]')
        chosen[target] = row.locator("td.suggested").get_attribute("data-leader") or ""
        box.check()
    assert len(chosen) == 2 and all(chosen.values())
    before = {t: site.assigned(t) for t in chosen}
    submit(page, "#accept-form")
    rows = page.locator("#accept-table tr.accept-row")
    assert {r.get_attribute("data-target"): r.get_attribute("data-leader") for r in rows.all()} == (
        chosen
    )
    submit(page, "#confirm-form")
    assert "已按建议指派 2 个对象" in page.locator("#form-done").inner_text()
    for target, leader in chosen.items():
        assert sorted(site.assigned(target)) == sorted({*before[target], leader})
    page.context.close()


def test_on_a_phone_a_planner_finds_a_leader_by_pinyin_in_the_picker_and_assigns(
    site: Site, browser: Browser
) -> None:
    figure = untouched_figure()
    names = office_names()
    page = _page(browser, 390, 844)
    sign_in(page, site, site.planner)
    page.goto(site.url(f"/entities/{figure}"))
    picker = "form[data-action=assign-contact] select[name=leader_id] option"
    shown = [o.get_attribute("value") for o in page.locator(picker).all()]
    assert len([v for v in shown if v]) <= 20
    # A leader in office with a name of its own, not offered before the search.
    leader = next(
        i
        for i, n in sorted(names.items())
        if i not in shown and i != LEAVING and list(names.values()).count(n) == 1
    )
    full = "".join(lazy_pinyin(names[leader]))
    page.fill("#leader-search input[name=leader_q]", full)
    submit(page, "#leader-search")
    assert f"leader_q={full}" in page.url
    select = page.locator("form[data-action=assign-contact] select[name=leader_id]")
    assert select.input_value() == leader  # the one match is chosen
    assert names[leader] in select.locator("option:checked").inner_text()
    box = select.bounding_box()
    assert box is not None and box["x"] + box["width"] <= 390  # fits the phone's width
    submit(page, "form[data-action=assign-contact]")
    assert "已指派联系领导" in page.locator("#form-done").inner_text()
    assert site.assigned(figure) == [leader]
    page.context.close()


def test_a_handover_moves_the_leavers_targets_to_the_chosen_successors(
    site: Site, browser: Browser
) -> None:
    now = open_contacts(TODAY)
    leaving = max(
        sorted(leaders_in_office() - {LEAVING}),
        key=lambda lead: sum(leads == {lead} for leads in now.values()),
    )
    orphaned = sorted(t for t, leads in now.items() if leads == {leaving})
    assert orphaned
    page = _page(browser)
    sign_in(page, site, site.planner)
    page.goto(site.url("/handover"))
    page.locator("#handover-pick select[name=leader_ids]").select_option([leaving])
    page.locator("#handover-pick input[name=date]").fill(TODAY.isoformat())
    submit(page, "#handover-pick")
    rows = page.locator("#handover-table tr.handover-row")
    assert sorted(r.get_attribute("data-target") or "" for r in rows.all()) == orphaned
    chosen = {}
    for row in rows.all():
        chosen[row.get_attribute("data-target") or ""] = row.locator(
            "select[name=successor_ids]"
        ).input_value()
    # Adjust the first: its second choice.
    first = rows.first
    options = first.locator("select[name=successor_ids] option")
    second = options.nth(1).get_attribute("value") or ""
    first.locator("select[name=successor_ids]").select_option(second)
    chosen[first.get_attribute("data-target") or ""] = second
    submit(page, "#handover-form")
    assert "移交完成" in page.locator("#form-done").inner_text()
    for target, successor in chosen.items():
        assert site.assigned(target) == ([successor] if successor else [])
    page.context.close()


def test_an_upload_with_errors_stores_nothing_then_a_clean_one_is_counted(
    site: Site, browser: Browser, tmp_path: Path
) -> None:
    page = _page(browser)
    sign_in(page, site, site.planner)
    page.goto(site.url("/upload"))
    bad = tmp_path / "bad" / "figures.csv"
    bad.parent.mkdir()
    bad.write_text(FIGURES_HEAD + "FB1,张三,不存在的类别,A02\n", encoding="utf-8")
    page.locator("#upload-form input[name=files]").set_input_files(str(bad))
    submit(page, "#upload-form")
    problems = page.locator("#upload-problems tr.upload-problem")
    assert problems.count() == 1
    cells = [c.inner_text() for c in problems.first.locator("td").all()]
    assert cells[:3] == ["figures.csv", "2", "类别"]
    with sqlite3.connect(site.store) as con:
        assert con.execute("SELECT count(*) FROM nodes WHERE id = 'FB1'").fetchone() == (0,)

    good = tmp_path / "good" / "figures.csv"
    good.parent.mkdir()
    good.write_text(
        FIGURES_HEAD + "FB1,张三,无党派人士,A02\nFB2,李四,宗教界人士,A02\n", encoding="utf-8"
    )
    page.locator("#upload-form input[name=files]").set_input_files(str(good))
    submit(page, "#upload-form")
    assert page.locator("#upload-inserted").inner_text() == "2"
    assert page.locator("#upload-updated").inner_text() == "0"
    assert site.api("/api/v1/entities/FB2")["name"] == "李四"
    page.context.close()

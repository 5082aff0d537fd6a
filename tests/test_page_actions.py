"""The pages' forms (api/page_actions.py) through a signed-in TestClient.

Forms are read from the served page (their hidden CSRF token and idempotency key) and
posted as a browser would. What was stored is read from the SQLite file with plain SQL;
expected rows come from the data posted and from the sample tables (data/sample), read
here with csv/openpyxl, never from the product's answers.
"""

from __future__ import annotations

import collections
import csv
import datetime as dt
import io
import json
import re
import shutil
import sqlite3
import zipfile
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import httpx
import openpyxl
import pytest
from fastapi.testclient import TestClient
from pypinyin import lazy_pinyin

from concentric.api.app import create_app
from concentric.api.settings import Settings

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "sample"
LEAVING = "L01"


# -- reading forms ------------------------------------------------------------------------


class _Forms(HTMLParser):
    """Every <form data-action=…> of a page with its fields' default values (a <select>:
    its selected option, else its first one; a checkbox: only if checked)."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, Any]] = []
        self._form: dict[str, Any] | None = None
        self._select: str | None = None
        self._chosen: str | None = None
        self._first: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._form = {
                "action": a.get("action"),
                "data-action": a.get("data-action"),
                "fields": [],
            }
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "input" and a.get("name"):
            if a.get("type") == "file" or (a.get("type") == "checkbox" and "checked" not in a):
                return
            self._form["fields"].append((a["name"], a.get("value", "")))
        elif tag == "select":
            self._select, self._chosen, self._first = a.get("name"), None, None
        elif tag == "option" and self._select is not None:
            if self._first is None:
                self._first = a.get("value", "")
            if "selected" in a:
                self._chosen = a.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select" and self._form is not None and self._select:
            value = self._chosen if self._chosen is not None else self._first
            self._form["fields"].append((self._select, value or ""))
            self._select = None


def forms(html: str, action: str) -> list[dict[str, Any]]:
    parser = _Forms()
    parser.feed(html)
    return [f for f in parser.forms if f["data-action"] == action]


def fields(form: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """A form's fields as httpx form data (lists for repeated names), with changes."""
    data: dict[str, Any] = {}
    for name, value in form["fields"]:
        if name in data:
            data[name] = (
                [*data[name], value] if isinstance(data[name], list) else [data[name], value]
            )
        else:
            data[name] = value
    for name, value in changes.items():
        if value is None:
            data.pop(name, None)
        else:
            data[name] = value
    return data


# -- the sample tables, read independently -------------------------------------------------


def _date(text: str) -> dt.date | None:
    text = text.strip()
    if not text:
        return None
    m = re.fullmatch(r"(\d{4})[-/年](\d{1,2})[-/月](\d{1,2})日?", text)
    assert m, text
    return dt.date(int(m[1]), int(m[2]), int(m[3]))


def sample_contacts() -> list[tuple[str, str, dt.date | None, dt.date | None]]:
    with (SAMPLE / "contacts.csv").open(encoding="utf-8-sig", newline="") as f:
        return [
            (r["领导编号"], r["对象编号"], _date(r["开始日期"]), _date(r["结束日期"]))
            for r in csv.DictReader(f)
        ]


def leaders_in_office() -> set[str]:
    sheet = openpyxl.load_workbook(SAMPLE / "leaders.xlsx").active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    head = list(rows[0])
    return {r[head.index("编号")] for r in rows[1:] if r[head.index("在任")] == "是"}


def open_contacts(day: dt.date) -> dict[str, set[str]]:
    """Target -> the leaders in office with a contact open on ``day`` (the sample's rows)."""
    office = leaders_in_office()
    found: dict[str, set[str]] = {}
    for leader, target, since, until in sample_contacts():
        if leader in office and (since is None or since <= day) and (until is None or day < until):
            found.setdefault(target, set()).add(leader)
    return found


def figure_ids() -> list[str]:
    with (SAMPLE / "figures.csv").open(encoding="gb18030", newline="") as f:
        return [row["编号"] for row in csv.DictReader(f)]


# -- the app ------------------------------------------------------------------------------


class Site:
    def __init__(self, path: Path, **settings: Any) -> None:
        self.app = create_app(
            Settings(store=str(path), access_db=None, cors_origins=[], _env_file=None, **settings)
        )
        self.path = path
        self.client = TestClient(self.app, raise_server_exceptions=False)
        access = self.app.state.access
        self.tokens = {
            "planner": access.create_token("planner"),
            "analyst": access.create_token("analyst"),
            "leader": access.create_token("leader", leader_id=LEAVING),
        }

    def sign_in(self, who: str) -> None:
        self.client.cookies.clear()
        response = self.client.post("/login", data={"token": self.tokens[who]})
        assert response.status_code == 200, response.text

    def page(self, path: str, **params: Any) -> str:
        response = self.client.get(path, params=params) if params else self.client.get(path)
        assert response.status_code == 200, (path, response.status_code, response.text[:500])
        return response.text

    def post(self, path: str, data: dict[str, Any], **kwargs: Any) -> httpx.Response:
        response: httpx.Response = self.client.post(
            path, data=data, follow_redirects=False, **kwargs
        )
        return response

    def sql(self, query: str, *args: Any) -> list[tuple[Any, ...]]:
        with sqlite3.connect(self.path) as con:
            return list(con.execute(query, args).fetchall())

    def contacts(self, leader: str, target: str) -> list[dict[str, Any]]:
        rows = self.sql(
            "SELECT props FROM links WHERE kind = 'contacts' AND source_id = ? AND target_id = ?",
            leader,
            target,
        )
        return [json.loads(r[0]) for r in rows]

    def interactions(self) -> list[dict[str, Any]]:
        rows = self.sql("SELECT props FROM nodes WHERE kind = 'interaction'")
        return [json.loads(r[0]) for r in rows]

    def audit(self) -> list[tuple[str, int, str]]:
        rows = self.sql("SELECT resource, status, coalesce(detail, '') FROM audit_log")
        return [(r[0], int(r[1]), r[2]) for r in rows]


@pytest.fixture
def site(sample_store: Path, tmp_path: Path) -> Iterator[Site]:
    path = tmp_path / "c.db"
    shutil.copy(sample_store, path)
    running = Site(path, max_body_bytes=64 * 1024, max_upload_bytes=256 * 1024)
    yield running
    running.client.close()
    running.app.state.workspace.close()
    running.app.state.access.close()
    running.app.state.idempotency.close()


def unassigned_figure() -> str:
    """A figure with no contact at all in the sample's rows."""
    contacted = {target for _, target, _, _ in sample_contacts()}
    return next(f for f in figure_ids() if f not in contacted)


TODAY = dt.date.today()


# -- assign, end, log: stored once, guarded by CSRF -----------------------------------------


def test_assign_contact_form_stores_one_contact_even_when_submitted_twice(site: Site) -> None:
    site.sign_in("planner")
    figure = unassigned_figure()
    (form,) = forms(site.page(f"/entities/{figure}"), "assign-contact")
    data = fields(form, leader_id="L02", since=TODAY.isoformat())
    assert set(data) >= {"csrf_token", "idempotency_key", "leader_id", "target_id", "since"}
    assert site.contacts("L02", figure) == []
    first = site.post(form["action"], data)
    again = site.post(form["action"], data)
    assert first.status_code == again.status_code == 303
    assert first.headers["location"] == again.headers["location"]
    stored = site.contacts("L02", figure)
    assert len(stored) == 1 and stored[0]["since"] == TODAY.isoformat()
    audited = [d for path, status, d in site.audit() if (path, status) == (form["action"], 303)]
    assert len(audited) == 2 and all(figure in d and "L02" in d for d in audited)
    # The page now offers to end it, and says it is done.
    page = site.page(first.headers["location"])
    assert "已指派联系领导" in page
    (end,) = forms(page, "end-contact")
    assert dict(end["fields"])["leader_id"] == "L02"


@pytest.mark.parametrize("token", [None, "", "not-the-token"])
def test_a_form_without_the_sessions_csrf_token_is_refused(site: Site, token: str | None) -> None:
    site.sign_in("planner")
    figure = unassigned_figure()
    (form,) = forms(site.page(f"/entities/{figure}"), "assign-contact")
    data = fields(form, leader_id="L02", csrf_token=token)
    response = site.post(form["action"], data)
    assert response.status_code == 403
    assert "CSRF" in response.text
    assert site.contacts("L02", figure) == []
    (log,) = forms(site.page(f"/entities/{figure}"), "log-interaction")
    before = len(site.interactions())
    data = fields(log, leader_ids="L02", csrf_token=token)
    assert site.post(log["action"], data).status_code == 403
    assert len(site.interactions()) == before


def test_another_sessions_csrf_token_is_refused(site: Site, sample_store: Path) -> None:
    site.sign_in("planner")
    figure = unassigned_figure()
    (form,) = forms(site.page(f"/entities/{figure}"), "assign-contact")
    site.sign_in("planner")  # a new session: the old page's token is not its own
    response = site.post(form["action"], fields(form, leader_id="L02"))
    assert response.status_code == 403
    assert site.contacts("L02", figure) == []


def test_log_interaction_double_submit_stores_once(site: Site) -> None:
    site.sign_in("planner")
    figure = unassigned_figure()
    (form,) = forms(site.page(f"/entities/{figure}"), "log-interaction")
    data = fields(
        form, leader_ids=["L02", "L03"], date="2026-03-04", kind="visit", summary="走访座谈"
    )
    before = len(site.interactions())
    assert site.post(form["action"], data).status_code == 303
    assert site.post(form["action"], data).status_code == 303
    mine = [
        i
        for i in site.interactions()
        if i.get("target_ids") == [figure] and i.get("summary") == "走访座谈"
    ]
    assert len(site.interactions()) == before + 1 and len(mine) == 1
    assert mine[0]["date"] == "2026-03-04" and mine[0]["kind"] == "visit"
    assert sorted(mine[0]["leader_ids"]) == ["L02", "L03"]
    # The same form with a fresh key is a second interaction.
    (form,) = forms(site.page(f"/entities/{figure}"), "log-interaction")
    assert site.post(form["action"], fields(form, leader_ids="L02")).status_code == 303
    assert len(site.interactions()) == before + 2


def test_bad_fields_are_shown_again_in_chinese_and_nothing_is_stored(site: Site) -> None:
    site.sign_in("planner")
    figure = unassigned_figure()
    (form,) = forms(site.page(f"/entities/{figure}"), "log-interaction")
    before = len(site.interactions())
    data = fields(form, leader_ids="L02", date="2026-13-40", kind=None)
    response = site.post(form["action"], data)
    assert response.status_code == 422
    assert "日期：日期无效" in response.text and "类型：必须填写" in response.text
    assert forms(response.text, "log-interaction")  # the form is there to fix
    assert len(site.interactions()) == before

    (assign,) = forms(site.page(f"/entities/{figure}"), "assign-contact")
    response = site.post(assign["action"], fields(assign, leader_id=None))
    assert response.status_code == 422 and "联系领导：必须填写" in response.text
    response = site.post(assign["action"], fields(assign, leader_id="L999"))
    assert response.status_code == 404 and "联系领导" in response.text
    assert site.sql("SELECT count(*) FROM links WHERE target_id = ?", figure) == [(0,)]


def office_names() -> dict[str, str]:
    """Leader id -> name, for the leaders in office (the sample's own sheet)."""
    sheet = openpyxl.load_workbook(SAMPLE / "leaders.xlsx").active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    head = list(rows[0])
    return {
        str(r[head.index("编号")]): str(r[head.index("姓名")])
        for r in rows[1:]
        if r[head.index("在任")] == "是"
    }


def untouched_figure() -> str:
    """A figure with no contact and no interaction in the sample's rows."""
    with (SAMPLE / "interactions.csv").open(encoding="utf-8-sig", newline="") as f:
        mentioned = " ".join(row["对象编号"] for row in csv.DictReader(f))
    contacted = {target for _, target, _, _ in sample_contacts()}
    return next(
        f for f in figure_ids() if f not in contacted and not re.search(rf"\b{f}\b", mentioned)
    )


def picker(page: str, name: str) -> list[str]:
    """The leader ids a form's select named ``name`` offers, in order."""
    start = page.index(f'name="{name}"')
    return re.findall(r'<option value="(L[^"]+)"', page[start : page.index("</select>", start)])


def test_the_assign_picker_lists_at_most_twenty_ranked_candidates_first(site: Site) -> None:
    site.sign_in("planner")
    figure = unassigned_figure()
    page = site.page(f"/entities/{figure}")
    candidates = re.findall(r'<tr class="candidate"><td><a href="/leaders/([^"]+)"', page)
    assert 1 <= len(candidates) <= 5
    offered = picker(page, "leader_id")
    office = leaders_in_office()
    assert len(office) > 20  # the sample has more leaders than a picker lists
    assert 1 <= len(offered) <= 20 and len(set(offered)) == len(offered)
    assert set(offered) <= office
    assert offered[: len(candidates)] == candidates  # the ranked ones first, in their order
    logged = picker(page, "leader_ids")
    assert 1 <= len(logged) <= 20 and set(logged) <= office
    start = page.index('name="leader_id"')
    select = page[start : page.index("</select>", start)]
    assert all("尚可联系" in o for o in re.findall(r"<option value=\"L[^>]+>[^<]+", select))


def test_a_leader_is_found_by_name_or_pinyin_and_assigned_from_the_search(site: Site) -> None:
    site.sign_in("planner")
    figure = untouched_figure()
    plain = site.page(f"/entities/{figure}")
    names = office_names()
    counts = collections.Counter(names.values())
    # A leader in office whose name no other leader has, and that the page does not offer.
    leader = next(
        i
        for i, n in sorted(names.items())
        if counts[n] == 1 and i not in picker(plain, "leader_id")
    )
    name = names[leader]
    syllables = lazy_pinyin(name)
    for text in (name, "".join(syllables), "".join(s[0] for s in syllables)):
        page = site.page(f"/entities/{figure}", leader_q=text)
        offered = picker(page, "leader_id")
        assert offered[0] == leader and len(offered) <= 20, text
        assert f'<option value="{leader}" selected>' in page, text
        assert leader in picker(page, "leader_ids"), text
        assert f'value="{text}"' in page  # the search field keeps what was typed
    assert 'id="leader-none"' in site.page(f"/entities/{figure}", leader_q="没有这个人xyz")

    # Not assigned and never contacted: not covered, not stale. Assigned today without an
    # interaction: stale (spec section 3).
    status = re.compile(r'<p id="coverage">[^<]*<strong class="status-(\w+)')
    assert status.search(plain)[1] in ("uncovered", "indirect")  # type: ignore[index]
    (form,) = forms(site.page(f"/entities/{figure}", leader_q=name), "assign-contact")
    assert dict(form["fields"])["leader_id"] == leader  # chosen by the search
    response = site.post(form["action"], fields(form, since=TODAY.isoformat()))
    assert response.status_code == 303
    assert len(site.contacts(leader, figure)) == 1
    after = site.page(f"/entities/{figure}")
    assert status.search(after)[1] == "stale"  # type: ignore[index]
    assert f"/leaders/{leader}" in after[after.index('id="coverage"') :]


# -- a leader acts only on its own targets --------------------------------------------------


def test_a_leader_logs_only_its_own_interactions_with_its_own_targets(site: Site) -> None:
    own = sorted(t for t, leads in open_contacts(TODAY).items() if LEAVING in leads)
    others = sorted(t for t, leads in open_contacts(TODAY).items() if LEAVING not in leads)
    assert own and others
    site.sign_in("leader")
    page = site.page(f"/leaders/{LEAVING}")
    rows = re.findall(r'<tr class="todo-row" data-target="([^"]+)"', page)
    assert sorted(rows) == own  # every target, not only those due soon
    logs = forms(page, "log-interaction")
    assert len(logs) == len(own)
    assert not forms(page, "assign-contact")
    # The rows come due first: overdue ones, then by due date.
    rows_html = re.findall(r'<tr class="todo-row".*?</tr>', page, re.S)
    dues = [re.findall(r'data-label="[^"]*">(\d{4}-\d\d-\d\d)</td>', r)[-1] for r in rows_html]
    assert len(dues) == len(own)  # every row shows its due date (the check below can fail)
    overdue = [("逾期" in row) for row in rows_html]
    assert overdue == sorted(overdue, reverse=True)
    first_due = len([o for o in overdue if o])
    assert dues[first_due:] == sorted(dues[first_due:])

    form = logs[0]
    target = dict(form["fields"])["target_ids"]
    before = len(site.interactions())
    assert site.post(form["action"], fields(form, kind="talk")).status_code == 303
    stored = [i for i in site.interactions() if i["target_ids"] == [target]]
    assert any(i["leader_ids"] == [LEAVING] and i["kind"] == "talk" for i in stored)

    # Another leader's target, or as another leader: refused, nothing stored.
    assert site.client.get(f"/entities/{others[0]}").status_code == 403
    (form,) = forms(site.page(f"/leaders/{LEAVING}"), "log-interaction")[:1]
    count = len(site.interactions())
    assert site.post(form["action"], fields(form, target_ids=others[0])).status_code == 403
    assert site.post(form["action"], fields(form, leader_ids="L02")).status_code == 403
    assert len(site.interactions()) == count == before + 1
    # Planner forms are refused outright.
    csrf = dict(form["fields"])["csrf_token"]
    data = {"csrf_token": csrf, "idempotency_key": "k", "leader_id": LEAVING, "target_id": own[0]}
    assert site.post("/actions/assign-contact", data).status_code == 403
    assert site.client.get("/upload").status_code == 403
    assert site.client.get("/handover").status_code == 403


# -- the gap list: worst first, suggestions accepted in one step -----------------------------


def test_suggestions_are_accepted_together_after_a_confirmation(site: Site) -> None:
    site.sign_in("planner")
    gaps = site.page("/gaps")
    (form,) = forms(gaps, "accept-suggestions")
    suggested = dict(
        re.findall(
            r'<tr class="gap-row" data-target="([^"]+)">.*?class="suggested" data-leader="([^"]*)"',
            gaps,
            re.S,
        )
    )
    chosen = [t for t, lead in suggested.items() if lead][:3]
    assert len(chosen) == 3
    review = site.post(form["action"], fields(form, target_ids=chosen))
    assert review.status_code == 200
    assert site.sql(
        "SELECT count(*) FROM links WHERE target_id IN (?, ?, ?) AND kind = 'contacts'"
        " AND json_extract(props, '$.since') = ?",
        *chosen,
        TODAY.isoformat(),
    ) == [(0,)]
    (confirm,) = forms(review.text, "accept-suggestions")
    pairs = re.findall(
        r'class="accept-row" data-target="([^"]+)" data-leader="([^"]+)"', review.text
    )
    assert pairs == [(t, suggested[t]) for t in chosen]

    # One bad pair: nothing of the three is stored.
    data = fields(confirm)
    bad = fields(confirm, leader_ids=[*data["leader_ids"][:2], "L999"])
    assert site.post(confirm["action"], bad).status_code == 404
    assert all(site.contacts(suggested[t], t) == [] for t in chosen)

    done = site.post(confirm["action"], data)
    assert done.status_code == 303 and "count=3" in done.headers["location"]
    assert site.post(confirm["action"], data).status_code == 303  # a second click
    for target in chosen:
        (row,) = site.contacts(suggested[target], target)
        assert row["since"] == TODAY.isoformat()
    assert "已按建议指派 3 个对象" in site.page(done.headers["location"])


def test_gap_rows_come_worst_first(site: Site) -> None:
    site.sign_in("planner")
    page = site.page("/gaps", status="covered,stale,indirect,uncovered")
    rows = re.findall(r'<tr class="gap-row".*?</tr>', page, re.S)
    statuses = [re.search(r'class="status-(\w+)"', r)[1] for r in rows]  # type: ignore[index]
    rank = ["uncovered", "stale", "indirect", "covered"]
    assert [rank.index(s) for s in statuses] == sorted(rank.index(s) for s in statuses)
    for status in set(statuses):
        last = [
            re.findall(r"<td[^>]*>(从未|\d{4}-\d\d-\d\d)</td>", r)[-1]
            for r, s in zip(rows, statuses, strict=True)
            if s == status
        ]
        never = [x == "从未" for x in last]
        assert never == sorted(never, reverse=True)
        dated = [x for x in last if x != "从未"]
        assert dated == sorted(dated)


# -- handover ------------------------------------------------------------------------------


def test_handover_ends_the_leavers_contacts_and_opens_the_chosen_ones(site: Site) -> None:
    site.sign_in("planner")
    day = TODAY
    open_now = open_contacts(day - dt.timedelta(days=1))
    orphaned = sorted(t for t, leads in open_contacts(day).items() if leads == {LEAVING})
    page = site.page("/handover", leader_ids=LEAVING, date=day.isoformat())
    (form,) = forms(page, "handover")
    data = fields(form)
    targets = data["target_ids"] if isinstance(data["target_ids"], list) else [data["target_ids"]]
    assert sorted(targets) == orphaned
    successors = data["successor_ids"]
    successors = successors if isinstance(successors, list) else [successors]
    assert all(s and s != LEAVING for s in successors)
    # Adjust: the first target is left without a successor.
    successors[0] = ""
    data["successor_ids"] = successors
    response = site.post(form["action"], data)
    assert response.status_code == 303, response.text
    assert site.post(form["action"], data).status_code == 303  # stored once
    for target, leads in open_now.items():
        if LEAVING in leads:
            assert [c["until"] for c in site.contacts(LEAVING, target) if "until" in c], target
    for target, successor in zip(targets, successors, strict=True):
        if successor:
            (row,) = site.contacts(successor, target)
            assert row["since"] == day.isoformat()
    # The next coverage answer sees it: a successor is assigned, the leaver is not.
    token = site.tokens["planner"]
    for target, successor in zip(targets, successors, strict=True):
        record = site.client.get(
            f"/api/v1/entities/{target}", headers={"Authorization": f"Bearer {token}"}
        ).json()
        assert record["coverage"]["assigned_leaders"] == ([successor] if successor else [])


# -- upload --------------------------------------------------------------------------------


def _upload_form(site: Site) -> dict[str, Any]:
    (form,) = forms(site.page("/upload"), "upload-dataset")
    return form


FIGURES_HEAD = "编号,姓名,类别,所在区域\n"


def test_an_upload_with_problems_stores_nothing_and_lists_each(site: Site) -> None:
    site.sign_in("planner")
    form = _upload_form(site)
    bad = FIGURES_HEAD + "FU1,张三,不存在的类别,A02\nFU2,李四,无党派人士,A999\n"
    response = site.post(
        form["action"], fields(form), files=[("files", ("figures.csv", bad.encode()))]
    )
    assert response.status_code == 422
    problems = re.findall(
        r'<tr class="upload-problem"><td>([^<]*)</td><td class="num">(\d*)</td><td>([^<]*)</td>',
        response.text,
    )
    assert ("figures.csv", "2", "类别") in problems
    assert ("figures.csv", "3", "所在区域") in problems
    assert "/tmp" not in response.text
    assert site.sql("SELECT count(*) FROM nodes WHERE id IN ('FU1', 'FU2')") == [(0,)]


def test_a_zip_with_an_unsafe_path_is_refused(site: Site, tmp_path: Path) -> None:
    site.sign_in("planner")
    form = _upload_form(site)
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w") as archive:
        archive.writestr("../figures.csv", FIGURES_HEAD + "FU1,张三,无党派人士,A02\n")
    response = site.post(
        form["action"], fields(form), files=[("files", ("data.zip", packed.getvalue()))]
    )
    assert response.status_code == 422 and "路径不安全" in response.text
    assert site.sql("SELECT count(*) FROM nodes WHERE id = 'FU1'") == [(0,)]


def test_a_clean_zip_is_stored_and_the_changes_counted(site: Site) -> None:
    site.sign_in("planner")
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w") as archive:
        archive.writestr("office/figures.csv", FIGURES_HEAD + "FU1,张三,无党派人士,A02\n")
        archive.writestr("office/contacts.csv", "领导编号,对象编号,开始日期\nL02,FU1,2026-01-01\n")
    body = packed.getvalue()
    form = _upload_form(site)
    response = site.post(form["action"], fields(form), files=[("files", ("d.zip", body))])
    assert response.status_code == 200, response.text
    assert re.search(r'id="upload-inserted">2<', response.text)
    (source,) = site.sql("SELECT source FROM nodes WHERE id = 'FU1'")[0]
    assert source == "figures.csv"
    assert len(site.contacts("L02", "FU1")) == 1
    # The same data again: nothing new, two rows unchanged.
    form = _upload_form(site)
    again = site.post(form["action"], fields(form), files=[("files", ("d.zip", body))])
    assert re.search(r'id="upload-inserted">0<', again.text)
    assert re.search(r'id="upload-unchanged">2<', again.text)


def test_upload_takes_a_body_over_the_general_limit_up_to_its_own(site: Site) -> None:
    site.sign_in("planner")
    rows = "".join(f"FU{i},名{i},无党派人士,A02\n" for i in range(3000))
    body = (FIGURES_HEAD + rows).encode()
    assert 64 * 1024 < len(body) < 256 * 1024
    form = _upload_form(site)
    response = site.post(form["action"], fields(form), files=[("files", ("figures.csv", body))])
    assert response.status_code == 200, response.text[:300]
    assert re.search(r'id="upload-inserted">3000<', response.text)
    # Elsewhere the general limit holds.
    figure = unassigned_figure()
    (log,) = forms(site.page(f"/entities/{figure}"), "log-interaction")
    big = fields(log, leader_ids="L02", summary="长" * 30000)
    assert site.post(log["action"], big).status_code == 413


def test_only_planners_upload(site: Site) -> None:
    site.sign_in("analyst")
    assert site.client.get("/upload").status_code == 403
    page = site.page("/gaps")
    assert 'name="target_ids"' not in page


# -- English is a switch: the forms too ------------------------------------------------------

CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]")


class _Words(HTMLParser):
    """The fixed words of a page's forms and tables: the text directly inside <label>,
    <button>, <th>, <h1> and <h2> (not the options of a label's select) and the labels of
    option groups."""

    WORDS = frozenset({"label", "button", "th", "h1", "h2"})
    VOID = frozenset({"br", "img", "input", "meta", "link", "hr", "source", "wbr"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.words: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "optgroup":
            self.words.append(str(dict(attrs).get("label") or ""))
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.stack:
            del self.stack[len(self.stack) - 1 - self.stack[::-1].index(tag) :]

    def handle_data(self, data: str) -> None:
        if self.stack and self.stack[-1] in self.WORDS and data.strip():
            self.words.append(data.strip())


def sample_names() -> list[str]:
    """Every name in the sample's tables (people, organizations, units, areas), longest
    first: data, not words of the page."""
    names: list[str] = []
    for file, encoding, column in (
        ("figures.csv", "gb18030", "姓名"),
        ("organizations.csv", "utf-8-sig", "名称"),
        ("areas.csv", "utf-8-sig", "名称"),
    ):
        with (SAMPLE / file).open(encoding=encoding, newline="") as f:
            names += [row[column] for row in csv.DictReader(f)]
    for book, column in (("leaders.xlsx", "姓名"), ("units.xlsx", "名称")):
        sheet = openpyxl.load_workbook(SAMPLE / book).active
        assert sheet is not None
        rows = list(sheet.iter_rows(values_only=True))
        names += [str(r[list(rows[0]).index(column)]) for r in rows[1:]]
    return sorted({n for n in names if n}, key=len, reverse=True)


def chinese_words(html: str, names: list[str]) -> list[str]:
    """The form and table words of ``html`` that still hold Han script once names are
    taken out."""
    parser = _Words()
    parser.feed(html)
    found = []
    for word in parser.words:
        left = word
        for name in names:
            left = left.replace(name, "")
        if CJK.search(left):
            found.append(word)
    return found


def test_the_forms_switch_to_english_and_stay_chinese_by_default(site: Site) -> None:
    from test_pages_chinese import problems

    site.sign_in("planner")
    names = sample_names()
    target = unassigned_figure()
    today = TODAY.isoformat()
    gaps = site.page("/gaps")
    (form,) = forms(gaps, "accept-suggestions")
    suggested = re.findall(
        r'<tr class="gap-row" data-target="([^"]+)">.*?class="suggested" data-leader="([^"]*)"',
        gaps,
        re.S,
    )
    chosen = [target for target, leader in suggested if leader][:2]
    assert len(chosen) == 2

    def pages(query: dict[str, str]) -> dict[str, str]:
        review = site.post("/gaps/accept", fields(form, target_ids=chosen), params=query)
        assert review.status_code == 200, review.text[:500]
        return {
            "entity": site.page(f"/entities/{target}", **query),
            "handover": site.page("/handover", leader_ids=LEAVING, date=today, **query),
            "upload": site.page("/upload", **query),
            "accept": review.text,
        }

    english = pages({"lang": "en"})
    # The words each page must show, so that an empty page cannot pass.
    for page, word in (
        ("entity", "Assign a contact leader"),
        ("entity", "Log a contact"),
        ("handover", "Confirm the handover"),
        ("upload", "Check and upload"),
        ("accept", "Confirm the suggestions"),
    ):
        assert word in english[page], (page, word)
    for page, html in english.items():
        assert chinese_words(html, names) == [], page
    # The interaction kinds are offered in English too (the sample's kinds are codes like
    # visit, whose Chinese labels are in graph/schema/schema.yaml).
    kinds = re.search(r'<select name="kind"[^>]*>(.*?)</select>', english["entity"], re.S)
    assert kinds is not None and not CJK.search(kinds.group(1))

    assert "import (<kbd>concentric load</kbd>) checks" in english["upload"]

    chinese = pages({})
    assert "指派联系领导" in chinese["entity"] and "确认移交" in chinese["handover"]
    assert "命令行导入（<kbd>concentric load</kbd>）完全相同" in chinese["upload"]
    for page, html in chinese.items():
        assert problems(html) == [], (page, problems(html))


def test_a_refused_form_says_why_in_english_when_asked(site: Site) -> None:
    site.sign_in("planner")
    target = unassigned_figure()
    page = site.page(f"/entities/{target}", lang="en")
    (form,) = forms(page, "assign-contact")
    assert form["action"].endswith("?lang=en")
    refused = site.post(form["action"], fields(form, leader_id=None))
    assert refused.status_code == 422
    assert "contact leader: required" in refused.text
    assert not CJK.search(" ".join(chinese_words(refused.text, sample_names())))
    # A stored form answers in the language it was posted in.
    (form,) = forms(page, "assign-contact")
    stored = site.post(form["action"], fields(form, leader_id="L02", since=TODAY.isoformat()))
    assert stored.status_code == 303
    assert stored.headers["location"].endswith("done=assign-contact&lang=en")
    done = site.page(stored.headers["location"])
    assert "Contact leader assigned." in done and "已指派" not in done

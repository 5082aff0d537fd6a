"""The reminders (calendar feed, digest) and the assessment's API, page and dashboard block,
over a small district written here, whose due dates are worked out by hand below.

Dates are relative to today, since the feed URL answers for today (no date parameter): with
the policy's window of 365 days a target is due 365 days after its last contact, and a
target never contacted is due today.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Iterator
from contextlib import nullcontext
from pathlib import Path
from typing import Any

import icalendar
import pytest
import vobject
from conftest import Run
from fastapi.testclient import TestClient

from concentric.api.app import create_app
from concentric.api.settings import Settings

TODAY = dt.date.today()


def ago(days: int) -> str:
    return (TODAY - dt.timedelta(days=days)).isoformat()


def ahead(days: int) -> dt.date:
    return TODAY + dt.timedelta(days=days)


#: L1's due items: F1 last met 350 days ago -> due in 15 days; F2 never met -> due today.
#: F4 met 10 days ago is due in 355 days: not in a 30-day feed. L2's: F3 met 400 days ago
#: -> overdue since 35 days.
L1_DUE = {
    ("<b>张</b>（已覆盖）", ahead(15), "上次联系：" + ago(350), "F1"),
    ("王二（久未联系）", TODAY, "上次联系：从未联系", "F2"),
}
L2_DUE = {("李三（久未联系）", ahead(-35), "上次联系：" + ago(400), "F3")}


def write(folder: Path, name: str, rows: list[dict[str, str]]) -> None:
    with (folder / name).open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


@pytest.fixture(scope="module")
def district(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("district")
    write(
        folder,
        "areas.csv",
        [
            {"id": "A1", "name": "区", "kind": "district", "parent_id": ""},
            {"id": "T1", "name": "镇一", "kind": "town", "parent_id": "A1"},
        ],
    )
    write(
        folder,
        "leaders.csv",
        [
            {"id": "L1", "name": "甲<i>", "department": "区委", "area_id": "T1"},
            {"id": "L2", "name": "乙", "department": "统战部", "area_id": "T1"},
        ],
    )
    figure = {"category": "ethnic", "ethnicity": "回族", "religion": "伊斯兰教", "area_id": "T1"}
    write(
        folder,
        "figures.csv",
        [
            {"id": "F1", "name": "<b>张</b>", **figure, "phone": "13800000001"},
            {"id": "F2", "name": "王二", **figure, "phone": "13800000002"},
            {"id": "F3", "name": "李三", **figure, "phone": "13800000003"},
            {"id": "F4", "name": "赵四", **figure, "phone": "13800000004"},
        ],
    )
    write(
        folder,
        "contacts.csv",
        [
            {"leader_id": lead, "target_id": target, "since": "2000-01-01"}
            for lead, target in (("L1", "F1"), ("L1", "F2"), ("L1", "F4"), ("L2", "F3"))
        ],
    )
    write(
        folder,
        "interactions.csv",
        [
            {"id": "I1", "date": ago(350), "kind": "visit", "leader_ids": "L1", "target_ids": "F1"},
            {"id": "I2", "date": ago(10), "kind": "talk", "leader_ids": "L1", "target_ids": "F4"},
            {"id": "I3", "date": ago(400), "kind": "visit", "leader_ids": "L2", "target_ids": "F3"},
        ],
    )
    return folder


@pytest.fixture(scope="module")
def store(district: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from typer.testing import CliRunner

    from concentric.api.cli import app

    path = tmp_path_factory.mktemp("store") / "c.db"
    result = CliRunner().invoke(app, ["load", str(district), "--store", str(path)])
    assert result.exit_code == 0, result.output
    return path


def events(data: bytes) -> set[tuple[str, dt.date, str, str]]:
    """The feed's events as (summary, date, description, target id), read by icalendar and
    checked to read the same through vobject (a second, independent parser)."""
    first = {
        (
            str(e["SUMMARY"]),
            e.decoded("DTSTART"),
            str(e["DESCRIPTION"]),
            str(e["URL"]).rsplit("/", 1)[-1],
        )
        for e in icalendar.Calendar.from_ical(data).walk("VEVENT")
    }
    parsed = vobject.readOne(data.decode("utf-8"))
    second = {
        (
            e.summary.value,
            e.dtstart.value,
            e.description.value,
            e.url.value.rsplit("/", 1)[-1],
        )
        for e in getattr(parsed, "vevent_list", [])
    }
    assert first == second
    return first


def test_exported_feed_holds_exactly_the_leaders_due_items(
    cli: Run, store: Path, tmp_path: Path
) -> None:
    for leader, expected in (("L1", L1_DUE), ("L2", L2_DUE)):
        out = tmp_path / f"{leader}.ics"
        result = cli("calendar", "export", "--leader", leader, "--out", out, "--store", store)
        assert result.exit_code == 0, result.output
        data = out.read_bytes()
        assert events(data) == expected
        text = data.decode("utf-8")
        # no sensitive or personal field
        assert "回族" not in text and "伊斯兰教" not in text and "1380000" not in text


@pytest.fixture(scope="module")
def app(store: Path) -> Iterator[Any]:
    application = create_app(
        Settings(store=str(store), access_db=None, cors_origins=[], _env_file=None)
    )
    yield application
    application.state.workspace.close()
    application.state.access.close()


def test_feed_url_serves_one_leader_and_a_revoked_secret_gets_404(app: Any) -> None:
    access = app.state.access
    _, secret_one = access.create_calendar("L1")
    _, secret_two = access.create_calendar("L2")
    with nullcontext(TestClient(app)) as client:  # entered, it would shut the app down
        answer = client.get(f"/calendar/{secret_two}.ics")
        assert answer.status_code == 200
        assert answer.headers["content-type"].startswith("text/calendar")
        assert events(answer.content) == L2_DUE
        for other in ("F1", "F2", "F4", "张", "王二", "赵四"):
            assert other not in answer.text
        assert events(client.get(f"/calendar/{secret_one}.ics").content) == L1_DUE
        assert access.revoke_calendars("L2") == 1
        assert client.get(f"/calendar/{secret_two}.ics").status_code == 404
        assert client.get("/calendar/cal_guessed.ics").status_code == 404
        assert client.get(f"/calendar/{secret_one}.ics").status_code == 200  # L1's stays
    _, entries = access.audit_entries(limit=50)
    logged = " ".join(str(e) for e in entries)
    assert secret_one not in logged and secret_two not in logged
    assert "/calendar/***.ics" in logged


def test_calendar_create_and_revoke_from_the_cli(cli: Run, store: Path, app: Any) -> None:
    created = cli("calendar", "create", "--leader", "L2", "--store", store)
    assert created.exit_code == 0, created.output
    url = created.output.strip().splitlines()[-1]
    path = re.sub(r"^https?://[^/]+", "", url)
    with nullcontext(TestClient(app)) as client:  # entered, it would shut the app down
        assert client.get(path).status_code == 200
        revoked = cli("calendar", "revoke", "--leader", "L2", "--store", store)
        assert revoked.exit_code == 0, revoked.output
        assert client.get(path).status_code == 404
    unknown = cli("calendar", "create", "--leader", "nobody", "--store", store)
    assert unknown.exit_code == 2


def test_digest_lists_the_next_30_days_overdue_first_with_names_escaped(
    cli: Run, store: Path, tmp_path: Path
) -> None:
    printed = cli("digest", "--leader", "L1", "--store", store)
    assert printed.exit_code == 0, printed.output
    lines = [line for line in printed.output.splitlines() if line.startswith("- ")]
    assert lines == [
        f"- {TODAY} 已逾期 王二（久未联系），上次联系：从未联系",
        f"- {ahead(15)} 到期 <b>张</b>（已覆盖），上次联系：{ago(350)}",
    ]
    written = cli("digest", "--leader", "L1", "--out", tmp_path, "--store", store)
    assert written.exit_code == 0, written.output
    page = (tmp_path / f"digest-L1-{TODAY}.html").read_text(encoding="utf-8")
    assert "&lt;b&gt;张&lt;/b&gt;" in page and "<b>张</b>" not in page
    assert "李三" not in page  # L2's target
    text = (tmp_path / f"digest-L1-{TODAY}.txt").read_text(encoding="utf-8")
    assert text.splitlines()[1:] == lines


# -- the assessment through the API, the page and the dashboard ----------------------------


def bearer(app: Any, role: str, leader: str | None = None) -> dict[str, str]:
    return {"Authorization": f"Bearer {app.state.access.create_token(role, leader)}"}


def test_assessment_api_roles(app: Any) -> None:
    year = TODAY.year
    with nullcontext(TestClient(app)) as client:  # entered, it would shut the app down
        planner = client.get(f"/api/v1/assessment?year={year}", headers=bearer(app, "planner"))
        assert planner.status_code == 200
        assert [c["id"] for c in planner.json()["leaders"]] == ["L1", "L2"]
        assert {d["key"] for d in planner.json()["departments"]} == {"区委", "统战部"}
        own = client.get(f"/api/v1/assessment?year={year}", headers=bearer(app, "leader", "L2"))
        assert own.status_code == 200
        body = own.json()
        assert [c["id"] for c in body["leaders"]] == ["L2"]
        assert body["departments"] == [] and body["towns"] == []
        assert "F1" not in own.text and "L1" not in own.text
        analyst = client.get(f"/api/v1/assessment?year={year}", headers=bearer(app, "analyst"))
        assert analyst.status_code == 403
        missing = client.get("/api/v1/assessment", headers=bearer(app, "planner"))
        assert missing.status_code == 422 and "year" in missing.json()["detail"]
        assert (
            client.get("/api/v1/assessment?year=1200", headers=bearer(app, "planner")).status_code
            == 422
        )


def test_assessment_page_and_dashboard_block(app: Any) -> None:
    with nullcontext(TestClient(app)) as client:  # entered, it would shut the app down
        token = app.state.access.create_token("planner")
        assert client.post("/login", data={"token": token, "next": "/"}).status_code == 200
        page = client.get(f"/assessment?year={TODAY.year}")
        assert page.status_code == 200
        assert "甲&lt;i&gt;" in page.text and "甲<i>" not in page.text
        assert "带头广交深交党外朋友" in page.text
        dashboard = client.get("/")
        assert "年度考核进度" in dashboard.text
        assert f'href="/assessment?year={TODAY.year}"' in dashboard.text


def test_a_leader_sees_only_its_own_scorecard_page(app: Any) -> None:
    with nullcontext(TestClient(app)) as client:  # entered, it would shut the app down
        token = app.state.access.create_token("leader", "L2")
        assert client.post("/login", data={"token": token, "next": "/"}).status_code == 200
        page = client.get(f"/assessment?year={TODAY.year}")
        assert page.status_code == 200
        assert 'id="assess-L2"' in page.text
        assert "assess-L1" not in page.text and "甲&lt;i&gt;" not in page.text
        assert "assessment-departments" not in page.text


def test_past_the_graph_limit_the_dashboard_links_to_the_scorecard_without_computing_it(
    store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = Settings(
        store=str(store), access_db=None, cors_origins=[], graph_max_rows=1, _env_file=None
    )
    application = create_app(settings)

    def reads_every_record(*_: Any) -> Any:
        raise AssertionError("the dashboard computed the scorecard past the limit")

    monkeypatch.setattr(type(application.state.workspace), "assessment", reads_every_record)
    try:
        with nullcontext(TestClient(application)) as client:
            token = application.state.access.create_token("planner")
            assert client.post("/login", data={"token": token, "next": "/"}).status_code == 200
            dashboard = client.get("/")
            assert dashboard.status_code == 200
            assert f'href="/assessment?year={TODAY.year}"' in dashboard.text
    finally:
        application.state.workspace.close()
        application.state.access.close()

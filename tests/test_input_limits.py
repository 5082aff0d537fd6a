"""Hostile input is answered 4xx, never 500 and never stored (issue 12, V6).

Bounds come from graph/schema/schema.yaml's `input_limits` (dates from 1949-10-01; interactions
up to tomorrow; contacts up to 366 days ahead; at most 200 ids of at most 64 characters;
offsets up to 10^9), written out here by hand. The body limit is checked at the ASGI
level, where the test sees how much of the body the server read.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from write_support import WriteApp, assert_error, load_sample, open_app, unassigned_pair

from concentric.api.app import create_app
from concentric.api.settings import Settings

TODAY = dt.date.today()
LEADER, TARGET = "L01", "F0075"  # an assigned pair in data/sample/contacts.csv


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return load_sample(tmp_path_factory.mktemp("template") / "sample.db")


@pytest.fixture
def app(template: Path, tmp_path: Path) -> Iterator[WriteApp]:
    yield from open_app(template, tmp_path)


def visit(day: dt.date | str, **changes: Any) -> dict[str, Any]:
    date = day.isoformat() if isinstance(day, dt.date) else day
    return {"date": date, "kind": "visit", "leader_ids": [LEADER], "target_ids": [TARGET]} | (
        changes
    )


# -- the body's size ------------------------------------------------------------------------


def asgi_post(
    app: Any, headers: list[tuple[bytes, bytes]], chunks: Iterator[bytes]
) -> tuple[int, int]:
    """POST to the app at the ASGI level; (status, chunks the app read)."""
    read = 0
    statuses: list[int] = []

    async def receive() -> dict[str, Any]:
        nonlocal read
        chunk = next(chunks, None)
        if chunk is None:
            return {"type": "http.request", "body": b"", "more_body": False}
        read += 1
        return {"type": "http.request", "body": chunk, "more_body": True}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/api/v1/interactions",
        "raw_path": b"/api/v1/interactions",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver"), (b"content-type", b"application/json"), *headers],
        "client": ("127.0.0.1", 1),
        "server": ("testserver", 80),
    }
    asyncio.run(app(scope, receive, send))
    assert len(statuses) == 1, statuses
    return statuses[0], read


def endless(size: int) -> Iterator[bytes]:
    """50 MB of JSON-ish bytes, made only as far as they are read."""
    chunk = b" " * size
    for _ in range(50 * 1024 * 1024 // size):
        yield chunk


def test_a_declared_length_over_the_limit_is_refused_unread(app: WriteApp) -> None:
    headers = [(b"content-length", str(50 * 1024 * 1024).encode()), *token(app)]
    status, read = asgi_post(app.app, headers, endless(64 * 1024))
    assert (status, read) == (413, 0)


def test_a_streamed_body_is_cut_off_at_the_limit(app: WriteApp) -> None:
    """No Content-Length (chunked): 1 MiB is 16 chunks of 64 KiB, so the 17th crosses it."""
    status, read = asgi_post(app.app, token(app), endless(64 * 1024))
    assert (status, read) == (413, 17)


def test_the_limit_is_a_setting(template: Path, tmp_path: Path) -> None:
    app = create_app(
        Settings(
            store=str(template),
            access_db=str(tmp_path / "a.db"),
            max_body_bytes=100,
            cors_origins=[],
            _env_file=None,
        )
    )
    body = b'{"date": "2026-01-01", "kind": "visit", "summary": "' + b"x" * 100 + b'"}'
    assert len(body) > 100
    status, _ = asgi_post(app, [(b"content-length", str(len(body)).encode())], iter([body]))
    assert status == 413
    app.state.workspace.close()
    app.state.access.close()
    app.state.idempotency.close()


def test_413_is_the_api_error_body(app: WriteApp) -> None:
    response = app.client.post(
        "/api/v1/interactions",
        content=b"[" + b"0," * (600 * 1024) + b"0]",
        headers={"Authorization": f"Bearer {app.tokens['planner']}"},
    )
    assert assert_error(response, 413)["error"] == "too large"


def token(app: WriteApp) -> list[tuple[bytes, bytes]]:
    return [(b"authorization", f"Bearer {app.tokens['planner']}".encode())]


# -- dates --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "status"),
    [
        ("9999-12-31", 422),
        (TODAY + dt.timedelta(days=2), 422),
        ("1949-09-30", 422),
        ("", 422),
        (TODAY + dt.timedelta(days=1), 201),  # tomorrow: time zones and clocks differ
        ("1949-10-01", 201),
    ],
)
def test_interaction_dates_are_bounded(app: WriteApp, day: dt.date | str, status: int) -> None:
    before = app.interactions()
    response = app.post("/api/v1/interactions", visit(day))
    assert response.status_code == status, response.text
    assert app.interactions() == before + (status == 201)
    if status == 422:
        assert assert_error(response, 422)["problems"][0]["location"] == "body.date"


@pytest.mark.parametrize(
    ("since", "status"),
    [
        ("2099-01-01", 422),
        (TODAY + dt.timedelta(days=367), 422),
        (TODAY + dt.timedelta(days=366), 201),
    ],
)
def test_contacts_do_not_start_in_the_far_future(
    app: WriteApp, since: dt.date | str, status: int
) -> None:
    leader, target = unassigned_pair()
    day = since.isoformat() if isinstance(since, dt.date) else since
    response = app.post(
        "/api/v1/contacts", {"leader_id": leader, "target_id": target, "since": day}
    )
    assert response.status_code == status, response.text
    pairs = app.count(
        "SELECT count(*) FROM links WHERE kind = 'contacts' AND source_id = ? AND target_id = ?",
        leader,
        target,
    )
    assert pairs == (status == 201)


@pytest.mark.parametrize("until", ["", "   ", "9999-12-31", "1900-01-01", 20260101])
def test_ending_a_contact_needs_a_sane_until(app: WriteApp, until: Any) -> None:
    body = {"leader_id": LEADER, "target_id": TARGET, "until": until}
    problems = assert_error(app.post("/api/v1/contacts/end", body), 422)["problems"]
    assert problems[0]["location"] == "body.until"


def test_a_contact_cannot_end_before_it_starts(app: WriteApp) -> None:
    leader, target = unassigned_pair()
    body = {"leader_id": leader, "target_id": target, "since": "2026-06-01"}
    assert app.post("/api/v1/contacts", body).status_code == 201
    ended = app.post(
        "/api/v1/contacts/end", {"leader_id": leader, "target_id": target, "until": "2026-01-01"}
    )
    assert 400 <= ended.status_code < 500
    opened = app.count(
        "SELECT count(*) FROM links WHERE kind = 'contacts' AND source_id = ? AND target_id = ? "
        "AND props NOT LIKE '%until%'",
        leader,
        target,
    )
    assert opened == 1


# -- id lists -----------------------------------------------------------------------------


def test_100000_duplicate_targets_are_refused_unstored(app: WriteApp) -> None:
    before = app.interactions()
    response = app.post("/api/v1/interactions", visit(TODAY, target_ids=[TARGET] * 100_000))
    assert assert_error(response, 422)["problems"][0]["location"] == "body.target_ids"
    assert app.interactions() == before


def test_repeated_ids_are_stored_once(app: WriteApp) -> None:
    body = visit(TODAY, id="API-REPEATS", target_ids=[TARGET, TARGET, TARGET])
    body["leader_ids"] = [LEADER, LEADER]
    assert app.post("/api/v1/interactions", body).status_code == 201
    stored = app.count(
        "SELECT json_array_length(props, '$.target_ids') * 10 "
        "+ json_array_length(props, '$.leader_ids') FROM nodes WHERE id = 'API-REPEATS'"
    )
    assert stored == 11  # one target, one leader


@pytest.mark.parametrize(
    "changes",
    [
        {"target_ids": [f"F{i}" for i in range(201)]},  # over 200 distinct ids
        {"target_ids": []},
        {"target_ids": [""]},
        {"leader_ids": ["L" * 65]},
        {"leader_ids": ["L01, L02"]},  # a list in one id
        {"id": ""},
        {"kind": "party"},
        {"summary": "x" * 2001},
    ],
    ids=["201-ids", "no-ids", "empty-id", "long-id", "separator", "empty-own-id", "kind", "long"],
)
def test_malformed_interactions_are_422(app: WriteApp, changes: dict[str, Any]) -> None:
    before = app.interactions()
    problems = assert_error(app.post("/api/v1/interactions", visit(TODAY, **changes)), 422)[
        "problems"
    ]
    assert problems[0]["location"].split(".")[1] == next(iter(changes))
    assert app.interactions() == before


# -- numbers in query strings -------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/api/v1/audit", {"offset": 9223372036854775808}),
        ("/api/v1/audit", {"offset": 10**9 + 1}),
        ("/api/v1/gaps", {"offset": 10**30}),
        ("/api/v1/gaps", {"limit": 10**30}),
        ("/api/v1/brokers", {"top": 10**30}),
        ("/api/v1/coverage", {"window_days": 10**30}),
        (f"/api/v1/network/{LEADER}", {"depth": 10**30}),
    ],
)
def test_huge_numbers_are_422(app: WriteApp, path: str, params: dict[str, int]) -> None:
    assert_error(app.get(path, "admin", **params), 422)


def test_page_numbers_of_the_web_pages_are_bounded(app: WriteApp) -> None:
    login = app.client.post("/login", data={"token": app.tokens["planner"], "next": "/gaps"})
    assert login.status_code == 200, login.text  # followed to the gap page
    assert app.client.get("/gaps", params={"page": 10**9}).status_code == 200
    assert app.client.get("/gaps", params={"page": 10**9 + 1}).status_code == 422


def test_the_largest_offset_is_an_empty_page(app: WriteApp) -> None:
    response = app.get("/api/v1/audit", "admin", offset=10**9)
    assert response.status_code == 200, response.text
    assert response.json()["items"] == []


def test_every_number_in_the_document_has_bounds(app: WriteApp) -> None:
    document = app.app.openapi()
    unbounded = [
        (path, method, parameter["name"])
        for path, item in document["paths"].items()
        for method, operation in item.items()
        for parameter in operation.get("parameters", [])
        for schema in [parameter["schema"], *parameter["schema"].get("anyOf", [])]
        if schema.get("type") == "integer" and ("maximum" not in schema or "minimum" not in schema)
    ]
    assert unbounded == []


# -- filters and methods ------------------------------------------------------------------


@pytest.mark.parametrize(
    "params",
    [{"status": "bogus"}, {"status": "covered,"}, {"kind": ""}, {"line": "x"}, {"category": ""}],
)
def test_unknown_filter_values_are_422(app: WriteApp, params: dict[str, str]) -> None:
    problems = assert_error(app.get("/api/v1/gaps", **params), 422)["problems"]
    assert problems[0]["location"] == f"query.{next(iter(params))}"


def test_chinese_labels_are_accepted_as_filters(app: WriteApp) -> None:
    labels = app.get("/api/v1/gaps", status="未覆盖", category="宗教界人士", line="引导线")
    codes = app.get("/api/v1/gaps", status="uncovered", category="religious", line="guidance")
    assert labels.status_code == codes.status_code == 200
    assert labels.json()["items"] == codes.json()["items"]


def test_405_allows_every_method_of_the_path(app: WriteApp) -> None:
    response = app.client.put(
        "/api/v1/tokens", headers={"Authorization": f"Bearer {app.tokens['admin']}"}
    )
    assert_error(response, 405)
    assert response.headers["allow"] == "GET, POST"


@pytest.mark.parametrize(
    ("path", "params", "unknown"),
    [
        ("/api/v1/gaps", {"staus": "uncovered"}, "staus"),  # a misspelt filter
        ("/api/v1/coverage", {"as_of": "2026-11-27", "area": "A16"}, "area"),
        (f"/api/v1/leaders/{LEADER}/todo", {"due": 30}, "due"),
        ("/api/v1/brokers", {"top": 3, "": "x"}, ""),
    ],
)
def test_unknown_query_parameters_are_422_naming_them(
    app: WriteApp, path: str, params: dict[str, Any], unknown: str
) -> None:
    # Ignoring them would answer as if no filter was asked: every gap for "staus=uncovered".
    response = app.get(path, "admin", **params)
    assert_error(response, 422)
    assert response.json()["problems"][0]["location"] == f"query.{unknown}"
    # Without a token the answer is the same 401 as for any other query.
    assert app.client.get(path, params=params).status_code == 401

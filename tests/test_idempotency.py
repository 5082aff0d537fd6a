"""Writes retried with the same Idempotency-Key are stored once (issue 12, faults).

Counts are read from the store file with plain SQLite (write_support.WriteApp.count), not
through the API under test.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from write_support import WriteApp, assert_error, load_sample, open_app, unassigned_pair

LEADER, TARGET = "L01", "F0075"  # an assigned pair in data/sample/contacts.csv
VISIT = {
    "date": (dt.date.today() - dt.timedelta(days=1)).isoformat(),
    "kind": "visit",
    "leader_ids": [LEADER],
    "target_ids": [TARGET],
    "summary": "走访",
}


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return load_sample(tmp_path_factory.mktemp("template") / "sample.db")


@pytest.fixture
def app(template: Path, tmp_path: Path) -> Iterator[WriteApp]:
    yield from open_app(template, tmp_path)


def keys_kept(app: WriteApp) -> int:
    return app.count("SELECT count(*) FROM idempotency_keys")


def test_a_retry_without_an_id_is_stored_once(app: WriteApp) -> None:
    before = app.interactions()
    first = app.post("/api/v1/interactions", VISIT, key="visit-1")
    again = app.post("/api/v1/interactions", VISIT, key="visit-1")
    assert first.status_code == again.status_code == 201, (first.text, again.text)
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert app.interactions() == before + 1


def test_without_a_key_each_post_is_a_new_interaction(app: WriteApp) -> None:
    """The contrast: what a retry did before keys (issue 12: stored twice)."""
    before = app.interactions()
    ids = {app.post("/api/v1/interactions", VISIT).json()["id"] for _ in range(2)}
    assert len(ids) == 2 and app.interactions() == before + 2


def test_the_same_request_in_another_json_spelling_is_the_same(app: WriteApp) -> None:
    before = app.interactions()
    reordered = dict(reversed(list(VISIT.items())))
    repeated = {**VISIT, "target_ids": [TARGET, TARGET]}  # the same targets, each once
    answers = [
        app.post("/api/v1/interactions", body, key="k").json()
        for body in (VISIT, reordered, repeated)
    ]
    assert answers[0] == answers[1] == answers[2]
    assert app.interactions() == before + 1


def test_another_request_with_a_used_key_is_refused(app: WriteApp) -> None:
    before = app.interactions()
    assert app.post("/api/v1/interactions", VISIT, key="k").status_code == 201
    other = app.post("/api/v1/interactions", {**VISIT, "summary": "座谈"}, key="k")
    assert "different request" in assert_error(other, 409)["detail"]
    # Nor may the key serve another endpoint.
    leader, target = unassigned_pair()
    contact = app.post("/api/v1/contacts", {"leader_id": leader, "target_id": target}, key="k")
    assert_error(contact, 409)
    assert app.interactions() == before + 1
    assert app.count("SELECT count(*) FROM links WHERE target_id = ?", target) == 0


def test_keys_belong_to_their_token(app: WriteApp) -> None:
    """Another caller's key is another key: its write happens (and is not told the first)."""
    before = app.interactions()
    mine = app.post("/api/v1/interactions", VISIT, key="shared")
    theirs = app.post("/api/v1/interactions", VISIT, who="other planner", key="shared")
    assert mine.status_code == theirs.status_code == 201
    assert mine.json()["id"] != theirs.json()["id"]
    assert app.interactions() == before + 2


def test_concurrent_requests_with_one_key_store_once(app: WriteApp) -> None:
    before = app.interactions()
    answers: list[httpx.Response] = []
    start = threading.Barrier(8)

    def post() -> None:
        start.wait()
        answers.append(app.post("/api/v1/interactions", VISIT, key="burst"))

    threads = [threading.Thread(target=post) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [a.status_code for a in answers] == [201] * 8
    assert len({a.json()["id"] for a in answers}) == 1
    assert sum(a.headers.get("idempotent-replayed") == "true" for a in answers) == 7
    assert app.interactions() == before + 1


def test_a_write_whose_answer_was_lost_is_found_by_its_retry(app: WriteApp) -> None:
    """The server committed the interaction but died before keeping its answer (here: the
    key's row deleted by hand). The retry finds the interaction instead of adding one."""
    before = app.interactions()
    first = app.post("/api/v1/interactions", VISIT, key="lost")
    with sqlite3.connect(app.path) as con:
        con.execute("DELETE FROM idempotency_keys")
    again = app.post("/api/v1/interactions", VISIT, key="lost")
    assert again.status_code == 201, again.text
    assert again.json()["id"] == first.json()["id"]
    assert app.interactions() == before + 1


def test_a_failed_write_keeps_no_answer(app: WriteApp) -> None:
    """A write refused (unknown target) keeps nothing: fixed and retried, it happens."""
    bad = app.post("/api/v1/interactions", {**VISIT, "target_ids": ["NOBODY"]}, key="fix")
    assert_error(bad, 404)
    assert keys_kept(app) == 0
    assert app.post("/api/v1/interactions", VISIT, key="fix").status_code == 201


def test_keys_expire(app: WriteApp) -> None:
    app.post("/api/v1/interactions", {**VISIT, "id": "API-OLD"}, key="old")
    with sqlite3.connect(app.path) as con:
        old = (dt.datetime.now(dt.UTC) - dt.timedelta(hours=25)).isoformat(timespec="seconds")
        con.execute("UPDATE idempotency_keys SET created = ?", (old,))
    # 25 hours later the key is free again: another request with it is a new write.
    reused = app.post("/api/v1/interactions", {**VISIT, "id": "API-NEW"}, key="old")
    assert reused.status_code == 201, reused.text
    assert keys_kept(app) == 1


def test_contacts_and_their_end_are_idempotent(app: WriteApp) -> None:
    leader, target = unassigned_pair()
    pair = {"leader_id": leader, "target_id": target}
    since = (dt.date.today() - dt.timedelta(days=30)).isoformat()
    for _ in range(2):
        assert app.post("/api/v1/contacts", {**pair, "since": since}, key="a").status_code == 201
    until = dt.date.today().isoformat()
    ends = [app.post("/api/v1/contacts/end", {**pair, "until": until}, key="e") for _ in range(2)]
    assert [e.status_code for e in ends] == [200, 200], ends[1].text
    assert ends[0].json() == ends[1].json()
    assert ends[1].headers["idempotent-replayed"] == "true"
    links = app.count(
        "SELECT count(*) FROM links WHERE kind = 'contacts' AND source_id = ? AND target_id = ?",
        leader,
        target,
    )
    assert links == 1


@pytest.mark.parametrize("key", ["", "x" * 201, "has space", "中文"])
def test_malformed_keys_are_422(app: WriteApp, key: str) -> None:
    headers: dict[str, Any] = {"Authorization": f"Bearer {app.tokens['planner']}"}
    response = app.client.post(
        "/api/v1/interactions",
        json=VISIT,
        headers={**headers, "Idempotency-Key": key.encode()},
    )
    assert_error(response, 422)


def test_the_header_is_documented(app: WriteApp) -> None:
    document = app.app.openapi()
    for path in ("/api/v1/interactions", "/api/v1/contacts", "/api/v1/contacts/end"):
        names = {(p["in"], p["name"]) for p in document["paths"][path]["post"]["parameters"]}
        assert ("header", "Idempotency-Key") in names

"""The HTTP API (spec sections 4 and 5): every endpoint for every role, errors, writes, audit.

The API runs in-process under FastAPI's TestClient over a copy of the sample district
(`data/sample`). Read-only tests share one app per module; every test that writes gets its
own copy of the store. Coverage and gaps are compared with the real CLI (`api.cli.app`
under typer's CliRunner) on the same store file, never with a re-implementation.

Two tests start `concentric serve` as a subprocess on 127.0.0.1 (a free port): one kills it
with SIGKILL right after a write is answered and checks the write survived the restart.
"""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import hashlib
import html
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from concentric.api.app import create_app
from concentric.api.cli import app as cli_app
from concentric.api.settings import Settings

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "sample"

#: The sample's reference date (data/sample/README.md: statuses are fixed from 2026-11-21
#: to 2026-12-09). Requests that take `as_of` pass it, so results do not drift with the clock.
AS_OF = dt.date(2026, 11, 27)
#: A day inside the default 365-day window before AS_OF, for new interactions.
VISIT_DAY = AS_OF - dt.timedelta(days=7)

ROLES = ("admin", "planner", "analyst", "leader")
LEADER = "L01"  # the leader token's own record
OTHER_LEADER = "L02"
ERROR_KEYS = {"error", "detail", "problems"}


# -- the sample's facts, read from its tables (not through the product) -------------------


@dataclass(frozen=True)
class Sample:
    own_target: str  # a target LEADER is assigned to with an open-ended contact
    ended_target: str | None  # a target whose contact with LEADER has ended
    foreign_target: str  # a figure LEADER has never been assigned to
    phone_figure: str  # a figure with a phone number
    phone: str  # that figure's phone number
    phones: frozenset[str]  # every phone number in the sample


def _read_csv(name: str, encoding: str) -> list[dict[str, str]]:
    with (SAMPLE / name).open(encoding=encoding, newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="session")
def sample() -> Sample:
    contacts = _read_csv("contacts.csv", "utf-8-sig")
    figures = _read_csv("figures.csv", "gb18030")
    mine = [c for c in contacts if c["领导编号"] == LEADER]
    own = next(c["对象编号"] for c in mine if not c["开始日期"] and not c["结束日期"])
    ended = next(
        (
            c["对象编号"]
            for c in mine
            if re.fullmatch(r"\d{4}-\d\d-\d\d", c["结束日期"])
            and dt.date.fromisoformat(c["结束日期"]) <= dt.date.today()
            and not any(
                o["对象编号"] == c["对象编号"] and not o["结束日期"] for o in mine if o is not c
            )
        ),
        None,
    )
    touched = {c["对象编号"] for c in mine}
    foreign = next(f["编号"] for f in figures if f["编号"] not in touched)
    with_phone = next(f for f in figures if f["电话"])
    return Sample(
        own_target=own,
        ended_target=ended,
        foreign_target=foreign,
        phone_figure=with_phone["编号"],
        phone=with_phone["电话"],
        phones=frozenset(f["电话"] for f in figures if f["电话"]),
    )


# -- stores and apps ----------------------------------------------------------------------


def copy_store(source: Path, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "c.db"
    for suffix in ("", "-wal", "-shm"):
        if Path(f"{source}{suffix}").exists():
            shutil.copy(f"{source}{suffix}", f"{target}{suffix}")
    return target


def settings_for(path: Path) -> Settings:
    # Explicit values, and no .env file: the tests must not depend on the caller's environment.
    return Settings(store=str(path), access_db=None, cors_origins=[], _env_file=None)


@dataclass
class Api:
    """One app over one store file, a TestClient, and a token per role."""

    app: FastAPI
    client: TestClient
    path: Path
    tokens: dict[str, str] = field(default_factory=dict)

    def auth(self, who: str | None) -> dict[str, str]:
        if who is None:
            return {}
        if who == "bad":
            return {"Authorization": "Bearer cc_this-token-was-never-issued"}
        return {"Authorization": f"Bearer {self.tokens[who]}"}

    def call(
        self,
        method: str,
        path: str,
        who: str | None = "planner",
        params: dict[str, Any] | None = None,
        body: Any = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        response: httpx.Response = self.client.request(
            method,
            path,
            params=params,
            json=body,
            headers={**self.auth(who), **(headers or {})},
        )
        return response

    def get(self, path: str, who: str | None = "planner", **params: Any) -> Any:
        response = self.call("GET", path, who, params=params)
        assert response.status_code == 200, response.text
        return response.json()

    def token_id(self, who: str) -> str:
        principal = self.app.state.access.principal_for(self.tokens[who])
        assert principal is not None
        return str(principal.token_id)

    def audit_count(self) -> int:
        total, _ = self.app.state.access.audit_entries(limit=1)
        return int(total)

    def last_audit(self) -> dict[str, Any]:
        _, entries = self.app.state.access.audit_entries(limit=1)
        return dict(entries[0])

    def close(self) -> None:
        self.client.close()
        self.app.state.workspace.close()
        self.app.state.access.close()


def open_api(path: Path) -> Api:
    """An app over ``path`` with a token for each role, a leader token and a revoked one.

    The TestClient is not entered as a context manager, so the app's lifespan (which closes
    the store) does not run; ``Api.close`` closes the store instead.
    """
    app = create_app(settings_for(path))
    api = Api(app, TestClient(app, raise_server_exceptions=False), path)
    access = app.state.access
    for role in ("admin", "planner", "analyst"):
        api.tokens[role] = access.create_token(role)
    api.tokens["leader"] = access.create_token("leader", LEADER)
    api.tokens["revoked"] = access.create_token("planner")
    assert access.revoke(api.token_id("revoked"))
    return api


def cache_recommendations(workspace: Any) -> None:
    """For the read-only shared app: recommendations (a min-cost flow, about half a second
    per call on the sample, not cached by the product) are cached per data version and
    arguments. A pure function, still computed for real once per distinct request."""
    recommend = workspace.recommend
    memo: dict[tuple[Any, ...], dict[str, Any]] = {}

    def cached_recommend(
        as_of: dt.date | None = None,
        window_days: int | None = None,
        statuses: Any = ("uncovered", "stale"),
        *,
        area_id: str | None = None,
        line: str | None = None,
    ) -> dict[str, Any]:
        key = (workspace.store.version(), as_of, window_days, tuple(statuses), area_id, line)
        if key not in memo:
            memo[key] = recommend(as_of, window_days, statuses, area_id=area_id, line=line)
        return memo[key]

    workspace.recommend = cached_recommend


@pytest.fixture(scope="module")
def api(sample_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    """A shared app for tests that do not write data (the audit log still grows)."""
    shared = open_api(copy_store(sample_store, tmp_path_factory.mktemp("shared")))
    cache_recommendations(shared.app.state.workspace)
    yield shared
    shared.close()


@pytest.fixture
def fresh(sample_store: Path, tmp_path: Path) -> Iterator[Api]:
    """An app over a private copy of the sample store, for tests that write."""
    private = open_api(copy_store(sample_store, tmp_path / "store"))
    yield private
    private.close()


def cli_json(*args: str | Path) -> Any:
    """`concentric ARGS… --json`, in-process, parsed."""
    result = CliRunner().invoke(cli_app, [*map(str, args), "--json"])
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def assert_error_body(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert "Traceback" not in response.text
    body = response.json()
    assert set(body) == ERROR_KEYS, body
    assert isinstance(body["error"], str) and body["error"]
    assert isinstance(body["detail"], str) and body["detail"]
    assert isinstance(body["problems"], list)
    return dict(body)


# -- every endpoint, every role -----------------------------------------------------------

READ = {"admin": 200, "planner": 200, "analyst": 200, "leader": 403}
EVERYONE = {"admin": 200, "planner": 200, "analyst": 200, "leader": 200}
ADMIN_ONLY = {"admin": 200, "planner": 403, "analyst": 403, "leader": 403}
PLANNERS = {"admin": 200, "planner": 200, "analyst": 403, "leader": 403}

# (method, path, query, body, expected status per role). Placeholders: {leader},
# {other_leader}, {own} (a target of the leader), {foreign} (not), {ended} (was).
Q = {"as_of": AS_OF.isoformat()}
READ_ENDPOINTS: list[tuple[str, str, dict[str, Any], Any, dict[str, int]]] = [
    ("GET", "/api/v1/tokens", {}, None, ADMIN_ONLY),
    ("GET", "/api/v1/audit", {"limit": 5}, None, ADMIN_ONLY),
    ("GET", "/api/v1/coverage", Q, None, READ),
    ("GET", "/api/v1/gaps", Q, None, READ),
    ("GET", "/api/v1/leaders", Q, None, READ),
    ("GET", "/api/v1/single-points", Q, None, READ),
    ("POST", "/api/v1/departure", {}, {"leader_ids": ["{other_leader}"]}, READ),
    ("GET", "/api/v1/blind-spots", Q, None, READ),
    ("GET", "/api/v1/completeness", {}, None, READ),
    ("GET", "/api/v1/recommendations", Q, None, READ),
    ("GET", "/api/v1/changes", {"from": "2026-01-01", "to": AS_OF.isoformat()}, None, READ),
    ("GET", "/api/v1/brokers", {"top": 5}, None, READ),
    ("GET", "/api/v1/communities", {}, None, READ),
    ("GET", "/api/v1/search", {"q": "wang"}, None, READ),
    ("GET", "/api/v1/path", {"source": "{own}", "target": "{foreign}"}, None, READ),
    ("GET", "/api/v1/entities/{leader}", Q, None, EVERYONE),
    ("GET", "/api/v1/entities/{own}", Q, None, EVERYONE),
    ("GET", "/api/v1/entities/{foreign}", Q, None, READ),
    ("GET", "/api/v1/entities/{other_leader}", Q, None, READ),
    ("GET", "/api/v1/entities/{ended}", Q, None, READ),
    ("GET", "/api/v1/network/{leader}", {}, None, EVERYONE),
    ("GET", "/api/v1/network/{own}", {"depth": 2}, None, EVERYONE),
    ("GET", "/api/v1/network/{other_leader}", {}, None, READ),
    ("GET", "/api/v1/network/{foreign}", {}, None, READ),
    ("GET", "/api/v1/leaders/{leader}", Q, None, EVERYONE),
    ("GET", "/api/v1/leaders/{other_leader}", Q, None, READ),
    ("GET", "/api/v1/leaders/{leader}/todo", Q, None, EVERYONE),
    ("GET", "/api/v1/leaders/{other_leader}/todo", Q, None, READ),
    ("GET", "/api/v1/duplicates", {"kind": "figure"}, None, PLANNERS),
    ("GET", "/api/v1/duplicates/judgements", {}, None, PLANNERS),
    # a leader sees its own scorecard only (tests/test_calendar.py checks which)
    ("GET", "/api/v1/assessment", {"year": 2026, **Q}, None, {**PLANNERS, "leader": 200}),
]

WRITE = {"admin": 201, "planner": 201, "analyst": 403, "leader": 403}
VISIT = {"date": VISIT_DAY.isoformat(), "kind": "visit", "summary": "走访，听取意见建议"}
WRITE_ENDPOINTS: list[tuple[str, str, dict[str, Any], Any, dict[str, int]]] = [
    ("POST", "/api/v1/tokens", {}, {"role": "analyst"}, {**ADMIN_ONLY, "admin": 201}),
    ("DELETE", "/api/v1/tokens/{spare_token}", {}, None, {**ADMIN_ONLY, "admin": 204}),
    (
        "POST",
        "/api/v1/interactions",
        {},
        {**VISIT, "leader_ids": ["{leader}"], "target_ids": ["{own}"]},
        {**WRITE, "leader": 201},
    ),
    (
        "POST",
        "/api/v1/interactions",
        {},
        {**VISIT, "leader_ids": ["{other_leader}"], "target_ids": ["{foreign}"]},
        WRITE,
    ),
    (
        "POST",
        "/api/v1/contacts",
        {},
        {"leader_id": "{other_leader}", "target_id": "{foreign}", "since": "2026-01-01"},
        WRITE,
    ),
    (
        "POST",
        "/api/v1/contacts/end",
        {},
        {"leader_id": "{leader}", "target_id": "{own}", "until": AS_OF.isoformat()},
        {**WRITE, "admin": 200, "planner": 200},
    ),
    # Two figures of the sample district with one name (雷学豪).
    (
        "POST",
        "/api/v1/duplicates/judgements",
        {},
        {"left": "F0149", "right": "F0471", "verdict": "different"},
        WRITE,
    ),
    # A fresh store has no judgement to undo: allowed roles get 404, the others 403.
    (
        "POST",
        "/api/v1/duplicates/judgements/undo",
        {},
        {"left": "F0149", "right": "F0471"},
        {**WRITE, "admin": 404, "planner": 404},
    ),
]


def fill(template: Any, values: dict[str, str]) -> Any:
    """``template`` with ``{name}`` placeholders replaced, at any depth."""
    if isinstance(template, str):
        return template.format(**values)
    if isinstance(template, list):
        return [fill(v, values) for v in template]
    if isinstance(template, dict):
        return {k: fill(v, values) for k, v in template.items()}
    return template


def placeholders(sample: Sample) -> dict[str, str]:
    return {
        "leader": LEADER,
        "other_leader": OTHER_LEADER,
        "own": sample.own_target,
        "foreign": sample.foreign_target,
        "ended": sample.ended_target or sample.foreign_target,
    }


def _matrix(
    table: list[tuple[str, str, dict[str, Any], Any, dict[str, int]]],
) -> list[Any]:
    return [
        pytest.param(method, path, query, body, role, expected[role], id=f"{method} {path} {role}")
        for method, path, query, body, expected in table
        for role in ROLES
    ]


def _check_role_call(
    api: Api,
    sample: Sample,
    method: str,
    path: str,
    query: dict[str, Any],
    body: Any,
    role: str,
    status: int,
    extra: dict[str, str] | None = None,
) -> httpx.Response:
    values = {**placeholders(sample), **(extra or {})}
    url = fill(path, values)
    before = api.audit_count()
    response = api.call(method, url, role, params=fill(query, values), body=fill(body, values))
    assert response.status_code == status, response.text
    if status >= 400:
        assert_error_body(response, status)
    # Every /api/v1 request is audited once, with the caller's token id and role.
    assert api.audit_count() == before + 1
    entry = api.last_audit()
    assert entry["token_id"] == api.token_id(role)
    assert entry["role"] == role
    assert (entry["action"], entry["resource"], entry["status"]) == (method, url, status)
    return response


@pytest.mark.parametrize(
    ("method", "path", "query", "body", "role", "status"), _matrix(READ_ENDPOINTS)
)
def test_read_endpoint_per_role(
    api: Api,
    sample: Sample,
    method: str,
    path: str,
    query: dict[str, Any],
    body: Any,
    role: str,
    status: int,
) -> None:
    if "{ended}" in path and sample.ended_target is None:
        pytest.skip("the sample has no ended contact for the leader")
    _check_role_call(api, sample, method, path, query, body, role, status)


@pytest.mark.parametrize(
    ("method", "path", "query", "body", "role", "status"), _matrix(WRITE_ENDPOINTS)
)
def test_write_endpoint_per_role(
    fresh: Api,
    sample: Sample,
    method: str,
    path: str,
    query: dict[str, Any],
    body: Any,
    role: str,
    status: int,
) -> None:
    spare = fresh.app.state.access.create_token("analyst")
    spare_id = fresh.app.state.access.principal_for(spare).token_id
    version = fresh.app.state.workspace.store.version()
    response = _check_role_call(
        fresh, sample, method, path, query, body, role, status, {"spare_token": spare_id}
    )
    if status >= 400:
        # A refused write changes nothing.
        assert fresh.app.state.workspace.store.version() == version
        assert fresh.app.state.access.principal_for(spare) is not None
    elif path.startswith("/api/v1/tokens/"):
        assert fresh.app.state.access.principal_for(spare) is None
    elif path == "/api/v1/tokens":
        token = response.json()["token"]
        assert fresh.app.state.access.principal_for(token).role == "analyst"
    elif path == "/api/v1/duplicates/judgements":
        # Kept apart from the data: the data version stays.
        kept = fresh.app.state.workspace.store.judgements()
        assert [(j.left, j.right, j.verdict) for j in kept] == [("F0149", "F0471", "different")]
    else:
        assert response.json()["ok"] is True
        assert fresh.app.state.workspace.store.version() > version


def test_healthz_needs_no_token(api: Api) -> None:
    before = api.audit_count()
    for who in (None, "bad", *ROLES):
        body = api.get("/healthz", who)
        assert body["status"] == "ok"
        assert isinstance(body["version"], int) and body["version"] > 0
    assert api.audit_count() == before  # not under /api/v1


def test_matrix_lists_every_operation(api: Api) -> None:
    """The tables above name every operation of the OpenAPI document (nothing untested)."""
    documented = {
        (method.upper(), path)
        for path, operations in api.app.openapi()["paths"].items()
        for method in operations
    }
    tested = {(m, p) for m, p, *_ in READ_ENDPOINTS + WRITE_ENDPOINTS} | {("GET", "/healthz")}
    names = re.compile(r"\{[a-z_]+\}")
    assert {(m, names.sub("{}", p)) for m, p in documented} == {
        (m, names.sub("{}", p)) for m, p in tested
    }


# -- 401: no token, a bad token, a revoked token ------------------------------------------

UNAUTHENTICATED = ("none", "bad", "revoked", "basic")


@pytest.mark.parametrize("who", UNAUTHENTICATED)
@pytest.mark.parametrize(
    ("method", "path", "query", "body"),
    [pytest.param(m, p, q, b, id=f"{m} {p}") for m, p, q, b, _ in READ_ENDPOINTS + WRITE_ENDPOINTS],
)
def test_401_without_a_valid_token(
    api: Api, sample: Sample, method: str, path: str, query: dict[str, Any], body: Any, who: str
) -> None:
    values = {**placeholders(sample), "spare_token": api.token_id("planner")}
    headers = {"Authorization": "Basic cGxhbm5lcjpwbGFubmVy"} if who == "basic" else {}
    caller = {"none": None, "basic": None}.get(who, who)
    version = api.app.state.workspace.store.version()
    before = api.audit_count()
    url = fill(path, values)
    response = api.call(
        method, url, caller, params=fill(query, values), body=fill(body, values), headers=headers
    )
    body_ = assert_error_body(response, 401)
    assert response.headers["www-authenticate"] == "Bearer"
    assert api.tokens["revoked"] not in response.text
    assert body_["error"] == "unauthorized"
    assert api.app.state.workspace.store.version() == version
    assert api.app.state.access.principal_for(api.tokens["planner"]) is not None
    # Audited as an anonymous call.
    assert api.audit_count() == before + 1
    entry = api.last_audit()
    assert (entry["token_id"], entry["role"], entry["status"]) == (None, None, 401)


def test_revoking_through_the_api_locks_the_token_out(fresh: Api) -> None:
    token = fresh.call("POST", "/api/v1/tokens", "admin", body={"role": "planner"}).json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert fresh.client.get("/api/v1/coverage", headers=headers).status_code == 200
    listed = fresh.get("/api/v1/tokens", "admin")
    assert token not in json.dumps(listed)
    token_id = fresh.app.state.access.principal_for(token).token_id
    assert {t["id"] for t in listed} >= {token_id}
    assert fresh.call("DELETE", f"/api/v1/tokens/{token_id}", "admin").status_code == 204
    assert_error_body(fresh.client.get("/api/v1/coverage", headers=headers), 401)
    # Revoking twice, or an unknown id: 404.
    assert_error_body(fresh.call("DELETE", f"/api/v1/tokens/{token_id}", "admin"), 404)
    revoked = next(t for t in fresh.get("/api/v1/tokens", "admin") if t["id"] == token_id)
    assert revoked["revoked"]


def test_admin_cannot_make_a_leader_token_without_a_leader(fresh: Api) -> None:
    response = fresh.call("POST", "/api/v1/tokens", "admin", body={"role": "leader"})
    assert_error_body(response, 422)
    response = fresh.call(
        "POST", "/api/v1/tokens", "admin", body={"role": "leader", "leader_id": LEADER}
    )
    assert response.status_code == 201
    leader = {"Authorization": f"Bearer {response.json()['token']}"}
    assert fresh.client.get(f"/api/v1/leaders/{LEADER}", headers=leader).status_code == 200


# -- coverage and gaps: the same JSON as the CLI ------------------------------------------


def test_the_leaders_used_here_are_in_office(api: Api) -> None:
    in_office = {item["id"] for item in api.get("/api/v1/leaders", as_of=AS_OF)["items"]}
    assert {LEADER, OTHER_LEADER} <= in_office


COVERAGE_QUERIES: list[dict[str, str]] = [
    {},
    {"as_of": AS_OF.isoformat()},
    {"as_of": AS_OF.isoformat(), "window_days": "0"},
    {"as_of": "2025-06-30", "window_days": "90"},
    {"as_of": "2024-01-01"},  # before any interaction
]


@pytest.mark.parametrize("query", COVERAGE_QUERIES, ids=lambda q: json.dumps(q) if q else "default")
def test_coverage_same_json_as_cli(api: Api, query: dict[str, str]) -> None:
    args: list[str] = ["coverage", "--store", str(api.path)]
    if "as_of" in query:
        args += ["--as-of", query["as_of"]]
    if "window_days" in query:
        args += ["--window-days", query["window_days"]]
    assert api.get("/api/v1/coverage", **query) == cli_json(*args)


GAP_QUERIES: list[dict[str, str]] = [
    {},
    {"as_of": AS_OF.isoformat()},
    {"as_of": AS_OF.isoformat(), "status": "covered,stale,indirect,uncovered"},
    {"as_of": AS_OF.isoformat(), "status": "indirect"},
    {"as_of": AS_OF.isoformat(), "kind": "unit"},
    {"as_of": AS_OF.isoformat(), "kind": "organization", "status": "covered"},
    {"as_of": AS_OF.isoformat(), "category": "religious"},
    {"as_of": AS_OF.isoformat(), "category": "宗教界人士"},
    {"as_of": AS_OF.isoformat(), "line": "guidance"},
    {"as_of": AS_OF.isoformat(), "line": "服务线", "status": "covered,indirect"},
    {"as_of": AS_OF.isoformat(), "area_id": "A02"},
    {"as_of": AS_OF.isoformat(), "area_id": "A01", "kind": "figure", "category": "ethnic"},
    {"as_of": "2026-06-30", "window_days": "30"},
    {"as_of": AS_OF.isoformat(), "window_days": "0", "status": "stale"},
]
CLI_FLAG = {
    "status": "--status",
    "kind": "--kind",
    "category": "--category",
    "line": "--line",
    "area_id": "--area",
    "as_of": "--as-of",
    "window_days": "--window-days",
}


def gaps_args(api: Api, query: dict[str, str]) -> list[str]:
    """`concentric gaps` arguments for the API query ``query``."""
    args: list[str] = ["gaps", "--store", str(api.path)]
    for key, value in query.items():
        args += [CLI_FLAG[key], value]
    return args


def gaps_cli(api: Api, query: dict[str, str]) -> Any:
    return cli_json(*gaps_args(api, query))


@pytest.mark.parametrize("query", GAP_QUERIES, ids=lambda q: json.dumps(q, ensure_ascii=False))
def test_gaps_same_json_as_cli(api: Api, query: dict[str, str]) -> None:
    from_api = api.get("/api/v1/gaps", **query)
    from_cli = gaps_cli(api, query)
    assert from_api == from_cli  # parsed: key order and whitespace are not JSON's meaning
    assert from_cli["total"] == len(from_cli["items"])


def test_sample_reference_figures(api: Api) -> None:
    """The figures data/sample/README.md promises for 2026-11-27 (a guard on the fixture)."""
    totals = api.get("/api/v1/coverage", as_of=AS_OF)["totals"]
    assert totals == {
        "targets": 774,
        "covered": 235,
        "stale": 164,
        "indirect": 200,
        "uncovered": 175,
    }


@pytest.mark.parametrize(
    "query",
    [
        {"status": "bogus"},
        {"kind": "person"},
        {"category": "nope"},
        {"line": "x"},
        {"area_id": "Z"},
    ],
    ids=lambda q: next(iter(q)),
)
def test_gaps_bad_filter_is_a_json_4xx(api: Api, query: dict[str, str]) -> None:
    response = api.call("GET", "/api/v1/gaps", params={**query, "as_of": AS_OF.isoformat()})
    assert 400 <= response.status_code < 500
    assert_error_body(response, response.status_code)
    cli = CliRunner().invoke(cli_app, [*gaps_args(api, query), "--json"])
    assert "Traceback" not in cli.stderr
    assert cli.exit_code == 2


# -- pagination ---------------------------------------------------------------------------

PAGED: list[tuple[str, dict[str, str]]] = [
    ("/api/v1/gaps", {"as_of": AS_OF.isoformat()}),
    ("/api/v1/gaps", {"as_of": AS_OF.isoformat(), "status": "covered", "kind": "figure"}),
    ("/api/v1/leaders", {"as_of": AS_OF.isoformat()}),
    ("/api/v1/single-points", {"as_of": AS_OF.isoformat()}),
    ("/api/v1/recommendations", {"as_of": AS_OF.isoformat()}),
    ("/api/v1/changes", {"from": "2026-01-01", "to": AS_OF.isoformat()}),
    ("/api/v1/search", {"q": "F00"}),
    (f"/api/v1/leaders/{OTHER_LEADER}/todo", {"as_of": AS_OF.isoformat()}),
]


@pytest.mark.parametrize(("path", "query"), PAGED, ids=[f"{p} {q}" for p, q in PAGED])
def test_pagination(api: Api, path: str, query: dict[str, str]) -> None:
    full = api.get(path, **query)
    items, total = full["items"], full["total"]
    assert total == len(items) and total >= 3, "pick a query with a few items"
    # The body is the spec's shape: the page bounds are the caller's, not echoed.
    assert "limit" not in full and "offset" not in full
    for limit, offset in [(1, 0), (5, total - 2), (4, total + 10)]:
        page = api.get(path, **query, limit=limit, offset=offset)
        assert page["total"] == total
        assert page["items"] == items[offset : offset + limit]
        # Everything but the items is the same answer.
        assert {k: v for k, v in page.items() if k != "items"} == {
            k: v for k, v in full.items() if k != "items"
        }
    assert api.get(path, **query, offset=2)["items"] == items[2:]
    size = -(-total // 2)  # two pages, the last one short (or empty)
    pages = [api.get(path, **query, limit=size, offset=o)["items"] for o in range(0, total, size)]
    assert [item for page in pages for item in page] == items


@pytest.mark.parametrize("params", [{"limit": 0}, {"offset": -1}, {"limit": 5001}])
def test_bad_paging_is_422(api: Api, params: dict[str, int]) -> None:
    body = assert_error_body(api.call("GET", "/api/v1/gaps", params=params), 422)
    assert [p["location"] for p in body["problems"]] == [f"query.{next(iter(params))}"]


def test_audit_log_pages_newest_first(api: Api) -> None:
    api.get("/api/v1/coverage", as_of=AS_OF)
    log = api.get("/api/v1/audit", "admin", limit=3)
    assert len(log["items"]) == 3 and log["total"] >= 3
    seqs = [e["seq"] for e in log["items"]]
    assert seqs == sorted(seqs, reverse=True)
    older = api.get("/api/v1/audit", "admin", limit=2, offset=1)["items"]
    # One more entry (the previous audit read) was added in between.
    assert [e["seq"] for e in older] == [seqs[0], seqs[1]]


# -- leader scope and redaction -----------------------------------------------------------


def test_leader_sees_its_own_network_only(api: Api, sample: Sample) -> None:
    network = api.get(f"/api/v1/network/{LEADER}", "leader")
    assert network["center"] == LEADER
    ids = {n["id"] for n in network["nodes"]}
    assert sample.own_target in ids
    todo = api.get(f"/api/v1/leaders/{LEADER}/todo", "leader", as_of=AS_OF)
    assert todo["leader_id"] == LEADER
    own = api.get(f"/api/v1/entities/{sample.own_target}", "leader", as_of=AS_OF)
    assert LEADER in own["coverage"]["assigned_leaders"]
    assert api.get(f"/api/v1/leaders/{LEADER}", "leader", as_of=AS_OF)["id"] == LEADER


def test_analyst_never_sees_a_phone(api: Api, sample: Sample) -> None:
    path = f"/api/v1/entities/{sample.phone_figure}"
    for role in ("admin", "planner"):
        assert api.get(path, role)["properties"]["phone"] == sample.phone
    analyst = api.call("GET", path, "analyst")
    assert analyst.status_code == 200
    assert "phone" not in analyst.json()["properties"]
    assert sample.phone not in analyst.text
    # Nor through the other readers' answers that carry entity records.
    for other in (
        f"/api/v1/network/{sample.phone_figure}",
        f"/api/v1/search?q={sample.phone_figure}",
    ):
        response = api.call("GET", other, "analyst")
        assert response.status_code == 200
        assert sample.phone not in response.text


# -- writes -------------------------------------------------------------------------------


def status_of(api: Api, target: str) -> dict[str, Any]:
    coverage: dict[str, Any] = api.get(f"/api/v1/entities/{target}", as_of=AS_OF)["coverage"]
    return coverage


def test_interaction_covers_a_stale_target_at_once(fresh: Api) -> None:
    stale = fresh.get("/api/v1/gaps", status="stale", as_of=AS_OF)["items"]
    target = next(i for i in stale if i["assigned_leaders"])  # stale means assigned
    leader = target["assigned_leaders"][0]
    contacts = _read_csv("contacts.csv", "utf-8-sig")
    assert any(c["领导编号"] == leader and c["对象编号"] == target["id"] for c in contacts)
    assert (
        target["last_contact"] is None
        or target["last_contact"] < (AS_OF - dt.timedelta(days=365)).isoformat()
    )

    before = fresh.get("/api/v1/coverage", as_of=AS_OF)["totals"]
    response = fresh.call(
        "POST",
        "/api/v1/interactions",
        body={**VISIT, "leader_ids": [leader], "target_ids": [target["id"]]},
    )
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["ok"] is True and created["id"]

    after = fresh.get("/api/v1/coverage", as_of=AS_OF)["totals"]
    assert after["targets"] == before["targets"]
    assert after["covered"] == before["covered"] + 1
    assert after["stale"] == before["stale"] - 1
    # Covering it can make its fellow members indirect; nothing else moves.
    assert after["indirect"] - before["indirect"] == before["uncovered"] - after["uncovered"]
    assert status_of(fresh, target["id"]) == {
        "status": "covered",
        "assigned_leaders": target["assigned_leaders"],
        "last_contact": VISIT_DAY.isoformat(),
    }
    covered = fresh.get("/api/v1/gaps", status="covered", as_of=AS_OF)["items"]
    assert target["id"] in {i["id"] for i in covered}
    stale_now = fresh.get("/api/v1/gaps", status="stale", as_of=AS_OF)["items"]
    assert target["id"] not in {i["id"] for i in stale_now}
    entity = fresh.get(f"/api/v1/entities/{target['id']}", as_of=AS_OF)
    assert entity["interactions"][0]["id"] == created["id"]
    # The CLI sees the same store.
    assert (
        cli_json("coverage", "--store", fresh.path, "--as-of", AS_OF.isoformat())["totals"] == after
    )


def test_leader_logs_only_its_own_interactions(fresh: Api, sample: Sample) -> None:
    body = {**VISIT, "target_ids": [sample.own_target]}
    forbidden = fresh.call(
        "POST", "/api/v1/interactions", "leader", body={**body, "leader_ids": [OTHER_LEADER]}
    )
    assert_error_body(forbidden, 403)
    ok = fresh.call("POST", "/api/v1/interactions", "leader", body={**body, "leader_ids": [LEADER]})
    assert ok.status_code == 201, ok.text
    entity = fresh.get(f"/api/v1/entities/{sample.own_target}", "leader", as_of=AS_OF)
    assert ok.json()["id"] in {i["id"] for i in entity["interactions"]}


def test_analyst_may_not_write(fresh: Api, sample: Sample) -> None:
    version = fresh.app.state.workspace.store.version()
    for path, body in [
        ("/api/v1/interactions", {**VISIT, "leader_ids": [LEADER], "target_ids": ["F0001"]}),
        ("/api/v1/contacts", {"leader_id": LEADER, "target_id": sample.foreign_target}),
        (
            "/api/v1/contacts/end",
            {"leader_id": LEADER, "target_id": sample.own_target, "until": AS_OF.isoformat()},
        ),
    ]:
        assert_error_body(fresh.call("POST", path, "analyst", body=body), 403)
    assert fresh.app.state.workspace.store.version() == version


def test_bad_interaction_lists_every_problem(fresh: Api) -> None:
    """The request's shape first (every field wrong in it), then the ids it names."""
    version = fresh.app.state.workspace.store.version()
    body = {
        "date": "2026-13-45",
        "kind": "party",
        "leader_ids": ["NOBODY", "F0001"],
        "target_ids": ["NOTHING", OTHER_LEADER],
    }
    problems = assert_error_body(fresh.call("POST", "/api/v1/interactions", body=body), 422)[
        "problems"
    ]
    assert all(set(p) == {"location", "message"} for p in problems)
    assert {p["location"] for p in problems} == {"body.date", "body.kind"}
    assert "'party'" in json.dumps(problems, ensure_ascii=False)
    # Shape right, ids naming no leader or target (absent, or another kind): 404, each named.
    body = {**body, "date": VISIT_DAY.isoformat(), "kind": "visit"}
    problems = assert_error_body(fresh.call("POST", "/api/v1/interactions", body=body), 404)[
        "problems"
    ]
    text = json.dumps(problems, ensure_ascii=False)
    for needle in ("NOBODY", "F0001", "NOTHING", OTHER_LEADER):
        assert needle in text, needle
    assert len(problems) == 4
    # Nothing was written.
    assert fresh.app.state.workspace.store.version() == version


def test_malformed_interaction_request_lists_every_problem(fresh: Api) -> None:
    body = {"date": "2026-11-20", "leader_ids": [], "colour": "red"}
    problems = assert_error_body(fresh.call("POST", "/api/v1/interactions", body=body), 422)[
        "problems"
    ]
    locations = {p["location"] for p in problems}
    assert {"body.kind", "body.leader_ids", "body.target_ids", "body.colour"} <= locations
    not_json = fresh.call(
        "POST",
        "/api/v1/interactions",
        headers={"content-type": "application/json"},
        body=None,
    )
    assert_error_body(not_json, 422)


def test_duplicate_interaction_id_is_409(fresh: Api, sample: Sample) -> None:
    existing = _read_csv("interactions.csv", "utf-8")[0]["编号"]
    body = {**VISIT, "leader_ids": [LEADER], "target_ids": [sample.own_target]}
    version = fresh.app.state.workspace.store.version()
    assert_error_body(
        fresh.call("POST", "/api/v1/interactions", body={**body, "id": existing}), 409
    )
    # Nor may an interaction take the id of another kind of node.
    assert_error_body(fresh.call("POST", "/api/v1/interactions", body={**body, "id": LEADER}), 409)
    assert fresh.app.state.workspace.store.version() == version
    first = fresh.call("POST", "/api/v1/interactions", body={**body, "id": "API-0001"})
    assert first.status_code == 201 and first.json()["id"] == "API-0001"
    again = fresh.call(
        "POST", "/api/v1/interactions", body={**body, "id": "API-0001", "summary": "overwrite?"}
    )
    assert_error_body(again, 409)
    entity = fresh.get(f"/api/v1/entities/{sample.own_target}", as_of=AS_OF)
    kept = next(i for i in entity["interactions"] if i["id"] == "API-0001")
    assert kept["summary"] == VISIT["summary"]


@pytest.mark.parametrize("graph_max_rows", [None, 0], ids=["whole graph", "local graphs"])
def test_contact_assignment_shows_in_gaps(fresh: Api, graph_max_rows: int | None) -> None:
    # Over the whole-graph limit, ending a contact reads only the leader's part of the data.
    fresh.app.state.workspace.graph_max_rows = graph_max_rows
    uncovered = fresh.get("/api/v1/gaps", status="uncovered", kind="figure", as_of=AS_OF)
    target = uncovered["items"][0]
    assert target["assigned_leaders"] == []
    leader = OTHER_LEADER
    response = fresh.call(
        "POST",
        "/api/v1/contacts",
        "planner",
        body={"leader_id": leader, "target_id": target["id"], "since": "2026-01-01"},
    )
    assert response.status_code == 201, response.text
    every = "covered,stale,indirect,uncovered"
    items = {i["id"]: i for i in fresh.get("/api/v1/gaps", status=every, as_of=AS_OF)["items"]}
    # Assigned but not met in the window: stale.
    assert items[target["id"]]["assigned_leaders"] == [leader]
    assert items[target["id"]]["status"] == "stale"
    todo = fresh.get(f"/api/v1/leaders/{leader}/todo", as_of=AS_OF)["items"]
    assert target["id"] in {t["id"] for t in todo}
    # Before `since` it was not assigned.
    before = fresh.get("/api/v1/gaps", status=every, as_of="2025-12-31")["items"]
    assert next(i for i in before if i["id"] == target["id"])["assigned_leaders"] == []

    ended = fresh.call(
        "POST",
        "/api/v1/contacts/end",
        "admin",
        body={"leader_id": leader, "target_id": target["id"], "until": AS_OF.isoformat()},
    )
    assert ended.status_code == 200, ended.text
    items = {i["id"]: i for i in fresh.get("/api/v1/gaps", status=every, as_of=AS_OF)["items"]}
    assert items[target["id"]]["assigned_leaders"] == []
    assert items[target["id"]]["status"] == "uncovered"
    # Still assigned the day before it ended.
    day_before = (AS_OF - dt.timedelta(days=1)).isoformat()
    earlier = fresh.get("/api/v1/gaps", status=every, as_of=day_before)["items"]
    assert next(i for i in earlier if i["id"] == target["id"])["assigned_leaders"] == [leader]


@pytest.mark.parametrize("graph_max_rows", [None, 0], ids=["whole graph", "local graphs"])
def test_contact_write_errors(fresh: Api, sample: Sample, graph_max_rows: int | None) -> None:
    fresh.app.state.workspace.graph_max_rows = graph_max_rows
    own = sample.own_target
    unknown = fresh.call(
        "POST",
        "/api/v1/contacts/end",
        body={"leader_id": "NOBODY", "target_id": own, "until": AS_OF.isoformat()},
    )
    assert_error_body(unknown, 404)
    not_open = fresh.call(
        "POST",
        "/api/v1/contacts/end",
        body={"leader_id": LEADER, "target_id": sample.foreign_target, "until": AS_OF.isoformat()},
    )
    assert_error_body(not_open, 404)
    body = {"leader_id": sample.foreign_target, "target_id": LEADER, "since": "soon"}
    bad = fresh.call("POST", "/api/v1/contacts", body={**body, "role": "boss"})
    problems = assert_error_body(bad, 422)["problems"]
    assert {p["location"] for p in problems} == {"body.since", "body.role"}
    bad = fresh.call("POST", "/api/v1/contacts", body={**body, "since": "2026-01-01"})
    problems = assert_error_body(bad, 404)["problems"]
    text = json.dumps(problems, ensure_ascii=False)
    for needle in ("leader_id", "target_id"):
        assert needle in text, needle


def test_writes_survive_a_new_app(fresh: Api, sample: Sample) -> None:
    posted = fresh.call(
        "POST",
        "/api/v1/interactions",
        body={
            **VISIT,
            "id": "API-DURABLE",
            "leader_ids": [LEADER],
            "target_ids": [sample.foreign_target],
        },
    )
    assert posted.status_code == 201, posted.text
    assigned = fresh.call(
        "POST",
        "/api/v1/contacts",
        body={"leader_id": OTHER_LEADER, "target_id": sample.foreign_target},
    )
    assert assigned.status_code == 201, assigned.text
    token = fresh.tokens["planner"]

    second = open_api(fresh.path)  # a new app (new connections) on the same file
    try:
        # Tokens are durable too: the first app's token works on the second.
        second.tokens["planner"] = token
        entity = second.get(f"/api/v1/entities/{sample.foreign_target}", as_of=AS_OF)
        assert "API-DURABLE" in {i["id"] for i in entity["interactions"]}
        assert OTHER_LEADER in entity["coverage"]["assigned_leaders"]
        assert entity["coverage"]["status"] == "covered"
    finally:
        second.close()


# -- audit, tokens at rest ----------------------------------------------------------------


def _file_bytes(path: Path) -> bytes:
    return b"".join(
        Path(f"{path}{suffix}").read_bytes()
        for suffix in ("", "-wal", "-journal")
        if Path(f"{path}{suffix}").exists()
    )


def test_audit_holds_no_token_and_no_phone(fresh: Api, sample: Sample) -> None:
    phone_note = f"电话 {sample.phone}"
    fresh.call("GET", f"/api/v1/entities/{sample.phone_figure}", "planner")
    fresh.call("GET", f"/api/v1/entities/{sample.phone_figure}", "analyst")
    fresh.call("GET", "/api/v1/search", "planner", params={"q": sample.phone})
    fresh.call("GET", "/api/v1/gaps", "planner", params={"area_id": sample.phone})
    fresh.call(
        "POST",
        "/api/v1/interactions",
        "planner",
        body={
            **VISIT,
            "summary": phone_note,
            "leader_ids": [LEADER],
            "target_ids": [sample.phone_figure],
        },
    )
    fresh.call("POST", "/api/v1/tokens", "admin", body={"role": "analyst"})
    fresh.call("GET", "/api/v1/coverage", "bad")
    fresh.call("GET", "/api/v1/coverage", "revoked")
    fresh.call("GET", "/api/v1/coverage", None, headers={"Authorization": f"Bearer {sample.phone}"})
    for role in ROLES:
        fresh.call("GET", f"/api/v1/leaders/{LEADER}", role)

    with sqlite3.connect(fresh.path) as con:
        rows = con.execute("SELECT * FROM audit_log").fetchall()
        issued = [r[0] for r in con.execute("SELECT id FROM api_tokens")]
    assert len(rows) == 13
    dump = json.dumps(rows, ensure_ascii=False)
    for token in fresh.tokens.values():
        assert token not in dump
    assert "cc_" not in dump  # no token of any kind
    assert "this-token-was-never-issued" not in dump
    for phone in sample.phones:
        assert phone not in dump
    # Who did it is there: the token ids and roles.
    assert {r[2] for r in rows} - {None} <= set(issued)
    assert {r[3] for r in rows} - {None} == set(ROLES)
    # And the audit endpoint shows the same, without tokens or phones.
    shown = fresh.call("GET", "/api/v1/audit", "admin", params={"limit": 5000}).text
    assert "cc_" not in shown and sample.phone not in shown


def test_tokens_are_stored_hashed(fresh: Api) -> None:
    fresh.call("POST", "/api/v1/tokens", "admin", body={"role": "analyst"})
    made = fresh.call("POST", "/api/v1/tokens", "admin", body={"role": "planner"}).json()["token"]
    tokens = [*fresh.tokens.values(), made]
    for token in tokens:
        fresh.call("GET", "/api/v1/coverage", None, headers={"Authorization": f"Bearer {token}"})
    raw = _file_bytes(fresh.path)
    for token in tokens:
        assert token.encode() not in raw
        assert token.split("_", 1)[1].encode() not in raw
    # The file does hold the hashes (so the bytes above are the right ones to look at).
    with sqlite3.connect(fresh.path) as con:
        hashes = {r[0] for r in con.execute("SELECT token_hash FROM api_tokens")}
    assert {hashlib.sha256(t.encode()).hexdigest() for t in tokens} <= hashes


# -- error bodies, CORS -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "who", "method", "path", "params", "body"),
    [
        (422, "planner", "GET", "/api/v1/gaps", {"status": "bogus"}, None),
        (422, "planner", "GET", "/api/v1/search", {"q": "   "}, None),
        (401, None, "GET", "/api/v1/coverage", {}, None),
        (401, "bad", "POST", "/api/v1/interactions", {}, {}),
        (
            403,
            "analyst",
            "POST",
            "/api/v1/contacts",
            {},
            {"leader_id": LEADER, "target_id": "F0001"},
        ),
        (403, "leader", "GET", "/api/v1/gaps", {}, None),
        (404, "planner", "GET", "/api/v1/entities/NOPE", {}, None),
        (404, "planner", "GET", "/api/v1/leaders/NOPE", {}, None),
        (404, "planner", "GET", "/api/v1/path", {"source": "NOPE", "target": LEADER}, None),
        (404, "planner", "POST", "/api/v1/departure", {}, {"leader_ids": ["NOPE"]}),
        (
            409,
            "planner",
            "POST",
            "/api/v1/interactions",
            {},
            {
                "id": LEADER,
                "date": "2026-11-20",
                "kind": "visit",
                "leader_ids": [LEADER],
                "target_ids": ["F0001"],
            },
        ),
        (422, "planner", "GET", "/api/v1/coverage", {"as_of": "yesterday"}, None),
        (422, "planner", "GET", "/api/v1/coverage", {"window_days": -5}, None),
        (422, "planner", "GET", "/api/v1/changes", {}, None),
        (
            422,
            "planner",
            "POST",
            "/api/v1/interactions",
            {},
            {"date": "x", "kind": "visit", "leader_ids": ["L01"], "target_ids": ["F0001"]},
        ),
    ],
    ids=lambda v: str(v) if isinstance(v, int) else None,
)
def test_errors_are_json_without_traceback(
    api: Api,
    status: int,
    who: str | None,
    method: str,
    path: str,
    params: dict[str, Any],
    body: Any,
) -> None:
    assert_error_body(api.call(method, path, who, params=params, body=body), status)


@pytest.mark.parametrize(
    ("method", "path", "content", "status"),
    [
        ("GET", "/api/v1/nowhere", None, 404),
        ("DELETE", "/api/v1/coverage", None, 405),
        ("POST", "/api/v1/interactions", b"\x80", 400),
    ],
    ids=["unknown-path", "wrong-method", "not-utf8-body"],
)
def test_framework_errors_are_json(
    api: Api, method: str, path: str, content: bytes | None, status: int
) -> None:
    """Starlette's own errors too (no route, wrong method, unparsable body)."""
    headers = {**api.auth("planner"), "content-type": "application/json"}
    assert_error_body(api.client.request(method, path, content=content, headers=headers), status)


@pytest.mark.parametrize("value", ["0", "86400"])
def test_numbers_are_not_dates(api: Api, value: str) -> None:
    """Lax pydantic parsing would read 0 as 1970-01-01 (a Unix time); the CLI refuses it."""
    cli = CliRunner().invoke(
        cli_app, ["coverage", "--json", "--store", str(api.path), "--as-of", value]
    )
    assert cli.exit_code == 2
    assert_error_body(api.call("GET", "/api/v1/coverage", params={"as_of": value}), 422)


@pytest.mark.parametrize(
    ("method", "path", "params", "body"),
    [
        ("GET", "/api/v1/coverage", {"as_of": "0001-01-01"}, None),
        ("GET", "/api/v1/gaps", {"as_of": "0050-01-01", "window_days": 36500}, None),
        ("GET", f"/api/v1/leaders/{LEADER}/todo", {"as_of": "0001-01-01"}, None),
        ("GET", "/api/v1/changes", {"from": "0001-01-01"}, None),
        ("POST", "/api/v1/departure", {}, {"leader_ids": [LEADER], "as_of": "0001-01-01"}),
    ],
    ids=["coverage", "gaps", "todo", "changes", "departure"],
)
def test_dates_near_year_one_do_not_fail(
    api: Api, method: str, path: str, params: dict[str, Any], body: Any
) -> None:
    """A window reaching before 0001-01-01 (found by schemathesis: an OverflowError, 500)."""
    response = api.call(method, path, params=params, body=body)
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        assert_error_body(response, response.status_code)


def test_departure_takes_an_iso_date(api: Api) -> None:
    body = {"leader_ids": [OTHER_LEADER], "as_of": AS_OF.isoformat(), "window_days": 365}
    response = api.call("POST", "/api/v1/departure", body=body)
    assert response.status_code == 200, response.text
    assert response.json()["as_of"] == AS_OF.isoformat()
    # A number is still not a date.
    assert_error_body(api.call("POST", "/api/v1/departure", body={**body, "as_of": 0}), 422)


def test_internal_error_hides_the_traceback(fresh: Api) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("secret internals F0001 18900000000")

    fresh.app.state.workspace.coverage = broken
    response = fresh.call("GET", "/api/v1/coverage")
    body = assert_error_body(response, 500)
    assert "secret" not in response.text and "RuntimeError" not in response.text
    assert body["error"] == "internal error"


@pytest.mark.parametrize("method", ["GET", "OPTIONS"])
def test_no_cors_by_default(api: Api, method: str) -> None:
    headers = {
        "Origin": "https://elsewhere.example",
        "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "Authorization",
    }
    response = api.call(method, "/api/v1/coverage", "planner", headers=headers)
    assert "access-control-allow-origin" not in response.headers
    assert not any(h.startswith("access-control-") for h in response.headers)


# -- the token command --------------------------------------------------------------------


def test_token_create_leader_needs_leader(fresh: Api) -> None:
    runner = CliRunner()
    store = str(fresh.path)
    missing = runner.invoke(cli_app, ["token", "create", "--role", "leader", "--store", store])
    assert missing.exit_code == 2
    assert "--leader" in missing.stderr and "Traceback" not in missing.stderr + missing.stdout
    for args in (
        ["--role", "planner", "--leader", LEADER],
        ["--role", "leader", "--leader", "F0001"],
        ["--role", "boss"],
    ):
        result = runner.invoke(cli_app, ["token", "create", *args, "--store", store])
        assert result.exit_code == 2, args

    made = runner.invoke(
        cli_app, ["token", "create", "--role", "leader", "--leader", LEADER, "--store", store]
    )
    assert made.exit_code == 0, made.stderr
    token = made.stdout.strip().splitlines()[-1]
    assert re.fullmatch(r"cc_[A-Za-z0-9_-]{40,}", token)
    headers = {"Authorization": f"Bearer {token}"}
    assert fresh.client.get(f"/api/v1/leaders/{LEADER}", headers=headers).status_code == 200
    assert fresh.client.get(f"/api/v1/leaders/{OTHER_LEADER}", headers=headers).status_code == 403
    assert fresh.client.get("/api/v1/coverage", headers=headers).status_code == 403


# -- a real server: kill -9 after a write -------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """`concentric serve` in a subprocess on 127.0.0.1."""

    def __init__(self, store: Path, log: Path, workers: int = 1) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {k: v for k, v in os.environ.items() if not k.startswith("CONCENTRIC_")}
        self._log = log.open("ab")
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "from concentric.api.cli import main; main()",
                "serve",
                "--store",
                str(store),
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--workers",
                str(workers),
            ],
            cwd=store.parent,  # no stray .env
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while True:
            assert self.proc.poll() is None, log.read_text(errors="replace")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the server did not start in 60 s"
            time.sleep(0.1)

    def kill9(self) -> None:
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)
        self._log.close()

    def stop(self) -> None:
        """SIGTERM, so uvicorn's supervisor stops its worker processes too."""
        if self.proc.poll() is None:
            self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.kill9()
        self._log.close()


@pytest.fixture
def server_store(sample_store: Path, tmp_path: Path) -> tuple[Path, str]:
    path = copy_store(sample_store, tmp_path / "served")
    from concentric.api.access import AccessStore

    access = AccessStore(path)
    try:
        token = access.create_token("planner")
    finally:
        access.close()
    return path, token


def test_write_survives_kill_9(
    server_store: tuple[Path, str], sample: Sample, tmp_path: Path
) -> None:
    path, token = server_store
    headers = {"Authorization": f"Bearer {token}"}
    server = Server(path, tmp_path / "server.log")
    try:
        response = httpx.post(
            f"{server.url}/api/v1/interactions",
            headers=headers,
            json={**VISIT, "leader_ids": [LEADER], "target_ids": [sample.foreign_target]},
            timeout=30,
        )
        server.kill9()  # right after the answer: no shutdown, no checkpoint
    finally:
        server.kill9()
    assert response.status_code == 201, response.text
    interaction = response.json()["id"]
    assert server.proc.returncode == -signal.SIGKILL

    again = Server(path, tmp_path / "server.log")
    try:
        entity = httpx.get(
            f"{again.url}/api/v1/entities/{sample.foreign_target}",
            params={"as_of": AS_OF.isoformat()},
            headers=headers,
            timeout=30,
        )
    finally:
        again.kill9()
    assert entity.status_code == 200, entity.text
    assert interaction in {i["id"] for i in entity.json()["interactions"]}
    assert entity.json()["coverage"]["last_contact"] == VISIT_DAY.isoformat()


def _interactions_of(server: Server, target: str, headers: dict[str, str]) -> set[str]:
    entity = httpx.get(
        f"{server.url}/api/v1/entities/{target}",
        params={"as_of": AS_OF.isoformat()},
        headers=headers,
        timeout=60,
    )
    assert entity.status_code == 200, entity.text
    return {i["id"] for i in entity.json()["interactions"]}


def test_a_write_through_one_server_process_is_in_the_next_answer_of_another(
    server_store: tuple[Path, str], sample: Sample, tmp_path: Path
) -> None:
    path, token = server_store
    headers = {"Authorization": f"Bearer {token}"}
    first = Server(path, tmp_path / "first.log")
    try:
        second = Server(path, tmp_path / "second.log")
        try:
            # The second process holds a snapshot of the data before the write.
            before = httpx.get(f"{second.url}/api/v1/coverage", headers=headers, timeout=60)
            assert _interactions_of(second, sample.foreign_target, headers) == (
                _interactions_of(first, sample.foreign_target, headers)
            )
            posted = httpx.post(
                f"{first.url}/api/v1/interactions",
                headers=headers,
                json={**VISIT, "leader_ids": [LEADER], "target_ids": [sample.foreign_target]},
                timeout=60,
            )
            assert posted.status_code == 201, posted.text
            assert posted.json()["id"] in _interactions_of(second, sample.foreign_target, headers)
            after = httpx.get(f"{second.url}/api/v1/coverage", headers=headers, timeout=60)
            assert after.json()["version"] == before.json()["version"] + 1

            # The same new id through both processes at once: one 201, one 409.
            body = {**VISIT, "id": "RACE-2P", "leader_ids": [LEADER], "target_ids": []}
            body["target_ids"] = [sample.own_target]

            async def both() -> list[int]:
                async with httpx.AsyncClient(headers=headers, timeout=60) as client:
                    answers = await asyncio.gather(
                        *(
                            client.post(f"{server.url}/api/v1/interactions", json=body)
                            for server in (first, second, first, second)
                        )
                    )
                return sorted(a.status_code for a in answers)

            assert asyncio.run(both()) == [201, 409, 409, 409]
        finally:
            second.stop()
    finally:
        first.stop()


def test_serve_with_two_workers_answers_every_request_with_the_latest_write(
    server_store: tuple[Path, str], sample: Sample, tmp_path: Path
) -> None:
    path, token = server_store
    headers = {"Authorization": f"Bearer {token}"}
    server = Server(path, tmp_path / "workers.log", workers=2)
    try:
        posted = httpx.post(
            f"{server.url}/api/v1/interactions",
            headers=headers,
            json={**VISIT, "leader_ids": [LEADER], "target_ids": [sample.foreign_target]},
            timeout=60,
        )
        assert posted.status_code == 201, posted.text
        # Whichever worker answers, the write is there.
        for _ in range(8):
            assert posted.json()["id"] in _interactions_of(server, sample.foreign_target, headers)
        assert httpx.get(f"{server.url}/healthz", timeout=10).status_code == 200
    finally:
        server.stop()
    assert "Started parent process" in (tmp_path / "workers.log").read_text(errors="replace")


def test_concurrent_duplicate_ids_get_one_201(
    server_store: tuple[Path, str], sample: Sample, tmp_path: Path
) -> None:
    """Concurrent POSTs with one new id: one 201, the rest 409 (none overwrites another)."""
    path, token = server_store
    server = Server(path, tmp_path / "server.log")

    async def burst(n: int) -> list[int]:
        body = {
            **VISIT,
            "id": f"RACE-{n}",
            "leader_ids": [LEADER],
            "target_ids": [sample.own_target],
        }
        async with httpx.AsyncClient(
            base_url=server.url, headers={"Authorization": f"Bearer {token}"}, timeout=30
        ) as client:
            answers = await asyncio.gather(
                *(
                    client.post("/api/v1/interactions", json={**body, "summary": f"#{i}"})
                    for i in range(10)
                )
            )
        return sorted(a.status_code for a in answers)

    try:
        rounds = [asyncio.run(burst(n)) for n in range(2)]
    finally:
        server.kill9()
    for statuses in rounds:
        assert statuses == [201] + [409] * 9, statuses


@pytest.mark.parametrize("warm", [True, False])
def test_the_index_is_built_at_start_up_only_when_asked(
    sample_store: Path, tmp_path: Path, warm: bool
) -> None:
    path = copy_store(sample_store, tmp_path)
    settings = settings_for(path).model_copy(update={"warm_index": warm})
    app = create_app(settings)
    with TestClient(app):  # runs the lifespan: start-up, then shut-down (joins the warm-up)
        # The warm-up starts a second after start-up; give it (or its absence) time to show.
        deadline = time.monotonic() + 15
        while app.state.workspace.snapshots.published is None and time.monotonic() < deadline:
            time.sleep(0.05)
            if not warm and time.monotonic() > deadline - 12:
                break
    # The warm-up builds the index of the stored data version; without it, nothing is built.
    built = app.state.workspace.snapshots.published
    assert (built is not None) is warm
    if warm:
        with sqlite3.connect(path) as con:
            (version,) = con.execute("SELECT value FROM meta WHERE key = 'version'").fetchone()
        assert built is not None and built.version == int(version)


# -- the whole-graph limit ----------------------------------------------------------------

#: Need the whole networkx graph: refused above the limit.
WHOLE_GRAPH = [
    "/api/v1/brokers",
    "/api/v1/communities",
]
#: Answered from the coverage index or a local graph at any size.
ANY_SIZE = [
    "/api/v1/coverage",
    "/api/v1/gaps",
    "/api/v1/blind-spots",
    "/api/v1/leaders",
    "/api/v1/single-points",
    f"/api/v1/leaders/{LEADER}/todo",
    "/api/v1/entities/F0001",
    "/api/v1/network/F0001?depth=2",
    "/",
    "/gaps",
    "/leaders",
    f"/leaders/{LEADER}",
    "/entities/F0001",
    f"/viz/leader/{LEADER}",
    "/viz/entity/F0001?depth=2",
    "/viz/area/A16",
    "/viz/district",
    "/api/v1/changes?from=2026-01-01",
    "/api/v1/search?q=wang",
    "/api/v1/path?source=L01&target=F0001",
    "/api/v1/brokers?area_id=A16",
    "/api/v1/communities?area_id=A16",
    "/api/v1/brokers?sample=40&seed=3",
    "/api/v1/communities?sample=40",
]


@pytest.fixture(scope="module")
def limited(sample_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    """The sample behind a server whose whole-graph limit is one row below its size."""
    path = copy_store(sample_store, tmp_path_factory.mktemp("limited"))
    with sqlite3.connect(path) as con:
        query = "SELECT (SELECT count(*) FROM nodes) + (SELECT count(*) FROM links)"
        rows = int(con.execute(query).fetchone()[0])
    settings = settings_for(path).model_copy(update={"graph_max_rows": rows - 1})
    app = create_app(settings)
    api = Api(app, TestClient(app, raise_server_exceptions=False), path)
    api.tokens["planner"] = app.state.access.create_token("planner")
    # Pages read the session cookie (from signing in), the JSON API the bearer token.
    signed_in = api.client.post("/login", data={"token": api.tokens["planner"]})
    assert signed_in.status_code == 200, signed_in.text
    yield api
    api.close()


def _fetch(api: Api, path: str) -> httpx.Response:
    return api.client.get(path, headers=api.auth("planner"))


@pytest.mark.parametrize("path", WHOLE_GRAPH)
def test_whole_graph_analyses_refuse_above_the_limit(limited: Api, path: str) -> None:
    response = _fetch(limited, path)
    assert response.status_code == 422, response.text
    text = response.json()["detail"] if path.startswith("/api") else response.text
    assert "CONCENTRIC_GRAPH_MAX_ROWS" in text
    assert f"{limited.app.state.workspace.graph_max_rows:,}" in text
    assert "Traceback" not in response.text
    if "brokers" in path or "communities" in path:
        assert "area_id" in text and "sample" in text  # what to ask instead


@pytest.mark.parametrize("path", ANY_SIZE)
def test_index_answers_are_served_above_the_limit(limited: Api, path: str) -> None:
    response = _fetch(limited, path)
    assert response.status_code == 200, response.text[:500]


def test_whole_graph_analyses_run_at_the_limit(limited: Api) -> None:
    workspace = limited.app.state.workspace
    limit = workspace.graph_max_rows
    workspace.graph_max_rows = limit + 1  # exactly the stored rows
    try:
        assert _fetch(limited, "/api/v1/brokers").status_code == 200
    finally:
        workspace.graph_max_rows = limit


def test_local_answers_above_the_limit_equal_the_whole_graph_ones(limited: Api, api: Api) -> None:
    for path in (
        "/api/v1/entities/F0001",
        "/api/v1/network/F0001?depth=2",
        "/api/v1/search?q=wang",
        "/api/v1/search?q=wjz",
        "/api/v1/path?source=L01&target=F0001",
        "/api/v1/path?source=F0001&target=U22",
        "/api/v1/brokers?area_id=A16",
        "/api/v1/communities?area_id=A16",
    ):
        where, _, query = path.partition("?")
        params = dict(pair.split("=") for pair in query.split("&")) if query else {}
        assert limited.get(where, **params) == api.get(where, **params), path


def test_brokers_name_their_method_and_scope(api: Api) -> None:
    whole = api.get("/api/v1/brokers")
    assert whole["method"] == {
        "name": "betweenness",
        "scope": "whole graph",
        "area_id": None,
        "sample": None,
        "seed": None,
    }
    in_area = api.get("/api/v1/communities", area_id="A16")["method"]
    assert (in_area["name"], in_area["area_id"]) == ("louvain", "A16")
    assert "A16" in in_area["scope"]
    sampled = api.get("/api/v1/brokers", sample=40, seed=3)["method"]
    assert (sampled["sample"], sampled["seed"]) == (40, 3)
    assert "40" in sampled["scope"]
    unknown = api.client.get("/api/v1/brokers?area_id=NOPE", headers=api.auth("planner"))
    assert unknown.status_code == 404 and "area_id" in unknown.json()["detail"]


@pytest.mark.parametrize(
    ("args", "env", "expected"),
    [
        ([], {}, 1_000_000),
        (["--graph-max-rows", "5"], {}, 5),
        (["--graph-max-rows", "0"], {}, None),
        ([], {"CONCENTRIC_GRAPH_MAX_ROWS": "7"}, 7),
    ],
)
def test_serve_passes_the_whole_graph_limit(
    sample_store: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    args: list[str],
    env: dict[str, str],
    expected: int | None,
) -> None:
    from concentric.api import cli_server

    served: list[Settings] = []
    monkeypatch.setattr(cli_server, "_serve", lambda settings, workers: served.append(settings))
    path = copy_store(sample_store, tmp_path)
    result = CliRunner().invoke(cli_app, ["serve", "--store", str(path), *args], env=env)
    assert result.exit_code == 0, result.output
    assert [s.graph_max_rows for s in served] == [expected]


@pytest.mark.parametrize("limit", [None, 5])
def test_the_settings_travel_to_worker_processes_through_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, limit: int | None
) -> None:
    from concentric.api.cli_server import settings_environment

    given = Settings(
        store=str(tmp_path / "c.db"),
        port=8123,
        warm_index=True,
        graph_max_rows=limit,
        sensitive_roles=["admin"],
        cors_origins=["http://a.example"],
        _env_file=None,
    )
    for name in [n for n in os.environ if n.startswith("CONCENTRIC_")]:
        monkeypatch.delenv(name)
    for name, value in settings_environment(given).items():
        monkeypatch.setenv(name, value)
    assert Settings(_env_file=None) == given


GAP_ROW = r'<tr class="gap-row" data-target="([^"]+)"'
SEVERITY = ["uncovered", "stale", "indirect", "covered"]


def worst_first_ids(items: list[dict[str, Any]]) -> list[str]:
    """The gap page's documented order: status severity, never contacted first, then the
    oldest last contact, then id."""
    return [
        i["id"]
        for i in sorted(
            items,
            key=lambda i: (
                SEVERITY.index(i["status"]),
                i["last_contact"] is not None,
                i["last_contact"] or "",
                i["id"],
            ),
        )
    ]


GAP_CELLS = re.compile(
    r'<tr class="gap-row" data-target="([^"]+)">.*?<a href="/entities/[^"]+">([^<]*)</a>'
    r'.*?<td class="status-(\w+)".*?<td data-label="[^"]+">(从未|\d{4}-\d\d-\d\d)</td>'
    r'\s*<td class="suggested" data-leader="([^"]*)"',
    re.S,
)


@pytest.mark.parametrize("role", ["planner", "analyst"])
def test_the_gap_page_rows_are_the_apis_rows_worst_first(
    api: Api, monkeypatch: pytest.MonkeyPatch, role: str
) -> None:
    from concentric.api import pages

    PAGE_ROWS = 40
    monkeypatch.setattr(pages, "PAGE_ROWS", PAGE_ROWS)
    items = api.get("/api/v1/gaps", role, limit=5000)["items"]
    assert len(items) > PAGE_ROWS  # the page shows one page of them
    by_id = {i["id"]: i for i in items}
    suggested = {
        i["target_id"]: i["leader_id"]
        for i in api.get("/api/v1/recommendations", "planner")["items"]
    }
    expected = [
        (
            target,
            html.escape(by_id[target]["name"] or "", quote=False),
            by_id[target]["status"],
            by_id[target]["last_contact"] or "从未",
            suggested.get(target, ""),
        )
        for target in worst_first_ids(items)[:PAGE_ROWS]
    ]
    assert any(row[4] for row in expected)  # some rows carry a suggestion
    browser = TestClient(api.app)
    assert browser.post("/login", data={"token": api.tokens[role]}).status_code == 200
    for _ in range(2):  # the second answer comes from the kept order
        page = browser.get("/gaps")
        assert page.status_code == 200
        assert GAP_CELLS.findall(page.text) == expected


LEADER_ROW = r'<tr><td[^>]*>([^<]+)</td><td[^>]*><a href="/leaders/'


@pytest.mark.parametrize(
    ("page_path", "json_path", "row"),
    [
        ("/gaps?status=covered,stale,indirect,uncovered", "/api/v1/gaps", GAP_ROW),
        ("/leaders?", "/api/v1/leaders", LEADER_ROW),
    ],
)
def test_long_tables_are_paged(
    api: Api, monkeypatch: pytest.MonkeyPatch, page_path: str, json_path: str, row: str
) -> None:
    from concentric.api import pages

    monkeypatch.setattr(pages, "PAGE_ROWS", 7)
    params = {"status": "covered,stale,indirect,uncovered"} if "gaps" in json_path else {}
    items = api.get(json_path, limit=5000, **params)["items"]
    expected = worst_first_ids(items) if "gaps" in json_path else [item["id"] for item in items]
    pages_count = -(-len(expected) // 7)
    assert pages_count > 2
    browser = TestClient(api.app)
    assert browser.post("/login", data={"token": api.tokens["planner"]}).status_code == 200
    sep = "" if page_path.endswith("?") else "&"
    seen: list[str] = []
    for number in range(1, pages_count + 2):  # one past the end shows the last page
        response = browser.get(f"{page_path}{sep}page={number}")
        assert response.status_code == 200
        ids = re.findall(row, response.text)
        assert f"第 {min(number, pages_count)}/{pages_count} 页" in response.text
        assert ("page-next" in response.text) == (number < pages_count)
        if number <= pages_count:
            last = len(expected) - 7 * (pages_count - 1)
            assert len(ids) == (7 if number < pages_count else last)
            seen.extend(ids)
        else:
            assert ids == expected[7 * (pages_count - 1) :]
    assert seen == expected
    assert browser.get(f"{page_path}{sep}page=0").status_code == 422

"""Page sessions, token expiry, `concentric token list|revoke`, leader tokens only for
leaders, security headers on every answer, and no CDN-backed /docs."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from concentric.api.access import AccessStore
from concentric.api.app import create_app
from concentric.api.cli import app as cli_app
from concentric.api.deps import SESSION_COOKIE
from concentric.api.settings import Settings

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "sample"
LEADER = "L01"  # a leader in data/sample (contacts.csv, leaders.xlsx)
FIGURE = "F0001"  # a figure in data/sample/figures.csv, not a leader
PAST = "2000-01-01T00:00:00+00:00"


@pytest.fixture
def store(sample_store: Path, tmp_path: Path) -> Path:
    path = tmp_path / "c.db"
    shutil.copy(sample_store, path)
    return path


class Site:
    def __init__(self, path: Path, base_url: str = "http://testserver") -> None:
        settings = Settings(store=str(path), access_db=None, cors_origins=[], _env_file=None)
        self.app = create_app(settings)
        self.client = TestClient(self.app, base_url=base_url, raise_server_exceptions=False)
        self.access: AccessStore = self.app.state.access
        self.path = path
        self.admin = self.access.create_token("admin")
        self.planner = self.access.create_token("planner")

    def close(self) -> None:
        self.client.close()
        self.app.state.workspace.close()
        self.access.close()


@pytest.fixture
def site(store: Path) -> Iterator[Site]:
    running = Site(store)
    yield running
    running.close()


def sign_in(site: Site, token: str) -> str:
    """Sign in through the login form; the Set-Cookie header it answered."""
    response = site.client.post("/login", data={"token": token}, follow_redirects=False)
    assert response.status_code == 303, response.text
    return response.headers["set-cookie"]


def token_id(site: Site, token: str) -> str:
    principal = site.access.principal_for(token)
    assert principal is not None
    return principal.token_id


# -- sessions -----------------------------------------------------------------------------


def test_the_cookie_holds_a_session_id_not_the_token(site: Site) -> None:
    header = sign_in(site, site.planner)
    session = site.client.cookies[SESSION_COOKIE]
    assert site.planner not in header and site.planner.removeprefix("cc_") not in header
    assert session and session != site.planner
    attributes = [part.strip().lower() for part in header.split(";")]
    assert "httponly" in attributes and "samesite=strict" in attributes
    assert "secure" not in attributes  # plain http (the test client's)
    assert any(part.startswith("expires=") for part in attributes)
    # The session id is stored hashed: the raw id is nowhere in the database file.
    raw = b"".join(
        Path(f"{site.path}{suffix}").read_bytes()
        for suffix in ("", "-wal")
        if Path(f"{site.path}{suffix}").exists()
    )
    assert session.encode() not in raw
    assert site.client.get("/").status_code == 200


def test_the_cookie_expires_with_the_session(site: Site) -> None:
    before = dt.datetime.now(dt.UTC)
    header = sign_in(site, site.planner)
    expires_text = next(p for p in header.split(";") if p.strip().lower().startswith("expires="))
    expires = dt.datetime.strptime(
        expires_text.split("=", 1)[1].strip(), "%a, %d %b %Y %H:%M:%S GMT"
    )
    hours = (expires.replace(tzinfo=dt.UTC) - before).total_seconds() / 3600
    assert 11.9 < hours <= 12.01  # the default session_hours is 12


def test_the_cookie_is_secure_over_https(store: Path) -> None:
    https = Site(store, base_url="https://testserver")
    try:
        header = sign_in(https, https.planner)
        assert "secure" in [part.strip().lower() for part in header.split(";")]
    finally:
        https.close()


def test_a_forwarded_https_request_behind_a_trusted_proxy_gets_a_secure_cookie(
    store: Path,
) -> None:
    """uvicorn turns a trusted proxy's X-Forwarded-Proto into the request scheme."""
    from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

    site = Site(store)
    proxied = TestClient(ProxyHeadersMiddleware(site.app, trusted_hosts="*"))
    try:
        response = proxied.post(
            "/login",
            data={"token": site.planner},
            headers={"X-Forwarded-Proto": "https"},
            follow_redirects=False,
        )
        assert response.status_code == 303
        assert "secure" in [p.strip().lower() for p in response.headers["set-cookie"].split(";")]
    finally:
        proxied.close()
        site.close()


def test_logout_ends_the_session_on_the_server(site: Site) -> None:
    sign_in(site, site.planner)
    session = site.client.cookies[SESSION_COOKIE]
    assert site.client.get("/", follow_redirects=False).status_code == 200
    site.client.get("/logout", follow_redirects=False)
    # Replaying the old cookie after logout: the page sends to /login, the API says 401.
    replay = TestClient(site.app, cookies={SESSION_COOKIE: session})
    page = replay.get("/", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].startswith("/login")
    assert replay.get("/api/v1/coverage").status_code == 401
    _, entries = site.access.audit_entries(limit=5)
    assert any(
        e["resource"] == "/logout" and e["detail"] == {"logout": "session ended"} for e in entries
    )


def test_a_session_works_for_the_api_too_until_it_expires(site: Site) -> None:
    sign_in(site, site.planner)
    assert site.client.get("/api/v1/coverage").status_code == 200
    with sqlite3.connect(site.path) as con:
        con.execute("UPDATE sessions SET expires = ?", (PAST,))
    assert site.client.get("/api/v1/coverage").status_code == 401
    assert site.client.get("/", follow_redirects=False).status_code == 303


def test_revoking_a_token_ends_its_sessions(site: Site) -> None:
    sign_in(site, site.planner)
    assert site.client.get("/", follow_redirects=False).status_code == 200
    assert site.access.revoke(token_id(site, site.planner))
    assert site.client.get("/", follow_redirects=False).status_code == 303
    with sqlite3.connect(site.path) as con:
        assert con.execute("SELECT count(*) FROM sessions").fetchone()[0] == 0


# -- token expiry -------------------------------------------------------------------------


def test_an_expired_token_is_refused(site: Site) -> None:
    made = site.client.post(
        "/api/v1/tokens",
        json={"role": "analyst", "expires_days": 2},
        headers={"Authorization": f"Bearer {site.admin}"},
    )
    assert made.status_code == 201, made.text
    token, expires = made.json()["token"], made.json()["expires"]
    days = (dt.datetime.fromisoformat(expires) - dt.datetime.now(dt.UTC)).total_seconds() / 86400
    assert 1.99 < days <= 2.0
    bearer = {"Authorization": f"Bearer {token}"}
    assert site.client.get("/api/v1/coverage", headers=bearer).status_code == 200
    with sqlite3.connect(site.path) as con:
        con.execute("UPDATE api_tokens SET expires = ? WHERE id = ?", (PAST, made.json()["id"]))
    assert site.client.get("/api/v1/coverage", headers=bearer).status_code == 401
    assert site.client.post("/login", data={"token": token}).status_code == 401


@pytest.mark.parametrize("days", [0, -1, 3651, "soon"])
def test_a_bad_expiry_is_refused(site: Site, days: object) -> None:
    response = site.client.post(
        "/api/v1/tokens",
        json={"role": "analyst", "expires_days": days},
        headers={"Authorization": f"Bearer {site.admin}"},
    )
    assert response.status_code == 422
    assert "expires_days" in response.json()["detail"]


# -- the token CLI ------------------------------------------------------------------------


def cli(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli_app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_token_list_shows_ids_roles_and_dates_never_tokens(store: Path) -> None:
    code, out, _ = cli(
        "token", "create", "--role", "leader", "--leader", LEADER, "--store", str(store)
    )
    assert code == 0
    leader_token = out.strip().splitlines()[-1]
    code, out, _ = cli(
        "token", "create", "--role", "analyst", "--expires-days", "7", "--store", str(store)
    )
    assert code == 0
    analyst_token = out.strip().splitlines()[-1]
    code, out, _ = cli("token", "list", "--json", "--store", str(store))
    assert code == 0
    listed = {t["role"]: t for t in json.loads(out)}
    assert sorted(listed) == ["analyst", "leader"]
    assert (listed["leader"]["leader_id"], listed["analyst"]["leader_id"]) == (LEADER, None)
    assert listed["leader"]["expires"] is None and listed["analyst"]["expires"] is not None
    assert all(t["revoked"] is None and t["created"] for t in listed.values())
    code, table, _ = cli("token", "list", "--store", str(store))
    assert code == 0
    for text in (out, table):
        assert leader_token not in text and analyst_token not in text and "cc_" not in text
    assert listed["leader"]["id"] in table and listed["analyst"]["id"] in table


def test_token_revoke(store: Path) -> None:
    code, out, _ = cli("token", "create", "--role", "planner", "--store", str(store))
    token = out.strip().splitlines()[-1]
    access = AccessStore(store)
    try:
        principal = access.principal_for(token)
        assert principal is not None
        code, out, err = cli("token", "revoke", principal.token_id, "--store", str(store))
        assert code == 0, err
        assert access.principal_for(token) is None
        code, _, err = cli("token", "revoke", principal.token_id, "--store", str(store))
        assert code == 2 and principal.token_id in err  # already revoked
        code, _, err = cli("token", "revoke", "no-such-id", "--store", str(store))
        assert code == 2 and "no-such-id" in err and "Traceback" not in err
        listed = json.loads(cli("token", "list", "--json", "--store", str(store))[1])
        assert listed[0]["revoked"] is not None
    finally:
        access.close()


# -- leader tokens only for leaders -------------------------------------------------------


@pytest.mark.parametrize("leader", [FIGURE, "L99999"])
def test_cli_refuses_a_leader_token_for_a_non_leader(store: Path, leader: str) -> None:
    code, out, err = cli(
        "token", "create", "--role", "leader", "--leader", leader, "--store", str(store)
    )
    assert code == 2
    assert leader in err and "not a leader" in err
    assert "cc_" not in out
    assert json.loads(cli("token", "list", "--json", "--store", str(store))[1]) == []


@pytest.mark.parametrize("leader", [FIGURE, "L99999"])
def test_api_refuses_a_leader_token_for_a_non_leader(site: Site, leader: str) -> None:
    response = site.client.post(
        "/api/v1/tokens",
        json={"role": "leader", "leader_id": leader},
        headers={"Authorization": f"Bearer {site.admin}"},
    )
    assert response.status_code == 422
    body = response.json()
    assert "leader_id" in body["detail"] and leader in body["detail"]
    assert sorted(t["role"] for t in site.access.tokens()) == ["admin", "planner"]


def test_api_makes_a_leader_token_for_a_leader(site: Site) -> None:
    response = site.client.post(
        "/api/v1/tokens",
        json={"role": "leader", "leader_id": LEADER},
        headers={"Authorization": f"Bearer {site.admin}"},
    )
    assert response.status_code == 201, response.text
    principal = site.access.principal_for(response.json()["token"])
    assert principal is not None and principal.leader_id == LEADER


# -- security headers, /docs --------------------------------------------------------------

EVERY_ANSWER = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "cache-control": "no-store",
    "x-frame-options": "SAMEORIGIN",
}


def _assert_secure(headers: httpx.Headers, page: bool) -> None:
    for name, value in EVERY_ANSWER.items():
        assert headers.get(name) == value, name
    csp = headers.get("content-security-policy")
    assert csp and "frame-ancestors" in csp
    if page:
        assert "default-src 'self'" in csp  # the pages keep their own policy


def test_security_headers_on_api_answers(site: Site) -> None:
    bearer = {"Authorization": f"Bearer {site.planner}"}
    for path, status in [
        ("/api/v1/coverage", 200),
        ("/api/v1/entities/NO-SUCH-ID", 404),
        ("/api/v1/nowhere", 404),
        ("/healthz", 200),
        ("/openapi.json", 200),
    ]:
        response = site.client.get(path, headers=bearer)
        assert response.status_code == status, path
        _assert_secure(response.headers, page=False)
    unauthorised = site.client.get("/api/v1/coverage")
    assert unauthorised.status_code == 401
    _assert_secure(unauthorised.headers, page=False)


def test_security_headers_on_pages_and_downloads(site: Site) -> None:
    login = site.client.get("/login")
    _assert_secure(login.headers, page=True)
    sign_in(site, site.planner)
    for path in ("/", "/gaps", f"/entities/{FIGURE}", f"/viz/entity/{FIGURE}"):
        response = site.client.get(path)
        assert response.status_code == 200, path
        _assert_secure(response.headers, page=True)
    download = site.client.get("/gaps.csv")
    assert download.status_code == 200
    _assert_secure(download.headers, page=False)
    missing = site.client.get("/entities/NO-SUCH-ID")
    assert missing.status_code == 404
    _assert_secure(missing.headers, page=True)


def test_security_headers_on_a_server_error(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(site.app.state.workspace, "coverage", broken)
    response = site.client.get(
        "/api/v1/coverage", headers={"Authorization": f"Bearer {site.planner}"}
    )
    assert response.status_code == 500
    _assert_secure(response.headers, page=False)


def test_no_docs_page_loading_a_cdn(site: Site) -> None:
    for path in ("/docs", "/redoc"):
        assert site.client.get(path).status_code == 404
    assert site.client.get("/openapi.json").json()["paths"]

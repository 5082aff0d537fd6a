"""Schemathesis against the API's own `/openapi.json`, with a planner token.

Every operation gets generated requests, both schema-valid and schema-invalid ones. Checked
on each: no answer is a 5xx; the status is documented; the body matches the schema the
document declares for that status (errors included: `ErrorBody`); content types and headers
are as documented; schema-invalid data is refused; the token is not ignored. Every error
body is `{error, detail, problems}` without a traceback. Every check is enabled. The 422
schema, the documented error statuses and the security scheme are also checked directly.

The schema is loaded when this module is imported (schemathesis' lazy `from_fixture` loader
does not work with pytest 9: it reads `request.node._nodeid`), over an empty store; a module
fixture then loads the sample district into it. `API_SCHEMA_EXAMPLES` sets the examples per
operation (default 8; the run stays well under 90 s on 2 cores).
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis import checks
from starlette.types import Receive, Scope, Send

from concentric.api.app import create_app
from concentric.api.settings import Settings
from concentric.graph.store.factory import open_store
from concentric.loaders import read_dataset

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "sample"
EXAMPLES = int(os.environ.get("API_SCHEMA_EXAMPLES", "8"))
#: Operations that take about half a second per distinct request on the sample (min-cost
#: flow, betweenness): they get a few examples only.
SLOW = r"^/api/v1/(recommendations|brokers)$"

_folder = Path(tempfile.mkdtemp(prefix="concentric-schema-"))
atexit.register(shutil.rmtree, _folder, ignore_errors=True)
STORE = _folder / "c.db"
APP = create_app(Settings(store=str(STORE), access_db=None, cors_origins=[], _env_file=None))
HEADERS: dict[str, str] = {}


async def asgi(scope: Scope, receive: Receive, send: Send) -> None:
    """The app without its lifespan: schemathesis runs the lifespan of the app it loads the
    schema from, and the app's shutdown closes the store for good. The module fixture closes
    the store instead."""
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            else:
                await send({"type": "lifespan.shutdown.complete"})
                return
    await APP(scope, receive, send)


schema = schemathesis.openapi.from_asgi("/openapi.json", asgi)
fast = schema.exclude(path_regex=SLOW)
slow = schema.include(path_regex=SLOW)


def _cache_brokers() -> None:
    """Betweenness (about half a second per call on the sample, not cached by the product)
    depends on the data only: rank once per data version and cut to `top` (exactly what the
    product answers for each `top`)."""
    workspace = APP.state.workspace
    real = workspace.brokers
    memo: dict[int, dict[str, Any]] = {}

    def brokers(top: int = 20, **scope: Any) -> dict[str, Any]:
        if any(value is not None for key, value in scope.items() if key != "seed"):
            return real(top, **scope)  # an area or a sample: small, not remembered
        version = workspace.store.version()
        if version not in memo:
            memo[version] = real(10**9)
        items = memo[version]["items"][:top]
        return {**memo[version], "total": len(items), "items": items}

    workspace.brokers = brokers


@pytest.fixture(scope="module", autouse=True)
def sample_loaded() -> Iterator[None]:
    result = read_dataset([SAMPLE])
    assert not result.problems, result.problems
    store = open_store(STORE)
    try:
        store.load(result.dataset)
    finally:
        store.close()
    HEADERS["Authorization"] = "Bearer " + APP.state.access.create_token("planner")
    _cache_brokers()
    APP.state.workspace.brokers()  # the one real run, outside any request timeout
    yield
    APP.state.workspace.close()
    APP.state.access.close()


BASE = settings(
    deadline=None,
    database=None,
    derandomize=True,  # the same cases on every run: CI stays deterministic
    suppress_health_check=list(HealthCheck),
)

ERROR_KEYS = {"error", "detail", "problems"}


def validate(case: schemathesis.Case[Any]) -> None:
    response = case.call(headers=HEADERS, timeout=120)  # a loaded CI machine is slow
    assert response.status_code < 500, f"{response.status_code}: {response.text[:500]}"
    # Invalid data refused (negative_data_rejection), valid data not refused with 4xx other
    # than the documented-by-the-spec ones, content types, auth not ignored.
    case.validate_response(response, headers=HEADERS)
    if response.status_code >= 400:
        body = response.json()
        assert set(body) == ERROR_KEYS, body
        assert isinstance(body["detail"], str) and isinstance(body["problems"], list)
        # The shape of a Python traceback (a generated id may itself be the word).
        assert "Traceback (most recent call last)" not in response.text


@fast.parametrize()
@settings(BASE, max_examples=EXAMPLES)
def test_api_conforms(case: schemathesis.Case[Any]) -> None:
    validate(case)


@slow.parametrize()
@settings(BASE, max_examples=3, phases=[Phase.generate])  # no boundary-value sweep
def test_slow_api_conforms(case: schemathesis.Case[Any]) -> None:
    validate(case)


# -- the document itself ------------------------------------------------------------------


def test_422_answers_match_the_document() -> None:
    """Not FastAPI's default HTTPValidationError: the API's own error body."""
    case = schema["/api/v1/coverage"]["GET"].Case(query={"window_days": -1})
    response = case.call(headers=HEADERS)
    assert response.status_code == 422
    case.validate_response(response, checks=[checks.response_schema_conformance])


OPERATIONS = [
    (method.upper(), path)
    for path, item in APP.openapi()["paths"].items()
    for method in item
    if path.startswith("/api/v1/")
]


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_error_statuses_are_documented(method: str, path: str) -> None:
    document = APP.openapi()
    responses = document["paths"][path][method.lower()]["responses"]
    assert {"401", "403"} <= set(responses)
    error_schema = {"$ref": "#/components/schemas/ErrorBody"}
    for status in ("401", "403", "422"):
        assert responses[status]["content"]["application/json"]["schema"] == error_schema


def test_security_scheme_is_documented() -> None:
    document = APP.openapi()
    schemes = document["components"]["securitySchemes"]
    assert any(s.get("type") == "http" and s.get("scheme") == "bearer" for s in schemes.values())
    for method, path in OPERATIONS:
        assert document["paths"][path][method.lower()].get("security"), (method, path)


def test_health_and_document_need_no_token() -> None:
    case = schema["/healthz"]["GET"].Case()
    response = case.call()
    assert response.status_code == 200
    assert response.json()["version"] > 0  # the store loaded above is the one served

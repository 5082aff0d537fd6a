"""The FastAPI application: routers, error answers, audit, and the web pages."""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import urlencode

import anyio.to_thread
from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse, RedirectResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from concentric.api import (
    page_actions,
    page_analyses,
    page_assessment,
    page_duplicates,
    page_register,
    pages,
)
from concentric.api.access import AccessStore
from concentric.api.calendar import masked_calendar_path
from concentric.api.health import AuditHealth, VersionProbe
from concentric.api.idempotency import IdempotencyStore, KeyReused
from concentric.api.limits import BodySizeLimit, allowed_methods
from concentric.api.middleware import AuditTrail, FieldClassCut, SecurityHeaders, add_security
from concentric.api.page_actions import UPLOAD_PATH, UPLOAD_PREVIEW_PATH
from concentric.api.page_common import LoginRequired, error_page
from concentric.api.routers import (
    admin,
    analysis,
    coverage,
    duplicates,
    entities,
    register,
    writes,
)
from concentric.api.routers import assessment as assessment_routes
from concentric.api.services import Conflict, Forbidden, InputProblems, UnknownReferences
from concentric.api.settings import Settings
from concentric.graph.engine.coverage import GraphTooLarge, QueryError, UnknownId
from concentric.graph.store.protocol import DiskFull, StoreError
from concentric.graph.workspace import Workspace, open_workspace

log = logging.getLogger("concentric.api")

__all__ = ["create_app"]


# Sign-in and sign-out are audited only when they note something (a login, a failed one,
# a logout), not each time the form is shown.
SWITCH_INTERVAL_SECONDS = 0.001  # Python's default is 0.005
_UNAUDITED = ("/healthz", "/login", "/logout", "/openapi.json")


# On every response. Nothing is cached (answers and pages carry personal data), no page is
# framed by another site, and no URL leaks in a Referer. Pages set their own CSP; everything
# else (JSON, downloads, redirects) may load nothing at all.
def secure_headers(request: Request, response: Response) -> Response:
    """``response`` with the security headers every answer carries (for the answers sent
    from outside the middleware, such as a 500)."""
    add_security(response.headers, request.url.scheme == "https")
    return response


def _is_page(path: str) -> bool:
    return not path.startswith("/api/") and path not in _UNAUDITED


def _error(
    request: Request,
    status: int,
    error: str,
    detail: str,
    problems: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """JSON for the API; for a web page, a page that says the same."""
    if _is_page(request.url.path):
        # The page says what happened in the reader's language; the detail (English, may
        # name server internals) stays in the JSON answers and the log.
        return error_page(request, status, getattr(request.state, "principal", None), detail)
    body: dict[str, Any] = {"error": error, "detail": detail, "problems": problems or []}
    return JSONResponse(body, status_code=status, headers=headers)


def _install_error_handlers(app: FastAPI) -> None:
    """Every error says what was wrong (JSON, or a page); no stack trace reaches a client."""

    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, exc: LoginRequired) -> Response:
        return RedirectResponse(f"/login?{urlencode({'next': request.url.path})}", 303)

    @app.exception_handler(UnknownId)
    async def unknown_id(request: Request, exc: UnknownId) -> Response:
        return _error(request, 404, "not found", str(exc))

    @app.exception_handler(GraphTooLarge)
    async def too_large(request: Request, exc: GraphTooLarge) -> Response:
        detail = str(exc)
        if _is_page(request.url.path):
            limit = request.app.state.workspace.graph_max_rows or 0
            detail = (
                f"数据量超过服务器内存中整图的上限（{limit:,} 行，CONCENTRIC_GRAPH_MAX_ROWS），"
                "此页面需要整图；请按区域查看，或在命令行中运行相应分析。"
            )
        return _error(request, 422, "too large", detail)

    @app.exception_handler(QueryError)
    async def bad_query(request: Request, exc: QueryError) -> Response:
        return _error(request, 400, "bad request", str(exc))

    @app.exception_handler(InputProblems)
    async def bad_input(request: Request, exc: InputProblems) -> Response:
        problems = [
            {"location": f"{p.file}:{p.line}: {p.column}", "message": p.message}
            for p in exc.problems
        ]
        if isinstance(exc, UnknownReferences):
            return _error(request, 404, "not found", str(exc), problems)
        return _error(request, 422, "invalid data", str(exc), problems)

    @app.exception_handler(Forbidden)
    async def forbidden(request: Request, exc: Forbidden) -> Response:
        return _error(request, 403, "forbidden", str(exc))

    @app.exception_handler(KeyReused)
    async def key_reused(request: Request, exc: KeyReused) -> Response:
        return _error(request, 409, "conflict", str(exc))

    @app.exception_handler(Conflict)
    async def conflict(request: Request, exc: Conflict) -> Response:
        return _error(request, 409, "conflict", str(exc))

    @app.exception_handler(DiskFull)
    async def disk_full(request: Request, exc: DiskFull) -> Response:
        # The store's message names a server path; the client needs only the fact.
        log.error("a write failed: %s", exc)
        return _error(
            request,
            503,
            "disk full",
            "disk full: the write was not stored; free space on the server, then send it again",
        )

    @app.exception_handler(StoreError)
    async def store_down(request: Request, exc: StoreError) -> Response:
        return _error(request, 503, "store unavailable", str(exc))

    # Starlette's class: FastAPI's HTTPException is a subclass, and the router's own 404
    # (unknown path) and 405 (wrong method) are the base class.
    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        names = {
            401: "unauthorized",
            403: "forbidden",
            404: "not found",
            405: "method not allowed",
            422: "invalid data",
        }
        headers = dict(exc.headers or {})
        if exc.status_code == 405:  # every method of the path, not the first route's only
            headers["Allow"] = ", ".join(allowed_methods(request.app.routes, request.scope))
        return _error(
            request,
            exc.status_code,
            names.get(exc.status_code, "error"),
            str(exc.detail),
            headers=headers,
        )

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        problems = [
            {"location": ".".join(str(p) for p in e.get("loc", ())), "message": e.get("msg", "")}
            for e in exc.errors()
        ]
        detail = "; ".join(f"{p['location']}: {p['message']}" for p in problems)
        return _error(request, 422, "invalid request", detail, problems)

    @app.exception_handler(Exception)
    async def internal(request: Request, exc: Exception) -> Response:
        # The traceback goes to the server log (it holds code, not data); the client gets
        # a plain message.
        log.exception("internal error on %s %s", request.method, request.url.path)
        # This answer is sent from outside the middleware, so it gets its headers here.
        return secure_headers(
            request,
            _error(request, 500, "internal error", "the server failed; the log has the details"),
        )


def _warm_index(workspace: Workspace) -> None:
    try:
        workspace.warm()
    except Exception:  # the first request will meet the same problem and report it
        log.exception("building the coverage index at start-up failed")


def create_app(
    settings: Settings | None = None,
    workspace: Workspace | None = None,
    access: AccessStore | None = None,
) -> FastAPI:
    """The service over one store. Tests pass their own workspace and access store."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        anyio.to_thread.current_default_thread_limiter().total_tokens = settings.request_threads
        # Request threads compute while holding the interpreter; shorter turns let the event
        # loop (``/healthz``, reading requests, sending answers) in sooner between them.
        sys.setswitchinterval(SWITCH_INTERVAL_SECONDS)
        warming = None
        if settings.warm_index:
            # Started a moment after start-up, so the server is listening (and /healthz
            # answers) before the build competes for the interpreter. The build holds the
            # workspace's lock: a request that comes first waits for it, not a second build.
            warming = threading.Timer(1.0, _warm_index, args=(app.state.workspace,))
            warming.daemon = True
            warming.start()
        yield
        if warming is not None:
            warming.cancel()
            warming.join()
        app.state.workspace.close()
        app.state.access.close()
        app.state.idempotency.close()

    app = FastAPI(
        title="Concentric",
        version="0.1.0",
        description="Coverage of a united-front office's contact-friendship system "
        "(联系交友制度): coverage, gaps, leaders' load, blind spots and suggestions.",
        lifespan=lifespan,
        # No Swagger UI or ReDoc: they load their assets from a CDN. The OpenAPI document
        # stays at /openapi.json (it names routes and fields, never data).
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.workspace = workspace or open_workspace(
        settings.store, settings.graph_max_rows, build_in_background=settings.build_in_background
    )
    app.state.access = access or AccessStore(settings.access_path())
    app.state.idempotency = IdempotencyStore(settings.access_path())
    app.state.audit_health = AuditHealth()
    app.state.version_probe = VersionProbe(app.state.workspace.store.version)
    _install_error_handlers(app)
    app.add_middleware(
        BodySizeLimit,
        max_bytes=settings.max_body_bytes,
        larger={
            path: max(settings.max_upload_bytes, settings.max_body_bytes)
            for path in (UPLOAD_PATH, UPLOAD_PREVIEW_PATH)
        },
    )
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type"],
        )

    def audit_entry(state: dict[str, Any], method: str, path: str, status: int) -> None:
        noted = state.get("audit_detail")
        if not (path.startswith("/api/v1/") or _is_page(path) or noted):
            return
        try:
            # Path, status and what the routes note (the query, ids written, a failed
            # login); never a body, which holds personal data.
            app.state.access.audit(
                state.get("principal"), method, masked_calendar_path(path), status, noted
            )
        except Exception as exc:
            # The answer stands (a write is already committed, a read is harmless);
            # /healthz reports "degraded" until an audit entry is written again.
            failure = app.state.audit_health.failed(exc)
            log.error("audit entry not written: %s", failure.kind)
        else:
            app.state.audit_health.succeeded()

    app.add_middleware(AuditTrail, entry=audit_entry)

    # Added last, so outermost: the cut sees what the routes answered, the headers go on
    # every answer.
    app.add_middleware(FieldClassCut, sensitive_roles=lambda: settings.sensitive_roles)
    app.add_middleware(SecurityHeaders)

    routers = (
        admin,
        coverage,
        analysis,
        entities,
        register,
        writes,
        duplicates,
        pages,
        page_actions,
    )
    for module in routers:
        app.include_router(module.router)
    app.include_router(page_analyses.router)
    app.include_router(page_duplicates.router)
    app.include_router(page_register.router)
    # The yearly assessment and the leaders' calendar feeds (docs/assessment.md).
    app.include_router(assessment_routes.router)
    app.include_router(page_assessment.router)
    return app

"""The FastAPI application: routers, error answers, audit, and the web pages."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, HTTPException, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse

from api.access import AccessStore
from api.routers import admin, analysis, coverage, entities, writes
from api.services import Conflict, Forbidden, InputProblems
from api.settings import Settings
from graph.coverage import QueryError, UnknownId
from graph.store import StoreError
from graph.workspace import Workspace, open_workspace

log = logging.getLogger("concentric.api")

__all__ = ["create_app"]


def _error(
    status: int,
    error: str,
    detail: str,
    problems: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {"error": error, "detail": detail, "problems": problems or []}
    return JSONResponse(body, status_code=status, headers=headers)


def _install_error_handlers(app: FastAPI) -> None:
    """Every error is JSON saying what was wrong; no stack trace reaches a client."""

    @app.exception_handler(UnknownId)
    async def unknown_id(request: Request, exc: UnknownId) -> JSONResponse:
        return _error(404, "not found", str(exc))

    @app.exception_handler(QueryError)
    async def bad_query(request: Request, exc: QueryError) -> JSONResponse:
        return _error(400, "bad request", str(exc))

    @app.exception_handler(InputProblems)
    async def bad_input(request: Request, exc: InputProblems) -> JSONResponse:
        problems = [
            {"location": f"{p.file}:{p.line}: {p.column}", "message": p.message}
            for p in exc.problems
        ]
        return _error(422, "invalid data", str(exc), problems)

    @app.exception_handler(Forbidden)
    async def forbidden(request: Request, exc: Forbidden) -> JSONResponse:
        return _error(403, "forbidden", str(exc))

    @app.exception_handler(Conflict)
    async def conflict(request: Request, exc: Conflict) -> JSONResponse:
        return _error(409, "conflict", str(exc))

    @app.exception_handler(StoreError)
    async def store_down(request: Request, exc: StoreError) -> JSONResponse:
        return _error(503, "store unavailable", str(exc))

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        names = {
            401: "unauthorized",
            403: "forbidden",
            404: "not found",
            405: "method not allowed",
            422: "invalid data",
        }
        return _error(
            exc.status_code,
            names.get(exc.status_code, "error"),
            str(exc.detail),
            headers=dict(exc.headers or {}),
        )

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [
            {"location": ".".join(str(p) for p in e.get("loc", ())), "message": e.get("msg", "")}
            for e in exc.errors()
        ]
        detail = "; ".join(f"{p['location']}: {p['message']}" for p in problems)
        return _error(422, "invalid request", detail, problems)

    @app.exception_handler(Exception)
    async def internal(request: Request, exc: Exception) -> JSONResponse:
        # The traceback goes to the server log (it holds code, not data); the client gets
        # a plain message.
        log.exception("internal error on %s %s", request.method, request.url.path)
        return _error(500, "internal error", "the server failed; the log has the details")


def create_app(
    settings: Settings | None = None,
    workspace: Workspace | None = None,
    access: AccessStore | None = None,
) -> FastAPI:
    """The service over one store. Tests pass their own workspace and access store."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        app.state.workspace.close()
        app.state.access.close()

    app = FastAPI(
        title="Concentric",
        version="0.1.0",
        description="Coverage of a united-front office's contact-friendship system "
        "(联系交友制度): coverage, gaps, leaders' load, blind spots and suggestions.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.workspace = workspace or open_workspace(settings.store)
    app.state.access = access or AccessStore(settings.access_path())
    _install_error_handlers(app)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type"],
        )

    @app.middleware("http")
    async def audit(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        if request.url.path.startswith("/api/v1/"):
            # Path and status only: query strings can hold names, bodies hold personal data.
            app.state.access.audit(
                getattr(request.state, "principal", None),
                request.method,
                request.url.path,
                response.status_code,
                getattr(request.state, "audit_detail", None),
            )
        return response

    for router in (admin.router, coverage.router, analysis.router, entities.router, writes.router):
        app.include_router(router)
    return app

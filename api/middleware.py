"""Pure ASGI middleware for what every answer gets: security headers, JSON cut to the
caller's field classes, and an audit entry.

Written against ASGI messages rather than as ``@app.middleware("http")`` functions: each of
those wraps the whole response in a second task and stream, a cost every request pays.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

import anyio.to_thread
import orjson
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from concentric.api.privacy import ALL_CLASSES, cut, visible_classes

__all__ = [
    "NO_CONTENT_CSP",
    "SECURITY_HEADERS",
    "AuditTrail",
    "FieldClassCut",
    "SecurityHeaders",
    "add_security",
]

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "X-Frame-Options": "SAMEORIGIN",
}
NO_CONTENT_CSP = "default-src 'none'; frame-ancestors 'none'"
HSTS = "max-age=31536000"


def add_security(headers: MutableHeaders, https: bool) -> None:
    """The security headers every answer carries, set on ``headers``."""
    headers.update(SECURITY_HEADERS)
    if "content-security-policy" not in headers:
        headers["Content-Security-Policy"] = NO_CONTENT_CSP
    if https:
        headers["Strict-Transport-Security"] = HSTS


class SecurityHeaders:
    """Adds :data:`SECURITY_HEADERS` (and a CSP where a page set none) to every answer."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        https = scope.get("scheme") == "https"

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                add_security(MutableHeaders(scope=message), https)
            await send(message)

        await self.app(scope, receive, with_headers)


class FieldClassCut:
    """Every JSON answer under ``/api/`` cut to the caller's field classes (api.privacy), so
    no route, present or future, hands an analyst a personal or sensitive field. Roles that
    see every class pass through untouched; a route that cut its record itself says so with
    ``request.state.fields_cut``."""

    def __init__(self, app: ASGIApp, sensitive_roles: Callable[[], Collection[str]]) -> None:
        self.app = app
        self.sensitive_roles = sensitive_roles

    def _classes(self, scope: Scope, start: Message) -> frozenset[str] | None:
        state: dict[str, Any] = scope.get("state", {})
        principal = state.get("principal")
        content_type = MutableHeaders(scope=start).get("content-type", "")
        if (
            principal is None
            or state.get("fields_cut")
            or not content_type.startswith("application/json")
        ):
            return None
        classes = visible_classes(principal.role, self.sensitive_roles())
        return None if classes == ALL_CLASSES else classes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/api/"):
            await self.app(scope, receive, send)
            return
        start: Message | None = None
        classes: frozenset[str] | None = None
        chunks: list[bytes] = []

        async def cut_body(message: Message) -> None:
            nonlocal start, classes
            if message["type"] == "http.response.start":
                classes = self._classes(scope, message)
                if classes is None:
                    await send(message)
                else:
                    start = message
                return
            if start is None or classes is None or message["type"] != "http.response.body":
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            encoded = orjson.dumps(cut(orjson.loads(b"".join(chunks)), classes))
            MutableHeaders(scope=start)["content-length"] = str(len(encoded))
            await send(start)
            await send({"type": "http.response.body", "body": encoded})

        await self.app(scope, receive, cut_body)


class AuditTrail:
    """Writes each request's audit entry, in a worker thread, before its answer starts.

    ``entry(state, method, path, status)`` decides whether the request is audited and writes
    the entry (``state``: what the routes put on ``request.state``: the principal, what they
    noted). A pure ASGI middleware: ``@app.middleware("http")`` would put every request,
    ``/healthz`` too, through a second task and memory stream on the event loop.
    """

    def __init__(
        self,
        app: ASGIApp,
        entry: Callable[[dict[str, Any], str, str, int], None],
    ) -> None:
        self.app = app
        self.entry = entry

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def audited(message: Message) -> None:
            if message["type"] == "http.response.start":
                # In a worker thread: the entry is a committed SQLite write, and the event
                # loop answers every other request (and /healthz) meanwhile.
                await anyio.to_thread.run_sync(
                    self.entry,
                    scope.get("state", {}),
                    scope["method"],
                    scope["path"],
                    message["status"],
                )
            await send(message)

        await self.app(scope, receive, audited)

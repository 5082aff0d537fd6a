"""Input limits: the request body's size (before parsing), ids, id lists, dates, offsets.

The bounds themselves live in ``graph/schema/schema.yaml`` (``input_limits``); this module turns
them into an ASGI middleware and into the types the request schemas and query parameters
use, so that the OpenAPI document says what the API accepts.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from pydantic import (
    AfterValidator,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    StringConstraints,
)
from pydantic_core import core_schema
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from concentric.graph.schema.schema import SCHEMA

__all__ = [
    "LIMITS",
    "BodySizeLimit",
    "EntityId",
    "IdList",
    "OneOf",
    "allowed_methods",
    "bounded_date",
    "choices_pattern",
    "date_range_pattern",
    "distinct",
    "within",
]

LIMITS = SCHEMA.input_limits

# An id is one token: no spaces or control characters, none of the list separators of the
# tables' cells (an id containing one could never be written in a file's list column).
# Spelled out rather than \s, which regex engines (and test generators) read differently.
ID_PATTERN = "^[^\\x00-\\x20\\x7f-\\xa0\\u3000,;，；、]+$"
EntityId = Annotated[
    str, StringConstraints(min_length=1, max_length=LIMITS.max_id_length, pattern=ID_PATTERN)
]


def distinct(ids: list[str]) -> list[str]:
    """The ids in their first order, each once (a repeated id names the same entity).

    >>> distinct(["F1", "F2", "F1"])
    ['F1', 'F2']
    """
    return list(dict.fromkeys(ids))


IdList = Annotated[
    list[EntityId], Field(min_length=1, max_length=LIMITS.max_ids), AfterValidator(distinct)
]


# -- dates --------------------------------------------------------------------------------


def within(value: dt.date | None, latest: Callable[[dt.date], dt.date]) -> dt.date | None:
    """``value`` if it lies between the earliest date and ``latest(today)``, else ValueError."""
    if value is None:
        return None
    earliest, last = LIMITS.earliest_date, latest(dt.date.today())
    if value < earliest:
        raise ValueError(f"{value} is before {earliest}, the earliest date accepted")
    if value > last:
        raise ValueError(f"{value} is after {last}, the latest date accepted today")
    return value


def _alternatives(values: Iterable[int], width: int) -> str:
    return "(?:" + "|".join(f"{v:0{width}d}" for v in values) + ")"


_ANY_MONTH = "(?:0[1-9]|1[0-2])"
_ANY_DAY = "(?:0[1-9]|[12][0-9]|3[01])"


def _days(first: int, last: int) -> str:
    return _ANY_DAY if (first, last) == (1, 31) else _alternatives(range(first, last + 1), 2)


def date_range_pattern(earliest: dt.date, latest: dt.date) -> str:
    """A regular expression for the ISO dates from ``earliest`` to ``latest`` (inclusive).

    Month lengths are left to ``format: date``; the pattern bounds the range only.

    >>> import re
    >>> p = date_range_pattern(dt.date(1949, 10, 1), dt.date(2026, 12, 8))
    >>> [bool(re.match(p, d)) for d in ("1949-10-01", "1949-09-30", "2026-12-08", "2026-12-09")]
    [True, False, True, False]
    """
    if earliest > latest:
        raise ValueError("empty date range")
    parts = []
    whole_years = range(earliest.year + 1, latest.year)
    if whole_years:
        parts.append(f"{_alternatives(whole_years, 4)}-{_ANY_MONTH}-{_ANY_DAY}")
    for year in sorted({earliest.year, latest.year}):
        first_month = earliest.month if year == earliest.year else 1
        last_month = latest.month if year == latest.year else 12
        whole_months = []
        for month in range(first_month, last_month + 1):
            first_day = earliest.day if (year, month) == (earliest.year, earliest.month) else 1
            last_day = latest.day if (year, month) == (latest.year, latest.month) else 31
            if (first_day, last_day) == (1, 31):
                whole_months.append(month)
            else:
                parts.append(f"{year:04d}-{month:02d}-{_days(first_day, last_day)}")
        if whole_months:
            parts.append(f"{year:04d}-{_alternatives(whole_months, 2)}-{_days(1, 31)}")
    return "^(?:" + "|".join(parts) + ")$"


def _date_schema(latest: Callable[[dt.date], dt.date]) -> Callable[[dict[str, Any]], None]:
    """Adds the accepted range, as of the day the document is made, to a date's schema."""

    def extra(schema: dict[str, Any]) -> None:
        last = latest(dt.date.today())
        schema["pattern"] = date_range_pattern(LIMITS.earliest_date, last)
        schema.setdefault("description", "")
        schema["description"] = (
            f"{schema['description']} From {LIMITS.earliest_date} to {last} "
            "(the latest moves with the server's today)."
        ).strip()

    return extra


def bounded_date(latest: Callable[[dt.date], dt.date], description: str, default: Any = ...) -> Any:
    """A ``Field`` for a write's date: checked when the request comes, documented as a range."""
    return Field(default, description=description, json_schema_extra=_date_schema(latest))


def choices_pattern(choices: Iterable[str]) -> str:
    """A comma-separated list of these exact values, at least one.

    >>> import re
    >>> pattern = choices_pattern(["a", "b"])
    >>> bool(re.match(pattern, "a,b")), bool(re.match(pattern, "a,"))
    (True, False)
    """
    one = "(?:" + "|".join(sorted(choices, key=len, reverse=True)) + ")"
    return f"^{one}(?:,{one})*$"


# -- 405: every method of the path ---------------------------------------------------------


_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def allowed_methods(routes: Iterable[Any], scope: Scope) -> list[str]:
    """Every method some route serves at this path (Starlette's 405 names the first only).

    Asked of each route by trying each method, so that routers included whole (FastAPI's
    own route objects) answer for their routes too.
    """
    return [
        method
        for method in _METHODS
        if any(route.matches({**scope, "method": method})[0] is Match.FULL for route in routes)
    ]


# -- the body's size -----------------------------------------------------------------------


class BodySizeLimit:
    """Refuses a request body over ``max_bytes`` with 413 before anything parses it.

    A declared ``Content-Length`` over the limit is refused without reading the body; a
    chunked body is counted as it arrives and refused at the chunk that crosses the limit
    (the application sees a disconnected client and its answer is replaced by the 413).
    """

    def __init__(
        self, app: ASGIApp, max_bytes: int, larger: Mapping[str, int] | None = None
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        # Paths allowed a bigger body (the dataset upload page), by exact path.
        self.larger = dict(larger or {})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.larger.get(scope.get("path", ""), self.max_bytes)
        declared = dict(scope.get("headers") or ()).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await self._refuse(send, declared.isdigit(), limit)
            return
        received = 0
        exceeded = False
        started = False

        async def counted_receive() -> Message:
            nonlocal received, exceeded
            if exceeded:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    exceeded = True
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if exceeded:
                return  # the application's answer to a cut-off body; the 413 goes instead
            started = True
            await send(message)

        try:
            await self.app(scope, counted_receive, guarded_send)
        except Exception:
            if not exceeded:
                raise
        if exceeded and not started:
            await self._refuse(send, True, limit)

    async def _refuse(self, send: Send, too_large: bool, limit: int) -> None:
        if too_large:
            status, error = 413, "too large"
            detail = f"the request body is over the limit of {limit} bytes"
        else:
            status, error, detail = 400, "bad request", "Content-Length is not a number"
        body = json.dumps({"error": error, "detail": detail, "problems": []}).encode()
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


# -- enumerations --------------------------------------------------------------------------


@dataclass(frozen=True)
class OneOf:
    """``Annotated[str, OneOf(enum, description)]``: a code, its Chinese label or an alias.

    The OpenAPI document lists every spelling; anything else is refused with 422.
    """

    enum: str
    description: str

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        spellings = SCHEMA.enum_spellings(self.enum)

        def known(value: str) -> str:
            if value not in spellings:
                raise ValueError(f"unknown value {value!r} (one of: {', '.join(spellings)})")
            return value

        return core_schema.no_info_after_validator_function(known, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> dict[str, Any]:
        spellings = SCHEMA.enum_spellings(self.enum)
        return {"type": "string", "enum": spellings, "description": self.description}


def known_query_parameters(request: Request) -> None:
    """Refuse query parameters the route does not declare (422): a misspelt filter
    (``?staus=uncovered``) would otherwise be ignored and answer everything."""
    route = request.scope.get("route")
    dependant = getattr(route, "dependant", None)
    if dependant is None:
        return
    declared: set[str] = set()
    pending = [dependant]
    while pending:  # the route's own parameters and those of its dependencies
        current = pending.pop()
        declared.update(param.alias for param in current.query_params)
        pending.extend(current.dependencies)
    unknown = sorted(set(request.query_params) - declared)
    if unknown:
        takes = ", ".join(sorted(declared)) or "none"
        raise RequestValidationError(
            [
                {
                    "loc": ("query", name),
                    "msg": f"unknown parameter (this endpoint takes: {takes})",
                    "type": "extra_forbidden",
                }
                for name in unknown
            ]
        )

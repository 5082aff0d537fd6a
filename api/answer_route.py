"""JSON answers encoded in the request's worker thread, not on the event loop.

FastAPI validates a sync endpoint's answer against its ``response_model`` in a worker thread
and then encodes it on the event loop. For the large answers (every leader's load, a
coverage summary per area) the two were about a third of the server's interpreter time
under mixed load, and the encoding held up every other request on the loop, ``/healthz``
too. :class:`ThreadEncodedRoute` has the endpoint's own thread encode its answer and hand
FastAPI a finished response: through the model, as FastAPI would, or, for an endpoint marked
:func:`exact_answer`, straight with orjson (no validation). The model still documents every
answer in OpenAPI.

An exact answer is not filtered or filled by its model at run time, so it must be exactly
what the model says. With ``CONCENTRIC_CHECK_ANSWERS=1`` (the test suite sets it) each one
is also put through the model, and a difference is an error naming the route and the key.
"""

from __future__ import annotations

import functools
import inspect
import json
import os
from collections.abc import Callable
from typing import Any, TypeVar

import orjson
from fastapi.datastructures import Default, DefaultPlaceholder
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import ResponseValidationError
from fastapi.routing import APIRoute
from starlette.responses import Response

__all__ = [
    "AnswerMismatch",
    "ThreadEncodedRoute",
    "encode_answer",
    "exact_answer",
    "first_difference",
]

ORJSON_OPTIONS = orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS
NO_BODY_STATUSES = frozenset({204, 304})
_EXACT = "_concentric_exact_answer"
_Endpoint = TypeVar("_Endpoint", bound=Callable[..., Any])


class AnswerMismatch(AssertionError):
    """An answer differs from what its response model makes of it (checked in tests)."""


def encode_answer(answer: Any) -> bytes:
    """``answer`` as UTF-8 JSON: dates as ISO strings, numpy numbers as numbers.

    >>> import datetime as dt
    >>> encode_answer({"名称": "统战部", "as_of": dt.date(2026, 6, 30), "n": 2})
    b'{"\\xe5\\x90\\x8d\\xe7\\xa7\\xb0":"\\xe7\\xbb\\x9f\\xe6\\x88\\x98\\xe9\\x83\\xa8","as_of":"2026-06-30","n":2}'
    """
    return orjson.dumps(answer, option=ORJSON_OPTIONS, default=jsonable_encoder)


def _checking() -> bool:
    return os.environ.get("CONCENTRIC_CHECK_ANSWERS") == "1"


def exact_answer(endpoint: _Endpoint) -> _Endpoint:
    """Mark an endpoint whose answers are exactly its response model (no key missing, none
    extra), so its route encodes them without validating them against the model first."""
    setattr(endpoint, _EXACT, True)
    return endpoint


class ThreadEncodedRoute(APIRoute):
    """An API route whose sync endpoint returns its answer already encoded (see module)."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        status = kwargs.get("status_code")
        if _encodable(endpoint, kwargs) and status not in NO_BODY_STATUSES:
            endpoint = self._encoding(endpoint, status or 200)
        super().__init__(path, endpoint, **kwargs)

    def _encoding(self, endpoint: Callable[..., Any], status: int) -> Callable[..., Any]:
        exact = getattr(endpoint, _EXACT, False)

        @functools.wraps(endpoint)
        def encoded(*args: Any, **kwargs: Any) -> Any:
            answer = endpoint(*args, **kwargs)
            if answer is None or isinstance(answer, Response):
                return answer
            # An endpoint may set its status or headers on FastAPI's injected response.
            injected = next((v for v in kwargs.values() if isinstance(v, Response)), None)
            if not exact:
                body = self._through_model(answer)
            else:
                body = encode_answer(answer)
                if _checking():
                    self._check(answer, body)
            response = Response(
                body,
                status_code=(injected.status_code if injected else None) or status,
                media_type="application/json",
            )
            if injected is not None:
                response.headers.raw.extend(injected.headers.raw)
            return response

        return encoded

    def _through_model(self, answer: Any) -> bytes:
        """What FastAPI itself would send: the answer validated by the model and dumped."""
        field = self.response_field
        if field is None:
            return encode_answer(answer)
        value, errors = field.validate(answer, {}, loc=("response",))
        if errors:
            raise ResponseValidationError(errors=errors, body=answer)
        return bytes(
            field.serialize_json(
                value,
                include=self.response_model_include,
                exclude=self.response_model_exclude,
                by_alias=self.response_model_by_alias,
                exclude_unset=self.response_model_exclude_unset,
                exclude_defaults=self.response_model_exclude_defaults,
                exclude_none=self.response_model_exclude_none,
            )
        )

    def _check(self, answer: Any, body: bytes) -> None:
        where = first_difference(json.loads(body), json.loads(self._through_model(answer)))
        if where is not None:
            raise AnswerMismatch(
                f"{self.path}: the answer differs at {where} from what"
                f" {self.response_model} makes of it"
            )


def _encodable(endpoint: Callable[..., Any], route_options: dict[str, Any]) -> bool:
    """A plain sync endpoint answering JSON with FastAPI's default response class."""
    if inspect.iscoroutinefunction(endpoint) or inspect.isgeneratorfunction(endpoint):
        return False
    if inspect.isasyncgenfunction(endpoint):
        return False
    return isinstance(route_options.get("response_class", Default(None)), DefaultPlaceholder)


def first_difference(given: Any, expected: Any, at: str = "$") -> str | None:
    """Where two decoded JSON values first differ (a key only one has counts), or None.

    >>> first_difference({"a": [1, {"b": 2}]}, {"a": [1, {"b": 2, "c": None}]})
    "$.a[1].c (only in the model's)"
    >>> first_difference({"n": 1}, {"n": 1.0}) is None
    True
    """
    if isinstance(given, dict) and isinstance(expected, dict):
        for key in sorted(given.keys() | expected.keys()):
            if key not in expected:
                return f"{at}.{key} (only in the answer)"
            if key not in given:
                return f"{at}.{key} (only in the model's)"
            found = first_difference(given[key], expected[key], f"{at}.{key}")
            if found is not None:
                return found
        return None
    if isinstance(given, list) and isinstance(expected, list):
        if len(given) != len(expected):
            return f"{at} (length {len(given)} vs {len(expected)})"
        for i, (a, b) in enumerate(zip(given, expected, strict=True)):
            found = first_difference(a, b, f"{at}[{i}]")
            if found is not None:
                return found
        return None
    return None if given == expected else at

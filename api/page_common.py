"""What every web page shares: templates, the page's caller and language, its date, how a
page and an error page are rendered. The page modules (:mod:`api.pages`,
:mod:`api.page_actions`, :mod:`api.page_analyses`) import from here, never from each other
in a circle.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path, PurePath
from typing import Annotated, Any, ClassVar

from fastapi import Depends, Query, Request
from fastapi.responses import Response
from fastapi.templating import Jinja2Templates

from concentric.api.access import Principal
from concentric.api.deps import (
    SESSION_COOKIE,
    AccessDep,
    note_for_audit,
    query_detail,
)
from concentric.api.privacy import mask_numbers, masks_text, visible_classes
from concentric.api.settings import Settings
from concentric.graph.engine.coverage import QueryError
from concentric.graph.schema.schema import EXTRA_KEY, SCHEMA
from concentric.graph.views.labels import (
    INACTIVE_DAYS,
    LANGUAGES,
    STALE_SHARE_WARNING,
    STATUS_COLORS,
    UI_TEXT,
    enum_text,
    kind_text,
    quota_reason,
    tie_text,
    ui_text,
)

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))

# The pages only ever draw from 'self'; pyvis pages need their inline script and styles.
CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; frame-ancestors 'self'; base-uri 'none'; "
    "form-action 'self'"
)


class LoginRequired(Exception):
    """No valid session: pages redirect to /login instead of answering 401 JSON."""


def page_principal(request: Request, access: AccessDep) -> Principal:
    note_for_audit(request, **query_detail(request))
    session = request.cookies.get(SESSION_COOKIE)
    principal = access.principal_for_session(session) if session else None
    if principal is None:
        raise LoginRequired()
    request.state.principal = principal
    return principal


PagePrincipal = Annotated[Principal, Depends(page_principal)]


def _classes(principal: Principal, settings: Settings) -> frozenset[str]:
    """The field classes the caller's role sees on a page that is no single entity's."""
    return visible_classes(principal.role, settings.sensitive_roles)


def _text(principal: Principal, settings: Settings) -> Callable[[str], str] | None:
    """How a network page writes text for this caller: masked without personal access."""
    return mask_numbers if masks_text(_classes(principal, settings)) else None


class _Labels:
    """Colours and Chinese labels for templates. New text goes through ``t`` (``PageText``),
    which follows the page's language; these stay for templates that read them directly."""

    status: ClassVar = dict(SCHEMA.enumerations["coverage_status"])
    status_colors: ClassVar = STATUS_COLORS
    quota: ClassVar = dict(SCHEMA.enumerations["quota_status"])
    kind: ClassVar = {k: SCHEMA.node_kinds[k]["label"] for k in SCHEMA.node_kinds}
    category: ClassVar = dict(SCHEMA.enumerations["figure_category"])
    line: ClassVar = dict(SCHEMA.enumerations["line"])

    @staticmethod
    def subtype(item: dict[str, Any]) -> str:
        return PageText("zh").subtype(item)

    @staticmethod
    def interaction(code: str | None) -> str:
        return PageText("zh").interaction(code)


# Every template, the error page included, reads colours from here.
TEMPLATES.env.globals["labels"] = _Labels


def page_language(request: Request) -> str:
    """The language of a page: ``?lang=en`` or ``?lang=zh`` if given, else English only
    when the browser's Accept-Language prefers English over Chinese; Chinese by default."""
    asked = request.query_params.get("lang", "")
    if asked in LANGUAGES:
        return asked
    best: tuple[float, str] = (0.0, LANGUAGES[0])
    for part in request.headers.get("accept-language", "").split(","):
        tag, _, weight = part.strip().partition(";q=")
        language = tag.strip().lower().split("-")[0]
        try:
            quality = float(weight) if weight else 1.0
        except ValueError:
            continue
        if language in LANGUAGES and quality > best[0]:
            best = (quality, language)
    return best[1]


class PageText:
    """Everything a page writes in words, in one language: fixed text by key, enumeration
    values as labels, ties as words, people and areas by name, sources as file and row."""

    def __init__(self, language: str) -> None:
        self.language = language

    def __call__(self, key: str, **values: Any) -> str:
        return ui_text(key, self.language, **values)

    def has(self, key: str) -> bool:
        return key in UI_TEXT

    def enum(self, enumeration: str, code: str | None) -> str:
        return enum_text(enumeration, code, self.language)

    def status(self, code: str) -> str:
        return self.enum("coverage_status", code)

    def quota(self, code: str) -> str:
        return self.enum("quota_status", code)

    def line(self, code: str) -> str:
        return self.enum("line", code)

    def kind(self, code: str) -> str:
        return kind_text(code, self.language)

    def subtype(self, item: dict[str, Any]) -> str:
        if item.get("category"):
            return self.enum("figure_category", item["category"])
        return self.enum(f"{item['kind']}_kind", item.get("type"))

    def interaction(self, code: str | None) -> str:
        return self.enum("interaction_kind", code)

    def tie(self, kind: str, direction: str) -> str:
        return tie_text(kind, direction, self.language)

    def role(self, role: str) -> str:
        return self(f"role.{role}")

    def quota_reason(self, item: dict[str, Any]) -> str:
        return quota_reason(item, self.language)

    def activity_rule(self) -> str:
        """The activity warning's rule in words, from the thresholds it applies."""
        share = round(STALE_SHARE_WARNING * 100)
        return self("activity.rule", share=share, days=INACTIVE_DAYS)

    def yes_no(self, value: object) -> str:
        return self("yes") if value else self("no")

    @staticmethod
    def file_name(provenance: dict[str, Any]) -> str:
        """The name of the file a record came from; never the server's path to it."""
        file = provenance.get("file")
        return PurePath(str(file).replace("\\", "/")).name if file else ""


class PropertyRow:
    """One row of an entity's details: its column's name, and the value in words; ``ids``
    holds the ids a reference names (shown small beside the names)."""

    def __init__(self, label: str, value: str, ids: tuple[str, ...] = ()) -> None:
        self.label = label
        self.value = value
        self.ids = ids


def property_rows(
    entity: dict[str, Any], names: dict[str, str], text: PageText
) -> list[PropertyRow]:
    """An entity's properties as rows a person reads: columns by their Chinese names,
    enumeration codes as labels, booleans as 是/否, references as names (``names``)."""
    table = SCHEMA.node_table(entity["kind"])
    rows: list[PropertyRow] = []
    for key, value in entity["properties"].items():
        if key == EXTRA_KEY and isinstance(value, dict):
            rows.extend(PropertyRow(str(k), str(v)) for k, v in value.items())
            continue
        column = table.columns.get("kind" if key == "type" else key)
        if column is None:
            rows.append(PropertyRow(key, str(value)))
            continue
        label = column.name if text.language == "en" or not column.aliases else column.aliases[0]
        values = value if isinstance(value, list) else [value]
        if column.base_type in ("ref", "refs"):
            ids = tuple(str(v) for v in values)
            rows.append(PropertyRow(label, "、".join(names.get(i, i) for i in ids), ids))
        elif column.base_type in ("enum", "enums"):
            words = "、".join(text.enum(column.argument, v) for v in values)
            rows.append(PropertyRow(label, words))
        elif column.base_type == "bool":
            rows.append(PropertyRow(label, text.yes_no(value)))
        else:
            rows.append(PropertyRow(label, "、".join("" if v is None else str(v) for v in values)))
    return rows


def _render(
    request: Request, template: str, principal: Principal | None, **context: Any
) -> Response:
    text = PageText(page_language(request))
    status_code = int(context.pop("status_code", 200))
    response = TEMPLATES.TemplateResponse(
        request,
        template,
        {"principal": principal, "t": text, "lang": text.language, **context},
        status_code=status_code,
    )
    response.headers["Content-Security-Policy"] = CSP
    return response


# A detail written for the pages' readers (in Chinese, e.g. a refused form's reason) is shown
# under the status's own sentence; other details (English, may name server internals) are not.
_CHINESE = re.compile(r"[\u4e00-\u9fff]")


def error_page(
    request: Request, status: int, principal: Principal | None, detail: str = ""
) -> Response:
    """An error as a page, in the page's language: what happened, and the reason when it
    was written for the reader; never a server detail."""
    shown = detail if _CHINESE.search(detail) else ""
    return _render(
        request, "error.html", principal, status=status, detail=shown, status_code=status
    )


TOWN_KINDS = ("district", "town", "subdistrict")


def as_of_date(as_of: Annotated[str | None, Query()] = None) -> dt.date | None:
    """The page's ``as_of`` (YYYY-MM-DD; empty or absent: today), for every page and view."""
    if not as_of:
        return None
    try:
        return dt.date.fromisoformat(as_of)
    except ValueError:
        raise QueryError(f"as_of：日期格式应为 YYYY-MM-DD，收到 {as_of!r}") from None


AsOf = Annotated[dt.date | None, Depends(as_of_date)]

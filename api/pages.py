"""The web pages: server-rendered (Jinja2, autoescaped), Chinese UI, no front-end build.

The token is entered once on /login, which starts a server-side session: the HttpOnly,
SameSite=Strict cookie holds only the session's random id (never the token), expires with
the session, and is Secure when the page came over HTTPS. Logging out, or revoking the
token, ends the session. Pages call the same workspace methods as
the JSON API and follow the same roles.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path, PurePath
from typing import Annotated, Any, ClassVar
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from api.access import Principal
from api.deps import (
    SESSION_COOKIE,
    AccessDep,
    SettingsDep,
    WorkspaceDep,
    note_for_audit,
    query_detail,
)
from api.downloads import gaps_csv, gaps_xlsx
from api.limits import LIMITS
from api.privacy import cut, mask_numbers, masks_text, visible_classes
from api.scope import (
    ego_network_page,
    leader_network_page,
    refuse_leader,
)
from api.services import page as cut_page
from api.settings import Settings
from graph.engine.coverage import QueryError
from graph.schema.schema import EXTRA_KEY, SCHEMA
from graph.views.labels import (
    INACTIVE_DAYS,
    LANGUAGES,
    PAGE_ROWS,
    STALE_SHARE_WARNING,
    STATUS_COLORS,
    STATUSES,
    UI_TEXT,
    activity_warnings,
    enum_text,
    kind_text,
    quota_reason,
    tie_text,
    ui_text,
)
from graph.workspace import Workspace

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))

router = APIRouter(include_in_schema=False)

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


# -- sign in ------------------------------------------------------------------------------


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = "/") -> Response:
    return _render(
        request, "login.html", None, next=next if next.startswith("/") else "/", error=None
    )


@router.post("/login")
def login(
    request: Request,
    access: AccessDep,
    settings: SettingsDep,
    token: Annotated[str, Form()],
    next: Annotated[str, Form()] = "/",
) -> Response:
    principal = access.principal_for(token.strip())
    if principal is None:
        note_for_audit(request, failed_login="page")
        return _render(
            request, "login.html", None, next=next, error="login.invalid", status_code=401
        )
    request.state.principal = principal
    note_for_audit(request, login="session started")
    target = next if next.startswith("/") and not next.startswith("//") else "/"
    if principal.role == "leader" and target == "/":
        target = f"/leaders/{principal.leader_id}"
    session_id, expires = access.start_session(principal, settings.session_hours)
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        session_id,
        expires=expires,
        httponly=True,
        samesite="strict",
        # Behind a TLS proxy, uvicorn sets the scheme from X-Forwarded-Proto when the proxy's
        # address is trusted (FORWARDED_ALLOW_IPS, 127.0.0.1 by default).
        secure=request.url.scheme == "https",
    )
    return response


@router.get("/logout")
def logout(request: Request, access: AccessDep) -> Response:
    session = request.cookies.get(SESSION_COOKIE)
    if session:
        principal = access.principal_for_session(session)
        if principal is not None:
            request.state.principal = principal
        access.end_session(session)
        note_for_audit(request, logout="session ended")
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(
        SESSION_COOKIE, httponly=True, samesite="strict", secure=request.url.scheme == "https"
    )
    return response


# -- pages --------------------------------------------------------------------------------


@router.get("/", response_class=HTMLResponse)
def dashboard(
    request: Request, workspace: WorkspaceDep, principal: PagePrincipal, as_of: AsOf
) -> Response:
    if principal.role == "leader":
        return RedirectResponse(f"/leaders/{principal.leader_id}", status_code=303)
    summary = workspace.coverage(as_of)
    blind = workspace.blind_spots(as_of)
    areas = [
        {"id": a["id"], "name": a["name"], "counts": summary["by_area"][a["id"]]}
        for a in workspace.areas(TOWN_KINDS)
    ]
    return _render(
        request,
        "dashboard.html",
        principal,
        summary=summary,
        lines=blind["lines"],
        areas=areas,
        statuses=STATUSES,
    )


def _gap_answer(
    workspace: Workspace,
    status: str,
    kind: str | None,
    category: str | None,
    line: str | None,
    area_id: str | None,
    as_of: dt.date | None = None,
) -> dict[str, Any]:
    return workspace.gaps(
        as_of,
        statuses=[s for s in status.split(",") if s],
        kind=kind or None,
        category=category or None,
        line=line or None,
        area_id=area_id or None,
    )


GapStatus = Annotated[str, Query()]
Optional = Annotated[str | None, Query()]
PageNumber = Annotated[int, Query(ge=1, le=LIMITS.max_offset)]


def _paged(answer: dict[str, Any], page: int) -> dict[str, Any]:
    """Page number ``page`` (the last one past the end) of ``answer["items"]``, cut as the
    API cuts a page, with the page count and the number of its first row."""
    pages = max(1, -(-len(answer["items"]) // PAGE_ROWS))
    page = min(page, pages)
    offset = (page - 1) * PAGE_ROWS
    return {
        "rows": cut_page(answer, PAGE_ROWS, offset)["items"],
        "page": page,
        "pages": pages,
        "first": offset + 1,
    }


@router.get("/gaps", response_class=HTMLResponse)
def gaps_page(
    request: Request,
    workspace: WorkspaceDep,
    principal: PagePrincipal,
    settings: SettingsDep,
    status: GapStatus = "uncovered,stale",
    kind: Optional = None,
    category: Optional = None,
    line: Optional = None,
    area_id: Optional = None,
    page: PageNumber = 1,
    as_of: AsOf = None,
) -> Response:
    refuse_leader(principal)
    from api.page_actions import gap_actions, worst_first  # it imports this module

    answer = cut(
        _gap_answer(workspace, status, kind, category, line, area_id, as_of),
        _classes(principal, settings),
    )
    answer = {**answer, "items": worst_first(answer["items"])}
    paged = _paged(answer, page)
    query = {
        "status": status,
        "kind": kind or "",
        "category": category or "",
        "line": line or "",
        "area_id": area_id or "",
    }
    text = PageText(page_language(request))
    choices = [
        ("uncovered,stale", text("gaps.uncovered_stale")),
        *((s, text.status(s)) for s in STATUSES),
        ("covered,stale,indirect,uncovered", text("gaps.all")),
    ]
    return _render(
        request,
        "gaps.html",
        principal,
        answer=answer,
        paged=paged,
        query=query,
        querystring=urlencode({k: v for k, v in query.items() if v}),
        status_choices=choices,
        kinds=SCHEMA.target_kinds,
        areas=workspace.areas(TOWN_KINDS),
        area_names=workspace.names("area"),
        leader_names=workspace.names("leader"),
        **gap_actions(request, workspace, principal, paged["rows"]),
    )


def _download(
    workspace: Workspace,
    principal: Principal,
    settings: Settings,
    status: str,
    kind: str | None,
    category: str | None,
    line: str | None,
    area_id: str | None,
    fmt: str,
) -> Response:
    refuse_leader(principal)
    classes = _classes(principal, settings)
    answer = cut(_gap_answer(workspace, status, kind, category, line, area_id), classes)
    names = cut(workspace.names("area", "leader"), classes)
    stamp = f"gaps-{answer['as_of']}"
    if fmt == "csv":
        return Response(
            gaps_csv(answer, names),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{stamp}.csv"'},
        )
    return Response(
        gaps_xlsx(answer, names),
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="{stamp}.xlsx"'},
    )


@router.get("/gaps.csv")
def gaps_download_csv(
    workspace: WorkspaceDep,
    principal: PagePrincipal,
    settings: SettingsDep,
    status: GapStatus = "uncovered,stale",
    kind: Optional = None,
    category: Optional = None,
    line: Optional = None,
    area_id: Optional = None,
) -> Response:
    return _download(workspace, principal, settings, status, kind, category, line, area_id, "csv")


@router.get("/gaps.xlsx")
def gaps_download_xlsx(
    workspace: WorkspaceDep,
    principal: PagePrincipal,
    settings: SettingsDep,
    status: GapStatus = "uncovered,stale",
    kind: Optional = None,
    category: Optional = None,
    line: Optional = None,
    area_id: Optional = None,
) -> Response:
    return _download(workspace, principal, settings, status, kind, category, line, area_id, "xlsx")


@router.get("/leaders", response_class=HTMLResponse)
def leaders_page(
    request: Request,
    workspace: WorkspaceDep,
    principal: PagePrincipal,
    page: PageNumber = 1,
    as_of: AsOf = None,
) -> Response:
    refuse_leader(principal)
    answer = workspace.leaders(as_of)
    as_of = dt.date.fromisoformat(str(answer["as_of"]))
    return _render(
        request,
        "leaders.html",
        principal,
        answer=answer,
        paged=_paged(answer, page),
        warnings={i["id"]: activity_warnings(i, as_of) for i in answer["items"]},
        querystring="",
    )


@router.get("/leaders/{leader_id}", response_class=HTMLResponse)
def leader_page(
    leader_id: str,
    request: Request,
    workspace: WorkspaceDep,
    principal: PagePrincipal,
    settings: SettingsDep,
    as_of: AsOf = None,
) -> Response:
    from api.page_actions import render_leader  # it imports this module

    return render_leader(request, workspace, principal, settings, leader_id, as_of=as_of)


@router.get("/entities/{entity_id}", response_class=HTMLResponse)
def entity_page(
    entity_id: str,
    request: Request,
    workspace: WorkspaceDep,
    principal: PagePrincipal,
    settings: SettingsDep,
    as_of: AsOf = None,
) -> Response:
    from api.page_actions import render_entity  # it imports this module

    return render_entity(request, workspace, principal, settings, entity_id, as_of=as_of)


# -- network views (pyvis, self-contained) ------------------------------------------------


def _viz(html: str) -> Response:
    return HTMLResponse(html, headers={"Content-Security-Policy": CSP})


def _when(workspace: Workspace, as_of: dt.date | None) -> tuple[dt.date, int]:
    return as_of or dt.date.today(), workspace.policy.window_days


# A node opens its page; an area its own page (with its map). Leaders reach no area page.
ENTITY_LINKS = {k: "/entities/{id}" for k in ("leader", *SCHEMA.target_kinds, "interaction")}
AREA_LINK = {"area": "/areas/{id}"}
EGO_DEPTHS = (0, 1, 2, 3)


def _links(principal: Principal) -> dict[str, str]:
    return ENTITY_LINKS if principal.role == "leader" else {**ENTITY_LINKS, **AREA_LINK}


def _dated(as_of: dt.date | None, language: str = LANGUAGES[0]) -> dict[str, str]:
    """The query every link of a page carries: its date, when it is not today's, and its
    language, when it is not the default."""
    query = {"as_of": as_of.isoformat()} if as_of else {}
    if language != LANGUAGES[0]:
        query["lang"] = language
    return query


@router.get("/viz/leader/{leader_id}", response_class=HTMLResponse)
def viz_leader(
    request: Request,
    leader_id: str,
    workspace: WorkspaceDep,
    principal: PagePrincipal,
    settings: SettingsDep,
    as_of: AsOf = None,
) -> Response:
    from graph.views.render import with_controls

    day, window = _when(workspace, as_of)
    text, language = _text(principal, settings), page_language(request)
    html = leader_network_page(
        workspace, principal, leader_id, day, window, text=text, language=language
    )
    return _viz(with_controls(html, links=_links(principal), query=_dated(as_of, language)))


@router.get("/viz/entity/{entity_id}", response_class=HTMLResponse)
def viz_entity(
    request: Request,
    entity_id: str,
    workspace: WorkspaceDep,
    principal: PagePrincipal,
    settings: SettingsDep,
    depth: Annotated[int, Query(ge=0, le=3)] = 1,
    as_of: AsOf = None,
) -> Response:
    from graph.views.render import with_controls

    day, window = _when(workspace, as_of)
    text, language = _text(principal, settings), page_language(request)
    html = ego_network_page(
        workspace, principal, entity_id, depth, day, window, text=text, language=language
    )
    query = _dated(as_of, language)
    return _viz(
        with_controls(html, links=_links(principal), query=query, depth=depth, depths=EGO_DEPTHS)
    )


@router.get("/viz/area/{area_id}", response_class=HTMLResponse)
def viz_area(
    request: Request,
    area_id: str,
    workspace: WorkspaceDep,
    principal: PagePrincipal,
    settings: SettingsDep,
    as_of: AsOf = None,
) -> Response:
    from graph.views.render import with_controls

    refuse_leader(principal)
    day, window = _when(workspace, as_of)
    language = page_language(request)
    html = workspace.area_map_html(
        area_id, day, window, text=_text(principal, settings), language=language
    )
    return _viz(with_controls(html, links=_links(principal), query=_dated(as_of, language)))


@router.get("/viz/district", response_class=HTMLResponse)
def viz_district(
    request: Request,
    workspace: WorkspaceDep,
    principal: PagePrincipal,
    settings: SettingsDep,
    as_of: AsOf = None,
) -> Response:
    from graph.views.render import district_areas_html, with_controls

    refuse_leader(principal)
    day, window = _when(workspace, as_of)
    language = page_language(request)
    html = district_areas_html(
        workspace.graph(),
        day,
        window,
        coverage=workspace.target_coverage(day, window),
        text=_text(principal, settings),
        language=language,
    )
    # A town opens into its own map.
    query = _dated(as_of, language)
    return _viz(with_controls(html, links={"area": "/viz/area/{id}"}, query=query))

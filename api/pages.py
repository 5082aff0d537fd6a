"""The web pages: server-rendered (Jinja2, autoescaped), Chinese UI, no front-end build.

The token is entered once on /login, which starts a server-side session: the HttpOnly,
SameSite=Strict cookie holds only the session's random id (never the token), expires with
the session, and is Secure when the page came over HTTPS. Logging out, or revoking the
token, ends the session. Pages call the same workspace methods as
the JSON API and follow the same roles.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
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
from graph.labels import PAGE_ROWS, QUOTA_LABELS, STATUS_COLORS, STATUS_LABELS, STATUSES
from graph.schema import SCHEMA
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
    """Chinese labels for templates."""

    status: ClassVar = STATUS_LABELS
    status_colors: ClassVar = STATUS_COLORS
    quota: ClassVar = QUOTA_LABELS
    kind: ClassVar = {k: SCHEMA.node_kinds[k]["label"] for k in SCHEMA.node_kinds}
    category: ClassVar = dict(SCHEMA.enumerations["figure_category"])
    line: ClassVar = dict(SCHEMA.enumerations["line"])

    @staticmethod
    def subtype(item: dict[str, Any]) -> str:
        if item.get("category"):
            return SCHEMA.enum_label("figure_category", item["category"])
        return SCHEMA.enum_label(f"{item['kind']}_kind", item.get("type"))

    @staticmethod
    def interaction(code: str | None) -> str:
        return SCHEMA.enum_label("interaction_kind", code) if code else ""


# Every template, the error page included, reads labels and colours from here.
TEMPLATES.env.globals["labels"] = _Labels


def _render(
    request: Request, template: str, principal: Principal | None, **context: Any
) -> Response:
    response = TEMPLATES.TemplateResponse(request, template, {"principal": principal, **context})
    response.headers["Content-Security-Policy"] = CSP
    return response


TOWN_KINDS = ("district", "town", "subdistrict")


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
        response = _render(request, "login.html", None, next=next, error="令牌无效 invalid token")
        response.status_code = 401
        return response
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
def dashboard(request: Request, workspace: WorkspaceDep, principal: PagePrincipal) -> Response:
    if principal.role == "leader":
        return RedirectResponse(f"/leaders/{principal.leader_id}", status_code=303)
    summary = workspace.coverage()
    blind = workspace.blind_spots()
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
) -> dict[str, Any]:
    return workspace.gaps(
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
) -> Response:
    refuse_leader(principal)
    from api.page_actions import gap_actions, worst_first  # it imports this module

    answer = cut(
        _gap_answer(workspace, status, kind, category, line, area_id),
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
    choices = [
        ("uncovered,stale", "未覆盖+久未联系 uncovered+stale"),
        *((s, f"{_Labels.status[s]} {s}") for s in STATUSES),
        ("covered,stale,indirect,uncovered", "全部 all"),
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
    request: Request, workspace: WorkspaceDep, principal: PagePrincipal, page: PageNumber = 1
) -> Response:
    refuse_leader(principal)
    answer = workspace.leaders()
    return _render(
        request,
        "leaders.html",
        principal,
        answer=answer,
        paged=_paged(answer, page),
        querystring="",
    )


@router.get("/leaders/{leader_id}", response_class=HTMLResponse)
def leader_page(
    leader_id: str,
    request: Request,
    workspace: WorkspaceDep,
    principal: PagePrincipal,
    settings: SettingsDep,
) -> Response:
    from api.page_actions import render_leader  # it imports this module

    return render_leader(request, workspace, principal, settings, leader_id)


@router.get("/entities/{entity_id}", response_class=HTMLResponse)
def entity_page(
    entity_id: str,
    request: Request,
    workspace: WorkspaceDep,
    principal: PagePrincipal,
    settings: SettingsDep,
) -> Response:
    from api.page_actions import render_entity  # it imports this module

    return render_entity(request, workspace, principal, settings, entity_id)


# -- network views (pyvis, self-contained) ------------------------------------------------


def _viz(html: str) -> Response:
    return HTMLResponse(html, headers={"Content-Security-Policy": CSP})


def _as_of(workspace: Workspace) -> tuple[dt.date, int]:
    return dt.date.today(), workspace.policy.window_days


@router.get("/viz/leader/{leader_id}", response_class=HTMLResponse)
def viz_leader(
    leader_id: str, workspace: WorkspaceDep, principal: PagePrincipal, settings: SettingsDep
) -> Response:
    as_of, window = _as_of(workspace)
    text = _text(principal, settings)
    return _viz(leader_network_page(workspace, principal, leader_id, as_of, window, text=text))


@router.get("/viz/entity/{entity_id}", response_class=HTMLResponse)
def viz_entity(
    entity_id: str,
    workspace: WorkspaceDep,
    principal: PagePrincipal,
    settings: SettingsDep,
    depth: Annotated[int, Query(ge=0, le=3)] = 1,
) -> Response:
    as_of, window = _as_of(workspace)
    text = _text(principal, settings)
    return _viz(ego_network_page(workspace, principal, entity_id, depth, as_of, window, text=text))


@router.get("/viz/area/{area_id}", response_class=HTMLResponse)
def viz_area(
    area_id: str, workspace: WorkspaceDep, principal: PagePrincipal, settings: SettingsDep
) -> Response:
    refuse_leader(principal)
    as_of, window = _as_of(workspace)
    text = _text(principal, settings)
    return _viz(workspace.area_map_html(area_id, as_of, window, text=text))


@router.get("/viz/district", response_class=HTMLResponse)
def viz_district(
    workspace: WorkspaceDep, principal: PagePrincipal, settings: SettingsDep
) -> Response:
    from graph.render import district_html

    refuse_leader(principal)
    as_of, window = _as_of(workspace)
    return _viz(
        district_html(
            workspace.graph(),
            as_of,
            window,
            coverage=workspace.target_coverage(as_of, window),
            text=_text(principal, settings),
        )
    )

"""The web pages: server-rendered (Jinja2, autoescaped), Chinese UI, no front-end build.

The token is entered once on /login, which starts a server-side session: the HttpOnly,
SameSite=Strict cookie holds only the session's random id (never the token), expires with
the session, and is Secure when the page came over HTTPS. Logging out, or revoking the
token, ends the session. Pages call the same workspace methods as
the JSON API and follow the same roles.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from concentric.api.access import Principal
from concentric.api.deps import (
    SESSION_COOKIE,
    AccessDep,
    SettingsDep,
    WorkspaceDep,
    note_for_audit,
)
from concentric.api.downloads import gaps_csv, gaps_xlsx
from concentric.api.limits import LIMITS
from concentric.api.page_actions import gap_actions, render_entity, render_leader, worst_first
from concentric.api.page_common import (
    CSP,
    TOWN_KINDS,
    AsOf,
    PagePrincipal,
    PageText,
    _classes,
    _render,
    _text,
    page_language,
)
from concentric.api.privacy import cut
from concentric.api.scope import (
    ego_network_page,
    leader_network_page,
    refuse_leader,
)
from concentric.api.services import page as cut_page
from concentric.api.settings import Settings
from concentric.graph.schema.schema import SCHEMA
from concentric.graph.views.labels import (
    LANGUAGES,
    PAGE_ROWS,
    STATUSES,
    activity_warnings,
)
from concentric.graph.workspace import Workspace

router = APIRouter(include_in_schema=False)


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
    year = (as_of or dt.date.today()).year
    # Past the whole-graph limit the scorecard reads every stored record: the dashboard links
    # to it instead of computing it on every visit after a write.
    counted = principal.role != "analyst" and workspace.assessment_is_cheap()
    cards = workspace.assessment(year, as_of)["leaders"] if counted else []
    return _render(
        request,
        "dashboard.html",
        principal,
        summary=summary,
        lines=blind["lines"],
        areas=areas,
        statuses=STATUSES,
        assessment={
            "counted": counted,
            "year": year,
            "leaders": len(cards),
            "on_track": sum(1 for c in cards if c["on_track"]),
            "behind": [c for c in cards if not c["on_track"]][:10],
        },
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


#: Gap lists in the page's order, by the engine's (memoised) item list they were sorted from;
#: each entry keeps that list, so its id cannot be reused while the entry lives.
_ORDERED: OrderedDict[int, tuple[list[dict[str, Any]], list[dict[str, Any]]]] = OrderedDict()
_ORDERED_KEPT = 4
_ORDERED_LOCK = threading.Lock()


def _worst_first_of(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """:func:`worst_first` of a gap list, sorted once while the workspace keeps that list
    (it memoises answers per data version, so a new version is a new list)."""
    with _ORDERED_LOCK:
        kept = _ORDERED.get(id(items))
        if kept is not None and kept[0] is items:
            _ORDERED.move_to_end(id(items))
            return kept[1]
    ordered = worst_first(items)
    with _ORDERED_LOCK:
        _ORDERED[id(items)] = (items, ordered)
        while len(_ORDERED) > _ORDERED_KEPT:
            _ORDERED.popitem(last=False)
    return ordered


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

    found = _gap_answer(workspace, status, kind, category, line, area_id, as_of)
    # Ordered once per answer and cut a page at a time: cutting and sorting every gap of a
    # province on each request was what made this page slow.
    answer = {**found, "items": _worst_first_of(found["items"])}
    paged = _paged(answer, page)
    paged["rows"] = cut(paged["rows"], _classes(principal, settings))
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
    return render_entity(request, workspace, principal, settings, entity_id, as_of=as_of)


# -- network views (pyvis, self-contained) ------------------------------------------------


def _viz(html: str) -> Response:
    return HTMLResponse(html, headers={"Content-Security-Policy": CSP})


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
    from concentric.graph.views.render import with_controls

    day, window = workspace.when(as_of)
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
    from concentric.graph.views.render import with_controls

    day, window = workspace.when(as_of)
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
    from concentric.graph.views.render import with_controls

    refuse_leader(principal)
    day, window = workspace.when(as_of)
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
    from concentric.graph.views.render import with_controls

    refuse_leader(principal)
    day, window = workspace.when(as_of)
    language = page_language(request)
    html = workspace.district_map_html(
        day, window, text=_text(principal, settings), language=language
    )
    # A town opens into its own map.
    query = _dated(as_of, language)
    return _viz(with_controls(html, links={"area": "/viz/area/{id}"}, query=query))

"""A page for every analysis: blind spots, single points, suggestions, changes between two
dates, search and one page per area.

For admins, planners and analysts only (a leader gets 403, as on the gap list); every
answer is cut to the caller's field classes (:mod:`api.privacy`) before it is shown. Each
page calls the same workspace method as its API route, on the date of the page's
``as_of`` (today when absent), and its links carry that date on.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any
from urllib.parse import urlencode

import jinja2
from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from concentric.api.deps import SettingsDep, WorkspaceDep
from concentric.api.page_common import (
    TEMPLATES,
    TOWN_KINDS,
    AsOf,
    PagePrincipal,
    PageText,
    _classes,
    _render,
    page_language,
)
from concentric.api.pages import Optional, PageNumber, _paged
from concentric.api.privacy import cut
from concentric.api.scope import refuse_leader
from concentric.graph.engine.coverage import GraphTooLarge, QueryError, UnknownId
from concentric.graph.schema.schema import SCHEMA
from concentric.graph.views.labels import STATUSES, ui_text
from concentric.graph.views.render import ratio_colour
from concentric.graph.workspace import Workspace

router = APIRouter(include_in_schema=False)

#: Every status, for the filters that look at all targets.
ALL_STATUSES = ",".join(STATUSES)
#: The statuses a suggestion is made for, and the choices of its status filter.
SUGGESTED = ("uncovered", "stale")


@jinja2.pass_context
def href(context: Any, path: str, **params: Any) -> str:
    """``path`` with ``params`` and the page's own ``as_of`` and ``lang`` (each unless
    given), as a link: a page asked for a date or a language keeps it on the next page."""
    request: Request = context["request"]
    query = {k: str(v) for k, v in params.items() if v not in (None, "")}
    for kept in ("as_of", "lang"):
        value = request.query_params.get(kept)
        if value and kept not in query:
            query[kept] = value
    return f"{path}?{urlencode(query)}" if query else path


TEMPLATES.env.globals["href"] = href
TEMPLATES.env.globals["ratio_colour"] = ratio_colour


def _area_names(workspace: Workspace) -> dict[str, str]:
    return workspace.names("area")


def _statuses(text: str, allowed: tuple[str, ...], language: str) -> list[str]:
    """A comma-separated status filter, each one of ``allowed`` (400 naming the bad one)."""
    wanted = [s for s in text.split(",") if s]
    bad = [s for s in wanted if s not in allowed]
    if bad:
        words = PageText(language)
        choices = words("sep").join(
            s if language == "en" else f"{s}（{words.status(s)}）" for s in allowed
        )
        raise QueryError(words("an.bad_status", value=bad[0], choices=choices))
    return wanted or list(allowed)


# -- blind spots ---------------------------------------------------------------------------


@router.get("/blind-spots", response_class=HTMLResponse)
def blind_spots_page(
    request: Request,
    workspace: WorkspaceDep,
    principal: PagePrincipal,
    settings: SettingsDep,
    as_of: AsOf = None,
) -> Response:
    refuse_leader(principal)
    answer = cut(workspace.blind_spots(as_of), _classes(principal, settings))
    categories = list(SCHEMA.enumerations["figure_category"])
    rows: dict[str, dict[str, Any]] = {}
    for cell in answer["matrix"]:
        row = rows.setdefault(
            cell["area_id"], {"id": cell["area_id"], "name": cell["area_name"], "cells": {}}
        )
        row["cells"][cell["category"]] = cell
    names = _area_names(workspace)
    return _render(
        request,
        "blind_spots.html",
        principal,
        answer=answer,
        categories=categories,
        rows=list(rows.values()),
        without_station=[
            {"id": a, "name": names.get(a, a)} for a in answer["areas_without_station"]
        ],
    )


# -- single points -------------------------------------------------------------------------


@router.get("/single-points", response_class=HTMLResponse)
def single_points_page(
    request: Request,
    workspace: WorkspaceDep,
    principal: PagePrincipal,
    settings: SettingsDep,
    page: PageNumber = 1,
    as_of: AsOf = None,
) -> Response:
    refuse_leader(principal)
    answer = cut(workspace.single_points(as_of), _classes(principal, settings))
    return _render(
        request,
        "single_points.html",
        principal,
        answer=answer,
        paged=_paged(answer, page),
        querystring=urlencode({"as_of": as_of.isoformat()} if as_of else {}),
    )


# -- suggestions ---------------------------------------------------------------------------


@router.get("/suggestions", response_class=HTMLResponse)
def suggestions_page(
    request: Request,
    workspace: WorkspaceDep,
    principal: PagePrincipal,
    settings: SettingsDep,
    status: Annotated[str, Query()] = ",".join(SUGGESTED),
    line: Optional = None,
    area_id: Optional = None,
    page: PageNumber = 1,
    as_of: AsOf = None,
) -> Response:
    """The cheapest assignment of the targets the filter keeps (the gap list's status, line
    and area rules) to the leaders with room left. Past the whole-graph limit it is made an
    area at a time: without an area (or for the whole district) the page asks for one."""
    refuse_leader(principal)
    language = page_language(request)
    statuses = _statuses(status, SUGGESTED, language)
    classes = _classes(principal, settings)
    try:
        found = workspace.recommend(
            as_of, statuses=statuses, line=line or None, area_id=area_id or None
        )
    except GraphTooLarge:
        found = None
    if found is None:
        answer: dict[str, Any] = {
            "as_of": workspace.when(as_of)[0].isoformat(),
            "items": [],
            "total": 0,
        }
    else:
        answer = cut(dict(found), classes)
        kept = workspace.gaps(as_of, statuses=statuses, line=line or None, area_id=area_id or None)
        areas_of = {item["id"]: item["area_id"] for item in kept["items"]}
        items = [{**i, "area_id": areas_of.get(i["target_id"])} for i in answer["items"]]
        answer = {**answer, "items": items}
    query = {
        "status": ",".join(statuses),
        "line": line or "",
        "area_id": area_id or "",
        "as_of": as_of.isoformat() if as_of else "",
    }
    return _render(
        request,
        "suggestions.html",
        principal,
        answer=answer,
        choose_area=found is None,
        paged=_paged(answer, page),
        query=query,
        querystring=urlencode({k: v for k, v in query.items() if v}),
        status_choices=[
            (",".join(SUGGESTED), ui_text("suggest.both", language)),
            *((s, PageText(language).status(s)) for s in SUGGESTED),
        ],
        areas=workspace.areas(TOWN_KINDS),
        area_names=_area_names(workspace),
    )


# -- changes -------------------------------------------------------------------------------


def _date(name: str, text: str | None, language: str) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise QueryError(ui_text("an.bad_date", language, field=name, value=text)) from None


@router.get("/changes", response_class=HTMLResponse)
def changes_page(
    request: Request,
    workspace: WorkspaceDep,
    principal: PagePrincipal,
    settings: SettingsDep,
    start: Annotated[str | None, Query(alias="from")] = None,
    end: Annotated[str | None, Query(alias="to")] = None,
    page: PageNumber = 1,
    as_of: AsOf = None,
) -> Response:
    """Targets whose status differs between ``from`` and ``to`` (``to``: the page's date;
    ``from``: a year before it)."""
    refuse_leader(principal)
    language = page_language(request)
    to = _date("to", end, language) or as_of or dt.date.today()
    since = _date("from", start, language) or to - dt.timedelta(days=365)
    if since > to:
        raise QueryError(ui_text("an.reversed", language, start=since, end=to))
    answer = cut(dict(workspace.changes(since, to)), _classes(principal, settings))
    query = {"from": since.isoformat(), "to": to.isoformat()}
    if as_of:
        query["as_of"] = as_of.isoformat()
    return _render(
        request,
        "changes.html",
        principal,
        answer=answer,
        paged=_paged(answer, page),
        query=query,
        querystring=urlencode(query),
    )


# -- search --------------------------------------------------------------------------------


@router.get("/search", response_class=HTMLResponse)
def search_page(
    request: Request,
    workspace: WorkspaceDep,
    principal: PagePrincipal,
    settings: SettingsDep,
    q: Annotated[str, Query(max_length=100)] = "",
    as_of: AsOf = None,
) -> Response:
    """Entities by name, id, pinyin or pinyin initials (an empty box: just the form)."""
    refuse_leader(principal)
    answer = (
        cut(dict(workspace.search(q.strip())), _classes(principal, settings)) if q.strip() else None
    )
    return _render(
        request, "search.html", principal, q=q, answer=answer, area_names=_area_names(workspace)
    )


# -- an area -------------------------------------------------------------------------------


@router.get("/areas/{area_id}", response_class=HTMLResponse)
def area_page(
    area_id: str,
    request: Request,
    workspace: WorkspaceDep,
    principal: PagePrincipal,
    settings: SettingsDep,
    as_of: AsOf = None,
) -> Response:
    """An area's counts, the areas below it (with theirs), its gaps and its map."""
    refuse_leader(principal)
    index = workspace.index()
    position = index.area_position.get(area_id)
    if position is None:
        raise UnknownId(f"unknown area id {area_id!r}")
    names = _area_names(workspace)
    by_area = workspace.coverage(as_of)["by_area"]
    parent = int(index.area_parent[position])
    below = [
        {"id": a, "name": names.get(a, a), "counts": by_area[a]}
        for i, a in enumerate(index.area_list)
        if int(index.area_parent[i]) == position
    ]
    gaps = cut(dict(workspace.gaps(as_of, area_id=area_id)), _classes(principal, settings))
    return _render(
        request,
        "area.html",
        principal,
        area={
            "id": area_id,
            "name": names.get(area_id, area_id),
            "kind": index.area_kinds.get(area_id),
        },
        parent={"id": index.area_list[parent], "name": names.get(index.area_list[parent])}
        if parent >= 0
        else None,
        counts=by_area[area_id],
        below=below,
        gaps=gaps,
        paged=_paged(gaps, 1),
        leader_names=workspace.names("leader"),
        area_names=names,
        statuses=STATUSES,
        as_of=as_of,
    )

"""The register's completeness page (``/completeness``; docs/register.md)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from concentric.api.deps import SettingsDep, WorkspaceDep
from concentric.api.page_common import PagePrincipal, _classes, _render
from concentric.api.pages import PageNumber, _paged
from concentric.api.routers.register import completeness_for
from concentric.api.scope import refuse_leader
from concentric.graph.engine.completeness import CHECKS

router = APIRouter(include_in_schema=False)


@router.get("/completeness", response_class=HTMLResponse)
def completeness_page(
    request: Request,
    workspace: WorkspaceDep,
    principal: PagePrincipal,
    settings: SettingsDep,
    page: PageNumber = 1,
) -> Response:
    """Per table, per area (worst first) and per source file, then the incomplete records;
    as the API answers this viewer."""
    refuse_leader(principal)
    answer = completeness_for(workspace.completeness(), _classes(principal, settings))
    return _render(
        request,
        "completeness.html",
        principal,
        answer=answer,
        checks=list(CHECKS),
        paged=_paged(answer, page),
        querystring="",
    )

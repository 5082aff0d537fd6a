"""The yearly assessment's page (/assessment): the scorecard of every leader for admins
and planners, a leader's own card for a leader (the same rule as the API route)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from concentric.api.assessment import assessment_for, criterion_value, evidence_text, period_text
from concentric.api.deps import WorkspaceDep
from concentric.api.page_common import TEMPLATES, AsOf, PagePrincipal, _render

router = APIRouter(include_in_schema=False)

TEMPLATES.env.globals["assessment_value"] = criterion_value
TEMPLATES.env.globals["assessment_evidence"] = evidence_text
TEMPLATES.env.globals["assessment_period"] = period_text


@router.get("/assessment", response_class=HTMLResponse)
def assessment_page(
    request: Request,
    workspace: WorkspaceDep,
    principal: PagePrincipal,
    as_of: AsOf = None,
    year: Annotated[int | None, Query(ge=1949, le=9998)] = None,
) -> Response:
    day = as_of or dt.date.today()
    answer = assessment_for(workspace, principal, year or day.year, day)
    return _render(
        request,
        "assessment.html",
        principal,
        answer=answer,
        town_names=workspace.names("area"),
    )

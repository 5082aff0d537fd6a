"""The yearly assessment's scorecard (docs/assessment.md)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import Response

from concentric.api.answer_route import ThreadEncodedRoute
from concentric.api.assessment import assessment_for
from concentric.api.calendar import FEED_DAYS, calendar_feed, leader_due
from concentric.api.deps import AccessDep, PrincipalDep, WorkspaceDep
from concentric.api.routers.params import AsOf
from concentric.api.schemas import ERROR_RESPONSES
from concentric.graph.engine.coverage import UnknownId

router = APIRouter(tags=["analysis"], responses=ERROR_RESPONSES, route_class=ThreadEncodedRoute)

Year = Annotated[int, Query(ge=1949, le=9998, description="The calendar year assessed.")]


@router.get("/api/v1/assessment")
def assessment(
    workspace: WorkspaceDep, principal: PrincipalDep, year: Year, as_of: AsOf = None
) -> dict[str, Any]:
    """The 四个带头 scorecard for ``year``: each leader's criteria (measured value,
    requirement, points, evidence), totals, roll-ups per department and town, and the
    year before. Admins and planners see every leader; a leader token only itself."""
    return assessment_for(workspace, principal, year, as_of)


#: What a feed URL that opens nothing answers (unknown, revoked, or its leader gone).
NO_FEED = "no such calendar feed (unknown or revoked)"


@router.get("/calendar/{secret}.ics", include_in_schema=False)
def calendar(secret: str, request: Request, workspace: WorkspaceDep, access: AccessDep) -> Response:
    """A leader's calendar feed: the secret in the URL is the credential (calendar programs
    send no token); revoked or unknown, 404 (never saying which)."""
    leader_id = access.calendar_leader(secret)
    if leader_id is None:
        raise HTTPException(404, NO_FEED)
    try:
        due = leader_due(workspace, leader_id, None, FEED_DAYS)
    except UnknownId:
        raise HTTPException(404, NO_FEED) from None
    stamp = dt.datetime.now(dt.UTC).replace(microsecond=0)
    body = calendar_feed(due, str(request.base_url), stamp)
    return Response(body, media_type="text/calendar; charset=utf-8")

"""The yearly assessment's scorecard (docs/assessment.md)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from concentric.api.assessment import assessment_for
from concentric.api.deps import PrincipalDep, WorkspaceDep
from concentric.api.routers.params import AsOf
from concentric.api.schemas import ERROR_RESPONSES

router = APIRouter(prefix="/api/v1", tags=["analysis"], responses=ERROR_RESPONSES)

Year = Annotated[int, Query(ge=1949, le=9998, description="The calendar year assessed.")]


@router.get("/assessment")
def assessment(
    workspace: WorkspaceDep, principal: PrincipalDep, year: Year, as_of: AsOf = None
) -> dict[str, Any]:
    """The 四个带头 scorecard for ``year``: each leader's criteria (measured value,
    requirement, points, evidence), totals, roll-ups per department and town, and the
    year before. Admins and planners see every leader; a leader token only itself."""
    return assessment_for(workspace, principal, year, as_of)

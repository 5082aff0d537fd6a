"""Coverage summary and gap list (spec sections 4 and 5)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import Reader, WorkspaceDep
from api.routers.params import AsOf, Limit, Offset, Window
from api.schemas import ERROR_RESPONSES, CoverageSummary, GapList
from api.services import page

router = APIRouter(prefix="/api/v1", tags=["coverage"], responses=ERROR_RESPONSES)


@router.get("/coverage", response_model=CoverageSummary)
def coverage(
    workspace: WorkspaceDep, _: Reader, as_of: AsOf = None, window_days: Window = None
) -> dict[str, object]:
    """Targets covered, stale, indirect and uncovered, by kind, category, line and area."""
    return workspace.coverage(as_of, window_days)


@router.get("/gaps", response_model=GapList)
def gaps(
    workspace: WorkspaceDep,
    _: Reader,
    status: Annotated[str, Query(description="Comma-separated statuses.")] = "uncovered,stale",
    kind: Annotated[str | None, Query(description="figure, organization or unit")] = None,
    category: Annotated[str | None, Query(description="Figure category code or label")] = None,
    line: Annotated[str | None, Query(description="Line code or label")] = None,
    area_id: Annotated[str | None, Query(description="Area id (includes areas below)")] = None,
    as_of: AsOf = None,
    window_days: Window = None,
    limit: Limit = None,
    offset: Offset = 0,
) -> dict[str, object]:
    """Targets with the given statuses, worst first, filtered."""
    statuses = [s.strip() for s in status.split(",") if s.strip()]
    answer = workspace.gaps(
        as_of,
        window_days,
        statuses=statuses,
        kind=kind,
        category=category,
        line=line,
        area_id=area_id,
    )
    return page(answer, limit, offset)

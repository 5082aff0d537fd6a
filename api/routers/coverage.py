"""Coverage summary and gap list (spec sections 4 and 5)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from concentric.api.answer_route import ThreadEncodedRoute, exact_answer
from concentric.api.deps import Reader, WorkspaceDep
from concentric.api.limits import OneOf
from concentric.api.routers.params import (
    AreaId,
    AsOf,
    Limit,
    Line,
    Offset,
    Statuses,
    Window,
)
from concentric.api.schemas import ERROR_RESPONSES, CoverageSummary, GapList, TargetKind
from concentric.api.services import page

FigureCategory = Annotated[str, OneOf("figure_category", "Figure category: code or label.")]

router = APIRouter(
    prefix="/api/v1", tags=["coverage"], responses=ERROR_RESPONSES, route_class=ThreadEncodedRoute
)


@router.get("/coverage", response_model=CoverageSummary)
@exact_answer
def coverage(
    workspace: WorkspaceDep, _: Reader, as_of: AsOf = None, window_days: Window = None
) -> dict[str, object]:
    """Targets covered, stale, indirect and uncovered, by kind, category, line and area."""
    return workspace.coverage(as_of, window_days)


@router.get("/gaps", response_model=GapList)
@exact_answer
def gaps(
    workspace: WorkspaceDep,
    _: Reader,
    status: Statuses = "uncovered,stale",
    kind: Annotated[TargetKind | None, Query(description="figure, organization or unit")] = None,
    category: Annotated[FigureCategory | None, Query()] = None,
    line: Annotated[Line | None, Query()] = None,
    area_id: AreaId = None,
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

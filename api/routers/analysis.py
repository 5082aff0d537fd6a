"""The analyses planners and analysts act on."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from concentric.api.answer_route import ThreadEncodedRoute, exact_answer
from concentric.api.deps import Reader, WorkspaceDep
from concentric.api.routers.params import (
    AreaId,
    AsOf,
    Limit,
    Line,
    Offset,
    QueryDate,
    Sample,
    Seed,
    Statuses,
    Window,
)
from concentric.api.schemas import (
    ERROR_RESPONSES,
    BlindSpots,
    Brokers,
    Changes,
    Communities,
    Departure,
    DepartureRequest,
    LeaderLoad,
    Recommendations,
    SinglePoints,
)
from concentric.api.services import page

router = APIRouter(
    prefix="/api/v1", tags=["analysis"], responses=ERROR_RESPONSES, route_class=ThreadEncodedRoute
)


@router.get("/leaders", response_model=LeaderLoad)
@exact_answer
def leaders(
    workspace: WorkspaceDep,
    _: Reader,
    as_of: AsOf = None,
    window_days: Window = None,
    limit: Limit = None,
    offset: Offset = 0,
) -> dict[str, object]:
    """Load and quota status of every leader in office, worst first."""
    return page(workspace.leaders(as_of, window_days), limit, offset)


@router.get("/single-points", response_model=SinglePoints)
@exact_answer
def single_points(
    workspace: WorkspaceDep,
    _: Reader,
    as_of: AsOf = None,
    window_days: Window = None,
    limit: Limit = None,
    offset: Offset = 0,
) -> dict[str, object]:
    """Targets with exactly one assigned leader."""
    return page(workspace.single_points(as_of, window_days), limit, offset)


@router.post("/departure", response_model=Departure)
@exact_answer
def departure(workspace: WorkspaceDep, _: Reader, body: DepartureRequest) -> dict[str, object]:
    """What these leaders' departure would leave uncovered, with ranked successors."""
    return page(workspace.departure(body.leader_ids, body.as_of, body.window_days), None, 0)


@router.get("/blind-spots", response_model=BlindSpots)
def blind_spots(
    workspace: WorkspaceDep, _: Reader, as_of: AsOf = None, window_days: Window = None
) -> dict[str, object]:
    """Empty area × category cells, towns without a station, and the five-line score."""
    return workspace.blind_spots(as_of, window_days)


@router.get("/recommendations", response_model=Recommendations)
@exact_answer
def recommendations(
    workspace: WorkspaceDep,
    _: Reader,
    status: Statuses = "uncovered,stale",
    line: Annotated[Line | None, Query()] = None,
    area_id: AreaId = None,
    as_of: AsOf = None,
    window_days: Window = None,
    limit: Limit = None,
    offset: Offset = 0,
) -> dict[str, object]:
    """A min-cost assignment of leaders to the targets in scope (the filters of /gaps);
    past the whole-graph limit one town (``area_id``) at a time."""
    statuses = [s.strip() for s in status.split(",") if s.strip()]
    answer = workspace.recommend(as_of, window_days, statuses, area_id=area_id, line=line)
    return page(answer, limit, offset)


@router.get("/changes", response_model=Changes, response_model_by_alias=True)
@exact_answer
def changes(
    workspace: WorkspaceDep,
    _: Reader,
    start: Annotated[QueryDate, Query(alias="from", description="Start date")],
    end: Annotated[QueryDate | None, Query(alias="to", description="End date (today)")] = None,
    window_days: Window = None,
    limit: Limit = None,
    offset: Offset = 0,
) -> dict[str, object]:
    """Targets whose status changed between two dates, grouped by transition."""
    return page(workspace.changes(start, end, window_days), limit, offset)


@router.get("/brokers", response_model=Brokers)
def brokers(
    workspace: WorkspaceDep,
    _: Reader,
    top: Annotated[int, Query(ge=1, le=500)] = 20,
    area_id: AreaId = None,
    sample: Sample = None,
    seed: Seed = 7,
) -> dict[str, object]:
    """Figures and organizations bridging groups (betweenness): in an area (and the areas
    below it), on a sample of targets, or (within the whole-graph limit) everywhere."""
    return workspace.brokers(top, area_id=area_id, sample=sample, seed=seed)


@router.get("/communities", response_model=Communities)
@exact_answer
def communities(
    workspace: WorkspaceDep,
    _: Reader,
    area_id: AreaId = None,
    sample: Sample = None,
    seed: Seed = 7,
) -> dict[str, object]:
    """Densely tied groups (Louvain): in an area (and the areas below it), on a sample of
    targets, or (within the whole-graph limit) everywhere."""
    return workspace.communities(area_id=area_id, sample=sample, seed=seed)

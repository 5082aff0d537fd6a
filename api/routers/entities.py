"""Entities, search, networks, and a leader's own view (the only part a leader token reaches)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from concentric.api.answer_route import ThreadEncodedRoute, exact_answer
from concentric.api.deps import PrincipalDep, Reader, SettingsDep, WorkspaceDep
from concentric.api.limits import EntityId
from concentric.api.privacy import cut, entity_classes
from concentric.api.routers.params import AsOf, EntityIdPath, LeaderIdPath, Limit, Offset, Window
from concentric.api.schemas import (
    ERROR_RESPONSES,
    EgoNetwork,
    Entity,
    LeaderLoadItem,
    RelationshipPath,
    SearchResult,
    Todo,
)
from concentric.api.scope import entity_for, leader_view, network_for, todo_for
from concentric.api.services import page
from concentric.graph.engine.coverage import UnknownId

router = APIRouter(
    prefix="/api/v1", tags=["entities"], responses=ERROR_RESPONSES, route_class=ThreadEncodedRoute
)


@router.get("/entities/{entity_id}", response_model=Entity)
def entity(
    entity_id: EntityIdPath,
    request: Request,
    workspace: WorkspaceDep,
    principal: PrincipalDep,
    settings: SettingsDep,
    as_of: AsOf = None,
    window_days: Window = None,
) -> Any:
    """One entity: properties, coverage, ties and recent interactions, cut to the fields
    the caller's role may see (read is audited).

    A leader token: itself, its own targets and its interactions, cut to its scope."""
    classes = entity_classes(principal, settings.sensitive_roles, workspace, entity_id)
    record = cut(entity_for(workspace, principal, entity_id, as_of, window_days), classes)
    # Cut for this record: a leader's own target shows more than the role's default view.
    request.state.fields_cut = True
    return record


@router.get("/search", response_model=SearchResult)
@exact_answer
def search(
    workspace: WorkspaceDep,
    _: Reader,
    q: Annotated[
        str, Query(min_length=1, max_length=100, pattern=r"\S", description="Name, id or pinyin")
    ],
    limit: Limit = None,
    offset: Offset = 0,
) -> dict[str, object]:
    """Entities by name, id or pinyin (``wangwei`` finds 王伟, ``ww`` too)."""
    return page(workspace.search(q, limit=10_000), limit, offset)


@router.get("/network/{entity_id}", response_model=EgoNetwork)
def network(
    entity_id: EntityIdPath,
    workspace: WorkspaceDep,
    principal: PrincipalDep,
    depth: Annotated[int, Query(ge=0, le=4)] = 1,
) -> dict[str, object]:
    """The ego network of an entity (a leader token: cut to its scope at any depth)."""
    return network_for(workspace, principal, entity_id, depth)


@router.get("/path", response_model=RelationshipPath, response_model_by_alias=True)
def path(
    workspace: WorkspaceDep,
    _: Reader,
    source: Annotated[EntityId, Query(description="Entity id to start from")],
    target: Annotated[EntityId, Query(description="Entity id to reach")],
) -> dict[str, object]:
    """The shortest chain of real relationships between two entities."""
    return workspace.path(source, target)


@router.get("/leaders/{leader_id}", response_model=LeaderLoadItem)
@exact_answer
def leader(
    leader_id: LeaderIdPath,
    workspace: WorkspaceDep,
    principal: PrincipalDep,
    as_of: AsOf = None,
    window_days: Window = None,
) -> dict[str, object]:
    """One leader's load and quota status (a leader token: only its own)."""
    scope = leader_view(workspace, principal, leader_id)
    for item in workspace.leaders(as_of, window_days)["items"]:
        if item["id"] == leader_id:
            return dict(scope.cut(item)) if scope else dict(item)
    raise UnknownId(f"unknown leader id {leader_id!r} (or not in office)")


@router.get("/leaders/{leader_id}/todo", response_model=Todo)
@exact_answer
def todo(
    leader_id: LeaderIdPath,
    workspace: WorkspaceDep,
    principal: PrincipalDep,
    as_of: AsOf = None,
    window_days: Window = None,
    limit: Limit = None,
    offset: Offset = 0,
) -> dict[str, object]:
    """A leader's overdue and soon-due targets (a leader token: only its own)."""
    scope = leader_view(workspace, principal, leader_id)
    return page(todo_for(workspace, scope, leader_id, as_of, window_days), limit, offset)

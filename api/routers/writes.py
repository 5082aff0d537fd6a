"""Writes: log an interaction, assign or end a contact. Durable once answered."""

from __future__ import annotations

from fastapi import APIRouter, Request

from api.deps import Planner, PrincipalDep, WorkspaceDep, require
from api.schemas import ERROR_RESPONSES, ContactEnd, ContactIn, InteractionIn, WriteResult
from api.services import Forbidden, assign_contact, end_contact, log_interaction

router = APIRouter(prefix="/api/v1", tags=["writes"], responses=ERROR_RESPONSES)

_ = require  # roles are checked per route below


@router.post("/interactions", response_model=WriteResult, status_code=201)
def post_interaction(
    body: InteractionIn, request: Request, workspace: WorkspaceDep, principal: PrincipalDep
) -> dict[str, object]:
    """Log a visit, talk or meeting (planners; leaders for their own)."""
    if principal.role not in ("admin", "planner", "leader"):
        raise Forbidden(f"the {principal.role} role may not write")
    interaction_id, version = log_interaction(workspace, body, principal)
    request.state.audit_detail = {"interaction": interaction_id, "targets": body.target_ids}
    return {"ok": True, "id": interaction_id, "version": version}


@router.post("/contacts", response_model=WriteResult, status_code=201)
def post_contact(
    body: ContactIn, request: Request, workspace: WorkspaceDep, _: Planner
) -> dict[str, object]:
    """Assign a leader to a target."""
    version = assign_contact(workspace, body)
    request.state.audit_detail = {"leader": body.leader_id, "target": body.target_id}
    return {"ok": True, "version": version}


@router.post("/contacts/end", response_model=WriteResult)
def post_contact_end(
    body: ContactEnd, request: Request, workspace: WorkspaceDep, _: Planner
) -> dict[str, object]:
    """End the open contact between a leader and a target."""
    version = end_contact(workspace, body)
    request.state.audit_detail = {
        "leader": body.leader_id,
        "target": body.target_id,
        "until": body.until,
    }
    return {"ok": True, "version": version}

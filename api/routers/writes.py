"""Writes: log an interaction, assign or end a contact. Durable once answered.

Each takes an optional ``Idempotency-Key`` header (api/idempotency.py): a retry with the
same key gets the first answer and writes nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from fastapi import APIRouter, Request, Response

from concentric.api.answer_route import ThreadEncodedRoute, exact_answer
from concentric.api.deps import Planner, PrincipalDep, WorkspaceDep, require
from concentric.api.idempotency import Answer, IdempotencyDep, IdempotencyKey, request_hash
from concentric.api.schemas import (
    ERROR_RESPONSES,
    ContactEnd,
    ContactIn,
    InteractionIn,
    WriteResult,
)
from concentric.api.services import (
    Conflict,
    Forbidden,
    assign_contact,
    end_contact,
    log_interaction,
)

router = APIRouter(
    prefix="/api/v1", tags=["writes"], responses=ERROR_RESPONSES, route_class=ThreadEncodedRoute
)

_ = require  # roles are checked per route below

REPLAYED = "Idempotent-Replayed"


def _once(
    request: Request,
    response: Response,
    idempotency: IdempotencyDep,
    token_id: str,
    key: str | None,
    body: dict[str, object],
    write: Callable[[], Answer],
) -> dict[str, object]:
    """``write()``'s answer, or the answer the first request with ``key`` got."""
    fingerprint = request_hash(request.method, request.url.path, body)
    answer, replayed = idempotency.run(token_id, key, fingerprint, write)
    response.status_code = answer.status
    if replayed:
        response.headers[REPLAYED] = "true"
    return answer.body


def keyed_interaction_id(token_id: str, key: str) -> str:
    """The id of an interaction logged without one under an Idempotency-Key: the same on
    every retry, so a retry that finds it stored (its first answer lost with a crashed
    server) knows the write happened."""
    return "I-" + hashlib.sha256(f"{token_id}\0{key}".encode()).hexdigest()[:16]


@router.post("/interactions", response_model=WriteResult, status_code=201)
@exact_answer
def post_interaction(
    body: InteractionIn,
    request: Request,
    response: Response,
    workspace: WorkspaceDep,
    principal: PrincipalDep,
    idempotency: IdempotencyDep,
    idempotency_key: IdempotencyKey = None,
) -> dict[str, object]:
    """Log a visit, talk or meeting (planners; leaders for their own)."""
    if principal.role not in ("admin", "planner", "leader"):
        raise Forbidden(f"the {principal.role} role may not write")

    def write() -> Answer:
        given = body
        if idempotency_key is not None and body.id is None:
            given = body.model_copy(
                update={"id": keyed_interaction_id(principal.token_id, idempotency_key)}
            )
        try:
            interaction_id, version = log_interaction(workspace, given, principal)
        except Conflict:
            if given is body:
                raise
            # Written by an earlier try with this key whose answer was never kept.
            interaction_id, version = str(given.id), workspace.store.version()
        request.state.audit_detail = {"interaction": interaction_id, "targets": body.target_ids}
        return Answer(201, {"ok": True, "id": interaction_id, "version": version})

    return _once(
        request,
        response,
        idempotency,
        principal.token_id,
        idempotency_key,
        body.model_dump(mode="json"),
        write,
    )


@router.post("/contacts", response_model=WriteResult, status_code=201)
def post_contact(
    body: ContactIn,
    request: Request,
    response: Response,
    workspace: WorkspaceDep,
    principal: Planner,
    idempotency: IdempotencyDep,
    idempotency_key: IdempotencyKey = None,
) -> dict[str, object]:
    """Assign a leader to a target."""

    def write() -> Answer:
        version = assign_contact(workspace, body)
        request.state.audit_detail = {"leader": body.leader_id, "target": body.target_id}
        return Answer(201, {"ok": True, "version": version})

    return _once(
        request,
        response,
        idempotency,
        principal.token_id,
        idempotency_key,
        body.model_dump(mode="json"),
        write,
    )


@router.post("/contacts/end", response_model=WriteResult)
def post_contact_end(
    body: ContactEnd,
    request: Request,
    response: Response,
    workspace: WorkspaceDep,
    principal: Planner,
    idempotency: IdempotencyDep,
    idempotency_key: IdempotencyKey = None,
) -> dict[str, object]:
    """End the open contact between a leader and a target."""

    def write() -> Answer:
        version = end_contact(workspace, body)
        request.state.audit_detail = {
            "leader": body.leader_id,
            "target": body.target_id,
            "until": body.until.isoformat(),
        }
        return Answer(200, {"ok": True, "version": version})

    return _once(
        request,
        response,
        idempotency,
        principal.token_id,
        idempotency_key,
        body.model_dump(mode="json"),
        write,
    )

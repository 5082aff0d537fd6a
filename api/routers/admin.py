"""Tokens and the audit log (admin only), and the health check (no token)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Request

from concentric.api.access import require_known_leader
from concentric.api.answer_route import ThreadEncodedRoute
from concentric.api.deps import AccessDep, Admin, WorkspaceDep, note_for_audit
from concentric.api.health import AuditHealth
from concentric.api.routers.params import Limit, Offset
from concentric.api.schemas import (
    ERROR_RESPONSES,
    AuditLog,
    Health,
    TokenCreated,
    TokenIn,
    TokenInfo,
)
from concentric.graph.workspace import Workspace

router = APIRouter(tags=["admin"], route_class=ThreadEncodedRoute)


@router.get("/healthz", response_model=Health)
async def healthz(request: Request) -> dict[str, object]:
    """Liveness and the data version; needs no token and shows no data.

    Answered on the event loop, not in the thread pool, so it answers while every worker
    thread is busy; the version is read at most once a second (api.health.VersionProbe).

    `degraded` (still HTTP 200: reads are answered, and a restart would not free a disk)
    while audit entries cannot be written, with the reason; `ok` again once one is.
    """
    health: AuditHealth = request.app.state.audit_health
    workspace: Workspace = request.app.state.workspace  # no dependency: those run in threads
    failure = health.failure()
    return {
        "status": "degraded" if failure else "ok",
        "store": workspace.store.location.split("://")[0]
        if "://" in workspace.store.location
        else "embedded",
        "version": request.app.state.version_probe.version(),
        "reason": failure.reason() if failure else None,
        "audit_failure": vars(failure) if failure else None,
    }


@router.post(
    "/api/v1/tokens", response_model=TokenCreated, status_code=201, responses=ERROR_RESPONSES
)
def create_token(
    body: TokenIn, request: Request, access: AccessDep, workspace: WorkspaceDep, _: Admin
) -> dict[str, object]:
    """Create a token (a leader token only for an existing leader); it is shown once."""
    try:
        if body.leader_id is not None:
            require_known_leader(workspace, body.leader_id)
        token = access.create_token(body.role, body.leader_id, body.expires_days)
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from exc
    info = access.token_info(token)
    assert info is not None
    # The audit names the new token's id, role, leader and expiry; never the token.
    note_for_audit(request, created={k: info[k] for k in ("id", "role", "leader_id", "expires")})
    return {"token": token, **{k: info[k] for k in ("id", "role", "leader_id", "expires")}}


@router.get("/api/v1/tokens", response_model=list[TokenInfo], responses=ERROR_RESPONSES)
def list_tokens(access: AccessDep, _: Admin) -> list[dict[str, object]]:
    """Every token's id, role and dates (never the token)."""
    return access.tokens()


@router.delete("/api/v1/tokens/{token_id}", status_code=204, responses=ERROR_RESPONSES)
def revoke_token(
    token_id: Annotated[str, Path(max_length=64)], request: Request, access: AccessDep, _: Admin
) -> None:
    """Revoke a token; its page sessions end with it."""
    note_for_audit(request, revoked=token_id)
    if not access.revoke(token_id):
        raise HTTPException(404, f"no active token {token_id!r}")


@router.get("/api/v1/audit", response_model=AuditLog, responses=ERROR_RESPONSES)
def audit(access: AccessDep, _: Admin, limit: Limit = 100, offset: Offset = 0) -> dict[str, object]:
    """The audit log, newest first."""
    total, items = access.audit_entries(limit or 100, offset)
    return {"total": total, "limit": limit, "offset": offset, "items": items}

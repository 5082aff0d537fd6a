"""Tokens and the audit log (admin only), and the health check (no token)."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request

from api.deps import AccessDep, Admin, WorkspaceDep
from api.health import AuditHealth
from api.routers.params import Limit, Offset
from api.schemas import ERROR_RESPONSES, AuditLog, Health, TokenCreated, TokenIn, TokenInfo

router = APIRouter(tags=["admin"])


@router.get("/healthz", response_model=Health)
def healthz(request: Request, workspace: WorkspaceDep) -> dict[str, object]:
    """Liveness and the data version; needs no token and shows no data.

    `degraded` (still HTTP 200: reads are answered, and a restart would not free a disk)
    while audit entries cannot be written, with the reason; `ok` again once one is.
    """
    health: AuditHealth = request.app.state.audit_health
    failure = health.failure()
    return {
        "status": "degraded" if failure else "ok",
        "store": workspace.store.location.split("://")[0]
        if "://" in workspace.store.location
        else "embedded",
        "version": workspace.store.version(),
        "reason": failure.reason() if failure else None,
        "audit_failure": vars(failure) if failure else None,
    }


@router.post(
    "/api/v1/tokens", response_model=TokenCreated, status_code=201, responses=ERROR_RESPONSES
)
def create_token(body: TokenIn, access: AccessDep, _: Admin) -> dict[str, object]:
    """Create a token; it is shown once."""
    try:
        token = access.create_token(body.role, body.leader_id)
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from exc
    return {"token": token, "role": body.role, "leader_id": body.leader_id}


@router.get("/api/v1/tokens", response_model=list[TokenInfo], responses=ERROR_RESPONSES)
def list_tokens(access: AccessDep, _: Admin) -> list[dict[str, object]]:
    """Every token's id, role and dates (never the token)."""
    return access.tokens()


@router.delete("/api/v1/tokens/{token_id}", status_code=204, responses=ERROR_RESPONSES)
def revoke_token(token_id: str, access: AccessDep, _: Admin) -> None:
    """Revoke a token."""
    if not access.revoke(token_id):
        raise HTTPException(404, f"no active token {token_id!r}")


@router.get("/api/v1/audit", response_model=AuditLog, responses=ERROR_RESPONSES)
def audit(access: AccessDep, _: Admin, limit: Limit = 100, offset: Offset = 0) -> dict[str, object]:
    """The audit log, newest first."""
    total, items = access.audit_entries(limit or 100, offset)
    return {"total": total, "limit": limit, "offset": offset, "items": items}

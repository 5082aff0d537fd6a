"""Dependencies shared by the routers: the workspace, access store and the caller."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from concentric.api.access import AccessStore, Principal
from concentric.api.limits import known_query_parameters
from concentric.api.privacy import mask_numbers
from concentric.api.settings import Settings
from concentric.graph.workspace import Workspace

SESSION_COOKIE = "concentric_session"

_bearer = HTTPBearer(auto_error=False, description="A token from `concentric token create`.")


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_workspace(request: Request) -> Workspace:
    workspace: Workspace = request.app.state.workspace
    return workspace


def get_access(request: Request) -> AccessStore:
    access: AccessStore = request.app.state.access
    return access


SettingsDep = Annotated[Settings, Depends(get_settings)]
WorkspaceDep = Annotated[Workspace, Depends(get_workspace)]
AccessDep = Annotated[AccessStore, Depends(get_access)]


# Phone-like and ID-card-like numbers (7+ digits, or 3-4-4 groups) in a query are masked
# in the audit: personal numbers are never logged, even when searched for.
# Query values and keys kept per audit entry; the rest is cut (the audit holds the query,
# not a copy of whatever a client sends).
_AUDIT_VALUE_CHARS = 200
_AUDIT_PARAMS = 20


def _audit_text(value: str) -> str:
    return mask_numbers(value[:_AUDIT_VALUE_CHARS])


def query_detail(request: Request) -> dict[str, Any]:
    """The request's query parameters (search text, filters), as the audit records them."""
    values: dict[str, list[str]] = {}
    for key, value in request.query_params.multi_items()[:_AUDIT_PARAMS]:
        values.setdefault(_audit_text(key), []).append(_audit_text(value))
    params = {key: texts[0] if len(texts) == 1 else texts for key, texts in values.items()}
    return {"query": params} if params else {}


def note_for_audit(request: Request, **detail: Any) -> None:
    """Add to the detail the audit middleware records for this request."""
    current = getattr(request.state, "audit_detail", None) or {}
    request.state.audit_detail = {**current, **detail}


def get_principal(
    request: Request,
    access: AccessDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The caller, from ``Authorization: Bearer …`` or the web pages' session cookie.

    Every authenticated request's query is noted for the audit; a refused credential is
    noted as a failed login (the 401 is audited with no principal).
    """
    note_for_audit(request, **query_detail(request))
    session = request.cookies.get(SESSION_COOKIE)
    if credentials:
        principal = access.principal_for(credentials.credentials)
    else:
        principal = access.principal_for_session(session) if session else None
    if principal is None:
        if credentials or session:
            note_for_audit(
                request, failed_login="bearer token" if credentials else "session cookie"
            )
        raise HTTPException(
            401,
            "a valid token is needed: Authorization: Bearer TOKEN",
            headers={"WWW-Authenticate": "Bearer"},
        )
    request.state.principal = principal
    known_query_parameters(request)  # after the token: a stranger learns nothing of the API
    return principal


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def require(*roles: str) -> Callable[[Principal], Principal]:
    """A dependency that lets only these roles through (403 for the others)."""

    def check(principal: PrincipalDep) -> Principal:
        if principal.role not in roles:
            raise HTTPException(403, f"the {principal.role} role may not do this")
        return principal

    return check


READERS = ("admin", "planner", "analyst")
Reader = Annotated[Principal, Depends(require(*READERS))]
Planner = Annotated[Principal, Depends(require("admin", "planner"))]
Admin = Annotated[Principal, Depends(require("admin"))]

"""Dependencies shared by the routers: the workspace, access store and the caller."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.access import AccessStore, Principal
from api.settings import Settings
from graph.workspace import Workspace

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


def get_principal(
    request: Request,
    access: AccessDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The caller, from ``Authorization: Bearer …`` or the web pages' session cookie."""
    token = credentials.credentials if credentials else request.cookies.get(SESSION_COOKIE)
    principal = access.principal_for(token) if token else None
    if principal is None:
        raise HTTPException(
            401,
            "a valid token is needed: Authorization: Bearer TOKEN",
            headers={"WWW-Authenticate": "Bearer"},
        )
    request.state.principal = principal
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

"""How complete the register is: ``GET /api/v1/completeness`` (docs/register.md)."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from fastapi import APIRouter
from pydantic import Field

from concentric.api.answer_route import ThreadEncodedRoute
from concentric.api.deps import Reader, SettingsDep, WorkspaceDep
from concentric.api.privacy import visible_classes
from concentric.api.routers.params import Limit, Offset
from concentric.api.schemas import ERROR_RESPONSES, Model, Versioned
from concentric.api.services import page

router = APIRouter(
    prefix="/api/v1", tags=["analysis"], responses=ERROR_RESPONSES, route_class=ThreadEncodedRoute
)

#: The check each field class hides from a viewer without it: which records lack a phone
#: is told only to those who may see phone numbers (the counts are told to every reader).
CHECKS_OF_CLASS = {"personal": ("no_phone",)}


class CompletenessTally(Model):
    records: int = Field(description="Records checked.")
    complete: int = Field(description="Records that pass every check of their kind.")
    ratio: float | None = Field(description="complete / records (null for no records).")
    missing: dict[str, int] = Field(description="Records failing each check (failed ones only).")


class AreaCompleteness(CompletenessTally):
    area_id: str = Field(description='The area (with the areas below it); "" for no area.')
    name: str


class FileCompleteness(CompletenessTally):
    file: str = Field(description="The source file the records were loaded from.")


class IncompleteRecord(Model):
    id: str
    kind: str
    name: str
    area_id: str | None
    file: str
    line: int
    missing: list[str] = Field(description="The checks the record fails.")


class Completeness(Versioned):
    checks: list[str]
    tables: dict[str, CompletenessTally]
    areas: list[AreaCompleteness] = Field(description="Worst completeness ratio first.")
    files: list[FileCompleteness]
    total: int = Field(description="Incomplete records in all (items is one page of them).")
    items: list[IncompleteRecord] = Field(description="Most checks failed first.")


def completeness_for(answer: Mapping[str, Any], classes: Collection[str]) -> dict[str, Any]:
    """``answer`` as a viewer of field ``classes`` may see it: the checks of a class it
    lacks are left out of each record's list (a record left with none is left out);
    the counts stay."""
    hidden = {c for cls, checks in CHECKS_OF_CLASS.items() if cls not in classes for c in checks}
    if not hidden:
        return dict(answer)
    items = []
    for item in answer["items"]:
        missing = [m for m in item["missing"] if m not in hidden]
        if missing:
            items.append({**item, "missing": missing})
    return {**answer, "items": items}


@router.get("/completeness", response_model=Completeness)
def completeness(
    workspace: WorkspaceDep,
    principal: Reader,
    settings: SettingsDep,
    limit: Limit = None,
    offset: Offset = 0,
) -> dict[str, object]:
    """Records missing what the office needs, per table, per area and per source file,
    with each area's completeness ratio (as ``concentric completeness --json``)."""
    classes = visible_classes(principal.role, settings.sensitive_roles)
    return page(completeness_for(workspace.completeness(), classes), limit, offset)

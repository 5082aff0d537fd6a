"""Duplicate candidates and planners' judgements on them (planners and admins only: the
evidence speaks of phones and ethnicity, which other roles may not see)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Query, Request
from pydantic import ConfigDict

from concentric.api.answer_route import ThreadEncodedRoute
from concentric.api.deps import Planner, SettingsDep, WorkspaceDep, note_for_audit
from concentric.api.duplicates import (
    JudgementProblems,
    judge_pair,
    judgement_answer,
    list_duplicates,
    undo_pair,
)
from concentric.api.limits import EntityId
from concentric.api.privacy import visible_classes
from concentric.api.routers.params import Limit, Offset
from concentric.api.schemas import ERROR_RESPONSES, Model
from concentric.api.services import InputProblems, UnknownReferences, page
from concentric.graph.store.protocol import JudgementsUnsupported

router = APIRouter(
    prefix="/api/v1", tags=["duplicates"], responses=ERROR_RESPONSES, route_class=ThreadEncodedRoute
)

DuplicateKind = Literal["figure", "organization", "unit"]


class DuplicateCandidate(Model):
    left: str
    right: str
    kind: str
    score: float
    reasons: list[str]
    left_name: str | None
    right_name: str | None
    judgement: str | None


class DuplicateList(Model):
    total: int
    records: int
    pairs_compared: int
    all_pairs: int
    judged: int
    items: list[DuplicateCandidate]


class JudgementIn(Model):
    """A planner's verdict on two ids that may name one entity."""

    model_config = ConfigDict(extra="forbid")

    left: EntityId
    right: EntityId
    verdict: Literal["same", "different", "unsure"]


class PairIn(Model):
    model_config = ConfigDict(extra="forbid")

    left: EntityId
    right: EntityId


class JudgementOut(Model):
    left: str
    right: str
    kind: str
    verdict: str
    judged_at: str
    judged_by: str | None


class JudgementList(Model):
    total: int
    items: list[JudgementOut]


def _refused(exc: JudgementProblems) -> InputProblems:
    return UnknownReferences(exc.problems) if exc.unknown_ids else InputProblems(exc.problems)


def _unsupported(exc: JudgementsUnsupported) -> HTTPException:
    return HTTPException(501, str(exc))


@router.get("/duplicates", response_model=DuplicateList)
def duplicates(
    workspace: WorkspaceDep,
    principal: Planner,
    settings: SettingsDep,
    kind: Annotated[DuplicateKind | None, Query(description="figure, organization or unit")] = None,
    min_score: Annotated[float | None, Query(ge=0, le=1, description="lowest score listed")] = None,
    limit: Limit = None,
    offset: Offset = 0,
) -> dict[str, object]:
    """Pairs that may be one entity, best first, each with its score and evidence (a reason
    resting on a field the caller's role may not see is left out)."""
    classes = visible_classes(principal.role, settings.sensitive_roles)
    return page(list_duplicates(workspace, kind, min_score, classes), limit, offset)


@router.get("/duplicates/judgements", response_model=JudgementList)
def judgements(workspace: WorkspaceDep, _: Planner) -> dict[str, object]:
    """Every kept judgement, by pair."""
    kept = [judgement_answer(j) for j in workspace.store.judgements()]
    return {"total": len(kept), "items": kept}


@router.post("/duplicates/judgements", response_model=JudgementOut, status_code=201)
def post_judgement(
    body: JudgementIn, request: Request, workspace: WorkspaceDep, principal: Planner
) -> dict[str, object]:
    """Mark a pair same, different or unsure (replacing an earlier verdict). A pair judged
    same or different is no longer proposed."""
    try:
        judgement = judge_pair(workspace, body.left, body.right, body.verdict, principal.token_id)
    except JudgementProblems as exc:
        raise _refused(exc) from None
    except JudgementsUnsupported as exc:
        raise _unsupported(exc) from None
    note_for_audit(
        request, judged={"left": judgement.left, "right": judgement.right, "verdict": body.verdict}
    )
    return judgement_answer(judgement)


@router.post("/duplicates/judgements/undo", response_model=JudgementOut)
def post_undo(
    body: PairIn, request: Request, workspace: WorkspaceDep, _: Planner
) -> dict[str, object]:
    """Forget a pair's judgement (it may be proposed again); 404 if it had none."""
    try:
        undone = undo_pair(workspace, body.left, body.right)
    except JudgementsUnsupported as exc:
        raise _unsupported(exc) from None
    if undone is None:
        raise HTTPException(404, f"no judgement of the pair {body.left}, {body.right}")
    note_for_audit(
        request, undone={"left": undone.left, "right": undone.right, "verdict": undone.verdict}
    )
    return judgement_answer(undone)

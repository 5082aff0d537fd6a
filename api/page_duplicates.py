"""The duplicates page: candidates with their evidence and three buttons (same, different,
unsure), and the judgements kept so far with an undo button each.

Planners and admins only (the evidence speaks of phones and ethnicity). The forms carry the
CSRF token and an idempotency key like every other page form (:mod:`api.page_actions`), and
call the same functions as the API (:mod:`api.duplicates`).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from concentric.api.access import Principal
from concentric.api.deps import WorkspaceDep, note_for_audit
from concentric.api.duplicates import (
    JudgementProblems,
    judge_pair,
    judgement_answer,
    list_duplicates,
    undo_pair,
)
from concentric.api.idempotency import Answer, IdempotencyDep
from concentric.api.page_actions import (
    FormProblems,
    FormTokens,
    Text,
    _attempt,
    _once,
    _redirect,
    _require_planner,
    check_csrf,
)
from concentric.api.page_common import PagePrincipal, _classes, _render, page_language
from concentric.api.services import InputProblems, UnknownReferences
from concentric.graph.engine.duplicates import DUPLICATE_KINDS
from concentric.graph.store.protocol import VERDICTS
from concentric.graph.views.labels import ui_text
from concentric.graph.workspace import Workspace

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

PAGE_PATH = "/duplicates"
# A page lists at most this many pairs (a phone scrolls through them one by one).
SHOWN = 100


def _render_duplicates(
    request: Request,
    workspace: Workspace,
    principal: Principal,
    kind: str | None,
    min_score: float | None,
    problems: list[str] | None = None,
    status: int = 200,
) -> Response:
    settings = request.app.state.settings
    answer = list_duplicates(workspace, kind, min_score, _classes(principal, settings))
    kept = [judgement_answer(j) for j in workspace.store.judgements()]
    ids = {j[side] for j in kept for side in ("left", "right")}
    names = {r.id: r.props.get("name") for r in workspace.store.node_records(ids)}
    return _render(
        request,
        "duplicates.html",
        principal,
        answer=answer,
        items=answer["items"][:SHOWN],
        shown=SHOWN,
        judged=kept,
        names=names,
        kinds=DUPLICATE_KINDS,
        kind=kind,
        min_score=min_score,
        forms=FormTokens(request),
        problems=problems or [],
        done=request.query_params.get("done"),
        status_code=status,
    )


@router.get(PAGE_PATH, response_class=HTMLResponse)
def duplicates_page(
    request: Request,
    workspace: WorkspaceDep,
    principal: PagePrincipal,
    kind: Annotated[str | None, Query()] = None,
    min_score: Annotated[float | None, Query(ge=0, le=1)] = None,
) -> Response:
    """Pairs that may be one entity, best first, with the evidence and three buttons."""
    _require_planner(request, principal)
    chosen = kind if kind in DUPLICATE_KINDS else None
    return _render_duplicates(request, workspace, principal, chosen, min_score)


def _refusal(exc: JudgementProblems) -> InputProblems:
    return UnknownReferences(exc.problems) if exc.unknown_ids else InputProblems(exc.problems)


@router.post(f"{PAGE_PATH}/judge", response_class=HTMLResponse)
def judge_form(
    request: Request,
    workspace: WorkspaceDep,
    principal: PagePrincipal,
    idempotency: IdempotencyDep,
    csrf_token: Text = "",
    idempotency_key: Text = "",
    left: Text = "",
    right: Text = "",
    verdict: Text = "",
) -> Response:
    check_csrf(request, csrf_token)
    language = page_language(request)
    _require_planner(request, principal)
    fields: dict[str, Any] = {"left": left, "right": right, "verdict": verdict}

    def act() -> Response:
        if verdict not in VERDICTS:
            raise FormProblems([ui_text("dup.bad_verdict", language)])

        def write() -> Answer:
            try:
                judge_pair(workspace, left, right, verdict, principal.token_id)
            except JudgementProblems as exc:
                raise _refusal(exc) from None
            return Answer(303, {"location": f"{PAGE_PATH}?done=duplicate-judged"})

        note_for_audit(request, judged=fields)
        answer = _once(request, idempotency, principal, idempotency_key, fields, write)
        return _redirect(request, answer.body["location"])

    return _attempt(
        request,
        act,
        lambda messages, status: _render_duplicates(
            request, workspace, principal, None, None, messages, status
        ),
    )


@router.post(f"{PAGE_PATH}/undo", response_class=HTMLResponse)
def undo_form(
    request: Request,
    workspace: WorkspaceDep,
    principal: PagePrincipal,
    idempotency: IdempotencyDep,
    csrf_token: Text = "",
    idempotency_key: Text = "",
    left: Text = "",
    right: Text = "",
) -> Response:
    check_csrf(request, csrf_token)
    language = page_language(request)
    _require_planner(request, principal)
    fields: dict[str, Any] = {"left": left, "right": right}

    def act() -> Response:
        def write() -> Answer:
            undone = undo_pair(workspace, left, right)
            if undone is None:
                raise FormProblems([ui_text("dup.nothing_to_undo", language)], 404)
            note_for_audit(request, undone={**fields, "verdict": undone.verdict})
            return Answer(303, {"location": f"{PAGE_PATH}?done=duplicate-undone"})

        answer = _once(request, idempotency, principal, idempotency_key, fields, write)
        return _redirect(request, answer.body["location"])

    return _attempt(
        request,
        act,
        lambda messages, status: _render_duplicates(
            request, workspace, principal, None, None, messages, status
        ),
    )

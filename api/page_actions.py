"""The pages' forms: assign a leader, end a contact, log an interaction, accept the gap
list's suggestions, hand a leaver's targets over, upload a dataset.

Each form posts to a route here, and each route calls the same function as the JSON API's
write (:mod:`api.services`), so a page write is validated and stored exactly as an API one.
Every form

* carries the session's CSRF token (a keyed hash of the session id, so only a page served
  to this session knows it) and is refused with 403 without it;
* carries a fresh ``idempotency_key``: a second submit of the same form (a double click,
  a reload of the answer) gets the first answer and writes nothing, through the same
  :class:`api.idempotency.IdempotencyStore` as the API's ``Idempotency-Key``;
* is validated on the server, and a refused one is shown again with the reasons in
  Chinese (HTTP 4xx);
* is audited (the audit middleware records the ids the route notes).

Forms carry ``data-action`` (``assign-contact``, ``end-contact``, ``log-interaction``,
``accept-suggestions``, ``handover``, ``upload-dataset``) and name their fields as the API's
JSON does (a list repeats its name).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import io
import json
import re
import secrets
import shutil
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path, PurePosixPath
from typing import Annotated, Any, TypeVar
from urllib.parse import quote, unquote

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from concentric.api.access import Principal
from concentric.api.deps import SESSION_COOKIE, SettingsDep, WorkspaceDep, note_for_audit
from concentric.api.idempotency import KEY_PATTERN, Answer, IdempotencyDep, request_hash
from concentric.api.page_common import (
    PagePrincipal,
    PageText,
    _render,
    page_language,
    property_rows,
)
from concentric.api.privacy import cut, entity_classes, visible_classes
from concentric.api.routers.writes import keyed_interaction_id
from concentric.api.schemas import ContactEnd, ContactIn, InteractionIn
from concentric.api.scope import entity_for, leader_view, refuse_leader, todo_for
from concentric.api.services import (
    Conflict,
    Forbidden,
    InputProblems,
    UnknownReferences,
    assign_contact,
    assign_contacts,
    end_contact,
    hand_over,
    log_interaction,
)
from concentric.api.settings import Settings
from concentric.graph.engine.coverage import GraphTooLarge, QueryError, UnknownId
from concentric.graph.lookup import AmbiguousName, NoSuchName, resolve
from concentric.graph.schema.model import Problem
from concentric.graph.schema.schema import SCHEMA
from concentric.graph.store.load_diff import LoadDiff
from concentric.graph.views.labels import LANGUAGES, UI_TEXT, activity_warnings, enum_text, ui_text
from concentric.graph.workspace import Workspace
from concentric.loaders import ReadResult, read_dataset
from concentric.loaders.messages import problem
from concentric.loaders.tables import TABLE_SUFFIXES

__all__ = [
    "UPLOAD_PATH",
    "gap_actions",
    "render_entity",
    "render_leader",
    "router",
    "worst_first",
]

router = APIRouter(include_in_schema=False)

UPLOAD_PATH = "/upload"
UPLOAD_PREVIEW_PATH = "/upload/preview"
# An upload's preview keeps its checked files this long for the planner's confirmation.
PREVIEW_HOURS = 12
CSRF_FIELD = "csrf_token"
KEY_FIELD = "idempotency_key"
PLANNERS = ("admin", "planner")
WRITERS = (*PLANNERS, "leader")
# A leader's page lists every target it has: due within any number of days.
EVERY_DUE_DATE = dt.timedelta.max.days
CANDIDATES_SHOWN = 5
#: Leaders a picker lists: the best ranked, or a name search's matches before them (a
#: province has tens of thousands of leaders in office; listing them all made the page slow).
PICKER_SIZE = 20
# A zip may hold at most this many files, unpacked to at most this many times the upload limit.
ZIP_MEMBERS_MAX = 100
ZIP_EXPANSION_MAX = 8

DATE_FIELDS = ("since", "until", "date")


# -- the tokens every form carries ----------------------------------------------------------


def csrf_token(request: Request) -> str:
    """The CSRF token of the request's page session: only a page this session was served
    holds it (the session id is in an HttpOnly cookie, unreadable to other sites)."""
    session = request.cookies.get(SESSION_COOKIE, "")
    return hmac.new(session.encode(), b"concentric page form", hashlib.sha256).hexdigest()


def check_csrf(request: Request, given: str) -> None:
    if not given or not hmac.compare_digest(given, csrf_token(request)):
        note_for_audit(request, refused="csrf")
        raise Forbidden(ui_text("form.csrf", page_language(request)))


class FormTokens:
    """What the templates put into each form: the CSRF token and a fresh key per form."""

    def __init__(self, request: Request) -> None:
        self.csrf = csrf_token(request)

    @staticmethod
    def key() -> str:
        return secrets.token_urlsafe(18)


class FormProblems(Exception):
    """A form refused before anything was written: shown again with these messages."""

    def __init__(self, messages: list[str], status: int = 422) -> None:
        super().__init__("; ".join(messages))
        self.messages = messages
        self.status = status


def field_message(field: str, message: str, language: str) -> str:
    """A form's complaint as shown: the field by its label (in ``language``), then why."""
    key = f"field.{field}"
    label = ui_text(key, language) if key in UI_TEXT else field
    return ui_text("form.problem", language, field=label, message=message)


def _problem_text(problem: Problem, language: str) -> str:
    return field_message(problem.column, problem.text(language), language)


def _validation_messages(error: ValidationError, language: str) -> list[str]:
    """Pydantic's complaints about a form, in the page's language, each naming its field."""
    messages = []
    for item in error.errors():
        field = str(item["loc"][0]) if item.get("loc") else ""
        value = str(item.get("input"))
        if item["type"] == "missing":
            text = ui_text("form.required", language)
        elif field in DATE_FIELDS:
            text = ui_text("form.bad_date", language, value=value)
        elif field == "kind":
            text = ui_text("form.bad_kind", language, value=value)
        elif item["type"] in ("string_too_long", "too_long"):
            text = ui_text("form.too_long", language)
        else:
            text = ui_text("form.invalid", language, detail=item.get("msg", ""))
        messages.append(field_message(field, text, language))
    return messages


_Body = TypeVar("_Body", InteractionIn, ContactIn, ContactEnd)


def _model(model: type[_Body], fields: dict[str, Any], language: str) -> _Body:
    """``model`` from a form's fields (empty ones left out), or :class:`FormProblems`."""
    given = {k: v for k, v in fields.items() if v not in ("", [], None)}
    try:
        return model(**given)
    except ValidationError as exc:
        raise FormProblems(_validation_messages(exc, language)) from exc


def _once(
    request: Request,
    idempotency: IdempotencyDep,
    principal: Principal,
    key: str,
    fields: dict[str, Any],
    write: Callable[[], Answer],
) -> Answer:
    """``write()``'s answer, or the one the first submit of this form (same key) got."""
    if not re.fullmatch(KEY_PATTERN, key or ""):
        raise FormProblems([ui_text("form.no_key", page_language(request))], 400)
    fingerprint = request_hash("POST", request.url.path, fields)
    answer, replayed = idempotency.run(principal.token_id, f"page:{key}", fingerprint, write)
    if replayed:
        note_for_audit(request, replayed=True)
    return answer


def _attempt(
    request: Request,
    action: Callable[[], Response],
    show_again: Callable[[list[str], int], Response],
) -> Response:
    """``action()``; a refusal of the data is shown again on the form's page."""
    language = page_language(request)
    try:
        return action()
    except FormProblems as exc:
        return show_again(exc.messages, exc.status)
    except UnknownReferences as exc:
        return show_again([_problem_text(p, language) for p in exc.problems], 404)
    except InputProblems as exc:
        return show_again([_problem_text(p, language) for p in exc.problems], 422)
    except UnknownId as exc:
        return show_again([ui_text("form.not_found", language, what=exc)], 404)
    except Conflict as exc:
        return show_again([ui_text("form.conflict", language, what=exc)], 409)


def _require_planner(request: Request, principal: Principal) -> None:
    if principal.role not in PLANNERS:
        raise Forbidden(ui_text("form.planner_only", page_language(request)))


def _redirect(request: Request, location: str) -> Response:
    """A 303 to ``location``, in the language the form was posted in (``?lang=``)."""
    language = request.query_params.get("lang")
    if language in LANGUAGES:
        location += f"{'&' if '?' in location else '?'}lang={language}"
    return RedirectResponse(location, status_code=303)


def _today() -> str:
    return dt.date.today().isoformat()


def _labels_of_kinds(language: str) -> list[tuple[str, str]]:
    return [
        (code, enum_text("interaction_kind", code, language))
        for code in SCHEMA.enumerations["interaction_kind"]
    ]


# -- who could take a target ----------------------------------------------------------------


def leaders_in_office(workspace: Workspace) -> list[dict[str, Any]]:
    """Every leader in office with the targets it may still take (quota_max - assigned)."""
    return [
        {
            "id": item["id"],
            "name": item["name"] or item["id"],
            "capacity": max(int(item["quota_max"]) - int(item["assigned"]), 0),
        }
        for item in sorted(workspace.leaders()["items"], key=lambda i: i["id"])
    ]


def candidates_for(
    workspace: Workspace,
    target_id: str,
    office: list[dict[str, Any]],
    limit: int = CANDIDATES_SHOWN,
) -> list[dict[str, Any]]:
    """The leaders best placed to take ``target_id``, cheapest first, with their reasons
    (the ranking of the suggestions and the departure analysis), at any size of data."""
    ranked = workspace.candidates(target_id, limit)
    by_id = {leader["id"]: leader for leader in office}
    return [
        {**by_id[c.leader_id], "cost": c.cost, "reasons": c.reasons}
        for c in ranked
        if c.leader_id in by_id
    ]


def leaders_named(
    workspace: Workspace, text: str, office: Mapping[str, dict[str, Any]]
) -> list[dict[str, Any]]:
    """The leaders in ``office`` that ``text`` names by id, name, full pinyin or initials
    (:func:`graph.lookup.resolve`): the one it names, all of a shared name, or else the
    closest names it suggests; empty for an empty text."""
    text = text.strip()
    if not text:
        return []
    try:
        found = [resolve(workspace, text, ("leader",))]
    except AmbiguousName as exc:
        found = [c.id for c in exc.candidates]
    except NoSuchName as exc:
        found = [s.id for s in exc.suggestions]
    except QueryError:
        return []
    return [office[i] for i in found if i in office][:PICKER_SIZE]


def _unique(*groups: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    seen: set[str] = set()
    kept = []
    for leader in (leader for group in groups for leader in group):
        if leader["id"] not in seen:
            seen.add(leader["id"])
            kept.append(leader)
    return kept


# -- the pages the forms sit on -------------------------------------------------------------


def render_entity(
    request: Request,
    workspace: Workspace,
    principal: Principal,
    settings: Settings,
    entity_id: str,
    problems: list[str] | None = None,
    status: int = 200,
    as_of: dt.date | None = None,
) -> Response:
    """An entity's page; a target's carries the forms its viewer may use."""
    classes = entity_classes(principal, settings.sensitive_roles, workspace, entity_id)
    entity = cut(entity_for(workspace, principal, entity_id, as_of), classes)
    # Areas and leaders by name; the entity's tie ends (an interaction's targets) too.
    names = workspace.names("area", "leader")
    names.update((t["id"], t["name"] or t["id"]) for t in entity["ties"])
    rows = property_rows(entity, names, PageText(page_language(request)))
    actions: dict[str, Any] | None = None
    if entity["kind"] in SCHEMA.target_kinds and principal.role in WRITERS:
        planner = principal.role in PLANNERS
        office = {lead["id"]: lead for lead in leaders_in_office(workspace)} if planner else {}
        assigned = list((entity.get("coverage") or {}).get("assigned_leaders") or [])
        ranked = (
            candidates_for(workspace, entity_id, list(office.values()), PICKER_SIZE)
            if planner
            else []
        )
        # A plain GET field on this page, so the search works without JavaScript.
        leader_q = request.query_params.get("leader_q", "").strip()[:100] if planner else ""
        found = leaders_named(workspace, leader_q, office)
        picked = _unique(found, ranked)[:PICKER_SIZE]
        in_office = [office[lead] for lead in assigned if lead in office]
        actions = {
            "planner": planner,
            "open_contacts": [{"id": lead, "name": names.get(lead, lead)} for lead in assigned],
            "candidates": ranked[:CANDIDATES_SHOWN],
            "leader_q": leader_q,
            "found": found,
            "ranked": picked[len(found) :],
            # The log form: the target's own leaders first, then the same picks.
            "log_leaders": _unique(in_office, picked)[: max(PICKER_SIZE, len(in_office))],
            "assigned": assigned,
            "self_id": principal.leader_id,
        }
    response = _render(
        request,
        "entity.html",
        principal,
        entity=entity,
        rows=rows,
        names=names,
        actions=actions,
        forms=FormTokens(request),
        today=_today(),
        interaction_kinds=_labels_of_kinds(page_language(request)),
        problems=problems,
        done=request.query_params.get("done"),
    )
    response.status_code = status
    return response


def render_leader(
    request: Request,
    workspace: Workspace,
    principal: Principal,
    settings: Settings,
    leader_id: str,
    problems: list[str] | None = None,
    status: int = 200,
    as_of: dt.date | None = None,
) -> Response:
    """A leader's page: every target it has, due first, each with a 登记联系 form."""
    scope = leader_view(workspace, principal, leader_id)
    targets = cut(
        todo_for(workspace, scope, leader_id, as_of, due_within=EVERY_DUE_DATE),
        visible_classes(principal.role, settings.sensitive_roles),
    )
    loads = workspace.leaders(as_of)
    load = next((i for i in loads["items"] if i["id"] == leader_id), None)
    day = dt.date.fromisoformat(str(loads["as_of"]))
    response = _render(
        request,
        "leader.html",
        principal,
        leader=workspace.leader(leader_id),
        load=load,
        warnings=activity_warnings(load, day) if load else [],
        todo=targets,
        can_log=principal.role in WRITERS and load is not None,
        forms=FormTokens(request),
        today=_today(),
        interaction_kinds=_labels_of_kinds(page_language(request)),
        problems=problems,
        done=request.query_params.get("done"),
    )
    response.status_code = status
    return response


# Status severity on the gap list: the worse first.
SEVERITY = {"uncovered": 0, "stale": 1, "indirect": 2, "covered": 3}


def worst_first(items: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Gap rows worst first: by status (uncovered, stale, indirect, covered), then never
    contacted before contacted, then the longest since the last contact, then by id."""
    return sorted(
        items,
        key=lambda i: (
            SEVERITY.get(i["status"], len(SEVERITY)),
            i.get("last_contact") is not None,
            i.get("last_contact") or "",
            i["id"],
        ),
    )


def suggestions_for(workspace: Workspace, target_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    """:meth:`Workspace.recommend`'s suggestion for each of ``target_ids`` that has one
    (none past the whole-graph limit)."""
    wanted = set(target_ids)
    try:
        answer = workspace.recommend()
    except GraphTooLarge:
        return {}
    return {i["target_id"]: i for i in answer["items"] if i["target_id"] in wanted}


def gap_actions(
    request: Request, workspace: Workspace, principal: Principal, rows: list[dict[str, Any]]
) -> dict[str, Any]:
    """What the gap list adds to its rows: the suggested leader of each, and the form."""
    return {
        "suggestions": suggestions_for(workspace, (r["id"] for r in rows)),
        "can_accept": principal.role in PLANNERS,
        "forms": FormTokens(request),
        "done": request.query_params.get("done"),
        "done_count": request.query_params.get("count"),
    }


# -- assign, end, log ------------------------------------------------------------------------

Text = Annotated[str, Form()]
Texts = Annotated[list[str], Form()]


@router.post("/actions/assign-contact", response_class=HTMLResponse)
def assign_contact_form(
    request: Request,
    workspace: WorkspaceDep,
    principal: PagePrincipal,
    settings: SettingsDep,
    idempotency: IdempotencyDep,
    csrf_token: Text = "",
    idempotency_key: Text = "",
    leader_id: Text = "",
    target_id: Text = "",
    since: Text = "",
) -> Response:
    check_csrf(request, csrf_token)
    language = page_language(request)
    _require_planner(request, principal)
    fields = {"leader_id": leader_id, "target_id": target_id, "since": since}

    def act() -> Response:
        body = _model(ContactIn, fields, language)

        def write() -> Answer:
            # Checked here, not before: a second submit of a stored form finds its answer.
            if body.leader_id in workspace.entity(body.target_id)["coverage"]["assigned_leaders"]:
                refused = ui_text("form.already_assigned", language)
                raise FormProblems([field_message("leader_id", refused, language)])
            assign_contact(workspace, body)
            return Answer(
                303, {"location": f"/entities/{quote(body.target_id, safe='')}?done=assign-contact"}
            )

        note_for_audit(request, leader=body.leader_id, target=body.target_id)
        answer = _once(request, idempotency, principal, idempotency_key, fields, write)
        return _redirect(request, answer.body["location"])

    return _attempt(
        request,
        act,
        lambda messages, status: render_entity(
            request, workspace, principal, settings, target_id, messages, status
        ),
    )


@router.post("/actions/end-contact", response_class=HTMLResponse)
def end_contact_form(
    request: Request,
    workspace: WorkspaceDep,
    principal: PagePrincipal,
    settings: SettingsDep,
    idempotency: IdempotencyDep,
    csrf_token: Text = "",
    idempotency_key: Text = "",
    leader_id: Text = "",
    target_id: Text = "",
    until: Text = "",
) -> Response:
    check_csrf(request, csrf_token)
    language = page_language(request)
    _require_planner(request, principal)
    fields = {"leader_id": leader_id, "target_id": target_id, "until": until}

    def act() -> Response:
        body = _model(ContactEnd, fields, language)

        def write() -> Answer:
            end_contact(workspace, body)
            return Answer(
                303, {"location": f"/entities/{quote(body.target_id, safe='')}?done=end-contact"}
            )

        note_for_audit(
            request, leader=body.leader_id, target=body.target_id, until=body.until.isoformat()
        )
        answer = _once(request, idempotency, principal, idempotency_key, fields, write)
        return _redirect(request, answer.body["location"])

    return _attempt(
        request,
        act,
        lambda messages, status: render_entity(
            request, workspace, principal, settings, target_id, messages, status
        ),
    )


_BACK = re.compile(r"^/(entities|leaders)/([^/?#]+)$")


@router.post("/actions/log-interaction", response_class=HTMLResponse)
def log_interaction_form(
    request: Request,
    workspace: WorkspaceDep,
    principal: PagePrincipal,
    settings: SettingsDep,
    idempotency: IdempotencyDep,
    csrf_token: Text = "",
    idempotency_key: Text = "",
    date: Text = "",
    kind: Text = "",
    leader_ids: Texts = [],  # noqa: B006 (FastAPI copies defaults)
    target_ids: Texts = [],  # noqa: B006
    summary: Text = "",
    back: Text = "",
) -> Response:
    """Log an interaction; ``back`` is the page the form is on (an entity's or a leader's)."""
    check_csrf(request, csrf_token)
    language = page_language(request)
    if principal.role not in WRITERS:
        raise Forbidden(ui_text("form.cannot_log", language, role=principal.role))
    fields = {
        "date": date,
        "kind": kind,
        "leader_ids": leader_ids,
        "target_ids": target_ids,
        "summary": summary,
    }
    first = quote(target_ids[0], safe="") if target_ids else ""
    page = _BACK.match(back) or _BACK.match(f"/entities/{first}")

    def act() -> Response:
        if not leader_ids:
            at_least_one = ui_text("form.at_least_one", language)
            raise FormProblems([field_message("leader_ids", at_least_one, language)])
        body = _model(
            InteractionIn,
            {**fields, "id": keyed_interaction_id(principal.token_id, idempotency_key)},
            language,
        )

        def write() -> Answer:
            try:
                interaction_id, _ = log_interaction(workspace, body, principal)
            except Conflict:
                # Written by an earlier submit of this form whose answer was never kept.
                interaction_id = str(body.id)
            note_for_audit(request, interaction=interaction_id, targets=body.target_ids)
            location = page.group(0) if page else f"/entities/{quote(body.target_ids[0], safe='')}"
            return Answer(303, {"location": f"{location}?done=log-interaction"})

        answer = _once(request, idempotency, principal, idempotency_key, fields, write)
        return _redirect(request, answer.body["location"])

    def show_again(messages: list[str], status: int) -> Response:
        if page is None:
            raise FormProblems(messages, status)
        if page.group(1) == "leaders":
            return render_leader(
                request, workspace, principal, settings, unquote(page.group(2)), messages, status
            )
        return render_entity(
            request, workspace, principal, settings, unquote(page.group(2)), messages, status
        )

    return _attempt(request, act, show_again)


# -- the gap list's suggestions, accepted in one step ----------------------------------------


def _render_accept(
    request: Request,
    principal: Principal,
    pairs: list[dict[str, Any]],
    skipped: list[str],
    since: str,
    problems: list[str] | None = None,
    status: int = 200,
) -> Response:
    response = _render(
        request,
        "accept.html",
        principal,
        pairs=pairs,
        skipped=skipped,
        since=since,
        forms=FormTokens(request),
        problems=problems,
    )
    response.status_code = status
    return response


@router.post("/gaps/accept", response_class=HTMLResponse)
def review_suggestions(
    request: Request,
    workspace: WorkspaceDep,
    principal: PagePrincipal,
    csrf_token: Text = "",
    target_ids: Texts = [],  # noqa: B006
) -> Response:
    """The summary to confirm: each selected row's suggested leader and why (nothing is
    written here)."""
    check_csrf(request, csrf_token)
    _require_planner(request, principal)
    suggestions = suggestions_for(workspace, target_ids)
    pairs = [suggestions[t] for t in dict.fromkeys(target_ids) if t in suggestions]
    skipped = [t for t in dict.fromkeys(target_ids) if t not in suggestions]
    language = page_language(request)
    choose = ui_text("form.choose_gap", language)
    problems = None if pairs else [field_message("target_ids", choose, language)]
    return _render_accept(
        request, principal, pairs, skipped, _today(), problems, 200 if pairs else 422
    )


@router.post("/gaps/accept/confirm", response_class=HTMLResponse)
def accept_suggestions(
    request: Request,
    workspace: WorkspaceDep,
    principal: PagePrincipal,
    idempotency: IdempotencyDep,
    csrf_token: Text = "",
    idempotency_key: Text = "",
    target_ids: Texts = [],  # noqa: B006
    leader_ids: Texts = [],  # noqa: B006
    since: Text = "",
) -> Response:
    """Assign every confirmed pair (``target_ids[i]`` to ``leader_ids[i]``) in one load."""
    check_csrf(request, csrf_token)
    language = page_language(request)
    _require_planner(request, principal)
    fields = {"target_ids": target_ids, "leader_ids": leader_ids, "since": since}

    def act() -> Response:
        if not target_ids or len(target_ids) != len(leader_ids):
            each = ui_text("form.one_leader_each", language)
            raise FormProblems([field_message("target_ids", each, language)], 400)
        bodies = [
            _model(ContactIn, {"leader_id": lead, "target_id": target, "since": since}, language)
            for target, lead in zip(target_ids, leader_ids, strict=True)
        ]

        def write() -> Answer:
            assign_contacts(workspace, bodies)
            count = len(bodies)
            return Answer(303, {"location": f"/gaps?done=accept-suggestions&count={count}"})

        note_for_audit(request, contacts=[[b.leader_id, b.target_id] for b in bodies])
        answer = _once(request, idempotency, principal, idempotency_key, fields, write)
        return _redirect(request, answer.body["location"])

    def show_again(messages: list[str], status: int) -> Response:
        names = workspace.names("leader")
        pairs = [
            {"target_id": t, "target_name": t, "leader_id": lead, "leader_name": names.get(lead)}
            for t, lead in zip(target_ids, leader_ids, strict=False)
        ]
        return _render_accept(request, principal, pairs, [], since, messages, status)

    return _attempt(request, act, show_again)


# -- handover --------------------------------------------------------------------------------


def _render_handover(
    request: Request,
    workspace: Workspace,
    principal: Principal,
    leaving: list[str],
    date: str,
    problems: list[str] | None = None,
    status: int = 200,
) -> Response:
    office = leaders_in_office(workspace)
    language = page_language(request)
    names = workspace.names("leader")
    departure = None
    problems = list(problems or [])
    if leaving:
        try:
            day = dt.date.fromisoformat(date)
        except ValueError:
            invalid = ui_text("form.invalid_date", language, value=date)
            problems.append(field_message("date", invalid, language))
            status = 422
        else:
            try:
                departure = workspace.departure(leaving, as_of=day)
            except UnknownId as exc:
                missing = ui_text("form.not_found", language, what=exc)
                problems.append(field_message("leader_ids", missing, language))
                status = 404
    response = _render(
        request,
        "handover.html",
        principal,
        office=office,
        names=names,
        leaving=leaving,
        leaving_names=[names.get(lead, lead) for lead in leaving],
        date=date,
        departure=departure,
        forms=FormTokens(request),
        problems=problems,
        done=request.query_params.get("done"),
        ended=request.query_params.get("ended"),
        opened=request.query_params.get("opened"),
    )
    response.status_code = status
    return response


@router.get("/handover", response_class=HTMLResponse)
def handover_page(
    request: Request,
    workspace: WorkspaceDep,
    principal: PagePrincipal,
    leader_ids: Annotated[list[str], Query()] = [],  # noqa: B006
    date: Annotated[str, Query()] = "",
) -> Response:
    """Pick the leaving leaders and a date; see their orphaned targets and successors."""
    refuse_leader(principal)
    return _render_handover(request, workspace, principal, leader_ids, date or _today())


@router.post("/handover", response_class=HTMLResponse)
def handover(
    request: Request,
    workspace: WorkspaceDep,
    principal: PagePrincipal,
    idempotency: IdempotencyDep,
    csrf_token: Text = "",
    idempotency_key: Text = "",
    leader_ids: Texts = [],  # noqa: B006
    date: Text = "",
    target_ids: Texts = [],  # noqa: B006
    successor_ids: Texts = [],  # noqa: B006
) -> Response:
    """End the leavers' contacts on ``date`` and open ``successor_ids[i]``'s contact with
    ``target_ids[i]`` (an empty successor: that target gets none), in one load."""
    check_csrf(request, csrf_token)
    language = page_language(request)
    _require_planner(request, principal)
    fields = {
        "leader_ids": leader_ids,
        "date": date,
        "target_ids": target_ids,
        "successor_ids": successor_ids,
    }

    def act() -> Response:
        if not leader_ids:
            choose = ui_text("form.choose_leaving", language)
            raise FormProblems([field_message("leader_ids", choose, language)])
        if len(target_ids) != len(successor_ids):
            each = ui_text("form.one_choice_each", language)
            raise FormProblems([field_message("successor_ids", each, language)], 400)
        try:
            day = dt.date.fromisoformat(date)
        except ValueError as exc:
            invalid = ui_text("form.invalid_date", language, value=date)
            raise FormProblems([field_message("date", invalid, language)]) from exc
        successors = {t: lead for t, lead in zip(target_ids, successor_ids, strict=True) if lead}

        def write() -> Answer:
            ended, opened = hand_over(workspace, leader_ids, day, successors)
            note_for_audit(request, ended=ended, opened=opened)
            return Answer(
                303,
                {"location": f"/handover?done=handover&ended={ended}&opened={opened}"},
            )

        note_for_audit(request, leaving=leader_ids, date=date, successors=successors)
        answer = _once(request, idempotency, principal, idempotency_key, fields, write)
        return _redirect(request, answer.body["location"])

    return _attempt(
        request,
        act,
        lambda messages, status: _render_handover(
            request, workspace, principal, leader_ids, date, messages, status
        ),
    )


# -- upload ----------------------------------------------------------------------------------


def _render_upload(
    request: Request,
    principal: Principal,
    problems: list[dict[str, Any]] | None = None,
    report: dict[str, Any] | None = None,
    status: int = 200,
    diff: LoadDiff | None = None,
    preview: str = "",
) -> Response:
    response = _render(
        request,
        "upload.html",
        principal,
        forms=FormTokens(request),
        problems=problems,
        report=report,
        diff=diff,
        preview=preview,
        schema_tables=SCHEMA.tables,
    )
    response.status_code = status
    return response


class _Unpacked:
    """Uploaded files written into a private folder, zips unpacked with bounds."""

    def __init__(self, folder: Path, limit: int) -> None:
        self.folder = folder
        self.budget = limit * ZIP_EXPANSION_MAX
        self.paths: list[Path] = []  # what read_dataset reads: files, and a zip's folder
        self.problems: list[Problem] = []

    def add(self, name: str, data: bytes) -> None:
        plain = PurePosixPath(name.replace("\\", "/")).name
        if not plain or plain.startswith("."):
            self.problems.append(problem(name or "?", 0, "-", "upload_name"))
            return
        if plain.lower().endswith(".zip"):
            self._unzip(plain, data)
            return
        path = self.folder / "files" / plain
        if path.exists():
            self.problems.append(problem(plain, 0, "-", "upload_twice"))
            return
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(data)
        self.paths.append(path)

    def _unzip(self, name: str, data: bytes) -> None:
        target = self.folder / f"zip-{len(self.paths)}" / name
        target.mkdir(parents=True)
        try:
            archive = zipfile.ZipFile(io.BytesIO(data))
        except zipfile.BadZipFile:
            self.problems.append(problem(name, 0, "-", "upload_bad_zip"))
            return
        with archive:
            members = [m for m in archive.infolist() if not m.is_dir()]
            if len(members) > ZIP_MEMBERS_MAX:
                self.problems.append(
                    problem(name, 0, "-", "upload_zip_members", most=ZIP_MEMBERS_MAX)
                )
                return
            for member in members:
                given = member.filename.replace("\\", "/")
                parts = PurePosixPath(given).parts
                if given.startswith("/") or ".." in parts or ":" in given:
                    self.problems.append(
                        problem(f"{name}/{member.filename}", 0, "-", "upload_unsafe")
                    )
                    continue
                plain = parts[-1]
                if plain.startswith((".", "~$")) or plain == "__MACOSX":
                    continue
                path = target / plain
                if path.exists():
                    self.problems.append(
                        problem(f"{name}/{member.filename}", 0, "-", "upload_zip_twice")
                    )
                    continue
                if not self._extract(archive, member, path, name):
                    return
        self.paths.append(target)

    def _extract(
        self, archive: zipfile.ZipFile, member: zipfile.ZipInfo, path: Path, name: str
    ) -> bool:
        """Copy one member, counting the bytes really unpacked (not the header's claim)."""
        with archive.open(member) as source, path.open("wb") as sink:
            while chunk := source.read(1 << 16):
                self.budget -= len(chunk)
                if self.budget < 0:
                    self.problems.append(problem(name, 0, "-", "upload_zip_size"))
                    return False
                sink.write(chunk)
        return True

    def shown(self, found: Problem, language: str) -> dict[str, Any]:
        """A problem as the page shows it, in the page's language: the file by its uploaded
        name, no server path."""
        file = found.file
        if Path(file).is_relative_to(self.folder):
            # files/NAME, or zip-N/ZIP/MEMBER: shown as NAME or ZIP/MEMBER.
            file = "/".join(Path(file).relative_to(self.folder).parts[1:]) or file
        return {
            "file": file,
            "line": found.line,
            "column": found.column,
            "message": found.text(language),
        }


@router.get(UPLOAD_PATH, response_class=HTMLResponse)
def upload_page(request: Request, principal: PagePrincipal) -> Response:
    _require_planner(request, principal)
    return _render_upload(request, principal)


@router.post(UPLOAD_PATH, response_class=HTMLResponse)
def upload(
    request: Request,
    workspace: WorkspaceDep,
    principal: PagePrincipal,
    settings: SettingsDep,
    idempotency: IdempotencyDep,
    files: Annotated[list[UploadFile], File()] = [],  # noqa: B006
    csrf_token: Text = "",
    idempotency_key: Text = "",
    preview: Text = "",
) -> Response:
    """Validate the uploaded tables as ``concentric load`` does; store them only if every
    row is clean, then say what changed. ``preview``: the files a preview step kept (the
    planner confirmed what it showed), instead of new ones."""
    check_csrf(request, csrf_token)
    _require_planner(request, principal)
    uploads = [(f.filename or "", f.file.read()) for f in files if f.filename]
    fields = {
        "files": [[name, hashlib.sha256(data).hexdigest()] for name, data in uploads],
        "preview": preview,
    }
    note_for_audit(request, files=[name for name, _ in uploads], preview=bool(preview))
    language = page_language(request)

    def write() -> Answer:
        if preview:
            folder = _previewed(preview, principal, language)
            unpacked = _Unpacked(folder, settings.max_upload_bytes)
            kept = json.loads((folder.parent / "paths.json").read_text(encoding="utf-8"))
            unpacked.paths = [folder / part for part in kept]
        else:
            folder = Path(tempfile.mkdtemp(prefix="concentric-upload-"))
            unpacked = None
        try:
            result = _read_uploads(unpacked, folder, uploads, settings, workspace, language)
            report = workspace.load(result.dataset)
        finally:
            shutil.rmtree(folder.parent if preview else folder, ignore_errors=True)
        note_for_audit(request, inserted=report.inserted, updated=report.updated)
        return Answer(
            200,
            {
                "files": [Path(f).name for f in result.files],
                "rows": report.rows,
                "inserted": report.inserted,
                "updated": report.updated,
                "unchanged": report.unchanged,
            },
        )

    try:
        answer = _once(request, idempotency, principal, idempotency_key, fields, write)
    except _UploadRefused as exc:
        note_for_audit(request, problems=len(exc.problems))
        return _render_upload(request, principal, problems=exc.problems, status=422)
    except FormProblems as exc:
        shown = [{"file": "-", "line": 0, "column": "-", "message": m} for m in exc.messages]
        return _render_upload(request, principal, problems=shown, status=exc.status)
    return _render_upload(request, principal, report=answer.body)


@router.post(UPLOAD_PREVIEW_PATH, response_class=HTMLResponse)
def upload_preview(
    request: Request,
    workspace: WorkspaceDep,
    principal: PagePrincipal,
    settings: SettingsDep,
    files: Annotated[list[UploadFile], File()] = [],  # noqa: B006
    csrf_token: Text = "",
) -> Response:
    """Validate the uploaded tables and show what loading them would add and change
    (:meth:`Workspace.load_diff`, as ``concentric load --diff``); nothing is stored. The
    files are kept for the planner's confirmation, which loads them (``preview``)."""
    check_csrf(request, csrf_token)
    _require_planner(request, principal)
    uploads = [(f.filename or "", f.file.read()) for f in files if f.filename]
    note_for_audit(request, files=[name for name, _ in uploads])
    _forget_old_previews()
    key = secrets.token_hex(16)
    kept = _preview_root() / key
    kept.mkdir(parents=True)
    (kept / "owner").write_text(str(principal.token_id), encoding="utf-8")
    folder = kept / "upload"
    folder.mkdir()
    try:
        result = _read_uploads(None, folder, uploads, settings, workspace, page_language(request))
    except _UploadRefused as exc:
        shutil.rmtree(kept, ignore_errors=True)
        note_for_audit(request, problems=len(exc.problems))
        return _render_upload(request, principal, problems=exc.problems, status=422)
    diff = workspace.load_diff(result.dataset)
    view = visible_classes(principal.role, settings.sensitive_roles)
    for row in diff.rows:  # a field the planner may not see is not shown changing either
        row.fields = {k: v for k, v in row.fields.items() if k in cut(dict(row.fields), view)}
    # What the confirmation reads again: the same files and zip folders, in place.
    paths = [str(Path(p).relative_to(folder)) for p in _unpacked_paths(folder)]
    (kept / "paths.json").write_text(json.dumps(paths), encoding="utf-8")
    return _render_upload(request, principal, diff=diff, preview=key)


def _preview_root() -> Path:
    return Path(tempfile.gettempdir()) / "concentric-upload-previews"


def _forget_old_previews() -> None:
    """Previews not confirmed within PREVIEW_HOURS are dropped."""
    root = _preview_root()
    if not root.is_dir():
        return
    cutoff = time.time() - PREVIEW_HOURS * 3600
    for kept in root.iterdir():
        if kept.stat().st_mtime < cutoff:
            shutil.rmtree(kept, ignore_errors=True)


def _previewed(key: str, principal: Principal, language: str) -> Path:
    """The unpacked files of the preview ``key``, if this principal made it."""
    kept = _preview_root() / key
    owner = kept / "owner"
    if not re.fullmatch(r"[0-9a-f]{32}", key) or not owner.is_file():
        raise FormProblems([ui_text("upload.preview_gone", language)], 404)
    if owner.stat().st_mtime < time.time() - PREVIEW_HOURS * 3600:
        raise FormProblems([ui_text("upload.preview_gone", language)], 404)
    if owner.read_text(encoding="utf-8") != str(principal.token_id):
        raise FormProblems([ui_text("upload.preview_gone", language)], 404)
    return kept / "upload"


def _unpacked_paths(folder: Path) -> list[Path]:
    """What an upload unpacked into ``folder`` reads: each file of ``files/``, each zip's
    folder (as :class:`_Unpacked` lists them)."""
    files = sorted((folder / "files").iterdir()) if (folder / "files").is_dir() else []
    zips = [z for part in sorted(folder.glob("zip-*")) for z in sorted(part.iterdir())]
    return files + zips


def _read_uploads(
    unpacked: _Unpacked | None,
    folder: Path,
    uploads: list[tuple[str, bytes]],
    settings: Settings,
    workspace: Workspace,
    language: str,
) -> ReadResult:
    """The uploaded files (or ``unpacked``, already in place) read as a checked dataset;
    :class:`_UploadRefused` with every problem otherwise."""
    if unpacked is None:
        unpacked = _Unpacked(folder, settings.max_upload_bytes)
        for name, data in uploads:
            if not name.lower().endswith((*TABLE_SUFFIXES, ".zip")):
                unpacked.problems.append(problem(name, 0, "-", "upload_type"))
            else:
                unpacked.add(name, data)
        if not uploads:
            unpacked.problems.append(problem("-", 0, "-", "upload_none"))
    if unpacked.problems:
        raise _UploadRefused([unpacked.shown(p, language) for p in unpacked.problems])
    result = read_dataset(unpacked.paths, workspace.store.existing_nodes())
    if result.problems:
        raise _UploadRefused([unpacked.shown(p, language) for p in result.problems])
    for block in result.dataset.blocks:
        block.source = Path(block.source).name  # the file's name, not a server path
    return result


class _UploadRefused(Exception):
    def __init__(self, problems: list[dict[str, Any]]) -> None:
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems

"""What the routes do beyond one workspace call: writes and paging (a leader's scope:
:mod:`api.scope`).

Routes stay thin: they parse the request, call one function here or on the workspace, and
shape the answer.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from concentric.api.access import Principal
from concentric.api.schemas import ContactEnd, ContactIn, InteractionIn
from concentric.api.scope import Forbidden, LeaderScope
from concentric.graph.engine.coverage import UnknownId, is_open
from concentric.graph.schema.model import Problem
from concentric.graph.schema.schema import SCHEMA
from concentric.graph.store.factory import is_server_uri
from concentric.graph.workspace import Workspace
from concentric.loaders import read_records

__all__ = [
    "Forbidden",
    "InputProblems",
    "UnknownReferences",
    "assign_contact",
    "assign_contacts",
    "end_contact",
    "hand_over",
    "log_interaction",
    "page",
]


class InputProblems(Exception):
    """A write's data failed validation; the API answers 422 with every problem."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(map(str, problems)))
        self.problems = problems


class UnknownReferences(InputProblems):
    """Every problem of a write is a reference to no entity of the kind it needs (an unknown
    id, or a figure's id where a leader's belongs): 404, with each one listed."""


def _refused(table: str, problems: list[Problem]) -> InputProblems:
    references = {c.name for c in SCHEMA.tables[table].columns.values() if c.ref_kinds}
    if all(p.column in references for p in problems):
        return UnknownReferences(problems)
    return InputProblems(problems)


class Conflict(Exception):
    """The write would overwrite something that exists (409)."""


def page(
    answer: dict[str, Any], limit: int | None, offset: int, key: str = "items"
) -> dict[str, Any]:
    """``answer`` with ``answer[key]`` cut to one page; ``total`` stays the full count.

    The page's bounds are the caller's own ``limit``/``offset``, so the body keeps exactly
    the shape of spec section 4 (the same JSON as the CLI's ``--json``).
    """
    items = answer[key]
    answer = {**answer, "total": answer.get("total", len(items))}
    answer[key] = items[offset : offset + limit if limit is not None else None]
    return answer


# -- writes -------------------------------------------------------------------------------


def _mentioned(row: dict[str, Any]) -> set[str]:
    """Every text in a row, any of which may be an id it refers to (the loader needs to
    know only those stored ids: reading all of them made a province's small writes slow)."""
    found: set[str] = set()
    for value in row.values():
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, str):
                found.add(item)
    return found


def _write(workspace: Workspace, table: str, row: dict[str, Any]) -> int:
    return _write_rows(workspace, table, [row])


def _write_rows(workspace: Workspace, table: str, rows: list[dict[str, Any]]) -> int:
    """Validate ``rows`` as one table's rows and store them in one load: all or none."""
    mentioned = set().union(*map(_mentioned, rows)) if rows else set()
    existing = workspace.store.existing_nodes(mentioned)
    result = read_records(table, rows, existing, source=f"api:{table}")
    if result.problems:
        raise _refused(table, result.problems)
    workspace.load(result.dataset)
    return workspace.store.version()


# Check-then-write must not interleave: two requests with the same new id would both pass
# the check. A lock for the threads of this process, and a file lock next to an embedded
# store for the other server processes on it (`concentric serve --workers N`).
_WRITE_LOCK = threading.Lock()


@contextmanager
def _checked_write(workspace: Workspace) -> Iterator[None]:
    """Hold off every other thread and server process that checks before it writes."""
    location = Path(workspace.store.location)
    workspace.wait_for_build()
    with _WRITE_LOCK:
        if is_server_uri(workspace.store.location) or not location.parent.is_dir():
            yield
            return
        with open(f"{location}.write-lock", "a+b") as lock_file:
            fcntl.flock(lock_file, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock_file, fcntl.LOCK_UN)


def log_interaction(
    workspace: Workspace, body: InteractionIn, principal: Principal
) -> tuple[str, int]:
    """Store a new interaction; return its id and the new data version."""
    scope = LeaderScope.of(workspace, principal)
    if scope is not None:
        scope.check_interaction(body.leader_ids, body.target_ids)
    row = body.model_dump()
    if not row["id"]:
        row["id"] = f"I{dt.date.today():%Y%m%d}-{secrets.token_hex(4)}"
    with _checked_write(workspace):
        if workspace.store.existing_nodes([row["id"]]):
            raise Conflict(f"id {row['id']!r} exists already; ids are never reused")
        return row["id"], _write(workspace, "interactions", row)


def assign_contact(workspace: Workspace, body: ContactIn) -> int:
    """Open a contact between a leader and a target."""
    row = {k: v for k, v in body.model_dump().items() if v is not None}
    return _write(workspace, "contacts", row)


def end_contact(workspace: Workspace, body: ContactEnd) -> int:
    """Close the contacts between a leader and a target that are open on ``until``."""
    existing = workspace.store.existing_nodes([body.leader_id, body.target_id])
    for node in (body.leader_id, body.target_id):
        if node not in existing:
            raise UnknownId(f"unknown id {node!r}")
    result = read_records(
        "contacts",
        [{"leader_id": body.leader_id, "target_id": body.target_id, "until": body.until}],
        existing,
        source="api:contacts",
    )
    if result.problems:
        raise InputProblems(result.problems)
    until = result.dataset.links[0].props["until"]
    rows = _ending_rows(workspace, body.leader_id, body.target_id, until)
    if not rows:
        raise UnknownId(
            f"no contact between {body.leader_id!r} and {body.target_id!r} is open "
            f"on {until - dt.timedelta(days=1)}"
        )
    version = 0
    for row in rows:
        version = _write(workspace, "contacts", row)
    return version


def _ending_rows(
    workspace: Workspace, leader_id: str, target_id: str, until: dt.date
) -> list[dict[str, Any]]:
    """The stored contacts between the two that are open the day before ``until``, as rows
    that close them on ``until`` (the same natural key, so the load updates them)."""
    rows = []
    for data in workspace.edges_between(leader_id, target_id):
        if data["kind"] == "contacts" and is_open(data, until - dt.timedelta(days=1)):
            row = {k: v for k, v in data.items() if k not in ("kind", "file", "line", "extra")}
            row = {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in row.items()}
            rows.append({**row, "until": until.isoformat()})
    return rows


def assign_contacts(workspace: Workspace, bodies: list[ContactIn]) -> int:
    """Open several contacts in one load: every one is stored, or (any problem) none."""
    rows = [{k: v for k, v in body.model_dump().items() if v is not None} for body in bodies]
    return _write_rows(workspace, "contacts", rows)


def hand_over(
    workspace: Workspace,
    leaving: list[str],
    until: dt.date,
    successors: dict[str, str],
) -> tuple[int, int]:
    """The leaving leaders' contacts open the day before ``until`` end on ``until``, and
    each target in ``successors`` gets a contact with its successor from ``until`` on: one
    load, all or nothing. Returns (contacts ended, contacts opened)."""
    known = workspace.store.existing_nodes([*leaving, *successors.values()])
    problems = [
        Problem("handover", 1, "leader_ids", f"{leader!r} is not a stored leader")
        for leader in leaving
        if leader not in known or known[leader].kind != "leader"
    ]
    problems += [
        Problem("handover", 1, "successor_ids", f"{leader!r} is one of the leaving leaders")
        for leader in successors.values()
        if leader in leaving
    ]
    if problems:
        raise InputProblems(problems)
    day_before = until - dt.timedelta(days=1)
    ending = [
        row
        for leader in leaving
        for target in sorted(workspace.assigned_targets(leader, day_before))
        for row in _ending_rows(workspace, leader, target, until)
    ]
    opening = [
        {"leader_id": leader, "target_id": target, "since": until.isoformat()}
        for target, leader in sorted(successors.items())
    ]
    if not ending and not opening:
        raise InputProblems(
            [Problem("handover", 1, "leader_ids", f"no contact of theirs is open on {day_before}")]
        )
    _write_rows(workspace, "contacts", ending + opening)
    return len(ending), len(opening)

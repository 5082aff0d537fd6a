"""Duplicate candidates and planners' judgements, as the CLI, the API and the page use them.

The finder (:mod:`graph.engine.duplicates`) scores the stored figures, organizations and
units; the judgements live in the store apart from the loaded rows (``Store.judgements``).
A pair judged ``same`` or ``different`` is not proposed again; an ``unsure`` one stays
listed with its verdict shown. A ``same`` also makes the engine count the two as one entity
(:mod:`graph.engine.merge`, applied when the workspace builds its arrays).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from concentric.graph.engine.duplicates import (
    DUPLICATE_KINDS,
    FinderResult,
    entity_of,
    find_duplicates,
    pair_key,
)
from concentric.graph.schema.model import Problem
from concentric.graph.schema.schema import SCHEMA
from concentric.graph.store.protocol import VERDICTS, Judgement, KnowsRowsVersion
from concentric.graph.workspace import Workspace

__all__ = ["JudgementProblems", "judge_pair", "judgement_answer", "list_duplicates", "undo_pair"]

# Verdicts that settle a pair: it is no longer a candidate.
SETTLED = ("same", "different")


class JudgementProblems(Exception):
    """A judgement that cannot be kept (unknown id, kinds differ, unknown verdict)."""

    def __init__(self, problems: list[Problem], unknown_ids: bool = False) -> None:
        super().__init__("; ".join(map(str, problems)))
        self.problems = problems
        self.unknown_ids = unknown_ids


def _problem(column: str, message: str, message_zh: str) -> Problem:
    return Problem("request", 0, column, message, message_zh)


@dataclass(frozen=True)
class _Found:
    """The finder's answer for one data version, before judgements are applied."""

    result: FinderResult
    names: dict[str, str]  # of the candidates' records


# (store location, rows version, kind, min score) -> the finder's answer. A "same" judgement
# moves the data version on (merged counting) but not the version of the loaded rows, so
# judging pair after pair on the page reuses one run of the finder; a load changes the rows
# and the next list runs it again.
_FOUND: OrderedDict[tuple[str, int, str | None, float | None], _Found] = OrderedDict()
_FOUND_KEPT = 4
_FOUND_LOCK = threading.Lock()


def _found(workspace: Workspace, kind: str | None, min_score: float | None) -> _Found:
    store = workspace.store
    rows = store.rows_version() if isinstance(store, KnowsRowsVersion) else store.version()
    key = (store.location, rows, kind, min_score)
    with _FOUND_LOCK:
        if key in _FOUND:
            _FOUND.move_to_end(key)
            return _FOUND[key]
    kinds = DUPLICATE_KINDS if kind is None else (kind,)
    entities = [entity_of(record) for record in store.nodes() if record.kind in kinds]
    memberships = [
        (link.source_id, link.target_id) for link in store.links() if link.kind == "member_of"
    ]
    result = find_duplicates(entities, memberships, kinds=kinds, min_score=min_score)
    # Names of the candidates only: the answer is kept between requests, and a name for
    # every record would be kept with it (a province has over a million).
    listed = {side for candidate in result.candidates for side in (candidate.left, candidate.right)}
    found = _Found(result, {e.id: e.name for e in entities if e.id in listed})
    with _FOUND_LOCK:
        _FOUND[key] = found
        while len(_FOUND) > _FOUND_KEPT:
            _FOUND.popitem(last=False)
    return found


def _class_of(field: str) -> str:
    """The field class of what a reason rests on: a birth year comes from a column the schema
    does not know (kept under ``extra``), so it is ``unknown``."""
    return {"memberships": "ordinary"}.get(field) or SCHEMA.field_class(field) or "unknown"


def list_duplicates(
    workspace: Workspace,
    kind: str | None = None,
    min_score: float | None = None,
    classes: frozenset[str] | None = None,
) -> dict[str, Any]:
    """The candidates of the stored data, best first, with names and any ``unsure``.

    ``classes``: the field classes the reader may see (api/privacy.py); a reason resting on
    another class (a phone, an ethnicity) is left out of the words, though it still counts
    in the score. None: every reason (the command line).
    """
    found = _found(workspace, kind, min_score)
    judged = {(j.left, j.right): j for j in workspace.store.judgements()}
    items = []
    for candidate in found.result.candidates:
        verdict = judged.get((candidate.left, candidate.right))
        if verdict is not None and verdict.verdict in SETTLED:
            continue
        shown = candidate.as_json()
        if classes is not None:
            shown["reasons"] = [
                words
                for words, field in zip(candidate.reasons, candidate.fields, strict=True)
                if _class_of(field) in classes
            ]
        items.append(
            {
                **shown,
                "left_name": found.names.get(candidate.left),
                "right_name": found.names.get(candidate.right),
                "judgement": verdict.verdict if verdict else None,
            }
        )
    return {
        "total": len(items),
        "records": found.result.records,
        "pairs_compared": found.result.pairs_compared,
        "all_pairs": found.result.all_pairs,
        "judged": len(judged),
        "items": items,
    }


def judgement_answer(judgement: Judgement) -> dict[str, Any]:
    return {
        "left": judgement.left,
        "right": judgement.right,
        "kind": judgement.kind,
        "verdict": judgement.verdict,
        "judged_at": judgement.judged_at,
        "judged_by": judgement.judged_by,
    }


def _pair_kind(workspace: Workspace, first: str, second: str) -> str:
    """The kind both ids share, or every problem with them."""
    found = {r.id: r.kind for r in workspace.store.node_records([first, second])}
    # An unknown id is told first (404), then a pair of one id with itself (422).
    unknown = [
        _problem(column, f"no entity with id {node!r}", f"没有编号为 {node} 的对象")
        for column, node in (("left", first), ("right", second))
        if node not in found and (column == "left" or first != second)
    ]
    if unknown:
        raise JudgementProblems(unknown, unknown_ids=True)
    if first == second:
        raise JudgementProblems(
            [_problem("right", "the two ids are the same", "两个编号相同，不能判定为重复")]
        )
    kinds = {found[first], found[second]}
    if len(kinds) != 1 or found[first] not in DUPLICATE_KINDS:
        raise JudgementProblems(
            [
                _problem(
                    "right",
                    f"{first} is a {found[first]} and {second} a {found[second]}: only two "
                    "figures, two organizations or two units can be one entity",
                    "只有两名人士、两个组织或两个单位之间才能判定是否重复",
                )
            ]
        )
    return found[first]


def judge_pair(
    workspace: Workspace, first: str, second: str, verdict: str, judged_by: str | None
) -> Judgement:
    """Keep a planner's verdict on a pair (replacing an earlier one)."""
    if verdict not in VERDICTS:
        raise JudgementProblems(
            [
                _problem(
                    "verdict",
                    f"{verdict!r} is not one of: {', '.join(VERDICTS)}",
                    "判定须为 same（同一对象）、different（不同对象）或 unsure（不确定）",
                )
            ]
        )
    kind = _pair_kind(workspace, first, second)
    left, right = pair_key(first, second)
    now = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
    judgement = Judgement(left, right, kind, verdict, now, judged_by)
    workspace.store.judge(judgement)
    workspace.show_own_write()
    return judgement


def undo_pair(workspace: Workspace, first: str, second: str) -> Judgement | None:
    """Forget the pair's judgement: the one forgotten, or None if there was none."""
    left, right = pair_key(first, second)
    undone = workspace.store.undo_judgement(left, right)
    workspace.show_own_write()
    return undone

"""Merged counting: ids a planner judged the same count as one entity.

The stored rows are never rewritten (each keeps its file and line): the merge is applied to
the columns the engine reads, once per data version. A judgement of "same" bumps the store's
data version, so every process builds its arrays again from merged columns; undoing it does
the same, and the unmerged columns come back untouched. A later small load is followed by
the delta (:mod:`graph.engine.index_delta`) only when none of its records names a judged id
(:func:`touches`): then it changes the merged data exactly as the stored one.

>>> columns = CoverageColumns(
...     targets=[("F1", "figure", "religious", "A1", "张伟"),
...              ("F2", "figure", "religious", None, "张 伟"),
...              ("O1", "organization", "association", "A1", "佛教协会")],
...     leaders=[("L1", "王书记", "书记", True, None, None)],
...     areas=[("A1", None, "城关区", "district")],
...     contacts=[("L1", "F1", "2025-01-01", None), ("L1", "F2", "2025-01-01", None)],
...     memberships=[("F1", "O1", None, None), ("F2", "O1", None, None)],
...     concerns=[("F2", "2025-03-01")],
...     joint_meeting=set(),
... )
>>> merged = merged_columns(columns, merge_map([("F1", "F2")], {"F1", "F2", "O1"}))
>>> [t[0] for t in merged.targets], merged.contacts
(['F1', 'O1'], [('L1', 'F1', '2025-01-01', None)])
>>> merged.memberships, merged.concerns
([('F1', 'O1', None, None)], [('F1', '2025-03-01')])
>>> rows = [("L1", "F2", "2025-03-01"), ("L1", None, "2025-03-02")]
>>> merged_participations(rows, {"F2": "F1"})
[('L1', 'F1', '2025-03-01'), ('L1', None, '2025-03-02')]
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import replace
from typing import Any, TypeVar, cast

from concentric.graph.engine.duplicates import canonical_ids
from concentric.graph.store.protocol import CoverageColumns, Judgement, StoreChanges

__all__ = [
    "merge_map",
    "merged_columns",
    "merged_groups",
    "merged_participations",
    "same_pairs",
    "touches",
]

_Row_T = TypeVar("_Row_T", bound=tuple[Any, ...])


def same_pairs(judgements: Iterable[Judgement]) -> list[tuple[str, str]]:
    """The pairs of ``judgements`` whose verdict is "same"."""
    return [(j.left, j.right) for j in judgements if j.verdict == "same"]


def merge_map(pairs: Iterable[tuple[str, str]], stored: Collection[str]) -> dict[str, str]:
    """Each merged id to the id its group counts as (:func:`canonical_ids`), from the "same"
    pairs whose two ids are both stored targets: a judgement about an id a later export no
    longer holds joins nothing (the kept judgement comes back into force if the id does).

    >>> merge_map([("F1", "F2"), ("F2", "F3"), ("F4", "F9")], {"F1", "F2", "F3", "F4"})
    {'F1': 'F1', 'F2': 'F1', 'F3': 'F1'}
    """
    return canonical_ids((a, b) for a, b in pairs if a in stored and b in stored)


def merged_groups(canonical: Mapping[str, str]) -> dict[str, list[str]]:
    """Each canonical id to the other ids merged into it, sorted.

    >>> merged_groups({"F1": "F1", "F2": "F1", "F3": "F1"})
    {'F1': ['F2', 'F3']}
    """
    groups: dict[str, list[str]] = {}
    for node, root in sorted(canonical.items()):
        if node != root:
            groups.setdefault(root, []).append(node)
    return groups


def _repointed(
    rows: Iterable[_Row_T], canonical: Mapping[str, str], columns: tuple[int, ...]
) -> list[_Row_T]:
    """``rows`` with the ids in ``columns`` replaced by their canonical id; a rewritten row
    identical to one kept already is dropped (two contacts of one leader, one to each id of
    a merged pair, are one contact of the merged entity). Rows no merge touches are kept as
    they are, repeats included."""
    moving = {node for node, root in canonical.items() if node != root}
    roots = set(canonical.values())
    rows = list(rows)
    if len(columns) == 1:  # most columns: one id per row, no generator per row
        (column,) = columns
        moved = [row[column] in moving for row in rows]
    else:
        moved = [any(row[i] in moving for i in columns) for row in rows]
    # Only a row naming a group's own id can equal a rewritten one: the others are not
    # kept in the set (millions of contacts at province size).
    seen = {
        row
        for row, is_moved in zip(rows, moved, strict=True)
        if not is_moved and any(row[i] in roots for i in columns)
    }
    kept: list[_Row_T] = []
    for row, is_moved in zip(rows, moved, strict=True):
        if is_moved:
            values = list(row)
            for i in columns:
                values[i] = canonical.get(values[i], values[i])
            row = cast(_Row_T, tuple(values))
            if row in seen:
                continue
            seen.add(row)
        kept.append(row)
    return kept


def merged_columns(columns: CoverageColumns, canonical: Mapping[str, str]) -> CoverageColumns:
    """``columns`` as if every merged id were its canonical one: the merged-away targets'
    rows dropped, their contacts, memberships (either end) and interactions re-pointed to
    the canonical id. An empty ``canonical`` gives ``columns`` back unchanged."""
    if not canonical:
        return columns
    return replace(
        columns,
        targets=[t for t in columns.targets if canonical.get(t[0], t[0]) == t[0]],
        contacts=_repointed(columns.contacts, canonical, (1,)),
        memberships=[m for m in _repointed(columns.memberships, canonical, (0, 1)) if m[0] != m[1]],
        concerns=_repointed(columns.concerns, canonical, (0,)),
        joint_meeting={canonical.get(u, u) for u in columns.joint_meeting},
    )


def merged_participations(
    rows: Iterable[tuple[str, str | None, Any]], canonical: Mapping[str, str]
) -> list[tuple[str, str | None, Any]]:
    """The leaders' (leader, target, date) interaction rows with merged targets re-pointed
    (what :func:`merged_columns` does to ``concerns``)."""
    if not canonical:
        return list(rows)
    return _repointed(rows, canonical, (1,))


def touches(changes: StoreChanges, ids: Collection[str]) -> bool:
    """Whether a record of ``changes``, as it was or as it is, names one of ``ids``: a
    node's own id, a link's end, an interaction's leader or target.

    >>> from concentric.graph.schema.model import LinkRecord, NodeRecord
    >>> visit = NodeRecord("I1", "interaction", {"leader_ids": ["L1"], "target_ids": ["F2"]})
    >>> touches(StoreChanges([(None, visit)], []), {"F1", "F2"})
    True
    >>> contact = LinkRecord("contacts", "L1", "F3", "c1", {})
    >>> touches(StoreChanges([], [(None, contact)]), {"F1", "F2"})
    False
    """
    if not ids:
        return False
    for pair in changes.nodes:
        for node in pair:
            if node is None:
                continue
            named = [node.id, *(node.props.get("leader_ids") or ())]
            named += node.props.get("target_ids") or ()
            if any(n in ids for n in named):
                return True
    return any(
        link is not None and (link.source_id in ids or link.target_id in ids)
        for pair in changes.links
        for link in pair
    )

"""Finding an entity from what a person types: its id, its name, or the name's pinyin
(full ``yinxiurong`` or initials ``yxr``), and the area tree.

:func:`resolve` is the one rule the CLI (and pages) use wherever an id is accepted. An exact
id wins; then an exact name; then an exact full pinyin or initials. Several entities with
that name raise :class:`AmbiguousName` listing them; nothing raises :class:`NoSuchName`
with the closest names ("did you mean …"). Partial matches are never taken silently: they
are offered as suggestions.

The names come from the coverage index (targets, leaders, areas) and their pinyin from the
kept search index, so resolving never builds the networkx graph nor recomputes pinyin.
"""

from __future__ import annotations

import difflib
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from concentric.graph.engine.coverage import QueryError, UnknownId
from concentric.graph.schema.schema import SCHEMA

if TYPE_CHECKING:
    from concentric.graph.engine.coverage_index import CoverageIndex
    from concentric.graph.workspace import Workspace

__all__ = [
    "ENTITY_KINDS",
    "AmbiguousName",
    "Named",
    "NoSuchName",
    "area_parents",
    "area_tree",
    "kind_label",
    "resolve",
    "resolve_all",
]

# Kinds a name can stand for; interactions have no name and are found by id only.
NAMED_KINDS = ("leader", "figure", "organization", "unit", "area")
ENTITY_KINDS = (*NAMED_KINDS, "interaction")
SUGGESTIONS = 5


@dataclass(frozen=True)
class Named:
    """One entity as a person tells it apart: name, id, kind and where it is
    (a target's area, an area's parent, a leader's post)."""

    id: str
    name: str
    kind: str
    where: str

    def describe(self) -> str:
        """``尹秀荣 (L07, 联系领导, 区委统战部部长)``."""
        parts = [self.id, kind_label(self.kind), *([self.where] if self.where else [])]
        return f"{self.name or self.id} ({', '.join(parts)})"


class AmbiguousName(QueryError):
    """Several entities answer to the text; ``candidates`` lists them."""

    def __init__(self, text: str, candidates: list[Named]) -> None:
        self.candidates = candidates
        super().__init__(
            f"{text!r} names {len(candidates)} entities (重名); give one of their ids: "
            + "; ".join(c.describe() for c in candidates)
        )


class NoSuchName(UnknownId):
    """Nothing answers to the text; ``suggestions`` are the closest names."""

    def __init__(self, text: str, what: str, suggestions: list[Named]) -> None:
        self.suggestions = suggestions
        hint = (
            "; did you mean " + " or ".join(s.describe() for s in suggestions) + "?"
            if suggestions
            else ""
        )
        super().__init__(f"{text!r} is not {_article(what)}'s id, name or pinyin (未找到){hint}")


def kind_label(kind: str) -> str:
    """The Chinese label of a node kind (区域, 联系领导, 党外代表人士, …)."""
    if kind == "interaction":
        return "联系活动"
    return str(SCHEMA.node_kinds.get(kind, {}).get("label", kind))


def _article(noun: str) -> str:
    return f"{'an' if noun[0] in 'aeiou' else 'a'} {noun}"


def _what(kinds: Collection[str]) -> str:
    if set(kinds) >= set(NAMED_KINDS):
        return "entity"
    return " or ".join(sorted(kinds))


def _entities(index: CoverageIndex) -> list[Named]:
    """Every named entity of the index: targets, leaders and areas."""

    def area_name(area: str | None) -> str:
        return str(index.area_names.get(area) or area) if area else ""

    found = [
        Named(node, str(name or ""), kind, area_name(area))
        for node, kind, area, name in zip(
            index.ids, index.kinds, index.area_ids, index.names, strict=True
        )
    ]
    found += [
        Named(leader, str(row[1] or ""), "leader", str(row[2] or ""))
        for leader, row in index.leaders.items()
    ]
    parent_of = area_parents(index)
    found += [
        Named(area, str(index.area_names.get(area) or ""), "area", area_name(parent_of[area]))
        for area in index.area_list
    ]
    return found


def _spelling(text: str) -> str:
    """A name or pinyin as compared: no spaces or apostrophes, lower case."""
    return "".join(text.split()).replace("'", "").replace("’", "").lower()


def resolve(workspace: Workspace, text: str, kinds: Collection[str] = ENTITY_KINDS) -> str:
    """The id of the one entity of ``kinds`` that ``text`` is the id, name or pinyin of.

    Raise :class:`AmbiguousName` when several are, :class:`NoSuchName` (with the closest
    names) when none is, and :class:`QueryError` when ``text`` is the id of an entity of
    another kind.
    """
    return _resolve(_entities(workspace.index()), workspace, text, kinds)


def resolve_all(
    workspace: Workspace, texts: Iterable[str], kinds: Collection[str] = ENTITY_KINDS
) -> list[str]:
    """:func:`resolve` for several texts (the entity list is read once)."""
    entities = _entities(workspace.index())
    return [_resolve(entities, workspace, text, kinds) for text in texts]


def _resolve(entities: list[Named], workspace: Workspace, text: str, kinds: Collection[str]) -> str:
    wanted = [e for e in entities if e.kind in kinds]
    by_id = {e.id: e for e in entities}
    text = text.strip()
    if not text:
        raise QueryError(f"an empty {_what(kinds)} id or name")
    exact = by_id.get(text)
    if exact is not None:
        if exact.kind in kinds:
            return text
        raise QueryError(
            f"{exact.describe()} is a {exact.kind} ({kind_label(exact.kind)}), "
            f"not {_article(_what(kinds))}"
        )
    if "interaction" in kinds and _is_interaction(workspace, text):
        return text
    if _is_merged_away(workspace, text, kinds):
        return text
    needle = _spelling(text)
    for key in (_by_id_ignoring_case, _by_name, _by_pinyin):
        matches = key(wanted, needle, workspace)
        if len(matches) == 1:
            return matches[0].id
        if matches:
            raise AmbiguousName(text, sorted(matches, key=lambda e: (e.kind, e.id)))
    raise NoSuchName(text, _what(kinds), _closest(wanted, needle, workspace))


def _is_interaction(workspace: Workspace, text: str) -> bool:
    found = workspace.store.existing_nodes([text]).get(text)
    return found is not None and found.kind == "interaction"


def _is_merged_away(workspace: Workspace, text: str, kinds: Collection[str]) -> bool:
    """Whether ``text`` is the id of a stored record merged into another (judged the same):
    the index counts it under its group's id, but the id still names its own record (its
    entity page, the undo of the judgement)."""
    if text not in workspace.snapshot().merged:
        return False
    found = workspace.store.existing_nodes([text]).get(text)
    return found is not None and found.kind in kinds


def _by_id_ignoring_case(entities: list[Named], needle: str, _: Workspace) -> list[Named]:
    return [e for e in entities if e.id.lower() == needle]


def _by_name(entities: list[Named], needle: str, _: Workspace) -> list[Named]:
    return [e for e in entities if e.name and _spelling(e.name) == needle]


def _by_pinyin(entities: list[Named], needle: str, workspace: Workspace) -> list[Named]:
    # Only Latin letters can be pinyin: skip the dictionary work for Chinese text.
    if not needle.isascii() or not needle.isalpha():
        return []
    keys = workspace.search_index()
    found = []
    for entity in entities:
        if entity.name and not entity.name.isascii():
            full, initials = keys.pinyin(entity.id, entity.name)
            if needle in (full, initials):
                found.append(entity)
    return found


def _closest(entities: list[Named], needle: str, workspace: Workspace) -> list[Named]:
    """The closest names: names (or pinyin) containing the text first, then similar ones."""
    containing = [e for e in entities if e.name and needle in _spelling(e.name)]
    if not containing and needle.isascii() and needle.isalpha():
        keys = workspace.search_index()
        containing = [
            e
            for e in entities
            if e.name and not e.name.isascii() and keys.pinyin(e.id, e.name)[0].startswith(needle)
        ]
    if containing:
        return sorted(containing, key=lambda e: (len(e.name), e.id))[:SUGGESTIONS]
    names: dict[str, list[Named]] = {}
    for entity in entities:
        names.setdefault(_spelling(entity.name or entity.id), []).append(entity)
    close = difflib.get_close_matches(needle, list(names), n=SUGGESTIONS, cutoff=0.5)
    return [e for spelling in close for e in names[spelling]][:SUGGESTIONS]


# -- the area tree ------------------------------------------------------------------------


def area_parents(index: CoverageIndex) -> dict[str, str | None]:
    """Each area's parent id (None for a root)."""
    return {
        area: index.area_list[parent] if parent >= 0 else None
        for area, parent in zip(index.area_list, index.area_parent.tolist(), strict=True)
    }


def area_tree(workspace: Workspace) -> list[dict[str, Any]]:
    """Every area in tree order (each parent before its children, siblings by id) as
    ``{"id", "name", "kind", "parent_id", "depth"}``."""
    index = workspace.index()
    parents = area_parents(index)
    children: dict[str | None, list[str]] = {}
    for area in index.area_list:  # sorted by id
        children.setdefault(parents[area], []).append(area)
    rows: list[dict[str, Any]] = []
    stack = [(root, 0) for root in reversed(children.get(None, []))]
    while stack:
        area, depth = stack.pop()
        rows.append(
            {
                "id": area,
                "name": index.area_names.get(area),
                "kind": index.area_kinds.get(area),
                "parent_id": parents[area],
                "depth": depth,
            }
        )
        stack.extend((child, depth + 1) for child in reversed(children.get(area, [])))
    return rows

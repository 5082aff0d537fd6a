"""What a leader token may see and write: the one scope rule, and the cuts that apply it.

A leader sees

1. itself;
2. its own targets: the figures, organizations and units it has a contact with that is
   open today (:meth:`graph.workspace.Workspace.assigned_targets`);
3. the interactions it took part in (its id in their ``leader_ids``);
4. the areas its targets are located in, as names and ids only (no area record).

Nothing else: no other leader (not even one assigned to the same target), no figure,
organization or unit that is not its own target, no other interaction. Every answer a
leader gets is computed over the graph of just these entities (so distances, ties and
hover cards know nothing beyond them) and then passed through :meth:`LeaderScope.cut`,
which drops every remaining mention of a stored id outside the scope.

A leader writes only interactions whose ``leader_ids`` are exactly itself and whose
``target_ids`` are all its own targets. Contacts are written by planners only.

Admins, planners and analysts have no scope (:meth:`LeaderScope.of` answers None): the
routes' role dependencies decide what they reach.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Collection, Iterable
from typing import Any

import networkx as nx

from concentric.api.access import Principal
from concentric.graph.engine.coverage import TargetCoverage
from concentric.graph.engine.entities import entity_record
from concentric.graph.network.network import ego_network
from concentric.graph.schema.build import build_graph
from concentric.graph.workspace import Workspace

__all__ = [
    "Forbidden",
    "LeaderScope",
    "ego_network_page",
    "entity_for",
    "leader_network_page",
    "leader_view",
    "network_for",
    "refuse_leader",
    "todo_for",
]


class Forbidden(Exception):
    """The caller's role does not reach this record (403)."""


# Keys of an answer's objects that say which entity the object is about: an object whose
# entity is out of scope is dropped whole (with its name and everything else in it).
_ENTITY_KEYS = ("id", "source", "target", "from", "to", "leader_id", "target_id", "center")
_DROP = object()


def refuse_leader(principal: Principal) -> None:
    """Planners' and analysts' pages (district-wide lists, maps, downloads): 403 for a leader,
    as the Reader routes answer."""
    if principal.role == "leader":
        raise Forbidden("a leader account sees only its own page, targets and interactions")


@dataclasses.dataclass(frozen=True)
class LeaderScope:
    """The entities one leader token reaches (see the module's text for the rule)."""

    workspace: Workspace
    leader_id: str
    targets: frozenset[str]
    interactions: frozenset[str]
    areas: frozenset[str]
    # The scope's own records, with ties only among them (ids outside cut from properties).
    graph: nx.MultiDiGraph

    @classmethod
    def of(cls, workspace: Workspace, principal: Principal) -> LeaderScope | None:
        """The scope of a leader token; None for the other roles (no scope)."""
        if principal.role != "leader":
            return None
        return cls.build(workspace, principal.leader_id or "")

    @classmethod
    def build(cls, workspace: Workspace, leader_id: str) -> LeaderScope:
        """The scope of ``leader_id`` today. A token naming no stored leader reaches nothing."""
        store = workspace.store
        # Read from the store: the leader's neighbourhood, then its scope's records.
        nodes, _ = store.neighbourhood([leader_id])
        kinds = {n.id: n.kind for n in nodes}
        interactions = {
            n.id
            for n in nodes
            if n.kind == "interaction" and leader_id in n.props.get("leader_ids", ())
        }
        if kinds.get(leader_id) != "leader":
            empty: frozenset[str] = frozenset()
            return cls(workspace, leader_id, empty, empty, empty, nx.MultiDiGraph())
        targets = workspace.assigned_targets(leader_id)
        entities = {leader_id, *targets, *interactions}
        records = store.node_records(entities)
        named: set[str] = {
            str(r.props["area_id"]) for r in records if r.id in targets and r.props.get("area_id")
        }
        records += store.node_records(named - entities)
        areas = {r.id for r in records if r.kind == "area"} & named
        graph = build_graph(records, store.links_among(entities | areas))
        scope = cls(
            workspace,
            leader_id,
            frozenset(targets),
            frozenset(interactions),
            frozenset(areas),
            graph,
        )
        scope._cut_graph()
        return scope

    # -- the rule -------------------------------------------------------------------------

    def readable(self, entity_id: str) -> bool:
        """Whether the leader may open this entity's record, network or picture."""
        return (
            entity_id == self.leader_id and entity_id in self.graph
        ) or entity_id in self.targets | self.interactions

    def named(self, entity_id: str) -> bool:
        """Whether the entity may be named (id or name) in an answer to the leader."""
        return self.readable(entity_id) or entity_id in self.areas

    def require(self, entity_id: str) -> None:
        """403 unless the leader may open ``entity_id`` (whether or not it exists: a
        leader cannot tell an unknown id from another leader's)."""
        if not self.readable(entity_id):
            raise Forbidden(
                "a leader token reaches only itself, its own targets and its interactions"
            )

    def require_self(self, leader_id: str) -> None:
        """403 unless ``leader_id`` is this leader (its load, to-do list and network page)."""
        if leader_id != self.leader_id or not self.readable(leader_id):
            raise Forbidden("a leader token reaches only its own leader record")

    def check_interaction(self, leader_ids: Collection[str], target_ids: Collection[str]) -> None:
        """A leader writes only its own interactions with its own targets."""
        if set(leader_ids) != {self.leader_id} or not self.readable(self.leader_id):
            raise Forbidden(
                "leader_ids: a leader logs only interactions of its own, with no other leader"
            )
        if not target_ids or not set(target_ids) <= self.targets:
            raise Forbidden(
                "target_ids: a leader logs interactions only with its own targets "
                "(contacts open today)"
            )

    # -- cuts -----------------------------------------------------------------------------

    def _outside(self, strings: Iterable[str]) -> set[str]:
        """Those of ``strings`` that are stored ids the leader may not see named."""
        candidates = {s for s in strings if not self.named(s)}
        return set(self.workspace.store.existing_nodes(candidates)) if candidates else set()

    def cut(self, answer: Any) -> Any:
        """``answer`` (JSON-like) without any mention of a stored id outside the scope: an
        object about such an entity is dropped; such an id elsewhere is removed from its
        list, or its value set to null."""
        outside = self._outside(_strings(answer))
        if not outside:
            return answer
        return _cut(answer, outside, top=True)

    def _cut_graph(self) -> None:
        """Remove ids outside the scope from the scope graph's properties (an interaction's
        other leaders and targets, an organization's parent, a leader's own area)."""
        strings = [s for _, data in self.graph.nodes(data=True) for s in _strings(data)]
        outside = self._outside(strings)
        for _, data in self.graph.nodes(data=True):
            for key, value in list(data.items()):
                if isinstance(value, str) and value in outside:
                    del data[key]
                elif isinstance(value, list):
                    data[key] = [v for v in value if not (isinstance(v, str) and v in outside)]

    def coverage(self, as_of: dt.date | None, window_days: int | None) -> dict[str, TargetCoverage]:
        """The own targets' coverage, with no assigned leader but this one."""
        as_of, window = self.workspace.when(as_of, window_days)
        found = self.workspace.index().coverage_of(self.targets, as_of, window)
        return {
            target: dataclasses.replace(
                item,
                assigned_leaders=tuple(
                    lead for lead in item.assigned_leaders if lead == self.leader_id
                ),
            )
            for target, item in found.items()
        }


# -- the views, each through the scope for a leader --------------------------------------------


def entity_for(
    workspace: Workspace,
    principal: Principal,
    entity_id: str,
    as_of: dt.date | None = None,
    window_days: int | None = None,
) -> dict[str, Any]:
    """One entity's record, for a leader computed over its scope only."""
    scope = LeaderScope.of(workspace, principal)
    if scope is None:
        return dict(workspace.entity(entity_id, as_of, window_days))
    scope.require(entity_id)
    as_of, window = workspace.when(as_of, window_days)
    record = entity_record(
        scope.graph, entity_id, as_of, window, scope.coverage(as_of, window_days)
    )
    return dict(scope.cut(record))


def network_for(
    workspace: Workspace, principal: Principal, entity_id: str, depth: int
) -> dict[str, Any]:
    """The ego network ``depth`` steps deep; for a leader, over its scope only (any depth)."""
    scope = LeaderScope.of(workspace, principal)
    if scope is None:
        return dict(workspace.network(entity_id, depth))
    scope.require(entity_id)
    return dict(scope.cut(ego_network(scope.graph, entity_id, depth)))


def leader_view(workspace: Workspace, principal: Principal, leader_id: str) -> LeaderScope | None:
    """The caller's scope when it may see ``leader_id``'s own views (load, to-do list,
    contact network); None for roles without a scope. 403 for another leader's."""
    scope = LeaderScope.of(workspace, principal)
    if scope is not None:
        scope.require_self(leader_id)
    return scope


def todo_for(
    workspace: Workspace,
    scope: LeaderScope | None,
    leader_id: str,
    as_of: dt.date | None = None,
    window_days: int | None = None,
    due_within: int = 30,
) -> dict[str, Any]:
    """A leader's to-do list (from :func:`leader_view`'s scope: rows of its own targets only,
    even as of a day it had others)."""
    todo = dict(workspace.todo(leader_id, as_of, window_days, due_within))
    if scope is None:
        return todo
    cut: dict[str, Any] = scope.cut(todo)
    cut["total"] = len(cut["items"])
    return cut


def leader_network_page(
    workspace: Workspace,
    principal: Principal,
    leader_id: str,
    as_of: dt.date,
    window_days: int,
    *,
    text: Callable[[str], str] | None = None,
    language: str = "zh",
) -> str:
    """A leader's contact network picture; for a leader token, drawn from its scope only."""
    from concentric.graph.views import (
        render,  # jinja and the vendored script: loaded for pictures only
    )

    scope = leader_view(workspace, principal, leader_id)
    if scope is None:
        return workspace.leader_network_html(
            leader_id, as_of, window_days, text=text, language=language
        )
    coverage = scope.coverage(as_of, window_days)
    return render.leader_network_html(
        scope.graph, leader_id, as_of, window_days, coverage=coverage, text=text, language=language
    )


def ego_network_page(
    workspace: Workspace,
    principal: Principal,
    entity_id: str,
    depth: int,
    as_of: dt.date,
    window_days: int,
    *,
    text: Callable[[str], str] | None = None,
    language: str = "zh",
) -> str:
    """An entity's network picture; for a leader token, drawn from its scope only (the
    hover cards name nothing outside it)."""
    from concentric.graph.views import render

    scope = LeaderScope.of(workspace, principal)
    if scope is None:
        return workspace.ego_network_html(
            entity_id, depth, as_of, window_days, text=text, language=language
        )
    scope.require(entity_id)
    coverage = scope.coverage(as_of, window_days)
    return render.ego_network_html(
        scope.graph,
        entity_id,
        depth,
        as_of,
        window_days,
        coverage=coverage,
        text=text,
        language=language,
    )


def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _strings(item)


def _cut(value: Any, outside: set[str], top: bool = False) -> Any:
    if isinstance(value, str):
        return _DROP if value in outside else value
    if isinstance(value, dict):
        if not top and any(
            isinstance(value.get(key), str) and value[key] in outside for key in _ENTITY_KEYS
        ):
            return _DROP
        kept: dict[str, Any] = {}
        for key, item in value.items():
            cut = _cut(item, outside)
            kept[key] = None if cut is _DROP else cut
        return kept
    if isinstance(value, (list, tuple)):
        items = [_cut(item, outside) for item in value]
        return [item for item in items if item is not _DROP]
    return value

"""Networks of real relationships: ego networks, paths, brokers and communities.

These work on the *relationship view*: an undirected ``nx.Graph`` with one edge per pair
that share a contact, a membership, a relation or an interaction (through the interaction
node). Areas are left out on purpose: everyone in a subdistrict is "two steps" from
everyone else through it, which says nothing about who knows whom. The view is built once
per graph object and cached (``nx.ego_graph(undirected=True)`` on the directed graph would
copy the whole graph on every call).

>>> from concentric.graph.schema.build import build_graph
>>> from concentric.graph.schema.model import NodeRecord, LinkRecord
>>> g = build_graph(
...     [NodeRecord("L1", "leader", {"name": "张三"}),
...      NodeRecord("F1", "figure", {"name": "王五", "category": "religious"}),
...      NodeRecord("O1", "organization", {"name": "清真寺", "kind": "religious_venue"}),
...      NodeRecord("U1", "unit", {"name": "甘肃省中医院", "kind": "hospital"}),
...      NodeRecord("F2", "figure", {"name": "赵六", "category": "intellectual"})],
...     [LinkRecord("contacts", "L1", "F1", "c1", {}),
...      LinkRecord("member_of", "F1", "O1", "m1", {}),
...      LinkRecord("member_of", "F2", "O1", "m2", {}),
...      LinkRecord("member_of", "F2", "U1", "m3", {})],
... )
>>> [step["kind"] for step in relationship_path(g, "L1", "U1")["steps"]]
['contacts', 'member_of', 'member_of', 'member_of']
>>> sorted(n["id"] for n in ego_network(g, "F1", depth=1)["nodes"])
['F1', 'L1', 'O1']
"""

from __future__ import annotations

import itertools
import weakref
from collections.abc import Callable, Collection, Iterable, Mapping
from typing import Any

import networkx as nx

from concentric.graph.engine.coverage import QueryError, UnknownId
from concentric.graph.schema.build import RELATIONSHIP_EDGES
from concentric.graph.schema.schema import SCHEMA

__all__ = [
    "RELATIONSHIP_EDGES",
    "brokers",
    "communities",
    "display_name",
    "ego_network",
    "name_of",
    "path_answer",
    "relationship_path",
    "relationship_view",
    "shortest_chain",
    "view_neighbours",
]


_VIEWS: weakref.WeakKeyDictionary[nx.MultiDiGraph, nx.Graph] = weakref.WeakKeyDictionary()


def relationship_view(graph: nx.MultiDiGraph) -> nx.Graph:
    """The undirected relationship view of ``graph`` (cached per graph object).

    Each edge keeps the ``kind`` and direction of one underlying edge (``source`` and
    ``target``), so a path can be told in words.
    """
    view = _VIEWS.get(graph)
    if view is None:
        view = nx.Graph()
        for u, v, data in graph.edges(data=True):
            if data["kind"] in RELATIONSHIP_EDGES and not view.has_edge(u, v):
                view.add_edge(u, v, kind=data["kind"], source=u, target=v)
        _VIEWS[graph] = view
    return view


def display_name(graph: nx.MultiDiGraph, node_id: str) -> str:
    """How a node is named to a person: its name, or for an interaction its kind and date."""
    return name_of(node_id, graph.nodes[node_id])


def name_of(node_id: str, data: Mapping[str, Any]) -> str:
    """:func:`display_name` of a node with these attributes."""
    if data["kind"] == "interaction":
        kind = SCHEMA.enum_label("interaction_kind", data.get("type"))
        return f"{kind} {data['date'].isoformat()}"
    return str(data.get("name") or node_id)


def _check_node(graph: nx.MultiDiGraph, node_id: str) -> None:
    if node_id not in graph:
        raise UnknownId(f"unknown id {node_id!r}")


def _node_record(graph: nx.MultiDiGraph, node_id: str) -> dict[str, Any]:
    data = graph.nodes[node_id]
    record = {"id": node_id, "kind": data["kind"], "name": data.get("name")}
    for key in ("category", "type", "area_id", "date"):
        if data.get(key) is not None:
            value = data[key]
            record[key] = value.isoformat() if hasattr(value, "isoformat") else value
    return record


def ego_network(graph: nx.MultiDiGraph, node_id: str, depth: int = 1) -> dict[str, Any]:
    """Everything within ``depth`` relationship steps of ``node_id``: nodes and edges."""
    _check_node(graph, node_id)
    if depth < 0:
        raise QueryError(f"depth must be ≥ 0, not {depth}")
    view = relationship_view(graph)
    if node_id in view:
        reach = nx.single_source_shortest_path_length(view, node_id, cutoff=depth)
    else:
        reach = {node_id: 0}
    nodes = [{**_node_record(graph, n), "distance": d} for n, d in sorted(reach.items())]
    edges = [
        {"source": data["source"], "target": data["target"], "kind": data["kind"]}
        for u, v, data in view.subgraph(reach).edges(data=True)
    ]
    edges.sort(key=lambda e: (e["source"], e["target"], e["kind"]))
    return {"center": node_id, "depth": depth, "nodes": nodes, "edges": edges}


Neighbours = Callable[[Collection[str]], dict[str, Iterable[str]]]


def view_neighbours(graph: nx.MultiDiGraph) -> Neighbours:
    """The relationship neighbours of nodes of ``graph``, for :func:`shortest_chain`."""
    view = relationship_view(graph)
    return lambda ids: {n: view[n] for n in ids if n in view}


def shortest_chain(neighbours: Neighbours, source: str, target: str) -> list[str] | None:
    """The shortest chain of nodes from ``source`` to ``target`` (None if there is none);
    of several, the one whose node ids come first in order, compared step by step.

    A bidirectional breadth-first search that asks ``neighbours`` for one whole layer at a
    time (a frontier is one read from a store), so it works on the whole graph and on a
    store's adjacency alike and picks the same chain on both.

    >>> ties = {"a": ["c", "b"], "b": ["a", "d"], "c": ["a", "d"], "d": ["b", "c"]}
    >>> shortest_chain(lambda ids: {n: ties.get(n, []) for n in ids}, "a", "d")
    ['a', 'b', 'd']
    >>> shortest_chain(lambda ids: {n: ties.get(n, []) for n in ids}, "a", "x") is None
    True
    """
    if source == target:
        return [source]
    # Per side: each node's distance from its end, and its neighbours one step nearer it.
    seen: tuple[dict[str, int], dict[str, int]] = ({source: 0}, {target: 0})
    parents: tuple[dict[str, set[str]], dict[str, set[str]]] = ({source: set()}, {target: set()})
    frontiers = [{source}, {target}]
    meet: set[str] = set()
    while not meet and frontiers[0] and frontiers[1]:
        side = 0 if len(frontiers[0]) <= len(frontiers[1]) else 1
        near, far = seen[side], seen[1 - side]
        layer: set[str] = set()
        for node, others in neighbours(frontiers[side]).items():
            for other in others:
                if other not in near:
                    near[other] = near[node] + 1
                    layer.add(other)
                if near[other] == near[node] + 1:
                    parents[side].setdefault(other, set()).add(node)
        frontiers[side] = layer
        meet = {n for n in layer if n in far}
    if not meet:
        return None
    length = min(seen[0][n] + seen[1][n] for n in meet)
    meet = {n for n in meet if seen[0][n] + seen[1][n] == length}
    # Every node on a shortest chain, by its distance from the source, and the steps
    # between them: from the meeting nodes back along each side's parents.
    step = {n: seen[0][n] for n in meet}
    nexts: dict[str, set[str]] = {}
    stack = list(meet)
    while stack:
        node = stack.pop()
        for parent in parents[0].get(node, ()):
            nexts.setdefault(parent, set()).add(node)
            if parent not in step:
                step[parent] = seen[0][parent]
                stack.append(parent)
    stack = list(meet)
    while stack:
        node = stack.pop()
        for parent in parents[1].get(node, ()):
            nexts.setdefault(node, set()).add(parent)
            if parent not in step:
                step[parent] = length - seen[1][parent]
                stack.append(parent)
    chain = [source]
    while chain[-1] != target:
        chain.append(min(n for n in nexts[chain[-1]] if step[n] == len(chain)))
    return chain


def relationship_path(graph: nx.MultiDiGraph, source: str, target: str) -> dict[str, Any]:
    """The shortest chain of real relationships from ``source`` to ``target``.

    Each step names its edge kind and whether it is walked along or against the edge's
    direction (``forward``), e.g. a figure ``member_of`` an organization. Of several
    shortest chains, the one :func:`shortest_chain` picks.
    """
    _check_node(graph, source)
    _check_node(graph, target)
    return path_answer(
        graph, source, target, shortest_chain(view_neighbours(graph), source, target)
    )


def path_answer(
    graph: nx.MultiDiGraph, source: str, target: str, path: list[str] | None
) -> dict[str, Any]:
    """The answer for ``path`` (None: no chain) told with ``graph``, which holds at least
    the path's nodes and every edge between consecutive ones."""
    if path is None:
        return {
            "source": source,
            "target": target,
            "found": False,
            "length": None,
            "nodes": [],
            "steps": [],
        }
    view = relationship_view(graph)
    steps = []
    for a, b in itertools.pairwise(path):
        data = view.edges[a, b]
        steps.append({"from": a, "to": b, "kind": data["kind"], "forward": data["source"] == a})
    return {
        "source": source,
        "target": target,
        "found": True,
        "length": len(steps),
        "nodes": [_node_record(graph, n) for n in path],
        "steps": steps,
    }


BROKER_KINDS = frozenset({"figure", "organization", "unit"})


def brokers(graph: nx.MultiDiGraph, top: int = 20, sample: int | None = None) -> dict[str, Any]:
    """Figures and organizations that sit on many shortest paths between others.

    Betweenness centrality on the relationship view restricted to figures, organizations
    and units (memberships and relations among them). A broker is a bridge: the people
    and groups on either side reach each other mostly through it, so it is a natural
    go-between, and a blind spot if nobody covers it. ``sample`` estimates with that many
    pivot nodes on large graphs.
    """
    view = relationship_view(graph)
    members = [n for n in view if graph.nodes[n]["kind"] in BROKER_KINDS]
    # A copy, not a view: betweenness walks it many times and views filter on every step.
    sub = nx.Graph(view.subgraph(members))
    k = sample if sample and sample < sub.number_of_nodes() else None
    scores = nx.betweenness_centrality(sub, k=k, seed=7 if k else None, normalized=True)
    ranked = sorted(((s, n) for n, s in scores.items() if s > 0), key=lambda p: (-p[0], p[1]))
    items = [
        {**_node_record(graph, n), "betweenness": round(s, 6), "degree": sub.degree(n)}
        for s, n in ranked[:top]
    ]
    return {
        "explanation": "Betweenness: the share of shortest paths between other figures and "
        "organizations that pass through this one. High = a bridge between groups.",
        "total": len(items),
        "items": items,
    }


def communities(graph: nx.MultiDiGraph, seed: int = 7, min_size: int = 3) -> dict[str, Any]:
    """Groups that are densely tied among themselves (Louvain modularity, seeded).

    Each community lists its size, its members by kind, the most common figure category
    and area, and the leaders inside it — the circles a leader's contacts actually move in.
    """
    view = relationship_view(graph)
    found = nx.community.louvain_communities(view, seed=seed) if view.number_of_nodes() else []
    items: list[dict[str, Any]] = []
    for members in sorted(found, key=lambda c: (-len(c), min(c))):
        if len(members) < min_size:
            continue
        kinds: dict[str, int] = {}
        categories: dict[str, int] = {}
        areas: dict[str, int] = {}
        for n in members:
            data = graph.nodes[n]
            kinds[data["kind"]] = kinds.get(data["kind"], 0) + 1
            if data.get("category"):
                categories[data["category"]] = categories.get(data["category"], 0) + 1
            if data.get("area_id"):
                areas[data["area_id"]] = areas.get(data["area_id"], 0) + 1
        items.append(
            {
                "id": len(items) + 1,
                "size": len(members),
                "kinds": dict(sorted(kinds.items())),
                "top_category": max(categories, key=lambda c: (categories[c], c))
                if categories
                else None,
                "top_area": max(areas, key=lambda a: (areas[a], a)) if areas else None,
                "leaders": sorted(n for n in members if graph.nodes[n]["kind"] == "leader"),
                "members": sorted(n for n in members if graph.nodes[n]["kind"] != "interaction"),
            }
        )
    return {
        "explanation": "Louvain communities: groups with many more ties inside than between "
        "them. A community without a leader in it is a circle nobody is inside of.",
        "total": len(items),
        "items": items,
    }

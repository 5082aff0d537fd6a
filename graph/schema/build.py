"""Records → the ``networkx.MultiDiGraph`` every algorithm works on.

Nodes are keyed by id and carry ``kind`` (area, leader, figure, organization, unit,
interaction), the row's own ``kind`` column as ``type``, the other properties, and their
provenance (``file`` and ``line``). Edges carry ``kind`` (see ``edge_kinds`` in
``schema.yaml``) and, for link rows, their properties and provenance.

>>> from concentric.graph.schema.model import NodeRecord, LinkRecord
>>> g = build_graph(
...     [NodeRecord("A1", "area", {"name": "西湖街道", "kind": "subdistrict"}),
...      NodeRecord("L1", "leader", {"name": "张三", "in_office": True}),
...      NodeRecord("F1", "figure", {"name": "李四", "category": "ethnic", "area_id": "A1"})],
...     [LinkRecord("contacts", "L1", "F1", "k1", {"leader_id": "L1", "target_id": "F1"})],
... )
>>> sorted((u, v, d["kind"]) for u, v, d in g.edges(data=True))
[('F1', 'A1', 'located_in'), ('L1', 'F1', 'contacts')]
>>> g.nodes["A1"]["type"]
'subdistrict'
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import networkx as nx

from concentric.graph.schema.model import LinkRecord, NodeRecord

__all__ = ["build_graph", "link_attributes", "node_attributes", "node_edges"]

# Reference columns that become edges: (node kind, column) -> edge kind.
# An interaction's list columns as edges: (column, edge kind, whether the interaction is the
# edge's source): its leaders took part in it, it concerns its targets.
INTERACTION_EDGES = (("leader_ids", "took_part", False), ("target_ids", "concerns", True))
_REFERENCE_EDGES = {
    ("area", "parent_id"): "part_of",
    ("organization", "parent_id"): "part_of",
    ("figure", "area_id"): "located_in",
    ("organization", "area_id"): "located_in",
    ("unit", "area_id"): "located_in",
    ("leader", "area_id"): "in_charge_of",
}


def build_graph(nodes: Iterable[NodeRecord], links: Iterable[LinkRecord]) -> nx.MultiDiGraph:
    """Build the graph from stored records (references to unknown ids are skipped)."""
    graph = nx.MultiDiGraph()
    node_list = list(nodes)
    for node in node_list:
        graph.add_node(node.id, **node_attributes(node))
    for node in node_list:
        for source, target, edge_kind in node_edges(node):
            if source in graph and target in graph:
                graph.add_edge(source, target, key=edge_kind, kind=edge_kind)
    for link in links:
        if link.source_id in graph and link.target_id in graph:
            attributes = link_attributes(link)
            graph.add_edge(link.source_id, link.target_id, key=link.key, **attributes)
    return graph


def node_edges(node: NodeRecord) -> list[tuple[str, str, str]]:
    """The edges a node's own columns name, as (source, target, kind; also the edge's key):
    its area or parent, an interaction's leaders and targets. An edge to an id that is not
    stored is left out by the caller."""
    edges = [
        (node.id, node.props[column], edge_kind)
        for (kind, column), edge_kind in _REFERENCE_EDGES.items()
        if node.kind == kind and isinstance(node.props.get(column), str)
    ]
    if node.kind == "interaction":
        for column, edge_kind, outward in INTERACTION_EDGES:
            for other in node.props.get(column, ()):
                edges.append(
                    (node.id, other, edge_kind) if outward else (other, node.id, edge_kind)
                )
    return edges


def node_attributes(node: NodeRecord) -> dict[str, Any]:
    """A node record as graph attributes: its own ``kind`` column as ``type``, the entity
    kind as ``kind``."""
    attributes = {k: v for k, v in node.props.items() if k != "kind"}
    if "kind" in node.props:
        attributes["type"] = node.props["kind"]
    attributes.update(kind=node.kind, file=node.source, line=node.line)
    return attributes


def link_attributes(link: LinkRecord) -> dict[str, Any]:
    attributes = {k: v for k, v in link.props.items() if k != "kind"}
    if "kind" in link.props:
        attributes["type"] = link.props["kind"]
    attributes.update(kind=link.kind, file=link.source, line=link.line)
    return attributes

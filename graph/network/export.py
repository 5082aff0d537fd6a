"""The graph for other tools: GraphML, GEXF (Gephi) and node/edge CSV.

:func:`export_graph` converts the stored graph (or one entity's ego network) into a new
``MultiDiGraph`` whose attributes are all scalars, which is what GraphML and GEXF can hold:
dates become ISO strings, lists are joined with ``;``, mappings become JSON text, ``None``
is dropped. Every node keeps its ``kind`` (leader, figure, organization, unit, area,
interaction) and gets a ``label`` (its name); every target gets its coverage ``status``,
``assigned_leaders`` and ``last_contact`` as of the given date. An attribute that holds
values of different types on different nodes becomes text everywhere, so each attribute has
one declared type in the file. Names that the formats reserve (GEXF takes an edge's
``type`` for its direction) are renamed: an edge's ``type`` is written ``relation_type``.
The loader's provenance (``file``, ``line``) is written ``source_file`` / ``source_line``.

:func:`csv_tables` turns such a graph into two CSV texts (nodes, edges) with ``id`` /
``label`` and ``source`` / ``target`` columns, as Gephi's spreadsheet import expects.
Writing files is the caller's business (``concentric export``).

>>> import networkx as nx
>>> g = nx.MultiDiGraph()
>>> g.add_node("L1", kind="leader", name="王", lines=["center", "union"], area_id=None)
>>> g.add_node("F1", kind="figure", name="李", since=dt.date(2026, 1, 2))
>>> _ = g.add_edge("L1", "F1", key="c", kind="contacts", type="x")
>>> out = export_graph(g)
>>> out.nodes["L1"]
{'kind': 'leader', 'name': '王', 'lines': 'center;union', 'label': '王'}
>>> out.nodes["F1"]["since"], out.edges["L1", "F1", "c"]
('2026-01-02', {'kind': 'contacts', 'relation_type': 'x'})
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from itertools import islice
from typing import Any, TextIO

import networkx as nx

from concentric.graph.engine.coverage import TargetCoverage
from concentric.graph.network.network import (
    RELATIONSHIP_EDGES,
    display_name,
    ego_network,
    name_of,
)
from concentric.graph.schema.build import link_attributes, node_attributes, node_edges
from concentric.graph.store.protocol import StoredRecords

__all__ = ["FORMATS", "csv_tables", "export_graph", "scalar", "stream_csv"]

#: Records read and written per round of a streamed export.
STREAM_BATCH = 5000

FORMATS = ("graphml", "gexf", "csv")

_NODE_RENAMES = {
    "id": "node_id",
    "label": "label_attr",
    "pid": "pid_attr",
    "start": "start_attr",
    "end": "end_attr",
    "viz": "viz_attr",
    "file": "source_file",
    "line": "source_line",
}
_EDGE_RENAMES = {
    "id": "edge_id",
    "key": "key_attr",
    "label": "label_attr",
    "weight": "weight_attr",
    "type": "relation_type",
    "start": "start_attr",
    "end": "end_attr",
    "file": "source_file",
    "line": "source_line",
}


def scalar(value: Any) -> str | int | float | bool | None:
    """One attribute value as a scalar GraphML and GEXF can hold (``None`` to drop it).

    >>> scalar(dt.date(2026, 11, 27)), scalar(["a", "b"]), scalar({"b": 1}), scalar([])
    ('2026-11-27', 'a;b', '{"b": 1}', None)
    """
    if value is None:
        return None
    if isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, list | tuple | set | frozenset):
        items = sorted(value) if isinstance(value, set | frozenset) else value
        text = ";".join(str(scalar(v)) for v in items if v is not None)
        return text or None
    if isinstance(value, Mapping):
        return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    return str(value)


def export_graph(
    graph: nx.MultiDiGraph,
    coverage: Mapping[str, TargetCoverage] | None = None,
    *,
    center: str | None = None,
    depth: int = 1,
    fields: Callable[[Any], Any] | None = None,
) -> nx.MultiDiGraph:
    """A copy of ``graph`` (or of ``center``'s ego network) with scalar attributes only.

    With ``center``, the nodes are those of :func:`graph.network.network.ego_network` (``depth``
    relationship steps) and the edges every relationship edge among them (parallel edges
    kept). ``coverage`` (from the engine) adds each target's
    ``status``, ``assigned_leaders`` and ``last_contact``. ``fields`` cuts each node's and
    edge's attributes and each label to what the file may hold (``concentric export`` passes
    :func:`api.privacy.cut` to leave out personal, sensitive and unknown fields). Raises
    :class:`graph.engine.coverage.QueryError` for an unknown ``center`` or a negative depth.
    """
    if center is None:
        nodes: Iterable[str] = graph.nodes
        edges = list(graph.edges(keys=True, data=True))
    else:
        reach = {n["id"] for n in ego_network(graph, center, depth)["nodes"]}
        nodes = sorted(reach)
        edges = [
            (u, v, k, d)
            for u, v, k, d in graph.subgraph(reach).edges(keys=True, data=True)
            if d.get("kind") in RELATIONSHIP_EDGES
        ]
    shown = fields or (lambda value: value)
    out = nx.MultiDiGraph()
    for node in nodes:
        data = dict(shown(graph.nodes[node]))
        status = coverage.get(node) if coverage is not None else None
        if status is not None:
            data["status"] = status.status
            data["assigned_leaders"] = list(status.assigned_leaders)
            data["last_contact"] = status.last_contact
        attrs = _scalars(data, _NODE_RENAMES)
        attrs["label"] = shown(display_name(graph, node))
        out.add_node(node, **attrs)
    for u, v, key, data in edges:
        out.add_edge(u, v, key=str(key), **_scalars(shown(data), _EDGE_RENAMES))
    _one_type_per_attribute(out)
    return out


def _scalars(data: Mapping[str, Any], renames: Mapping[str, str]) -> dict[str, Any]:
    attrs = {}
    for name, value in data.items():
        converted = scalar(value)
        if converted is not None:
            attrs[renames.get(name, name)] = converted
    return attrs


def _one_type_per_attribute(graph: nx.MultiDiGraph) -> None:
    """Attributes with mixed types on different nodes (or edges) become text everywhere."""
    for records in (
        [d for _, d in graph.nodes(data=True)],
        [d for _, _, d in graph.edges(data=True)],
    ):
        types: dict[str, set[type]] = defaultdict(set)
        for data in records:
            for name, value in data.items():
                types[name].add(type(value))
        mixed = {name for name, seen in types.items() if len(seen) > 1}
        if not mixed:
            continue
        for data in records:
            for name in mixed & data.keys():
                value = data[name]
                data[name] = str(value).lower() if isinstance(value, bool) else str(value)


def csv_tables(graph: nx.MultiDiGraph) -> tuple[str, str]:
    """``(nodes_csv, edges_csv)``: the text of two CSV files (UTF-8, header row first)."""
    node_fields = _fields((d for _, d in graph.nodes(data=True)), ("label", "kind", "name"))
    nodes = io.StringIO()
    writer = csv.writer(nodes, lineterminator="\n")
    writer.writerow(["id", *node_fields])
    for node, data in graph.nodes(data=True):
        writer.writerow([node, *(_csv_cell(data.get(f)) for f in node_fields)])
    edge_fields = _fields((d for _, _, d in graph.edges(data=True)), ("kind",))
    edges = io.StringIO()
    writer = csv.writer(edges, lineterminator="\n")
    writer.writerow(["source", "target", "key", *edge_fields])
    for u, v, key, data in graph.edges(keys=True, data=True):
        writer.writerow([u, v, key, *(_csv_cell(data.get(f)) for f in edge_fields)])
    return nodes.getvalue(), edges.getvalue()


def _fields(records: Iterable[Mapping[str, Any]], first: tuple[str, ...]) -> list[str]:
    seen: set[str] = set()
    for data in records:
        seen.update(data)
    return [f for f in first if f in seen] + sorted(seen - set(first))


def stream_csv(
    records: StoredRecords,
    coverage: Callable[[list[str]], Mapping[str, TargetCoverage]],
    nodes_out: TextIO,
    edges_out: TextIO,
    *,
    fields: Callable[[Any], Any] | None = None,
) -> tuple[int, int]:
    """The whole graph as :func:`csv_tables` writes ``export_graph(graph)``, written a batch
    of records at a time (the graph is never built): returns (nodes, edges) written.

    Every table is read twice: once for the columns the header names, once to write the
    rows. ``coverage`` gives the status of a batch of ids (ids that are no target are left
    out); ``fields`` cuts what the file may hold, as in :func:`export_graph`.
    """
    shown = fields or (lambda value: value)
    node_columns = _fields(
        (attrs for _, attrs in _node_rows(records, coverage, shown)), ("label", "kind", "name")
    )
    edge_columns = _fields((row[3] for row in _edge_rows(records, shown)), ("kind",))
    writer = csv.writer(nodes_out, lineterminator="\n")
    writer.writerow(["id", *node_columns])
    nodes = 0
    for node, attrs in _node_rows(records, coverage, shown):
        writer.writerow([node, *(_csv_cell(attrs.get(f)) for f in node_columns)])
        nodes += 1
    writer = csv.writer(edges_out, lineterminator="\n")
    writer.writerow(["source", "target", "key", *edge_columns])
    edges = 0
    for source, target, key, attrs in _edge_rows(records, shown):
        writer.writerow([source, target, key, *(_csv_cell(attrs.get(f)) for f in edge_columns)])
        edges += 1
    return nodes, edges


def _batches(items: Iterator[Any]) -> Iterator[list[Any]]:
    while batch := list(islice(items, STREAM_BATCH)):
        yield batch


def _node_rows(
    records: StoredRecords,
    coverage: Callable[[list[str]], Mapping[str, TargetCoverage]],
    shown: Callable[[Any], Any],
) -> Iterator[tuple[str, dict[str, Any]]]:
    """Each node's id and its attributes as :func:`export_graph` gives them."""
    for batch in _batches(records.nodes()):
        statuses = coverage([record.id for record in batch])
        for record in batch:
            raw = node_attributes(record)
            data = dict(shown(raw))
            status = statuses.get(record.id)
            if status is not None:
                data["status"] = status.status
                data["assigned_leaders"] = list(status.assigned_leaders)
                data["last_contact"] = status.last_contact
            attrs = _scalars(data, _NODE_RENAMES)
            attrs["label"] = shown(name_of(record.id, raw))
            yield record.id, attrs


def _edge_rows(
    records: StoredRecords, shown: Callable[[Any], Any]
) -> Iterator[tuple[str, str, str, dict[str, Any]]]:
    """Each edge as (source, target, key, attributes), as :func:`export_graph` gives them:
    first those the nodes' own columns name, then the stored links; an edge to an id that
    is not stored is left out, as the graph leaves it out."""
    for batch in _batches(records.nodes()):
        named = [edge for record in batch for edge in node_edges(record)]
        stored = records.existing({end for s, t, _ in named for end in (s, t)})
        for source, target, kind in named:
            if source in stored and target in stored:
                yield source, target, kind, _scalars(shown({"kind": kind}), _EDGE_RENAMES)
    for links in _batches(records.links()):
        stored = records.existing(
            {end for link in links for end in (link.source_id, link.target_id)}
        )
        for link in links:
            if link.source_id in stored and link.target_id in stored:
                attrs = _scalars(shown(link_attributes(link)), _EDGE_RENAMES)
                yield link.source_id, link.target_id, str(link.key), attrs


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)

"""The Neo4j store: the same interface as the embedded store, on a Neo4j 5 server.

Loads are batched ``UNWIND … MERGE`` statements inside ONE explicit transaction: Neo4j
commits all of it or, if anything fails or the connection drops, rolls all of it back, so a
failed load leaves the previous data. The engine reads plain columns from it (Cypher fetches,
:mod:`graph.engine.coverage_index` decides); the richer analyses pull the graph once per data
version, like the embedded store. Built arrays are not kept on the server: every new process
builds them from the columns.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Collection, Iterator
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import networkx as nx

from concentric.graph.schema.build import build_graph
from concentric.graph.schema.model import (
    Dataset,
    ExistingNode,
    LinkRecord,
    NodeRecord,
    decode_props,
    encode_props,
    references_of,
)
from concentric.graph.schema.schema import SCHEMA, Policy
from concentric.graph.store import cypher
from concentric.graph.store.protocol import (
    CoverageColumns,
    LoadReport,
    ProgressCallback,
    StoreError,
    merge_policy,
    merged_overrides,
)

__all__ = ["BATCH_ROWS", "Neo4jStore"]

# The driver logs routing retries as warnings; the store reports failures itself, in one line.
logging.getLogger("neo4j").addHandler(logging.NullHandler())
logging.getLogger("neo4j").propagate = False

# Rows per UNWIND statement. Measured on the 100k-target benchmark (benchmarks/README.md):
# throughput rises steeply up to ~1-2k rows and flattens after; 2000 keeps each statement's
# parameter message small.
BATCH_ROWS = 2000


def _split_credentials(uri: str) -> tuple[str, tuple[str, str] | None, str]:
    """URI without credentials, the credentials (URI first, then environment), a safe name."""
    parts = urlsplit(uri)
    auth: tuple[str, str] | None = None
    if parts.username:
        auth = (parts.username, parts.password or "")
    elif os.environ.get("NEO4J_PASSWORD"):
        auth = (os.environ.get("NEO4J_USER", "neo4j"), os.environ["NEO4J_PASSWORD"])
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    clean = urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))
    return clean, auth, clean


def _node_record(r: Any) -> NodeRecord:
    kind = r["kind"]
    props = decode_props(r["props"], SCHEMA.date_fields[kind])
    return NodeRecord(r["id"], kind, props, r["file"] or "", r["line"] or 0)


def _link_record(r: Any) -> LinkRecord:
    props = decode_props(r["props"], SCHEMA.date_fields[r["kind"]])
    return LinkRecord(
        r["kind"], r["source_id"], r["target_id"], r["key"], props, r["file"] or "", r["line"] or 0
    )


def _native(props: dict[str, Any]) -> dict[str, Any]:
    """Properties Neo4j can hold natively (for queries and for people browsing the graph).

    A row's own ``kind`` column becomes ``kind_code`` (``kind`` is the node kind); nested
    values (unknown extra columns) stay only in the JSON ``props``.
    """
    native: dict[str, Any] = {}
    for key, value in props.items():
        if value is None or isinstance(value, dict):
            continue
        if isinstance(value, list) and not all(isinstance(v, str) for v in value):
            continue
        if isinstance(value, int) and not -(2**63) <= value < 2**63:
            continue  # beyond Neo4j's integers; the JSON copy of the row keeps it
        native["kind_code" if key == "kind" else key] = value
    return native


class Neo4jStore:
    """A Concentric dataset in a Neo4j 5 database (Community edition is enough)."""

    def __init__(self, uri: str, database: str | None = None) -> None:
        import neo4j
        from neo4j.exceptions import AuthError, Neo4jError, ServiceUnavailable

        clean, auth, self.location = _split_credentials(uri)
        self._database = database or os.environ.get("NEO4J_DATABASE") or None
        self._lock = threading.RLock()
        self._graph: tuple[int, nx.MultiDiGraph] | None = None
        try:
            self._driver = neo4j.GraphDatabase.driver(
                clean,
                auth=auth,
                connection_timeout=10,
                max_connection_lifetime=3600,
                # Schema-less reads ("property does not exist yet") are expected, not news.
                notifications_min_severity="OFF",
            )
            self._driver.verify_connectivity()
            with self._session() as session:
                for statement in cypher.SCHEMA_STATEMENTS:
                    session.run(statement).consume()
        except AuthError as exc:
            raise StoreError(
                f"{self.location}: authentication failed (check NEO4J_USER / "
                "NEO4J_PASSWORD or the URI's user:password)"
            ) from exc
        except (ServiceUnavailable, OSError) as exc:
            raise StoreError(
                f"{self.location}: Neo4j is not reachable ({exc.__class__.__name__})"
            ) from exc
        except (Neo4jError, ValueError) as exc:
            raise StoreError(f"{self.location}: {exc}") from exc

    def _session(self) -> Any:
        return self._driver.session(database=self._database)

    def _read(self, query: str, **params: Any) -> list[Any]:
        from neo4j.exceptions import ServiceUnavailable, SessionExpired

        try:
            with self._session() as session:
                return list(session.run(query, params))
        except (ServiceUnavailable, SessionExpired) as exc:
            raise StoreError(f"{self.location}: lost the connection to Neo4j") from exc

    # -- writing ------------------------------------------------------------------------
    def load(
        self, dataset: Dataset, *, replace: bool = False, progress: ProgressCallback | None = None
    ) -> LoadReport:
        from neo4j.exceptions import Neo4jError, ServiceUnavailable, SessionExpired

        counts = [0, 0, 0]
        with self._lock:
            try:
                with self._session() as session, session.begin_transaction() as tx:
                    removed = 0
                    if replace:
                        removed = tx.run(cypher.COUNT_ROWS).single()["rows"]
                        while tx.run(cypher.DELETE_BATCH, limit=10_000).single()["deleted"]:
                            pass
                    self._write_nodes(tx, dataset.nodes, counts, progress, fresh=replace)
                    self._write_links(tx, dataset.links, counts, progress, fresh=replace)
                    stored = self.policy_overrides()
                    policy = merged_overrides(stored, dataset.policy, replace)
                    if policy != stored:
                        tx.run(
                            cypher.SET_POLICY,
                            policy=json.dumps(policy, sort_keys=True, ensure_ascii=False),
                        )
                    if counts[0] or counts[1] or removed or policy != stored:
                        tx.run(cypher.BUMP_VERSION).consume()
                    tx.commit()
            except (ServiceUnavailable, SessionExpired, OSError) as exc:
                raise StoreError(
                    f"{self.location}: connection lost during the load; Neo4j "
                    "rolled it back and the previous data is intact"
                ) from exc
            except Neo4jError as exc:
                raise StoreError(
                    f"{self.location}: the load failed and was rolled back: {exc.message}"
                ) from exc
        return LoadReport(
            inserted=counts[0], updated=counts[1], unchanged=counts[2], removed=removed
        )

    def _batches(self, rows: list[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
        for start in range(0, len(rows), BATCH_ROWS):
            yield rows[start : start + BATCH_ROWS]

    def _tally(self, result: Any, counts: list[int]) -> None:
        for record in result:
            counts[record["what"]] += record["n"]

    def _write_nodes(
        self,
        tx: Any,
        nodes: list[NodeRecord],
        counts: list[int],
        progress: ProgressCallback | None,
        fresh: bool,
    ) -> None:
        by_kind: dict[str, list[NodeRecord]] = {}
        for node in nodes:
            by_kind.setdefault(node.kind, []).append(node)
        for kind, records in by_kind.items():
            rows = [
                {
                    "id": n.id,
                    "props": encode_props(n.props),
                    "native": _native(n.props),
                    "file": n.source,
                    "line": n.line,
                }
                for n in records
            ]
            for batch in self._batches(rows):
                statement = cypher.create_nodes(kind) if fresh else cypher.upsert_nodes(kind)
                self._tally(tx.run(statement, rows=batch, kind=kind), counts)
                if progress:
                    progress(len(batch))
        # References second: they may point at nodes written above.
        for kind, column in cypher.REFERENCE_EDGES:
            refs = [
                {"id": n.id, "ref": n.props[column]}
                for n in by_kind.get(kind, [])
                if n.props.get(column)
            ]
            for batch in self._batches(refs):
                tx.run(cypher.reference_edges(kind, column), rows=batch).consume()
        interactions = [
            {
                "id": n.id,
                "leader_ids": n.props.get("leader_ids", []),
                "target_ids": n.props.get("target_ids", []),
            }
            for n in by_kind.get("interaction", [])
        ]
        for batch in self._batches(interactions):
            tx.run(cypher.INTERACTION_EDGES, rows=batch).consume()

    def _write_links(
        self,
        tx: Any,
        links: list[LinkRecord],
        counts: list[int],
        progress: ProgressCallback | None,
        fresh: bool,
    ) -> None:
        by_kind: dict[str, list[LinkRecord]] = {}
        for link in links:
            by_kind.setdefault(link.kind, []).append(link)
        for kind, records in by_kind.items():
            rows = [
                {
                    "key": lk.key,
                    "source": lk.source_id,
                    "target": lk.target_id,
                    "props": encode_props(lk.props),
                    "native": _native(lk.props),
                    "file": lk.source,
                    "line": lk.line,
                }
                for lk in records
            ]
            for batch in self._batches(rows):
                statement = cypher.create_links(kind) if fresh else cypher.upsert_links(kind)
                self._tally(tx.run(statement, rows=batch, kind=kind), counts)
                if progress:
                    progress(len(batch))

    # -- reading ------------------------------------------------------------------------
    def existing_nodes(self, ids: Collection[str] | None = None) -> dict[str, ExistingNode]:
        records = (
            self._read(cypher.EXISTING_NODES)
            if ids is None
            else self._read(cypher.EXISTING_NODES_AMONG, ids=sorted(set(ids)))
        )
        return {r["id"]: ExistingNode(r["kind"], r["parent_id"]) for r in records}

    def nodes(self) -> Iterator[NodeRecord]:
        return map(_node_record, self._read(cypher.NODES))

    def links(self) -> Iterator[LinkRecord]:
        return map(_link_record, self._read(cypher.LINKS))

    def _meta(self) -> tuple[int, dict[str, Any]]:
        with self._lock:
            record = self._read(cypher.META)[0]
        policy = json.loads(record["policy"]) if record["policy"] else {}
        return int(record["version"] or 0), policy

    def policy_overrides(self) -> dict[str, Any]:
        return self._meta()[1]

    def policy(self) -> Policy:
        return merge_policy(self.policy_overrides())

    def version(self) -> int:
        return self._meta()[0]

    def row_count(self) -> int:
        with self._lock:
            return int(self._read(cypher.COUNT_ROWS)[0]["rows"])

    def graph(self) -> nx.MultiDiGraph:
        with self._lock:
            version = self.version()
            if self._graph is None or self._graph[0] != version:
                graph = build_graph(self.nodes(), self.links())
                graph.graph["version"] = version
                self._graph = (version, graph)
            return self._graph[1]

    # -- what the engine reads: plain columns (the engine decides statuses) ---------------
    def coverage_columns(self) -> CoverageColumns:
        """The columns the coverage index needs, read in one transaction."""
        with self._lock, self._session() as session:
            tx = session.begin_transaction()
            try:

                def rows(query: str) -> list[tuple[Any, ...]]:
                    return [tuple(record.values()) for record in tx.run(query)]

                columns = CoverageColumns(
                    targets=rows(cypher.TARGET_COLUMNS),
                    leaders=rows(cypher.LEADER_COLUMNS),
                    areas=rows(cypher.AREA_COLUMNS),
                    contacts=rows(cypher.dated_links("CONTACTS")),
                    memberships=rows(cypher.dated_links("MEMBER_OF")),
                    concerns=rows(cypher.CONCERN_DATES),
                    joint_meeting={row[0] for row in rows(cypher.JOINT_MEETING_UNITS)},
                )
            finally:
                tx.close()
        return columns

    def participations(self) -> list[tuple[str, str | None, Any]]:
        """(leader, target, date): one row per leader and target of each interaction."""
        return [tuple(r.values()) for r in self._read(cypher.PARTICIPATIONS)]

    # -- what local graphs read -----------------------------------------------------------
    def _node_rows(self, tx: Any, ids: Collection[str]) -> list[NodeRecord]:
        return [_node_record(r) for r in tx.run(cypher.NODES_AMONG, ids=sorted(set(ids)))]

    def neighbourhood(self, ids: Collection[str]) -> tuple[list[NodeRecord], list[LinkRecord]]:
        """The records around ``ids`` (see :meth:`.protocol.Store.neighbourhood`), read in
        one transaction: the nodes that name one of them are the other ends of the edges
        their reference columns became."""
        wanted = sorted(set(ids))
        with self._session() as session:
            tx = session.begin_transaction()
            try:
                records = {n.id: n for n in self._node_rows(tx, wanted)}
                links = [_link_record(r) for r in tx.run(cypher.LINKS_TOUCHING, ids=wanted)]
                naming = [r["id"] for r in tx.run(cypher.NAMING, ids=wanted)]
                records.update((n.id, n) for n in self._node_rows(tx, set(naming) - set(records)))
                far = {ref for n in records.values() for ref in references_of(n)}
                far.update(end for link in links for end in (link.source_id, link.target_id))
                records.update((n.id, n) for n in self._node_rows(tx, far - set(records)))
            finally:
                tx.close()
        return list(records.values()), links

    def node_records(self, ids: Collection[str]) -> list[NodeRecord]:
        """The stored nodes among ``ids`` (unknown ids are left out)."""
        return [_node_record(r) for r in self._read(cypher.NODES_AMONG, ids=sorted(set(ids)))]

    def links_among(self, ids: Collection[str]) -> list[LinkRecord]:
        """The links with both ends among ``ids``."""
        return [_link_record(r) for r in self._read(cypher.LINKS_AMONG, ids=sorted(set(ids)))]

    def prepare_lookups(self) -> None:
        """Nothing to prepare: the server finds the nodes naming an id along its edges."""

    def clear(self) -> None:
        """Delete every Concentric node (tests and `load --replace` of nothing)."""
        with self._lock:
            while self._read(cypher.DELETE_BATCH, limit=10_000)[0]["deleted"]:
                pass
            # The version moves on (never back to 0), so no cache mistakes new data for old.
            self._read(cypher.FORGET)

    def close(self) -> None:
        self._driver.close()

    def __enter__(self) -> Neo4jStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

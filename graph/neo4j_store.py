"""The Neo4j store: the same interface as the embedded store, on a Neo4j 5 server.

Loads are batched ``UNWIND … MERGE`` statements inside ONE explicit transaction: Neo4j
commits all of it or, if anything fails or the connection drops, rolls all of it back, so a
failed load leaves the previous data. Coverage and gaps run as Cypher on the server
(:data:`graph.cypher.TARGET_STATUS`); the richer analyses pull the graph once per data
version, like the embedded store.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import threading
from collections.abc import Collection, Iterator
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import networkx as nx

from graph import cypher
from graph.build import build_graph
from graph.coverage import (
    STATUSES,
    UnknownId,
    parse_gap_filters,
    sort_gap_items,
    window_start,
)
from graph.model import (
    Dataset,
    ExistingNode,
    LinkRecord,
    NodeRecord,
    decode_props,
    encode_props,
)
from graph.schema import SCHEMA, Policy
from graph.store import (
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
        for r in self._read(cypher.NODES):
            yield NodeRecord(
                r["id"],
                r["kind"],
                decode_props(r["props"], SCHEMA.date_fields[r["kind"]]),
                r["file"] or "",
                r["line"] or 0,
            )

    def links(self) -> Iterator[LinkRecord]:
        for r in self._read(cypher.LINKS):
            yield LinkRecord(
                r["kind"],
                r["source_id"],
                r["target_id"],
                r["key"],
                decode_props(r["props"], SCHEMA.date_fields[r["kind"]]),
                r["file"] or "",
                r["line"] or 0,
            )

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
                self._graph = (version, build_graph(self.nodes(), self.links()))
            return self._graph[1]

    # -- coverage on the server ---------------------------------------------------------
    def _status_params(self, as_of: dt.date, window_days: int) -> dict[str, Any]:
        return {"as_of": as_of, "start": window_start(as_of, window_days)}

    def coverage_summary(self, as_of: dt.date, window_days: int, policy: Policy) -> dict[str, Any]:
        """The coverage summary (spec section 4), counted by Cypher on the server."""

        def zero() -> dict[str, int]:
            return {"targets": 0, **dict.fromkeys(STATUSES, 0)}

        lines = {
            code: {k: list(v) for k, v in members.items()} for code, members in policy.lines.items()
        }
        buckets: dict[str, dict[str, dict[str, int]]] = {
            "total": {"all": zero()},
            "kind": {kind: zero() for kind in SCHEMA.target_kinds},
            "category": {code: zero() for code in SCHEMA.figure_categories},
            "line": {code: zero() for code in SCHEMA.line_codes},
            "area": {r["id"]: zero() for r in self._read(cypher.AREA_IDS)},
        }
        rows = self._read(
            cypher.SUMMARY_COUNTS,
            lines=lines,
            area_id=None,
            **self._status_params(as_of, window_days),
        )
        for r in rows:
            bucket = buckets[r["dimension"]].setdefault(r["key"], zero())
            bucket["targets"] += r["n"]
            bucket[r["status"]] += r["n"]
        return {
            "as_of": as_of.isoformat(),
            "window_days": window_days,
            "totals": buckets["total"]["all"],
            "by_kind": buckets["kind"],
            "by_category": buckets["category"],
            "by_line": buckets["line"],
            "by_area": dict(sorted(buckets["area"].items())),
        }

    def gap_list(
        self,
        as_of: dt.date,
        window_days: int,
        policy: Policy,
        *,
        statuses: Collection[str] = ("uncovered", "stale"),
        kind: str | None = None,
        category: str | None = None,
        line: str | None = None,
        area_id: str | None = None,
    ) -> dict[str, Any]:
        """The gap list (spec section 4), filtered by Cypher on the server."""
        wanted, kind, category_code, line_code = parse_gap_filters(statuses, kind, category, line)
        subtypes = {k: list(v) for k, v in policy.lines[line_code].items()} if line_code else None
        if area_id is not None and not self._read(cypher.AREA_EXISTS, id=area_id):
            raise UnknownId(f"unknown area id {area_id!r}")
        rows = self._read(
            cypher.GAP_ROWS,
            statuses=sorted(wanted),
            kind=kind,
            category=category_code,
            subtypes=subtypes,
            area_id=area_id,
            **self._status_params(as_of, window_days),
        )
        items = []
        for r in rows:
            last = r["last_contact"]
            items.append(
                {
                    "id": r["id"],
                    "name": r["name"],
                    "kind": r["kind"],
                    "category": r["category"] if r["kind"] == "figure" else None,
                    "type": r["type"],
                    "area_id": r["area_id"],
                    "status": r["status"],
                    "assigned_leaders": list(r["assigned_leaders"]),
                    "last_contact": last.iso_format() if last is not None else None,
                }
            )
        sort_gap_items(items)
        return {
            "as_of": as_of.isoformat(),
            "window_days": window_days,
            "total": len(items),
            "items": items,
        }

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

"""The Neo4j store: the same interface as the embedded store, on a Neo4j 5 server.

Generations: every node has a ``gen`` property, and ``(:ConcentricMeta).gen`` names the
current generation. Every read filters on it, inside one transaction that reads the current
generation again at the end and starts over if it moved (Neo4j reads committed data, and an
old generation is deleted only after the flip, so a finished read of a still-current
generation saw no deletion). Relationships join nodes of one generation.

Loads: up to :data:`STAGED_ROWS` rows (not a replace) are batched ``UNWIND … MERGE``
statements in ONE transaction on the current generation: all of it or nothing. A bigger load
or a replace is staged: its rows are created in a new generation in batches that commit as
they go (heap does not grow with the data); the rows it leaves alone are copied from the
current generation server-side (``CALL { … } IN TRANSACTIONS``), the edges the columns make
are rebuilt there, and one small transaction flips the current generation (refused if another
load flipped meanwhile). The old generation is then deleted in batches; what an interrupted
load left is deleted by the next staged load. Small writes therefore never copy the data.

The engine reads plain columns (a few bulk Cypher queries, one generation); built arrays are
kept per data version as ``:ConcentricDerived`` parts (:class:`.protocol.KeepsDerived`).
Routing URIs (``neo4j://``, ``neo4j+s://``) go to the driver unchanged.

Duplicate judgements are ``:ConcentricJudgement`` nodes, one per pair, with no generation:
no load, flip or clean-up touches them. A "same" made or undone moves ``version`` and
``merge_versions`` together, so :meth:`Neo4jStore.rows_version` stays put.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Callable, Collection, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import reduce
from itertools import chain, repeat
from operator import add
from typing import Any, TypeVar
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
    ASSESSMENT_FIELDS,
    CoverageColumns,
    Judgement,
    LoadReport,
    ProgressCallback,
    StoreError,
    assessment_contact,
    assessment_node,
    id_chunks,
    merge_policy,
    merged_overrides,
)

__all__ = ["BATCH_ROWS", "STAGED_BATCH_ROWS", "STAGED_ROWS", "Neo4jStore"]

log = logging.getLogger(__name__)
_T = TypeVar("_T")
_R = TypeVar("_R")

# The driver logs routing retries as warnings; the store reports failures itself, in one line.
logging.getLogger("neo4j").addHandler(logging.NullHandler())
logging.getLogger("neo4j").propagate = False

# Rows per UNWIND statement. Measured on the 100k-target benchmark (benchmarks/README.md):
# throughput rises steeply up to ~1-2k rows and flattens after; 2000 keeps each statement's
# parameter message small.
BATCH_ROWS = 2000
# Rows per committed batch of a staged load: each is its own transaction, so fewer and
# bigger batches save round trips and commits; the server holds one batch at a time.
STAGED_BATCH_ROWS = 10_000
# Loads of more rows than this (and every replace) are staged in a new generation in
# committed batches; smaller ones fit comfortably in one transaction on a 2 GB heap.
STAGED_ROWS = 20_000
# Bytes per node of kept derived data.
DERIVED_PART_BYTES = 16 * 2**20
# Sessions reading the engine's columns at once: while the client decodes a page of one
# column the server makes a page of another, instead of each waiting for the other.
COLUMN_SESSIONS = 3


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


def _judgement(r: Any) -> Judgement:
    return Judgement(
        r["left_id"], r["right_id"], r["kind"], r["verdict"], r["judged_at"], r["judged_by"]
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


def _policy_json(policy: dict[str, Any]) -> str:
    return json.dumps(policy, sort_keys=True, ensure_ascii=False)


class _Writer:
    """Writes a dataset's rows into generation ``gen`` through ``runner``: a transaction
    (a small load, all in it) or a session (a staged load: each batch commits on its own).

    ``fresh`` creates rows without looking for them in ``gen`` (a staged generation starts
    empty) and compares each with its copy in generation ``compared`` for the counts.
    """

    def __init__(
        self,
        runner: Any,
        gen: int,
        compared: int,
        counts: list[int],
        progress: ProgressCallback | None,
        fresh: bool,
    ) -> None:
        self.runner, self.gen, self.compared = runner, gen, compared
        self.counts, self.progress, self.fresh = counts, progress, fresh

    def _run(self, statement: str, **params: Any) -> Any:
        return self.runner.run(statement, params, gen=self.gen, old=self.compared)

    def _counted(self, statement: str, batch: list[dict[str, Any]], kind: str) -> None:
        for record in self._run(statement, rows=batch, kind=kind):
            self.counts[record["what"]] += record["n"]
        if self.progress:
            self.progress(len(batch))

    def nodes(self, nodes: list[NodeRecord], with_edges: bool = True) -> None:
        """The rows, then (``with_edges``) the edges their reference columns make; a staged
        load makes those for the whole generation on the server instead."""
        by_kind: dict[str, list[NodeRecord]] = {}
        for node in nodes:
            by_kind.setdefault(node.kind, []).append(node)
        for kind, records in by_kind.items():
            if self.fresh:
                self._create_nodes(kind, records)
                continue
            for batch in _batches(records):
                rows = [
                    {
                        "id": n.id,
                        "props": encode_props(n.props),
                        "native": _native(n.props),
                        "file": n.source,
                        "line": n.line,
                    }
                    for n in batch
                ]
                self._counted(cypher.upsert_nodes(kind), rows, kind)
        if not with_edges:
            return
        # References second: they may point at nodes written above.
        for kind, column in cypher.REFERENCE_EDGES:
            refs = [
                {"id": n.id, "ref": n.props[column]}
                for n in by_kind.get(kind, [])
                if n.props.get(column)
            ]
            for ref_batch in _batches(refs):
                self._run(cypher.reference_edges(kind, column), rows=ref_batch).consume()
        interactions = [
            {
                "id": n.id,
                "leader_ids": n.props.get("leader_ids", []),
                "target_ids": n.props.get("target_ids", []),
            }
            for n in by_kind.get("interaction", [])
        ]
        for interaction_batch in _batches(interactions):
            self._run(cypher.INTERACTION_EDGES, rows=interaction_batch).consume()

    def links(self, links: list[LinkRecord]) -> None:
        by_kind: dict[str, list[LinkRecord]] = {}
        for link in links:
            by_kind.setdefault(link.kind, []).append(link)
        for kind, records in by_kind.items():
            if self.fresh:
                self._create_links(kind, records)
                continue
            for batch in _batches(records):
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
                    for lk in batch
                ]
                self._counted(cypher.upsert_links(kind), rows, kind)

    def _create_nodes(self, kind: str, records: list[NodeRecord]) -> None:
        """Rows of one kind into the (staged) generation, each with its whole property
        map; compared with generation ``compared`` unless there is none (a replace)."""
        statement = (
            cypher.create_nodes(kind) if self.compared >= 0 else cypher.create_new_nodes(kind)
        )
        for batch in _batches(records, STAGED_BATCH_ROWS):
            rows = [
                {
                    "p": {
                        **_native(n.props),
                        "id": n.id,
                        "gen": self.gen,
                        "kind": kind,
                        "props": encode_props(n.props),
                        "file": n.source,
                        "line": n.line,
                    }
                }
                for n in batch
            ]
            self._counted(statement, rows, kind)

    def _create_links(self, kind: str, records: list[LinkRecord]) -> None:
        """Links of one kind into the (staged) generation, like :meth:`_create_nodes`."""
        statement = (
            cypher.create_links(kind) if self.compared >= 0 else cypher.create_new_links(kind)
        )
        for batch in _batches(records, STAGED_BATCH_ROWS):
            rows = [
                {
                    "s": lk.source_id,
                    "t": lk.target_id,
                    "p": {
                        **_native(lk.props),
                        "key": lk.key,
                        "kind": kind,
                        "props": encode_props(lk.props),
                        "file": lk.source,
                        "line": lk.line,
                    },
                }
                for lk in batch
            ]
            self._counted(statement, rows, kind)


def _batches(rows: list[_R], size: int | None = None) -> Iterator[list[_R]]:
    # Encoded one batch at a time, so the client holds one batch's parameters at once.
    size = size or BATCH_ROWS
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def _paged_rows(tx: Any, gen: int, pages: tuple[str, str]) -> list[tuple[Any, ...]]:
    """Every row of a paged column query (see :data:`cypher.PAGE_ROWS`), page after page
    in the transaction ``tx``: ``pages`` is (first page, next pages)."""
    first, following = pages
    found: list[tuple[Any, ...]] = []
    query, after = first, ""
    while True:
        page = tx.run(query, gen=gen, after=after, limit=cypher.PAGE_ROWS).single()
        found.extend(map(tuple, page["rows"]))
        if page["size"] < cypher.PAGE_ROWS:
            return found
        query, after = following, page["last"]


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
                if session.run(cypher.ADOPT_META).single()["adopting"]:
                    session.run(cypher.ADOPT_ROWS).consume()
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

    def _session(self, bookmarks: Any = None) -> Any:
        """A session; given ``bookmarks`` (:class:`neo4j.Bookmarks`), one that sees at least
        what they mark (causal consistency across sessions, on a cluster too)."""
        return self._driver.session(database=self._database, bookmarks=bookmarks)

    def _read(self, query: str, **params: Any) -> list[Any]:
        """The records of one read of the current generation."""
        return self._in_generation(lambda tx, gen: list(tx.run(query, params, gen=gen)))

    def _in_generation(self, read: Callable[[Any, int], _T]) -> _T:
        """``read(tx, gen)`` over the current generation, never over a mix of two.

        Neo4j reads committed data, and a staged load deletes the previous generation only
        after the flip: so if the generation is still current once the read is done, the
        flip (and any deletion) came after every row was read. Otherwise read again.
        """
        from neo4j.exceptions import ServiceUnavailable, SessionExpired

        try:
            with self._session() as session:
                while True:
                    with session.begin_transaction() as tx:
                        gen = int(tx.run(cypher.GENERATION).single()["gen"])
                        answer = read(tx, gen)
                        if int(tx.run(cypher.GENERATION).single()["gen"]) == gen:
                            return answer
        except (ServiceUnavailable, SessionExpired) as exc:
            raise StoreError(f"{self.location}: lost the connection to Neo4j") from exc

    def _in_one_generation(self, reads: Sequence[Callable[[Any, int], _T]]) -> list[_T]:
        """Each of ``reads`` as ``read(tx, gen)`` in its own transaction, up to
        :data:`COLUMN_SESSIONS` at once, all over one generation: the one current before
        the first began and still current after the last ended (otherwise all read again;
        see :meth:`_in_generation`). Each session starts from the bookmarks of the read
        before it, so on a cluster no server answers from a state older than that read."""
        from neo4j.exceptions import ServiceUnavailable, SessionExpired

        def generation(bookmarks: Any) -> tuple[int, Any]:
            with self._session(bookmarks) as session:
                gen = int(session.run(cypher.GENERATION).single()["gen"])
                return gen, session.last_bookmarks()

        def read_at(gen: int, bookmarks: Any, read: Callable[[Any, int], _T]) -> tuple[_T, Any]:
            with self._session(bookmarks) as session:
                with session.begin_transaction() as tx:
                    answer = read(tx, gen)
                    tx.commit()
                return answer, session.last_bookmarks()

        try:
            with ThreadPoolExecutor(COLUMN_SESSIONS) as pool:
                while True:
                    gen, bookmarks = generation(None)
                    done = list(pool.map(read_at, repeat(gen), repeat(bookmarks), reads))
                    seen = reduce(add, (marks for _, marks in done), bookmarks)
                    if generation(seen)[0] == gen:
                        return [answer for answer, _ in done]
        except (ServiceUnavailable, SessionExpired) as exc:
            raise StoreError(f"{self.location}: lost the connection to Neo4j") from exc

    # -- writing ------------------------------------------------------------------------
    def load(
        self, dataset: Dataset, *, replace: bool = False, progress: ProgressCallback | None = None
    ) -> LoadReport:
        """Write ``dataset``: all of it or none, as readers see it.

        Up to :data:`STAGED_ROWS` rows (and not a replace) go in one transaction on the
        current generation; more are staged in a new generation batch by batch and published
        with one small transaction (see the module's docstring).
        """
        from neo4j.exceptions import Neo4jError, ServiceUnavailable, SessionExpired

        counts = [0, 0, 0]
        staged = replace or dataset.row_count > STAGED_ROWS
        with self._lock:
            # A staged load is not rolled back but never published: the same for readers.
            undone = "was not published" if staged else "was rolled back"
            try:
                if staged:
                    removed = self._load_staged(dataset, replace, counts, progress)
                else:
                    removed = self._load_in_one_transaction(dataset, counts, progress)
            except (ServiceUnavailable, SessionExpired, OSError) as exc:
                raise StoreError(
                    f"{self.location}: connection lost during the load; it {undone} "
                    "and the previous data is intact"
                ) from exc
            except Neo4jError as exc:
                raise StoreError(
                    f"{self.location}: the load failed and {undone}; the previous data is "
                    f"intact: {exc.message}"
                ) from exc
        return LoadReport(
            inserted=counts[0], updated=counts[1], unchanged=counts[2], removed=removed
        )

    def _load_in_one_transaction(
        self, dataset: Dataset, counts: list[int], progress: ProgressCallback | None
    ) -> int:
        """A small upsert: one transaction on the current generation (Neo4j rolls all of it
        back if anything fails)."""
        with self._session() as session, session.begin_transaction() as tx:
            gen = int(tx.run(cypher.GENERATION).single()["gen"])
            writer = _Writer(tx, gen, -1, counts, progress, fresh=False)
            writer.nodes(dataset.nodes)
            writer.links(dataset.links)
            stored = self._overrides_in(tx)
            policy = merged_overrides(stored, dataset.policy, False)
            if policy != stored:
                tx.run(cypher.SET_POLICY, policy=_policy_json(policy))
            if counts[0] or counts[1] or policy != stored:
                tx.run(cypher.BUMP_VERSION).consume()
            tx.commit()
        return 0

    def _load_staged(
        self,
        dataset: Dataset,
        replace: bool,
        counts: list[int],
        progress: ProgressCallback | None,
    ) -> int:
        """A big load or a replace: write a new generation in committed batches, copy the
        rows it leaves alone from the current one (not for a replace), rebuild the edges the
        columns make, then flip the current generation in one small transaction."""
        with self._session() as session:
            old = int(session.run(cypher.GENERATION).single()["gen"])
            # What an interrupted load left (and an old generation a reader no longer needs).
            session.run(cypher.DROP_OTHER_GENERATIONS, gen=old).consume()
            gen = int(session.run(cypher.NEXT_GENERATION).single()["gen"])
            try:
                published = self._stage(session, dataset, replace, old, gen, counts, progress)
            except BaseException:
                self._drop_quietly(session, gen)
                raise
            if published:
                session.run(cypher.DROP_GENERATION, gen=old).consume()
            else:
                session.run(cypher.DROP_GENERATION, gen=gen).consume()
            return published[1] if published else 0

    def _stage(
        self,
        session: Any,
        dataset: Dataset,
        replace: bool,
        old: int,
        gen: int,
        counts: list[int],
        progress: ProgressCallback | None,
    ) -> tuple[int, int] | None:
        """Write generation ``gen``; (new version, rows removed) once published, None when
        it would change nothing (then it is dropped)."""
        compared = -1 if replace else old
        writer = _Writer(session, gen, compared, counts, progress, fresh=True)
        writer.nodes(dataset.nodes, with_edges=False)
        if not replace:
            for kind in cypher.LABELS:
                session.run(cypher.copy_nodes(kind), old=old, gen=gen).consume()
        writer.links(dataset.links)
        if not replace:
            for kind in cypher.REL_TYPES:
                session.run(cypher.copy_links(kind), old=old, gen=gen).consume()
        for kind, column in cypher.REFERENCE_EDGES:
            session.run(cypher.all_reference_edges(kind, column), gen=gen).consume()
        session.run(cypher.ALL_INTERACTION_EDGES, gen=gen).consume()
        stored = self.policy_overrides()
        policy = merged_overrides(stored, dataset.policy, replace)
        removed = int(session.run(cypher.COUNT_ROWS, gen=old).single()["rows"]) if replace else 0
        if not (counts[0] or counts[1] or removed or policy != stored):
            return None
        flipped = session.run(
            cypher.FLIP, old=old, gen=gen, policy=_policy_json(policy) if policy else None
        ).single()
        if flipped is None:
            raise StoreError(
                f"{self.location}: another load changed the data meanwhile; load again"
            )
        return int(flipped["version"]), removed

    def _drop_quietly(self, session: Any, gen: int) -> None:
        """Drop a staged generation that will not be published; if the connection is gone,
        the next load drops it."""
        try:
            session.run(cypher.DROP_GENERATION, gen=gen).consume()
        except Exception:  # best effort: the next load drops it anyway
            log.debug("left generation %s for the next load to drop", gen)

    def _overrides_in(self, tx: Any) -> dict[str, Any]:
        record = tx.run(cypher.META).single()
        return json.loads(record["policy"]) if record and record["policy"] else {}

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

    def _meta_record(self, statement: str = cypher.META) -> Any:
        """The one record of ``statement`` about the meta node, in an auto-commit
        transaction: one round trip (a managed transaction would add a commit's)."""
        from neo4j.exceptions import ServiceUnavailable, SessionExpired

        try:
            with self._session() as session:
                return session.run(statement).single()
        except (ServiceUnavailable, SessionExpired) as exc:
            raise StoreError(f"{self.location}: lost the connection to Neo4j") from exc

    def _meta(self) -> tuple[int, dict[str, Any]]:
        record = self._meta_record()
        policy = json.loads(record["policy"]) if record["policy"] else {}
        return int(record["version"] or 0), policy

    def policy_overrides(self) -> dict[str, Any]:
        return self._meta()[1]

    def policy(self) -> Policy:
        return merge_policy(self.policy_overrides())

    def version(self) -> int:
        """The data version, read from the server on every call (checked per answer)."""
        return int(self._meta_record(cypher.VERSION)["version"])

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
        """The columns the coverage index needs, all of one generation, each column in its
        own transaction (several at once, :meth:`_in_one_generation`) and in bounded pages
        of rows sent as lists (see :data:`cypher.PAGE_ROWS`)."""

        def rows(pages: tuple[str, str]) -> Callable[[Any, int], list[tuple[Any, ...]]]:
            return lambda tx, gen: _paged_rows(tx, gen, pages)

        # The biggest columns first, so the pool's sessions finish close together.
        reads = [
            rows(cypher.CONCERN_DATE_PAGES),
            rows(cypher.dated_link_pages("CONTACTS")),
            rows(cypher.dated_link_pages("MEMBER_OF")),
            *map(rows, cypher.TARGET_PAGES),
            rows(cypher.AREA_PAGES),
            rows(cypher.LEADER_PAGES),
            rows(cypher.JOINT_MEETING_UNIT_PAGES),
        ]
        with self._lock:
            concerns, contacts, memberships, *targets, areas, leaders, joint = (
                self._in_one_generation(reads)
            )
        return CoverageColumns(
            targets=[row for kind in targets for row in kind],
            leaders=leaders,
            areas=areas,
            contacts=contacts,
            memberships=memberships,
            concerns=concerns,
            joint_meeting={row[0] for row in joint},
        )

    def assessment_records(self) -> tuple[Iterator[NodeRecord], Iterator[LinkRecord]]:
        """The records the assessment reads, in one transaction of one generation, each
        kind in bounded pages of rows (see :data:`cypher.PAGE_ROWS`); only the leaders'
        JSON is decoded."""

        def read(tx: Any, gen: int) -> list[tuple[str, list[tuple[Any, ...]]]]:
            kinds = [("leader", _paged_rows(tx, gen, cypher.ASSESSMENT_LEADER_PAGES))]
            for kind, fields in ASSESSMENT_FIELDS.items():
                dated = SCHEMA.date_fields[kind]
                columns = ", ".join(cypher.native_column(f, f in dated) for f in fields)
                pages = cypher.node_pages(cypher.LABELS[kind], f"n.id, {columns}")
                kinds.append((kind, _paged_rows(tx, gen, pages)))
            kinds.append(("contacts", _paged_rows(tx, gen, cypher.ASSESSMENT_CONTACT_PAGES)))
            return kinds

        with self._lock:
            (_, leaders), *others, (_, contacts) = self._in_generation(read)
        leader_dates = SCHEMA.date_fields["leader"]
        nodes = chain(
            (NodeRecord(i, "leader", decode_props(p, leader_dates)) for i, p in leaders),
            (assessment_node(kind, row[0], row[1:]) for kind, rows in others for row in rows),
        )
        links = (assessment_contact(k, a, b, days) for k, a, b, *days in contacts)
        return nodes, links

    def participations(self) -> list[tuple[str, str | None, Any]]:
        """(leader, target, date): one row per leader and target of each interaction."""
        return self._in_generation(lambda tx, gen: _paged_rows(tx, gen, cypher.PARTICIPATION_PAGES))

    # -- what local graphs read -----------------------------------------------------------
    def _node_rows(self, tx: Any, gen: int, ids: Collection[str]) -> list[NodeRecord]:
        return [_node_record(r) for r in tx.run(cypher.NODES_AMONG, ids=sorted(set(ids)), gen=gen)]

    def neighbourhood(self, ids: Collection[str]) -> tuple[list[NodeRecord], list[LinkRecord]]:
        """The records around ``ids`` (see :meth:`.protocol.Store.neighbourhood`), read in
        one transaction: the nodes that name one of them are the other ends of the edges
        their reference columns became."""
        wanted = sorted(set(ids))

        def read(tx: Any, gen: int) -> tuple[list[NodeRecord], list[LinkRecord]]:
            records = {n.id: n for n in self._node_rows(tx, gen, wanted)}
            links = [_link_record(r) for r in tx.run(cypher.LINKS_TOUCHING, ids=wanted, gen=gen)]
            naming = [r["id"] for r in tx.run(cypher.NAMING, ids=wanted, gen=gen)]
            records.update((n.id, n) for n in self._node_rows(tx, gen, set(naming) - set(records)))
            far = {ref for n in records.values() for ref in references_of(n)}
            far.update(end for link in links for end in (link.source_id, link.target_id))
            records.update((n.id, n) for n in self._node_rows(tx, gen, far - set(records)))
            return list(records.values()), links

        return self._in_generation(read)

    def relationship_ties(self, ids: Collection[str]) -> dict[str, set[tuple[str, str, str]]]:
        """The relationship edges touching ``ids`` (see
        :meth:`.protocol.Store.relationship_ties`): one query per chunk of ids, all in one
        transaction of one generation, returning ids and kinds only."""

        def read(tx: Any, gen: int) -> dict[str, set[tuple[str, str, str]]]:
            found: dict[str, set[tuple[str, str, str]]] = {}
            for chunk in id_chunks(ids):
                for r in tx.run(cypher.RELATIONSHIP_TIES, ids=chunk, gen=gen):
                    ties = found.setdefault(r["id"], set())
                    if r["kind"] is not None:
                        ties.add((r["kind"], r["source_id"], r["target_id"]))
            return found

        return self._in_generation(read)

    def node_records(self, ids: Collection[str]) -> list[NodeRecord]:
        """The stored nodes among ``ids`` (unknown ids are left out)."""
        return [_node_record(r) for r in self._read(cypher.NODES_AMONG, ids=sorted(set(ids)))]

    def links_among(self, ids: Collection[str]) -> list[LinkRecord]:
        """The links with both ends among ``ids``."""
        return [_link_record(r) for r in self._read(cypher.LINKS_AMONG, ids=sorted(set(ids)))]

    # -- kept derived data (KeepsDerived) ----------------------------------------------------
    def saved_state(self, name: str, version: int) -> bytes | None:
        """What :meth:`save_state` kept under ``name`` for data version ``version``."""
        parts = self._read(cypher.DERIVED_PARTS, name=name, version=version)
        return b"".join(bytes(r["data"]) for r in parts) if parts else None

    def has_state(self, name: str, version: int) -> bool:
        """Whether :meth:`saved_state` has parts for ``name`` and ``version`` (unread)."""
        return bool(self._read(cypher.HAS_DERIVED, name=name, version=version)[0]["kept"])

    def save_state(self, name: str, version: int, data: bytes) -> bool:
        """Keep derived data built from data version ``version``; whether it was kept.

        Refused when the stored data has moved on; best effort otherwise (a failure to keep
        it only means the next process builds it). Kept in parts of
        :data:`DERIVED_PART_BYTES`, so no single property or message is huge.
        """
        from neo4j.exceptions import Neo4jError, ServiceUnavailable, SessionExpired

        parts = [
            data[start : start + DERIVED_PART_BYTES]
            for start in range(0, max(len(data), 1), DERIVED_PART_BYTES)
        ]
        try:
            with self._session() as session:
                record = session.run(
                    cypher.SAVE_DERIVED, name=name, version=version, parts=parts
                ).single()
        except (Neo4jError, ServiceUnavailable, SessionExpired, OSError):
            return False
        return bool(record and record["kept"])

    def prepare_lookups(self) -> None:
        """Nothing to prepare: the server finds the nodes naming an id along its edges."""

    def clear(self) -> None:
        """Delete every Concentric node, judgements too (tests and `load --replace` of
        nothing)."""
        with self._lock:
            while self._read(cypher.DELETE_BATCH, limit=10_000)[0]["deleted"]:
                pass
            # Only here: an empty database as a new SQLite file is; no load does this.
            self._read(cypher.FORGET_JUDGEMENTS)
            # The version moves on (never back to 0), so no cache mistakes new data for old.
            self._read(cypher.FORGET)

    # -- duplicate judgements (apart from the rows: no load or generation touches them) ----
    def judgements(self) -> list[Judgement]:
        with self._session() as session:
            records = list(session.run(cypher.JUDGEMENTS))
        return [_judgement(r) for r in records]

    def judge(self, judgement: Judgement) -> None:
        """Keep ``judgement``, replacing the pair's earlier one; a "same" made or replaced
        is a new data version (merged counting changes every answer), so every process
        rebuilds."""
        self._write_judgement(
            judgement.left,
            judgement.right,
            cypher.JUDGE,
            kind=judgement.kind,
            verdict=judgement.verdict,
            judged_at=judgement.judged_at,
            judged_by=judgement.judged_by,
        )

    def undo_judgement(self, left: str, right: str) -> Judgement | None:
        return self._write_judgement(left, right, cypher.FORGET_JUDGEMENT)

    def _write_judgement(
        self, left: str, right: str, statement: str, **values: Any
    ) -> Judgement | None:
        """``statement`` about the pair, in one transaction under the meta node's lock; one
        that makes or unmakes a "same" moves the data version (not the rows' version) and
        drops kept arrays of the old one. The pair's judgement before, or None."""
        from neo4j.exceptions import Neo4jError, ServiceUnavailable, SessionExpired

        try:
            with self._session() as session, session.begin_transaction() as tx:
                tx.run(cypher.LOCK_META).consume()
                found = tx.run(cypher.JUDGEMENT_OF, left=left, right=right).single()
                before = None if found is None else _judgement(found)
                if before is None and not values:
                    return None  # nothing to undo
                tx.run(statement, left=left, right=right, **values).consume()
                if "same" in (before and before.verdict, values.get("verdict")):
                    tx.run(cypher.BUMP_MERGE_VERSION).consume()
                tx.commit()
        except (ServiceUnavailable, SessionExpired, OSError) as exc:
            raise StoreError(
                f"{self.location}: lost the connection to Neo4j; judgement not stored"
            ) from exc
        except Neo4jError as exc:
            raise StoreError(f"{self.location}: judgement not stored ({exc.message})") from exc
        return before

    def rows_version(self) -> int:
        """The data version less the versions judgements made (see :meth:`judge`)."""
        record = self._meta_record()
        return int(record["version"] or 0) - int(record["merge_versions"])

    def close(self) -> None:
        self._driver.close()

    def __enter__(self) -> Neo4jStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

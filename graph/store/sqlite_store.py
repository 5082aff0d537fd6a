"""The embedded store: one SQLite file, zero set-up, every load one transaction.

SQLite (standard library) gives atomic commits, so a process killed mid-load leaves the
previous contents as they were. WAL mode lets readers (the API) go on while a load runs,
and ``synchronous=FULL`` makes a committed write survive a crash right after it.
"""

from __future__ import annotations

import contextlib
import json
import re
import sqlite3
import threading
import weakref
from collections.abc import Callable, Collection, Iterable, Iterator
from functools import partial
from itertools import chain, islice
from pathlib import Path
from typing import Any, NamedTuple

import networkx as nx

from concentric.graph.schema.build import RELATIONSHIP_EDGES, build_graph, relationship_columns
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
from concentric.graph.store.load_diff import LoadDiff
from concentric.graph.store.protocol import (
    ASSESSMENT_FIELDS,
    CoverageColumns,
    DiskFull,
    Judgement,
    LoadReport,
    ProgressCallback,
    StoreChanges,
    StoredRecords,
    StoreError,
    assessment_contact,
    assessment_node,
    id_chunks,
    merge_policy,
    merged_overrides,
    paused_gc,
)
from concentric.graph.store.register import REGISTER_FIELDS, REGISTER_KINDS, RegisterRecords

__all__ = ["SQLiteStore", "is_disk_full"]

BATCH_ROWS = 5000
LOAD_CACHE_KIB = 256 * 1024  # page cache while loading; SQLite's default is 2 MiB

_DDL = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS nodes (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    props TEXT NOT NULL,
    source TEXT NOT NULL DEFAULT '',
    line INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS links (
    key TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    source_id TEXT NOT NULL,
    target_id TEXT NOT NULL,
    props TEXT NOT NULL,
    source TEXT NOT NULL DEFAULT '',
    line INTEGER NOT NULL DEFAULT 0
);
-- Derived data (the coverage index), kept with the data version it was built from.
CREATE TABLE IF NOT EXISTS derived (
    name TEXT PRIMARY KEY,
    version INTEGER NOT NULL,
    data BLOB NOT NULL
);
"""
# Who names whom: (an id, a node whose reference column names it, that column), kept by
# triggers, so a neighbourhood finds the nodes naming an id through an index.
_NAMED_TABLE = """CREATE TABLE IF NOT EXISTS named (
    ref_id TEXT NOT NULL, node_id TEXT NOT NULL, ref_column TEXT NOT NULL
)"""
# What each small load changed, by the data version it made: another process follows the
# writes of its neighbours from these rows instead of reading every column again.
_CHANGE_LOG_TABLE = """CREATE TABLE IF NOT EXISTS change_log (
    version INTEGER PRIMARY KEY, changes TEXT NOT NULL
)"""
# Versions of the change log kept behind the newest (a process further behind rebuilds).
CHANGE_LOG_VERSIONS = 1000
# Planners' verdicts on duplicate candidates: apart from nodes and links, so a load (even
# with --replace) never touches them and a pair judged once stays judged on the next export.
_JUDGEMENTS_TABLE = """CREATE TABLE IF NOT EXISTS judgements (
    left_id TEXT NOT NULL,
    right_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    verdict TEXT NOT NULL CHECK (verdict IN ('same', 'different', 'unsure')),
    judged_at TEXT NOT NULL,
    judged_by TEXT,
    PRIMARY KEY (left_id, right_id),
    CHECK (left_id < right_id)
)"""
# Secondary indexes by name (the primary keys are kept up by SQLite itself).
_INDEXES = {
    "nodes_kind": "CREATE INDEX IF NOT EXISTS nodes_kind ON nodes (kind)",
    "links_source": "CREATE INDEX IF NOT EXISTS links_source ON links (source_id)",
    "links_target": "CREATE INDEX IF NOT EXISTS links_target ON links (target_id)",
    "named_ref": "CREATE INDEX IF NOT EXISTS named_ref ON named (ref_id)",
    "named_node": "CREATE INDEX IF NOT EXISTS named_node ON named (node_id)",
}


_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]*")


def _list_references() -> list[tuple[str, str]]:
    """(node kind, column) of every column that names other nodes (an interaction's
    leaders and targets, an entity's area, a parent), from the schema."""
    found = [
        (kind, column.name) for kind, columns in SCHEMA.references.items() for column in columns
    ]
    for kind, name in found:
        # The trigger below is DDL, which takes no parameters: schema names only.
        if not (_IDENTIFIER.fullmatch(kind) and _IDENTIFIER.fullmatch(name)):
            raise StoreError(f"schema column {kind}.{name}: not a plain identifier")
    return sorted(found)


def _named_triggers() -> list[str]:
    """The triggers that keep ``named`` (who each node's list columns name) in step with
    ``nodes`` on every insert, update and delete."""
    picks = " UNION ALL ".join(
        f"SELECT ref.value, NEW.id, '{kind}.{name}' FROM json_each(NEW.props, '$.{name}') "
        f"AS ref WHERE NEW.kind = '{kind}' AND ref.atom IS NOT NULL"
        for kind, name in _list_references()
    )
    if not picks:
        return []
    return [
        "CREATE TRIGGER IF NOT EXISTS nodes_named_insert AFTER INSERT ON nodes "
        f"BEGIN INSERT INTO named (ref_id, node_id, ref_column) {picks}; END",
        "CREATE TRIGGER IF NOT EXISTS nodes_named_update AFTER UPDATE OF props, kind ON nodes "
        "BEGIN DELETE FROM named WHERE node_id = OLD.id; "
        f"INSERT INTO named (ref_id, node_id, ref_column) {picks}; END",
        "CREATE TRIGGER IF NOT EXISTS nodes_named_delete AFTER DELETE ON nodes "
        "BEGIN DELETE FROM named WHERE node_id = OLD.id; END",
    ]


_NAMED_TRIGGERS = ("nodes_named_insert", "nodes_named_update", "nodes_named_delete")
_NAMED_INDEXES = ("named_ref", "named_node")


def _drop_named_upkeep(con: sqlite3.Connection) -> None:
    """Stop keeping ``named`` row by row (a bulk load fills it once at the end)."""
    for trigger in _NAMED_TRIGGERS:
        con.execute(f"DROP TRIGGER IF EXISTS {trigger}")  # a fixed name, not input


def _index_named(con: sqlite3.Connection) -> None:
    """Fill ``named`` from every stored node and keep it up from now on; remember which
    schema columns it covers, so a schema with other list columns fills it anew."""
    _drop_named_upkeep(con)
    # Derived from ``nodes`` alone: made anew, so a table of an earlier layout goes too.
    con.execute("DROP TABLE IF EXISTS named")
    con.execute(_NAMED_TABLE)
    for kind, name in _list_references():
        con.execute(
            "INSERT INTO named (ref_id, node_id, ref_column) SELECT ref.value, n.id, ? "
            "FROM nodes AS n, json_each(n.props, ?) AS ref "
            "WHERE n.kind = ? AND ref.atom IS NOT NULL",
            (f"{kind}.{name}", f"$.{name}", kind),
        )
    for name in _NAMED_INDEXES:  # built once over the filled table
        con.execute(_INDEXES[name])
    for statement in _named_triggers():
        con.execute(statement)
    con.execute(
        "INSERT INTO meta VALUES ('named_columns', ?) ON CONFLICT (key) DO UPDATE SET "
        "value = excluded.value",
        (json.dumps(_list_references()),),
    )


def _named_is_current(con: sqlite3.Connection) -> bool:
    row = con.execute("SELECT value FROM meta WHERE key = 'named_columns'").fetchone()
    return row is not None and json.loads(row[0]) == [list(r) for r in _list_references()]


def _record_format_in_header(con: sqlite3.Connection) -> None:
    """Format 1 kept its number in ``meta`` only; from 2 it is ``PRAGMA user_version``."""
    # The meta row stays, raised with the format, so that a release before migrations
    # refuses a newer file instead of reading it as its own.
    con.execute("UPDATE meta SET value = '2' WHERE key = 'schema_version'")


def _add_judgements(con: sqlite3.Connection) -> None:
    """Format 4 keeps duplicate judgements (a table of their own)."""
    con.execute(_JUDGEMENTS_TABLE)


# Store format -> the step that brings a file of the previous format to it, applied in order
# in one transaction (DDL included), so a failing step leaves the file as it was. The file's
# format is in PRAGMA user_version; the access tables in the same file keep theirs apart.
def _create_change_log(con: sqlite3.Connection) -> None:
    con.execute(_CHANGE_LOG_TABLE)


MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {
    2: _record_format_in_header,
    3: _index_named,
    4: _create_change_log,
    5: _add_judgements,
}
STORE_FORMAT = max(MIGRATIONS)

# Unchanged rows are not rewritten, so a reload of the same data changes nothing at all.
_UPSERT_NODE = """
INSERT INTO nodes (id, kind, props, source, line) VALUES (?, ?, ?, ?, ?)
ON CONFLICT (id) DO UPDATE SET
    kind = excluded.kind, props = excluded.props, source = excluded.source, line = excluded.line
WHERE nodes.props IS NOT excluded.props OR nodes.kind IS NOT excluded.kind
"""
_UPSERT_LINK = """
INSERT INTO links (key, kind, source_id, target_id, props, source, line)
VALUES (?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (key) DO UPDATE SET
    props = excluded.props, source = excluded.source, line = excluded.line
WHERE links.props IS NOT excluded.props
"""


_NODE_ROWS = "SELECT id, kind, props, source, line FROM nodes"
_LINK_ROWS = "SELECT key, kind, source_id, target_id, props, source, line FROM links"


# The relationship reads (relationship_ties): ?1 a JSON list of ids, never the props.
_STORED_AMONG = "SELECT id FROM nodes WHERE id IN (SELECT value FROM json_each(?1))"
# Links of the kinds in ?2 touching ?1 whose far end is stored (and, with the filter, in
# ?3), marked 0 when ?1 holds the source and 1 when it holds the target: whether the
# asked end is stored is known from _STORED_AMONG, and a tie asked from both ends comes
# twice into a set (so no EXISTS on the asked end and no UNION's sort, per row).
_LINK_TIES_FILTERED = """
SELECT 0, l.kind, l.source_id, l.target_id FROM links AS l
WHERE l.source_id IN (SELECT value FROM json_each(?1))
    AND l.kind IN (SELECT value FROM json_each(?2))
    {far_target}AND EXISTS (SELECT 1 FROM nodes WHERE id = l.target_id)
UNION ALL
SELECT 1, l.kind, l.source_id, l.target_id FROM links AS l
WHERE l.target_id IN (SELECT value FROM json_each(?1))
    AND l.kind IN (SELECT value FROM json_each(?2))
    {far_source}AND EXISTS (SELECT 1 FROM nodes WHERE id = l.source_id)
"""
# (column, naming node, named id) of the reference columns in ?2 where a node of ?1 names a
# stored id (marked 0: ``named`` holds stored nodes only) or a stored node names one of ?1
# (marked 1: that the named id is stored is known from _STORED_AMONG); the filter as above.
_NAMED_TIES_FILTERED = """
SELECT 0, r.ref_column, r.node_id, r.ref_id FROM named AS r
WHERE r.node_id IN (SELECT value FROM json_each(?1))
    AND r.ref_column IN (SELECT value FROM json_each(?2))
    {far_ref}AND EXISTS (SELECT 1 FROM nodes WHERE id = r.ref_id)
UNION ALL
SELECT 1, r.ref_column, r.node_id, r.ref_id FROM named AS r
WHERE r.ref_id IN (SELECT value FROM json_each(?1))
    AND r.ref_column IN (SELECT value FROM json_each(?2))
    {far_node}AND EXISTS (SELECT 1 FROM nodes WHERE id = r.node_id)
"""
# Fixed text only (the ends are the parameter ?3), the cheap list test before the index
# read.
_NO_FILTER = {"far_target": "", "far_source": "", "far_ref": "", "far_node": ""}
_END_FILTER = {
    name: f"AND {column} IN (SELECT value FROM json_each(?3))\n    "
    for name, column in [
        ("far_target", "l.target_id"),
        ("far_source", "l.source_id"),
        ("far_ref", "r.ref_id"),
        ("far_node", "r.node_id"),
    ]
}
_LINK_TIES = _LINK_TIES_FILTERED.format(**_NO_FILTER)
_LINK_TIES_TO = _LINK_TIES_FILTERED.format(**_END_FILTER)
_NAMED_TIES = _NAMED_TIES_FILTERED.format(**_NO_FILTER)
_NAMED_TIES_TO = _NAMED_TIES_FILTERED.format(**_END_FILTER)


def _node_record(row: tuple[Any, ...]) -> NodeRecord:
    node_id, kind, props, source, line = row
    return NodeRecord(node_id, kind, decode_props(props, SCHEMA.date_fields[kind]), source, line)


def _link_record(row: tuple[Any, ...]) -> LinkRecord:
    key, kind, source_id, target_id, props, source, line = row
    return LinkRecord(
        kind, source_id, target_id, key, decode_props(props, SCHEMA.date_fields[kind]), source, line
    )


def _with_lists(
    kind: str, fields: tuple[str, ...], rows: list[tuple[Any, ...]]
) -> list[tuple[Any, ...]]:
    """``rows`` (id, then ``fields`` as SQL extracted them) with the id lists (JSON text)
    decoded: each such column in one parse, as a call per row costs more than the parse."""
    lists = {c.name for c in SCHEMA.references.get(kind, ()) if c.base_type == "refs"}
    if not rows or not lists & set(fields):
        return rows
    columns = [list(column) for column in zip(*rows, strict=True)]
    for position, name in enumerate(fields, 1):
        if name in lists:
            texts = ("null" if text is None else text for text in columns[position])
            columns[position] = json.loads(f"[{','.join(texts)}]")
    return list(zip(*columns, strict=True))


def _register_record(row: tuple[Any, ...]) -> NodeRecord:
    node_id, kind, source, line, *values = row
    props = {k: v for k, v in zip(REGISTER_FIELDS, values, strict=True) if v is not None}
    return NodeRecord(node_id, kind, props, source, line)


class _StreamedRecords:
    """The records of one read transaction, each table in the store's order."""

    def __init__(self, con: sqlite3.Connection) -> None:
        self._con = con

    def nodes(self) -> Iterator[NodeRecord]:
        return map(_node_record, self._con.execute(f"{_NODE_ROWS} ORDER BY kind, id"))

    def links(self) -> Iterator[LinkRecord]:
        return map(_link_record, self._con.execute(f"{_LINK_ROWS} ORDER BY kind, key"))

    def existing(self, ids: Collection[str]) -> set[str]:
        rows = self._con.execute(
            "SELECT id FROM nodes WHERE id IN (SELECT value FROM json_each(?))",
            (json.dumps(sorted(set(ids))),),
        )
        return {row[0] for row in rows}


def encode_changes(changes: StoreChanges) -> str:
    """``changes`` as JSON text: each record as the row the store keeps of it."""
    return json.dumps(
        {
            "nodes": [[_node_row(old), _node_row(new)] for old, new in changes.nodes],
            "links": [[_link_row(old), _link_row(new)] for old, new in changes.links],
        },
        ensure_ascii=False,
    )


def decode_changes(text: str) -> StoreChanges:
    """The :class:`StoreChanges` that :func:`encode_changes` wrote."""
    data = json.loads(text)
    return StoreChanges(
        [(old and _node_record(old), _node_record(new)) for old, new in data["nodes"]],
        [(old and _link_record(old), _link_record(new)) for old, new in data["links"]],
    )


def _node_row(node: NodeRecord | None) -> list[Any] | None:
    if node is None:
        return None
    return [node.id, node.kind, encode_props(node.props), node.source, node.line]


def _link_row(link: LinkRecord | None) -> list[Any] | None:
    if link is None:
        return None
    props = encode_props(link.props)
    return [link.key, link.kind, link.source_id, link.target_id, props, link.source, link.line]


class _ReaderConnection(sqlite3.Connection):
    """A thread's own connection (a subclass, so the store can hold it weakly)."""


def _version_of(con: sqlite3.Connection) -> int:
    row = con.execute("SELECT value FROM meta WHERE key = 'version'").fetchone()
    return int(row[0]) if row else 0


def is_disk_full(exc: BaseException) -> bool:
    """Whether SQLite failed because the disk (or the database's page limit) is full.

    SQLITE_FULL, or SQLITE_IOERR_SHMSIZE: the WAL index (``-shm`` file) could not be given
    its space, which is what a full disk looks like when the store is opened.
    """
    code = getattr(exc, "sqlite_errorcode", None)
    if not isinstance(exc, sqlite3.Error) or not isinstance(code, int):
        return False
    return code & 0xFF == sqlite3.SQLITE_FULL or code == sqlite3.SQLITE_IOERR_SHMSIZE


def _roll_back(con: sqlite3.Connection) -> None:
    """Undo the open transaction, unless SQLite already has: after SQLITE_FULL or an I/O
    error it may roll back by itself, and a ROLLBACK then fails ("no transaction is
    active") and would hide the error that caused it."""
    if not con.in_transaction:
        return
    # If even this fails, the error being raised is still the one to report: nothing was
    # committed, and SQLite discards the transaction's pages when the connection closes.
    with contextlib.suppress(sqlite3.Error):
        con.execute("ROLLBACK")


def batched(rows: Iterable[tuple[Any, ...]], size: int) -> Iterator[list[tuple[Any, ...]]]:
    """Consecutive lists of at most ``size`` rows (itertools.batched arrives in 3.12)."""
    iterator = iter(rows)
    while batch := list(islice(iterator, size)):
        yield batch


class _ChangedRows:
    """Which rows of a load change the store, and how they were stored before: each batch
    is compared with the stored rows before it is written, by the upsert's own test. Each
    change is decoded into records only when asked (:attr:`_Change.records`)."""

    def __init__(self, con: sqlite3.Connection) -> None:
        self.con = con
        # What a row written earlier in this load holds now (a file may repeat an id).
        self._written_nodes: dict[str, tuple[str, str]] = {}
        self._written_links: dict[str, tuple[Any, ...]] = {}

    def nodes(self, batch: list[tuple[Any, ...]]) -> Iterator[_Change]:
        """Of rows of ``(id, kind, props, source, line)`` about to be upserted, each that
        changes the store."""
        ids = json.dumps([row[0] for row in batch])
        stored = {
            row[0]: (row[1], row[2])
            for row in self.con.execute(
                "SELECT id, kind, props FROM nodes WHERE id IN (SELECT value FROM json_each(?))",
                (ids,),
            )
        }
        for row in batch:
            node_id, kind, props = row[:3]
            old = self._written_nodes.get(node_id) or stored.get(node_id)
            if old == (kind, props):
                continue
            self._written_nodes[node_id] = (kind, props)
            yield _Change(kind, old is None, partial(_node_change, old, row))

    def links(self, batch: list[tuple[Any, ...]]) -> Iterator[_Change]:
        """Of rows of ``(key, kind, source_id, target_id, props, source, line)`` about to be
        upserted, each that changes the store (a stored key keeps its kind and ends; only its
        props change)."""
        keys = json.dumps([row[0] for row in batch])
        stored = {
            row[0]: row[1:]
            for row in self.con.execute(
                "SELECT key, kind, source_id, target_id, props FROM links "
                "WHERE key IN (SELECT value FROM json_each(?))",
                (keys,),
            )
        }
        for row in batch:
            key, kind, source_id, target_id, props = row[:5]
            old = self._written_links.get(key) or stored.get(key)
            if old is not None and old[3] == props:
                continue
            ends = (kind, source_id, target_id) if old is None else old[:3]
            self._written_links[key] = (*ends, props)
            yield _Change(ends[0], old is None, partial(_link_change, old, ends, row))


class _Change(NamedTuple):
    """One row a load changes: its kind, whether it is new, and its records before (None
    if new) and after, decoded on call."""

    kind: str
    new: bool
    records: Callable[[], tuple[Any, Any]]


def _node_change(
    old: tuple[str, str] | None, row: tuple[Any, ...]
) -> tuple[NodeRecord | None, NodeRecord]:
    before = None if old is None else _node_record((row[0], *old, "", 0))
    return before, _node_record(row)


def _link_change(
    old: tuple[Any, ...] | None, ends: tuple[str, str, str], row: tuple[Any, ...]
) -> tuple[LinkRecord | None, LinkRecord]:
    key, _, _, _, props, source, line = row
    before = None if old is None else _link_record((key, *old, "", 0))
    return before, _link_record((key, *ends, props, source, line))


class _ChangeCollector:
    """The changed rows of a load (:class:`_ChangedRows`), at most ``limit`` of them."""

    def __init__(self, con: sqlite3.Connection, limit: int) -> None:
        self.changed = _ChangedRows(con)
        self.limit = limit
        self.found = StoreChanges([], [])

    def _full(self, more: int) -> bool:
        if self.found.overflow or self.found.rows + more > self.limit:
            self.found.overflow = True
        return self.found.overflow

    def nodes(self, batch: list[tuple[Any, ...]]) -> None:
        if self.found.overflow:
            return
        for change in self.changed.nodes(batch):
            if self._full(1):
                return
            self.found.nodes.append(change.records())

    def links(self, batch: list[tuple[Any, ...]]) -> None:
        if self.found.overflow:
            return
        for change in self.changed.links(batch):
            if self._full(1):
                return
            self.found.links.append(change.records())


class SQLiteStore:
    """The embedded store in one SQLite file (created on first use)."""

    def __init__(self, path: str | Path) -> None:
        path = Path(path)
        self.path = path
        self.location = str(path)
        self._lock = threading.RLock()
        self._graph: tuple[int, nx.MultiDiGraph] | None = None
        try:
            if not path.parent.exists():
                raise StoreError(f"{path}: folder {path.parent} does not exist")
            self._con = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            self._con.execute("PRAGMA journal_mode=WAL")
            self._con.execute("PRAGMA synchronous=FULL")
            self._con.execute("PRAGMA busy_timeout=30000")
            self._open_format()
            # Each thread's own connection for the quick reads (the version, what is kept),
            # so no caller, a server's event loop least of all, waits for another's.
            self._readers = threading.local()
            self._reader_cons: weakref.WeakSet[_ReaderConnection] = weakref.WeakSet()
        except sqlite3.DatabaseError as exc:
            if is_disk_full(exc):
                raise self._disk_full() from exc
            if getattr(exc, "sqlite_errorcode", None) == sqlite3.SQLITE_NOTADB:
                raise StoreError(f"{path}: not a Concentric store ({exc})") from exc
            raise StoreError(f"{path}: cannot open the store ({exc})") from exc

    def _disk_full(self) -> DiskFull:
        return DiskFull(
            f"disk full: {self.path}: nothing was written, the store is unchanged "
            "(SQLite: database or disk is full)"
        )

    def _open_format(self) -> None:
        """Create the tables in a new file, or bring an older file to ``STORE_FORMAT``."""
        con = self._con
        con.execute("BEGIN IMMEDIATE")  # one opener at a time decides and migrates
        try:
            found = self._found_format()
            if found > STORE_FORMAT:
                raise StoreError(
                    f"{self.path}: store format {found} is newer than this version of "
                    f"Concentric reads (up to {STORE_FORMAT}); open it with the release "
                    "that wrote it, or a newer one"
                )
            # Statement by statement: executescript would commit the transaction on its own.
            for statement in [
                *_DDL.split(";"),
                _NAMED_TABLE,
                _CHANGE_LOG_TABLE,
                _JUDGEMENTS_TABLE,
                *_INDEXES.values(),
            ]:
                if statement.strip():
                    con.execute(statement)
            if found == 0:  # a new file: created in the current format, nothing to migrate
                con.execute(
                    "INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", (str(STORE_FORMAT),)
                )
            else:
                for step in sorted(v for v in MIGRATIONS if v > found):
                    MIGRATIONS[step](con)
            if not _named_is_current(con):  # a new file, or the schema's list columns changed
                _index_named(con)
            # A PRAGMA cannot take a parameter; STORE_FORMAT is an int constant.
            con.execute(f"PRAGMA user_version = {int(STORE_FORMAT)}")
            con.execute("COMMIT")
        except BaseException:
            _roll_back(con)
            raise

    def _found_format(self) -> int:
        """The file's store format: 0 for a new file, 1 for one written before migrations."""
        con = self._con
        in_header = int(con.execute("PRAGMA user_version").fetchone()[0])
        if in_header:
            return in_header
        has_meta = con.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'"
        ).fetchone()
        if has_meta is None:
            return 0
        row = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        return int(row[0]) if row else 1

    # -- writing ------------------------------------------------------------------------
    def load(
        self, dataset: Dataset, *, replace: bool = False, progress: ProgressCallback | None = None
    ) -> LoadReport:
        return self._load(dataset, replace, progress, None)

    def load_changes(
        self, dataset: Dataset, *, limit: int, progress: ProgressCallback | None = None
    ) -> tuple[LoadReport, StoreChanges]:
        """:meth:`load` (an upsert) and the records it changed, found by the upsert's own
        test (the stored props text differs), a batch at a time before it is written."""
        changes = _ChangeCollector(self._con, limit)
        return self._load(dataset, False, progress, changes), changes.found

    def preview(self, dataset: Dataset, *, replace: bool = False, limit: int) -> LoadDiff:
        """What :meth:`load` would change, found by the same test (:class:`_ChangedRows`) in
        one read transaction; nothing is written. With ``replace``, the stored rows the
        dataset lacks are removed too. At most ``limit`` rows are listed; counts are whole."""
        diff = LoadDiff(replace=replace, limit=limit)
        with self.at_one_version():
            con = self._con
            changed = _ChangedRows(con)
            ids: set[str] = set()
            keys: set[str] = set()
            for batch in batched(dataset.encoded_nodes(), BATCH_ROWS):
                if replace:  # what a replace keeps, to tell what it removes
                    ids.update(row[0] for row in batch)
                for change in changed.nodes(batch):
                    diff.note(change.kind, change.new, change.records)
            for batch in batched(dataset.encoded_links(), BATCH_ROWS):
                if replace:
                    keys.update(row[0] for row in batch)
                for change in changed.links(batch):
                    diff.note(change.kind, change.new, change.records)
            for table in ("nodes", "links"):  # fixed names, not input
                diff.count_stored(con.execute(f"SELECT kind, count(*) FROM {table} GROUP BY kind"))
            if replace:  # a row is decoded only if it goes
                for row in con.execute(f"{_NODE_ROWS} ORDER BY kind, id"):
                    if row[0] not in ids:
                        diff.record_removed(_node_record(row))
                for row in con.execute(f"{_LINK_ROWS} ORDER BY kind, key"):
                    if row[0] not in keys:
                        diff.record_removed(_link_record(row))
        return diff

    def _load(
        self,
        dataset: Dataset,
        replace: bool,
        progress: ProgressCallback | None,
        changes: _ChangeCollector | None,
    ) -> LoadReport:
        with self._lock, paused_gc():
            con = self._con
            # A big load's pages stay in memory until the commit instead of spilling early.
            con.execute(f"PRAGMA cache_size = -{LOAD_CACHE_KIB}")
            con.execute("BEGIN IMMEDIATE")
            try:
                removed = 0
                # Secondary indexes (and ``named``) cost more kept up row by row than
                # rebuilt once, when the load is as big as what is stored (DDL is
                # transactional: a failure rolls the drop back too).
                rebuild = replace or (
                    dataset.row_count >= 50_000 and dataset.row_count >= self._count()
                )
                if rebuild:
                    _drop_named_upkeep(con)
                    for name in _INDEXES:
                        con.execute(f"DROP INDEX IF EXISTS {name}")  # a fixed name, not input
                if replace:
                    removed = self._count()
                    con.execute("DELETE FROM nodes")
                    con.execute("DELETE FROM links")
                before = self._count()
                written = 0
                written += self._write(
                    _UPSERT_NODE,
                    dataset.encoded_nodes(),
                    progress,
                    changes.nodes if changes else None,
                )
                written += self._write(
                    _UPSERT_LINK,
                    dataset.encoded_links(),
                    progress,
                    changes.links if changes else None,
                )
                if rebuild:
                    for name, statement in _INDEXES.items():
                        if name not in _NAMED_INDEXES:  # made with the table just below
                            con.execute(statement)
                    _index_named(con)
                inserted = self._count() - before
                stored = self.policy_overrides()
                policy = merged_overrides(stored, dataset.policy, replace)
                if policy != stored:
                    self._write_policy(policy)
                if written or replace or policy != stored:
                    version = self._bump_version()
                    con.execute("DELETE FROM derived")  # built from the previous version
                    logged = changes is not None and policy == stored
                    self._log_changes(version, changes.found if logged and changes else None)
                con.execute("COMMIT")
            except BaseException as exc:
                _roll_back(con)
                if is_disk_full(exc):
                    raise self._disk_full() from exc
                raise
            finally:
                con.execute("PRAGMA cache_size = -2000")  # SQLite's default, for reading
        # A replace empties the store first, so every row counts as inserted.
        return LoadReport(
            inserted=inserted,
            updated=written - inserted,
            unchanged=dataset.row_count - written,
            removed=removed,
        )

    def _write(
        self,
        sql: str,
        rows: Iterable[tuple[Any, ...]],
        progress: ProgressCallback | None,
        before_batch: Callable[[list[tuple[Any, ...]]], None] | None = None,
    ) -> int:
        written = 0
        # Batches of encoded rows, so the JSON text of a big load is never all in memory.
        for batch in batched(rows, BATCH_ROWS):
            if before_batch is not None:
                before_batch(batch)
            cursor = self._con.executemany(sql, batch)
            written += cursor.rowcount
            if progress:
                progress(len(batch))
        return written

    def row_count(self) -> int:
        with self._lock:
            return self._count()

    def _count(self) -> int:
        row = self._con.execute(
            "SELECT (SELECT count(*) FROM nodes) + (SELECT count(*) FROM links)"
        ).fetchone()
        return int(row[0])

    def _write_policy(self, policy: dict[str, Any]) -> None:
        self._con.execute(
            "INSERT INTO meta VALUES ('policy', ?) ON CONFLICT (key) DO UPDATE SET value = "
            "excluded.value",
            (json.dumps(policy, ensure_ascii=False, sort_keys=True),),
        )

    def _bump_version(self) -> int:
        self._con.execute(
            "INSERT INTO meta VALUES ('version', '1') ON CONFLICT (key) DO UPDATE SET "
            "value = CAST(value AS INTEGER) + 1"
        )
        return _version_of(self._con)

    def _log_changes(self, version: int, changes: StoreChanges | None) -> None:
        """Log what made ``version`` (in the load's transaction); a load whose changes are
        not known (a replace, a large load, a policy change) leaves a gap in the log, and a
        reader that meets the gap rebuilds."""
        con = self._con
        con.execute("DELETE FROM change_log WHERE version <= ?", (version - CHANGE_LOG_VERSIONS,))
        if changes is not None and not changes.overflow:
            con.execute(
                "INSERT OR REPLACE INTO change_log VALUES (?, ?)",
                (version, encode_changes(changes)),
            )

    @contextlib.contextmanager
    def at_one_version(self) -> Iterator[int]:
        """One read transaction on the store's connection (other threads' reads and this
        process's writes wait for it): every read inside sees the version it gives."""
        with self._lock:
            self._con.execute("BEGIN")
            try:
                yield _version_of(self._con)
            finally:
                self._con.execute("COMMIT")

    def changes_since(self, version: int) -> list[StoreChanges] | None:
        """What each load after ``version`` changed, oldest first; None when the log does
        not say for every version up to the current one."""
        with self.at_one_version() as current:
            rows = self._con.execute(
                "SELECT version, changes FROM change_log WHERE version > ? ORDER BY version",
                (version,),
            ).fetchall()
        if [row[0] for row in rows] != list(range(version + 1, current + 1)):
            return None
        return [decode_changes(row[1]) for row in rows]

    # -- reading ------------------------------------------------------------------------
    def existing_nodes(self, ids: Collection[str] | None = None) -> dict[str, ExistingNode]:
        query = "SELECT id, kind, json_extract(props, '$.parent_id') FROM nodes"
        with self._lock:
            if ids is None:
                rows = self._con.execute(query).fetchall()
            else:
                wanted = json.dumps(sorted(set(ids)))
                rows = self._con.execute(
                    f"{query} WHERE id IN (SELECT value FROM json_each(?))", (wanted,)
                ).fetchall()
        return {node_id: ExistingNode(kind, parent) for node_id, kind, parent in rows}

    def nodes(self) -> Iterator[NodeRecord]:
        with self._lock:
            rows = self._con.execute(f"{_NODE_ROWS} ORDER BY kind, id").fetchall()
        return map(_node_record, rows)

    def links(self) -> Iterator[LinkRecord]:
        with self._lock:
            rows = self._con.execute(f"{_LINK_ROWS} ORDER BY kind, key").fetchall()
        return map(_link_record, rows)

    def neighbourhood(self, ids: Collection[str]) -> tuple[list[NodeRecord], list[LinkRecord]]:
        """The records around ``ids``, for a graph of just that part of the data.

        Their own nodes; every link touching them; every node that names one of them (an
        interaction its leader or target, a figure its area, a sub-area its parent); and the
        nodes at the far end of all of those and of the ids' own references. Read in one
        transaction, so all of it is of one data version.
        """
        wanted = sorted(set(ids))
        with self.at_one_version():
            run = self._con.execute
            rows = {row[0]: row for row in self._nodes_by_id(wanted)}
            links = run(
                f"{_LINK_ROWS} WHERE source_id IN (SELECT value FROM json_each(?1)) UNION "
                f"{_LINK_ROWS} WHERE target_id IN (SELECT value FROM json_each(?1))",
                (json.dumps(wanted),),
            ).fetchall()
            for row in self._naming(wanted, {row[1] for row in rows.values()}):
                rows.setdefault(row[0], row)
            records = [_node_record(row) for row in rows.values()]
            far = {ref for record in records for ref in references_of(record)}
            far.update(end for link in links for end in (link[2], link[3]))
            far.difference_update(rows)
            if far:
                records.extend(map(_node_record, self._nodes_by_id(far)))
        return records, [_link_record(row) for row in links]

    def _naming(self, ids: list[str], kinds: set[str]) -> list[tuple[Any, ...]]:
        """Rows of the nodes whose reference columns name one of ``ids`` (of ``kinds``)."""
        # A list column (who an interaction names) whatever the kind; a single reference
        # (an area, a parent) only where it may point at one of these kinds.
        columns = [
            f"{kind}.{column.name}"
            for kind, kind_columns in SCHEMA.references.items()
            for column in kind_columns
            if column.base_type == "refs" or kinds.intersection(column.ref_kinds)
        ]
        return self._con.execute(
            f"{_NODE_ROWS} WHERE id IN (SELECT node_id FROM named "
            "WHERE ref_id IN (SELECT value FROM json_each(?)) "
            "AND ref_column IN (SELECT value FROM json_each(?)))",
            (json.dumps(ids), json.dumps(columns)),
        ).fetchall()

    def relationship_ties(self, ids: Collection[str]) -> dict[str, set[tuple[str, str, str]]]:
        """The relationship edges touching ``ids`` (see
        :meth:`.protocol.Store.relationship_ties`): ids and kinds only, through the indexes
        on links' ends and on ``named``, a chunk of ids per statement, in one transaction."""
        return self._ties(ids, None)

    def relationship_ties_to(
        self, ids: Collection[str], ends: Collection[str]
    ) -> dict[str, set[tuple[str, str, str]]]:
        """:meth:`relationship_ties` cut to the ties whose other end is one of ``ends``
        (see :class:`.protocol.ReadsTiesToEnds`), the cut made in the statements."""
        return self._ties(ids, sorted(ends))

    def _ties(
        self, ids: Collection[str], far_ends: list[str] | None
    ) -> dict[str, set[tuple[str, str, str]]]:
        """Per stored id of ``ids``, its relationship ties (those whose other end is one of
        ``far_ends``, unless None)."""
        columns = {
            f"{kind}.{column}": edge for (kind, column), edge in relationship_columns().items()
        }
        link_kinds = json.dumps(sorted(RELATIONSHIP_EDGES))
        column_names = json.dumps(sorted(columns))
        links_sql, named_sql = (
            (_LINK_TIES, _NAMED_TIES)
            if far_ends is None
            else (
                _LINK_TIES_TO,
                _NAMED_TIES_TO,
            )
        )
        extra = () if far_ends is None else (json.dumps(far_ends),)
        found: dict[str, set[tuple[str, str, str]]] = {}
        with self.at_one_version():
            run = self._con.execute
            for chunk in id_chunks(ids):
                wanted = json.dumps(chunk)
                asked = {row[0] for row in run(_STORED_AMONG, (wanted,))}
                found.update((node, set()) for node in asked)
                # A tie goes to its asked end (a far end asked too has a row of its own).
                for side, kind, source, target in run(links_sql, (wanted, link_kinds, *extra)):
                    near = target if side else source
                    if near in asked:
                        found[near].add((kind, source, target))
                for side, ref_column, naming, named in run(
                    named_sql, (wanted, column_names, *extra)
                ):
                    near = named if side else naming
                    if near not in asked:
                        continue  # the asked id named is not stored
                    edge_kind, from_named = columns[ref_column]
                    tie = (edge_kind, named, naming) if from_named else (edge_kind, naming, named)
                    found[near].add(tie)
        return found

    def prepare_lookups(self) -> None:
        """Nothing to prepare: who names an id is kept in the ``named`` table as the data
        is written."""

    @contextlib.contextmanager
    def stream(self) -> Iterator[StoredRecords]:
        """Every record, read row by row from one snapshot of the data (a connection of its
        own in one read transaction), so a whole export never holds all rows at once."""
        with self._own_read() as con:
            yield _StreamedRecords(con)

    @contextlib.contextmanager
    def _own_read(self) -> Iterator[sqlite3.Connection]:
        """A connection of its own in one read transaction: a long streamed read neither
        holds the store's connection nor sees a load that commits meanwhile."""
        con = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        try:
            con.execute("BEGIN")
            yield con
            con.execute("COMMIT")
        finally:
            con.close()

    @contextlib.contextmanager
    def register_records(self) -> Iterator[RegisterRecords]:
        """What the completeness report checks, read in SQL from one snapshot of the data
        (a connection of its own in one read transaction): the checked kinds' nodes a row
        at a time, and the ids named by memberships and by interactions."""
        with self._own_read() as con:
            members = {
                row[0]
                for row in con.execute(
                    "SELECT DISTINCT source_id FROM links WHERE kind = 'member_of'"
                )
            }
            contacted = {
                row[0]
                for row in con.execute(
                    "SELECT DISTINCT target.value FROM nodes AS n, "
                    "json_each(n.props, '$.target_ids') AS target WHERE n.kind = 'interaction'"
                )
            }
            # Just the fields the report reads, extracted in SQL (no JSON decoded in Python).
            fields = ", ".join("json_extract(props, ?)" for _ in REGISTER_FIELDS)
            rows = con.execute(
                f"SELECT id, kind, source, line, {fields} FROM nodes "  # placeholders only
                "WHERE kind IN (SELECT value FROM json_each(?)) ORDER BY kind, id",
                (*(f"$.{name}" for name in REGISTER_FIELDS), json.dumps(REGISTER_KINDS)),
            )
            yield RegisterRecords(map(_register_record, rows), members, contacted)

    def _nodes_by_id(self, ids: Collection[str]) -> list[tuple[Any, ...]]:
        return self._con.execute(
            f"{_NODE_ROWS} WHERE id IN (SELECT value FROM json_each(?))", (json.dumps(sorted(ids)),)
        ).fetchall()

    def node_records(self, ids: Collection[str]) -> list[NodeRecord]:
        """The stored nodes among ``ids`` (unknown ids are left out)."""
        with self._lock:
            return [_node_record(row) for row in self._nodes_by_id(ids)]

    def links_among(self, ids: Collection[str]) -> list[LinkRecord]:
        """The links with both ends among ``ids``."""
        wanted = json.dumps(sorted(set(ids)))
        with self._lock:
            rows = self._con.execute(
                f"{_LINK_ROWS} WHERE source_id IN (SELECT value FROM json_each(?1)) "
                "AND target_id IN (SELECT value FROM json_each(?1))",
                (wanted,),
            ).fetchall()
        return [_link_record(row) for row in rows]

    def coverage_columns(self) -> CoverageColumns:
        """The columns the coverage index needs, read in SQL (no JSON decoding in Python)."""
        with self._lock:
            run = self._con.execute
            targets = run(
                "SELECT id, kind, CASE kind WHEN 'figure' THEN json_extract(props, '$.category') "
                "ELSE json_extract(props, '$.kind') END, json_extract(props, '$.area_id'), "
                "json_extract(props, '$.name') FROM nodes "
                "WHERE kind IN ('figure', 'organization', 'unit') ORDER BY kind, id"
            ).fetchall()
            leaders = run(
                "SELECT id, json_extract(props, '$.name'), json_extract(props, '$.post'), "
                "json_extract(props, '$.in_office'), json_extract(props, '$.quota_min'), "
                "json_extract(props, '$.quota_max') FROM nodes WHERE kind = 'leader' ORDER BY id"
            ).fetchall()
            areas = run(
                "SELECT id, json_extract(props, '$.parent_id'), json_extract(props, '$.name'), "
                "json_extract(props, '$.kind') FROM nodes WHERE kind = 'area'"
            ).fetchall()
            joint_meeting = {
                row[0]
                for row in run(
                    "SELECT id FROM nodes WHERE kind = 'unit' "
                    "AND json_extract(props, '$.joint_meeting') = 1"
                )
            }
            dated = (
                "SELECT source_id, target_id, json_extract(props, '$.since'), "
                "json_extract(props, '$.until') FROM links WHERE kind = ?"
            )
            contacts = run(dated, ("contacts",)).fetchall()
            memberships = run(dated, ("member_of",)).fetchall()
            concerns = run(
                "SELECT target.value, json_extract(n.props, '$.date') FROM nodes AS n, "
                "json_each(n.props, '$.target_ids') AS target WHERE n.kind = 'interaction'"
            ).fetchall()
        return CoverageColumns(
            targets, leaders, areas, contacts, memberships, concerns, joint_meeting
        )

    def assessment_records(self) -> tuple[Iterator[NodeRecord], Iterator[LinkRecord]]:
        """The records the assessment reads, their fields extracted in SQL in one read
        transaction (only leaders' JSON and the id lists decoded in Python)."""
        kinds: list[tuple[str, list[tuple[Any, ...]]]] = []
        with self.at_one_version():
            run = self._con.execute
            leaders = run(f"{_NODE_ROWS} WHERE kind = 'leader' ORDER BY id").fetchall()
            for kind, fields in ASSESSMENT_FIELDS.items():
                extracted = ", ".join("json_extract(props, ?)" for _ in fields)
                rows = run(
                    f"SELECT id, {extracted} FROM nodes"  # placeholders only
                    " WHERE kind = ? ORDER BY id",
                    (*(f"$.{name}" for name in fields), kind),
                ).fetchall()
                kinds.append((kind, _with_lists(kind, fields, rows)))
            contacts = run(
                "SELECT key, source_id, target_id, json_extract(props, '$.since'), "
                "json_extract(props, '$.until') FROM links WHERE kind = 'contacts' ORDER BY key"
            ).fetchall()
        nodes = chain(
            map(_node_record, leaders),
            (assessment_node(kind, row[0], row[1:]) for kind, rows in kinds for row in rows),
        )
        links = (assessment_contact(key, a, b, dates) for key, a, b, *dates in contacts)
        return nodes, links

    def participations(self) -> list[tuple[str, str | None, Any]]:
        """(leader, target, date): one row per leader and target of each interaction."""
        with self._lock:
            return self._con.execute(
                "SELECT leader.value, target.value, json_extract(n.props, '$.date') "
                "FROM nodes AS n JOIN json_each(n.props, '$.leader_ids') AS leader "
                "LEFT JOIN json_each(n.props, '$.target_ids') AS target "
                "WHERE n.kind = 'interaction'"
            ).fetchall()

    def saved_state(self, name: str, version: int) -> bytes | None:
        """What :meth:`save_state` kept under ``name`` for data version ``version``."""
        with self._lock:
            row = self._con.execute(
                "SELECT data FROM derived WHERE name = ? AND version = ?", (name, version)
            ).fetchone()
        return bytes(row[0]) if row else None

    def _reader(self) -> sqlite3.Connection:
        """This thread's connection for the quick reads (dropped with the thread)."""
        con: _ReaderConnection | None = getattr(self._readers, "con", None)
        if con is None:
            con = sqlite3.connect(
                self.path,
                isolation_level=None,
                check_same_thread=False,
                factory=_ReaderConnection,
            )
            con.execute("PRAGMA busy_timeout=30000")
            self._readers.con = con
            self._reader_cons.add(con)
        return con

    def has_state(self, name: str, version: int) -> bool:
        row = (
            self._reader()
            .execute("SELECT 1 FROM derived WHERE name = ? AND version = ?", (name, version))
            .fetchone()
        )
        return row is not None

    def save_state(self, name: str, version: int, data: bytes) -> bool:
        """Keep derived data built from data version ``version``; whether it was kept.

        Best effort, so it never holds up the caller: not when the data has moved on since,
        not when the file is read-only, and not when a load holds the write lock (a separate
        connection that gives up after 0.1 s).
        """
        try:
            con = sqlite3.connect(self.path, timeout=0.1, isolation_level=None)
        except sqlite3.Error:
            return False
        try:
            cursor = con.execute(
                "INSERT INTO derived (name, version, data) SELECT ?, ?, ? WHERE coalesce("
                "(SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'version'), 0) = ? "
                "ON CONFLICT (name) DO UPDATE SET version = excluded.version, data = excluded.data",
                (name, version, data, version),
            )
            return cursor.rowcount > 0
        except sqlite3.Error:
            return False
        finally:
            con.close()

    # -- duplicate judgements -----------------------------------------------------------
    def judgements(self) -> list[Judgement]:
        with self._lock:
            rows = self._con.execute(
                "SELECT left_id, right_id, kind, verdict, judged_at, judged_by FROM judgements "
                "ORDER BY left_id, right_id"
            ).fetchall()
        return [Judgement(*row) for row in rows]

    def judge(self, judgement: Judgement) -> None:
        """Keep ``judgement``; a "same" made or replaced is a new data version (merged
        counting changes every answer), with no change-log row, so every process rebuilds."""
        self._write_judgement(
            "INSERT INTO judgements (left_id, right_id, kind, verdict, judged_at, "
            "judged_by) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (left_id, right_id) DO UPDATE "
            "SET kind = excluded.kind, verdict = excluded.verdict, "
            "judged_at = excluded.judged_at, judged_by = excluded.judged_by",
            (
                judgement.left,
                judgement.right,
                judgement.kind,
                judgement.verdict,
                judgement.judged_at,
                judgement.judged_by,
            ),
        )

    def undo_judgement(self, left: str, right: str) -> Judgement | None:
        with self._lock:
            row = self._con.execute(
                "SELECT left_id, right_id, kind, verdict, judged_at, judged_by FROM judgements "
                "WHERE left_id = ? AND right_id = ?",
                (left, right),
            ).fetchone()
            if row is None:
                return None
            forgotten = Judgement(*row)
            self._write_judgement(
                "DELETE FROM judgements WHERE left_id = ? AND right_id = ?", (left, right)
            )
        return forgotten

    def _verdict_of(self, left: str, right: str) -> str | None:
        row = self._con.execute(
            "SELECT verdict FROM judgements WHERE left_id = ? AND right_id = ?", (left, right)
        ).fetchone()
        return None if row is None else str(row[0])

    def _write_judgement(self, statement: str, values: tuple[Any, ...]) -> None:
        """One statement about the pair ``values[:2]``, in its own transaction. One that
        makes or unmakes a "same" moves the data version on with it (merged counting changes
        the answers; kept arrays of the old version are dropped)."""
        left, right = values[0], values[1]
        with self._lock:
            con = self._con
            try:
                con.execute("BEGIN IMMEDIATE")
                before = self._verdict_of(left, right)
                con.execute(statement, values)
                if "same" in (before, self._verdict_of(left, right)):
                    self._bump_version()
                    con.execute(
                        "INSERT INTO meta VALUES ('merge_versions', '1') ON CONFLICT (key) "
                        "DO UPDATE SET value = CAST(value AS INTEGER) + 1"
                    )
                    con.execute("DELETE FROM derived")  # built without this merge
                con.execute("COMMIT")
            except BaseException as exc:
                _roll_back(con)
                if is_disk_full(exc):
                    raise self._disk_full() from exc
                if isinstance(exc, sqlite3.DatabaseError):
                    raise StoreError(f"{self.path}: judgement not stored ({exc})") from exc
                raise

    def rows_version(self) -> int:
        """The data version less the versions judgements made (see :meth:`judge`)."""
        row = (
            self._reader()
            .execute(
                "SELECT coalesce((SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'version'),"
                " 0) - coalesce((SELECT CAST(value AS INTEGER) FROM meta "
                "WHERE key = 'merge_versions'), 0)"
            )
            .fetchone()
        )
        return int(row[0])

    def policy_overrides(self) -> dict[str, Any]:
        with self._lock:
            row = self._con.execute("SELECT value FROM meta WHERE key = 'policy'").fetchone()
        return dict(json.loads(row[0])) if row else {}

    def policy(self) -> Policy:
        return merge_policy(self.policy_overrides())

    def version(self) -> int:
        # The thread's own connection, so a caller (a health check, a reader finding out
        # whether its snapshot is current) never waits for a long read or another caller.
        return _version_of(self._reader())

    def graph(self) -> nx.MultiDiGraph:
        with self._lock:
            version = _version_of(self._con)
            if self._graph is None or self._graph[0] != version:
                graph = build_graph(self.nodes(), self.links())
                graph.graph["version"] = version
                self._graph = (version, graph)
            return self._graph[1]

    def close(self) -> None:
        with self._lock:
            self._con.close()
        for con in list(self._reader_cons):
            con.close()

    def __enter__(self) -> SQLiteStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

"""The storage backends under test, and helpers shared by the backend contract suites.

Two backends sit behind :class:`graph.store.protocol.Store`: the embedded SQLite file and a Neo4j
server. The contract suites (``test_backends.py``, ``test_parity_properties.py``,
``test_neo4j_faults.py``) run one set of expectations against both.

Neo4j is found through the environment:

* ``CONCENTRIC_TEST_NEO4J`` — a bolt URI of a server without auth (or with credentials in the
  URI). Unset: every Neo4j test is SKIPPED with a reason. Set but unreachable: they FAIL.
* ``CONCENTRIC_TEST_NEO4J_AUTH`` — ``bolt://neo4j:PASSWORD@127.0.0.1:PORT`` of a second server
  started WITH auth (``NEO4J_PASSWORD=… scripts/neo4j-local start``), for the wrong-password
  tests only.

Community edition has one database, so Neo4j tests must not overlap. Each one carries
``@pytest.mark.xdist_group("neo4j")`` (run the suite with ``--dist loadgroup``) AND holds an
exclusive file lock on the server for its whole duration (:func:`exclusive_neo4j`): with
pytest 9.2 and pytest-xdist 3.8, loadgroup silently stops grouping (pytest-xdist#1386, xdist
still rewrites ``item._nodeid``, which pytest no longer reads), so the mark alone does not
keep two workers off the database. Each such test clears the database first.

A test module makes its own ``backend`` fixture from :func:`make_backend`::

    @pytest.fixture(params=BACKENDS)
    def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
        with make_backend(request.param, tmp_path) as chosen:
            yield chosen
"""

from __future__ import annotations

import csv
import datetime as dt
import fcntl
import hashlib
import json
import os
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import pytest
import yaml

from concentric.graph.schema.model import Dataset, ExistingNode, LinkRecord, NodeRecord
from concentric.graph.store.factory import open_store
from concentric.graph.store.protocol import Store, StoreError
from concentric.graph.workspace import Workspace
from concentric.loaders import read_dataset

if TYPE_CHECKING:
    from concentric.graph.store.neo4j_store import Neo4jStore

__all__ = [
    "ALL_STATUSES",
    "BACKENDS",
    "NEO4J_AUTH_ENV",
    "NEO4J_ENV",
    "NEO4J_GROUP",
    "SAMPLE",
    "SKIP_NEO4J",
    "SKIP_NEO4J_AUTH",
    "Backend",
    "Snapshot",
    "exclusive_neo4j",
    "graph_view",
    "make_backend",
    "neo4j_lock",
    "open_neo4j",
    "read_folder",
    "records",
    "require_neo4j",
    "snapshot",
    "write_tables",
]

NEO4J_ENV = "CONCENTRIC_TEST_NEO4J"
NEO4J_AUTH_ENV = "CONCENTRIC_TEST_NEO4J_AUTH"
SKIP_NEO4J = f"{NEO4J_ENV} not set: start scripts/neo4j-local"
SKIP_NEO4J_AUTH = (
    f"{NEO4J_AUTH_ENV} not set: start a second server with auth "
    "(NEO4J_PASSWORD=… NEO4J_LOCAL_STATE=… NEO4J_LOCAL_PORT=… scripts/neo4j-local start) and "
    "set it to bolt://neo4j:PASSWORD@127.0.0.1:PORT"
)
#: Every test that talks to the (single-database) server runs in this xdist group.
NEO4J_GROUP = pytest.mark.xdist_group("neo4j")
#: Parametrize over these to run a test on every backend.
BACKENDS = [pytest.param("sqlite", id="sqlite"), pytest.param("neo4j", marks=NEO4J_GROUP)]

ALL_STATUSES = ("covered", "stale", "indirect", "uncovered")
SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"


# -- Neo4j ------------------------------------------------------------------------------------


def require_neo4j(env: str = NEO4J_ENV, reason: str = SKIP_NEO4J) -> str:
    """The server URI from ``env``; skips the calling test when it is not set."""
    uri = os.environ.get(env, "").strip()
    if not uri:
        pytest.skip(reason)
    return uri


def open_neo4j(uri: str, *, clear: bool = False) -> Neo4jStore:
    """A fresh connection to the test server; a configured but unreachable server FAILS."""
    try:
        store = cast("Neo4jStore", open_store(uri))
    except StoreError as exc:
        pytest.fail(f"{NEO4J_ENV} is set but the server cannot be used: {exc}", pytrace=False)
    if clear:
        store.clear()
    return store


# -- backends ---------------------------------------------------------------------------------


@contextmanager
def neo4j_lock(uri: str, timeout: float = 1800) -> Iterator[None]:
    """Hold the machine-wide lock of one test server (all pytest workers and runs share it)."""
    digest = hashlib.sha256(uri.encode()).hexdigest()[:16]
    path = Path(tempfile.gettempdir()) / f"concentric-test-neo4j-{digest}.lock"
    deadline = time.monotonic() + timeout
    with path.open("a") as handle:
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    pytest.fail(f"another test held the Neo4j test server for {timeout:.0f}s")
                time.sleep(0.05)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextmanager
def exclusive_neo4j(env: str = NEO4J_ENV, reason: str = SKIP_NEO4J) -> Iterator[str]:
    """The test server's URI, locked for this test and cleared first (skips when unset)."""
    uri = require_neo4j(env, reason)
    with neo4j_lock(uri):
        open_neo4j(uri, clear=True).close()
        yield uri


@dataclass
class Backend:
    """One backend, empty at the start of the test.

    ``location`` is what ``open_store`` and ``concentric --store`` take; :meth:`open` gives a
    new connection each time (no caches shared with earlier ones), closed at teardown.
    """

    name: str
    location: str
    _opened: list[Store] = field(default_factory=list)

    def open(self) -> Store:
        store = open_neo4j(self.location) if self.name == "neo4j" else open_store(self.location)
        self._opened.append(store)
        return store

    def workspace(self) -> Workspace:
        return Workspace(self.open())

    def close(self) -> None:
        for store in self._opened:
            store.close()
        self._opened.clear()


@contextmanager
def make_backend(name: str, tmp_path: Path) -> Iterator[Backend]:
    """An empty backend: a new SQLite file, or the test server cleared first.

    Skips for ``neo4j`` when ``CONCENTRIC_TEST_NEO4J`` is unset; fails when it is set but the
    server cannot be reached.
    """
    if name == "neo4j":
        with exclusive_neo4j() as uri:
            chosen = Backend("neo4j", uri)
            try:
                yield chosen
            finally:
                chosen.close()
        return
    chosen = Backend("sqlite", str(tmp_path / "contract.db"))
    try:
        yield chosen
    finally:
        chosen.close()


# -- datasets ---------------------------------------------------------------------------------


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return ";".join(_cell(v) for v in value)
    return str(value)


def write_tables(
    folder: Path,
    tables: Mapping[str, Sequence[Mapping[str, Any]]],
    *,
    policy: Mapping[str, Any] | None = None,
    fmt: str = "csv",
) -> Path:
    """Write a dataset folder: one ``NAME.csv`` (UTF-8) or ``NAME.json`` per table.

    CSV cells: dates ISO, lists joined with ``;``, None empty. JSON tables keep the values
    as given (dates as ISO text). Empty tables are not written.
    """
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in tables.items():
        if not rows:
            continue
        headers: dict[str, None] = {}
        for row in rows:
            headers.update(dict.fromkeys(row))
        if fmt == "json":
            plain = [
                {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in row.items()}
                for row in rows
            ]
            text = json.dumps(plain, ensure_ascii=False, indent=1)
            (folder / f"{name}.json").write_text(text, encoding="utf-8")
            continue
        with (folder / f"{name}.csv").open("w", encoding="utf-8", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(list(headers))
            writer.writerows([_cell(row.get(h)) for h in headers] for row in rows)
    if policy is not None:
        (folder / "policy.yaml").write_text(
            yaml.safe_dump(dict(policy), allow_unicode=True), encoding="utf-8"
        )
    return folder


def read_folder(folder: Path, existing: Mapping[str, ExistingNode] | None = None) -> Dataset:
    """The validated dataset of a folder; the test fails if the loader finds problems."""
    result = read_dataset([folder], existing)
    assert not result.problems, [str(p) for p in result.problems]
    return result.dataset


# -- comparing stores -------------------------------------------------------------------------


@dataclass(frozen=True)
class Snapshot:
    """Everything a store hands back, in a canonical order."""

    nodes: list[NodeRecord]
    links: list[LinkRecord]
    version: int
    policy: dict[str, Any]


def snapshot(store: Store) -> Snapshot:
    return Snapshot(
        sorted(store.nodes(), key=lambda n: (n.kind, n.id)),
        sorted(store.links(), key=lambda lk: (lk.kind, lk.key)),
        store.version(),
        store.policy_overrides(),
    )


def graph_view(store: Store) -> tuple[list[Any], list[Any]]:
    """The analyses' graph as comparable lists: nodes with attributes, edges with keys."""
    graph = store.graph()
    nodes = sorted(graph.nodes(data=True), key=lambda n: str(n[0]))
    edges = sorted(graph.edges(keys=True, data=True), key=lambda e: (str(e[0]), str(e[1]), e[2]))
    return nodes, edges


def records(dataset: Dataset) -> tuple[list[NodeRecord], list[LinkRecord]]:
    """A dataset's records in the order :func:`snapshot` uses."""
    return (
        sorted(dataset.nodes, key=lambda n: (n.kind, n.id)),
        sorted(dataset.links, key=lambda lk: (lk.kind, lk.key)),
    )

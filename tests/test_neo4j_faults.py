"""Neo4j when things go wrong (issue 4, item 7): a server that is down, wrong credentials,
values that look like Cypher, and a load whose connection dies mid-transaction.

Needs ``CONCENTRIC_TEST_NEO4J`` (a server without auth) and, for the credential tests,
``CONCENTRIC_TEST_NEO4J_AUTH`` = ``bolt://neo4j:PASSWORD@127.0.0.1:PORT`` (a second server
started with ``NEO4J_PASSWORD``); each is skipped with a reason when unset. The down-server
tests need no server at all and always run.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
from backends import (
    ALL_STATUSES,
    BACKENDS,
    NEO4J_AUTH_ENV,
    NEO4J_GROUP,
    SKIP_NEO4J_AUTH,
    Backend,
    exclusive_neo4j,
    make_backend,
    open_neo4j,
    read_folder,
    records,
    require_neo4j,
    snapshot,
    write_tables,
)

import concentric.graph.store.neo4j_store
from concentric.graph.engine.coverage import QueryError, UnknownId
from concentric.graph.schema.model import Dataset, NodeRecord
from concentric.graph.store.protocol import Store, StoreError
from concentric.graph.workspace import Workspace

T = dt.date(2026, 6, 30)


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    with make_backend(request.param, tmp_path) as chosen:
        yield chosen


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The real CLI in a child process: what a user sees on stderr, logging included."""
    return subprocess.run(
        [sys.executable, "-c", "from concentric.api.cli import main; main()", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )


def clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without Neo4j credentials or a default store."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"NEO4J_USER", "NEO4J_PASSWORD", "CONCENTRIC_STORE", "CONCENTRIC_DEBUG"}
    }
    env.update(extra)
    return env


def assert_one_line_error(result: subprocess.CompletedProcess[str], *needles: str) -> str:
    """Exit 2, nothing on stdout, exactly one line on stderr that contains every needle."""
    lines = result.stderr.splitlines()
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr + result.stdout, result.stderr
    assert len(lines) == 1, f"expected one line on stderr, got {len(lines)}:\n{result.stderr}"
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])
    return lines[0]


# -- a server that is down ----------------------------------------------------------------------


@pytest.fixture
def closed_port() -> int:
    """A local port nothing listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


@pytest.mark.parametrize("scheme", ["bolt", "neo4j"])
@pytest.mark.parametrize("command", ["coverage", "load"])
def test_server_down_is_one_line_naming_the_uri(
    closed_port: int, tmp_path: Path, scheme: str, command: str
) -> None:
    uri = f"{scheme}://127.0.0.1:{closed_port}"
    args = [command, "--store", uri]
    if command == "load":
        args.append(str(write_tables(tmp_path / "d", {"leaders": [{"id": "L1", "name": "张三"}]})))
    else:
        args.append("--json")
    line = assert_one_line_error(run_cli(*args, env=clean_env()), uri)
    assert "not reachable" in line


def test_server_down_does_not_print_the_password(closed_port: int) -> None:
    uri = f"bolt://neo4j:s3cret-Passw0rd@127.0.0.1:{closed_port}"
    line = assert_one_line_error(
        run_cli("coverage", "--store", uri, env=clean_env()),
        f"bolt://127.0.0.1:{closed_port}",
    )
    assert "s3cret" not in line


# -- credentials ---------------------------------------------------------------------------------


def _without_credentials(uri: str) -> tuple[str, str, str]:
    """(URI without user:password, user, password) of CONCENTRIC_TEST_NEO4J_AUTH."""
    parts = urlsplit(uri)
    if not parts.password:
        pytest.fail(f"{NEO4J_AUTH_ENV} must carry user:password, e.g. bolt://neo4j:PW@host:port")
    netloc = f"{parts.hostname}:{parts.port}" if parts.port else str(parts.hostname)
    bare = urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))
    return bare, parts.username or "neo4j", parts.password


def test_wrong_or_missing_credentials_are_one_line_naming_the_uri(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Right credentials work; a wrong password (URI or environment) and none at all each give
    one line naming the URI, without echoing any password.

    One test on purpose: Neo4j locks a user out for a few seconds after repeated failures,
    so the successful logins come first and the failures stay below that limit.
    """
    uri = require_neo4j(NEO4J_AUTH_ENV, SKIP_NEO4J_AUTH)
    bare, user, password = _without_credentials(uri)
    monkeypatch.delenv("NEO4J_USER", raising=False)
    monkeypatch.delenv("NEO4J_PASSWORD", raising=False)
    open_neo4j(uri).close()  # credentials in the URI
    monkeypatch.setenv("NEO4J_USER", user)
    monkeypatch.setenv("NEO4J_PASSWORD", password)
    open_neo4j(bare).close()  # credentials from the environment

    wrong = "Wr0ng-" + password[::-1]
    in_uri = uri.replace(f":{password}@", f":{wrong}@")
    line = assert_one_line_error(
        run_cli("coverage", "--store", in_uri, "--json", env=clean_env()), bare
    )
    assert "authentication" in line
    from_env = run_cli(
        "coverage", "--store", bare, env=clean_env(NEO4J_USER=user, NEO4J_PASSWORD=wrong)
    )
    line += "\n" + assert_one_line_error(from_env, bare, "authentication")
    missing = run_cli("coverage", "--store", bare, env=clean_env())
    line += "\n" + assert_one_line_error(missing, bare)
    assert wrong not in line
    assert password not in line


# -- values that look like Cypher ----------------------------------------------------------------

NASTY = [
    "'}) DETACH DELETE n //",
    '" OR 1=1 --',
    "`Entity`",
    "$param",
    "{id: 'x'}",
    "\\'; MATCH (n) DETACH DELETE n; //",
    "n.id`) RETURN 1 UNION MATCH (m) DETACH DELETE m //",
    "${rows}",
    "第一行\n第二行\r\n第三行",
    "😀 𠀀 عربي ‮ mixed z͑ͫ̓ͪ̂ͫ̽͏̴̙̤̞͉͚̯̞̠͍",
    "  spaced  ",
]
# Ids also go into list cells (interactions), so they stay clear of the list separators.
NASTY_IDS = [
    "x'}) DETACH DELETE n //",
    '" OR 1=1 --',
    "`Entity`",
    "$param",
    "{id: 'x'}",
    "\\' MATCH (n) DETACH DELETE n //",
    "王$伟`",
]


def _nasty_tables() -> dict[str, list[dict[str, Any]]]:
    area = "A'}) DETACH DELETE a //"
    leader = "L`) DETACH DELETE l //"
    figures = [
        {"id": fid, "name": NASTY[i % len(NASTY)], "category": "religious", "area_id": area,
         "身份": NASTY[(i + 1) % len(NASTY)], "`) DETACH DELETE n //": NASTY[(i + 2) % len(NASTY)]}
        for i, fid in enumerate(NASTY_IDS)
    ]  # fmt: skip
    return {
        "areas": [{"id": area, "name": "$name", "kind": "town"}],
        "leaders": [{"id": leader, "name": "'}) MATCH (n) DETACH DELETE n //"}],
        "figures": figures,
        "organizations": [
            {
                "id": "O'}) DETACH DELETE o //",
                "name": NASTY[1],
                "kind": "religious_venue",
                "area_id": area,
                "n.props": NASTY[0],
            },
        ],
        "contacts": [{"leader_id": leader, "target_id": NASTY_IDS[0]}],
        "memberships": [{"figure_id": NASTY_IDS[1], "org_id": "O'}) DETACH DELETE o //"}],
        "interactions": [
            {
                "id": f"I{i} {NASTY_IDS[i % len(NASTY_IDS)]}",
                "date": "2026-06-01",
                "kind": "visit",
                "leader_ids": leader,
                "target_ids": NASTY_IDS[i % len(NASTY_IDS)],
                "summary": text,
            }
            for i, text in enumerate(NASTY)
        ],
        "relations": [
            {"source_id": NASTY_IDS[2], "target_id": NASTY_IDS[3], "kind": NASTY[0]},
        ],
    }


BASELINE: dict[str, list[dict[str, Any]]] = {
    "areas": [{"id": "A1", "name": "阿干镇", "kind": "town"}],
    "leaders": [{"id": "L1", "name": "张三"}],
    "figures": [
        {"id": "F1", "name": "马明", "category": "religious", "area_id": "A1"},
        {"id": "F2", "name": "扎西", "category": "ethnic", "area_id": "A1"},
    ],
    "contacts": [{"leader_id": "L1", "target_id": "F1"}],
    "interactions": [
        {"id": "I1", "date": "2026-06-01", "kind": "visit", "leader_ids": "L1", "target_ids": "F1"}
    ],
}


def _all_nodes_by_label(uri: str) -> dict[str, int]:
    """Every node on the server by label set, Concentric's or not (straight from the driver)."""
    from neo4j import GraphDatabase

    from concentric.graph.store.neo4j_store import _split_credentials

    clean, auth, _ = _split_credentials(uri)
    with GraphDatabase.driver(clean, auth=auth) as driver, driver.session() as session:
        rows = session.run("MATCH (n) WITH labels(n) AS labels RETURN labels, count(*) AS n").data()
    return {":".join(sorted(r["labels"])): r["n"] for r in rows}


def test_cypher_looking_values_are_stored_literally(backend: Backend, tmp_path: Path) -> None:
    store = backend.open()
    store.load(read_folder(write_tables(tmp_path / "base", BASELINE)))
    base = snapshot(store)
    folder = write_tables(tmp_path / "nasty", _nasty_tables(), fmt="json")
    dataset = read_folder(folder, store.existing_nodes())
    # The loader keeps them as written (only surrounding spaces of a cell go).
    summaries = {n.props.get("summary") for n in dataset.nodes if n.kind == "interaction"}
    assert summaries == {*NASTY[:-1], "spaced"}
    report = store.load(dataset)
    assert (report.inserted, report.updated) == (dataset.row_count, 0)

    nodes, links = records(dataset)
    expected_nodes = sorted([*base.nodes, *nodes], key=lambda n: (n.kind, n.id))
    expected_links = sorted([*base.links, *links], key=lambda lk: (lk.kind, lk.key))
    for reader in (store, backend.open()):
        got = snapshot(reader)
        assert got.nodes == expected_nodes
        assert got.links == expected_links
    # Reloading is a no-op: the stored text compares equal to the loaded text.
    again = store.load(read_folder(folder, store.existing_nodes()))
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, dataset.row_count)

    ws = Workspace(backend.open())
    gaps = ws.gaps(as_of=T, window_days=365, statuses=ALL_STATUSES)
    by_id = {i["id"]: i for i in gaps["items"]}
    assert set(NASTY_IDS) <= set(by_id)
    assert by_id[NASTY_IDS[0]]["status"] == "covered"
    assert by_id[NASTY_IDS[0]]["assigned_leaders"] == ["L`) DETACH DELETE l //"]
    assert [by_id[fid]["name"] for fid in NASTY_IDS] == NASTY[: len(NASTY_IDS)]
    # Filter values that look like Cypher are values too.
    area = "A'}) DETACH DELETE a //"
    in_area = ws.gaps(as_of=T, window_days=365, statuses=ALL_STATUSES, area_id=area)
    assert {i["id"] for i in in_area["items"]} == {*NASTY_IDS, "O'}) DETACH DELETE o //"}
    assert ws.coverage(as_of=T, window_days=365)["by_area"][area]["targets"] == 8
    for bad in ("'}) DETACH DELETE n //", "x' OR 1=1", "$area_id"):
        with pytest.raises(UnknownId):
            ws.gaps(as_of=T, window_days=365, area_id=bad)
        with pytest.raises(QueryError):
            ws.gaps(as_of=T, window_days=365, category=bad)
        with pytest.raises(QueryError):
            ws.gaps(as_of=T, window_days=365, line=bad)
        with pytest.raises(QueryError):
            ws.gaps(as_of=T, window_days=365, kind=bad)
    # Nothing else was touched, and on the server nothing else exists.
    final = snapshot(backend.open())
    assert final.nodes == expected_nodes
    assert final.links == expected_links
    if backend.name == "neo4j":
        census = _all_nodes_by_label(backend.location)
        census.pop("ConcentricDerived", None)  # the workspace's kept arrays
        assert sum(census.values()) == len(expected_nodes) + 1, census  # + the meta node
        assert census.get("ConcentricMeta") == 1, census


# -- a load whose connection dies -----------------------------------------------------------------


def _big_change(existing: list[NodeRecord], n_new: int) -> Dataset:
    """Rename every existing figure and add ``n_new`` more: many batches, all in one load."""
    changed = [
        NodeRecord(n.id, n.kind, {**n.props, "name": n.props["name"] + "（改）"}, "big.csv", i + 2)
        for i, n in enumerate(existing)
        if n.kind == "figure"
    ]
    new = [
        NodeRecord(
            f"NEW{i:05}", "figure", {"name": f"新人士{i}", "category": "other"}, "big.csv", i
        )
        for i in range(n_new)
    ]
    return Dataset([*changed, *new])


def _transactions(uri: str) -> list[dict[str, Any]]:
    """Open transactions on the server other than the one asking."""
    from neo4j import GraphDatabase

    from concentric.graph.store.neo4j_store import _split_credentials

    clean, auth, _ = _split_credentials(uri)
    with GraphDatabase.driver(clean, auth=auth) as driver, driver.session() as session:
        rows = session.run(
            "SHOW TRANSACTIONS YIELD transactionId, connectionId, currentQuery "
            "WHERE NOT coalesce(currentQuery, '') STARTS WITH 'SHOW TRANSACTIONS' "
            "RETURN transactionId, connectionId, currentQuery"
        ).data()
    return rows


def _kill_from_server(uri: str, how: str) -> None:
    """End the one other open transaction from the server side."""
    from neo4j import GraphDatabase

    from concentric.graph.store.neo4j_store import _split_credentials

    (victim,) = _transactions(uri)
    clean, auth, _ = _split_credentials(uri)
    with GraphDatabase.driver(clean, auth=auth) as driver, driver.session() as session:
        if how == "kill-connection":
            session.run("CALL dbms.killConnection($id)", id=victim["connectionId"]).consume()
        else:
            session.run("TERMINATE TRANSACTIONS $id", id=victim["transactionId"]).consume()


def _wait_until_no_transactions(uri: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while (left := _transactions(uri)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not left, f"the server still runs the dead client's transaction: {left}"


@pytest.fixture
def neo4j_uri() -> Iterator[str]:
    """The test server, held for this test and cleared (skipped when not configured)."""
    with exclusive_neo4j() as uri:
        yield uri


@pytest.fixture
def neo4j_with_baseline(neo4j_uri: str, tmp_path: Path) -> Iterator[tuple[str, Store]]:
    store = open_neo4j(neo4j_uri)
    store.load(read_folder(write_tables(tmp_path / "base", BASELINE)))
    try:
        yield neo4j_uri, store
    finally:
        store.close()


@NEO4J_GROUP
@pytest.mark.parametrize("how", ["kill-connection", "terminate-transaction"])
def test_load_killed_from_the_server_rolls_back(
    neo4j_with_baseline: tuple[str, Store], monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    uri, store = neo4j_with_baseline
    before = snapshot(store)
    monkeypatch.setattr(concentric.graph.store.neo4j_store, "BATCH_ROWS", 50)
    dataset = _big_change(before.nodes, 500)
    batches = 0

    def progress(rows: int) -> None:
        nonlocal batches
        batches += 1
        if batches == 3:  # the figures are renamed and 100 new ones written by now
            _kill_from_server(uri, how)

    loader = open_neo4j(uri)
    with pytest.raises(StoreError) as failed:
        loader.load(dataset, progress=progress)
    message = str(failed.value)
    assert message.startswith(f"{uri}: ") and "rolled" in message and "back" in message, message
    assert "\n" not in message
    assert batches == 3
    _wait_until_no_transactions(uri)
    assert snapshot(open_neo4j(uri)) == before
    # The server and the same store object are fine afterwards.
    report = loader.load(dataset)
    assert report.inserted == 500
    loader.close()


_CHILD = textwrap.dedent(
    """
    import sys, time
    import concentric.graph.store.neo4j_store
    from concentric.graph.schema.model import Dataset, NodeRecord
    from concentric.graph.store.factory import open_store

    concentric.graph.store.neo4j_store.BATCH_ROWS = 50
    store = open_store(sys.argv[1])
    figures = [n for n in store.nodes() if n.kind == "figure"]
    nodes = [NodeRecord(n.id, n.kind, {**n.props, "name": "改"}, "big.csv", 2) for n in figures]
    nodes += [NodeRecord(f"NEW{i:05}", "figure", {"name": "新", "category": "other"}, "big.csv", i)
              for i in range(2000)]
    written = 0

    def progress(rows):
        global written
        written += 1
        print(f"batch {written}", flush=True)
        time.sleep(0.2)  # keep the transaction open long enough to be killed in it

    store.load(Dataset(nodes), progress=progress)
    print("committed", flush=True)
    """
)


@NEO4J_GROUP
def test_load_in_a_killed_process_rolls_back(neo4j_with_baseline: tuple[str, Store]) -> None:
    """SIGKILL the loading process mid-transaction: the server rolls the transaction back."""
    uri, store = neo4j_with_baseline
    before = snapshot(store)
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD, uri],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    seen: list[str] = []
    try:
        assert child.stdout is not None
        timer = threading.Timer(60, child.kill)  # never hang the suite on a stuck child
        timer.start()
        for raw in child.stdout:
            seen.append(raw.strip())
            if raw.strip() == "batch 5":
                # Inside the transaction: the other connection sees an open transaction.
                assert _transactions(uri), "the child's load transaction is not open"
                os.kill(child.pid, signal.SIGKILL)
                break
        timer.cancel()
    finally:
        child.kill()
        child.wait(timeout=30)
    assert seen[-1:] == ["batch 5"], (seen, child.stderr.read() if child.stderr else "")
    assert child.returncode == -signal.SIGKILL
    _wait_until_no_transactions(uri)
    assert snapshot(open_neo4j(uri)) == before
    # Nothing stays locked: a new load of the same rows goes through.
    fresh = open_neo4j(uri)
    report = fresh.load(_big_change(before.nodes, 10))
    assert (report.inserted, report.updated) == (10, 2)
    fresh.close()


# -- versions --------------------------------------------------------------------------------------


@NEO4J_GROUP
def test_clear_never_reuses_a_version(neo4j_uri: str, tmp_path: Path) -> None:
    """The version keys every cached graph: after clear() and a new load it must be new.

    A process that cached the graph at version N (the API, a notebook) would otherwise keep
    answering from the old data once the new data reaches version N again.
    """
    uri = neo4j_uri
    first = {"figures": [{"id": "F1", "name": "旧", "category": "ethnic"}]}
    second = {"figures": [{"id": "F2", "name": "新", "category": "ethnic"}]}
    reader = open_neo4j(uri, clear=True)
    reader.load(read_folder(write_tables(tmp_path / "a", first)))
    seen = reader.version()
    assert set(reader.graph()) == {"F1"}
    writer = open_neo4j(uri)
    writer.clear()
    writer.load(read_folder(write_tables(tmp_path / "b", second)))
    assert writer.version() != seen
    assert set(reader.graph()) == {"F2"}
    reader.close()
    writer.close()


# -- a staged (batched) load whose connection dies: readers see the old data or the new -------


class _Reader(threading.Thread):
    """Polls the store's figures until stopped; keeps every distinct answer and any error."""

    def __init__(self, uri: str) -> None:
        super().__init__(daemon=True)
        self.store = open_neo4j(uri)
        self.seen: set[frozenset[tuple[str, str]]] = set()
        self.errors: list[BaseException] = []
        self.polls = 0
        self.halt = threading.Event()

    def run(self) -> None:
        while not self.halt.is_set():
            try:
                figures = frozenset(
                    (n.id, n.props["name"]) for n in self.store.nodes() if n.kind == "figure"
                )
            except BaseException as exc:  # reported by the test
                self.errors.append(exc)
                return
            self.seen.add(figures)
            self.polls += 1

    def stop(self) -> None:
        self.halt.set()
        self.join(timeout=30)
        self.store.close()


def _figures(nodes: list[NodeRecord]) -> frozenset[tuple[str, str]]:
    return frozenset((n.id, n.props["name"]) for n in nodes if n.kind == "figure")


# What the server answers when the kill took; otherwise (the statement had just finished,
# or was committing) the killer waits for the next one.
_ENDED = ("Transaction terminated.", "Connection found")


def _kill_when_loading(uri: str, how: str) -> threading.Thread:
    """A thread that ends the loader's next writing statement from the server side (every
    staged step before the flip creates something); started once it is watching."""
    watching = threading.Event()

    def kill() -> None:
        from neo4j import GraphDatabase

        from concentric.graph.store.neo4j_store import _split_credentials

        clean, auth, _ = _split_credentials(uri)
        deadline = time.monotonic() + 30
        with GraphDatabase.driver(clean, auth=auth) as driver, driver.session() as session:
            watching.set()
            while time.monotonic() < deadline:
                writing = session.run(
                    "SHOW TRANSACTIONS YIELD transactionId, connectionId, currentQuery "
                    "WHERE currentQuery CONTAINS 'CREATE' "
                    "AND NOT currentQuery STARTS WITH 'SHOW' "
                    "RETURN transactionId, connectionId"
                ).data()
                if writing:
                    victim = writing[0]
                    if how == "kill-connection":
                        query = "CALL dbms.killConnection($id)"
                        ended = session.run(query, id=victim["connectionId"]).data()
                    else:
                        query = "TERMINATE TRANSACTIONS $id"
                        ended = session.run(query, id=victim["transactionId"]).data()
                    # The statement may have finished between SHOW and the kill ("not
                    # found"): then wait for the next one.
                    if ended and ended[0]["message"] in _ENDED:
                        return

    thread = threading.Thread(target=kill, daemon=True)
    thread.start()
    watching.wait(10)
    return thread


@NEO4J_GROUP
@pytest.mark.parametrize("how", ["kill-connection", "terminate-transaction"])
def test_staged_load_killed_midway_leaves_old_data_readable_throughout(
    neo4j_with_baseline: tuple[str, Store], monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    """Issue 15: a load big enough to be staged commits batch by batch; killed after some
    batches committed, readers polling throughout saw only the old figures, and the next
    load (which clears the leftovers) publishes the new ones, readers seeing old or new.
    When the driver retries the killed batch (a killed connection, a managed transaction)
    and the load finishes, it is published whole instead."""
    uri, store = neo4j_with_baseline
    before = snapshot(store)
    neo = concentric.graph.store.neo4j_store
    monkeypatch.setattr(neo, "STAGED_BATCH_ROWS", 50)
    monkeypatch.setattr(neo, "STAGED_ROWS", 100)
    create_nodes = neo.cypher.create_nodes

    def slow_create_nodes(kind: str) -> str:
        # Each batch spins on the server first, so the killer finds it running.
        return "UNWIND range(1, 1000000) AS spin WITH count(spin) AS spun " + create_nodes(kind)

    monkeypatch.setattr(neo.cypher, "create_nodes", slow_create_nodes)
    dataset = _big_change(before.nodes, 500)  # 502 rows: staged, 11 batches
    old_figures = _figures(before.nodes)
    new_figures = _figures(dataset.nodes) | {
        f for f in old_figures if f[0] not in {n.id for n in dataset.nodes}
    }
    batches = 0
    killer: list[threading.Thread] = []

    def progress(rows: int) -> None:
        nonlocal batches
        batches += 1
        time.sleep(0.05)  # readers poll between committed batches
        if batches == 4:
            killer.append(_kill_when_loading(uri, how))

    reader = _Reader(uri)
    reader.start()
    loader = open_neo4j(uri)
    failed: StoreError | None = None
    try:
        try:
            loader.load(dataset, progress=progress)
        except StoreError as exc:
            failed = exc
        killer[0].join(timeout=30)
        assert batches >= 4
        time.sleep(0.3)
    finally:
        reader.stop()
    assert not reader.errors
    assert reader.polls > 0
    if failed is None:
        # The driver retried the killed batch on a new connection (a managed transaction)
        # and the load went through: published whole, readers saw old or new, never a mix.
        assert reader.seen <= {old_figures, new_figures}
        assert _figures(snapshot(open_neo4j(uri)).nodes) == new_figures
        loader.close()
        return
    # Killed in a later batch or while copying: not published.
    message = str(failed)
    assert message.startswith(f"{uri}: ") and "previous data is intact" in message, message
    assert reader.seen == {old_figures}
    assert snapshot(open_neo4j(uri)) == before

    # The next load goes through; a reader sees the old figures or the new, never a mix.
    reader = _Reader(uri)
    reader.start()
    try:
        report = loader.load(dataset, progress=lambda rows: time.sleep(0.02))
        time.sleep(0.3)
    finally:
        reader.stop()
    assert (report.inserted, report.updated) == (500, 2)
    assert not reader.errors
    assert reader.seen <= {old_figures, new_figures} and new_figures in reader.seen
    # No generation is left on the server: every node is the new data's or the meta node.
    census = _all_nodes_by_label(uri)
    derived = census.pop("ConcentricDerived", 0)
    assert sum(census.values()) == len(before.nodes) + 500 + 1 + derived, census
    loader.close()


_STAGED_CHILD = _CHILD.replace(
    "concentric.graph.store.neo4j_store.BATCH_ROWS = 50",
    "concentric.graph.store.neo4j_store.STAGED_BATCH_ROWS = 50\n"
    "concentric.graph.store.neo4j_store.STAGED_ROWS = 100",
)


@NEO4J_GROUP
def test_staged_load_in_a_killed_process_leaves_old_data(
    neo4j_with_baseline: tuple[str, Store],
) -> None:
    """SIGKILL a staged load after batches were committed: the old data stays current, and
    the next load removes what the dead one left."""
    uri, store = neo4j_with_baseline
    before = snapshot(store)
    child = subprocess.Popen(
        [sys.executable, "-c", _STAGED_CHILD, uri],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    seen: list[str] = []
    try:
        assert child.stdout is not None
        timer = threading.Timer(60, child.kill)
        timer.start()
        for raw in child.stdout:
            seen.append(raw.strip())
            if raw.strip() == "batch 5":
                os.kill(child.pid, signal.SIGKILL)
                break
        timer.cancel()
    finally:
        child.kill()
        child.wait(timeout=30)
    assert seen[-1:] == ["batch 5"], (seen, child.stderr.read() if child.stderr else "")
    _wait_until_no_transactions(uri)
    assert snapshot(open_neo4j(uri)) == before
    # The dead load's committed batches are on the server, but in no current generation.
    leftover = sum(_all_nodes_by_label(uri).values()) - len(before.nodes) - 1
    assert leftover >= 5 * 50
    fresh = open_neo4j(uri)
    neo = concentric.graph.store.neo4j_store
    staged, neo.STAGED_ROWS = neo.STAGED_ROWS, 5
    try:
        report = fresh.load(_big_change(before.nodes, 10))
    finally:
        neo.STAGED_ROWS = staged
    assert (report.inserted, report.updated) == (10, 2)
    assert sum(_all_nodes_by_label(uri).values()) == len(before.nodes) + 10 + 1
    fresh.close()

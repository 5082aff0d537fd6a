"""Neo4j backend benchmark (issue 4; issue 7 B5): batched load vs one row per transaction.

Against a Neo4j 5 server given by ``--uri`` (its database is EMPTIED: use a private one,
e.g. ``NEO4J_LOCAL_STATE=/tmp/neo4j-bench NEO4J_LOCAL_PORT=7695 NEO4J_LOCAL_JAVA_OPTS=-Xmx3g
scripts/neo4j-local start``), in one run:

1. generate a synthetic dataset (``loaders.synth``, default 100k targets) and validate it
   with ``loaders.read_dataset`` (no problems allowed);
2. batch sizes: load a smaller synthetic dataset (default 20k targets) into the emptied
   database once per ``graph.store.neo4j_store.BATCH_ROWS`` value (monkeypatched) -> rows/s;
3. baseline: MERGE a sample of figure rows with ``SINGLE_NODE_MERGE`` (below), each in
   its own transaction, into the emptied database -> rows/s;
4. the batched loader ``Neo4jStore.load(replace=True)`` of the whole dataset in one
   transaction -> wall time, rows/s (all rows, and the figure-node phase alone), and the
   ratio batched / baseline (issue 4 target: >= 20x);
5. ``Workspace.coverage`` and ``Workspace.gaps`` from columns fetched by Cypher: cold, then
   the median of ``--repeat`` warm runs; the totals are checked against the embedded store.

With ``--versus-sqlite`` only the load into Neo4j and SQLite and the coverage answers of
both are timed; ``--http`` then also serves each store with ``concentric serve`` (one after
the other) and times warm ``GET /api/v1/coverage`` and ``GET /api/v1/gaps?area_id=<a town>``
over HTTP, as users get them (:func:`http_answers`).

Prints every figure; ``--json FILE`` also writes them. Loopback only; bounded by the sizes.

    python benchmarks/bench_neo4j_load.py --uri bolt://127.0.0.1:7695
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

# --no-rust-ext: the driver's pure-Python PackStream codec even where neo4j-rust-ext is
# installed (the driver falls back to it when neo4j._rust cannot be imported); this must
# come before anything imports the driver.
if "--no-rust-ext" in sys.argv:
    sys.modules["neo4j._rust"] = None  # type: ignore[assignment]

import concentric.graph.store.neo4j_store as neo4j_store
from concentric.graph.engine.coverage_index import CoverageIndex
from concentric.graph.schema.model import Dataset, NodeRecord, encode_props
from concentric.graph.store import cypher
from concentric.graph.store.neo4j_store import Neo4jStore
from concentric.graph.store.protocol import StoreError
from concentric.graph.workspace import Workspace
from concentric.loaders import read_dataset
from concentric.synth import DEFAULT_END, CsvWriter, generate

AS_OF = DEFAULT_END + dt.timedelta(days=7)
WINDOW = 365


def say(message: str) -> None:
    print(message, flush=True)


SERVER_PID: int | None = None  # --server-pid: also report the server's CPU seconds
CPU: dict[str, float] = {"client": 0.0, "server": 0.0}  # of the last timed() call


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    """(wall seconds, value); CPU seconds of client and server kept in ``CPU``."""
    start, client, server = time.perf_counter(), time.process_time(), server_cpu(SERVER_PID)
    value = fn()
    CPU["client"] = time.process_time() - client
    CPU["server"] = server_cpu(SERVER_PID) - server
    return time.perf_counter() - start, value


def synth_dataset(targets: int, seed: int, folder: Path) -> tuple[Dataset, dict[str, float]]:
    """Generate, then read and validate, a synthetic dataset; time both."""
    gen_s, counts = timed(lambda: generate(random.Random(seed), CsvWriter(folder), targets))
    read_s, result = timed(lambda: read_dataset([folder]))
    if result.problems:
        for problem in result.problems[:20]:
            say(f"  {problem}")
        raise SystemExit(f"the synthetic dataset has {len(result.problems)} problem(s)")
    rows = result.dataset.row_count
    say(
        f"  {targets} targets: {sum(counts.values())} rows generated in {gen_s:.1f} s, "
        f"validated in {read_s:.1f} s ({rows / read_s:,.0f} rows/s), "
        f"{len(result.warnings)} warning(s)"
    )
    return result.dataset, {"generate_s": gen_s, "validate_s": read_s, "rows": rows}


class PhaseClock:
    """A progress callback that timestamps every batch, to time the node kinds apart."""

    def __init__(self) -> None:
        self.marks: list[tuple[float, int]] = [(time.perf_counter(), 0)]

    def __call__(self, n: int) -> None:
        self.marks.append((time.perf_counter(), self.marks[-1][1] + n))

    def span(self, start_row: int, end_row: int) -> float:
        """Seconds from the batch that ended at ``start_row`` to the one ending at ``end_row``."""
        t0 = next(t for t, rows in self.marks if rows >= start_row)
        t1 = next(t for t, rows in self.marks if rows >= end_row)
        return t1 - t0


def load(store: Neo4jStore, dataset: Dataset) -> dict[str, Any]:
    """``store.load(replace=True)`` into the emptied database, timed; figure phase apart."""
    store.clear()
    clock = PhaseClock()
    seconds, report = timed(lambda: store.load(dataset, replace=True, progress=clock))
    rows = dataset.row_count
    # Nodes are written kind by kind in the order of first appearance: find the figures.
    order: list[str] = []
    sizes: dict[str, int] = {}
    for node in dataset.nodes:
        if node.kind not in sizes:
            order.append(node.kind)
            sizes[node.kind] = 0
        sizes[node.kind] += 1
    before = sum(sizes[k] for k in order[: order.index("figure")])
    figure_s = clock.span(before, before + sizes["figure"])
    return {
        "rows": rows,
        "seconds": seconds,
        "client_cpu_s": CPU["client"],
        "server_cpu_s": CPU["server"],
        "rows_per_s": rows / seconds,
        "inserted": report.inserted,
        "figure_rows": sizes["figure"],
        "figure_seconds": figure_s,
        "figure_rows_per_s": sizes["figure"] / figure_s if figure_s else float("nan"),
    }


# One row per MERGE and transaction: the baseline the batched loader is measured against.
SINGLE_NODE_MERGE = """
MERGE (n:Entity {id: $id})
SET n = $native, n:Figure:Target
SET n.id = $id, n.kind = 'figure', n.props = $props
"""


def baseline(
    store: Neo4jStore, dataset: Dataset, sample: int, seed: int, warmup: int
) -> dict[str, Any]:
    """One MERGE per transaction (``SINGLE_NODE_MERGE``) for ``sample`` figure rows,
    after ``warmup`` untimed ones (a fresh JVM runs its first thousands of transactions
    interpreted; the batched load is long enough not to need this)."""
    store.clear()
    figures = [n for n in dataset.nodes if n.kind == "figure"]
    rows = random.Random(seed).sample(figures, min(sample + warmup, len(figures)))
    params = [
        {"id": n.id, "native": neo4j_store._native(n.props), "props": encode_props(n.props)}
        for n in rows
    ]
    driver = store._driver

    def one_per_transaction(batch: list[dict[str, Any]]) -> None:
        with driver.session(database=store._database) as session:
            for p in batch:
                with session.begin_transaction() as tx:
                    tx.run(SINGLE_NODE_MERGE, p).consume()
                    tx.commit()

    one_per_transaction(params[sample:])
    params = params[:sample]
    seconds, _ = timed(lambda: one_per_transaction(params))
    cpu = dict(CPU)
    store.clear()
    return {
        "rows": len(params),
        "warmup_rows": len(rows) - len(params),
        "seconds": seconds,
        "client_cpu_s": cpu["client"],
        "server_cpu_s": cpu["server"],
        "rows_per_s": len(params) / seconds,
    }


def batch_sizes(store: Neo4jStore, dataset: Dataset, sizes: list[int]) -> list[dict[str, Any]]:
    original = neo4j_store.BATCH_ROWS
    results = []
    try:
        for size in sizes:
            neo4j_store.BATCH_ROWS = size
            result = load(store, dataset)
            result["batch_rows"] = size
            results.append(result)
            say(
                f"  BATCH_ROWS={size:>6}: {result['rows']} rows in {result['seconds']:.1f} s = "
                f"{result['rows_per_s']:,.0f} rows/s (figure nodes "
                f"{result['figure_rows_per_s']:,.0f} rows/s); server CPU "
                f"{result['server_cpu_s']:.1f} s, client CPU {result['client_cpu_s']:.1f} s"
            )
    finally:
        neo4j_store.BATCH_ROWS = original
    return results


class TimedOut(Exception):
    """An analysis ran past --analysis-timeout; its transactions were terminated."""


def bounded(store: Neo4jStore, call: Callable[[], Any], limit: float) -> tuple[float, Any]:
    """``timed(call)``, but past ``limit`` seconds terminate the server's running queries
    (this benchmark's own; the database is private) and raise :class:`TimedOut`."""
    box: dict[str, Any] = {}

    def work() -> None:
        try:
            box["value"] = timed(call)
        except Exception as exc:  # reported below
            box["error"] = exc

    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    thread.join(limit)
    if thread.is_alive():
        with store._driver.session(database=store._database) as session:
            ids = [
                r["transactionId"]
                for r in session.run("SHOW TRANSACTIONS YIELD transactionId, currentQuery")
                if "SHOW TRANSACTIONS" not in (r["currentQuery"] or "")
            ]
            if ids:
                session.run("TERMINATE TRANSACTIONS $ids", ids=ids).consume()
        thread.join(60)
        raise TimedOut(f"still running after {limit:.0f} s (terminated)")
    if "error" in box:
        raise box["error"]
    return box["value"]  # type: ignore[no-any-return]


def analyses(store: Neo4jStore, dataset: Dataset, repeat: int, limit: float) -> dict[str, Any]:
    ws = Workspace(store)
    area = _a_town(dataset)
    out: dict[str, Any] = {"gap_area": area}
    for name, call in (
        ("coverage", lambda: ws.coverage(AS_OF, WINDOW)),
        ("gaps", lambda: ws.gaps(AS_OF, WINDOW)),
        ("gaps_area", lambda: ws.gaps(AS_OF, WINDOW, area_id=area)),
    ):
        try:
            cold, answer = bounded(store, call, limit)
        except TimedOut as exc:
            out[name] = {"cold_s": None, "error": str(exc)}
            say(f"  {name:<9}: cold run {exc}; no warm runs")
            continue
        cold_server = CPU["server"]
        # A slow statement is not repeated five times: the cold figure says enough.
        runs = repeat if cold < 60 else 1
        warm, warm_server = [], []
        for _ in range(runs):
            warm.append(bounded(store, call, limit)[0])
            warm_server.append(CPU["server"])
        out[name] = {
            "cold_s": cold,
            "cold_server_cpu_s": cold_server,
            "warm_runs": runs,
            "warm_median_s": statistics.median(warm),
            "warm_median_server_cpu_s": statistics.median(warm_server),
            "warm_s": warm,
        }
        size = answer["totals"]["targets"] if name == "coverage" else answer["total"]
        say(
            f"  {name:<9}: cold {cold:.2f} s (server CPU {cold_server:.1f} s), warm median of "
            f"{runs} {statistics.median(warm):.2f} s (server CPU "
            f"{statistics.median(warm_server):.1f} s) "
            f"({'targets' if name == 'coverage' else 'items'}: {size})"
        )
        out[name]["answer_size"] = size
        if name == "coverage":
            out["totals"] = answer["totals"]
            out["by_area"] = dict(answer["by_area"])
    if "totals" in out:
        index = CoverageIndex.from_records(dataset.nodes, dataset.links)
        embedded = index.summary(AS_OF, WINDOW, store.policy())
        out["totals_embedded"] = embedded["totals"]
        out["parity"] = embedded["totals"] == out["totals"] and embedded["by_area"] == out.pop(
            "by_area"
        )
        say(f"  totals (Neo4j)   : {out['totals']}")
        say(f"  totals (embedded): {out['totals_embedded']}  -> same: {out['parity']}")
    return out


def _a_town(dataset: Dataset) -> str:
    return _first_town(dataset.nodes)


def _first_town(nodes: Iterable[NodeRecord]) -> str:
    for node in nodes:
        if node.kind == "area" and node.props.get("kind") in ("town", "subdistrict"):
            return node.id
    raise SystemExit("no town in the dataset")


# graph.store.cypher.COUNT_ROWS as committed is rejected by Neo4j 5.26 ("Aggregation column contains
# implicit grouping expressions"), which fails every load with replace=True. The benchmark
# measures the loader, so it substitutes this equivalent statement (and says so) when needed.
COUNT_ROWS_FIXED = (
    "MATCH (n:Entity) WITH count(n) AS nodes "
    "OPTIONAL MATCH ()-[r:CONTACTS|MEMBER_OF|RELATED_TO]->() "
    "WITH nodes, count(r) AS links RETURN nodes + links AS rows"
)


def check_count_rows(store: Neo4jStore) -> str | None:
    """Use a working row-count statement; answer the server's complaint if one was replaced."""
    from neo4j.exceptions import Neo4jError

    try:
        store._read(cypher.COUNT_ROWS)
    except Neo4jError as exc:
        cypher.COUNT_ROWS = COUNT_ROWS_FIXED
        store._read(cypher.COUNT_ROWS)
        return str(exc.message)
    return None


# graph.store.cypher.INTERACTION_EDGES as committed finds each concerned target with
# ``MATCH (t:Target {id: …})``; no index covers Target(id), so the planner scans every Target
# for every id (NodeByLabelScan + Filter): interactions x targets, hours at 100k targets.
# The same lookup through the Entity(id) uniqueness constraint is an index seek.
COMMITTED_INTERACTION_EDGES = cypher.INTERACTION_EDGES
TARGET_LOOKUP = "MATCH (t:Target {id: target_id})"
TARGET_LOOKUP_FIXED = "MATCH (t:Entity {id: target_id}) WHERE t:Target"


def check_target_lookup(store: Neo4jStore) -> str | None:
    """Replace the label-scan lookup of INTERACTION_EDGES; answer the plan that showed it."""
    plan = (
        store._driver.session(database=store._database)
        .run("EXPLAIN " + cypher.INTERACTION_EDGES, rows=[], gen=0)
        .consume()
        .plan
    )
    operators: list[str] = []

    def walk(node: Any) -> None:
        operators.append(f"{node['operatorType'].split('@')[0]} {node['args'].get('Details', '')}")
        for child in node.get("children", []):
            walk(child)

    walk(plan)
    scans = [op for op in operators if op.startswith("NodeByLabelScan") and "Target" in op]
    if not scans or TARGET_LOOKUP not in cypher.INTERACTION_EDGES:
        return None
    cypher.INTERACTION_EDGES = cypher.INTERACTION_EDGES.replace(TARGET_LOOKUP, TARGET_LOOKUP_FIXED)
    return scans[0]


def lookup_cost(store: Neo4jStore, dataset: Dataset, rows: int) -> dict[str, Any]:
    """INTERACTION_EDGES as committed vs with the indexed lookup, on ``rows`` interaction
    rows against the loaded database, each in a transaction that is rolled back."""
    sample = [n for n in dataset.nodes if n.kind == "interaction"][:rows]
    params = [
        {"id": n.id, "leader_ids": n.props["leader_ids"], "target_ids": n.props["target_ids"]}
        for n in sample
    ]
    fixed = COMMITTED_INTERACTION_EDGES.replace(TARGET_LOOKUP, TARGET_LOOKUP_FIXED)
    out: dict[str, Any] = {"rows": len(params)}
    with store._driver.session(database=store._database) as session:
        for name, statement in (("committed", COMMITTED_INTERACTION_EDGES), ("fixed", fixed)):
            for _ in range(2):  # the first run also plans the statement: keep the second
                tx = session.begin_transaction()
                try:
                    seconds, _ = timed(
                        lambda s=statement, t=tx: t.run(s, rows=params, gen=0, old=-1).consume()
                    )
                finally:
                    tx.rollback()
            out[f"{name}_s"] = seconds
            out[f"{name}_server_cpu_s"] = CPU["server"]
    out["slowdown"] = out["committed_s"] / out["fixed_s"]
    return out


class NothingKept:
    """``store`` whose kept derived data cannot be read back (it can still be kept): a new
    Workspace over it builds its first snapshot from the columns, as when nothing is kept."""

    def __init__(self, store: Any) -> None:
        self._store = store

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    def saved_state(self, name: str, version: int) -> bytes | None:
        return None

    def has_state(self, name: str, version: int) -> bool:
        return False


def first_and_warm(store: Any, repeat: int) -> tuple[float, list[float], list[float], Any]:
    """A new Workspace's first coverage answer, then ``repeat`` warm ones and
    :data:`STEADY_RUNS` more (seconds each)."""
    ws = Workspace(store)
    first, answer = timed(lambda: ws.coverage(AS_OF, WINDOW))
    warm = [timed(lambda: ws.coverage(AS_OF, WINDOW))[0] for _ in range(repeat)]
    runs = STEADY_RUNS if repeat else 0
    steady = [timed(lambda: ws.coverage(AS_OF, WINDOW))[0] for _ in range(runs)]
    return first, warm, steady, answer


# Warm answers timed after the --repeat ones: their median is the per-answer cost once the
# first answer's after-effects (collections, the server's writes of the kept arrays) are over.
STEADY_RUNS = 200


def load_both(store: Neo4jStore, dataset: Dataset, work: Path) -> dict[str, Any]:
    """Issue 15: the same ``concentric synth`` dataset loaded (replace) into the emptied
    Neo4j database and into a new SQLite store ``work``/versus.db: seconds and rows/s."""
    from concentric.graph.store.sqlite_store import SQLiteStore

    rows = dataset.row_count
    out: dict[str, Any] = {"rows": rows}
    store.clear()
    (work / "versus.db").unlink(missing_ok=True)
    with SQLiteStore(str(work / "versus.db")) as sqlite:
        for name, target in (("neo4j", store), ("sqlite", sqlite)):
            seconds, _ = timed(lambda t=target: t.load(dataset, replace=True))  # type: ignore[misc]
            out[name] = {"load_s": seconds, "rows_per_s": rows / seconds}
            say(f"  {name:<6}: load {seconds:.1f} s = {rows / seconds:,.0f} rows/s")
    out["ratio_rows_per_s"] = out["neo4j"]["rows_per_s"] / out["sqlite"]["rows_per_s"]
    return out


def answers_in_a_new_process(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    """:func:`versus_sqlite` run by a new process of this script (``--keep-loaded``): the
    first answers are those of a process that does not hold the dataset in memory."""
    import subprocess

    figures = work / "answers.json"
    command = [sys.executable, __file__, "--uri", args.uri, "--versus-sqlite", "--keep-loaded"]
    command += ["--work", str(work), "--repeat", str(args.repeat), "--json", str(figures)]
    command += ["--no-rust-ext"] if args.no_rust_ext else []
    command += ["--server-pid", str(args.server_pid)] if args.server_pid else []
    subprocess.run(command, check=True)
    return json.loads(figures.read_text(encoding="utf-8"))["versus_sqlite"]  # type: ignore[no-any-return]


def versus_sqlite(store: Neo4jStore, repeat: int, work: Path) -> dict[str, Any]:
    """Issue 15: on the loaded Neo4j database and ``work``/versus.db holding the same
    rows, a new Workspace's first coverage answer built from the columns (nothing kept
    read back), warm answers, and a second new Workspace's first answer from the arrays the
    first one kept (as after ``concentric load``); the ratios Neo4j / SQLite and whether
    both answers are equal."""
    from concentric.graph.store.sqlite_store import SQLiteStore

    sqlite = SQLiteStore(str(work / "versus.db"))
    out: dict[str, Any] = {"rows": store.row_count()}
    answers: dict[str, Any] = {}
    for name, target in (("neo4j", store), ("sqlite", sqlite)):
        first, warm, steady, answers[name] = first_and_warm(NothingKept(target), repeat)
        kept, _, _, kept_answer = first_and_warm(target, 0)
        if kept_answer != answers[name]:
            raise SystemExit(f"{name}: the answer from kept arrays differs from the columns'")
        out[name] = {
            "first_coverage_s": first,
            "warm_coverage_s": statistics.median(warm),
            "warm_runs_s": warm,
            "steady_coverage_s": statistics.median(steady),
            "kept_coverage_s": kept,
        }
        say(
            f"  {name:<6}: coverage first (from the columns) {first:.2f} s, warm median of "
            f"{repeat} {statistics.median(warm) * 1000:.2f} ms "
            f"({', '.join(f'{w * 1000:.2f}' for w in warm)}), median of {STEADY_RUNS} more "
            f"{statistics.median(steady) * 1000:.2f} ms; first from kept arrays {kept:.2f} s"
        )
    sqlite.close()
    neo, emb = out["neo4j"], out["sqlite"]
    out["ratios"] = {
        key: neo[f"{key}_s"] / emb[f"{key}_s"]
        for key in ("first_coverage", "warm_coverage", "steady_coverage", "kept_coverage")
    }
    # Each store counts its own data versions: the answers are compared without them.
    out["same_answer"] = {k: v for k, v in answers["neo4j"].items() if k != "version"} == {
        k: v for k, v in answers["sqlite"].items() if k != "version"
    }
    say(
        "  Neo4j / SQLite: "
        + ", ".join(f"{key} {ratio:.2f}x" for key, ratio in out["ratios"].items())
        + f"; same answer: {out['same_answer']}"
    )
    return out


def _town_in_sqlite(work: Path) -> str:
    from concentric.graph.store.sqlite_store import SQLiteStore

    with SQLiteStore(str(work / "versus.db")) as sqlite:
        return _first_town(sqlite.nodes())


def until_quiet(pid: int, cpu_seconds: Callable[[int], float | None]) -> float:
    """Seconds until process ``pid`` used under 5 % of a core in each of two 1-second spans
    (at most 600 s): ``concentric serve`` warms up in the background (snapshot, search
    index) after it answers ``/healthz``, and that work would be timed with the answers."""
    start = time.perf_counter()
    quiet = 0
    before = cpu_seconds(pid)
    while quiet < 2 and time.perf_counter() - start < 600:
        time.sleep(1)
        now = cpu_seconds(pid)
        quiet = quiet + 1 if now is not None and before is not None and now - before < 0.05 else 0
        before = now
    return time.perf_counter() - start


def http_answers(args: argparse.Namespace, work: Path, town: str) -> dict[str, Any]:
    """Issue 15, as users get the answers: ``concentric serve --store <bolt URI>`` and
    ``concentric serve --store WORK/versus.db`` started one after the other (each with a
    planner token; its first coverage answer; its background warm-up let finish), then, in
    ``--http-rounds`` rounds alternating the two servers (the idle one costs nothing; the
    shared machine's load drifts between rounds), warm ``GET /api/v1/coverage`` and
    ``GET /api/v1/gaps?area_id=<town>`` at the same as_of: ``--http-requests`` sequential
    requests (median, p95) and as many at ``--http-concurrency`` (req/s). The ratios
    Neo4j / SQLite are of the medians over the rounds, all of this run."""
    import subprocess

    import httpx
    from bench_api import CLI, HOST, Server, cpu_seconds, free_port

    query = f"as_of={AS_OF.isoformat()}&window_days={WINDOW}"
    paths = {
        "coverage": f"/api/v1/coverage?{query}",
        "gaps": f"/api/v1/gaps?{query}&area_id={town}",
    }
    out: dict[str, Any] = {
        "town": town,
        "requests": args.http_requests,
        "concurrency": args.http_concurrency,
        "rounds": args.http_rounds,
        "loadavg_before": [round(x, 2) for x in os.getloadavg()],
    }
    say(
        f"over HTTP (concentric serve), as of {AS_OF}, gaps of {town}; load average "
        f"{out['loadavg_before']}:"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONCENTRIC_")}
    servers: dict[str, tuple[Server, dict[str, str]]] = {}
    try:
        for name, store in (("neo4j", args.uri), ("sqlite", str(work / "versus.db"))):
            # The server's working folder: a server store keeps tokens in
            # ./concentric-access.db (api.settings.Settings.access_path); the token is made there.
            folder = work / f"http-{name}"
            folder.mkdir(exist_ok=True)
            made = subprocess.run(
                [*CLI, "token", "create", "--role", "planner", "--store", store],
                check=True,
                cwd=folder,
                env=env,
                capture_output=True,
                text=True,
            )
            headers = {"Authorization": f"Bearer {made.stdout.strip().splitlines()[-1]}"}
            port = free_port()
            argv = [*CLI, "serve", "--store", store, "--host", HOST, "--port", str(port)]
            server = Server(name, argv, port, "/healthz", folder / "serve.log")
            servers[name] = (server, headers)
            with httpx.Client(base_url=server.url, headers=headers, timeout=600) as client:
                first_s, response = timed(lambda c=client: c.get(paths["coverage"]))
                response.raise_for_status()
                for path in paths.values():  # gaps' first answer, and a few warm ones
                    for _ in range(5):
                        client.get(path).raise_for_status()
            quiet_s = until_quiet(server.proc.pid, cpu_seconds)
            out[name] = {"first_coverage_s": first_s, "quiet_after_s": quiet_s, "rounds": []}
            say(
                f"  {name:<6}: first coverage answer {first_s:.2f} s; background warm-up "
                f"over {quiet_s:.0f} s later"
            )
        for round_no in range(1, args.http_rounds + 1):
            for name, (server, headers) in servers.items():
                figures = {
                    endpoint: warm_over_http(server, headers, path, args)
                    for endpoint, path in paths.items()
                }
                out[name]["rounds"].append(figures)
                for endpoint, f in figures.items():
                    say(
                        f"  round {round_no} {name:<6} {endpoint:<8}: sequential median "
                        f"{f['median_ms']:.2f} ms, p95 {f['p95_ms']:.2f} ms (CPU ms/req: API "
                        f"{f['api_cpu_ms']:.2f}, Neo4j {f['neo4j_cpu_ms']}); concurrency "
                        f"{args.http_concurrency}: {f['concurrent_rps']:.0f} req/s, p50 "
                        f"{f['concurrent_p50_ms']:.2f} ms, p99 {f['concurrent_p99_ms']:.2f} ms, "
                        f"{f['concurrent_errors']} errors; {f['bytes']} bytes"
                    )
    finally:
        for server, _ in servers.values():
            server.stop()
    out["loadavg_after"] = [round(x, 2) for x in os.getloadavg()]
    keys = ("median_ms", "p95_ms", "concurrent_rps", "api_cpu_ms")
    for name in servers:
        out[name]["median_of_rounds"] = {
            endpoint: {
                key: statistics.median(r[endpoint][key] for r in out[name]["rounds"])
                for key in keys
            }
            for endpoint in paths
        }
    neo, emb = out["neo4j"]["median_of_rounds"], out["sqlite"]["median_of_rounds"]
    out["ratios"] = {
        f"{endpoint} {key}": neo[endpoint][key] / emb[endpoint][key]
        for endpoint in paths
        for key in keys
    }
    for name in servers:
        say(
            f"  {name:<6} median of {args.http_rounds} rounds: "
            + "; ".join(
                f"{endpoint} " + ", ".join(f"{key} {value:.2f}" for key, value in m.items())
                for endpoint, m in out[name]["median_of_rounds"].items()
            )
        )
    say(
        "  Neo4j / SQLite: "
        + ", ".join(f"{key} {ratio:.2f}x" for key, ratio in out["ratios"].items())
        + f"; load average after {out['loadavg_after']}"
    )
    return out


def warm_over_http(
    server: Any, headers: dict[str, str], path: str, args: argparse.Namespace
) -> dict[str, Any]:
    """``--http-requests`` sequential GETs of ``path`` (one keep-alive connection), then as
    many at ``--http-concurrency`` (:func:`bench_api.fire`); CPU of the API process and,
    with ``--server-pid``, of Neo4j, per sequential request."""
    import asyncio

    import httpx
    from bench_api import cpu_seconds, fire

    n = args.http_requests
    latencies = []
    with httpx.Client(base_url=server.url, headers=headers, timeout=600) as client:
        client.get(path).raise_for_status()  # the connection opened before the clock starts
        api_before, neo4j_before = cpu_seconds(server.proc.pid), server_cpu(SERVER_PID)
        for _ in range(n):
            start = time.perf_counter()
            response = client.get(path)
            latencies.append(time.perf_counter() - start)
            response.raise_for_status()
        api_after, neo4j_after = cpu_seconds(server.proc.pid), server_cpu(SERVER_PID)
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    result = asyncio.run(fire(server.url, path, headers, n, args.http_concurrency, 600, 0))
    return {
        "median_ms": statistics.median(latencies) * 1000,
        "p95_ms": cuts[94] * 1000,
        "api_cpu_ms": ((api_after or 0.0) - (api_before or 0.0)) * 1000 / n,
        "neo4j_cpu_ms": round((neo4j_after - neo4j_before) * 1000 / n, 2) if SERVER_PID else "?",
        "concurrent_rps": result.rps,
        "concurrent_p50_ms": result.p50_ms,
        "concurrent_p99_ms": result.p99_ms,
        "concurrent_errors": result.errors + result.not_sent,
        "bytes": len(response.content),
    }


def rust_ext() -> bool:
    """Whether the driver decodes with neo4j-rust-ext."""
    from neo4j._codec.packstream import v1

    return v1._rust_unpack is not None


def server_cpu(pid: int | None) -> float:
    """CPU seconds (user + system) the server process has used so far; 0 if unknown."""
    if not pid:
        return 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def server_info(store: Neo4jStore) -> dict[str, Any]:
    rows = store._read("CALL dbms.components() YIELD name, versions, edition RETURN *")
    info: dict[str, Any] = {
        "neo4j": [f"{r['name']} {r['versions'][0]} {r['edition']}" for r in rows]
    }
    try:
        mem = store._read(
            "CALL dbms.listConfig() YIELD name, value "
            "WHERE name IN ['server.memory.heap.max_size', 'server.memory.pagecache.size', "
            "'db.memory.transaction.total.max', 'db.memory.transaction.max'] "
            "RETURN name, value"
        )
        info["config"] = {r["name"]: r["value"] for r in mem}
    except Exception as exc:  # listConfig may be restricted; the figures do not need it
        info["config"] = f"unavailable ({exc.__class__.__name__})"
    return info


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--uri", required=True, help="bolt:// URI of a Neo4j 5 server (EMPTIED)")
    parser.add_argument("--targets", type=int, default=100_000, help="targets of the main load")
    parser.add_argument(
        "--subset-targets", type=int, default=20_000, help="targets of the batch-size sweep dataset"
    )
    parser.add_argument(
        "--batch-sizes",
        default="500,2000,10000",
        help="BATCH_ROWS values to try (comma-separated; empty: skip)",
    )
    parser.add_argument(
        "--baseline-rows", type=int, default=2000, help="figure rows MERGEd one per transaction"
    )
    parser.add_argument(
        "--baseline-warmup",
        type=int,
        default=1000,
        help="untimed one-row transactions before the baseline (JIT warm-up)",
    )
    parser.add_argument("--repeat", type=int, default=5, help="warm runs per analysis")
    parser.add_argument(
        "--analysis-timeout",
        type=float,
        default=600,
        help="seconds before one analysis call is given up (its queries terminated)",
    )
    parser.add_argument(
        "--versus-sqlite",
        action="store_true",
        help="issue 15: only load --targets into Neo4j and SQLite, rows/s and coverage of both",
    )
    parser.add_argument(
        "--no-rust-ext",
        action="store_true",
        help="decode Bolt messages in Python even if neo4j-rust-ext is installed",
    )
    parser.add_argument(
        "--keep-loaded",
        action="store_true",
        help="with --versus-sqlite and --work: if both stores hold data from an earlier run "
        "(Neo4j not emptied, WORK/versus.db), load nothing and only time the coverage answers",
    )
    parser.add_argument(
        "--http",
        action="store_true",
        help="with --versus-sqlite: also serve each store with `concentric serve` and time warm "
        "coverage and gaps answers over HTTP",
    )
    parser.add_argument(
        "--http-requests", type=int, default=200, help="--http: requests per endpoint and mode"
    )
    parser.add_argument(
        "--http-concurrency", type=int, default=8, help="--http: requests in flight (2nd mode)"
    )
    parser.add_argument(
        "--http-rounds", type=int, default=3, help="--http: rounds alternating the two servers"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--work", type=Path, help="folder for the generated CSV (default: temp)")
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    parser.add_argument(
        "--server-pid", type=int, help="pid of the Neo4j JVM (local): also report its CPU seconds"
    )
    parser.add_argument(
        "--as-committed",
        action="store_true",
        help="keep graph.store.cypher.INTERACTION_EDGES as committed (label scan per target id: "
        "quadratic; only for small --targets)",
    )
    args = parser.parse_args(argv)
    if args.http and not args.versus_sqlite:
        parser.error("--http needs --versus-sqlite (it serves the two stores that loads)")
    global SERVER_PID
    SERVER_PID = args.server_pid

    results: dict[str, Any] = {"uri": args.uri, "targets": args.targets, "as_of": AS_OF.isoformat()}
    work = args.work or Path(tempfile.mkdtemp(prefix="concentric-bench-"))
    try:
        store = Neo4jStore(args.uri)
    except StoreError as exc:
        raise SystemExit(f"cannot open {args.uri}: {exc}") from None
    results["server"] = server_info(store)
    say(f"server: {results['server']}")
    say(f"BATCH_ROWS in the code: {neo4j_store.BATCH_ROWS}")
    results["rust_ext"] = rust_ext()
    say(f"PackStream codec: {'neo4j-rust-ext' if results['rust_ext'] else 'Python'}")
    complaint = check_count_rows(store)
    results["count_rows_patched"] = complaint
    if complaint:
        say(f"PRODUCT BUG: cypher.COUNT_ROWS is rejected by the server ({complaint[:90]}…);")
        say("  using an equivalent statement for this run so that load(replace=True) works")
    scan = None if args.as_committed else check_target_lookup(store)
    results["target_lookup_patched"] = scan
    if scan:
        say(
            f"PRODUCT BUG: graph.store.cypher.INTERACTION_EDGES scans every Target per id ({scan});"
        )
        say(f"  using {TARGET_LOOKUP_FIXED!r} for this run (an index seek on Entity(id))")

    if args.versus_sqlite and args.keep_loaded and args.work and _both_loaded(store, work):
        say(f"Neo4j vs SQLite, kept from an earlier run, coverage as of {AS_OF}:")
        results["versus_sqlite"] = versus_sqlite(store, args.repeat, work)
        store.close()
        if args.http:
            results["http"] = http_answers(args, work, _town_in_sqlite(work))
        _write(args.json, results)
        return 0

    say(f"dataset ({args.targets} targets) ->  {work}")
    dataset, results["dataset"] = synth_dataset(args.targets, args.seed, work / "main")

    if args.versus_sqlite:
        say(f"Neo4j vs SQLite, {dataset.row_count} rows (replace):")
        results["loads"] = load_both(store, dataset, work)
        store.close()
        town = _a_town(dataset)
        del dataset
        say(f"coverage as of {AS_OF}, in a new process:")
        results["versus_sqlite"] = answers_in_a_new_process(args, work)
        if args.http:
            results["http"] = http_answers(args, work, town)
        _write(args.json, results)
        return 0

    sizes = [int(s) for s in args.batch_sizes.split(",") if s.strip()]
    if sizes:
        say(f"batch sizes on {args.subset_targets} targets:")
        subset, results["subset_dataset"] = synth_dataset(
            args.subset_targets, args.seed, work / "subset"
        )
        results["batch_sizes"] = batch_sizes(store, subset, sizes)
        del subset

    say(
        f"baseline: {args.baseline_rows} figure rows, one MERGE per transaction "
        f"(after {args.baseline_warmup} untimed)"
    )
    base = baseline(store, dataset, args.baseline_rows, args.seed, args.baseline_warmup)
    results["baseline"] = base
    say(
        f"  {base['rows']} rows in {base['seconds']:.1f} s = {base['rows_per_s']:,.0f} rows/s; "
        f"server CPU {base['server_cpu_s']:.1f} s, client CPU {base['client_cpu_s']:.1f} s"
    )

    say(
        f"batched load of {dataset.row_count} rows in one transaction "
        f"(BATCH_ROWS={neo4j_store.BATCH_ROWS}, replace=True, empty database)"
    )
    try:
        batched = load(store, dataset)
    except StoreError as exc:
        results["batched"] = {"error": str(exc)}
        say(f"  FAILED: {exc}")
        _write(args.json, results)
        return 1
    results["batched"] = batched
    ratio = batched["rows_per_s"] / base["rows_per_s"]
    figure_ratio = batched["figure_rows_per_s"] / base["rows_per_s"]
    results["ratio"] = {"all_rows": ratio, "figure_rows": figure_ratio}
    say(
        f"  {batched['rows']} rows in {batched['seconds']:.1f} s = "
        f"{batched['rows_per_s']:,.0f} rows/s; figure nodes {batched['figure_rows']} in "
        f"{batched['figure_seconds']:.1f} s = {batched['figure_rows_per_s']:,.0f} rows/s; "
        f"server CPU {batched['server_cpu_s']:.1f} s, client CPU {batched['client_cpu_s']:.1f} s"
    )
    say(
        f"  ratio batched / one-row-per-transaction: {ratio:.1f}x (all rows), "
        f"{figure_ratio:.1f}x (figure rows alike) -- target >= 20x: "
        f"{'met' if min(ratio, figure_ratio) >= 20 else 'MISSED'}"
    )

    say("interaction edges: target lookup as committed vs indexed, 100 rows, rolled back (2nd run)")
    cost = lookup_cost(store, dataset, 100)
    results["target_lookup_cost"] = cost
    say(
        f"  committed {cost['committed_s']:.2f} s, indexed {cost['fixed_s']:.3f} s for "
        f"{cost['rows']} interaction rows ({cost['slowdown']:.0f}x slower as committed)"
    )

    say(f"analyses on Neo4j as of {AS_OF}, window {WINDOW} days:")
    results["analyses"] = analyses(store, dataset, args.repeat, args.analysis_timeout)
    store.close()
    _write(args.json, results)
    return 0


def _both_loaded(store: Neo4jStore, work: Path) -> bool:
    """Whether Neo4j and ``work``/versus.db both hold the same number of rows (not none)."""
    from concentric.graph.store.sqlite_store import SQLiteStore

    if not (work / "versus.db").exists():
        return False
    with SQLiteStore(str(work / "versus.db")) as sqlite:
        return 0 < sqlite.row_count() == store.row_count()


def _write(path: Path | None, results: dict[str, Any]) -> None:
    if path is not None:
        path.write_text(json.dumps(results, indent=2, default=str) + "\n", encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())

"""Embedded store benchmark (issue 7 B1/B2, first measurements).

For each size (default 10^4 and 10^5 targets; ``--sizes`` adds 10^6):

1. generate a synthetic dataset (``loaders.synth``) as CSV;
2. ``concentric load DIR --store FILE`` in a child process: wall time, rows/s, peak RSS;
3. in a fresh child process on that store: reading the records and building the graph
   (time, peak RSS), ``Workspace.coverage()`` cold (first call: statuses + summary) and warm
   (median of ``--repeat``: cached statuses; and recomputed on a new Workspace), the gap
   list filtered to one town cold and warm, and a plain-NumPy reference pass over the same
   edges (per target: contacts open at T with in-office leaders, last interaction <= T,
   window test, one membership hop), checked equal to ours; ratio ours / NumPy.

Prints every figure; ``--json FILE`` also writes them. Needs numpy (``pip install numpy``).

    python benchmarks/bench_embedded.py --sizes 10000,100000
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

AS_OF = dt.date(2026, 11, 27)
WINDOW = 365
HERE = Path(__file__).resolve()
CLI = [sys.executable, "-c", "from concentric.api.cli import main; main()"]


def say(message: str) -> None:
    print(message, flush=True)


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    """(wall seconds, value); the CPU seconds of the last call are kept in ``LAST_CPU``."""
    global LAST_CPU
    start, cpu = time.perf_counter(), time.process_time()
    value = fn()
    LAST_CPU = time.process_time() - cpu
    return time.perf_counter() - start, value


LAST_CPU = 0.0


def median_of(repeat: int, fn: Callable[[], Any]) -> tuple[float, float]:
    """Median wall and median CPU seconds of ``repeat`` calls."""
    walls, cpus = [], []
    for _ in range(repeat):
        walls.append(timed(fn)[0])
        cpus.append(LAST_CPU)
    return statistics.median(walls), statistics.median(cpus)


def measured_child(args: list[str]) -> tuple[float, float, float, str]:
    """Run ``args``; answer (wall seconds, peak RSS in MiB, CPU seconds, stdout) of the child.

    RUSAGE_CHILDREN's peak is the largest child so far, so each child runs under a fresh
    wrapper process whose only child it is.
    """
    wrapper = (
        "import os, resource, subprocess, sys, time\n"
        "t = time.perf_counter()\n"
        "p = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.PIPE, "
        "text=True)\n"
        "w = time.perf_counter() - t\n"
        "r = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
        "rss, cpu = r.ru_maxrss / 1024, r.ru_utime + r.ru_stime\n"
        "sys.stdout.write(p.stdout)\n"
        "sys.stderr.write(p.stderr)\n"
        "sys.stderr.write(f'\\n@@ {w} {rss} {cpu}\\n')\n"
        "sys.exit(p.returncode)\n"
    )
    child = subprocess.run(
        [sys.executable, "-c", wrapper, *args], capture_output=True, text=True, check=False
    )
    stdout, stderr = child.stdout, child.stderr
    if child.returncode != 0:
        raise SystemExit(f"{' '.join(args[:5])} failed ({child.returncode}):\n{stderr[-3000:]}")
    match = re.search(r"@@ (\S+) (\S+) (\S+)", stderr)
    assert match, stderr
    return float(match[1]), float(match[2]), float(match[3]), stdout


# -- the analysis phase (runs in a fresh child process) ------------------------------------


def analyse(store_path: Path, area: str, repeat: int, with_graph: bool) -> dict[str, Any]:
    import resource

    import numpy as np

    from concentric.graph.engine.coverage_index import CoverageIndex
    from concentric.graph.schema.build import build_graph
    from concentric.graph.store.sqlite_store import SQLiteStore
    from concentric.graph.workspace import Workspace

    def rss() -> float:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    out: dict[str, Any] = {"rss_start_mib": rss()}
    store = SQLiteStore(store_path)
    policy = store.policy()

    # -- the product path: Workspace.coverage / gaps on the array index ------------------
    ws = Workspace(store)
    out["coverage_cold_s"], summary = timed(lambda: ws.coverage(AS_OF, WINDOW))
    out["coverage_cold_cpu_s"] = LAST_CPU  # first call: columns + index + summary
    out["totals"] = summary["totals"]
    out["rss_index_mib"] = rss()
    index = ws.index()
    out["columns_s"], columns = timed(store.coverage_columns)
    out["columns_cpu_s"] = LAST_CPU
    out["index_build_s"], _ = timed(lambda: CoverageIndex(columns))
    out["index_build_cpu_s"] = LAST_CPU
    out["coverage_warm_cached_s"], out["coverage_warm_cached_cpu_s"] = median_of(
        repeat, lambda: ws.coverage(AS_OF, WINDOW)
    )
    out["coverage_warm_recomputed_s"], out["coverage_warm_recomputed_cpu_s"] = median_of(
        repeat, lambda: index.summary(AS_OF, WINDOW, policy)
    )
    out["gaps_area_cold_s"], gaps = timed(lambda: ws.gaps(AS_OF, WINDOW, area_id=area))
    out["gaps_area_cold_cpu_s"] = LAST_CPU
    out["gaps_area_items"] = gaps["total"]
    out["gaps_area_warm_s"], out["gaps_area_warm_cpu_s"] = median_of(
        repeat, lambda: ws.gaps(AS_OF, WINDOW, area_id=area)
    )
    out["gaps_area_recomputed_s"], out["gaps_area_recomputed_cpu_s"] = median_of(
        repeat, lambda: index.gap_list(AS_OF, WINDOW, policy, area_id=area)
    )
    out["statuses_s"], out["statuses_cpu_s"] = median_of(
        repeat, lambda: index.statuses(AS_OF, WINDOW)
    )
    ours = {t: c.status for t, c in index.target_coverage(AS_OF, WINDOW).items()}

    # -- the NumPy reference: flat arrays of the same rows, one vectorised pass -----------
    def arrays() -> dict[str, Any]:
        targets = sorted(ours)
        where = {t: i for i, t in enumerate(targets)}
        away: set[str] = set()
        i_t: list[int] = []
        i_date: list[int] = []
        for node in store.nodes():
            if node.kind == "leader" and not node.props.get("in_office", True):
                away.add(node.id)
            elif node.kind == "interaction":
                day = node.props["date"].toordinal()
                for target in node.props["target_ids"]:
                    if target in where:
                        i_t.append(where[target])
                        i_date.append(day)
        big = dt.date.max.toordinal()
        c_t, c_ok, c_since, c_until = [], [], [], []
        m_a, m_b, m_since, m_until = [], [], [], []
        for link in store.links():
            since, until = link.props.get("since"), link.props.get("until")
            lo, hi = since.toordinal() if since else 0, until.toordinal() if until else big
            if link.kind == "contacts" and link.target_id in where:
                c_t.append(where[link.target_id])
                c_ok.append(link.source_id not in away)
                c_since.append(lo)
                c_until.append(hi)
            elif link.kind == "member_of" and link.source_id in where and link.target_id in where:
                m_a.append(where[link.source_id])
                m_b.append(where[link.target_id])
                m_since.append(lo)
                m_until.append(hi)
        ints = np.int64
        return {
            "targets": targets,
            "c_t": np.array(c_t, ints),
            "c_ok": np.array(c_ok, bool),
            "c_since": np.array(c_since, ints),
            "c_until": np.array(c_until, ints),
            "i_t": np.array(i_t, ints),
            "i_date": np.array(i_date, ints),
            "m_a": np.array(m_a, ints),
            "m_b": np.array(m_b, ints),
            "m_since": np.array(m_since, ints),
            "m_until": np.array(m_until, ints),
        }

    out["numpy_arrays_s"], arr = timed(arrays)

    def numpy_pass() -> Any:
        n = len(arr["targets"])
        t = AS_OF.toordinal()
        open_c = arr["c_ok"] & (arr["c_since"] <= t) & (arr["c_until"] > t)
        assigned = np.bincount(arr["c_t"][open_c], minlength=n) > 0
        last = np.full(n, -1, np.int64)
        past = arr["i_date"] <= t
        np.maximum.at(last, arr["i_t"][past], arr["i_date"][past])
        recent = last >= t - WINDOW
        covered = assigned & recent
        open_m = (arr["m_since"] <= t) & (arr["m_until"] > t)
        a, b = arr["m_a"][open_m], arr["m_b"][open_m]
        hop = np.zeros(n, bool)
        hop[a[covered[b]]] = True
        hop[b[covered[a]]] = True
        status = np.full(n, 3, np.int8)  # uncovered
        status[~assigned & (recent | hop)] = 2  # indirect
        status[assigned & ~recent] = 1  # stale
        status[covered] = 0  # covered
        return status

    out["numpy_pass_s"], out["numpy_pass_cpu_s"] = median_of(repeat, numpy_pass)
    names = ("covered", "stale", "indirect", "uncovered")
    status = numpy_pass().tolist()
    out["numpy_mismatches"] = sum(
        ours[t] != names[s] for t, s in zip(arr["targets"], status, strict=True)
    )
    arr.clear()
    # CPU seconds: the machine may be shared, and wall time then measures the neighbours.
    out["ratio_statuses_vs_numpy"] = out["statuses_cpu_s"] / out["numpy_pass_cpu_s"]
    out["ratio_coverage_vs_numpy"] = out["coverage_warm_recomputed_cpu_s"] / out["numpy_pass_cpu_s"]
    out["rss_before_graph_mib"] = rss()

    # -- the networkx graph (the other analyses) and its reference statuses ---------------
    if with_graph:
        out["read_s"], records = timed(lambda: (list(store.nodes()), list(store.links())))
        out["read_cpu_s"] = LAST_CPU
        out["build_s"], graph = timed(lambda: build_graph(*records))
        out["build_cpu_s"] = LAST_CPU
        records = ([], [])  # free the records: the graph holds what is needed
        out["graph_nodes"] = graph.number_of_nodes()
        out["graph_edges"] = graph.number_of_edges()
        out["rss_graph_mib"] = rss()
    out["rss_end_mib"] = rss()
    return out


# -- the driver ----------------------------------------------------------------------------


def bench_size(
    targets: int, work: Path, seed: int, repeat: int, *, with_graph: bool, reuse: bool
) -> dict[str, Any]:
    from concentric.synth import CsvWriter, generate

    folder = work / f"synth-{targets}"
    store = work / f"store-{targets}.db"
    result: dict[str, Any] = {"targets": targets}
    if reuse and store.exists() and (folder / "areas.csv").exists():
        say(f"[{targets}] reusing {folder} and {store} (--reuse): no generate, no load")
    else:
        cpu0 = time.process_time()
        result["generate_s"], counts = timed(
            lambda: generate(random.Random(seed), CsvWriter(folder), targets)
        )
        result["generate_cpu_s"] = time.process_time() - cpu0
        result["rows_in_files"] = sum(counts.values())
        result["csv_mib"] = sum(p.stat().st_size for p in folder.iterdir()) / 2**20
        say(
            f"[{targets}] generated {result['rows_in_files']} rows ({result['csv_mib']:.0f} MiB) "
            f"in {result['generate_s']:.1f} s (CPU {result['generate_cpu_s']:.1f} s)"
        )
        for suffix in ("", "-wal", "-shm"):
            Path(f"{store}{suffix}").unlink(missing_ok=True)
        seconds, rss, cpu, stdout = measured_child(
            [*CLI, "load", str(folder), "--store", str(store)]
        )
        match = re.search(r"Loaded (\d+) rows", stdout)
        rows = int(match[1]) if match else result["rows_in_files"]
        result["load"] = {
            "seconds": seconds,
            "cpu_s": cpu,
            "rows": rows,
            "rows_per_s": rows / seconds,
            "rows_per_cpu_s": rows / cpu,
            "peak_rss_mib": rss,
        }
        say(
            f"[{targets}] concentric load: {rows} rows in {seconds:.1f} s wall / {cpu:.1f} s "
            f"CPU = {rows / seconds:,.0f} rows/s wall, {rows / cpu:,.0f} rows per CPU-s; peak "
            f"RSS {rss:,.0f} MiB"
        )
    town = _first_town(folder / "areas.csv")

    args = [sys.executable, str(HERE), "--phase", "analyse", "--store", str(store),
            "--area", town, "--repeat", str(repeat)]  # fmt: skip
    if not with_graph:
        args.append("--no-graph")
    seconds, rss, cpu, stdout = measured_child(args)
    a = json.loads(stdout.strip().splitlines()[-1])
    a.update(process_s=seconds, process_cpu_s=cpu, peak_rss_mib=rss)
    result["analysis"] = a
    ms = 1000
    say(
        f"[{targets}] coverage (array index): cold {a['coverage_cold_s']:.2f} s "
        f"({a['coverage_cold_cpu_s']:.2f} CPU; of it columns {a['columns_cpu_s']:.2f} + index "
        f"{a['index_build_cpu_s']:.2f} CPU), RSS {a['rss_index_mib']:,.0f} MiB; warm cached "
        f"{a['coverage_warm_cached_s'] * ms:.2f} ms; warm recomputed "
        f"{a['coverage_warm_recomputed_s'] * ms:.0f} ms "
        f"({a['coverage_warm_recomputed_cpu_s'] * ms:.0f} ms CPU); totals {a['totals']}"
    )
    say(
        f"[{targets}] gaps --area {town}: cold {a['gaps_area_cold_s'] * ms:.0f} ms "
        f"({a['gaps_area_cold_cpu_s'] * ms:.0f} ms CPU), warm cached "
        f"{a['gaps_area_warm_s'] * ms:.2f} ms, recomputed {a['gaps_area_recomputed_s'] * ms:.0f} ms"
        f" ({a['gaps_area_recomputed_cpu_s'] * ms:.0f} ms CPU), {a['gaps_area_items']} items"
    )
    say(
        f"[{targets}] statuses: ours {a['statuses_cpu_s'] * ms:.1f} ms CPU vs NumPy reference "
        f"{a['numpy_pass_cpu_s'] * ms:.1f} ms CPU (its arrays built in {a['numpy_arrays_s']:.1f} s)"
        f": ratio {a['ratio_statuses_vs_numpy']:.2f}x (whole summary "
        f"{a['ratio_coverage_vs_numpy']:.1f}x); status mismatches {a['numpy_mismatches']}"
    )
    if with_graph:
        say(
            f"[{targets}] networkx graph: {a['graph_nodes']} nodes, {a['graph_edges']} edges; "
            f"read records {a['read_s']:.1f} s ({a['read_cpu_s']:.1f} CPU) + build "
            f"{a['build_s']:.1f} s ({a['build_cpu_s']:.1f} CPU); RSS {a['rss_graph_mib']:,.0f} "
            "MiB"
        )
    say(f"[{targets}] analysis process: peak RSS {rss:,.0f} MiB, {cpu:.1f} CPU-s, {seconds:.0f} s")
    return result


def _first_town(areas_csv: Path) -> str:
    import csv

    with areas_csv.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["kind"] in ("town", "subdistrict"):
                return row["id"]
    raise SystemExit("no town in the dataset")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="10000,100000", help="targets, comma-separated")
    parser.add_argument("--repeat", type=int, default=5, help="warm runs (median)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--work", type=Path, help="folder for data and stores (default: temp)")
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    parser.add_argument(
        "--no-graph", action="store_true", help="skip the networkx graph (memory-bound at 10^6)"
    )
    parser.add_argument(
        "--reuse", action="store_true", help="reuse the data and store of an earlier --work run"
    )
    parser.add_argument("--phase", choices=["analyse"], help=argparse.SUPPRESS)
    parser.add_argument("--store", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--area", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.phase == "analyse":
        print(json.dumps(analyse(args.store, args.area, args.repeat, not args.no_graph)))
        return 0
    work = args.work or Path(tempfile.mkdtemp(prefix="concentric-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    say(f"work folder {work}; as of {AS_OF}, window {WINDOW} days; pid {os.getpid()}")
    results = [
        bench_size(
            int(s), work, args.seed, args.repeat, with_graph=not args.no_graph, reuse=args.reuse
        )
        for s in args.sizes.split(",")
    ]
    if args.json is not None:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Search, path, departure of one leader and recommendations for one town past the
whole-graph limit, each beside a baseline measured in the same run (issue 15).

    python3.11 benchmarks/bench_local_analyses.py STORE [--whole] [--profile]

STORE is a store loaded from `concentric synth --targets N` (a copy: the first search of a
data version keeps its index in the store). The workspace is opened with
``graph_max_rows=1``, so every answer takes the past-the-limit path. "Warm" is after the
snapshot and one earlier call of the same analysis (on other arguments); "first" is the
first call after the snapshot. Baselines:

- search: a plain Python substring scan over every target's name;
- path: one ``store.neighbourhood`` read of one id (and, beside it, one
  ``store.relationship_ties`` read, what each layer of the path reads);
- departure and recommendations: with ``--whole``, the same answer on the whole graph
  (only where it fits in memory).
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import pstats
import random
import sqlite3
import statistics
import time
from collections.abc import Callable
from typing import Any

from concentric.graph.engine.leaders import leaders_in_office
from concentric.graph.network.recommend import (
    GraphReader,
    assign,
    capacities,
    departure,
    graph_context,
)
from concentric.graph.workspace import Workspace, open_workspace

AS_OF = dt.date(2026, 11, 20)
QUERIES = ["王", "张伟", "zhangwei", "lzx", "宗教", "F00123"]


def timed(work: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    answer = work()
    return time.perf_counter() - start, answer


def busiest_leaders(ws: Workspace, count: int) -> list[str]:
    items = ws.leaders(AS_OF)["items"]
    return [str(i["id"]) for i in sorted(items, key=lambda i: (-i["assigned"], i["id"]))][:count]


def biggest_towns(ws: Workspace, count: int) -> list[str]:
    counts = ws.coverage(AS_OF)["by_area"]
    towns = ws.recommendation_areas()
    return sorted(towns, key=lambda a: (-counts[a]["targets"], a))[:count]


def kept_size(path: str, name: str) -> int | None:
    con = sqlite3.connect(path)
    try:
        row = con.execute("SELECT length(data) FROM derived WHERE name = ?", (name,)).fetchone()
    finally:
        con.close()
    return int(row[0]) if row else None


def line(what: str, seconds: float, target: float | None = None, base: float | None = None) -> None:
    parts = [f"{what}: {seconds * 1000:,.1f} ms"]
    if target is not None:
        parts.append(
            f"target ≤ {target * 1000:,.0f} ms: {'met' if seconds <= target else 'MISSED'}"
        )
    if base:
        parts.append(f"ratio to baseline {seconds / base:.2f}")
    print("; ".join(parts), flush=True)


def bench_search(local: Workspace, store_path: str) -> None:
    build_s, _ = timed(lambda: local.search("王"))
    size = kept_size(store_path, "search_index")
    print(f"search index of this version: first search {build_s:.1f} s; kept blob {size} bytes")
    names = [str(n or "") for n in local.index().names]
    for query in QUERIES:
        local.search(query)  # the earlier call
        runs = [timed(lambda q=query: local.search(q, limit=50))[0] for _ in range(5)]
        scan = [
            timed(lambda q=query: [i for i, n in enumerate(names) if q in n][:50])[0]
            for _ in range(3)
        ]
        line(
            f"search {query!r} warm (median of 5)",
            statistics.median(runs),
            0.1,
            statistics.median(scan),
        )
        scan_ms = statistics.median(scan) * 1000
        print(f"  baseline: substring scan of {len(names):,} names {scan_ms:,.1f} ms")


def bench_path(local: Workspace) -> None:
    ids = local.index().ids
    rng = random.Random(15)
    pairs = [(rng.choice(ids), rng.choice(ids)) for _ in range(4)]
    first_s, _ = timed(lambda: local.path(*pairs[0]))
    line(f"path {pairs[0][0]}–{pairs[0][1]} first", first_s)
    for source, target in pairs[1:]:
        seconds, answer = timed(lambda s=source, t=target: local.path(s, t))
        base, _ = timed(lambda s=source: local.store.neighbourhood([s]))
        ties, _ = timed(lambda s=source: local.store.relationship_ties([s]))
        steps = len(answer.get("path") or answer.get("nodes") or []) - 1
        line(f"path {source}–{target} warm ({steps} steps)", seconds, 1.0, base)
        print(
            f"  baseline: one neighbourhood read {base * 1000:,.1f} ms; "
            f"one relationship_ties read {ties * 1000:,.1f} ms"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("store")
    parser.add_argument("--whole", action="store_true")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--skip", default="", help="comma list of search,path,departure,recommend")
    args = parser.parse_args()
    open_s, local = timed(lambda: open_workspace(args.store, graph_max_rows=1))
    warm_s, _ = timed(local.warm)
    print(f"open {open_s:.1f} s; snapshot (warm) {warm_s:.1f} s", flush=True)
    skip = set(args.skip.split(","))
    if "search" not in skip:
        bench_search(local, args.store)
    if "path" not in skip:
        bench_path(local)
    leaders, towns = busiest_leaders(local, 2), biggest_towns(local, 2)
    profile = cProfile.Profile() if args.profile else None
    if profile:
        profile.enable()
    if "departure" not in skip:
        first_s, _ = timed(lambda: local.departure([leaders[1]], AS_OF))
        line(f"departure of {leaders[1]} first", first_s)
        leave_s, left = timed(lambda: local.departure([leaders[0]], AS_OF))
        line(f"departure of {leaders[0]} warm ({left['total']} targets)", leave_s, 2.0)
    if "recommend" in skip:
        if profile:
            profile.disable()
            pstats.Stats(profile).sort_stats("tottime").print_stats(30)
        return
    first_s, _ = timed(lambda: local.recommend(AS_OF, area_id=towns[1]))
    line(f"recommendations for {towns[1]} first", first_s)
    town_s, placed = timed(lambda: local.recommend(AS_OF, area_id=towns[0]))
    line(
        f"recommendations for {towns[0]} warm ({placed['total']} placed, "
        f"{len(placed['unassigned'])} unassigned)",
        town_s,
        5.0,
    )
    if profile:
        profile.disable()
        pstats.Stats(profile).sort_stats("tottime").print_stats(30)
    if not args.whole:
        return
    leader, town = leaders[0], towns[0]
    whole = open_workspace(args.store)
    graph_s, graph = timed(whole.graph)
    print(f"whole graph built in {graph_s:.1f} s")
    coverage = whole.target_coverage(AS_OF)
    whole_leave_s, _ = timed(
        lambda: departure(graph, [leader], AS_OF, 365, whole.policy, coverage=coverage)
    )
    line("departure on the whole graph", whole_leave_s)
    print(f"  ratio past the limit / whole graph {leave_s / whole_leave_s:.2f}")
    whole_town_s, _ = timed(lambda: whole_graph_town(whole, graph, town))
    line(f"recommendations for {town} on the whole graph", whole_town_s)
    print(f"  ratio past the limit / whole graph {town_s / whole_town_s:.2f}")


def whole_graph_town(whole: Workspace, graph: Any, town: str) -> dict[str, Any]:
    """The town's recommendation ranked over the whole graph (GraphReader)."""
    scope = whole.gaps(AS_OF, area_id=town)["items"]
    targets = [(i["id"], i["status"], i["assigned_leaders"]) for i in scope]
    load = {i["id"]: i["assigned"] for i in whole.leaders(AS_OF)["items"]}
    in_office = GraphReader(graph).records(leaders_in_office(graph))
    capacity = capacities(in_office, load, whole.policy)
    open_leaders = [lead for lead, room in capacity.items() if room > 0]
    context = graph_context(graph, AS_OF, whole.policy, open_leaders)
    return assign(context, sorted(targets), capacity, 365)


if __name__ == "__main__":
    main()

"""Departure of one leader and recommendations for one town past the whole-graph limit,
beside the same answers on the whole graph measured in the same run (issue 15).

    python3.11 benchmarks/bench_local_analyses.py STORE [--whole] [--profile]

STORE is a store loaded from `concentric synth --targets N`. Past the limit the workspace
reads the arrays and the store's neighbourhoods; with ``--whole`` the same answers are
also computed from the whole graph (only where it fits in memory) and the ratio printed.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import pstats
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


def timed(work: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    answer = work()
    return time.perf_counter() - start, answer


def busiest_leader(ws: Workspace) -> str:
    items = ws.leaders(AS_OF)["items"]
    return str(max(items, key=lambda i: (i["assigned"], i["id"]))["id"])


def biggest_town(ws: Workspace) -> str:
    counts = ws.coverage(AS_OF)["by_area"]
    return max(ws.recommendation_areas(), key=lambda a: (counts[a]["targets"], a))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("store")
    parser.add_argument("--whole", action="store_true")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    local = open_workspace(args.store, graph_max_rows=1)
    local.warm()
    leader, town = busiest_leader(local), biggest_town(local)
    profile = cProfile.Profile() if args.profile else None
    if profile:
        profile.enable()
    leave_s, left = timed(lambda: local.departure([leader], AS_OF))
    town_s, placed = timed(lambda: local.recommend(AS_OF, area_id=town))
    if profile:
        profile.disable()
        pstats.Stats(profile).sort_stats("cumulative").print_stats(25)
    print(f"departure of {leader} past the limit: {leave_s:.2f} s ({left['total']} targets)")
    print(
        f"recommendations for {town} past the limit: {town_s:.2f} s "
        f"({placed['total']} placed, {len(placed['unassigned'])} unassigned)"
    )
    if not args.whole:
        return
    whole = open_workspace(args.store)
    graph_s, graph = timed(whole.graph)
    print(f"whole graph built in {graph_s:.1f} s")
    coverage = whole.target_coverage(AS_OF)
    whole_leave_s, _ = timed(
        lambda: departure(graph, [leader], AS_OF, 365, whole.policy, coverage=coverage)
    )
    print(
        f"departure on the whole graph: {whole_leave_s:.2f} s; ratio {leave_s / whole_leave_s:.2f}"
    )
    whole_town_s, _ = timed(lambda: whole_graph_town(whole, graph, town))
    print(
        f"recommendations for {town} on the whole graph: {whole_town_s:.2f} s; "
        f"ratio {town_s / whole_town_s:.2f}"
    )


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

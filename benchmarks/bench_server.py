"""Server start-up and memory with a big store (issue B3), against a bare app's.

Not a test: a measurement. Give it a store made by ``concentric load`` (for 10^6 targets,
``python benchmarks/bench_embedded.py --sizes 1000000 --work W`` leaves one at
``W/store-1000000.db``). It creates a planner token in that store, then starts, one after
the other, as subprocesses on 127.0.0.1:

* a bare FastAPI app (``GET /ok``), the baseline of what Python + uvicorn + FastAPI cost;
* ``concentric serve --store …``.

For each: seconds from spawn to the first 200 (``/ok``, ``/healthz``) and resident memory
then. It empties the store's ``derived`` table first, so the real server builds its array
index from SQL (``serve`` starts that a second after start-up). It then times a first (cold)
and a second (warm) request of each of:

* ``GET /api/v1/coverage`` (the cold one waits for the index) and the gap list of one town;
* blind spots, leader load and a to-do list, as JSON;
* the pages a planner and a leader open first: the dashboard (blind spots, five-line
  score), the leaders' list, a leader's page, the gap list of a town and unfiltered;
* an entity page, an ego network and a leader's network page (these read just their part
  of the store);
* brokers, which needs the whole networkx graph: above ``CONCENTRIC_GRAPH_MAX_ROWS`` the
  server must answer 422, not build a 10 GiB graph.

It reports the process's peak resident memory (``VmHWM``) against the 4 GiB limit of the
issue. Last it starts the server a second time and times its first coverage answer, with
the index the first server kept in the store file.

    python benchmarks/bench_server.py --store /tmp/be1m/store-1000000.db --json b3.json
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_api import CLI, HOST, Server, cpu_seconds, free_port, say

HERE = Path(__file__).resolve()
AS_OF = "2026-11-27"
LIMIT_MIB = 4096


def memory_mib(pid: int) -> tuple[float, float]:
    """(resident now, peak resident) of a process in MiB, from /proc/PID/status."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        fields[key] = value.strip()
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def started(
    name: str, argv: Callable[[int], list[str]], ready: str, log: Path
) -> tuple[Server, float]:
    """A server on a free port, and the seconds from spawning it to its first 200."""
    port = free_port()
    began = time.perf_counter()
    server = Server(name, argv(port), port, ready, log)
    return server, time.perf_counter() - began


def first_town(store: Path) -> str:
    with sqlite3.connect(f"file:{store}?mode=ro", uri=True) as con:
        row = con.execute(
            "SELECT id FROM nodes WHERE kind = 'area' AND json_extract(props, '$.kind') = 'town'"
            " ORDER BY id LIMIT 1"
        ).fetchone()
    if row is None:
        raise SystemExit(f"{store}: no town to filter the gap list by")
    return str(row[0])


def first_leader(store: Path) -> str:
    with sqlite3.connect(f"file:{store}?mode=ro", uri=True) as con:
        row = con.execute(
            "SELECT id FROM nodes WHERE kind = 'leader' ORDER BY id LIMIT 1"
        ).fetchone()
    if row is None:
        raise SystemExit(f"{store}: no leader")
    return str(row[0])


def timed_get(client: httpx.Client, path: str) -> tuple[float, int, int]:
    began = time.perf_counter()
    response = client.get(path)
    return time.perf_counter() - began, response.status_code, len(response.content)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--store", type=Path, required=True, help="a store made by load")
    parser.add_argument("--area", help="area id for the gap list (default: the first town)")
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    args = parser.parse_args()
    if not args.store.is_file():
        raise SystemExit(f"{args.store}: no such store")
    area = args.area or first_town(args.store)
    leader = first_leader(args.store)
    figure = leader.replace("L", "F0", 1)  # synth ids: L00001 -> F000001
    with sqlite3.connect(args.store) as con:  # measure the build, not a kept copy
        if con.execute("SELECT 1 FROM sqlite_master WHERE name = 'derived'").fetchone():
            con.execute("DELETE FROM derived")
    token = (
        subprocess.run(
            [*CLI, "token", "create", "--role", "planner", "--store", str(args.store.resolve())],
            check=True,
            capture_output=True,
            text=True,
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    headers = {"Authorization": f"Bearer {token}"}
    logs = Path(tempfile.mkdtemp(prefix="concentric-b3-"))
    result: dict[str, Any] = {"store": str(args.store), "area": area}

    bare_app = [sys.executable, str(HERE.parent / "bench_api.py"), "--bare-server"]
    bare, seconds = started("bare", lambda p: [*bare_app, str(p)], "/ok", logs / "bare.log")
    result["bare"] = {"startup_s": seconds, "rss_mib": memory_mib(bare.proc.pid)[0]}
    bare.stop()
    say(f"bare FastAPI: up in {seconds:.2f} s, RSS {result['bare']['rss_mib']:.0f} MiB")

    serve = [*CLI, "serve", "--store", str(args.store.resolve()), "--host", HOST]
    api, seconds = started(
        "concentric serve", lambda p: [*serve, "--port", str(p)], "/healthz", logs / "serve.log"
    )
    try:
        pid = api.proc.pid
        rss, _ = memory_mib(pid)
        result["serve"] = {"startup_s": seconds, "rss_mib": rss}
        say(f"concentric serve: up in {seconds:.2f} s, RSS {rss:.0f} MiB")
        with httpx.Client(base_url=api.url, headers=headers, timeout=900) as client:
            paths = {
                "coverage": f"/api/v1/coverage?as_of={AS_OF}",
                "gaps_area": f"/api/v1/gaps?as_of={AS_OF}&area_id={area}",
                "blind_spots": f"/api/v1/blind-spots?as_of={AS_OF}",
                "leaders": f"/api/v1/leaders?as_of={AS_OF}",
                "todo": f"/api/v1/leaders/{leader}/todo?as_of={AS_OF}",
                "page_dashboard": "/",
                "page_leaders": "/leaders",
                "page_leader": f"/leaders/{leader}",
                "page_gaps_area": f"/gaps?area_id={area}",
                "page_gaps_all": "/gaps",
                "page_entity": f"/entities/{figure}",
                "network": f"/api/v1/network/{leader}",
                "page_leader_network": f"/viz/leader/{leader}",
                "whole_graph_brokers": "/api/v1/brokers",
            }
            # Pages read a session cookie, which only signing in gives (never the token).
            signed_in = client.post("/login", data={"token": token}, follow_redirects=False)
            if signed_in.status_code != 303:
                raise SystemExit(f"signing in failed: {signed_in.status_code}")
            for name, path in paths.items():
                cpu0 = cpu_seconds(pid) or 0.0
                cold, status, size = timed_get(client, path)
                cpu1 = cpu_seconds(pid) or 0.0
                warm, status2, _ = timed_get(client, path)
                rss, peak = memory_mib(pid)
                if name == "coverage":
                    # The server builds the index in the background from start-up on.
                    result["serve"]["spawn_to_coverage_s"] = result["serve"]["startup_s"] + cold
                result["serve"][name] = {
                    "cold_s": cold,
                    "cold_server_cpu_s": cpu1 - cpu0,
                    "warm_s": warm,
                    "status": [status, status2],
                    "bytes": size,
                    "rss_mib": rss,
                    "peak_rss_mib": peak,
                }
                say(
                    f"  GET {path}: {status}/{status2}, cold {cold:.2f} s ({cpu1 - cpu0:.1f} "
                    f"server CPU-s), warm {warm * 1000:.1f} ms, {size:,} bytes; RSS {rss:.0f} "
                    f"MiB, peak {peak:.0f} MiB"
                )
        _, peak = memory_mib(pid)
        result["serve"]["peak_rss_mib"] = peak
    finally:
        api.stop()
    # A second server on the same store: the index the first one built is kept in the file.
    again, seconds = started(
        "concentric serve again",
        lambda p: [*serve, "--port", str(p)],
        "/healthz",
        logs / "serve-again.log",
    )
    try:
        with httpx.Client(base_url=again.url, headers=headers, timeout=900) as client:
            cold, status, _ = timed_get(client, f"/api/v1/coverage?as_of={AS_OF}")
        result["restart"] = {"startup_s": seconds, "spawn_to_coverage_s": seconds + cold}
        say(
            f"restarted: up in {seconds:.2f} s, first coverage answer ({status}) "
            f"{seconds + cold:.1f} s after spawning (the index read back from the store)"
        )
    finally:
        again.stop()
    bare_s = result["bare"]["startup_s"]
    result["startup_ratio"] = result["serve"]["startup_s"] / bare_s
    verdict = "within" if peak <= LIMIT_MIB else "OVER"
    say(
        f"start-up {result['serve']['startup_s']:.2f} s = {result['startup_ratio']:.1f}x the "
        f"bare app's {bare_s:.2f} s; first coverage answer "
        f"{result['serve']['spawn_to_coverage_s']:.1f} s after spawning; peak RSS "
        f"{peak:,.0f} MiB, {verdict} the {LIMIT_MIB} MiB limit"
    )
    if args.json is not None:
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()

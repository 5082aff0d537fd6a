"""Reads and writes together (issue 15's probe): many clients, a share of them writing.

Not a test: a measurement. On a store of ``--targets`` synthetic targets (``concentric synth``
then ``concentric load``, or ``--store`` for an existing one) it starts ``concentric serve``
(``--workers`` processes) on 127.0.0.1, creates a planner token, and for ``--seconds`` runs
``--clients`` clients in a loop, each request chosen at random:

* writes (``--write-share``, default 25 %): log an interaction of a leader with one of its
  targets, or assign a leader to a target;
* reads: the coverage summary (at a random date, so it is computed, not remembered), the
  gap list of a town, an entity's record, a name search, a leader's to-do list, an ego
  network, the leader table.

A poller in its own process asks ``/healthz`` ten times a second throughout. Printed: per
request kind the count, time-outs (``--timeout``, default 10 s), errors, p50/p95/max
latency; the health check's p95/max; the server's peak RSS; the clients' share of a core;
the interactions the server acknowledged and how many of them the store lacks afterwards.
Only 127.0.0.1 is contacted; the server is stopped at the end.

    python benchmarks/bench_mixed.py --targets 200000 --clients 32 --seconds 150
    python benchmarks/bench_mixed.py --store /tmp/s200k.db --workers 2
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import multiprocessing
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import httpx
from bench_api import CLI, HOST, Server, free_port
from bench_server import memory_mib

WRITES = {"interaction": 0.6, "contact": 0.4}
READS = {
    "coverage": 0.2,
    "gaps_town": 0.15,
    "entity": 0.2,
    "search": 0.15,
    "todo": 0.1,
    "network": 0.1,
    "leaders": 0.1,
}


def prepare(work: Path, targets: int) -> Path:
    """A store of ``targets`` synthetic targets in ``work`` (kept for the next run)."""
    store = work / f"mixed-{targets}.db"
    if store.exists():
        return store
    data = work / f"synth-{targets}"
    subprocess.run([*CLI, "synth", "--targets", str(targets), str(data)], check=True)
    subprocess.run([*CLI, "load", str(data), "--store", str(store)], check=True)
    return store


def planner_token(store: Path) -> str:
    made = subprocess.run(
        [*CLI, "token", "create", "--role", "planner", "--store", str(store)],
        check=True,
        capture_output=True,
        text=True,
    )
    return made.stdout.strip().splitlines()[-1]


def tree_rss_mib(pid: int) -> float:
    """Resident memory of a process and its children (the workers of ``--workers``), MiB."""
    total, pending = 0.0, [pid]
    while pending:
        current = pending.pop()
        try:
            total += memory_mib(current)[0]
            for task in Path(f"/proc/{current}/task").iterdir():
                pending += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return total


def quantile(values: list[float], q: int) -> float:
    if len(values) < 2:
        return values[0] if values else 0.0
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


class Mix:
    """What the clients draw their requests from: ids read through the API once."""

    def __init__(self, client: httpx.Client, as_of: str) -> None:
        self.as_of = as_of
        leaders = client.get("/api/v1/leaders", params={"as_of": as_of}).json()["items"]
        self.leaders = [item["id"] for item in leaders]
        gaps = client.get("/api/v1/gaps", params={"as_of": as_of, "limit": 2000}).json()
        self.targets = [item["id"] for item in gaps["items"]]
        self.names = [item["name"][:2] for item in gaps["items"] if item.get("name")]
        summary = client.get("/api/v1/coverage", params={"as_of": as_of}).json()
        self.towns = list(summary["by_area"])[1:201]  # the first is the whole district

    def request(self, rng: random.Random) -> tuple[str, str, str, dict[str, Any]]:
        """(kind, method, path, params or body)."""
        if rng.random() < self.write_share:
            kind = rng.choices(list(WRITES), list(WRITES.values()))[0]
            leader, target = rng.choice(self.leaders), rng.choice(self.targets)
            if kind == "interaction":
                body = {
                    "date": self.as_of,
                    "kind": "visit",
                    "leader_ids": [leader],
                    "target_ids": [target],
                }
                return kind, "POST", "/api/v1/interactions", body
            return kind, "POST", "/api/v1/contacts", {"leader_id": leader, "target_id": target}
        kind = rng.choices(list(READS), list(READS.values()))[0]
        day = dt.date.fromisoformat(self.as_of) - dt.timedelta(days=rng.randrange(0, 365))
        if kind == "coverage":
            return kind, "GET", "/api/v1/coverage", {"as_of": day.isoformat()}
        if kind == "gaps_town":
            area = rng.choice(self.towns)
            return kind, "GET", "/api/v1/gaps", {"area_id": area, "as_of": self.as_of}
        if kind == "entity":
            return kind, "GET", f"/api/v1/entities/{rng.choice(self.targets)}", {}
        if kind == "search":
            return kind, "GET", "/api/v1/search", {"q": rng.choice(self.names)}
        if kind == "todo":
            return kind, "GET", f"/api/v1/leaders/{rng.choice(self.leaders)}/todo", {}
        if kind == "network":
            return kind, "GET", f"/api/v1/network/{rng.choice(self.targets)}", {"depth": 1}
        return kind, "GET", "/api/v1/leaders", {"as_of": self.as_of}

    write_share = 0.25


def stored_count(store: Path, ids: list[str]) -> int:
    """How many of ``ids`` the store file holds (read after the server stopped)."""
    with sqlite3.connect(f"file:{store}?mode=ro", uri=True) as con:
        found = 0
        for at in range(0, len(ids), 500):
            chunk = ids[at : at + 500]
            marks = ",".join("?" * len(chunk))
            query = f"SELECT COUNT(*) FROM nodes WHERE id IN ({marks})"  # marks only
            found += con.execute(query, chunk).fetchone()[0]
    return int(found)


def poll_health(url: str, seconds: float, timeout: float) -> tuple[list[float], int]:
    """``/healthz`` ten times a second for ``seconds``, from its own process (so the
    clients' event loop does not delay it): the latencies and the failures."""
    latencies, failures = [], 0
    deadline = time.perf_counter() + seconds
    with httpx.Client(base_url=url, timeout=timeout) as probe:
        while time.perf_counter() < deadline:
            t0 = time.perf_counter()
            try:
                ok = probe.get("/healthz").status_code == 200
            except httpx.HTTPError:
                ok = False
            latencies.append(time.perf_counter() - t0)
            failures += not ok
            time.sleep(0.1)
    return latencies, failures


async def run(
    url: str, token: str, mix: Mix, clients: int, seconds: float, timeout: float, pid: int
) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}"}
    latencies: dict[str, list[float]] = defaultdict(list)
    timeouts: dict[str, int] = defaultdict(int)
    errors: dict[str, int] = defaultdict(int)
    peak_rss = 0.0
    written: list[str] = []  # the ids of the interactions the server said it stored
    # Per 10 s of the run: answered, time-outs (a warm-up shows as time-outs early on).
    timeline: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    start = time.perf_counter()
    deadline = start + seconds
    limits = httpx.Limits(max_connections=clients + 1)
    async with httpx.AsyncClient(
        base_url=url, headers=headers, limits=limits, timeout=timeout
    ) as client:

        async def worker(seed: int) -> None:
            rng = random.Random(seed)
            while time.perf_counter() < deadline:
                kind, method, path, data = mix.request(rng)
                t0 = time.perf_counter()
                try:
                    if method == "GET":
                        response = await client.get(path, params=data)
                    else:
                        response = await client.post(path, json=data)
                    await response.aread()
                    if response.status_code >= 500 or response.status_code in (401, 403):
                        errors[kind] += 1
                    elif kind == "interaction" and response.status_code == 201:
                        written.append(response.json()["id"])
                except httpx.TimeoutException:
                    timeouts[kind] += 1
                    timeline[int(time.perf_counter() - start) // 10][1] += 1
                    continue
                except httpx.HTTPError:
                    errors[kind] += 1
                    continue
                latencies[kind].append(time.perf_counter() - t0)
                timeline[int(time.perf_counter() - start) // 10][0] += 1

        async def watch_memory() -> None:
            nonlocal peak_rss
            while time.perf_counter() < deadline:
                peak_rss = max(peak_rss, tree_rss_mib(pid))
                await asyncio.sleep(0.5)

        with multiprocessing.Pool(1) as pool:
            polled = pool.apply_async(poll_health, (url, seconds, timeout))
            cpu0 = time.process_time()
            await asyncio.gather(watch_memory(), *(worker(i) for i in range(clients)))
            client_cpu = (time.process_time() - cpu0) / (time.perf_counter() - start)
            health, health_failures = polled.get()
    every = [x for values in latencies.values() for x in values]
    kinds = {
        kind: {
            "answered": len(latencies[kind]),
            "timeouts": timeouts[kind],
            "errors": errors[kind],
            "p50_ms": round(quantile(latencies[kind], 50) * 1000, 1),
            "p95_ms": round(quantile(latencies[kind], 95) * 1000, 1),
            "max_ms": round(max(latencies[kind], default=0) * 1000, 1),
        }
        for kind in sorted(set(latencies) | set(timeouts) | set(errors))
    }
    return {
        "kinds": kinds,
        "answered": len(every),
        "timeouts": sum(timeouts.values()),
        "errors": sum(errors.values()),
        "p95_ms": round(quantile(every, 95) * 1000, 1),
        "healthz_p95_ms": round(quantile(health, 95) * 1000, 1),
        "healthz_max_ms": round(max(health, default=0) * 1000, 1),
        "healthz_failures": health_failures,
        "server_peak_rss_mib": round(peak_rss),  # all processes together
        # The clients' own share of a core: near 1 the load generator, not the server, is
        # the limit.
        "clients_cpu_share": round(client_cpu, 2),
        "per_10s_answered_timeouts": [timeline[i] for i in sorted(timeline)],
        "interactions_written": written,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--targets", type=int, default=200_000)
    parser.add_argument("--store", type=Path, help="an existing store instead of --targets")
    parser.add_argument("--work", type=Path, help="folder for the data and store (kept)")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=150)
    parser.add_argument("--write-share", type=float, default=0.25)
    parser.add_argument("--timeout", type=float, default=10)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--as-of", default=dt.date.today().isoformat())
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="bench-mixed-"))
    work.mkdir(parents=True, exist_ok=True)
    store = args.store or prepare(work, args.targets)
    token = planner_token(store)
    port = free_port()
    argv = [*CLI, "serve", "--store", str(store), "--host", HOST, "--port", str(port)]
    if args.workers > 1:
        argv += ["--workers", str(args.workers)]
    server = Server("concentric serve", argv, port, "/healthz", work / "mixed-server.log")
    try:
        with httpx.Client(
            base_url=server.url, headers={"Authorization": f"Bearer {token}"}, timeout=600
        ) as client:
            t0 = time.perf_counter()
            mix = Mix(client, args.as_of)
            print(f"warm-up (first answers): {time.perf_counter() - t0:.1f} s", flush=True)
        mix.write_share = args.write_share
        result = asyncio.run(
            run(
                server.url,
                token,
                mix,
                args.clients,
                args.seconds,
                args.timeout,
                server.proc.pid,
            )
        )
    finally:
        server.stop()
    written = result.pop("interactions_written")
    result["interactions_acknowledged"] = len(written)
    result["interactions_lost"] = len(written) - stored_count(store, written)
    result.update(
        store=str(store),
        clients=args.clients,
        seconds=args.seconds,
        write_share=args.write_share,
        workers=args.workers,
    )
    print(json.dumps(result, indent=2, ensure_ascii=False))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2, ensure_ascii=False))
    sys.exit(0)


if __name__ == "__main__":
    main()

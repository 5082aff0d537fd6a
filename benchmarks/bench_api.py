"""API load check (issue B4): requests/s and latency of coverage and gaps against a bare app.

Not a test: a measurement. It loads the sample district (``data/sample``) into a temporary
store, creates a planner token, and starts two servers as subprocesses on 127.0.0.1 (free
ports), each one uvicorn worker with the access log off:

* ``concentric serve --store …`` — the real API;
* a bare FastAPI app with one endpoint ``GET /ok`` answering ``{"ok": true}`` (a sync
  ``def``, like the API's routes), as the baseline of what uvicorn + FastAPI cost here.

Then, from this process, it fires ``--requests`` requests (default 2000) with
``--concurrency`` in flight (default 32) over keep-alive connections (httpx, asyncio) at
``/ok``, ``/api/v1/coverage`` and ``/api/v1/gaps`` (with the sample's ``as_of``), one target
after the other, after a short warm-up each. For each it reports requests/s, p50/p99 latency,
errors (non-200 or transport errors), and the ratios to the bare app's requests/s.

Bounded: each run stops sending after ``--max-seconds`` (default 120) and requests time out
after 30 s; only 127.0.0.1 is ever contacted; both servers are stopped at the end.

    python benchmarks/bench_api.py                       # 2000 requests, concurrency 32
    python benchmarks/bench_api.py --requests 500 --json /tmp/bench-api.json

The client shares the machine with the servers, so on a small machine the figures measure
the three processes together; the load average before the run is printed with them.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import httpx

HERE = Path(__file__).resolve()
SAMPLE = HERE.parent.parent / "data" / "sample"
AS_OF = "2026-11-27"  # the sample's reference date (data/sample/README.md)
CLI = [sys.executable, "-c", "from concentric.api.cli import main; main()"]
HOST = "127.0.0.1"


def say(message: str) -> None:
    print(message, flush=True)


# -- the bare baseline app ----------------------------------------------------------------


def serve_bare(port: int) -> None:
    """Run the baseline app (this file with ``--bare-server PORT``)."""
    import uvicorn
    from fastapi import FastAPI

    app = FastAPI()

    @app.get("/ok")
    def ok() -> dict[str, bool]:
        return {"ok": True}

    uvicorn.run(app, host=HOST, port=port, access_log=False, log_level="warning")


# -- servers ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


class Server:
    """A server subprocess on 127.0.0.1, up once ``ready_path`` answers 200."""

    def __init__(self, name: str, argv: list[str], port: int, ready_path: str, log: Path) -> None:
        self.name = name
        self.url = f"http://{HOST}:{port}"
        env = {k: v for k, v in os.environ.items() if not k.startswith("CONCENTRIC_")}
        self._log = log.open("wb")
        self.proc = subprocess.Popen(
            argv, cwd=log.parent, env=env, stdout=self._log, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + 60
        while True:
            if self.proc.poll() is not None:
                raise SystemExit(f"{name} exited early:\n{log.read_text(errors='replace')}")
            try:
                if httpx.get(self.url + ready_path, timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise SystemExit(f"{name} did not start within 60 s")
            time.sleep(0.1)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self._log.close()


def make_store(folder: Path) -> tuple[Path, str]:
    """The sample district in a fresh store, and a planner token for it."""
    store = folder / "bench.db"
    subprocess.run([*CLI, "load", str(SAMPLE), "--store", str(store)], check=True, cwd=folder)
    made = subprocess.run(
        [*CLI, "token", "create", "--role", "planner", "--store", str(store)],
        check=True,
        cwd=folder,
        capture_output=True,
        text=True,
    )
    return store, made.stdout.strip().splitlines()[-1]


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds of a process so far (Linux /proc), or None elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# -- load ---------------------------------------------------------------------------------


@dataclass
class Result:
    target: str
    requests: int
    concurrency: int
    seconds: float
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    not_sent: int
    server_cpu_ms_per_request: float | None = None
    client_cpu_ms_per_request: float | None = None


async def fire(
    base_url: str,
    path: str,
    headers: dict[str, str],
    requests: int,
    concurrency: int,
    max_seconds: float,
    warmup: int,
) -> Result:
    """``requests`` GETs of ``path``, ``concurrency`` at a time, stopping at ``max_seconds``."""
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(
        base_url=base_url, headers=headers, limits=limits, timeout=30
    ) as client:
        for _ in range(warmup):  # first calls build the graph and the coverage cache
            (await client.get(path)).raise_for_status()
        latencies: list[float] = []
        errors = 0
        issued = 0
        start = time.perf_counter()
        deadline = start + max_seconds

        async def worker() -> None:
            nonlocal errors, issued
            while issued < requests and time.perf_counter() < deadline:
                issued += 1
                t0 = time.perf_counter()
                try:
                    response = await client.get(path)
                    await response.aread()
                    ok = response.status_code == 200
                except httpx.HTTPError:
                    ok = False
                latencies.append(time.perf_counter() - t0)
                errors += not ok

        await asyncio.gather(*(worker() for _ in range(concurrency)))
        seconds = time.perf_counter() - start
    done = len(latencies)
    cuts = (
        statistics.quantiles(latencies, n=100, method="inclusive") if done > 1 else latencies * 99
    )
    return Result(
        target=path.split("?")[0],
        requests=done,
        concurrency=concurrency,
        seconds=round(seconds, 3),
        rps=round(done / seconds, 1) if seconds else 0.0,
        p50_ms=round(cuts[49] * 1000, 2),
        p99_ms=round(cuts[98] * 1000, 2),
        errors=errors,
        not_sent=requests - done,
    )


# -- the machine --------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    free = (
        subprocess.run(["free", "-h"], capture_output=True, text=True).stdout.strip()
        if shutil.which("free")
        else "n/a"
    )
    return {
        "nproc": os.cpu_count(),
        "free_h": free,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "loadavg_before": [round(x, 2) for x in os.getloadavg()],
    }


def table(results: list[Result], bare_rps: float) -> str:
    lines = [
        "| target | requests | concurrency | req/s | p50 ms | p99 ms | errors "
        "| server CPU ms/req | client CPU ms/req | ÷ bare req/s |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        ratio = f"{r.rps / bare_rps:.3f}" if bare_rps else "–"
        lines.append(
            f"| `{r.target}` | {r.requests} | {r.concurrency} | {r.rps} | {r.p50_ms} | "
            f"{r.p99_ms} | {r.errors} | {r.server_cpu_ms_per_request} | "
            f"{r.client_cpu_ms_per_request} | {ratio} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=2000, help="requests per target")
    parser.add_argument("--concurrency", type=int, default=32, help="requests in flight")
    parser.add_argument("--max-seconds", type=float, default=120.0, help="cap per target")
    parser.add_argument("--warmup", type=int, default=5, help="requests before measuring")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        help="also run the API as this many processes (serve --workers) and compare",
    )
    parser.add_argument("--bare-server", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.bare_server:
        serve_bare(args.bare_server)
        return
    if not 1 <= args.requests <= 100_000 or not 1 <= args.concurrency <= 256:
        parser.error("--requests must be 1..100000 and --concurrency 1..256")

    info = machine()
    say(f"machine: nproc={info['nproc']}, python {info['python']}, {info['platform']}")
    say(f"load average before: {info['loadavg_before']}")
    say(info["free_h"])
    folder = Path(tempfile.mkdtemp(prefix="concentric-bench-api-"))
    servers: list[Server] = []
    try:
        store, token = make_store(folder)
        bare_port, api_port = free_port(), free_port()
        servers.append(
            Server(
                "bare",
                [sys.executable, str(HERE), "--bare-server", str(bare_port)],
                bare_port,
                "/ok",
                folder / "bare.log",
            )
        )
        servers.append(
            Server(
                "concentric",
                [*CLI, "serve", "--store", str(store), "--host", HOST, "--port", str(api_port)],
                api_port,
                "/healthz",
                folder / "api.log",
            )
        )
        bare, api = servers
        auth = {"Authorization": f"Bearer {token}"}
        runs = [
            (bare.url, "/ok", {}),
            (api.url, f"/api/v1/coverage?as_of={AS_OF}", auth),
            (api.url, f"/api/v1/gaps?as_of={AS_OF}", auth),
        ]
        run_servers = [bare, api, api]
        if args.workers > 1:
            many_port = free_port()
            many = Server(
                f"concentric --workers {args.workers}",
                [
                    *CLI,
                    "serve",
                    "--store",
                    str(store),
                    "--host",
                    HOST,
                    "--port",
                    str(many_port),
                    "--workers",
                    str(args.workers),
                ],
                many_port,
                "/healthz",
                folder / "api-workers.log",
            )
            servers.append(many)
            runs += [
                (many.url, f"/api/v1/coverage?as_of={AS_OF}", auth),
                (many.url, f"/api/v1/gaps?as_of={AS_OF}", auth),
            ]
            run_servers += [many, many]
        results: list[Result] = []
        for (base_url, path, headers), server in zip(runs, run_servers, strict=True):
            say(f"{path}: {args.requests} requests, concurrency {args.concurrency} …")
            cpu_before = cpu_seconds(server.proc.pid)
            client_before = time.process_time()
            result = asyncio.run(
                fire(
                    base_url,
                    path,
                    headers,
                    args.requests,
                    args.concurrency,
                    args.max_seconds,
                    args.warmup,
                )
            )
            cpu_after = cpu_seconds(server.proc.pid)
            client_spent = time.process_time() - client_before
            result.client_cpu_ms_per_request = round(
                client_spent * 1000 / (result.requests + args.warmup), 2
            )
            if cpu_before is not None and cpu_after is not None and result.requests:
                # Includes the warm-up requests: a small overcount.
                spent = (cpu_after - cpu_before) / (result.requests + args.warmup)
                result.server_cpu_ms_per_request = round(spent * 1000, 2)
            say(
                f"  {result.rps} req/s, p50 {result.p50_ms} ms, p99 {result.p99_ms} ms, "
                f"{result.errors} errors, {result.not_sent} not sent, "
                f"server CPU {result.server_cpu_ms_per_request} ms/request, "
                f"client CPU {result.client_cpu_ms_per_request} ms/request"
            )
            results.append(result)
    finally:
        for server in servers:
            server.stop()
        shutil.rmtree(folder, ignore_errors=True)

    bare_rps = results[0].rps
    ratios = {
        "coverage_rps / bare_rps": round(results[1].rps / bare_rps, 4) if bare_rps else None,
        "gaps_rps / bare_rps": round(results[2].rps / bare_rps, 4) if bare_rps else None,
    }
    if len(results) == 5:  # the same two endpoints through --workers N processes
        for name, one, many in (
            ("coverage", results[1], results[3]),
            ("gaps", results[2], results[4]),
        ):
            ratios[f"{name}: {args.workers} workers / 1 (req/s)"] = (
                round(many.rps / one.rps, 4) if one.rps else None
            )
    info["loadavg_after"] = [round(x, 2) for x in os.getloadavg()]
    say("")
    say(table(results, bare_rps))
    say("")
    for name, value in ratios.items():
        say(f"{name} = {value}")
    say(f"load average after: {info['loadavg_after']}")
    if args.json:
        args.json.write_text(
            json.dumps(
                {"machine": info, "results": [asdict(r) for r in results], "ratios": ratios},
                indent=2,
            )
            + "\n"
        )


if __name__ == "__main__":
    main()

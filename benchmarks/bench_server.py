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

With ``--every-route`` it instead starts one server and requests every page and endpoint of
the app that reads data (listed from ``create_app().routes``; it fails if a GET route is
neither requested nor named in :data:`NOT_READING`), each twice (cold, warm), as a planner,
as a leader where a page is the leader's own, as an admin for the admin-only reads, with
the departure ``POST`` and an upload preview. Per request it records the seconds, the status
and the server's RSS and peak (``VmHWM``) after it, so the request that raised the peak is
the one whose peak column jumps. It writes to the store (tokens, a calendar feed, the kept
index): give it a copy.

    python benchmarks/bench_server.py --store COPY.db --every-route --json every.json
"""

from __future__ import annotations

import argparse
import json
import re
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
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


def forget_kept_index(store: Path) -> None:
    """Empty the store's kept index, so the server's build is measured, not a read-back."""
    with sqlite3.connect(store) as con:
        if con.execute("SELECT 1 FROM sqlite_master WHERE name = 'derived'").fetchone():
            con.execute("DELETE FROM derived")


def cli_last_line(store: Path, *argv: str) -> str:
    """The last line a ``concentric`` command prints (a token, a feed URL) on ``store``."""
    done = subprocess.run(
        [*CLI, *argv, "--store", str(store.resolve())], check=True, capture_output=True, text=True
    )
    return done.stdout.strip().splitlines()[-1]


def timed_get(client: httpx.Client, path: str) -> tuple[float, int, int]:
    began = time.perf_counter()
    response = client.get(path)
    return time.perf_counter() - began, response.status_code, len(response.content)


#: GET routes the every-route mode leaves out, and why.
NOT_READING = {"/logout": "ends the session the later requests need"}


def app_get_routes() -> set[str]:
    """The path template of every GET route of ``create_app()`` (routers included)."""
    from concentric.api.app import create_app

    found: set[str] = set()

    def walk(routes: Iterable[Any], prefix: str) -> None:
        for route in routes:
            if hasattr(route, "path"):
                if "GET" in (getattr(route, "methods", None) or ()):
                    found.add(prefix + route.path)
                continue
            # An included router (newer FastAPI keeps it whole): its routes under its prefix.
            context = getattr(route, "include_context", None)
            walk(route.original_router.routes, prefix + (getattr(context, "prefix", "") or ""))

    walk(create_app().routes, "")
    return found


def every_route_requests(
    store: Path, area: str, leader: str, feed: str, upload: Path | None
) -> list[tuple[str, str, str, str, dict[str, Any] | None]]:
    """(route template, who asks, method, path, JSON body) of each request of the mode."""
    with sqlite3.connect(f"file:{store}?mode=ro", uri=True) as con:
        (figure, name), (other, _) = con.execute(
            "SELECT id, json_extract(props, '$.name') FROM nodes WHERE kind = 'figure'"
            " ORDER BY id LIMIT 2"
        ).fetchall()
    year = AS_OF[:4]
    planner = [
        ("/healthz", "/healthz"),
        ("/openapi.json", "/openapi.json"),
        ("/api/v1/coverage", f"/api/v1/coverage?as_of={AS_OF}"),
        ("/api/v1/gaps", f"/api/v1/gaps?as_of={AS_OF}&area_id={area}"),
        ("/api/v1/gaps", f"/api/v1/gaps?as_of={AS_OF}"),
        ("/api/v1/leaders", f"/api/v1/leaders?as_of={AS_OF}"),
        ("/api/v1/single-points", f"/api/v1/single-points?as_of={AS_OF}"),
        ("/api/v1/blind-spots", f"/api/v1/blind-spots?as_of={AS_OF}"),
        ("/api/v1/recommendations", f"/api/v1/recommendations?as_of={AS_OF}&area_id={area}"),
        ("/api/v1/recommendations", f"/api/v1/recommendations?as_of={AS_OF}"),
        ("/api/v1/changes", f"/api/v1/changes?from={year}-01-01&to={AS_OF}"),
        ("/api/v1/brokers", f"/api/v1/brokers?area_id={area}"),
        ("/api/v1/brokers", "/api/v1/brokers?sample=5000"),
        ("/api/v1/brokers", "/api/v1/brokers"),
        ("/api/v1/communities", f"/api/v1/communities?area_id={area}"),
        ("/api/v1/communities", "/api/v1/communities?sample=5000"),
        ("/api/v1/communities", "/api/v1/communities"),
        ("/api/v1/entities/{entity_id}", f"/api/v1/entities/{figure}"),
        ("/api/v1/entities/{entity_id}", f"/api/v1/entities/{area}"),
        ("/api/v1/search", f"/api/v1/search?q={name}"),
        ("/api/v1/network/{entity_id}", f"/api/v1/network/{leader}"),
        ("/api/v1/path", f"/api/v1/path?source={figure}&target={other}"),
        ("/api/v1/leaders/{leader_id}", f"/api/v1/leaders/{leader}"),
        ("/api/v1/leaders/{leader_id}/todo", f"/api/v1/leaders/{leader}/todo?as_of={AS_OF}"),
        ("/api/v1/completeness", "/api/v1/completeness"),
        ("/api/v1/duplicates", "/api/v1/duplicates"),
        ("/api/v1/duplicates/judgements", "/api/v1/duplicates/judgements"),
        ("/api/v1/assessment", f"/api/v1/assessment?year={year}"),
        ("/login", "/login"),
        ("/", "/"),
        ("/gaps", f"/gaps?area_id={area}"),
        ("/gaps", "/gaps"),
        ("/gaps.csv", f"/gaps.csv?area_id={area}"),
        ("/gaps.csv", "/gaps.csv"),
        ("/gaps.xlsx", f"/gaps.xlsx?area_id={area}"),
        ("/gaps.xlsx", "/gaps.xlsx"),
        ("/leaders", "/leaders"),
        ("/leaders/{leader_id}", f"/leaders/{leader}"),
        ("/entities/{entity_id}", f"/entities/{figure}"),
        ("/viz/leader/{leader_id}", f"/viz/leader/{leader}"),
        ("/viz/entity/{entity_id}", f"/viz/entity/{figure}"),
        ("/viz/area/{area_id}", f"/viz/area/{area}"),
        ("/viz/district", "/viz/district"),
        ("/handover", f"/handover?leader_ids={leader}"),
        ("/upload", "/upload"),
        ("/blind-spots", "/blind-spots"),
        ("/single-points", "/single-points"),
        ("/suggestions", f"/suggestions?area_id={area}"),
        ("/suggestions", "/suggestions"),
        ("/changes", "/changes"),
        ("/search", f"/search?q={name}"),
        ("/areas/{area_id}", f"/areas/{area}"),
        ("/duplicates", "/duplicates"),
        ("/completeness", "/completeness"),
        ("/assessment", f"/assessment?year={year}"),
    ]
    requests: list[tuple[str, str, str, str, dict[str, Any] | None]] = [
        (template, "planner", "GET", path, None) for template, path in planner
    ]
    departure = {"leader_ids": [leader], "as_of": AS_OF}
    requests.insert(8, ("/api/v1/departure", "planner", "POST", "/api/v1/departure", departure))
    requests += [
        ("/api/v1/tokens", "admin", "GET", "/api/v1/tokens", None),
        ("/api/v1/audit", "admin", "GET", "/api/v1/audit", None),
        ("/", "leader", "GET", "/", None),
        ("/leaders/{leader_id}", "leader", "GET", f"/leaders/{leader}", None),
        ("/api/v1/assessment", "leader", "GET", f"/api/v1/assessment?year={year}", None),
        ("/assessment", "leader", "GET", f"/assessment?year={year}", None),
        ("/calendar/{secret}.ics", "anyone", "GET", feed, None),
    ]
    if upload is not None:  # the CSRF token comes from the upload page; see upload_preview
        requests.append(("/upload/preview", "planner", "UPLOAD", "/upload/preview", None))
    return requests


def upload_form(client: httpx.Client, upload: Path) -> dict[str, Any]:
    """The form fields of an upload preview of ``upload``, CSRF token from the upload page."""
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/upload").text)
    if found is None:
        raise SystemExit("the upload page has no CSRF token")
    return {
        "data": {"csrf_token": found.group(1)},
        "files": [("files", (upload.name, upload.read_bytes(), "text/csv"))],
    }


def signed_in(client: httpx.Client, token: str) -> httpx.Client:
    """``client`` with a page session (pages read a session cookie, never the token)."""
    answer = client.post("/login", data={"token": token}, follow_redirects=False)
    if answer.status_code != 303:
        raise SystemExit(f"signing in failed: {answer.status_code}")
    return client


def every_route(
    store: Path, area: str, upload: Path | None, only: list[str], result_json: Path | None
) -> None:
    """The ``--every-route`` mode (see the module's docstring); with ``only``, just the
    requests whose path contains one of its strings."""
    leader = first_leader(store)
    forget_kept_index(store)
    tokens = {
        "planner": cli_last_line(store, "token", "create", "--role", "planner"),
        "admin": cli_last_line(store, "token", "create", "--role", "admin"),
        "leader": cli_last_line(store, "token", "create", "--role", "leader", "--leader", leader),
    }
    feed = "/" + cli_last_line(store, "calendar", "create", "--leader", leader).split("/", 3)[3]
    requests = every_route_requests(store, area, leader, feed, upload)
    unasked = app_get_routes() - {r[0] for r in requests} - set(NOT_READING)
    if unasked:
        raise SystemExit(f"GET routes neither requested nor named in NOT_READING: {unasked}")
    if only:
        requests = [r for r in requests if any(text in r[3] for text in only)]
    logs = Path(tempfile.mkdtemp(prefix="concentric-every-route-"))
    serve = [*CLI, "serve", "--store", str(store.resolve()), "--host", HOST]
    api, seconds = started(
        "concentric serve", lambda p: [*serve, "--port", str(p)], "/healthz", logs / "serve.log"
    )
    pid = api.proc.pid
    rows: list[dict[str, Any]] = []
    say(f"concentric serve: up in {seconds:.2f} s, RSS {memory_mib(pid)[0]:.0f} MiB")
    clients: dict[str, httpx.Client] = {}
    try:
        for who, token in tokens.items():
            client = httpx.Client(
                base_url=api.url, headers={"Authorization": f"Bearer {token}"}, timeout=3600
            )
            clients[who] = signed_in(client, token) if who != "admin" else client
        clients["anyone"] = httpx.Client(base_url=api.url, timeout=3600)
        for template, who, method, path, body in requests:
            verb = "POST" if method == "UPLOAD" else method
            for turn in ("cold", "warm"):
                if method == "UPLOAD":
                    assert upload is not None
                    form = upload_form(clients[who], upload)
                    began = time.perf_counter()
                    answer = clients[who].post(path, **form)
                else:
                    began = time.perf_counter()
                    answer = clients[who].request(method, path, json=body)
                seconds = time.perf_counter() - began
                rss, peak = memory_mib(pid)
                row = {
                    "route": template,
                    "who": who,
                    "request": f"{verb} {path}",
                    "turn": turn,
                    "status": answer.status_code,
                    "seconds": seconds,
                    "bytes": len(answer.content),
                    "rss_mib": rss,
                    "peak_rss_mib": peak,
                }
                rows.append(row)
                say(
                    f"  {who} {verb} {path} {turn}: {answer.status_code} in {seconds:.2f} s,"
                    f" {len(answer.content):,} bytes; RSS {rss:.0f} MiB, peak {peak:.0f} MiB"
                )
        peak = memory_mib(pid)[1]
    finally:
        for client in clients.values():
            client.close()
        api.stop()
    errors = [r for r in rows if r["status"] >= 500]
    slow = [r for r in rows if r["seconds"] > 60]
    verdict = "within" if peak <= LIMIT_MIB else "OVER"
    say(
        f"{len(rows)} requests; peak RSS {peak:,.0f} MiB, {verdict} the {LIMIT_MIB} MiB limit;"
        f" {len(errors)} answered 5xx, {len(slow)} took over 60 s"
    )
    if result_json is not None:
        summary = {"store": str(store), "area": area, "peak_rss_mib": peak, "requests": rows}
        result_json.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--store", type=Path, required=True, help="a store made by load")
    parser.add_argument("--area", help="area id for the gap list (default: the first town)")
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    parser.add_argument(
        "--every-route",
        action="store_true",
        help="request every data-reading page and endpoint, cold and warm (a second mode)",
    )
    parser.add_argument(
        "--upload", type=Path, help="with --every-route: a CSV (e.g. figures.csv) to preview"
    )
    parser.add_argument(
        "--only",
        action="append",
        default=[],
        metavar="TEXT",
        help="with --every-route: just the requests whose path contains TEXT (repeatable)",
    )
    args = parser.parse_args()
    if not args.store.is_file():
        raise SystemExit(f"{args.store}: no such store")
    if args.every_route:
        area = args.area or first_town(args.store)
        every_route(args.store, area, args.upload, args.only, args.json)
        return
    area = args.area or first_town(args.store)
    leader = first_leader(args.store)
    figure = leader.replace("L", "F0", 1)  # synth ids: L00001 -> F000001
    forget_kept_index(args.store)
    token = cli_last_line(args.store, "token", "create", "--role", "planner")
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

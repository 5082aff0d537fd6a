"""Time and memory of the yearly assessment (``Workspace.assessment``) on a stored dataset,
for one or more checkouts of the code (issue 17: the scorecard at 10^6).

Each run is a child process with ``PYTHONPATH`` set to a checkout: it opens the store,
builds (or reads back) the snapshot, then times ``assessment(year)`` alone while a thread
samples the resident memory; it prints the RSS before the call, the peak during it, and the
process's peak. Runs alternate between the checkouts (``--rounds`` times each), so both see
the same load; the load average is printed before each run.

    python benchmarks/bench_assessment.py --store /tmp/copy.db --code /tmp/main --code .
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

#: One date for every run, so all count the same year so far.
AS_OF = "2026-12-07"

CHILD = """
import datetime as dt, json, resource, sys, threading, time
from concentric.graph import open_workspace

def rss_mib():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096 / 2**20

def measure(ws):
    start = time.perf_counter()
    ws.snapshot()
    snapshot_s = time.perf_counter() - start
    before = rss_mib()
    peak = [before]
    done = threading.Event()

    def sample():
        while not done.wait(0.02):
            peak[0] = max(peak[0], rss_mib())

    sampler = threading.Thread(target=sample)
    sampler.start()
    start = time.perf_counter()
    try:
        card = ws.assessment(int(sys.argv[2]), dt.date.fromisoformat(sys.argv[3]))
    finally:
        done.set()
    took = time.perf_counter() - start
    sampler.join()
    peak[0] = max(peak[0], rss_mib())
    print(json.dumps({
        "snapshot_s": snapshot_s, "assessment_s": took, "rss_before_mib": before,
        "rss_peak_mib": peak[0],
        "process_peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "leaders": len(card["leaders"]),
        "total_sum": round(sum(c["total"] for c in card["leaders"]), 2),
    }))

ws = open_workspace(sys.argv[1])
try:
    measure(ws)
finally:
    ws.close()
"""


def run(code: Path, store: str, year: int) -> dict[str, float]:
    """One measured run of the checkout ``code``."""
    env = dict(os.environ, PYTHONPATH=str(code))
    out = subprocess.run(
        [sys.executable, "-c", CHILD, store, str(year), AS_OF],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    figures: dict[str, float] = json.loads(out.strip().splitlines()[-1])
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", required=True, help="a store (a copy: a snapshot is kept)")
    parser.add_argument("--code", action="append", type=Path, required=True, help="checkout")
    parser.add_argument("--year", type=int, default=2026)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    for round_no in range(args.rounds):
        for code in args.code:
            load = os.getloadavg()
            figures = run(code.resolve(), args.store, args.year)
            print(
                f"round {round_no + 1} {code}: assessment {figures['assessment_s']:.1f} s, "
                f"RSS {figures['rss_before_mib']:,.0f} -> peak {figures['rss_peak_mib']:,.0f} MiB "
                f"(+{figures['rss_peak_mib'] - figures['rss_before_mib']:,.0f}), process peak "
                f"{figures['process_peak_mib']:,.0f} MiB, snapshot {figures['snapshot_s']:.1f} s, "
                f"{figures['leaders']} leaders, points {figures['total_sum']}; "
                f"load {load[0]:.2f} {load[1]:.2f}",
                flush=True,
            )


if __name__ == "__main__":
    main()

"""Peak memory of ``concentric export`` (whole graph, csv, streamed) and of
``concentric report --xlsx`` (a write-only workbook) at two sizes (issue 15).

For each size (default 2*10^4 and 10^5 targets): ``concentric synth`` writes a dataset,
``concentric load`` stores it, and ``concentric export --format csv`` and ``concentric
report --xlsx`` (with ``--graph-max-rows 1``: as past the limit at 10^6, without the
whole-graph suggestions) each run in a child process whose peak RSS is read from ``os.wait4``. A
child that only opens the workspace and builds the engine's index (what both need besides
their rows) is measured the same way, so each command's own share is the difference.
Prints the figures and the ratios of the largest size to the smallest (beside the ratio of
the targets); ``--store FILE`` measures an existing store instead (read only).

    python benchmarks/bench_export_memory.py --sizes 20000,100000
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

#: One date for every report, so both sizes count the same window.
AS_OF = "2026-11-27"
CLI = [sys.executable, "-c", "from concentric.api.cli import main; main()"]
INDEX_ONLY = [
    sys.executable,
    "-c",
    "import sys; from concentric.graph import open_workspace; "
    "ws = open_workspace(sys.argv[1]); ws.index(); ws.close()",
]


def peak_rss(argv: list[str]) -> tuple[float, float]:
    """(wall seconds, peak RSS in MiB) of a child process; it must succeed."""
    start = time.perf_counter()
    child = subprocess.Popen(argv, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {' '.join(argv)}")
    return time.perf_counter() - start, usage.ru_maxrss / 1024


def measure(store: Path, folder: Path) -> dict[str, float]:
    index_wall, index_rss = peak_rss([*INDEX_ONLY, str(store)])
    out = folder / "export"
    export_wall, export_rss = peak_rss(
        [*CLI, "export", "--format", "csv", str(out), "--store", str(store)]
    )
    size = sum(f.stat().st_size for f in out.iterdir()) / 2**20
    workbook = folder / "report.xlsx"
    report_wall, report_rss = peak_rss(
        [
            *CLI,
            "report",
            "--xlsx",
            str(workbook),
            "--as-of",
            AS_OF,
            # As past the default limit at 10^6: no whole-graph suggestions.
            "--graph-max-rows",
            "1",
            "--store",
            str(store),
        ]
    )
    return {
        "index_rss": index_rss,
        "export_rss": export_rss,
        "export_own": export_rss - index_rss,
        "export_s": export_wall,
        "index_s": index_wall,
        "csv_mib": size,
        "report_rss": report_rss,
        "report_own": report_rss - index_rss,
        "report_s": report_wall,
        "xlsx_mib": workbook.stat().st_size / 2**20,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="20000,100000")
    parser.add_argument("--store", type=Path, help="measure this store instead (read only)")
    args = parser.parse_args()
    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        if args.store:
            results[str(args.store)] = measure(args.store, Path(tmp))
        else:
            for size in [int(s) for s in args.sizes.split(",")]:
                folder = Path(tmp) / str(size)
                data, store = folder / "data", folder / "c.db"
                subprocess.run(
                    [*CLI, "synth", "--targets", str(size), str(data)],
                    check=True,
                    stdout=subprocess.DEVNULL,
                )
                subprocess.run(
                    [*CLI, "load", str(data), "--store", str(store)],
                    check=True,
                    stdout=subprocess.DEVNULL,
                )
                results[str(size)] = measure(store, folder)
    for name, figures in results.items():
        print(name, " ".join(f"{k}={v:.1f}" for k, v in figures.items()), flush=True)
    if len(results) > 1:
        measured = list(results.values())
        first, last = measured[0], measured[-1]
        names = list(results)
        if all(n.isdigit() for n in names):
            print(f"ratio targets: {int(names[-1]) / int(names[0]):.2f}")
        keys = ("index_rss", "export_rss", "export_own", "csv_mib")
        for key in (*keys, "report_rss", "report_own", "xlsx_mib"):
            print(f"ratio {key}: {last[key] / max(first[key], 1e-9):.2f}")


if __name__ == "__main__":
    main()

"""A load of a 1 % change of files: the delta against a cold rebuild (issue 15, part 2).

1. ``concentric synth --targets N DIR`` and ``concentric load DIR`` into a store (which
   keeps the snapshot's parts for its version);
2. a change: 1 % of the figures renamed and moved to another area, and 1 % more
   interactions (new rows) — ``figures.csv`` and ``interactions.csv`` rewritten whole, as
   an office would send them;
3. on two copies of the store, in child processes: ``concentric load CHANGE`` then the first
   ``concentric coverage`` of a fresh process — once as shipped (the delta), once with the
   delta switched off (``DELTA_MIN_ROWS = DELTA_MAX_SHARE = 0``: the cold rebuild);
   wall times, their ratio, and the two coverage answers checked equal.

    python benchmarks/bench_delta_load.py --targets 100000
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CLI = "from concentric.api.cli import main; main()"
COLD = (
    "from concentric.graph.engine import index_delta as d; "
    "d.DELTA_MIN_ROWS = 0; d.DELTA_MAX_SHARE = 0.0; " + CLI
)


def run(code: str, *args: str | Path) -> tuple[float, str]:
    """Wall time and stdout of ``concentric ARGS`` in a child process (``code`` starts it)."""
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", code, *map(str, args)], capture_output=True, text=True, check=True
    )
    return time.perf_counter() - start, done.stdout


def change_files(data: Path, out: Path, share: float, seed: int) -> int:
    """Write the changed ``figures.csv`` and ``interactions.csv`` to ``out``; rows changed."""
    rng = random.Random(seed)
    out.mkdir()
    with (data / "figures.csv").open(encoding="utf-8") as f:
        figures = list(csv.reader(f))
    header, body = figures[0], figures[1:]
    name, area = header.index("name"), header.index("area_id")
    areas = sorted({row[area] for row in body if row[area]})
    picked = rng.sample(range(len(body)), int(share * len(body)))
    for i in picked:
        body[i][name] += "改"
        body[i][area] = rng.choice(areas)
    with (out / "figures.csv").open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([header, *body])
    with (data / "interactions.csv").open(encoding="utf-8") as f:
        interactions = list(csv.reader(f))
    header, body = interactions[0], interactions[1:]
    added = []
    for i in range(int(share * len(body))):
        row = list(rng.choice(body))
        row[header.index("id")] = f"IDELTA{i:07d}"
        row[header.index("date")] = "2026-11-20"
        added.append(row)
    with (out / "interactions.csv").open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([header, *body, *added])
    return len(picked) + len(added)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--targets", type=int, default=100_000)
    parser.add_argument("--share", type=float, default=0.01)
    parser.add_argument("--as-of", default="2026-11-27")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        data, base = tmp / "data", tmp / "base.db"
        run(CLI, "synth", "--targets", args.targets, data)
        seconds, _ = run(CLI, "load", data, "--store", base)
        print(f"targets {args.targets:,}: first load {seconds:.1f} s")
        rows = change_files(data, tmp / "change", args.share, seed=7)
        print(f"change: {rows:,} rows of figures.csv and interactions.csv")
        answers = {}
        times = {}
        for label, code in (("delta", CLI), ("cold rebuild", COLD)):
            store = tmp / f"{label}.db"
            shutil.copyfile(base, store)
            load_s, said = run(code, "load", tmp / "change", "--store", store)
            first_s, out = run(CLI, "coverage", "--json", "--as-of", args.as_of, "--store", store)
            answer = json.loads(out)
            answer.pop("version", None)
            answers[label] = answer
            times[label] = load_s + first_s
            print(
                f"{label:>13}: load {load_s:.1f} s + first coverage {first_s:.1f} s "
                f"= {load_s + first_s:.1f} s ({said.strip()})"
            )
        assert answers["delta"] == answers["cold rebuild"], "the two answers differ"
        ratio = times["delta"] / times["cold rebuild"]
        print(f"delta / cold rebuild: {ratio:.2f} (same coverage answer)")


if __name__ == "__main__":
    main()

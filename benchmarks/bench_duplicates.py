"""The duplicate finder on a loaded store, with planted duplicates (issue 16).

    python3.11 benchmarks/bench_duplicates.py STORE [--plant 1000] [--seed 16]

STORE is a store loaded from `concentric synth --targets N` (read only). ``--plant`` copies
that many random figures, organizations and units under new ids with the name spelt as
another register would (a space, a full-width space, a bracketed 本部, a one-character
typo), in memory only, and reports how many of those pairs the finder lists (recall) and
what share of its candidates they are. Prints the time to read the records, the time to
find, the peak memory of the process, and the pairs compared against all pairs.
"""

from __future__ import annotations

import argparse
import random
import resource
import time

from concentric.graph.engine.duplicates import DUPLICATE_KINDS, entity_of, find_duplicates
from concentric.graph.schema.model import NodeRecord
from concentric.graph.store.sqlite_store import SQLiteStore

_KEEP = set("0123456789〇零一二三四五六七八九十百东西南北上下前后左右中")


def respelt(kind: str, name: str, turn: int) -> str:
    """The name as another register would spell it (one of four habits)."""
    if kind == "figure":
        return name[0] + (" ", "　")[turn % 2] + name[1:]
    if turn % 3 == 0:
        return name + "（本部）"
    if turn % 3 == 1:
        return " " + name + " "
    spot = next((i for i in range(2, len(name) - 1) if name[i] not in _KEEP), None)
    if len(name) < 5 or spot is None:
        return name + "(本部)"
    return name[:spot] + "甲" + name[spot + 1 :]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("store")
    parser.add_argument("--plant", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=16)
    args = parser.parse_args()

    store = SQLiteStore(args.store)
    start = time.perf_counter()
    records = [r for r in store.nodes() if r.kind in DUPLICATE_KINDS]
    memberships = [
        (link.source_id, link.target_id) for link in store.links() if link.kind == "member_of"
    ]
    read = time.perf_counter() - start
    store.close()

    chosen = random.Random(args.seed).sample(records, args.plant)
    copies = [
        NodeRecord(f"DUP-{r.id}", r.kind, {**r.props, "name": respelt(r.kind, r.props["name"], i)})
        for i, r in enumerate(chosen)
    ]
    planted = {tuple(sorted((r.id, f"DUP-{r.id}"))) for r in chosen}
    entities = [entity_of(r) for r in [*records, *copies]]

    start = time.perf_counter()
    result = find_duplicates(entities, memberships)
    found = time.perf_counter() - start
    pairs = {(c.left, c.right) for c in result.candidates}
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    print(f"records {result.records} ({len(copies)} planted copies)")
    print(f"read {read:.1f} s, find {found:.1f} s, peak memory {peak_mb:.0f} MB")
    print(
        f"pairs compared {result.pairs_compared} of {result.all_pairs} "
        f"({result.pairs_compared / max(result.all_pairs, 1):.2e}); "
        f"records in skipped blocks {result.records_in_skipped_blocks}"
    )
    print(
        f"candidates {len(pairs)}; planted found {len(pairs & planted)} of {len(planted)} "
        f"(recall {len(pairs & planted) / len(planted):.3f}); "
        f"planted share of candidates {len(pairs & planted) / max(len(pairs), 1):.3f}"
    )


if __name__ == "__main__":
    main()

"""The embedded store's read of relationship ties (``SQLiteStore.relationship_ties``, what
the rankings walk three steps out from each target): for every id, the ties worked out
from the world's records alone — relationship links and the edges an interaction's leader
and target columns make, both ends stored — and none for an id not stored (random worlds;
the contract test in test_backends runs a hand-built district on every backend).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from analysis_helpers import TARGET_KINDS, World, day, relationship_ties_of, worlds
from hypothesis import given, settings

from concentric.graph.schema.model import Dataset
from concentric.graph.store.sqlite_store import SQLiteStore


def _expected(world: World, node: str) -> set[tuple[str, str, str]]:
    """``node``'s relationship ties from the records, both ends among the stored ids."""
    return {e for e in relationship_ties_of(world) if node in e[1:]}


@settings(max_examples=40, deadline=None)
@given(world=worlds(max_leaders=4, max_targets=6, contact_chance=0.4))
def test_relationship_ties_are_those_of_the_records(world: World) -> None:
    targets = sorted(n for n, r in world.nodes.items() if r.kind in TARGET_KINDS)
    # An interaction naming someone never stored: no tie to the ghost, the others kept.
    world.interaction("IZ", day(-3), ["L0", "GHOST"], [targets[-1], "NOBODY"])
    ids = [*sorted(world.nodes), "GHOST", "NOBODY"]
    with tempfile.TemporaryDirectory() as folder, SQLiteStore(Path(folder) / "c.db") as store:
        store.load(Dataset(list(world.nodes.values()), world.links), replace=True)
        found = store.relationship_ties(ids)
        assert sorted(found) == sorted(world.nodes)
        for node in world.nodes:
            assert found[node] == _expected(world, node), node
        assert ("took_part", "L0", "IZ") in found["IZ"]

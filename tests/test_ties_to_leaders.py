"""The ranking's last step reads only the ties reaching leaders (``SQLiteStore.
relationship_ties_to``, the workspace reader's ``ties_to``), and the targets of a town walk
their three steps together (``read_signals``). Expected answers come from the world's
records alone: the ties as test_relationship_ties works them out, cut to those whose other
end is one of the ends asked; each target's meetings and the leaders 2 and 3 steps away
from a breadth-first search over those ties.
"""

from __future__ import annotations

import datetime as dt
import random
import tempfile
from collections import defaultdict
from pathlib import Path

from analysis_helpers import TARGET_KINDS, World, day, relationship_ties_of, worlds
from hypothesis import given, settings
from hypothesis import strategies as st

from concentric.graph.network.recommend import read_signals
from concentric.graph.schema.model import Dataset
from concentric.graph.store.sqlite_store import SQLiteStore
from concentric.graph.workspace import Workspace, _StoreReader

Tie = tuple[str, str, str]


def _reaching(ties: set[Tie], node: str, ends: set[str]) -> set[Tie]:
    """``node``'s ties whose other end (``node`` for a tie to itself) is in ``ends``."""
    return {t for t in ties if (t[1] == node and t[2] in ends) or (t[2] == node and t[1] in ends)}


def _with_ghosts(world: World) -> World:
    targets = sorted(n for n, r in world.nodes.items() if r.kind in TARGET_KINDS)
    world.interaction("IZ", day(-3), ["L0", "GHOST"], [targets[-1], "NOBODY"])
    return world


@settings(max_examples=40, deadline=None)
@given(world=worlds(max_leaders=4, max_targets=6, contact_chance=0.4), seed=st.integers(0, 999))
def test_ties_to_are_the_stored_ties_reaching_the_ends(world: World, seed: int) -> None:
    world = _with_ghosts(world)
    ties = relationship_ties_of(world)
    pick = random.Random(seed)
    ids = [*sorted(world.nodes), "GHOST", "NOBODY"]
    leaders = {n for n, r in world.nodes.items() if r.kind == "leader"}
    # The leaders (what the ranking asks for), and a random set of any ids (a ghost too).
    for ends in (leaders, set(pick.sample(ids, pick.randint(0, len(ids))))):
        expected = {n: _reaching(ties, n, ends) for n in world.nodes}
        with tempfile.TemporaryDirectory() as folder, SQLiteStore(Path(folder) / "c.db") as store:
            store.load(Dataset(list(world.nodes.values()), world.links), replace=True)
            assert store.relationship_ties_to(ids, ends) == expected
            # The workspace's reader: some ids' full ties read already, the others not.
            reader = _StoreReader(store)
            reader.ties(pick.sample(ids, len(ids) // 2))
            found = reader.ties_to(ids, {e: {"kind": "any"} for e in ends})
            assert found == expected


def _walk(ties: set[Tie], target: str) -> dict[str, int]:
    """Steps from ``target`` to every node within three, over ties either way."""
    around: dict[str, set[str]] = defaultdict(set)
    for _, a, b in ties:
        around[a].add(b)
        around[b].add(a)
    steps, level = {target: 0}, {target}
    for step in (1, 2, 3):
        level = {m for n in level for m in around[n] if m not in steps}
        steps.update((m, step) for m in level)
    return steps


@settings(max_examples=40, deadline=None)
@given(world=worlds(max_leaders=4, max_targets=8, contact_chance=0.4))
def test_targets_walked_together_have_their_own_signals(world: World) -> None:
    ties = relationship_ties_of(world)
    targets = sorted(n for n, r in world.nodes.items() if r.kind in TARGET_KINDS)
    leaders = sorted(n for n, r in world.nodes.items() if r.kind == "leader")
    with tempfile.TemporaryDirectory() as folder, SQLiteStore(Path(folder) / "c.db") as store:
        store.load(Dataset(list(world.nodes.values()), world.links), replace=True)
        workspace = Workspace(store, graph_max_rows=0)
        snap = workspace.snapshot()
        reader = _StoreReader(store)
        context = workspace._context(snap, reader, dt.date(2026, 6, 30), leaders)
        found = read_signals(context, targets)
    for target in targets:
        steps = _walk(ties, target)
        near = {n: s for n, s in steps.items() if n in leaders and s in (2, 3)}
        assert {n: d for n, (d, _) in found[target].near.items()} == near, target
        meetings: dict[str, list[dt.date]] = defaultdict(list)
        for record in world.nodes.values():
            props = record.props
            if record.kind != "interaction" or target not in props["target_ids"]:
                continue
            if props["date"] <= dt.date(2026, 6, 30):
                for lead in props["leader_ids"]:
                    if lead in world.nodes:
                        meetings[lead].append(props["date"])
        got = {n: sorted(d) for n, d in found[target].meetings.items()}
        assert got == {n: sorted(d) for n, d in meetings.items()}, target

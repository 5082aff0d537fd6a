"""The coverage index and the leader activity table, kept in the store between processes.

Building the index reads every row (about 25 s at 10^6 targets); the embedded store keeps
the built arrays next to the data version they came from, so the next process reads them
back instead. Kept copies must answer exactly as fresh ones, never outlive their version,
and never stop an answer when they are unreadable or cannot be written.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import sqlite3
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from analysis_helpers import World, worlds
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from concentric.graph.engine import index_analyses as arrays
from concentric.graph.engine.coverage_index import CoverageIndex, pack_state, unpack_state
from concentric.graph.schema.model import Dataset, LinkRecord, NodeRecord, link_key
from concentric.graph.schema.schema import SCHEMA
from concentric.graph.store.sqlite_store import SQLiteStore
from concentric.graph.workspace import Workspace
from concentric.loaders import read_records
from concentric.loaders.dataset import read_dataset

T = dt.date(2026, 6, 30)
SAMPLE = Path(__file__).parent.parent / "data" / "sample"
ALL = ("covered", "stale", "indirect", "uncovered")


def _same(a: object, b: object) -> bool:
    return json.dumps(a, sort_keys=True, default=str) == json.dumps(b, sort_keys=True, default=str)


def _equal_attributes(a: object, b: object) -> None:
    """Every attribute of ``a`` is in ``b`` with an equal value (arrays: same dtype too)."""
    assert vars(a).keys() == vars(b).keys()
    for name, value in vars(a).items():
        other = vars(b)[name]
        if isinstance(value, np.ndarray):
            assert value.dtype == other.dtype and np.array_equal(value, other), name
        elif name == "_area_levels":
            assert [x.tolist() for x in value] == [x.tolist() for x in other], name
        elif name != "_group_codes":  # a lazy cache
            assert value == other, name


@settings(max_examples=50, deadline=None)
@given(world=worlds(max_leaders=4, max_targets=8), window=st.sampled_from([0, 365]))
def test_a_read_back_index_is_the_same_index(world: World, window: int) -> None:
    index = CoverageIndex.from_records(world.nodes.values(), world.links)
    back = CoverageIndex.from_bytes(index.to_bytes())
    _equal_attributes(index, back)
    policy = SCHEMA.default_policy
    assert back.target_coverage(T, window) == index.target_coverage(T, window)
    assert _same(back.summary(T, window, policy), index.summary(T, window, policy))
    for area in (None, "A1"):
        assert _same(
            back.gap_list(T, window, policy, statuses=ALL, area_id=area),
            index.gap_list(T, window, policy, statuses=ALL, area_id=area),
        )
    activity = arrays.LeaderActivity.from_records(index, world.nodes.values())
    activity_back = arrays.LeaderActivity.from_bytes(activity.to_bytes())
    _equal_attributes(activity, activity_back)
    assert _same(
        arrays.leader_load(back, activity_back, T, window, policy),
        arrays.leader_load(index, activity, T, window, policy),
    )


@pytest.mark.parametrize(
    "data",
    [b"", b"not a zip", pack_state({}, {"format": 999}), pack_state({"a": np.arange(2)}, {})],
)
def test_bytes_that_are_no_index_are_refused(data: bytes) -> None:
    with pytest.raises(ValueError):
        CoverageIndex.from_bytes(data)
    with pytest.raises(ValueError):
        arrays.LeaderActivity.from_bytes(data)


@pytest.mark.parametrize("change", ["drop", "add"])
def test_a_kept_index_with_other_attributes_is_refused(change: str) -> None:
    # Saved by a version with other attributes (and the format number not bumped).
    index = CoverageIndex.from_records([], [])
    stored, plain = unpack_state(index.to_bytes())
    if change == "drop":
        del stored["c_until"]
    else:
        plain["extra"] = 1
    with pytest.raises(ValueError, match="other attributes"):
        CoverageIndex.from_bytes(pack_state(stored, plain))


def test_nothing_is_pickled() -> None:
    index = CoverageIndex.from_records([], [])
    stored, plain = unpack_state(index.to_bytes())
    assert all(a.dtype != object for a in stored.values())
    assert plain["format"] == 1


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SQLiteStore]:
    result = read_dataset([SAMPLE])
    assert not result.problems
    with SQLiteStore(tmp_path / "c.db") as opened:
        opened.load(result.dataset)
        yield opened


def _forbid_building(monkeypatch: pytest.MonkeyPatch, store: SQLiteStore) -> None:
    def fail() -> Any:
        raise AssertionError("built again instead of read back")

    monkeypatch.setattr(store, "coverage_columns", fail)
    monkeypatch.setattr(store, "participations", fail)


def test_the_next_workspace_reads_the_kept_index(
    store: SQLiteStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = Workspace(store)
    expected = (first.coverage(T), first.leaders(T), first.blind_spots(T), first.gaps(T))
    version = store.version()
    assert store.saved_state("coverage_index", version) is not None
    assert store.saved_state("leader_activity", version) is not None
    _forbid_building(monkeypatch, store)
    second = Workspace(store)
    assert _same(
        (second.coverage(T), second.leaders(T), second.blind_spots(T), second.gaps(T)), expected
    )


def test_a_kept_index_does_not_outlive_its_data(store: SQLiteStore) -> None:
    Workspace(store).index()
    old = store.version()
    # A new interaction for a stale target: the next answer must count it.
    stale = next(i for i in Workspace(store).gaps(T)["items"] if i["status"] == "stale")
    leader = stale["assigned_leaders"][0]
    row = {"id": "INEW", "date": T, "kind": "visit", "leader_ids": [leader]}
    result = read_records(
        "interactions", [{**row, "target_ids": [stale["id"]]}], store.existing_nodes(), "test"
    )
    assert not result.problems
    store.load(result.dataset)
    assert store.version() != old
    assert store.saved_state("coverage_index", old) is None  # dropped by the load
    workspace = Workspace(store)
    statuses = {i["id"]: i["status"] for i in workspace.gaps(T, statuses=ALL)["items"]}
    assert statuses[stale["id"]] == "covered"
    assert store.saved_state("coverage_index", store.version()) is not None


def test_an_unreadable_kept_index_is_rebuilt(
    store: SQLiteStore, caplog: pytest.LogCaptureFixture
) -> None:
    expected = Workspace(store).coverage(T)
    version = store.version()
    with sqlite3.connect(store.path) as con:
        con.execute("UPDATE derived SET data = ? WHERE name = 'coverage_index'", (b"garbage",))
    with caplog.at_level(logging.WARNING):
        assert _same(Workspace(store).coverage(T), expected)
    assert "unreadable" in caplog.text
    saved = store.saved_state("coverage_index", version)
    assert saved is not None and saved != b"garbage"  # kept again, readable


def test_nothing_is_kept_for_a_version_that_moved_on(store: SQLiteStore) -> None:
    version = store.version()
    assert not store.save_state("coverage_index", version - 1, b"old")
    assert store.saved_state("coverage_index", version - 1) is None


def test_a_locked_store_answers_without_keeping(store: SQLiteStore) -> None:
    with sqlite3.connect(store.path, isolation_level=None) as other:
        other.execute("BEGIN IMMEDIATE")  # a load in another process holds the write lock
        try:
            assert not store.save_state("coverage_index", store.version(), b"x")
            assert Workspace(store).coverage(T)["totals"]["targets"] > 0
        finally:
            other.execute("ROLLBACK")
    assert store.saved_state("coverage_index", store.version()) is None


# -- writes that only add interactions patch the arrays ------------------------------------


@st.composite
def _new_interactions(draw: st.DrawFn, world: World) -> list[dict[str, Any]]:
    leaders = sorted(n for n, node in world.nodes.items() if node.kind == "leader")
    targets = sorted(n for n, node in world.nodes.items() if node.kind in SCHEMA.target_kinds)
    rows = []
    for i in range(draw(st.integers(1, 4))):
        rows.append(
            {
                "id": f"NEW{i}",
                "date": draw(st.sampled_from(["2025-06-30", "2026-01-15", T.isoformat()])),
                "kind": "visit",
                "leader_ids": draw(
                    st.lists(st.sampled_from(leaders), min_size=1, max_size=2, unique=True)
                ),
                "target_ids": draw(
                    st.lists(st.sampled_from(targets), min_size=1, max_size=3, unique=True)
                ),
            }
        )
    return rows


def _answers(workspace: Workspace) -> Any:
    leaders = sorted(workspace.index().leaders)
    return (
        workspace.coverage(T, 365),
        workspace.gaps(T, 365, statuses=ALL),
        workspace.leaders(T, 365),
        workspace.blind_spots(T, 365),
        [workspace.todo(leader, T, 365) for leader in leaders],
        workspace.changes(dt.date(2025, 6, 30), T, 365),
    )


@settings(max_examples=30, deadline=None)
@given(data=st.data(), world=worlds(max_leaders=3, max_targets=6))
def test_new_interactions_patch_the_arrays(
    tmp_path_factory: pytest.TempPathFactory, data: st.DataObject, world: World
) -> None:
    rows = data.draw(_new_interactions(world))
    path = tmp_path_factory.mktemp("patch") / "c.db"
    with SQLiteStore(path) as store:
        store.load(Dataset(list(world.nodes.values()), world.links), replace=True)
        workspace = Workspace(store)
        workspace.warm()
        result = read_records("interactions", rows, store.existing_nodes(), source="test")
        assert not result.problems, result.problems
        workspace.load(result.dataset)
        # Patched, not rebuilt: the arrays are already of the new data version.
        assert (
            workspace.snapshots.published is not None
            and workspace.snapshots.published.version == store.version()
        )
        assert _same(_answers(workspace), _answers(Workspace(store)))


def test_a_changed_interaction_moves_the_arrays_along(store: SQLiteStore) -> None:
    workspace = Workspace(store)
    workspace.warm()
    before = store.version()
    # A reload of a stored interaction (an upsert): its old rows out, its new ones in.
    stored = next(n for n in store.nodes() if n.kind == "interaction")
    changed = dict(stored.props, summary="changed", id=stored.id)
    changed["date"] = changed["date"].isoformat()
    result = read_records("interactions", [changed], store.existing_nodes(), source="test")
    assert not result.problems
    workspace.load(result.dataset)
    assert store.version() == before + 1
    assert (
        workspace.snapshots.published is not None
        and workspace.snapshots.published.version == before + 1
    )
    assert _same(_answers(workspace), _answers(Workspace(store)))


@st.composite
def _contact_writes(draw: st.DrawFn, world: World) -> list[dict[str, Any]]:
    """New contacts (some from leaders out of office) and ends of stored ones."""
    leaders = sorted(n for n, node in world.nodes.items() if node.kind == "leader")
    targets = sorted(n for n, node in world.nodes.items() if node.kind in SCHEMA.target_kinds)
    dates = st.sampled_from([None, "2025-01-01", "2026-03-01", T.isoformat()])
    rows: list[dict[str, Any]] = []
    for _ in range(draw(st.integers(0, 3))):
        rows.append(
            {
                "leader_id": draw(st.sampled_from(leaders)),
                "target_id": draw(st.sampled_from(targets)),
                "since": draw(dates),
                "until": draw(dates),
            }
        )
    stored = [link for link in world.links if link.kind == "contacts"]
    for link in draw(st.lists(st.sampled_from(stored), max_size=2)) if stored else []:
        since = link.props.get("since")
        rows.append(
            {
                "leader_id": link.source_id,
                "target_id": link.target_id,
                "since": since.isoformat() if since else None,
                "until": draw(st.sampled_from(["2025-06-30", T.isoformat()])),
            }
        )
    return [{k: v for k, v in row.items() if v is not None} for row in rows]


@settings(max_examples=40, deadline=None)
@given(data=st.data(), world=worlds(max_leaders=3, max_targets=6))
def test_contact_writes_patch_the_index(
    tmp_path_factory: pytest.TempPathFactory, data: st.DataObject, world: World
) -> None:
    rows = data.draw(_contact_writes(world))
    assume(rows)
    # Stored with the keys the loader gives (leader, target, since), as every loaded
    # contact is: a write then replaces the contact it names.
    links = [
        replace(
            link,
            key=link_key("contacts", [link.source_id, link.target_id, link.props.get("since")]),
        )
        if link.kind == "contacts"
        else link
        for link in world.links
    ]
    unique = list({link.key: link for link in links}.values())
    path = tmp_path_factory.mktemp("contacts") / "c.db"
    with SQLiteStore(path) as store:
        store.load(Dataset(list(world.nodes.values()), unique), replace=True)
        workspace = Workspace(store)
        workspace.warm()
        result = read_records("contacts", rows, store.existing_nodes(), source="test")
        assume(not result.problems)  # e.g. an end before the start: nothing is written
        workspace.load(result.dataset)
        assert (
            workspace.snapshots.published is not None
            and workspace.snapshots.published.version == store.version()
        )
        assert _same(_answers(workspace), _answers(Workspace(store)))


def test_a_contact_write_among_two_rows_alike_is_followed(tmp_path: Path) -> None:
    # Two stored contacts alike but for their keys (a dataset built in Python, not loaded
    # from files): the store says which one a write replaces (its old row goes out).
    nodes = [
        NodeRecord("L1", "leader", {"name": "张三"}),
        NodeRecord("F1", "figure", {"name": "李四", "category": "religious"}),
    ]
    links = [
        LinkRecord("contacts", "L1", "F1", "first", {"leader_id": "L1", "target_id": "F1"}),
        LinkRecord(
            "contacts",
            "L1",
            "F1",
            link_key("contacts", ["L1", "F1", None]),
            {"leader_id": "L1", "target_id": "F1"},
        ),
    ]
    with SQLiteStore(tmp_path / "c.db") as store:
        store.load(Dataset(nodes, links))
        workspace = Workspace(store)
        workspace.warm()
        before = store.version()
        ended = [{"leader_id": "L1", "target_id": "F1", "until": "2025-01-01"}]
        result = read_records("contacts", ended, store.existing_nodes(), source="test")
        assert not result.problems
        workspace.load(result.dataset)
        assert (
            workspace.snapshots.published is not None
            and workspace.snapshots.published.version == before + 1
        )
        assert _same(_answers(workspace), _answers(Workspace(store)))
        # The other contact stays open.
        assert workspace.gaps(T, 365, statuses=ALL)["items"][0]["assigned_leaders"] == ["L1"]

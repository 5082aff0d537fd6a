"""The store's change log: what each small load changed, by the version it made, so that
another process (a second server worker, a server after `concentric load`) follows a write
instead of reading every column again."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from analysis_helpers import World, worlds
from hypothesis import given, settings
from hypothesis import strategies as st
from test_delta_load import _answers, _changes, _same

from concentric.graph.engine.search import SearchIndex
from concentric.graph.schema.model import Dataset, LinkRecord, NodeRecord
from concentric.graph.snapshots import SNAPSHOT_PARTS
from concentric.graph.store import sqlite_store
from concentric.graph.store.sqlite_store import SQLiteStore
from concentric.graph.workspace import Workspace


def _world() -> World:
    world = World()
    world.leader("L1")
    world.figure("F1")
    world.figure("F2")
    world.contact("L1", "F1")
    return world


def _visit(node_id: str, day: dt.date, target: str) -> NodeRecord:
    props = {"name": node_id, "kind": "visit", "date": day}
    return NodeRecord(
        node_id, "interaction", {**props, "leader_ids": ["L1"], "target_ids": [target]}
    )


def test_each_small_load_is_logged_under_its_version(tmp_path: Path) -> None:
    world = _world()
    with SQLiteStore(tmp_path / "c.db") as store:
        store.load(Dataset(list(world.nodes.values()), world.links))
        first = store.version()
        visit = _visit("I1", dt.date(2026, 3, 1), "F1")
        store.load_changes(Dataset([visit]), limit=100)
        renamed = NodeRecord("F2", "figure", {**world.nodes["F2"].props, "name": "改名"})
        contact = LinkRecord(
            "contacts", "L1", "F2", "c-new", {"leader_id": "L1", "target_id": "F2"}
        )
        store.load_changes(Dataset([renamed], [contact]), limit=100)
        store.load_changes(Dataset([renamed]), limit=100)  # unchanged: no new version

        logged = store.changes_since(first)
        assert store.version() == first + 2
        assert logged is not None and len(logged) == 2
        ((old, new),) = logged[0].nodes
        assert old is None and (new.id, new.props) == ("I1", visit.props)
        assert isinstance(new.props["date"], dt.date)  # dates come back as dates
        ((old, new),) = logged[1].nodes
        assert old is not None and old.props == world.nodes["F2"].props
        assert new.props["name"] == "改名"
        ((old_link, new_link),) = logged[1].links
        assert old_link is None and (new_link.key, new_link.target_id) == ("c-new", "F2")
        assert store.changes_since(first + 1) == logged[1:]
        assert store.changes_since(first + 2) == []


@pytest.mark.parametrize("unlogged", ["replace", "policy", "plain load"])
def test_a_load_whose_changes_are_unknown_leaves_a_gap(tmp_path: Path, unlogged: str) -> None:
    world = _world()
    with SQLiteStore(tmp_path / "c.db") as store:
        everything = Dataset(list(world.nodes.values()), world.links)
        store.load(everything)
        first = store.version()
        store.load_changes(Dataset([_visit("I1", dt.date(2026, 3, 1), "F1")]), limit=100)
        visit = Dataset([_visit("I2", dt.date(2026, 3, 2), "F2")])
        if unlogged == "replace":
            store.load(everything, replace=True)
        elif unlogged == "policy":
            visit.policy = {"window_days": 30}
            store.load_changes(visit, limit=100)
        else:
            store.load(visit)
        assert store.version() == first + 2
        assert store.changes_since(first) is None
        assert store.changes_since(first + 1) is None
        assert store.changes_since(first + 2) == []


def test_an_overflowing_load_is_not_logged(tmp_path: Path) -> None:
    world = _world()
    with SQLiteStore(tmp_path / "c.db") as store:
        store.load(Dataset(list(world.nodes.values()), world.links))
        first = store.version()
        visits = [_visit(f"I{i}", dt.date(2026, 3, 1), "F1") for i in range(3)]
        store.load_changes(Dataset(visits), limit=2)
        assert store.version() == first + 1
        assert store.changes_since(first) is None


def test_the_log_keeps_the_last_versions_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sqlite_store, "CHANGE_LOG_VERSIONS", 2)
    world = _world()
    with SQLiteStore(tmp_path / "c.db") as store:
        store.load(Dataset(list(world.nodes.values()), world.links))
        first = store.version()
        for i in range(4):
            store.load_changes(Dataset([_visit(f"I{i}", dt.date(2026, 3, 1), "F1")]), limit=9)
        assert store.changes_since(first + 1) is None  # versions first+2 … first+4 needed
        logged = store.changes_since(first + 2)
        assert logged is not None and [c.nodes[0][1].id for c in logged] == ["I2", "I3"]


def _no_rebuild(*_: Any) -> Any:
    raise AssertionError("the snapshot was built from every column, not followed")


@settings(max_examples=40, deadline=None)
@given(data=st.data(), world=worlds(max_leaders=3, max_targets=7), writes=st.integers(1, 3))
def test_another_process_follows_the_writes(
    tmp_path_factory: pytest.TempPathFactory, data: st.DataObject, world: World, writes: int
) -> None:
    path = tmp_path_factory.mktemp("log") / "c.db"
    with SQLiteStore(path) as writer_store, SQLiteStore(path) as reader_store:
        writer_store.load(Dataset(list(world.nodes.values()), world.links))
        writer, reader = Workspace(writer_store), Workspace(reader_store)
        writer.snapshot()
        reader.snapshot()
        followable = True
        for _ in range(writes):
            change, _ = data.draw(_changes(world))
            writer.load(change, keep=False)
            # The writer follows its own write unless the delta cannot (a leader leaving
            # or returning): then the reader cannot either.
            published = writer.snapshots.published
            followable = followable and published is not None
            followable = followable and published.version == writer_store.version()
        if followable:
            reader_store.coverage_columns = _no_rebuild  # type: ignore[method-assign]
        assert reader.snapshot().version == writer_store.version()
        fresh = Workspace(SQLiteStore(path))
        fresh.snapshots.keeps = None  # built from every column
        assert _same(_answers(reader), _answers(fresh))
        fresh.close()


def test_a_build_during_a_write_is_followed_up_not_thrown_away(tmp_path: Path) -> None:
    """A write by another process lands between the build's reads: every read still sees
    the version the build started at, and the write is then followed from the log."""
    world = _world()
    path = tmp_path / "c.db"
    with SQLiteStore(path) as store, SQLiteStore(path) as other:
        store.load(Dataset(list(world.nodes.values()), world.links))
        built_from = store.version()
        workspace = Workspace(store)
        builds = []
        read_columns = store.coverage_columns
        read_participations = store.participations

        def columns() -> Any:
            builds.append(store.version())
            return read_columns()

        def participations() -> Any:
            if len(builds) == 1:  # the other process writes a visit mid-build
                other.load_changes(Dataset([_visit("I1", dt.date(2026, 3, 1), "F2")]), limit=9)
            return read_participations()

        store.coverage_columns = columns  # type: ignore[method-assign]
        store.participations = participations  # type: ignore[method-assign]
        snapshot = workspace.snapshot()
        assert builds == [built_from]  # built once, not again after the write
        assert snapshot.version == built_from + 1
        # Every answer is that of the version after the write (the visit is in them).
        fresh = Workspace(SQLiteStore(path))
        fresh.snapshots.keeps = None
        assert _same(_answers(workspace), _answers(fresh))
        assert int(snapshot.activity.day.size) == 1
        fresh.close()


def test_a_server_keeps_its_last_snapshot_when_it_stops(tmp_path: Path) -> None:
    world = _world()
    path = tmp_path / "c.db"
    with SQLiteStore(path) as store:
        store.load(Dataset(list(world.nodes.values()), world.links))
    server = Workspace(SQLiteStore(path), build_in_background=True)
    server.snapshot()
    found = server.search("F1")
    server.load(Dataset([_visit("I1", dt.date(2026, 3, 1), "F1")]))
    written = server.store.version()
    server.close()  # at once: the keeper was still waiting for writes to pause
    with SQLiteStore(path) as store:
        assert all(store.has_state(part, written) for part in SNAPSHOT_PARTS)
        # The visit changed no name: the search index is kept for the new version too, and
        # the next process searches without building it.
        assert store.has_state("search_index", written)
    restarted = Workspace(SQLiteStore(path), build_in_background=True)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(SearchIndex, "build", _no_rebuild)
        assert restarted.search("F1")["items"] == found["items"]
    restarted.close()

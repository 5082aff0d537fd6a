"""The embedded store: atomic loads (even under SIGKILL), upserts, provenance, replace."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from concentric.graph.schema.model import Dataset, LinkRecord, NodeRecord
from concentric.graph.store.sqlite_store import BATCH_ROWS, SQLiteStore


def _dataset(n_figures: int, name_suffix: str = "") -> Dataset:
    nodes = [NodeRecord("L1", "leader", {"name": "张三", "in_office": True}, "leaders.csv", 2)]
    nodes += [
        NodeRecord(
            f"F{i}",
            "figure",
            {"name": f"人士{i}{name_suffix}", "category": "ethnic"},
            "figures.csv",
            i + 2,
        )
        for i in range(n_figures)
    ]
    links = [
        LinkRecord(
            "contacts",
            "L1",
            "F0",
            '["contacts","L1","F0",null]',
            {"leader_id": "L1", "target_id": "F0", "since": dt.date(2025, 1, 1)},
            "contacts.csv",
            2,
        )
    ]
    return Dataset(nodes, links)


def _snapshot(store: SQLiteStore) -> tuple[list[tuple[str, str, str]], list[str]]:
    nodes = sorted((n.id, n.kind, str(n.props)) for n in store.nodes())
    links = sorted(link.key for link in store.links())
    return nodes, links


@pytest.fixture
def store(tmp_path: Path) -> SQLiteStore:
    return SQLiteStore(tmp_path / "c.db")


def test_reload_of_same_dataset_changes_nothing(store: SQLiteStore) -> None:
    first = store.load(_dataset(10))
    version = store.version()
    second = store.load(_dataset(10))
    assert (first.inserted, first.updated) == (12, 0)
    assert (second.inserted, second.updated, second.unchanged) == (0, 0, 12)
    assert store.version() == version  # nothing written, so caches stay valid


def test_upsert_updates_changed_rows_and_keeps_others(store: SQLiteStore) -> None:
    store.load(_dataset(10))
    report = store.load(
        Dataset([NodeRecord("F3", "figure", {"name": "新名字", "category": "religious"})])
    )
    assert (report.inserted, report.updated) == (0, 1)
    names = {n.id: n.props["name"] for n in store.nodes()}
    assert names["F3"] == "新名字"
    assert len(names) == 11  # the other rows are still there


def test_replace_drops_rows_not_in_new_dataset(store: SQLiteStore) -> None:
    store.load(_dataset(10))
    report = store.load(_dataset(3), replace=True)
    assert report.removed == 12
    assert sorted(n.id for n in store.nodes()) == ["F0", "F1", "F2", "L1"]


def test_provenance_is_kept_on_nodes_and_edges(store: SQLiteStore) -> None:
    store.load(_dataset(2))
    graph = store.graph()
    assert (graph.nodes["F1"]["file"], graph.nodes["F1"]["line"]) == ("figures.csv", 3)
    (edge,) = graph.get_edge_data("L1", "F0").values()
    assert (edge["file"], edge["line"], edge["since"]) == ("contacts.csv", 2, dt.date(2025, 1, 1))


def test_failure_mid_load_rolls_back(store: SQLiteStore) -> None:
    store.load(_dataset(5))
    before = _snapshot(store)
    calls = 0

    def fail_after_first_batch(rows: int) -> None:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError):
        store.load(_dataset(3 * BATCH_ROWS, "改"), progress=fail_after_first_batch)
    assert calls == 2  # a batch was written inside the transaction before the failure
    assert _snapshot(store) == before


def test_sigkill_mid_load_leaves_previous_contents(tmp_path: Path) -> None:
    """A real process killed with SIGKILL in the middle of a load's transaction."""
    path = tmp_path / "c.db"
    with SQLiteStore(path) as store:
        store.load(_dataset(5))
        before = _snapshot(store)
    script = textwrap.dedent(
        f"""
        import os, signal, sys
        sys.path.insert(0, {str(Path(__file__).parent)!r})
        from test_store import _dataset
        from concentric.graph.store.sqlite_store import SQLiteStore
        batches = 0
        def kill_after_two_batches(rows):
            global batches
            batches += 1
            if batches == 2:
                print("killing", flush=True)
                os.kill(os.getpid(), signal.SIGKILL)
        SQLiteStore({str(path)!r}).load(_dataset({3 * BATCH_ROWS}, "改"),
                                        progress=kill_after_two_batches)
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == -9, result.stderr
    assert "killing" in result.stdout
    with SQLiteStore(path) as store:
        assert _snapshot(store) == before


def test_store_file_that_is_not_sqlite_is_a_clear_error(tmp_path: Path) -> None:
    from concentric.graph.store.protocol import StoreError

    bad = tmp_path / "not.db"
    bad.write_text("hello, I am a text file" * 100)
    with pytest.raises(StoreError, match="not a Concentric store"):
        SQLiteStore(bad)

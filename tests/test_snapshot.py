"""One snapshot per data version: a write that lands while the arrays are built must not
leave answers (or a kept copy) that mix two versions, and readers running beside writers
must leave the file in a state a fresh process reads back correctly.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from graph.coverage_index import CoverageColumns
from graph.model import Dataset
from graph.sqlite_store import SQLiteStore
from graph.workspace import Workspace
from loaders import read_dataset, read_records

T = dt.date(2026, 6, 30)
SAMPLE = Path(__file__).parent.parent / "data" / "sample"


def _same(a: object, b: object) -> bool:
    return json.dumps(a, sort_keys=True, default=str) == json.dumps(b, sort_keys=True, default=str)


def _without_version(answer: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in answer.items() if k != "version"}


def _new_figure(store: SQLiteStore, figure_id: str) -> Dataset:
    """A figure whose id sorts before every sample figure: every figure's array position
    moves by one when it is stored."""
    row = {"id": figure_id, "name": "新人", "category": "religious", "area_id": "A43"}
    result = read_records("figures", [row], store.existing_nodes(), "test")
    assert not result.problems, result.problems
    return result.dataset


class _WriteAfterColumnsAreRead(SQLiteStore):
    """A store that takes another writer's figure at one exact moment: at the ``reads``-th
    read of the data version after the coverage index's columns were read. The third is
    where the workspace used to read the version again before building the leaders' table
    (after keeping the index and fetching it once more)."""

    armed = False
    fired = False
    reads = 1

    def coverage_columns(self) -> CoverageColumns:
        columns = super().coverage_columns()
        self.armed = True
        return columns

    def version(self) -> int:
        if self.armed and not self.fired:
            self.reads -= 1
        if self.armed and not self.fired and self.reads == 0:
            self.fired = True
            with SQLiteStore(self.path) as other:
                other.load(_new_figure(other, "F0000"))
        return super().version()


class _NothingKept(SQLiteStore):
    def saved_state(self, name: str, version: int) -> bytes | None:
        return None

    def save_state(self, name: str, version: int, data: bytes) -> bool:
        return False


@pytest.fixture
def sample_file(tmp_path: Path) -> Path:
    result = read_dataset([SAMPLE])
    assert not result.problems
    path = tmp_path / "c.db"
    with SQLiteStore(path) as store:
        store.load(result.dataset)
    return path


@pytest.mark.parametrize("reads", [1, 2, 3, 4])
def test_a_write_while_the_arrays_are_built_leaves_no_wrong_kept_table(
    sample_file: Path, reads: int
) -> None:
    racing = _WriteAfterColumnsAreRead(sample_file)
    racing.reads = reads
    workspace = Workspace(racing)
    for _ in range(4):  # the write lands in the first request or in one of the next
        workspace.leaders(T, 365)
    assert racing.fired  # the write did land at that moment
    racing.close()
    # A fresh process reads whatever was kept; a rebuild from the rows keeps nothing.
    with SQLiteStore(sample_file) as fresh_store:
        fresh = Workspace(fresh_store).leaders(T, 365)
    with _NothingKept(sample_file) as plain_store:
        rebuilt = Workspace(plain_store).leaders(T, 365)
    actives = {i["id"]: i["active"] for i in rebuilt["items"]}
    assert sum(actives.values()) > 0  # the sample's leaders did meet their targets
    assert {i["id"]: i["active"] for i in fresh["items"]} == actives
    assert _same(_without_version(fresh), _without_version(rebuilt))

"""One snapshot per data version: a write that lands while the arrays are built must not
leave answers (or a kept copy) that mix two versions, and readers running beside writers
must leave the file in a state a fresh process reads back correctly.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import oracle
import pytest

from concentric.graph.schema.model import Dataset
from concentric.graph.snapshots import AnswerMemo, Snapshots
from concentric.graph.store.protocol import CoverageColumns
from concentric.graph.store.sqlite_store import SQLiteStore
from concentric.graph.workspace import Workspace
from concentric.loaders import read_dataset, read_records

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

    def has_state(self, name: str, version: int) -> bool:
        return False

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


class _CountingVersionReads(SQLiteStore):
    reads = 0

    def version(self) -> int:
        self.reads += 1
        return super().version()


def test_a_cached_answer_reads_the_data_version_once(sample_file: Path) -> None:
    with _CountingVersionReads(sample_file) as store:
        workspace = Workspace(store)
        asks: list[Callable[[], Any]] = [
            lambda: workspace.coverage(T, 365),
            lambda: workspace.gaps(T, 365),
            lambda: workspace.leaders(T, 365),
            lambda: workspace.blind_spots(T, 365),
            lambda: workspace.brokers(),
        ]
        for ask in asks:
            first = ask()
            store.reads = 0
            again = ask()
            assert store.reads == 1
            assert again == first and again["version"] == store.version()


# -- writers and readers together ------------------------------------------------------------

W = 365


def _district() -> oracle.Dataset:
    ds = oracle.Dataset().area("A0", "district").area("A1", "town", parent="A0")
    for leader in ("L1", "L2", "L3"):
        ds.leader(leader)
    for i in range(1, 11):
        ds.figure(f"F{i:02d}", "religious" if i % 2 else "ethnic", area="A1")
    ds.org("O1", "religious_venue", area="A1").member("F04", "O1")
    ds.contact("L1", "F01").contact("L2", "F02").contact("L3", "F03").contact("L1", "O1")
    ds.interaction("I01", dt.date(2026, 3, 1), ["L1"], ["F01"])
    ds.interaction("I02", dt.date(2024, 3, 1), ["L2"], ["F02"])
    return ds


def _writes(writer: int) -> list[tuple[str, dict[str, Any]]]:
    """One writer's rows, each a write of its own: a new figure (the arrays are rebuilt),
    a new interaction and a new contact (they are patched)."""
    rows: list[tuple[str, dict[str, Any]]] = []
    for i in range(4):
        figure = f"F{writer}{i}X"
        rows.append(
            ("figures", {"id": figure, "name": "新人", "category": "ethnic", "area_id": "A1"})
        )
        leader = ("L1", "L2", "L3")[(writer + i) % 3]
        rows.append(("contacts", {"leader_id": leader, "target_id": figure}))
        day = dt.date(2026, 6, 1) - dt.timedelta(days=40 * i)
        rows.append(
            (
                "interactions",
                {
                    "id": f"I{writer}{i}X",
                    "date": day.isoformat(),
                    "kind": "visit",
                    "leader_ids": [leader],
                    "target_ids": [figure, f"F{5 + i:02d}"],
                },
            )
        )
    return rows


def _mirror(ds: oracle.Dataset, table: str, row: dict[str, Any]) -> None:
    if table == "figures":
        ds.figure(row["id"], row["category"], area=row["area_id"], name=row["name"])
    elif table == "contacts":
        ds.contact(row["leader_id"], row["target_id"])
    else:
        day = dt.date.fromisoformat(row["date"])
        ds.interaction(row["id"], day, row["leader_ids"], row["target_ids"])


def test_writers_and_readers_together_leave_a_file_a_fresh_process_reads_right(
    tmp_path: Path,
) -> None:
    expected = _district()
    folder = oracle.write_dataset(expected, tmp_path / "district")
    path = tmp_path / "c.db"
    with SQLiteStore(path) as store:
        loaded = read_dataset([folder])
        assert not loaded.problems, loaded.problems
        store.load(loaded.dataset)
    store = SQLiteStore(path)
    workspace = Workspace(store)
    mirror_lock = threading.Lock()
    errors: list[BaseException] = []
    seen: list[tuple[int, int, int]] = []  # (version, targets in the summary, gap list size)
    writing = threading.Event()
    writing.set()

    def write(writer: int) -> None:
        try:
            for table, row in _writes(writer):
                result = read_records(table, [row], store.existing_nodes(), "test")
                assert not result.problems, result.problems
                workspace.load(result.dataset)
                with mirror_lock:
                    _mirror(expected, table, row)
        except BaseException as exc:  # reported by the test thread
            errors.append(exc)

    def read() -> None:
        try:
            last = -1
            while writing.is_set():
                summary = workspace.coverage(T, W)
                gaps = workspace.gaps(T, W, statuses=oracle.ALL_STATUSES.split(","))
                workspace.leaders(T, W)
                assert summary["version"] >= last  # a published snapshot never goes back
                last = summary["version"]
                if gaps["version"] == summary["version"]:
                    seen.append((last, summary["totals"]["targets"], gaps["total"]))
        except BaseException as exc:
            errors.append(exc)

    readers = [threading.Thread(target=read) for _ in range(3)]
    writers = [threading.Thread(target=write, args=(w,)) for w in (1, 2)]
    for thread in readers + writers:
        thread.start()
    for thread in writers:
        thread.join(timeout=120)
    writing.clear()
    for thread in readers:
        thread.join(timeout=120)
    store.close()
    assert not errors, errors
    assert seen
    # One version, one snapshot: the same counts whenever it was read, and figures only
    # ever added, so a later version never holds fewer targets.
    by_version: dict[int, set[tuple[int, int]]] = {}
    for version, targets, listed in seen:
        by_version.setdefault(version, set()).add((targets, listed))
    assert len(by_version) >= 2  # the readers did see the data move
    assert all(len(counts) == 1 for counts in by_version.values()), by_version
    ordered = [next(iter(by_version[v]))[0] for v in sorted(by_version)]
    assert ordered == sorted(ordered)
    assert all(targets == listed for _, targets, listed in seen)

    with SQLiteStore(path) as fresh_store, _NothingKept(path) as plain_store:
        fresh, rebuilt = Workspace(fresh_store), Workspace(plain_store)
        for ask in (
            lambda ws: ws.coverage(T, W),
            lambda ws: ws.gaps(T, W, statuses=oracle.ALL_STATUSES.split(",")),
            lambda ws: ws.leaders(T, W),
            lambda ws: ws.blind_spots(T, W),
        ):
            assert _same(_without_version(ask(fresh)), _without_version(ask(rebuilt)))
        assert _without_version(fresh.coverage(T, W)) == oracle.coverage(expected, T, W)
        statuses = oracle.ALL_STATUSES.split(",")
        listed, worked_out = (
            fresh.gaps(T, W, statuses=statuses),
            oracle.gaps(expected, T, W, statuses=statuses),
        )
        assert listed["total"] == worked_out["total"]
        # The oracle's items leave out a figure's (empty) type column.
        assert [
            {k: item[k] for k in want}
            for item, want in zip(listed["items"], worked_out["items"], strict=True)
        ] == worked_out["items"]


def test_during_a_background_rebuild_readers_get_the_previous_version_at_once(
    sample_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another process's bulk load: the server's readers answer from the version before it
    (saying so) until the new snapshot is built, and the version check never waits."""
    ws = Workspace(SQLiteStore(sample_file), build_in_background=True)
    before = ws.coverage(as_of=T)
    targets = before["totals"]["targets"]
    release, started = threading.Event(), threading.Event()
    build = Snapshots.build

    def held_build(self: Snapshots, version: int) -> Any:
        started.set()
        assert release.wait(30)
        return build(self, version)

    monkeypatch.setattr(Snapshots, "build", held_build)
    with SQLiteStore(sample_file) as other:  # the other process: the CLI's load
        other.load(_new_figure(other, "F0000"))
    try:
        assert started.wait(0) is False
        during = ws.coverage(as_of=T)
        assert started.wait(10)  # the builder is running, and holds on
        assert during["version"] == before["version"]
        assert during["totals"]["targets"] == targets
        assert ws.coverage(as_of=T)["version"] == before["version"]
        # What /healthz reads, while the build is held.
        assert ws.store.version() == before["version"] + 1
    finally:
        release.set()
    deadline = threading.Event()
    for _ in range(300):
        if ws.snapshot().version == before["version"] + 1:
            break
        deadline.wait(0.1)
    after = ws.coverage(as_of=T)
    assert after["version"] == before["version"] + 1
    assert after["totals"]["targets"] == targets + 1  # the one new figure
    ws.close()


def test_a_bulk_load_from_the_command_line_keeps_the_new_snapshot(sample_file: Path) -> None:
    from typer.testing import CliRunner

    from concentric.api.cli import app

    figure = "id,name,category,area_id\nF0000,新人,religious,A43\n"
    folder = sample_file.parent / "more"
    folder.mkdir()
    (folder / "figures.csv").write_text(figure, encoding="utf-8")
    result = CliRunner().invoke(app, ["load", str(folder), "--store", str(sample_file)])
    assert result.exit_code == 0, result.output
    with SQLiteStore(sample_file) as store:
        version = store.version()
        assert store.has_state("coverage_index", version)
        assert store.has_state("leader_activity", version)


@pytest.mark.parametrize(
    ("budget", "most", "sizes", "kept"),
    [
        (10, 100, [4, 4, 4], [False, True, True]),  # 12 rows: the oldest goes
        (10, 100, [11], [False]),  # larger than the whole budget: never remembered
        (100, 2, [1, 1, 1], [False, True, True]),  # at most two answers
        (10, 100, [5, 5], [True, True]),  # exactly the budget stays
    ],
)
def test_remembered_answers_stay_within_their_budget(
    budget: int, most: int, sizes: list[int], kept: list[bool]
) -> None:
    memo = AnswerMemo(budget=budget, most=most)
    answers = [{"items": list(range(size))} for size in sizes]
    for i, answer in enumerate(answers):
        assert memo.remember((1, i), answer) is answer
    assert [memo.find((1, i)) is answers[i] for i in range(len(sizes))] == kept

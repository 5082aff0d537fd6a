"""The column-wise load path: the same records, text and problems as one row at a time.

Expected values come from the row-at-a-time definitions (``encode_props``, ``link_key``,
a hand-written CSV and its line numbers), never from the column-wise code under test.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from concentric.graph.schema.model import Dataset, NodeRecord, RecordBlock, encode_props, link_key
from concentric.graph.store.sqlite_store import SQLiteStore
from concentric.loaders.dataset import read_dataset

# -- RecordBlock: text equal to encode_props / link_key ---------------------------------

values = st.one_of(
    st.none(),
    st.text(max_size=6),
    st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 1, 1)),
    st.booleans(),
    st.integers(-(2**63), 2**63 - 1),
    st.lists(st.text(max_size=4), max_size=3),
)
column_names = st.sampled_from(["name", "since", "zeta", "alpha", "phone", "中文", 'q"uote'])


@st.composite
def blocks(draw: st.DrawFn) -> tuple[dict[str, list[Any]], list[dict[str, Any] | None]]:
    rows = draw(st.integers(1, 30))
    names = draw(st.sets(column_names, max_size=5))
    # One type per column, as the loader makes them (the encoder's cache relies on it).
    columns = {}
    for name in names:
        kind = draw(st.sampled_from(["text", "date", "bool", "int", "list"]))
        strategy = {
            "text": st.text(max_size=6),
            "date": st.dates(),
            "bool": st.booleans(),
            "int": st.integers(-(2**63), 2**63 - 1),
            "list": st.lists(st.text(max_size=4), max_size=3),
        }[kind]
        columns[name] = draw(st.lists(st.none() | strategy, min_size=rows, max_size=rows))
    extra = draw(
        st.lists(
            st.none() | st.dictionaries(st.text(max_size=3), st.text(max_size=3), max_size=2),
            min_size=rows,
            max_size=rows,
        )
    )
    return columns, extra


def expected_props(columns: dict[str, list[Any]], extra: list[Any], j: int) -> dict[str, Any]:
    props = {n: v[j] for n, v in columns.items() if v[j] is not None}
    if extra[j]:
        props["extra"] = extra[j]
    return props


@settings(max_examples=200, deadline=None)
@given(blocks())
def test_node_text_equals_encode_props(
    block: tuple[dict[str, list[Any]], list[dict[str, Any] | None]],
) -> None:
    columns, extra = block
    count = len(extra)
    ids = [f"F{j}" for j in range(count)]
    records = RecordBlock(
        "figure", "f.csv", list(range(2, count + 2)), {"id": ids, **columns}, extra=extra
    )
    want = [
        (ids[j], "figure", encode_props(expected_props(columns, extra, j)), "f.csv", j + 2)
        for j in range(count)
    ]
    assert list(records.encoded_rows(chunk=7)) == want
    assert [(r.id, r.props) for r in records.records() if isinstance(r, NodeRecord)] == [
        (ids[j], expected_props(columns, extra, j)) for j in range(count)
    ]


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(st.text(max_size=4), st.text(max_size=4), st.none() | st.dates()),
        min_size=1,
        max_size=20,
    )
)
def test_link_keys_equal_link_key(rows: list[tuple[str, str, dt.date | None]]) -> None:
    columns: dict[str, list[Any]] = {
        "leader_id": [r[0] for r in rows],
        "target_id": [r[1] for r in rows],
        "since": [r[2] for r in rows],
    }
    block = RecordBlock(
        "contact",
        "c.csv",
        list(range(2, len(rows) + 2)),
        columns,
        link=("leader_id", "target_id", ("leader_id", "target_id", "since")),
    )
    assert block.keys() == [link_key("contact", list(r)) for r in rows]


def test_a_column_of_distinct_values_past_the_cache_limit() -> None:
    # 10,000 distinct names and a repeated category: the encoder stops caching the names
    # part-way (after 4096), which must not change a single row's text.
    count = 10_000
    columns: dict[str, list[Any]] = {
        "id": [f"F{j:05d}" for j in range(count)],
        "name": [f"名字{j}" for j in range(count)],
        "category": ["non_party" if j % 3 else "religious" for j in range(count)],
        "since": [dt.date(2020, 1, 1) + dt.timedelta(days=j % 500) for j in range(count)],
    }
    block = RecordBlock("figure", "f.csv", list(range(2, count + 2)), columns)
    got = list(block.encoded_rows())
    for j in (0, 4095, 4096, 4097, 8191, 9999):
        props = {n: columns[n][j] for n in ("name", "category", "since")}
        assert got[j] == (columns["id"][j], "figure", encode_props(props), "f.csv", j + 2)
    assert len(got) == count


# -- read_dataset: problems at the right lines, duplicates across files -----------------

AREAS = "id,kind,name\nA0,district,城关区\n"


def write(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def figures_csv(rows: int, bad: dict[int, str]) -> str:
    """A figures table; ``bad`` maps a data row index (0-based) to its since date text."""
    lines = ["id,name,category,area_id,reserve"]
    for j in range(rows):
        reserve = bad.get(j, "否")
        lines.append(f"F{j},名{j},non_party,A0,{reserve}")
    return "\n".join(lines) + "\n"


def test_the_same_bad_cell_is_reported_on_every_line(tmp_path: Path) -> None:
    # Row j of the data is on line j + 2 (line 1 is the header).
    bad = {9: "maybe", 3998: "maybe", 4500: "perhaps"}
    folder = write(tmp_path / "d", {"areas.csv": AREAS, "figures.csv": figures_csv(5000, bad)})
    result = read_dataset([folder])
    got = [(p.line, p.column, p.message.split(":")[0]) for p in result.problems]
    assert got == [
        (11, "reserve", "not a yes/no value"),
        (4000, "reserve", "not a yes/no value"),
        (4502, "reserve", "not a yes/no value"),
    ]


def test_duplicate_links_across_two_files_keep_the_last(tmp_path: Path) -> None:
    folder = write(
        tmp_path / "d",
        {
            "areas.csv": AREAS,
            "leaders.csv": "id,name\nL1,甲\n",
            "figures.csv": "id,name,category,area_id\nF1,乙,non_party,A0\nF2,丙,non_party,A0\n",
            "contacts.csv": (
                "leader_id,target_id,since,note\n"
                "L1,F1,2026-01-01,first\n"
                "L1,F2,2026-01-01,other\n"
                "L1,F1,2026-01-01,second\n"
            ),
            "联系交友.csv": "领导编号,对象编号,开始日期,note\nL1,F1,2026-01-01,third\n",
        },
    )
    result = read_dataset([folder])
    assert result.ok, result.problems
    contact = str(folder / "contacts.csv")
    other = str(folder / "联系交友.csv")
    assert [(w.file, w.line) for w in result.warnings] == [(contact, 4), (other, 2)]
    assert all(f"{contact}:2" in w.message for w in result.warnings)
    links = {(lk.target_id, lk.props.get("extra", {}).get("note")) for lk in result.dataset.links}
    assert links == {("F1", "third"), ("F2", "other")}
    assert result.dataset.row_count == 1 + 1 + 2 + 2


# -- SQLiteStore: a big load rebuilds the indexes, and a failed one loses nothing -------


def index_names(path: Path) -> set[str]:
    with sqlite3.connect(path) as con:
        rows = con.execute("SELECT name FROM sqlite_master WHERE type = 'index'").fetchall()
    return {r[0] for r in rows if not r[0].startswith("sqlite_autoindex")}


def many_nodes(count: int, prefix: str) -> Dataset:
    return Dataset([NodeRecord(f"{prefix}{j}", "area", {"kind": "town"}) for j in range(count)])


def test_a_big_load_keeps_the_indexes_and_a_failed_one_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "s.db"
    store = SQLiteStore(path)
    store.load(many_nodes(60_000, "A"))
    assert index_names(path) == {
        "nodes_kind",
        "links_source",
        "links_target",
        "named_ref",
        "named_node",
    }
    before = sorted(n.id for n in store.nodes())

    class Boom(Exception):
        pass

    calls = 0
    original = SQLiteStore._write

    def fail_on_second_batch(self: SQLiteStore, *args: Any, **kwargs: Any) -> int:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise Boom
        return original(self, *args, **kwargs)

    monkeypatch.setattr(SQLiteStore, "_write", fail_on_second_batch)
    with pytest.raises(Boom):
        store.load(many_nodes(70_000, "B"), replace=True)
    monkeypatch.undo()
    assert index_names(path) == {
        "nodes_kind",
        "links_source",
        "links_target",
        "named_ref",
        "named_node",
    }
    again = SQLiteStore(path)
    assert sorted(n.id for n in again.nodes()) == before
    # The query plan still uses the kind index after the rolled-back rebuild.
    with sqlite3.connect(path) as con:
        plan = " ".join(
            str(r) for r in con.execute("EXPLAIN QUERY PLAN SELECT id FROM nodes WHERE kind='x'")
        )
    assert "nodes_kind" in plan


# -- big files converted in a worker process: the same answer as one process ------------

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "sample"

# The worker is forked only from a process without other threads, and a test process has
# had threads started by earlier tests: so the two-process read runs in a fresh interpreter.
TWO_PROCESSES = r"""
import json, sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
import concentric.loaders.dataset as dataset

submitted = []

class Spy(ProcessPoolExecutor):
    def submit(self, fn, /, *args, **kwargs):
        submitted.append(Path(args[0]).name)
        return super().submit(fn, *args, **kwargs)

dataset.PARALLEL_BYTES = 0  # every file counts as big
dataset.ProcessPoolExecutor = Spy
result = dataset.read_dataset([sys.argv[1]])
print(json.dumps({
    "submitted": submitted,
    "problems": [[Path(p.file).name, p.line, p.column, p.message] for p in result.problems],
    "warnings": [str(w) for w in result.warnings],
    "nodes": sorted(result.dataset.encoded_nodes()) if result.ok else [],
    "links": sorted(result.dataset.encoded_links()) if result.ok else [],
    "policy": result.dataset.policy,
}, ensure_ascii=False))
"""


def read_in_two_processes(folder: Path) -> dict[str, Any]:
    """read_dataset with every file counted as big, run in a new interpreter."""
    done = subprocess.run(
        [sys.executable, "-c", TWO_PROCESSES, str(folder)],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    answer: dict[str, Any] = json.loads(done.stdout)
    return answer


def as_json(rows: Any) -> Any:
    return json.loads(json.dumps(sorted(rows), ensure_ascii=False))


def test_files_converted_in_a_worker_load_the_same_records() -> None:
    alone = read_dataset([SAMPLE])
    shared = read_in_two_processes(SAMPLE)
    files = sorted(p.name for p in SAMPLE.iterdir() if p.suffix in (".csv", ".xlsx", ".json"))
    assert shared["submitted"] == files[1::2]  # every other file went to the worker
    assert alone.ok and shared["problems"] == []
    assert shared["warnings"] == [str(w) for w in alone.warnings]
    assert shared["nodes"] == as_json(alone.dataset.encoded_nodes())
    assert shared["links"] == as_json(alone.dataset.encoded_links())
    assert shared["policy"] == alone.dataset.policy


def test_a_problem_found_in_the_worker_names_its_file_and_line(tmp_path: Path) -> None:
    # Sorted, contacts.csv is the second file, so it is the first one the worker converts.
    folder = write(
        tmp_path / "d",
        {
            "areas.csv": AREAS,
            "contacts.csv": (
                "leader_id,target_id,since\nL1,F1,2026-01-01\nL1,F1,2026-02-30\n,F1,2026-03-01\n"
            ),
            "figures.csv": "id,name,category,area_id\nF1,乙,non_party,A0\n",
            "leaders.csv": "id,name\nL1,甲\n",
        },
    )
    result = read_in_two_processes(folder)
    assert result["submitted"] == ["contacts.csv", "leaders.csv"]
    # A cell that failed in the worker is still known as failed here: no second problem
    # (an "unknown id") for the empty leader on line 4.
    assert [p[:3] for p in result["problems"]] == [
        ["contacts.csv", 3, "since"],
        ["contacts.csv", 4, "leader_id"],
    ]
    assert "not a date" in result["problems"][0][3]
    assert result["problems"][1][3] == "required value is missing"

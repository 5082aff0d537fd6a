"""Store migrations: a file written by an earlier release opens and answers as before.

`tests/fixtures/store-v1.db` was written by the release before migrations (store format 1,
kept in its `meta` table; see tests/fixtures/README.md): the sample district, one planner
token with its audit entry, and the kept coverage index. A copy of it, opened by today's
code, must give the same answers over HTTP as a fresh load of the same data
(`tests/fixtures/store-v1/data/sample`), keep its token, and be marked with today's
format in PRAGMA user_version. A newer format is refused; a failing migration step leaves
the file as it was.
"""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

import concentric.graph.store.sqlite_store as sqlite_store
from concentric.api.app import create_app
from concentric.api.cli import app as cli_app
from concentric.api.settings import Settings
from concentric.graph.store.protocol import StoreError
from concentric.graph.store.sqlite_store import SQLiteStore
from concentric.loaders import read_dataset

HERE = Path(__file__).resolve().parent
FIXTURE = HERE / "fixtures" / "store-v1.db"
#: The dataset the fixture was loaded from (the sample district as it was then), laid out
#: as it was loaded, so the records' provenance (`data/sample/…`) matches.
FIXTURE_DATA = HERE / "fixtures" / "store-v1"
#: The planner token created in the fixture (only its hash is stored there).
FIXTURE_TOKEN = "cc_BLKbf-C3-_wxWf3LUQE0bKHZkm48lhSR_8BTCe_Dx88"
#: The sample's reference date (data/sample/README.md), so answers do not drift.
AS_OF = "2026-11-27"


def _old_copy(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "old.db"
    shutil.copy(FIXTURE, target)
    shutil.copy(f"{FIXTURE}.audit.log", f"{target}.audit.log")
    return target


def _raw(path: Path, sql: str) -> Any:
    """Read the file with plain sqlite3, not through the store."""
    con = sqlite3.connect(path)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def _client(path: Path) -> Iterator[tuple[TestClient, Any]]:
    settings = Settings(store=str(path), access_db=None, cors_origins=[], _env_file=None)
    app = create_app(settings)
    client = TestClient(app, raise_server_exceptions=False)
    try:
        yield client, app
    finally:
        client.close()
        app.state.workspace.close()
        app.state.access.close()
        app.state.idempotency.close()


def _answers(client: TestClient, token: str) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}"}
    answers: dict[str, Any] = {}
    for name, path in {
        "coverage": "/api/v1/coverage",
        "gaps": "/api/v1/gaps",
        "leaders": "/api/v1/leaders",
    }.items():
        params = {"as_of": AS_OF, **({"limit": 5000} if name == "gaps" else {})}
        response = client.get(path, params=params, headers=headers)
        assert response.status_code == 200, response.text
        answers[name] = response.json()
    for entity in ("L01", "L02"):
        response = client.get(f"/api/v1/entities/{entity}", headers=headers)
        assert response.status_code == 200, response.text
        answers[entity] = response.json()
    return answers


def test_old_file_gives_the_same_answers_as_a_fresh_load(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = _old_copy(tmp_path / "old")
    assert _raw(old, "PRAGMA user_version") == [(0,)]  # the fixture really is the old format
    fresh = tmp_path / "fresh.db"
    # Loaded as the fixture was (`concentric load data/sample/` at the repository's root),
    # so the records' provenance names the same file paths.
    monkeypatch.chdir(FIXTURE_DATA)
    loaded = read_dataset([Path("data/sample")])
    assert not loaded.problems
    store = SQLiteStore(fresh)
    store.load(loaded.dataset)
    store.close()

    old_gen = _client(old)
    old_client, _ = next(old_gen)
    fresh_gen = _client(fresh)
    fresh_client, fresh_app = next(fresh_gen)
    try:
        # The token made by the old release still signs in: the access tables came along.
        from_old = _answers(old_client, FIXTURE_TOKEN)
        from_fresh = _answers(fresh_client, fresh_app.state.access.create_token("planner"))
    finally:
        for gen in (old_gen, fresh_gen):
            gen.close()
    assert from_old == from_fresh
    # Not two empty answers: the sample's leaders (leaders.xlsx has L01…) and gaps are there.
    assert from_old["L01"]["id"] == "L01"
    assert len(from_old["leaders"]["items"]) > 10
    assert from_old["gaps"]["total"] > 0

    # Migrated: the format is in the header, and the meta row is raised with it so that
    # the release before migrations refuses the file rather than misread it.
    assert _raw(old, "PRAGMA user_version") == [(5,)]
    assert _raw(old, "SELECT value FROM meta WHERE key = 'schema_version'") == [("2",)]
    assert _raw(fresh, "PRAGMA user_version") == [(5,)]


def test_reopening_a_migrated_file_changes_nothing(tmp_path: Path) -> None:
    old = _old_copy(tmp_path)
    SQLiteStore(old).close()
    before = _raw(old, "SELECT count(*), sum(length(props)) FROM nodes")
    SQLiteStore(old).close()
    assert _raw(old, "PRAGMA user_version") == [(5,)]
    assert _raw(old, "SELECT count(*), sum(length(props)) FROM nodes") == before


def test_a_newer_format_is_refused_and_left_alone(tmp_path: Path) -> None:
    path = _old_copy(tmp_path)
    con = sqlite3.connect(path)
    con.execute("PRAGMA user_version = 99")
    con.close()
    with pytest.raises(StoreError, match=r"store format 99 is newer .*up to 5"):
        SQLiteStore(path)
    result = CliRunner().invoke(cli_app, ["coverage", "--store", str(path)])
    assert result.exit_code == 2
    assert "store format 99 is newer" in result.output
    assert "Traceback" not in result.output
    assert _raw(path, "PRAGMA user_version") == [(99,)]


def test_a_failing_step_leaves_the_file_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _old_copy(tmp_path)
    nodes_before = _raw(path, "SELECT count(*) FROM nodes")
    assert nodes_before[0][0] > 1000  # the sample district's entities

    def half_done_then_fails(con: sqlite3.Connection) -> None:
        con.execute("DELETE FROM nodes")
        con.execute("CREATE TABLE half_done (x)")
        raise sqlite3.OperationalError("step 3 failed")

    monkeypatch.setitem(sqlite_store.MIGRATIONS, 3, half_done_then_fails)
    monkeypatch.setattr(sqlite_store, "STORE_FORMAT", 3)
    with pytest.raises(StoreError, match=r"cannot open the store \(step 3 failed\)"):
        SQLiteStore(path)
    # Step 2 ran before step 3 in the same transaction: it is undone too.
    assert _raw(path, "PRAGMA user_version") == [(0,)]
    assert _raw(path, "SELECT value FROM meta WHERE key = 'schema_version'") == [("1",)]
    assert _raw(path, "SELECT count(*) FROM nodes") == nodes_before
    assert _raw(path, "SELECT name FROM sqlite_master WHERE name = 'half_done'") == []


def _named_from_json(path: Path) -> set[tuple[str, str]]:
    """(named id, naming node id) read straight from the nodes' JSON columns that name
    other nodes (schema.yaml: the interactions' lists, every area_id and parent_id)."""
    import json

    found = set()
    for node_id, props in _raw(path, "SELECT id, props FROM nodes"):
        values = json.loads(props)
        for column in ("leader_ids", "target_ids"):
            found.update((ref, node_id) for ref in values.get(column, []))
        for column in ("area_id", "parent_id"):
            if values.get(column) is not None:
                found.add((values[column], node_id))
    return found


def test_who_names_whom_is_indexed_and_kept_up_by_writes(tmp_path: Path) -> None:
    path = _old_copy(tmp_path)
    SQLiteStore(path).close()  # the step to format 3 fills the table from the old rows
    expected = _named_from_json(path)
    assert len(expected) > 1000
    assert set(_raw(path, "SELECT ref_id, node_id FROM named")) == expected
    assert any(
        column == "figure.area_id" for (column,) in _raw(path, "SELECT ref_column FROM named")
    )
    con = sqlite3.connect(path)
    some = con.execute("SELECT id FROM nodes WHERE kind = 'interaction' LIMIT 2").fetchall()
    # Plain SQL writes (as any writer's would) keep it in step through the triggers.
    con.execute(
        "UPDATE nodes SET props = json_set(props, '$.leader_ids', json('[\"LX1\"]')) WHERE id = ?",
        some[0],
    )
    con.execute("DELETE FROM nodes WHERE id = ?", some[1])
    con.commit()
    con.close()
    after = _named_from_json(path)
    assert ("LX1", some[0][0]) in after
    assert not any(node == some[1][0] for _, node in after)
    assert set(_raw(path, "SELECT ref_id, node_id FROM named")) == after


def test_who_names_whom_after_a_fresh_load_and_a_replace(tmp_path: Path) -> None:
    dataset = read_dataset([FIXTURE_DATA / "data" / "sample"]).dataset
    path = tmp_path / "fresh.db"
    with SQLiteStore(path) as store:
        store.load(dataset)  # row by row, through the triggers
        assert set(_raw(path, "SELECT ref_id, node_id FROM named")) == _named_from_json(path)
        store.load(dataset, replace=True)  # the table filled once after the writes
    expected = _named_from_json(path)
    assert len(expected) > 1000
    assert set(_raw(path, "SELECT ref_id, node_id FROM named")) == expected

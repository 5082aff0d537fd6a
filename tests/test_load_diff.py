"""`concentric load --diff`: what a new export changes, before anything is written.

The expected rows come from a plain comparison of the two datasets' CSV rows in this file
(id → row, column by column), never from the store's comparison.
"""

from __future__ import annotations

import csv
import json
import random
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from conftest import Run

AREAS = [
    {"id": "A1", "name": "七里河区", "kind": "district", "parent_id": ""},
    {"id": "A2", "name": "阿干镇", "kind": "town", "parent_id": "A1"},
    {"id": "A3", "name": "西园街道", "kind": "subdistrict", "parent_id": "A1"},
]
NAMES = ["张伟", "王芳", "李娜", "刘洋", "陈静", "马明", "赵磊", "周敏"]
CATEGORIES = ["democratic_party", "non_party", "ethnic", "religious"]
UNIT_KINDS = ["soe", "university", "hospital"]
HEADERS = {
    "areas": ["id", "name", "kind", "parent_id"],
    "figures": ["id", "name", "category", "gender", "area_id", "phone"],
    "units": ["id", "name", "kind", "area_id", "joint_meeting"],
    "memberships": ["figure_id", "org_id", "role", "since"],
    "leaders": ["id", "name", "post", "area_id", "in_office"],
    "contacts": ["leader_id", "target_id", "since", "until", "role"],
    "interactions": ["id", "date", "kind", "leader_ids", "target_ids", "summary"],
}
#: The columns that make a link row's identity (its natural key): never a changed field.
IDENTITY = {
    "memberships": {"figure_id", "org_id", "since"},
    "contacts": {"leader_id", "target_id", "since"},
}

Rows = dict[str, dict[str, dict[str, str]]]  # table → row identity → column → cell


def _dataset(rng: random.Random, pool: int) -> Rows:
    """Random figures and units drawn from fixed id pools, and memberships among them (one
    per figure and unit, so a link is told apart by its two ends)."""
    figures = {
        f"F{i:02d}": {
            "id": f"F{i:02d}",
            "name": rng.choice(NAMES),
            "category": rng.choice(CATEGORIES),
            "gender": rng.choice(["男", "女"]),
            "area_id": rng.choice(["", "A2", "A3"]),
            "phone": rng.choice(["", "13800000001", "13900000002"]),
        }
        for i in range(pool)
        if rng.random() < 0.75
    }
    units = {
        f"U{i:02d}": {
            "id": f"U{i:02d}",
            "name": f"单位{rng.choice('甲乙丙')}",
            "kind": rng.choice(UNIT_KINDS),
            "area_id": rng.choice(["", "A2", "A3"]),
            "joint_meeting": rng.choice(["true", "false"]),
        }
        for i in range(pool // 2)
        if rng.random() < 0.75
    }
    memberships = {}
    for figure in figures:
        for unit in units:
            if rng.random() < 0.1:
                memberships[f"{figure} → {unit}"] = {
                    "figure_id": figure,
                    "org_id": unit,
                    "role": rng.choice(["member", "head"]),
                    "since": "2024-01-01",
                }
    leaders = {
        f"L{i}": {
            "id": f"L{i}",
            "name": rng.choice(NAMES),
            "post": rng.choice(["", "区长", "副区长"]),
            "area_id": rng.choice(["", "A1", "A2"]),
            "in_office": rng.choice(["true", "false"]),
        }
        for i in range(pool // 4)
        if rng.random() < 0.75
    }
    targets = sorted(figures) + sorted(units)
    contacts = {}
    for leader in leaders:
        for target in rng.sample(targets, min(3, len(targets))):
            contacts[f"{leader} → {target}"] = {
                "leader_id": leader,
                "target_id": target,
                "since": "2025-03-01",
                "until": rng.choice(["", "2026-01-31"]),
                "role": rng.choice(["primary", "backup"]),
            }
    interactions = {}
    for i in range(pool):
        if leaders and rng.random() < 0.6:
            interactions[f"I{i:02d}"] = {
                "id": f"I{i:02d}",
                "date": rng.choice(["2026-01-05", "2026-02-10"]),
                "kind": rng.choice(["visit", "talk"]),
                "leader_ids": ";".join(sorted(rng.sample(sorted(leaders), 1))),
                "target_ids": ";".join(sorted(rng.sample(targets, min(2, len(targets))))),
                "summary": rng.choice(["", "走访", "座谈"]),
            }
    return {
        "areas": {a["id"]: a for a in AREAS},
        "figures": figures,
        "units": units,
        "memberships": memberships,
        "leaders": leaders,
        "contacts": contacts,
        "interactions": interactions,
    }


def _write(rows: Rows, folder: Path) -> Path:
    folder.mkdir()
    for table, by_id in rows.items():
        with (folder / f"{table}.csv").open("w", encoding="utf-8", newline="") as f:
            writer = csv.DictWriter(f, HEADERS[table])
            writer.writeheader()
            writer.writerows(by_id.values())
    return folder


def _expected(old: Rows, new: Rows, replace: bool) -> set[tuple[str, str, str, frozenset[str]]]:
    """(table, change, identity, changed columns) by plain comparison of the cells. An
    identity column never counts as a changed field; a blank cell is a missing value."""
    found = set()
    for table in new:
        identity = IDENTITY.get(table, {"id"})
        for key, row in new[table].items():
            before = old[table].get(key)
            if before is None:
                found.add((table, "added", key, frozenset()))
            elif before != row:
                fields = frozenset(c for c in row if row[c] != before[c] and c not in identity)
                found.add((table, "changed", key, fields))
        if replace:
            for key in old[table].keys() - new[table].keys():
                found.add((table, "removed", key, frozenset()))
    return found


def _listed(answer: dict[str, Any]) -> set[tuple[str, str, str, frozenset[str]]]:
    """The same tuples from the command's JSON (a link by its ends, a node by its id)."""
    return {
        (
            row["table"],
            row["change"],
            row["name"] if row["table"] in IDENTITY else row["id"],
            frozenset(row["fields"]),
        )
        for row in answer["rows"]
    }


def _stored(db: Path) -> tuple[str, list[Any], list[Any]]:
    with sqlite3.connect(db) as con:
        version = con.execute("SELECT value FROM meta WHERE key = 'version'").fetchone()[0]
        nodes = con.execute("SELECT * FROM nodes ORDER BY id").fetchall()
        links = con.execute("SELECT * FROM links ORDER BY key").fetchall()
    return version, nodes, links


def _counts(expected: set[tuple[str, str, str, frozenset[str]]]) -> dict[str, dict[str, int]]:
    counts: dict[str, dict[str, int]] = {}
    for table, change, _, _ in expected:
        counts.setdefault(table, {"added": 0, "changed": 0, "removed": 0})[change] += 1
    return counts


@pytest.mark.parametrize("seed", range(6))
def test_diff_equals_a_plain_comparison_and_writes_nothing(
    cli: Run, tmp_path: Path, seed: int
) -> None:
    rng = random.Random(seed)
    old, new = _dataset(rng, 24), _dataset(rng, 24)
    db = tmp_path / "c.db"
    loaded = cli("load", _write(old, tmp_path / "old"), "--store", db)
    assert loaded.exit_code == 0, loaded.output
    before = _stored(db)
    folder = _write(new, tmp_path / "new")
    # Each seed's pair of datasets adds, changes and removes rows (so every branch is tested).
    assert {change for _, change, _, _ in _expected(old, new, True)} == {
        "added",
        "changed",
        "removed",
    }
    for replace in (False, True):
        args = ["load", folder, "--diff", "--format", "json", "--store", db]
        result = cli(*args, *(["--replace"] if replace else []))
        assert result.exit_code == 0, result.output
        answer = json.loads(result.stdout)
        expected = _expected(old, new, replace)
        assert _listed(answer) == expected
        counts = _counts(expected)
        for table, got in answer["tables"].items():
            want = counts.get(table, {"added": 0, "changed": 0, "removed": 0})
            assert {k: got[k] for k in want} == want, table
            assert got["stored"] == len(old.get(table, {})), table
        assert answer["removed"] == sum(c["removed"] for c in counts.values())
        assert _stored(db) == before  # nothing written: same version, same rows

    # An upsert (on a copy) reports the same counts as its diff.
    copy = tmp_path / "copy.db"
    shutil.copy(db, copy)
    upsert = _expected(old, new, False)
    loaded = cli("load", folder, "--store", copy)
    assert loaded.exit_code == 0, loaded.output
    added = sum(1 for e in upsert if e[1] == "added")
    changed = sum(1 for e in upsert if e[1] == "changed")
    assert f"{added} new, {changed} updated" in loaded.stdout
    # The replace itself reports the same counts, and the store then holds the new rows.
    expected = _expected(old, new, True)
    loaded = cli("load", folder, "--replace", "--yes", "--store", db)
    assert loaded.exit_code == 0, loaded.output
    totals = {c: sum(1 for e in expected if e[1] == c) for c in ("added", "changed", "removed")}
    said = f"{totals['added']} new, {totals['changed']} updated"
    assert said in loaded.stdout and f"{totals['removed']} removed." in loaded.stdout
    _, nodes, links = _stored(db)
    stored_ids = {row[0] for row in nodes}
    node_tables = ("areas", "figures", "units", "leaders", "interactions")
    assert stored_ids == {k for t in node_tables for k in new[t]}
    assert len(links) == len(new["memberships"]) + len(new["contacts"])


def test_a_change_lists_old_and_new_values(cli: Run, tmp_path: Path) -> None:
    old = _dataset(random.Random(1), 6)
    new = json.loads(json.dumps(old))
    figure = next(iter(new["figures"]))
    new["figures"][figure]["name"] = "新名字"
    new["figures"][figure]["area_id"] = "" if old["figures"][figure]["area_id"] else "A2"
    db = tmp_path / "c.db"
    assert cli("load", _write(old, tmp_path / "old"), "--store", db).exit_code == 0
    result = cli("load", _write(new, tmp_path / "new"), "--diff", "--format", "json", "--store", db)
    answer = json.loads(result.stdout)
    assert [r["id"] for r in answer["rows"]] == [figure]
    fields = answer["rows"][0]["fields"]
    assert fields["name"] == {"old": old["figures"][figure]["name"], "new": "新名字"}
    old_area = old["figures"][figure]["area_id"] or None
    assert fields["area_id"] == {"old": old_area, "new": new["figures"][figure]["area_id"] or None}
    table = cli("load", tmp_path / "new", "--diff", "--store", db)
    assert table.exit_code == 0
    assert f"name: {old['figures'][figure]['name']} → 新名字" in table.stdout


def test_a_replace_removing_much_of_a_table_needs_yes(cli: Run, tmp_path: Path) -> None:
    figures = {f"F{i}": {**dict.fromkeys(HEADERS["figures"], ""), "id": f"F{i}"} for i in range(10)}
    for row in figures.values():
        row.update(name="张伟", category="non_party")
    old: Rows = {"areas": {a["id"]: a for a in AREAS}, "figures": figures}
    # Three of ten figures dropped: 30 % > the default 20 %.
    kept = {k: v for k, v in figures.items() if k not in {"F0", "F1", "F2"}}
    new: Rows = {"areas": old["areas"], "figures": kept}
    db = tmp_path / "c.db"
    assert cli("load", _write(old, tmp_path / "old"), "--store", db).exit_code == 0
    before = _stored(db)
    folder = _write(new, tmp_path / "new")
    refused = cli("load", folder, "--replace", "--store", db)
    assert refused.exit_code == 2
    assert "figures: --replace would remove 3 of 10 stored rows (30%)" in refused.stderr
    assert "--yes" in refused.stderr and "Traceback" not in refused.output
    assert _stored(db) == before
    # Two of ten (20 %) is not more than the share: loaded without asking.
    two = {k: v for k, v in figures.items() if k not in {"F0", "F1"}}
    folder2 = _write({"areas": old["areas"], "figures": two}, tmp_path / "two")
    assert cli("load", folder2, "--replace", "--store", db).exit_code == 0
    with sqlite3.connect(db) as con:
        assert con.execute("SELECT count(*) FROM nodes WHERE kind = 'figure'").fetchone() == (8,)


def test_a_bad_format_is_refused(cli: Run, tmp_path: Path) -> None:
    result = cli("load", tmp_path, "--diff", "--format", "xml", "--store", tmp_path / "c.db")
    assert result.exit_code == 2
    assert "--format" in result.output and "Traceback" not in result.output

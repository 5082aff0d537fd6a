"""The array index answers exactly what the tests' own walk over the graph
(tests/graph_oracle.py) and the spec answer.

Three ways to the same statuses: the tests' graph walk (tests/graph_oracle.py), the
NumPy index built from records, and the index built from the SQL columns of a real
embedded store. Expected statuses also come from the tests' own spec checker.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import graph_oracle as cov
import numpy as np
from analysis_helpers import World, expected_coverage, worlds
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from concentric.graph.engine.coverage_index import CoverageIndex
from concentric.graph.schema.model import Dataset
from concentric.graph.schema.schema import SCHEMA
from concentric.graph.store.sqlite_store import SQLiteStore

T = dt.date(2026, 6, 30)
ALL = ("covered", "stale", "indirect", "uncovered")


def _same(a: object, b: object) -> bool:
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


@settings(max_examples=60, deadline=None)
@given(world=worlds(max_leaders=4, max_targets=8), window=st.sampled_from([0, 30, 365]))
def test_index_matches_graph_and_spec(world: World, window: int) -> None:
    graph = world.graph()
    index = CoverageIndex.from_records(world.nodes.values(), world.links)
    policy = SCHEMA.default_policy
    expected = expected_coverage(world, T, window)
    statuses = index.target_coverage(T, window)
    assert {t: s.status for t, s in statuses.items()} == {t: e.status for t, e in expected.items()}
    assert statuses == cov.target_coverage(graph, T, window)
    assert _same(index.summary(T, window, policy), cov.coverage_summary(graph, T, window, policy))
    for filters in ({}, {"line": "union"}, {"area_id": "A1"}, {"kind": "figure"}):
        assert _same(
            index.gap_list(T, window, policy, statuses=ALL, **filters),
            cov.gap_list(graph, T, window, policy, statuses=ALL, **filters),
        )
    # An area's gap list from its own targets' edges only (forced, the worlds are small).
    index.local_share = 1.0
    for area in ("A0", "A1"):
        for filters in ({}, {"kind": "figure"}, {"line": "union"}):
            assert _same(
                index.gap_list(T, window, policy, statuses=ALL, area_id=area, **filters),
                cov.gap_list(graph, T, window, policy, statuses=ALL, area_id=area, **filters),
            )


@settings(max_examples=60, deadline=None)
@given(
    world=worlds(max_leaders=4, max_targets=8),
    window=st.sampled_from([0, 30, 365]),
    picks=st.lists(st.integers(0, 10**6), max_size=6),
)
def test_statuses_of_some_targets_equal_the_full_pass(
    world: World, window: int, picks: list[int]
) -> None:
    index = CoverageIndex.from_records(world.nodes.values(), world.links)
    full, _ = index.statuses(T, window)
    if not index.n:
        return
    chosen = np.array(sorted({p % index.n for p in picks}), dtype=np.int64)
    assert index.statuses_of(chosen, T, window).tolist() == full[chosen].tolist()


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(world=worlds(max_leaders=3, max_targets=6))
def test_index_from_sql_columns_matches_index_from_records(world: World, tmp_path: Path) -> None:
    path = tmp_path / f"c{abs(hash(repr(world.nodes)))}.db"
    with SQLiteStore(path) as store:
        store.load(Dataset(list(world.nodes.values()), world.links), replace=True)
        from_sql = CoverageIndex(store.coverage_columns())
    from_records = CoverageIndex.from_records(world.nodes.values(), world.links)
    policy = SCHEMA.default_policy
    assert from_sql.target_coverage(T, 365) == from_records.target_coverage(T, 365)
    assert _same(from_sql.summary(T, 365, policy), from_records.summary(T, 365, policy))

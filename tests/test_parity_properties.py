"""Backend parity, by property (issue 4, item 6): random small datasets loaded into both
the embedded store and Neo4j give the same records, the same load reports, the same full
coverage JSON, the same gap lists (every status, and filtered) and the same leader load.

Both feed the same engine from the columns they read (SQL on one, Cypher on the other), so
any disagreement is a bug in what one of them hands the engine.

Needs ``CONCENTRIC_TEST_NEO4J`` (skipped with a reason when unset).
"""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from backends import (
    ALL_STATUSES,
    NEO4J_GROUP,
    exclusive_neo4j,
    graph_view,
    open_neo4j,
    read_folder,
    snapshot,
    write_tables,
)
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from concentric.graph.engine.coverage import QueryError
from concentric.graph.schema.schema import SCHEMA
from concentric.graph.store.factory import open_store
from concentric.graph.store.protocol import Store
from concentric.graph.workspace import Workspace

T = dt.date(2026, 6, 30)
WINDOWS = (365, 90, 30, 0)

SETTINGS = settings(
    max_examples=25,
    deadline=None,
    # The only fixture is the server lock, held across all examples on purpose.
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
    ],
)

# Ids: a kind prefix and a number keep them unique; a suffix adds text that is awkward for
# a query language or a sort (quotes, backticks, $, braces, CJK, astral characters). No list
# separators (interactions list ids in one cell) and no spaces (the loader strips them).
ID_SUFFIX = st.text(alphabet="王李éØ'\"`${}()😀𠀀ｱ-_.", max_size=3)
NAMES = st.text(alphabet="张王李马 'O\"`$}{\\n😀·-", min_size=1, max_size=8).filter(str.strip)
CATEGORIES = SCHEMA.enum_codes("figure_category")
ORG_KINDS = SCHEMA.enum_codes("organization_kind")
UNIT_KINDS = SCHEMA.enum_codes("unit_kind")
AREA_KINDS = SCHEMA.enum_codes("area_kind")
LINES = SCHEMA.enum_codes("line")


def offsets(window: int = 365) -> st.SearchStrategy[int]:
    """Days from T, biased to the boundaries: T, T±1, T−W, T−W±1."""
    edges = [0, 1, -1, -window, -window - 1, -window + 1, -90, -91, -30, -31]
    return st.one_of(st.sampled_from(edges), st.integers(-2 * window - 30, 60))


@st.composite
def a_date(draw: st.DrawFn) -> str:
    return (T + dt.timedelta(days=draw(offsets()))).isoformat()


@st.composite
def a_span(draw: st.DrawFn) -> tuple[str | None, str | None]:
    since = draw(st.none() | a_date())
    until = draw(st.none() | a_date())
    if since and until and until < since:
        since, until = until, since
    return since, until


@dataclass
class Universe:
    """The ids of one scenario, by kind."""

    areas: list[str] = field(default_factory=list)
    leaders: list[str] = field(default_factory=list)
    figures: list[str] = field(default_factory=list)
    organizations: list[str] = field(default_factory=list)
    units: list[str] = field(default_factory=list)
    interactions: list[str] = field(default_factory=list)

    @property
    def targets(self) -> list[str]:
        return self.figures + self.organizations + self.units


@st.composite
def universes(draw: st.DrawFn) -> Universe:
    def ids(prefix: str, low: int, high: int) -> list[str]:
        n = draw(st.integers(low, high))
        return [f"{prefix}{i}{draw(ID_SUFFIX)}" for i in range(n)]

    u = Universe(
        areas=ids("A", 1, 4),
        leaders=ids("L", 1, 3),
        figures=ids("F", 0, 5),
        organizations=ids("O", 0, 3),
        units=ids("U", 0, 2),
        interactions=ids("I", 0, 6),
    )
    if not u.targets:
        u.figures.append("F-only")
    return u


@st.composite
def node_tables(draw: st.DrawFn, u: Universe, subset: bool) -> dict[str, list[dict[str, Any]]]:
    """Rows for the nodes of ``u`` (all of them, or a random subset for a later upsert)."""

    def chosen(ids: list[str]) -> list[tuple[int, str]]:
        return [(i, x) for i, x in enumerate(ids) if not subset or draw(st.booleans())]

    def area_ref() -> str | None:
        return draw(st.none() | st.sampled_from(u.areas))

    areas = [
        {
            "id": a,
            "name": draw(NAMES),
            "kind": "district" if i == 0 else draw(st.sampled_from(AREA_KINDS)),
            # A parent is always an earlier area, so no load can make a cycle.
            "parent_id": draw(st.none() | st.sampled_from(u.areas[:i])) if i else None,
        }
        for i, a in chosen(u.areas)
    ]
    leaders = [
        {
            "id": x,
            "name": draw(NAMES),
            "in_office": draw(st.sampled_from([True, False, None])),
            "area_id": area_ref(),
            "quota_min": draw(st.none() | st.integers(0, 3)),
            "quota_max": draw(st.none() | st.integers(0, 4)),
        }
        for _, x in chosen(u.leaders)
    ]
    figures = [
        {
            "id": x,
            "name": draw(NAMES),
            "category": draw(st.sampled_from(CATEGORIES)),
            "area_id": area_ref(),
            "备注": draw(st.none() | NAMES),
        }
        for _, x in chosen(u.figures)
    ]
    organizations = [
        {
            "id": x,
            "name": draw(NAMES),
            "kind": draw(st.sampled_from(ORG_KINDS)),
            "area_id": area_ref(),
            "parent_id": draw(st.none() | st.sampled_from(u.organizations[:i])) if i else None,
        }
        for i, x in chosen(u.organizations)
    ]
    units = [
        {"id": x, "name": draw(NAMES), "kind": draw(st.sampled_from(UNIT_KINDS)),
         "area_id": area_ref()}
        for _, x in chosen(u.units)
    ]  # fmt: skip
    return {
        "areas": areas,
        "leaders": leaders,
        "figures": figures,
        "organizations": organizations,
        "units": units,
    }


@st.composite
def link_tables(draw: st.DrawFn, u: Universe) -> dict[str, list[dict[str, Any]]]:
    targets = st.sampled_from(u.targets)
    contacts = []
    for _ in range(draw(st.integers(0, 8))):
        since, until = draw(a_span())
        contacts.append(
            {"leader_id": draw(st.sampled_from(u.leaders)), "target_id": draw(targets),
             "since": since, "until": until,
             "role": draw(st.sampled_from(["primary", "backup", None]))}
        )  # fmt: skip
    memberships = []
    orgs = u.organizations + u.units
    if u.figures and orgs:
        for _ in range(draw(st.integers(0, 6))):
            since, until = draw(a_span())
            memberships.append(
                {"figure_id": draw(st.sampled_from(u.figures)),
                 "org_id": draw(st.sampled_from(orgs)), "since": since, "until": until}
            )  # fmt: skip
    interactions = [
        {
            "id": x,
            "date": draw(a_date()),
            "kind": draw(st.sampled_from(SCHEMA.enum_codes("interaction_kind"))),
            "leader_ids": draw(st.lists(st.sampled_from(u.leaders), min_size=1, max_size=3)),
            "target_ids": draw(st.lists(targets, min_size=1, max_size=3)),
            "summary": draw(st.none() | NAMES),
        }
        for x in u.interactions
        if draw(st.integers(0, 4))  # most interactions are written
    ]
    people = u.leaders + u.targets
    relations = [
        {"source_id": draw(st.sampled_from(people)), "target_id": draw(st.sampled_from(people)),
         "kind": draw(st.sampled_from(["friend", "colleague", "同学"]))}
        for _ in range(draw(st.integers(0, 3)))
    ]  # fmt: skip
    return {
        "contacts": contacts,
        "memberships": memberships,
        "interactions": interactions,
        "relations": relations,
    }


@st.composite
def policies(draw: st.DrawFn) -> dict[str, Any] | None:
    if draw(st.booleans()):
        return None
    policy: dict[str, Any] = {}
    if draw(st.booleans()):
        policy["window_days"] = draw(st.sampled_from(WINDOWS))
    if draw(st.booleans()):
        policy["quota_min"] = draw(st.integers(0, 3))
    if draw(st.booleans()):
        line = draw(st.sampled_from(LINES))
        policy["lines"] = {
            line: {
                "figure_categories": draw(st.lists(st.sampled_from(CATEGORIES), unique=True)),
                "organization_kinds": draw(st.lists(st.sampled_from(ORG_KINDS), unique=True)),
                "unit_kinds": draw(st.lists(st.sampled_from(UNIT_KINDS), unique=True)),
            }
        }
    return policy or None


@dataclass
class Scenario:
    first: dict[str, list[dict[str, Any]]]
    first_policy: dict[str, Any] | None
    # An upsert on top of the first load (same ids, same kinds), or None.
    second: dict[str, list[dict[str, Any]]] | None
    second_policy: dict[str, Any] | None
    window: int | None
    filters: dict[str, Any]


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    u = draw(universes())
    first = {**draw(node_tables(u, subset=False)), **draw(link_tables(u))}
    second = None
    if draw(st.booleans()):
        second = {**draw(node_tables(u, subset=True)), **draw(link_tables(u))}
    choices: list[dict[str, Any]] = [{"kind": k} for k in ("figure", "organization", "unit")]
    choices += [{"category": c} for c in CATEGORIES]
    choices += [{"line": line} for line in LINES]
    choices += [{"area_id": a} for a in u.areas]
    filters = draw(st.sampled_from(choices))
    return Scenario(
        first=first,
        first_policy=draw(policies()),
        second=second,
        second_policy=draw(policies()) if second else None,
        window=draw(st.none() | st.sampled_from(WINDOWS)),
        filters=filters,
    )


def _json(value: Any) -> str:
    """The answer as the CLI prints it (key order included), but for the data version it
    names: each store counts its own writes."""
    assert isinstance(value["version"], int)
    plain = {k: v for k, v in value.items() if k != "version"}
    return json.dumps(plain, ensure_ascii=False, indent=1)


def _gaps(ws: Workspace, window: int | None, **filters: Any) -> str:
    try:
        return _json(ws.gaps(as_of=T, window_days=window, **filters))
    except QueryError as exc:  # e.g. an area the second load did not keep: same on both
        return f"{exc.__class__.__name__}: {exc}"


def _load(store: Store, folder: Path) -> tuple[int, int, int, int]:
    report = store.load(read_folder(folder, store.existing_nodes()))
    return report.inserted, report.updated, report.unchanged, report.removed


@pytest.fixture
def neo4j_uri() -> Iterator[str]:
    """The test server, held for this test (skipped when not configured)."""
    with exclusive_neo4j() as uri:
        yield uri


@NEO4J_GROUP
@SETTINGS
@given(scenario=scenarios())
def test_backends_agree(neo4j_uri: str, scenario: Scenario) -> None:
    uri = neo4j_uri
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        lite = open_store(root / "parity.db")
        # A new connection for every example: its caches start empty.
        neo = open_neo4j(uri, clear=True)
        try:
            first = write_tables(
                root / "first", scenario.first, policy=scenario.first_policy, fmt="json"
            )
            folders = [first]
            if scenario.second is not None:
                folders.append(
                    write_tables(
                        root / "second", scenario.second, policy=scenario.second_policy, fmt="json"
                    )
                )
            for folder in folders:
                assert lite.existing_nodes() == neo.existing_nodes()
                assert _load(lite, folder) == _load(neo, folder), f"load reports of {folder.name}"
            a, b = snapshot(lite), snapshot(neo)
            assert a.nodes == b.nodes
            assert a.links == b.links
            assert a.policy == b.policy
            assert graph_view(lite) == graph_view(neo)
            wl, wn = Workspace(lite), Workspace(neo)
            window = scenario.window
            note(f"window {window}, filters {scenario.filters}")
            assert _json(wl.coverage(as_of=T, window_days=window)) == _json(
                wn.coverage(as_of=T, window_days=window)
            )
            assert _gaps(wl, window, statuses=ALL_STATUSES) == _gaps(
                wn, window, statuses=ALL_STATUSES
            )
            assert _gaps(wl, window) == _gaps(wn, window)
            assert _gaps(wl, window, statuses=ALL_STATUSES, **scenario.filters) == _gaps(
                wn, window, statuses=ALL_STATUSES, **scenario.filters
            )
            assert _json(wl.leaders(as_of=T, window_days=window)) == _json(
                wn.leaders(as_of=T, window_days=window)
            )
        finally:
            lite.close()
            neo.close()

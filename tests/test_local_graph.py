"""Entity records and ego networks from a local graph equal those from the whole graph.

Over the whole-graph limit (a province), the workspace reads just an entity's part of the
store (SQLiteStore.neighbourhood) instead of building the whole networkx graph. The answer
must not change: every entity of the sample and of random districts is asked both ways.
"""

from __future__ import annotations

import datetime as dt
import json
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from analysis_helpers import World, worlds
from hypothesis import given, settings

from concentric.graph import workspace as workspace_module
from concentric.graph.engine.coverage import GraphTooLarge, UnknownId
from concentric.graph.schema.model import Dataset
from concentric.graph.store.sqlite_store import SQLiteStore
from concentric.graph.views import render
from concentric.graph.workspace import Workspace
from concentric.loaders import read_records
from concentric.loaders.dataset import read_dataset

SAMPLE = Path(__file__).parent.parent / "data" / "sample"
AS_OF = dt.date(2026, 11, 27)


def _same(a: object, b: object) -> bool:
    return json.dumps(a, sort_keys=True, default=str) == json.dumps(b, sort_keys=True, default=str)


def _pair(store: SQLiteStore) -> tuple[Workspace, Workspace]:
    """The same store behind a whole-graph workspace and one forced onto local graphs."""
    return Workspace(store), Workspace(store, graph_max_rows=0)


def _same_refusals(whole: Callable[..., str], local: Callable[..., str]) -> None:
    """A page of the wrong kind of id, or of an unknown one, is refused in the same words."""
    for wrong in ("F0001", "nobody"):
        with pytest.raises(ValueError) as from_whole:
            whole(wrong, AS_OF, 365)
        with pytest.raises(ValueError) as from_local:
            local(wrong, AS_OF, 365)
        assert str(from_local.value) == str(from_whole.value)


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Workspace, Workspace]]:
    result = read_dataset([SAMPLE])
    assert not result.problems
    store = SQLiteStore(tmp_path_factory.mktemp("local") / "c.db")
    store.load(result.dataset)
    yield _pair(store)
    store.close()


def test_the_sample_is_over_the_forced_limit(sample: tuple[Workspace, Workspace]) -> None:
    whole, local = sample
    assert not whole._uses_local_graphs(whole.snapshot())
    assert local._uses_local_graphs(local.snapshot())
    with pytest.raises(GraphTooLarge):
        local.graph()


def test_every_entity_record_of_the_sample(sample: tuple[Workspace, Workspace]) -> None:
    whole, local = sample
    ids = list(whole.graph().nodes)
    assert len(ids) > 500
    for node_id in ids:
        for window in (90, 365):
            expected = whole.entity(node_id, AS_OF, window)
            assert _same(local.entity(node_id, AS_OF, window), expected), node_id


@pytest.mark.parametrize("depth", [0, 1, 2, 3])
def test_ego_networks_of_the_sample(sample: tuple[Workspace, Workspace], depth: int) -> None:
    whole, local = sample
    graph = whole.graph()
    kinds = ("leader", "figure", "organization", "unit", "interaction", "area")
    # The first few of every kind (depth 3 reaches much of the sample: keep it quick).
    chosen = [n for kind in kinds for n in sorted(graph.nodes) if graph.nodes[n]["kind"] == kind]
    per_kind = 6 if depth < 3 else 2
    picked = [
        n
        for kind in kinds
        for n in [m for m in chosen if graph.nodes[m]["kind"] == kind][:per_kind]
    ]
    for node_id in picked:
        expected = whole.network(node_id, depth)
        assert _same(local.network(node_id, depth), expected), (node_id, depth)


def test_unknown_ids_and_bad_depths(sample: tuple[Workspace, Workspace]) -> None:
    _, local = sample
    with pytest.raises(UnknownId, match="'nobody'"):
        local.entity("nobody")
    with pytest.raises(UnknownId, match="'nobody'"):
        local.network("nobody", 2)
    with pytest.raises(ValueError, match="depth"):
        local.network("L01", -1)


@settings(max_examples=40, deadline=None)
@given(world=worlds(max_leaders=4, max_targets=8))
def test_random_districts_local_equals_whole(world: World) -> None:
    with tempfile.TemporaryDirectory() as folder, SQLiteStore(Path(folder) / "c.db") as store:
        store.load(Dataset(list(world.nodes.values()), world.links), replace=True)
        whole, local = _pair(store)
        for node_id in world.nodes:
            assert _same(local.entity(node_id, AS_OF, 365), whole.entity(node_id, AS_OF, 365))
            for depth in (1, 2):
                assert _same(local.network(node_id, depth), whole.network(node_id, depth))


def test_an_interactions_record_lists_its_leaders_and_targets(
    sample: tuple[Workspace, Workspace],
) -> None:
    # It used to fail with KeyError (its targets were read as interactions).
    result = read_dataset([SAMPLE])
    interaction = next(n for n in result.dataset.nodes if n.kind == "interaction")
    expected = sorted(
        [("took_part", "in", leader) for leader in interaction.props["leader_ids"]]
        + [("concerns", "out", target) for target in interaction.props["target_ids"]]
    )
    for workspace in sample:
        record = workspace.entity(interaction.id, AS_OF, 365)
        assert sorted((t["kind"], t["direction"], t["id"]) for t in record["ties"]) == expected
        assert record["interactions"] == []


@pytest.fixture(params=[None, 6], ids=["as drawn", "grouped by area"])
def grouping(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Pages as drawn, and with so few nodes allowed that they group targets by area (then
    the whole area tree counts)."""
    if request.param is not None:
        monkeypatch.setattr(render, "MAX_NODES", request.param)


@pytest.mark.usefixtures("grouping")
def test_every_leaders_network_page_of_the_sample(sample: tuple[Workspace, Workspace]) -> None:
    whole, local = sample
    graph = whole.graph()
    leaders = sorted(n for n, kind in graph.nodes(data="kind") if kind == "leader")
    assert len(leaders) > 10
    for leader in leaders:
        for window in (90, 365):
            expected = whole.leader_network_html(leader, AS_OF, window)
            assert local.leader_network_html(leader, AS_OF, window) == expected, leader
    _same_refusals(whole.leader_network_html, local.leader_network_html)


@pytest.mark.usefixtures("grouping")
@pytest.mark.parametrize("depth", [0, 1, 2])
def test_ego_network_pages_of_the_sample(sample: tuple[Workspace, Workspace], depth: int) -> None:
    whole, local = sample
    graph = whole.graph()
    kinds = ("leader", "figure", "organization", "unit", "interaction", "area")
    per_kind = 5 if depth < 2 else 2
    picked = [
        n
        for kind in kinds
        for n in sorted(m for m in graph.nodes if graph.nodes[m]["kind"] == kind)[:per_kind]
    ]
    for node_id in picked:
        expected = whole.ego_network_html(node_id, depth, AS_OF, 365)
        assert local.ego_network_html(node_id, depth, AS_OF, 365) == expected, (node_id, depth)
    with pytest.raises(UnknownId):
        local.ego_network_html("nobody", depth, AS_OF, 365)


def test_a_new_interaction_shows_in_the_local_record(tmp_path: Path) -> None:
    # The store looks up who an interaction names once per data version: a load must show.
    result = read_dataset([SAMPLE])
    with SQLiteStore(tmp_path / "c.db") as store:
        store.load(result.dataset)
        local = Workspace(store, graph_max_rows=0)
        figure = "F0001"
        before = {i["id"] for i in local.entity(figure, AS_OF, 365)["interactions"]}
        row = {"id": "INEW", "date": AS_OF, "kind": "visit", "leader_ids": ["L01"]}
        added = read_records(
            "interactions", [{**row, "target_ids": [figure]}], store.existing_nodes(), "test"
        )
        assert not added.problems
        store.load(added.dataset)
        after = {i["id"] for i in local.entity(figure, AS_OF, 365)["interactions"]}
        assert "INEW" not in before
        assert "INEW" in after
        ties = local.entity("INEW", AS_OF, 365)["ties"]
        assert {(t["kind"], t["id"]) for t in ties} == {("took_part", "L01"), ("concerns", figure)}


def test_warming_up_builds_what_the_first_requests_need(tmp_path: Path) -> None:
    result = read_dataset([SAMPLE])
    with SQLiteStore(tmp_path / "c.db") as store:
        store.load(result.dataset)
        local = Workspace(store, graph_max_rows=0)
        local.warm()
        assert (
            local.snapshots.published is not None
            and local.snapshots.published.version == store.version()
        )


@pytest.mark.usefixtures("grouping")
def test_every_area_map_of_the_sample(sample: tuple[Workspace, Workspace]) -> None:
    whole, local = sample
    graph = whole.graph()
    areas = sorted(n for n, kind in graph.nodes(data="kind") if kind == "area")
    assert len(areas) > 20
    for area in areas:
        expected = whole.area_map_html(area, AS_OF, 365)
        assert local.area_map_html(area, AS_OF, 365) == expected, area
    _same_refusals(whole.area_map_html, local.area_map_html)


def test_an_area_map_past_the_local_limit_is_refused(
    sample: tuple[Workspace, Workspace], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, local = sample
    monkeypatch.setattr(workspace_module, "LOCAL_GRAPH_MAX_NODES", 10)
    root = next(a for a in local.index().area_list if local.index().area_kinds[a] == "district")
    with pytest.raises(GraphTooLarge, match="open the map of an area below it"):
        local.area_map_html(root, AS_OF, 365)


def test_building_the_snapshot_does_not_hold_up_other_readers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # While the next data version's snapshot is built (seconds at 10^6 targets),
    # coverage answers from the published snapshot.
    result = read_dataset([SAMPLE])
    with SQLiteStore(tmp_path / "c.db") as store:
        store.load(result.dataset)
        workspace = Workspace(store, graph_max_rows=0)
        published = workspace.snapshot().version
        row = {"id": "F0000", "name": "新人", "category": "religious", "area_id": "A43"}
        figure = read_records("figures", [row], store.existing_nodes(), "test")
        assert not figure.problems
        store.load(figure.dataset)  # behind the workspace's back: the next read rebuilds
        answered: list[str] = []
        versions: list[int] = []

        def meanwhile(what: str, read: Callable[[], object]) -> None:
            thread = threading.Thread(target=lambda: (read(), answered.append(what)))
            thread.start()
            thread.join(timeout=20)  # a blocked reader would wait for this build forever
            assert not thread.is_alive(), f"{what} waited for the build"

        read_rows = store.participations

        def slow_rows() -> list[tuple[str, str | None, object]]:
            meanwhile("coverage", lambda: versions.append(workspace.coverage(AS_OF)["version"]))
            return read_rows()

        monkeypatch.setattr(store, "participations", slow_rows)
        workspace.warm()
        assert answered == ["coverage"]
        assert versions == [published]  # the snapshot published before the write

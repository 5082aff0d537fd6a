"""Search, paths, brokers and communities past the whole-graph limit.

Past ``graph_max_rows`` these answer from the kept search index and the store's
neighbourhood reads. Their answers are checked against rules written out here from the
raw records (pypinyin called directly, networkx on a relationship view built by hand), and
against the whole-graph workspace on the same store.
"""

from __future__ import annotations

import itertools
import tempfile
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
from analysis_helpers import World, worlds
from hypothesis import given, settings
from hypothesis import strategies as st
from pypinyin import Style, lazy_pinyin

from concentric.graph.engine import search as search_module
from concentric.graph.engine.coverage import GraphTooLarge, UnknownId
from concentric.graph.network.network import brokers
from concentric.graph.schema.model import Dataset, NodeRecord
from concentric.graph.store.sqlite_store import SQLiteStore
from concentric.graph.workspace import Workspace

NAMES = ("王伟", "汪维", "张三", "李四", "王家庄", "张伟", "赵敏", "钱多", "孙立", "Wang Li")
SEARCHED = ("leader", "figure", "organization", "unit", "area")
RELATIONSHIPS = ("contacts", "member_of", "related_to")


@st.composite
def named_worlds(draw: st.DrawFn) -> World:
    """A random district whose entities carry a few Chinese names (several share one)."""
    world = draw(worlds(max_leaders=4, max_targets=8))
    for node_id, node in list(world.nodes.items()):
        if node.kind != "interaction":
            props = {**node.props, "name": draw(st.sampled_from(NAMES))}
            world.nodes[node_id] = NodeRecord(node_id, node.kind, props)
    return world


def _stored(world: World, folder: str) -> SQLiteStore:
    store = SQLiteStore(Path(folder) / "c.db")
    store.load(Dataset(list(world.nodes.values()), world.links), replace=True)
    return store


# -- search -------------------------------------------------------------------------------


def expected_search(world: World, query: str) -> tuple[int, list[str]]:
    """The search rule from the records: exact id or name first, then a name or its full
    pinyin starting with the query, then a name, pinyin or id containing it or initials
    equal to it; by id within each rank."""
    needle = "".join(query.split()).lower()
    ranked = []
    for node in world.nodes.values():
        if node.kind not in SEARCHED:
            continue
        name = str(node.props.get("name") or "").lower()
        syllables = lazy_pinyin(name, style=Style.NORMAL, errors="ignore")
        full = "".join(syllables).lower()
        initials = "".join(s[0] for s in syllables if s).lower()
        if needle in (node.id.lower(), name):
            ranked.append((0, node.id))
        elif name.startswith(needle) or full.startswith(needle):
            ranked.append((1, node.id))
        elif needle in name or needle in full or needle == initials or needle in node.id.lower():
            ranked.append((2, node.id))
    ranked.sort()
    return len(ranked), [node for _, node in ranked]


QUERIES = ("wang", "王", "wangwei", "ww", "zs", "张", "wei", "l0", "F1", "a", "li", "家庄", "x")


@settings(max_examples=30, deadline=None)
@given(world=named_worlds(), query=st.sampled_from(QUERIES), limit=st.integers(1, 20))
def test_search_past_the_limit_follows_the_rule(world: World, query: str, limit: int) -> None:
    with tempfile.TemporaryDirectory() as folder, _stored(world, folder) as store:
        local = Workspace(store, graph_max_rows=0)
        whole = Workspace(store)
        total, ids = expected_search(world, query)
        answer = local.search(query, limit)
        assert (answer["total"], [i["id"] for i in answer["items"]]) == (total, ids[:limit])
        for item in answer["items"]:
            props = world.nodes[item["id"]].props
            assert item["name"] == props["name"]
            assert item["area_id"] == (None if item["kind"] == "area" else props.get("area_id"))
        assert dict(whole.search(query, limit)) == dict(answer)


def test_a_fresh_workspace_reads_the_kept_search_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = World()
    world.area("A0", "district")
    world.figure("F1", area="A0")
    world.nodes["F1"] = NodeRecord("F1", "figure", {**world.nodes["F1"].props, "name": "王伟"})
    with SQLiteStore(tmp_path / "c.db") as store:
        store.load(Dataset(list(world.nodes.values()), world.links), replace=True)
        assert [i["id"] for i in Workspace(store).search("wangwei")["items"]] == ["F1"]

    def no_pinyin(name: str) -> tuple[str, str]:
        raise AssertionError(f"pinyin recomputed for {name!r}")

    monkeypatch.setattr(search_module, "pinyin_keys", no_pinyin)
    with SQLiteStore(tmp_path / "c.db") as store:
        fresh = Workspace(store, graph_max_rows=0)
        assert [i["id"] for i in fresh.search("ww")["items"]] == ["F1"]


def test_a_write_computes_pinyin_only_for_new_names(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with SQLiteStore(tmp_path / "c.db") as store:
        store.load(
            Dataset(
                [
                    NodeRecord("A0", "area", {"name": "七里河", "kind": "district"}),
                    NodeRecord("F1", "figure", {"name": "王伟", "category": "religious"}),
                ],
                [],
            ),
            replace=True,
        )
        workspace = Workspace(store)
        assert workspace.search("qlh")["total"] == 1
        asked: list[str] = []
        real = search_module.pinyin_keys

        def counted(name: str) -> tuple[str, str]:
            asked.append(name)
            return real(name)

        monkeypatch.setattr(search_module, "pinyin_keys", counted)
        workspace.load(
            Dataset([NodeRecord("F2", "figure", {"name": "赵敏", "category": "ethnic"})], [])
        )
        assert [i["id"] for i in workspace.search("zhaomin")["items"]] == ["F2"]
        assert [i["id"] for i in workspace.search("ww")["items"]] == ["F1"]
        assert asked == ["赵敏"]


def test_a_write_of_no_searchable_entity_keeps_the_search_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with SQLiteStore(tmp_path / "c.db") as store:
        store.load(
            Dataset(
                [
                    NodeRecord("A0", "area", {"name": "七里河", "kind": "district"}),
                    NodeRecord("L1", "leader", {"name": "李强", "in_office": True}),
                    NodeRecord("F1", "figure", {"name": "王伟", "category": "religious"}),
                ],
                [],
            ),
            replace=True,
        )
        workspace = Workspace(store, graph_max_rows=10**6)
        before = workspace.search("ww")
        monkeypatch.setattr(
            search_module.SearchIndex,
            "build",
            lambda *args: pytest.fail("the search index was rebuilt for a logged visit"),
        )
        visit = {"date": "2026-11-20", "type": "visit", "leader_ids": ["L1"], "target_ids": ["F1"]}
        workspace.load(Dataset([NodeRecord("I1", "interaction", visit)], []))
        after = workspace.search("ww")
        assert after["version"] == before["version"] + 1
        assert after["items"] == before["items"]
        assert [i["id"] for i in after["items"]] == ["F1"]
        monkeypatch.undo()
        # A renamed figure is a searchable change: the index follows it.
        renamed = {"name": "赵敏", "category": "religious"}
        workspace.load(Dataset([NodeRecord("F1", "figure", renamed)], []))
        assert [i["id"] for i in workspace.search("zhaomin")["items"]] == ["F1"]
        assert workspace.search("ww")["items"] == []


# -- paths --------------------------------------------------------------------------------


def relationship_graph(world: World) -> nx.Graph:
    """Who is tied to whom, from the records: contacts, memberships, relations, and an
    interaction to its leaders and targets; areas are not ties."""
    view = nx.Graph()
    for link in world.links:
        if link.kind in RELATIONSHIPS:
            view.add_edge(link.source_id, link.target_id)
    for node in world.nodes.values():
        if node.kind == "interaction":
            for other in (*node.props["leader_ids"], *node.props["target_ids"]):
                view.add_edge(node.id, other)
    return view


def expected_chain(view: nx.Graph, source: str, target: str) -> list[str] | None:
    """Of the shortest chains, the one whose ids come first (compared step by step)."""
    if source == target:
        return [source]
    if source not in view or target not in view or not nx.has_path(view, source, target):
        return None
    return min(nx.all_shortest_paths(view, source, target))


@settings(max_examples=40, deadline=None)
@given(world=worlds(max_leaders=4, max_targets=8), data=st.data())
def test_paths_past_the_limit_are_the_first_shortest_chain(world: World, data: Any) -> None:
    view = relationship_graph(world)
    ids = sorted(world.nodes)
    with tempfile.TemporaryDirectory() as folder, _stored(world, folder) as store:
        local, whole = Workspace(store, graph_max_rows=0), Workspace(store)
        for _ in range(6):
            source, target = data.draw(st.sampled_from(ids)), data.draw(st.sampled_from(ids))
            answer = local.path(source, target)
            chain = expected_chain(view, source, target)
            assert answer["found"] == (chain is not None)
            assert [n["id"] for n in answer["nodes"]] == (chain or [])
            for step, (a, b) in zip(answer["steps"], itertools.pairwise(chain or []), strict=True):
                assert (step["from"], step["to"]) == (a, b)
            assert dict(whole.path(source, target)) == dict(answer)
        with pytest.raises(UnknownId, match="'nobody'"):
            local.path(ids[0], "nobody")


# -- brokers and communities --------------------------------------------------------------


def area_scope(world: World, area_id: str) -> set[str]:
    """The targets in ``area_id`` and the areas below it, with the leaders and
    interactions tied to them (contacts, relations, interactions about them and their
    leaders)."""
    below = {area_id}
    while True:
        more = {
            n.id
            for n in world.nodes.values()
            if n.kind == "area" and n.props.get("parent_id") in below
        }
        if more <= below:
            break
        below |= more
    targets = {
        n.id
        for n in world.nodes.values()
        if n.kind in ("figure", "organization", "unit") and n.props.get("area_id") in below
    }
    chosen = set(targets)
    for link in world.links:
        for near, far in ((link.source_id, link.target_id), (link.target_id, link.source_id)):
            if near in targets and world.nodes[far].kind == "leader":
                chosen.add(far)
    for node in world.nodes.values():
        if node.kind == "interaction" and targets & set(node.props["target_ids"]):
            chosen |= {node.id, *node.props["leader_ids"]}
    return chosen


def _without_method(answer: Any) -> dict[str, Any]:
    return {k: v for k, v in dict(answer).items() if k not in ("method", "version")}


@settings(max_examples=30, deadline=None)
@given(world=worlds(max_leaders=4, max_targets=8), area=st.sampled_from(("A0", "A1", "A2")))
def test_brokers_and_communities_of_an_area(world: World, area: str) -> None:
    with tempfile.TemporaryDirectory() as folder, _stored(world, folder) as store:
        whole, local = Workspace(store), Workspace(store, graph_max_rows=0)
        part = whole.graph().subgraph(area_scope(world, area)).copy()
        for workspace in (whole, local):
            found = workspace.brokers(5, area_id=area)
            assert _without_method(found) == brokers(part, top=5)
            assert found["method"]["area_id"] == area
        # Louvain's partition can depend on the order a graph was built in, so the scope's
        # communities are checked for their members, and both workspaces for agreement.
        grouped = local.communities(area_id=area)
        assert _without_method(grouped) == _without_method(whole.communities(area_id=area))
        for community in grouped["items"]:
            assert set(community["members"]) <= set(part)


def test_past_the_limit_brokers_need_a_scope(tmp_path: Path) -> None:
    world = World()
    world.area("A0", "district")
    world.figure("F1", area="A0")
    world.figure("F2", area="A0")
    with SQLiteStore(tmp_path / "c.db") as store:
        store.load(Dataset(list(world.nodes.values()), world.links), replace=True)
        local = Workspace(store, graph_max_rows=0)
        with pytest.raises(GraphTooLarge, match="area_id or a sample"):
            local.brokers()
        with pytest.raises(GraphTooLarge, match="area_id or a sample"):
            local.communities()
        sampled = local.brokers(sample=1, seed=5)["method"]
        assert (sampled["sample"], sampled["seed"], sampled["scope"]) == (
            1,
            5,
            "all targets, a random sample of 1 targets (seed 5)",
        )
        with pytest.raises(UnknownId, match="area_id"):
            local.communities(area_id="nowhere")

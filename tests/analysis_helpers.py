"""Builders and independent oracles for the analysis tests (leaders, blind spots, network,
recommendations).

:class:`World` writes the records a loader would produce (``NodeRecord`` / ``LinkRecord``)
so a test can state a tiny district in a few lines and build the product's graph from it.

The oracles here are written from ``shared/spec/domain.md`` section 3 alone and work on the
records, not on the product's graph or functions: :func:`expected_coverage` (assigned
leaders, last contact, status), :func:`max_assignable` (bipartite matching over leader
"slots"), :func:`best_assignment` (exhaustive search) and :func:`greedy_assignment`.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import itertools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
from hypothesis import strategies as st

from concentric.graph.schema.build import build_graph
from concentric.graph.schema.model import LinkRecord, NodeRecord

#: The fixed "today" of these tests and the spec's default window.
T = dt.date(2026, 6, 30)
W = 365
TARGET_KINDS = ("figure", "organization", "unit")


def day(offset: int) -> dt.date:
    """T shifted by ``offset`` days (negative = before T)."""
    return T + dt.timedelta(days=offset)


@dataclass
class World:
    """A small district as loader records; ``graph()`` builds the product's graph."""

    nodes: dict[str, NodeRecord] = field(default_factory=dict)
    links: list[LinkRecord] = field(default_factory=list)

    # -- entities -------------------------------------------------------------------------
    def _node(self, node_id: str, kind: str, props: dict[str, Any]) -> str:
        assert node_id not in self.nodes, f"duplicate id {node_id}"
        clean = {k: v for k, v in props.items() if v is not None}
        self.nodes[node_id] = NodeRecord(node_id, kind, {"name": node_id, **clean})
        return node_id

    def area(self, area_id: str, kind: str, parent: str | None = None) -> str:
        return self._node(area_id, "area", {"kind": kind, "parent_id": parent})

    def leader(
        self,
        leader_id: str,
        *,
        in_office: bool = True,
        quota_min: int | None = None,
        quota_max: int | None = None,
        area: str | None = None,
        lines: list[str] | None = None,
        post: str | None = None,
    ) -> str:
        props = {
            "in_office": in_office,
            "quota_min": quota_min,
            "quota_max": quota_max,
            "area_id": area,
            "lines": lines,
            "post": post,
        }
        return self._node(leader_id, "leader", props)

    def figure(self, figure_id: str, category: str = "religious", area: str | None = None) -> str:
        return self._node(figure_id, "figure", {"category": category, "area_id": area})

    def organization(
        self, org_id: str, kind: str = "religious_venue", area: str | None = None
    ) -> str:
        return self._node(org_id, "organization", {"kind": kind, "area_id": area})

    def unit(
        self,
        unit_id: str,
        kind: str = "hospital",
        area: str | None = None,
        joint_meeting: bool | None = None,
    ) -> str:
        props = {"kind": kind, "area_id": area, "joint_meeting": joint_meeting}
        return self._node(unit_id, "unit", props)

    def interaction(
        self,
        interaction_id: str,
        date: dt.date,
        leaders: Iterable[str],
        targets: Iterable[str],
        kind: str = "visit",
    ) -> str:
        props = {
            "date": date,
            "kind": kind,
            "leader_ids": list(leaders),
            "target_ids": list(targets),
        }
        return self._node(interaction_id, "interaction", props)

    # -- links ----------------------------------------------------------------------------
    def _link(self, kind: str, source: str, target: str, props: dict[str, Any]) -> None:
        key = f"{kind}#{len(self.links)}"  # unique, like a natural key would be
        self.links.append(LinkRecord(kind, source, target, key, props))

    def contact(
        self, leader: str, target: str, since: dt.date | None = None, until: dt.date | None = None
    ) -> None:
        props = {"leader_id": leader, "target_id": target, "since": since, "until": until}
        self._link("contacts", leader, target, props)

    def member(
        self, figure: str, org: str, since: dt.date | None = None, until: dt.date | None = None
    ) -> None:
        props = {"figure_id": figure, "org_id": org, "since": since, "until": until}
        self._link("member_of", figure, org, props)

    def relate(self, source: str, target: str, kind: str = "friend") -> None:
        props = {"source_id": source, "target_id": target, "kind": kind}
        self._link("related_to", source, target, props)

    # -- views ----------------------------------------------------------------------------
    def graph(self) -> nx.MultiDiGraph:
        return build_graph(copy.deepcopy(list(self.nodes.values())), copy.deepcopy(self.links))

    def ids(self, kind: str) -> list[str]:
        return sorted(n.id for n in self.nodes.values() if n.kind == kind)

    def targets(self) -> list[str]:
        return sorted(n.id for n in self.nodes.values() if n.kind in TARGET_KINDS)

    def leaving(self, leader_ids: Iterable[str]) -> World:
        """The same world with these leaders out of office (what a departure would do)."""
        world = copy.deepcopy(self)
        for leader in leader_ids:
            world.nodes[leader].props["in_office"] = False
        return world

    def without_contacts_of(self, leader_ids: Iterable[str]) -> World:
        """The same world with every contact of these leaders removed."""
        gone = set(leader_ids)
        world = copy.deepcopy(self)
        world.links = [
            link for link in world.links if not (link.kind == "contacts" and link.source_id in gone)
        ]
        return world


# ------------------------------------------------------------------------------- oracles


@dataclass(frozen=True)
class Expected:
    """One target's coverage per spec section 3."""

    status: str
    assigned: frozenset[str]
    last_contact: dt.date | None


def _open(props: Mapping[str, Any], as_of: dt.date) -> bool:
    since, until = props.get("since"), props.get("until")
    return (since is None or since <= as_of) and (until is None or as_of < until)


def in_office(world: World) -> set[str]:
    return {
        n.id
        for n in world.nodes.values()
        if n.kind == "leader" and n.props.get("in_office", True) is not False
    }


def expected_coverage(world: World, as_of: dt.date = T, window: int = W) -> dict[str, Expected]:
    """Spec section 3, straight from the records (a second opinion on ``target_coverage``)."""
    targets = world.targets()
    office = in_office(world)
    assigned: dict[str, set[str]] = {t: set() for t in targets}
    for link in world.links:
        if (
            link.kind == "contacts"
            and link.source_id in office
            and link.target_id in assigned
            and _open(link.props, as_of)
        ):
            assigned[link.target_id].add(link.source_id)
    last: dict[str, dt.date | None] = dict.fromkeys(targets)
    for node in world.nodes.values():
        if node.kind != "interaction" or node.props["date"] > as_of:
            continue
        for target in node.props["target_ids"]:
            if target in last:
                previous = last[target]
                last[target] = max(node.props["date"], previous or dt.date.min)
    start = as_of - dt.timedelta(days=window)

    def recent(target: str) -> bool:
        date = last[target]
        return date is not None and date >= start

    covered = {t for t in targets if assigned[t] and recent(t)}
    partners: dict[str, set[str]] = {t: set() for t in targets}
    for link in world.links:
        if link.kind == "member_of" and _open(link.props, as_of):
            partners.setdefault(link.source_id, set()).add(link.target_id)
            partners.setdefault(link.target_id, set()).add(link.source_id)
    result = {}
    for t in targets:
        if t in covered:
            status = "covered"
        elif assigned[t]:
            status = "stale"
        elif recent(t) or partners[t] & covered:
            status = "indirect"
        else:
            status = "uncovered"
        result[t] = Expected(status, frozenset(assigned[t]), last[t])
    return result


def load_of(world: World, as_of: dt.date = T) -> dict[str, int]:
    """Per leader in office: how many targets they are assigned to at ``as_of``."""
    counts = dict.fromkeys(in_office(world), 0)
    for item in expected_coverage(world, as_of).values():
        for leader in item.assigned:
            counts[leader] += 1
    return counts


def capacities(world: World, default_quota_max: int = 15) -> dict[str, int]:
    """capacity = quota_max − current assigned count, never below zero."""
    load = load_of(world)
    result = {}
    for leader in load:
        quota_max = world.nodes[leader].props.get("quota_max")
        quota_max = default_quota_max if quota_max is None else quota_max
        result[leader] = max(quota_max - load[leader], 0)
    return result


def max_assignable(pairs: Iterable[tuple[str, str]], capacity: Mapping[str, int]) -> int:
    """Most targets placeable: a maximum bipartite matching of targets to leader *slots*
    (a leader with capacity c becomes c slots), so no leader is over capacity."""
    matching_graph = nx.Graph()
    target_nodes = set()
    for target, leader in pairs:
        target_nodes.add(("t", target))
        matching_graph.add_node(("t", target))
        for slot in range(capacity.get(leader, 0)):
            matching_graph.add_edge(("t", target), ("slot", leader, slot))
    if not target_nodes:
        return 0
    matching = nx.bipartite.hopcroft_karp_matching(matching_graph, top_nodes=target_nodes)
    return sum(1 for node in matching if node in target_nodes)


def best_assignment(
    costs: Mapping[tuple[str, str], int], capacity: Mapping[str, int]
) -> tuple[int, int]:
    """(most targets placed, least total cost among assignments placing that many), by
    trying every assignment (each target: one of its leaders with room, or none),
    memoized on (next target, room left per leader)."""
    targets = sorted({t for t, _ in costs})
    leaders = sorted(capacity)
    options = {t: [i for i, leader in enumerate(leaders) if (t, leader) in costs] for t in targets}

    @functools.cache
    def search(i: int, room: tuple[int, ...]) -> tuple[int, int]:
        """Best (placed, −cost) for targets[i:] with this room left."""
        if i == len(targets):
            return (0, 0)
        target = targets[i]
        best = search(i + 1, room)  # leave this target out
        for j in options[target]:
            if room[j] > 0:
                placed, neg_cost = search(i + 1, (*room[:j], room[j] - 1, *room[j + 1 :]))
                best = max(best, (placed + 1, neg_cost - costs[target, leaders[j]]))
        return best

    placed, neg_cost = search(0, tuple(capacity[leader] for leader in leaders))
    return placed, -neg_cost


def greedy_assignment(
    costs: Mapping[tuple[str, str], int], capacity: Mapping[str, int]
) -> dict[str, str]:
    """Cheapest pair first; take it if the target is free and the leader has room."""
    room = dict(capacity)
    chosen: dict[str, str] = {}
    for (target, leader), _ in sorted(costs.items(), key=lambda kv: (kv[1], kv[0])):
        if target not in chosen and room.get(leader, 0) > 0:
            chosen[target] = leader
            room[leader] -= 1
    return chosen


# ---------------------------------------------------------------------- random worlds

AREAS = ("A0", "A1", "C1", "A2")
CATEGORIES = ("religious", "ethnic", "democratic_party", "private_economy", "new_strata")
ORG_KINDS = ("religious_venue", "party_branch", "chamber_of_commerce", "ethnic_work_station")
UNIT_KINDS = ("hospital", "university", "soe")
LINES = ("cooperation", "guidance", "service", "union")
POSTS = (None, "部长", "副区长")
# Dates cluster on the boundaries that matter: T, T − W, one day either side, far past.
LINK_DATES = (None, None, day(-400), day(-1), day(0), day(1))
DEFAULT_QUOTA_MAX: st.SearchStrategy[int | None] = st.none() | st.integers(0, 4)
MEETING_DATES = (day(-500), day(-366), day(-365), day(-30), day(0), day(3))


def base_areas(world: World) -> None:
    """A0 district ⊃ A1 subdistrict ⊃ C1 community; A0 ⊃ A2 town."""
    world.area("A0", "district")
    world.area("A1", "subdistrict", "A0")
    world.area("C1", "community", "A1")
    world.area("A2", "town", "A0")


@st.composite
def worlds(
    draw: st.DrawFn,
    max_leaders: int = 4,
    max_targets: int = 6,
    quota_max: st.SearchStrategy[int | None] = DEFAULT_QUOTA_MAX,
    contact_chance: float = 0.3,
) -> World:
    """A random small district: a few leaders (some out of office) with random quotas,
    areas, lines and posts; random targets, contacts, memberships and interactions."""
    world = World()
    base_areas(world)
    area = st.sampled_from((None, *AREAS))
    leaders = []
    for i in range(draw(st.integers(1, max_leaders))):
        leaders.append(
            world.leader(
                f"L{i}",
                in_office=draw(st.sampled_from((True, True, True, False))),
                quota_max=draw(quota_max),
                area=draw(area),
                lines=draw(st.lists(st.sampled_from(LINES), unique=True, max_size=2)),
                post=draw(st.sampled_from(POSTS)),
            )
        )
    targets = []
    for i in range(draw(st.integers(1, max_targets))):
        kind = draw(st.sampled_from(TARGET_KINDS))
        if kind == "figure":
            targets.append(world.figure(f"F{i}", draw(st.sampled_from(CATEGORIES)), draw(area)))
        elif kind == "organization":
            targets.append(
                world.organization(f"O{i}", draw(st.sampled_from(ORG_KINDS)), draw(area))
            )
        else:
            targets.append(world.unit(f"U{i}", draw(st.sampled_from(UNIT_KINDS)), draw(area)))
    for leader, target in itertools.product(leaders, targets):
        if draw(st.integers(0, 99)) < contact_chance * 100:
            world.contact(
                leader,
                target,
                since=draw(st.sampled_from(LINK_DATES)),
                until=draw(st.sampled_from(LINK_DATES)),
            )
    figures = [t for t in targets if t.startswith("F")]
    groups = [t for t in targets if not t.startswith("F")]
    for figure, group in itertools.product(figures, groups):
        if draw(st.integers(0, 9)) < 3:
            world.member(figure, group, until=draw(st.sampled_from(LINK_DATES)))
    for i in range(draw(st.integers(0, 5))):
        world.interaction(
            f"I{i}",
            draw(st.sampled_from(MEETING_DATES)),
            draw(st.lists(st.sampled_from(leaders), min_size=1, max_size=2, unique=True)),
            draw(st.lists(st.sampled_from(targets), min_size=1, max_size=3, unique=True)),
        )
    return world


#: The relationship edge kinds, as the spec lists them (an expectation of the tests, not
#: the product's own list).
RELATIONSHIPS = frozenset({"contacts", "member_of", "related_to", "took_part", "concerns"})


def relationship_ties_of(world: World) -> set[tuple[str, str, str]]:
    """Every relationship tie ``(kind, source, target)`` the world's records make, both
    ends stored: its relationship links, and an interaction's ``took_part`` (leader to
    interaction) and ``concerns`` (interaction to target) edges."""
    stored = world.nodes
    edges = {(link.kind, link.source_id, link.target_id) for link in world.links}
    for record in stored.values():
        if record.kind == "interaction":
            edges |= {("took_part", lead, record.id) for lead in record.props["leader_ids"]}
            edges |= {("concerns", record.id, t) for t in record.props["target_ids"]}
    return {e for e in edges if e[0] in RELATIONSHIPS and e[1] in stored and e[2] in stored}

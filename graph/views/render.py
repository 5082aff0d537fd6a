"""Network views as self-contained HTML pages (vis-network, the build that ships in pyvis).

Four views, each a pure function of the graph that returns one HTML string:

- :func:`leader_network_html`: a leader, the targets they are assigned to (open contacts),
  those targets' organizations and units, and the recent interactions around them;
- :func:`ego_network_html`: everything within ``depth`` relationship steps of any entity;
- :func:`area_map_html`: an area, the areas below it and the targets located in them;
- :func:`district_html`: every area and target of the district, with the leaders' contacts;
- :func:`district_areas_html`: the district as its towns and subdistricts, one node each
  (size: its targets, colour: its coverage ratio).

**Controls.** Every page filters its nodes by kind and status and shows or hides the
interactions (hidden at first in a leader's network, where they crowd the targets). A page
served by the web app also opens an entity's page when its node is clicked and offers other
depths of an ego network: :func:`with_controls` adds those to a drawn page (the views
themselves know nothing of URLs, so a page written to a file has no dead links).

Targets are coloured by coverage status (covered green, stale orange, indirect blue,
uncovered red); leaders are purple stars, areas grey boxes, interactions grey diamonds.
Hovering a node shows a card: name, kind, category, area, status, last contact, assigned
leaders and why the target has its status.

**Offline.** A page makes no request at all, so it opens on an intranet with no network:
pyvis's own template links Bootstrap from a CDN in every ``cdn_resources`` mode (and keeps a
``node_modules`` comment), so it is not used; instead the vis-network 9.1.2 script and
stylesheet that ship inside the pyvis package are inlined into ``templates/network.html.j2``.
The ``http://`` strings inside the vendor script (licence banners, the SVG namespace) are
written ``http:\\/\\/`` (the same string in JavaScript) so that the page holds no URL at all.
A Content-Security-Policy ``<meta>`` allows only the page's own scripts (by hash), inline
styles and ``data:`` images: even a script injected through some future bug would not run,
and nothing can be fetched.

**Names are data.** Node and edge hover cards travel as plain text (``card``: a heading and
rows) in a JSON block and are turned into DOM elements with ``textContent`` by the page's
script; labels are drawn on the canvas as text; everything placed in the HTML itself (page
title, heading, legend) is escaped by Jinja's autoescape; the JSON escapes ``<``, ``>`` and
``&`` so ``</script>`` inside a name cannot end the script block.

**Large views: aggregation, plus a layout computed in Python.** vis-network stalls beyond a
couple of thousand nodes with physics on, and a picture of several thousand dots is a
hairball anyway. Above :data:`MAX_NODES` nodes a view is *aggregated*: targets become one
node per (area, figure category or organization/unit kind), drawn as a pie of its status
mix, with a hover card saying what is inside; if that is still too many, areas are rolled
up to their ancestors a level at a time, then leaders and interactions are grouped too.
Aggregation was chosen over only precomputing a layout because it keeps the question the
views answer (which area and category has gaps) readable at any size, and it bounds the
page's size and drawing time, where a precomputed layout of 20 000 nodes would still ship
and draw 20 000 nodes. Every view also gets a deterministic layout computed in Python
(areas as clusters of their targets, or rings by distance from the centre of the view);
views above :data:`PHYSICS_MAX_NODES` are drawn there with physics off, so they open at
once, and smaller ones start from it and relax with physics for a moment, then stop.

Same input, same bytes: every list is sorted and the layout has no randomness.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import hashlib
import importlib.util
import json
import math
import os
import re
from collections import Counter, defaultdict, deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
import networkx as nx
from markupsafe import Markup
from markupsafe import escape as html_escape

from concentric.graph.engine.coverage import (
    STATUSES,
    QueryError,
    TargetCoverage,
    area_lineage,
    is_open,
    window_start,
)
from concentric.graph.engine.coverage_index import coverage_of_graph
from concentric.graph.network.network import display_name, ego_network
from concentric.graph.schema.schema import SCHEMA
from concentric.graph.views.labels import (
    LANGUAGES,
    NETWORK_EDGES,
    NETWORK_NODES,
    RATIO_SCALE,
    STATUS_COLORS,
    enum_text,
    kind_text,
    tie_text,
    ui_text,
)

__all__ = [
    "FONT_STACK",
    "KIND_COLORS",
    "MAX_NODES",
    "PHYSICS_MAX_NODES",
    "STATUS_COLORS",
    "area_map_html",
    "district_areas_html",
    "district_html",
    "ego_network_html",
    "leader_network_html",
    "leader_network_nodes",
    "with_controls",
    "write_html",
]

#: Views with more nodes than this are aggregated by area and category.
MAX_NODES = 1500
#: Views up to this many nodes relax with physics; larger ones keep the Python layout.
PHYSICS_MAX_NODES = 300

#: Colours of the nodes that are not targets (targets take their status colour).
KIND_COLORS: dict[str, str] = {k: s["colour"] for k, s in NETWORK_NODES.items() if "colour" in s}
FONT_STACK = (
    '"Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Micro Hei", '
    '"Microsoft YaHei", "PingFang SC", sans-serif'
)

_TARGET_KINDS = frozenset(SCHEMA.target_kinds)
_SHAPES = {k: s["shape"] for k, s in NETWORK_NODES.items() if "shape" in s}
_SIZES = {k: float(s["size"]) for k, s in NETWORK_NODES.items() if "size" in s}
_SYMBOLS = {k: s["symbol"] for k, s in NETWORK_NODES.items() if "symbol" in s}
_LEGEND_COLORS = {k: s["legend"] for k, s in NETWORK_NODES.items() if "legend" in s}
# Edge kind -> (colour, width, dashed).
_EDGE_STYLES: dict[str, tuple[str, float, bool]] = {
    k: (s["colour"], float(s["width"]), bool(s["dashed"])) for k, s in NETWORK_EDGES.items()
}
_GOLDEN_ANGLE = math.pi * (3 - math.sqrt(5))
_NO_AREA = "\x00no-area"  # layout cluster of targets without an area (never a node id)
_GROUP_PREFIX = "group:"


# -- public views ---------------------------------------------------------------------------


def leader_network_html(
    graph: nx.MultiDiGraph,
    leader_id: str,
    as_of: dt.date,
    window_days: int,
    *,
    coverage: Mapping[str, TargetCoverage] | None = None,
    text: Callable[[str], str] | None = None,
    language: str = "zh",
) -> str:
    """A leader's contact network as a self-contained HTML page.

    The leader, the targets with a contact from them open at ``as_of``, those figures'
    organizations and units (memberships open at ``as_of``), and the interactions inside the
    window that the leader took part in or that concern one of those targets (with the
    targets they concern). Raises :class:`QueryError` if ``leader_id`` is not a leader.
    """
    _check_kind(graph, leader_id, "leader")
    ctx = _Context.make(graph, as_of, window_days, coverage, text=text, language=language)
    nodes, edges = _leader_scene(ctx, leader_id)
    scene = _Scene(
        title=ctx.t("net.title.leader", name=ctx.name(leader_id)),
        subject=leader_id,
        nodes=sorted(nodes),
        edges=edges,
        focus=leader_id,
        layout="radial",
        interactions_shown=False,
    )
    return _render(ctx, scene)


def leader_network_nodes(
    graph: nx.MultiDiGraph,
    leader_id: str,
    as_of: dt.date,
    window_days: int,
    coverage: Mapping[str, TargetCoverage],
) -> list[str]:
    """The nodes :func:`leader_network_html` draws for this leader, sorted.

    They depend only on the leader's edges, its targets' edges and its interactions' (a
    caller with part of the data can find what else to read before drawing).
    """
    _check_kind(graph, leader_id, "leader")
    return sorted(_leader_scene(_Context.make(graph, as_of, window_days, coverage), leader_id)[0])


def _leader_scene(ctx: _Context, leader_id: str) -> tuple[set[str], list[_Edge]]:
    graph, as_of = ctx.graph, ctx.as_of
    nodes: set[str] = {leader_id}
    edges: list[_Edge] = []
    assigned = sorted(
        {
            v
            for _, v, d in graph.out_edges(leader_id, data=True)
            if d["kind"] == "contacts" and v in ctx.coverage and is_open(d, as_of)
        }
    )
    for target in assigned:
        nodes.add(target)
        edges.append(_Edge(leader_id, target, "contacts"))
        for _, org, d in graph.out_edges(target, data=True):
            if d["kind"] == "member_of" and is_open(d, as_of):
                nodes.add(org)
                edges.append(_Edge(target, org, "member_of"))
    interactions = {
        i
        for _, i, d in graph.out_edges(leader_id, data=True)
        if d["kind"] == "took_part" and ctx.recent(graph.nodes[i]["date"])
    }
    for target in assigned:
        interactions.update(
            i
            for i, _, d in graph.in_edges(target, data=True)
            if d["kind"] == "concerns" and ctx.recent(graph.nodes[i]["date"])
        )
    for interaction in sorted(interactions):
        nodes.add(interaction)
        if graph.has_edge(leader_id, interaction):
            edges.append(_Edge(leader_id, interaction, "took_part"))
        for _, target, d in graph.out_edges(interaction, data=True):
            if d["kind"] == "concerns":
                nodes.add(target)
                edges.append(_Edge(interaction, target, "concerns"))
    return nodes, edges


def ego_network_html(
    graph: nx.MultiDiGraph,
    node_id: str,
    depth: int,
    as_of: dt.date,
    window_days: int,
    *,
    coverage: Mapping[str, TargetCoverage] | None = None,
    area_counts: Mapping[str, Mapping[str, int]] | None = None,
    text: Callable[[str], str] | None = None,
    language: str = "zh",
) -> str:
    """Everything within ``depth`` relationship steps of any entity, as an HTML page.

    The nodes and edges are those of :func:`graph.network.network.ego_network`. ``area_counts``
    (status -> targets in each area and those below it) is counted from ``coverage`` when
    not given; a caller drawing from part of the data passes the whole data's. Raises
    :class:`QueryError` for an unknown id or a negative depth.
    """
    ego = ego_network(graph, node_id, depth)
    ctx = _Context.make(
        graph, as_of, window_days, coverage, area_counts, text=text, language=language
    )
    scene = _Scene(
        title=ctx.t("net.title.ego", name=ctx.name(node_id), depth=depth),
        subject=node_id,
        nodes=[n["id"] for n in ego["nodes"]],
        edges=[_Edge(e["source"], e["target"], e["kind"]) for e in ego["edges"]],
        focus=node_id,
        layout="radial",
    )
    return _render(ctx, scene)


def area_map_html(
    graph: nx.MultiDiGraph,
    area_id: str,
    as_of: dt.date,
    window_days: int,
    *,
    coverage: Mapping[str, TargetCoverage] | None = None,
    text: Callable[[str], str] | None = None,
    language: str = "zh",
) -> str:
    """An area's coverage map: the area, the areas below it and the targets located in them.

    Raises :class:`QueryError` if ``area_id`` is not an area.
    """
    _check_kind(graph, area_id, "area")
    ctx = _Context.make(graph, as_of, window_days, coverage, text=text, language=language)
    areas = {a for a, chain in ctx.lineage.items() if area_id in chain}
    nodes, edges = _area_scene(graph, areas, ctx, with_leaders=False)
    scene = _Scene(
        title=ctx.t("net.title.area", name=ctx.name(area_id)),
        subject=area_id,
        nodes=nodes,
        edges=edges,
        focus=area_id,
        layout="areas",
    )
    return _render(ctx, scene)


def district_html(
    graph: nx.MultiDiGraph,
    as_of: dt.date,
    window_days: int,
    *,
    coverage: Mapping[str, TargetCoverage] | None = None,
    text: Callable[[str], str] | None = None,
    language: str = "zh",
) -> str:
    """The whole district: every area, every target, and the leaders with their contacts."""
    ctx = _Context.make(graph, as_of, window_days, coverage, text=text, language=language)
    nodes, edges = _area_scene(graph, set(ctx.lineage), ctx, with_leaders=True)
    scene = _Scene(
        title=ctx.t("net.title.district", name=_district_name(ctx)),
        nodes=nodes,
        edges=edges,
        focus=None,
        layout="areas",
    )
    return _render(ctx, scene)


def district_areas_html(
    graph: nx.MultiDiGraph,
    as_of: dt.date,
    window_days: int,
    *,
    coverage: Mapping[str, TargetCoverage] | None = None,
    area_counts: Mapping[str, Mapping[str, int]] | None = None,
    text: Callable[[str], str] | None = None,
    area_kinds: Iterable[str] = ("town", "subdistrict"),
    language: str = "zh",
) -> str:
    """The district as its areas of ``area_kinds`` (towns and subdistricts), one node each:
    its size grows with the targets in it and the areas below it, its fill is their covered
    share on the ratio scale; no targets, leaders or edges are drawn.

    Only the areas of ``graph`` are read when ``area_counts`` (status -> targets in each
    area and those below it) is given: a graph of the areas alone, with ``coverage`` empty,
    draws the same page at any size of data."""
    ctx = _Context.make(
        graph, as_of, window_days, coverage, area_counts, text=text, language=language
    )
    wanted = set(area_kinds)
    towns = sorted(a for a in ctx.lineage if graph.nodes[a].get("type") in wanted)
    scene = _Scene(
        title=ctx.t("net.title.towns", name=_district_name(ctx)),
        nodes=towns,
        edges=[],
        focus=None,
        layout="areas",
        ratio_areas=True,
    )
    return _render(ctx, scene)


def _district_name(ctx: _Context) -> str:
    """The district's name: its top areas' names (全区 when there are none)."""
    roots = sorted(a for a, chain in ctx.lineage.items() if len(chain) == 1)
    return "、".join(ctx.name(r) for r in roots) or ctx.t("net.district")


def ratio_colour(ratio: float) -> str:
    """The colour of a 0–1 ratio on the schema's ratio scale (low, middle, high), mixed
    linearly between the two nearest ends.

    >>> ratio_colour(0.0), ratio_colour(1.0)
    ('#ffc9c9', '#b2f2bb')
    """
    low, middle, high = (_rgb(c) for c in RATIO_SCALE)
    ratio = min(max(ratio, 0.0), 1.0)
    start, end, share = (low, middle, ratio * 2) if ratio < 0.5 else (middle, high, ratio * 2 - 1)
    mixed = (round(a + (b - a) * share) for a, b in zip(start, end, strict=True))
    return "#" + "".join(f"{c:02x}" for c in mixed)


def _rgb(colour: str) -> tuple[int, int, int]:
    value = colour.removeprefix("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


#: Where the page keeps its server-given controls; :func:`with_controls` fills it once.
_CONTROLS_SLOT = '<script type="application/json" id="concentric-controls">{}</script>'
#: Where the depth links go; its label is the page's own word for depth (its language).
_DEPTH_SLOT = re.compile(r'<nav id="depth-control" aria-label="([^"<>]*)"></nav>')


def with_controls(
    html: str,
    *,
    links: Mapping[str, str],
    query: Mapping[str, str] | None = None,
    depth: int | None = None,
    depths: Iterable[int] = (),
) -> str:
    """A drawn page that opens a node's page on click and, given ``depth``, links the same
    view at each of ``depths`` (``?depth=N``).

    ``links`` maps a node kind to a URL with ``{id}`` where the node's id goes (a kind not
    in it opens nothing, nor does a group); ``query`` is appended to every link (the date
    the page is drawn for). Raises ValueError for a page that was not drawn here.
    """
    slots = _DEPTH_SLOT.findall(html)
    if html.count(_CONTROLS_SLOT) != 1 or len(slots) != 1:
        raise ValueError("not a network page drawn by graph.views.render")
    label = slots[0]  # already escaped: it is the page's own attribute
    suffix = "&".join(f"{k}={_url_part(v)}" for k, v in sorted((query or {}).items()))
    controls = {"links": dict(links), "query": suffix}
    html = html.replace(
        _CONTROLS_SLOT,
        '<script type="application/json" id="concentric-controls">'
        f"{_script_json(controls)}</script>",
    )
    if depth is None:
        return html
    parts = []
    for n in depths:
        if n == depth:
            parts.append(f'<strong aria-current="page">{n}</strong>')
        else:
            href = f"?depth={n}" + (f"&{suffix}" if suffix else "")
            parts.append(f'<a href="{html_escape(href)}" data-depth="{n}">{n}</a>')
    nav = f'<nav id="depth-control" aria-label="{label}">{label}：' + " ".join(parts)
    return _DEPTH_SLOT.sub(lambda _: nav + "</nav>", html, count=1)


def _url_part(value: str) -> str:
    from urllib.parse import quote

    return quote(value, safe="")


def write_html(path: str | Path, html: str) -> None:
    """Write a page (UTF-8), replacing the file atomically (readers never see half a page)."""
    target = Path(path)
    partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
    try:
        partial.write_text(html, encoding="utf-8")
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)


# -- scenes: which nodes and edges a view shows -----------------------------------------------


def _check_kind(graph: nx.MultiDiGraph, node_id: str, kind: str) -> None:
    if node_id not in graph:
        raise QueryError(f"unknown {kind} id {node_id!r}")
    actual = graph.nodes[node_id]["kind"]
    if actual != kind:
        raise QueryError(f"{node_id!r} is a {actual}, not a {kind}")


@dataclass(frozen=True)
class _Edge:
    source: str
    target: str
    kind: str


@dataclass
class _Scene:
    title: str
    nodes: list[str]
    edges: list[_Edge]
    focus: str | None
    layout: str  # "radial" (rings around the focus) or "areas" (clusters per area)
    # Whether the interactions are drawn when the page opens (the reader can toggle them).
    interactions_shown: bool = True
    # Areas drawn by their coverage ratio (size: targets, fill: covered share), physics off.
    ratio_areas: bool = False
    # The entity the view is about: its id is shown small beside the heading.
    subject: str | None = None


@dataclass
class _Context:
    """What every view needs besides its nodes: the graph, the date and the statuses."""

    graph: nx.MultiDiGraph
    as_of: dt.date
    window_days: int
    coverage: Mapping[str, TargetCoverage]
    lineage: dict[str, tuple[str, ...]]
    # Status counts per area incl. below; None: count them from ``coverage``.
    area_counts: Mapping[str, Counter[str]] | None = None
    # How text reaches the page (names, cards, titles): a caller's view masks numbers in it.
    text: Callable[[str], str] = str
    # The language of every word the page writes (graph/labels.py: LANGUAGES).
    language: str = "zh"

    @classmethod
    def make(
        cls,
        graph: nx.MultiDiGraph,
        as_of: dt.date,
        window_days: int,
        coverage: Mapping[str, TargetCoverage] | None,
        area_counts: Mapping[str, Mapping[str, int]] | None = None,
        *,
        text: Callable[[str], str] | None = None,
        language: str = "zh",
    ) -> _Context:
        if language not in LANGUAGES:
            raise QueryError(f"language must be one of {', '.join(LANGUAGES)}, not {language!r}")
        if window_days < 0:
            raise QueryError(f"window_days must be ≥ 0, not {window_days}")
        if coverage is None:
            coverage = coverage_of_graph(graph, as_of, window_days)
        counts = (
            {a: Counter(c) for a, c in area_counts.items()} if area_counts is not None else None
        )
        lineage = area_lineage(graph)
        return cls(graph, as_of, window_days, coverage, lineage, counts, text or str, language)

    @property
    def window_start(self) -> dt.date:
        return window_start(self.as_of, self.window_days)

    def recent(self, date: dt.date) -> bool:
        return self.window_start <= date <= self.as_of

    def depth(self, area: str) -> int:
        return len(self.lineage[area]) - 1

    def t(self, key: str, **values: object) -> str:
        """The page text ``key`` in the page's language (graph/labels.py)."""
        return ui_text(key, self.language, **values)

    def none(self) -> str:
        return self.t("entity.none")

    def kind(self, kind: str) -> str:
        return kind_text(kind, self.language)

    def status(self, status: str) -> str:
        return enum_text("coverage_status", status, self.language)

    def enum(self, enumeration: str, code: str | None) -> str:
        return enum_text(enumeration, code, self.language)

    def name(self, node_id: str) -> str:
        """How a node is named: its name, or for an interaction its kind and date."""
        data = self.graph.nodes[node_id]
        if data["kind"] == "interaction":
            return f"{self.enum('interaction_kind', data.get('type'))} {data['date'].isoformat()}"
        return display_name(self.graph, node_id)

    def name_with_id(self, node_id: str) -> str:
        name = self.name(node_id) if node_id in self.graph else node_id
        return f"{name} ({node_id})" if name != node_id else node_id

    def names(self, ids: Iterable[str], limit: int = 8) -> str:
        ids = list(ids)
        shown = "、".join(self.name_with_id(i) for i in ids[:limit])
        if len(ids) > limit:
            shown += " " + self.t("net.more", n=len(ids))
        return shown or self.none()

    def mix(self, mix: Mapping[str, int]) -> str:
        return " · ".join(f"{self.status(s)} {mix.get(s, 0)}" for s in STATUSES)

    def date(self, value: Any) -> str:
        return value.isoformat() if isinstance(value, dt.date) else self.none()

    def subtype(self, data: Mapping[str, Any]) -> str:
        """The category of a figure, or the type of an organization, unit, area or
        interaction; a leader's post."""
        kind = data["kind"]
        if kind == "figure":
            return self.enum("figure_category", data.get("category"))
        if kind in ("organization", "unit", "area", "interaction"):
            return self.enum(f"{kind}_kind", data.get("type"))
        return str(data.get("post") or "")


def _area_scene(
    graph: nx.MultiDiGraph, areas: set[str], ctx: _Context, *, with_leaders: bool
) -> tuple[list[str], list[_Edge]]:
    """Areas, the targets located in them (all targets for the district) and, if asked,
    the leaders with a contact open at ``as_of`` to one of them."""
    nodes = set(areas)
    edges: list[_Edge] = []
    for area in sorted(areas):
        for _, up, d in graph.out_edges(area, data=True):
            if d["kind"] == "part_of" and up in areas:
                edges.append(_Edge(area, up, "part_of"))
    targets = sorted(
        t
        for t in ctx.coverage
        if t in graph and (with_leaders or graph.nodes[t].get("area_id") in areas)
    )
    for target in targets:
        nodes.add(target)
        area = graph.nodes[target].get("area_id")
        if area in areas:
            edges.append(_Edge(target, area, "located_in"))
    if with_leaders:
        wanted = set(targets)
        for leader in sorted(n for n, k in graph.nodes(data="kind") if k == "leader"):
            contacts = sorted(
                {
                    v
                    for _, v, d in graph.out_edges(leader, data=True)
                    if d["kind"] == "contacts" and v in wanted and is_open(d, ctx.as_of)
                }
            )
            if contacts:
                nodes.add(leader)
                edges.extend(_Edge(leader, t, "contacts") for t in contacts)
    return sorted(nodes), edges


# -- drawn nodes --------------------------------------------------------------------------------


@dataclass
class _Drawn:
    """A node as drawn: one graph node, or a group of them (``members``)."""

    id: str
    kind: str  # node kind, or "group"
    label: str
    heading: str
    rows: list[tuple[str, str]]
    status: str | None = None
    member_kind: str | None = None
    members: list[str] = field(default_factory=list)
    mix: dict[str, int] | None = None
    area: str | None = None  # the area cluster it is laid out in
    size: float = 11.0
    fill: str | None = None  # a background other than the status or kind colour
    focus: bool = False
    x: float = 0.0
    y: float = 0.0


def _why(ctx: _Context, item: TargetCoverage) -> str:
    """Why a target has its status, in words (spec section 3)."""
    window, last = ctx.window_days, item.last_contact
    if item.status == "covered":
        return ctx.t("net.why.covered", last=ctx.date(last), window=window)
    if item.status == "stale":
        if last is None:
            return ctx.t("net.why.stale_never", window=window)
        return ctx.t("net.why.stale", last=last.isoformat(), window=window)
    if item.status == "indirect":
        if item.recent and last is not None:
            return ctx.t("net.why.indirect_recent", last=last.isoformat(), window=window)
        return ctx.t("net.why.indirect_member", via=ctx.names(list(item.via), limit=3))
    return ctx.t("net.why.uncovered", window=window)


def _area_counts(ctx: _Context) -> dict[str, Counter[str]]:
    """Status counts of the targets in each area and the areas below it."""
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for target, item in ctx.coverage.items():
        area = ctx.graph.nodes[target].get("area_id") if target in ctx.graph else None
        for a in ctx.lineage.get(area or "", ()):
            counts[a][item.status] += 1
    return counts


def _drawn_node(
    ctx: _Context, node_id: str, area_counts: Mapping[str, Counter[str]], radial: bool
) -> _Drawn:
    graph, t, none = ctx.graph, ctx.t, ctx.none()
    data = graph.nodes[node_id]
    kind = data["kind"]
    name = ctx.name(node_id)
    rows: list[tuple[str, str]] = [(t("net.card.id"), node_id), (t("col.kind"), ctx.kind(kind))]
    drawn = _Drawn(
        id=node_id,
        kind=kind,
        label=name,
        heading=name,
        rows=rows,
        size=_SIZES.get(kind, 11.0),
    )
    area = data.get("area_id")
    area_text = ctx.name_with_id(area) if area in graph else none
    if kind in _TARGET_KINDS:
        item = ctx.coverage[node_id]
        drawn.status = item.status
        drawn.area = area if area in ctx.lineage else None
        rows += [
            (t("col.category"), ctx.subtype(data) or none),
            (t("area"), area_text),
            (t("col.status"), ctx.status(item.status)),
            (t("col.last_contact"), ctx.date(item.last_contact)),
            (t("col.leaders"), ctx.names(item.assigned_leaders)),
            (t("net.card.why"), _why(ctx, item)),
        ]
    elif kind == "leader":
        contacts = sorted(
            {
                v
                for _, v, d in graph.out_edges(node_id, data=True)
                if d["kind"] == "contacts" and v in ctx.coverage and is_open(d, ctx.as_of)
            }
        )
        mix = Counter(ctx.coverage[c].status for c in contacts)
        rows += [
            (t("col.post"), str(data.get("post") or none)),
            (t("net.card.department"), str(data.get("department") or none)),
            (t("net.card.area_in_charge"), area_text),
            (t("net.card.in_office"), t("yes") if data.get("in_office", True) else t("no")),
            (t("net.card.assigned"), str(len(contacts))),
            (t("net.card.mix"), ctx.mix(mix)),
        ]
    elif kind == "area":
        counts = area_counts.get(node_id, Counter())
        total = sum(counts.values())
        chain = ctx.lineage.get(node_id, (node_id,))
        rows += [
            (t("net.card.area_kind"), ctx.subtype(data) or none),
            (t("net.card.parent"), ctx.name_with_id(chain[1]) if len(chain) > 1 else none),
            (t("net.card.targets_below"), str(total)),
            (t("net.card.mix"), ctx.mix(counts)),
            (
                t("net.card.ratio_reach"),
                f"{counts['covered'] / total:.0%} / "
                f"{(counts['covered'] + counts['indirect']) / total:.0%}"
                if total
                else "–",
            ),
        ]
        drawn.area = node_id
        if not radial and total:
            drawn.label = t("net.area_label", name=name, covered=counts["covered"], total=total)
    elif kind == "interaction":
        leaders = sorted(u for u, _, k in graph.in_edges(node_id, data="kind") if k == "took_part")
        targets = sorted(v for _, v, k in graph.out_edges(node_id, data="kind") if k == "concerns")
        rows += [
            (t("col.date"), ctx.date(data.get("date"))),
            (t("net.card.activity"), ctx.subtype(data) or none),
            (t("col.leaders"), ctx.names(leaders)),
            (t("targets"), ctx.names(targets)),
            (t("col.summary"), str(data.get("summary") or none)),
        ]
    return drawn


# -- aggregation --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Level:
    cutoff: int  # areas deeper than this are merged into their ancestor at this depth
    leaders: bool  # leaders stay individual
    by_area: bool  # target groups are per area


def _group_plan(ctx: _Context, scene: _Scene, limit: int) -> dict[str, str]:
    """Map each node of the scene to itself or to a group key, the finest grouping that
    gives at most ``limit`` nodes (or the coarsest one if none does)."""
    graph = ctx.graph
    visible = {n for n in scene.nodes if graph.nodes[n]["kind"] == "area"}
    depths = [ctx.depth(a) for a in ctx.lineage]
    deepest = max(depths, default=0)
    levels = [_Level(c, True, True) for c in range(deepest, -1, -1)]
    levels += [_Level(0, False, True), _Level(0, False, False)]

    def roll(area: str, cutoff: int) -> str:
        chain = ctx.lineage[area]
        for up in chain:
            if ctx.depth(up) <= cutoff and (not visible or up in visible):
                return up
        inside = [up for up in chain if up in visible]
        return inside[-1] if inside else area

    def key(node: str, level: _Level) -> str:
        data = graph.nodes[node]
        kind = data["kind"]
        if node == scene.focus:
            return node
        if kind == "area":
            return roll(node, level.cutoff)
        area = data.get("area_id")
        where = roll(area, level.cutoff) if level.by_area and area in ctx.lineage else ""
        if kind == "leader":
            return node if level.leaders else f"{_GROUP_PREFIX}leader|{where}"
        if kind == "interaction":
            return f"{_GROUP_PREFIX}interaction|{data.get('type')}"
        sub = data.get("category") if kind == "figure" else ""
        return f"{_GROUP_PREFIX}{kind}|{sub}|{where}"

    def unique(k: str) -> str:
        while k != scene.focus and k.startswith(_GROUP_PREFIX) and k in graph:
            k += "*"  # a data id that looks like a group key
        return k

    plan: dict[str, str] = {}
    for level in levels:
        plan = {n: unique(key(n, level)) for n in scene.nodes}
        if len(set(plan.values())) <= limit:
            break
    return plan


def _group_node(ctx: _Context, key: str, members: list[str], radial: bool) -> _Drawn:
    graph, t = ctx.graph, ctx.t
    first = graph.nodes[members[0]]
    kind = first["kind"]
    parts = key[len(_GROUP_PREFIX) :].split("|")
    area = parts[-1] if kind != "interaction" and parts[-1] in ctx.lineage else None
    area_name = ctx.name(area) if area else ""
    if kind in ("interaction", "figure"):
        what = ctx.subtype(first) or ctx.kind(kind)
    else:
        what = ctx.kind(kind)
    heading = f"{area_name} · {what}" if area_name else what
    count = len(members)
    rows: list[tuple[str, str]] = [
        (t("net.card.group"), f"{what} ×{count}"),
        (t("col.kind"), ctx.kind(kind)),
        (t("area"), ctx.name_with_id(area) if area else t("net.card.all")),
        (t("net.card.count"), str(count)),
    ]
    drawn = _Drawn(
        id=key,
        kind="group",
        label=f"{area_name}·{what} ×{count}" if radial and area_name else f"{what} ×{count}",
        heading=heading,
        rows=rows,
        member_kind=kind,
        members=members,
        area=area,
        size=min(10.0 + 3.0 * math.sqrt(count), 48.0),
    )
    if kind in _TARGET_KINDS:
        mix = Counter(ctx.coverage[m].status for m in members)
        drawn.mix = {s: mix.get(s, 0) for s in STATUSES}
        # The most frequent status, the worse one on a tie (STATUSES is best first).
        drawn.status = max(reversed(STATUSES), key=lambda s: mix.get(s, 0))
        rows += [
            (ctx.status(s), f"{mix.get(s, 0)} ({mix.get(s, 0) / count:.0%})") for s in STATUSES
        ]
    elif kind == "interaction":
        dates = sorted(graph.nodes[m]["date"] for m in members)
        rows.append((t("col.date"), f"{dates[0].isoformat()} – {dates[-1].isoformat()}"))
    rows.append((t("net.card.includes"), ctx.names(members, limit=12)))
    return drawn


# -- layout ---------------------------------------------------------------------------------------


def _area_layout(drawn: list[_Drawn], edges: list[tuple[str, str, str]], ctx: _Context) -> None:
    """Areas as nested clusters: each area's targets in a sunflower disc around it, the areas
    below it on a ring around that; leaders on an outer ring, each near its targets."""
    areas = {d.id: d for d in drawn if d.kind == "area"}
    parent: dict[str, str | None] = {}
    for area in areas:
        chain = ctx.lineage.get(area, (area,))
        parent[area] = next((up for up in chain[1:] if up in areas), None)
    children: dict[str | None, list[str]] = defaultdict(list)
    for area in sorted(areas):
        children[parent[area]].append(area)
    reached = set()
    queue = deque(children[None])
    while queue:
        area = queue.popleft()
        reached.add(area)
        queue.extend(children[area])
    for area in sorted(set(areas) - reached):  # a cycle (the loader rejects them): cut it
        children[parent[area]].remove(area)
        children[None].append(area)
        parent[area] = None
    members: dict[str, list[_Drawn]] = defaultdict(list)
    outer: list[_Drawn] = []
    for d in drawn:
        if d.kind == "area":
            continue
        if d.kind == "leader" or d.member_kind == "leader":
            outer.append(d)
        else:
            members[d.area if d.area in areas else _NO_AREA].append(d)
    if members[_NO_AREA]:
        children[None].append(_NO_AREA)
    for group in members.values():
        group.sort(key=lambda d: (_status_rank(d.status), d.member_kind or d.kind, d.id))

    def spacing(cluster: str) -> float:
        return 2 * max((d.size for d in members[cluster]), default=11.0) + 10

    def disc(cluster: str) -> float:
        n = len(members[cluster])
        return spacing(cluster) * math.sqrt(n + 2.5) if n else 50.0

    radius: dict[str | None, float] = {}

    def measure(cluster: str | None) -> float:
        own = disc(cluster) if cluster is not None else 0.0
        kids = children[cluster] if cluster != _NO_AREA else []
        if not kids:
            radius[cluster] = own
            return own
        sizes = [measure(k) for k in kids]
        gap = 40.0
        ring = max(own + max(sizes) + gap, sum(2 * s + gap for s in sizes) / (2 * math.pi))
        if cluster is None and len(kids) == 1:
            ring = 0.0
        radius[cluster] = ring + max(sizes)
        return radius[cluster]

    def place(cluster: str | None, x: float, y: float, start: float) -> None:
        if cluster in areas:
            areas[cluster].x, areas[cluster].y = x, y
        if cluster is not None:
            sp = spacing(cluster)
            for i, d in enumerate(members[cluster]):
                r = sp * math.sqrt(i + 2.5)
                d.x = x + r * math.cos(start + i * _GOLDEN_ANGLE)
                d.y = y + r * math.sin(start + i * _GOLDEN_ANGLE)
        kids = children[cluster] if cluster != _NO_AREA else []
        if not kids:
            return
        sizes = [radius[k] for k in kids]
        own = disc(cluster) if cluster is not None else 0.0
        gap = 40.0
        ring = max(own + max(sizes) + gap, sum(2 * s + gap for s in sizes) / (2 * math.pi))
        if cluster is None and len(kids) == 1:
            ring = 0.0
        total = sum(2 * s + gap for s in sizes)
        angle = -math.pi / 2
        for kid, size in zip(kids, sizes, strict=True):
            share = (2 * size + gap) / total * 2 * math.pi
            mid = angle + share / 2
            place(kid, x + ring * math.cos(mid), y + ring * math.sin(mid), mid)
            angle += share

    total = measure(None)
    place(None, 0.0, 0.0, 0.0)
    if outer:
        outer_ids = {d.id for d in outer}
        position = {d.id: (d.x, d.y) for d in drawn if d.id not in outer_ids}
        angles: dict[str, float] = {}
        for d in outer:
            sx = sy = 0.0
            for u, v, _ in edges:
                other = v if u == d.id else u if v == d.id else None
                if other in position:
                    px, py = position[other]
                    norm = math.hypot(px, py) or 1.0
                    sx, sy = sx + px / norm, sy + py / norm
            angles[d.id] = math.atan2(sy, sx) if (sx or sy) else math.pi
        outer.sort(key=lambda d: (angles[d.id], d.id))
        ring = max(total + 160.0, len(outer) * 70.0 / (2 * math.pi))
        step = 2 * math.pi / len(outer)
        offset = angles[outer[0].id]
        for i, d in enumerate(outer):
            d.x = ring * math.cos(offset + i * step)
            d.y = ring * math.sin(offset + i * step)


def _status_rank(status: str | None) -> int:
    return STATUSES.index(status) if status in STATUSES else len(STATUSES)


def _radial_layout(
    drawn: list[_Drawn], edges: list[tuple[str, str, str]], focus: str | None
) -> None:
    """Rings by distance from the focus (breadth-first); each node's descendants get a wedge
    of the circle as wide as their number, so a node sits near the one that brought it in."""
    if not drawn:
        return
    by_id = {d.id: d for d in drawn}
    adjacency: dict[str, set[str]] = defaultdict(set)
    for u, v, _ in edges:
        adjacency[u].add(v)
        adjacency[v].add(u)

    def order(n: str) -> tuple[int, str, str]:
        d = by_id[n]
        return (_status_rank(d.status), d.member_kind or d.kind, n)

    root = focus if focus in by_id else max(sorted(by_id), key=lambda n: len(adjacency[n]))
    kids: dict[str, list[str]] = defaultdict(list)
    level = {root: 0}
    queue = deque([root])
    while queue:
        node = queue.popleft()
        for other in sorted(adjacency[node], key=order):
            if other not in level:
                level[other] = level[node] + 1
                kids[node].append(other)
                queue.append(other)
    stray = sorted((n for n in by_id if n not in level), key=order)
    for n in stray:  # not connected to the focus: an outer ring of their own
        level[n] = 1 + max(level.values())
        kids[root].append(n)
    weight: dict[str, int] = {}
    for node in sorted(level, key=lambda n: -level[n]):
        weight[node] = 1 + sum(weight[k] for k in kids[node])
    counts = Counter(level.values())
    radii = {0: 0.0}
    for ring in range(1, max(level.values()) + 1):
        radii[ring] = max(radii[ring - 1] + 170.0, counts[ring] * 45.0 / (2 * math.pi))
    wedge = {root: (0.0, 2 * math.pi)}
    queue = deque([root])
    while queue:
        node = queue.popleft()
        start, end = wedge[node]
        total = sum(weight[k] for k in kids[node]) or 1
        angle = start
        for kid in kids[node]:
            share = (end - start) * weight[kid] / total
            wedge[kid] = (angle, angle + share)
            angle += share
            queue.append(kid)
        mid = (start + end) / 2 if node != root else 0.0
        by_id[node].x = radii[level[node]] * math.cos(mid)
        by_id[node].y = radii[level[node]] * math.sin(mid)


# -- the page -------------------------------------------------------------------------------------


def _render(ctx: _Context, scene: _Scene) -> str:
    graph = ctx.graph
    radial = scene.layout == "radial"
    area_counts = ctx.area_counts if ctx.area_counts is not None else _area_counts(ctx)
    original = len(scene.nodes)
    aggregated = original > MAX_NODES
    plan = _group_plan(ctx, scene, MAX_NODES) if aggregated else {n: n for n in scene.nodes}
    grouped: dict[str, list[str]] = defaultdict(list)
    for node in scene.nodes:
        grouped[plan[node]].append(node)
    drawn: list[_Drawn] = []
    for key in sorted(grouped):
        members = sorted(grouped[key])
        if key in graph and members == [key]:
            drawn.append(_drawn_node(ctx, key, area_counts, radial))
        elif key in graph:  # an area standing for the areas below it that were merged into it
            area = _drawn_node(ctx, key, area_counts, radial)
            merged = [m for m in members if m != key]
            area.rows.append((ctx.t("net.card.includes_areas"), ctx.names(merged, limit=12)))
            drawn.append(area)
        else:
            drawn.append(_group_node(ctx, key, members, radial))
    for d in drawn:
        if d.id == scene.focus:
            d.focus = True
            d.size *= 1.6
        if scene.ratio_areas and d.kind == "area":
            _fill_by_ratio(d, area_counts.get(d.id, Counter()))
    edges = _merge_edges(scene.edges, plan)
    if radial:
        _radial_layout(drawn, list(edges), scene.focus)
    else:
        _area_layout(drawn, list(edges), ctx)
    physics = len(drawn) <= PHYSICS_MAX_NODES and not scene.ratio_areas
    vis_nodes = [_vis_node(d) for d in drawn]
    vis_edges = [
        _vis_edge(ctx, i, key, count, faint=not radial)
        for i, (key, count) in enumerate(edges.items())
    ]
    for item in (*vis_nodes, *vis_edges):
        _shown_through(item, ctx.text)
    data = {
        "nodes": vis_nodes,
        "edges": vis_edges,
        "options": _options(physics, len(drawn)),
        "statusColors": STATUS_COLORS,
        "font": FONT_STACK,
        "aggregated": aggregated,
        "showInteractions": scene.interactions_shown,
    }
    mix: Counter[str] = Counter()
    for d in drawn:
        if d.mix:
            mix.update(d.mix)
        elif d.status:
            mix[d.status] += 1
    if scene.ratio_areas:
        mix = Counter(
            {s: sum(area_counts.get(d.id, Counter())[s] for d in drawn) for s in STATUSES}
        )
    as_of = ctx.t("as_of", as_of=ctx.as_of.isoformat(), window=ctx.window_days)
    subtitle = f"{as_of} · {ctx.t('net.targets_mix', mix=ctx.mix(mix))}"
    notes = []
    if aggregated:
        notes.append(ctx.t("net.aggregated", original=original, limit=MAX_NODES, drawn=len(drawn)))
    if not physics and not scene.ratio_areas:
        notes.append(ctx.t("net.fixed_layout"))
    legend = _legend(ctx, drawn, edges)
    if scene.ratio_areas:
        legend["ratio"] = [
            {"color": ratio_colour(r), "text": ctx.t("net.legend.ratio_item", ratio=f"{r:.0%}")}
            for r in (0.0, 0.25, 0.5, 0.75, 1.0)
        ]
        legend["statuses"] = []
    data["text"] = {"found": ctx.t("net.found", n="{n}")}
    return _page(
        ctx,
        ctx.text(scene.title),
        scene.subject,
        subtitle,
        notes,
        data,
        legend,
        _filters(ctx, drawn, scene),
    )


def _filters(ctx: _Context, drawn: list[_Drawn], scene: _Scene) -> dict[str, Any]:
    """The page's filter controls: a box per node kind and per status drawn, and the
    interactions' toggle (a kind of its own) when there are interactions."""
    kinds = {d.member_kind or d.kind for d in drawn}
    statuses = {d.status for d in drawn if d.status}
    return {
        "kinds": [
            {"kind": k, "text": ctx.kind(k)} for k in _SYMBOLS if k in kinds - {"interaction"}
        ],
        "statuses": [{"status": s, "text": ctx.status(s)} for s in STATUSES if s in statuses],
        "interactions": "interaction" in kinds,
        "interactions_shown": scene.interactions_shown,
    }


def _fill_by_ratio(d: _Drawn, counts: Counter[str]) -> None:
    """An area node of the ratio view: sized by its targets, filled by their covered share."""
    total = sum(counts.values())
    d.size = 14.0 + 3.0 * math.sqrt(total)
    d.fill = ratio_colour(counts["covered"] / total) if total else "#f1f3f5"


def _shown_through(item: dict[str, Any], text: Callable[[str], str]) -> None:
    """A vis node's or edge's visible text (label, card) passed through ``text``; its id
    and the ids its edges name stay, so the drawing holds together."""
    if "label" in item:
        item["label"] = text(item["label"])
    card = item["card"]
    card["heading"] = text(card["heading"])
    card["rows"] = [[text(c) if isinstance(c, str) else c for c in row] for row in card["rows"]]


def _merge_edges(
    edges: Iterable[_Edge], plan: Mapping[str, str]
) -> dict[tuple[str, str, str], int]:
    """Edges between drawn nodes, one per (source, target, kind), with how many they stand
    for; edges inside a group are dropped."""
    merged: Counter[tuple[str, str, str]] = Counter()
    seen: set[_Edge] = set()
    for edge in edges:
        if edge in seen or edge.source not in plan or edge.target not in plan:
            continue
        seen.add(edge)
        source, target = plan[edge.source], plan[edge.target]
        if source != target:
            merged[(source, target, edge.kind)] += 1
    return dict(sorted(merged.items()))


def _color(background: str, border: str = "#343a40") -> dict[str, Any]:
    both = {"background": background, "border": "#000000"}
    return {"background": background, "border": border, "highlight": both, "hover": both}


def _vis_node(d: _Drawn) -> dict[str, Any]:
    kind = d.member_kind or d.kind
    if d.fill:
        background = d.fill
    elif d.status:
        background = STATUS_COLORS[d.status]
    else:
        background = KIND_COLORS.get(kind, KIND_COLORS["group"])
    node: dict[str, Any] = {
        "id": d.id,
        "label": d.label,
        "kind": d.kind,
        "shape": _SHAPES.get(kind, "dot"),
        "size": round(d.size, 1),
        "color": _color(background),
        "x": round(d.x, 1),
        "y": round(d.y, 1),
        "card": {"heading": d.heading, "rows": [list(r) for r in d.rows]},
    }
    if d.status:
        node["status"] = d.status
    if d.kind == "group":
        node["memberKind"] = d.member_kind
        node["count"] = len(d.members)
    if d.mix:
        node["mix"] = [[s, n] for s, n in d.mix.items()]
    if kind == "area":
        node["font"] = {"size": 16, "multi": False}
        node["margin"] = 8
    if d.fill and kind == "area":
        # A circle whose area grows with the targets, the name and counts beneath it.
        node["shape"] = "dot"
        node["font"] = {"size": 15}
    if d.kind == "leader" or d.member_kind == "leader":
        node["font"] = {"size": 16, "color": "#3b2a82"}
    if d.focus:
        node["focus"] = True
        node["borderWidth"] = 4
        node["font"] = {"size": 20, "bold": True}
    return node


def _edge_card(ctx: _Context, source: str, target: str, kind: str) -> list[list[str]]:
    t = ctx.t
    rows = [
        [t("net.card.from"), ctx.name_with_id(source)],
        [t("net.card.to"), ctx.name_with_id(target)],
    ]
    if source in ctx.graph and target in ctx.graph:
        found = ctx.graph.get_edge_data(source, target) or {}
        for key in sorted(found, key=str):
            data = found[key]
            if data["kind"] != kind:
                continue
            if kind == "contacts" and data.get("role"):
                rows.append([t("net.card.role"), ctx.enum("contact_role", data["role"])])
            if kind == "member_of" and data.get("role"):
                rows.append([t("col.post"), ctx.enum("membership_role", data["role"])])
            if kind == "related_to" and data.get("type"):
                rows.append([t("net.card.relation"), str(data["type"])])
            for column in ("since", "until"):
                if data.get(column):
                    rows.append([t(f"col.{column}"), ctx.date(data[column])])
            break
    return rows


def _vis_edge(
    ctx: _Context, index: int, key: tuple[str, str, str], count: int, *, faint: bool
) -> dict[str, Any]:
    """An edge; ``faint`` draws contacts light (the area maps' subject is the areas: a
    leader's contacts stand out when the leader is selected or hovered)."""
    source, target, kind = key
    colour, width, dashed = _EDGE_STYLES.get(kind, ("#adb5bd", 1.0, False))
    if count > 1:
        rows = [[ctx.t("net.card.count"), str(count)]]
        width += math.log2(count)
    else:
        rows = _edge_card(ctx, source, target, kind)
    edge: dict[str, Any] = {
        "id": f"e{index}",
        "from": source,
        "to": target,
        "kind": kind,
        "width": round(width, 1),
        "dashes": dashed,
        "color": {
            "color": colour,
            "highlight": "#000000",
            "hover": "#000000",
            "opacity": 0.2 if faint and kind == "contacts" else 0.8,
        },
        "card": {"heading": _tie(ctx, kind), "rows": rows},
    }
    if kind == "contacts":
        edge["arrows"] = {"to": {"enabled": True, "scaleFactor": 0.5}}
    return edge


def _options(physics: bool, count: int) -> dict[str, Any]:
    return {
        "autoResize": True,
        "layout": {"randomSeed": 7, "improvedLayout": False},
        "physics": {
            "enabled": physics,
            "solver": "barnesHut",
            "barnesHut": {
                "gravitationalConstant": -4000,
                "centralGravity": 0.15,
                "springLength": 110,
                "springConstant": 0.03,
                "damping": 0.5,
                "avoidOverlap": 0.2,
            },
            "stabilization": {"enabled": True, "iterations": 300, "fit": True},
            "minVelocity": 1.0,
        },
        "interaction": {
            "hover": True,
            "tooltipDelay": 120,
            "hideEdgesOnDrag": count > PHYSICS_MAX_NODES,
            "hideEdgesOnZoom": count > PHYSICS_MAX_NODES,
        },
        "nodes": {"font": {"face": FONT_STACK, "size": 14, "color": "#212529"}, "borderWidth": 1},
        "edges": {"smooth": False, "selectionWidth": 2},
    }


def _tie(ctx: _Context, kind: str) -> str:
    """An edge kind in words, read from its source: 联系, 所属组织, 位于."""
    return tie_text(kind, "out", ctx.language)


def _legend(
    ctx: _Context, drawn: list[_Drawn], edges: Mapping[tuple[str, str, str], int]
) -> dict[str, Any]:
    kinds = {d.member_kind or d.kind for d in drawn}
    edge_kinds = {kind for _, _, kind in edges}
    return {
        "statuses": [{"color": STATUS_COLORS[s], "text": ctx.status(s)} for s in STATUSES],
        "kinds": [
            {
                "symbol": _SYMBOLS[k],
                "color": _LEGEND_COLORS.get(k, "#495057"),
                "text": ctx.kind(k),
            }
            for k in _SYMBOLS
            if k in kinds
        ],
        "groups": any(d.kind == "group" for d in drawn),
        "ratio": [],
        "edges": [
            {
                "color": _EDGE_STYLES[k][0],
                "dashed": _EDGE_STYLES[k][2],
                "text": _tie(ctx, k),
            }
            for k in _EDGE_STYLES
            if k in edge_kinds
        ],
    }


def _script_json(value: Any) -> str:
    """JSON that can sit inside a ``<script>`` element: ``</script>`` and ``<!--`` in a
    string cannot end or confuse it.

    >>> _script_json({"name": "</script><b>&"})
    '{"name":"\\\\u003c/script\\\\u003e\\\\u003cb\\\\u003e\\\\u0026"}'
    """
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    for char, escape in (
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("&", "\\u0026"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        text = text.replace(char, escape)
    return text


def _pyvis_lib() -> Path:
    spec = importlib.util.find_spec("pyvis")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("pyvis is not installed (pip install pyvis): its vis-network is needed")
    return Path(next(iter(spec.submodule_search_locations))) / "templates" / "lib" / "vis-9.1.2"


@functools.cache
def _vendor() -> tuple[str, str]:
    """The vis-network script and stylesheet bundled in pyvis, made safe to inline."""
    lib = _pyvis_lib()
    script = (lib / "vis-network.min.js").read_text(encoding="utf-8")
    style = (lib / "vis-network.css").read_text(encoding="utf-8")
    # URLs in the script are only licence banners and the SVG namespace string; "\/" is
    # "/" in JavaScript strings and comments, so the page carries no URL at all.
    script = script.replace("http://", "http:\\/\\/").replace("https://", "https:\\/\\/")
    # "<script" only occurs inside strings ("\x3c" is "<" there): no HTML scanner or parser
    # can take it for a tag. The source map is not shipped, so its reference goes.
    script = re.sub("<(?=/?script)", r"\\x3c", script, flags=re.IGNORECASE)
    script = script.replace("<!--", "\\x3c!--")
    script = re.sub(r"\n//# sourceMappingURL=\S*\s*$", "\n", script)
    style = style.replace("</style", "<\\/style")
    return script, style


@functools.cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("concentric.graph.views", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )


@functools.cache
def _app_script() -> str:
    env = _environment()
    assert env.loader is not None
    return env.loader.get_source(env, "network.js")[0]


def _sha256(text: str) -> str:
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


def _page(
    ctx: _Context,
    title: str,
    subject: str | None,
    subtitle: str,
    notes: list[str],
    data: dict[str, Any],
    legend: dict[str, Any],
    filters: dict[str, Any],
) -> str:
    vis_js, vis_css = _vendor()
    app_js = _app_script()
    csp = (
        "default-src 'none'; "
        f"script-src {_sha256(vis_js)} {_sha256(app_js)}; "
        "style-src 'unsafe-inline'; img-src data:; font-src data:; "
        "base-uri 'none'; form-action 'none'"
    )
    return (
        _environment()
        .get_template("network.html.j2")
        .render(
            title=title,
            subject=subject,
            lang="en" if ctx.language == "en" else "zh-CN",
            t=ctx.t,
            subtitle=subtitle,
            notes=notes,
            legend=legend,
            filters=filters,
            csp=csp,
            font_stack=Markup(FONT_STACK),
            vis_css=Markup(vis_css),
            vis_js=Markup(vis_js),
            app_js=Markup(app_js),
            data_json=Markup(_script_json(data)),
        )
    )

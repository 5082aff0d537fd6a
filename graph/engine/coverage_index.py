"""The coverage engine: the status rule (:func:`status_rule`, spec section 3) on arrays.

The networkx graph is the right tool for the rich, local analyses, but a coverage summary
over a province (10^6 targets, 5×10^6 edges) is a handful of array passes: which contacts
are open at T, which targets had an interaction in [T−W, T], one membership hop. The index
is built once per data version from plain columns (no graph), then answers any (T, W).

>>> import datetime as dt
>>> from concentric.graph.schema.model import NodeRecord, LinkRecord
>>> T = dt.date(2026, 6, 30)
>>> index = CoverageIndex.from_records(
...     [NodeRecord("L1", "leader", {"name": "张三", "in_office": True}),
...      NodeRecord("F1", "figure", {"name": "李四", "category": "religious"}),
...      NodeRecord("F2", "figure", {"name": "王五", "category": "ethnic"}),
...      NodeRecord("O1", "organization", {"name": "清真寺", "kind": "religious_venue"}),
...      NodeRecord("I1", "interaction", {"date": dt.date(2026, 6, 20), "kind": "visit",
...                 "leader_ids": ["L1"], "target_ids": ["F1"]})],
...     [LinkRecord("contacts", "L1", "F1", "c1", {}),
...      LinkRecord("member_of", "F1", "O1", "m1", {})],
... )
>>> {t: c.status for t, c in index.target_coverage(T, 365).items()}
{'F1': 'covered', 'F2': 'uncovered', 'O1': 'indirect'}
"""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from collections.abc import Collection, Iterable
from typing import Any

import networkx as nx
import numpy as np
import numpy.typing as npt

from concentric.graph.engine.coverage import (
    STATUSES,
    TargetCoverage,
    UnknownId,
    parse_gap_filters,
    sort_gap_items,
)
from concentric.graph.schema.model import LinkRecord, NodeRecord
from concentric.graph.schema.schema import SCHEMA, Policy
from concentric.graph.store.protocol import CoverageColumns

__all__ = [
    "CoverageIndex",
    "area_row",
    "concerns_of",
    "contains",
    "coverage_of_graph",
    "date_of",
    "dated_row",
    "distinct",
    "is_covered",
    "is_joint_meeting",
    "leader_row",
    "out_of_office",
    "pack_state",
    "status_rule",
    "target_row",
    "unpack_state",
]

# Open-ended intervals as day numbers: "no since" is before every day, "no until" after.
_NEVER_BEFORE = np.iinfo(np.int32).min
_NEVER_AFTER = np.iinfo(np.int32).max
IntArray = npt.NDArray[np.int32]
BoolArray = npt.NDArray[np.bool_]
Int8Array = npt.NDArray[np.int8]


# datetime64[D] counts days from 1970-01-01; date.toordinal() from 0001-01-01.
_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()


def _days(values: list[Any], default: int) -> IntArray:
    """Day numbers (``date.toordinal()``) of ISO texts or dates; ``default`` for None.

    >>> _days(["2026-01-05", None, dt.date(2026, 1, 6)], -1).tolist()
    [739621, -1, 739622]
    >>> dt.date(2026, 1, 5).toordinal()
    739621
    """
    parsed = np.array(values, dtype="datetime64[D]")
    days = parsed.astype(np.int64) + _EPOCH_ORDINAL
    days[np.isnat(parsed)] = default
    return days.astype(np.int32)


def date_of(day: int) -> dt.date | None:
    """The date of a day number (``date.toordinal()``); None for the -1 of "none".

    >>> date_of(739621), date_of(-1)
    (datetime.date(2026, 1, 5), None)
    """
    return dt.date.fromordinal(day) if day > 0 else None


def out_of_office(leader: tuple[Any, ...] | None) -> bool:
    """Whether a leader row (id, name, post, in_office, …) says "no longer in office".

    A stored boolean reads back as 0 or 1 from SQL; a missing one means in office.

    >>> [out_of_office(("L1", "张三", None, v, None, None)) for v in (None, 1, True, 0, False)]
    [False, False, False, True, True]
    """
    return leader is not None and leader[3] is not None and not leader[3]


# Bumped whenever the attributes of CoverageIndex change: older saved states are rebuilt.
_STATE_FORMAT = 1
# Rebuilt from the stored attributes when an index is read back.
_DERIVED = frozenset(
    {"position", "leader_code", "area_position", "category_codes", "_pair_code"}
    | {"_area_levels", "_group_codes"}
)


def target_row(node: NodeRecord) -> tuple[str, str, str | None, str | None, str | None]:
    """A target's row of :class:`CoverageColumns` ``targets``: id, kind, subtype (a figure's
    category, else its kind), area, name."""
    props = node.props
    subtype = props.get("category") if node.kind == "figure" else props.get("kind")
    return node.id, node.kind, subtype, props.get("area_id"), props.get("name")


def is_joint_meeting(node: NodeRecord) -> bool:
    """Whether a node is a unit in the joint-meeting system."""
    return node.kind == "unit" and bool(node.props.get("joint_meeting"))


def leader_row(node: NodeRecord) -> tuple[str, str | None, str | None, Any, Any, Any]:
    """A leader's row: id, name, post, in_office, quota_min, quota_max."""
    props = node.props
    return (
        node.id,
        props.get("name"),
        props.get("post"),
        props.get("in_office"),
        props.get("quota_min"),
        props.get("quota_max"),
    )


def area_row(node: NodeRecord) -> tuple[str, str | None, str | None, str | None]:
    """An area's row: id, parent, name, kind."""
    props = node.props
    return node.id, props.get("parent_id"), props.get("name"), props.get("kind")


def concerns_of(node: NodeRecord) -> list[tuple[str, Any]]:
    """The (target, date) rows of an interaction."""
    return [(t, node.props["date"]) for t in node.props.get("target_ids", ())]


def dated_row(link: LinkRecord) -> tuple[str, str, Any, Any]:
    """A contact's or membership's row: source, target, since, until."""
    return link.source_id, link.target_id, link.props.get("since"), link.props.get("until")


def pack_state(arrays: dict[str, npt.NDArray[Any]], plain: dict[str, Any]) -> bytes:
    """Arrays and JSON-able values as one ``npz`` (no pickles).

    >>> arrays, plain = unpack_state(pack_state({"a": np.arange(3)}, {"b": [None, "西"]}))
    >>> arrays["a"].tolist(), plain
    ([0, 1, 2], {'b': [None, '西']})
    """
    text = json.dumps(plain, ensure_ascii=False).encode("utf-8")
    buffer = io.BytesIO()
    savez: Any = np.savez  # its stubs type every keyword as one of its options
    savez(buffer, **arrays, _plain=np.frombuffer(text, dtype=np.uint8))
    return buffer.getvalue()


def unpack_state(data: bytes) -> tuple[dict[str, npt.NDArray[Any]], dict[str, Any]]:
    """What :func:`pack_state` packed; ValueError for anything else."""
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as stored:
            arrays = {name: stored[name] for name in stored.files}
        plain = json.loads(arrays.pop("_plain").tobytes().decode("utf-8"))
    except (OSError, KeyError, EOFError, zipfile.BadZipFile, UnicodeDecodeError) as exc:
        raise ValueError(f"not a saved state ({exc})") from exc
    if not isinstance(plain, dict):
        raise ValueError("not a saved state")
    return arrays, plain


def _record_props(attributes: dict[str, Any]) -> dict[str, Any]:
    """A record's own columns from a graph element's attributes (``type`` was ``kind``)."""
    props = {k: v for k, v in attributes.items() if k not in ("kind", "file", "line", "type")}
    if "type" in attributes:
        props["kind"] = attributes["type"]
    return props


def coverage_of_graph(
    graph: nx.MultiDiGraph, as_of: dt.date, window_days: int
) -> dict[str, TargetCoverage]:
    """Status, assigned leaders and last contact of every target of a graph, decided by the
    engine (:meth:`CoverageIndex.target_coverage`)."""
    return CoverageIndex.from_graph(graph).target_coverage(as_of, window_days)


def is_covered(assigned: BoolArray, recent: BoolArray) -> BoolArray:
    """Covered: an open contact from a leader in office, and an interaction in the window."""
    return assigned & recent


def status_rule(assigned: BoolArray, recent: BoolArray, near_covered: BoolArray) -> Int8Array:
    """The status rule of spec section 3, as codes into ``STATUSES``, from three facts per
    target at T: ``assigned`` (an open contact from a leader in office), ``recent`` (an
    interaction in [T − W, T]) and ``near_covered`` (an open membership, either way, with a
    covered target).

    >>> yes, no = np.array([True]), np.array([False])
    >>> [STATUSES[status_rule(a, r, n)[0]] for a, r, n in
    ...  [(yes, yes, no), (yes, no, yes), (no, yes, no), (no, no, yes), (no, no, no)]]
    ['covered', 'stale', 'indirect', 'indirect', 'uncovered']
    """
    status = np.full(len(assigned), STATUSES.index("uncovered"), dtype=np.int8)
    status[~assigned & (recent | near_covered)] = STATUSES.index("indirect")
    status[assigned] = STATUSES.index("stale")
    status[is_covered(assigned, recent)] = STATUSES.index("covered")
    return status


def _open(since: IntArray, until: IntArray, day: int) -> BoolArray:
    """Which intervals are open on ``day``: started on or before it, not yet ended."""
    return (since <= day) & (until > day)


def distinct(values: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """The sorted distinct values: ``np.unique`` by sorting (NumPy 2's hashing unique was
    ten times slower on a million int64 keys).

    >>> distinct(np.array([3, 1, 3, 2])).tolist()
    [1, 2, 3]
    """
    ordered = np.sort(values)
    keep = np.ones(len(ordered), dtype=bool)
    keep[1:] = ordered[1:] != ordered[:-1]
    return ordered[keep]


def contains(ordered: npt.NDArray[Any], values: npt.NDArray[Any]) -> BoolArray:
    """Which ``values`` occur in the sorted array ``ordered``.

    >>> contains(np.array([1, 4, 9]), np.array([4, 5, 9, 10])).tolist()
    [True, False, True, False]
    """
    if not len(ordered):
        return np.zeros(len(values), dtype=bool)
    pos = np.minimum(np.searchsorted(ordered, values), len(ordered) - 1)
    return ordered[pos] == values  # type: ignore[no-any-return]


def _grouped(keys: IntArray, size: int) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """Row numbers ordered by key, and where each key's rows start (``size + 1`` offsets)."""
    order = np.argsort(keys, kind="stable")
    return order, np.searchsorted(keys[order], np.arange(size + 1, dtype=np.int64))


def _members_of(
    targets: npt.NDArray[np.integer[Any]],
    order: npt.NDArray[np.intp],
    start: npt.NDArray[np.intp],
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """For grouped rows: (position in ``targets``, row number) of every row of the targets."""
    first, counts = start[targets], start[targets + 1] - start[targets]
    total = int(counts.sum())
    if not total:
        empty = np.zeros(0, dtype=np.intp)
        return empty, empty
    # Position i of the flat list belongs to group g at row first[g] + (i - offset of g).
    shift = np.repeat(first - (np.cumsum(counts) - counts), counts)
    rows = order[shift + np.arange(total)]
    return np.repeat(np.arange(len(targets)), counts), rows


class CoverageIndex:
    """Arrays for coverage at any date; build once per data version."""

    def __init__(self, columns: CoverageColumns) -> None:
        self.ids = [t[0] for t in columns.targets]
        n = len(self.ids)
        self.kinds = [t[1] for t in columns.targets]
        self.subtypes = [t[2] for t in columns.targets]
        self.area_ids = [t[3] for t in columns.targets]
        self.names = [t[4] for t in columns.targets]
        # Contacts that can count at all come from these leaders (see below).
        self.leader_ids = sorted({c[0] for c in columns.contacts})
        self.area_list = sorted(row[0] for row in columns.areas)
        # One code per (kind, subtype), so a line is an isin() over a small code set.
        pairs = sorted({(k, s or "") for k, s in zip(self.kinds, self.subtypes, strict=True)})
        self._lookups(pairs)
        position, leader_pos, area_pos = self.position, self.leader_code, self.area_position
        kind_codes = {k: i for i, k in enumerate(SCHEMA.target_kinds)}
        self.kind_code = np.array([kind_codes[k] for k in self.kinds], dtype=np.int8)
        self.category = np.array(
            [self.category_code(k, s) for k, s in zip(self.kinds, self.subtypes, strict=True)],
            dtype=np.int16,
        )
        # Every leader, in office or not.
        self.leaders = {row[0]: row for row in columns.leaders}
        gone = {row[0] for row in columns.leaders if out_of_office(row)}
        self.joint_meeting = columns.joint_meeting
        # Contacts that can count at all: to a target, from a leader in office.
        kept = [c for c in columns.contacts if c[1] in position and c[0] not in gone]
        self.c_leader = np.array([leader_pos[c[0]] for c in kept], dtype=np.int32)
        self.c_target = np.array([position[c[1]] for c in kept], dtype=np.int32)
        self.c_since = _days([c[2] for c in kept], _NEVER_BEFORE)
        self.c_until = _days([c[3] for c in kept], _NEVER_AFTER)
        members = [m for m in columns.memberships if m[0] in position and m[1] in position]
        self.m_a = np.array([position[m[0]] for m in members], dtype=np.int32)
        self.m_b = np.array([position[m[1]] for m in members], dtype=np.int32)
        self.m_since = _days([m[2] for m in members], _NEVER_BEFORE)
        self.m_until = _days([m[3] for m in members], _NEVER_AFTER)
        # Memberships grouped by each end, for the one-hop rule on a few targets.
        self.m_by_a, self.m_a_start = _grouped(self.m_a, n)
        self.m_by_b, self.m_b_start = _grouped(self.m_b, n)
        concerns = [c for c in columns.concerns if c[0] in position]
        # Sorted by date, so "latest on or before T" is one searchsorted per query.
        concern_days = _days([c[1] for c in concerns], 0)
        order = np.argsort(concern_days, kind="stable")
        self.i_target = np.array([position[c[0]] for c in concerns], dtype=np.int32)[order]
        self.i_date = concern_days[order]
        # The same interactions keyed by (target, day), and contacts grouped by target, so
        # a short gap list looks up only its own targets.
        self.i_key = np.sort((self.i_target.astype(np.int64) << 32) | self.i_date.astype(np.int64))
        self.c_by_target, self.c_start = _grouped(self.c_target, n)
        # Areas: a parent index per area, and each target's area index (-1 for none).
        self.set_areas(columns.areas)
        self.target_area = np.array(
            [area_pos.get(a or "", -1) for a in self.area_ids], dtype=np.int32
        )
        self.pair = np.array(
            [self._pair_code[(k, s or "")] for k, s in zip(self.kinds, self.subtypes, strict=True)],
            dtype=np.int32,
        )
        self.n = n
        # A filtered gap list computes statuses for its own targets only while they are at
        # most this share of all targets; beyond it one pass over everything is cheaper.
        self.local_share = 0.25
        self._group_codes: dict[str, tuple[npt.NDArray[np.int64], int]] | None = None

    def category_code(self, kind: str, subtype: str | None) -> int:
        """A target's figure category code (-1 for no figure or no known category)."""
        return self.category_codes.get(subtype or "", -1) if kind == "figure" else -1

    def set_areas(self, rows: Iterable[tuple[str, str | None, str | None, str | None]]) -> None:
        """The area tables from (id, parent, name, kind) rows (``target_area`` aside)."""
        rows = list(rows)
        self.area_list = sorted(row[0] for row in rows)
        self.area_position = area_pos = {a: i for i, a in enumerate(self.area_list)}
        parents = {row[0]: row[1] for row in rows}
        self.area_names = {row[0]: row[2] for row in rows}
        self.area_kinds = {row[0]: row[3] for row in rows}
        self.area_parent = np.array(
            [area_pos.get(parents.get(a) or "", -1) for a in self.area_list], dtype=np.int32
        )
        # Roll-ups add a whole depth level into its parents at once, deepest level first.
        self._area_levels = self._levels_deepest_first()

    def area_rows(self) -> list[tuple[str, str | None, str | None, str | None]]:
        """The (id, parent, name, kind) rows the area tables were made of."""
        return [
            (a, self.area_list[p] if p >= 0 else None, self.area_names[a], self.area_kinds[a])
            for a, p in zip(self.area_list, self.area_parent.tolist(), strict=True)
        ]

    def _lookups(self, pairs: list[tuple[str, str]]) -> None:
        """The dicts from ids, leaders, areas and (kind, subtype) pairs to their positions."""
        self.position = {node: i for i, node in enumerate(self.ids)}
        self.leader_code = {lead: i for i, lead in enumerate(self.leader_ids)}
        self.area_position = {a: i for i, a in enumerate(self.area_list)}
        self.category_codes = {c: i for i, c in enumerate(SCHEMA.figure_categories)}
        self._pair_code = {pair: i for i, pair in enumerate(pairs)}

    def to_bytes(self) -> bytes:
        """The index, for a store to keep next to the data it was built from.

        NumPy's ``npz`` of the arrays, and the lists and dicts as JSON inside it: nothing
        pickled, so reading it back runs no code. :meth:`from_bytes` reverses it.
        """
        plain: dict[str, Any] = {"format": _STATE_FORMAT}
        arrays: dict[str, npt.NDArray[Any]] = {}
        for name, value in vars(self).items():
            if isinstance(value, np.ndarray):
                arrays[name] = value
            elif name not in _DERIVED:
                plain[name] = value
        plain["joint_meeting"] = sorted(self.joint_meeting)
        plain["pairs"] = sorted(self._pair_code, key=self._pair_code.__getitem__)
        return pack_state(arrays, plain)

    @classmethod
    def from_bytes(cls, data: bytes) -> CoverageIndex:
        """The index :meth:`to_bytes` wrote; ValueError if the bytes are not one."""
        arrays, plain = unpack_state(data)
        if plain.pop("format", None) != _STATE_FORMAT:
            raise ValueError("not a coverage index of this version")
        # Attributes added or renamed since it was saved (and the format not bumped) must
        # make it rebuild, not fail later on a missing attribute.
        expected = set(vars(cls.from_records([], []))) - _DERIVED
        if set(arrays) | set(plain) != expected | {"pairs"}:
            raise ValueError("a coverage index with other attributes than this version's")
        index = cls.__new__(cls)
        pairs = [tuple(pair) for pair in plain.pop("pairs")]
        vars(index).update(arrays)
        vars(index).update(plain)
        index.joint_meeting = set(plain["joint_meeting"])
        index.leaders = {lead: tuple(row) for lead, row in plain["leaders"].items()}
        index._lookups(pairs)
        index._area_levels = index._levels_deepest_first()
        index._group_codes = None
        return index

    @classmethod
    def from_graph(cls, graph: nx.MultiDiGraph) -> CoverageIndex:
        """Build from a networkx graph's nodes and links (what :func:`.build.build_graph`
        made of the records): for analyses handed a graph and no statuses."""
        links = (
            (u, v, key, data)
            for u, v, key, data in graph.edges(keys=True, data=True)
            if data["kind"] in ("contacts", "member_of")
        )
        return cls.from_records(
            (
                NodeRecord(n, data["kind"], _record_props(data))
                for n, data in graph.nodes(data=True)
            ),
            (LinkRecord(data["kind"], u, v, key, _record_props(data)) for u, v, key, data in links),
        )

    @classmethod
    def from_records(
        cls, nodes: Iterable[NodeRecord], links: Iterable[LinkRecord]
    ) -> CoverageIndex:
        """Build from records (any store); :meth:`__init__` takes columns a store reads."""
        targets: list[tuple[str, str, str | None, str | None, str | None]] = []
        leaders: list[tuple[str, str | None, str | None, Any, Any, Any]] = []
        areas: list[tuple[str, str | None, str | None, str | None]] = []
        concerns: list[tuple[str, Any]] = []
        joint_meeting: set[str] = set()
        for node in sorted(nodes, key=lambda n: (n.kind, n.id)):
            if node.kind in SCHEMA.target_kinds:
                targets.append(target_row(node))
                if is_joint_meeting(node):
                    joint_meeting.add(node.id)
            elif node.kind == "leader":
                leaders.append(leader_row(node))
            elif node.kind == "area":
                areas.append(area_row(node))
            elif node.kind == "interaction":
                concerns.extend(concerns_of(node))
        contacts, memberships = [], []
        for link in links:
            row = dated_row(link)
            if link.kind == "contacts":
                contacts.append(row)
            elif link.kind == "member_of":
                memberships.append(row)
        return cls(
            CoverageColumns(targets, leaders, areas, contacts, memberships, concerns, joint_meeting)
        )

    def _levels_deepest_first(self) -> list[IntArray]:
        """Area indices by depth below their root, deepest level first (roots left out)."""
        depth = np.zeros(len(self.area_list), dtype=np.int32)
        for i in range(len(self.area_list)):
            d, p, seen = 0, int(self.area_parent[i]), {i}
            while p >= 0 and p not in seen:
                seen.add(p)
                d += 1
                p = int(self.area_parent[p])
            depth[i] = d
        return [
            np.nonzero(depth == d)[0].astype(np.int32)
            for d in range(int(depth.max(initial=0)), 0, -1)
        ]

    def rolled_up(self, per_area: npt.NDArray[Any]) -> npt.NDArray[Any]:
        """Rows per area (in ``area_list`` order) with each area's row added into every
        ancestor's, in place: a count for an area then includes all the areas below it."""
        for level in self._area_levels:  # deepest first: add each level into its parents
            np.add.at(per_area, self.area_parent[level], per_area[level])
        return per_area

    def on_line(self, line: str, policy: Policy) -> BoolArray:
        """Mask of the targets on a line, per the policy's mapping."""
        members = policy.lines.get(line, {})
        codes = [
            code for (kind, sub), code in self._pair_code.items() if sub in members.get(kind, ())
        ]
        return np.isin(self.pair, np.array(codes, dtype=np.int32))

    def of_subtype(self, kind: str, subtype: str) -> BoolArray:
        """Mask of the targets of this kind and category or type."""
        code = self._pair_code.get((kind, subtype))
        return self.pair == code if code is not None else np.zeros(self.n, dtype=bool)

    def within_area(self, area_id: str) -> BoolArray:
        """Mask of the targets located in an area or any area below it."""
        inside = np.zeros(len(self.area_list), dtype=bool)
        inside[self.area_position[area_id]] = True
        for level in self._area_levels[::-1]:  # shallowest first: inherit from the parent
            inside[level] |= inside[self.area_parent[level]]
        return np.where(self.target_area >= 0, inside[self.target_area], False)

    # -- queries --------------------------------------------------------------------------
    def statuses(self, as_of: dt.date, window_days: int) -> tuple[npt.NDArray[np.int8], Any]:
        """Status code per target (index into STATUSES) and the assigned-contact mask."""
        t = as_of.toordinal()
        start = t - window_days
        open_contact = _open(self.c_since, self.c_until, t)
        assigned = np.bincount(self.c_target[open_contact], minlength=self.n) > 0
        lo = np.searchsorted(self.i_date, start, side="left")
        hi = np.searchsorted(self.i_date, t, side="right")
        recent = np.zeros(self.n, dtype=bool)
        recent[self.i_target[lo:hi]] = True
        covered = is_covered(assigned, recent)
        open_member = _open(self.m_since, self.m_until, t)
        near_covered = np.zeros(self.n, dtype=bool)
        near_covered[self.m_a[open_member & covered[self.m_b]]] = True
        near_covered[self.m_b[open_member & covered[self.m_a]]] = True
        return status_rule(assigned, recent, near_covered), open_contact

    def statuses_of(
        self, targets: npt.NDArray[np.integer[Any]], as_of: dt.date, window_days: int
    ) -> npt.NDArray[np.int8]:
        """:meth:`statuses` of some targets only, touching only their own edges.

        The same facts, gathered from the targets' contacts, their interactions and their
        members' (one hop): a gap list for one town of a province looks at a few hundred
        targets, not a million.
        """
        t = as_of.toordinal()
        start = t - window_days
        targets = np.asarray(targets, dtype=np.int64)
        assigned, recent = self._assigned_recent(targets, t, start)
        near = np.zeros(len(targets), dtype=bool)
        near[self._covered_members(targets, t, start)[0]] = True
        return status_rule(assigned, recent, near)

    def _covered_members(
        self, targets: npt.NDArray[np.integer[Any]], t: int, start: int
    ) -> tuple[npt.NDArray[np.integer[Any]], npt.NDArray[np.integer[Any]]]:
        """The one hop of the rule: pairs (k, other) where ``targets[k]`` shares a membership
        open on day ``t`` (either end) with the covered target ``other``."""
        owners, others = [], []
        for by, start_of, other in (
            (self.m_by_a, self.m_a_start, self.m_b),
            (self.m_by_b, self.m_b_start, self.m_a),
        ):
            owner, links = _members_of(targets, by, start_of)
            open_member = _open(self.m_since[links], self.m_until[links], t)
            owner, ends = owner[open_member], other[links[open_member]]
            if ends.size:
                unique, inverse = np.unique(ends, return_inverse=True)
                end_assigned, end_recent = self._assigned_recent(unique, t, start)
                covered = is_covered(end_assigned, end_recent)[inverse]
                owners.append(owner[covered])
                others.append(ends[covered])
        if not owners:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        return np.concatenate(owners), np.concatenate(others)

    def _assigned_recent(
        self, targets: npt.NDArray[np.integer[Any]], t: int, start: int
    ) -> tuple[BoolArray, BoolArray]:
        owner, contacts = _members_of(targets, self.c_by_target, self.c_start)
        open_contact = _open(self.c_since[contacts], self.c_until[contacts], t)
        assigned = np.zeros(len(targets), dtype=bool)
        assigned[owner[open_contact]] = True
        recent = self.last_contact_of(targets, t) >= start
        return assigned, recent

    def _last_contact(self, hi: int) -> IntArray:
        """Latest interaction day per target among the first ``hi`` (by date); -1 if none."""
        last = np.full(self.n, -1, dtype=np.int32)
        # Reversed, the first occurrence of each target is its latest date.
        targets, dates = self.i_target[:hi][::-1], self.i_date[:hi][::-1]
        found, first = np.unique(targets, return_index=True)
        last[found] = dates[first]
        return last

    def last_contact_of(self, targets: npt.NDArray[np.integer[Any]], day: int) -> IntArray:
        """Latest interaction day on or before ``day`` for each of ``targets``; -1 if none."""
        if not self.i_key.size:
            return np.full(len(targets), -1, dtype=np.int32)
        wanted = (targets.astype(np.int64) << 32) | day
        pos = np.searchsorted(self.i_key, wanted, side="right") - 1
        found = self.i_key[np.maximum(pos, 0)]
        ok = (pos >= 0) & ((found >> 32) == targets)
        return np.where(ok, found & 0xFFFFFFFF, -1).astype(np.int32)

    def target_coverage(self, as_of: dt.date, window_days: int) -> dict[str, TargetCoverage]:
        """Status, assigned leaders and last contact of every target, keyed by id."""
        status, open_contact = self.statuses(as_of, window_days)
        hi = int(np.searchsorted(self.i_date, as_of.toordinal(), side="right"))
        last = self._last_contact(hi)
        leaders: dict[int, set[str]] = {}
        for leader, target in zip(
            self.c_leader[open_contact].tolist(), self.c_target[open_contact].tolist(), strict=True
        ):
            leaders.setdefault(target, set()).add(self.leader_ids[leader])
        every = range(self.n)
        assigned = [sorted(leaders.get(i, ())) for i in every]
        start = as_of.toordinal() - window_days
        covered_members = self._covered_members(np.arange(self.n), as_of.toordinal(), start)
        return self._coverage_records(
            every, status.tolist(), last.tolist(), assigned, start, covered_members
        )

    def coverage_of(
        self, ids: Iterable[str], as_of: dt.date, window_days: int
    ) -> dict[str, TargetCoverage]:
        """:meth:`target_coverage` of some targets only (ids that are no target are left out)."""
        found = sorted({self.position[i] for i in ids if i in self.position})
        targets = np.array(found, dtype=np.int64)
        t = as_of.toordinal()
        status = self.statuses_of(targets, as_of, window_days)
        last = self.last_contact_of(targets, t)
        owner, other = self._covered_members(targets, t, t - window_days)
        return self._coverage_records(
            found,
            status.tolist(),
            last.tolist(),
            self._leaders_of(targets, t),
            t - window_days,
            (targets[owner], other),
        )

    def _coverage_records(
        self,
        positions: Iterable[int],
        status: list[int],
        last: list[int],
        leaders: list[list[str]],
        start: int,
        covered_members: tuple[npt.NDArray[np.integer[Any]], npt.NDArray[np.integer[Any]]],
    ) -> dict[str, TargetCoverage]:
        """Records of the targets at ``positions``; ``covered_members`` pairs a target's
        position with a covered target it shares an open membership with."""
        via: dict[int, set[str]] = {}
        for target, other in zip(*(a.tolist() for a in covered_members), strict=True):
            via.setdefault(target, set()).add(self.ids[other])
        return {
            self.ids[i]: TargetCoverage(
                id=self.ids[i],
                kind=self.kinds[i],
                status=STATUSES[code],
                assigned_leaders=tuple(assigned),
                last_contact=date_of(day),
                recent=day > 0 and day >= start,
                via=tuple(sorted(via[i])) if STATUSES[code] == "indirect" and i in via else (),
            )
            for i, code, day, assigned in zip(positions, status, last, leaders, strict=True)
        }

    def summary_of(self, i: int) -> dict[str, Any]:
        """Target ``i`` as the lists show it: id, name, kind, category or type, area."""
        is_figure = self.kinds[i] == "figure"
        return {
            "id": self.ids[i],
            "name": self.names[i],
            "kind": self.kinds[i],
            "category": self.subtypes[i] if is_figure else None,
            "type": None if is_figure else self.subtypes[i],
            "area_id": self.area_ids[i],
        }

    def _leaders_of(self, targets: npt.NDArray[np.integer[Any]], t: int) -> list[list[str]]:
        """Per target, the sorted ids of the leaders with a contact to it open on day ``t``."""
        owner, contacts = _members_of(targets, self.c_by_target, self.c_start)
        is_open = _open(self.c_since[contacts], self.c_until[contacts], t)
        found: list[set[str]] = [set() for _ in range(len(targets))]
        for k, c in zip(owner[is_open].tolist(), contacts[is_open].tolist(), strict=True):
            found[k].add(self.leader_ids[self.c_leader[c]])
        return [sorted(leaders) for leaders in found]

    def summary(self, as_of: dt.date, window_days: int, policy: Policy) -> dict[str, Any]:
        """The coverage summary of spec section 4, from the arrays."""
        status, _ = self.statuses(as_of, window_days)
        groups = self._groups()

        def counts(name: str) -> list[list[int]]:
            # One bincount of (group × 4 + status); the last group collects "none".
            codes, size = groups[name]
            flat = np.bincount(codes + status, minlength=(size + 1) * 4)
            return flat.reshape(size + 1, 4)[:size].tolist()  # type: ignore[no-any-return]

        def record(row: list[int]) -> dict[str, int]:
            return {"targets": sum(row), **dict(zip(STATUSES, row, strict=True))}

        by_kind = counts("kind")
        by_category = counts("category")
        # Lines are sets of (kind, subtype) pairs: count per pair once, then add up per line.
        by_pair = counts("pair")
        by_line = {}
        for line in SCHEMA.line_codes:
            members = policy.lines.get(line, {})
            row = [0, 0, 0, 0]
            for (kind, sub), code in self._pair_code.items():
                if sub in members.get(kind, ()):
                    row = [a + b for a, b in zip(row, by_pair[code], strict=True)]
            by_line[line] = record(row)
        codes, size = groups["area"]
        by_area = np.bincount(codes + status, minlength=(size + 1) * 4).reshape(size + 1, 4)
        area_rows = self.rolled_up(by_area[:size]).tolist()
        totals = [sum(column) for column in zip(*by_kind, strict=True)]
        return {
            "as_of": as_of.isoformat(),
            "window_days": window_days,
            "totals": record(totals),
            "by_kind": {k: record(by_kind[i]) for i, k in enumerate(SCHEMA.target_kinds)},
            "by_category": {
                c: record(by_category[i]) for i, c in enumerate(SCHEMA.figure_categories)
            },
            "by_line": by_line,
            "by_area": {a: record(area_rows[i]) for i, a in enumerate(self.area_list)},
        }

    def _groups(self) -> dict[str, tuple[npt.NDArray[np.int64], int]]:
        """Per grouping, each target's group × 4 (the group past the end for none)."""
        if self._group_codes is None:

            def times4(codes: npt.NDArray[Any], size: int) -> npt.NDArray[np.int64]:
                codes = codes.astype(np.int64)
                return np.where(codes >= 0, codes, size) * 4

            kinds, categories = len(SCHEMA.target_kinds), len(SCHEMA.figure_categories)
            pairs, areas = len(self._pair_code), len(self.area_list)
            self._group_codes = {
                "kind": (times4(self.kind_code, kinds), kinds),
                "category": (times4(self.category, categories), categories),
                "pair": (times4(self.pair, pairs), pairs),
                "area": (times4(self.target_area, areas), areas),
            }
        return self._group_codes

    def gap_list(
        self,
        as_of: dt.date,
        window_days: int,
        policy: Policy,
        *,
        statuses: Collection[str] = ("uncovered", "stale"),
        kind: str | None = None,
        category: str | None = None,
        line: str | None = None,
        area_id: str | None = None,
    ) -> dict[str, Any]:
        """The gap list of spec section 4: targets with the given statuses, worst first.

        ``area_id`` matches targets in that area or below; ``category`` and ``line`` accept
        codes or Chinese labels; :class:`~graph.engine.coverage.QueryError` for unknown values.
        """
        wanted, kind, category_code, line_code = parse_gap_filters(statuses, kind, category, line)
        if area_id is not None and area_id not in self.area_position:
            raise UnknownId(f"unknown area id {area_id!r}")
        t = as_of.toordinal()
        inside = np.nonzero(self.within_area(area_id))[0] if area_id else None
        if inside is not None and len(inside) <= self.local_share * self.n:
            candidates, status = inside, self.statuses_of(inside, as_of, window_days)
        else:
            status, _ = self.statuses(as_of, window_days)
            candidates = inside if inside is not None else np.arange(self.n)
            status = status[candidates]
        mask = np.isin(status, np.array([STATUSES.index(s) for s in wanted], dtype=np.int8))
        if kind:
            mask &= self.kind_code[candidates] == SCHEMA.target_kinds.index(kind)
        if category_code:
            mask &= self.category[candidates] == self.category_codes[category_code]
        if line_code:
            mask &= self.on_line(line_code, policy)[candidates]
        chosen, chosen_status = candidates[mask], status[mask]
        last = self.last_contact_of(chosen, t)
        leaders = self._leaders_of(chosen, t)
        items = []
        for i, day, code, assigned in zip(
            chosen.tolist(), last.tolist(), chosen_status.tolist(), leaders, strict=True
        ):
            last_contact = date_of(day)
            items.append(
                {
                    **self.summary_of(i),
                    "status": STATUSES[code],
                    "assigned_leaders": assigned,
                    "last_contact": last_contact.isoformat() if last_contact else None,
                }
            )
        sort_gap_items(items)
        return {
            "as_of": as_of.isoformat(),
            "window_days": window_days,
            "total": len(items),
            "items": items,
        }

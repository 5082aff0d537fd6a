"""How complete the register is (底数清、情况明): the stored records that lack what the office
needs, per table, per area and per source file (docs/register.md).

A pure function of the stored records: :func:`completeness` reads each node and link once
and keeps only ids, areas and the names of what is missing, so it runs on a store of any
size as a stream.

What each kind of record needs, one check each (:data:`CHECKS`):

- a figure: an area, the detail its category calls for (a democratic-party member's party,
  an ethnic-minority figure's ethnicity, a religious figure's religion), a phone number,
  and at least one organization (a membership row, ended or not);
- a unit: an area, and the joint-meeting flag stated (yes or no; a blank cell is not);
- a leader: a post;
- a target (figure, organization, unit): contacted at least once (named by an interaction).

A record is *complete* when it passes every check of its kind. An area's completeness ratio
is its complete records over its checked records (figures, organizations, units and leaders
in the area or any area below it); records without an area count under ``""``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from concentric.graph.schema.model import LinkRecord, NodeRecord

#: check → (the kinds it applies to, the field it reads or what it looks for).
CHECKS: dict[str, tuple[frozenset[str], str]] = {
    "no_area": (frozenset({"figure", "unit"}), "area_id"),
    "no_category_details": (frozenset({"figure"}), "party / ethnicity / religion by category"),
    "no_phone": (frozenset({"figure"}), "phone"),
    "no_organization": (frozenset({"figure"}), "a membership"),
    "no_joint_meeting": (frozenset({"unit"}), "joint_meeting"),
    "no_post": (frozenset({"leader"}), "post"),
    "never_contacted": (frozenset({"figure", "organization", "unit"}), "an interaction"),
}
#: The field a figure of a category needs besides the common ones.
CATEGORY_DETAIL: dict[str, str] = {
    "democratic_party": "party",
    "ethnic": "ethnicity",
    "religious": "religion",
}
CHECKED_KINDS = ("figure", "organization", "unit", "leader")
TABLE_OF = {
    "figure": "figures",
    "organization": "organizations",
    "unit": "units",
    "leader": "leaders",
}
NO_AREA = ""


def _blank(value: Any) -> bool:
    return value is None or value == "" or value == []


def missing_fields(record: NodeRecord) -> list[str]:
    """The field checks ``record`` fails (the link checks are :func:`completeness`'s).

    >>> missing_fields(NodeRecord("F1", "figure", {"category": "religious", "phone": "1"}))
    ['no_area', 'no_category_details']
    >>> missing_fields(NodeRecord("U1", "unit", {"area_id": "A1", "joint_meeting": False}))
    []
    """
    props = record.props
    kind = record.kind
    missing = []
    if kind in CHECKS["no_area"][0] and _blank(props.get("area_id")):
        missing.append("no_area")
    if kind == "figure":
        detail = CATEGORY_DETAIL.get(str(props.get("category")))
        if detail is not None and _blank(props.get(detail)):
            missing.append("no_category_details")
        if _blank(props.get("phone")):
            missing.append("no_phone")
    if kind == "unit" and props.get("joint_meeting") is None:
        missing.append("no_joint_meeting")
    if kind == "leader" and _blank(props.get("post")):
        missing.append("no_post")
    return missing


@dataclass
class Tally:
    """Records checked, those complete, and how many lack each thing."""

    records: int = 0
    complete: int = 0
    missing: Counter[str] = field(default_factory=Counter)

    def add(self, missing: Collection[str], count: int = 1) -> None:
        """``count`` records, each lacking ``missing``."""
        self.records += count
        self.complete += 0 if missing else count
        for check in missing:
            self.missing[check] += count

    @property
    def ratio(self) -> float | None:
        """Complete records over checked records (None when nothing is checked)."""
        return self.complete / self.records if self.records else None

    def as_json(self) -> dict[str, Any]:
        return {
            "records": self.records,
            "complete": self.complete,
            "ratio": None if self.ratio is None else round(self.ratio, 4),
            "missing": {check: self.missing[check] for check in CHECKS if self.missing[check]},
        }


@dataclass
class _Record:
    id: str
    kind: str
    name: str
    area_id: str
    source: str
    line: int
    missing: list[str]


def completeness(
    nodes: Iterable[NodeRecord], members: Collection[str], contacted: Collection[str]
) -> dict[str, Any]:
    """The register's completeness: ``tables`` (per table), ``areas`` (per area, each with
    the areas below it, and ``""`` for records without an area), ``files`` (per source
    file) and ``items`` (each incomplete record with what it lacks), as JSON.

    ``nodes``: the stored areas, figures, organizations, units and leaders (other kinds are
    passed over); ``members``: the figures some membership row names; ``contacted``: the
    targets some interaction names (:func:`links_named` finds both in records).

    >>> nodes = [NodeRecord("A1", "area", {"name": "区", "kind": "district"}),
    ...          NodeRecord("F1", "figure", {"name": "甲", "category": "non_party",
    ...                     "area_id": "A1", "phone": "1"}, "figures.csv", 2),
    ...          NodeRecord("I1", "interaction", {"target_ids": ["F1"]})]
    >>> answer = completeness(nodes, *links_named(nodes, []))
    >>> answer["tables"]["figures"]
    {'records': 1, 'complete': 0, 'ratio': 0.0, 'missing': {'no_organization': 1}}
    """
    parents: dict[str, str | None] = {}
    area_names: dict[str, str] = {}
    checked: list[_Record] = []
    for node in nodes:
        if node.kind == "area":
            parents[node.id] = node.props.get("parent_id")
            area_names[node.id] = str(node.props.get("name") or node.id)
        elif node.kind in CHECKED_KINDS:
            area = node.props.get("area_id")
            checked.append(
                _Record(
                    node.id,
                    node.kind,
                    str(node.props.get("name") or ""),
                    str(area) if area else NO_AREA,
                    node.source,
                    node.line,
                    missing_fields(node),
                )
            )
    # Records alike in kind, file, area and gaps are tallied once, then spread over the
    # tables, files and each area above (a province has a million records, few groups).
    groups: Counter[tuple[str, str, str, tuple[str, ...]]] = Counter()
    items = []
    for record in checked:
        if record.kind == "figure" and record.id not in members:
            record.missing.append("no_organization")
        if record.kind in CHECKS["never_contacted"][0] and record.id not in contacted:
            record.missing.append("never_contacted")
        groups[(record.kind, record.source, record.area_id, tuple(record.missing))] += 1
        if record.missing:
            items.append(record)
    tables = {table: Tally() for table in TABLE_OF.values()}
    areas: dict[str, Tally] = {}
    files: dict[str, Tally] = {}
    for (kind, source, area_id, missing), count in groups.items():
        tables[TABLE_OF[kind]].add(missing, count)
        files.setdefault(source, Tally()).add(missing, count)
        for area in _with_ancestors(area_id, parents):
            areas.setdefault(area, Tally()).add(missing, count)
    items.sort(key=lambda r: (-len(r.missing), r.kind, r.id))
    return {
        "checks": list(CHECKS),
        "tables": {name: tally.as_json() for name, tally in tables.items()},
        "areas": [
            {"area_id": area, "name": area_names.get(area, ""), **tally.as_json()}
            for area, tally in sorted(areas.items(), key=lambda kv: _worst_first(kv[1], kv[0]))
        ],
        "files": [{"file": source, **tally.as_json()} for source, tally in sorted(files.items())],
        "items": [
            {
                "id": r.id,
                "kind": r.kind,
                "name": r.name,
                "area_id": r.area_id or None,
                "file": r.source,
                "line": r.line,
                "missing": r.missing,
            }
            for r in items
        ],
    }


def links_named(
    nodes: Iterable[NodeRecord], links: Iterable[LinkRecord]
) -> tuple[set[str], set[str]]:
    """The figures some membership names and the targets some interaction names, from
    whole records (a store that reads them in SQL need not)."""
    members = {link.source_id for link in links if link.kind == "member_of"}
    contacted = {
        target
        for node in nodes
        if node.kind == "interaction"
        for target in node.props.get("target_ids") or ()
    }
    return members, contacted


def _worst_first(tally: Tally, area: str) -> tuple[float, str]:
    return (tally.ratio if tally.ratio is not None else 1.0, area)


def _with_ancestors(area: str, parents: Mapping[str, str | None]) -> list[str]:
    """``area`` and every area above it (``[""]`` for no area); a loop ends the walk (the
    loader refuses cycles, the guard keeps a hand-made store from hanging)."""
    if area == NO_AREA:
        return [NO_AREA]
    chain = [area]
    while (parent := parents.get(chain[-1])) and parent not in chain:
        chain.append(parent)
    return chain

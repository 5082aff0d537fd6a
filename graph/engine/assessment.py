"""The yearly assessment (年度目标任务考核) of the 四个带头: a scorecard per leader, rolled up
per department and per town, compared with the year before.

The rules are the policy's :class:`~graph.schema.schema.AssessmentRules` (``assessment`` in
``schema.yaml`` and a dataset's ``policy.yaml``). For each leader and criterion:

* the leader's **period** is the calendar year cut to their time in office (``since`` to
  ``until``, ``until`` being the first day out of office); a leader marked not in office
  without ``until`` is taken to have left the day after their last interaction of the year
  (and is not assessed for a year without one);
* ``count``: the interactions of the period the leader took part in, of the criterion's
  kinds, concerning at least one of its targets; **required** is ``min_count`` times the
  share of the year in office, rounded up;
* ``assigned_share``: of the criterion's targets assigned to the leader at some time in the
  period, the share the leader met at least once in the period; required is ``min_share``;
* **points** = weight × min(1, measured / required), to two decimals; a leader with no
  assigned targets gets no points for a share criterion.

A year still running is measured up to ``as_of``; ``on_track`` then says whether each
measured value has reached the requirement times the elapsed share of the period.

>>> import datetime as dt
>>> from concentric.graph.schema.schema import SCHEMA
>>> data = AssessmentData(
...     leaders={"L1": {"name": "张三", "department": "区委", "area_id": None}},
...     targets={"O1": ("organization", "religious_venue", "清真寺"),
...              "F1": ("figure", "religious", "李四")},
...     contacts=[("L1", "F1", None, None)],
...     interactions=[("I1", dt.date(2026, 3, 1), "visit", ("L1",), ("O1", "F1"))],
...     areas={},
... )
>>> card = scorecard(data, SCHEMA.default_policy.assessment, 2026)
>>> [(c["code"], c["value"], c["required"], c["points"]) for c in card["leaders"][0]["criteria"]]
[('study', 0, 2, 0.0), ('activities', 0, 2, 0.0), ('friends', 1.0, 1.0, 2.0), ('visits', 1, 4, 0.5)]
>>> card["leaders"][0]["total"]
2.5
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from concentric.graph.schema.model import LinkRecord, NodeRecord
from concentric.graph.schema.schema import SCHEMA, AssessmentRules, Criterion

__all__ = [
    "AssessmentData",
    "Interaction",
    "assessment",
    "assessment_data",
    "leader_period",
    "scorecard",
]

#: (id, date, kind, leader ids, target ids)
Interaction = tuple[str, dt.date, str | None, tuple[str, ...], tuple[str, ...]]
#: (leader id, target id, since, until)
Contact = tuple[str, str, dt.date | None, dt.date | None]
#: The area kinds a leader's area is rolled up to (the nearest such area above it).
TOWN_KINDS = ("town", "subdistrict")


@dataclass
class AssessmentData:
    """What the assessment reads: leaders (``name``, ``department``, ``area_id``,
    ``in_office``, ``since``, ``until``), targets as (kind, category or kind, name),
    contacts, interactions and areas as (parent id, name, kind)."""

    leaders: dict[str, dict[str, Any]]
    targets: dict[str, tuple[str, str | None, str | None]]
    contacts: list[Contact]
    interactions: list[Interaction]
    areas: dict[str, tuple[str | None, str | None, str | None]]


def assessment_data(nodes: Iterable[NodeRecord], links: Iterable[LinkRecord]) -> AssessmentData:
    """The records a store holds, as :class:`AssessmentData`."""
    data = AssessmentData({}, {}, [], [], {})
    for node in nodes:
        props = node.props
        if node.kind == "leader":
            data.leaders[node.id] = props
        elif node.kind in SCHEMA.target_kinds:
            subtype = props.get("category") if node.kind == "figure" else props.get("kind")
            data.targets[node.id] = (node.kind, subtype, props.get("name"))
        elif node.kind == "interaction":
            data.interactions.append(
                (
                    node.id,
                    props["date"],
                    props.get("kind"),
                    tuple(props.get("leader_ids") or ()),
                    tuple(props.get("target_ids") or ()),
                )
            )
        elif node.kind == "area":
            data.areas[node.id] = (props.get("parent_id"), props.get("name"), props.get("kind"))
    for link in links:
        if link.kind == "contacts":
            since, until = link.props.get("since"), link.props.get("until")
            data.contacts.append((link.source_id, link.target_id, since, until))
    return data


def leader_period(
    leader: dict[str, Any], year: int, last_interaction: dt.date | None
) -> tuple[dt.date, dt.date, str | None] | None:
    """The leader's days in office in ``year`` as [start, end) and a note (``joined``,
    ``left``, ``left_no_date``, None), or None when they were not in office that year.

    >>> leader_period({"until": dt.date(2026, 7, 1)}, 2026, None)
    (datetime.date(2026, 1, 1), datetime.date(2026, 7, 1), 'left')
    >>> leader_period({"in_office": False}, 2026, dt.date(2026, 3, 4))
    (datetime.date(2026, 1, 1), datetime.date(2027, 1, 1), 'left_no_date')
    >>> leader_period({"in_office": False}, 2026, None) is None
    True
    """
    first, after = dt.date(year, 1, 1), dt.date(year + 1, 1, 1)
    since, until = leader.get("since"), leader.get("until")
    note: str | None = None
    start, end = first, after
    if since is not None and since > first:
        start, note = since, "joined"
    if until is not None and until < after:
        end, note = until, "left"
    elif until is None and leader.get("in_office") is False:
        if last_interaction is None:
            return None
        note = "left_no_date"
    if end <= start:
        return None
    return start, end, note


def scorecard(
    data: AssessmentData, rules: AssessmentRules, year: int, as_of: dt.date | None = None
) -> dict[str, Any]:
    """Every leader's scorecard for ``year`` (measured up to ``as_of`` if it falls in the
    year), with the totals per department and per town."""
    by_leader: dict[str, list[Interaction]] = defaultdict(list)
    for item in data.interactions:
        if item[1].year == year:
            for lead in set(item[3]):
                by_leader[lead].append(item)
    contacts_of: dict[str, list[Contact]] = defaultdict(list)
    for contact in data.contacts:
        contacts_of[contact[0]].append(contact)
    cards = []
    for lead in sorted(data.leaders):
        mine = sorted(by_leader.get(lead, []), key=lambda i: (i[1], i[0]))
        last = mine[-1][1] if mine else None
        period = leader_period(data.leaders[lead], year, last)
        if period is None:
            continue
        cards.append(_leader_card(data, rules, lead, mine, contacts_of[lead], period, as_of))
    return {
        "year": year,
        "as_of": as_of.isoformat() if as_of is not None else None,
        "points": rules.points,
        "criteria": [_criterion_rule(c) for c in rules.criteria.values()],
        "leaders": cards,
        "departments": _roll_up(cards, "department"),
        "towns": _roll_up(cards, "town_id"),
    }


def assessment(
    data: AssessmentData, rules: AssessmentRules, year: int, as_of: dt.date | None = None
) -> dict[str, Any]:
    """:func:`scorecard` for ``year`` with each leader's, department's and town's total of
    the year before (the whole year, by the same rules) and the change."""
    card = scorecard(data, rules, year, as_of)
    before = scorecard(data, rules, year - 1)
    _compare(card["leaders"], before["leaders"], "id")
    _compare(card["departments"], before["departments"], "key")
    _compare(card["towns"], before["towns"], "key")
    return card


def _compare(rows: list[dict[str, Any]], before: list[dict[str, Any]], key: str) -> None:
    previous = {row[key]: row["total"] if key == "id" else row["mean_total"] for row in before}
    field = "total" if key == "id" else "mean_total"
    for row in rows:
        was = previous.get(row[key])
        row["previous"] = was
        row["change"] = None if was is None else round(row[field] - was, 2)


def _criterion_rule(criterion: Criterion) -> dict[str, Any]:
    return {
        "code": criterion.code,
        "label": criterion.label,
        "measure": criterion.measure,
        "weight": criterion.weight,
        "interaction_kinds": list(criterion.interaction_kinds),
        "min_count": criterion.min_count if criterion.measure == "count" else None,
        "min_share": criterion.min_share if criterion.measure == "assigned_share" else None,
    }


def _leader_card(
    data: AssessmentData,
    rules: AssessmentRules,
    lead: str,
    interactions: list[Interaction],
    contacts: list[Contact],
    period: tuple[dt.date, dt.date, str | None],
    as_of: dt.date | None,
) -> dict[str, Any]:
    start, end, note = period
    measured_end = end if as_of is None else min(end, as_of + dt.timedelta(days=1))
    in_period = [i for i in interactions if start <= i[1] < measured_end]
    period_days = (end - start).days
    # the share of the period gone by (a year still running): the pace on_track asks for
    elapsed = Fraction(max(0, min((measured_end - start).days, period_days)), period_days)
    year_days = (dt.date(start.year + 1, 1, 1) - dt.date(start.year, 1, 1)).days
    criteria = []
    for criterion in rules.criteria.values():
        if criterion.measure == "count":
            row = _count(data, criterion, in_period, period_days, year_days)
        else:
            row = _share(data, criterion, in_period, contacts, start, end)
        row["on_track"] = row["value"] is not None and (
            Fraction(row["value"]) >= Fraction(row["required"]) * elapsed
        )
        criteria.append(row)
    leader = data.leaders[lead]
    total = round(sum(c["points"] for c in criteria), 2)
    return {
        "id": lead,
        "name": leader.get("name"),
        "post": leader.get("post"),
        "department": leader.get("department"),
        "area_id": leader.get("area_id"),
        "town_id": _town_of(data.areas, leader.get("area_id")),
        "period": {
            "start": start.isoformat(),
            "end": (end - dt.timedelta(days=1)).isoformat(),
            "days": period_days,
            "partial": note is not None,
            "note": note,
        },
        "criteria": criteria,
        "total": total,
        "met_all": all(c["met"] for c in criteria),
        "on_track": all(c["on_track"] for c in criteria),
    }


def _counts(data: AssessmentData, criterion: Criterion, target: str) -> bool:
    found = data.targets.get(target)
    return found is not None and criterion.counts_target(found[0], found[1])


def _points(criterion: Criterion, value: Fraction, required: Fraction) -> float:
    return round(criterion.weight * float(min(Fraction(1), value / required)), 2)


def _count(
    data: AssessmentData,
    criterion: Criterion,
    interactions: list[Interaction],
    period_days: int,
    year_days: int,
) -> dict[str, Any]:
    required = -(-criterion.min_count * period_days // year_days)  # rounded up
    evidence = []
    for ident, day, kind, _, target_ids in interactions:
        if not criterion.counts_kind(kind):
            continue
        counted = [t for t in target_ids if _counts(data, criterion, t)]
        if counted:
            evidence.append(_evidence(data, ident, day, kind, counted))
    value = len(evidence)
    return {
        "code": criterion.code,
        "value": value,
        "required": required,
        "met": value >= required,
        "points": _points(criterion, Fraction(value), Fraction(required)),
        "evidence": evidence,
    }


def _share(
    data: AssessmentData,
    criterion: Criterion,
    interactions: list[Interaction],
    contacts: list[Contact],
    start: dt.date,
    end: dt.date,
) -> dict[str, Any]:
    assigned = sorted(
        {
            target
            for _, target, since, until in contacts
            if (since is None or since < end)
            and (until is None or until > start)
            and _counts(data, criterion, target)
        }
    )
    first_met: dict[str, Interaction] = {}
    for item in interactions:  # in date order: the first meeting is kept
        if criterion.counts_kind(item[2]):
            for target in item[4]:
                first_met.setdefault(target, item)
    required = Fraction(criterion.min_share).limit_denominator(10**6)
    evidence = []
    for target in assigned:
        met = first_met.get(target)
        row = {"target_id": target, "target_name": data.targets[target][2], "met": met is not None}
        if met is not None:
            row.update(interaction_id=met[0], date=met[1].isoformat(), kind=met[2])
        evidence.append(row)
    done = sum(1 for row in evidence if row["met"])
    value = Fraction(done, len(assigned)) if assigned else None
    return {
        "code": criterion.code,
        "value": None if value is None else round(float(value), 4),
        "required": float(required),
        "assigned": len(assigned),
        "met_targets": done,
        "met": value is not None and value >= required,
        "points": 0.0 if value is None else _points(criterion, value, required),
        "evidence": evidence,
    }


def _evidence(
    data: AssessmentData, ident: str, day: dt.date, kind: str | None, targets: list[str]
) -> dict[str, Any]:
    return {
        "interaction_id": ident,
        "date": day.isoformat(),
        "kind": kind,
        "with": [{"id": t, "name": data.targets[t][2]} for t in targets],
    }


def _town_of(
    areas: dict[str, tuple[str | None, str | None, str | None]], area: str | None
) -> str | None:
    """The nearest town or subdistrict at or above ``area`` (else ``area`` itself)."""
    seen: set[str] = set()
    current = area
    while current is not None and current in areas and current not in seen:
        if areas[current][2] in TOWN_KINDS:
            return current
        seen.add(current)
        current = areas[current][0]
    return area


def _roll_up(cards: list[dict[str, Any]], field: str) -> list[dict[str, Any]]:
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for card in cards:
        groups[card[field] or ""].append(card)
    return [
        {
            "key": key,
            "leaders": len(members),
            "mean_total": round(sum(c["total"] for c in members) / len(members), 2),
            "met_all": sum(1 for c in members if c["met_all"]),
            "on_track": sum(1 for c in members if c["on_track"]),
        }
        for key, members in sorted(groups.items())
    ]

"""Duplicate candidates: figures, organizations and units that may be one entity twice.

Offices merge registers kept in several places, so one person or unit turns up under two ids
with slightly different names (全角/半角, spaces, 兰州理工大学 vs 兰州理工大学（本部）, a
one-character typo). The finder compares only records that share a blocking key (never all
pairs), scores each compared pair in log-odds from its names and supporting fields, and says
why in words. Every rule and weight is data: ``graph/schema/duplicates.yaml``.

>>> a = Entity("U1", "unit", "兰州理工大学", type="university", area_id="A1")
>>> b = Entity("U2", "unit", "兰州理工大学（本部）", type="university", area_id="A1")
>>> c = Entity("U3", "unit", "兰州大学", type="university", area_id="A1")
>>> found = find_duplicates([a, b, c]).candidates
>>> [(x.left, x.right, x.score) for x in found]
[('U1', 'U2', 0.881)]
>>> found[0].reasons
('去掉本部后名称相同', '所在区域相同', '类型相同')
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache, cached_property, lru_cache
from importlib.resources import files
from typing import Any

import yaml
from rapidfuzz.distance import Levenshtein

from concentric.graph.schema.model import NodeRecord

__all__ = [
    "DUPLICATE_KINDS",
    "Candidate",
    "DuplicateRules",
    "Entity",
    "FinderResult",
    "NormalName",
    "canonical_ids",
    "entity_of",
    "find_duplicates",
    "normalise_name",
    "pair_key",
    "rules",
]

DUPLICATE_KINDS = ("figure", "organization", "unit")
# The kind whose names are people's names: short, so one differing character is weak.
PERSON_KIND = "figure"
_YEAR = re.compile(r"(?<!\d)(1[89]\d\d|20\d\d)(?!\d)")


@dataclass(frozen=True)
class DuplicateRules:
    """``duplicates.yaml``, read once (each part worked out on first use)."""

    raw: dict[str, Any]

    @cached_property
    def weights(self) -> dict[str, float]:
        return {k: float(v) for k, v in self.raw["weights"].items()}

    @cached_property
    def prior(self) -> float:
        return float(self.raw["prior"])

    @cached_property
    def min_score(self) -> float:
        return float(self.raw["min_score"])

    @cached_property
    def max_block(self) -> int:
        return int(self.raw["blocking"]["max_block"])

    @cached_property
    def typo_min_length(self) -> int:
        return int(self.raw["blocking"]["typo_min_length"])

    @cached_property
    def suffixes(self) -> list[str]:
        """Branch suffixes, longest first (分公司 before 公司-like shorter ones)."""
        return sorted(self.raw["normalise"]["qualifier_suffixes"], key=len, reverse=True)

    @cached_property
    def brackets(self) -> list[str]:
        return list(self.raw["normalise"]["brackets"])

    @cached_property
    def bracket_pattern(self) -> re.Pattern[str]:
        """Any bracket pair with the text inside it (one group per pair)."""
        parts = [
            f"{re.escape(pair[0])}([^{re.escape(pair)}]*){re.escape(pair[1])}"
            for pair in self.brackets
        ]
        return re.compile("|".join(parts))

    @cached_property
    def ignored(self) -> str:
        return str(self.raw["normalise"]["ignored_characters"])

    @cached_property
    def distinguishing(self) -> str:
        return str(self.raw["normalise"]["distinguishing_characters"])

    @cached_property
    def distinguishing_words(self) -> list[list[str]]:
        return [list(group) for group in self.raw["normalise"]["distinguishing_words"]]

    @cached_property
    def birth_columns(self) -> list[str]:
        return list(self.raw["birth_columns"])

    def reason(self, key: str, **values: object) -> str:
        text: str = self.raw["reasons"][key]
        return text.format(**values)


@cache
def rules() -> DuplicateRules:
    text = files("concentric.graph.schema").joinpath("duplicates.yaml").read_text("utf-8")
    return DuplicateRules(yaml.safe_load(text))


@dataclass(frozen=True)
class NormalName:
    """A name reduced to what identifies the entity (``core``), the qualifiers set aside
    (bracketed text, branch suffixes) and which normalisations changed the text."""

    core: str
    qualifiers: tuple[str, ...] = ()
    how: tuple[str, ...] = ()


@lru_cache(maxsize=1 << 16)
def normalise_name(name: str) -> NormalName:
    """The name's core and qualifiers, after NFKC, case, whitespace and separators.

    >>> normalise_name("兰州理工大学（本部）")
    NormalName(core='兰州理工大学', qualifiers=('本部',), how=('how_width',))
    >>> normalise_name("中国银行 兰州分行").core
    '中国银行兰州'
    >>> normalise_name("阿不都·热合曼")
    NormalName(core='阿不都热合曼', qualifiers=(), how=('how_separator',))
    """
    given = rules()
    how: list[str] = []
    text = unicodedata.normalize("NFKC", name)
    if text != name:
        how.append("how_width")
    lowered = text.lower()
    if lowered != text:
        how.append("how_case")
    text = "".join(lowered.split())
    if text != lowered:
        how.append("how_space")
    separators = str.maketrans("", "", given.ignored)
    stripped = text.translate(separators)
    if stripped != text:
        how.append("how_separator")
    qualifiers: list[str] = []
    pattern = given.bracket_pattern

    def set_aside(found: re.Match[str]) -> str:
        qualifiers.extend(g for g in found.groups() if g)
        return ""

    core = pattern.sub(set_aside, stripped)
    trimmed = True
    while trimmed:
        trimmed = False
        for suffix in given.suffixes:
            if core.endswith(suffix) and len(core) > len(suffix) + 1:
                core = core[: -len(suffix)]
                qualifiers.append(suffix)
                trimmed = True
                break
    return NormalName(core or stripped, tuple(qualifiers), tuple(dict.fromkeys(how)))


@lru_cache(maxsize=1 << 16)
def _reading(char: str) -> str:
    """One character's pinyin without tone (its most common reading); itself if not Han."""
    from pypinyin import Style, lazy_pinyin  # its dictionaries take a second to load

    syllables = lazy_pinyin(char, style=Style.NORMAL, errors="default")
    return syllables[0].lower() if syllables else char


def _sound(core: str) -> tuple[str, ...]:
    return tuple(_reading(char) for char in core)


def _has_han(text: str) -> bool:
    return any("\u4e00" <= char <= "\u9fff" for char in text)


@dataclass(frozen=True)
class Entity:
    """What the finder compares of one figure, organization or unit."""

    id: str
    kind: str
    name: str
    type: str | None = None  # an organization's or unit's kind (a figure's is not compared)
    area_id: str | None = None
    gender: str | None = None
    ethnicity: str | None = None
    phone: str | None = None
    birth_year: int | None = None


_GENDERS = {"男": "m", "男性": "m", "m": "m", "male": "m", "女": "f", "女性": "f", "f": "f"}


def _gender(value: Any) -> str | None:
    if not value:
        return None
    text = unicodedata.normalize("NFKC", str(value)).strip().lower()
    return _GENDERS.get(text, text)


def _ethnicity(value: Any) -> str | None:
    if not value:
        return None
    text = unicodedata.normalize("NFKC", str(value)).strip()
    # 汉 and 汉族 name the same group.
    return text[:-1] if len(text) > 1 and text.endswith("族") else text


def _phone(value: Any) -> str | None:
    digits = "".join(c for c in unicodedata.normalize("NFKC", str(value or "")) if c.isdigit())
    if digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    return digits if len(digits) >= 7 else None


def _birth_year(props: Mapping[str, Any]) -> int | None:
    extra = props.get("extra") or {}
    for column in rules().birth_columns:
        value = props.get(column, extra.get(column) if isinstance(extra, dict) else None)
        if value is None:
            continue
        found = _YEAR.search(str(value))
        if found:
            return int(found.group(1))
    return None


def entity_of(record: NodeRecord) -> Entity:
    """The compared fields of a stored figure, organization or unit.

    >>> entity_of(NodeRecord("F1", "figure", {"name": "张伟", "gender": "男",
    ...     "extra": {"出生年月": "1970-05"}, "phone": "139 0000 1111"}))
    Entity(id='F1', kind='figure', name='张伟', type=None, area_id=None, gender='m', ethnicity=None, phone='13900001111', birth_year=1970)
    """  # noqa: E501
    props = record.props
    return Entity(
        id=record.id,
        kind=record.kind,
        name=str(props.get("name") or ""),
        type=None if record.kind == PERSON_KIND else props.get("kind"),
        area_id=props.get("area_id"),
        gender=_gender(props.get("gender")),
        ethnicity=_ethnicity(props.get("ethnicity")),
        phone=_phone(props.get("phone")),
        birth_year=_birth_year(props),
    )


# One piece of evidence: its weight, its words, and the field it rests on (so an answer can
# leave out what a reader may not see: a phone, an ethnicity).
Evidence = tuple[float, str, str]
_FIELD_OF = {
    "phone": "phone",
    "birth_year": "birth_year",
    "gender": "gender",
    "ethnicity": "ethnicity",
    "area": "area_id",
    "type": "kind",
}


@dataclass(frozen=True)
class Candidate:
    """Two ids (``left`` < ``right``) that may name one entity, with the score and why."""

    left: str
    right: str
    kind: str
    score: float
    reasons: tuple[str, ...]
    # The field each reason rests on: name, phone, birth_year, gender, ethnicity, area_id,
    # kind or memberships (parallel to ``reasons``).
    fields: tuple[str, ...] = ()

    def as_json(self) -> dict[str, Any]:
        return {
            "left": self.left,
            "right": self.right,
            "kind": self.kind,
            "score": self.score,
            "reasons": list(self.reasons),
        }


@dataclass
class FinderResult:
    """The candidates, best first, and how much work the blocking saved."""

    candidates: list[Candidate]
    records: int = 0
    pairs_compared: int = 0
    all_pairs: int = 0
    # Records of blocks too big even within one area (not compared on that key).
    records_in_skipped_blocks: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)


def pair_key(first: str, second: str) -> tuple[str, str]:
    """The pair's ids in order, so (a, b) and (b, a) are one pair.

    >>> pair_key("U9", "U10")
    ('U10', 'U9')
    """
    return (first, second) if first <= second else (second, first)


@dataclass
class _Prepared:
    entity: Entity
    name: NormalName
    sound: tuple[str, ...]


def _name_evidence(
    a: _Prepared, b: _Prepared, same_core: Mapping[str, int]
) -> list[Evidence] | None:
    """The weight and words of how the two names agree, or None if they do not."""
    given = rules()
    weights = given.weights
    if a.name.core == b.name.core:
        found: list[Evidence]
        if a.entity.name == b.entity.name:
            found = [(weights["name_identical"], given.reason("name_identical"), "name")]
        elif set(a.name.qualifiers) != set(b.name.qualifiers):
            differing = sorted(set(a.name.qualifiers) ^ set(b.name.qualifiers))
            found = [
                (
                    weights["name_qualified"],
                    given.reason("name_qualified", qualifiers="、".join(differing)),
                    "name",
                )
            ]
        else:
            hows = dict.fromkeys([*a.name.how, *b.name.how]) or {"how_width": None}
            words = "、".join(given.reason(h) for h in hows)
            normalised = given.reason("name_normalised", how=words)
            found = [(weights["name_normalised"], normalised, "name")]
        count = same_core.get(a.name.core, 2)
        if count > 2:
            # Many records share the name: agreeing on it says less (a term-frequency
            # adjustment, as record-linkage tools make for common surnames).
            cut = min(weights["common_name_cap"], math.log(count / 2))
            found.append((-cut, given.reason("common_name", count=count), "name"))
        return found
    left, right = a.name.core, b.name.core
    if len(left) == len(right) and a.sound == b.sound and _has_han(left):
        pinyin = " ".join(a.sound)
        sound = given.reason("name_homophone", pinyin=pinyin)
        return [(weights["name_homophone"], sound, "name")]
    if Levenshtein.distance(left, right, score_cutoff=1) > 1:
        return None
    changed = "".join(
        (left[op.src_pos] if op.tag != "insert" else "")
        + (right[op.dest_pos] if op.tag != "delete" else "")
        for op in Levenshtein.editops(left, right)
    )
    if any(char in given.distinguishing for char in changed) or _told_apart(left, right):
        return None  # 第一中学 and 第二中学, 民革 and 民盟 委员会: two entities
    words = given.reason("name_one_edit", left=a.entity.name, right=b.entity.name)
    if a.entity.kind == PERSON_KIND:
        return [(weights["name_one_edit_person"], words, "name")]
    if min(len(left), len(right)) < given.typo_min_length:
        return None
    return [(weights["name_one_edit"], words, "name")]


def _told_apart(left: str, right: str) -> bool:
    """Whether the names hold different words of one distinguishing family.

    >>> _told_apart("民革七里河区委员会", "民盟七里河区委员会")
    True
    >>> _told_apart("兰州理工大学", "兰州理土大学")
    False
    >>> _told_apart("同心区干土村商会", "同心甲干土村商会")  # 区 mistyped, not replaced by 县
    False
    """
    for group in rules().distinguishing_words:
        in_left = {word for word in group if word in left}
        in_right = {word for word in group if word in right}
        # One family word put for another (not one merely missing: that may be the typo).
        if in_left - in_right and in_right - in_left:
            return True
    return False


def _compare(
    key: str,
    left: Any,
    right: Any,
    shown: Mapping[str, object] | None = None,
) -> Evidence | None:
    """The ``key_same`` or ``key_different`` evidence of two known values (None if either
    is missing)."""
    if left is None or right is None:
        return None
    given = rules()
    outcome = f"{key}_same" if left == right else f"{key}_different"
    return given.weights[outcome], given.reason(outcome, **(shown or {})), _FIELD_OF[key]


def _field_evidence(
    a: Entity, b: Entity, organizations: Mapping[str, set[str]], members: Mapping[str, set[str]]
) -> list[Evidence]:
    """The supporting fields' evidence, in a fixed order."""
    found = [
        _compare("phone", a.phone, b.phone),
        _compare(
            "birth_year",
            a.birth_year,
            b.birth_year,
            {"year": a.birth_year, "left": a.birth_year, "right": b.birth_year},
        ),
        _compare("gender", a.gender, b.gender),
        _compare("ethnicity", a.ethnicity, b.ethnicity),
        _compare("area", a.area_id, b.area_id),
        _compare("type", a.type, b.type),
    ]
    given = rules()
    shared_orgs = len(organizations.get(a.id, set()) & organizations.get(b.id, set()))
    if shared_orgs:
        found.append(
            (
                given.weights["shared_organization"],
                given.reason("shared_organization", count=shared_orgs),
                "memberships",
            )
        )
    shared_members = len(members.get(a.id, set()) & members.get(b.id, set()))
    if shared_members:
        found.append(
            (
                given.weights["shared_member"],
                given.reason("shared_member", count=shared_members),
                "memberships",
            )
        )
    return [item for item in found if item is not None]


def _keys(item: _Prepared) -> Iterator[tuple[str, str]]:
    """The blocking keys of one record: its normalised name, its sound, its phone (people)
    and its one-deletion variants (organizations and units, long names)."""
    core = item.name.core
    yield "core", core
    if _has_han(core):
        yield "sound", " ".join(item.sound)
    entity = item.entity
    if entity.kind == PERSON_KIND:
        if entity.phone:
            yield "phone", entity.phone
    elif len(core) >= rules().typo_min_length - 1:
        # Two names one edit apart share a key: the shorter one itself, or the same deletion.
        yield "delete", core
        if len(core) >= rules().typo_min_length:
            for i in range(len(core)):
                yield "delete", core[:i] + core[i + 1 :]


def _blocks(items: list[_Prepared], result: FinderResult) -> Iterator[list[_Prepared]]:
    """Groups of records to compare pairwise; a big group only within each area."""
    groups: dict[tuple[str, str], list[_Prepared]] = defaultdict(list)
    for item in items:
        for key in _keys(item):
            groups[key].append(item)
    limit = rules().max_block
    for group in groups.values():
        if len(group) < 2:
            continue
        if len(group) <= limit:
            yield group
            continue
        by_area: dict[str | None, list[_Prepared]] = defaultdict(list)
        for item in group:
            by_area[item.entity.area_id].append(item)
        for part in by_area.values():
            if len(part) > limit:
                result.records_in_skipped_blocks += len(part)
            elif len(part) > 1:
                yield part


def _logistic(total: float) -> float:
    return round(1.0 / (1.0 + math.exp(-total)), 3)


def find_duplicates(
    entities: Iterable[Entity],
    memberships: Iterable[tuple[str, str]] = (),
    *,
    kinds: Collection[str] = DUPLICATE_KINDS,
    min_score: float | None = None,
    skip: Collection[tuple[str, str]] = (),
) -> FinderResult:
    """Pairs of the same kind that may be one entity, best first.

    ``memberships``: (figure, organization or unit) pairs, for shared organizations and
    members. ``skip``: pairs (in :func:`pair_key` order) already judged, never proposed.
    """
    threshold = rules().min_score if min_score is None else min_score
    result = FinderResult([])
    organizations: dict[str, set[str]] = defaultdict(set)
    members: dict[str, set[str]] = defaultdict(set)
    for figure, org in memberships:
        organizations[figure].add(org)
        members[org].add(figure)
    by_kind: dict[str, list[_Prepared]] = defaultdict(list)
    for entity in entities:
        if entity.kind in kinds and entity.name:
            name = normalise_name(entity.name)
            by_kind[entity.kind].append(_Prepared(entity, name, _sound(name.core)))
    skipped = set(skip)
    for kind, items in sorted(by_kind.items()):
        result.records += len(items)
        result.all_pairs += len(items) * (len(items) - 1) // 2
        same_core: dict[str, int] = defaultdict(int)
        for item in items:
            same_core[item.name.core] += 1
        seen: set[tuple[str, str]] = set()
        for block in _blocks(items, result):
            for i, a in enumerate(block):
                for b in block[i + 1 :]:
                    pair = pair_key(a.entity.id, b.entity.id)
                    if pair in seen or pair[0] == pair[1]:
                        continue
                    seen.add(pair)
                    if pair in skipped:
                        continue
                    first, second = (a, b) if a.entity.id == pair[0] else (b, a)
                    found = _score(first, second, same_core, organizations, members)
                    if found is not None and found.score >= threshold:
                        result.candidates.append(found)
        result.pairs_compared += len(seen)
        result.by_kind[kind] = len(seen)
    result.candidates.sort(key=lambda c: (-c.score, c.kind, c.left, c.right))
    return result


def _score(
    a: _Prepared,
    b: _Prepared,
    same_core: Mapping[str, int],
    organizations: Mapping[str, set[str]],
    members: Mapping[str, set[str]],
) -> Candidate | None:
    names = _name_evidence(a, b, same_core)
    if names is None:
        return None
    evidence = names + _field_evidence(a.entity, b.entity, organizations, members)
    total = rules().prior + sum(weight for weight, _, _ in evidence)
    return Candidate(
        a.entity.id,
        b.entity.id,
        a.entity.kind,
        _logistic(total),
        tuple(words for _, words, _ in evidence),
        tuple(field for _, _, field in evidence),
    )


def canonical_ids(same_pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Each id of a pair judged the same, mapped to the one id its group counts as: the
    smallest id of the group the "same" pairs join (A = B and B = C make A, B, C one).

    What merged counting reads (graph/engine/merge.py); ids in no "same" pair are not in the answer.

    >>> canonical_ids([("F2", "F3"), ("F1", "F2"), ("U7", "U5")])
    {'F1': 'F1', 'F2': 'F1', 'F3': 'F1', 'U5': 'U5', 'U7': 'U5'}
    """
    parent: dict[str, str] = {}

    def root(node: str) -> str:
        parent.setdefault(node, node)
        while parent[node] != node:
            parent[node] = parent[parent[node]]  # halve the path as it is walked
            node = parent[node]
        return node

    for first, second in same_pairs:
        a, b = root(first), root(second)
        if a != b:
            parent[max(a, b)] = min(a, b)
    return {node: root(node) for node in sorted(parent)}

"""The schema, read from ``schema.yaml``: tables, columns, enumerations, lines, policy.

Everything that needs to know what a table, a kind or a label is asks this module, so that
adding a kind or an alias is an edit to the YAML file and nothing else.

>>> SCHEMA.enum_code("figure_category", "宗教界人士")
'religious'
>>> SCHEMA.enum_code("figure_category", "religious")
'religious'
>>> SCHEMA.tables["contacts"].column_for_header("领导编号").name
'leader_id'
>>> SCHEMA.tables["figures"].column_for_header(" ＩＤ ").name
'id'
>>> sorted(SCHEMA.target_kinds)
['figure', 'organization', 'unit']
>>> SCHEMA.field_class("phone"), SCHEMA.field_class("religion"), SCHEMA.field_class("extra")
('personal', 'sensitive', 'unknown')
>>> SCHEMA.field_class("summary"), SCHEMA.field_class("status") is None
('ordinary', True)
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from importlib.resources import files
from pathlib import Path
from typing import Any

import yaml

__all__ = [
    "ASSESSMENT_MEASURES",
    "EXTRA_KEY",
    "FIELD_CLASSES",
    "SCHEMA",
    "AssessmentRules",
    "Column",
    "Criterion",
    "InputLimits",
    "Policy",
    "Schema",
    "Table",
    "load_schema",
    "normalize_label",
]


#: Classes of the values a record holds, from the schema's ``class:`` (see schema.yaml).
#: ``unknown`` is the class of the columns the schema does not declare.
FIELD_CLASSES = ("ordinary", "personal", "sensitive", "unknown")
#: The property that holds a row's unknown columns (a mapping of header to value).
EXTRA_KEY = "extra"
_DECLARED_CLASSES = ("ordinary", "personal", "sensitive")


def normalize_label(text: str) -> str:
    """Fold a header or enum value for matching: full-width forms, case and spaces.

    >>> normalize_label(" ＩＤ ")
    'id'
    >>> normalize_label("党的领导 中心线")
    '党的领导中心线'
    """
    return "".join(unicodedata.normalize("NFKC", text).casefold().split())


@dataclass(frozen=True)
class Column:
    """One column of a table, as declared in the schema."""

    name: str
    type: str
    required: bool = False
    default: Any = None
    aliases: tuple[str, ...] = ()
    field_class: str = "ordinary"  # one of _DECLARED_CLASSES

    @cached_property
    def base_type(self) -> str:
        """The type without its argument: ``ref:leader`` -> ``ref``."""
        return self.type.split(":", 1)[0]

    @cached_property
    def argument(self) -> str:
        """The type's argument: ``ref:figure|unit`` -> ``figure|unit``."""
        return self.type.split(":", 1)[1] if ":" in self.type else ""

    @cached_property
    def ref_kinds(self) -> tuple[str, ...]:
        """Node kinds a ``ref``/``refs`` column may point at."""
        return tuple(self.argument.split("|")) if self.base_type in ("ref", "refs") else ()


@dataclass(frozen=True)
class Table:
    """A table of the dataset: a node table (``node_kind``) or a link table (``link_kind``)."""

    name: str
    label: str
    columns: dict[str, Column]
    node_kind: str | None = None
    link_kind: str | None = None
    source: str | None = None
    target: str | None = None
    key: tuple[str, ...] = ()

    @cached_property
    def _header_index(self) -> dict[str, Column]:
        index: dict[str, Column] = {}
        for column in self.columns.values():
            for spelling in (column.name, *column.aliases):
                index[normalize_label(spelling)] = column
        return index

    def column_for_header(self, header: str) -> Column | None:
        """The column a header names (English name or Chinese alias), or None if unknown."""
        return self._header_index.get(normalize_label(header))

    @property
    def required_columns(self) -> list[Column]:
        return [c for c in self.columns.values() if c.required]


#: How an assessment criterion is measured (``measure:`` in the ``assessment`` section).
ASSESSMENT_MEASURES = ("count", "assigned_share")


@dataclass(frozen=True)
class Criterion:
    """One criterion of the yearly assessment (one of the 四个带头), from the policy.

    ``targets`` maps a target kind to the categories/kinds that count (None: every one of
    that kind); None for the whole mapping means any target counts.
    """

    code: str
    label: str
    measure: str  # one of ASSESSMENT_MEASURES
    weight: float
    interaction_kinds: tuple[str, ...] = ()  # empty: every kind
    targets: dict[str, frozenset[str] | None] | None = None
    min_count: int = 0
    min_share: float = 0.0

    def counts_kind(self, kind: str | None) -> bool:
        """Whether an interaction of this kind counts (every kind when none are listed)."""
        return not self.interaction_kinds or kind in self.interaction_kinds

    def counts_target(self, kind: str, subtype: str | None) -> bool:
        """Whether a target of this node kind and category (or org/unit kind) counts.

        >>> visits = SCHEMA.default_policy.assessment.criteria["visits"]
        >>> visits.counts_target("unit", "hospital"), visits.counts_target("figure", "ethnic")
        (True, False)
        """
        if self.targets is None:
            return True
        if kind not in self.targets:
            return False
        allowed = self.targets[kind]
        return allowed is None or subtype in allowed


@dataclass(frozen=True)
class AssessmentRules:
    """The yearly assessment: its points and criteria (weights add up to the points)."""

    points: float
    criteria: dict[str, Criterion]


@dataclass(frozen=True)
class Policy:
    """Coverage policy: window, quotas and the line mapping (a dataset may override them),
    and the yearly assessment's rules."""

    window_days: int
    quota_min: int
    quota_max: int
    # line code -> {"figure": categories, "organization": kinds, "unit": kinds}
    lines: dict[str, dict[str, tuple[str, ...]]] = field(default_factory=dict)
    assessment: AssessmentRules = field(default_factory=lambda: AssessmentRules(0.0, {}))

    def lines_of(self, kind: str, subtype: str) -> tuple[str, ...]:
        """Line codes a target of this kind and category (or org/unit kind) belongs to.

        >>> SCHEMA.default_policy.lines_of("unit", "hospital")
        ('union',)
        >>> SCHEMA.default_policy.lines_of("figure", "religious")
        ('guidance',)
        """
        known = self._lines_by_subtype
        found = known.get((kind, subtype))
        if found is None:  # asked once per target by the rankings: worked out once per pair
            found = tuple(code for code, members in self.lines.items() if subtype in members[kind])
            known[(kind, subtype)] = found
        return found

    @cached_property
    def _lines_by_subtype(self) -> dict[tuple[str, str], tuple[str, ...]]:
        return {}


@dataclass(frozen=True)
class InputLimits:
    """What a write through the API may say (``input_limits`` in ``schema.yaml``)."""

    earliest_date: dt.date
    interaction_days_ahead: int
    contact_days_ahead: int
    max_ids: int
    max_id_length: int
    max_offset: int

    def latest_interaction_date(self, today: dt.date) -> dt.date:
        return today + dt.timedelta(days=self.interaction_days_ahead)

    def latest_contact_date(self, today: dt.date) -> dt.date:
        return today + dt.timedelta(days=self.contact_days_ahead)


_LINE_KEYS = {
    "figure_categories": "figure",
    "organization_kinds": "organization",
    "unit_kinds": "unit",
}
_TARGET_ENUMS = {
    "figure_categories": "figure_category",
    "organization_kinds": "organization_kind",
    "unit_kinds": "unit_kind",
}
_CRITERION_KEYS = (
    "label",
    "measure",
    "interaction_kinds",
    "targets",
    "min_count",
    "min_share",
    "weight",
)


class Schema:
    """The parsed schema file."""

    def __init__(self, raw: dict[str, Any]) -> None:
        self.raw = raw
        self.tables: dict[str, Table] = {}
        for name, spec in raw["tables"].items():
            columns = {
                col: Column(
                    name=col,
                    type=c["type"],
                    required=bool(c.get("required", False)),
                    default=c.get("default"),
                    aliases=tuple(c.get("aliases", ())),
                    field_class=_declared_class(name, col, c),
                )
                for col, c in spec["columns"].items()
            }
            self.tables[name] = Table(
                name=name,
                label=spec["label"],
                columns=columns,
                node_kind=spec.get("node_kind"),
                link_kind=spec.get("link_kind"),
                source=spec.get("source"),
                target=spec.get("target"),
                key=tuple(spec.get("key", ())),
            )
        self.node_kinds: dict[str, dict[str, Any]] = raw["node_kinds"]
        self.target_kinds: tuple[str, ...] = tuple(
            k for k, v in self.node_kinds.items() if v.get("target")
        )
        self.tie_words = _tie_words(raw["edge_kinds"])
        self.enumerations: dict[str, dict[str, str]] = raw["enumerations"]
        self._enum_index: dict[str, dict[str, str]] = {}
        for enum, values in self.enumerations.items():
            index: dict[str, str] = {}
            for code, label in values.items():
                index[normalize_label(code)] = code
                index[normalize_label(label)] = code
            for code, extra in raw.get("enumeration_aliases", {}).get(enum, {}).items():
                for spelling in extra:
                    index[normalize_label(spelling)] = code
            self._enum_index[enum] = index
        self.default_policy = self.policy_from(raw["policy"], raw["lines"])
        self.input_limits = InputLimits(**raw["input_limits"])
        # Node or link kind -> its date columns, to turn stored ISO text back into dates.
        self.date_fields: dict[str, frozenset[str]] = {
            str(table.node_kind or table.link_kind): frozenset(
                c.name for c in table.columns.values() if c.type == "date"
            )
            for table in self.tables.values()
        }
        self._field_classes = _field_classes(self.tables.values())
        # Node kind -> its columns that name other nodes (``ref``: one id, ``refs``: a list).
        self.references: dict[str, tuple[Column, ...]] = {
            table.node_kind: tuple(c for c in table.columns.values() if c.ref_kinds)
            for table in self.tables.values()
            if table.node_kind
        }

    # -- tables -----------------------------------------------------------------------
    def table_for_name(self, stem: str) -> Table | None:
        """The table a file stem names: ``contacts`` or its Chinese label ``联系交友``."""
        wanted = normalize_label(stem)
        for table in self.tables.values():
            if wanted in (normalize_label(table.name), normalize_label(table.label)):
                return table
        return None

    def node_table(self, kind: str) -> Table:
        for table in self.tables.values():
            if table.node_kind == kind:
                return table
        raise KeyError(kind)

    def field_class(self, key: str) -> str | None:
        """The class of a record's key: a column's declared class, ``unknown`` for the
        unknown columns (``extra``), None for a key that is no column (``status``, ``ties``).

        The graph keeps a row's ``kind`` column as ``type``, so ``type`` is a column too.
        """
        if key == EXTRA_KEY:
            return "unknown"
        return self._field_classes.get("kind" if key == "type" else key)

    # -- enumerations -----------------------------------------------------------------
    def enum_code(self, enum: str, value: str) -> str | None:
        """The code for a code, label or alias of an enumeration, or None if unknown."""
        return self._enum_index[enum].get(normalize_label(value))

    def enum_label(self, enum: str, code: str | None) -> str:
        """The Chinese label of a code (the code itself if it has none)."""
        if code is None:
            return ""
        return self.enumerations[enum].get(code, code)

    def enum_spellings(self, enum: str) -> list[str]:
        """Every exact spelling accepted for an enumeration: codes, labels, aliases.

        >>> SCHEMA.enum_spellings("contact_role")
        ['primary', 'backup', '主联系人', '协助']
        """
        values = self.enumerations[enum]
        aliases = self.raw.get("enumeration_aliases", {}).get(enum, {})
        spellings = [*values, *values.values(), *(a for extra in aliases.values() for a in extra)]
        return list(dict.fromkeys(spellings))

    def enum_codes(self, enum: str) -> list[str]:
        return list(self.enumerations[enum])

    def enum_choices(self, enum: str) -> str:
        """The allowed values as ``code 中文`` pairs, for an error message.

        >>> SCHEMA.enum_choices("contact_role")
        'primary 主联系人、backup 协助'
        """
        return "、".join(f"{code} {label}" for code, label in self.enumerations[enum].items())

    @property
    def figure_categories(self) -> list[str]:
        return self.enum_codes("figure_category")

    @property
    def line_codes(self) -> list[str]:
        return self.enum_codes("line")

    # -- policy -----------------------------------------------------------------------
    def policy_from(self, values: dict[str, Any], lines: dict[str, Any] | None = None) -> Policy:
        """Build a Policy from plain values; missing keys fall back to the schema defaults."""
        defaults = self.raw["policy"]
        line_spec = lines if lines is not None else self.raw["lines"]
        return Policy(
            window_days=int(values.get("window_days", defaults["window_days"])),
            quota_min=int(values.get("quota_min", defaults["quota_min"])),
            quota_max=int(values.get("quota_max", defaults["quota_max"])),
            lines={
                code: {kind: tuple(members.get(key) or ()) for key, kind in _LINE_KEYS.items()}
                for code, members in line_spec.items()
            },
            assessment=_assessment_rules(self.merged_assessment(values.get("assessment"))),
        )

    def merged_assessment(self, overrides: Any) -> dict[str, Any]:
        """The schema's assessment section with a policy's overrides: ``points`` replaced,
        each criterion it names replaced whole (the others kept).

        >>> merged = SCHEMA.merged_assessment({"criteria": {"study": {"weight": 2}}})
        >>> merged["criteria"]["study"], merged["criteria"]["visits"]["weight"]
        ({'weight': 2}, 2)
        """
        merged: dict[str, Any] = {
            "points": self.raw["assessment"]["points"],
            "criteria": dict(self.raw["assessment"]["criteria"]),
        }
        if isinstance(overrides, dict):
            if "points" in overrides:
                merged["points"] = overrides["points"]
            if isinstance(overrides.get("criteria"), dict):
                merged["criteria"].update(overrides["criteria"])
        return merged

    def policy_problems(self, raw: Any) -> list[str]:
        """Problems in a policy file's contents (empty when it is valid)."""
        if raw is None:
            return []
        if not isinstance(raw, dict):
            return ["policy must be a mapping of settings"]
        problems: list[str] = []
        known = {"window_days", "quota_min", "quota_max", "lines", "assessment"}
        for key in raw:
            if key not in known:
                problems.append(f"unknown setting {key!r} (known: {', '.join(sorted(known))})")
        for key in ("window_days", "quota_min", "quota_max"):
            if key in raw and (not isinstance(raw[key], int) or raw[key] < 0):
                problems.append(f"{key} must be a whole number ≥ 0, not {raw[key]!r}")
        lines = raw.get("lines")
        if lines is not None:
            if not isinstance(lines, dict):
                problems.append("lines must map line codes to their targets")
            else:
                problems.extend(self._line_problems(lines))
        if "assessment" in raw:
            problems.extend(self.assessment_problems(raw["assessment"]))
        return problems

    def assessment_problems(self, overrides: Any) -> list[str]:
        """Problems in a policy's ``assessment`` section, each naming its field; checked on
        the section merged with the defaults, so that the weights must add up to the points.

        >>> SCHEMA.assessment_problems({"criteria": {"study": {"weight": 2}}})[0]
        'assessment.criteria.study.label is missing'
        >>> SCHEMA.assessment_problems({"points": 7})
        ['assessment: the weights add up to 6, not to points 7']
        """
        if not isinstance(overrides, dict):
            return ["assessment must map points and criteria"]
        problems = [
            f"assessment: unknown setting {key!r} (known: criteria, points)"
            for key in overrides
            if key not in ("points", "criteria")
        ]
        if "criteria" in overrides and not isinstance(overrides["criteria"], dict):
            return [*problems, "assessment.criteria must map criterion names to their rules"]
        merged = self.merged_assessment(overrides)
        points = merged["points"]
        if not _is_number(points) or points <= 0:
            problems.append(f"assessment.points must be a number > 0, not {points!r}")
        if not merged["criteria"]:
            problems.append("assessment.criteria: give at least one criterion")
        total = 0.0
        for code, spec in merged["criteria"].items():
            found = self._criterion_problems(f"assessment.criteria.{code}", spec)
            problems.extend(found)
            if not found:
                total += float(spec["weight"])
        if not problems and abs(total - float(points)) > 1e-9:
            problems.append(
                f"assessment: the weights add up to {total:g}, not to points {points:g}"
            )
        return problems

    def _criterion_problems(self, where: str, spec: Any) -> list[str]:
        if not isinstance(spec, dict):
            return [f"{where} must map {', '.join(_CRITERION_KEYS)} to values"]
        problems = [f"{where}: unknown setting {k!r}" for k in spec if k not in _CRITERION_KEYS]
        for key in ("label", "measure", "weight"):
            if key not in spec:
                problems.append(f"{where}.{key} is missing")
        if "label" in spec and not (isinstance(spec["label"], str) and spec["label"].strip()):
            problems.append(f"{where}.label must be a non-empty text")
        measure = spec.get("measure")
        if "measure" in spec and measure not in ASSESSMENT_MEASURES:
            problems.append(f"{where}.measure must be one of {', '.join(ASSESSMENT_MEASURES)}")
        weight: Any = spec.get("weight")
        if "weight" in spec and (not _is_number(weight) or weight < 0):
            problems.append(f"{where}.weight must be a number ≥ 0, not {weight!r}")
        if measure == "count":
            count = spec.get("min_count")
            if not isinstance(count, int) or isinstance(count, bool) or count < 1:
                problems.append(f"{where}.min_count must be a whole number ≥ 1, not {count!r}")
        if measure == "assigned_share":
            share: Any = spec.get("min_share")
            if not _is_number(share) or not 0 < share <= 1:
                problems.append(f"{where}.min_share must be a number in (0, 1], not {share!r}")
        kinds = spec.get("interaction_kinds") or []
        if not isinstance(kinds, list):
            problems.append(f"{where}.interaction_kinds must be a list")
        else:
            for kind in kinds:
                if kind not in self.enumerations["interaction_kind"]:
                    problems.append(
                        f"{where}.interaction_kinds: unknown interaction kind {kind!r} "
                        f"(known: {', '.join(self.enumerations['interaction_kind'])})"
                    )
        if "targets" in spec:
            problems.extend(self._criterion_target_problems(f"{where}.targets", spec["targets"]))
        return problems

    def _criterion_target_problems(self, where: str, targets: Any) -> list[str]:
        if not isinstance(targets, dict) or not targets:
            return [f"{where} must map {', '.join(_TARGET_ENUMS)} to lists or 'all'"]
        problems: list[str] = []
        for key, values in targets.items():
            if key not in _TARGET_ENUMS:
                problems.append(f"{where}: unknown key {key!r} (known: {', '.join(_TARGET_ENUMS)})")
            elif values != "all" and not isinstance(values, list):
                problems.append(f"{where}.{key} must be a list or 'all'")
            elif isinstance(values, list):
                enum = _TARGET_ENUMS[key]
                for value in values:
                    if value not in self.enumerations[enum]:
                        problems.append(f"{where}.{key}: unknown {enum} {value!r}")
        return problems

    def _line_problems(self, lines: dict[str, Any]) -> list[str]:
        problems: list[str] = []
        enum_for = {
            "figure_categories": "figure_category",
            "organization_kinds": "organization_kind",
            "unit_kinds": "unit_kind",
        }
        for code, members in lines.items():
            if code not in self.enumerations["line"]:
                problems.append(f"unknown line {code!r}")
                continue
            if not isinstance(members, dict):
                problems.append(f"line {code!r} must map target kinds to lists")
                continue
            for key, values in members.items():
                if key not in enum_for:
                    problems.append(f"line {code!r}: unknown key {key!r}")
                    continue
                for value in values or ():
                    if value not in self.enumerations[enum_for[key]]:
                        problems.append(f"line {code!r}: unknown {enum_for[key]} {value!r}")
        return problems


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _assessment_rules(section: dict[str, Any]) -> AssessmentRules:
    """The rules of a merged ``assessment`` section (checked by ``assessment_problems``)."""
    criteria: dict[str, Criterion] = {}
    for code, spec in section["criteria"].items():
        targets: dict[str, frozenset[str] | None] | None = None
        if spec.get("targets") is not None:
            targets = {
                _LINE_KEYS[key]: None if values == "all" else frozenset(values)
                for key, values in spec["targets"].items()
            }
        criteria[code] = Criterion(
            code=code,
            label=str(spec["label"]),
            measure=str(spec["measure"]),
            weight=float(spec["weight"]),
            interaction_kinds=tuple(spec.get("interaction_kinds") or ()),
            targets=targets,
            min_count=int(spec.get("min_count") or 0),
            min_share=float(spec.get("min_share") or 0.0),
        )
    return AssessmentRules(points=float(section["points"]), criteria=criteria)


def _declared_class(table: str, column: str, spec: dict[str, Any]) -> str:
    declared = spec.get("class", "ordinary")
    if declared not in _DECLARED_CLASSES:
        raise ValueError(
            f"schema: {table}.{column}: class {declared!r} is not one of "
            f"{', '.join(_DECLARED_CLASSES)}"
        )
    return str(declared)


def _tie_words(edge_kinds: dict[str, Any]) -> dict[tuple[str, str], tuple[str, str]]:
    """(edge kind, direction) -> the tie in words, (Chinese, English), from each kind's
    ``words``; a kind without words for both directions is refused."""
    words: dict[tuple[str, str], tuple[str, str]] = {}
    for kind, spec in edge_kinds.items():
        for direction in ("out", "in"):
            pair = spec.get("words", {}).get(direction)
            if not (
                isinstance(pair, list) and len(pair) == 2 and all(isinstance(w, str) for w in pair)
            ):
                raise ValueError(
                    f"schema: edge_kinds.{kind}.words.{direction}: give [Chinese, English]"
                )
            words[(kind, direction)] = (pair[0], pair[1])
    return words


def _field_classes(tables: Iterable[Table]) -> dict[str, str]:
    """Column name -> class; a name must have one class in every table, so that a key of
    any record (an entity's properties, an export's attributes) tells its class."""
    classes: dict[str, str] = {}
    for table in tables:
        for column in table.columns.values():
            seen = classes.setdefault(column.name, column.field_class)
            if seen != column.field_class:
                raise ValueError(
                    f"schema: column {column.name!r} is {seen} in one table and "
                    f"{column.field_class} in {table.name}: give it one class"
                )
    if EXTRA_KEY in classes:
        raise ValueError(f"schema: {EXTRA_KEY!r} is kept for unknown columns, not a column")
    return classes


def load_schema(path: str | Path | None = None) -> Schema:
    """Read a schema file (the bundled ``schema.yaml`` by default)."""
    if path is None:
        text = files("concentric.graph.schema").joinpath("schema.yaml").read_text(encoding="utf-8")
    else:
        text = Path(path).read_text(encoding="utf-8")
    return Schema(yaml.safe_load(text))


SCHEMA = load_schema()

"""API schemas: the exact shapes of requests and answers, for validation and OpenAPI.

They mirror the JSON the analyses in ``graph`` produce (spec section 4) without importing
their internals; FastAPI validates every answer against them.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

from concentric.api.limits import LIMITS, EntityId, IdList, OneOf, bounded_date, within

Status = Literal["covered", "stale", "indirect", "uncovered"]
TargetKind = Literal["figure", "organization", "unit"]
NodeKind = Literal["area", "leader", "figure", "organization", "unit", "interaction"]


class Model(BaseModel):
    model_config = ConfigDict(extra="ignore")


class Problem(Model):
    location: str = Field(description="Where: `source:line: field`.")
    message: str


class ErrorBody(Model):
    """Every error answer: what was wrong, and the details when there are several."""

    error: str
    detail: str
    problems: list[Problem] = []


# Every error an endpoint can answer, documented with the one body all errors share.
ERROR_RESPONSES: dict[int | str, dict[str, object]] = {
    400: {"model": ErrorBody, "description": "A filter value is wrong"},
    401: {"model": ErrorBody, "description": "No valid token"},
    403: {"model": ErrorBody, "description": "The token's role may not do this"},
    404: {"model": ErrorBody, "description": "Unknown id"},
    409: {
        "model": ErrorBody,
        "description": "The write conflicts with existing data, or its Idempotency-Key was "
        "used for another request",
    },
    413: {"model": ErrorBody, "description": "The request body is over the size limit"},
    422: {"model": ErrorBody, "description": "Invalid request or data"},
    503: {"model": ErrorBody, "description": "The store is unavailable"},
}


class AuditFailure(Model):
    since: str = Field(description="When audit writes began to fail (UTC).")
    last: str = Field(description="The latest failure (UTC).")
    kind: str = Field(description="Why, e.g. `disk full` or an SQLite error code.")
    failures: int = Field(description="Requests answered without an audit entry since then.")


class Health(Model):
    status: Literal["ok", "degraded"] = Field(
        description="`degraded` while audit entries cannot be written; HTTP 200 either way, "
        "since the server still answers reads."
    )
    store: str
    version: int
    reason: str | None = None
    audit_failure: AuditFailure | None = None


# -- coverage -----------------------------------------------------------------------------


class Counts(Model):
    targets: int
    covered: int
    stale: int
    indirect: int
    uncovered: int


class Versioned(Model):
    version: int | None = Field(
        None, description="The data version the answer was computed from (one snapshot)."
    )


class CoverageSummary(Versioned):
    as_of: dt.date
    window_days: int
    totals: Counts
    by_kind: dict[str, Counts]
    by_category: dict[str, Counts]
    by_line: dict[str, Counts]
    by_area: dict[str, Counts]


class Page(Versioned):
    total: int = Field(description="Items matching, before paging (limit/offset).")


class GapItem(Model):
    id: str
    name: str | None
    kind: TargetKind
    category: str | None
    type: str | None = None
    area_id: str | None
    status: Status
    assigned_leaders: list[str]
    last_contact: dt.date | None


class GapList(Page):
    as_of: dt.date
    window_days: int
    items: list[GapItem]


# -- leaders ------------------------------------------------------------------------------


class LeaderLoadItem(Model):
    id: str
    name: str | None
    post: str | None = None
    assigned: int
    figures: int
    active: int
    stale: int
    stale_share: float
    last_interaction: dt.date | None
    quota_min: int
    quota_max: int
    quota_status: Literal["under", "ok", "over"]


class LeaderLoad(Page):
    as_of: dt.date
    window_days: int
    items: list[LeaderLoadItem]


class SinglePointItem(Model):
    id: str
    name: str | None
    kind: TargetKind
    status: Status
    leader_id: str
    leader_name: str | None


class SinglePoints(Page):
    as_of: dt.date
    window_days: int
    items: list[SinglePointItem]
    by_leader: dict[str, list[str]]


def _date_text(value: object) -> object:
    """Dates in the tables' forms only; a bare number is not a date (no Unix times)."""
    from concentric.loaders.cells import CellError, parse_date

    if value is None or isinstance(value, dt.date):
        return value
    try:
        return parse_date(str(value))
    except CellError as exc:
        raise ValueError(str(exc)) from exc


DateText = Annotated[dt.date, BeforeValidator(_date_text)]


class DepartureRequest(Model):
    leader_ids: IdList = Field(description="The leaders who leave (each once).")
    as_of: DateText | None = None
    window_days: int | None = Field(None, ge=0, le=36500)


class Successor(Model):
    leader_id: str
    leader_name: str | None
    cost: int
    reasons: list[str]


class DepartureItem(Model):
    id: str
    name: str | None
    kind: TargetKind
    status: Status
    leaving_leaders: list[str]
    last_contact: dt.date | None
    successors: list[Successor]


class Departure(Page):
    as_of: dt.date
    window_days: int
    leaders: list[str]
    items: list[DepartureItem]


class TodoItem(Model):
    id: str
    kind: TargetKind
    name: str | None
    category: str | None
    type: str | None
    area_id: str | None
    status: Status
    last_contact: dt.date | None
    due: dt.date
    overdue: bool


class Todo(Page):
    leader_id: str
    as_of: dt.date
    window_days: int
    items: list[TodoItem]


# -- blind spots, recommendations, changes ------------------------------------------------


class BlindSpotCell(Model):
    area_id: str
    area_name: str | None
    category: str
    figures: int
    covered: int


class UnitGap(Model):
    id: str
    name: str | None
    status: Status


class WorstArea(Model):
    area_id: str
    area_name: str | None
    targets: int | None = None
    covered: int | None = None
    ratio: float | None = None
    reason: str | None = None


class LineScore(Model):
    line: str
    label: str
    targets: int
    covered: int
    ratio: float | None
    reach: float | None
    worst_areas: list[WorstArea]
    leaders: int | None = None
    leaders_quota_ok: int | None = None
    towns: int | None = None
    towns_with_station: int | None = None


class BlindSpots(Versioned):
    as_of: dt.date
    window_days: int
    total: int
    items: list[BlindSpotCell]
    areas_without_station: list[str]
    units_outside_joint_meeting: list[UnitGap]
    matrix: list[BlindSpotCell]
    lines: list[LineScore]


class Suggestion(Model):
    target_id: str
    target_name: str | None
    kind: TargetKind
    status: Status
    leader_id: str
    leader_name: str | None
    cost: int
    reasons: list[str]


class Unassigned(Model):
    target_id: str
    target_name: str | None
    kind: TargetKind
    status: Status
    reason: str


class Recommendations(Page):
    as_of: dt.date
    window_days: int
    total_cost: int
    capacity: dict[str, int]
    items: list[Suggestion]
    unassigned: list[Unassigned]


class ChangeItem(Model):
    id: str
    name: str | None
    kind: TargetKind
    from_: Status = Field(alias="from", serialization_alias="from")
    to: Status
    transition: str
    last_contact: dt.date | None

    model_config = ConfigDict(populate_by_name=True)


class Changes(Page):
    from_: dt.date = Field(alias="from", serialization_alias="from")
    to: dt.date
    window_days: int
    groups: dict[str, int]
    items: list[ChangeItem]

    model_config = ConfigDict(populate_by_name=True)


# -- entities and networks ----------------------------------------------------------------


class EntitySummary(Model):
    id: str
    kind: NodeKind
    name: str | None
    category: str | None = None
    type: str | None = None
    area_id: str | None = None


class SearchResult(Page):
    query: str
    items: list[EntitySummary]


class Tie(Model):
    kind: str
    direction: Literal["in", "out"]
    id: str
    name: str | None
    other_kind: NodeKind
    since: dt.date | None = None
    until: dt.date | None = None
    role: str | None = None


class InteractionSummary(Model):
    id: str
    date: dt.date
    kind: str | None
    leader_ids: list[str]
    target_ids: list[str]
    summary: str | None = None


class EntityCoverage(Model):
    status: Status
    assigned_leaders: list[str]
    last_contact: dt.date | None


class Provenance(Model):
    file: str | None
    line: int | None


class Entity(Versioned):
    id: str
    kind: NodeKind
    name: str | None
    properties: dict[str, object]
    provenance: Provenance
    coverage: EntityCoverage | None
    ties: list[Tie]
    interactions: list[InteractionSummary]
    # A pair judged the same: the id this record is counted as, or the ids counted as it.
    merged_into: str | None = None
    merged_ids: list[str] | None = None


class NetworkNode(Model):
    id: str
    kind: NodeKind
    name: str | None = None
    category: str | None = None
    type: str | None = None
    area_id: str | None = None
    date: dt.date | None = None
    distance: int | None = None


class NetworkEdge(Model):
    source: str
    target: str
    kind: str


class EgoNetwork(Versioned):
    center: str
    depth: int
    nodes: list[NetworkNode]
    edges: list[NetworkEdge]


class PathStep(Model):
    from_: str = Field(alias="from", serialization_alias="from")
    to: str
    kind: str
    forward: bool

    model_config = ConfigDict(populate_by_name=True)


class RelationshipPath(Versioned):
    source: str
    target: str
    found: bool
    length: int | None
    nodes: list[NetworkNode]
    steps: list[PathStep]


class Broker(NetworkNode):
    betweenness: float
    degree: int


class AnalysisMethod(Model):
    name: str = Field(description="The algorithm: betweenness or louvain.")
    scope: str = Field(description="What it ran on, in words (whole graph, an area, a sample).")
    area_id: str | None = None
    sample: int | None = Field(None, description="Targets drawn at random, when sampled.")
    seed: int | None = Field(None, description="The random seed of the sample.")


class Brokers(Versioned):
    explanation: str
    method: AnalysisMethod
    total: int
    items: list[Broker]


class Community(Model):
    id: int
    size: int
    kinds: dict[str, int]
    top_category: str | None
    top_area: str | None
    leaders: list[str]
    members: list[str]


class Communities(Versioned):
    explanation: str
    method: AnalysisMethod
    total: int
    items: list[Community]


# -- writes -------------------------------------------------------------------------------


def _interaction_date(value: dt.date | None) -> dt.date | None:
    return within(value, LIMITS.latest_interaction_date)


def _contact_date(value: dt.date | None) -> dt.date | None:
    return within(value, LIMITS.latest_contact_date)


InteractionDate = Annotated[DateText, AfterValidator(_interaction_date)]
ContactDate = Annotated[DateText, AfterValidator(_contact_date)]
InteractionKind = Annotated[
    str, OneOf("interaction_kind", "visit 走访, talk 谈心谈话, meeting 座谈会, …")
]
ContactRole = Annotated[str, OneOf("contact_role", "primary 主联系人 or backup 协助")]


class InteractionIn(Model):
    """A visit, talk or meeting to log. Labels in Chinese are accepted as in the tables."""

    model_config = ConfigDict(extra="forbid")

    id: EntityId | None = Field(None, description="Left out: the server makes one.")
    date: InteractionDate = bounded_date(
        LIMITS.latest_interaction_date,
        "YYYY-MM-DD (or YYYY/MM/DD, YYYY年M月D日); not after tomorrow.",
    )
    kind: InteractionKind
    leader_ids: IdList = Field(description="Each leader once (repeats are dropped).")
    target_ids: IdList = Field(description="Each target once (repeats are dropped).")
    summary: str | None = Field(None, max_length=2000)


class ContactIn(Model):
    """Assign a leader to a target (a contact-friendship pair)."""

    model_config = ConfigDict(extra="forbid")

    leader_id: EntityId
    target_id: EntityId
    since: ContactDate | None = bounded_date(
        LIMITS.latest_contact_date, "The first day of the contact (at most a year ahead).", None
    )
    role: ContactRole | None = None


class ContactEnd(Model):
    """End the open contact between a leader and a target on a date."""

    model_config = ConfigDict(extra="forbid")

    leader_id: EntityId
    target_id: EntityId
    until: ContactDate = bounded_date(
        LIMITS.latest_contact_date,
        "The first day the contact is no longer open (not before it started).",
    )


class WriteResult(Model):
    ok: bool
    id: str | None = None
    version: int


class TokenIn(Model):
    model_config = ConfigDict(extra="forbid")

    role: Literal["admin", "planner", "analyst", "leader"]
    leader_id: EntityId | None = Field(
        None, description="For a leader token: an existing leader's id."
    )
    expires_days: int | None = Field(
        None, ge=1, le=3650, description="Days until the token expires (default: never)."
    )


class TokenCreated(Model):
    token: str = Field(description="Shown once; only its hash is kept.")
    id: str
    role: str
    leader_id: str | None
    expires: str | None


class TokenInfo(Model):
    id: str
    role: str
    leader_id: str | None
    created: str
    expires: str | None
    revoked: str | None


class AuditEntry(Model):
    seq: int
    at: str
    token_id: str | None
    role: str | None
    action: str
    resource: str
    status: int
    detail: dict[str, object] | None


class AuditLog(Page):
    items: list[AuditEntry]

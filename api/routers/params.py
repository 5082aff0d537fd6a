"""Query and path parameters shared by the routers, each bounded and documented."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query

from concentric.api.limits import ID_PATTERN, LIMITS, OneOf, choices_pattern
from concentric.api.schemas import DateText
from concentric.graph.schema.schema import SCHEMA
from concentric.graph.views.labels import MAX_PAGE_SIZE

QueryDate = DateText
AsOf = Annotated[
    QueryDate | None, Query(description="Measure as of this date (YYYY-MM-DD; default today).")
]
Window = Annotated[
    int | None, Query(ge=0, le=36500, description="Window in days (default: the policy's).")
]
Limit = Annotated[
    int | None, Query(ge=1, le=MAX_PAGE_SIZE, description="Page size (default: every item).")
]
Offset = Annotated[int, Query(ge=0, le=LIMITS.max_offset, description="Items to skip.")]

_ID = {"min_length": 1, "max_length": LIMITS.max_id_length, "pattern": ID_PATTERN}
EntityIdPath = Annotated[str, Path(description="An entity's id.", **_ID)]
LeaderIdPath = Annotated[str, Path(description="A leader's id.", **_ID)]
AreaId = Annotated[str | None, Query(description="Area id (includes the areas below it).", **_ID)]
Statuses = Annotated[
    str,
    Query(
        description="Comma-separated statuses: codes or Chinese labels.",
        pattern=choices_pattern(SCHEMA.enum_spellings("coverage_status")),
    ),
]
Line = Annotated[str, OneOf("line", "Line (统战五线谱): code or label.")]
Sample = Annotated[
    int | None,
    Query(
        ge=1,
        le=50_000,
        description="Run on this many targets drawn at random (with seed), for data too big "
        "for the whole graph.",
    ),
]
Seed = Annotated[int, Query(ge=0, le=2**31 - 1, description="The sample's random seed.")]

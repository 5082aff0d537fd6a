"""Query parameters shared by the routers."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

from api.schemas import DateText

QueryDate = DateText
AsOf = Annotated[
    QueryDate | None, Query(description="Measure as of this date (YYYY-MM-DD; default today).")
]
Window = Annotated[
    int | None, Query(ge=0, le=36500, description="Window in days (default: the policy's).")
]
Limit = Annotated[int | None, Query(ge=1, le=5000, description="Page size (default: every item).")]
Offset = Annotated[int, Query(ge=0, description="Items to skip.")]

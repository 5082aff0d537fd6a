"""Query parameters shared by the routers."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import Query
from pydantic import BeforeValidator

from loaders.cells import CellError, parse_date


def _date_text(value: Any) -> Any:
    """Dates in the tables' forms only; a bare number is not a date (no Unix times)."""
    if value is None or isinstance(value, dt.date):
        return value
    try:
        return parse_date(str(value))
    except CellError as exc:
        raise ValueError(str(exc)) from exc


QueryDate = Annotated[dt.date, BeforeValidator(_date_text)]
AsOf = Annotated[
    QueryDate | None, Query(description="Measure as of this date (YYYY-MM-DD; default today).")
]
Window = Annotated[
    int | None, Query(ge=0, le=36500, description="Window in days (default: the policy's).")
]
Limit = Annotated[int | None, Query(ge=1, le=5000, description="Page size (default: every item).")]
Offset = Annotated[int, Query(ge=0, description="Items to skip.")]

"""Change over time: the answer's shape for targets whose status differs between two
as-of dates (:func:`graph.engine.index_analyses.status_changes` compares them)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from concentric.graph.engine.coverage import STATUSES, QueryError

__all__ = [
    "change_item",
    "check_period",
    "status_changes_answer",
]


def check_period(start: dt.date, end: dt.date) -> None:
    """Raise :class:`QueryError` when ``end`` is before ``start``."""
    if end < start:
        raise QueryError(f"--to ({end}) is before --from ({start})")


def change_item(
    target: str, name: str | None, kind: str, was: str, now: str, last: dt.date | None
) -> dict[str, Any]:
    """One target's row of :func:`graph.engine.index_analyses.status_changes`."""
    return {
        "id": target,
        "name": name,
        "kind": kind,
        "from": was,
        "to": now,
        "transition": f"{was}→{now}",
        "last_contact": last.isoformat() if last else None,
    }


def status_changes_answer(
    start: dt.date, end: dt.date, window_days: int, items: list[dict[str, Any]]
) -> dict[str, Any]:
    """The status-change answer around its rows: worsening first, grouped."""
    rank = {status: i for i, status in enumerate(STATUSES)}
    # Worsening first (to a later status in covered, stale, indirect, uncovered), then id.
    items.sort(key=lambda i: (rank[i["from"]] - rank[i["to"]], i["transition"], i["id"]))
    groups = Counter(i["transition"] for i in items)
    return {
        "from": start.isoformat(),
        "to": end.isoformat(),
        "window_days": window_days,
        "total": len(items),
        "groups": dict(sorted(groups.items(), key=lambda kv: (-kv[1], kv[0]))),
        "items": items,
    }

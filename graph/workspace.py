"""One dataset's store with its analyses: what the CLI, the API and notebooks call.

>>> import tempfile, pathlib
>>> ws = open_workspace(pathlib.Path(tempfile.mkdtemp()) / "c.db")
>>> ws.coverage(as_of=dt.date(2026, 1, 1))["totals"]
{'targets': 0, 'covered': 0, 'stale': 0, 'indirect': 0, 'uncovered': 0}
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from pathlib import Path
from typing import Any

from graph import coverage as cov
from graph.schema import Policy
from graph.store import Store, open_store

__all__ = ["Workspace", "open_workspace"]


class Workspace:
    """A store plus the analyses over its graph, with the policy's defaults filled in."""

    def __init__(self, store: Store) -> None:
        self.store = store

    @property
    def policy(self) -> Policy:
        return self.store.policy()

    def _window(self, window_days: int | None) -> int:
        if window_days is not None and window_days < 0:
            raise cov.QueryError(f"window_days must be ≥ 0, not {window_days}")
        return self.policy.window_days if window_days is None else window_days

    def coverage(
        self, as_of: dt.date | None = None, window_days: int | None = None
    ) -> dict[str, Any]:
        """The coverage summary (spec section 4)."""
        return cov.coverage_summary(
            self.store.graph(), as_of or dt.date.today(), self._window(window_days), self.policy
        )

    def gaps(
        self,
        as_of: dt.date | None = None,
        window_days: int | None = None,
        *,
        statuses: Collection[str] = ("uncovered", "stale"),
        kind: str | None = None,
        category: str | None = None,
        line: str | None = None,
        area_id: str | None = None,
    ) -> dict[str, Any]:
        """The gap list (spec section 4), filtered."""
        return cov.gap_list(
            self.store.graph(),
            as_of or dt.date.today(),
            self._window(window_days),
            self.policy,
            statuses=statuses,
            kind=kind,
            category=category,
            line=line,
            area_id=area_id,
        )

    def close(self) -> None:
        self.store.close()


def open_workspace(location: str | Path) -> Workspace:
    """Open the store at ``location`` (a file path or a ``bolt://`` URI) for analysis."""
    return Workspace(open_store(location))

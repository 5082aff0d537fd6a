"""What a load would change, before it is written: rows added, changed (field by field) and,
for a replace, removed, grouped by table.

A store finds the changed rows with the same test its upsert uses (the stored props differ);
this module only gathers them into per-table counts and, up to a limit, the rows themselves.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from concentric.graph.schema.model import Dataset, LinkRecord, NodeRecord
from concentric.graph.schema.schema import SCHEMA

#: The table each node or link kind is loaded from (``figure`` → ``figures``).
TABLE_OF_KIND: dict[str, str] = {
    str(table.node_kind or table.link_kind): name for name, table in SCHEMA.tables.items()
}

ADDED, CHANGED, REMOVED = "added", "changed", "removed"

#: The rows a diff lists by default (its counts are always whole).
DIFF_ROWS = 1000


@dataclass
class RowChange:
    """One row a load adds, changes or removes. ``id``: a node's id or a link's natural key;
    ``fields``: for a change, each field that differs as ``(old, new)``."""

    table: str
    change: str
    id: str
    name: str
    fields: dict[str, tuple[Any, Any]] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "table": self.table,
            "change": self.change,
            "id": self.id,
            "name": self.name,
            "fields": {
                k: {"old": _plain(old), "new": _plain(new)} for k, (old, new) in self.fields.items()
            },
        }


@dataclass
class TableDiff:
    """Counts for one table: rows stored now, and what the load adds, changes, removes."""

    stored: int = 0
    added: int = 0
    changed: int = 0
    removed: int = 0

    def removed_share(self) -> float:
        """The share of the stored rows the load removes (0 for an empty table)."""
        return self.removed / self.stored if self.stored else 0.0


@dataclass
class LoadDiff:
    """Per-table counts (every table of the schema) and the rows behind them, at most
    ``limit`` (``truncated`` when more changed: the counts are complete regardless)."""

    replace: bool
    limit: int
    tables: dict[str, TableDiff] = field(
        default_factory=lambda: {name: TableDiff() for name in SCHEMA.tables}
    )
    rows: list[RowChange] = field(default_factory=list)
    truncated: bool = False

    @property
    def added(self) -> int:
        return sum(t.added for t in self.tables.values())

    @property
    def changed(self) -> int:
        return sum(t.changed for t in self.tables.values())

    @property
    def removed(self) -> int:
        return sum(t.removed for t in self.tables.values())

    def note(
        self,
        kind: str,
        new: bool,
        records: Callable[[], tuple[NodeRecord | LinkRecord | None, NodeRecord | LinkRecord]],
    ) -> None:
        """Count a changed row of ``kind``; ``records()`` (before, after) is decoded only
        for a row the diff lists."""
        if self._room():
            self.record(*records())
        elif new:
            self.tables[TABLE_OF_KIND[kind]].added += 1
        else:
            self.tables[TABLE_OF_KIND[kind]].changed += 1

    def record(
        self, before: NodeRecord | LinkRecord | None, after: NodeRecord | LinkRecord
    ) -> None:
        """Count a row the load writes differently from what is stored (``before`` None: new)."""
        table = TABLE_OF_KIND[after.kind]
        if before is None:
            self.tables[table].added += 1
            if self._room():
                self.rows.append(RowChange(table, ADDED, _row_id(after), _row_name(after)))
        else:
            self.tables[table].changed += 1
            if self._room():
                fields = field_changes(before.props, after.props)
                row = RowChange(table, CHANGED, _row_id(after), _row_name(after), fields)
                self.rows.append(row)

    def record_removed(self, record: NodeRecord | LinkRecord) -> None:
        """Count a stored row a replace drops (it is not in the new dataset)."""
        table = TABLE_OF_KIND[record.kind]
        self.tables[table].removed += 1
        if self._room():
            self.rows.append(RowChange(table, REMOVED, _row_id(record), _row_name(record)))

    def count_stored(self, kinds: Iterable[tuple[str, int]]) -> None:
        """The rows stored now, as ``(kind, count)`` pairs."""
        for kind, count in kinds:
            self.tables[TABLE_OF_KIND[kind]].stored += count

    def _room(self) -> bool:
        """Whether one more row is listed (else the diff is marked truncated)."""
        if len(self.rows) < self.limit:
            return True
        self.truncated = True
        return False

    def sorted_rows(self) -> list[RowChange]:
        """The listed rows grouped by table (in the schema's order), then change, then id."""
        order = {name: i for i, name in enumerate(SCHEMA.tables)}
        changes = {ADDED: 0, CHANGED: 1, REMOVED: 2}
        return sorted(self.rows, key=lambda r: (order[r.table], changes[r.change], r.id))

    def over_share(self, share: float) -> list[str]:
        """The tables of which the load removes more than ``share`` of the stored rows."""
        return [name for name, t in self.tables.items() if t.removed_share() > share]

    def as_json(self) -> dict[str, Any]:
        return {
            "replace": self.replace,
            "added": self.added,
            "changed": self.changed,
            "removed": self.removed,
            "tables": {
                name: {
                    "stored": t.stored,
                    "added": t.added,
                    "changed": t.changed,
                    "removed": t.removed,
                }
                for name, t in self.tables.items()
            },
            "rows": [row.as_json() for row in self.sorted_rows()],
            "truncated": self.truncated,
        }


def field_changes(old: dict[str, Any], new: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    """Each field whose value differs, as ``(old, new)``; a field one side lacks is None there.

    >>> field_changes({"name": "甲", "phone": "1"}, {"name": "甲", "area_id": "A1"})
    {'area_id': (None, 'A1'), 'phone': ('1', None)}
    """
    return {
        key: (old.get(key), new.get(key))
        for key in sorted(old.keys() | new.keys())
        if old.get(key) != new.get(key)
    }


def _row_id(record: NodeRecord | LinkRecord) -> str:
    return record.id if isinstance(record, NodeRecord) else record.key


def _row_name(record: NodeRecord | LinkRecord) -> str:
    if isinstance(record, NodeRecord):
        return str(record.props.get("name") or "")
    return f"{record.source_id} → {record.target_id}"


@runtime_checkable
class PreviewsLoads(Protocol):
    """A store that finds what a load would change by its own upsert's test."""

    def preview(self, dataset: Dataset, *, replace: bool = False, limit: int) -> LoadDiff:
        """What loading ``dataset`` would change; nothing is written."""
        ...


def diff_from_records(
    changes: Iterable[tuple[NodeRecord | LinkRecord | None, NodeRecord | LinkRecord]],
    stored: Iterable[NodeRecord | LinkRecord],
    dataset_ids: set[str],
    *,
    replace: bool,
    limit: int,
) -> LoadDiff:
    """The diff of a store that does not preview by itself: the changed records (compared
    by the caller as the upsert compares), and every stored record for counts and removals."""
    diff = LoadDiff(replace=replace, limit=limit)
    for before, after in changes:
        diff.record(before, after)
    for record in stored:
        diff.count_stored([(record.kind, 1)])
        if replace and _row_id(record) not in dataset_ids:
            diff.record_removed(record)
    return diff


def _plain(value: Any) -> Any:
    """A value as JSON holds it (dates as ISO text)."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value

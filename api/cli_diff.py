"""What a load changes, for the terminal: ``concentric load --diff`` and a load's report."""

from __future__ import annotations

from typing import Any

import typer

from concentric.api.cli_common import EXIT_BAD_INPUT, out, say, table
from concentric.graph import SCHEMA
from concentric.graph.store.load_diff import LoadDiff

DIFF_FORMATS = ("table", "json")


def print_diff_counts(diff: LoadDiff, title: str) -> None:
    """The per-table counts (tables the load leaves alone are left out)."""
    rows = [
        [
            f"{SCHEMA.tables[name].label} {name}",
            str(t.stored),
            str(t.added),
            str(t.changed),
            str(t.removed) if diff.replace else "–",
        ]
        for name, t in diff.tables.items()
        if t.added or t.changed or t.removed
    ]
    rows.append(["total", "", str(diff.added), str(diff.changed), str(diff.removed)])
    out.print(
        table(
            title, ["table", "stored", "added", "changed", "removed"], rows, frozenset({1, 2, 3, 4})
        )
    )


def print_diff_rows(diff: LoadDiff) -> None:
    """Each row the load adds, changes (field: old → new) or removes, table by table."""
    if not diff.rows:
        return
    lines = [
        [row.table, row.change, row.id, row.name, _fields_text(row.fields)]
        for row in diff.sorted_rows()
    ]
    out.print(table("Rows", ["table", "change", "id", "name", "fields (old → new)"], lines))
    if diff.truncated:
        shown = len(diff.rows)
        total = diff.added + diff.changed + diff.removed
        out.print(f"(the first {shown} of {total} rows; --format json lists the same)")


def _fields_text(fields: dict[str, tuple[Any, Any]]) -> str:
    return "; ".join(f"{key}: {_shown(old)} → {_shown(new)}" for key, (old, new) in fields.items())


def _shown(value: Any) -> str:
    if value is None or value == "":
        return "∅"
    if isinstance(value, list | tuple):
        return "、".join(map(str, value))
    return str(value)


def refuse_large_removals(diff: LoadDiff, share: float) -> None:
    """End the command (exit 2, nothing loaded) if the load removes more than ``share`` of
    any table's stored rows: a re-export that lost rows should not go in unnoticed."""
    too_many = diff.over_share(share)
    if not too_many:
        return
    for name in too_many:
        t = diff.tables[name]
        say(
            f"{name}: --replace would remove {t.removed} of {t.stored} stored rows "
            f"({t.removed_share():.0%})"
        )
    say(
        f"concentric: refusing to remove more than {share:.0%} of a table; check the files "
        "with --diff, then run again with --yes to load them; nothing was loaded"
    )
    raise typer.Exit(EXIT_BAD_INPUT)

"""The ``concentric`` command line.

Every command takes ``--store`` (default: ``$CONCENTRIC_STORE``, else ``./concentric.db``).
Wherever an id is accepted, a name or its pinyin is too (:func:`graph.lookup.resolve`).
Bad input and unknown ids end with a message on stderr and exit code 2; no traceback
reaches the user. A read command on a missing or empty store says so and exits 2.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.text import Text

from concentric.api.cli_common import (
    DEFAULT_STORE,
    EXIT_BAD_INPUT,
    AreaOpt,
    AsOfOpt,
    JsonOpt,
    LineOpt,
    StoreOpt,
    WindowOpt,
    _counts_table,
    _progress,
    app,
    named,
    out,
    print_json,
    resolve_id,
    say,
    table,
    workspace_for,
)
from concentric.api.cli_diff import (
    DIFF_FORMATS,
    print_diff_counts,
    print_diff_rows,
    refuse_large_removals,
)
from concentric.api.settings import Settings
from concentric.graph import SCHEMA
from concentric.graph.lookup import area_tree
from concentric.graph.store.load_diff import DIFF_ROWS
from concentric.loaders import read_dataset


def main() -> None:
    """Console-script entry point."""
    app()


@app.command()
def load(
    paths: Annotated[
        list[Path], typer.Argument(help="Dataset folders or table files (.csv, .xlsx, .json).")
    ],
    check: Annotated[bool, typer.Option("--check", help="Validate only; write nothing.")] = False,
    replace: Annotated[
        bool,
        typer.Option("--replace", help="Replace the whole stored dataset (default: upsert by id)."),
    ] = False,
    diff: Annotated[
        bool,
        typer.Option(
            "--diff",
            help="Show the rows the load would add, change (field by field) and, with "
            "--replace, remove, per table; write nothing.",
        ),
    ] = False,
    yes: Annotated[
        bool,
        typer.Option(
            "--yes", help="Load even if --replace removes more than the set share of a table."
        ),
    ] = False,
    output_format: Annotated[
        str,
        typer.Option("--format", metavar="table|json", help="How --diff answers (default table)."),
    ] = "table",
    as_json: Annotated[bool, typer.Option("--json", help="--diff answers JSON.")] = False,
    store: StoreOpt = DEFAULT_STORE,
) -> None:
    """Validate and load tables into the store, all rows or none.

    Every problem is listed as FILE:LINE: COLUMN: MESSAGE and the store is left unchanged
    (exit code 2). On a full disk it says "disk full" and the store is left unchanged
    (exit code 1: free space and run it again). Loading the same data twice changes nothing.
    A --replace that would remove more than CONCENTRIC_LOAD_REMOVAL_SHARE (default 20 %) of
    a table's stored rows is refused (exit code 2) unless --yes is given.
    """
    if output_format not in DIFF_FORMATS:
        raise typer.BadParameter(
            f"{output_format!r} is not one of {', '.join(DIFF_FORMATS)}", param_hint="--format"
        )
    with workspace_for(store, need_data=False) as ws:
        existing = None if replace else ws.store.existing_nodes()
        size = sum(_file_rows_estimate(p) for p in paths)
        with _progress(size, "reading") as advance:
            result = read_dataset(paths, existing, progress=advance)
        for warning in result.warnings:
            say(f"{warning} (warning)")
        if result.problems:
            for problem in result.problems:
                say(str(problem))
            say(f"concentric: {len(result.problems)} problem(s) found; nothing was loaded")
            raise typer.Exit(EXIT_BAD_INPUT)
        dataset = result.dataset
        if check:
            out.print(
                f"OK: {dataset.row_count} rows in {len(result.files)} file(s) are valid; "
                "nothing was written."
            )
            return
        # A replace is compared with the store first (the removal check and its counts: the
        # load itself empties the store, so it cannot tell a changed row from a new one); an
        # upsert reports its own counts, which are the diff's (one pass, not two).
        changes = None
        if diff or replace:
            changes = ws.load_diff(dataset, replace=replace, limit=DIFF_ROWS if diff else 0)
        if diff and changes is not None:
            if output_format == "json" or as_json:
                print_json(changes.as_json())
            else:
                print_diff_counts(changes, "What the load would change (nothing was written)")
                print_diff_rows(changes)
            return
        if changes is not None and not yes:
            refuse_large_removals(changes, Settings().load_removal_share)
        with _progress(dataset.row_count, "writing") as advance:
            report = ws.load(dataset, replace=replace, progress=advance, keep=True)
        # The snapshot of the new version, kept in the store: a server (or the next command)
        # reads it back instead of rebuilding it before its first answer. A small change
        # brought the previous version's kept parts up to date; otherwise it is built here.
        ws.snapshot()
        if changes is None:
            added, changed, removed = report.inserted, report.updated, ""
        else:
            added, changed = changes.added, changes.changed
            removed = f", {changes.removed} removed"
        out.print(
            f"Loaded {report.rows} rows from {len(result.files)} file(s) into {ws.store.location}: "
            f"{added} new, {changed} updated, {report.rows - added - changed} unchanged{removed}."
        )
        if changes is not None:
            print_diff_counts(changes, "What the load changed")


def _file_rows_estimate(path: Path) -> int:
    """A rough row count from file sizes (about 100 bytes a row), to decide on a bar."""
    files = path.rglob("*") if path.is_dir() else [path]
    return sum(f.stat().st_size for f in files if f.is_file()) // 100


# -- coverage -----------------------------------------------------------------------------


@app.command()
def coverage(
    as_of: AsOfOpt = None,
    window_days: WindowOpt = None,
    as_json: JsonOpt = False,
    store: StoreOpt = DEFAULT_STORE,
) -> None:
    """The coverage summary: targets covered, stale, indirect and uncovered.

    Broken down by kind, figure category, line (统战五线谱) and area (each area includes the
    areas below it).
    """
    with workspace_for(store) as ws:
        summary = ws.coverage(as_of=as_of, window_days=window_days)
        if as_json:
            print_json(summary)
            return
        names = ws.names("area")
    out.print(
        f"覆盖情况 coverage as of {summary['as_of']}, window {summary['window_days']} days "
        "(覆盖率 = covered / targets; 可及率 reach = (covered + indirect) / targets)"
    )
    sections: list[tuple[str, dict[str, dict[str, int]], Any]] = [
        ("合计 total", {"": summary["totals"]}, lambda k: "全部"),
        ("对象类型 by kind", summary["by_kind"], lambda k: SCHEMA.node_kinds[k]["label"]),
        ("五线谱 by line", summary["by_line"], lambda k: SCHEMA.enum_label("line", k)),
        (
            "人士类别 by category",
            summary["by_category"],
            lambda k: SCHEMA.enum_label("figure_category", k),
        ),
        ("区域 by area", summary["by_area"], lambda k: names.get(k, k)),
    ]
    for title, rows, label in sections:
        out.print(_counts_table(title, rows, label))


# Past this many rows a table is printed as tab-separated lines: rich's layout of a
# province's areas or leaders took far longer than computing them (benchmarks/README.md).
@app.command()
def gaps(
    status: Annotated[
        str,
        typer.Option(metavar="S,…", help="Statuses to list: uncovered, stale, indirect, covered."),
    ] = "uncovered,stale",
    kind: Annotated[
        str | None, typer.Option(help="Only this kind: figure, organization or unit.")
    ] = None,
    category: Annotated[
        str | None, typer.Option(help="Only figures of this category (code or Chinese label).")
    ] = None,
    line: LineOpt = None,
    area: AreaOpt = None,
    as_of: AsOfOpt = None,
    window_days: WindowOpt = None,
    as_json: JsonOpt = False,
    store: StoreOpt = DEFAULT_STORE,
) -> None:
    """The gap list: targets that are uncovered or stale (by default), worst first."""
    statuses = [s.strip() for s in status.split(",") if s.strip()]
    with workspace_for(store) as ws:
        answer = ws.gaps(
            as_of=as_of,
            window_days=window_days,
            statuses=statuses,
            kind=kind,
            category=category,
            line=line,
            area_id=resolve_id(ws, area, "area") if area is not None else None,
        )
        if as_json:
            print_json(answer)
            return
        area_names = ws.names("area")
        leader_names = ws.names("leader")
    rows = []
    for item in answer["items"]:
        area_name = area_names.get(item["area_id"], "") if item["area_id"] else ""
        rows.append(
            [
                item["id"],
                item["name"] or "",
                SCHEMA.node_kinds[item["kind"]]["label"],
                SCHEMA.enum_label("figure_category", item["category"])
                or SCHEMA.enum_label(f"{item['kind']}_kind", item["type"]),
                area_name,
                SCHEMA.enum_label("coverage_status", item["status"]),
                "、".join(named(leader_names.get(i), i) for i in item["assigned_leaders"]),
                item["last_contact"] or "—",
            ]
        )
    title = (
        f"缺口 Gaps as of {answer['as_of']} (window {answer['window_days']} days): "
        f"{answer['total']}"
    )
    headings = ["编号", "名称", "类型", "类别", "区域", "状态", "联系领导", "最近联系"]
    out.print(table(title, headings, rows))


# -- areas --------------------------------------------------------------------------------


@app.command()
def areas(as_json: JsonOpt = False, store: StoreOpt = DEFAULT_STORE) -> None:
    """The area tree (区域): each area indented under its parent, its id beside its name.

    Names, ids and pinyin are accepted wherever an area is asked for (`gaps --area 阿干镇`).
    """
    with workspace_for(store) as ws:
        tree = area_tree(ws)
    if as_json:
        print_json(tree)
        return
    text = Text()
    for area in tree:
        text.append("  " * area["depth"] + (area["name"] or area["id"]))
        text.append(f" {area['id']}", style="dim")
        text.append(f" {SCHEMA.enum_label('area_kind', area['kind'])}\n")
    out.print(text, end="", soft_wrap=True)


# The analysis commands live in their own module; importing it registers them on `app`.
import concentric.api.cli_analysis  # noqa: E402
import concentric.api.cli_assess  # noqa: E402
import concentric.api.cli_duplicates  # noqa: E402
import concentric.api.cli_register  # noqa: E402
import concentric.api.cli_report  # noqa: E402
import concentric.api.cli_server  # noqa: E402
import concentric.api.cli_synth  # noqa: E402
import concentric.api.cli_viz  # noqa: E402, F401

if __name__ == "__main__":
    main()

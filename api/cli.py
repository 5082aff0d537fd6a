"""The ``concentric`` command line.

Every command takes ``--store`` (default: ``$CONCENTRIC_STORE``, else ``./concentric.db``).
Wherever an id is accepted, a name or its pinyin is too (:func:`graph.lookup.resolve`).
Bad input and unknown ids end with a message on stderr and exit code 2; no traceback
reaches the user. A read command on a missing or empty store says so and exits 2.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console, ConsoleOptions, RenderResult
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.segment import Segment
from rich.table import Table
from rich.text import Text
from typer.core import TyperGroup

from graph import SCHEMA, QueryError, StoreError
from graph.lookup import ENTITY_KINDS, AmbiguousName, area_tree, resolve, resolve_all
from graph.store.factory import is_server_uri
from graph.store.protocol import DiskFull
from graph.views.labels import COUNT_HEADINGS, COUNT_KEYS
from graph.workspace import Workspace, open_workspace
from loaders import read_dataset
from loaders.cells import CellError, parse_date

EXIT_BAD_INPUT = 2
# Not the input's fault: the same command succeeds once space is freed.
EXIT_DISK_FULL = 1
# Loads below this many rows finish before a progress bar would be worth drawing.
PROGRESS_MIN_ROWS = 2000

# Piped output gets wide lines instead of a squeezed 80-column table.
out = Console(highlight=False, width=None if sys.stdout.isatty() else 160)
err = Console(stderr=True, highlight=False)


class _OneLineErrors(TyperGroup):
    """Usage errors as one line (``concentric: error: …``), exit code 2; no traceback."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        kwargs["standalone_mode"] = False
        try:
            code = super().main(*args, **kwargs)
        except typer.Abort:
            say("concentric: aborted")
            sys.exit(1)
        except Exception as exc:
            # Typer vendors its own click, so usage errors are recognised by their shape.
            exit_code = getattr(exc, "exit_code", None)
            if hasattr(exc, "format_message") and isinstance(exit_code, int):
                say(f"concentric: error: {exc.format_message()}")
                sys.exit(exit_code)
            if os.environ.get("CONCENTRIC_DEBUG"):
                raise
            say(
                f"concentric: internal error: {exc.__class__.__name__}: {exc} "
                "(set CONCENTRIC_DEBUG=1 to see the traceback)"
            )
            sys.exit(1)
        sys.exit(code if isinstance(code, int) else 0)


app = typer.Typer(
    cls=_OneLineErrors,
    help="Concentric: coverage of the contact-friendship system (联系交友制度) as a graph.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    add_completion=False,
)


def say(message: str) -> None:
    """One plain line on stderr (no wrapping, no markup), for errors and warnings."""
    sys.stderr.write(message.replace("\n", " ") + "\n")


def main() -> None:
    """Console-script entry point."""
    app()


# -- shared options -----------------------------------------------------------------------


def parse_date_option(value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return parse_date(value)
    except CellError as exc:
        raise typer.BadParameter(str(exc)) from exc


StoreOpt = Annotated[
    str,
    typer.Option(
        "--store",
        envvar="CONCENTRIC_STORE",
        help="Store: a file path (embedded SQLite) or a bolt:// / neo4j:// URI.",
        show_envvar=True,
    ),
]
AsOfOpt = Annotated[
    dt.date | None,
    typer.Option(
        "--as-of",
        parser=parse_date_option,
        metavar="DATE",
        help="Measure as of this date (YYYY-MM-DD; default today).",
    ),
]
WindowOpt = Annotated[
    int | None,
    typer.Option(
        "--window-days",
        min=0,
        metavar="N",
        help="Contacts count as recent within N days (default from the policy, 365).",
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Answer JSON (docs/coverage.md).")]
DEFAULT_STORE = "concentric.db"


@contextmanager
def _user_errors() -> Iterator[None]:
    """Turn the errors a user can cause into one line and exit code 2 (a full disk: 1)."""
    try:
        yield
    except DiskFull as exc:
        say(f"concentric: {exc}")
        raise typer.Exit(EXIT_DISK_FULL) from None
    except AmbiguousName as exc:
        # One candidate a line, so the right id can be picked out and typed.
        first = str(exc).split(";", 1)[0]
        say(f"concentric: error: {first}:")
        for candidate in exc.candidates:
            say(f"  {candidate.describe()}")
        raise typer.Exit(EXIT_BAD_INPUT) from None
    except (QueryError, StoreError) as exc:
        say(f"concentric: error: {exc}")
        raise typer.Exit(EXIT_BAD_INPUT) from None


def empty_store_message(store: str, missing: bool = False) -> str:
    """What a read command says of a store with nothing loaded, or of no store at all."""
    state = "does not exist (库不存在)" if missing else "is empty (库中尚无数据)"
    return (
        f"concentric: the store {store} {state}: load data first with "
        f"`concentric load PATH --store {store}`"
    )


@contextmanager
def workspace_for(store: str, *, need_data: bool = True) -> Iterator[Workspace]:
    """The workspace of ``store``. With ``need_data`` (every read command), a missing store
    file is not created and a store with nothing loaded ends the command (exit code 2)
    before any table of zeros is printed."""
    if need_data and not is_server_uri(store) and not Path(store).exists():
        say(empty_store_message(store, missing=True))
        raise typer.Exit(EXIT_BAD_INPUT)
    with _user_errors():
        workspace = open_workspace(store)
        try:
            if need_data and not workspace.store.row_count():
                say(empty_store_message(store))
                raise typer.Exit(EXIT_BAD_INPUT)
            yield workspace
        finally:
            workspace.close()


def named(name: str | None, node_id: str) -> str:
    """An entity as a table shows it: the name, its id beside it (the id alone if unnamed)."""
    return f"{name} ({node_id})" if name and name != node_id else node_id


def resolve_id(ws: Workspace, text: str, *kinds: str) -> str:
    """The id ``text`` (an id, name or pinyin) stands for, among ``kinds`` (default: all);
    a miss or an ambiguous name ends the command with exit code 2."""
    with _user_errors():
        return resolve(ws, text, kinds or ENTITY_KINDS)


def resolve_ids(ws: Workspace, texts: list[str], *kinds: str) -> list[str]:
    """:func:`resolve_id` for several texts."""
    with _user_errors():
        return resolve_all(ws, texts, kinds or ENTITY_KINDS)


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


@contextmanager
def _progress(total: int, description: str) -> Iterator[Any]:
    """A progress bar on stderr for long work; a no-op for short work or no terminal."""
    if total < PROGRESS_MIN_ROWS or not err.is_terminal:
        yield lambda n: None
        return
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=err, transient=True) as bar:
        task = bar.add_task(description, total=total)
        yield lambda n: bar.advance(task, n)


# -- load ---------------------------------------------------------------------------------


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
    store: StoreOpt = DEFAULT_STORE,
) -> None:
    """Validate and load tables into the store, all rows or none.

    Every problem is listed as FILE:LINE: COLUMN: MESSAGE and the store is left unchanged
    (exit code 2). On a full disk it says "disk full" and the store is left unchanged
    (exit code 1: free space and run it again). Loading the same data twice changes nothing.
    """
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
        with _progress(dataset.row_count, "writing") as advance:
            report = ws.store.load(dataset, replace=replace, progress=advance)
        out.print(
            f"Loaded {report.rows} rows from {len(result.files)} file(s) into {ws.store.location}: "
            f"{report.inserted} new, {report.updated} updated, {report.unchanged} unchanged"
            + (f", {report.removed} previous rows replaced." if replace else ".")
        )


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
LONG_TABLE_ROWS = 1000


class LongTable:
    """A title, a heading line and tab-separated rows, for rich to print as they are."""

    def __init__(self, title: str, headings: list[str], rows: list[list[str]]) -> None:
        def line(cells: list[str]) -> str:
            return "\t".join(" ".join(cell.split()) for cell in cells)

        self.text = "\n".join([title, line(headings), *map(line, rows)])

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield Segment(self.text)  # one segment: no markup, no layout


def table(
    title: str,
    headings: list[str],
    rows: list[list[str]],
    right: frozenset[int] = frozenset(),
) -> Table | LongTable:
    """A table for the terminal; columns numbered in ``right`` are right-aligned numbers."""
    if len(rows) > LONG_TABLE_ROWS:
        return LongTable(title, headings, rows)
    rich_table = Table(title=title, title_justify="left", pad_edge=False)
    for i, heading in enumerate(headings):
        if i in right:
            rich_table.add_column(heading, justify="right", no_wrap=True)
        else:
            # A narrow column wraps onto more lines; its text is never cut off with "…".
            rich_table.add_column(heading, overflow="fold")
    for row in rows:
        rich_table.add_row(*row)
    return rich_table


def _counts_table(title: str, rows: dict[str, dict[str, int]], label: Any) -> Table | LongTable:
    lines = []
    for key, counts in rows.items():
        n = counts["targets"]
        ratio = f"{counts['covered'] / n:.0%}" if n else "–"
        reach = f"{(counts['covered'] + counts['indirect']) / n:.0%}" if n else "–"
        lines.append([label(key), *(str(counts[k]) for k in COUNT_KEYS), ratio, reach])
    headings = ["", *COUNT_HEADINGS, "覆盖率", "可及率"]
    return table(title, headings, lines, right=frozenset(range(1, len(headings))))


# -- gaps ---------------------------------------------------------------------------------


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
    line: Annotated[
        str | None, typer.Option(help="Only targets on this line (code or Chinese label).")
    ] = None,
    area: Annotated[
        str | None,
        typer.Option(
            "--area",
            help="Only targets in this area or below it: its id, name or pinyin "
            "(`concentric areas` lists them).",
        ),
    ] = None,
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
import api.cli_analysis  # noqa: E402
import api.cli_report  # noqa: E402
import api.cli_server  # noqa: E402
import api.cli_synth  # noqa: E402
import api.cli_viz  # noqa: E402, F401

if __name__ == "__main__":
    main()

"""What the ``concentric`` commands share: the app, consoles, options and helpers.

The command modules (:mod:`api.cli` and the ``api.cli_*`` modules) import it; it imports none
of them, so they form no circle.
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
from typer.core import TyperGroup

from concentric.graph import QueryError, StoreError
from concentric.graph.lookup import ENTITY_KINDS, AmbiguousName, resolve, resolve_all
from concentric.graph.store.factory import is_server_uri
from concentric.graph.store.protocol import DiskFull
from concentric.graph.views.labels import COUNT_HEADINGS, COUNT_KEYS
from concentric.graph.workspace import Workspace, open_workspace
from concentric.loaders.cells import CellError, parse_date

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
LineOpt = Annotated[
    str | None, typer.Option(help="Only targets on this line (code or Chinese label).")
]
AreaOpt = Annotated[
    str | None,
    typer.Option(
        "--area",
        help="Only targets in this area or below it: its id, name or pinyin "
        "(`concentric areas` lists them).",
    ),
]
#: The default of every command's --graph-max-rows (the server's setting has the same).
GRAPH_MAX_ROWS = 1_000_000


def graph_max_rows_option(help: str) -> Any:
    """The --graph-max-rows option of a command, saying what it changes there."""
    return typer.Option("--graph-max-rows", min=0, envvar="CONCENTRIC_GRAPH_MAX_ROWS", help=help)


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

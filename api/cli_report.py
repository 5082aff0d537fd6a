"""``concentric report`` and ``concentric export``: files to forward and to analyse elsewhere.

Importing this module registers both commands on ``api.cli.app``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import io
import os
from collections.abc import Collection, Iterator
from functools import partial
from pathlib import Path
from typing import Annotated

import networkx as nx
import typer

from concentric.api.cli_common import (
    DEFAULT_STORE,
    EXIT_BAD_INPUT,
    GRAPH_MAX_ROWS,
    AsOfOpt,
    StoreOpt,
    WindowOpt,
    app,
    graph_max_rows_option,
    out,
    resolve_id,
    say,
    workspace_for,
)
from concentric.api.privacy import ALL_CLASSES, EXPORT_CLASSES, cut
from concentric.api.report import collect, report_html, write_xlsx
from concentric.graph.network.export import FORMATS, csv_tables, export_graph, stream_csv
from concentric.graph.schema.model import LinkRecord, NodeRecord
from concentric.graph.store.protocol import Store, StoredRecords
from concentric.graph.store.sqlite_store import SQLiteStore
from concentric.graph.workspace import Workspace

__all__ = ["export", "report"]


@contextlib.contextmanager
def _atomic(path: Path) -> Iterator[Path]:
    """A file beside ``path`` to write, moved onto ``path`` only once it is complete; a
    failure to write is one line and exit code 2, and leaves ``path`` as it was."""
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    try:
        yield partial
        os.replace(partial, path)
    except OSError as exc:
        say(f"concentric: error: cannot write {path}: {exc.strerror or exc}")
        raise typer.Exit(EXIT_BAD_INPUT) from None
    finally:
        partial.unlink(missing_ok=True)


def _write_bytes(path: Path, content: bytes) -> None:
    """Write ``content`` to ``path`` atomically."""
    with _atomic(path) as partial:
        partial.write_bytes(content)


@app.command()
def report(
    xlsx: Annotated[
        Path | None,
        typer.Option("--xlsx", metavar="FILE.xlsx", help="Write the report as a workbook."),
    ] = None,
    html: Annotated[
        Path | None,
        typer.Option("--html", metavar="FILE.html", help="Write the report as one HTML page."),
    ] = None,
    as_of: AsOfOpt = None,
    window_days: WindowOpt = None,
    store: StoreOpt = DEFAULT_STORE,
    limit: Annotated[
        int,
        graph_max_rows_option(
            "Above this many stored rows, the suggested assignments (a min-cost flow "
            "over the whole graph, about 2.5 KB per row) are left out and the sheet says "
            "why; every other sheet is written row by row at any size. 0 for no limit."
        ),
    ] = GRAPH_MAX_ROWS,
) -> None:
    """A report a planner can forward: summary with the five-line score, gaps, leader load,
    single points, blind spots and suggested assignments (XLSX and/or self-contained HTML).
    Phone and ID-card numbers in names are masked with ***.
    """
    if xlsx is None and html is None:
        say("concentric: error: give --xlsx FILE, --html FILE or both")
        raise typer.Exit(EXIT_BAD_INPUT)
    with workspace_for(store) as ws:
        ws.graph_max_rows = limit or None
        data = collect(ws, as_of, window_days)
    # Forwarded to readers unknown: the view of a file for other tools (each row is cut
    # as it is written).
    data = dataclasses.replace(data, classes=EXPORT_CLASSES)
    if xlsx is not None:
        with _atomic(xlsx) as partial_file:
            write_xlsx(data, partial_file)
        out.print(f"Wrote {xlsx} ({xlsx.stat().st_size // 1024} KiB): report as of {data.as_of}.")
    if html is not None:
        page = report_html(data).encode("utf-8")
        _write_bytes(html, page)
        out.print(f"Wrote {html} ({len(page) // 1024} KiB): report as of {data.as_of}.")


_SUFFIXES = {".graphml": "graphml", ".xml": "graphml", ".gexf": "gexf"}


@app.command()
def export(
    output: Annotated[
        Path,
        typer.Argument(
            metavar="OUT",
            help="The file to write (.graphml, .gexf), or for csv a folder that gets "
            "nodes.csv and edges.csv.",
        ),
    ],
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format",
            metavar="graphml|gexf|csv",
            help="Output format (default: from OUT's suffix; a path without one is csv).",
        ),
    ] = None,
    entity: Annotated[
        str | None,
        typer.Option(
            "--entity",
            metavar="ENTITY",
            help="Only this entity's ego network (its id, name or pinyin).",
        ),
    ] = None,
    depth: Annotated[
        int,
        typer.Option("--depth", min=0, metavar="N", help="Relationship steps (with --entity)."),
    ] = 1,
    include_personal: Annotated[
        bool,
        typer.Option(
            "--include-personal",
            help="Keep every field: personal (phone), sensitive (ethnicity, religion) and "
            "unknown columns. Off: those are left out and phone and ID-card numbers in "
            "text are masked with ***.",
        ),
    ] = False,
    as_of: AsOfOpt = None,
    window_days: WindowOpt = None,
    store: StoreOpt = DEFAULT_STORE,
    limit: Annotated[
        int,
        graph_max_rows_option(
            "Above this many stored rows, the whole graph is only written as csv "
            "(row by row); graphml and gexf need it in memory (about 2.5 KB per row). "
            "0 for no limit."
        ),
    ] = GRAPH_MAX_ROWS,
) -> None:
    """The graph for Gephi and other tools: GraphML, GEXF or node/edge CSV.

    Nodes keep their kind and properties, targets get their coverage status as of the date;
    dates are ISO text and lists are joined with ';'. Without --include-personal the file
    leaves out personal fields (phone), sensitive fields (ethnicity, religion) and unknown
    columns, and masks phone and ID-card numbers in text (interaction summaries).
    """
    chosen = _format(fmt, output)
    fields = partial(cut, classes=ALL_CLASSES if include_personal else EXPORT_CLASSES)
    with workspace_for(store) as ws:
        day = as_of or dt.date.today()
        window = ws.policy.window_days if window_days is None else window_days
        if entity is None and chosen == "csv":
            node_count, edge_count = _stream(ws, output, day, window, fields)
            out.print(
                f"Wrote {output}/nodes.csv and {output}/edges.csv: {node_count} nodes, "
                f"{edge_count} edges (csv)."
            )
            return
        rows = ws.store.row_count()
        if entity is None and limit and rows > limit:
            say(
                f"concentric: error: {rows:,} stored rows, more than --graph-max-rows "
                f"{limit:,}: {chosen} needs the whole graph in memory; write --format csv "
                "(streamed row by row), or export one entity's network with --entity"
            )
            raise typer.Exit(EXIT_BAD_INPUT)
        graph = export_graph(
            ws.graph(),
            ws.target_coverage(day, window),
            center=resolve_id(ws, entity) if entity is not None else None,
            depth=depth,
            fields=fields,
        )
    if chosen == "csv":
        nodes, edges = csv_tables(graph)
        _make_folder(output)
        _write_bytes(output / "nodes.csv", nodes.encode("utf-8"))
        _write_bytes(output / "edges.csv", edges.encode("utf-8"))
        written = f"{output}/nodes.csv and {output}/edges.csv"
    else:
        buffer = io.BytesIO()
        if chosen == "graphml":
            nx.write_graphml(graph, buffer)
        else:
            nx.write_gexf(graph, buffer)
        _write_bytes(output, buffer.getvalue())
        written = str(output)
    out.print(
        f"Wrote {written}: {graph.number_of_nodes()} nodes, {graph.number_of_edges()} edges "
        f"({chosen})."
    )


def _make_folder(output: Path) -> None:
    try:
        output.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        say(f"concentric: error: cannot create {output}: {exc.strerror or exc}")
        raise typer.Exit(EXIT_BAD_INPUT) from None


def _stream(
    ws: Workspace, output: Path, day: dt.date, window: int, fields: partial[object]
) -> tuple[int, int]:
    """The whole graph as nodes.csv and edges.csv in ``output``, written row by row; each
    file replaces the old one only when complete."""
    _make_folder(output)
    index = ws.index()
    parts = [output / f".{name}.{os.getpid()}.partial" for name in ("nodes.csv", "edges.csv")]
    try:
        with (
            parts[0].open("w", encoding="utf-8", newline="") as nodes_out,
            parts[1].open("w", encoding="utf-8", newline="") as edges_out,
            _records(ws.store) as records,
        ):
            counts = stream_csv(
                records,
                lambda ids: index.coverage_of(ids, day, window),
                nodes_out,
                edges_out,
                fields=fields,
            )
        os.replace(parts[0], output / "nodes.csv")
        os.replace(parts[1], output / "edges.csv")
    except OSError as exc:
        say(f"concentric: error: cannot write {output}: {exc.strerror or exc}")
        raise typer.Exit(EXIT_BAD_INPUT) from None
    finally:
        for part in parts:
            part.unlink(missing_ok=True)
    return counts


@contextlib.contextmanager
def _records(store: Store) -> Iterator[StoredRecords]:
    """The store's records a row at a time where it can stream them, else as it reads them."""
    if isinstance(store, SQLiteStore):
        with store.stream() as records:
            yield records
    else:
        yield _WholeRead(store)


class _WholeRead:
    def __init__(self, store: Store) -> None:
        self._store = store

    def nodes(self) -> Iterator[NodeRecord]:
        return self._store.nodes()

    def links(self) -> Iterator[LinkRecord]:
        return self._store.links()

    def existing(self, ids: Collection[str]) -> set[str]:
        return set(self._store.existing_nodes(ids))


def _format(fmt: str | None, output: Path) -> str:
    if fmt is not None:
        chosen = fmt.strip().lower()
        if chosen not in FORMATS:
            raise typer.BadParameter(
                f"{fmt!r} is not one of {', '.join(FORMATS)}", param_hint="--format"
            )
        return chosen
    suffix = output.suffix.lower()
    if suffix in _SUFFIXES:
        return _SUFFIXES[suffix]
    if not suffix or output.is_dir():
        return "csv"
    raise typer.BadParameter(
        f"cannot tell the format from {output.name!r}: give --format graphml, gexf or csv",
        param_hint="--format",
    )

"""``concentric viz``: network views written as self-contained HTML pages (no network
needed to open them). Importing this module registers the ``viz`` group on ``api.cli.app``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
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
    workspace_for,
)
from concentric.graph.engine.coverage import TargetCoverage
from concentric.graph.views import render
from concentric.graph.workspace import Workspace

viz = typer.Typer(
    help="Network views as self-contained HTML pages (open them in any browser, offline).",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(viz, name="viz")

IdArg = Annotated[
    str, typer.Argument(metavar="ENTITY", help="The entity to draw: its id, name or pinyin.")
]
OutputOpt = Annotated[
    Path,
    typer.Option("--output", "-o", metavar="FILE.html", help="Write the page to this file."),
]

Draw = Callable[[nx.MultiDiGraph, dt.date, int, dict[str, TargetCoverage]], str]
# What the drawing is of: (the text typed, the kinds it may name); None for the district.
Subject = tuple[str, tuple[str, ...]] | None


def _write(
    store: str,
    as_of: dt.date | None,
    window_days: int | None,
    output: Path,
    subject: Subject,
    draw: Callable[[str], Draw],
) -> None:
    with workspace_for(store) as ws:
        node_id = resolve_id(ws, subject[0], *subject[1]) if subject else ""
        day = as_of or dt.date.today()
        window = _window(ws, window_days)
        html = draw(node_id)(ws.graph(), day, window, ws.target_coverage(day, window))
    _save(output, html)


def _save(output: Path, html: str) -> None:
    try:
        render.write_html(output, html)
    except OSError as exc:
        typer.echo(f"concentric: error: cannot write {output}: {exc.strerror or exc}", err=True)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    out.print(f"Wrote {output} ({len(html.encode('utf-8')) // 1024} KiB); open it in a browser.")


def _window(ws: Workspace, window_days: int | None) -> int:
    return ws.policy.window_days if window_days is None else window_days


@viz.command("leader")
def viz_leader(
    leader_id: IdArg,
    output: OutputOpt,
    as_of: AsOfOpt = None,
    window_days: WindowOpt = None,
    store: StoreOpt = DEFAULT_STORE,
) -> None:
    """A leader's contact network: assigned targets, their organizations, recent interactions."""
    _write(
        store,
        as_of,
        window_days,
        output,
        (leader_id, ("leader",)),
        lambda node: (
            lambda g, day, w, cov: render.leader_network_html(g, node, day, w, coverage=cov)
        ),
    )


@viz.command("entity")
def viz_entity(
    node_id: IdArg,
    output: OutputOpt,
    depth: Annotated[
        int, typer.Option("--depth", min=0, metavar="N", help="Relationship steps to include.")
    ] = 1,
    as_of: AsOfOpt = None,
    window_days: WindowOpt = None,
    store: StoreOpt = DEFAULT_STORE,
) -> None:
    """Any entity's ego network: everything within N relationship steps."""
    _write(
        store,
        as_of,
        window_days,
        output,
        (node_id, ()),
        lambda node: (
            lambda g, day, w, cov: render.ego_network_html(g, node, depth, day, w, coverage=cov)
        ),
    )


@viz.command("area")
def viz_area(
    area_id: IdArg,
    output: OutputOpt,
    as_of: AsOfOpt = None,
    window_days: WindowOpt = None,
    store: StoreOpt = DEFAULT_STORE,
) -> None:
    """An area's coverage map: the areas below it and their targets, coloured by status."""
    _write(
        store,
        as_of,
        window_days,
        output,
        (area_id, ("area",)),
        lambda node: lambda g, day, w, cov: render.area_map_html(g, node, day, w, coverage=cov),
    )


@viz.command("district")
def viz_district(
    output: OutputOpt,
    as_of: AsOfOpt = None,
    window_days: WindowOpt = None,
    store: StoreOpt = DEFAULT_STORE,
    limit: Annotated[
        int,
        graph_max_rows_option(
            "Above this many stored rows, draw the towns and subdistricts instead of "
            "building the whole graph (about 2.5 KB per row); 0 for no limit."
        ),
    ] = GRAPH_MAX_ROWS,
) -> None:
    """The whole district: every area and target, and the leaders' contacts; above
    --graph-max-rows stored rows, its towns and subdistricts, one node each (coloured by
    their covered share, sized by their targets), drawn without the whole graph."""
    with workspace_for(store) as ws:
        if limit and ws.store.row_count() > limit:
            ws.graph_max_rows = limit
            html = ws.district_map_html(as_of, window_days)
            _save(output, html)
            return
    _write(
        store,
        as_of,
        window_days,
        output,
        None,
        lambda node: lambda g, day, w, cov: render.district_html(g, day, w, coverage=cov),
    )

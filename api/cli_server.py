"""Server commands: serve, demo, token create."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Annotated

import typer

from api.access import ROLES, AccessStore
from api.cli import DEFAULT_STORE, StoreOpt, app, out, say, workspace_for
from api.settings import Settings
from graph.coverage import UnknownId

token_app = typer.Typer(help="API tokens.", no_args_is_help=True)
app.add_typer(token_app, name="token")

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "sample"


def _serve(settings: Settings) -> None:
    import uvicorn

    from api.app import create_app

    # No access log: request lines can carry names in query strings.
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        access_log=False,
        log_level="info",
    )


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to bind.")] = 8000,
    store: StoreOpt = DEFAULT_STORE,
    graph_max_rows: Annotated[
        int,
        typer.Option(
            min=0,
            envvar="CONCENTRIC_GRAPH_MAX_ROWS",
            help="Above this many stored rows, analyses that need the whole graph in memory "
            "(the district map, paths, brokers, communities, recommendations, departures, "
            "search) answer 422 instead of building it (about 2.5 KB per row); 0 for no limit.",
        ),
    ] = 1_000_000,
) -> None:
    """Serve the HTTP API and the web pages (127.0.0.1:8000 unless told otherwise).

    A second after start-up the coverage index (and what else the first requests need) is
    built in the background, or read back from the store, so the first coverage request of a
    big store does not wait for all of it. Coverage, gaps, blind spots, leaders, to-do lists,
    entity records, ego networks, the network pictures of a leader or an entity and area maps
    answer at any size.
    """
    with workspace_for(store):
        pass  # fail fast, with a one-line error, if the store cannot be opened
    settings = Settings(
        store=store, host=host, port=port, warm_index=True, graph_max_rows=graph_max_rows or None
    )
    _serve(settings)


@app.command()
def demo(
    host: Annotated[str, typer.Option(help="Address to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to bind.")] = 8000,
    data: Annotated[Path, typer.Option(help="Dataset to load.")] = SAMPLE,
) -> None:
    """Load the sample district into a fresh store and serve it; prints a planner token."""
    from loaders import read_dataset

    folder = Path(tempfile.mkdtemp(prefix="concentric-demo-"))
    store_path = folder / "demo.db"
    with workspace_for(str(store_path)) as ws:
        result = read_dataset([data])
        if result.problems:
            for problem in result.problems:
                say(str(problem))
            raise typer.Exit(2)
        ws.store.load(result.dataset, replace=True)
    token = AccessStore(store_path).create_token("planner")
    out.print(f"Sample district loaded into {store_path}")
    out.print(f"Open http://{host}:{port}/ and sign in with the planner token below.")
    out.print(f"API: curl -H 'Authorization: Bearer {token}' http://{host}:{port}/api/v1/coverage")
    print(token, flush=True)
    try:
        _serve(Settings(store=str(store_path), host=host, port=port))
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@token_app.command("create")
def token_create(
    role: Annotated[str, typer.Option(help=f"One of: {', '.join(ROLES)}.")],
    leader: Annotated[
        str | None, typer.Option(help="The leader's id (needed for a leader token).")
    ] = None,
    store: StoreOpt = DEFAULT_STORE,
) -> None:
    """Create an API token and print it as the last line (only its hash is stored)."""
    settings = Settings(store=store)
    with workspace_for(store) as ws:
        if leader is not None:
            try:
                ws.leader(leader)
            except UnknownId:
                say(f"concentric: error: unknown leader id {leader!r}")
                raise typer.Exit(2) from None
    access = AccessStore(settings.access_path())
    try:
        token = access.create_token(role, leader)
    except ValueError as exc:
        say(f"concentric: error: {exc}")
        raise typer.Exit(2) from None
    finally:
        access.close()
    print(token)

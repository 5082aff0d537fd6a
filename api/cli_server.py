"""Server commands: serve, demo, token create|list|revoke, audit verify."""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path
from typing import Annotated

import typer

from concentric.api.access import ROLES, AccessStore, require_known_leader, verify_audit
from concentric.api.cli_common import (
    DEFAULT_STORE,
    EXIT_BAD_INPUT,
    JsonOpt,
    StoreOpt,
    app,
    empty_store_message,
    out,
    print_json,
    resolve_id,
    say,
    table,
    workspace_for,
)
from concentric.api.settings import Settings

token_app = typer.Typer(help="API tokens: create, list, revoke.", no_args_is_help=True)
app.add_typer(token_app, name="token")
audit_app = typer.Typer(help="The audit log.", no_args_is_help=True)
app.add_typer(audit_app, name="audit")

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "sample"


def _serve(settings: Settings, workers: int = 1) -> None:
    import uvicorn

    from concentric.api.app import create_app

    if workers == 1:
        # No access log: request lines can carry names in query strings.
        uvicorn.run(
            create_app(settings),
            host=settings.host,
            port=settings.port,
            access_log=False,
            log_level="info",
        )
        return
    # Each worker process builds its own app from the environment, so the settings travel
    # there; every worker checks the store's data version per request.
    os.environ.update(settings_environment(settings))
    uvicorn.run(
        "concentric.api.app:create_app",
        factory=True,
        workers=workers,
        host=settings.host,
        port=settings.port,
        access_log=False,
        log_level="info",
    )


def settings_environment(settings: Settings) -> dict[str, str]:
    """The ``CONCENTRIC_*`` variables that make ``Settings()`` equal ``settings``."""
    environment = {}
    for name, value in settings.model_dump().items():
        if value is None:
            text = ""
        elif isinstance(value, bool):
            text = "true" if value else "false"
        elif isinstance(value, list | dict):
            text = json.dumps(value)
        else:
            text = str(value)
        environment[f"CONCENTRIC_{name.upper()}"] = text
    return environment


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
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            max=64,
            help="Server processes (uvicorn workers) sharing the port and the store; each "
            "holds its own snapshot of the data (see README, Scale) and checks the data "
            "version on every request, so a write through one is in the next answer of all.",
        ),
    ] = 1,
) -> None:
    """Serve the HTTP API and the web pages (127.0.0.1:8000 unless told otherwise).

    A second after start-up the coverage index (and what else the first requests need) is
    built in the background, or read back from the store, so the first coverage request of a
    big store does not wait for all of it. Coverage, gaps, blind spots, leaders, to-do lists,
    entity records, ego networks, the network pictures of a leader or an entity and area maps
    answer at any size.
    """
    with workspace_for(store, need_data=False) as ws:
        # Fail fast, with a one-line error, if the store cannot be opened.
        if not ws.store.row_count():
            say(f"{empty_store_message(store)} (serving it anyway)")
    settings = Settings(
        store=store,
        host=host,
        port=port,
        warm_index=True,
        build_in_background=True,
        graph_max_rows=graph_max_rows or None,
    )
    _serve(settings, workers)


DEMO_STORE = "concentric-demo.db"


@app.command()
def demo(
    host: Annotated[str, typer.Option(help="Address to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to bind.")] = 8000,
    data: Annotated[Path, typer.Option(help="Dataset to load.")] = SAMPLE,
    store: Annotated[
        Path,
        typer.Option(
            "--store",
            help="Where the demo keeps its store. It stays after the demo ends, so the "
            "commands it prints work on it.",
        ),
    ] = Path(DEMO_STORE),
    fresh: Annotated[
        bool,
        typer.Option(
            "--fresh", help="Load the dataset again over an existing demo store (its changes go)."
        ),
    ] = False,
) -> None:
    """Load the sample district into ./concentric-demo.db (kept afterwards) and serve it;
    prints a planner token and the commands to run on the same store.

    An existing store at that path is served as it is (earlier changes kept) unless
    --fresh is given.
    """
    token = prepare_demo(store, data, fresh)
    out.print(f"Open http://{host}:{port}/ and sign in with the planner token below.")
    out.print(f"API: curl -H 'Authorization: Bearer {token}' http://{host}:{port}/api/v1/coverage")
    out.print(
        f"The store stays at {store} after you stop the server (Ctrl+C). Try, in another shell:"
    )
    for command in ("coverage", "gaps --area 阿干镇", "areas", "recommend"):
        out.print(f"  concentric {command} --store {store}")
    print(token, flush=True)
    _serve(Settings(store=str(store), host=host, port=port))


def prepare_demo(store: Path, data: Path, fresh: bool) -> str:
    """Fill the demo store from ``data`` unless it already holds data (and not ``fresh``);
    say which, and return a new planner token for it."""
    from concentric.loaders import read_dataset

    existed = store.exists()
    with workspace_for(str(store), need_data=False) as ws:
        if existed and ws.store.row_count() and not fresh:
            out.print(
                f"Using the existing demo store {store} as it is (earlier changes kept; "
                "--fresh loads the sample again)."
            )
        else:
            result = read_dataset([data])
            if result.problems:
                for problem in result.problems:
                    say(str(problem))
                raise typer.Exit(EXIT_BAD_INPUT)
            ws.store.load(result.dataset, replace=True)
            out.print(f"Sample district loaded into {store} (kept after the demo ends).")
    return AccessStore(Settings(store=str(store)).access_path()).create_token("planner")


def _access(store: str) -> AccessStore:
    return AccessStore(Settings(store=store).access_path())


@token_app.command("create")
def token_create(
    role: Annotated[str, typer.Option(help=f"One of: {', '.join(ROLES)}.")],
    leader: Annotated[
        str | None,
        typer.Option(help="The leader: id, name or pinyin (needed for a leader token)."),
    ] = None,
    expires_days: Annotated[
        int | None,
        typer.Option(min=1, max=3650, help="Days until the token expires (default: never)."),
    ] = None,
    store: StoreOpt = DEFAULT_STORE,
) -> None:
    """Create an API token and print it as the last line (only its hash is stored)."""
    if leader is not None:
        # Only a leader token needs the data; a planner's token can precede the first load.
        with workspace_for(store) as ws:
            leader = resolve_id(ws, leader, "leader")
            try:
                require_known_leader(ws, leader)
            except ValueError as exc:
                say(f"concentric: error: {exc}")
                raise typer.Exit(EXIT_BAD_INPUT) from None
    access = _access(store)
    try:
        token = access.create_token(role, leader, expires_days)
        info = access.token_info(token)
        assert info is not None
        access.audit(
            None,
            "CLI",
            "token create",
            201,
            {"created": {k: info[k] for k in ("id", "role", "leader_id", "expires")}},
        )
    except ValueError as exc:
        say(f"concentric: error: {exc}")
        raise typer.Exit(EXIT_BAD_INPUT) from None
    finally:
        access.close()
    out.print(
        f"token {info['id']} ({role}"
        + (f", expires {info['expires']}" if info["expires"] else "")
        + ")"
    )
    print(token)


@token_app.command("list")
def token_list(as_json: JsonOpt = False, store: StoreOpt = DEFAULT_STORE) -> None:
    """Every token's id, role, leader and dates (never the token itself)."""
    access = _access(store)
    try:
        tokens = access.tokens()
    finally:
        access.close()
    if as_json:
        print_json(tokens)
        return
    headings = ["id", "role", "leader", "created", "expires", "revoked"]
    keys = ("id", "role", "leader_id", "created", "expires", "revoked")
    out.print(table("API tokens", headings, [[t[k] or "" for k in keys] for t in tokens]))


@token_app.command("revoke")
def token_revoke(
    token_id: Annotated[str, typer.Argument(help="The token's id (from `token list`).")],
    store: StoreOpt = DEFAULT_STORE,
) -> None:
    """Revoke a token; its web sessions end with it."""
    access = _access(store)
    try:
        revoked = access.revoke(token_id)
        access.audit(None, "CLI", "token revoke", 204 if revoked else 404, {"revoked": token_id})
    finally:
        access.close()
    if not revoked:
        say(
            f"concentric: error: no active token with id {token_id!r} (see `concentric token list`)"
        )
        raise typer.Exit(EXIT_BAD_INPUT)
    out.print(f"token {token_id} revoked")


@audit_app.command("verify")
def audit_verify(as_json: JsonOpt = False, store: StoreOpt = DEFAULT_STORE) -> None:
    """Check the audit log's hash chain against its log file (<access db>.audit.log).

    Exit 0 when intact; exit 1 naming the first bad entry (deleted, changed,
    re-attributed, missing from the log); exit 2 when there is no access database.
    """
    path = Settings(store=store).access_path()
    if not path.exists():
        say(f"concentric: error: no access database at {path}")
        raise typer.Exit(EXIT_BAD_INPUT)
    verdict = verify_audit(path)
    if as_json:
        print_json(dataclasses.asdict(verdict))
    elif verdict.intact:
        out.print(
            f"audit chain intact: {verdict.chained} entries"
            + (f", head seq {verdict.head_seq} {verdict.head_hash}" if verdict.head_seq else "")
        )
    else:
        say(f"concentric: audit entry seq {verdict.bad_seq}: {verdict.problem}")
    if verdict.pre_chain and not as_json:
        out.print(
            f"{verdict.pre_chain} older entries predate the chain (written before it existed) "
            "and are not verified"
        )
    if not verdict.intact:
        raise typer.Exit(1)

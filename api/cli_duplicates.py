"""``concentric duplicates``: pairs of figures, organizations or units that may be one entity,
and planners' judgements on them. Importing this module registers the group on
``api.cli.app``.
"""

from __future__ import annotations

from typing import Annotated

import typer

from concentric.api.access import AccessStore
from concentric.api.cli_common import (
    DEFAULT_STORE,
    EXIT_BAD_INPUT,
    JsonOpt,
    StoreOpt,
    _user_errors,
    app,
    out,
    print_json,
    resolve_id,
    say,
    table,
    workspace_for,
)
from concentric.api.duplicates import (
    JudgementProblems,
    judge_pair,
    judgement_answer,
    list_duplicates,
    undo_pair,
)
from concentric.api.settings import Settings
from concentric.graph.engine.duplicates import DUPLICATE_KINDS
from concentric.graph.schema.schema import SCHEMA
from concentric.graph.store.protocol import VERDICTS
from concentric.graph.workspace import Workspace

duplicates_app = typer.Typer(
    help=(
        "Pairs of figures, organizations or units that may be one entity (疑似重复), best "
        "first, with score and evidence; `judge`, `undo` and `judgements` keep planners' "
        "verdicts (docs/duplicates.md)."
    ),
    invoke_without_command=True,
    rich_markup_mode=None,
)
app.add_typer(duplicates_app, name="duplicates")

KIND_HELP = "Only this kind: figure, organization or unit."
PairArg = Annotated[str, typer.Argument(metavar="ID", help="An id, name or pinyin.")]


def _audit(store: str, action: str, status: int, detail: dict[str, object]) -> None:
    """The judgement in the audit log, as the API's would be (ids and verdict only)."""
    access = AccessStore(Settings(store=store).access_path())
    try:
        access.audit(None, "CLI", action, status, detail)
    finally:
        access.close()


def _pair(ws: Workspace, first: str, second: str) -> tuple[str, str]:
    return resolve_id(ws, first, *DUPLICATE_KINDS), resolve_id(ws, second, *DUPLICATE_KINDS)


@duplicates_app.callback()
def duplicates(
    ctx: typer.Context,
    kind: Annotated[str | None, typer.Option(help=KIND_HELP)] = None,
    min_score: Annotated[
        float | None,
        typer.Option(min=0.0, max=1.0, help="Lowest score listed (default 0.5)."),
    ] = None,
    output: Annotated[
        str, typer.Option("--format", metavar="json|table", help="json or table.")
    ] = "table",
    as_json: JsonOpt = False,
    store: StoreOpt = DEFAULT_STORE,
) -> None:
    """The candidates, best first, each with its score and evidence in words.

    Pairs judged same or different are not listed again; unsure ones are, marked.
    """
    if ctx.invoked_subcommand is not None:
        return
    if kind is not None and kind not in DUPLICATE_KINDS:
        say(f"concentric: error: --kind: {kind!r} is not one of: {', '.join(DUPLICATE_KINDS)}")
        raise typer.Exit(EXIT_BAD_INPUT)
    if output not in ("json", "table"):
        say(f"concentric: error: --format: {output!r} is not json or table")
        raise typer.Exit(EXIT_BAD_INPUT)
    with workspace_for(store) as ws, _user_errors():
        answer = list_duplicates(ws, kind, min_score)
    if as_json or output == "json":
        print_json(answer)
        return
    rows = [
        [
            f"{item['score']:.3f}",
            SCHEMA.node_kinds[item["kind"]]["label"],
            f"{item['left_name']} ({item['left']})",
            f"{item['right_name']} ({item['right']})",
            "；".join(item["reasons"]),
            {"unsure": "不确定"}.get(item["judgement"] or "", ""),
        ]
        for item in answer["items"]
    ]
    title = (
        f"疑似重复 duplicate candidates: {answer['total']} "
        f"(compared {answer['pairs_compared']} of {answer['all_pairs']} pairs)"
    )
    out.print(table(title, ["得分", "类型", "甲", "乙", "依据", "判定"], rows, frozenset({0})))


@duplicates_app.command("judge")
def judge(
    first: PairArg,
    second: PairArg,
    verdict: Annotated[str, typer.Argument(metavar="VERDICT", help="same, different or unsure.")],
    store: StoreOpt = DEFAULT_STORE,
) -> None:
    """Mark a pair same, different or unsure (kept apart from the loaded data)."""
    if verdict not in VERDICTS:
        say(f"concentric: error: VERDICT: {verdict!r} is not one of: {', '.join(VERDICTS)}")
        raise typer.Exit(EXIT_BAD_INPUT)
    with workspace_for(store) as ws, _user_errors():
        left, right = _pair(ws, first, second)
        try:
            judgement = judge_pair(ws, left, right, verdict, None)
        except JudgementProblems as exc:
            for problem in exc.problems:
                say(f"concentric: error: {problem.column}: {problem.message}")
            raise typer.Exit(EXIT_BAD_INPUT) from None
    _audit(
        store,
        "duplicates judge",
        201,
        {"judged": {"left": judgement.left, "right": judgement.right, "verdict": verdict}},
    )
    out.print(f"judged {judgement.left} and {judgement.right}: {verdict}")


@duplicates_app.command("undo")
def undo(first: PairArg, second: PairArg, store: StoreOpt = DEFAULT_STORE) -> None:
    """Forget a pair's judgement (it may be proposed again)."""
    with workspace_for(store) as ws, _user_errors():
        left, right = _pair(ws, first, second)
        undone = undo_pair(ws, left, right)
    if undone is None:
        say(f"concentric: error: no judgement of the pair {left}, {right}")
        raise typer.Exit(EXIT_BAD_INPUT)
    _audit(
        store,
        "duplicates undo",
        200,
        {"undone": {"left": undone.left, "right": undone.right, "verdict": undone.verdict}},
    )
    out.print(f"undone: {undone.left} and {undone.right} were judged {undone.verdict}")


@duplicates_app.command("judgements")
def judgements(as_json: JsonOpt = False, store: StoreOpt = DEFAULT_STORE) -> None:
    """Every kept judgement."""
    with workspace_for(store) as ws, _user_errors():
        kept = [judgement_answer(j) for j in ws.store.judgements()]
    if as_json:
        print_json(kept)
        return
    rows = [[j["left"], j["right"], j["kind"], j["verdict"], j["judged_at"]] for j in kept]
    out.print(table("判定 judgements", ["甲", "乙", "类型", "判定", "时间"], rows))

"""``concentric assess`` (the yearly assessment's scorecard), ``concentric calendar
create|revoke|export`` (a leader's reminder feed) and ``concentric digest`` (what falls due
in the next 30 days): docs/assessment.md.

Importing this module registers the commands on ``api.cli.app``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

from concentric.api.access import AccessStore
from concentric.api.assessment import assessment_xlsx, criterion_value, period_text
from concentric.api.calendar import (
    CALENDAR_PATH,
    DIGEST_DAYS,
    FEED_DAYS,
    calendar_feed,
    digest_html,
    digest_text,
    leader_due,
)
from concentric.api.cli_common import (
    DEFAULT_STORE,
    AsOfOpt,
    JsonOpt,
    StoreOpt,
    app,
    out,
    print_json,
    resolve_id,
    table,
    workspace_for,
)
from concentric.api.cli_report import _atomic, _write_bytes
from concentric.api.settings import Settings

__all__ = ["YEARS", "assess", "calendar_create", "calendar_export", "calendar_revoke", "digest"]

calendar_app = typer.Typer(
    help="A leader's reminder feed (iCalendar): create, revoke, export.", no_args_is_help=True
)
app.add_typer(calendar_app, name="calendar")

LeaderOpt = Annotated[
    str, typer.Option("--leader", help="The leader: id, name or pinyin.", show_default=False)
]
BaseUrlOpt = Annotated[
    str,
    typer.Option(
        "--base-url",
        envvar="CONCENTRIC_BASE_URL",
        help="The server's address, for the links to each target's page.",
    ),
]
DEFAULT_BASE_URL = "http://127.0.0.1:8000"

#: The years an assessment may be asked for (the PRC's first to a far future).
YEARS = (1949, 9998)


@app.command()
def assess(
    year: Annotated[
        int,
        typer.Option("--year", min=YEARS[0], max=YEARS[1], metavar="YYYY", help="The year."),
    ],
    as_json: JsonOpt = False,
    xlsx: Annotated[
        Path | None,
        typer.Option("--xlsx", metavar="FILE.xlsx", help="Also write the scorecard workbook."),
    ] = None,
    as_of: AsOfOpt = None,
    store: StoreOpt = DEFAULT_STORE,
) -> None:
    """The yearly assessment (四个带头): per leader each criterion's measured value, points
    and evidence, the totals, per department and town, against the year before. A year
    still running is measured up to --as-of (default today)."""
    with workspace_for(store) as ws:
        answer = dict(ws.assessment(year, as_of))
        names = ws.names("area")
    if xlsx is not None:
        with _atomic(xlsx) as partial_file:
            assessment_xlsx(answer, names, partial_file)
    if as_json:
        print_json(answer)
        return
    criteria = answer["criteria"]
    rows = [
        [
            card["id"],
            card["name"] or card["id"],
            period_text(card),
            *[f"{criterion_value(c)} → {c['points']:g}" for c in card["criteria"]],
            f"{card['total']:g}",
            "–" if card["change"] is None else f"{card['change']:+g}",
        ]
        for card in answer["leaders"]
    ]
    headings = ["编号", "姓名", "考核期间", *[c["label"] for c in criteria], "合计", "较上年"]
    out.print(table(f"{year} 年度考核（满分 {answer['points']:g} 分）", headings, rows))
    for title, field in (("按单位", "departments"), ("按乡镇街道", "towns")):
        grouped = [
            [
                (names.get(g["key"], g["key"]) if field == "towns" else g["key"]) or "（未填）",
                str(g["leaders"]),
                f"{g['mean_total']:g}",
                str(g["met_all"]),
            ]
            for g in answer[field]
        ]
        out.print(table(title, ["", "领导", "平均分", "全部达标"], grouped, frozenset({1, 2, 3})))
    if xlsx is not None:
        out.print(f"Wrote {xlsx}: the {year} scorecard.")


def _access(store: str) -> AccessStore:
    return AccessStore(Settings(store=store).access_path())


@calendar_app.command("create")
def calendar_create(
    leader: LeaderOpt, base_url: BaseUrlOpt = DEFAULT_BASE_URL, store: StoreOpt = DEFAULT_STORE
) -> None:
    """A new secret feed URL for the leader, printed as the last line (only its hash is
    stored); give it to the leader's calendar program as a subscription."""
    with workspace_for(store) as ws:
        leader_id = resolve_id(ws, leader, "leader")
    access = _access(store)
    try:
        feed_id, secret = access.create_calendar(leader_id)
        access.audit(None, "CLI", "calendar create", 201, {"leader_id": leader_id, "id": feed_id})
    finally:
        access.close()
    out.print(f"calendar feed {feed_id} for {leader_id}; revoke with `concentric calendar revoke`")
    print(base_url.rstrip("/") + CALENDAR_PATH.format(secret=secret))


@calendar_app.command("revoke")
def calendar_revoke(leader: LeaderOpt, store: StoreOpt = DEFAULT_STORE) -> None:
    """Revoke every feed URL of the leader (they answer 404 from now on)."""
    with workspace_for(store) as ws:
        leader_id = resolve_id(ws, leader, "leader")
    access = _access(store)
    try:
        revoked = access.revoke_calendars(leader_id)
        access.audit(None, "CLI", "calendar revoke", 200, {"leader_id": leader_id, "n": revoked})
    finally:
        access.close()
    out.print(f"revoked {revoked} calendar feed(s) of {leader_id}")


@calendar_app.command("export")
def calendar_export(
    leader: LeaderOpt,
    output: Annotated[Path, typer.Option("--out", metavar="FILE.ics", help="The file to write.")],
    as_of: AsOfOpt = None,
    base_url: BaseUrlOpt = DEFAULT_BASE_URL,
    store: StoreOpt = DEFAULT_STORE,
) -> None:
    """The leader's feed as a .ics file: one event per overdue or soon-due target."""
    with workspace_for(store) as ws:
        due = leader_due(ws, resolve_id(ws, leader, "leader"), as_of, FEED_DAYS)
    stamp = dt.datetime.now(dt.UTC).replace(microsecond=0)
    _write_bytes(output, calendar_feed(due, base_url, stamp))
    out.print(f"Wrote {output}: {len(due['items'])} event(s) for {due['leader_id']}.")


@app.command()
def digest(
    leader: LeaderOpt,
    output: Annotated[
        Path | None,
        typer.Option(
            "--out",
            metavar="DIR",
            help="Write digest-LEADER-DATE.html and .txt into DIR (default: print the text).",
        ),
    ] = None,
    as_of: AsOfOpt = None,
    base_url: BaseUrlOpt = DEFAULT_BASE_URL,
    store: StoreOpt = DEFAULT_STORE,
) -> None:
    """A leader's weekly digest: the overdue targets and those due in the next 30 days."""
    with workspace_for(store) as ws:
        due = leader_due(ws, resolve_id(ws, leader, "leader"), as_of, DIGEST_DAYS)
    text = digest_text(due)
    if output is None:
        print(text, end="")
        return
    output.mkdir(parents=True, exist_ok=True)
    stem = output / f"digest-{due['leader_id']}-{due['as_of']}"
    _write_bytes(stem.with_suffix(".html"), digest_html(due, base_url).encode("utf-8"))
    _write_bytes(stem.with_suffix(".txt"), text.encode("utf-8"))
    out.print(f"Wrote {stem}.html and {stem}.txt: {len(due['items'])} target(s).")

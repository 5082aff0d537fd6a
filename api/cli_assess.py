"""``concentric assess``: the yearly assessment's scorecard (docs/assessment.md).

Importing this module registers the command on ``api.cli.app``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from concentric.api.assessment import assessment_xlsx, criterion_value, period_text
from concentric.api.cli_common import (
    DEFAULT_STORE,
    AsOfOpt,
    JsonOpt,
    StoreOpt,
    app,
    out,
    print_json,
    table,
    workspace_for,
)
from concentric.api.cli_report import _atomic

__all__ = ["YEARS", "assess"]

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

"""``concentric completeness``: how complete the register is (docs/register.md)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from concentric.api.cli_common import (
    DEFAULT_STORE,
    JsonOpt,
    StoreOpt,
    app,
    out,
    print_json,
    table,
    workspace_for,
)
from concentric.graph.engine.completeness import CHECKS

# What each check's column says, short (the pages take theirs from page_text.yaml).
CHECK_HEADINGS = {
    "no_area": "区域 area",
    "no_category_details": "类别信息 details",
    "no_phone": "电话 phone",
    "no_organization": "组织 org",
    "no_joint_meeting": "联席会议 joint",
    "no_post": "职务 post",
    "never_contacted": "联系 contact",
}


@app.command("completeness")
def completeness_command(
    limit: Annotated[
        int, typer.Option(min=0, help="Incomplete records listed (the JSON lists them all).")
    ] = 50,
    as_json: JsonOpt = False,
    store: StoreOpt = DEFAULT_STORE,
) -> None:
    """Records missing what the office needs (底数清、情况明): figures without area, category
    details, phone or any organization; units without area or joint-meeting flag; leaders
    without post; targets never contacted. Per table, per area (with the areas below it,
    worst first) and per source file, with each area's completeness ratio."""
    with workspace_for(store) as ws:
        answer = ws.completeness()
    if as_json:
        print_json(answer)
        return
    headings = [CHECK_HEADINGS[c] for c in CHECKS]
    out.print(
        _tally_table(
            "完整性 completeness by table",
            "表 table",
            [(name, t) for name, t in answer["tables"].items()],
            headings,
        )
    )
    areas = [(f"{a['name'] or '–'} ({a['area_id'] or 'no area'})", a) for a in answer["areas"]]
    out.print(
        _tally_table("by area (with the areas below it), worst first", "区域", areas, headings)
    )
    files = [(f["file"] or "–", f) for f in answer["files"]]
    out.print(_tally_table("by source file", "文件 file", files, headings))
    items = answer["items"]
    out.print(
        table(
            f"不完整的记录 incomplete records: {len(items)}"
            + (f" (the first {limit})" if len(items) > limit else ""),
            ["id", "name", "kind", "area", "file:line", "missing"],
            [
                [
                    r["id"],
                    r["name"],
                    r["kind"],
                    r["area_id"] or "–",
                    f"{r['file']}:{r['line']}",
                    "、".join(CHECK_HEADINGS[m].split()[0] for m in r["missing"]),
                ]
                for r in items[:limit]
            ],
        )
    )


def _tally_table(
    title: str, first: str, rows: list[tuple[str, dict[str, Any]]], headings: list[str]
) -> Any:
    lines = [
        [
            label,
            str(t["records"]),
            str(t["complete"]),
            f"{t['ratio']:.0%}" if t["ratio"] is not None else "–",
            *(str(t["missing"].get(c, 0)) for c in CHECKS),
        ]
        for label, t in rows
    ]
    right = frozenset(range(1, 4 + len(CHECKS)))
    return table(title, [first, "records", "complete", "ratio", *headings], lines, right)

"""The yearly assessment's scorecard as people read it: Chinese wording of its notes and
measures, the terminal's rows, and the workbook a planner sends upward.

The values come from :func:`concentric.graph.engine.assessment.assessment`; this module
only words and lays them out.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import IO, Any

from concentric.api.access import Principal
from concentric.api.scope import Forbidden, LeaderScope
from concentric.graph import SCHEMA
from concentric.graph.workspace import Workspace

__all__ = [
    "ASSESSMENT_ROLES",
    "PERIOD_NOTES",
    "assessment_for",
    "assessment_xlsx",
    "criterion_value",
    "evidence_text",
    "period_text",
]

#: How the scorecard words a leader's period (the engine's ``period.note``).
PERIOD_NOTES = {
    "joined": "年内到任，按任职期间考核",
    "left": "年内离任，按任职期间考核",
    "left_no_date": "已离任但未填离任日期，按全年考核",
}


#: The roles that see every leader's scorecard; a leader sees only its own.
ASSESSMENT_ROLES = ("admin", "planner")


def assessment_for(
    workspace: Workspace, principal: Principal, year: int, as_of: dt.date | None
) -> dict[str, Any]:
    """The scorecard the caller may see: every leader's for admins and planners; a
    leader's own card only (no roll-ups, cut to its scope) for a leader; 403 otherwise."""
    if principal.role not in (*ASSESSMENT_ROLES, "leader"):
        raise Forbidden(f"the {principal.role} role may not see the assessment")
    answer = dict(workspace.assessment(year, as_of))
    scope = LeaderScope.of(workspace, principal)
    if scope is None:
        return answer
    own = [card for card in answer["leaders"] if card["id"] == scope.leader_id]
    answer.update(leaders=own, departments=[], towns=[])
    cut: dict[str, Any] = scope.cut(answer)
    return cut


def period_text(card: dict[str, Any]) -> str:
    """The period a leader was measured over, with why when it is not the whole year.

    >>> period_text({"period": {"start": "2026-01-01", "end": "2026-06-30", "note": "left"}})
    '2026-01-01 至 2026-06-30（年内离任，按任职期间考核）'
    """
    period = card["period"]
    text = f"{period['start']} 至 {period['end']}"
    note = period.get("note")
    return f"{text}（{PERIOD_NOTES.get(note, note)}）" if note else text


def criterion_value(row: dict[str, Any]) -> str:
    """A criterion's measured value against its requirement, as the sheet shows it.

    >>> criterion_value({"value": 1, "required": 4})
    '1/4'
    >>> criterion_value({"value": 0.5, "required": 1.0, "assigned": 4, "met_targets": 2})
    '2/4 = 50%（需 100%）'
    >>> criterion_value({"value": None, "required": 1.0, "assigned": 0, "met_targets": 0})
    '无联系对象'
    """
    if "assigned" not in row:
        return f"{row['value']}/{row['required']}"
    if row["value"] is None:
        return "无联系对象"
    return (
        f"{row['met_targets']}/{row['assigned']} = {row['value']:.0%}（需 {row['required']:.0%}）"
    )


def evidence_text(item: dict[str, Any]) -> str:
    """One piece of evidence: an interaction (date, kind, with whom) or an assigned target
    and when it was first met.

    >>> evidence_text({"interaction_id": "I1", "date": "2026-01-01", "kind": "visit",
    ...                "with": [{"id": "O1", "name": "清真寺"}]})
    '2026-01-01 走访 清真寺 (I1)'
    >>> evidence_text({"target_id": "F1", "target_name": "李四", "met": False})
    '李四：年内未联系'
    """
    if "with" in item:
        whom = "、".join(w["name"] or w["id"] for w in item["with"])
        kind = SCHEMA.enum_label("interaction_kind", item["kind"])
        return f"{item['date']} {kind} {whom} ({item['interaction_id']})"
    name = item["target_name"] or item["target_id"]
    if not item["met"]:
        return f"{name}：年内未联系"
    kind = SCHEMA.enum_label("interaction_kind", item["kind"])
    return f"{name}：{item['date']} {kind} ({item['interaction_id']})"


def assessment_xlsx(
    answer: dict[str, Any], names: dict[str, str], output: Path | IO[bytes]
) -> None:
    """The scorecard as a workbook: rules, leaders, evidence, departments, towns. Written
    row by row (a write-only workbook); every text cell is text, never a formula."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    criteria = answer["criteria"]
    as_of = f"（统计至 {answer['as_of']}）" if answer.get("as_of") else ""

    def sheet(title: str, heading: str, columns: list[str], widths: list[int]) -> Any:
        found = workbook.create_sheet(title)
        for index, width in enumerate(widths):
            found.column_dimensions[chr(ord("A") + index)].width = width
        found.freeze_panes = "A3"
        found.append([WriteOnlyCell(found, heading)])
        found.append([_bold_cell(found, c, WriteOnlyCell, Font) for c in columns])
        return found

    def row(target: Any, values: list[Any]) -> None:
        cells = []
        for value in values:
            cell = WriteOnlyCell(target, value)
            if isinstance(value, str):
                cell.data_type = "s"  # names are text, never formulas (=, +, -, @)
            cells.append(cell)
        target.append(cells)

    rules = sheet(
        "考核细则",
        f"{answer['year']} 年度考核细则（满分 {answer['points']:g} 分）",
        ["项目", "计量方式", "计入的活动类型", "年度要求", "分值"],
        [34, 16, 40, 14, 8],
    )
    for c in criteria:
        kinds = "、".join(SCHEMA.enum_label("interaction_kind", k) for k in c["interaction_kinds"])
        if c["measure"] == "count":
            measure, need = "次数", f"{c['min_count']} 次"
        else:
            measure, need = "联系对象覆盖比例", f"{c['min_share']:.0%}"
        row(rules, [c["label"], measure, kinds or "全部类型", need, c["weight"]])

    leaders = sheet(
        "领导",
        f"{answer['year']} 年度 四个带头 考核{as_of}",
        [
            "编号",
            "姓名",
            "单位",
            "考核期间",
            *[c["label"] for c in criteria],
            *[f"{c['label']} 得分" for c in criteria],
            "合计",
            "上年",
            "增减",
            "全部达标",
        ],
        [8, 10, 14, 34, *[16] * len(criteria), *[10] * len(criteria), 8, 8, 8, 10],
    )
    evidence = sheet(
        "佐证",
        "佐证：计入各项的活动（日期、类型、对象）",
        ["领导编号", "姓名", "项目", "佐证"],
        [8, 10, 34, 60],
    )
    labels = {c["code"]: c["label"] for c in criteria}
    for card in answer["leaders"]:
        row(
            leaders,
            [
                card["id"],
                card["name"] or card["id"],
                card["department"] or "",
                period_text(card),
                *[criterion_value(c) for c in card["criteria"]],
                *[c["points"] for c in card["criteria"]],
                card["total"],
                card["previous"],
                card["change"],
                "是" if card["met_all"] else "否",
            ],
        )
        for c in card["criteria"]:
            for item in c["evidence"]:
                row(
                    evidence,
                    [card["id"], card["name"] or "", labels[c["code"]], evidence_text(item)],
                )

    for title, field, key_name in (
        ("单位", "departments", "单位"),
        ("乡镇街道", "towns", "乡镇街道"),
    ):
        rolled = sheet(
            title,
            f"按{key_name}汇总（平均分）",
            [key_name, "领导人数", "平均分", "全部达标人数", "上年平均分", "增减"],
            [24, 10, 10, 14, 12, 8],
        )
        for group in answer[field]:
            key = names.get(group["key"], group["key"]) if field == "towns" else group["key"]
            row(
                rolled,
                [
                    key or "（未填）",
                    group["leaders"],
                    group["mean_total"],
                    group["met_all"],
                    group["previous"],
                    group["change"],
                ],
            )
    workbook.save(output)


def _bold_cell(sheet: Any, value: str, cell_type: Any, font: Any) -> Any:
    cell = cell_type(sheet, value)
    cell.font = font(bold=True)
    return cell

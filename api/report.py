"""The planner's report: one workbook (XLSX) or one page (HTML) to forward.

:func:`collect` asks a workspace for the answers (the same analyses the CLI and the API
call); :func:`report_xlsx` and :func:`report_html` are pure functions of those answers.

The workbook has a summary sheet (status totals by kind and category, the five-line score),
a sheet per area, and sheets for gaps, leader load, single points, blind spots and
suggested assignments: Chinese headers, a title row with the as-of date and window, frozen
header rows, filters, column widths, status cells coloured. The page is self-contained
(inline styles, no script, a Content-Security-Policy that forbids every request) and every
name in it is escaped.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from concentric.api.downloads import GAP_COLUMNS, gap_row
from concentric.api.privacy import ALL_CLASSES, cut
from concentric.graph.engine.coverage import GraphTooLarge
from concentric.graph.schema.schema import SCHEMA
from concentric.graph.views.labels import (
    COUNT_HEADINGS,
    COUNT_KEYS,
    QUOTA_FILLS,
    QUOTA_LABELS,
    RATIO_SCALE,
    STATUS_COLORS,
    STATUS_FILLS,
    STATUSES,
    hex_argb,
)
from concentric.graph.views.render import FONT_STACK

if TYPE_CHECKING:
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet

    from concentric.graph.workspace import Workspace

__all__ = ["ReportData", "collect", "report_html", "write_xlsx"]


@dataclass(frozen=True)
class ReportData:
    """The answers a report is made of (each as the CLI's ``--json`` prints it)."""

    coverage: Mapping[str, Any]
    blind_spots: Mapping[str, Any]
    gaps: Mapping[str, Any]
    leaders: Mapping[str, Any]
    single_points: Mapping[str, Any]
    suggestions: Mapping[str, Any]
    #: Names of areas and leaders by id (answers carry ids).
    names: Mapping[str, str]
    #: The register's completeness (``concentric completeness --json``); None: no sheet.
    completeness: Mapping[str, Any] | None = None
    #: The field classes the report's reader may see: each row is cut to them as it is
    #: written (privacy.cut), so no cut copy of a whole answer is held beside the answer.
    classes: frozenset[str] = ALL_CLASSES

    @property
    def as_of(self) -> str:
        return str(self.coverage["as_of"])

    @property
    def window_days(self) -> int:
        return int(self.coverage["window_days"])

    @property
    def heading(self) -> str:
        return (
            f"截至 {self.as_of}，统计窗口 {self.window_days} 天 "
            f"(as of {self.as_of}, window {self.window_days} days)"
        )


def collect(
    workspace: Workspace, as_of: dt.date | None = None, window_days: int | None = None
) -> ReportData:
    """Every answer the report needs, from one workspace, for one date and window."""
    as_of = as_of or dt.date.today()
    names = workspace.names("area", "leader")
    return ReportData(
        coverage=workspace.coverage(as_of, window_days),
        blind_spots=workspace.blind_spots(as_of, window_days),
        gaps=workspace.gaps(as_of, window_days),
        leaders=workspace.leaders(as_of, window_days),
        single_points=workspace.single_points(as_of, window_days),
        suggestions=_suggestions(workspace, as_of, window_days),
        names=names,
        completeness=workspace.completeness(),
    )


def _suggestions(workspace: Workspace, as_of: dt.date, window_days: int | None) -> Any:
    """The recommended assignments, or none with the refusal's reason past the whole-graph
    limit (the report's other answers come from the engine at any size)."""
    try:
        return workspace.recommend(as_of, window_days)
    except GraphTooLarge as refusal:
        return {"items": [], "unassigned": [], "refused": str(refusal)}


# -- rows (shared by both formats) --------------------------------------------------------


#: One row of a table: its values and the code (status, quota) its coloured cell shows.
_Row = tuple[list[Any], str | None]


@dataclass(frozen=True)
class _Table:
    """One sheet or section: headings, rows, and which column holds a status code.

    ``rows`` is produced while it is written (a generator over the answer's items), so a
    table of a province's gaps is never held as a second copy of the answer.
    """

    name: str
    title: str
    headings: Sequence[str]
    rows: Iterable[_Row]
    widths: Sequence[int]
    #: (column index, fills by code) for the coloured cell of each row.
    colour_column: int | None = None
    colours: Mapping[str, str] | None = None
    percent_columns: tuple[int, ...] = ()


def _plain(rows: Iterable[list[Any]]) -> Iterator[_Row]:
    return ((values, None) for values in rows)


def _status(code: str | None) -> str:
    return SCHEMA.enum_label("coverage_status", code) if code else ""


def _kind(code: str) -> str:
    return str(SCHEMA.node_kinds.get(code, {}).get("label", code))


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _count_row(label: str, counts: Mapping[str, int]) -> list[Any]:
    return [
        label,
        *(counts[k] for k in COUNT_KEYS),
        _ratio(counts["covered"], counts["targets"]),
        _ratio(counts["covered"] + counts["indirect"], counts["targets"]),
    ]


def _totals_table(data: ReportData) -> _Table:
    summary = data.coverage
    rows = [_count_row("合计", summary["totals"])]
    rows += [_count_row(_kind(k), v) for k, v in summary["by_kind"].items()]
    rows += [
        _count_row(SCHEMA.enum_label("figure_category", k) or k, v)
        for k, v in summary["by_category"].items()
    ]
    return _Table(
        "totals",
        "状态合计 status totals (合计、对象类型、人士类别)",
        ["范围", *COUNT_HEADINGS, "覆盖率", "可及率"],
        _plain(rows),
        (26, 9, 9, 10, 10, 9, 9, 9),
        percent_columns=(6, 7),
    )


def _lines_table(data: ReportData) -> _Table:
    rows = []
    for line in data.blind_spots.get("lines", []):
        if line["line"] == "center":
            note = (
                f"联系领导配额达标 {line.get('leaders_quota_ok', 0)}/{line.get('leaders', 0)}；"
                f"有民族工作站的乡镇街道 {line.get('towns_with_station', 0)}/{line.get('towns', 0)}"
            )
        else:
            worst = [
                f"{w.get('area_name') or w['area_id']} "
                f"({w.get('covered', 0)}/{w.get('targets', 0)})"
                for w in line.get("worst_areas", [])
            ]
            note = "薄弱区域：" + "、".join(worst) if worst else ""
        rows.append(
            [
                line.get("label") or SCHEMA.enum_label("line", line["line"]),
                None if line["line"] == "center" else line.get("targets"),
                None if line["line"] == "center" else line.get("covered"),
                line.get("ratio"),
                line.get("reach"),
                note,
            ]
        )
    return _Table(
        "lines",
        "统战五线谱 five-line score",
        ["条线", "对象", "已覆盖", "得分/覆盖率", "可及率", "说明"],
        _plain(rows),
        (18, 8, 8, 12, 9, 70),
        percent_columns=(3, 4),
    )


def _areas_table(data: ReportData) -> _Table:
    rows = (
        [area, data.names.get(area, area), *_count_row("", counts)[1:]]
        for area, counts in data.coverage["by_area"].items()
    )
    return _Table(
        "areas",
        "区域覆盖 coverage by area (含下级区域)",
        ["区域编号", "区域", *COUNT_HEADINGS, "覆盖率", "可及率"],
        _plain(rows),
        (10, 16, 8, 8, 10, 10, 8, 9, 9),
        percent_columns=(7, 8),
    )


def _gaps_table(data: ReportData) -> _Table:
    names = data.names
    return _Table(
        "gaps",
        f"缺口清单 gaps: {data.gaps['total']} (未覆盖、久未联系)",
        list(GAP_COLUMNS),
        ((gap_row(i, names), i["status"]) for i in data.gaps["items"]),
        (10, 24, 12, 18, 14, 10, 24, 12),
        colour_column=5,
        colours=STATUS_FILLS,
    )


def _leaders_table(data: ReportData) -> _Table:
    rows = (
        (
            [
                i["id"],
                i["name"],
                i.get("post") or "",
                i["assigned"],
                i["figures"],
                i["active"],
                i.get("stale"),
                i.get("stale_share"),
                i["last_interaction"] or "",
                i["quota_min"],
                i["quota_max"],
                QUOTA_LABELS.get(i["quota_status"], i["quota_status"]),
            ],
            i["quota_status"],
        )
        for i in data.leaders["items"]
    )
    return _Table(
        "leaders",
        "联系领导负荷 leader load (人士数低于下限为不足，联系对象高于上限为超额)",
        [
            "编号",
            "姓名",
            "职务",
            "联系对象",
            "其中人士",
            "活跃",
            "久未联系",
            "久未联系占比",
            "最近活动",
            "下限",
            "上限",
            "配额状态",
        ],
        rows,
        (8, 10, 30, 9, 9, 7, 9, 12, 12, 7, 7, 10),
        colour_column=11,
        colours=QUOTA_FILLS,
        percent_columns=(7,),
    )


def _single_points_table(data: ReportData) -> _Table:
    items = data.single_points["items"]
    rows = (
        (
            [
                i["leader_id"],
                i.get("leader_name") or data.names.get(i["leader_id"], ""),
                i["id"],
                i.get("name") or "",
                _kind(i["kind"]),
                _status(i.get("status")),
            ],
            i.get("status"),
        )
        for i in items
    )
    return _Table(
        "single_points",
        f"单点联系 single points: {data.single_points.get('total', len(items))} (仅一位联系领导)",
        ["领导编号", "联系领导", "对象编号", "对象名称", "类型", "状态"],
        rows,
        (10, 12, 10, 30, 12, 10),
        colour_column=5,
        colours=STATUS_FILLS,
    )


def _blind_spots_table(data: ReportData) -> _Table:
    answer = data.blind_spots
    cells = answer["items"]
    stations = answer.get("areas_without_station", [])
    units = answer.get("units_outside_joint_meeting", [])

    def rows() -> Iterator[_Row]:
        for cell in cells:
            yield (
                [
                    "类别无人覆盖",
                    cell["area_id"],
                    cell.get("area_name") or data.names.get(cell["area_id"], ""),
                    SCHEMA.enum_label("figure_category", cell["category"]) or cell["category"],
                    cell["figures"],
                    cell["covered"],
                    "",
                ],
                "uncovered",
            )
        for area in stations:
            yield (
                ["无民族工作站", area, data.names.get(area, area), "", None, None, ""],
                "uncovered",
            )
        for unit in units:
            yield (
                [
                    "驻区单位未入联席会议且未覆盖",
                    unit["id"],
                    unit.get("name") or "",
                    "",
                    None,
                    None,
                    _status(unit.get("status")),
                ],
                unit.get("status"),
            )

    return _Table(
        "blind_spots",
        f"盲区和死角 blind spots: {len(cells) + len(stations) + len(units)}",
        ["问题", "编号", "名称", "人士类别", "人士数", "已覆盖", "状态"],
        rows(),
        (26, 10, 30, 22, 8, 8, 10),
        colour_column=0,
        colours=STATUS_FILLS,
    )


def _suggestions_table(data: ReportData) -> _Table:
    answer = data.suggestions
    items = answer["items"]
    unassigned = answer.get("unassigned", [])

    def rows() -> Iterator[_Row]:
        for i in items:
            yield (
                [
                    i["target_id"],
                    i.get("target_name") or "",
                    _kind(i["kind"]),
                    _status(i.get("status")),
                    i["leader_id"],
                    i.get("leader_name") or data.names.get(i["leader_id"], ""),
                    i["cost"],
                    "；".join(i.get("reasons", [])),
                ],
                i.get("status"),
            )
        for i in unassigned:
            yield (
                [
                    i["target_id"],
                    i.get("target_name") or "",
                    _kind(i["kind"]),
                    _status(i.get("status")),
                    "",
                    "（无法分配）",
                    None,
                    i.get("reason") or "",
                ],
                i.get("status"),
            )

    title = f"建议分工 suggested assignments: {len(items)}，无法分配 unassigned: {len(unassigned)}"
    if answer.get("refused"):
        title = f"建议分工 suggested assignments: 未生成 not made ({answer['refused']})"
    return _Table(
        "suggestions",
        title,
        ["对象编号", "对象名称", "类型", "状态", "建议领导编号", "建议联系领导", "代价", "理由"],
        rows(),
        (10, 28, 12, 10, 12, 12, 7, 80),
        colour_column=3,
        colours=STATUS_FILLS,
    )


#: The completeness sheets' check columns, in the engine's order.
_CHECK_HEADINGS = {
    "no_area": "无所在区域",
    "no_category_details": "缺类别信息",
    "no_phone": "无电话",
    "no_organization": "无所属组织",
    "no_joint_meeting": "联席会议未填",
    "no_post": "无职务",
    "never_contacted": "从未联系",
}
_SCOPE_TABLES = {
    "figures": "党外代表人士",
    "organizations": "组织",
    "units": "驻区单位",
    "leaders": "联系领导",
}


def _completeness_table(data: ReportData) -> _Table:
    """Per table, per area (with the areas below; worst first) and per source file."""
    answer = data.completeness or {"tables": {}, "areas": [], "files": []}

    def row(scope: str, key: str, name: str, tally: Mapping[str, Any]) -> _Row:
        counts = [tally["missing"].get(check, 0) for check in _CHECK_HEADINGS]
        return [
            scope,
            key,
            name,
            tally["records"],
            tally["complete"],
            tally["ratio"],
            *counts,
        ], None

    def rows() -> Iterator[_Row]:
        for table, tally in answer["tables"].items():
            yield row("表", table, _SCOPE_TABLES.get(table, table), tally)
        for area in answer["areas"]:
            yield row("区域", area["area_id"], area["name"] or "（无区域）", area)
        for source in answer["files"]:
            yield row("文件", Path(source["file"]).name, source["file"], source)

    return _Table(
        "completeness",
        "底数完整性 completeness: 完整率 = 各项检查全部通过的记录 / 参与检查的记录"
        "（区域含下级区域）",
        ["范围", "编号", "名称", "记录", "完整", "完整率", *_CHECK_HEADINGS.values()],
        rows(),
        (6, 16, 30, 8, 8, 9, *(11,) * len(_CHECK_HEADINGS)),
        percent_columns=(5,),
    )


def _incomplete_table(data: ReportData) -> _Table:
    """Each incomplete record, with what it lacks (as the reader may see it)."""
    from concentric.api.routers.register import completeness_for

    answer = completeness_for(data.completeness or {"items": []}, data.classes)
    items = answer["items"]
    rows = (
        [
            i["id"],
            i["name"],
            _kind(i["kind"]),
            i["area_id"] or "",
            Path(i["file"]).name,
            i["line"],
            "、".join(_CHECK_HEADINGS[m] for m in i["missing"]),
        ]
        for i in items
    )
    return _Table(
        "incomplete",
        f"不完整的记录 incomplete records: {len(items)}",
        ["编号", "名称", "类型", "所在区域", "来源文件", "行", "缺少"],
        _plain(rows),
        (10, 28, 12, 10, 20, 6, 50),
    )


_SHEETS: tuple[tuple[str, Callable[[ReportData], _Table]], ...] = (
    ("缺口", _gaps_table),
    ("领导负荷", _leaders_table),
    ("单点联系", _single_points_table),
    ("盲区", _blind_spots_table),
    ("建议分工", _suggestions_table),
    ("区域", _areas_table),
    ("底数完整性", _completeness_table),
    ("不完整记录", _incomplete_table),
)


# -- XLSX -------------------------------------------------------------------------------------


def write_xlsx(data: ReportData, output: Path | IO[bytes]) -> None:
    """The report as an XLSX workbook, written to ``output`` row by row.

    A write-only workbook: each row goes to the sheet's stream as it is made, so memory
    does not grow with the rows (widths and frozen panes are set before the first row,
    since a streamed sheet writes them first).
    """
    from openpyxl import Workbook
    from openpyxl.formatting.rule import ColorScaleRule

    workbook = Workbook(write_only=True)
    summary = workbook.create_sheet("概况")
    for index, width in enumerate((26, 9, 9, 12, 10, 10, 9, 9)):
        summary.column_dimensions[_letter(index)].width = width
    summary.freeze_panes = "A2"
    _title(summary, f"联系交友工作报告 · {data.heading}")
    summary.append(
        ["覆盖率 = 已覆盖 / 对象；可及率 = (已覆盖 + 间接覆盖) / 对象；区域含下级区域。"]
    )
    summary.append([])
    row = 4
    for number, table in enumerate((_lines_table(data), _totals_table(data))):
        if number:
            summary.append([])
        summary.append([_styled(summary, table.title, font=_bold())])
        first = row + 2
        last = row + 1 + _write_table(summary, table, data.classes)
        for column in table.percent_columns:
            letter = _letter(column)
            summary.conditional_formatting.add(
                f"{letter}{first}:{letter}{last}",
                ColorScaleRule(  # type: ignore[no-untyped-call]
                    start_type="num",
                    start_value=0,
                    start_color=hex_argb(RATIO_SCALE[0]),
                    mid_type="num",
                    mid_value=0.5,
                    mid_color=hex_argb(RATIO_SCALE[1]),
                    end_type="num",
                    end_value=1,
                    end_color=hex_argb(RATIO_SCALE[2]),
                ),
            )
        row = last + 2

    for sheet_name, make in _SHEETS:
        table = make(data)
        sheet = workbook.create_sheet(sheet_name)
        for index, width in enumerate(table.widths):
            sheet.column_dimensions[_letter(index)].width = width
        sheet.freeze_panes = "A3"
        _title(sheet, f"{table.title} · {data.heading}")
        written = _write_table(sheet, table, data.classes)
        if written:
            sheet.auto_filter.ref = f"A2:{_letter(len(table.headings) - 1)}{written + 2}"
    workbook.save(output)


def _letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


def _bold() -> Any:
    from openpyxl.styles import Font

    return Font(bold=True)


def _styled(sheet: WriteOnlyWorksheet, value: Any, **style: Any) -> Any:
    """A cell of a streamed sheet with a style (font, fill, number_format)."""
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value)
    for name, setting in style.items():
        setattr(cell, name, setting)
    return cell


def _title(sheet: WriteOnlyWorksheet, text: str) -> None:
    from openpyxl.styles import Font

    sheet.append([_styled(sheet, text, font=Font(bold=True, size=13))])


def _write_table(sheet: WriteOnlyWorksheet, table: _Table, classes: frozenset[str]) -> int:
    """The headings row, then each row cut to ``classes``; numbers stay numbers.
    Returns the number of rows written under the headings."""
    from openpyxl.styles import PatternFill

    header_fill = PatternFill("solid", fgColor="E9ECEF")
    fills = {
        code: PatternFill("solid", fgColor=hex_argb(colour))
        for code, colour in (table.colours or {}).items()
    }
    bold = _bold()
    sheet.append([_styled(sheet, h, font=bold, fill=header_fill) for h in table.headings])
    count = 0
    for values, code in table.rows:
        cells: list[Any] = list(cut(values, classes))
        for column, value in enumerate(cells):
            if isinstance(value, str) and value.startswith("="):
                cells[column] = _styled(sheet, value, data_type="s")  # a name is text
            elif column in table.percent_columns and isinstance(value, float):
                cells[column] = _styled(sheet, value, number_format="0%")
        fill = fills.get(code or "")
        if fill is not None and table.colour_column is not None:
            column = table.colour_column
            cell = cells[column]
            if hasattr(cell, "fill"):
                cell.fill = fill
            else:
                cells[column] = _styled(sheet, cell, fill=fill)
        sheet.append(cells)
        count += 1
    return count


# -- HTML -------------------------------------------------------------------------------------


_CSS = """
body { font-family: %(font)s; margin: 24px; color: #212529; }
h1 { font-size: 1.4em; margin-bottom: 0.2em; }
h2 { font-size: 1.15em; margin-top: 1.6em; border-bottom: 1px solid #dee2e6; }
p.meta { color: #495057; margin-top: 0; }
table { border-collapse: collapse; font-size: 0.9em; margin: 0.4em 0 1em; }
th, td { border: 1px solid #dee2e6; padding: 3px 8px; text-align: left; vertical-align: top; }
th { background: #e9ecef; position: sticky; top: 0; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.cards { display: flex; gap: 12px; flex-wrap: wrap; }
.card { border: 1px solid #dee2e6; border-radius: 6px; padding: 8px 14px; min-width: 110px; }
.card b { display: block; font-size: 1.5em; }
.bar { background: #e9ecef; width: 160px; height: 10px; display: inline-block; }
.bar span { background: %(covered)s; height: 10px; display: block; }
details summary { cursor: pointer; color: #1c7ed6; }
@media print { th { position: static; } }
"""


def report_html(data: ReportData) -> str:
    """The report as one self-contained HTML page (no script, no request of any kind)."""
    e = html.escape
    totals = data.coverage["totals"]
    cards = "".join(
        f'<div class="card">{e(heading)}<b style="color:{colour}">{totals[key]}</b></div>'
        for key, heading, colour in zip(
            COUNT_KEYS,
            COUNT_HEADINGS,
            ("#212529", *(STATUS_COLORS[s] for s in STATUSES)),
            strict=True,
        )
    )
    ratio = _ratio(totals["covered"], totals["targets"])
    reach = _ratio(totals["covered"] + totals["indirect"], totals["targets"])
    parts = [
        "<!DOCTYPE html>",
        '<html lang="zh-CN"><head><meta charset="utf-8">',
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'\">",
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>联系交友工作报告 {e(data.as_of)}</title>",
        f"<style>{_CSS % {'font': FONT_STACK, 'covered': STATUS_COLORS['covered']}}</style>",
        "</head><body>",
        "<h1>联系交友工作报告 · contact-friendship report</h1>",
        f'<p class="meta">{e(data.heading)}。覆盖率 {_percent(ratio)}，可及率 {_percent(reach)}。'
        "覆盖率 = 已覆盖 / 对象；可及率 = (已覆盖 + 间接覆盖) / 对象。</p>",
        f'<div class="cards">{cards}</div>',
    ]
    lines = _lines_table(data)
    parts.append(f"<h2>{e(lines.title)}</h2>")
    parts.append(_html_table(lines, data.classes, bars=(3,))[0])
    for table in (_totals_table(data), *(make(data) for _, make in _SHEETS)):
        parts.append(f"<h2>{e(table.title)}</h2>")
        markup, count = _html_table(table, data.classes)
        if count > 40:
            parts.append(f"<details open><summary>{count} 行 rows</summary>{markup}</details>")
        else:
            parts.append(markup)
    parts.append(
        f'<p class="meta">由 Concentric 生成 · generated by Concentric · {e(data.as_of)}</p>'
    )
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def _percent(value: Any) -> str:
    return f"{value:.0%}" if isinstance(value, float) else "–"


def _html_table(
    table: _Table, classes: frozenset[str], bars: Iterable[int] = ()
) -> tuple[str, int]:
    """The table's markup, each row cut to ``classes``, and its number of rows."""
    e = html.escape
    bar_columns = set(bars)
    head = "".join(f"<th>{e(h)}</th>" for h in table.headings)
    body = []
    for values, code in table.rows:
        colour = table.colours.get(code or "") if table.colours else None
        cells = []
        for column, value in enumerate(cut(values, classes)):
            style = (
                f' style="background:{colour}"' if colour and column == table.colour_column else ""
            )
            if column in table.percent_columns:
                text = _percent(value)
                if column in bar_columns and isinstance(value, float):
                    width = max(0, min(100, round(value * 100)))
                    text = (
                        f'<span class="bar"><span style="width:{width}%"></span></span> {e(text)}'
                    )
                else:
                    text = e(text)
                cells.append(f'<td class="num"{style}>{text}</td>')
            elif isinstance(value, int | float) and not isinstance(value, bool):
                cells.append(f'<td class="num"{style}>{value}</td>')
            else:
                cells.append(f"<td{style}>{e('' if value is None else str(value))}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    count = len(body)
    if not body:
        body.append(f'<tr><td colspan="{len(table.headings)}">无 none</td></tr>')
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>", count

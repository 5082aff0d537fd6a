"""Gap lists as files a planner can forward: CSV (Excel-friendly UTF-8) and XLSX."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from typing import Any

from concentric.graph.schema.schema import SCHEMA

__all__ = ["GAP_COLUMNS", "gap_row", "gap_rows", "gaps_csv", "gaps_xlsx"]

# (Chinese header, function of the gap item and the names map)
GAP_COLUMNS = ("编号", "名称", "类型", "类别", "区域", "状态", "联系领导", "最近联系")


def gap_rows(answer: dict[str, Any], names: dict[str, str]) -> list[list[str]]:
    """One row of Chinese text per gap item."""
    return [gap_row(item, names) for item in answer["items"]]


def gap_row(item: Mapping[str, Any], names: Mapping[str, str]) -> list[str]:
    """One gap item as a row of Chinese text (:data:`GAP_COLUMNS`)."""
    subtype = SCHEMA.enum_label("figure_category", item["category"]) or SCHEMA.enum_label(
        f"{item['kind']}_kind", item.get("type")
    )
    return [
        item["id"],
        item["name"] or "",
        SCHEMA.node_kinds[item["kind"]]["label"],
        subtype,
        names.get(item["area_id"] or "", ""),
        SCHEMA.enum_label("coverage_status", item["status"]),
        "、".join(names.get(lead, lead) for lead in item["assigned_leaders"]),
        str(item["last_contact"] or ""),
    ]


def _safe(cell: str) -> str:
    # A cell starting with = + - @ would run as a formula in Excel: keep it text.
    return "'" + cell if cell[:1] in ("=", "+", "-", "@") else cell


def gaps_csv(answer: dict[str, Any], names: dict[str, str]) -> bytes:
    """CSV with a BOM, so Excel opens the Chinese text correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([f"缺口清单 as of {answer['as_of']}, window {answer['window_days']} days"])
    writer.writerow(GAP_COLUMNS)
    writer.writerows([[_safe(c) for c in row] for row in gap_rows(answer, names)])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def gaps_xlsx(answer: dict[str, Any], names: dict[str, str]) -> bytes:
    """A workbook with a title row, frozen header and sensible column widths.

    Write-only: each row goes to the sheet's stream as it is made, so a province's gap list
    (hundreds of thousands of rows) never stands in memory as cell objects; widths and the
    frozen pane are set before the first row, since a streamed sheet writes them first.
    """
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font, PatternFill

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("缺口 gaps")
    sheet.freeze_panes = "A3"
    for letter, width in zip("ABCDEFGH", (10, 22, 12, 18, 14, 10, 24, 12), strict=True):
        sheet.column_dimensions[letter].width = width

    def text(value: str) -> Any:  # a WriteOnlyCell (a function in the stubs)
        cell = WriteOnlyCell(sheet, value)
        cell.data_type = "s"  # names are text, never formulas (=, +, -, @)
        return cell

    sheet.append([f"缺口清单 as of {answer['as_of']}, window {answer['window_days']} days"])
    header = []
    for heading in GAP_COLUMNS:
        cell = text(heading)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="EEEEEE")
        header.append(cell)
    sheet.append(header)
    for item in answer["items"]:
        sheet.append([text(value) for value in gap_row(item, names)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()

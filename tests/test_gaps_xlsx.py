"""The gap list as an XLSX file (``/gaps.xlsx``), written row by row: the same title row,
headings, frozen pane and widths, every value text (a name that looks like a formula stays
a name). Expected cells are written here by hand from the labels of domain.md and schema.yaml."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from concentric.api.downloads import GAP_COLUMNS, gaps_xlsx

ANSWER = {
    "as_of": "2026-11-27",
    "window_days": 90,
    "items": [
        {
            "id": "F1",
            "name": '=HYPERLINK("http://x","张伟")',
            "kind": "figure",
            "category": "intellectual",
            "type": None,
            "area_id": "A2",
            "status": "uncovered",
            "assigned_leaders": [],
            "last_contact": None,
        },
        {
            "id": "U1",
            "name": "-1+兰州理工大学",
            "kind": "unit",
            "category": None,
            "type": "university",
            "area_id": "A1",
            "status": "stale",
            "assigned_leaders": ["L1", "L9"],
            "last_contact": "2026-01-05",
        },
    ],
}
NAMES = {"A1": "七里河区", "A2": "阿干镇", "L1": "王书记"}


def test_gaps_xlsx_rows_headings_and_layout() -> None:
    book = load_workbook(io.BytesIO(gaps_xlsx(ANSWER, NAMES)))
    sheet = book.active
    assert sheet is not None
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0][0] == "缺口清单 as of 2026-11-27, window 90 days"
    assert rows[1] == list(GAP_COLUMNS)
    assert rows[2:] == [
        ["F1", "=HYPERLINK(\"http://x\",\"张伟\")", "党外代表人士", "党外知识分子", "阿干镇",
         "未覆盖", None, None],
        ["U1", "-1+兰州理工大学", "驻区单位", "高校", "七里河区", "久未联系", "王书记、L9",
         "2026-01-05"],
    ]  # fmt: skip
    values = [cell for row in sheet.iter_rows(min_row=3) for cell in row if cell.value]
    assert len(values) == 14 and all(cell.data_type == "s" for cell in values)
    assert all(cell.font.bold for cell in sheet[2])
    assert sheet.freeze_panes == "A3"
    assert sheet.column_dimensions["A"].width == 10
    assert sheet.column_dimensions["G"].width == 24

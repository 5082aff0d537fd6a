"""Write one blank Excel template per table of ``graph/schema/schema.yaml`` to ``data/templates/``.

Each ``<table>.xlsx`` has:

* a first sheet (named after the table's Chinese label) with the Chinese column names in
  row 1, exactly the aliases the loader reads; required columns are bold on an orange fill,
  the header row is frozen and filtered, columns have widths, enumeration and yes/no
  columns have drop-down lists of the Chinese labels, date columns a date format;
* a second sheet ``说明`` describing every column (English name, Chinese name, required,
  type, allowed values, default).

The output is deterministic (fixed workbook timestamps and zip entry dates).

Usage::

    python scripts/make_templates.py [--out data/templates]
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import yaml
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet
from stable_xlsx import save_workbook  # scripts/ is on sys.path

ROOT = Path(__file__).resolve().parent.parent
SCHEMA_PATH = ROOT / "graph" / "schema" / "schema.yaml"
DEFAULT_OUT = ROOT / "data" / "templates"
CREATOR = "Concentric template generator"
LAST_ROW = 2000  # rows that carry the drop-down lists and formats

REQUIRED_FILL = PatternFill("solid", fgColor="F8CBAD")
OPTIONAL_FILL = PatternFill("solid", fgColor="DDEBF7")
THIN = Side(style="thin", color="999999")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
LIST_SEPARATORS = "；、;,，"


def load_schema(path: Path = SCHEMA_PATH) -> dict[str, Any]:
    with path.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def kinds_label(schema: dict[str, Any], kinds: str) -> str:
    labels = [schema["node_kinds"][k]["label"] for k in kinds.split("|")]
    return "或".join(labels)


def describe_type(schema: dict[str, Any], ctype: str) -> str:
    """Chinese description of a column type."""
    if ctype == "str":
        return "文本"
    if ctype == "int":
        return "整数"
    if ctype == "bool":
        return "是/否"
    if ctype == "date":
        return "日期（YYYY-MM-DD，也可 YYYY/MM/DD、YYYY年M月D日）"
    if ctype == "list":
        return f"多个文本（用 {LIST_SEPARATORS} 分隔）"
    kind, _, arg = ctype.partition(":")
    if kind == "enum":
        return "单选"
    if kind == "enums":
        return f"多选（用 {LIST_SEPARATORS} 分隔）"
    if kind == "ref":
        return f"编号（{kinds_label(schema, arg)}）"
    if kind == "refs":
        return f"多个编号（{kinds_label(schema, arg)}，用 {LIST_SEPARATORS} 分隔）"
    return ctype


def allowed_values(schema: dict[str, Any], ctype: str) -> str:
    if ctype == "bool":
        return "是、否（也接受 true/false、1/0、yes/no）"
    kind, _, arg = ctype.partition(":")
    if kind not in {"enum", "enums"}:
        return ""
    aliases = schema.get("enumeration_aliases", {}).get(arg, {})
    parts = []
    for code, label in schema["enumerations"][arg].items():
        extra = " / ".join(aliases.get(code, []))
        text = f"{label}（{code}）"
        if extra:
            text += f"，亦可写 {extra}"
        parts.append(text)
    return "；".join(parts)


def labels(schema: dict[str, Any], ctype: str) -> list[str]:
    if ctype == "bool":
        return ["是", "否"]
    kind, _, arg = ctype.partition(":")
    if kind in {"enum", "enums"}:
        return list(schema["enumerations"][arg].values())
    return []


def column_width(alias: str, ctype: str, values: list[str]) -> float:
    width = len(alias) * 2 + 4
    if ctype == "date":
        width = max(width, 14)
    elif ctype.startswith(("refs:", "enums:")) or ctype == "list":
        width = max(width, 24)
    elif ctype.startswith("enum:"):
        width = max(width, max((len(v) for v in values), default=0) * 2 + 4)
    elif ctype == "str":
        width = max(width, 16)
    return float(min(width, 40))


def add_validation(ws: Worksheet, schema: dict[str, Any], col: str, name: str, ctype: str) -> None:
    cells = f"{col}2:{col}{LAST_ROW}"
    values = labels(schema, ctype)
    if values:
        formula = '"' + ",".join(values) + '"'
        if len(formula) > 257 or any("," in v for v in values):
            return  # Excel's inline lists are limited to 255 characters
        multi = ctype.startswith("enums:")
        dv = DataValidation(
            type="list",
            formula1=formula,
            allow_blank=True,
            # a multi-value cell ("合作线；引导线") is not one list item: no error for it;
            # a single value only warns, since the other spellings on 说明 load too
            showErrorMessage=not multi,
            errorStyle="warning",
            errorTitle="取值不在列表中",
            error="请从下拉列表中选择，或填写说明页列出的其他写法。",
            promptTitle=name,
            prompt=("可多选，用 ；、; 分隔" if multi else "请从下拉列表中选择"),
            showInputMessage=True,
        )
    elif ctype == "int":
        dv = DataValidation(
            type="whole",
            operator="greaterThanOrEqual",
            formula1="0",
            allow_blank=True,
            showErrorMessage=True,
            errorStyle="stop",
            errorTitle="需要整数",
            error="请填写不小于 0 的整数。",
            promptTitle=name,
            prompt="整数，留空则使用默认值",
            showInputMessage=True,
        )
    elif ctype == "date":
        dv = DataValidation(
            allow_blank=True,
            promptTitle=name,
            prompt="日期，如 2025-03-01",
            showInputMessage=True,
        )
    elif ctype.startswith(("ref:", "refs:")):
        kind, _, arg = ctype.partition(":")
        many = "，多个用 ；、; 分隔" if kind == "refs" else ""
        dv = DataValidation(
            allow_blank=True,
            promptTitle=name,
            prompt=f"填写{kinds_label(schema, arg)}的编号{many}",
            showInputMessage=True,
        )
    else:
        return
    dv.add(cells)
    ws.add_data_validation(dv)


def note_for(col: dict[str, Any]) -> str:
    return {"sensitive": "敏感个人信息", "personal": "个人信息"}.get(col.get("class", ""), "")


def write_template(schema: dict[str, Any], table: str, path: Path) -> None:
    spec = schema["tables"][table]
    wb = Workbook()
    ws = wb.active
    ws.title = spec["label"]
    header_font = Font(bold=True)
    for i, (name, col) in enumerate(spec["columns"].items(), start=1):
        alias = col["aliases"][0]
        ctype = col["type"]
        letter = get_column_letter(i)
        cell = ws.cell(row=1, column=i, value=alias)
        required = bool(col.get("required"))
        cell.font = Font(bold=True, color="C00000") if required else header_font
        cell.fill = REQUIRED_FILL if required else OPTIONAL_FILL
        cell.border = BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center")
        dim = ws.column_dimensions[letter]
        dim.width = column_width(alias, ctype, labels(schema, ctype))
        if ctype == "date":
            dim.number_format = "yyyy-mm-dd"
        elif ctype.startswith("ref") or (ctype == "str" and name in {"id", "phone"}):
            dim.number_format = "@"  # ids and phone numbers are text, keep leading zeros
        add_validation(ws, schema, letter, alias, ctype)
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(spec['columns']))}1"
    ws.row_dimensions[1].height = 22

    notes = wb.create_sheet("说明")
    notes.append([f"表 {table}（{spec['label']}）"])
    notes["A1"].font = Font(bold=True, size=13)
    notes.append(
        [
            "橙色表头为必填列，蓝色为选填列；表头文字请勿修改。"
            "同一单元格填写多个值时用 ；、; 分隔。编号在整个数据集内唯一。",
        ]
    )
    notes.append([])
    head = ["中文列名", "英文列名", "必填", "类型", "允许值", "默认值", "备注"]
    notes.append(head)
    for cell in notes[4]:
        cell.font = Font(bold=True)
        cell.fill = OPTIONAL_FILL
        cell.border = BORDER
    for name, col in spec["columns"].items():
        ctype = col["type"]
        default = col.get("default")
        if isinstance(default, bool):
            default = "是" if default else "否"
        elif ctype.startswith("enum:") and default is not None:
            default = schema["enumerations"][ctype[5:]][default]
        notes.append(
            [
                col["aliases"][0],
                name,
                "是" if col.get("required") else "否",
                describe_type(schema, ctype),
                allowed_values(schema, ctype),
                "" if default is None else str(default),
                note_for(col),
            ]
        )
        row = notes.max_row
        for cell in notes[row]:
            cell.border = BORDER
            cell.alignment = Alignment(vertical="top", wrap_text=True)
        if col.get("required"):
            notes.cell(row=row, column=1).fill = REQUIRED_FILL
    for letter, width in zip("ABCDEFG", [14, 14, 6, 30, 70, 10, 16], strict=True):
        notes.column_dimensions[letter].width = width
    notes.freeze_panes = "A5"
    save_workbook(wb, path, CREATOR)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder")
    parser.add_argument("--schema", type=Path, default=SCHEMA_PATH, help="schema.yaml to read")
    args = parser.parse_args()
    schema = load_schema(args.schema)
    args.out.mkdir(parents=True, exist_ok=True)
    for table in schema["tables"]:
        path = args.out / f"{table}.xlsx"
        write_template(schema, table, path)
        print(path)


if __name__ == "__main__":
    main()

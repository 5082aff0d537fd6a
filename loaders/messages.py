"""Every load problem's wording, in Chinese and English, from one table of templates.

A problem is built from a code and its fields (:func:`problem`), never translated after
the fact: the CLI prints the English text (``file:line: column: message``), the upload
page the Chinese one. The English templates are the CLI's wording, unchanged.

>>> problem_text("unknown_id", value="L9", expected="a leader", expected_zh="联系领导")
('未知编号“L9”（应为联系领导）', "unknown id 'L9' (expected a leader)")
"""

from __future__ import annotations

from typing import Any

from concentric.graph.schema.model import Problem
from concentric.graph.schema.schema import SCHEMA

__all__ = ["PROBLEM_TEXT", "kind_label", "problem", "problem_text"]

# code -> (Chinese, English), ``str.format`` templates over the same fields. Chinese text
# quotes a value as “…”; English keeps the repr the CLI has always printed.
PROBLEM_TEXT: dict[str, tuple[str, str]] = {
    # one cell (loaders.cells)
    "date_serial": ("不是日期：“{value}”", "not a date: {value!r}"),
    "date_format": (
        "不是日期：“{value}”（请写成 2026-01-05、2026/01/05 或 2026年1月5日）",
        "not a date: {value!r} (use YYYY-MM-DD, YYYY/MM/DD or YYYY年M月D日)",
    ),
    "date_impossible": ("不是日期：“{value}”（没有这一天）", "not a date: {value!r} ({reason})"),
    "not_bool": (
        "不是“是/否”值：“{value}”（请填 是/否、1/0）",
        "not a yes/no value: {value!r} (use true/false, 1/0, yes/no or 是/否)",
    ),
    "int_range": ("数字超出范围：“{value}”", "number out of range: {value!r}"),
    "not_int": ("不是整数：“{value}”", "not a whole number: {value!r}"),
    "enum_unknown": (
        "未知的值“{value}”（可选：{labels}）",
        "unknown value {value!r} (allowed: {choices})",
    ),
    "not_single": ("应为单个值，而不是“{value}”", "expected a single value, not {value!r}"),
    "column_type": (
        "列类型“{type}”导入程序不认识",
        "column type {type!r} is not known to the loader",
    ),
    # headers and rows (loaders.dataset)
    "same_column": ("与“{other}”是同一列", "names the same column as {other!r}"),
    "column_missing": (
        "缺少必填列（表头应为 {headers_zh}）",
        "required column is missing (header {headers})",
    ),
    "value_missing": ("缺少必填值", "required value is missing"),
    "duplicate_id": (
        "编号“{value}”重复（与 {other_name} 第 {other_line} 行的{other_kind_zh}相同）",
        "duplicate id {value!r} (also the {other_kind} at {other_file}:{other_line})",
    ),
    "id_other_kind": (
        "编号“{value}”在库中已是{was_zh}；编号在整个数据集中必须唯一",
        "id {value!r} is already a {was} in the store; ids are unique across the dataset",
    ),
    "unknown_id": (
        "未知编号“{value}”（应为{expected_zh}）",
        "unknown id {value!r} (expected {expected})",
    ),
    "wrong_kind": (
        "“{value}”是{found_zh}，但此列需要{expected_zh}",
        "{value!r} is a {found}, but this column needs {expected}",
    ),
    "own_ancestor": (
        "{kind_zh}“{value}”是自己的上级（{path}）",
        "{kind} {value!r} is its own ancestor ({path})",
    ),
    "ends_before_start": (
        "结束日期（{until}）早于开始日期（{since}）",
        "ends ({until}) before it starts ({since})",
    ),
    "same_link": (
        "与 {first_name} 第 {first_line} 行是同一条{kind_zh}记录，保留后一行",
        "same {kind} as {first_file}:{first_line}; the later row is kept",
    ),
    "not_table_file": (
        "不是已知的表格文件（表格：{labels}；文件类型 CSV、XLSX、JSON）",
        "not a known table file (tables: {names}; suffixes .csv, .xlsx, .json)",
    ),
    "no_such_path": ("没有这个文件或文件夹", "no such file or folder"),
    "no_tables": ("没有找到表格文件", "no table files found"),
    "policy_yaml": ("策略文件不是有效的格式（第 {at} 行附近）", "not valid YAML ({error})"),
    "policy_setting": ("策略文件的设置无效：{detail}", "{detail}"),
    # whole files (loaders.tables)
    "file_type": (
        "不支持的文件类型“{suffix}”（请用 CSV、XLSX 或 JSON 文件）",
        "unsupported file type {suffix!r} (use .csv, .xlsx or .json)",
    ),
    "binary": ("不是文本表格（文件含二进制数据）", "not a text table (the file holds binary data)"),
    "encoding": ("不是文本表格（无法识别文字编码）", "not a text table (unknown text encoding)"),
    "csv_invalid": ("不是有效的 CSV 表格", "not a valid CSV table ({error})"),
    "csv_empty": ("空文件：没有表头行", "empty file: no header row"),
    "row_too_wide": (
        "这一行有 {cells} 个单元格，但表头只有 {width} 列",
        "row has {cells} cells but the header has {width}",
    ),
    "not_xlsx": (
        "不是 XLSX 工作簿；旧格式的表格请先另存为 XLSX",
        "not an Excel workbook (.xlsx); old .xls files must be saved as .xlsx",
    ),
    "xlsx_unreadable": ("无法读取这个 XLSX 工作簿", "not a readable Excel workbook ({error})"),
    "xlsx_empty": (
        "空工作簿：第一个工作表没有表头行",
        "empty workbook: no header row on the first sheet",
    ),
    "json_not_list": (
        "不是 JSON 表格：应为对象的列表",
        "not a JSON table: expected a list of objects",
    ),
    "json_invalid": ("不是有效的 JSON", "not valid JSON ({error})"),
    "json_item": (
        "不是 JSON 表格：每一项都必须是对象",
        "not a JSON table: every item must be an object",
    ),
    "json_separator": ("不是有效的 JSON：此处应为“,”或“]”", "not valid JSON: expected ',' or ']'"),
    "json_trailing": (
        "不是有效的 JSON：结尾的“]”之后还有内容",
        "not valid JSON: text after the closing ']'",
    ),
    # what an upload page refuses before reading tables (api.page_actions)
    "upload_name": ("文件名无效", "not a valid file name"),
    "upload_twice": ("同名文件上传了两次", "a file of this name was uploaded twice"),
    "upload_bad_zip": ("不是有效的 ZIP 文件", "not a valid zip file"),
    "upload_zip_members": (
        "ZIP 中文件太多（最多 {most} 个）",
        "too many files in the zip (at most {most})",
    ),
    "upload_unsafe": ("路径不安全", "unsafe path"),
    "upload_zip_twice": ("ZIP 中有同名文件", "two files of this name in the zip"),
    "upload_zip_size": ("ZIP 解压后太大", "the zip is too large unpacked"),
    "upload_type": (
        "只接受 CSV、XLSX、JSON 文件或它们的 ZIP 包",
        "only .csv, .xlsx and .json files, or a zip of them",
    ),
    "upload_none": ("请选择要上传的文件", "choose the files to upload"),
}


def problem_text(code: str, **fields: Any) -> tuple[str, str]:
    """The (Chinese, English) text of problem ``code`` with its fields filled in."""
    zh, en = PROBLEM_TEXT[code]
    return zh.format(**fields), en.format(**fields)


def problem(file: str, line: int, column: str, code: str, **fields: Any) -> Problem:
    """A :class:`Problem` whose message is the English text and ``message_zh`` the Chinese."""
    zh, en = problem_text(code, **fields)
    return Problem(file, line, column, en, zh)


def kind_label(kind: str) -> str:
    """The Chinese name of a node or link kind (``leader`` → 联系领导).

    >>> kind_label("leader"), kind_label("contacts")
    ('联系领导', '联系')
    """
    spec = SCHEMA.node_kinds.get(kind) or SCHEMA.raw.get("edge_kinds", {}).get(kind)
    return str(spec["label"]) if spec else kind

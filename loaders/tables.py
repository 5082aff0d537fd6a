"""Reading one table file (CSV, XLSX or JSON) into header + rows with their line numbers.

Nothing here knows the schema: it only turns bytes into cells and says where each row
started, so that every later problem can be reported as ``file:line``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from charset_normalizer import from_bytes

from concentric.loaders.messages import problem_text

__all__ = [
    "TABLE_SUFFIXES",
    "NotATable",
    "RawTable",
    "decode_text",
    "read_table",
    "table_from_records",
]

TABLE_SUFFIXES = (".csv", ".xlsx", ".json")


class NotATable(Exception):
    """The file cannot be read as a table at all (binary junk, broken workbook, bad JSON).

    Built from a code of :data:`loaders.messages.PROBLEM_TEXT` and its fields: ``str()`` is
    the English text, :attr:`message_zh` the Chinese one.
    """

    def __init__(self, code: str, line: int = 1, **fields: Any) -> None:
        self.message_zh, message = problem_text(code, **fields)
        super().__init__(message)
        self.line = line


@dataclass
class RawTable:
    """Cells as read, column by column: ``columns[i][j]`` is header ``i`` in row ``j``.

    ``lines[j]`` is the line row ``j`` started on. Columns, not row dicts, because the
    loader converts and checks a whole column at a time (a 10^6-row table would otherwise
    build 10^6 dicts only to take them apart again). A cell missing from a row is ``None``.
    """

    path: str
    headers: list[str]
    lines: list[int] = field(default_factory=list)
    columns: list[Sequence[Any]] = field(default_factory=list)
    # JSON tables have no header row: their columns are the keys of each object.
    has_header: bool = True
    # Every cell is a str (a CSV file): the loader can skip checking cell types.
    text_only: bool = False

    def __len__(self) -> int:
        return len(self.lines)


def read_table(path: Path) -> RawTable:
    """Read a ``.csv``, ``.xlsx`` or ``.json`` table; raise :class:`NotATable` if it is not one."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _read_csv(path)
    if suffix == ".xlsx":
        return _read_xlsx(path)
    if suffix == ".json":
        return _read_json(path)
    raise NotATable("file_type", suffix=suffix)


# -- CSV ----------------------------------------------------------------------------------

# Encodings tried in order when the bytes are not UTF-8: office exports in China are GBK,
# and GB18030 is its superset, so it decodes every GBK file the same way.
_CJK_FALLBACK = "gb18030"


def decode_text(data: bytes) -> str:
    """Decode a text file: UTF-8 (with or without BOM), UTF-16 with BOM, else detected.

    UTF-8 is tried strictly first because a wrong guess there is impossible in practice;
    otherwise charset-normalizer detects the encoding, and a GB18030 decode that succeeds
    wins over a detection that names another single-byte code page (short Chinese text is
    often misdetected as Latin or Cyrillic).

    >>> decode_text("编号,名称".encode("gbk"))
    '编号,名称'
    >>> decode_text("\\ufeffid,name".encode("utf-8"))
    'id,name'
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    if b"\x00" in data:
        raise NotATable("binary")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode(_CJK_FALLBACK)
    except UnicodeDecodeError:
        pass
    best = from_bytes(data).best()
    if best is None:
        raise NotATable("encoding")
    return str(best)


def _read_csv(path: Path) -> RawTable:
    text = decode_text(path.read_bytes())
    first_line = text.split("\n", 1)[0]
    # Some exports use tabs; a header line with tabs and no commas says so.
    delimiter = "\t" if "\t" in first_line and "," not in first_line else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        every = list(reader)
    except csv.Error as exc:
        raise NotATable("csv_invalid", reader.line_num, error=exc) from exc
    # Row k starts on line k + 1, unless a quoted cell spans lines: then count them again.
    starts = (
        range(1, len(every) + 1)
        if reader.line_num == len(every)
        else _row_start_lines(text, delimiter)
    )
    filled = [k for k, cells in enumerate(every) if "".join(cells).strip()]
    if not filled:
        raise NotATable("csv_empty")
    headers = [c.strip() for c in every[filled[0]]]
    body = filled[1:]
    lines = [starts[k] for k in body]
    rows = every[1:] if len(filled) == len(every) else [every[k] for k in body]
    width = len(headers)
    if any(len(cells) != width for cells in rows):
        rows = [
            cells if len(cells) == width else _fit(cells, width, line, pad="")
            for cells, line in zip(rows, lines, strict=True)
        ]
    return _columnar(str(path), headers, lines, rows, text_only=True)


def _row_start_lines(text: str, delimiter: str) -> list[int]:
    """The line each CSV row starts on (a second, slower pass, for multi-line cells)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    starts: list[int] = []
    start = 1
    for _ in reader:
        starts.append(start)
        start = reader.line_num + 1
    return starts


def _fit(cells: list[Any], width: int, line: int, pad: Any = None) -> list[Any]:
    """A row cut or padded to the header's width; filled cells beyond it are an error."""
    if len(cells) > width:
        if any(_filled(c) for c in cells[width:]):
            raise NotATable("row_too_wide", line, cells=len(cells), width=width)
        return cells[:width]
    return [*cells, *([pad] * (width - len(cells)))]


def _columnar(
    path: str,
    headers: list[str],
    lines: list[int],
    rows: list[list[Any]],
    *,
    text_only: bool = False,
) -> RawTable:
    """Rows of equal width → a :class:`RawTable`; columns with an empty header are dropped."""
    keep = [i for i, h in enumerate(headers) if h]
    by_position = list(zip(*rows, strict=True)) if rows else [() for _ in headers]
    columns: list[Sequence[Any]] = [by_position[i] for i in keep]
    return RawTable(path, [headers[i] for i in keep], lines, columns, text_only=text_only)


def _filled(cell: Any) -> bool:
    return cell is not None and str(cell).strip() != ""


# -- XLSX ---------------------------------------------------------------------------------


def _read_xlsx(path: Path) -> RawTable:
    from openpyxl import load_workbook  # imported lazily: slow, and only xlsx needs it

    if not zipfile.is_zipfile(path):
        raise NotATable("not_xlsx")
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for broken workbooks
        raise NotATable("xlsx_unreadable", error=exc.__class__.__name__) from exc
    headers: list[str] | None = None
    lines: list[int] = []
    rows: list[list[Any]] = []
    try:
        sheet = workbook.worksheets[0]
        values_of: Iterator[tuple[Any, ...]] = sheet.iter_rows(values_only=True)
        for line, values in enumerate(values_of, start=1):
            cells = [_xlsx_cell(v) for v in values]
            if not any(_filled(c) for c in cells):
                continue
            if headers is None:
                headers = [str(c).strip() if c is not None else "" for c in cells]
                while headers and not headers[-1]:
                    headers.pop()
                continue
            lines.append(line)
            rows.append(_fit(cells, len(headers), line))
    finally:
        workbook.close()
    if headers is None:
        raise NotATable("xlsx_empty")
    return _columnar(str(path), headers, lines, rows)


def _xlsx_cell(value: Any) -> Any:
    # Excel stores ids and phone numbers typed as numbers: 101 -> 101.0; keep them exact.
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dt.datetime):
        return value.date() if value.time() == dt.time() else value
    return value


# -- JSON ---------------------------------------------------------------------------------


def _read_json(path: Path) -> RawTable:
    try:
        text = decode_text(path.read_bytes())
    except NotATable:
        raise
    decoder = json.JSONDecoder()
    pos = _skip_space(text, 0)
    if pos >= len(text) or text[pos] != "[":
        raise NotATable("json_not_list", _line_at(text, pos))
    pos = _skip_space(text, pos + 1)
    lines: list[int] = []
    rows: list[dict[str, Any]] = []
    if pos < len(text) and text[pos] == "]":
        return RawTable(str(path), [], has_header=False)
    while True:
        line = _line_at(text, pos)
        try:
            item, pos = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            raise NotATable("json_invalid", exc.lineno, error=exc.msg) from exc
        if not isinstance(item, dict):
            raise NotATable("json_item", line)
        lines.append(line)
        rows.append({str(k).strip(): v for k, v in item.items()})
        pos = _skip_space(text, pos)
        if pos < len(text) and text[pos] == ",":
            pos = _skip_space(text, pos + 1)
            continue
        if pos < len(text) and text[pos] == "]":
            break
        raise NotATable("json_separator", _line_at(text, pos))
    if _skip_space(text, pos + 1) != len(text):
        raise NotATable("json_trailing", _line_at(text, pos + 1))
    return table_from_records(str(path), lines, rows)


def table_from_records(path: str, lines: list[int], records: list[dict[str, Any]]) -> RawTable:
    """Objects with their own keys (JSON, an API request) → a header-less :class:`RawTable`.

    >>> table = table_from_records("api", [1, 2], [{"id": "F1"}, {"id": "F2", "name": "王伟"}])
    >>> table.headers, table.columns
    (['id', 'name'], [['F1', 'F2'], [None, '王伟']])
    """
    headers: dict[str, None] = {}
    for record in records:
        headers.update(dict.fromkeys(record))
    columns: list[Sequence[Any]] = [[record.get(h) for record in records] for h in headers]
    return RawTable(path, list(headers), lines, columns, has_header=False)


def _skip_space(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \t\r\n":
        pos += 1
    return pos


def _line_at(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1

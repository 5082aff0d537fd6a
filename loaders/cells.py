"""Turning one cell into a typed value of its schema column, or a readable complaint.

>>> parse_date("2026年1月5日")
datetime.date(2026, 1, 5)
>>> parse_bool("否")
False
>>> split_list("人大代表；政协委员、商会会长")
['人大代表', '政协委员', '商会会长']
>>> cell_text(101)
'101'
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from concentric.graph.schema.schema import SCHEMA, Column, normalize_label
from concentric.loaders.messages import problem_text

__all__ = ["CellError", "cell_text", "convert_cell", "parse_bool", "parse_date", "split_list"]


class CellError(ValueError):
    """A cell's value does not fit its column; the message is shown to the user.

    Built from a code of :data:`loaders.messages.PROBLEM_TEXT` and its fields: ``str()`` is
    the English text, :attr:`message_zh` the Chinese one.
    """

    def __init__(self, code: str, **fields: Any) -> None:
        self.message_zh, message = problem_text(code, **fields)
        super().__init__(message)


_DATE = re.compile(
    r"^(\d{4})\s*(?:-|/|\.|年)\s*(\d{1,2})\s*(?:-|/|\.|月)\s*(\d{1,2})\s*日?"
    r"(?:[ T]00:00(?::00(?:\.0+)?)?)?$"
)
_LIST_SEPARATORS = re.compile(r"[;；,，、]")
_TRUE = {"true", "1", "yes", "y", "t", "是", "在任", "√", "✓"}
_FALSE = {"false", "0", "no", "n", "f", "否", "不在任", "离任", "×"}
# Excel's day zero for serial dates (the 1900 leap-year bug is why it is the 30th).
_EXCEL_EPOCH = dt.date(1899, 12, 30)


def cell_text(value: Any) -> str | None:
    """A cell as stripped text (None when empty); integral numbers lose their ``.0``."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime):
        value = value.date() if value.time() == dt.time() else value
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value).strip()
    return text or None


def parse_date(value: Any) -> dt.date:
    """A date from a date cell or text in ``YYYY-MM-DD``, ``YYYY/MM/DD`` or ``YYYY年M月D日``."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        # A date cell without date formatting arrives as Excel's serial day number.
        if 1 <= value < 2958466:
            return _EXCEL_EPOCH + dt.timedelta(days=int(value))
        raise CellError("date_serial", value=value)
    text = unicode_digits(str(value).strip())
    match = _DATE.match(text)
    if not match:
        raise CellError("date_format", value=value)
    year, month, day = (int(g) for g in match.groups())
    try:
        return dt.date(year, month, day)
    except ValueError as exc:
        raise CellError("date_impossible", value=value, reason=exc) from exc


def unicode_digits(text: str) -> str:
    """Full-width digits and punctuation to ASCII, as typed on a Chinese keyboard."""
    return text.translate(_FULLWIDTH)


_FULLWIDTH = {0xFF10 + i: 0x30 + i for i in range(10)} | {0xFF0D: 0x2D, 0xFF0F: 0x2F}


def parse_bool(value: Any) -> bool:
    """A boolean from true/false, 1/0, yes/no, 是/否 (and a real boolean cell)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    text = normalize_label(str(value))
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise CellError("not_bool", value=value)


def parse_int(value: Any) -> int:
    number = _parse_int(value)
    if not -(2**63) <= number < 2**63:
        raise CellError("int_range", value=value)
    return number


def _parse_int(value: Any) -> int:
    if isinstance(value, bool):
        raise CellError("not_int", value=value)
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    text = unicode_digits(str(value).strip())
    try:
        return int(float(text)) if re.fullmatch(r"-?\d+(\.0+)?", text) else int(text)
    except ValueError as exc:
        raise CellError("not_int", value=value) from exc


def split_list(value: Any) -> list[str]:
    """The items of a list cell, split on ``;`` ``；`` ``,`` ``，`` or ``、``."""
    if isinstance(value, list):
        items = [cell_text(v) for v in value]
        return [i for i in items if i]
    text = cell_text(value) or ""
    return [part.strip() for part in _LIST_SEPARATORS.split(text) if part.strip()]


def enum_value(enum: str, value: str) -> str:
    code = SCHEMA.enum_code(enum, value)
    if code is None:
        labels = "、".join(SCHEMA.enumerations[enum].values())
        raise CellError(
            "enum_unknown", value=value, choices=SCHEMA.enum_choices(enum), labels=labels
        )
    return code


def is_empty(value: Any) -> bool:
    if isinstance(value, list):
        return not any(cell_text(v) for v in value)
    return cell_text(value) is None


def convert_cell(column: Column, value: Any) -> Any:
    """The typed value of a non-empty cell for its column; raise :class:`CellError` if bad."""
    base = column.base_type
    if base in ("str", "ref"):
        if isinstance(value, (list, dict)):
            raise CellError("not_single", value=value)
        return cell_text(value)
    if base == "int":
        return parse_int(value)
    if base == "bool":
        return parse_bool(value)
    if base == "date":
        return parse_date(value)
    if base == "enum":
        return enum_value(column.argument, cell_text(value) or "")
    if base == "enums":
        return [enum_value(column.argument, item) for item in split_list(value)]
    if base in ("refs", "list"):
        return split_list(value)
    raise CellError("column_type", type=column.type)

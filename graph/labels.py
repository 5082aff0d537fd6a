"""How codes are shown, in one place: labels, colours and page sizes.

Labels and colours come from the schema (``enumerations`` and ``presentation`` in
``schema.yaml``), keyed by the same codes as the answers, so a status added to the schema
cannot go without a label or a colour: this module refuses to import. The web pages, the
reports, the notebooks and the network pictures read them from here.
"""

from __future__ import annotations

from graph.schema import SCHEMA

__all__ = [
    "COUNT_HEADINGS",
    "COUNT_KEYS",
    "HTML_ROWS",
    "MAX_PAGE_SIZE",
    "PAGE_ROWS",
    "QUOTA_FILLS",
    "QUOTA_LABELS",
    "RATIO_SCALE",
    "STATUSES",
    "STATUS_COLORS",
    "STATUS_FILLS",
    "STATUS_LABELS",
    "hex_argb",
]

#: Coverage statuses, best first (the schema's order).
STATUSES: tuple[str, ...] = tuple(SCHEMA.enumerations["coverage_status"])
STATUS_LABELS: dict[str, str] = dict(SCHEMA.enumerations["coverage_status"])
QUOTA_LABELS: dict[str, str] = dict(SCHEMA.enumerations["quota_status"])

#: The count columns of a coverage table (targets, then each status) and their headings.
COUNT_KEYS: tuple[str, ...] = ("targets", *STATUSES)
COUNT_HEADINGS: tuple[str, ...] = ("对象", *(STATUS_LABELS[s] for s in STATUSES))


def _colours(enum: str, role: str) -> dict[str, str]:
    """Colour ``role`` (ink or fill) of every code of ``enum``; every code must have one."""
    given: dict[str, dict[str, str]] = SCHEMA.raw["presentation"][enum]
    missing = [code for code in SCHEMA.enumerations[enum] if role not in given.get(code, {})]
    if missing:
        raise ValueError(f"schema.yaml: presentation.{enum}: no {role} colour for {missing}")
    return {code: given[code][role] for code in SCHEMA.enumerations[enum]}


#: Strong colours (text, network nodes, bars) and light backgrounds (table cells).
STATUS_COLORS = _colours("coverage_status", "ink")
STATUS_FILLS = _colours("coverage_status", "fill")
QUOTA_FILLS = _colours("quota_status", "fill")
#: Low, middle and high end of a 0–1 ratio's colour scale.
_low, _middle, _high = SCHEMA.raw["presentation"]["ratio_scale"]
RATIO_SCALE: tuple[str, str, str] = (_low, _middle, _high)

#: Rows per page of the web pages' long tables; downloads and the JSON API hold every row.
PAGE_ROWS = 500
#: The largest ``limit`` the JSON API accepts.
MAX_PAGE_SIZE = 5000
#: Rows of the HTML table a notebook shows (``to_frame()`` has every row).
HTML_ROWS = 30


def hex_argb(colour: str) -> str:
    """``#rrggbb`` as the ``RRGGBB`` that spreadsheets (openpyxl) take."""
    return colour.removeprefix("#").upper()

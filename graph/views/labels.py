"""How codes are shown, in one place: labels, colours and page sizes.

Labels and colours come from the schema (``enumerations`` and ``presentation`` in
``schema.yaml``), keyed by the same codes as the answers, so a status added to the schema
cannot go without a label or a colour: this module refuses to import. The web pages, the
reports, the notebooks and the network pictures read them from here.
"""

from __future__ import annotations

import datetime as dt
from importlib.resources import files
from typing import Any

import yaml

from concentric.graph.schema.schema import SCHEMA

__all__ = [
    "COUNT_HEADINGS",
    "COUNT_KEYS",
    "HTML_ROWS",
    "INACTIVE_DAYS",
    "LANGUAGES",
    "MAX_PAGE_SIZE",
    "NETWORK_EDGES",
    "NETWORK_NODES",
    "PAGE_ROWS",
    "QUOTA_FILLS",
    "QUOTA_LABELS",
    "RATIO_SCALE",
    "STALE_SHARE_WARNING",
    "STATUSES",
    "STATUS_COLORS",
    "STATUS_FILLS",
    "STATUS_LABELS",
    "UI_TEXT",
    "activity_warnings",
    "enum_text",
    "hex_argb",
    "kind_text",
    "quota_reason",
    "tie_text",
    "ui_text",
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
#: How the network pictures draw each node kind (the legend's order) and each edge kind.
NETWORK_NODES: dict[str, dict[str, Any]] = SCHEMA.raw["presentation"]["network_nodes"]
NETWORK_EDGES: dict[str, dict[str, Any]] = SCHEMA.raw["presentation"]["network_edges"]

#: Rows per page of the web pages' long tables; downloads and the JSON API hold every row.
PAGE_ROWS = 500
#: The largest ``limit`` the JSON API accepts.
MAX_PAGE_SIZE = 5000
#: Rows of the HTML table a notebook shows (``to_frame()`` has every row).
HTML_ROWS = 30


def hex_argb(colour: str) -> str:
    """``#rrggbb`` as the ``RRGGBB`` that spreadsheets (openpyxl) take."""
    return colour.removeprefix("#").upper()


# -- page language ------------------------------------------------------------------------

#: The languages a page can be written in; the first is the default.
LANGUAGES: tuple[str, ...] = ("zh", "en")

#: Every fixed text of the web pages, Chinese and English, by key (``page_text.yaml``).
#: Pages show one language (chosen per request), never both side by side.
UI_TEXT: dict[str, tuple[str, str]] = {
    key: (chinese, english)
    for key, (chinese, english) in yaml.safe_load(
        files("concentric.graph.views").joinpath("page_text.yaml").read_text(encoding="utf-8")
    ).items()
}


def ui_text(key: str, language: str = "zh", **values: object) -> str:
    """The page text ``key`` in ``language`` (``zh`` or ``en``), with ``values`` filled in."""
    chinese, english = UI_TEXT[key]
    text = english if language == "en" else chinese
    return text.format(**values) if values else text


def tie_text(kind: str, direction: str, language: str = "zh") -> str:
    """A tie in words (the schema's ``words``): ``member_of`` seen from the organization
    is 成员."""
    chinese, english = SCHEMA.tie_words[(kind, direction)]
    return english if language == "en" else chinese


def kind_text(kind: str, language: str = "zh") -> str:
    """A node kind as its label: 党外代表人士 for ``figure``."""
    if language == "en":
        return kind.replace("_", " ")
    return str(SCHEMA.node_kinds[kind]["label"])


def enum_text(enumeration: str, code: str | None, language: str = "zh") -> str:
    """An enumeration value as its label: Chinese from the schema, or the code in words."""
    if code is None or code == "":
        return ""
    if language == "en":
        return str(code).replace("_", " ")
    labels: dict[str, str] = SCHEMA.enumerations[enumeration]
    return labels.get(code, str(code))


# -- leader activity ----------------------------------------------------------------------

#: A leader whose stale share is at least this needs attention, whatever its quota says.
STALE_SHARE_WARNING = 0.5
#: ... as does one with no interaction for more than this many days (about half a window).
INACTIVE_DAYS = 180


def activity_warnings(item: dict[str, Any], as_of: dt.date) -> list[str]:
    """The activity warnings of one leader-load row (``leaders`` answer item), as
    ``UI_TEXT`` keys: ``activity.stale_share`` when at least ``STALE_SHARE_WARNING`` of its
    assigned targets are stale; ``activity.never`` when it has targets but no interaction
    at all; ``activity.inactive`` when its last interaction is more than ``INACTIVE_DAYS``
    before ``as_of``. Empty when none applies. The quota status counts targets; this
    says whether they are being met.

    >>> activity_warnings({"assigned": 9, "stale_share": 0.78,
    ...                    "last_interaction": "2025-09-03"}, dt.date(2026, 6, 30))
    ['activity.stale_share', 'activity.inactive']
    >>> activity_warnings({"assigned": 0, "stale_share": 0.0, "last_interaction": None},
    ...                   dt.date(2026, 6, 30))
    []
    """
    warnings = []
    if item["assigned"] and item["stale_share"] >= STALE_SHARE_WARNING:
        warnings.append("activity.stale_share")
    last = item.get("last_interaction")
    if item["assigned"] and last is None:
        warnings.append("activity.never")
    elif last is not None and (as_of - dt.date.fromisoformat(str(last))).days > INACTIVE_DAYS:
        warnings.append("activity.inactive")
    return warnings


def quota_reason(item: dict[str, Any], language: str = "zh") -> str:
    """Why a leader-load row has its quota status, in words: 不足：人士 2 < 3."""
    return ui_text(
        f"quota.{item['quota_status']}",
        language,
        figures=item["figures"],
        assigned=item["assigned"],
        quota_min=item["quota_min"],
        quota_max=item["quota_max"],
    )

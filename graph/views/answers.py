"""Answers for people: the analyses' dicts as tables, in Jupyter and in pandas.

Every analysis of :class:`graph.workspace.Workspace` returns an :class:`Answer`: the very
dict the CLI prints with ``--json`` and the API answers (it *is* a ``dict``), plus

- :meth:`Answer.to_frame`: a pandas DataFrame of ``items`` (or of another table of the
  answer, e.g. ``coverage().to_frame("by_area")``; :attr:`Answer.tables` lists them);
- :meth:`Answer._repr_html_`: a title line and an HTML table when a notebook displays it.

:meth:`Workspace.show` returns a :class:`NetworkView`, which a notebook displays as the
self-contained network page of :mod:`graph.views.render` inside an ``<iframe srcdoc>``: no
pyvis notebook mode, no files beside the notebook, no network, so it also shows in a saved
notebook opened offline. :func:`use_cjk_font` points matplotlib at an installed CJK font.

pandas and matplotlib are imported only inside the functions that need them: the CLI and
the API never load them.

>>> a = Answer({"as_of": "2026-11-27", "window_days": 365, "total": 1,
...             "items": [{"id": "F1", "name": "<b>王</b>", "status": "covered"}]}, "gaps")
>>> a["total"], isinstance(a, dict), a.tables
(1, True, ('items',))
>>> "&lt;b&gt;王&lt;/b&gt;" in a._repr_html_()
True
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from concentric.graph.schema.schema import SCHEMA
from concentric.graph.views.labels import (
    COUNT_HEADINGS,
    COUNT_KEYS,
    HTML_ROWS,
    QUOTA_FILLS,
    STATUS_COLORS,
    STATUS_FILLS,
    STATUS_LABELS,
    STATUSES,
)

if TYPE_CHECKING:
    import pandas as pd


__all__ = [
    "CJK_FONTS",
    "STATUSES",
    "STATUS_COLORS",
    "STATUS_LABELS",
    "Answer",
    "CJKFontError",
    "NetworkView",
    "use_cjk_font",
]

#: Longest cell text in the HTML table before it is cut with "…".
HTML_CELL_CHARS = 80

# Table cells that hold a status code take its light background.
_CELL_FILLS = {**STATUS_FILLS, **QUOTA_FILLS}


@dataclass(frozen=True)
class _Kind:
    """How one analysis is titled and shown."""

    title: str
    table: str = "items"
    columns: tuple[str, ...] = ()


#: Each analysis' title and table, from ``answer_tables.yaml``.
_KINDS: dict[str, _Kind] = {
    name: _Kind(spec["title"], spec.get("table", "items"), tuple(spec["columns"]))
    for name, spec in yaml.safe_load(
        files("concentric.graph.views").joinpath("answer_tables.yaml").read_text(encoding="utf-8")
    ).items()
}
_ANSWER = _Kind("answer")

# The index name of each table that is a mapping (key -> counts or key -> value).
_INDEX_NAMES = {
    "by_kind": "kind",
    "by_category": "category",
    "by_line": "line",
    "by_area": "area_id",
    "capacity": "leader_id",
    "groups": "transition",
}
# Chinese labels for the keys of mapping tables, where the schema has them.
_KEY_LABELS = {"by_category": "figure_category", "by_line": "line"}


class Answer(dict[str, Any]):
    """One analysis' answer: the JSON-ready dict, shown as a table in a notebook.

    ``analysis`` names the analysis (``"coverage"``, ``"gaps"``, ``"leaders"`` …); it
    decides the title and which table is the main one.
    """

    analysis: str

    def __init__(self, data: Mapping[str, Any], analysis: str = "answer") -> None:
        super().__init__(data)
        self.analysis = analysis

    def __reduce__(self) -> tuple[Any, ...]:
        return (Answer, (dict(self), self.analysis))

    # -- tables ---------------------------------------------------------------------------

    @property
    def tables(self) -> tuple[str, ...]:
        """The names :meth:`to_frame` accepts: the answer's lists and mappings."""
        return tuple(key for key, value in self.items() if isinstance(value, list | Mapping))

    @property
    def main_table(self) -> str:
        """The table shown by default: ``items`` where there is one."""
        table = _KINDS.get(self.analysis, _ANSWER).table
        if table in self:
            return table
        return "items" if "items" in self else next(iter(self.tables), "items")

    @property
    def title(self) -> str:
        """One line: what the answer is, as of when, how many rows."""
        kind = _KINDS.get(self.analysis, _ANSWER)
        parts = [kind.title]
        if self.analysis == "coverage" and "totals" in self:
            totals = self["totals"]
            parts.append(
                f"{totals['covered']}/{totals['targets']} 已覆盖 covered "
                f"({_ratio(totals['covered'], totals['targets'])}), "
                f"可及率 reach {_ratio(totals['covered'] + totals['indirect'], totals['targets'])}"
            )
        elif self.analysis == "path" and "found" in self:
            route = " → ".join(str(n.get("name") or n.get("id")) for n in self.get("nodes", []))
            if self["found"]:
                parts.append(f"{self.get('length')} 步 steps: {route}")
            else:
                parts.append(f"{self.get('source')} → {self.get('target')}: 无路径 no path")
        elif self.analysis == "network" and "center" in self:
            parts.append(
                f"{self['center']}, {self.get('depth')} 步 steps: "
                f"{len(self.get('nodes', []))} nodes, {len(self.get('edges', []))} edges"
            )
        elif self.analysis == "entity" and "id" in self:
            parts.append(f"{self.get('name') or ''} ({self['id']}, {self.get('kind')})")
        elif self.analysis == "departure" and "leaders" in self:
            parts.append("、".join(map(str, self["leaders"])))
        else:
            total = self.get("total", len(self.get(self.main_table) or ()))
            parts.append(f"{total} 条 rows")
        if "as_of" in self:
            window = f", 窗口 window {self['window_days']} 天 days" if "window_days" in self else ""
            parts.append(f"截至 as of {self['as_of']}{window}")
        elif "from" in self and "to" in self:
            parts.append(f"{self['from']} → {self['to']}")
        return " · ".join(parts)

    def to_frame(self, table: str | None = None) -> pd.DataFrame:
        """A pandas DataFrame of one table of the answer (default: :attr:`main_table`).

        A list of records gives one row per record (``len(answer["items"])`` rows for
        ``items``); a mapping of counts (``by_area`` …) gives one row per key, indexed by
        it, with ``ratio`` (covered / targets) and ``reach`` ((covered + indirect) /
        targets) added, and a Chinese ``label`` where the schema has one; ``totals``
        gives one row.
        """
        import pandas as pd

        name = table or self.main_table
        if name not in self:
            raise KeyError(f"this answer has no table {name!r}; it has {', '.join(self.tables)}")
        value = self[name]
        if isinstance(value, list):
            if value and all(isinstance(v, Mapping) for v in value):
                return pd.DataFrame.from_records([dict(v) for v in value])
            if not value:
                columns = list(_KINDS.get(self.analysis, _ANSWER).columns)
                return pd.DataFrame(columns=columns if name == self.main_table else [])
            return pd.DataFrame({name: value})
        if isinstance(value, Mapping):
            if value and all(isinstance(v, Mapping) for v in value.values()):
                frame = pd.DataFrame.from_dict(
                    {k: dict(v) for k, v in value.items()}, orient="index"
                )
            elif name == "totals" or (value and set(value) <= set(COUNT_KEYS)):
                frame = pd.DataFrame([dict(value)], index=["total"])
            else:
                frame = pd.DataFrame({name: list(value.values())}, index=list(value.keys()))
            frame.index.name = None if name == "totals" else _INDEX_NAMES.get(name, "key")
            if set(COUNT_KEYS) <= set(frame.columns):
                targets = frame["targets"].where(frame["targets"] > 0)
                frame["ratio"] = (frame["covered"] / targets).fillna(0.0)
                frame["reach"] = ((frame["covered"] + frame["indirect"]) / targets).fillna(0.0)
            labels = _key_labels(name, frame.index)
            if labels is not None:
                frame.insert(0, "label", labels)
            return frame
        raise KeyError(f"{name!r} is a single value ({value!r}), not a table")

    # -- display --------------------------------------------------------------------------

    def _repr_html_(self) -> str:
        title = f"<p><strong>{html.escape(self.title)}</strong></p>"
        if self.analysis == "coverage" and "totals" in self:
            return title + _counts_html(self)
        name = self.main_table
        value = self.get(name)
        if isinstance(value, list) and all(isinstance(v, Mapping) for v in value):
            columns = _columns(value, _KINDS.get(self.analysis, _ANSWER).columns)
            return title + _records_html(value, columns)
        if isinstance(value, Mapping):
            rows = [{"key": k, "value": v} for k, v in value.items()]
            return title + _records_html(rows, ["key", "value"])
        if isinstance(value, list):
            return title + _records_html([{name: v} for v in value], [name])
        return title


def _ratio(part: int, whole: int) -> str:
    return f"{part / whole:.0%}" if whole else "–"


def _key_labels(table: str, keys: Iterable[Any]) -> list[str] | None:
    if table == "by_kind":
        return [str(SCHEMA.node_kinds.get(k, {}).get("label", k)) for k in keys]
    enum = _KEY_LABELS.get(table)
    if enum is None:
        return None
    return [SCHEMA.enum_label(enum, k) or str(k) for k in keys]


def _columns(records: list[Any], preferred: tuple[str, ...]) -> list[str]:
    present: dict[str, None] = {}
    for record in records:
        present.update(dict.fromkeys(record))
    chosen = [c for c in preferred if c in present]
    return chosen or list(present)


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Mapping):
        named = [str(value[k]) for k in ("leader_id", "id", "area_id") if value.get(k)]
        named += [str(value[k]) for k in ("leader_name", "name", "area_name") if value.get(k)]
        if named:
            return " ".join(named)
        return ", ".join(f"{k}: {_cell_text(v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return "、".join(_cell_text(v) for v in value)
    return str(value)


def _cut(text: str) -> str:
    return text if len(text) <= HTML_CELL_CHARS else text[: HTML_CELL_CHARS - 1] + "…"


_TABLE = '<table class="concentric-answer" style="border-collapse:collapse;font-size:0.9em">'
_TH = '<th style="text-align:left;padding:2px 6px;border-bottom:1px solid #999">'
_TD = '<td style="text-align:left;padding:2px 6px;vertical-align:top{}">'


def _records_html(records: list[Any], columns: list[str]) -> str:
    head = "".join(f"{_TH}{html.escape(c)}</th>" for c in columns)
    body = []
    for record in records[:HTML_ROWS]:
        cells = []
        for column in columns:
            value = record.get(column)
            color = (
                _CELL_FILLS.get(value)
                if column in ("status", "quota_status", "from", "to") and isinstance(value, str)
                else None
            )
            style = f";background:{color}" if color else ""
            cells.append(_TD.format(style) + html.escape(_cut(_cell_text(value))) + "</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    more = len(records) - HTML_ROWS
    note = (
        f"<p><em>… {more} more rows; .to_frame() has all {len(records)}</em></p>"
        if more > 0
        else ""
    )
    if not records:
        note = "<p><em>无 none</em></p>"
    return f"{_TABLE}<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>{note}"


def _counts_html(answer: Answer) -> str:
    rows: list[dict[str, Any]] = [{"": "全部 all", **answer["totals"]}]
    for key, counts in answer.get("by_kind", {}).items():
        rows.append({"": str(SCHEMA.node_kinds.get(key, {}).get("label", key)), **counts})
    for key, counts in answer.get("by_line", {}).items():
        rows.append({"": SCHEMA.enum_label("line", key) or key, **counts})
    for row in rows:
        row["覆盖率"] = _ratio(row["covered"], row["targets"])
        row["可及率"] = _ratio(row["covered"] + row["indirect"], row["targets"])
    renamed = [
        {heading: row[key] for key, heading in zip(COUNT_KEYS, COUNT_HEADINGS, strict=True)}
        | {"": row[""], "覆盖率": row["覆盖率"], "可及率": row["可及率"]}
        for row in rows
    ]
    return _records_html(renamed, ["", *COUNT_HEADINGS, "覆盖率", "可及率"])


# -- network views ----------------------------------------------------------------------------


@dataclass(frozen=True)
class NetworkView:
    """A self-contained network page that a notebook shows inline (in an iframe).

    ``html`` is the whole page (:mod:`graph.views.render`); :meth:`save` writes it to a file.
    """

    title: str
    html: str
    height: int = 640

    def _repr_html_(self) -> str:
        return (
            f'<iframe title="{html.escape(self.title, quote=True)}" '
            f'srcdoc="{html.escape(self.html, quote=True)}" '
            'sandbox="allow-scripts" '
            f'style="width:100%;height:{int(self.height)}px;border:1px solid #ddd"></iframe>'
        )

    def save(self, path: str | Path) -> Path:
        """Write the page to ``path`` (open it in any browser, offline)."""
        from concentric.graph.views.render import write_html

        write_html(path, self.html)
        return Path(path)

    def __repr__(self) -> str:
        size = len(self.html.encode("utf-8")) // 1024
        return f"<NetworkView {self.title!r}: {size} KiB page; display it, or .save(path)>"


# -- matplotlib ---------------------------------------------------------------------------


#: CJK fonts tried in this order (Debian's fonts-noto-cjk gives the first ones).
CJK_FONTS = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "Noto Sans CJK JP",
    "Noto Sans CJK TC",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "Microsoft YaHei",
    "SimHei",
    "PingFang SC",
    "Heiti SC",
    "Noto Serif CJK SC",
    "Arial Unicode MS",
)


class CJKFontError(RuntimeError):
    """No font that can draw Chinese is installed where matplotlib can find it."""


def use_cjk_font() -> str:
    """Make matplotlib draw Chinese text with an installed CJK font; returns its name.

    Looks for the fonts of :data:`CJK_FONTS` among matplotlib's fonts, and among the
    system's font files when matplotlib's font cache predates their installation. Raises
    :class:`CJKFontError` (with what to install) if there is none.
    """
    from matplotlib import font_manager, rcParams

    def installed() -> set[str]:
        return {f.name for f in font_manager.fontManager.ttflist}

    names = installed()
    if not any(name in names for name in CJK_FONTS):
        # Fonts installed after matplotlib built its cache: add their files directly.
        for path in font_manager.findSystemFonts():
            lowered = Path(path).name.lower()
            if any(word in lowered for word in ("cjk", "wqy", "sourcehan", "simhei", "msyh")):
                try:
                    font_manager.fontManager.addfont(path)
                except (OSError, RuntimeError, ValueError):
                    continue
        names = installed()
    chosen = next((name for name in CJK_FONTS if name in names), None)
    if chosen is None:
        raise CJKFontError(
            "no CJK font found for matplotlib: install one, e.g. `apt-get install "
            "fonts-noto-cjk` (Debian/Ubuntu) or Noto Sans CJK SC / Source Han Sans, "
            f"then run this again (tried: {', '.join(CJK_FONTS)})"
        )
    rcParams["font.family"] = "sans-serif"
    others = [f for f in rcParams["font.sans-serif"] if f != chosen]
    rcParams["font.sans-serif"] = [chosen, *others]
    rcParams["axes.unicode_minus"] = False  # the CJK fonts lack U+2212 at some sizes
    return chosen

"""An independent, brute-force reference for the coverage contract, plus a dataset writer.

Everything here is written from `shared/spec/domain.md` (sections 1-4) alone: it does not
import or read the product (`graph`, `loaders`, `api`, nor `graph/schema/schema.yaml`), so the
answers it gives are a second opinion, not an echo of the code under test.

A dataset is a :class:`Dataset`: table name -> list of rows, each row a plain dict of
typed values (``str``, ``datetime.date``, ``bool``, ``int``, ``list[str]`` or ``None``).
A raw ``str`` in a typed column is written out verbatim, which is how the bad-input tests
smuggle in ``"2026-13-45"`` or ``"maybe"``.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

Row = dict[str, Any]

# --------------------------------------------------------------------------- the contract

#: Table -> {English column: Chinese alias}, in the spec's column order (section 1).
COLUMNS: dict[str, dict[str, str]] = {
    "areas": {"id": "编号", "name": "名称", "kind": "类型", "parent_id": "上级编号"},
    "leaders": {
        "id": "编号",
        "name": "姓名",
        "post": "职务",
        "department": "单位",
        "area_id": "分管区域",
        "lines": "分管条线",
        "quota_min": "联系下限",
        "quota_max": "联系上限",
        "in_office": "在任",
    },
    "figures": {
        "id": "编号",
        "name": "姓名",
        "category": "类别",
        "gender": "性别",
        "ethnicity": "民族",
        "religion": "宗教",
        "party": "党派",
        "area_id": "所在区域",
        "roles": "身份",
        "reserve": "人才储备",
        "phone": "电话",
    },
    "organizations": {
        "id": "编号",
        "name": "名称",
        "kind": "类型",
        "area_id": "所在区域",
        "religion": "宗教",
        "parent_id": "上级编号",
    },
    "units": {
        "id": "编号",
        "name": "名称",
        "kind": "类型",
        "level": "级别",
        "area_id": "所在区域",
        "joint_meeting": "联席会议",
    },
    "memberships": {
        "figure_id": "人士编号",
        "org_id": "组织编号",
        "role": "职务",
        "since": "开始日期",
        "until": "结束日期",
    },
    "contacts": {
        "leader_id": "领导编号",
        "target_id": "对象编号",
        "since": "开始日期",
        "until": "结束日期",
        "role": "分工",
    },
    "interactions": {
        "id": "编号",
        "date": "日期",
        "kind": "类型",
        "leader_ids": "领导编号",
        "target_ids": "对象编号",
        "summary": "内容",
    },
    "relations": {
        "source_id": "起点编号",
        "target_id": "终点编号",
        "kind": "类型",
        "since": "开始日期",
        "until": "结束日期",
    },
}
TABLES: tuple[str, ...] = tuple(COLUMNS)

#: Enumerations: name -> {code: Chinese label} (section 1 and 2).
ENUMS: dict[str, dict[str, str]] = {
    "area_kind": {
        "district": "区",
        "town": "乡镇",
        "subdistrict": "街道",
        "community": "社区",
        "village": "村",
    },
    "figure_category": {
        "democratic_party": "民主党派成员",
        "non_party": "无党派人士",
        "intellectual": "党外知识分子",
        "ethnic": "少数民族人士",
        "religious": "宗教界人士",
        "private_economy": "非公有制经济人士",
        "new_strata": "新的社会阶层人士",
        "overseas_student": "出国和归国留学人员",
        "hk_macao": "港澳同胞",
        "taiwan": "台湾同胞及其在大陆的亲属",
        "overseas_chinese": "华侨、归侨及侨眷",
        "other": "其他需要联系和团结的人员",
    },
    "organization_kind": {
        "party_branch": "民主党派组织",
        "federation_of_industry": "工商联",
        "chamber_of_commerce": "商会",
        "religious_group": "宗教团体",
        "religious_venue": "宗教活动场所",
        "ethnic_work_station": "民族工作站",
        "taiwan_overseas_federation": "台侨联",
        "new_strata_association": "新联会",
        "returned_scholars_association": "欧美同学会",
        "other": "其他",
    },
    "unit_kind": {
        "central_unit": "中央在兰单位",
        "central_soe": "央企",
        "soe": "国企",
        "university": "高校",
        "hospital": "医院",
        "research_institute": "科研院所",
        "other": "其他",
    },
    "unit_level": {
        "central": "中央",
        "provincial": "省属",
        "municipal": "市属",
        "district": "区属",
    },
    "membership_role": {"head": "负责人", "deputy": "副职", "member": "成员"},
    "contact_role": {"primary": "主联系人", "backup": "协助"},
    "interaction_kind": {
        "visit": "走访",
        "talk": "谈心谈话",
        "meeting": "座谈会",
        "consultation": "协商",
        "joint_meeting": "联席会议",
        "activity": "活动",
        "other": "其他",
    },
    # Section 2 labels, written as one word the way the table heading reads.
    "line": {
        "center": "党的领导中心线",
        "cooperation": "协商共进合作线",
        "guidance": "和谐稳定引导线",
        "service": "健康发展服务线",
        "union": "争取人心联合线",
    },
}

#: (table, column) -> enumeration name, for the writer's "Chinese labels" mode.
ENUM_COLUMNS: dict[tuple[str, str], str] = {
    ("areas", "kind"): "area_kind",
    # leaders.lines stays in codes: the spec spells line labels with a space
    # ("协商共进 合作线") in one place and without in others, so a label there would test
    # a spelling the contract does not pin down.
    ("figures", "category"): "figure_category",
    ("organizations", "kind"): "organization_kind",
    ("units", "kind"): "unit_kind",
    ("units", "level"): "unit_level",
    ("memberships", "role"): "membership_role",
    ("contacts", "role"): "contact_role",
    ("interactions", "kind"): "interaction_kind",
}

CATEGORIES: tuple[str, ...] = tuple(ENUMS["figure_category"])
ORG_KINDS: tuple[str, ...] = tuple(ENUMS["organization_kind"])
UNIT_KINDS: tuple[str, ...] = tuple(ENUMS["unit_kind"])
LINE_CODES: tuple[str, ...] = tuple(ENUMS["line"])
KINDS: tuple[str, ...] = ("figure", "organization", "unit")
STATUSES: tuple[str, ...] = ("covered", "stale", "indirect", "uncovered")
#: Gap items are sorted by this status order, then by id (section 4 / CLI contract).
GAP_ORDER: tuple[str, ...] = ("uncovered", "stale", "indirect", "covered")
ALL_STATUSES = ",".join(STATUSES)

# Section 2, written out by hand: which line each figure category / organization kind is on.
_LINE_OF_CATEGORY = {
    "democratic_party": "cooperation",
    "non_party": "cooperation",
    "intellectual": "cooperation",
    "ethnic": "guidance",
    "religious": "guidance",
    "private_economy": "service",
    "new_strata": "union",
    "overseas_student": "union",
    "hk_macao": "union",
    "taiwan": "union",
    "overseas_chinese": "union",
    "other": "union",
}
_LINE_OF_ORG_KIND = {
    "party_branch": "cooperation",
    "religious_group": "guidance",
    "religious_venue": "guidance",
    "ethnic_work_station": "guidance",
    "federation_of_industry": "service",
    "chamber_of_commerce": "service",
    "taiwan_overseas_federation": "union",
    "new_strata_association": "union",
    "returned_scholars_association": "union",
    "other": "union",
}

TARGET_TABLES: dict[str, str] = {
    "figures": "figure",
    "organizations": "organization",
    "units": "unit",
}


# --------------------------------------------------------------------------- datasets


@dataclass
class Dataset:
    """Rows per table, plus an optional ``policy.yaml`` mapping. Builder methods chain."""

    tables: dict[str, list[Row]] = field(default_factory=lambda: {t: [] for t in TABLES})
    policy: dict[str, int] = field(default_factory=dict)

    def __getitem__(self, table: str) -> list[Row]:
        return self.tables[table]

    def copy(self) -> Dataset:
        return Dataset(
            {t: [dict(r) for r in rows] for t, rows in self.tables.items()}, dict(self.policy)
        )

    def row(self, table: str, key: str, value: str) -> Row:
        """The first row of `table` whose `key` is `value` (for targeted edits in tests)."""
        return next(r for r in self.tables[table] if r.get(key) == value)

    def add(self, table: str, **values: Any) -> Dataset:
        self.tables[table].append(values)
        return self

    def area(self, id: str, kind: str = "town", parent: str | None = None, **kw: Any) -> Dataset:
        return self.add(
            "areas", id=id, name=kw.pop("name", f"区域{id}"), kind=kind, parent_id=parent, **kw
        )

    def leader(self, id: str, in_office: bool | None = True, **kw: Any) -> Dataset:
        return self.add(
            "leaders", id=id, name=kw.pop("name", f"领导{id}"), in_office=in_office, **kw
        )

    def figure(
        self, id: str, category: str = "ethnic", area: str | None = None, **kw: Any
    ) -> Dataset:
        return self.add(
            "figures",
            id=id,
            name=kw.pop("name", f"人士{id}"),
            category=category,
            area_id=area,
            **kw,
        )

    def org(
        self, id: str, kind: str = "party_branch", area: str | None = None, **kw: Any
    ) -> Dataset:
        return self.add(
            "organizations", id=id, name=kw.pop("name", f"组织{id}"), kind=kind, area_id=area, **kw
        )

    def unit(
        self, id: str, kind: str = "university", area: str | None = None, **kw: Any
    ) -> Dataset:
        return self.add(
            "units", id=id, name=kw.pop("name", f"单位{id}"), kind=kind, area_id=area, **kw
        )

    def member(
        self,
        figure: str,
        org: str,
        since: dt.date | None = None,
        until: dt.date | None = None,
        **kw: Any,
    ) -> Dataset:
        return self.add("memberships", figure_id=figure, org_id=org, since=since, until=until, **kw)

    def contact(
        self,
        leader: str,
        target: str,
        since: dt.date | None = None,
        until: dt.date | None = None,
        **kw: Any,
    ) -> Dataset:
        return self.add(
            "contacts", leader_id=leader, target_id=target, since=since, until=until, **kw
        )

    def interaction(
        self,
        id: str,
        date: dt.date,
        leaders: Sequence[str],
        targets: Sequence[str],
        kind: str = "visit",
        **kw: Any,
    ) -> Dataset:
        return self.add(
            "interactions",
            id=id,
            date=date,
            kind=kind,
            leader_ids=list(leaders),
            target_ids=list(targets),
            **kw,
        )

    def relation(self, source: str, target: str, kind: str = "friend", **kw: Any) -> Dataset:
        return self.add("relations", source_id=source, target_id=target, kind=kind, **kw)


# --------------------------------------------------------------------------- section 3


def is_open(since: dt.date | None, until: dt.date | None, as_of: dt.date) -> bool:
    """A contact / membership is open at T: `since` empty or <= T, and `until` empty or > T."""
    return (since is None or since <= as_of) and (until is None or until > as_of)


@dataclass(frozen=True)
class Target:
    id: str
    name: str
    kind: str  # figure | organization | unit
    category: str | None  # figure category code; None for organizations and units
    area_id: str | None
    lines: frozenset[str]
    status: str
    assigned_leaders: tuple[str, ...]
    last_contact: dt.date | None

    def gap_item(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "kind": self.kind,
            "category": self.category,
            "area_id": self.area_id,
            "status": self.status,
            "assigned_leaders": list(self.assigned_leaders),
            "last_contact": self.last_contact.isoformat() if self.last_contact else None,
        }


def lines_of(kind: str, sub_kind: str) -> frozenset[str]:
    """Section 2: units are all on `union`; nothing is on `center`."""
    if kind == "figure":
        return frozenset({_LINE_OF_CATEGORY[sub_kind]})
    if kind == "organization":
        return frozenset({_LINE_OF_ORG_KIND[sub_kind]})
    return frozenset({"union"})


def evaluate(ds: Dataset, as_of: dt.date, window_days: int) -> dict[str, Target]:
    """Every target's status, straight from the four rules of section 3."""
    window_start = as_of - dt.timedelta(days=window_days)
    in_office = {r["id"] for r in ds["leaders"] if r.get("in_office") is not False}

    raw: list[tuple[str, Row]] = [
        (kind, row) for table, kind in TARGET_TABLES.items() for row in ds[table]
    ]
    assigned: dict[str, tuple[str, ...]] = {}
    last: dict[str, dt.date | None] = {}
    for _, row in raw:
        tid = row["id"]
        assigned[tid] = tuple(
            sorted(
                {
                    c["leader_id"]
                    for c in ds["contacts"]
                    if c["target_id"] == tid
                    and c["leader_id"] in in_office
                    and is_open(c.get("since"), c.get("until"), as_of)
                }
            )
        )
        # Any leader counts, in office or not; only interactions on or before T.
        dates = [
            i["date"] for i in ds["interactions"] if tid in i["target_ids"] and i["date"] <= as_of
        ]
        last[tid] = max(dates, default=None)

    def in_window(tid: str) -> bool:
        d = last[tid]
        return d is not None and d >= window_start

    # Rules 1 and 2 first: `covered` must be known before rule 3 can look at partners.
    covered = {tid for tid in assigned if assigned[tid] and in_window(tid)}

    def partners(tid: str) -> set[str]:
        """Targets sharing a membership open at T with `tid`, in either direction."""
        out: set[str] = set()
        for m in ds["memberships"]:
            if not is_open(m.get("since"), m.get("until"), as_of):
                continue
            if m["figure_id"] == tid:
                out.add(m["org_id"])
            if m["org_id"] == tid:
                out.add(m["figure_id"])
        return out

    result: dict[str, Target] = {}
    for kind, row in raw:
        tid = row["id"]
        if assigned[tid]:
            status = "covered" if tid in covered else "stale"
        elif in_window(tid) or partners(tid) & covered:
            status = "indirect"
        else:
            status = "uncovered"
        sub_kind = row["category"] if kind == "figure" else row["kind"]
        result[tid] = Target(
            id=tid,
            name=row["name"],
            kind=kind,
            category=row["category"] if kind == "figure" else None,
            area_id=row.get("area_id"),
            lines=lines_of(kind, sub_kind),
            status=status,
            assigned_leaders=assigned[tid],
            last_contact=last[tid],
        )
    return result


def area_chain(ds: Dataset, area_id: str | None) -> list[str]:
    """`area_id` and all its ancestors (the spec forbids cycles, so this ends)."""
    parent = {a["id"]: a.get("parent_id") for a in ds["areas"]}
    chain: list[str] = []
    while area_id is not None:
        chain.append(area_id)
        area_id = parent.get(area_id)
    return chain


def _counts(targets: Iterable[Target]) -> dict[str, int]:
    ts = list(targets)
    out = {"targets": len(ts)}
    for s in STATUSES:
        out[s] = sum(1 for t in ts if t.status == s)
    return out


def coverage(ds: Dataset, as_of: dt.date, window_days: int) -> dict[str, Any]:
    """The coverage summary JSON of section 4."""
    ts = list(evaluate(ds, as_of, window_days).values())
    return {
        "as_of": as_of.isoformat(),
        "window_days": window_days,
        "totals": _counts(ts),
        "by_kind": {k: _counts(t for t in ts if t.kind == k) for k in KINDS},
        "by_category": {c: _counts(t for t in ts if t.category == c) for c in CATEGORIES},
        "by_line": {ln: _counts(t for t in ts if ln in t.lines) for ln in LINE_CODES},
        # A target counts toward its own area and every ancestor area.
        "by_area": {
            a["id"]: _counts(t for t in ts if a["id"] in area_chain(ds, t.area_id))
            for a in ds["areas"]
        },
    }


def category_code(code_or_label: str) -> str:
    for code, label in ENUMS["figure_category"].items():
        if code_or_label in (code, label):
            return code
    raise ValueError(code_or_label)


def gaps(
    ds: Dataset,
    as_of: dt.date,
    window_days: int,
    *,
    statuses: Sequence[str] = ("uncovered", "stale"),
    kind: str | None = None,
    category: str | None = None,
    line: str | None = None,
    area: str | None = None,
) -> dict[str, Any]:
    """The gap list JSON of section 4, with its filters."""
    ts = evaluate(ds, as_of, window_days).values()
    cat = category_code(category) if category is not None else None
    picked = [
        t
        for t in ts
        if t.status in statuses
        and (kind is None or t.kind == kind)
        and (cat is None or t.category == cat)
        and (line is None or line in t.lines)
        and (area is None or area in area_chain(ds, t.area_id))
    ]
    picked.sort(key=lambda t: (GAP_ORDER.index(t.status), t.id))
    return {
        "as_of": as_of.isoformat(),
        "window_days": window_days,
        "total": len(picked),
        "items": [t.gap_item() for t in picked],
    }


# --------------------------------------------------------------------------- writer


def fullwidth(text: str) -> str:
    """ASCII -> full-width forms (``ID`` -> ``ＩＤ``), spaces -> ideographic space."""
    return "".join(
        "\u3000" if ch == " " else chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else ch for ch in text
    )


@dataclass(frozen=True)
class Format:
    """How to write a dataset: file kind, encoding, header language and cell spellings."""

    name: str
    suffix: str = "csv"  # csv | xlsx | json
    encoding: str = "utf-8"
    chinese_headers: bool = False
    labels: str = "codes"  # codes | labels | mixed (alternate rows) — enum spellings
    date_style: str = "iso"  # iso | slash | cjk; in XLSX "iso" means real date cells
    list_sep: str = ";"
    bools: tuple[str, str] = ("true", "false")
    header: Callable[[str], str] | None = None  # a further transform of each header
    newline: str = "\n"
    numeric_ids: bool = True  # XLSX only: all-digit ids go in as number cells

    def with_(self, **changes: Any) -> Format:
        return replace(self, **changes)


FORMATS: dict[str, Format] = {
    f.name: f
    for f in [
        Format("csv"),
        Format("csv_bom", encoding="utf-8-sig", newline="\r\n"),
        Format("csv_zh_gbk", encoding="gbk", chinese_headers=True, newline="\r\n"),
        Format("csv_zh_gb18030", encoding="gb18030", chinese_headers=True, labels="labels"),
        Format("xlsx", suffix="xlsx"),
        Format("xlsx_zh", suffix="xlsx", chinese_headers=True, labels="labels"),
        Format("json", suffix="json"),
    ]
}


def _date_text(d: dt.date, style: str) -> str:
    if style == "slash":
        return d.strftime("%Y/%m/%d")
    if style == "cjk":
        return f"{d.year}年{d.month}月{d.day}日"
    return d.isoformat()


def _enum_text(table: str, column: str, code: str, fmt: Format, index: int) -> str:
    enum = ENUM_COLUMNS.get((table, column))
    use_label = fmt.labels == "labels" or (fmt.labels == "mixed" and index % 2 == 1)
    if enum is None or not use_label:
        return code
    return ENUMS[enum].get(code, code)  # unknown (bad-input) values pass through


def _cell(table: str, column: str, value: Any, fmt: Format, index: int) -> Any:
    """One cell as the format wants it: text for CSV, typed for XLSX / JSON."""
    if value is None:
        return None if fmt.suffix in ("json", "xlsx") else ""
    if isinstance(value, bool):
        if fmt.suffix == "json" and fmt.bools == ("true", "false"):
            return value
        return fmt.bools[0] if value else fmt.bools[1]
    if isinstance(value, dt.date):
        if fmt.suffix == "xlsx" and fmt.date_style == "iso":
            return value  # a real Excel date cell; other styles go in as text cells
        return _date_text(value, fmt.date_style)
    if isinstance(value, list):
        parts = [_enum_text(table, column, str(v), fmt, index) for v in value]
        return parts if fmt.suffix == "json" else fmt.list_sep.join(parts)
    if isinstance(value, int):
        return value if fmt.suffix in ("json", "xlsx") else str(value)
    text = _enum_text(table, column, str(value), fmt, index)
    if fmt.suffix == "xlsx" and fmt.numeric_ids and text.isdigit() and column.endswith("id"):
        return int(text)  # e.g. unit 101 typed into Excel as a number
    return text


def headers_for(table: str, columns: Sequence[str], fmt: Format) -> list[str]:
    out = []
    for col in columns:
        head = COLUMNS[table].get(col, col) if fmt.chinese_headers else col
        out.append(fmt.header(head) if fmt.header else head)
    return out


def table_columns(table: str, rows: Sequence[Row]) -> list[str]:
    """The spec's columns in order, then any extra columns the rows carry."""
    cols = list(COLUMNS[table])
    for r in rows:
        cols += [k for k in r if k not in cols]
    return cols


def write_table(
    table: str,
    rows: Sequence[Row],
    folder: Path,
    fmt: Format,
    columns: Sequence[str] | None = None,
) -> Path:
    """Write one table. Row i (0-based) is on physical line / sheet row i + 2 in every format."""
    cols = list(columns) if columns is not None else table_columns(table, rows)
    heads = headers_for(table, cols, fmt)
    cells = [[_cell(table, c, r.get(c), fmt, i) for c in cols] for i, r in enumerate(rows)]
    path = folder / f"{table}.{fmt.suffix}"
    if fmt.suffix == "csv":
        with path.open("w", encoding=fmt.encoding, newline="") as fh:
            w = csv.writer(fh, lineterminator=fmt.newline)
            w.writerow(heads)
            w.writerows(cells)
    elif fmt.suffix == "json":
        # One object per line, so object i starts on line i + 2 (line 1 is "[").
        objs = [json.dumps(dict(zip(heads, c, strict=True)), ensure_ascii=False) for c in cells]
        path.write_text("[\n" + ",\n".join(objs) + "\n]\n", encoding="utf-8")
    elif fmt.suffix == "xlsx":
        from openpyxl import Workbook

        wb = Workbook()
        ws = wb.active
        assert ws is not None
        ws.title = table
        ws.append(heads)
        for c in cells:
            ws.append(c)
        wb.save(path)
    else:  # pragma: no cover - a typo in a test
        raise ValueError(fmt.suffix)
    return path


def write_dataset(
    ds: Dataset, folder: Path, fmt: Format | str = "csv", *, skip_empty: bool = False
) -> Path:
    """Write every table (an empty one as a bare header, or not at all with `skip_empty`)
    and `policy.yaml` if the dataset has one."""
    f = FORMATS[fmt] if isinstance(fmt, str) else fmt
    folder.mkdir(parents=True, exist_ok=True)
    for table in TABLES:
        if ds[table] or not skip_empty:
            write_table(table, ds[table], folder, f)
    if ds.policy:
        (folder / "policy.yaml").write_text(
            "".join(f"{k}: {v}\n" for k, v in ds.policy.items()), encoding="utf-8"
        )
    return folder

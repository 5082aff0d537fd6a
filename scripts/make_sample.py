"""Generate the fictional sample district (七里河区, Lanzhou) into ``data/sample/``.

The sample is a seeded :func:`loaders.synth.generate` run on the real map of Qilihe, plus a
small scenario overlay that plants what the demo and the tests look for: three towns without
an ethnic work station, blind-spot cells, two leaders out of office, leaders under and over
their quota, a leader who shares no target, the named residing units of the 联席会议. The
files are then written in the mixed formats an office sends (GB18030 and UTF-8-BOM CSV,
xlsx, Chinese headers and labels, Chinese dates and list separators).

Deterministic: the generator, the overlay and the formatting each draw from a seeded
``random.Random``; xlsx files are saved with fixed timestamps (``stable_xlsx``), so a rerun
gives byte-identical files. All people are fictional (generated names and phone numbers).

No interaction falls between 2025-11-11 and 2025-12-09 and no contact or membership starts
or ends between 2026-07-01 and 2026-12-14, so the coverage statuses are the same for any
``as_of`` from 2026-11-21 to 2026-12-09 (window 365).

Usage::

    python scripts/make_sample.py [--out data/sample]
"""

from __future__ import annotations

import argparse
import csv
import io
import random
import sys
from collections import Counter, defaultdict
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from stable_xlsx import save_workbook  # scripts/ is on sys.path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from concentric.synth import TABLE_COLUMNS, District, MemoryWriter, Town, generate  # noqa: E402

SCHEMA_PATH = ROOT / "graph" / "schema" / "schema.yaml"
DEFAULT_OUT = ROOT / "data" / "sample"
SEED = 7110
TARGETS = 774
LAST_DAY = date(2026, 11, 20)  # the last day of the two years of interactions
AS_OF = date(2026, 11, 27)
# Nothing happens in these bands, so the statuses hold for as_of 2026-11-21..2026-12-09.
QUIET_INTERACTIONS = (date(2025, 11, 11), date(2025, 12, 9))
QUIET_CONTACTS = (date(2026, 7, 1), date(2026, 12, 14))
CREATOR = "Concentric sample generator"

# -- the map -----------------------------------------------------------------------------------

# The 15 towns/subdistricts of Qilihe (real) with illustrative communities/villages; three
# are left without an ethnic work station (a gap to find).
NO_STATION_TOWNS = ("秀川街道", "魏岭乡", "黄峪乡")
TOWNS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("敦煌路街道", "subdistrict", ("敦煌路社区", "工林路社区", "民勤街社区")),
    ("西站街道", "subdistrict", ("西站社区", "华林坪社区", "兰工坪社区")),
    ("西园街道", "subdistrict", ("西园社区", "五里铺社区", "吴家园社区")),
    ("西湖街道", "subdistrict", ("西湖社区", "小西湖社区", "柏树巷社区")),
    ("建兰路街道", "subdistrict", ("建兰路社区", "瓜州路社区", "安西路社区")),
    ("秀川街道", "subdistrict", ("秀川社区", "崔家大滩社区", "马滩社区")),
    ("龚家湾街道", "subdistrict", ("龚家湾社区", "骆驼滩社区", "七里河社区")),
    ("土门墩街道", "subdistrict", ("土门墩社区", "司家庄社区", "王家庄社区")),
    ("晏家坪街道", "subdistrict", ("晏家坪社区", "硷沟沿社区", "南山路社区")),
    ("八里镇", "town", ("八里窑村", "崖川村")),
    ("彭家坪镇", "town", ("彭家坪村", "韩家河村", "范家坪村")),
    ("西果园镇", "town", ("西果园村", "后五泉村")),
    ("魏岭乡", "town", ("魏岭村", "韩陈村")),
    ("黄峪乡", "town", ("黄峪村", "大沟村")),
    ("阿干镇", "town", ("阿干村", "铁冶村", "石门村")),
)
QILIHE = District(
    name="七里河区",
    towns=tuple(Town(n, k, c, station=n not in NO_STATION_TOWNS) for n, k, c in TOWNS),
    leaders=30,
    id_widths={"A": 2, "L": 2, "F": 4, "O": 3, "U": 2, "I": 5},
)

# -- the scenario overlay ----------------------------------------------------------------------

# (town, figure category) cells where no figure is assigned, hence none covered.
BLIND_CELLS = (
    ("阿干镇", "religious"),
    ("魏岭乡", "religious"),
    ("黄峪乡", "ethnic"),
    ("西果园镇", "private_economy"),
    ("秀川街道", "intellectual"),
    ("八里镇", "new_strata"),
)

ALL_LINES = "center;cooperation;guidance;service;union"
# L01..L30: post, department, lines, town looked after (分管区域), in office.
LEADERS: tuple[tuple[str, str, str, str, bool], ...] = (
    ("区委书记", "区委", "center", "", True),
    ("区长", "区政府", "center;service", "", True),
    ("区委副书记", "区委", "center;guidance", "西站街道", True),
    ("区人大常委会主任", "区人大常委会", "cooperation", "", True),
    ("区政协主席", "区政协", "cooperation;union", "", True),
    ("常务副区长", "区政府", "service", "敦煌路街道", True),
    ("区委常委、统战部部长", "区委统战部", ALL_LINES, "", True),
    ("区委常委、组织部部长", "区委组织部", "cooperation", "建兰路街道", True),
    ("区委常委、宣传部部长", "区委宣传部", "union", "西园街道", True),
    ("区委常委、政法委书记", "区委政法委", "guidance", "土门墩街道", True),
    ("区委常委、区委办公室主任", "区委办公室", "center;cooperation", "晏家坪街道", True),
    ("区委常委、副区长", "区政府", "service", "彭家坪镇", True),
    ("副区长", "区政府", "service", "八里镇", True),
    ("副区长", "区政府", "union", "", True),
    ("副区长", "区政府", "guidance", "龚家湾街道", True),
    ("副区长", "区政府", "service", "阿干镇", False),
    ("副区长", "区政府", "cooperation;union", "秀川街道", True),
    ("区人大常委会副主任", "区人大常委会", "cooperation", "西湖街道", True),
    ("区人大常委会副主任", "区人大常委会", "guidance", "西果园镇", True),
    ("区人大常委会副主任", "区人大常委会", "service", "魏岭乡", True),
    ("区人大常委会副主任", "区人大常委会", "union", "黄峪乡", True),
    ("区政协副主席", "区政协", "cooperation", "", True),
    ("区政协副主席", "区政协", "guidance", "", True),
    ("区政协副主席", "区政协", "service", "", True),
    ("区政协副主席", "区政协", "union", "", False),
    ("区政协副主席", "区政协", "cooperation;union", "", True),
    ("区委统战部常务副部长", "区委统战部", "guidance;union", "", True),
    ("区委统战部副部长、区民族宗教事务局局长", "区委统战部", "guidance", "", True),
    ("区委统战部副部长", "区委统战部", "cooperation;union", "", True),
    ("区政协副主席", "区政协", "service;union", "西站街道", True),
)  # fmt: skip
QUOTA_PROBLEMS = {"L01": "under", "L14": "under", "L28": "under", "L07": "over", "L27": "over"}
SOLE_LEADER = "L02"  # shares none of its targets with another leader
# L01 handed one target over to another leader long before any date the sample is read at.
HANDED_OVER = ("L01", "2019-03-01", "2023-06-30")

# U01..U39, the residing units: name, kind, level, place (town or community), 联席会议.
UNITS: tuple[tuple[str, str, str, str, bool], ...] = (
    ("兰州理工大学", "university", "provincial", "兰工坪社区", True),
    ("兰州工业学院", "university", "provincial", "龚家湾社区", True),
    ("甘肃省建筑职业技术学院", "university", "provincial", "骆驼滩社区", True),
    ("甘肃省中医院", "hospital", "provincial", "瓜州路社区", True),
    ("甘肃省妇幼保健院", "hospital", "provincial", "西园社区", True),
    ("甘肃省肿瘤医院", "hospital", "provincial", "小西湖社区", True),
    ("中国联通甘肃分公司", "central_soe", "central", "西湖街道", True),
    ("甘肃烟草工业公司", "central_soe", "central", "五里铺社区", True),
    ("中国农业科学院兰州畜牧与兽药研究所", "research_institute", "central", "硷沟沿社区", True),
    ("兰州职业技术学院", "university", "municipal", "工林路社区", True),
    ("兰州文理学院", "university", "provincial", "秀川街道", False),
    ("兰州市第一人民医院", "hospital", "municipal", "西湖社区", True),
    ("七里河区人民医院", "hospital", "district", "敦煌路社区", False),
    ("七里河区中医医院", "hospital", "district", "建兰路社区", False),
    ("甘肃省康复中心医院", "hospital", "provincial", "安西路社区", False),
    ("国家税务总局兰州市七里河区税务局", "central_unit", "central", "敦煌路街道", True),
    ("兰州铁路运输中级法院", "central_unit", "central", "西站社区", False),
    ("兰州铁路运输检察院", "central_unit", "central", "西站社区", False),
    ("中国铁路兰州局集团有限公司兰州西站", "central_soe", "central", "西站社区", True),
    ("中国铁路兰州局集团有限公司兰州西车辆段", "central_soe", "central", "华林坪社区", False),
    ("中铁二十一局集团有限公司", "central_soe", "central", "西站街道", True),
    ("国网兰州供电公司七里河供电分公司", "central_soe", "central", "民勤街社区", False),
    ("中国电信兰州分公司七里河分局", "central_soe", "central", "敦煌路街道", False),
    ("中国移动甘肃公司兰州分公司七里河营业部", "central_soe", "central", "西园街道", False),
    ("中国工商银行兰州七里河支行", "central_soe", "central", "建兰路街道", False),
    ("中国农业银行兰州七里河支行", "central_soe", "central", "西园社区", False),
    ("中国邮政集团有限公司兰州市七里河区分公司", "central_soe", "central", "吴家园社区", False),
    ("中国人民财产保险股份有限公司兰州市七里河支公司", "central_soe", "central", "西湖街道", False),
    ("甘肃第一建设集团有限责任公司", "soe", "provincial", "土门墩街道", True),
    ("甘肃省公路交通建设集团有限公司", "soe", "provincial", "晏家坪街道", False),
    ("甘肃省广播电视网络股份有限公司七里河分公司", "soe", "provincial", "敦煌路社区", False),
    ("兰州公交集团有限公司七里河分公司", "soe", "municipal", "土门墩社区", False),
    ("兰州佛慈制药股份有限公司", "soe", "municipal", "龚家湾街道", False),
    ("七里河区城市建设投资开发有限公司", "soe", "district", "敦煌路街道", False),
    ("甘肃省地质矿产勘查开发局", "other", "provincial", "西湖街道", False),
    ("甘肃省水利科学研究院", "research_institute", "provincial", "建兰路街道", False),
    ("甘肃省建筑科学研究院", "research_institute", "provincial", "安西路社区", False),
    ("兰州市农业科技研究推广中心", "research_institute", "municipal", "彭家坪镇", False),
    ("兰州市第十四中学", "other", "municipal", "龚家湾社区", False),
)  # fmt: skip

# The extra column 备注 of organizations.csv, by kind (kept by the loader as a property).
ORG_NOTES = {
    "party_branch": "民主党派基层组织",
    "federation_of_industry": "人民团体",
    "chamber_of_commerce": "工商联所属商会",
    "religious_group": "依法登记的宗教团体",
    "religious_venue": "依法登记的宗教活动场所",
    "ethnic_work_station": "乡镇（街道）民族工作站",
}

Record = dict[str, str]
Tables = dict[str, list[Record]]


def synth_tables(seed: int) -> Tables:
    """The seeded generator's rows on the Qilihe map, as records keyed by column."""
    rows = MemoryWriter()
    generate(random.Random(seed), rows, TARGETS, end=LAST_DAY, district=QILIHE)
    return {
        table: [dict(zip(TABLE_COLUMNS[table], row, strict=True)) for row in rows.tables[table]]
        for table in TABLE_COLUMNS
    }


def _in(day: str, band: tuple[date, date]) -> bool:
    return bool(day) and band[0] <= date.fromisoformat(day) <= band[1]


def _open(contact: Record) -> bool:
    since, until = contact["since"], contact["until"]
    return (not since or date.fromisoformat(since) <= AS_OF) and (
        not until or date.fromisoformat(until) > AS_OF
    )


def name_leaders_and_units(tables: Tables) -> None:
    area = {a["name"]: a["id"] for a in tables["areas"]}
    assert len(tables["leaders"]) == len(LEADERS) and len(tables["units"]) == len(UNITS)
    for row, (post, department, lines, town, in_office) in zip(
        tables["leaders"], LEADERS, strict=True
    ):
        row.update(post=post, department=department, lines=lines, area_id=area.get(town, ""))
        row["in_office"] = "true" if in_office else "false"
    for row, (name, kind, level, place, joint) in zip(tables["units"], UNITS, strict=True):
        row.update(name=name, kind=kind, level=level, area_id=area[place])
        row["joint_meeting"] = "true" if joint else "false"


def quiet_bands(tables: Tables) -> None:
    """Drop what falls in the quiet bands; renumber the interactions."""
    tables["interactions"] = [
        i for i in tables["interactions"] if not _in(i["date"], QUIET_INTERACTIONS)
    ]
    for n, row in enumerate(tables["interactions"], start=1):
        row["id"] = f"I{n:05d}"
    for table in ("contacts", "memberships"):
        tables[table] = [
            r
            for r in tables[table]
            if not (_in(r["since"], QUIET_CONTACTS) or _in(r["until"], QUIET_CONTACTS))
        ]


def plant_blind_cells(tables: Tables, rng: random.Random) -> None:
    """No figure of a blind cell keeps a leader; a cell with no figure gets one moved in."""
    town_of = {a["id"]: a["parent_id"] if a["kind"] in {"community", "village"} else a["id"]
               for a in tables["areas"]}  # fmt: skip
    town_id = {a["name"]: a["id"] for a in tables["areas"]}
    blind: set[str] = set()
    for town, category in BLIND_CELLS:
        cell = [f for f in tables["figures"] if f["category"] == category
                and town_of[f["area_id"]] == town_id[town]]  # fmt: skip
        if not cell:
            moved = rng.choice([f for f in tables["figures"] if f["category"] == category])
            moved["area_id"] = town_id[town]
            cell = [moved]
        blind.update(f["id"] for f in cell)
    tables["contacts"] = [c for c in tables["contacts"] if c["target_id"] not in blind]


def plant_sole_leader(tables: Tables) -> None:
    own = {c["target_id"] for c in tables["contacts"] if c["leader_id"] == SOLE_LEADER}
    tables["contacts"] = [
        c for c in tables["contacts"] if c["leader_id"] == SOLE_LEADER or c["target_id"] not in own
    ]


def plant_handover(tables: Tables) -> None:
    """An ended contact of L01's: the first target another leader in office holds alone."""
    leader, since, until = HANDED_OVER
    in_office = {r["id"] for r in tables["leaders"] if r["in_office"] == "true"}
    held: dict[str, set[str]] = defaultdict(set)
    for c in tables["contacts"]:
        held[c["target_id"]].add(c["leader_id"])
    target = next(
        t
        for t, leaders in sorted(held.items())
        if len(leaders) == 1 and not leaders & {leader, SOLE_LEADER} and leaders <= in_office
    )
    tables["contacts"].append(
        {"leader_id": leader, "target_id": target, "since": since, "until": until,
         "role": "primary"}
    )  # fmt: skip


def plant_quotas(tables: Tables) -> None:
    """Quotas that put exactly the leaders of QUOTA_PROBLEMS under or over (spec 3)."""
    assigned: dict[str, set[str]] = defaultdict(set)
    for c in tables["contacts"]:
        if _open(c):
            assigned[c["leader_id"]].add(c["target_id"])
    for row in tables["leaders"]:
        targets = assigned[row["id"]]
        n_all, n_figures = len(targets), sum(t.startswith("F") for t in targets)
        problem = QUOTA_PROBLEMS.get(row["id"])
        if problem == "under":
            low, high = n_figures + 2, max(n_all, n_figures + 2) + 5
        elif problem == "over":
            low, high = min(3, n_figures), n_all - 2
        elif not row["quota_min"] and n_figures >= 3 and n_all <= 15:
            continue  # the policy defaults fit
        else:  # near the defaults, so suggestions run out of capacity as in a real office
            low, high = min(3, n_figures), max(15, n_all + 2)
        row["quota_min"], row["quota_max"] = str(low), str(high)


def sample_tables(seed: int) -> Tables:
    tables = synth_tables(seed)
    overlay_rng = random.Random(seed + 3)
    name_leaders_and_units(tables)
    quiet_bands(tables)
    plant_blind_cells(tables, overlay_rng)
    plant_sole_leader(tables)
    plant_handover(tables)
    plant_quotas(tables)
    for org in tables["organizations"]:
        org["note"] = ORG_NOTES.get(org["kind"], "")
    return tables


# -- writing in office formats -----------------------------------------------------------------

LINE_SHORT = {
    "center": "中心线",
    "cooperation": "合作线",
    "guidance": "引导线",
    "service": "服务线",
    "union": "联合线",
}


class Writer:
    """Chinese headers and labels; dates and list separators varied as offices write them."""

    def __init__(self, schema: dict[str, Any], out: Path, seed: int) -> None:
        self.schema = schema
        self.out = out
        self.rng = random.Random(seed + 2)
        self.labels = schema["enumerations"]

    def date(self, iso: str) -> str:
        d = date.fromisoformat(iso)
        r = self.rng.random()
        if r < 0.05:
            return f"{d.year}年{d.month}月{d.day}日"
        if r < 0.10:
            return d.strftime("%Y/%m/%d")
        return iso

    def join(self, items: list[str]) -> str:
        return self.rng.choice(["；", "、", ";"]).join(items)

    def cell(self, table: str, col: str, value: str, for_xlsx: bool) -> Any:
        ctype = self.schema["tables"][table]["columns"][col]["type"]
        if value == "":
            return None if for_xlsx else ""
        if ctype == "date":
            return date.fromisoformat(value) if for_xlsx else self.date(value)
        if ctype == "bool":
            return "是" if value == "true" else "否"
        if ctype.startswith("enum:"):
            return self.labels[ctype[5:]][value]
        if ctype == "enums:line":
            return self.join([self.line_label(v) for v in value.split(";")])
        if ctype.startswith("refs:") or ctype == "list":
            return self.join(value.split(";"))
        if ctype == "int" and for_xlsx:
            return int(value)
        return value

    def line_label(self, code: str) -> str:
        return LINE_SHORT[code] if self.rng.random() < 0.6 else self.labels["line"][code]

    def rows(
        self, table: str, records: list[Record], extra: dict[str, str], for_xlsx: bool = False
    ) -> tuple[list[str], list[list[Any]]]:
        columns = self.schema["tables"][table]["columns"]
        header = [spec["aliases"][0] for spec in columns.values()] + list(extra.values())
        rows = [
            [self.cell(table, c, rec.get(c, ""), for_xlsx) for c in columns]
            + [rec[k] for k in extra]
            for rec in records
        ]
        return header, rows

    def csv(
        self,
        table: str,
        records: list[Record],
        encoding: str,
        newline: str = "\n",
        extra: dict[str, str] | None = None,
    ) -> None:
        header, rows = self.rows(table, records, extra or {})
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator=newline)
        writer.writerow(header)
        writer.writerows(rows)
        (self.out / f"{table}.csv").write_bytes(buf.getvalue().encode(encoding))

    def xlsx(self, table: str, records: list[Record]) -> None:
        header, rows = self.rows(table, records, {}, for_xlsx=True)
        wb = Workbook()
        ws = wb.active
        ws.title = self.schema["tables"][table]["label"]
        ws.append(header)
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in rows:
            ws.append(row)
        for i, name in enumerate(header, start=1):
            width = max([len(str(name)) * 2] + [len(str(r[i - 1] or "")) * 2 for r in rows])
            ws.column_dimensions[get_column_letter(i)].width = min(max(width + 2, 8), 60)
        ws.freeze_panes = "A2"
        save_workbook(wb, self.out / f"{table}.xlsx", CREATOR)


# table: file, encoding (None: xlsx), line end, format described in the README
FORMATS: dict[str, tuple[str, str | None, str, str]] = {
    "areas": ("areas.csv", "utf-8-sig", "\r\n", "CSV, UTF-8 with BOM, CRLF"),
    "leaders": ("leaders.xlsx", None, "", "xlsx, first sheet"),
    "figures": ("figures.csv", "gb18030", "\r\n", "CSV, GB18030, CRLF"),
    "organizations": ("organizations.csv", "utf-8", "\n", "CSV, UTF-8"),
    "units": ("units.xlsx", None, "", "xlsx, first sheet"),
    "memberships": ("memberships.csv", "utf-8", "\n", "CSV, UTF-8"),
    "contacts": ("contacts.csv", "utf-8", "\n", "CSV, UTF-8"),
    "interactions": ("interactions.csv", "utf-8", "\n", "CSV, UTF-8"),
    "relations": ("relations.csv", "utf-8", "\n", "CSV, UTF-8"),
}

POLICY_YAML = """\
# Policy for the sample district (七里河区), the defaults in graph/schema/schema.yaml;
# edit a copy to try other settings: window_days is the coverage window W (an assigned target
# with no interaction in the last W days is "stale"), quota_min/quota_max are the defaults
# for leaders whose 联系下限/联系上限 cells are empty.
window_days: 365
quota_min: 3
quota_max: 15
"""

README_TEMPLATE = """\
# 示例数据：七里河区（虚构） / Sample district: Qilihe (fictional)

本目录是 `scripts/make_sample.py` 生成的示例数据集，用于演示与测试。区、乡镇（街道）名称取自
兰州市七里河区的真实区划；社区/村、场所、商会等名称为示意；**所有人员均为虚构**（姓名与电话号码
均为随机生成），与真实人员无关。

This folder is the sample dataset written by `scripts/make_sample.py`: a seeded run of the
synthetic generator (`concentric/synth.py`, the one behind `concentric synth`) on the real map
of Qilihe district, Lanzhou, plus a small scenario overlay. Community, venue and
association names are illustrative; **every person is fictional** (generated names and
random phone numbers).

| 表 table | 文件 file | 格式 format | 行数 rows |
|---|---|---|---|
{table_rows}

The overlay plants: no ethnic work station in {no_station}; no assigned leader for the
figures of six town × category cells (religious figures in 阿干镇 and 魏岭乡, ethnic
figures in 黄峪乡, private-economy figures in 西果园镇, intellectuals in 秀川街道, new-strata
figures in 八里镇); leaders L16 and L25 out of office; L01, L14 and L28 under their quota,
L07 and L27 over it; L02 sharing none of its targets; the {n_units} named residing units,
{n_joint} of them in the 联席会议. Interactions run from {first_day} to {last_day}; none falls
between 2025-11-11 and 2025-12-09 and no contact or membership starts or ends between
2026-07-01 and 2026-12-14, so the coverage statuses are the same for any as_of from
2026-11-21 to 2026-12-09 (window 365).

Formats are deliberately mixed to exercise the loaders: Chinese headers (the aliases in
`graph/schema/schema.yaml`) and Chinese enumeration labels; dates mostly `YYYY-MM-DD`, some
`YYYY年M月D日` and `YYYY/MM/DD`; list cells separated by `；`, `、` or `;`;
`organizations.csv` carries an extra column 备注 (kept as an extra property).

重新生成 / Regenerate (deterministic, byte-identical on rerun):

    python scripts/make_sample.py
"""


def write_all(tables: Tables, out: Path, seed: int) -> dict[str, int]:
    with SCHEMA_PATH.open(encoding="utf-8") as handle:
        schema = yaml.safe_load(handle)
    out.mkdir(parents=True, exist_ok=True)
    writer = Writer(schema, out, seed)
    for table, (_, encoding, newline, _) in FORMATS.items():
        if encoding is None:
            writer.xlsx(table, tables[table])
        else:
            extra = {"note": "备注"} if table == "organizations" else None
            writer.csv(table, tables[table], encoding, newline, extra)
    (out / "policy.yaml").write_text(POLICY_YAML, encoding="utf-8")
    counts = {table: len(tables[table]) for table in FORMATS}
    days = sorted(i["date"] for i in tables["interactions"])
    readme = README_TEMPLATE.format(
        table_rows="\n".join(
            f"| `{t}` {schema['tables'][t]['label']} | `{FORMATS[t][0]}` | {FORMATS[t][3]} | {n} |"
            for t, n in counts.items()
        ),
        no_station="、".join(NO_STATION_TOWNS),
        n_units=len(UNITS),
        n_joint=sum(joint for *_, joint in UNITS),
        first_day=days[0],
        last_day=days[-1],
    )
    (out / "README.md").write_text(readme, encoding="utf-8")
    kinds = Counter(o["kind"] for o in tables["organizations"])
    return counts | {f"organizations:{k}": n for k, n in sorted(kinds.items())}


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder")
    args = parser.parse_args()
    counts = write_all(sample_tables(SEED), args.out, SEED)
    for key, value in counts.items():
        print(f"{key:>36}: {value}")


if __name__ == "__main__":
    main()

"""Generate the fictional sample district (七里河区, Lanzhou) into ``data/sample/``.

The sample is deterministic: Faker ``zh_CN`` and ``random.Random`` are seeded, xlsx files
are written with fixed timestamps, so running the script twice gives byte-identical files
(with the same Faker, openpyxl and zlib versions).

All people are fictional (names from Faker, random phone numbers). Areas follow the real
towns/subdistricts of Qilihe; community/village names and most venue names are illustrative.

The data is planned so that, as of 2026-11-27 with a 365-day window, all four coverage
statuses occur in sizable numbers. No interaction falls between 2025-11-11 and 2025-12-09
and no contact or membership starts or ends between 2026-07-01 and 2026-12-14, so the
statuses are the same for any ``as_of`` from 2026-11-21 to 2026-12-09 (window 365).

Usage::

    python scripts/make_sample.py [--out data/sample] [--seed 7110]
"""

from __future__ import annotations

import argparse
import csv
import io
import random
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import yaml
from faker import Faker
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from stable_xlsx import save_workbook  # scripts/ is on sys.path

ROOT = Path(__file__).resolve().parent.parent
SCHEMA_PATH = ROOT / "graph" / "schema.yaml"
DEFAULT_OUT = ROOT / "data" / "sample"
DEFAULT_SEED = 7110

AS_OF = date(2026, 11, 27)
WINDOW_DAYS = 365
FIRST_DAY = date(2024, 11, 21)
LAST_DAY = date(2026, 11, 20)
OLD_END = date(2025, 11, 10)  # last day of "before the window" interactions
NEW_START = date(2025, 12, 10)  # first day of "inside the window" interactions
CREATOR = "Concentric sample generator"

# --------------------------------------------------------------------------------------
# Reference material
# --------------------------------------------------------------------------------------

# The 15 towns/subdistricts of Qilihe with illustrative communities/villages.
TOWNS: list[tuple[str, str, list[str]]] = [
    ("敦煌路街道", "subdistrict", ["敦煌路社区", "工林路社区", "民勤街社区"]),
    ("西站街道", "subdistrict", ["西站社区", "华林坪社区", "兰工坪社区"]),
    ("西园街道", "subdistrict", ["西园社区", "五里铺社区", "吴家园社区"]),
    ("西湖街道", "subdistrict", ["西湖社区", "小西湖社区", "柏树巷社区"]),
    ("建兰路街道", "subdistrict", ["建兰路社区", "瓜州路社区", "安西路社区"]),
    ("秀川街道", "subdistrict", ["秀川社区", "崔家大滩社区", "马滩社区"]),
    ("龚家湾街道", "subdistrict", ["龚家湾社区", "骆驼滩社区", "七里河社区"]),
    ("土门墩街道", "subdistrict", ["土门墩社区", "司家庄社区", "王家庄社区"]),
    ("晏家坪街道", "subdistrict", ["晏家坪社区", "硷沟沿社区", "南山路社区"]),
    ("八里镇", "town", ["八里窑村", "崖川村"]),
    ("彭家坪镇", "town", ["彭家坪村", "韩家河村", "范家坪村"]),
    ("西果园镇", "town", ["西果园村", "后五泉村"]),
    ("魏岭乡", "town", ["魏岭村", "韩陈村"]),
    ("黄峪乡", "town", ["黄峪村", "大沟村"]),
    ("阿干镇", "town", ["阿干村", "铁冶村", "石门村"]),
]

# Towns/subdistricts deliberately left without an ethnic work station (a gap to find).
NO_STATION_TOWNS = {"秀川街道", "魏岭乡", "黄峪乡"}

# (town, figure category) cells where no figure is covered (blind spots to find).
BLIND_CELLS = {
    ("阿干镇", "religious"),
    ("魏岭乡", "religious"),
    ("黄峪乡", "ethnic"),
    ("西果园镇", "private_economy"),
    ("秀川街道", "intellectual"),
    ("八里镇", "new_strata"),
}

# Areas with many minority residents, mosques etc. (weights for placing people/venues).
ETHNIC_TOWNS = {
    "西站街道": 3,
    "土门墩街道": 4,
    "龚家湾街道": 3,
    "晏家坪街道": 3,
    "彭家坪镇": 3,
    "阿干镇": 2,
    "黄峪乡": 2,
    "八里镇": 2,
    "西果园镇": 2,
    "秀川街道": 2,
    "魏岭乡": 1,
}

CATEGORY_COUNTS = {
    "democratic_party": 70,
    "non_party": 35,
    "intellectual": 70,
    "ethnic": 90,
    "religious": 80,
    "private_economy": 90,
    "new_strata": 60,
    "overseas_student": 35,
    "hk_macao": 12,
    "taiwan": 15,
    "overseas_chinese": 25,
    "other": 18,
}

PARTIES = ["民革", "民盟", "民建", "民进", "农工党", "致公党", "九三学社", "台盟"]
PARTY_WEIGHTS = [8, 14, 12, 12, 9, 5, 8, 2]
PARTY_BRANCHES = {
    "民革": "民革七里河区总支部",
    "民盟": "民盟七里河区委员会",
    "民建": "民建七里河区总支部",
    "民进": "民进七里河区总支部",
    "农工党": "农工党七里河区总支部",
    "致公党": "致公党七里河区支部",
    "九三学社": "九三学社七里河区支社",
    "台盟": "台盟七里河区支部",
}

RELIGION_VENUES = {"伊斯兰教": 60, "佛教": 16, "道教": 9, "基督教": 7, "天主教": 3}
RELIGION_FIGURES = {"伊斯兰教": 50, "佛教": 14, "道教": 7, "基督教": 6, "天主教": 3}
RELIGIOUS_GROUPS = {
    "伊斯兰教": "七里河区伊斯兰教协会",
    "佛教": "七里河区佛教协会",
    "道教": "七里河区道教协会",
    "基督教": "七里河区基督教三自爱国运动委员会",
    "天主教": "七里河区天主教爱国会",
}

ETHNIC_MIX = [
    ("回族", 36),
    ("东乡族", 14),
    ("藏族", 11),
    ("蒙古族", 6),
    ("维吾尔族", 5),
    ("土族", 5),
    ("撒拉族", 5),
    ("满族", 6),
    ("保安族", 3),
    ("裕固族", 3),
    ("壮族", 2),
    ("朝鲜族", 2),
    ("哈萨克族", 2),
]
RELIGION_ETHNICITY = {
    "伊斯兰教": [("回族", 70), ("东乡族", 18), ("撒拉族", 7), ("保安族", 5)],
    "佛教": [("藏族", 45), ("汉族", 35), ("蒙古族", 10), ("土族", 10)],
    "道教": [("汉族", 100)],
    "基督教": [("汉族", 100)],
    "天主教": [("汉族", 100)],
}

CHAMBERS = [
    ("七里河区浙江商会", "敦煌路街道"),
    ("七里河区福建商会", "西站街道"),
    ("七里河区临夏商会", "土门墩街道"),
    ("七里河区牛肉拉面行业商会", "西园街道"),
    ("七里河区建材商会", "彭家坪镇"),
    ("七里河区物流商会", "晏家坪街道"),
]
OTHER_ORGS = [
    ("七里河区知识分子联谊会", None),
    ("七里河区民族团结进步促进会", None),
    ("七里河区光彩事业促进会", None),
    ("七里河区少数民族联谊会", "土门墩街道"),
]

# name, kind, level, place (town or community), joint meeting
UNITS: list[tuple[str, str, str, str, bool]] = [
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
]

# post, department, lines, town (分管区域), quota_min, quota_max, in_office, open contacts,
# of which figures
LEADERS: list[tuple[str, str, list[str], str | None, int | None, int | None, bool, int, int]] = [
    ("区委书记", "中共七里河区委", ["center"], None, None, None, True, 8, 2),
    ("区长", "七里河区人民政府", ["center", "service"], None, None, None, True, 10, 4),
    ("区委副书记", "中共七里河区委", ["center", "guidance"], "西站街道", None, None, True, 12, 7),
    ("区人大常委会主任", "七里河区人大常委会", ["cooperation"], None, None, None, True, 10, 6),
    ("区政协主席", "政协七里河区委员会", ["cooperation", "union"], None, 4, 14, True, 12, 8),
    ("常务副区长", "七里河区人民政府", ["service"], "敦煌路街道", None, None, True, 11, 7),
    (
        "区委常委、统战部部长",
        "中共七里河区委统战部",
        ["center", "cooperation", "guidance", "service", "union"],
        None,
        8,
        None,
        True,
        17,
        10,
    ),
    (
        "区委常委、组织部部长",
        "中共七里河区委组织部",
        ["cooperation"],
        "建兰路街道",
        None,
        None,
        True,
        10,
        7,
    ),
    (
        "区委常委、宣传部部长",
        "中共七里河区委宣传部",
        ["union"],
        "西园街道",
        None,
        None,
        True,
        11,
        8,
    ),
    (
        "区委常委、政法委书记",
        "中共七里河区委政法委",
        ["guidance"],
        "土门墩街道",
        None,
        None,
        True,
        12,
        7,
    ),
    (
        "区委常委、区委办公室主任",
        "中共七里河区委办公室",
        ["center", "cooperation"],
        "晏家坪街道",
        None,
        None,
        True,
        9,
        6,
    ),
    ("区委常委、副区长", "七里河区人民政府", ["service"], "彭家坪镇", None, None, True, 12, 8),
    ("副区长", "七里河区人民政府", ["service"], "八里镇", None, None, True, 12, 8),
    ("副区长", "七里河区人民政府", ["union"], None, None, None, True, 12, 2),
    ("副区长", "七里河区人民政府", ["guidance"], "龚家湾街道", 5, 15, True, 13, 8),
    ("副区长", "七里河区人民政府", ["service"], "阿干镇", None, None, False, 10, 7),
    ("副区长", "七里河区人民政府", ["cooperation", "union"], "秀川街道", None, None, True, 11, 7),
    (
        "区人大常委会副主任",
        "七里河区人大常委会",
        ["cooperation"],
        "西湖街道",
        None,
        None,
        True,
        10,
        7,
    ),
    ("区人大常委会副主任", "七里河区人大常委会", ["guidance"], "西果园镇", None, None, True, 10, 6),
    ("区人大常委会副主任", "七里河区人大常委会", ["service"], "魏岭乡", None, None, True, 9, 6),
    ("区人大常委会副主任", "七里河区人大常委会", ["union"], "黄峪乡", None, None, True, 10, 6),
    ("区政协副主席", "政协七里河区委员会", ["cooperation"], None, None, None, True, 11, 8),
    ("区政协副主席", "政协七里河区委员会", ["guidance"], None, 6, 15, True, 12, 8),
    ("区政协副主席", "政协七里河区委员会", ["service"], None, None, None, True, 11, 8),
    ("区政协副主席", "政协七里河区委员会", ["union"], None, None, None, False, 9, 6),
    ("区政协副主席", "政协七里河区委员会", ["cooperation", "union"], None, None, None, True, 10, 7),
    (
        "区委统战部常务副部长",
        "中共七里河区委统战部",
        ["guidance", "union"],
        None,
        None,
        12,
        True,
        15,
        10,
    ),
    (
        "区委统战部副部长、区民族宗教事务局局长",
        "中共七里河区委统战部",
        ["guidance"],
        None,
        5,
        16,
        True,
        16,
        4,
    ),
    (
        "区委统战部副部长",
        "中共七里河区委统战部",
        ["cooperation", "union"],
        None,
        None,
        None,
        True,
        12,
        8,
    ),
    (
        "区政协副主席",
        "政协七里河区委员会",
        ["service", "union"],
        "西站街道",
        None,
        None,
        True,
        10,
        6,
    ),
]
INACTIVE_LEADER = 19  # index: a leader with no interaction inside the window
# index -> last day in office (the two leaders no longer in office)
DEPARTED = {15: date(2025, 8, 31), 24: date(2025, 10, 15)}
# organizations only the departed union-line leader looked after
DEPARTED_EXCLUSIVE = {24: ["七里河区台侨联", "七里河区欧美同学会（留学人员联谊会）"]}

LINE_SHORT = {
    "center": "中心线",
    "cooperation": "合作线",
    "guidance": "引导线",
    "service": "服务线",
    "union": "联合线",
}

ROLE_CHOICES = {
    "democratic_party": ["区政协委员", "区人大代表", "市政协委员", "特约监督员"],
    "non_party": ["区政协委员", "区人大代表", "特约监督员", "市政协委员"],
    "intellectual": ["区政协委员", "市政协委员", "区人大代表"],
    "ethnic": ["区人大代表", "区政协委员", "民族团结进步模范"],
    "religious": ["区政协委员", "区人大代表", "市政协委员"],
    "private_economy": ["区政协委员", "区人大代表", "市人大代表", "工商联执委"],
    "new_strata": ["网络代表人士", "区政协委员", "新联会理事"],
    "overseas_student": ["区政协委员", "欧美同学会理事"],
    "hk_macao": ["区政协委员", "港澳台侨联络员"],
    "taiwan": ["区政协委员", "港澳台侨联络员"],
    "overseas_chinese": ["区政协委员", "侨联委员"],
    "other": ["区政协委员", "统战信息员"],
}

TIBETAN_A = ["扎西", "才让", "多杰", "索南", "旦增", "格桑", "贡保", "仁青", "桑吉", "尼玛"]
TIBETAN_B = ["卓玛", "拉姆", "央金", "德吉", "措", "加措", "东珠", "才旦", "吉", "草"]
MONGOL = ["巴特尔", "其木格", "乌云", "额尔敦", "宝音", "那日苏", "斯琴", "阿拉坦", "孟和", "苏德"]
UYGHUR_A = [
    "艾力",
    "阿不都",
    "买买提",
    "吐尔逊",
    "热依拉",
    "古丽",
    "阿依努尔",
    "米娜",
    "努尔",
    "帕提",
]
UYGHUR_B = ["买买提", "吐尔逊", "艾则孜", "阿布都拉", "依明", "沙吾提", "热合曼", "尼亚孜"]
HUI_SURNAMES = ["马"] * 8 + ["穆", "白", "丁", "沙", "哈", "海", "冶", "妥", "喇", "韩", "者", "马"]


# --------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------


def load_schema() -> dict[str, Any]:
    with SCHEMA_PATH.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def open_at(since: date | None, until: date | None, t: date = AS_OF) -> bool:
    return (since is None or since <= t) and (until is None or until > t)


def rand_date(rng: random.Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randint(0, (end - start).days))


def weighted(rng: random.Random, pairs: list[tuple[str, int]]) -> str:
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


def weighted_sample(
    rng: random.Random, items: list[Any], weights: list[float], k: int
) -> list[Any]:
    """k distinct items, drawn with probability proportional to their weights."""
    keyed = []
    for item, w in zip(items, weights, strict=True):
        if w <= 0:
            continue
        keyed.append((rng.random() ** (1.0 / w), item))
    keyed.sort(key=lambda p: -p[0])
    return [item for _, item in keyed[:k]]


@dataclass
class Target:
    id: str
    name: str
    node: str  # figure / organization / unit
    cat: str  # figure category, organization kind or unit kind
    area: str
    lines: frozenset[str]
    weight: float = 1.0
    extra: dict[str, Any] = field(default_factory=dict)


# --------------------------------------------------------------------------------------
# The generator
# --------------------------------------------------------------------------------------


class SampleDistrict:
    def __init__(self, seed: int) -> None:
        self.schema = load_schema()
        self.rng = random.Random(seed)
        self.fmt_rng = random.Random(seed + 1)  # formatting choices only
        self.fake = Faker("zh_CN")
        self.fake.seed_instance(seed)
        self.used_ids: set[str] = set()
        self.used_names: set[str] = set()

        self.areas: list[dict[str, Any]] = []
        self.leaders: list[dict[str, Any]] = []
        self.figures: list[dict[str, Any]] = []
        self.orgs: list[dict[str, Any]] = []
        self.units: list[dict[str, Any]] = []
        self.memberships: list[dict[str, Any]] = []
        self.contacts: list[dict[str, Any]] = []
        self.interactions: list[dict[str, Any]] = []
        self.relations: list[dict[str, Any]] = []

        self.targets: dict[str, Target] = {}
        self.area_by_name: dict[str, str] = {}
        self.town_of: dict[str, str | None] = {}
        self.plan: dict[str, str] = {}

    # ---- ids and names -----------------------------------------------------------------

    def new_id(self, prefix: str, n: int, width: int) -> str:
        ident = f"{prefix}{n:0{width}d}"
        assert ident not in self.used_ids, ident
        self.used_ids.add(ident)
        return ident

    def unique_name(self, make: Any) -> str:
        for _ in range(200):
            name = make()
            if name not in self.used_names:
                self.used_names.add(name)
                return name
        raise RuntimeError("could not find a fresh name")

    def person_name(self, ethnicity: str, gender: str) -> str:
        fk, rng = self.fake, self.rng
        first_name = fk.first_name_male if gender == "男" else fk.first_name_female

        def given() -> str:
            # Faker's given names have one or two characters; make most of them two
            name = first_name()
            if len(name) == 1 and rng.random() < 0.7:
                extra = first_name()[-1]
                name += extra if extra != name else "文"
            return name

        if ethnicity in {"回族", "东乡族", "撒拉族", "保安族"}:
            return self.unique_name(lambda: rng.choice(HUI_SURNAMES) + given())
        if ethnicity == "藏族":
            return self.unique_name(lambda: rng.choice(TIBETAN_A) + rng.choice(TIBETAN_B))
        if ethnicity == "蒙古族":
            return self.unique_name(
                lambda: rng.choice(MONGOL) + rng.choice(["", "", rng.choice(MONGOL)])
            )
        if ethnicity == "维吾尔族":
            return self.unique_name(lambda: rng.choice(UYGHUR_A) + "·" + rng.choice(UYGHUR_B))
        return self.unique_name(lambda: fk.last_name() + given())

    def phone(self) -> str:
        prefix = self.rng.choice(
            ["130", "131", "133", "135", "138", "139", "151", "155", "177", "189"]
        )
        return prefix + f"{self.rng.randint(0, 99_999_999):08d}"

    # ---- areas -----------------------------------------------------------------------

    def make_areas(self) -> None:
        n = 1
        district = self.new_id("A", n, 2)
        self.areas.append(
            {"id": district, "name": "七里河区", "kind": "district", "parent_id": None}
        )
        self.area_by_name["七里河区"] = district
        self.town_of[district] = None
        self.district = district
        town_ids = []
        for name, kind, _ in TOWNS:
            n += 1
            aid = self.new_id("A", n, 2)
            self.areas.append({"id": aid, "name": name, "kind": kind, "parent_id": district})
            self.area_by_name[name] = aid
            self.town_of[aid] = aid
            town_ids.append(aid)
        for (_, kind, subs), tid in zip(TOWNS, town_ids, strict=True):
            for sub in subs:
                n += 1
                aid = self.new_id("A", n, 2)
                sub_kind = "community" if kind == "subdistrict" else "village"
                self.areas.append({"id": aid, "name": sub, "kind": sub_kind, "parent_id": tid})
                self.area_by_name[sub] = aid
                self.town_of[aid] = tid
        self.town_ids = town_ids
        self.children: dict[str, list[str]] = defaultdict(list)
        for a in self.areas:
            if a["parent_id"]:
                self.children[a["parent_id"]].append(a["id"])

    def town_name(self, area_id: str) -> str | None:
        tid = self.town_of.get(area_id)
        return None if tid is None else next(a["name"] for a in self.areas if a["id"] == tid)

    def area_in_town(self, town: str, p_town: float = 0.25) -> str:
        tid = self.area_by_name[town]
        if self.rng.random() < p_town:
            return tid
        return self.rng.choice(self.children[tid])

    def random_area(self, ethnic: bool = False) -> str:
        """An area for a person: mostly communities, some towns, a few the district."""
        r = self.rng.random()
        if r < 0.06:
            return self.district
        if ethnic:
            towns = list(ETHNIC_TOWNS)
            town = self.rng.choices(towns, weights=[ETHNIC_TOWNS[t] for t in towns])[0]
        else:
            weights = [3 if k == "subdistrict" else 1.2 for _, k, _ in TOWNS]
            town = self.rng.choices([t[0] for t in TOWNS], weights=weights)[0]
        return self.area_in_town(town, p_town=0.2)

    # ---- targets ---------------------------------------------------------------------

    def lines_for(self, node: str, cat: str) -> frozenset[str]:
        key = {
            "figure": "figure_categories",
            "organization": "organization_kinds",
            "unit": "unit_kinds",
        }[node]
        return frozenset(code for code, spec in self.schema["lines"].items() if cat in spec[key])

    def add_target(
        self, ident: str, name: str, node: str, cat: str, area: str, weight: float
    ) -> None:
        self.targets[ident] = Target(
            ident, name, node, cat, area, self.lines_for(node, cat), weight
        )

    # ---- organizations ---------------------------------------------------------------

    def make_orgs(self) -> None:
        rows: list[dict[str, Any]] = []

        def org(
            name: str,
            kind: str,
            area: str,
            religion: str | None = None,
            parent: str | None = None,
            note: str = "",
        ) -> dict[str, Any]:
            row = {
                "name": name,
                "kind": kind,
                "area_id": area,
                "religion": religion,
                "parent_name": parent,
                "note": note,
            }
            rows.append(row)
            return row

        d = self.district
        for party in PARTIES:
            org(PARTY_BRANCHES[party], "party_branch", d, note="民主党派基层组织")
        org("七里河区工商业联合会（总商会）", "federation_of_industry", d, note="人民团体")
        for name, town in CHAMBERS:
            org(
                name,
                "chamber_of_commerce",
                self.area_by_name[town],
                parent="七里河区工商业联合会（总商会）",
                note="工商联所属商会",
            )
        for religion, name in RELIGIOUS_GROUPS.items():
            org(name, "religious_group", d, religion=religion, note="依法登记的宗教团体")
        self.make_venues(org)
        for town, _, _ in TOWNS:
            if town in NO_STATION_TOWNS:
                continue
            org(
                f"{town}民族工作站",
                "ethnic_work_station",
                self.area_in_town(town, p_town=0.6),
                note="乡镇（街道）民族工作站",
            )
        org("七里河区台侨联", "taiwan_overseas_federation", d, note="台联、侨联合署")
        org("七里河区新的社会阶层人士联谊会", "new_strata_association", d, note="新联会")
        org(
            "七里河区网络人士联谊会",
            "new_strata_association",
            d,
            parent="七里河区新的社会阶层人士联谊会",
            note="新联会网络人士分会",
        )
        org("七里河区欧美同学会（留学人员联谊会）", "returned_scholars_association", d, note="")
        for name, town in OTHER_ORGS:
            org(name, "other", d if town is None else self.area_by_name[town], note="")

        by_name: dict[str, str] = {}
        for i, row in enumerate(rows, start=1):
            row["id"] = self.new_id("O", i, 3)
            by_name[row["name"]] = row["id"]
        for row in rows:
            parent = row.pop("parent_name")
            row["parent_id"] = by_name[parent] if parent else None
        # keep the file ordered by id
        self.orgs = rows
        self.org_by_name = by_name
        for row in rows:
            weight = {"religious_venue": 1.0, "ethnic_work_station": 3.0}.get(row["kind"], 6.0)
            self.add_target(
                row["id"], row["name"], "organization", row["kind"], row["area_id"], weight
            )

    def make_venues(self, org: Any) -> None:
        rng = self.rng
        used: set[str] = set()
        mosque_suffix = [
            "清真寺",
            "清真大寺",
            "清真北寺",
            "清真南寺",
            "清真东寺",
            "清真西寺",
            "清真上寺",
            "清真下寺",
            "清真新寺",
            "清真中寺",
        ]
        buddhist = [
            "观音寺",
            "地藏寺",
            "白云寺",
            "普济寺",
            "兴隆寺",
            "法华寺",
            "莲花寺",
            "龙泉寺",
            "千佛寺",
            "卧佛寺",
            "大佛寺",
            "慈恩寺",
        ]
        taoist = [
            "三官庙",
            "玉皇庙",
            "祖师庙",
            "娘娘庙",
            "龙王庙",
            "真武观",
            "太清观",
            "金龙观",
            "药王庙",
        ]
        christian = ["基督教堂", "福音堂", "基督教聚会点"]
        catholic = ["天主堂", "天主教堂"]
        rural = [t for t, k, _ in TOWNS if k == "town"]

        def place_of(area: str) -> str:
            name = next(a["name"] for a in self.areas if a["id"] == area)
            return re.sub(r"(社区|村|街道|镇|乡)$", "", name)

        def pick_area(religion: str) -> str:
            if religion == "伊斯兰教":
                towns = list(ETHNIC_TOWNS)
                town = rng.choices(towns, weights=[ETHNIC_TOWNS[t] for t in towns])[0]
                # a few mosques in the other subdistricts too
                if rng.random() < 0.12:
                    town = rng.choice([t for t, _, _ in TOWNS])
            elif religion in {"佛教", "道教"}:
                town = (
                    rng.choice(rural)
                    if rng.random() < 0.7
                    else rng.choice([t for t, _, _ in TOWNS])
                )
            else:
                town = rng.choice([t for t, k, _ in TOWNS if k == "subdistrict"])
            return self.area_in_town(town, p_town=0.15)

        self.venue_plan: list[tuple[str, str]] = []
        for religion, count in RELIGION_VENUES.items():
            suffixes = {
                "伊斯兰教": mosque_suffix,
                "佛教": buddhist,
                "道教": taoist,
                "基督教": christian,
                "天主教": catholic,
            }[religion]
            for _ in range(count):
                for _attempt in range(100):
                    area = pick_area(religion)
                    name = place_of(area) + rng.choice(suffixes)
                    if name not in used:
                        break
                used.add(name)
                org(
                    name,
                    "religious_venue",
                    area,
                    religion=religion,
                    parent=RELIGIOUS_GROUPS[religion],
                    note="依法登记的宗教活动场所",
                )

    # ---- units -----------------------------------------------------------------------

    def make_units(self) -> None:
        for i, (name, kind, level, place, joint) in enumerate(UNITS, start=1):
            uid = self.new_id("U", i, 2)
            area = self.area_by_name[place]
            self.units.append(
                {
                    "id": uid,
                    "name": name,
                    "kind": kind,
                    "level": level,
                    "area_id": area,
                    "joint_meeting": joint,
                }
            )
            self.add_target(uid, name, "unit", kind, area, 5.0 if joint else 1.5)
        self.unit_by_name = {u["name"]: u["id"] for u in self.units}

    # ---- figures ---------------------------------------------------------------------

    def make_figures(self) -> None:
        rng = self.rng
        venues_by_religion: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for o in self.orgs:
            if o["kind"] == "religious_venue":
                venues_by_religion[o["religion"]].append(o)
        pending: list[dict[str, Any]] = []  # figures with their planned memberships

        religions = [r for r, n in RELIGION_FIGURES.items() for _ in range(n)]
        for cat, count in CATEGORY_COUNTS.items():
            for i in range(count):
                gender = "男" if rng.random() < 0.62 else "女"
                fig: dict[str, Any] = {
                    "category": cat,
                    "gender": gender,
                    "religion": None,
                    "party": None,
                    "plan": [],
                }
                if cat == "ethnic":
                    fig["ethnicity"] = weighted(rng, ETHNIC_MIX)
                    fig["area_id"] = self.random_area(ethnic=True)
                elif cat == "religious":
                    religion = religions[i]
                    fig["religion"] = religion
                    fig["ethnicity"] = weighted(rng, RELIGION_ETHNICITY[religion])
                    if religion == "佛教" and fig["ethnicity"] == "汉族":
                        fig["gender"] = "女" if rng.random() < 0.3 else "男"
                else:
                    fig["ethnicity"] = "汉族" if rng.random() < 0.85 else weighted(rng, ETHNIC_MIX)
                    fig["area_id"] = self.random_area()
                if cat == "democratic_party":
                    fig["party"] = rng.choices(PARTIES, weights=PARTY_WEIGHTS)[0]
                elif cat == "non_party":
                    fig["party"] = "无党派"
                elif cat != "religious" and rng.random() < 0.08:
                    fig["party"] = "群众"
                pending.append(fig)

        # religious figures: heads/deputies of venues and the religious groups
        rel_figs: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for fig in pending:
            if fig["category"] == "religious":
                rel_figs[fig["religion"]].append(fig)
        for religion, figs in rel_figs.items():
            venues = list(venues_by_religion[religion])
            rng.shuffle(venues)
            group = self.org_by_name[RELIGIOUS_GROUPS[religion]]
            for j, fig in enumerate(figs):
                if j < len(venues):
                    venue = venues[j]
                    fig["area_id"] = venue["area_id"]
                    fig["plan"].append((venue["id"], "head"))
                    if j < 3:
                        fig["plan"].append((group, "head" if j == 0 else "deputy"))
                    elif rng.random() < 0.3:
                        fig["plan"].append((group, "member"))
                else:
                    fig["area_id"] = self.district
                    fig["plan"].append((group, "member"))

        self.plan_other_memberships(pending)

        rng.shuffle(pending)
        for i, fig in enumerate(pending, start=1):
            fig["id"] = self.new_id("F", i, 4)
            fig["name"] = self.person_name(fig["ethnicity"], fig["gender"])
            fig["roles"] = self.make_roles(fig["category"])
            r = rng.random()
            fig["reserve"] = True if r < 0.15 else (False if r < 0.75 else None)
            fig["phone"] = self.phone() if rng.random() < 0.9 else None
            weight = 1.0 + 1.5 * bool(fig["roles"]) + 1.0 * bool(fig["reserve"])
            self.add_target(
                fig["id"], fig["name"], "figure", fig["category"], fig["area_id"], weight
            )
        self.figures = pending

    def make_roles(self, cat: str) -> list[str]:
        rng = self.rng
        r = rng.random()
        if r < 0.62:
            return []
        k = 1 if r < 0.9 else 2
        roles = rng.sample(ROLE_CHOICES[cat], k)
        if cat == "new_strata" and "网络代表人士" not in roles and rng.random() < 0.3:
            roles.append("网络代表人士")
        return roles

    def plan_other_memberships(self, pending: list[dict[str, Any]]) -> None:
        rng, ob = self.rng, self.org_by_name
        chambers = [ob[name] for name, _ in CHAMBERS]
        stations = {o["area_id"]: o["id"] for o in self.orgs if o["kind"] == "ethnic_work_station"}
        station_by_town = {self.town_of[a]: oid for a, oid in stations.items()}
        academic = [
            u["id"]
            for u in self.units
            if u["kind"] in {"university", "hospital", "research_institute"}
        ]
        any_unit = [u["id"] for u in self.units]
        for fig in pending:
            cat, plan = fig["category"], fig["plan"]
            if cat == "democratic_party":
                plan.append((ob[PARTY_BRANCHES[fig["party"]]], "member"))
                if rng.random() < 0.35:
                    plan.append((rng.choice(academic), "member"))
            elif cat == "non_party":
                if rng.random() < 0.5:
                    plan.append((rng.choice(academic), "member"))
                if rng.random() < 0.3:
                    plan.append((ob["七里河区知识分子联谊会"], "member"))
            elif cat == "intellectual":
                if rng.random() < 0.75:
                    plan.append((rng.choice(academic), "member"))
                if rng.random() < 0.25:
                    plan.append((ob["七里河区知识分子联谊会"], "member"))
            elif cat == "ethnic":
                town = self.town_of.get(fig["area_id"])
                if town in station_by_town and rng.random() < 0.4:
                    plan.append((station_by_town[town], "member"))
                if rng.random() < 0.15:
                    plan.append((ob["七里河区民族团结进步促进会"], "member"))
                elif rng.random() < 0.1:
                    plan.append((ob["七里河区少数民族联谊会"], "member"))
            elif cat == "private_economy":
                if rng.random() < 0.3:
                    plan.append((ob["七里河区工商业联合会（总商会）"], "member"))
                if rng.random() < 0.55:
                    plan.append((rng.choice(chambers), "member"))
                if rng.random() < 0.1:
                    plan.append((ob["七里河区光彩事业促进会"], "member"))
            elif cat == "new_strata":
                if rng.random() < 0.5:
                    plan.append((ob["七里河区新的社会阶层人士联谊会"], "member"))
                elif rng.random() < 0.4:
                    plan.append((ob["七里河区网络人士联谊会"], "member"))
            elif cat == "overseas_student":
                if rng.random() < 0.7:
                    plan.append((ob["七里河区欧美同学会（留学人员联谊会）"], "member"))
                if rng.random() < 0.4:
                    plan.append((rng.choice(academic), "member"))
            elif cat in {"hk_macao", "taiwan", "overseas_chinese"}:
                if rng.random() < 0.6:
                    plan.append((ob["七里河区台侨联"], "member"))
            elif cat == "other" and rng.random() < 0.2:
                plan.append((rng.choice(any_unit), "member"))

    # ---- memberships -----------------------------------------------------------------

    def make_memberships(self) -> None:
        rng = self.rng
        by_org: dict[str, list[tuple[dict[str, Any], str]]] = defaultdict(list)
        for fig in self.figures:
            seen = set()
            for oid, role in fig.pop("plan"):
                if oid in seen:
                    continue
                seen.add(oid)
                by_org[oid].append((fig, role))
        kinds = {o["id"]: o["kind"] for o in self.orgs}
        kinds.update({u["id"]: "unit" for u in self.units})
        rows = []
        for oid in sorted(by_org):
            members = sorted(by_org[oid], key=lambda p: p[0]["id"])
            kind = kinds[oid]
            if kind not in {"religious_venue", "religious_group"}:
                members = [(f, "member") for f, _ in members]
                rng.shuffle(members)
                if kind == "unit":
                    if rng.random() < 0.6:
                        members[0] = (members[0][0], "deputy")
                elif kind == "ethnic_work_station":
                    members[0] = (members[0][0], "deputy")
                else:
                    members[0] = (members[0][0], "head")
                    for j in range(1, min(len(members) - 1, 3)):
                        members[j] = (members[j][0], "deputy")
            for fig, role in members:
                since = (
                    rand_date(rng, date(2008, 1, 1), date(2024, 12, 31))
                    if rng.random() < 0.88
                    else None
                )
                until = None
                r = rng.random()
                if r < 0.06:
                    until = rand_date(rng, date(2024, 1, 1), date(2026, 6, 30))
                    if since and until <= since:
                        until = since + timedelta(days=400)
                        if until > date(2026, 6, 30):
                            until = None
                elif r < 0.075:
                    since = rand_date(rng, date(2026, 12, 15), date(2027, 3, 1))
                rows.append(
                    {
                        "figure_id": fig["id"],
                        "org_id": oid,
                        "role": role,
                        "since": since,
                        "until": until,
                    }
                )
        rows.sort(key=lambda r: (r["figure_id"], r["org_id"]))
        self.memberships = rows

    # ---- leaders and contacts ----------------------------------------------------------

    def make_leaders(self) -> None:
        rng = self.rng
        for i, (post, dept, lines, town, qmin, qmax, in_office, _, _) in enumerate(
            LEADERS, start=1
        ):
            lid = self.new_id("L", i, 2)
            gender = "男" if rng.random() < 0.75 else "女"
            name = self.person_name("汉族" if rng.random() < 0.85 else "回族", gender)
            self.leaders.append(
                {
                    "id": lid,
                    "name": name,
                    "post": post,
                    "department": dept,
                    "area_id": self.area_by_name[town] if town else None,
                    "lines": lines,
                    "quota_min": qmin,
                    "quota_max": qmax,
                    "in_office": in_office,
                }
            )

    def make_contacts(self) -> None:
        rng = self.rng
        assigned_by: dict[str, list[str]] = defaultdict(list)  # target -> leaders (all)
        exclusive = {self.org_by_name[n] for names in DEPARTED_EXCLUSIVE.values() for n in names}
        order = sorted(range(len(LEADERS)), key=lambda i: (i not in DEPARTED, i))
        self.open_contacts: dict[str, list[str]] = defaultdict(list)  # leader -> targets
        for i in order:
            _, _, lines, town, _, _, _, n_open, n_fig = LEADERS[i]
            leader = self.leaders[i]
            all_lines = set(self.schema["lines"]) if "center" in lines else set(lines)
            forced = [self.org_by_name[n] for n in DEPARTED_EXCLUSIVE.get(i, [])]
            town_id = self.area_by_name[town] if town else None

            def weight(
                t: Target, town_id: str | None = town_id, forced: list[str] = forced, i: int = i
            ) -> float:
                if t.id in forced:
                    return 0.0
                if t.id in exclusive and i not in DEPARTED:
                    return 0.0
                w = t.weight
                if t.cat == "religious_venue" and i == 27:
                    w *= 4
                if town_id and self.town_of.get(t.area) == town_id:
                    w *= 5
                if assigned_by.get(t.id):
                    w *= 0.12
                if i in DEPARTED and assigned_by.get(t.id):
                    w = 0.0
                return w

            cands = [t for t in self.targets.values() if t.lines & all_lines]
            figs = [t for t in cands if t.node == "figure"]
            others = [t for t in cands if t.node != "figure"]
            chosen = forced + [
                t.id for t in weighted_sample(rng, figs, [weight(t) for t in figs], n_fig)
            ]
            chosen += [
                t.id
                for t in weighted_sample(
                    rng, others, [weight(t) for t in others], n_open - len(chosen)
                )
            ]
            for tid in chosen:
                role = "backup" if assigned_by[tid] else "primary"
                assigned_by[tid].append(leader["id"])
                since = (
                    rand_date(rng, date(2021, 6, 1), date(2025, 10, 31))
                    if rng.random() < 0.85
                    else None
                )
                self.contacts.append(
                    {
                        "leader_id": leader["id"],
                        "target_id": tid,
                        "since": since,
                        "until": None,
                        "role": role,
                    }
                )
                self.open_contacts[leader["id"]].append(tid)

        # ended contacts (reassigned in the past) and planned future contacts
        in_office = [lead for lead in self.leaders if lead["in_office"]]
        pairs = {(c["leader_id"], c["target_id"]) for c in self.contacts}
        tids = sorted(self.targets)
        ended = 0
        while ended < 24:
            lead, tid = rng.choice(self.leaders), rng.choice(tids)
            if (lead["id"], tid) in pairs:
                continue
            pairs.add((lead["id"], tid))
            since = rand_date(rng, date(2020, 3, 1), date(2023, 6, 30))
            until = rng.choice(
                [date(2024, 12, 31), date(2025, 3, 31), date(2025, 6, 30), date(2026, 3, 31)]
            )
            self.contacts.append(
                {
                    "leader_id": lead["id"],
                    "target_id": tid,
                    "since": since,
                    "until": until,
                    "role": rng.choice(["primary", "primary", "backup"]),
                }
            )
            ended += 1
        # successors named for part of the departed leaders' targets, starting after as_of
        departed_ids = [self.leaders[i]["id"] for i in DEPARTED]
        successor = {
            departed_ids[0]: self.leaders[12]["id"],
            departed_ids[1]: self.leaders[4]["id"],
        }
        for did, sid in successor.items():
            for tid in self.open_contacts[did][:3]:
                if (sid, tid) in pairs:
                    continue
                pairs.add((sid, tid))
                since = rng.choice([date(2026, 12, 15), date(2027, 1, 1)])
                self.contacts.append(
                    {
                        "leader_id": sid,
                        "target_id": tid,
                        "since": since,
                        "until": None,
                        "role": "primary",
                    }
                )
        for _ in range(4):
            lead, tid = rng.choice(in_office), rng.choice(tids)
            if (lead["id"], tid) in pairs:
                continue
            pairs.add((lead["id"], tid))
            self.contacts.append(
                {
                    "leader_id": lead["id"],
                    "target_id": tid,
                    "since": date(2027, 1, 1),
                    "until": None,
                    "role": "backup",
                }
            )
        self.contacts.sort(
            key=lambda c: (c["leader_id"], c["since"] or date(1900, 1, 1), c["target_id"])
        )

    # ---- coverage plan -----------------------------------------------------------------

    def plan_coverage(self) -> None:
        rng = self.rng
        office = {lead["id"] for lead in self.leaders if lead["in_office"]}
        inactive = self.leaders[INACTIVE_LEADER]["id"]
        self.assigned: dict[str, list[str]] = defaultdict(list)
        for c in self.contacts:
            if c["leader_id"] in office and open_at(c["since"], c["until"]):
                self.assigned[c["target_id"]].append(c["leader_id"])
        town_names = {a["id"]: a["name"] for a in self.areas}
        self.coverer: dict[str, str] = {}
        for tid in sorted(self.assigned):
            t = self.targets[tid]
            active = [lid for lid in self.assigned[tid] if lid != inactive]
            town = self.town_of.get(t.area)
            blind = t.node == "figure" and town and (town_names[town], t.cat) in BLIND_CELLS
            p = 0.85 if t.node == "unit" else 0.7
            if active and not blind and rng.random() < p:
                self.plan[tid] = "covered"
                self.coverer[tid] = rng.choice(active)
            else:
                self.plan[tid] = "stale"
        covered = {tid for tid, s in self.plan.items() if s == "covered"}
        links: dict[str, set[str]] = defaultdict(set)
        for m in self.memberships:
            if open_at(m["since"], m["until"]):
                links[m["figure_id"]].add(m["org_id"])
                links[m["org_id"]].add(m["figure_id"])
        for tid in sorted(self.targets):
            if tid in self.plan:
                continue
            if links[tid] & covered:
                self.plan[tid] = "indirect"  # by membership
            elif rng.random() < 0.3:
                self.plan[tid] = "indirect_by_interaction"
            else:
                self.plan[tid] = "uncovered"

    # ---- interactions ------------------------------------------------------------------

    def make_interactions(self) -> None:
        rng = self.rng
        office = [lead["id"] for lead in self.leaders if lead["in_office"]]
        inactive = self.leaders[INACTIVE_LEADER]["id"]
        active_office = [lid for lid in office if lid != inactive]
        allowed_new = {
            tid
            for tid, s in self.plan.items()
            if s in {"covered", "indirect", "indirect_by_interaction"}
        }
        raw: list[dict[str, Any]] = []

        def add(day: date, kind: str, leaders: list[str], targets: list[str]) -> dict[str, Any]:
            if day >= NEW_START:
                assert set(targets) <= allowed_new, targets
            row = {"date": day, "kind": kind, "leader_ids": leaders, "target_ids": targets}
            raw.append(row)
            return row

        def new_day() -> date:
            return rand_date(rng, NEW_START, LAST_DAY)

        def old_day(until: date = OLD_END) -> date:
            return rand_date(rng, FIRST_DAY, min(until, OLD_END))

        def single_kind(t: Target) -> str:
            if t.node == "figure":
                return rng.choice(["talk", "talk", "visit", "visit", "other"])
            if t.cat == "party_branch":
                return rng.choice(["consultation", "meeting"])
            if t.cat in {"ethnic_work_station", "religious_venue", "chamber_of_commerce"}:
                return rng.choice(["visit", "visit", "activity"])
            return rng.choice(["visit", "meeting", "activity"])

        # inside the window: every covered target, grouped per leader
        per_leader: dict[str, list[str]] = defaultdict(list)
        for tid, lid in sorted(self.coverer.items()):
            per_leader[lid].append(tid)
            if rng.random() < 0.35:
                per_leader[lid].append(tid)  # a second meeting later in the year
        group_rows: list[dict[str, Any]] = []
        for lid in sorted(per_leader):
            tids = per_leader[lid]
            rng.shuffle(tids)
            figs = [t for t in tids if self.targets[t].node == "figure"]
            rest = [t for t in tids if self.targets[t].node != "figure"]
            while figs:
                k = rng.choice([1, 1, 1, 2, 3, 4])
                chunk = list(dict.fromkeys(figs[:k]))
                figs = figs[k:]
                if len(chunk) == 1:
                    add(new_day(), single_kind(self.targets[chunk[0]]), [lid], chunk)
                else:
                    group_rows.append(
                        add(
                            new_day(),
                            rng.choice(["meeting", "meeting", "activity", "consultation"]),
                            [lid],
                            chunk,
                        )
                    )
            for tid in rest:
                add(new_day(), single_kind(self.targets[tid]), [lid], [tid])
        # joint meetings of the residing units (联席会议)
        joint_units = [u["id"] for u in self.units if u["joint_meeting"]]
        convenor = [self.leaders[0]["id"], self.leaders[6]["id"]]
        for day in [date(2024, 12, 18), date(2025, 4, 22), date(2025, 9, 16)]:
            add(day, "joint_meeting", convenor, [u for u in joint_units if rng.random() < 0.85])
        for day in [date(2026, 1, 13), date(2026, 5, 19), date(2026, 9, 22)]:
            ok = [u for u in joint_units if u in allowed_new and self.plan[u] != "uncovered"]
            add(
                day,
                "joint_meeting",
                [*convenor, self.leaders[13]["id"]],
                [u for u in ok if rng.random() < 0.8],
            )
        # unassigned targets reached by someone's interaction inside the window
        reach = sorted(tid for tid, s in self.plan.items() if s == "indirect_by_interaction")
        rng.shuffle(reach)
        for tid in reach:
            t = self.targets[tid]
            if group_rows and t.node == "figure" and rng.random() < 0.5:
                row = rng.choice(group_rows)
                if len(row["target_ids"]) < 7:
                    row["target_ids"].append(tid)
                    continue
            line_leaders = [lid for lid in active_office if t.lines & set(self._lines_of(lid))]
            lid = rng.choice(line_leaders or active_office)
            add(new_day(), single_kind(t), [lid], [tid])
        # a few unassigned but membership-linked targets also met inside the window
        linked = sorted(tid for tid, s in self.plan.items() if s == "indirect")
        for tid in rng.sample(linked, min(15, len(linked))):
            add(new_day(), "activity", [rng.choice(active_office)], [tid])

        # before the window: history of covered and stale targets, departed/ended contacts
        for tid in sorted(self.assigned):
            s = self.plan[tid]
            p = 0.5 if s == "covered" else 0.6
            if rng.random() < p:
                for _ in range(rng.choice([1, 1, 2])):
                    add(
                        old_day(),
                        single_kind(self.targets[tid]),
                        [rng.choice(self.assigned[tid])],
                        [tid],
                    )
        for i, last in DEPARTED.items():
            lid = self.leaders[i]["id"]
            for tid in self.open_contacts[lid]:
                if rng.random() < 0.8:
                    add(old_day(last), single_kind(self.targets[tid]), [lid], [tid])
        for c in self.contacts:
            if c["until"] and rng.random() < 0.7:
                add(
                    old_day(c["until"]),
                    single_kind(self.targets[c["target_id"]]),
                    [c["leader_id"]],
                    [c["target_id"]],
                )
        # district-wide meetings before the window (any target may attend)
        by_line: dict[str, list[str]] = defaultdict(list)
        for tid, t in sorted(self.targets.items()):
            for line in t.lines:
                by_line[line].append(tid)
        line_leader = {"cooperation": 3, "guidance": 2, "service": 1, "union": 4}
        for day in [date(2025, 1, 20), date(2025, 6, 12), date(2025, 10, 28)]:
            for line, li in line_leader.items():
                ts = rng.sample(by_line[line], 6)
                add(
                    day,
                    "meeting" if line != "guidance" else "activity",
                    [self.leaders[li]["id"], self.leaders[6]["id"]],
                    ts,
                )

        # a second leader now and then (inside the window only leaders in office)
        for row in raw:
            if len(row["leader_ids"]) == 1 and rng.random() < 0.14:
                pool = active_office if row["date"] >= NEW_START else office
                other = rng.choice(pool)
                if other not in row["leader_ids"]:
                    row["leader_ids"].append(other)

        raw.sort(key=lambda r: (r["date"], r["leader_ids"][0], r["target_ids"][0]))
        for n, row in enumerate(raw, start=1):
            row["id"] = self.new_id("I", n, 5)
            row["summary"] = self.summary(row)
        self.interactions = raw

    def _lines_of(self, lid: str) -> list[str]:
        lead = next(lead for lead in self.leaders if lead["id"] == lid)
        lines = lead["lines"]
        return list(self.schema["lines"]) if "center" in lines else lines

    def summary(self, row: dict[str, Any]) -> str:
        rng = self.rng
        ts = [self.targets[t] for t in row["target_ids"]]
        first = ts[0]
        kind = row["kind"]
        topic = {
            "party_branch": "参政议政和自身建设",
            "religious_venue": "场所规范管理和安全生产",
            "religious_group": "宗教中国化和教职人员培训",
            "ethnic_work_station": "民族团结进步创建",
            "chamber_of_commerce": "会员企业经营和融资",
            "federation_of_industry": "民营经济发展和营商环境",
            "university": "校地合作",
            "hospital": "院地合作和健康服务",
            "research_institute": "科技成果转化",
            "religious": "场所管理和信教群众诉求",
            "ethnic": "少数民族群众生产生活",
            "private_economy": "企业生产经营和用工",
            "new_strata": "网络正能量传播和行业发展",
            "democratic_party": "履职和调研选题",
            "intellectual": "科研和建言献策",
            "central_soe": "企地共建",
            "soe": "企地共建",
            "central_unit": "驻区单位统战工作",
        }.get(first.cat, "工作生活")
        if kind == "visit":
            return f"走访{first.name}，了解{topic}情况，听取意见建议"
        if kind == "talk":
            return f"与{first.name}谈心谈话，交流思想，了解{topic}情况"
        if kind == "consultation":
            issue = rng.choice(
                [
                    "年度重点项目建设",
                    "老旧小区改造",
                    "营商环境优化",
                    "民族团结进步示范区建设",
                    "城市更新",
                ]
            )
            return f"就{issue}开展协商，听取{first.name}等意见"
        if kind == "joint_meeting":
            return (
                f"召开驻区单位统战工作联席会议，{len(ts)}家单位参加，商议校地、院地、企地合作事项"
            )
        if kind == "meeting":
            theme = rng.choice(
                [
                    "党外代表人士",
                    "民主党派和无党派人士",
                    "非公有制经济人士",
                    "新的社会阶层人士",
                    "民族宗教界代表人士",
                ]
            )
            return f"召开{theme}座谈会，通报区情，{first.name}等{len(ts)}人（家）参加"
        if kind == "activity":
            act = rng.choice(
                [
                    "民族团结进步“十进”活动",
                    "“大调研大走访大联系”活动",
                    "同心公益活动",
                    "中秋联谊活动",
                    "政策宣讲活动",
                ]
            )
            return f"开展{act}，{first.name}等参加"
        return f"春节前走访慰问{first.name}"

    # ---- relations ---------------------------------------------------------------------

    def make_relations(self) -> None:
        rng = self.rng
        rows = []
        keys: set[tuple[str, str, str]] = set()

        def rel(a: str, b: str, kind: str) -> None:
            if a == b or (a, b, kind) in keys or (b, a, kind) in keys:
                return
            keys.add((a, b, kind))
            since = (
                rand_date(rng, date(2005, 1, 1), date(2024, 12, 31)) if rng.random() < 0.5 else None
            )
            until = None
            if kind != "family" and rng.random() < 0.08:
                until = rand_date(rng, date(2025, 1, 1), date(2026, 6, 30))
            rows.append(
                {"source_id": a, "target_id": b, "kind": kind, "since": since, "until": until}
            )

        fig_ids = [f["id"] for f in self.figures]
        by_org: dict[str, list[str]] = defaultdict(list)
        for m in self.memberships:
            by_org[m["org_id"]].append(m["figure_id"])
        for _ in range(30):
            rel(*rng.sample(fig_ids, 2), "friend")
        for _ in range(30):
            oid = rng.choice(sorted(o for o, ms in by_org.items() if len(ms) >= 2))
            rel(*rng.sample(by_org[oid], 2), "colleague")
        for _ in range(10):
            rel(*rng.sample(fig_ids, 2), "family")
        for _ in range(12):
            rel(rng.choice(self.leaders)["id"], rng.choice(fig_ids), "friend")
        for _ in range(3):
            rel(*[lead["id"] for lead in rng.sample(self.leaders, 2)], "colleague")
        fed = self.org_by_name["七里河区工商业联合会（总商会）"]
        for name, _ in CHAMBERS[:4]:
            rel(fed, self.org_by_name[name], "liaison")
        rel(
            self.org_by_name["七里河区新的社会阶层人士联谊会"],
            self.org_by_name["七里河区欧美同学会（留学人员联谊会）"],
            "liaison",
        )
        rel(
            self.org_by_name["七里河区台侨联"],
            self.org_by_name["七里河区欧美同学会（留学人员联谊会）"],
            "liaison",
        )
        for uname in ["兰州理工大学", "兰州工业学院", "甘肃省中医院"]:
            rel(self.unit_by_name[uname], self.org_by_name["七里河区知识分子联谊会"], "liaison")
        for _ in range(6):
            rel(rng.choice(self.units)["id"], rng.choice(self.orgs)["id"], "liaison")
        self.relations = rows

    # ---- all -------------------------------------------------------------------------

    def build(self) -> None:
        self.make_areas()
        self.make_leaders()
        self.make_orgs()
        self.make_units()
        self.make_figures()
        self.make_memberships()
        self.make_contacts()
        self.plan_coverage()
        self.make_interactions()
        self.make_relations()


# --------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------


class Writer:
    def __init__(self, schema: dict[str, Any], out: Path, seed: int) -> None:
        self.schema = schema
        self.out = out
        self.rng = random.Random(seed + 2)
        self.labels = schema["enumerations"]

    def header(self, table: str) -> list[str]:
        return [spec["aliases"][0] for spec in self.schema["tables"][table]["columns"].values()]

    def date(self, d: date | None) -> str:
        if d is None:
            return ""
        r = self.rng.random()
        if r < 0.05:
            return f"{d.year}年{d.month}月{d.day}日"
        if r < 0.10:
            return d.strftime("%Y/%m/%d")
        return d.isoformat()

    def join(self, items: list[str]) -> str:
        return self.rng.choice(["；", "、", ";"]).join(items)

    def cell(self, table: str, col: str, value: Any, for_xlsx: bool = False) -> Any:
        ctype = self.schema["tables"][table]["columns"][col]["type"]
        if value is None or value == []:
            return None if for_xlsx else ""
        if ctype == "date":
            return value if for_xlsx else self.date(value)
        if ctype == "bool":
            return "是" if value else "否"
        if ctype.startswith("enum:"):
            return self.labels[ctype[5:]][value]
        if ctype == "enums:line":
            return self.join([self.line_label(v) for v in value])
        if ctype.startswith("refs:") or ctype == "list":
            return self.join(value)
        if ctype == "int":
            return value if for_xlsx else str(value)
        return value

    def line_label(self, code: str) -> str:
        return LINE_SHORT[code] if self.rng.random() < 0.6 else self.labels["line"][code]

    def rows(
        self,
        table: str,
        records: list[dict[str, Any]],
        extra: dict[str, str] | None = None,
        for_xlsx: bool = False,
    ) -> tuple[list[str], list[list[Any]]]:
        cols = list(self.schema["tables"][table]["columns"])
        header = self.header(table) + list((extra or {}).values())
        out = []
        for rec in records:
            row = [self.cell(table, c, rec.get(c), for_xlsx) for c in cols]
            row += [rec.get(k) or ("" if not for_xlsx else None) for k in (extra or {})]
            out.append(row)
        return header, out

    def csv(
        self,
        table: str,
        records: list[dict[str, Any]],
        encoding: str,
        newline: str = "\n",
        extra: dict[str, str] | None = None,
    ) -> None:
        header, rows = self.rows(table, records, extra)
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator=newline)
        w.writerow(header)
        w.writerows(rows)
        (self.out / f"{table}.csv").write_bytes(buf.getvalue().encode(encoding))

    def xlsx(self, table: str, records: list[dict[str, Any]]) -> None:
        header, rows = self.rows(table, records, for_xlsx=True)
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


POLICY_YAML = """\
# Policy for the sample district (七里河区). Same values as the defaults in graph/schema.yaml;
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
兰州市七里河区的真实区划；社区/村、场所、商会等名称为示意；**所有人员均为虚构**（姓名由 Faker
生成，电话号码为随机数字），与真实人员无关。

This folder is the sample dataset written by `scripts/make_sample.py`, used by the demo and
the tests. The district and its 15 towns/subdistricts are the real Qilihe district of Lanzhou;
community, venue and association names are illustrative; **every person is fictional**
(Faker names, random phone numbers).

| 表 table | 文件 file | 格式 format | 行数 rows |
|---|---|---|---|
{table_rows}

Contents / 内容: 1 district, 15 towns/subdistricts, {n_communities} communities/villages;
{n_leaders} leaders ({n_out} no longer in office); figures in all twelve categories; the
eight democratic-party branches, 工商联, 商会, religious groups, {n_venues} religious venues,
ethnic work stations in {n_stations} of 15 towns/subdistricts (missing: {no_station}),
台侨联, 新联会, 欧美同学会; the nine residing units of the 联席会议 and {n_more_units} more;
interactions from {first_day} to {last_day}.

Formats are deliberately mixed to exercise the loaders: Chinese headers (the aliases in
`graph/schema.yaml`) and Chinese enumeration labels; dates mostly `YYYY-MM-DD`, some
`YYYY年M月D日` and `YYYY/MM/DD`; list cells separated by `；`, `、` or `;`;
`organizations.csv` carries an extra column 备注 (kept as an extra property).

Expected coverage as of 2026-11-27, window 365 days (the statuses are the same for any
as_of from 2026-11-21 to 2026-12-09): covered {covered}, stale {stale}, indirect {indirect},
uncovered {uncovered} (of {targets} targets). Blind spots are planted, e.g. religious figures
in 阿干镇 and 魏岭乡, ethnic figures in 黄峪乡, private-economy figures in 西果园镇.

重新生成 / Regenerate (deterministic, byte-identical on rerun):

    python scripts/make_sample.py
"""


def write_all(d: SampleDistrict, out: Path, seed: int) -> dict[str, int]:
    out.mkdir(parents=True, exist_ok=True)
    w = Writer(d.schema, out, seed)
    w.csv("areas", d.areas, "utf-8-sig", newline="\r\n")
    w.xlsx("leaders", d.leaders)
    w.csv("figures", d.figures, "gb18030", newline="\r\n")
    w.csv("organizations", d.orgs, "utf-8", extra={"note": "备注"})
    w.xlsx("units", d.units)
    w.csv("memberships", d.memberships, "utf-8")
    w.csv("contacts", d.contacts, "utf-8")
    w.csv("interactions", d.interactions, "utf-8")
    w.csv("relations", d.relations, "utf-8")
    (out / "policy.yaml").write_text(POLICY_YAML, encoding="utf-8")

    counts = {
        "areas": len(d.areas),
        "leaders": len(d.leaders),
        "figures": len(d.figures),
        "organizations": len(d.orgs),
        "units": len(d.units),
        "memberships": len(d.memberships),
        "contacts": len(d.contacts),
        "interactions": len(d.interactions),
        "relations": len(d.relations),
    }
    formats = {
        "areas": ("areas.csv", "CSV, UTF-8 with BOM, CRLF"),
        "leaders": ("leaders.xlsx", "xlsx, first sheet"),
        "figures": ("figures.csv", "CSV, GB18030, CRLF"),
        "organizations": ("organizations.csv", "CSV, UTF-8"),
        "units": ("units.xlsx", "xlsx, first sheet"),
        "memberships": ("memberships.csv", "CSV, UTF-8"),
        "contacts": ("contacts.csv", "CSV, UTF-8"),
        "interactions": ("interactions.csv", "CSV, UTF-8"),
        "relations": ("relations.csv", "CSV, UTF-8"),
    }
    table_rows = "\n".join(
        f"| `{t}` {d.schema['tables'][t]['label']} | `{formats[t][0]}` | {formats[t][1]} | {n} |"
        for t, n in counts.items()
    )
    status = defaultdict(int)
    for s in d.plan.values():
        status["indirect" if s.startswith("indirect") else s] += 1
    n_stations = sum(1 for o in d.orgs if o["kind"] == "ethnic_work_station")
    readme = README_TEMPLATE.format(
        table_rows=table_rows,
        n_communities=sum(1 for a in d.areas if a["kind"] in {"community", "village"}),
        n_leaders=len(d.leaders),
        n_out=sum(1 for lead in d.leaders if not lead["in_office"]),
        n_venues=sum(1 for o in d.orgs if o["kind"] == "religious_venue"),
        n_stations=n_stations,
        no_station="、".join(t for t, _, _ in TOWNS if t in NO_STATION_TOWNS),
        n_more_units=len(d.units) - 9,
        first_day=FIRST_DAY.isoformat(),
        last_day=LAST_DAY.isoformat(),
        targets=len(d.targets),
        **status,
    )
    (out / "README.md").write_text(readme, encoding="utf-8")
    counts.update({f"status:{k}": v for k, v in sorted(status.items())})
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = parser.parse_args()
    district = SampleDistrict(args.seed)
    district.build()
    counts = write_all(district, args.out, args.seed)
    for key, value in counts.items():
        print(f"{key:>20}: {value}")


if __name__ == "__main__":
    main()

"""Synthetic datasets of any size with the proportions of a real district (issue 7).

:func:`generate` writes every table of a VALID dataset (spec section 1) through a
:class:`TableWriter`, drawing every choice from one :class:`random.Random`, so the same seed
gives the same rows. Rows are streamed table by table; what later tables need is kept in
compact arrays (a few bytes per target), so 10^6 targets take little memory.

Proportions (per target; "targets" = figures + organizations + units):

- areas: 1 district, towns/subdistricts ≈ targets/600 (5..5000), 2–5 communities/villages each;
- leaders ≈ targets/40, 2 % out of office;
- figures ≈ 78 % (all twelve categories), organizations ≈ 17 % (every kind; an ethnic work
  station in ~85 % of towns), units ≈ 5 % (every kind);
- contacts: ≈ 60 % of targets assigned, 1–2 leaders each (~5 % of contacts already ended);
- memberships ≈ 1 per figure; relations ≈ 0.13 per target;
- interactions ≈ 0.8 per target over the two years ending at ``end``.

>>> rows = MemoryWriter()
>>> counts = generate(random.Random(1), rows, 600)
>>> counts["figures"] + counts["organizations"] + counts["units"]
600
>>> sorted(set(r[2] for r in rows.tables["figures"])) == sorted(FIGURE_CATEGORIES)
True
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from array import array
from bisect import bisect
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import accumulate, chain, islice
from pathlib import Path
from typing import Protocol

__all__ = [
    "DEFAULT_END",
    "EARLIEST_END",
    "FIGURE_CATEGORIES",
    "MIN_TARGETS",
    "ORGANIZATION_KINDS",
    "TABLE_COLUMNS",
    "UNIT_KINDS",
    "CsvWriter",
    "District",
    "MemoryWriter",
    "Sizes",
    "TableWriter",
    "Town",
    "generate",
]

DEFAULT_END = dt.date(2026, 11, 20)
EARLIEST_END = dt.date(1999, 1, 1)  # dates start in 1995; two years of interactions end later
HISTORY_DAYS = 730
MIN_TARGETS = 100
PROGRESS_STEP = 5000

Row = Sequence[str]
ProgressCallback = Callable[[int], None]

TABLE_COLUMNS: dict[str, tuple[str, ...]] = {
    "areas": ("id", "name", "kind", "parent_id"),
    "leaders": (
        "id", "name", "post", "department", "area_id", "lines", "quota_min", "quota_max",
        "in_office",
    ),
    "organizations": ("id", "name", "kind", "area_id", "religion", "parent_id"),
    "units": ("id", "name", "kind", "level", "area_id", "joint_meeting"),
    "figures": (
        "id", "name", "category", "gender", "ethnicity", "religion", "party", "area_id",
        "roles", "reserve", "phone",
    ),
    "memberships": ("figure_id", "org_id", "role", "since", "until"),
    "contacts": ("leader_id", "target_id", "since", "until", "role"),
    "interactions": ("id", "date", "kind", "leader_ids", "target_ids", "summary"),
    "relations": ("source_id", "target_id", "kind", "since", "until"),
}  # fmt: skip

# -- vocabularies ----------------------------------------------------------------------------

# Category weights follow the sample district (data/sample): per 600 figures.
_CATEGORY_WEIGHTS = {
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
FIGURE_CATEGORIES: tuple[str, ...] = tuple(_CATEGORY_WEIGHTS)
(
    _DEMOCRATIC,
    _NON_PARTY,
    _INTELLECTUAL,
    _ETHNIC,
    _RELIGIOUS,
    _PRIVATE,
    _NEW_STRATA,
    _OVERSEAS_STUDENT,
    _HK_MACAO,
    _TAIWAN,
    _OVERSEAS_CHINESE,
    _OTHER_FIGURE,
) = range(12)

ORGANIZATION_KINDS: tuple[str, ...] = (
    "party_branch",
    "federation_of_industry",
    "chamber_of_commerce",
    "religious_group",
    "religious_venue",
    "ethnic_work_station",
    "taiwan_overseas_federation",
    "new_strata_association",
    "returned_scholars_association",
    "other",
)
(
    _BRANCH,
    _FEDERATION,
    _CHAMBER,
    _GROUP,
    _VENUE,
    _STATION,
    _TOF,
    _NSA,
    _RETURNED,
    _OTHER_ORG,
) = range(10)
# Organizations beyond the fixed district-level ones, by kind (stations: in communities).
_ORG_EXTRA_WEIGHTS = {
    _VENUE: 40,
    _BRANCH: 14,
    _CHAMBER: 12,
    _OTHER_ORG: 10,
    _STATION: 8,
    _NSA: 6,
    _FEDERATION: 4,
    _TOF: 3,
    _RETURNED: 3,
}
STATION_SHARE = 0.85  # towns/subdistricts with an ethnic work station

UNIT_KINDS: tuple[str, ...] = (
    "central_unit",
    "central_soe",
    "soe",
    "university",
    "hospital",
    "research_institute",
    "other",
)
_UNIT_WEIGHTS = (15, 10, 25, 12, 20, 10, 8)
_UNIT_LEVELS: dict[str, tuple[str, ...]] = {
    "central_unit": ("central",),
    "central_soe": ("central",),
    "soe": ("provincial", "municipal", "district"),
    "university": ("provincial", "provincial", "municipal"),
    "hospital": ("provincial", "municipal", "district", "district"),
    "research_institute": ("central", "provincial"),
    "other": ("central", "provincial", "municipal", "district"),
}
_UNIT_NAMES: dict[str, tuple[str, ...]] = {
    "central_unit": ("税务分局", "海关办事处", "统计调查队", "铁路运输法院", "气象站"),
    "central_soe": ("电力分公司", "石化分公司", "通信分公司", "铁路车站", "建设工程局"),
    "soe": ("建设集团", "交通投资公司", "水务集团", "供热公司", "商贸集团"),
    "university": ("理工学院", "职业技术学院", "师范学院", "医学高等专科学校"),
    "hospital": ("人民医院", "中医医院", "妇幼保健院", "康复医院"),
    "research_institute": ("农业科学研究所", "畜牧兽医研究所", "地质研究院", "化工研究院"),
    "other": ("出版社", "广播电视台", "文化馆", "体育中心"),
}

PARTIES = ("民革", "民盟", "民建", "民进", "农工党", "致公党", "九三学社", "台盟")
_PARTY_WEIGHTS = (8, 14, 12, 12, 9, 5, 8, 2)
RELIGIONS = ("伊斯兰教", "佛教", "道教", "基督教", "天主教")
_RELIGION_WEIGHTS = (60, 16, 9, 7, 3)
_VENUE_WORDS = ("清真寺", "寺", "观", "教堂", "天主堂")
_RELIGION_ETHNICITY = (
    ("回族", "回族", "回族", "东乡族", "撒拉族", "保安族"),
    ("藏族", "汉族", "藏族", "蒙古族", "土族"),
    ("汉族",),
    ("汉族",),
    ("汉族",),
)
_ETHNICITIES = (
    ("回族", 36), ("东乡族", 14), ("藏族", 11), ("蒙古族", 6), ("维吾尔族", 5), ("土族", 5),
    ("撒拉族", 5), ("满族", 6), ("保安族", 3), ("裕固族", 3), ("壮族", 2), ("朝鲜族", 2),
    ("哈萨克族", 2),
)  # fmt: skip
_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝"
)
_GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国文辉力鹏飞宇浩然晨阳欣怡佳琪"
    "志刚海燕立新振东晓春雪梅俊峰德福永清学成宏斌慧颖婷瑞丰博涵子轩思远嘉豪梓萱雨桐"
)
_SYLLABLES = (
    "安西华兴东南北和平建新光明龙泉秀川金城兰园敦煌西湖土门晏家彭坪阿干魏岭黄峪八里"
    "崔家龚湾骆驼滩瓜州小五里工林硷沟沿吴山桥河柳树青杏花滨康乐永昌"
)
_COMMUNITY_WORDS = ("社区", "社区", "社区", "村")
_TOWN_SUFFIX = {"subdistrict": "街道", "town": "镇"}

_POSTS = (
    ("区委副书记", "区委"),
    ("区委常委、统战部部长", "区委统战部"),
    ("副区长", "区政府"),
    ("区人大常委会副主任", "区人大常委会"),
    ("区政协副主席", "区政协"),
    ("统战部副部长", "区委统战部"),
    ("民族宗教事务局局长", "区民族宗教事务局"),
    ("工商联党组书记", "区工商联"),
)
_TOWN_POSTS = ("党工委书记", "党委书记", "办事处主任", "镇长", "统战委员")
_LINES = ("center", "cooperation", "guidance", "service", "union")
_ROLES = ("人大代表", "政协委员", "区人大代表", "区政协委员", "特约监督员")
_INTERACTION_SUMMARY = {
    "visit": "走访了解工作生活情况，听取意见建议",
    "talk": "谈心谈话，交流思想",
    "meeting": "召开座谈会，通报情况，听取意见",
    "consultation": "就重点工作开展协商",
    "joint_meeting": "召开驻区单位联席会议",
    "activity": "参加联谊活动",
    "study": "参加统战政策学习",
    "other": "节日慰问",
}
_RELATION_KINDS = ("friend", "colleague", "family", "classmate")


# -- sizes and writers -----------------------------------------------------------------------


@dataclass(frozen=True)
class Town:
    """A real town or subdistrict of a :class:`District`, with its communities/villages."""

    name: str
    kind: str  # "subdistrict" or "town"
    communities: tuple[str, ...]
    station: bool = True  # False: no ethnic work station anywhere in it


@dataclass(frozen=True)
class District:
    """A fixed map and shape instead of made-up ones (the sample district is one).

    ``id_widths`` fixes the digits of the ids per prefix (``{"L": 2}`` gives ``L01``).
    """

    name: str
    towns: tuple[Town, ...]
    leaders: int
    id_widths: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Sizes:
    """How many rows of each entity a dataset of ``targets`` targets gets.

    >>> s = Sizes.for_targets(100_000)
    >>> (s.figures, s.organizations, s.units, s.towns, s.leaders)
    (78000, 17000, 5000, 167, 2500)
    """

    targets: int
    figures: int
    organizations: int
    units: int
    towns: int
    leaders: int
    interactions: int
    relations: int

    @classmethod
    def for_targets(cls, targets: int, district: District | None = None) -> Sizes:
        if targets < MIN_TARGETS:
            raise ValueError(f"a synthetic dataset needs at least {MIN_TARGETS} targets")
        units = max(len(UNIT_KINDS), round(targets * 0.05))
        organizations = max(len(ORGANIZATION_KINDS) + 2, round(targets * 0.17))
        return cls(
            targets=targets,
            figures=targets - units - organizations,
            organizations=organizations,
            units=units,
            towns=len(district.towns) if district else min(5000, max(5, round(targets / 600))),
            leaders=district.leaders if district else max(5, round(targets / 40)),
            interactions=round(targets * 0.8),
            relations=round(targets * 0.13),
        )

    def expected_rows(self) -> int:
        """About how many rows all tables hold together (for a progress bar)."""
        return (
            1
            + self.towns * 4
            + self.leaders
            + self.targets
            + self.figures  # memberships
            + round(self.targets * 0.8)  # contacts
            + self.interactions
            + self.relations
        )


class TableWriter(Protocol):
    """Where :func:`generate` sends each table: its name, its header, its rows (once)."""

    def write(self, table: str, header: Sequence[str], rows: Iterable[Row]) -> None: ...


class CsvWriter:
    """Each table as ``FOLDER/TABLE.csv``: UTF-8, no BOM, ``\\n`` line ends, English header."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.files: list[Path] = []

    def write(self, table: str, header: Sequence[str], rows: Iterable[Row]) -> None:
        path = self.folder / f"{table}.csv"
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(header)
            writer.writerows(rows)
        self.files.append(path)


@dataclass
class MemoryWriter:
    """Keeps the rows in lists (tests and doctests)."""

    tables: dict[str, list[Row]] = field(default_factory=dict)

    def write(self, table: str, header: Sequence[str], rows: Iterable[Row]) -> None:
        self.tables[table] = [tuple(r) for r in rows]


def generate(
    rng: random.Random,
    writer: TableWriter,
    targets: int,
    *,
    end: dt.date = DEFAULT_END,
    progress: ProgressCallback | None = None,
    district: District | None = None,
) -> dict[str, int]:
    """Write a synthetic dataset of ``targets`` targets; answer the row count per table.

    ``end`` is the last day of the two years of interactions. ``progress`` is called with
    the number of rows written since its last call. ``district`` replaces the made-up map
    (names, towns, leader count, id widths); without it the district is 同心区.
    """
    sizes = Sizes.for_targets(targets, district)
    return _Synth(rng, sizes, end, progress, district).run(writer)


# -- the generator ---------------------------------------------------------------------------


def _width(count: int) -> int:
    return max(4, len(str(count)))


def _ids(prefix: str, count: int, widths: Mapping[str, int]) -> list[str]:
    """``prefix`` + a zero-padded number from 1, e.g. ``F0001``."""
    template = f"{prefix}%0{widths.get(prefix) or _width(count)}d"
    return [template % i for i in range(1, count + 1)]


class _Synth:
    """The generation state. Targets are numbered 0..N-1: figures, organizations, units."""

    def __init__(
        self,
        rng: random.Random,
        sizes: Sizes,
        end: dt.date,
        progress: ProgressCallback | None,
        district: District | None = None,
    ) -> None:
        self.rng = rng
        self.sizes = sizes
        self.district = district
        self.name = district.name if district else "同心区"
        self.widths: Mapping[str, int] = district.id_widths if district else {}
        self.progress = progress
        self.counts: dict[str, int] = {}
        f, o, u = sizes.figures, sizes.organizations, sizes.units
        self.org_base = f
        self.unit_base = f + o
        w = self.widths
        self.tid = _ids("F", f, w) + _ids("O", o, w) + _ids("U", u, w)
        self.lid = _ids("L", sizes.leaders, w)
        # Day strings: every date any row may carry, from 1995-01-01 to `end`.
        if end < EARLIEST_END:
            raise ValueError(f"the end date {end} is too early (the earliest is {EARLIEST_END})")
        self.first_day = dt.date(1995, 1, 1)
        span = (end - self.first_day).days + 1
        self.days = [(self.first_day + dt.timedelta(days=d)).isoformat() for d in range(span)]
        self.last_day = span - 1
        # Per target: its area index; per figure, category and party/religion index.
        self.target_area = array("i", bytes(4 * sizes.targets))
        self.fig_cat = bytearray(f)
        self.fig_aux = bytearray(f)
        self.org_kind = bytearray(o)
        self.station_towns = frozenset(
            t for t in range(sizes.towns) if not district or district.towns[t].station
        )

    # -- helpers ---------------------------------------------------------------------------
    def day_index(self, date: dt.date) -> int:
        return (date - self.first_day).days

    def person(self) -> str:
        rnd = self.rng.random
        name = _SURNAMES[int(rnd() * len(_SURNAMES))] + _GIVEN[int(rnd() * len(_GIVEN))]
        if rnd() < 0.7:
            name += _GIVEN[int(rnd() * len(_GIVEN))]
        return name

    def place(self, town: int) -> int:
        """An area in a town: the town itself (20 %) or one of its communities."""
        r = self.rng.random()
        if r < 0.2:
            return 1 + town
        return self.comm_start[town] + int((r - 0.2) * 1.25 * self.comm_count[town])

    def towns(self, k: int) -> list[int]:
        """``k`` towns drawn by their size weights."""
        return self.rng.choices(range(self.sizes.towns), cum_weights=self.town_cum, k=k)

    def later(self, since: str) -> str:
        """A date after ``since``, on or before the end date."""
        start = self.day_index(dt.date.fromisoformat(since)) + 1
        return self.days[start + int(self.rng.random() * (self.last_day - start + 1))]

    def counted(self, table: str, rows: Iterable[Row]) -> Iterator[Row]:
        """The rows unchanged, counted (and reported to ``progress``) a chunk at a time."""
        it = iter(rows)
        progress = self.progress
        self.counts[table] = 0

        def chunks() -> Iterator[list[Row]]:
            while chunk := list(islice(it, PROGRESS_STEP)):
                self.counts[table] += len(chunk)
                if progress is not None:
                    progress(len(chunk))
                yield chunk

        return chain.from_iterable(chunks())

    def run(self, writer: TableWriter) -> dict[str, int]:
        steps: list[tuple[str, Callable[[], Iterator[Row]]]] = [
            ("areas", self.areas),
            ("leaders", self.leaders),
            ("organizations", self.organizations),
            ("units", self.units),
            ("figures", self.figures),
            ("memberships", self.memberships),
            ("contacts", self.contacts),
            ("interactions", self.interactions),
            ("relations", self.relations),
        ]
        for table, make in steps:
            writer.write(table, TABLE_COLUMNS[table], self.counted(table, make()))
            if table == "figures":
                self.index_towns()
        return dict(self.counts)

    # -- areas -------------------------------------------------------------------------------
    def areas(self) -> Iterator[Row]:
        rng = self.rng
        rnd = rng.random
        towns = self.sizes.towns
        template = f"A%0{self.widths.get('A') or _width(towns * 6)}d"
        pairs = [a + b for a in _SYLLABLES for b in _SYLLABLES if a != b]
        rng.shuffle(pairs)
        self.area_ids: list[str] = [template % 1]
        self.area_names: list[str] = [self.name]
        self.area_town: list[int] = [-1]  # town index of each area (-1: the district)
        yield (self.area_ids[0], self.name, "district", "")
        kinds: list[str] = []
        real = self.district.towns if self.district else ()
        for t in range(towns):
            kind = real[t].kind if real else "subdistrict" if rnd() < 0.6 else "town"
            kinds.append(kind)
            if real:
                name = real[t].name
            else:
                name = pairs[t % len(pairs)] + (str(t // len(pairs)) if t >= len(pairs) else "")
                name += _TOWN_SUFFIX[kind]
            self.area_ids.append(template % (2 + t))
            self.area_names.append(name)
            self.area_town.append(t)
            yield (self.area_ids[-1], name, kind, self.area_ids[0])
        self.comm_start: list[int] = []
        self.comm_count: list[int] = []
        for t in range(towns):
            count = len(real[t].communities) if real else 2 + int(rnd() * 4)
            self.comm_start.append(len(self.area_ids))
            self.comm_count.append(count)
            for c in range(count):
                a = len(self.area_ids)
                if real:
                    village = kinds[t] == "town"
                    name = real[t].communities[c]
                else:
                    village = kinds[t] == "town" and rnd() < 0.5
                    name = pairs[(a * 7919) % len(pairs)] + ("村" if village else "社区")
                self.area_ids.append(template % (1 + a))
                self.area_names.append(name)
                self.area_town.append(t)
                yield (
                    self.area_ids[-1],
                    name,
                    "village" if village else "community",
                    self.area_ids[1 + t],
                )
        # Towns differ in size: targets are spread by a weight per town.
        self.town_cum = list(accumulate(0.3 + 1.4 * rnd() for _ in range(towns)))

    # -- leaders -----------------------------------------------------------------------------
    def leaders(self) -> Iterator[Row]:
        rng = self.rng
        rnd = rng.random
        count, towns = self.sizes.leaders, self.sizes.towns
        away = set(rng.sample(range(count), max(1, round(count * 0.02))))
        self.town_leaders: list[list[int]] = [[] for _ in range(towns)]
        for i in range(count):
            if i < 8 or rnd() < 0.2:  # district level
                post, department = _POSTS[int(rnd() * len(_POSTS))]
                area = self.area_ids[0] if rnd() < 0.7 else ""
            else:
                town = i % towns
                self.town_leaders[town].append(i)
                post = self.area_names[1 + town] + _TOWN_POSTS[int(rnd() * len(_TOWN_POSTS))]
                department = self.area_names[1 + town]
                area = self.area_ids[1 + town]
            first = int(rnd() * len(_LINES))
            lines = _LINES[first]
            if rnd() < 0.4:
                lines += ";" + _LINES[(first + 1 + int(rnd() * 4)) % len(_LINES)]
            quota_min = quota_max = ""
            if rnd() >= 0.1:  # a tenth leave the quota to the policy defaults
                quota_min = str(3 + int(rnd() * 4))
                quota_max = str(25 + int(rnd() * 26))
            yield (
                self.lid[i],
                self.person(),
                post,
                department,
                area,
                lines,
                quota_min,
                quota_max,
                "false" if i in away else "true",
            )

    # -- organizations -----------------------------------------------------------------------
    def _org_specs(self) -> Iterator[tuple[int, int, int, bool]]:
        """(kind, area, party or religion index or -1, district level?), in order."""
        rnd = self.rng.random
        towns = self.towns(self.sizes.organizations)
        place = self.place
        # One of each kind first, so even a tiny dataset has every kind.
        yield (_BRANCH, 0, 0, True)
        yield (_FEDERATION, 0, -1, True)
        yield (_CHAMBER, place(towns[0]), -1, False)
        yield (_GROUP, 0, 0, True)
        yield (_VENUE, place(towns[1]), 0, False)
        yield (_STATION, 1 + min(self.station_towns), -1, False)
        yield (_TOF, 0, -1, True)
        yield (_NSA, 0, -1, True)
        yield (_RETURNED, 0, -1, True)
        yield (_OTHER_ORG, 0, -1, True)
        for party in range(1, len(PARTIES)):
            yield (_BRANCH, 0, party, True)
        for religion in range(1, len(RELIGIONS)):
            yield (_GROUP, 0, religion, True)
        for town in range(1, self.sizes.towns):
            if self.district:
                if town in self.station_towns:
                    yield (_STATION, 1 + town, -1, False)
            elif rnd() < STATION_SHARE:
                yield (_STATION, 1 + town, -1, False)
        kinds = list(_ORG_EXTRA_WEIGHTS)
        cum = list(accumulate(_ORG_EXTRA_WEIGHTS.values()))
        party_cum = list(accumulate(_PARTY_WEIGHTS))
        religion_cum = list(accumulate(_RELIGION_WEIGHTS))
        for town in towns:
            kind = kinds[bisect(cum, rnd() * cum[-1])]
            if kind == _VENUE:
                yield (kind, place(town), bisect(religion_cum, rnd() * religion_cum[-1]), False)
            elif kind == _BRANCH:
                yield (kind, 1 + town, bisect(party_cum, rnd() * party_cum[-1]), False)
            elif kind == _STATION and town in self.station_towns:
                yield (kind, place(town), -1, False)
            elif kind == _STATION:  # a town of the district that has no station
                yield (_OTHER_ORG, 1 + town, -1, False)
            else:
                yield (kind, 1 + town if rnd() < 0.7 else place(town), -1, False)

    def organizations(self) -> Iterator[Row]:
        base = self.org_base
        self.party_orgs: list[list[int]] = [[] for _ in PARTIES]  # target indices
        self.party_district: list[int] = [-1] * len(PARTIES)  # organization indices
        self.religion_group: list[int] = [-1] * len(RELIGIONS)
        self.local_venues: dict[tuple[int, int], list[int]] = {}  # (town, religion)
        self.religion_venues: list[list[int]] = [[] for _ in RELIGIONS]
        self.local_stations: dict[int, list[int]] = {}  # town -> stations
        self.org_pool: list[list[int]] = [[] for _ in ORGANIZATION_KINDS]
        serial = [0] * len(ORGANIZATION_KINDS)
        for i, (kind, area, aux, district) in zip(
            range(self.sizes.organizations), self._org_specs(), strict=False
        ):
            t = base + i
            self.org_kind[i] = kind
            self.target_area[t] = area
            self.org_pool[kind].append(t)
            serial[kind] += 1
            town = self.area_town[area]
            place = self.area_names[area]
            religion = parent = ""
            if kind == _BRANCH:
                self.party_orgs[aux].append(t)
                if district:
                    self.party_district[aux] = i
                    name = f"{PARTIES[aux]}{self.name}委员会"
                else:
                    name = f"{PARTIES[aux]}{place}支部{serial[kind]}"
                    parent = self.tid[base + self.party_district[aux]]
            elif kind == _GROUP:
                self.religion_group[aux] = t
                religion = RELIGIONS[aux]
                name = f"{self.name}{religion}协会"
            elif kind == _VENUE:
                self.local_venues.setdefault((town, aux), []).append(t)
                self.religion_venues[aux].append(t)
                religion = RELIGIONS[aux]
                name = f"{place}{_VENUE_WORDS[aux]}{serial[kind]}"
            elif kind == _STATION:
                self.local_stations.setdefault(town, []).append(t)
                name = f"{place}民族工作站"
            elif kind == _FEDERATION:
                name = f"{self.name}工商联" if district else f"{place}基层商会{serial[kind]}"
            elif kind == _CHAMBER:
                name = f"{self.name}{place}商会{serial[kind]}"
            elif kind == _TOF:
                name = f"{self.name}台侨联" if district else f"{place}侨联小组{serial[kind]}"
            elif kind == _NSA:
                name = f"{self.name}新联会" if district else f"{place}新联会分会{serial[kind]}"
            elif kind == _RETURNED:
                name = (
                    f"{self.name}欧美同学会"
                    if district
                    else f"{place}留学人员联谊小组{serial[kind]}"
                )
            else:
                name = f"{self.name}知识分子联谊会" if district else f"{place}联谊会{serial[kind]}"
            yield (
                self.tid[t],
                name,
                ORGANIZATION_KINDS[kind],
                self.area_ids[area],
                religion,
                parent,
            )

    # -- units -------------------------------------------------------------------------------
    def units(self) -> Iterator[Row]:
        rnd = self.rng.random
        base = self.unit_base
        cum = list(accumulate(_UNIT_WEIGHTS))
        self.unit_pool: list[list[int]] = [[] for _ in UNIT_KINDS]
        self.joint_units: list[int] = []
        for i, town in enumerate(self.towns(self.sizes.units)):
            t = base + i
            kind = i if i < len(UNIT_KINDS) else bisect(cum, rnd() * cum[-1])
            code = UNIT_KINDS[kind]
            area = self.place(town)
            self.target_area[t] = area
            self.unit_pool[kind].append(t)
            joint = rnd() < 0.2
            if joint:
                self.joint_units.append(t)
            levels = _UNIT_LEVELS[code]
            words = _UNIT_NAMES[code]
            name = f"{self.area_names[1 + town]}{words[int(rnd() * len(words))]}{i + 1}"
            yield (
                self.tid[t],
                name,
                code,
                levels[int(rnd() * len(levels))],
                self.area_ids[area],
                "true" if joint else "false",
            )
        self.all_units = [t for pool in self.unit_pool for t in pool]
        self.academic_units = [t for k in (3, 4, 5) for t in self.unit_pool[k]]

    # -- figures -----------------------------------------------------------------------------
    def figures(self) -> Iterator[Row]:
        rng = self.rng
        rnd = rng.random
        count = self.sizes.figures
        n_cat = len(FIGURE_CATEGORIES)
        cats = list(range(n_cat)) + rng.choices(
            range(n_cat), cum_weights=list(accumulate(_CATEGORY_WEIGHTS.values())), k=count - n_cat
        )
        towns = self.towns(count)
        party_cum = list(accumulate(_PARTY_WEIGHTS))
        religion_cum = list(accumulate(_RELIGION_WEIGHTS))
        ethnic_names = [e for e, _ in _ETHNICITIES]
        ethnic_cum = list(accumulate(w for _, w in _ETHNICITIES))
        tid, area_ids = self.tid, self.area_ids
        comm_start, comm_count = self.comm_start, self.comm_count
        fig_cat, fig_aux, target_area = self.fig_cat, self.fig_aux, self.target_area
        surnames, given = _SURNAMES, _GIVEN
        n_surnames, n_given, n_roles = len(_SURNAMES), len(_GIVEN), len(_ROLES)
        for i in range(count):
            cat = cats[i]
            fig_cat[i] = cat
            town = towns[i]
            r = rnd()
            if r < 0.2:  # as self.place(), inline: this loop runs once per figure
                area = 1 + town
            else:
                area = comm_start[town] + int((r - 0.2) * 1.25 * comm_count[town])
            target_area[i] = area
            religion = party = ""
            ethnicity = "汉族"
            if cat == _DEMOCRATIC:
                aux = bisect(party_cum, rnd() * party_cum[-1])
                fig_aux[i] = aux
                party = PARTIES[aux]
            elif cat == _RELIGIOUS:
                aux = bisect(religion_cum, rnd() * religion_cum[-1])
                fig_aux[i] = aux
                religion = RELIGIONS[aux]
                options = _RELIGION_ETHNICITY[aux]
                ethnicity = options[int(rnd() * len(options))]
            elif cat == _ETHNIC or rnd() < 0.05:
                ethnicity = ethnic_names[bisect(ethnic_cum, rnd() * ethnic_cum[-1])]
            r = rnd()
            roles = "" if r < 0.8 else _ROLES[int((r - 0.8) * 5 * n_roles)]
            if roles and r > 0.96:
                roles += ";" + _ROLES[int(rnd() * n_roles)]
            name = surnames[int(rnd() * n_surnames)] + given[int(rnd() * n_given)]
            r = rnd()
            if r < 0.7:
                name += given[int(r * 1.42857 * n_given)]
            r = rnd()
            yield (
                tid[i],
                name,
                FIGURE_CATEGORIES[cat],
                "女" if r < 0.35 else "男",
                ethnicity,
                religion,
                party,
                area_ids[area],
                roles,
                "true" if r > 0.92 else "false",
                f"1{3 + int(rnd() * 7)}{int(rnd() * 1e9):09d}",
            )

    def index_towns(self) -> None:
        """Targets grouped by town (a counting sort), for meetings and relations."""
        area_town = [max(0, t) for t in self.area_town]
        town_of_target = array("i", [area_town[a] for a in self.target_area])
        counts = [0] * (self.sizes.towns + 1)
        for t in town_of_target:
            counts[t + 1] += 1
        self.town_offset = list(accumulate(counts))
        fill = list(self.town_offset)
        self.town_targets = array("i", bytes(4 * len(town_of_target)))
        for target, t in enumerate(town_of_target):
            self.town_targets[fill[t]] = target
            fill[t] += 1
        self.town_of_target = town_of_target

    def town_target(self, town: int) -> int:
        """A random target of a town."""
        lo, hi = self.town_offset[town], self.town_offset[town + 1]
        if hi == lo:
            return int(self.rng.random() * self.sizes.targets)
        return self.town_targets[lo + int(self.rng.random() * (hi - lo))]

    # -- memberships ------------------------------------------------------------------------
    def memberships(self) -> Iterator[Row]:
        rnd = self.rng.random
        pool = self.org_pool
        # Where a figure of each category belongs when nothing more specific applies.
        usual: list[list[int]] = [
            self.all_units,  # democratic_party (unused: their party)
            self.all_units,  # non_party
            self.academic_units,  # intellectual
            pool[_STATION],  # ethnic
            pool[_VENUE],  # religious
            pool[_CHAMBER],  # private_economy
            pool[_NSA],  # new_strata
            pool[_RETURNED],  # overseas_student
            pool[_TOF],  # hk_macao
            pool[_TOF],  # taiwan
            pool[_TOF],  # overseas_chinese
            pool[_OTHER_ORG],  # other
        ]
        others = pool[_OTHER_ORG]
        extra = [self.all_units, pool[_FEDERATION], pool[_OTHER_ORG], pool[_NSA]]
        tid, days, fig_cat, fig_aux = self.tid, self.days, self.fig_cat, self.fig_aux
        town_of = self.town_of_target
        lo = self.day_index(dt.date(2000, 1, 1))
        span = self.last_day - 60 - lo + 1
        for i in range(self.sizes.figures):
            r = rnd()
            if r < 0.12:
                continue
            n = 1 if r < 0.88 else 2
            cat = fig_cat[i]
            r = rnd()
            if cat == _DEMOCRATIC:
                choices = self.party_orgs[fig_aux[i]]
            elif cat == _RELIGIOUS:
                religion = fig_aux[i]
                local = self.local_venues.get((town_of[i], religion))
                if local and r < 0.8:
                    choices = local
                elif r < 0.9 and self.religion_group[religion] >= 0:
                    choices = [self.religion_group[religion]]
                else:
                    choices = self.religion_venues[religion] or usual[cat]
            elif cat == _ETHNIC:
                local = self.local_stations.get(town_of[i])
                choices = local if local and r < 0.8 else usual[cat]
            elif cat == _PRIVATE and r >= 0.7:
                choices = pool[_FEDERATION]
            elif cat in (_INTELLECTUAL, _NON_PARTY) and r >= 0.6:
                choices = others
            else:
                choices = usual[cat]
            first = choices[int(rnd() * len(choices))]
            orgs = [first]
            if n == 2:
                choices = extra[int(rnd() * len(extra))]
                second = choices[int(rnd() * len(choices))]
                if second != first:
                    orgs.append(second)
            for org in orgs:
                r = rnd()
                since = days[lo + int(rnd() * span)]
                yield (
                    tid[i],
                    tid[org],
                    "head" if r < 0.04 else "deputy" if r < 0.12 else "member",
                    since,
                    self.later(since) if r > 0.96 else "",
                )

    # -- contacts ---------------------------------------------------------------------------
    def contacts(self) -> Iterator[Row]:
        rnd = self.rng.random
        count = self.sizes.leaders
        org_base, org_kind = self.org_base, self.org_kind
        tid, lid, days = self.tid, self.lid, self.days
        town_leaders, town_of = self.town_leaders, self.town_of_target
        self.c_leader = array("i")
        self.c_target = array("i")
        c_leader, c_target = self.c_leader, self.c_target
        lo = self.day_index(dt.date(2016, 1, 1))
        span = self.last_day - 30 - lo + 1
        for t in range(self.sizes.targets):
            share = 0.6
            if org_base <= t < self.unit_base and org_kind[t - org_base] == _STATION:
                share = 0.9
            r = rnd()
            if r >= share:
                continue
            local = town_leaders[town_of[t]]
            chosen: list[int] = []
            for k in range(2 if r < share * 0.3 else 1):
                for _ in range(4):
                    if local and rnd() < 0.7:
                        leader = local[int(rnd() * len(local))]
                    else:
                        leader = int(rnd() * count)
                    if leader not in chosen:
                        break
                else:
                    continue
                chosen.append(leader)
                r = rnd()
                since = days[lo + int(r * 1.1765 * span)] if r < 0.85 else ""
                until = ""
                if since and rnd() < 0.05:
                    until = self.later(since)
                else:
                    c_leader.append(leader)
                    c_target.append(t)
                yield (lid[leader], tid[t], since, until, "backup" if k else "primary")

    # -- interactions -----------------------------------------------------------------------
    def interactions(self) -> Iterator[Row]:
        rnd = self.rng.random
        total = self.sizes.interactions
        leaders = self.sizes.leaders
        n_targets = self.sizes.targets
        tid, lid = self.tid, self.lid
        c_leader, c_target = self.c_leader, self.c_target
        contacts = len(c_leader)
        first = self.last_day - HISTORY_DAYS + 1
        weekday0 = (self.first_day + dt.timedelta(days=first)).weekday()
        weights = [1.0 if (weekday0 + d) % 7 < 5 else 0.25 for d in range(HISTORY_DAYS)]
        scale = total / sum(weights)
        joint = self.joint_units or self.all_units
        id_template = f"I%0{self.widths.get('I') or _width(total)}d"
        visit_kinds = (
            "visit",
            "visit",
            "visit",
            "talk",
            "talk",
            "talk",
            "activity",
            "study",
            "other",
        )
        summary = _INTERACTION_SUMMARY
        number = 0
        carry = 0.0
        for d in range(HISTORY_DAYS):
            carry += weights[d] * scale
            today = int(carry) if d < HISTORY_DAYS - 1 else total - number
            carry -= int(carry)
            date = self.days[first + d]
            for _ in range(today):
                number += 1
                r = rnd()
                if r < 0.9 and contacts:  # with an assigned target, by its leader
                    k = int(rnd() * contacts)
                    leader, target = c_leader[k], c_target[k]
                else:  # anyone, with anyone
                    leader, target = int(rnd() * leaders), int(rnd() * n_targets)
                if r < 0.7 or r >= 0.9:
                    kind = visit_kinds[int(rnd() * len(visit_kinds))]
                    yield (
                        id_template % number,
                        date,
                        kind,
                        lid[leader],
                        tid[target],
                        summary[kind],
                    )
                    continue
                who = [leader]
                if r < 0.85:  # a meeting of several targets of one town
                    kind = "meeting" if rnd() < 0.6 else "consultation"
                    town = self.town_of_target[target]
                    targets = [target] + [self.town_target(town) for _ in range(2 + int(rnd() * 6))]
                else:  # the joint meeting of residing units
                    kind = "joint_meeting"
                    targets = [joint[int(rnd() * len(joint))] for _ in range(4)]
                    if rnd() < 0.5:
                        who.append(int(rnd() * leaders))
                yield (
                    id_template % number,
                    date,
                    kind,
                    ";".join(lid[x] for x in dict.fromkeys(who)),
                    ";".join(tid[x] for x in dict.fromkeys(targets)),
                    summary[kind],
                )

    # -- relations --------------------------------------------------------------------------
    def relations(self) -> Iterator[Row]:
        rnd = self.rng.random
        f = self.sizes.figures
        n = self.sizes.targets
        leaders = self.sizes.leaders
        tid, lid = self.tid, self.lid
        seen: set[tuple[int, int]] = set()
        lo = self.day_index(dt.date(2005, 1, 1))
        span = self.last_day - lo + 1
        written = 0
        while written < self.sizes.relations:
            r = rnd()
            a = int(rnd() * f)
            if r < 0.7:  # two figures, mostly of one town
                b = self.town_target(self.town_of_target[a]) if rnd() < 0.6 else int(rnd() * f)
                kind = _RELATION_KINDS[int(rnd() * len(_RELATION_KINDS))] if b < f else "liaison"
                source, target, key = tid[a], tid[b], (a, b)
            elif r < 0.85:  # a leader and a figure they know
                b = int(rnd() * leaders)
                kind = "friend" if rnd() < 0.5 else "classmate"
                source, target, key = lid[b], tid[a], (-1 - b, a)
            else:  # a figure advising an organization or unit
                b = f + int(rnd() * (n - f))
                kind = "liaison"
                source, target, key = tid[a], tid[b], (a, b)
            if key[0] == key[1] or key in seen:
                continue
            seen.add(key)
            r = rnd()
            written += 1
            yield (source, target, kind, self.days[lo + int(r * 2 * span)] if r < 0.5 else "", "")

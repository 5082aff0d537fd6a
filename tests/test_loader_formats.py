"""One dataset, many spellings (spec section 1): file formats and encodings, Chinese headers
and enum labels, date forms, list separators, header normalisation and booleans. Every
spelling must load to the same graph, i.e. the same coverage JSON and gap list as the
oracle — and the statuses written by hand below.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import oracle
import pytest
from conftest import AS_OF, WINDOW, Concentric, Run, gap_items
from oracle import FORMATS, Dataset, Format, fullwidth, write_dataset, write_table


def sample() -> Dataset:
    """A small Chinese district with numeric ids (unit 101, leaders 201-203), every boundary of
    section 3 (since/until = T, T - W, T - W - 1, after T) and an unknown extra column."""
    return (
        Dataset()
        .area("A0", "district", name="城关区")
        .area("A1", "subdistrict", "A0", name="张掖路街道")
        .area("A2", "community", "A1", name="金塔巷社区")
        .area("A3", "town", "A0", name="青白石镇")
        .leader(
            "201",
            name="王副区长",
            post="副区长",
            department="区政府",
            area_id="A0",
            lines=["cooperation", "guidance"],
            quota_min=3,
            quota_max=15,
            in_office=True,
        )
        .leader("202", name="李部长", post="统战部部长", in_office=False)
        .leader("203", name="赵主任", in_office=None)  # empty cell: in office by default
        .figure(
            "F1",
            "ethnic",
            "A2",
            name="马建国",
            gender="男",
            ethnicity="回族",
            roles=["人大代表", "政协委员"],
            reserve=True,
            备注="老朋友",
        )
        .figure("F2", "overseas_chinese", "A1", name="陈侨", reserve=False)
        .figure("F3", "private_economy", "A3", name="张老板", party="无")
        .figure("F4", "democratic_party", None, name="刘教授", party="民盟")
        .figure("F5", "new_strata", "A2", name="周网红", roles=["网络代表人士"])
        .figure("F6", "hk_macao", "A1", name="何先生")
        .org("O1", "religious_venue", "A2", name="清真寺", religion="伊斯兰教")
        .org("O2", "returned_scholars_association", None, name="欧美同学会")
        .org("O3", "ethnic_work_station", "A1", name="张掖路民族工作站")
        .unit("101", "university", "A0", name="兰州某大学", level="provincial", joint_meeting=True)
        .unit("102", "hospital", "A3", name="某医院", level="central", joint_meeting=False)
        .member("F1", "O1", since=dt.date(2020, 1, 1), role="head")
        .member("F5", "101", since=dt.date(2025, 3, 1), until=dt.date(2026, 7, 1))
        .member("F4", "O2", until=AS_OF)  # closed at T
        .contact("201", "F1")
        .contact("202", "F2")  # out of office
        .contact("203", "101", role="backup")
        .contact("201", "F3", since=dt.date(2026, 7, 1))  # not yet open
        .contact("201", "O3", until=AS_OF)  # closed at T
        .contact("201", "102", since=dt.date(2025, 1, 5))
        .contact("201", "F6", since=dt.date(2024, 12, 31))
        .interaction(
            "I1", dt.date(2026, 1, 5), ["201", "202"], ["F1", "F2", "101"], summary="春节走访"
        )
        .interaction("I2", dt.date(2025, 6, 30), ["203"], ["102"], kind="joint_meeting")
        .interaction("I3", dt.date(2025, 6, 29), ["201"], ["O3"], kind="talk")
        .interaction("I4", dt.date(2026, 7, 2), ["201"], ["F3"], kind="meeting")
        .interaction("I5", AS_OF, ["202"], ["O1"], kind="activity")
        .relation("F1", "F2", "friend", since=dt.date(2024, 1, 1))
        .relation("201", "101", "liaison")
    )


# Worked out by hand from section 3 (T = 2026-06-30, W = 365).
HAND: dict[str, str] = {
    "F1": "covered",  # 201 open, I1 in window
    "F2": "indirect",  # only 202 (out of office); I1 in window
    "F3": "uncovered",  # contact from T + 1; I4 after T
    "F4": "uncovered",  # membership closed at T
    "F5": "indirect",  # open membership in covered unit 101
    "F6": "stale",  # assigned, never met
    "O1": "indirect",  # I5 on T itself
    "O2": "uncovered",
    "O3": "uncovered",  # contact closed at T; I3 one day before the window
    "101": "covered",  # backup contact still assigns
    "102": "covered",  # I2 exactly on T - W
}


def test_hand_statuses_match_oracle() -> None:
    got = {t: s.status for t, s in oracle.evaluate(sample(), AS_OF, WINDOW).items()}
    assert got == HAND


def check_loads_like_oracle(
    concentric: Concentric,
    folder: Path,
    ds: Dataset | None = None,
    hand: dict[str, str] | None = HAND,
) -> None:
    """Load `folder`; the answers must be the oracle's for `ds` (default: sample())."""
    ds = ds or sample()
    concentric.load(folder)
    assert concentric.coverage() == oracle.coverage(ds, AS_OF, WINDOW)
    answer = concentric.gaps()
    assert gap_items(answer) == oracle.gaps(ds, AS_OF, WINDOW, statuses=oracle.STATUSES)["items"]
    if hand is not None:
        assert {i["id"]: i["status"] for i in answer["items"]} == hand


VARIANTS: dict[str, Format] = {
    **FORMATS,
    "csv_mixed_labels": FORMATS["csv"].with_(name="csv_mixed_labels", labels="mixed"),
    "csv_zh_gbk_labels": FORMATS["csv_zh_gbk"].with_(name="csv_zh_gbk_labels", labels="labels"),
    "csv_bom_zh": FORMATS["csv_bom"].with_(name="csv_bom_zh", chinese_headers=True),
    "json_zh": FORMATS["json"].with_(name="json_zh", chinese_headers=True, labels="labels"),
}


class TestFormats:
    @pytest.mark.parametrize("fmt", sorted(VARIANTS))
    def test_same_graph(self, fmt: str, concentric: Concentric, tmp_path: Path) -> None:
        check_loads_like_oracle(concentric, write_dataset(sample(), tmp_path / fmt, VARIANTS[fmt]))

    def test_all_formats_give_identical_json(self, cli: Run, tmp_path: Path) -> None:
        answers = []
        for name in ("csv", "csv_zh_gbk", "csv_bom", "xlsx", "json"):
            c = Concentric(cli, tmp_path / f"{name}.db")
            c.load(write_dataset(sample(), tmp_path / name, name))
            answers.append(c.snapshot())
        assert all(a == answers[0] for a in answers[1:])

    def test_gbk_file_is_really_gbk(self, tmp_path: Path) -> None:
        # Guards the writer: a GBK file must not be valid UTF-8, or the test proves nothing.
        folder = write_dataset(sample(), tmp_path / "gbk", "csv_zh_gbk")
        raw = (folder / "figures.csv").read_bytes()
        with pytest.raises(UnicodeDecodeError):
            raw.decode("utf-8")
        assert raw.decode("gbk").startswith("编号,姓名,类别")

    def test_mixed_formats_in_one_folder(self, concentric: Concentric, tmp_path: Path) -> None:
        ds = sample()
        folder = tmp_path / "mixed"
        folder.mkdir()
        kinds = ["csv", "csv_zh_gbk", "xlsx", "json", "csv_bom", "xlsx_zh", "json", "csv", "xlsx"]
        for table, fmt in zip(oracle.TABLES, kinds, strict=True):
            write_table(table, ds[table], folder, FORMATS[fmt])
        check_loads_like_oracle(concentric, folder)


class TestEncodings:
    def test_gb18030_only_characters(self, concentric: Concentric, tmp_path: Path) -> None:
        # 𠀀 (U+20000) has no GBK code: only a GB18030 decoder reads this file right.
        ds = sample()
        ds.row("figures", "id", "F3")["name"] = "张𠀀"
        folder = write_dataset(ds, tmp_path / "g", "csv_zh_gb18030")
        check_loads_like_oracle(concentric, folder, ds)
        names = {i["id"]: i["name"] for i in concentric.gaps()["items"]}
        assert names["F3"] == "张𠀀"

    def test_small_gbk_file(self, concentric: Concentric, tmp_path: Path) -> None:
        # Little Chinese text to guess an encoding from: headers and one label only.
        ds = Dataset().area("A0", "district", name="Chengguan")
        ds.figure("F1", "ethnic", "A0", name="Ma").leader("L1", name="Wang").contact("L1", "F1")
        fmt = FORMATS["csv_zh_gbk"].with_(labels="labels")
        folder = write_dataset(ds, tmp_path / "s", fmt)
        check_loads_like_oracle(concentric, folder, ds, hand={"F1": "stale"})


class TestEmptyTables:
    @pytest.mark.parametrize("fmt", ["csv", "csv_zh_gbk", "xlsx", "json"])
    def test_empty_tables_load(self, fmt: str, concentric: Concentric, tmp_path: Path) -> None:
        # A table with no rows is a valid table: a bare header (CSV/XLSX), or `[]` in JSON —
        # "a list of objects" with no objects has no column that could be missing.
        ds = Dataset().area("A0", "district").leader("L1").figure("F1", "ethnic", "A0")
        folder = write_dataset(ds, tmp_path / "e", fmt)
        assert (folder / f"relations.{FORMATS[fmt].suffix}").exists()
        check_loads_like_oracle(concentric, folder, ds, hand={"F1": "uncovered"})

    def test_missing_table_files_are_empty_tables(
        self, concentric: Concentric, tmp_path: Path
    ) -> None:
        ds = Dataset().area("A0", "district").figure("F1", "religious", "A0")
        folder = write_dataset(ds, tmp_path / "m", skip_empty=True)
        assert sorted(p.name for p in folder.iterdir()) == ["areas.csv", "figures.csv"]
        check_loads_like_oracle(concentric, folder, ds, hand={"F1": "uncovered"})


class TestXlsx:
    def test_numeric_id_cells_load_as_strings(self, tmp_path: Path) -> None:
        # Guards the writer: the ids really are number cells and the dates real date cells.
        from openpyxl import load_workbook

        folder = write_dataset(sample(), tmp_path / "x", "xlsx")
        units = load_workbook(folder / "units.xlsx").active
        contacts = load_workbook(folder / "contacts.xlsx").active
        assert units is not None and contacts is not None
        assert units["A2"].value == 101 and units["A2"].data_type == "n"
        assert contacts["B4"].value == 101 and contacts["A4"].value == 203
        assert contacts["C7"].is_date and contacts["C7"].value.date() == dt.date(2025, 1, 5)

    def test_numeric_ids_and_date_cells(self, concentric: Concentric, tmp_path: Path) -> None:
        folder = write_dataset(sample(), tmp_path / "x", "xlsx")
        check_loads_like_oracle(concentric, folder)
        items = {i["id"]: i for i in gap_items(concentric.gaps())}
        assert items["101"]["assigned_leaders"] == ["203"]
        assert items["102"]["last_contact"] == "2025-06-30"

    def test_only_first_sheet_is_read(self, concentric: Concentric, tmp_path: Path) -> None:
        from openpyxl import load_workbook

        folder = write_dataset(sample(), tmp_path / "x", "xlsx")
        path = folder / "figures.xlsx"
        wb = load_workbook(path)
        notes = wb.create_sheet("说明")
        notes.append(["编号", "姓名", "类别"])
        notes.append(["F99", "不该读到", "外星人"])  # would be a bad row if it were read
        wb.save(path)
        check_loads_like_oracle(concentric, folder)


class TestDates:
    @pytest.mark.parametrize("style", ["iso", "slash", "cjk"])
    @pytest.mark.parametrize("base", ["csv", "csv_zh_gbk", "json", "xlsx"])
    def test_date_forms(
        self, base: str, style: str, concentric: Concentric, tmp_path: Path
    ) -> None:
        fmt = FORMATS[base].with_(date_style=style)
        folder = write_dataset(sample(), tmp_path / "d", fmt)
        if style == "cjk" and fmt.suffix == "csv":  # guards the writer
            assert "2026年1月5日" in (folder / "interactions.csv").read_text(fmt.encoding)
        check_loads_like_oracle(concentric, folder)

    @pytest.mark.parametrize(
        "text", ["2025-06-30", "2025/06/30", "2025年6月30日"], ids=["iso", "slash", "cjk"]
    )
    def test_boundary_date_spelled_each_way(
        self, text: str, concentric: Concentric, tmp_path: Path
    ) -> None:
        # I2 on T - W keeps 102 covered only if the date is read as exactly 2025-06-30.
        ds = sample()
        folder = write_dataset(ds, tmp_path / "d")
        raw = ds.copy()
        raw.row("interactions", "id", "I2")["date"] = text
        write_table("interactions", raw["interactions"], folder, FORMATS["csv"])
        check_loads_like_oracle(concentric, folder, ds)


class TestListsAndEnums:
    @pytest.mark.parametrize("sep", [";", "；", ",", "，", "、"])
    def test_list_separators(self, sep: str, concentric: Concentric, tmp_path: Path) -> None:
        fmt = FORMATS["csv_zh_gbk"].with_(list_sep=sep)
        folder = write_dataset(sample(), tmp_path / "l", fmt)
        text = (folder / "interactions.csv").read_text(encoding="gbk")
        assert f"201{sep}202" in text  # guards the writer
        check_loads_like_oracle(concentric, folder)

    @pytest.mark.parametrize("labels", ["codes", "labels", "mixed"])
    def test_enum_codes_and_labels(
        self, labels: str, concentric: Concentric, tmp_path: Path
    ) -> None:
        fmt = FORMATS["csv"].with_(labels=labels)
        check_loads_like_oracle(concentric, write_dataset(sample(), tmp_path / "e", fmt))

    def test_gap_filter_by_label_containing_a_separator(
        self, concentric: Concentric, tmp_path: Path
    ) -> None:
        # The overseas_chinese label holds "、", a list separator: a filter value, not a list.
        concentric.load(write_dataset(sample(), tmp_path / "c"))
        answer = concentric.gaps("--category", "华侨、归侨及侨眷")
        assert [i["id"] for i in answer["items"]] == ["F2"]

    def test_also_spelling_of_returned_scholars(
        self, concentric: Concentric, tmp_path: Path
    ) -> None:
        # Section 1: `returned_scholars_association` 欧美同学会 (also 留学人员联谊会).
        ds = sample()
        folder = write_dataset(ds, tmp_path / "a")
        raw = ds.copy()
        raw.row("organizations", "id", "O2")["kind"] = "留学人员联谊会"
        write_table("organizations", raw["organizations"], folder, FORMATS["csv"])
        check_loads_like_oracle(concentric, folder, ds)


HEADER_STYLES = {
    "upper": (False, str.upper),
    "title": (False, str.title),
    "spaces": (False, lambda h: f"  {h} "),
    "fullwidth": (False, fullwidth),
    "fullwidth_upper_spaced": (False, lambda h: f" {fullwidth(h.upper())}  "),
    "zh_spaces": (True, lambda h: f" {h}  "),
    "zh_ideographic_spaces": (True, lambda h: f"\u3000{h}\u3000"),
}


class TestHeaders:
    @pytest.mark.parametrize("style", sorted(HEADER_STYLES))
    @pytest.mark.parametrize("base", ["csv", "xlsx"])
    def test_header_matching(
        self, base: str, style: str, concentric: Concentric, tmp_path: Path
    ) -> None:
        zh, transform = HEADER_STYLES[style]
        fmt = FORMATS[base].with_(chinese_headers=zh, header=transform)
        check_loads_like_oracle(concentric, write_dataset(sample(), tmp_path / "h", fmt))

    def test_fullwidth_guard(self) -> None:
        assert fullwidth("ID") == "ＩＤ" and fullwidth("leader_id") == "ｌｅａｄｅｒ＿ｉｄ"


class TestBooleans:
    @pytest.mark.parametrize(
        "pair", [("true", "false"), ("1", "0"), ("yes", "no"), ("是", "否")], ids="/".join
    )
    @pytest.mark.parametrize("base", ["csv", "csv_zh_gbk", "xlsx"])
    def test_boolean_spellings(
        self, base: str, pair: tuple[str, str], concentric: Concentric, tmp_path: Path
    ) -> None:
        # 202 is out of office: if "false" were misread as true, F2 would turn covered.
        fmt = FORMATS[base].with_(bools=pair)
        check_loads_like_oracle(concentric, write_dataset(sample(), tmp_path / "b", fmt))


class TestSingleFiles:
    def test_load_a_single_file_upserts(self, concentric: Concentric, tmp_path: Path) -> None:
        concentric.load(write_dataset(sample(), tmp_path / "ds"))
        extra = Dataset().unit("103", "soe", None, name="某国企")
        extra.unit("102", "hospital", "A3", name="改名医院")
        path = write_table("units", extra["units"], tmp_path, FORMATS["csv"])
        concentric.load(path)
        ds = sample()
        ds.tables["units"] = [ds["units"][0], *extra["units"]]  # 101 kept, 102 renamed, 103 new
        assert concentric.coverage() == oracle.coverage(ds, AS_OF, WINDOW)
        items = {i["id"]: i for i in gap_items(concentric.gaps())}
        assert items["103"]["status"] == "uncovered" and items["102"]["name"] == "改名医院"
        assert items["102"]["status"] == "covered"  # its contacts and interactions survive

"""The upload page states each load problem in Chinese, naming the offending value; English
is a switch (``?lang=en``), and the CLI's English wording is left to tests/test_bad_input.py.

Expected texts are written out by hand from the broken rows below, not taken from the code.
"""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from test_page_actions import Site, fields, forms, site  # noqa: F401  (site is a fixture)
from test_pages_chinese import problems

from concentric.loaders.messages import PROBLEM_TEXT

FIGURES = "党外代表人士.csv"
FIGURES_HEAD = "编号,姓名,类别,所在区域\n"
CONTACTS = "联系交友.csv"
AREAS = "区域.csv"


def upload(on: Site, files: list[tuple[str, bytes]], lang: str = "") -> tuple[int, str]:
    """Post the files through the page's own form; the status and the page."""
    (form,) = forms(on.page("/upload"), "upload-dataset")
    action = form["action"] + (f"?lang={lang}" if lang else "")
    response = on.post(action, fields(form), files=[("files", f) for f in files])
    return response.status_code, response.text


def problem_rows(page: str) -> list[tuple[str, str, str, str]]:
    """(file, line, column, message) of each row of the page's problem table, unescaped."""
    found: list[tuple[str, str, str, str]] = re.findall(
        r'<tr class="upload-problem"><td>([^<]*)</td><td class="num">(\d*)</td>'
        r"<td>([^<]*)</td><td>([^<]*)</td></tr>",
        page,
    )
    return [(f, n, c, html.unescape(m)) for f, n, c, m in found]


def problem_table(page: str) -> str:
    found = re.search(r'<table id="upload-problems">.*?</table>', page, re.S)
    assert found, page[:500]
    return found.group(0)


# (files uploaded, expected (file, line, column) of the problem, the message's Chinese text
# as it must read, or with "…" where the text goes on after the part given).
BROKEN: dict[str, tuple[list[tuple[str, str]], tuple[str, str, str], str]] = {
    "bad enum": (
        [(FIGURES, FIGURES_HEAD + "FU1,张三,宗教,A02\n")],
        (FIGURES, "2", "类别"),
        "未知的值“宗教”（可选：民主党派成员、无党派人士、…",
    ),
    "bad date": (
        [
            (FIGURES, FIGURES_HEAD + "FU1,张三,无党派人士,A02\n"),
            (CONTACTS, "领导编号,对象编号,开始日期\nL02,FU1,2026年2月30日\n"),
        ],
        (CONTACTS, "2", "开始日期"),
        "不是日期：“2026年2月30日”（没有这一天）",
    ),
    "date not written as a date": (
        [
            (FIGURES, FIGURES_HEAD + "FU1,张三,无党派人士,A02\n"),
            (CONTACTS, "领导编号,对象编号,开始日期\nL02,FU1,去年春天\n"),
        ],
        (CONTACTS, "2", "开始日期"),
        "不是日期：“去年春天”（请写成 2026-01-05、2026/01/05 或 2026年1月5日）",
    ),
    "unknown id": (
        [(FIGURES, FIGURES_HEAD + "FU1,张三,无党派人士,A999\n")],
        (FIGURES, "2", "所在区域"),
        "未知编号“A999”（应为区域）",
    ),
    "wrong kind": (
        [
            (FIGURES, FIGURES_HEAD + "FU1,张三,无党派人士,A02\nFU2,李四,无党派人士,A02\n"),
            (CONTACTS, "领导编号,对象编号,开始日期\nFU2,FU1,2026-01-05\n"),
        ],
        (CONTACTS, "2", "领导编号"),
        "“FU2”是党外代表人士，但此列需要联系领导",
    ),
    "duplicate id": (
        [(FIGURES, FIGURES_HEAD + "FU1,张三,无党派人士,A02\nFU1,李四,无党派人士,A02\n")],
        (FIGURES, "3", "编号"),
        f"编号“FU1”重复（与 {FIGURES} 第 2 行的党外代表人士相同）",
    ),
    "cycle": (
        [(AREAS, "编号,名称,类型,上级编号\nAX1,甲村,村,AX2\nAX2,乙村,村,AX1\n")],
        (AREAS, "2", "上级编号"),
        "区域“AX1”是自己的上级（AX1 → AX2 → AX1）",
    ),
    "missing required": (
        [(FIGURES, FIGURES_HEAD + "FU1,,无党派人士,A02\n")],
        (FIGURES, "2", "姓名"),
        "缺少必填值",
    ),
    "not a table": (
        [("联系领导.xlsx", "这不是工作簿")],
        ("联系领导.xlsx", "1", "-"),
        "不是 XLSX 工作簿；旧格式的表格请先另存为 XLSX",
    ),
}


def matches(message: str, expected: str) -> bool:
    if expected.endswith("…"):
        return message.startswith(expected[:-1])
    return message == expected


@pytest.mark.parametrize("case", list(BROKEN))
def test_each_problem_is_shown_in_chinese_with_its_value(site: Site, case: str) -> None:  # noqa: F811
    files, where, expected = BROKEN[case]
    site.sign_in("planner")
    status, page = upload(site, [(name, text.encode()) for name, text in files])
    assert status == 422
    rows = problem_rows(page)
    messages = [message for *at, message in rows if tuple(at) == where]
    assert any(matches(m, expected) for m in messages), rows
    # File names are the user's own (党外代表人士.csv): the columns and messages are ours.
    ours = " ".join(f"{column} {message}" for *_, column, message in rows)
    for name, _ in files:
        ours = ours.replace(name, "")
    assert problems(ours) == []
    assert "upload-problem" in problem_table(page)
    assert 'id="form-problems"' not in page  # listed once, in the table, not again as dicts
    assert site.sql("SELECT count(*) FROM nodes WHERE id IN ('FU1', 'FU2', 'AX1')") == [(0,)]


def test_english_is_a_switch(site: Site) -> None:  # noqa: F811
    site.sign_in("planner")
    files, where, _ = BROKEN["unknown id"]
    status, page = upload(site, [(n, t.encode()) for n, t in files], lang="en")
    assert status == 422
    assert (*where, "unknown id 'A999' (expected an area)") in problem_rows(page)


def test_every_chinese_template_is_chinese() -> None:
    """Fields aside (they hold the user's own values), no template writes English words."""
    english: list[Any] = []
    for code, (zh, _) in PROBLEM_TEXT.items():
        fixed = re.sub(r"\{[^}]*\}", "", zh)
        words = [
            w for w in re.findall(r"[A-Za-z]{3,}", fixed) if w not in {"CSV", "XLSX", "JSON", "ZIP"}
        ]
        if words:
            english.append((code, words))
    assert english == []

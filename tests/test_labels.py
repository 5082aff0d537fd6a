"""Labels and colours in one place: every view shows a status with the schema's colour.

The expected colours are read from ``graph/schema/schema.yaml`` here with plain ``yaml``
(not through ``graph.schema.schema`` or ``graph.views.labels``), then looked for in what each
view produces: the web pages' CSS, a notebook's table and the network picture (the report's
fills are checked in test_report_export.py, against the same file).
"""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient

from concentric.api.app import create_app
from concentric.api.settings import Settings
from concentric.graph.schema.schema import Schema
from concentric.graph.views.answers import Answer
from concentric.graph.views.render import STATUS_COLORS

SCHEMA_FILE = Path(__file__).resolve().parent.parent / "graph" / "schema" / "schema.yaml"
RAW: dict[str, Any] = yaml.safe_load(SCHEMA_FILE.read_text(encoding="utf-8"))
STATUS_CODES = list(RAW["enumerations"]["coverage_status"])
QUOTA_CODES = list(RAW["enumerations"]["quota_status"])
SHOWN = RAW["presentation"]
HEX = re.compile(r"#[0-9a-f]{6}")


def test_every_status_has_one_ink_and_one_fill() -> None:
    assert STATUS_CODES == ["covered", "stale", "indirect", "uncovered"]
    assert set(SHOWN["coverage_status"]) == set(STATUS_CODES)
    for code in STATUS_CODES:
        assert set(SHOWN["coverage_status"][code]) == {"ink", "fill"}, code
        assert all(HEX.fullmatch(c) for c in SHOWN["coverage_status"][code].values()), code
    assert set(SHOWN["quota_status"]) == set(QUOTA_CODES) == {"under", "ok", "over"}
    fills = [SHOWN["coverage_status"][c]["fill"] for c in STATUS_CODES]
    assert len(set(fills)) == len(fills)  # statuses tell apart by colour


def test_page_css_uses_the_schema_inks(tmp_path: Path) -> None:
    settings = Settings(
        store=str(tmp_path / "c.db"), access_db=None, cors_origins=[], _env_file=None
    )
    app = create_app(settings)
    try:
        page = TestClient(app).get("/login").text
    finally:
        app.state.workspace.close()
        app.state.access.close()
        app.state.idempotency.close()
    for code in STATUS_CODES:
        assert f"--{code}:{SHOWN['coverage_status'][code]['ink']};" in page, code


def test_network_pictures_use_the_schema_inks() -> None:
    assert {c: SHOWN["coverage_status"][c]["ink"] for c in STATUS_CODES} == STATUS_COLORS


@pytest.mark.parametrize("code", STATUS_CODES)
def test_notebook_table_fills_a_status_cell(code: str) -> None:
    answer = Answer({"total": 1, "items": [{"id": "F1", "status": code}]}, "gaps")
    assert f"background:{SHOWN['coverage_status'][code]['fill']}" in answer._repr_html_()


# -- page text (graph/views/page_text.yaml) ----------------------------------------------

ROOT = Path(__file__).resolve().parent.parent
PAGE_TEXT: dict[Any, Any] = yaml.safe_load(
    (ROOT / "graph" / "views" / "page_text.yaml").read_text(encoding="utf-8")
)
#: Where the pages name a text by key: Python of api/ and graph/, and the templates.
_KEY_SOURCES = [
    *(ROOT / "api").glob("*.py"),
    *(ROOT / "graph").rglob("*.py"),
    *(ROOT / "api" / "templates").glob("*"),
    *(ROOT / "graph" / "views" / "templates").glob("*"),
]
#: Strings that look like keys but are not: file names, and the prefix of a key built from
#: a code ("help." ~ status).
_NOT_A_KEY = re.compile(r".*\.(html|js|j2|css|yaml)|.*\.")


def _keys_in_sources() -> set[tuple[str, str]]:
    """(key, file) for every literal text key: the argument of a ``t(...)``/``ui_text(...)``
    call, or any string of the form ``namespace.name`` with a namespace the YAML uses."""
    namespaces = sorted({str(k).split(".")[0] for k in PAGE_TEXT if "." in str(k)})
    dotted = re.compile(r"""['"]((?:""" + "|".join(namespaces) + r""")\.[A-Za-z0-9_.\-]+)['"]""")
    called = re.compile(r"""(?:\bt|ui_text|\bhas)\(\s*['"]([A-Za-z0-9_.\-]+)['"]""")
    found = set()
    for path in _KEY_SOURCES:
        text = path.read_text(encoding="utf-8")
        for pattern in (dotted, called):
            found |= {(m[1], path.name) for m in pattern.finditer(text)}
    return {(key, name) for key, name in found if not _NOT_A_KEY.fullmatch(key)}


def test_every_page_text_is_two_strings() -> None:
    assert len(PAGE_TEXT) > 300
    for key, value in PAGE_TEXT.items():
        # YAML reads an unquoted yes/no as a boolean and "{x}" as a mapping.
        assert type(key) is str, key
        assert isinstance(value, list) and len(value) == 2, key
        assert all(type(v) is str and v.strip() for v in value), key


def test_every_key_the_code_uses_has_a_text() -> None:
    used = _keys_in_sources()
    # The search reaches both the Python and the templates (else it proves nothing).
    assert ("net.why.covered", "render.py") in used
    assert ("gaps.title", "gaps.html") in used
    assert ("done.saved", "form_notice.html") in used
    assert sorted((k, f) for k, f in used if k not in PAGE_TEXT) == []


def test_keys_built_from_codes_have_a_text() -> None:
    # Keys the templates and pages build from a code: help.<status>, quota.<code>, role.<role>.
    built = [
        *(f"help.{code}" for code in STATUS_CODES),
        *(f"quota.{code}" for code in QUOTA_CODES),
        *(f"role.{role}" for role in ("admin", "planner", "analyst", "leader")),
    ]
    assert [key for key in built if key not in PAGE_TEXT] == []


def test_every_edge_kind_has_words_both_ways() -> None:
    for kind, spec in RAW["edge_kinds"].items():
        words = spec["words"]
        assert set(words) == {"out", "in"}, kind
        for pair in words.values():
            assert len(pair) == 2 and all(type(w) is str and w for w in pair), kind


def test_the_schema_refuses_an_edge_kind_without_words() -> None:
    raw = copy.deepcopy(RAW)
    del raw["edge_kinds"]["part_of"]["words"]["in"]
    with pytest.raises(ValueError, match=r"edge_kinds\.part_of\.words\.in"):
        Schema(raw)

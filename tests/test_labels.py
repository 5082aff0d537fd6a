"""Labels and colours in one place: every view shows a status with the schema's colour.

The expected colours are read from ``graph/schema/schema.yaml`` here with plain ``yaml``
(not through ``graph.schema.schema`` or ``graph.views.labels``), then looked for in what each
view produces: the web pages' CSS, a notebook's table and the network picture (the report's
fills are checked in test_report_export.py, against the same file).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient

from concentric.api.app import create_app
from concentric.api.settings import Settings
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

"""The upload page's preview: what the files would add and change, before the planner
confirms (the same :meth:`Workspace.load_diff` as ``concentric load --diff``)."""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_page_actions import FIGURES_HEAD, Site, fields, forms


@pytest.fixture
def site(sample_store: Path, tmp_path: Path) -> Iterator[Site]:
    path = tmp_path / "c.db"
    shutil.copy(sample_store, path)
    running = Site(path)
    yield running
    running.client.close()
    running.app.state.workspace.close()
    running.app.state.access.close()
    running.app.state.idempotency.close()


def _figure(site: Site) -> tuple[str, dict[str, str]]:
    (row,) = site.sql("SELECT id, props FROM nodes WHERE kind = 'figure' ORDER BY id LIMIT 1")
    return row[0], json.loads(row[1])


def test_a_preview_lists_the_changes_stores_nothing_and_its_confirmation_stores_them(
    site: Site,
) -> None:
    site.sign_in("planner")
    figure, props = _figure(site)
    version = site.sql("SELECT value FROM meta WHERE key = 'version'")
    body = FIGURES_HEAD + f"FU1,张三,无党派人士,A02\n{figure},改了名,{props['category']},A02\n"
    (form,) = forms(site.page("/upload"), "upload-dataset")
    preview = site.post(
        "/upload/preview", fields(form), files=[("files", ("figures.csv", body.encode()))]
    )
    assert preview.status_code == 200, preview.text[:500]
    rows = re.findall(
        r'<tr class="upload-diff-row" data-change="(\w+)">(?:<td[^>]*>[^<]*</td>){2}'
        r"<td[^>]*>([^<]*)</td>",
        preview.text,
    )
    assert sorted(rows) == [("added", "FU1"), ("changed", figure)]
    assert f"name：{props['name']} → 改了名" in preview.text
    assert site.sql("SELECT count(*) FROM nodes WHERE id = 'FU1'") == [(0,)]
    assert site.sql("SELECT value FROM meta WHERE key = 'version'") == version
    # The confirmation loads the very files the preview checked.
    (confirm,) = forms(preview.text, "upload-confirm")
    done = site.post(confirm["action"], fields(confirm))
    assert done.status_code == 200, done.text[:500]
    assert re.search(r'id="upload-inserted">1<', done.text)
    assert re.search(r'id="upload-updated">1<', done.text)
    assert site.sql("SELECT count(*) FROM nodes WHERE id = 'FU1'") == [(1,)]
    (stored,) = site.sql("SELECT props FROM nodes WHERE id = ?", figure)
    assert json.loads(stored[0])["name"] == "改了名"
    # A preview is confirmed once; again, it is gone (the same form replays its answer).
    (form,) = forms(site.page("/upload"), "upload-dataset")
    again = site.post("/upload", {**fields(form), "preview": confirm_key(confirm)})
    assert again.status_code == 404 and "预览已失效" in again.text


def confirm_key(form: dict[str, object]) -> str:
    return next(str(v) for k, v in form["fields"] if k == "preview")  # type: ignore[attr-defined]


def test_a_preview_with_problems_lists_them(site: Site) -> None:
    site.sign_in("planner")
    (form,) = forms(site.page("/upload"), "upload-dataset")
    bad = FIGURES_HEAD + "FU1,张三,不存在的类别,A02\n"
    response = site.post(
        "/upload/preview", fields(form), files=[("files", ("figures.csv", bad.encode()))]
    )
    assert response.status_code == 422
    assert 'class="upload-problem"' in response.text
    assert "upload-confirm" not in response.text


def test_only_planners_preview(site: Site) -> None:
    site.sign_in("analyst")
    body = (FIGURES_HEAD + "FU1,张三,无党派人士,A02\n").encode()
    response = site.post("/upload/preview", {}, files=[("files", ("figures.csv", body))])
    assert response.status_code in (400, 403)


def test_a_preview_older_than_its_hours_is_gone(site: Site) -> None:
    import os
    import time

    from concentric.api.page_actions import PREVIEW_HOURS

    site.sign_in("planner")
    (form,) = forms(site.page("/upload"), "upload-dataset")
    body = (FIGURES_HEAD + "FU1,张三,无党派人士,A02\n").encode()
    preview = site.post("/upload/preview", fields(form), files=[("files", ("figures.csv", body))])
    (confirm,) = forms(preview.text, "upload-confirm")
    key = confirm_key(confirm)
    owner = Path(tempfile.gettempdir()) / "concentric-upload-previews" / key / "owner"
    old = time.time() - PREVIEW_HOURS * 3600 - 60
    os.utime(owner, (old, old))
    response = site.post(confirm["action"], fields(confirm))
    assert response.status_code == 404 and "预览已失效" in response.text
    assert site.sql("SELECT count(*) FROM nodes WHERE id = 'FU1'") == [(0,)]

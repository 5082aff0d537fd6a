"""The handover page and the assign picker past the whole-graph limit (graph_max_rows=1)
rank as the whole graph does: the same orphaned targets (from the raw sample rows) and the
same successors and candidates as :func:`departure` / :func:`rank_candidates` give on the
whole graph of a workspace without a limit."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_page_actions import (
    LEAVING,
    TODAY,
    Site,
    fields,
    forms,
    leaders_in_office,
    open_contacts,
    unassigned_figure,
)

from concentric.graph.network.recommend import departure, rank_candidates
from concentric.graph.workspace import open_workspace

WINDOW = 365


@pytest.fixture
def limited_site(sample_store: Path, tmp_path: Path) -> Iterator[Site]:
    path = tmp_path / "c.db"
    shutil.copy(sample_store, path)
    running = Site(path, graph_max_rows=1)
    yield running
    running.client.close()
    running.app.state.workspace.close()
    running.app.state.access.close()
    running.app.state.idempotency.close()


def test_the_assign_picker_ranks_past_the_limit_as_on_the_whole_graph(
    limited_site: Site,
) -> None:
    limited_site.sign_in("planner")
    figure = unassigned_figure()
    page = limited_site.page(f"/entities/{figure}")
    shown = re.findall(r'<tr class="candidate"><td><a href="/leaders/([^"]+)"', page)
    whole = open_workspace(limited_site.path)
    try:
        ranked = rank_candidates(whole.graph(), [figure], TODAY, WINDOW, whole.policy, limit=5)
    finally:
        whole.close()
    office = set(leaders_in_office())
    assert shown == [c.leader_id for c in ranked[figure] if c.leader_id in office]
    assert shown  # the sample's leaders have room: the check says something


def test_the_handover_page_past_the_limit_lists_the_whole_graphs_successors(
    limited_site: Site,
) -> None:
    limited_site.sign_in("planner")
    orphaned = sorted(t for t, leads in open_contacts(TODAY).items() if leads == {LEAVING})
    assert orphaned
    page = limited_site.page("/handover", leader_ids=LEAVING, date=TODAY.isoformat())
    (form,) = forms(page, "handover")
    data = fields(form)
    targets = data["target_ids"] if isinstance(data["target_ids"], list) else [data["target_ids"]]
    assert sorted(targets) == orphaned
    whole = open_workspace(limited_site.path)
    try:
        expected = departure(whole.graph(), [LEAVING], TODAY, WINDOW, whole.policy)
    finally:
        whole.close()
    rows = re.findall(
        r'<tr class="handover-row" data-target="([^"]+)">'
        r'.*?<optgroup label="推荐">(.*?)</optgroup>',
        page,
        re.S,
    )
    offered = {t: re.findall(r'<option value="([^"]+)"', group) for t, group in rows}
    assert offered == {
        i["id"]: [s["leader_id"] for s in i["successors"]] for i in expected["items"]
    }
    firsts = {i["id"]: i["successors"][0]["leader_id"] for i in expected["items"]}
    successors = data["successor_ids"]
    successors = successors if isinstance(successors, list) else [successors]
    assert dict(zip(targets, successors, strict=True)) == firsts
    response = limited_site.post(form["action"], data)
    assert response.status_code == 303, response.text
    for target, successor in firsts.items():
        assert limited_site.contacts(successor, target)

"""/api/v1/recommendations and /api/v1/departure past the whole-graph limit
(graph_max_rows=1) answer as the whole graph does."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from test_api import copy_store, settings_for
from test_page_analyses import AS_OF, WINDOW, towns, whole_graph_recommendation

from concentric.api.app import create_app
from concentric.graph.network.recommend import departure
from concentric.graph.workspace import Workspace, open_workspace


@pytest.fixture(scope="module")
def api(
    sample_store: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[TestClient, dict[str, str], Workspace]]:
    path = copy_store(sample_store, tmp_path_factory.mktemp("api"))
    app = create_app(settings_for(path).model_copy(update={"graph_max_rows": 1}))
    headers = {"Authorization": f"Bearer {app.state.access.create_token('planner')}"}
    client = TestClient(app, raise_server_exceptions=False)
    whole = open_workspace(path)
    yield client, headers, whole
    client.close()
    whole.close()
    app.state.workspace.close()


def _same(answered: dict[str, Any], expected: dict[str, Any]) -> bool:
    """Whether the API's answer carries the expected answer's every field, equal."""
    return {k: answered.get(k) for k in expected} == json.loads(json.dumps(expected))


def test_a_towns_recommendations_past_the_limit_are_the_whole_graphs(
    api: tuple[TestClient, dict[str, str], Workspace],
) -> None:
    client, headers, whole = api
    for town in sorted(towns())[:3]:
        answer = client.get(
            "/api/v1/recommendations", params={"area_id": town, "as_of": AS_OF}, headers=headers
        )
        assert answer.status_code == 200, answer.text
        expected = whole_graph_recommendation(whole, town)
        assert _same(answer.json(), expected)


def test_recommendations_past_the_limit_without_an_area_are_refused(
    api: tuple[TestClient, dict[str, str], Workspace],
) -> None:
    client, headers, _ = api
    answer = client.get("/api/v1/recommendations", params={"as_of": AS_OF}, headers=headers)
    assert answer.status_code == 422
    assert "area_id" in answer.json()["detail"]


@pytest.mark.parametrize(("field", "value"), [("line", "nosuchline"), ("status", "nosuch")])
def test_a_bad_line_or_status_is_refused_as_on_gaps(
    api: tuple[TestClient, dict[str, str], Workspace], field: str, value: str
) -> None:
    client, headers, _ = api
    town = sorted(towns())[0]
    params = {"area_id": town, field: value}
    refused = client.get("/api/v1/recommendations", params=params, headers=headers)
    gaps = client.get("/api/v1/gaps", params=params, headers=headers)
    assert refused.status_code == gaps.status_code == 422
    assert field in refused.json()["detail"]
    assert set(refused.json()) >= {"error", "detail"}


def test_departure_past_the_limit_is_the_whole_graphs(
    api: tuple[TestClient, dict[str, str], Workspace],
) -> None:
    client, headers, whole = api
    answer = client.post(
        "/api/v1/departure",
        json={"leader_ids": ["L01"], "as_of": AS_OF.isoformat()},
        headers=headers,
    )
    assert answer.status_code == 200, answer.text
    expected = departure(whole.graph(), ["L01"], AS_OF, WINDOW, whole.policy)
    assert _same(answer.json(), expected)
    assert expected["items"]

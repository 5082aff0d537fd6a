"""Judgements on duplicate candidates: kept apart from the loaded rows (a reload, even with
--replace, keeps them), never proposing a pair judged same or different, undone on request,
audited; through the store, the CLI and the API.

The dataset is written here by hand with three planted pairs; which pairs are candidates is
known from how they were planted, not from the finder's output.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner
from write_support import WriteApp, assert_error, open_app

from concentric.api.app import create_app
from concentric.api.cli import app as cli_app
from concentric.api.duplicates import _found, judge_pair, list_duplicates, undo_pair
from concentric.api.settings import Settings
from concentric.graph.store.sqlite_store import SQLiteStore
from concentric.graph.workspace import open_workspace
from concentric.loaders import read_dataset

TABLES = {
    "areas.csv": "id,name,kind,parent_id\nA1,七里河区,district,\nA2,阿干镇,town,A1\n",
    "figures.csv": (
        "id,name,category,gender,area_id,phone,ethnicity\n"
        "F1,张伟,non_party,男,A1,13900001111,\n"
        "F2,张 伟,non_party,男,A1,13900001111,\n"  # planted: a space
        "F3,李娜,intellectual,女,A2,,回族\n"
        "F4,李　娜,intellectual,女,A2,,回族\n"  # planted: a full-width space
        "F5,王芳,intellectual,女,A1,,\n"
    ),
    "units.csv": (
        "id,name,kind,area_id\n"
        "U1,兰州理工大学,university,A1\n"
        "U2,兰州理工大学（本部）,university,A1\n"  # planted: a bracketed qualifier
        "U3,兰州大学,university,A1\n"  # a near miss
    ),
}
PLANTED = {("F1", "F2"), ("F3", "F4"), ("U1", "U2")}


def write_tables(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in TABLES.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


# A pair whose names hold markup, for the page (escaped there).
MARKUP_UNITS = (
    "U4,<b>兰州</b>研究院,research_institute,A1\n"
    "U5,<b>兰州</b>研究院（本部）,research_institute,A1\n"
)


def loaded_store(folder: Path, extra_units: str = "") -> Path:
    data = write_tables(folder / "data")
    if extra_units:
        with (data / "units.csv").open("a", encoding="utf-8") as units:
            units.write(extra_units)
    path = folder / "c.db"
    result = read_dataset([data])
    assert not result.problems, result.problems
    store = SQLiteStore(path)
    store.load(result.dataset)
    store.close()
    return path


def pairs(answer: dict[str, Any]) -> set[tuple[str, str]]:
    return {(item["left"], item["right"]) for item in answer["items"]}


def test_the_planted_pairs_are_the_candidates(tmp_path: Path) -> None:
    with closing(open_workspace(str(loaded_store(tmp_path)))) as ws:
        answer = list_duplicates(ws)
    assert pairs(answer) == PLANTED
    assert answer["records"] == 8
    assert answer["all_pairs"] == 5 * 4 // 2 + 3 * 2 // 2


def test_the_kept_answer_names_only_the_candidates(tmp_path: Path) -> None:
    # F5 and U3 are compared (same kind) but in no planted pair: their names are not kept.
    with closing(open_workspace(str(loaded_store(tmp_path)))) as ws:
        answer = list_duplicates(ws)
        kept = _found(ws, None, None).names
    assert kept == {
        "F1": "张伟", "F2": "张 伟", "F3": "李娜", "F4": "李　娜",
        "U1": "兰州理工大学", "U2": "兰州理工大学（本部）",
    }  # fmt: skip
    assert {(i["left_name"], i["right_name"]) for i in answer["items"]} == {
        ("张伟", "张 伟"), ("李娜", "李　娜"), ("兰州理工大学", "兰州理工大学（本部）"),
    }  # fmt: skip


def test_judgements_survive_a_reload_with_replace(tmp_path: Path) -> None:
    path = loaded_store(tmp_path)
    with closing(open_workspace(str(path))) as ws:
        judge_pair(ws, "U2", "U1", "different", "tok")
        judge_pair(ws, "F1", "F2", "unsure", None)
        ws.load(read_dataset([tmp_path / "data"]).dataset, replace=True)
        kept = [(j.left, j.right, j.kind, j.verdict) for j in ws.store.judgements()]
        answer = list_duplicates(ws)
    assert kept == [("F1", "F2", "figure", "unsure"), ("U1", "U2", "unit", "different")]
    assert pairs(answer) == {("F1", "F2"), ("F3", "F4")}
    unsure = next(item for item in answer["items"] if item["left"] == "F1")
    assert unsure["judgement"] == "unsure"


def test_an_old_store_gains_the_judgements_table(tmp_path: Path) -> None:
    old = Path(__file__).parent / "fixtures" / "store-v1.db"
    copy = tmp_path / "old.db"
    copy.write_bytes(old.read_bytes())
    SQLiteStore(copy).close()
    with sqlite3.connect(copy) as con:
        assert con.execute("SELECT count(*) FROM judgements").fetchone() == (0,)


# Pairs and what may happen to them: judge with a verdict, or undo.
_ACTIONS = st.lists(
    st.tuples(
        st.sampled_from(sorted(PLANTED)),
        st.sampled_from(["same", "different", "unsure", "undo"]),
    ),
    max_size=8,
)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return loaded_store(tmp_path_factory.mktemp("duplicates"))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(actions=_ACTIONS)
def test_judging_then_undoing_restores_the_candidates(
    template: Path, tmp_path_factory: pytest.TempPathFactory, actions: list[Any]
) -> None:
    path = tmp_path_factory.mktemp("run") / "c.db"
    path.write_bytes(template.read_bytes())
    last: dict[tuple[str, str], str] = {}
    with closing(open_workspace(str(path))) as ws:
        before = list_duplicates(ws)
        for (left, right), action in actions:
            if action == "undo":
                undo_pair(ws, right, left)
                last.pop((left, right), None)
            else:
                judge_pair(ws, right, left, action, None)
                last[(left, right)] = action
        middle = list_duplicates(ws)
        settled = {pair for pair, verdict in last.items() if verdict != "unsure"}
        assert pairs(middle) == PLANTED - settled
        for pair in list(last):
            undo_pair(ws, *pair)
        after = list_duplicates(ws)
    assert after == before


# -- the command line -------------------------------------------------------------------------


def run(*args: str) -> Any:
    return CliRunner().invoke(cli_app, list(args))


def audit_entries(path: Path) -> list[tuple[str, str, str]]:
    with sqlite3.connect(path) as con:
        rows = con.execute("SELECT action, resource, detail FROM audit_log ORDER BY seq")
        return [tuple(row) for row in rows]


def test_cli_judge_hides_the_pair_and_undo_brings_it_back(tmp_path: Path) -> None:
    store = str(loaded_store(tmp_path))
    listed = run("duplicates", "--format", "json", "--store", store)
    assert listed.exit_code == 0, listed.output
    assert pairs(json.loads(listed.stdout)) == PLANTED

    judged = run("duplicates", "judge", "U1", "U2", "different", "--store", store)
    assert judged.exit_code == 0, judged.output
    after = json.loads(run("duplicates", "--json", "--kind", "unit", "--store", store).stdout)
    assert pairs(after) == set()

    undone = run("duplicates", "undo", "U2", "U1", "--store", store)
    assert undone.exit_code == 0, undone.output
    again = json.loads(run("duplicates", "--json", "--kind", "unit", "--store", store).stdout)
    assert pairs(again) == {("U1", "U2")}

    entries = audit_entries(Path(store))
    assert [(a, r) for a, r, _ in entries] == [
        ("CLI", "duplicates judge"),
        ("CLI", "duplicates undo"),
    ]
    assert json.loads(entries[0][2]) == {
        "judged": {"left": "U1", "right": "U2", "verdict": "different"}
    }


def test_cli_table_shows_the_evidence(tmp_path: Path) -> None:
    store = str(loaded_store(tmp_path))
    shown = run("duplicates", "--kind", "unit", "--store", store)
    assert shown.exit_code == 0, shown.output
    assert "去掉本部后名称相同" in shown.output


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["judge", "U1", "U2", "maybe"], "'maybe' is not one of"),
        (["judge", "U1", "F1", "same"], "only two figures"),
        (["judge", "U1", "U1", "same"], "the two ids are the same"),
        (["judge", "U1", "U99", "same"], "U99"),
        (["undo", "U1", "U2"], "no judgement of the pair U1, U2"),
        (["--kind", "leader"], "--kind"),
        (["--format", "xml"], "--format"),
    ],
)
def test_cli_refuses_bad_input(tmp_path: Path, args: list[str], said: str) -> None:
    store = str(loaded_store(tmp_path))
    result = run("duplicates", *args, "--store", store)
    assert result.exit_code == 2, result.output
    assert said in result.output
    assert "Traceback" not in result.output
    with sqlite3.connect(store) as con:
        assert con.execute("SELECT count(*) FROM judgements").fetchone() == (0,)


# -- the API ----------------------------------------------------------------------------------


@pytest.fixture
def api(tmp_path: Path) -> Iterator[WriteApp]:
    path = loaded_store(tmp_path / "template")
    for found in open_app(path, tmp_path / "app"):
        found.tokens["analyst"] = found.app.state.access.create_token("analyst")
        yield found


def test_api_lists_judges_and_undoes(api: WriteApp) -> None:
    listed = api.get("/api/v1/duplicates")
    assert listed.status_code == 200, listed.text
    assert pairs(listed.json()) == PLANTED
    assert pairs(api.get("/api/v1/duplicates", kind="figure").json()) == PLANTED - {("U1", "U2")}

    made = api.post(
        "/api/v1/duplicates/judgements", {"left": "F2", "right": "F1", "verdict": "same"}
    )
    assert made.status_code == 201, made.text
    assert made.json()["left"] == "F1" and made.json()["verdict"] == "same"
    assert pairs(api.get("/api/v1/duplicates").json()) == PLANTED - {("F1", "F2")}
    kept = api.get("/api/v1/duplicates/judgements").json()
    assert [(j["left"], j["right"], j["verdict"]) for j in kept["items"]] == [("F1", "F2", "same")]

    undone = api.post("/api/v1/duplicates/judgements/undo", {"left": "F1", "right": "F2"})
    assert undone.status_code == 200, undone.text
    assert pairs(api.get("/api/v1/duplicates").json()) == PLANTED
    assert_error(api.post("/api/v1/duplicates/judgements/undo", {"left": "F1", "right": "F2"}), 404)

    with sqlite3.connect(api.path) as con:
        details = [
            json.loads(row[0])
            for row in con.execute(
                "SELECT detail FROM audit_log WHERE action = 'POST' AND status < 300 ORDER BY seq"
            )
        ]
    assert [d.get("judged") or d.get("undone") for d in details] == [
        {"left": "F1", "right": "F2", "verdict": "same"},
        {"left": "F1", "right": "F2", "verdict": "same"},
    ]


@pytest.fixture(params=[False, True], ids=["built on demand", "built in the background"])
def served(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[WriteApp]:
    path = loaded_store(tmp_path / "template")
    yield from open_app(path, tmp_path / "app", build_in_background=request.param)


def test_api_same_judgement_changes_the_next_coverage_answer(served: WriteApp) -> None:
    """TABLES hold five figures and three units: eight targets; each "same" makes two of
    them one, and an undo parts them again. A server that builds new versions in the
    background still shows its own judgement in its next answer."""
    api = served

    def targets() -> int:
        answer = api.get("/api/v1/coverage", as_of="2026-06-30")
        assert answer.status_code == 200, answer.text
        return int(answer.json()["totals"]["targets"])

    assert targets() == 8
    api.post("/api/v1/duplicates/judgements", {"left": "F1", "right": "F2", "verdict": "same"})
    assert targets() == 7
    api.post("/api/v1/duplicates/judgements", {"left": "U2", "right": "U1", "verdict": "same"})
    assert targets() == 6
    api.post("/api/v1/duplicates/judgements", {"left": "F3", "right": "F4", "verdict": "unsure"})
    assert targets() == 6
    api.post("/api/v1/duplicates/judgements/undo", {"left": "F1", "right": "F2"})
    assert targets() == 7


def test_cli_same_judgement_changes_the_next_coverage_answer(tmp_path: Path) -> None:
    store = str(loaded_store(tmp_path))

    def targets() -> int:
        answer = run("coverage", "--json", "--as-of", "2026-06-30", "--store", store)
        assert answer.exit_code == 0, answer.output
        return int(json.loads(answer.stdout)["totals"]["targets"])

    assert targets() == 8
    assert run("duplicates", "judge", "F2", "F1", "same", "--store", store).exit_code == 0
    assert targets() == 7
    assert run("duplicates", "undo", "F1", "F2", "--store", store).exit_code == 0
    assert targets() == 8


def test_api_refuses_other_roles_and_bad_judgements(api: WriteApp) -> None:
    assert_error(api.get("/api/v1/duplicates", who="analyst"), 403)
    body = {"left": "F1", "right": "F2", "verdict": "same"}
    assert_error(api.post("/api/v1/duplicates/judgements", body, who="analyst"), 403)
    unknown = assert_error(api.post("/api/v1/duplicates/judgements", {**body, "right": "F99"}), 404)
    assert "F99" in unknown["detail"]
    assert_error(api.post("/api/v1/duplicates/judgements", {**body, "right": "U1"}), 422)
    assert_error(api.post("/api/v1/duplicates/judgements", {**body, "verdict": "maybe"}), 422)
    assert_error(api.get("/api/v1/duplicates", min_score="2"), 422)
    assert api.get("/api/v1/duplicates/judgements").json() == {"total": 0, "items": []}


# -- the page ---------------------------------------------------------------------------------

_FORM = re.compile(
    r'<form class="row-act" method="post" action="([^"]+)" data-action="([^"]+)">(.*?)</form>', re.S
)
_INPUT = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')


def page_forms(page: str, action: str) -> list[tuple[str, dict[str, str]]]:
    """(action URL, hidden fields) of each form with ``data-action`` ``action``."""
    return [
        (url, dict(_INPUT.findall(body)))
        for url, kind, body in _FORM.findall(page)
        if kind == action
    ]


@pytest.fixture
def site(tmp_path: Path) -> Iterator[tuple[TestClient, Path, dict[str, str]]]:
    path = loaded_store(tmp_path, extra_units=MARKUP_UNITS)
    app = create_app(Settings(store=str(path), access_db=None, cors_origins=[], _env_file=None))
    tokens = {role: app.state.access.create_token(role) for role in ("planner", "analyst")}
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client, path, tokens


def sign_in(client: TestClient, token: str) -> None:
    client.cookies.clear()
    assert client.post("/login", data={"token": token}).status_code == 200


def test_page_lists_pairs_escaped_and_judges_and_undoes(
    site: tuple[TestClient, Path, dict[str, str]],
) -> None:
    client, path, tokens = site
    sign_in(client, tokens["planner"])
    page = client.get("/duplicates")
    assert page.status_code == 200
    assert "疑似重复对象" in page.text and "去掉本部后名称相同" in page.text
    # A name holding markup is shown as text, never as markup.
    assert "<b>" not in page.text and "&lt;b&gt;兰州&lt;/b&gt;研究院" in page.text
    judge_forms = page_forms(page.text, "judge-duplicate")
    assert {(f["left"], f["right"]) for _, f in judge_forms} == PLANTED | {("U4", "U5")}
    url, fields_ = next(f for f in judge_forms if f[1]["left"] == "U1")
    assert set(fields_) == {"csrf_token", "idempotency_key", "left", "right"}

    judged = client.post(url, data={**fields_, "verdict": "different"}, follow_redirects=False)
    assert judged.status_code == 303
    with sqlite3.connect(path) as con:
        assert con.execute("SELECT left_id, right_id, verdict FROM judgements").fetchall() == [
            ("U1", "U2", "different")
        ]
    after = client.get(judged.headers["location"]).text
    assert "已保存判定" in after
    assert ("U1", "U2") not in {
        (f["left"], f["right"]) for _, f in page_forms(after, "judge-duplicate")
    }
    ((undo_url, undo_fields),) = page_forms(after, "undo-judgement")
    assert (undo_fields["left"], undo_fields["right"]) == ("U1", "U2")

    undone = client.post(undo_url, data=undo_fields, follow_redirects=False)
    assert undone.status_code == 303
    with sqlite3.connect(path) as con:
        assert con.execute("SELECT count(*) FROM judgements").fetchone() == (0,)
    again = client.get(undone.headers["location"]).text
    assert "已撤销判定" in again and "尚无判定" in again


def test_page_refuses_without_csrf_and_for_analysts(
    site: tuple[TestClient, Path, dict[str, str]],
) -> None:
    client, path, tokens = site
    sign_in(client, tokens["planner"])
    page = client.get("/duplicates").text
    url, fields_ = page_forms(page, "judge-duplicate")[0]
    refused = client.post(
        url, data={**fields_, "csrf_token": "forged", "verdict": "same"}, follow_redirects=False
    )
    assert refused.status_code == 403
    unknown = client.post(
        url, data={**fields_, "right": "U99", "verdict": "same"}, follow_redirects=False
    )
    assert unknown.status_code == 404 and "没有编号为 U99 的对象" in unknown.text
    bad = client.post(url, data={**fields_, "verdict": "maybe"}, follow_redirects=False)
    assert bad.status_code == 422 and "请选择一种判定" in bad.text
    with sqlite3.connect(path) as con:
        assert con.execute("SELECT count(*) FROM judgements").fetchone() == (0,)
    sign_in(client, tokens["analyst"])
    assert client.get("/duplicates").status_code == 403


def test_judging_reuses_the_finder_and_a_load_runs_it_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import concentric.api.duplicates as service

    runs: list[int] = []
    real = service.find_duplicates

    def counted(*args: Any, **kwargs: Any) -> Any:
        runs.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(service, "find_duplicates", counted)
    path = loaded_store(tmp_path)
    with closing(open_workspace(str(path))) as ws:
        list_duplicates(ws)
        judge_pair(ws, "U1", "U2", "different", None)
        assert pairs(list_duplicates(ws)) == PLANTED - {("U1", "U2")}
        # A "same" moves the data version (merged counting), not the rows the finder reads.
        judge_pair(ws, "F3", "F4", "same", None)
        undo_pair(ws, "F3", "F4")
        assert pairs(list_duplicates(ws)) == PLANTED - {("U1", "U2")}
        assert len(runs) == 1
        # A load that adds a planted pair: the finder runs again and lists it.
        extra = tmp_path / "extra"
        extra.mkdir()
        (extra / "figures.csv").write_text(
            "id,name,category,area_id\nF6,王 芳,intellectual,A1\n", encoding="utf-8"
        )
        ws.load(read_dataset([extra], ws.store.existing_nodes()).dataset)
        assert pairs(list_duplicates(ws)) == PLANTED - {("U1", "U2")} | {("F5", "F6")}
        assert len(runs) == 2


def test_reasons_a_role_may_not_see_are_left_out(tmp_path: Path) -> None:
    # Ethnicity visible to admins only: a planner's answer keeps the score, drops the words.
    path = loaded_store(tmp_path / "template")
    for site in open_app(path, tmp_path / "app", sensitive_roles=["admin"]):
        mine = {(i["left"], i["right"]): i for i in site.get("/api/v1/duplicates").json()["items"]}
        admins = {
            (i["left"], i["right"]): i
            for i in site.get("/api/v1/duplicates", who="admin").json()["items"]
        }
        assert "民族相同" in admins[("F3", "F4")]["reasons"]
        assert "民族相同" not in mine[("F3", "F4")]["reasons"]
        assert "电话相同" in mine[("F1", "F2")]["reasons"]  # a planner sees phones
        assert mine[("F3", "F4")]["score"] == admins[("F3", "F4")]["score"]


def test_entity_api_and_page_say_where_a_record_was_merged(
    site: tuple[TestClient, Path, dict[str, str]],
) -> None:
    client, _, tokens = site
    headers = {"Authorization": f"Bearer {tokens['planner']}"}
    before = client.get("/api/v1/entities/F2", headers=headers).json()
    assert before["merged_into"] is None and before["merged_ids"] is None
    made = client.post(
        "/api/v1/duplicates/judgements",
        json={"left": "F1", "right": "F2", "verdict": "same"},
        headers=headers,
    )
    assert made.status_code == 201, made.text
    gone = client.get("/api/v1/entities/F2", headers=headers).json()
    kept = client.get("/api/v1/entities/F1", headers=headers).json()
    assert (gone["merged_into"], kept["merged_ids"]) == ("F1", ["F2"])
    sign_in(client, tokens["planner"])
    page = client.get("/entities/F2").text
    assert re.search(r'id="merged-into"><a href="/entities/F1">F1</a>', page), page
    assert 'href="/entities/F2"' in client.get("/entities/F1").text

"""A leader token's scope (issue 12, V1/V2): every route and page, as several leaders.

The scope is worked out here from the sample's raw tables, never through the product: a
leader sees itself, the targets it has a contact with that is open today, the interactions
naming it in ``leader_ids``, and the areas its targets are located in (names and ids only).
The walk calls every operation of ``/openapi.json`` and every page of the app with the ids
of the leader, its targets and interactions, other leaders (one sharing a target), other
figures, organizations, units, areas and interactions, and depths 0..4; it gathers every
entity id and name in the answers (JSON values, HTML text, the pyvis pages' node data,
downloads) and fails on any entity outside the scope.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import html
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import openpyxl
import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from test_api import copy_store, settings_for

from concentric.api.app import create_app

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "sample"
AS_OF = dt.date(2026, 11, 27)
TODAY = dt.date.today()
SEPARATORS = r"[;；,，、]"
ID_PATTERN = re.compile(r"(?<![A-Za-z0-9])[A-Z][0-9]{2,5}(?![A-Za-z0-9])")

# L01: 4 of its targets shared; L06: 6 shared; L16: out of office, in charge of an area;
# L02: no target shared.
LEADERS = ("L01", "L06", "L16", "L02")


# -- the sample's raw tables ---------------------------------------------------------------


def _csv(name: str, encoding: str = "utf-8-sig") -> list[dict[str, str]]:
    with (SAMPLE / name).open(encoding=encoding, newline="") as f:
        return list(csv.DictReader(f))


def _xlsx(name: str) -> list[dict[str, Any]]:
    sheet = openpyxl.load_workbook(SAMPLE / name, read_only=True).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=False)) for row in rows[1:]]


def _date(text: str) -> dt.date | None:
    match = re.fullmatch(r"(\d{4})[-/年](\d{1,2})[-/月](\d{1,2})日?", text.strip())
    return dt.date(*map(int, match.groups())) if match else None


@dataclass(frozen=True)
class Raw:
    names: dict[str, str]  # every entity id -> its name ("" for interactions)
    kinds: dict[str, str]
    area_of: dict[str, str]  # target -> area id
    open_contacts: dict[str, set[str]]  # leader -> targets with a contact open today
    interactions: dict[str, tuple[set[str], set[str], str]]  # id -> leaders, targets, summary
    out_of_office: frozenset[str]


@functools.cache
def raw() -> Raw:
    names: dict[str, str] = {}
    kinds: dict[str, str] = {}
    area_of: dict[str, str] = {}
    for row in _csv("areas.csv"):
        names[row["编号"]], kinds[row["编号"]] = row["名称"], "area"
    out_of_office = set()
    for row in _xlsx("leaders.xlsx"):
        names[row["编号"]], kinds[row["编号"]] = row["姓名"], "leader"
        if row["在任"] in ("否", "false", "no", "0"):
            out_of_office.add(row["编号"])
    for row in _csv("figures.csv", "gb18030"):
        names[row["编号"]], kinds[row["编号"]] = row["姓名"], "figure"
        area_of[row["编号"]] = row["所在区域"]
    for row in _csv("organizations.csv"):
        names[row["编号"]], kinds[row["编号"]] = row["名称"], "organization"
        area_of[row["编号"]] = row["所在区域"]
    for row in _xlsx("units.xlsx"):
        names[row["编号"]], kinds[row["编号"]] = row["名称"], "unit"
        area_of[row["编号"]] = row["所在区域"] or ""
    open_contacts: dict[str, set[str]] = {}
    for row in _csv("contacts.csv"):
        since, until = _date(row["开始日期"]), _date(row["结束日期"])
        if (since is None or since <= TODAY) and (until is None or until > TODAY):
            open_contacts.setdefault(row["领导编号"], set()).add(row["对象编号"])
    interactions = {}
    for row in _csv("interactions.csv"):
        names[row["编号"]], kinds[row["编号"]] = "", "interaction"
        leaders = set(re.split(SEPARATORS, row["领导编号"])) - {""}
        targets = set(re.split(SEPARATORS, row["对象编号"])) - {""}
        interactions[row["编号"]] = (leaders, targets, row["内容"])
    areas = {k: v for k, v in area_of.items() if v}
    return Raw(names, kinds, areas, open_contacts, interactions, frozenset(out_of_office))


@dataclass(frozen=True)
class Scope:
    leader: str
    targets: frozenset[str]
    interactions: frozenset[str]
    areas: frozenset[str]

    @property
    def readable(self) -> frozenset[str]:
        return frozenset({self.leader}) | self.targets | self.interactions

    @property
    def named(self) -> frozenset[str]:
        return self.readable | self.areas


def expected_scope(leader: str) -> Scope:
    data = raw()
    # A leader out of office has no targets (it is no target's assigned leader, spec 3).
    out = leader in data.out_of_office
    targets = frozenset() if out else frozenset(data.open_contacts.get(leader, set()))
    interactions = frozenset(i for i, (lead, _, _) in data.interactions.items() if leader in lead)
    areas = frozenset(data.area_of[t] for t in targets if t in data.area_of)
    return Scope(leader, targets, interactions, areas)


def test_the_chosen_leaders_cover_the_cases() -> None:
    """A guard on the choice of leaders: shared targets, none shared, one out of office."""
    data = raw()
    owners: dict[str, set[str]] = {}
    for leader, targets in data.open_contacts.items():
        for target in targets:
            owners.setdefault(target, set()).add(leader)
    shared = {lead: sum(len(owners[t]) > 1 for t in data.open_contacts[lead]) for lead in LEADERS}
    assert shared["L01"] > 0 and shared["L06"] > 0 and shared["L02"] == 0
    assert "L16" in data.out_of_office and data.open_contacts["L16"]
    assert all(expected_scope(lead).targets for lead in LEADERS if lead != "L16")
    # Some interaction of L01 names another leader or a target not its own (cut, not shown).
    scope = expected_scope("L01")
    assert any(
        lead - {"L01"} or target - scope.targets
        for i, (lead, target, _) in data.interactions.items()
        if i in scope.interactions
    )


# -- the app -------------------------------------------------------------------------------


@dataclass
class App:
    client: TestClient
    app: Any
    tokens: dict[str, str]  # leader id -> its token; "planner" -> a planner's

    def call(self, method: str, url: str, who: str, **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.tokens[who]}"}
        response: httpx.Response = self.client.request(method, url, headers=headers, **kwargs)
        return response


def _open(path: Path) -> App:
    app = create_app(settings_for(path))
    access = app.state.access
    tokens = {lead: access.create_token("leader", lead) for lead in LEADERS}
    tokens["planner"] = access.create_token("planner")
    return App(TestClient(app, raise_server_exceptions=False), app, tokens)


def _close(app: App) -> None:
    app.client.close()
    app.app.state.workspace.close()
    app.app.state.access.close()


@pytest.fixture(scope="module")
def shared_app(sample_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    app = _open(copy_store(sample_store, tmp_path_factory.mktemp("shared")))
    yield app
    _close(app)


@pytest.fixture
def fresh_app(sample_store: Path, tmp_path: Path) -> Iterator[App]:
    app = _open(copy_store(sample_store, tmp_path / "store"))
    yield app
    _close(app)


# -- what an answer mentions ---------------------------------------------------------------


def _text_of(response: httpx.Response) -> str:
    kind = response.headers.get("content-type", "")
    if "spreadsheetml" in kind:
        book = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
        return "\n".join(
            str(cell)
            for sheet in book.worksheets
            for row in sheet.iter_rows(values_only=True)
            for cell in row
            if cell is not None
        )
    text = response.text
    # pyvis pages carry their cards as JSON with <, >, & escaped; pages escape HTML.
    for escape, char in (("\\u003c", "<"), ("\\u003e", ">"), ("\\u0026", "&")):
        text = text.replace(escape, char)
    return html.unescape(text)


def outside_mentions(text: str, scope: Scope, sent: str = "") -> set[str]:
    """Entities outside ``scope`` named in ``text`` by id or by name (ids and names the
    request itself carried, in ``sent``, excepted)."""
    data = raw()
    found = {
        token
        for token in ID_PATTERN.findall(text)
        if token in data.names and token not in scope.named and token not in sent
    }
    # Names: only those no in-scope name or in-scope interaction summary contains (a
    # leader's own record of a meeting may name whom it met; homonyms are not leaks).
    inside = [data.names[i] for i in scope.named] + [
        data.interactions[i][2] for i in scope.interactions
    ]
    for entity, name in data.names.items():
        if (
            entity not in scope.named
            and len(name) >= 2
            and name in text
            and name not in sent
            and not any(name in own for own in inside)
        ):
            found.add(f"{entity} {name}")
    return found


@dataclass(frozen=True)
class Probe:
    own: list[str]  # the leader, some targets (each kind), an interaction
    other: list[str]  # other leaders (one sharing a target), other entities of each kind
    other_leaders: list[str]


def probes(scope: Scope) -> Probe:
    data = raw()
    own_targets = sorted(scope.targets)
    by_kind = {}
    for target in own_targets:
        by_kind.setdefault(data.kinds[target], target)
    own = [scope.leader, *by_kind.values(), *sorted(scope.interactions)[:2]]
    sharing = sorted(
        lead
        for lead, targets in data.open_contacts.items()
        if lead != scope.leader and targets & scope.targets
    )
    others_leaders = [
        *sharing[:1],
        next(
            i
            for i in sorted(data.names)
            if i.startswith("L") and i != scope.leader and i not in sharing
        ),
    ]
    other: list[str] = list(others_leaders)
    for kind in ("figure", "organization", "unit", "area"):
        other.append(
            next(i for i in sorted(data.names) if data.kinds[i] == kind and i not in scope.named)
        )
    # An interaction concerning an own target that this leader did not take part in, if any.
    foreign_meetings = sorted(
        i
        for i, (lead, targets, _) in data.interactions.items()
        if scope.leader not in lead and targets & scope.targets
    )
    other += foreign_meetings[:1] or [
        next(i for i in sorted(data.interactions) if i not in scope.interactions)
    ]
    other.append("X404")  # an id nobody has
    if scope.areas:
        own.append(sorted(scope.areas)[0])  # named, but no record: 403 expected
    return Probe(own, other, others_leaders)


def _param_values(name: str, probe: Probe, scope: Scope) -> list[Any]:
    values: dict[str, list[Any]] = {
        "depth": [0, 1, 2, 3, 4],
        "as_of": [None, AS_OF.isoformat()],
        "q": ["王", scope.leader, probe.other[0]],
        "source": [scope.leader],
        "target": [probe.other[2]],
        "from": ["2026-01-01"],
        "top": [5],
    }
    return values.get(name, [None])


def _calls(app: App, scope: Scope) -> Iterator[tuple[str, str, dict[str, Any], Any]]:
    """(method, url, query, body) for every operation of the OpenAPI document."""
    probe = probes(scope)
    ids = probe.own + probe.other
    document = app.client.get("/openapi.json").json()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            path_values = [path]
            for name in re.findall(r"{(\w+)}", path):
                path_values = [p.replace("{" + name + "}", i) for p in path_values for i in ids]
            queries: list[dict[str, Any]] = [{}]
            for parameter in operation.get("parameters", []):
                if parameter["in"] != "query":
                    continue
                choices = _param_values(parameter["name"], probe, scope)
                queries = [
                    {**q, parameter["name"]: v} if v is not None else q
                    for q in queries
                    for v in choices
                ]
            body = None
            if "requestBody" in operation:
                body = {
                    "leader_ids": [scope.leader, *probe.other_leaders],
                    "leader_id": scope.leader,
                    "target_ids": [*sorted(scope.targets)[:1], *probe.other[2:5]],
                    "target_id": probe.other[2],
                    "date": (TODAY - dt.timedelta(days=3)).isoformat(),
                    "kind": "visit",
                    "role": "leader",
                    "until": TODAY.isoformat(),
                }
            for url in path_values:
                for query in queries:
                    yield method.upper(), url, query, body


def _routes(routes: list[Any]) -> Iterator[Any]:
    """The app's routes, those of included routers among them."""
    for route in routes:
        included = getattr(route, "original_router", None)
        yield from _routes(included.routes) if included is not None else [route]


def _pages(app: App, scope: Scope) -> Iterator[str]:
    """Every page (the routes left out of the OpenAPI document), with every probe id."""
    probe = probes(scope)
    ids = probe.own + probe.other
    documented = set(app.client.get("/openapi.json").json()["paths"])
    for route in _routes(app.app.routes):
        if not isinstance(route, APIRoute) or route.path in documented:
            continue
        if "GET" not in route.methods or route.path in ("/login", "/logout"):
            continue
        paths = [route.path]
        for name in re.findall(r"{(\w+)}", route.path):
            paths = [p.replace("{" + name + "}", i) for p in paths for i in ids]
        depths = [0, 1, 2, 3] if route.path.startswith("/viz/entity") else [None]
        for path in paths:
            for depth in depths:
                yield path if depth is None else f"{path}?depth={depth}"


@pytest.mark.parametrize("leader", LEADERS)
def test_every_route_answers_within_the_scope(fresh_app: App, leader: str) -> None:
    scope = expected_scope(leader)
    seen: set[str] = set()
    statuses: dict[int, int] = {}
    leaks: list[str] = []
    for method, url, query, body in _calls(fresh_app, scope):
        response = fresh_app.call(method, url, leader, params=query, json=body)
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
        assert response.status_code < 500, (method, url, response.text)
        sent = f"{url} {query} {body}" if response.status_code >= 400 else ""
        text = _text_of(response)
        found = outside_mentions(text, scope, sent)
        if found:
            leaks.append(f"{method} {url} {query}: {sorted(found)[:5]}")
        seen.update(t for t in ID_PATTERN.findall(text) if t in scope.named)
    assert not leaks, "\n".join(leaks[:20])
    # The walk reached the leader's data: every own target and interaction was shown.
    assert scope.targets | scope.interactions <= seen
    assert statuses.get(200, 0) > 0 and statuses.get(403, 0) > 0


@pytest.mark.parametrize("leader", LEADERS)
def test_every_page_answers_within_the_scope(shared_app: App, leader: str) -> None:
    scope = expected_scope(leader)
    client = TestClient(shared_app.app, raise_server_exceptions=False)
    signed_in = client.post(
        "/login", data={"token": shared_app.tokens[leader], "next": "/"}, follow_redirects=False
    )
    assert signed_in.status_code == 303
    seen: set[str] = set()
    leaks: list[str] = []
    shown = 0
    for url in _pages(shared_app, scope):
        response = client.get(url, follow_redirects=True)
        assert response.status_code < 500, (url, response.text)
        assert "/login" not in str(response.url), url  # the session held
        shown += response.status_code == 200
        sent = url if response.status_code >= 400 else ""
        text = _text_of(response)
        found = outside_mentions(text, scope, sent)
        if found:
            leaks.append(f"{url}: {sorted(found)[:5]}")
        seen.update(t for t in ID_PATTERN.findall(text) if t in scope.named)
    client.close()
    assert not leaks, "\n".join(leaks[:20])
    assert shown > 0
    assert scope.targets <= seen


# -- the cut, exactly ------------------------------------------------------------------------


@pytest.mark.parametrize("leader", LEADERS)
@pytest.mark.parametrize("depth", [1, 4])
def test_own_network_is_exactly_the_scope(shared_app: App, leader: str, depth: int) -> None:
    """Depth 1: the leader, its open targets (contacts) and its interactions (took part);
    no step further reaches anything else, however deep."""
    scope = expected_scope(leader)
    response = shared_app.call("GET", f"/api/v1/network/{leader}", leader, params={"depth": depth})
    assert response.status_code == 200, response.text
    network = response.json()
    assert {n["id"] for n in network["nodes"]} == set(scope.readable)
    for edge in network["edges"]:
        assert {edge["source"], edge["target"]} <= scope.readable


def test_a_shared_target_names_no_other_leader(shared_app: App) -> None:
    data = raw()
    scope = expected_scope("L01")
    shared = next(
        t
        for t in sorted(scope.targets)
        if any(t in ts for lead, ts in data.open_contacts.items() if lead != "L01")
    )
    planner = shared_app.call("GET", f"/api/v1/entities/{shared}", "planner").json()
    assert len(planner["coverage"]["assigned_leaders"]) > 1  # what a planner sees
    record = shared_app.call("GET", f"/api/v1/entities/{shared}", "L01").json()
    assert record["coverage"]["assigned_leaders"] == ["L01"]
    assert {t["id"] for t in record["ties"]} <= scope.named
    assert {i["id"] for i in record["interactions"]} <= scope.interactions
    for item in record["interactions"]:
        assert item["leader_ids"] == ["L01"]
        assert set(item["target_ids"]) <= scope.targets


@pytest.mark.parametrize("leader", LEADERS)
def test_other_records_are_403_whether_or_not_they_exist(shared_app: App, leader: str) -> None:
    scope = expected_scope(leader)
    for entity in probes(scope).other:
        for path, params in (
            (f"/api/v1/entities/{entity}", {}),
            (f"/api/v1/network/{entity}", {"depth": 4}),
        ):
            response = shared_app.call("GET", path, leader, params=params)
            assert response.status_code == 403, (path, response.text)
            assert entity not in response.text


# -- writes (V2) -------------------------------------------------------------------------------

VISIT = {"date": (TODAY - dt.timedelta(days=2)).isoformat(), "kind": "visit", "summary": "走访"}


def _unassigned_target() -> str:
    data = raw()
    assigned = set().union(*data.open_contacts.values())
    return next(
        i for i in sorted(data.names) if data.kinds[i] in ("figure", "unit") and i not in assigned
    )


def _targets_of_others(leader: str) -> str:
    data = raw()
    own = data.open_contacts[leader]
    return next(
        t
        for lead, ts in sorted(data.open_contacts.items())
        if lead != leader
        for t in sorted(ts - own)
    )


@pytest.mark.parametrize(
    "case",
    ["another leader too", "another leader only", "others' target", "nobody's target", "mixed"],
)
def test_leader_may_not_write_outside_its_scope(fresh_app: App, case: str) -> None:
    own = sorted(expected_scope("L01").targets)[0]
    body = {
        "another leader too": {"leader_ids": ["L01", "L02"], "target_ids": [own]},
        "another leader only": {"leader_ids": ["L02"], "target_ids": [own]},
        "others' target": {"leader_ids": ["L01"], "target_ids": [_targets_of_others("L01")]},
        "nobody's target": {"leader_ids": ["L01"], "target_ids": [_unassigned_target()]},
        "mixed": {"leader_ids": ["L01"], "target_ids": [own, _unassigned_target()]},
    }[case]
    workspace = fresh_app.app.state.workspace
    version = workspace.store.version()
    coverage = fresh_app.call("GET", "/api/v1/coverage", "planner").json()["totals"]
    response = fresh_app.call("POST", "/api/v1/interactions", "L01", json={**VISIT, **body})
    assert response.status_code == 403, response.text
    assert set(response.json()) == {"error", "detail", "problems"}
    assert workspace.store.version() == version
    assert fresh_app.call("GET", "/api/v1/coverage", "planner").json()["totals"] == coverage
    for target in body["target_ids"]:
        record = fresh_app.call("GET", f"/api/v1/entities/{target}", "planner").json()
        assert record["coverage"]["last_contact"] != VISIT["date"]


def test_leader_writes_its_own_interaction_with_its_own_target(fresh_app: App) -> None:
    own = sorted(expected_scope("L01").targets)
    response = fresh_app.call(
        "POST",
        "/api/v1/interactions",
        "L01",
        json={**VISIT, "leader_ids": ["L01"], "target_ids": own[:2]},
    )
    assert response.status_code == 201, response.text
    created = response.json()["id"]
    record = fresh_app.call("GET", f"/api/v1/entities/{own[0]}", "planner").json()
    assert record["coverage"]["last_contact"] == VISIT["date"]
    assert created in {i["id"] for i in record["interactions"]}
    # The new interaction is in the leader's scope at once.
    mine = fresh_app.call("GET", f"/api/v1/entities/{created}", "L01")
    assert mine.status_code == 200, mine.text


def test_contact_writes_stay_with_planners(fresh_app: App) -> None:
    own = sorted(expected_scope("L01").targets)[0]
    version = fresh_app.app.state.workspace.store.version()
    for path, body in (
        ("/api/v1/contacts", {"leader_id": "L01", "target_id": _unassigned_target()}),
        (
            "/api/v1/contacts/end",
            {"leader_id": "L01", "target_id": own, "until": TODAY.isoformat()},
        ),
    ):
        assert fresh_app.call("POST", path, "L01", json=body).status_code == 403
    assert fresh_app.app.state.workspace.store.version() == version

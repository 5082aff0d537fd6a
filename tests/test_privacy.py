"""Data minimisation (issue 12, V3): field classes, each role's allow-list, masking.

A variant of the sample district is written to a temporary folder: ``figures.csv`` gains
two columns the schema does not know (手机号码, 身份证号), a few figures get distinctive
ethnicity and religion values and a phone number in their name, an organization a
distinctive religion and note, and some interaction summaries phone and ID-card numbers.
The values an analyst must never see are collected from the rows written here, not from
the product. Every GET route of ``/openapi.json``, the entity pages, the network pages, the
gap downloads and ``concentric export`` are then read as an analyst (none may appear) and as
a planner (they do appear, so the test can fail).
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from typer.testing import CliRunner

from concentric.api.app import create_app
from concentric.api.cli import app as cli_app
from concentric.api.privacy import MASK, mask_numbers
from concentric.api.settings import Settings
from concentric.graph.store.factory import open_store
from concentric.loaders import read_dataset

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "sample"
AS_OF = "2026-11-27"
CHOSEN = ("F0001", "F0002", "F0003", "F0004", "F0005")
NAMED_WITH_PHONE = "F0003"  # its name carries a mobile number
NAME_PHONE = "13700001111"
ORG = "O001"
FORBIDDEN_KEYS = {"phone", "ethnicity", "religion", "extra"}


@dataclass
class Variant:
    folder: Path
    store: Path
    leader: str  # a leader who took part in a summary with numbers
    interactions: list[str] = field(default_factory=list)  # interactions with numbers
    personal: set[str] = field(default_factory=set)  # phones, ID numbers, numbers in text
    sensitive: set[str] = field(default_factory=set)  # the distinctive ethnicity/religion
    unknown: set[str] = field(default_factory=set)  # values of the unknown columns

    @property
    def forbidden(self) -> set[str]:
        return self.personal | self.sensitive | self.unknown


def _read(path: Path, encoding: str) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding=encoding, newline="") as f:
        reader = csv.DictReader(f)
        return list(reader.fieldnames or []), list(reader)


def _write(path: Path, encoding: str, header: list[str], rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding=encoding, newline="") as f:
        writer = csv.DictWriter(f, fieldnames=header)
        writer.writeheader()
        writer.writerows(rows)


def write_variant(folder: Path) -> Variant:
    shutil.copytree(SAMPLE, folder)
    variant = Variant(folder, folder.parent / "variant.db", leader="")
    header, figures = _read(folder / "figures.csv", "gb18030")
    for n, row in enumerate(figures):
        row["手机号码"] = row["身份证号"] = ""
        if row["编号"] not in CHOSEN:
            continue
        row["手机号码"] = f"1390000{n:04d}"
        row["身份证号"] = f"62010219800101{n:03d}X" if n % 2 else f"620102198001010{n:02d}7"
        row["民族"] = f"回族E{row['编号']}"
        row["宗教"] = f"伊斯兰教R{row['编号']}"
        if row["编号"] == NAMED_WITH_PHONE:
            row["姓名"] = f"{row['姓名']}{NAME_PHONE}"
            variant.personal.add(NAME_PHONE)
        variant.unknown |= {row["手机号码"], row["身份证号"]}
        variant.sensitive |= {row["民族"], row["宗教"]}
        if row["电话"]:
            variant.personal.add(row["电话"])
    _write(folder / "figures.csv", "gb18030", [*header, "手机号码", "身份证号"], figures)

    header, orgs = _read(folder / "organizations.csv", "utf-8-sig")
    for row in orgs:
        if row["编号"] == ORG:
            row["宗教"] = f"佛教R{ORG}"
            row["备注"] = f"备注N{ORG}"
            variant.sensitive.add(row["宗教"])
            variant.unknown.add(row["备注"])
    _write(folder / "organizations.csv", "utf-8", header, orgs)

    header, interactions = _read(folder / "interactions.csv", "utf-8-sig")
    numbers = iter(
        [
            ("0931-8456789", "620102199002021235"),
            ("138 1234 5678", "62010219900202123X"),
            ("13612345678", "620102900202123"),
        ]
        * 4
    )
    for row in interactions:
        targets = set(re.split(r"[;；,，、]", row["对象编号"]))
        if targets & set(CHOSEN) and len(variant.interactions) < 8:
            phone, id_number = next(numbers)
            row["内容"] = f"{row['内容']}，电话{phone}，身份证号{id_number}。"
            variant.personal |= {phone, id_number}
            variant.interactions.append(row["编号"])
            variant.leader = variant.leader or re.split(r"[;；,，、]", row["领导编号"])[0]
    _write(folder / "interactions.csv", "utf-8", header, interactions)
    result = read_dataset([folder])
    assert not result.problems, result.problems[:5]
    store = open_store(variant.store)
    try:
        store.load(result.dataset)
    finally:
        store.close()
    return variant


@pytest.fixture(scope="module")
def variant(tmp_path_factory: pytest.TempPathFactory) -> Variant:
    return write_variant(tmp_path_factory.mktemp("privacy") / "district")


@dataclass
class Client:
    client: TestClient
    token: str

    def api(self, path: str, **params: Any) -> Any:
        headers = {"Authorization": f"Bearer {self.token}"}
        return self.client.get(path, params=params, headers=headers)


def open_clients(variant: Variant, tmp: Path, **settings: Any) -> dict[str, Client]:
    tmp.mkdir(parents=True, exist_ok=True)
    store = tmp / "c.db"
    shutil.copy(variant.store, store)
    app = create_app(Settings(store=str(store), cors_origins=[], _env_file=None, **settings))
    clients = {}
    for role in ("admin", "planner", "analyst", "leader"):
        leader = variant.leader if role == "leader" else None
        token = app.state.access.create_token(role, leader)
        client = TestClient(app, raise_server_exceptions=False)
        login = client.post("/login", data={"token": token}, follow_redirects=False)
        assert login.status_code == 303, login.text
        clients[role] = Client(client, token)
    return clients


@pytest.fixture(scope="module")
def clients(variant: Variant, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    opened = open_clients(variant, tmp_path_factory.mktemp("app"))
    yield opened
    opened["admin"].client.app.state.workspace.close()  # type: ignore[attr-defined]


def entity_ids(variant: Variant) -> list[str]:
    return [*CHOSEN, ORG, *variant.interactions, variant.leader]


def api_answers(client: Client, variant: Variant) -> dict[str, str]:
    """Every GET route of the OpenAPI document, with each entity id where it takes one."""
    paths = client.api("/openapi.json").json()["paths"]
    answers = {}
    for path, operations in paths.items():
        if "get" not in operations:
            continue
        params: dict[str, Any] = {}
        for p in operations["get"].get("parameters", []):
            if p["name"] in ("as_of", "to"):
                params[p["name"]] = AS_OF
            elif p["name"] == "from":
                params["from"] = "2025-11-27"
            elif p["name"] == "status":
                params["status"] = "covered,stale,indirect,uncovered"
            elif p["name"] == "limit":
                params["limit"] = 5000
            elif p["name"] in ("source", "target"):
                params[p["name"]] = CHOSEN[0] if p["name"] == "source" else variant.leader
            elif p["name"] == "q":
                params["q"] = NAMED_WITH_PHONE
        if "{entity_id}" in path:
            urls = [path.replace("{entity_id}", i) for i in entity_ids(variant)]
        elif "{leader_id}" in path:
            urls = [path.replace("{leader_id}", variant.leader)]
        else:
            urls = [path]
        for url in urls:
            response = client.api(url, **params)
            assert response.status_code < 500, (url, response.text)
            answers[url] = response.text
            if url == "/api/v1/search":
                answers["/api/v1/search?q=name"] = client.api(url, q="1370000").text
    return answers


def page_answers(client: Client, variant: Variant) -> dict[str, str]:
    """Entity pages, network pages and the gap pages."""
    urls = [f"/entities/{i}" for i in entity_ids(variant)]
    urls += [f"/viz/entity/{i}?depth=1" for i in entity_ids(variant)]
    urls += [f"/viz/leader/{variant.leader}", "/viz/district", "/viz/area/A01", "/"]
    urls += ["/gaps?status=covered,stale,indirect,uncovered", f"/leaders/{variant.leader}"]
    answers = {}
    for url in urls:
        response = client.client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        answers[url] = response.text
    return answers


def download_answers(client: Client) -> dict[str, str]:
    query = "?status=covered,stale,indirect,uncovered"
    csv_answer = client.client.get(f"/gaps.csv{query}")
    assert csv_answer.status_code == 200
    xlsx = client.client.get(f"/gaps.xlsx{query}")
    assert xlsx.status_code == 200
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None
    cells = "\n".join(str(c) for row in sheet.iter_rows(values_only=True) for c in row)
    return {"gaps.csv": csv_answer.content.decode("utf-8-sig"), "gaps.xlsx": cells}


def leaks(answers: dict[str, str], values: set[str]) -> list[tuple[str, str]]:
    found = []
    for where, text in answers.items():
        unescaped = text.replace("&#34;", '"').replace("&amp;", "&")
        for value in values:
            if value in unescaped or json.dumps(value)[1:-1] in text:
                found.append((where, value))
    return found


def json_keys(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in json_keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in json_keys(v)}
    return set()


# -- the analyst sees none of it; the planner sees all of it ------------------------------


def test_analyst_api_answers_hold_no_personal_sensitive_or_unknown_value(
    clients: dict[str, Client], variant: Variant
) -> None:
    answers = api_answers(clients["analyst"], variant)
    assert leaks(answers, variant.forbidden) == []
    for url, text in answers.items():
        if url.startswith("/api/v1/entities/"):
            assert not json_keys(json.loads(text)) & FORBIDDEN_KEYS, url
    # The numbers in the summaries are masked, the rest of the summary stays.
    record = json.loads(answers[f"/api/v1/entities/{variant.interactions[0]}"])
    assert MASK in record["properties"]["summary"]
    assert "电话" in record["properties"]["summary"]


def test_planner_api_answers_hold_every_value(clients: dict[str, Client], variant: Variant) -> None:
    answers = api_answers(clients["planner"], variant)
    shown = "\n".join(answers.values())
    missing = {v for v in variant.forbidden if v not in shown and json.dumps(v)[1:-1] not in shown}
    assert missing == set()
    figure = json.loads(answers[f"/api/v1/entities/{CHOSEN[1]}"])
    assert set(figure["properties"]["extra"]) == {"手机号码", "身份证号"}


def test_analyst_pages_and_downloads_hold_none_of_them(
    clients: dict[str, Client], variant: Variant
) -> None:
    answers = {**page_answers(clients["analyst"], variant), **download_answers(clients["analyst"])}
    assert leaks(answers, variant.forbidden) == []


def test_planner_pages_and_downloads_show_them(
    clients: dict[str, Client], variant: Variant
) -> None:
    pages = page_answers(clients["planner"], variant)
    downloads = download_answers(clients["planner"])
    shown = "\n".join(pages.values())
    assert {v for v in variant.forbidden if v not in shown} == set()
    # The network page's hover cards carry the summaries as written.
    cards = pages[f"/viz/entity/{variant.interactions[0]}?depth=1"]
    assert any(n in cards for n in variant.personal - {NAME_PHONE})
    for text in downloads.values():
        assert NAME_PHONE in text


def test_leader_sees_personal_fields_of_its_own_targets_only(
    clients: dict[str, Client], variant: Variant
) -> None:
    leader = clients["leader"]
    _, contacts = _read(variant.folder / "contacts.csv", "utf-8-sig")
    own = {
        c["对象编号"]
        for c in contacts
        if c["领导编号"] == variant.leader and not c["开始日期"] and not c["结束日期"]
    }
    _, figures = _read(variant.folder / "figures.csv", "gb18030")
    phones = {f["编号"]: f["电话"] for f in figures if f["电话"]}
    target = next(t for t in sorted(own) if t in phones)
    record = leader.api(f"/api/v1/entities/{target}").json()
    assert record["properties"]["phone"] == phones[target]
    # Sensitive fields are not a leader's by default, nor unknown columns.
    assert not {"ethnicity", "religion", "extra"} & set(record["properties"])
    assert phones[target] in leader.client.get(f"/entities/{target}").text


# -- the policy setting -------------------------------------------------------------------


def test_sensitive_roles_setting_gives_analysts_sensitive_fields(
    variant: Variant, tmp_path: Path
) -> None:
    _, figures = _read(variant.folder / "figures.csv", "gb18030")
    raw = next(f for f in figures if f["编号"] == CHOSEN[0])
    default = open_clients(variant, tmp_path / "a")["analyst"]
    widened = open_clients(
        variant, tmp_path / "b", sensitive_roles=["admin", "planner", "analyst"]
    )["analyst"]
    before = default.api(f"/api/v1/entities/{CHOSEN[0]}").json()["properties"]
    after = widened.api(f"/api/v1/entities/{CHOSEN[0]}").json()["properties"]
    assert "ethnicity" not in before and "religion" not in before
    assert (after["ethnicity"], after["religion"]) == (raw["民族"], raw["宗教"])
    # Personal fields and unknown columns stay out.
    assert not {"phone", "extra"} & set(after)
    for c in (default, widened):
        c.client.app.state.workspace.close()  # type: ignore[attr-defined]


def test_unknown_role_in_the_setting_is_refused() -> None:
    with pytest.raises(ValueError, match="sensitive_roles"):
        Settings(sensitive_roles=["analyst", "visitor"], _env_file=None)


# -- concentric export --------------------------------------------------------------------


def export_text(variant: Variant, out: Path, *extra: str) -> str:
    texts = []
    for target in (out / "csv", out / "g.graphml"):
        result = CliRunner().invoke(
            cli_app, ["export", str(target), "--store", str(variant.store), *extra]
        )
        assert result.exit_code == 0, result.output
    texts += [(out / "csv" / name).read_text("utf-8") for name in ("nodes.csv", "edges.csv")]
    texts.append((out / "g.graphml").read_text("utf-8"))
    return "\n".join(texts)


def test_default_export_leaves_them_out_and_include_personal_keeps_them(
    variant: Variant, tmp_path: Path
) -> None:
    default = export_text(variant, tmp_path / "default")
    assert leaks({"export": default}, variant.forbidden) == []
    header = default.splitlines()[0].split(",")
    assert not FORBIDDEN_KEYS & set(header)
    everything = export_text(variant, tmp_path / "all", "--include-personal")
    assert {v for v in variant.forbidden if v not in everything} == set()


def test_export_help_says_what_is_left_out() -> None:
    result = CliRunner().invoke(cli_app, ["export", "--help"])
    text = " ".join(result.output.split())
    for word in ("personal", "sensitive", "unknown columns"):
        assert word in text


# -- the masking patterns -----------------------------------------------------------------

MASKED = [
    ("电话13812345678", "电话***"),
    ("手机 138 1234 5678。", "手机 ***。"),
    ("手机138-1234-5678", "手机***"),
    ("+86 13912345678", "***"),
    ("座机0931-1234567", "座机***"),
    ("座机 0931 12345678", "座机 ***"),
    ("(010) 1234 5678", "***"),
    ("010-12345678，", "***，"),
    ("身份证620102198001011234", "身份证***"),
    ("身份证62010219800101123X号", "身份证***号"),
    ("身份证62010219800101123x", "身份证***"),
    ("旧证620102800101123", "旧证***"),
    ("全角１３８１２３４５６７８", "全角***"),
    ("两个：13812345678、0931-8456789", "两个：***、***"),
]
KEPT = [
    "2026-11-27 走访",  # a date
    "2026/11/27",
    "I00001",  # an interaction id
    "I13812345678",  # an id that ends in a mobile-like run
    "F0001、L01、A43",
    "编号 12345",  # a short number
    "12345678901",  # 11 digits, not a mobile prefix
    "138123456789",  # 12 digits
    "1381234567",  # 10 digits
    "6201021980010112345",  # 19 digits
    "620102198013011234",  # 18 digits, month 13
    "共 1,370 个对象，覆盖率 63%",
    "2024-2026 年",
]


@pytest.mark.parametrize(("text", "expected"), MASKED)
def test_mask_numbers_masks_phone_and_id_numbers(text: str, expected: str) -> None:
    assert mask_numbers(text) == expected


@pytest.mark.parametrize("text", KEPT)
def test_mask_numbers_keeps_near_misses(text: str) -> None:
    assert mask_numbers(text) == text

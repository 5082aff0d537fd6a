"""An app over a private copy of the sample district, for the tests of hostile input and
idempotent writes; counts read straight from the SQLite file, not through the product."""

from __future__ import annotations

import csv
import shutil
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from fastapi.testclient import TestClient

from concentric.api.app import create_app
from concentric.api.settings import Settings
from concentric.graph.store.factory import open_store
from concentric.loaders import read_dataset

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "sample"
ERROR_KEYS = {"error", "detail", "problems"}


def load_sample(path: Path) -> Path:
    result = read_dataset([SAMPLE])
    assert not result.problems, result.problems
    store = open_store(path)
    try:
        store.load(result.dataset)
    finally:
        store.close()
    return path


def unassigned_pair() -> tuple[str, str]:
    """A leader and a figure no leader has a contact with, in the sample's tables."""
    with (SAMPLE / "contacts.csv").open(encoding="utf-8-sig", newline="") as f:
        assigned = {row["对象编号"] for row in csv.DictReader(f)}
    with (SAMPLE / "figures.csv").open(encoding="gb18030", newline="") as f:
        figures = [row["编号"] for row in csv.DictReader(f)]
    return "L02", next(f for f in figures if f not in assigned)


@dataclass
class WriteApp:
    app: FastAPI
    client: TestClient
    path: Path
    tokens: dict[str, str]

    def post(
        self, path: str, body: Any, who: str = "planner", key: str | None = None
    ) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.tokens[who]}"}
        if key is not None:
            headers["Idempotency-Key"] = key
        response: httpx.Response = self.client.post(path, json=body, headers=headers)
        return response

    def get(self, path: str, who: str = "planner", **params: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.tokens[who]}"}
        response: httpx.Response = self.client.get(path, params=params, headers=headers)
        return response

    def count(self, sql: str, *args: Any) -> int:
        """One number from the store file, read with plain SQLite."""
        with sqlite3.connect(self.path) as con:
            return int(con.execute(sql, args).fetchone()[0])

    def interactions(self) -> int:
        return self.count("SELECT count(*) FROM nodes WHERE kind = 'interaction'")


def open_app(template: Path, folder: Path, **settings: Any) -> Iterator[WriteApp]:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "c.db"
    for suffix in ("", "-wal", "-shm"):
        if Path(f"{template}{suffix}").exists():
            shutil.copy(f"{template}{suffix}", f"{path}{suffix}")
    app = create_app(
        Settings(store=str(path), access_db=None, cors_origins=[], _env_file=None, **settings)
    )
    tokens = {role: app.state.access.create_token(role) for role in ("admin", "planner")}
    tokens["other planner"] = app.state.access.create_token("planner")
    with TestClient(app) as client:
        yield WriteApp(app, client, path, tokens)


def assert_error(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == ERROR_KEYS and body["detail"], body
    return dict(body)

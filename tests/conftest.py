"""Shared fixtures: drive the real CLI in-process and compare it with `oracle`.

Only `api.cli.app` is imported from the product, and only inside the fixture, so the
oracle's own tests run (and collection works) before the product exists.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import pytest
from click.testing import Result
from oracle import ALL_STATUSES

# Every API answer is also checked against its response model (api/answer_route.py); set
# before the product is imported, and inherited by the servers tests start.
os.environ["CONCENTRIC_CHECK_ANSWERS"] = "1"

#: The fixed "today" of every test, and the spec's default window.
AS_OF = dt.date(2026, 6, 30)
WINDOW = 365

# `FILE:LINE: COLUMN: MESSAGE`, one problem per stderr line.
PROBLEM = re.compile(r"^(?P<file>.+?):(?P<line>\d+): (?P<column>.+?): (?P<message>.+)$")


@pytest.fixture(scope="module")
def sample_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample district loaded into a store file of this test module's own: tokens,
    sessions and writes made by one module never reach another."""
    from write_support import load_sample

    return load_sample(tmp_path_factory.mktemp("sample") / "sample.db")


def without_version(answer: Any) -> Any:
    """An answer without the data version it names (checked to be there, a count of writes
    so far), for comparing it with an expected answer worked out by hand."""
    if isinstance(answer, dict) and "version" in answer:
        version = answer.pop("version")
        assert isinstance(version, int) and version >= 0, version
    return answer


class Run(Protocol):
    def __call__(self, *args: str | Path) -> Result: ...


def days(n: int) -> dt.date:
    """AS_OF shifted by n days (negative = before)."""
    return AS_OF + dt.timedelta(days=n)


@pytest.fixture
def cli() -> Run:
    """`run(*args)` invokes `concentric ARGS…` in-process and returns click's Result."""
    from typer.testing import CliRunner

    from concentric.api.cli import app

    runner = CliRunner()

    def run(*args: str | Path) -> Result:
        return runner.invoke(app, [str(a) for a in args])

    return run


@pytest.fixture
def store(tmp_path: Path) -> Path:
    return tmp_path / "c.db"


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    column: str
    message: str


def problems(stderr: str) -> list[Problem]:
    """The `FILE:LINE: COLUMN: MESSAGE` lines of stderr (other lines are ignored)."""
    out = []
    for raw in stderr.splitlines():
        m = PROBLEM.match(raw.strip())
        if m:
            out.append(Problem(m["file"], int(m["line"]), m["column"], m["message"]))
    return out


def assert_no_traceback(result: Result) -> None:
    text = result.stdout + result.stderr
    assert "Traceback" not in text, text
    # CliRunner swallows a crash into `result.exception`; a clean exit is SystemExit only.
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )


def assert_usage_error(result: Result) -> None:
    """Exit 2, something said on stderr, no stack trace (spec section 4, last paragraph)."""
    assert result.exit_code == 2, (result.exit_code, result.stdout, result.stderr)
    assert result.stderr.strip(), "an error must say what was wrong on stderr"
    assert_no_traceback(result)


class Concentric:
    """The CLI bound to one store, with JSON-parsing helpers."""

    def __init__(self, run: Run, store: Path) -> None:
        self.run = run
        self.store = store

    def load(self, *paths: Path, flags: tuple[str, ...] = (), expect: int | None = 0) -> Result:
        result = self.run("load", "--store", self.store, *flags, *paths)
        if expect is not None:
            assert result.exit_code == expect, (result.exit_code, result.stdout, result.stderr)
        assert_no_traceback(result)
        return result

    def json(self, *args: str | Path) -> Any:
        result = self.run(*args)
        assert result.exit_code == 0, (args, result.exit_code, result.stdout, result.stderr)
        return without_version(json.loads(result.stdout))

    def coverage(
        self, as_of: dt.date | None = AS_OF, window_days: int | None = WINDOW, *extra: str
    ) -> dict[str, Any]:
        args: list[str | Path] = ["coverage", "--store", self.store, "--json"]
        if as_of is not None:
            args += ["--as-of", as_of.isoformat()]
        if window_days is not None:
            args += ["--window-days", str(window_days)]
        out: dict[str, Any] = self.json(*args, *extra)
        return out

    def gaps(
        self,
        *filters: str,
        status: str | None = ALL_STATUSES,
        as_of: dt.date | None = AS_OF,
        window_days: int | None = WINDOW,
    ) -> dict[str, Any]:
        args: list[str | Path] = ["gaps", "--store", self.store, "--json"]
        if status is not None:
            args += ["--status", status]
        if as_of is not None:
            args += ["--as-of", as_of.isoformat()]
        if window_days is not None:
            args += ["--window-days", str(window_days)]
        out: dict[str, Any] = self.json(*args, *filters)
        return out

    def snapshot(self) -> tuple[dict[str, Any], dict[str, Any]]:
        """Everything coverage can see: used to prove a failed load changed nothing."""
        return self.coverage(), self.gaps()


@pytest.fixture
def concentric(cli: Run, store: Path) -> Concentric:
    return Concentric(cli, store)


GAP_KEYS = (
    "id",
    "name",
    "kind",
    "category",
    "area_id",
    "status",
    "assigned_leaders",
    "last_contact",
)


def gap_items(answer: dict[str, Any]) -> list[dict[str, Any]]:
    """The gap items reduced to the spec's keys (extra keys are allowed by section 4)."""
    assert answer["total"] == len(answer["items"])
    return [{k: item[k] for k in GAP_KEYS} for item in answer["items"]]


def gap_ids(answer: dict[str, Any]) -> list[str]:
    assert answer["total"] == len(answer["items"])
    return [item["id"] for item in answer["items"]]

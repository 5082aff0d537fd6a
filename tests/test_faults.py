"""Faults: a full disk (API writes, the audit log, `concentric load`) and a killed loader.

The full disk is a real one when this process may mount a file system (root, as in CI): a
small tmpfs, filled with a filler file until the kernel answers ENOSPC. Where mount is not
permitted the disk is simulated with SQLite's ``PRAGMA max_page_count`` on every
connection (the current size becomes the limit), which raises the same SQLITE_FULL
"database or disk is full" on the same code path; each test prints which one it used.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import Run, assert_no_traceback
from fastapi.testclient import TestClient

from concentric.api.app import create_app
from concentric.api.settings import Settings
from concentric.graph.store.factory import open_store
from concentric.loaders import read_dataset

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "sample"
# A pair from the sample's contacts.csv (first data line): L01 keeps in touch with F0359.
LEADER, TARGET = "L01", "F0075"


# -- a disk that can be filled ------------------------------------------------------------


class SmallDisk:
    """A folder on a small file system that :meth:`fill` makes full and :meth:`free` empties."""

    def __init__(self, folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.folder = folder
        self._monkeypatch = monkeypatch
        folder.mkdir()
        mount = ["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(folder)]
        try:
            done = subprocess.run(mount, capture_output=True, text=True, check=False)
        except OSError:  # no mount command at all
            self.mounted = False
        else:
            self.mounted = done.returncode == 0
        self._capped: list[sqlite3.Connection] = []
        print("full disk:", "a real tmpfs" if self.mounted else "PRAGMA max_page_count")

    def fill(self, *connections: sqlite3.Connection) -> None:
        """Make the disk full. Simulated, it caps ``connections`` and every later one."""
        if self.mounted:
            filler = os.open(self.folder / "filler", os.O_WRONLY | os.O_CREAT, 0o600)
            try:
                for chunk in (b"\0" * 2**16, b"\0" * 2**12, b"\0"):
                    with contextlib.suppress(OSError):  # ENOSPC: this size no longer fits
                        while True:
                            os.write(filler, chunk)
            finally:
                os.close(filler)
            return
        connect = sqlite3.connect

        def capped_connect(*args: Any, **kwargs: Any) -> sqlite3.Connection:
            con = connect(*args, **kwargs)
            self._cap(con)
            return con

        self._monkeypatch.setattr(sqlite3, "connect", capped_connect)
        for con in connections:
            self._cap(con)

    def _cap(self, con: sqlite3.Connection) -> None:
        pages = con.execute("PRAGMA page_count").fetchone()[0]
        con.execute(f"PRAGMA max_page_count = {int(pages)}")
        self._capped.append(con)

    def free(self) -> None:
        if self.mounted:
            (self.folder / "filler").unlink()
            return
        self._monkeypatch.undo()
        for con in self._capped:
            with contextlib.suppress(sqlite3.ProgrammingError):  # closed since
                con.execute("PRAGMA max_page_count = 4294967294")
        self._capped.clear()

    def unmount(self) -> None:
        if self.mounted:
            subprocess.run(["umount", "-l", str(self.folder)], check=False)


@pytest.fixture
def disk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[SmallDisk]:
    small = SmallDisk(tmp_path / "disk", monkeypatch)
    yield small
    small.unmount()


def load_sample(path: Path) -> None:
    result = read_dataset([SAMPLE])
    assert result.ok, result.problems
    store = open_store(str(path))
    try:
        store.load(result.dataset)
    finally:
        store.close()


def snapshot(path: Path) -> tuple[Any, ...]:
    """The stored rows and data version, read with plain SQL (not through the product)."""
    con = sqlite3.connect(path)
    try:
        nodes = con.execute("SELECT id, kind, props FROM nodes ORDER BY id").fetchall()
        links = con.execute("SELECT key, props FROM links ORDER BY key").fetchall()
        version = con.execute("SELECT value FROM meta WHERE key = 'version'").fetchall()
    finally:
        con.close()
    return nodes, links, version


# -- the API on a full disk ----------------------------------------------------------------


class Server:
    def __init__(self, path: Path) -> None:
        settings = Settings(store=str(path), access_db=None, cors_origins=[], _env_file=None)
        self.app = create_app(settings)
        self.client = TestClient(self.app, raise_server_exceptions=False)
        self.planner = self.app.state.access.create_token("planner")

    def get(self, path: str) -> Any:
        return self.client.get(path, headers={"Authorization": f"Bearer {self.planner}"})

    def post(self, path: str, body: dict[str, Any]) -> Any:
        return self.client.post(
            path, json=body, headers={"Authorization": f"Bearer {self.planner}"}
        )

    def connections(self) -> tuple[sqlite3.Connection, ...]:
        return (self.app.state.workspace.store._con, self.app.state.access._con)

    def audited(self, resource: str) -> int:
        _, entries = self.app.state.access.audit_entries(10_000, 0)
        return sum(1 for entry in entries if entry["resource"] == resource)

    def close(self) -> None:
        self.client.close()
        self.app.state.workspace.close()
        self.app.state.access.close()


@pytest.fixture
def server(disk: SmallDisk) -> Iterator[Server]:
    path = disk.folder / "c.db"
    load_sample(path)
    running = Server(path)
    assert running.get("/api/v1/coverage").status_code == 200  # the files exist and are open
    yield running
    running.close()


def fill_audit_page(server: Server, disk: SmallDisk) -> None:
    """Simulated disk only: SQLite still fits rows into free room in the pages it has, so
    the audit table's last page is filled first (through the audit call itself)."""
    if disk.mounted:
        return
    for _ in range(10_000):
        try:
            server.app.state.access.audit(None, "GET", "/filler", 200, None)
        except Exception:
            return
    pytest.fail("the audit table never filled up")


def interaction(summary: str = "座谈") -> dict[str, Any]:
    return {
        "date": (dt.date.today() - dt.timedelta(days=7)).isoformat(),
        "kind": "visit",
        "leader_ids": [LEADER],
        "target_ids": [TARGET],
        # Longer than a 4 KiB page (2,000 characters of 3 bytes), so the row needs a new
        # page even when the simulated disk has room left in the ones it has.
        "summary": summary * (2000 // len(summary)),
    }


def test_write_on_full_disk_answers_503_and_stores_nothing(server: Server, disk: SmallDisk) -> None:
    path = disk.folder / "c.db"
    before = snapshot(path)
    disk.fill(*server.connections())
    response = server.post("/api/v1/interactions", interaction())
    assert response.status_code == 503, response.text
    body = response.json()
    assert body["error"] == "disk full"
    assert body["detail"].startswith("disk full: the write was not stored")
    assert "Traceback" not in response.text and str(path) not in response.text
    disk.free()
    assert snapshot(path) == before
    # Once there is room, the same write goes through: it was the disk, not the request.
    again = server.post("/api/v1/interactions", interaction())
    assert again.status_code == 201, again.text
    assert snapshot(path) != before


def test_reads_go_on_while_the_audit_fails_and_healthz_says_so(
    server: Server, disk: SmallDisk
) -> None:
    coverage = "/api/v1/coverage?as_of=2026-11-27"
    expected = server.get(coverage).json()
    healthy = server.client.get("/healthz").json()
    assert healthy["status"] == "ok" and healthy["reason"] is None
    audited = server.audited("/api/v1/coverage")

    disk.fill(*server.connections())
    fill_audit_page(server, disk)
    for _ in range(2):
        response = server.get(coverage)
        assert response.status_code == 200, response.text
        assert response.json() == expected
    server.client.cookies.set("concentric_session", server.planner)  # pages read the cookie
    page = server.client.get("/")
    assert page.status_code == 200
    health = server.client.get("/healthz")
    assert health.status_code == 200  # documented: degraded, but still answering
    report = health.json()
    assert report["status"] == "degraded"
    assert "audit" in report["reason"] and "disk full" in report["reason"]
    failure = report["audit_failure"]
    assert failure["kind"] == "disk full"
    assert failure["failures"] == 3  # two API reads and one page
    assert failure["since"] <= failure["last"]

    disk.free()
    assert server.get(coverage).status_code == 200
    recovered = server.client.get("/healthz").json()
    assert recovered["status"] == "ok"
    assert recovered["reason"] is None and recovered["audit_failure"] is None
    # Only the reads made with room on the disk were recorded: the two during it were not.
    assert server.audited("/api/v1/coverage") == audited + 1


# -- `concentric load` on a full disk ------------------------------------------------------


def test_load_on_full_disk_says_disk_full_and_changes_nothing(
    cli: Run, disk: SmallDisk, tmp_path: Path
) -> None:
    path = disk.folder / "c.db"
    load_sample(path)
    bigger = tmp_path / "synth"
    assert cli("synth", "--targets", "3000", bigger).exit_code == 0
    before = snapshot(path)
    # A reader holds the store open (as a running server would), so its WAL files exist
    # and the load fails where the bug was: writing its transaction, not opening the file.
    reader = sqlite3.connect(path)
    try:
        reader.execute("SELECT count(*) FROM nodes").fetchone()
        disk.fill()
        result = cli("load", "--store", path, bigger)
        disk.free()
    finally:
        reader.close()
    assert_no_traceback(result)
    assert result.exit_code == 1, result.stderr  # documented in `load --help` and the README
    assert "disk full" in result.stderr
    assert "rollback" not in result.stderr
    assert "nothing was written, the store is unchanged" in result.stderr
    assert snapshot(path) == before


# -- a loader killed with SIGKILL leaves no worker behind ----------------------------------

# `concentric load` with the size from which files go to the worker lowered, so a small
# dataset uses it (the product's threshold is 8 MiB); everything else is the real command.
LOAD_SHARING_FILES = r"""
import sys
import concentric.loaders.dataset as dataset
dataset.PARALLEL_BYTES = int(sys.argv[1])
from concentric.api.cli import main
sys.argv = ["concentric", "load", *sys.argv[2:]]
main()
"""
THRESHOLD = 2 * 2**20


def children(pid: int) -> set[int]:
    """The live processes whose parent is ``pid`` (zombies count as gone)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            stat = (entry / "stat").read_text()
            state, parent = stat.rsplit(")", 1)[1].split()[:2]
            if int(parent) == pid and state != "Z":
                found.add(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def wait_for(condition: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.005)
    return condition()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_killed_load_leaves_no_worker_and_the_store_as_it_was(cli: Run, tmp_path: Path) -> None:
    path = tmp_path / "c.db"
    load_sample(path)
    before = snapshot(path)
    data = tmp_path / "synth"
    assert cli("synth", "--targets", "40000", data).exit_code == 0
    big = [f.name for f in data.iterdir() if f.stat().st_size >= THRESHOLD]
    assert len(big) >= 2, big  # two big files, so one of them goes to the worker

    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    loader = subprocess.Popen(
        [sys.executable, "-c", LOAD_SHARING_FILES, str(THRESHOLD), "--store", str(path), data],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        workers: set[int] = set()

        def worker_started() -> bool:
            workers.update(children(loader.pid))
            return bool(workers) or loader.poll() is not None

        assert wait_for(worker_started, 120)
        assert workers, "the load ended before its worker was seen"
        loader.send_signal(signal.SIGKILL)
        assert loader.wait(30) == -signal.SIGKILL
        lingering = set(workers)
        gone = wait_for(lambda: not {pid for pid in lingering if alive(pid)}, 5)
        assert gone, f"worker(s) {sorted(p for p in lingering if alive(p))} outlived the loader"
    finally:
        if loader.poll() is None:
            loader.kill()
        for pid in workers:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        assert loader.stderr is not None
        loader.stderr.close()
    assert snapshot(path) == before

"""The tamper-evident audit: the hash chain, its log file, `concentric audit verify`, and
what the server records (queries, filters, downloads, failed logins, tokens).

Tampering is done by hand, with plain sqlite3 and file edits, the way an attacker holding
the data file would; the expected first bad entry is the one the test edited.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from concentric.api.access import AccessStore, Principal
from concentric.api.app import create_app
from concentric.api.cli import app as cli_app
from concentric.api.settings import Settings

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "sample"
ENTRIES = 10
ALICE = Principal("tok-alice", "planner")
BOB = Principal("tok-bob", "admin")


def verify(store: Path) -> tuple[int, str]:
    """`concentric audit verify --store STORE`: exit code and everything it printed."""
    result = CliRunner().invoke(cli_app, ["audit", "verify", "--store", str(store)])
    return result.exit_code, result.stdout + result.stderr


def log_of(path: Path) -> Path:
    return Path(f"{path}.audit.log")


@pytest.fixture
def audited(tmp_path: Path) -> Path:
    """An access database with ENTRIES audit entries, seq 1..ENTRIES, alternating callers."""
    path = tmp_path / "access.db"
    access = AccessStore(path)
    for n in range(1, ENTRIES + 1):
        access.audit(ALICE if n % 2 else BOB, "GET", f"/api/v1/entities/F{n:04d}", 200, {"n": n})
    access.close()
    return path


def edit(path: Path, sql: str, *args: Any) -> None:
    with sqlite3.connect(path) as con:
        con.execute(sql, args)


def test_an_untouched_chain_verifies(audited: Path) -> None:
    code, text = verify(audited)
    assert code == 0, text
    assert f"{ENTRIES} entries" in text
    assert "predate" not in text


def test_the_log_file_names_each_entry_and_holds_no_detail(audited: Path) -> None:
    lines = [json.loads(line) for line in log_of(audited).read_text().splitlines()]
    assert [line["seq"] for line in lines] == list(range(1, ENTRIES + 1))
    assert [line["token_id"] for line in lines] == [
        "tok-alice" if n % 2 else "tok-bob" for n in range(1, ENTRIES + 1)
    ]
    assert all(set(line) == {"seq", "hash", "token_id", "role"} for line in lines)
    with sqlite3.connect(audited) as con:
        hashes = [r[0] for r in con.execute("SELECT hash FROM audit_log ORDER BY seq")]
    assert [line["hash"] for line in lines] == hashes
    assert len(set(hashes)) == ENTRIES


@pytest.mark.parametrize(
    ("sql", "args", "first_bad", "words"),
    [
        ("DELETE FROM audit_log WHERE seq IN (4, 7)", (), 4, "deleted"),
        ("DELETE FROM audit_log WHERE seq >= 6", (), 6, "deleted"),
        ("UPDATE audit_log SET role = 'admin' WHERE seq = 5", (), 5, "re-attributed"),
        ("UPDATE audit_log SET token_id = ? WHERE seq = 3", ("tok-bob",), 3, "re-attributed"),
        ("UPDATE audit_log SET detail = '{\"n\": 99}' WHERE seq = 8", (), 8, "changed"),
        ("UPDATE audit_log SET resource = '/api/v1/coverage' WHERE seq = 2", (), 2, "changed"),
        ("UPDATE audit_log SET status = 403 WHERE seq = 9", (), 9, "changed"),
        ("UPDATE audit_log SET hash = NULL WHERE seq = 6", (), 6, "removed"),
        ("UPDATE audit_log SET hash = ? WHERE seq = 1", ("0" * 64,), 1, "differs"),
    ],
)
def test_a_hand_edited_table_is_caught_at_the_first_bad_entry(
    audited: Path, sql: str, args: tuple[Any, ...], first_bad: int, words: str
) -> None:
    edit(audited, sql, *args)
    code, text = verify(audited)
    assert code == 1, text
    assert f"seq {first_bad}:" in text
    assert words in text


def test_rewriting_the_hashes_in_the_table_alone_is_caught(audited: Path) -> None:
    """An attacker with only the data file re-chains it after dropping entry 5: every hash
    in the table is consistent again, but the log file still has the old ones."""
    import hashlib

    edit(audited, "DELETE FROM audit_log WHERE seq = 5")
    with sqlite3.connect(audited) as con:
        rows = con.execute(
            "SELECT seq, at, token_id, role, action, resource, status, detail "
            "FROM audit_log ORDER BY seq"
        ).fetchall()
        previous = "0" * 64
        for row in rows:
            text = json.dumps([previous, *row], ensure_ascii=False, separators=(",", ":"))
            previous = hashlib.sha256(text.encode()).hexdigest()
            con.execute("UPDATE audit_log SET hash = ? WHERE seq = ?", (previous, row[0]))
    code, text = verify(audited)
    assert code == 1
    assert "seq 5:" in text and "deleted" in text


def _rewrite_log(path: Path, keep: Any) -> None:
    lines = log_of(path).read_text().splitlines()
    log_of(path).write_text("".join(f"{line}\n" for line in keep(lines)))


def test_a_cut_log_file_is_caught(audited: Path) -> None:
    _rewrite_log(audited, lambda lines: lines[:6])
    code, text = verify(audited)
    assert code == 1
    assert "seq 7:" in text and "not in the log" in text


def test_an_edited_log_line_is_caught(audited: Path) -> None:
    def reattribute(lines: list[str]) -> list[str]:
        third = json.loads(lines[2])
        third["role"] = "analyst"
        return [*lines[:2], json.dumps(third), *lines[3:]]

    _rewrite_log(audited, reattribute)
    code, text = verify(audited)
    assert code == 1
    assert "seq 3:" in text and "re-attributed" in text


def test_entries_deleted_from_table_and_log_leave_a_gap(audited: Path) -> None:
    edit(audited, "DELETE FROM audit_log WHERE seq IN (3, 4)")
    _rewrite_log(audited, lambda lines: [*lines[:2], *lines[4:]])
    code, text = verify(audited)
    assert code == 1
    assert "seq 3:" in text and "3-4 deleted" in text


def test_a_missing_log_file_is_caught(audited: Path) -> None:
    log_of(audited).unlink()
    code, text = verify(audited)
    assert code == 1
    assert "seq 1:" in text and "missing" in text


def test_no_access_database_is_bad_input(tmp_path: Path) -> None:
    code, text = verify(tmp_path / "none.db")
    assert code == 2
    assert "no access database" in text


def test_concurrent_appends_keep_one_chain(tmp_path: Path) -> None:
    """Threads on one AccessStore and on a second one (another connection, as another
    process would have) append at once; the chain and the log agree, seq 1..N."""
    path = tmp_path / "access.db"
    stores = [AccessStore(path), AccessStore(path)]
    threads_per_store, each = 4, 25

    def append(store: AccessStore, who: int) -> None:
        for n in range(each):
            store.audit(Principal(f"t{who}", "planner"), "GET", f"/api/v1/x/{n}", 200)

    threads = [
        threading.Thread(target=append, args=(store, s * threads_per_store + t))
        for s, store in enumerate(stores)
        for t in range(threads_per_store)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for store in stores:
        store.close()
    total = len(stores) * threads_per_store * each
    with sqlite3.connect(path) as con:
        seqs = [r[0] for r in con.execute("SELECT seq FROM audit_log ORDER BY seq")]
    assert seqs == list(range(1, total + 1))
    assert len(log_of(path).read_text().splitlines()) == total
    code, text = verify(path)
    assert code == 0, text
    assert f"{total} entries" in text


OLD_DDL = """
CREATE TABLE api_tokens (id TEXT PRIMARY KEY, token_hash TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL, leader_id TEXT, created TEXT NOT NULL, revoked TEXT);
CREATE TABLE audit_log (seq INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL,
    token_id TEXT, role TEXT, action TEXT NOT NULL, resource TEXT NOT NULL,
    status INTEGER NOT NULL, detail TEXT);
"""


def test_an_older_file_is_migrated_and_its_entries_predate_the_chain(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as con:
        con.executescript(OLD_DDL)
        for n in range(3):
            con.execute(
                "INSERT INTO audit_log (at, token_id, role, action, resource, status) "
                "VALUES ('2025-01-01T00:00:00+00:00', 'old', 'admin', 'GET', ?, 200)",
                (f"/api/v1/old/{n}",),
            )
    code, text = verify(path)  # read-only: nothing to check yet, nothing changed
    assert code == 0 and "3 older entries predate the chain" in text
    access = AccessStore(path)
    access.audit(ALICE, "GET", "/api/v1/coverage", 200)
    access.audit(BOB, "GET", "/api/v1/gaps", 200)
    access.close()
    with sqlite3.connect(path) as con:
        assert con.execute("SELECT version FROM access_schema").fetchone()[0] >= 1
        assert con.execute("PRAGMA user_version").fetchone()[0] == 0  # the store's, untouched
        hashes = [r[0] for r in con.execute("SELECT hash FROM audit_log ORDER BY seq")]
    assert hashes[:3] == [None, None, None] and None not in hashes[3:]
    code, text = verify(path)
    assert code == 0, text
    assert "2 entries" in text and "3 older entries predate the chain" in text
    # A chained entry cannot pass itself off as an old one by losing its hash.
    edit(path, "UPDATE audit_log SET hash = NULL WHERE seq = 4")
    code, text = verify(path)
    assert code == 1 and "seq 4:" in text


# -- what the server records --------------------------------------------------------------


class Server:
    def __init__(self, path: Path) -> None:
        settings = Settings(store=str(path), access_db=None, cors_origins=[], _env_file=None)
        self.app = create_app(settings)
        self.client = TestClient(self.app, raise_server_exceptions=False)
        self.access: AccessStore = self.app.state.access
        self.path = path
        self.tokens = {
            role: self.access.create_token(role) for role in ("admin", "planner", "analyst")
        }

    def bearer(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"}

    def token_id(self, role: str) -> str:
        principal = self.access.principal_for(self.tokens[role])
        assert principal is not None
        return principal.token_id

    def last(self) -> dict[str, Any]:
        _, entries = self.access.audit_entries(limit=1)
        return dict(entries[0])


@pytest.fixture
def server(sample_store: Path, tmp_path: Path) -> Iterator[Server]:
    path = tmp_path / "c.db"
    shutil.copy(sample_store, path)
    running = Server(path)
    yield running
    running.client.close()
    running.app.state.workspace.close()
    running.access.close()


def test_a_search_is_audited_with_its_query(server: Server) -> None:
    response = server.client.get(
        "/api/v1/search", params={"q": "王伟", "limit": 5}, headers=server.bearer("analyst")
    )
    assert response.status_code == 200
    entry = server.last()
    assert (entry["action"], entry["resource"], entry["status"]) == ("GET", "/api/v1/search", 200)
    assert (entry["token_id"], entry["role"]) == (server.token_id("analyst"), "analyst")
    assert entry["detail"] == {"query": {"q": "王伟", "limit": "5"}}


def test_a_phone_number_searched_for_is_masked_in_the_audit(server: Server) -> None:
    phone, id_card = "13930249504", "62010219800101123X"
    searched = {
        phone: "***",
        f"电话{phone}": "电话***",
        id_card: "***",
        "139-3024-9504": "***",
        "F0001": "F0001",  # ids and short numbers are kept
        "2026-11-27": "2026-11-27",
    }
    for q, recorded in searched.items():
        server.client.get("/api/v1/search", params={"q": q}, headers=server.bearer("planner"))
        assert server.last()["detail"] == {"query": {"q": recorded}}
    with sqlite3.connect(server.path) as con:
        dump = json.dumps(con.execute("SELECT * FROM audit_log").fetchall(), ensure_ascii=False)
    assert phone not in dump and id_card not in dump and "3024" not in dump


def test_gap_filters_are_audited(server: Server) -> None:
    filters = {"status": "uncovered", "line": "guidance", "area_id": "A16"}
    response = server.client.get("/api/v1/gaps", params=filters, headers=server.bearer("planner"))
    assert response.status_code == 200
    assert server.last()["detail"] == {"query": filters}
    assert server.last()["resource"] == "/api/v1/gaps"


def _sign_in(server: Server, role: str) -> None:
    response = server.client.post("/login", data={"token": server.tokens[role]})
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("download", ["/gaps.csv", "/gaps.xlsx"])
def test_download_filters_are_audited(server: Server, download: str) -> None:
    _sign_in(server, "planner")
    filters = {"status": "uncovered,stale", "line": "guidance", "area_id": "A16"}
    response = server.client.get(download, params=filters)
    assert response.status_code == 200
    entry = server.last()
    assert (entry["resource"], entry["status"], entry["role"]) == (download, 200, "planner")
    assert entry["detail"] == {"query": filters}


def test_failed_logins_are_audited_without_a_principal(server: Server) -> None:
    wrong = "cc_not-a-real-token"
    response = server.client.post("/login", data={"token": wrong})
    assert response.status_code == 401
    entry = server.last()
    assert (entry["action"], entry["resource"], entry["status"]) == ("POST", "/login", 401)
    assert (entry["token_id"], entry["role"]) == (None, None)
    assert entry["detail"] == {"failed_login": "page"}

    response = server.client.get("/api/v1/coverage", headers={"Authorization": f"Bearer {wrong}"})
    assert response.status_code == 401
    entry = server.last()
    assert (entry["resource"], entry["status"], entry["token_id"]) == (
        "/api/v1/coverage",
        401,
        None,
    )
    assert entry["detail"] == {"failed_login": "bearer token"}
    with sqlite3.connect(server.path) as con:
        dump = json.dumps(con.execute("SELECT * FROM audit_log").fetchall())
    assert wrong not in dump and "cc_" not in dump


def test_a_sign_in_is_audited_with_its_principal(server: Server) -> None:
    server.client.post("/login", data={"token": server.tokens["analyst"]}, follow_redirects=False)
    entry = server.last()
    assert (entry["resource"], entry["status"]) == ("/login", 303)
    assert (entry["token_id"], entry["role"]) == (server.token_id("analyst"), "analyst")


def test_token_creation_and_revocation_are_audited(server: Server) -> None:
    body = {"role": "leader", "leader_id": "L01", "expires_days": 30}
    made = server.client.post("/api/v1/tokens", json=body, headers=server.bearer("admin"))
    assert made.status_code == 201, made.text
    entry = server.last()
    assert (entry["token_id"], entry["resource"], entry["status"]) == (
        server.token_id("admin"),
        "/api/v1/tokens",
        201,
    )
    created = entry["detail"]["created"]
    assert (created["role"], created["leader_id"], created["id"]) == (
        "leader",
        "L01",
        made.json()["id"],
    )
    assert created["expires"] is not None
    assert made.json()["token"] not in json.dumps(entry)

    gone = server.client.delete(
        f"/api/v1/tokens/{made.json()['id']}", headers=server.bearer("admin")
    )
    assert gone.status_code == 204
    entry = server.last()
    assert entry["detail"] == {"revoked": made.json()["id"]}
    assert entry["status"] == 204

    code, text = verify(server.path)
    assert code == 0, text


def test_cli_token_commands_are_audited(server: Server) -> None:
    runner = CliRunner()
    made = runner.invoke(
        cli_app, ["token", "create", "--role", "analyst", "--store", str(server.path)]
    )
    assert made.exit_code == 0, made.stderr
    token = made.stdout.strip().splitlines()[-1]
    principal = server.access.principal_for(token)
    assert principal is not None
    entry = server.last()
    assert (entry["action"], entry["resource"]) == ("CLI", "token create")
    assert entry["detail"]["created"]["id"] == principal.token_id
    assert entry["detail"]["created"]["role"] == "analyst"
    assert token not in json.dumps(entry)
    revoked = runner.invoke(
        cli_app, ["token", "revoke", principal.token_id, "--store", str(server.path)]
    )
    assert revoked.exit_code == 0, revoked.stderr
    assert server.last()["detail"] == {"revoked": principal.token_id}

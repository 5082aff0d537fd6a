"""Service settings, from the environment (``CONCENTRIC_*``) or a ``.env`` file."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from concentric.api.access import ROLES
from concentric.graph.store.factory import is_server_uri


class Settings(BaseSettings):
    """Everything the service can be told through ``CONCENTRIC_*`` variables.

    Three other variables are read where they are used: ``NEO4J_USER``/``NEO4J_PASSWORD``
    and ``NEO4J_DATABASE`` by ``graph/store/neo4j_store.py`` (the library under the service, which
    has no settings of its own, so a notebook's store is configured the same way), and
    ``CONCENTRIC_DEBUG`` by ``api/cli.py`` (show a command's traceback).
    """

    model_config = SettingsConfigDict(env_prefix="CONCENTRIC_", env_file=".env", extra="ignore")

    store: str = Field("concentric.db", description="File path or bolt:// URI of the store.")
    access_db: str | None = Field(
        None,
        description="SQLite file for API tokens and the audit log (default: the store file "
        "itself for an embedded store, else concentric-access.db).",
    )
    host: str = "127.0.0.1"
    port: int = 8000
    cors_origins: list[str] = Field(
        default_factory=list, description="Origins allowed by CORS; empty means CORS is off."
    )
    max_body_bytes: int = Field(
        1024 * 1024,
        ge=1,
        description="Request bodies over this many bytes are refused with 413 before parsing.",
    )
    max_upload_bytes: int = Field(
        32 * 1024 * 1024,
        ge=1,
        description="The dataset upload page (/upload) takes bodies up to this many bytes "
        "(files or a zip of them); a zip may unpack to at most eight times as much.",
    )
    session_hours: int = Field(
        12, ge=1, description="A web page session ends this many hours after sign-in."
    )
    warm_index: bool = Field(
        False,
        description="Build the coverage index and the leaders' interaction table in the "
        "background at start-up (and, on a backend that needs one, its lookup for "
        "neighbourhood reads), so the first requests do not wait for them (at province size the "
        "first build takes tens of seconds; see benchmarks/README.md). "
        "`concentric serve` turns it on.",
    )

    build_in_background: bool = Field(
        False,
        description="Once a snapshot of the data is published, rebuild it for a new data "
        "version (a bulk load by another process) in the background: answers come from the "
        "previous version meanwhile and say which version they reflect; writes through this "
        "server still show in its next answer. `concentric serve` turns it on.",
    )

    request_threads: int = Field(
        8,
        ge=1,
        description="Requests one server process works on at once (the rest wait their "
        "turn, cheaply). Each holds the interpreter while it computes; more threads than a "
        "few per core only lengthen the wait of every request, `/healthz` included.",
    )

    graph_max_rows: int | None = Field(
        1_000_000,
        description="Analyses that need the whole graph in memory (the district map, paths, "
        "brokers, communities, recommendations, departures, search) refuse with HTTP 422 "
        "above this many stored rows; the graph takes about 2.5 KB per row. Coverage, gaps, "
        "blind spots, leaders, to-do lists and changes (from the coverage index) and entity "
        "records, ego networks, the network pictures of a leader or an entity and area maps "
        "(from just their part of the store) answer at any size. Empty for no limit.",
    )

    sensitive_roles: list[str] = Field(
        default_factory=lambda: ["admin", "planner"],
        description="Roles that see sensitive fields (the schema's `class: sensitive`: "
        "ethnicity, religion). A leader listed here sees them only for its own targets; "
        "analysts are left out by default (data minimisation, PIPL art. 28). As an "
        'environment variable, JSON: CONCENTRIC_SENSITIVE_ROLES=\'["admin","planner"]\'.',
    )

    load_removal_share: float = Field(
        0.2,
        ge=0,
        le=1,
        description="A `load --replace` that would remove more than "
        "this share of any table's stored rows asks for confirmation: the command refuses "
        "(exit 2) unless given `--yes`.",
    )

    @field_validator("graph_max_rows", "access_db", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        """An empty variable means "none" (no limit, the default file)."""
        return None if value == "" else value

    @field_validator("sensitive_roles")
    @classmethod
    def _known_roles(cls, roles: list[str]) -> list[str]:
        unknown = sorted(set(roles) - set(ROLES))
        if unknown:
            raise ValueError(f"unknown role(s) {', '.join(unknown)} (roles: {', '.join(ROLES)})")
        return roles

    def access_path(self) -> Path:
        if self.access_db:
            return Path(self.access_db)
        if is_server_uri(self.store):
            return Path("concentric-access.db")
        return Path(self.store)

"""Pick a backend from a location; above the backends, so the interface imports neither."""

from __future__ import annotations

from pathlib import Path

from concentric.graph.store.protocol import Store, StoreError
from concentric.graph.store.sqlite_store import SQLiteStore

__all__ = ["is_server_uri", "open_store"]

SERVER_SCHEMES = {"bolt", "bolt+s", "bolt+ssc", "neo4j", "neo4j+s", "neo4j+ssc"}


def is_server_uri(location: str) -> bool:
    """Whether a ``--store`` value names a Neo4j server rather than a file."""
    return location.split("://", 1)[0].lower() in SERVER_SCHEMES


def open_store(location: str | Path) -> Store:
    """Open the store at ``location``: a file path (embedded) or a ``bolt://`` URI (Neo4j)."""
    text = str(location)
    if is_server_uri(text):
        try:
            from concentric.graph.store.neo4j_store import Neo4jStore  # type: ignore[import-not-found,unused-ignore]
        except ImportError as exc:
            raise StoreError(f"{text}: the Neo4j backend is not available ({exc})") from exc
        store: Store = Neo4jStore(text)
        return store
    return SQLiteStore(Path(text))

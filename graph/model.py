"""The domain model: validated records, a dataset of them, and load problems.

Loaders turn files into a :class:`Dataset`; stores persist it; :mod:`graph.build` turns the
stored records into a ``networkx.MultiDiGraph``. Property values are typed Python values
(``datetime.date`` for dates, ``list`` for list cells, ``bool``, ``int``, ``str``).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any, NamedTuple

__all__ = [
    "Dataset",
    "ExistingNode",
    "LinkRecord",
    "NodeRecord",
    "Problem",
    "decode_props",
    "encode_props",
    "link_key",
]


class ExistingNode(NamedTuple):
    """What validating a new load needs to know of an id already stored."""

    kind: str
    parent_id: str | None = None


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with the input, located as ``file:line: column: message``."""

    file: str
    line: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.column}: {self.message}"


@dataclass
class NodeRecord:
    """An entity with an id: area, leader, figure, organization, unit or interaction."""

    id: str
    kind: str
    props: dict[str, Any]
    source: str = ""
    line: int = 0


@dataclass
class LinkRecord:
    """A relationship row without an id (membership, contact, relation).

    ``key`` is its natural key (the identity columns of its table), so a reload of the same
    row updates it instead of adding a copy.
    """

    kind: str
    source_id: str
    target_id: str
    key: str
    props: dict[str, Any]
    source: str = ""
    line: int = 0


@dataclass
class Dataset:
    """A validated set of records, ready to store. ``policy`` holds overrides only."""

    nodes: list[NodeRecord] = field(default_factory=list)
    links: list[LinkRecord] = field(default_factory=list)
    policy: dict[str, Any] | None = None

    @property
    def row_count(self) -> int:
        return len(self.nodes) + len(self.links)


def link_key(kind: str, values: list[Any]) -> str:
    """The natural key of a link: its kind and identity values, as a stable string.

    >>> link_key("contact", ["L1", "F1", None])
    '["contact", "L1", "F1", null]'
    """
    return json.dumps([kind, *(_plain(v) for v in values)], ensure_ascii=False)


def _plain(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def encode_props(props: dict[str, Any]) -> str:
    """Props as JSON text, dates as ISO strings, keys sorted so equal props give equal text.

    >>> encode_props({"since": dt.date(2026, 1, 5), "name": "王伟"})
    '{"name": "王伟", "since": "2026-01-05"}'
    """
    return json.dumps({k: _plain(v) for k, v in props.items()}, ensure_ascii=False, sort_keys=True)


def decode_props(text: str, date_fields: frozenset[str]) -> dict[str, Any]:
    """Inverse of :func:`encode_props`, given which fields hold dates.

    >>> decode_props('{"since": "2026-01-05"}', frozenset({"since"}))
    {'since': datetime.date(2026, 1, 5)}
    """
    props: dict[str, Any] = json.loads(text)
    for name in date_fields & props.keys():
        if props[name] is not None:
            props[name] = dt.date.fromisoformat(props[name])
    return props

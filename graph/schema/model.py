"""The domain model: validated records, a dataset of them, and load problems.

Loaders turn files into a :class:`Dataset`; stores persist it; :mod:`graph.schema.build` turns the
stored records into a ``networkx.MultiDiGraph``. Property values are typed Python values
(``datetime.date`` for dates, ``list`` for list cells, ``bool``, ``int``, ``str``).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import repeat
from typing import Any, NamedTuple

from concentric.graph.schema.schema import SCHEMA

__all__ = [
    "Dataset",
    "ExistingNode",
    "LinkRecord",
    "NodeRecord",
    "Problem",
    "RecordBlock",
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
    # The same message in Chinese, for pages (``loaders.messages`` writes both); not part
    # of a problem's identity or order.
    message_zh: str = field(default="", compare=False)

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.column}: {self.message}"

    def text(self, language: str) -> str:
        """The message in ``language`` ("zh" or "en"); English where no Chinese was written."""
        return self.message_zh if language == "zh" and self.message_zh else self.message


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


class RecordBlock:
    """Validated rows of one table, kept column by column (what a file load produces).

    ``columns[name][j]`` is property ``name`` of row ``j`` (``None`` when absent); a node
    block has an ``id`` column, a link block its ``source`` and ``target`` columns and the
    ``key`` columns of its natural key. Rows become :class:`NodeRecord`/:class:`LinkRecord`
    only when asked (:meth:`records`); a store writes :meth:`encoded_rows`, whose JSON text
    equals :func:`encode_props` of the record but is built a column at a time: a 10^6-target
    load would otherwise build, encode and drop 3.5 million dicts.

    >>> block = RecordBlock("figure", "f.csv", [2, 3],
    ...     {"id": ["F1", "F2"], "name": ["王伟", "李梅"], "since": [dt.date(2026, 1, 5), None]})
    >>> [r.props for r in block.records()]
    [{'name': '王伟', 'since': datetime.date(2026, 1, 5)}, {'name': '李梅'}]
    >>> next(block.encoded_rows())
    ('F1', 'figure', '{"name": "王伟", "since": "2026-01-05"}', 'f.csv', 2)
    """

    def __init__(
        self,
        kind: str,
        source: str,
        lines: list[int],
        columns: dict[str, list[Any]],
        *,
        extra: list[dict[str, Any] | None] | None = None,
        link: tuple[str, str, tuple[str, ...]] | None = None,
    ) -> None:
        self.kind = kind
        self.source = source
        self.lines = lines
        self.columns = columns
        self.extra = extra
        # (source column, target column, key columns) for a link table.
        self.link = link
        # Rows superseded by a later row with the same natural key (links only).
        self.dropped: set[int] = set()
        self._keys: list[str] | None = None

    @property
    def is_link(self) -> bool:
        return self.link is not None

    def __len__(self) -> int:
        return len(self.lines) - len(self.dropped)

    def keys(self) -> list[str]:
        """Each row's natural key (links only), equal to :func:`link_key` of its values."""
        if self._keys is None:
            assert self.link is not None
            kind = _json(self.kind)
            count = len(self.lines)
            parts = [
                _ColumnEncoder(absent="null").encode(self.columns.get(n) or [None] * count)
                for n in self.link[2]
            ]
            self._keys = [
                f"[{kind}, {', '.join(row)}]"  # absent parts are "null", never None
                for row in zip(*parts, strict=True)
            ]
        return self._keys

    def records(self) -> Iterator[NodeRecord | LinkRecord]:
        names = [n for n in self.columns if n != "id" or self.is_link]
        rows = zip(*(self.columns[n] for n in names), strict=True) if names else None
        extras = self.extra or [None] * len(self.lines)
        ids = self.columns.get("id") if not self.is_link else None
        keys = self.keys() if self.is_link else None
        for j, line in enumerate(self.lines):
            row = next(rows) if rows is not None else ()
            if j in self.dropped:
                continue
            props = {n: v for n, v in zip(names, row, strict=True) if v is not None}
            if extras[j]:
                props["extra"] = extras[j]
            if self.link is None:
                assert ids is not None
                yield NodeRecord(ids[j], self.kind, props, self.source, line)
            else:
                assert keys is not None
                source_id, target_id = props[self.link[0]], props[self.link[1]]
                yield LinkRecord(self.kind, source_id, target_id, keys[j], props, self.source, line)

    def encoded_rows(self, chunk: int = 20_000) -> Iterator[tuple[Any, ...]]:
        """Rows as stored: ``(id, kind, props, source, line)`` for nodes,
        ``(key, kind, source_id, target_id, props, source, line)`` for links."""
        names = sorted(n for n in self.columns if n != "id" or self.is_link)
        if self.extra is not None:
            names = sorted([*names, "extra"])
        # One '"name": value' fragment per cell (None where absent), in key order; a row's
        # JSON is then the join of its present fragments, as json.dumps(sort_keys=True).
        # A chunk of rows at a time, so the fragments of a big table never pile up.
        encoders = [_ColumnEncoder(f"{_json(n)}: ", sort_keys=n == "extra") for n in names]
        columns: list[Sequence[Any]] = [
            (self.extra or []) if n == "extra" else self.columns[n] for n in names
        ]
        kind, source, lines = self.kind, self.source, self.lines
        if self.link is not None:
            keys = self.keys()
            sources, targets = self.columns[self.link[0]], self.columns[self.link[1]]
        else:
            ids = self.columns["id"]
        for start in range(0, len(lines), chunk):
            stop = min(start + chunk, len(lines))
            fragments = [e.encode(c[start:stop]) for e, c in zip(encoders, columns, strict=True)]
            texts = (
                ["{" + ", ".join(filter(None, row)) + "}" for row in zip(*fragments, strict=True)]
                if fragments
                else ["{}"] * (stop - start)
            )
            if self.link is None:
                yield from zip(
                    ids[start:stop],
                    repeat(kind),
                    texts,
                    repeat(source),
                    lines[start:stop],
                    strict=False,
                )
                continue
            for j in range(start, stop):
                if j not in self.dropped:
                    yield keys[j], kind, sources[j], targets[j], texts[j - start], source, lines[j]


class _ColumnEncoder:
    """``prefix`` + JSON text of each value (None where absent), each distinct value once.

    Caching by value is sound because a column holds one type (``True == 1`` never meets
    ``1`` in the same column); lists and dicts are not hashable and are encoded one by one.
    A column of mostly distinct values (ids, names) stops caching: it would only cost.
    """

    def __init__(
        self, prefix: str = "", *, sort_keys: bool = False, absent: str | None = None
    ) -> None:
        self.prefix = prefix
        self.absent = absent
        self.sort_keys = sort_keys
        self.cache: dict[Any, str] | None = {}
        self.seen = 0

    def encode(self, values: Sequence[Any]) -> list[str | None]:
        prefix, cache = self.prefix, self.cache
        if self.sort_keys:  # the "extra" dict of unknown columns
            return [
                prefix + json.dumps(v, ensure_ascii=False, sort_keys=True) if v else None
                for v in values
            ]
        absent = self.absent
        if cache is None:
            return [absent if v is None else prefix + _json(v) for v in values]
        out: list[str | None] = []
        append = out.append
        for value in values:
            if value is None:
                append(absent)
            elif value.__class__ is list:
                append(prefix + _json(value))
            else:
                text = cache.get(value)
                if text is None:
                    text = cache[value] = prefix + _json(value)
                append(text)
        self.seen += len(values)
        if len(cache) > 4096 and len(cache) * 2 > self.seen:
            self.cache = None
        return out


def _json(value: Any) -> str:
    """``json.dumps(_plain(value), ensure_ascii=False)``, with the common cases done directly."""
    cls = value.__class__
    if cls is str:
        return _encode_str(value)
    if cls is dt.date:
        return f'"{value.isoformat()}"'
    if cls is bool:
        return "true" if value else "false"
    if cls is int:
        return int.__repr__(value)
    if cls is list and all(v.__class__ is str for v in value):
        return "[" + ", ".join(map(_encode_str, value)) + "]"
    return json.dumps(_plain(value), ensure_ascii=False)


# The C string encoder json.dumps itself uses when ensure_ascii is off.
_encode_str: Callable[[str], str] = json.encoder.encode_basestring


class Dataset:
    """A validated set of records, ready to store. ``policy`` holds overrides only.

    Records come as lists (``nodes``, ``links``) or, from a file load, as column-wise
    :class:`RecordBlock` s that become records only if someone reads ``nodes``/``links``.
    """

    def __init__(
        self,
        nodes: list[NodeRecord] | None = None,
        links: list[LinkRecord] | None = None,
        policy: dict[str, Any] | None = None,
        blocks: list[RecordBlock] | None = None,
    ) -> None:
        self._nodes = list(nodes or [])
        self._links = list(links or [])
        self.policy = policy
        self.blocks = list(blocks or [])

    def __repr__(self) -> str:
        return f"Dataset({self.row_count} rows, policy={self.policy!r})"

    @property
    def nodes(self) -> list[NodeRecord]:
        self._materialize(link=False)
        return self._nodes

    @nodes.setter
    def nodes(self, value: list[NodeRecord]) -> None:
        self.blocks = [b for b in self.blocks if b.is_link]
        self._nodes = value

    @property
    def links(self) -> list[LinkRecord]:
        self._materialize(link=True)
        return self._links

    @links.setter
    def links(self, value: list[LinkRecord]) -> None:
        self.blocks = [b for b in self.blocks if not b.is_link]
        self._links = value

    def _materialize(self, *, link: bool) -> None:
        for block in [b for b in self.blocks if b.is_link == link]:
            target: list[Any] = self._links if link else self._nodes
            target.extend(block.records())
        self.blocks = [b for b in self.blocks if b.is_link != link]

    @property
    def row_count(self) -> int:
        return len(self._nodes) + len(self._links) + sum(len(b) for b in self.blocks)

    def encoded_nodes(self) -> Iterator[tuple[Any, ...]]:
        """``(id, kind, props, source, line)`` per node, props as :func:`encode_props` text."""
        for n in self._nodes:
            yield n.id, n.kind, encode_props(n.props), n.source, n.line
        for block in self.blocks:
            if not block.is_link:
                yield from block.encoded_rows()

    def encoded_links(self) -> Iterator[tuple[Any, ...]]:
        """``(key, kind, source_id, target_id, props, source, line)`` per link."""
        for lk in self._links:
            yield (
                lk.key,
                lk.kind,
                lk.source_id,
                lk.target_id,
                encode_props(lk.props),
                lk.source,
                lk.line,
            )
        for block in self.blocks:
            if block.is_link:
                yield from block.encoded_rows()


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


def references_of(record: NodeRecord) -> Iterator[str]:
    """The ids a node's own reference columns name (its area, parent, an interaction's
    leaders and targets)."""
    for column in SCHEMA.references.get(record.kind, ()):
        value = record.props.get(column.name)
        if isinstance(value, list):
            yield from value
        elif value:
            yield value

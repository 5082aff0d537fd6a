"""Search by name, id or pinyin over one data version's named entities, kept per version.

The index is built from the coverage index (targets, areas) and the leaders' records, so
search never needs the whole graph. Pinyin is the slow part (a dictionary lookup per
character): it is computed once per distinct name, carried over from the previous
version's index for names it already knew, and kept in the store with the snapshot.

>>> from concentric.graph.engine.coverage_index import CoverageIndex
>>> from concentric.graph.schema.model import NodeRecord
>>> index = CoverageIndex.from_records(
...     [NodeRecord("F1", "figure", {"name": "王伟", "category": "religious"}),
...      NodeRecord("F2", "figure", {"name": "汪维", "category": "ethnic"})], [])
>>> found = SearchIndex.build(index, [NodeRecord("L1", "leader", {"name": "张三"})])
>>> [i["id"] for i in found.search("wangwei")["items"]]
['F1', 'F2']
>>> [i["id"] for i in found.search("王")["items"]]
['F1']
>>> found.search("zs")["items"][0]["kind"]
'leader'
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from concentric.graph.engine.coverage import QueryError
from concentric.graph.engine.coverage_index import pack_state, unpack_state

if TYPE_CHECKING:
    from concentric.graph.engine.coverage_index import CoverageIndex
    from concentric.graph.schema.model import NodeRecord

__all__ = ["SEARCH_KINDS", "SearchIndex", "pinyin_keys"]

SEARCH_KINDS = frozenset({"leader", "figure", "organization", "unit", "area"})
# Bumped whenever the kept form changes: older kept copies are rebuilt.
_STATE_FORMAT = 1
_FIELDS = ("ids", "kinds", "names", "categories", "types", "area_ids", "full", "initials")
# Never inside a searched text: the query's whitespace is removed, and so is every name's
# line break below, so a match never spans two entries.
_SEPARATOR = "\n"


def pinyin_keys(name: str) -> tuple[str, str]:
    """Full pinyin without tones and the initials: ``王伟`` → ``("wangwei", "ww")``."""
    from pypinyin import Style, lazy_pinyin  # its dictionaries take a second to load

    syllables = lazy_pinyin(name, style=Style.NORMAL, errors="ignore")
    return "".join(syllables).lower(), "".join(s[0] for s in syllables if s).lower()


@dataclass(frozen=True)
class _Entry:
    id: str
    kind: str
    name: str | None
    category: str | None
    type: str | None
    area_id: str | None


class SearchIndex:
    """Every named entity's id, name and pinyin, in id order, with the texts searched
    joined into one string each so a query is a few C-speed scans, not a Python loop."""

    def __init__(self, columns: dict[str, list[Any]]) -> None:
        self.columns = columns
        self.ids: list[str] = columns["ids"]
        self.position = {node: i for i, node in enumerate(self.ids)}
        self._ids_lower = self._joined(node.lower() for node in self.ids)
        self._names_lower = self._joined(str(name or "").lower() for name in columns["names"])
        self._full = self._joined(columns["full"])
        self._by_initials: dict[str, list[int]] = {}
        for i, initials in enumerate(columns["initials"]):
            self._by_initials.setdefault(initials, []).append(i)

    @staticmethod
    def _joined(texts: Iterable[str]) -> tuple[str, npt.NDArray[np.int64]]:
        """The texts joined by the separator, and where each one starts."""
        parts = [text.replace(_SEPARATOR, " ") for text in texts]
        starts = np.zeros(len(parts), dtype=np.int64)
        if parts:
            starts[1:] = np.cumsum([len(p) + 1 for p in parts[:-1]])
        return _SEPARATOR.join(parts), starts

    @classmethod
    def build(
        cls,
        index: CoverageIndex,
        leaders: Iterable[NodeRecord],
        previous: SearchIndex | None = None,
    ) -> SearchIndex:
        """The index of the targets and areas of ``index`` and of ``leaders`` (their
        records), reusing ``previous``'s pinyin for names it already knew."""
        entries = [
            _Entry(**index.summary_of(i)) for i in range(len(index.ids))
        ]  # id, name, kind, category, type, area_id as the lists show a target
        entries += [
            _Entry(
                leader.id,
                "leader",
                leader.props.get("name"),
                None,
                None,
                leader.props.get("area_id"),
            )
            for leader in leaders
        ]
        entries += [
            _Entry(area, "area", index.area_names.get(area), None, index.area_kinds.get(area), None)
            for area in index.area_list
        ]
        entries.sort(key=lambda e: e.id)
        known: dict[str, tuple[str, str]] = {}
        if previous is not None:
            for name, full, initials in zip(
                previous.columns["names"],
                previous.columns["full"],
                previous.columns["initials"],
                strict=True,
            ):
                known[str(name or "")] = (full, initials)
        full_keys, initials_keys = [], []
        for entry in entries:
            name = str(entry.name or "")
            keys = known.get(name)
            if keys is None:
                keys = known[name] = pinyin_keys(name)
            full_keys.append(keys[0])
            initials_keys.append(keys[1])
        return cls(
            {
                "ids": [e.id for e in entries],
                "kinds": [e.kind for e in entries],
                "names": [e.name for e in entries],
                "categories": [e.category for e in entries],
                "types": [e.type for e in entries],
                "area_ids": [e.area_id for e in entries],
                "full": full_keys,
                "initials": initials_keys,
            }
        )

    def to_bytes(self) -> bytes:
        """The index, for a store to keep next to the data it was built from."""
        return pack_state({}, {"format": _STATE_FORMAT, **self.columns})

    @classmethod
    def from_bytes(cls, data: bytes) -> SearchIndex:
        """The index :meth:`to_bytes` wrote; ValueError if the bytes are not one."""
        _, plain = unpack_state(data)
        if plain.pop("format", None) != _STATE_FORMAT or set(plain) != set(_FIELDS):
            raise ValueError("not a search index of this version")
        if len({len(column) for column in plain.values()}) > 1:
            raise ValueError("a search index with columns of different lengths")
        return cls(plain)

    def pinyin(self, node: str, name: str) -> tuple[str, str]:
        """The full pinyin and initials of ``name``, the name of entity ``node``: the kept
        keys when the index knows the entity by that name, else computed."""
        i = self.position.get(node)
        if i is None or str(self.columns["names"][i] or "") != name:
            return pinyin_keys(name)
        return self.columns["full"][i], self.columns["initials"][i]

    def _containing(self, joined: tuple[str, npt.NDArray[np.int64]], needle: str) -> set[int]:
        text, starts = joined
        at = [match.start() for match in re.finditer(re.escape(needle), text)]
        if not at:
            return set()
        return set((np.searchsorted(starts, np.array(at), side="right") - 1).tolist())

    def search(self, query: str, limit: int = 50) -> dict[str, Any]:
        """Entities whose name, id or pinyin (full or initials) contains ``query``.

        Exact id and name matches come first, then names (or their pinyin) starting with
        the query, then the rest; by id within each.
        """
        needle = "".join(query.split()).lower()
        if not needle:
            raise QueryError("empty search")
        # Every match of any rank contains the query in its id, name or full pinyin, or
        # has it as initials: only those are ranked.
        candidates = (
            self._containing(self._ids_lower, needle)
            | self._containing(self._names_lower, needle)
            | self._containing(self._full, needle)
            | set(self._by_initials.get(needle, ()))
        )
        names, full = self.columns["names"], self.columns["full"]
        hits: list[tuple[int, str, int]] = []
        for i in candidates:
            node, name = self.ids[i], str(names[i] or "").lower()
            if needle in (node.lower(), name):
                hits.append((0, node, i))
            elif name.startswith(needle) or full[i].startswith(needle):
                hits.append((1, node, i))
            else:
                hits.append((2, node, i))
        hits.sort()
        items = [self._summary(i) for _, _, i in hits[:limit]]
        return {"query": query, "total": len(hits), "items": items}

    def _summary(self, i: int) -> dict[str, Any]:
        columns = self.columns
        return {
            "id": self.ids[i],
            "kind": columns["kinds"][i],
            "name": columns["names"][i],
            "category": columns["categories"][i],
            "type": columns["types"][i],
            "area_id": columns["area_ids"][i],
        }

"""What the completeness report reads from a store (graph/engine/completeness.py)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from concentric.graph.schema.model import NodeRecord

#: The node kinds the report checks, and the areas it counts them by.
REGISTER_KINDS = ("area", "figure", "organization", "unit", "leader")
#: The only fields the report reads of them (a store may read just these).
REGISTER_FIELDS = (
    "name",
    "area_id",
    "parent_id",
    "category",
    "party",
    "ethnicity",
    "religion",
    "phone",
    "joint_meeting",
    "post",
)


@dataclass
class RegisterRecords:
    """``nodes``: the records of :data:`REGISTER_KINDS`, a row at a time, with at least
    their :data:`REGISTER_FIELDS` (a field left blank is absent); ``members``: the
    figures some membership row names; ``contacted``: the targets some interaction names."""

    nodes: Iterator[NodeRecord]
    members: set[str]
    contacted: set[str]


@runtime_checkable
class ReadsRegister(Protocol):
    """A store that reads just those (no interaction or link decoded)."""

    def register_records(self) -> AbstractContextManager[RegisterRecords]:
        """The records, from one snapshot of the data."""
        ...

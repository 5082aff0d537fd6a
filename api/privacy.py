"""Data minimisation: which field classes a caller may see, and records cut to that view.

The schema declares each column's class (``graph/schema/schema.yaml``: ordinary, ``personal``,
``sensitive``; unknown columns under ``extra`` are ``unknown``). A role's view is an
allow-list of classes (:func:`visible_classes`); :func:`cut` keeps only the fields of those
classes and, for a view without personal access, masks phone-like and ID-card-like numbers
in every text value left (:func:`mask_numbers`). Entity records, API answers, pages, network
hover cards, gap downloads, the report and ``concentric export`` all go through :func:`cut`.

>>> view = visible_classes("analyst", sensitive_roles=("admin", "planner"))
>>> sorted(view)
['ordinary']
>>> cut({"name": "王伟", "phone": "13812345678", "religion": "佛教",
...      "extra": {"身份证号": "x"}, "summary": "电话 13812345678"}, view)
{'name': '王伟', 'summary': '电话 ***'}
>>> sorted(visible_classes("planner", sensitive_roles=("admin", "planner")))
['ordinary', 'personal', 'sensitive', 'unknown']
"""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import TYPE_CHECKING, Any

from concentric.graph.schema.schema import FIELD_CLASSES, SCHEMA

if TYPE_CHECKING:
    from concentric.api.access import Principal
    from concentric.graph.workspace import Workspace

__all__ = [
    "ALL_CLASSES",
    "EXPORT_CLASSES",
    "MASK",
    "PERSONAL_ROLES",
    "cut",
    "entity_classes",
    "mask_numbers",
    "masks_text",
    "visible_classes",
]

ALL_CLASSES = frozenset(FIELD_CLASSES)
#: What a file for other tools holds unless told otherwise (``concentric export``, the report).
EXPORT_CLASSES = frozenset({"ordinary"})
#: Roles that see personal fields of every record they reach (a leader: of its own targets).
PERSONAL_ROLES = frozenset({"admin", "planner"})
MASK = "***"

# A number that is not part of a longer run of ASCII letters or digits (so ids such as
# I00001 or F13812345678 and dates such as 2026-11-27 stay as they are):
# an 18-digit resident ID (area code, birth date 19xx/20xx, sequence, check digit or X),
# a 15-digit old ID (area code, yymmdd, sequence), a mainland mobile (optional +86, groups
# 3-4-4 with optional spaces or dashes), or a landline with its area code (0931-1234567,
# (010) 1234 5678).
_PHONE_OR_ID = re.compile(
    r"""
    (?<![0-9A-Za-z])
    (?:
        [1-9]\d{5}(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[0-9Xx]
      | [1-9]\d{5}\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}
      | (?:\+?86[ -]?)?1[3-9]\d(?:[ -]?\d{4}){2}
      | (?:\(0\d{2,3}\)|0\d{2,3})[ -]?\d{3,4}[ -]?\d{4}
    )
    (?![0-9A-Za-z])
    """,
    re.VERBOSE | re.ASCII,
)
# Full-width digits, letters X, signs and spaces as their ASCII forms, one character for one,
# so a match in the folded text has the same span in the original.
_FOLD = str.maketrans(
    "０１２３４５６７８９Ｘｘ－＋（）\u3000",
    "0123456789Xx-+() ",
)


def mask_numbers(text: str) -> str:
    """``text`` with each phone-like or ID-card-like number replaced by ``***``.

    >>> mask_numbers("联系电话：0931-1234567，身份证 62010219800101123X。")
    '联系电话：***，身份证 ***。'
    >>> mask_numbers("2026-11-27 走访 I00001")
    '2026-11-27 走访 I00001'
    """
    folded = text.translate(_FOLD)
    spans = [m.span() for m in _PHONE_OR_ID.finditer(folded)]
    if not spans:
        return text
    parts: list[str] = []
    last = 0
    for start, end in spans:
        parts += [text[last:start], MASK]
        last = end
    parts.append(text[last:])
    return "".join(parts)


def visible_classes(
    role: str, sensitive_roles: Collection[str], *, own_target: bool = False
) -> frozenset[str]:
    """The field classes ``role`` may see: its allow-list.

    Personal fields: admin and planner, and a leader for its own targets (``own_target``:
    the record is a target the leader is assigned to). Sensitive fields: the roles in the
    ``sensitive_roles`` setting (a leader among them: again only for its own targets).
    Unknown columns may hold either kind, so only a view with both shows them.
    """
    on_own_record = role != "leader" or own_target
    classes = {"ordinary"}
    if role in PERSONAL_ROLES or (role == "leader" and own_target):
        classes.add("personal")
    if role in sensitive_roles and on_own_record:
        classes.add("sensitive")
    if {"personal", "sensitive"} <= classes:
        classes.add("unknown")
    return frozenset(classes)


def entity_classes(
    principal: Principal, sensitive_roles: Collection[str], workspace: Workspace, entity_id: str
) -> frozenset[str]:
    """:func:`visible_classes` for one entity's record: a leader's own target is one it has
    an open contact with today."""
    own = (
        principal.role == "leader"
        and principal.leader_id is not None
        and entity_id in workspace.assigned_targets(principal.leader_id)
    )
    return visible_classes(principal.role, sensitive_roles, own_target=own)


def masks_text(classes: Collection[str]) -> bool:
    """Whether text shown with this view is masked: it is without personal access."""
    return "personal" not in classes


def cut(record: Any, classes: Collection[str]) -> Any:
    """``record`` (mappings, lists and scalars, at any depth) cut to ``classes``.

    A key whose field class (:meth:`graph.schema.schema.Schema.field_class`) is not in
    ``classes`` is left out with its value; keys that are no column (``status``, ``ties``)
    stay. When :func:`masks_text`, every text value left is masked with
    :func:`mask_numbers`. The record itself is not changed.
    """
    if set(classes) >= ALL_CLASSES:
        return record
    return _cut(record, frozenset(classes), masks_text(classes))


def _cut(value: Any, classes: frozenset[str], mask: bool) -> Any:
    if isinstance(value, str):
        return mask_numbers(value) if mask else value
    if isinstance(value, dict):
        kept = {}
        for key, item in value.items():
            field_class = SCHEMA.field_class(key) if isinstance(key, str) else None
            if field_class is None or field_class in classes:
                kept[key] = _cut(item, classes, mask)
        return kept
    if isinstance(value, list | tuple):
        return [_cut(item, classes, mask) for item in value]
    return value

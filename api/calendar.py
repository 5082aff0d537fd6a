"""Reminders where leaders already look: a per-leader iCalendar feed (RFC 5545) of due and
overdue contacts, and a digest of what falls due in the next days (HTML and plain text).

Both are built from the leader's own to-do list (:meth:`graph.workspace.Workspace.todo`),
which holds only that leader's assigned targets; of each target they carry its name, status,
due date, last contact and a link to its page, nothing else (no category, area, phone,
ethnicity or religion).
"""

from __future__ import annotations

import datetime as dt
import html
import re
from typing import Any
from urllib.parse import quote

from icalendar import Calendar, Event

from concentric.graph import SCHEMA
from concentric.graph.workspace import Workspace

__all__ = [
    "CALENDAR_PATH",
    "DIGEST_DAYS",
    "FEED_DAYS",
    "calendar_feed",
    "digest_html",
    "digest_text",
    "leader_due",
    "masked_calendar_path",
]

#: The URL of a leader's feed; the secret is the only credential (calendar programs send
#: no token).
CALENDAR_PATH = "/calendar/{secret}.ics"
#: A feed holds the overdue targets and those due within this many days (the to-do list's).
FEED_DAYS = 30
#: The digest lists what falls due within this many days.
DIGEST_DAYS = 30
_CALENDAR_PATH = re.compile(r"^/calendar/[^/]+\.ics$")


def masked_calendar_path(path: str) -> str:
    """A request path as the audit log keeps it: a feed's secret never written down.

    >>> masked_calendar_path("/calendar/cal_abc.ics"), masked_calendar_path("/leaders/L1")
    ('/calendar/***.ics', '/leaders/L1')
    """
    return "/calendar/***.ics" if _CALENDAR_PATH.match(path) else path


def leader_due(
    workspace: Workspace, leader_id: str, as_of: dt.date | None, days: int
) -> dict[str, Any]:
    """The leader's name and its targets overdue or due within ``days``: each with only
    ``id``, ``name``, ``status``, ``due``, ``last_contact`` and ``overdue``."""
    leader = workspace.leader(leader_id)
    todo = workspace.todo(leader_id, as_of, due_within=days)
    keep = ("id", "name", "status", "due", "last_contact", "overdue")
    return {
        "leader_id": leader_id,
        "leader_name": leader["name"] or leader_id,
        "as_of": todo["as_of"],
        "items": [{k: item[k] for k in keep} for item in todo["items"]],
    }


def _status(code: str) -> str:
    return SCHEMA.enum_label("coverage_status", code)


def _last_contact(item: dict[str, Any]) -> str:
    return f"上次联系：{item['last_contact']}" if item["last_contact"] else "上次联系：从未联系"


def calendar_feed(due: dict[str, Any], base_url: str, stamp: dt.datetime) -> bytes:
    """The iCalendar file: one all-day VEVENT per target on its due date, SUMMARY its name
    and status, DESCRIPTION its last contact, URL its page. ``stamp`` is DTSTAMP (when the
    feed was made, UTC); each event's UID is stable across feeds (leader, target, due)."""
    calendar = Calendar()
    calendar.add("prodid", "-//Concentric//联系交友提醒//ZH")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", f"联系交友提醒 · {due['leader_name']}")
    base = base_url.rstrip("/")
    for item in due["items"]:
        day = dt.date.fromisoformat(item["due"])
        event = Event()
        event.add("uid", f"{due['leader_id']}-{item['id']}-{item['due']}@concentric")
        event.add("dtstamp", stamp)
        event.add("dtstart", day)
        event.add("dtend", day + dt.timedelta(days=1))
        event.add("summary", f"{item['name'] or item['id']}（{_status(item['status'])}）")
        event.add("description", _last_contact(item))
        event.add("url", f"{base}/entities/{quote(item['id'], safe='')}")
        calendar.add_component(event)
    data: bytes = calendar.to_ical()
    return data


def digest_text(due: dict[str, Any], days: int = DIGEST_DAYS) -> str:
    """The digest as plain text: overdue first, then by due date."""
    lines = [f"{due['leader_name']}：截至 {due['as_of']}，{days} 天内到期的联系对象"]
    if not due["items"]:
        lines.append("（无）")
    for item in due["items"]:
        flag = "已逾期" if item["overdue"] else "到期"
        lines.append(
            f"- {item['due']} {flag} {item['name'] or item['id']}（{_status(item['status'])}），"
            f"{_last_contact(item)}"
        )
    return "\n".join(lines) + "\n"


def digest_html(due: dict[str, Any], base_url: str, days: int = DIGEST_DAYS) -> str:
    """The digest as one HTML page; every name is escaped."""
    base = html.escape(base_url.rstrip("/"), quote=True)
    title = html.escape(f"{due['leader_name']}：截至 {due['as_of']}，{days} 天内到期的联系对象")
    rows = []
    for item in due["items"]:
        link = f"{base}/entities/{html.escape(quote(item['id'], safe=''), quote=True)}"
        name = html.escape(item["name"] or item["id"])
        flag = "已逾期" if item["overdue"] else "到期"
        rows.append(
            f"<tr><td>{html.escape(item['due'])}</td><td>{flag}</td>"
            f'<td><a href="{link}">{name}</a></td><td>{html.escape(_status(item["status"]))}</td>'
            f"<td>{html.escape(item['last_contact'] or '从未联系')}</td></tr>"
        )
    body = (
        "<table><tr><th>到期日</th><th></th><th>对象</th><th>状态</th><th>上次联系</th></tr>"
        + "".join(rows)
        + "</table>"
        if rows
        else "<p>（无）</p>"
    )
    return (
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{title}</title></head><body><h1>{title}</h1>{body}</body></html>\n"
    )

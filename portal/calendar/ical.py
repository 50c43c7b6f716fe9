"""iCalendar (RFC 5545) of the schedule, made with the `icalendar` package.

One VEVENT per session: a UID stable for the session's whole life, so calendar clients
update the event in place when it moves or is cancelled; SEQUENCE grows with every change
(the row's version). Times carry TZID=Asia/Ho_Chi_Minh with its VTIMEZONE. Nothing about
the citizens who raised petitions goes into a feed: only what the Office publishes of the
session itself. Plain functions: the caller passes the labels and the host name.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timezone

from icalendar import Calendar, Event

from portal.calendar.conflicts import span
from portal.calendar.models import DialogueSession, SessionStatus
from portal.timefmt import LOCAL_TZ

PRODID = "-//Van phong UBND tinh//Tiep xuc doi thoai//VI"

STATUS = {
    SessionStatus.TENTATIVE: "TENTATIVE",
    SessionStatus.SCHEDULED: "CONFIRMED",
    SessionStatus.IN_PROGRESS: "CONFIRMED",
    SessionStatus.CONCLUDED: "CONFIRMED",
    SessionStatus.CANCELLED: "CANCELLED",
}

CONTENT_TYPE = "text/calendar; charset=utf-8"


def uid(session_id: int, domain: str) -> str:
    return f"session-{session_id}@{domain}"


def session_event(item: DialogueSession, *, domain: str, now: datetime,
                  describe: Callable[[DialogueSession], str],
                  last_modified: datetime | None = None) -> Event:
    """The VEVENT of one session."""
    start, end = span(item.starts_at, item.ends_at)
    event = Event()
    event.add("uid", uid(item.id, domain))
    event.add("dtstamp", now.astimezone(timezone.utc))
    event.add("dtstart", start.astimezone(LOCAL_TZ))
    event.add("dtend", end.astimezone(LOCAL_TZ))
    event.add("summary", item.title)
    if item.venue:
        event.add("location", item.venue)
    event.add("description", describe(item))
    event.add("status", STATUS[item.status])
    event.add("sequence", max((item.version or 1) - 1, 0))
    event.add("created", item.created_at.astimezone(timezone.utc))
    event.add("last-modified", (last_modified or item.created_at).astimezone(timezone.utc))
    event.add("transp", "OPAQUE")
    return event


def build_calendar(sessions: Iterable[DialogueSession], *, name: str, domain: str,
                   describe: Callable[[DialogueSession], str],
                   last_modified: dict[int, datetime] | None = None,
                   now: datetime | None = None) -> bytes:
    """A whole VCALENDAR with one VEVENT per session and the VTIMEZONE they use."""
    now = now or datetime.now(timezone.utc)
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", str(LOCAL_TZ.key))
    modified = last_modified or {}
    for item in sessions:
        cal.add_component(session_event(item, domain=domain, now=now, describe=describe,
                                        last_modified=modified.get(item.id)))
    cal.add_missing_timezones()
    return cal.to_ical()

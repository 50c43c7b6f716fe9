"""Schedule conflicts (trùng lịch), found before a session is saved.

Three kinds: the same leader (host) chairs another session that day; the same venue is
taken at overlapping times; the day is a weekend, a public holiday or a day off decided by
the government (HolidayOverride). Plain functions: no Flask, one query for the sessions
around the day and one for the overrides. Cancelled sessions never conflict.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from portal.calendar.models import DialogueSession, SessionStatus
from portal.calendar.rules import WorkingCalendar, working_calendar
from portal.extensions import db
from portal.text import fold
from portal.timefmt import local_to_utc, to_local

# A session without an end time is taken to last this long.
DEFAULT_DURATION = timedelta(hours=3)


class ConflictKind(enum.StrEnum):
    HOST = "host"  # người chủ trì đã có buổi khác cùng ngày
    VENUE = "venue"  # địa điểm đã có buổi khác trùng giờ
    DAY_OFF = "day_off"  # ngày nghỉ cuối tuần, nghỉ lễ, nghỉ bù


@dataclass(frozen=True)
class Conflict:
    """One reason to think twice; `other` is the clashing session (None for a day off)."""

    kind: ConflictKind
    day: date
    other: DialogueSession | None = None
    holiday: str | None = None  # the holiday's name; None for a plain weekend

    @property
    def other_span(self) -> tuple[datetime, datetime] | None:
        return span(self.other.starts_at, self.other.ends_at) if self.other else None


def same_text(a: str | None, b: str | None) -> bool:
    """Equal once case, diacritics and runs of spaces are set aside."""
    return " ".join(fold(a or "").split()) == " ".join(fold(b or "").split()) != ""


def span(starts_at: datetime, ends_at: datetime | None) -> tuple[datetime, datetime]:
    """A session's time span; no (or a nonsensical) end means DEFAULT_DURATION."""
    if ends_at is None or ends_at <= starts_at:
        ends_at = starts_at + DEFAULT_DURATION
    return starts_at, ends_at


def overlaps(a: tuple[datetime, datetime], b: tuple[datetime, datetime]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def day_off(day: date, cal: WorkingCalendar | None = None) -> Conflict | None:
    """A DAY_OFF conflict if `day` is not a working day (the Office's overrides win)."""
    cal = cal or working_calendar(day, day)
    if cal.is_working_day(day):
        return None
    return Conflict(ConflictKind.DAY_OFF, day, holiday=cal.holiday_name(day))


def find_conflicts(*, starts_at: datetime, ends_at: datetime | None, venue: str | None,
                   host: str | None, exclude_id: int | None = None,
                   cal: WorkingCalendar | None = None) -> list[Conflict]:
    """Every conflict of a session planned at [starts_at, ends_at) in `venue` chaired by
    `host`; `exclude_id` is the session itself when it is being edited."""
    mine = span(starts_at, ends_at)
    day = to_local(starts_at).date()
    # Sessions that start that day, the day before (a long one may run past midnight) or
    # before this one ends.
    lo = local_to_utc(day - timedelta(days=1), time.min)
    hi = max(local_to_utc(day + timedelta(days=1), time.min), mine[1])
    query = (
        select(DialogueSession)
        .where(DialogueSession.starts_at >= lo, DialogueSession.starts_at < hi,
               DialogueSession.status != SessionStatus.CANCELLED)
        .order_by(DialogueSession.starts_at, DialogueSession.id)
    )
    if exclude_id is not None:
        query = query.where(DialogueSession.id != exclude_id)
    found: list[Conflict] = []
    for other in db.session.scalars(query):
        if host and to_local(other.starts_at).date() == day and same_text(other.host, host):
            found.append(Conflict(ConflictKind.HOST, day, other=other))
        if venue and same_text(other.venue, venue) and overlaps(mine, span(other.starts_at,
                                                                            other.ends_at)):
            found.append(Conflict(ConflictKind.VENUE, day, other=other))
    off = day_off(day, cal)
    if off is not None:
        found.append(off)
    return found

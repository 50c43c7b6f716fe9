"""Queries and rules of the schedule that know nothing of HTTP.

The calendar shows the sessions a user may see, filtered by kind, leader (the session's
host), status and agency. An agency is *involved* in a session when it is invited to it,
owns a step of its checklist, advises on one of its petitions or answers one of them.
"""
from __future__ import annotations

import secrets
from calendar import monthrange
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import ColumnElement, Select, exists, false, func, or_, select

from portal import access
from portal.admin.models import Agency
from portal.audit.models import AuditEvent
from portal.auth.models import User
from portal.calendar.models import DialogueSession, SessionKind, SessionStatus
from portal.calendar.rules import WorkingCalendar
from portal.errors import FORBIDDEN, DomainError
from portal.extensions import db
from portal.petitions.models import Petition
from portal.preparation.models import ChecklistItem, Invitee
from portal.text import vn_key, vn_order
from portal.timefmt import local_to_utc, to_local
from portal.tracker.models import Assignment


def month_bounds(year: int, month: int):
    """The UTC instants that bound a local calendar month."""
    first = date(year, month, 1)
    last = first + timedelta(days=monthrange(year, month)[1])
    return local_to_utc(first, time.min), local_to_utc(last, time.min)


def sessions_in_month(year: int, month: int) -> list[tuple[DialogueSession, int]]:
    """The month's sessions in time order, each with its number of petitions (one query)."""
    start, end = month_bounds(year, month)
    # Correlated count: uses the petition.session_id index for the month's sessions only.
    count = (
        select(func.count(Petition.id))
        .where(Petition.session_id == DialogueSession.id)
        .correlate(DialogueSession)
        .scalar_subquery()
    )
    rows = db.session.execute(
        select(DialogueSession, count)
        .where(DialogueSession.starts_at >= start, DialogueSession.starts_at < end)
        .order_by(DialogueSession.starts_at, DialogueSession.id)
    )
    return [(row[0], row[1]) for row in rows]


def shift_month(year: int, month: int, delta: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + delta
    return index // 12, index % 12 + 1


# --------------------------------------------------------------------------- filters and scope


@dataclass(frozen=True)
class SessionFilter:
    """What the calendar is narrowed to; None means "any"."""

    kind: SessionKind | None = None
    host: str | None = None
    status: SessionStatus | None = None
    agency_id: int | None = None


def agency_involved(agency_id: int) -> ColumnElement[bool]:
    """Sessions in which the agency takes part: invited, owns a checklist step, advises on a
    petition, or answers one (an assignment of one of the session's petitions)."""
    sid = DialogueSession.id
    return or_(
        exists().where(Invitee.session_id == sid, Invitee.agency_id == agency_id),
        exists().where(ChecklistItem.session_id == sid, ChecklistItem.owner_agency_id == agency_id),
        exists().where(Petition.session_id == sid, Petition.advising_agency_id == agency_id),
        exists().where(Petition.session_id == sid, Assignment.petition_id == Petition.id,
                       Assignment.agency_id == agency_id),
    )


def agency_scope(user: User) -> int | None:
    """The one agency an officer is limited to (-1 for an officer without one: they see
    nothing); None for who sees all (portal.access.officer_agency)."""
    return access.officer_agency(user)


def scoped_filter(user: User, wanted: SessionFilter) -> SessionFilter:
    """The filter the user asked for, with an officer's agency forced to their own."""
    scope = agency_scope(user)
    if scope is None:
        return wanted
    return SessionFilter(kind=wanted.kind, host=wanted.host, status=wanted.status,
                         agency_id=scope)


def apply_filter(query: Select, wanted: SessionFilter) -> Select:
    if wanted.kind is not None:
        query = query.where(DialogueSession.kind == wanted.kind)
    if wanted.host:
        query = query.where(DialogueSession.host == wanted.host)
    if wanted.status is not None:
        query = query.where(DialogueSession.status == wanted.status)
    if wanted.agency_id is not None:
        query = query.where(agency_involved(wanted.agency_id) if wanted.agency_id else false())
    return query


def _local_span(start: date, end: date):
    """UTC bounds of the local days [start, end) ."""
    return local_to_utc(start, time.min), local_to_utc(end, time.min)


def sessions_between(start: date, end: date, wanted: SessionFilter) -> list[DialogueSession]:
    """Sessions starting on local days [start, end), in time order (one query)."""
    lo, hi = _local_span(start, end)
    query = select(DialogueSession).where(DialogueSession.starts_at >= lo,
                                          DialogueSession.starts_at < hi)
    return list(db.session.scalars(
        apply_filter(query, wanted).order_by(DialogueSession.starts_at, DialogueSession.id)
    ))


def sessions_per_day(year: int, wanted: SessionFilter) -> dict[date, int]:
    """How many sessions start on each local day of `year` (one query, start times only)."""
    lo, hi = _local_span(date(year, 1, 1), date(year + 1, 1, 1))
    query = select(DialogueSession.starts_at).where(DialogueSession.starts_at >= lo,
                                                    DialogueSession.starts_at < hi)
    counts: dict[date, int] = {}
    for starts_at in db.session.scalars(apply_filter(query, wanted)):
        day = to_local(starts_at).date()
        counts[day] = counts.get(day, 0) + 1
    return counts


def list_query(start: date | None, end: date | None, wanted: SessionFilter) -> Select:
    """Sessions from local day `start` to `end` (both included, either open), in time order."""
    query = select(DialogueSession)
    if start is not None:
        query = query.where(DialogueSession.starts_at >= local_to_utc(start, time.min))
    if end is not None:
        query = query.where(DialogueSession.starts_at < local_to_utc(end + timedelta(days=1),
                                                                     time.min))
    return apply_filter(query, wanted).order_by(DialogueSession.starts_at, DialogueSession.id)


def petition_counts(session_ids: list[int]) -> dict[int, int]:
    """Petitions per session for the given sessions (one query; 0 when none)."""
    if not session_ids:
        return {}
    rows = db.session.execute(
        select(Petition.session_id, func.count(Petition.id))
        .where(Petition.session_id.in_(session_ids))
        .group_by(Petition.session_id)
    )
    counts = dict.fromkeys(session_ids, 0)
    counts.update({sid: n for sid, n in rows})
    return counts


def hosts() -> list[str]:
    """The leaders who chair sessions (DialogueSession.host), in alphabetical order."""
    names = db.session.scalars(select(DialogueSession.host).distinct())
    return sorted((n for n in names if n), key=lambda n: (vn_key(n), n))


def agencies() -> list[tuple[int, str]]:
    """The active agencies in Vietnamese order of their names, then id."""
    rows = db.session.execute(
        select(Agency.id, Agency.name).where(Agency.is_active)
        .order_by(vn_order(Agency.name), Agency.id)
    )
    return [(r.id, r.name) for r in rows]


def visible_sessions(user: User | None = None, agency_id: int | None = None) -> Select:
    """Every session the user (or the agency) may see: staff and observers all, an officer
    or an agency only the sessions its agency is involved in."""
    query = select(DialogueSession)
    if agency_id is not None:
        return query.where(agency_involved(agency_id))
    if user is None:
        return query.where(false())
    scope = agency_scope(user)
    if scope is not None:
        return query.where(agency_involved(scope) if scope else false())
    if user.role not in access.READERS:
        return query.where(false())
    return query


# --------------------------------------------------------------------------- grids


@dataclass
class GridDay:
    """One day cell of a month grid."""

    day: date
    in_month: bool
    is_today: bool
    is_weekend: bool
    is_day_off: bool
    holiday: str | None
    sessions: list[DialogueSession] = field(default_factory=list)
    count: int = 0


def month_weeks(year: int, month: int) -> tuple[date, date]:
    """First (a Monday) and last (a Sunday) day of the weeks that show a month."""
    first = date(year, month, 1)
    last = date(year, month, monthrange(year, month)[1])
    return first - timedelta(days=first.weekday()), last + timedelta(days=6 - last.weekday())


def month_grid(year: int, month: int, sessions: list[DialogueSession], cal: WorkingCalendar,
               today: date, counts: dict[date, int] | None = None) -> list[list[GridDay]]:
    """The month's weeks, Monday first, each day with its sessions and whether it is a day off."""
    by_day: dict[date, list[DialogueSession]] = {}
    for item in sessions:
        by_day.setdefault(to_local(item.starts_at).date(), []).append(item)
    start, end = month_weeks(year, month)
    weeks, week = [], []
    day = start
    while day <= end:
        cell_sessions = by_day.get(day, [])
        week.append(GridDay(
            day=day, in_month=day.month == month, is_today=day == today,
            is_weekend=day.weekday() >= 5, is_day_off=not cal.is_working_day(day),
            holiday=cal.holiday_name(day), sessions=cell_sessions,
            count=(counts or {}).get(day, len(cell_sessions)),
        ))
        if len(week) == 7:
            weeks.append(week)
            week = []
        day += timedelta(days=1)
    return weeks


@dataclass
class MiniMonth:
    year: int
    month: int
    weeks: list[list[GridDay]]
    total: int


def year_grid(year: int, counts: dict[date, int], cal: WorkingCalendar,
              today: date) -> list[MiniMonth]:
    """Twelve small months with the number of sessions on each day."""
    months = []
    for month in range(1, 13):
        weeks = month_grid(year, month, [], cal, today, counts)
        total = sum(n for d, n in counts.items() if d.year == year and d.month == month)
        months.append(MiniMonth(year, month, weeks, total))
    return months


def local_day(value: datetime) -> date:
    return to_local(value).date()


# --------------------------------------------------------------------------- history


def status_before_cancel(session_id: int) -> SessionStatus:
    """The status a cancelled session had before it was cancelled, read from the audit trail
    (one query); SCHEDULED when the trail does not say."""
    rows = db.session.execute(
        select(AuditEvent.before, AuditEvent.after)
        .where(AuditEvent.entity == "DialogueSession", AuditEvent.entity_id == str(session_id),
               AuditEvent.action == "update")
        .order_by(AuditEvent.id.desc())
        .limit(50)
    )
    for before, after in rows:
        if (after or {}).get("status") == SessionStatus.CANCELLED.value:
            previous = (before or {}).get("status")
            if previous in SessionStatus._value2member_map_ and previous != "cancelled":
                return SessionStatus(previous)
            break
    return SessionStatus.SCHEDULED


def last_changes(session_ids: list[int]) -> dict[int, datetime]:
    """When each session last changed, from the audit trail (one query)."""
    if not session_ids:
        return {}
    rows = db.session.execute(
        select(AuditEvent.entity_id, func.max(AuditEvent.at))
        .where(AuditEvent.entity == "DialogueSession",
               AuditEvent.entity_id.in_([str(i) for i in session_ids]))
        .group_by(AuditEvent.entity_id)
    )
    changed = {}
    for entity_id, at in rows:
        if entity_id and entity_id.isdigit() and at is not None:
            changed[int(entity_id)] = at if at.tzinfo else at.replace(tzinfo=timezone.utc)
    return changed


# --------------------------------------------------------------------------- feeds (commands)


def new_feed_token() -> str:
    return secrets.token_urlsafe(32)


def renew_user_feed(user: User) -> bool:
    """Create or renew the user's own feed address (the old one stops working); True when
    it was a renewal."""
    renewed = user.feed_token is not None
    user.feed_token = new_feed_token()
    return renewed


def feed_agencies(user: User) -> list[Agency]:
    """The agencies whose feed the user manages: staff every active one, an officer their
    own, anyone else none."""
    if user.role in access.STAFF:
        return list(db.session.scalars(
            select(Agency).where(Agency.is_active)
            .order_by(vn_order(Agency.name), Agency.id)))
    if user.role == access.OFFICER and user.agency is not None:
        return [user.agency]
    return []


def may_renew_agency_feed(user: User, agency: Agency) -> bool:
    """Staff renew any agency's feed, an officer only their own agency's."""
    if not access.may(user, "feed.renew_agency"):
        return False
    scope = access.officer_agency(user)
    return scope is None or agency.id == scope


def renew_agency_feed(agency: Agency, user: User) -> bool:
    """Create or renew an agency's feed address; True when it was a renewal."""
    if not may_renew_agency_feed(user, agency):
        raise DomainError(FORBIDDEN, 404)
    renewed = agency.feed_token is not None
    agency.feed_token = new_feed_token()
    return renewed

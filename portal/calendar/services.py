"""Queries and rules of the schedule that know nothing of HTTP."""
from __future__ import annotations

from calendar import monthrange
from datetime import date, time, timedelta

from sqlalchemy import func, select

from portal.calendar.models import DialogueSession
from portal.extensions import db
from portal.petitions.models import Petition
from portal.timefmt import local_to_utc


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
        .order_by(DialogueSession.starts_at)
    )
    return [(row[0], row[1]) for row in rows]


def shift_month(year: int, month: int, delta: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + delta
    return index // 12, index % 12 + 1

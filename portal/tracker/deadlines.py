"""Deadlines in effect, lateness and "due soon", counted in Vietnamese working days.

Plain functions (no Flask): the tracker, the dashboard, the reports and the reminders share
them, so an item is late in one place exactly when it is late in all of them.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import and_

from portal.calendar.rules import WorkingCalendar
from portal.timefmt import to_local
from portal.tracker.models import Assignment, AssignmentStatus

DUE_SOON_WORKING_DAYS = 3  # default; the office can change it (app config DUE_SOON_DAYS)

# States in which the agency still owes an answer.
OPEN_STATES = (AssignmentStatus.ASSIGNED, AssignmentStatus.IN_PROGRESS,
               AssignmentStatus.RETURNED)
# States that end the agency's part (answered and waiting for review counts as answered).
ANSWERED_STATES = (AssignmentStatus.ANSWERED, AssignmentStatus.DONE)


def answered_on(assignment: Assignment) -> date | None:
    """The local day the (last) answer was given, if any."""
    at: datetime | None = assignment.answered_at
    return to_local(at).date() if at else None


def is_open(assignment: Assignment) -> bool:
    return assignment.status in OPEN_STATES


def is_late(assignment: Assignment, today: date) -> bool:
    """Open past the deadline in effect, or answered after it."""
    if is_open(assignment):
        return today > assignment.deadline
    answered = answered_on(assignment)
    return answered is not None and answered > assignment.deadline


def working_days_late(assignment: Assignment, today: date, cal: WorkingCalendar) -> int:
    """How many working days past the deadline (0 when not late)."""
    end = today if is_open(assignment) else (answered_on(assignment) or today)
    if end <= assignment.deadline:
        return 0
    days, day = 0, assignment.deadline
    while day < end:
        day = cal.add_working_days(day, 1)
        if day <= end:
            days += 1
    return days


def is_due_soon(assignment: Assignment, today: date, cal: WorkingCalendar,
                working_days: int = DUE_SOON_WORKING_DAYS) -> bool:
    """Open, not late, and the deadline within `working_days` working days of today."""
    if not is_open(assignment) or today > assignment.deadline:
        return False
    return assignment.deadline <= cal.add_working_days(today, working_days)


def on_time(assignment: Assignment) -> bool | None:
    """Answered by the deadline (True), after it (False), or not answered yet (None)."""
    answered = answered_on(assignment)
    if answered is None:
        return None
    return answered <= assignment.deadline


# --------------------------------------------------------------------------- in SQL, for lists
# The same rules as is_late / is_due_soon for items the agency still owes, as WHERE clauses, so
# a filtered list, its count and the reminders agree with the badge shown on each row.

def due_soon_limit(today: date, cal: WorkingCalendar,
                   working_days: int = DUE_SOON_WORKING_DAYS) -> date:
    """The last deadline that is still "due soon" today."""
    return cal.add_working_days(today, working_days)


def late_clause(today: date):
    """Open and past the deadline in effect (what is_late says of an open item)."""
    return and_(Assignment.status.in_(OPEN_STATES), Assignment.deadline < today)


def due_soon_clause(today: date, limit: date):
    """Open, not late, deadline by `limit` (see due_soon_limit): what is_due_soon says."""
    return and_(Assignment.status.in_(OPEN_STATES), Assignment.deadline >= today,
                Assignment.deadline <= limit)


def lateness(assignment: Assignment, today: date, cal: WorkingCalendar,
             working_days: int = DUE_SOON_WORKING_DAYS) -> str | None:
    """"late", "due_soon" or None — the badge of one row."""
    if is_open(assignment) and is_late(assignment, today):
        return "late"
    if is_due_soon(assignment, today, cal, working_days):
        return "due_soon"
    return None

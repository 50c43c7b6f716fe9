"""When reminders are due: pure rules on dates and working days (no database).

An open assignment is reminded before its deadline (`before` working days ahead), on the
day, and while late (`late` working days past it); after `escalate_after` working days
late its agency's head is told. When the job has not run on the exact day (the server was
down), the latest reminder already due is sent, once: never a backlog of them.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from portal.calendar.rules import WorkingCalendar


@dataclass(frozen=True)
class Offsets:
    before: tuple[int, ...] = (3, 1)
    late: tuple[int, ...] = (1, 5, 10)
    escalate_after: int = 10

    @classmethod
    def parse(cls, before: str, late: str, escalate_after) -> "Offsets":
        def numbers(text: str) -> tuple[int, ...]:
            return tuple(sorted({int(p) for p in str(text).split(",") if p.strip().isdigit()
                                 and int(p) > 0}))
        return cls(numbers(before), numbers(late), max(1, int(escalate_after)))


@dataclass(frozen=True)
class Due:
    kind: str  # "before", "due", "late", "escalate"
    offset: int  # working days before (before) or after (late, escalate) the deadline

    def key(self, prefix: str, deadline: date) -> str:
        return f"{prefix}:{self.kind}:{self.offset}:{deadline.isoformat()}"


def reminder_due(deadline: date, today: date, cal: WorkingCalendar,
                 offsets: Offsets) -> Due | None:
    """The one reminder of the deadline that is due today (the latest one whose day has
    come), or None. Deadlines in the past give a "late" one; today's gives "due"."""
    if today == deadline:
        return Due("due", 0)
    if today < deadline:
        due = None
        for n in sorted(offsets.before, reverse=True):  # 3 working days ahead, then 1
            if cal.add_working_days(deadline, -n) <= today:
                due = Due("before", n)
        return due
    due = None
    for n in sorted(offsets.late):
        if cal.add_working_days(deadline, n) <= today:
            due = Due("late", n)
    return due


def escalation_due(deadline: date, today: date, cal: WorkingCalendar,
                   offsets: Offsets) -> Due | None:
    """The agency's head is told once the item is `escalate_after` working days late."""
    if today > deadline and cal.add_working_days(deadline, offsets.escalate_after) <= today:
        return Due("escalate", offsets.escalate_after)
    return None

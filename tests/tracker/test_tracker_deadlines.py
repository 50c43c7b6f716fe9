"""Late and due soon, in Vietnamese working days, from the deadline in effect.

Tết 2025 (the `holidays` package): Mon 27/01 – Sat 01/02 off; Fri 24/01 is the last working
day before it, Mon 03/02 the first after.
"""
from datetime import date, datetime, timezone

import pytest

from tests.tracker.tracker_fixtures import make  # noqa: F401 (fixture)


def _item(deadline, status="assigned", answered=None):
    from portal.tracker.models import AnswerMode, Assignment, AssignmentStatus

    return Assignment(agency_id=1, petition_id=1, mode=AnswerMode.IN_WRITING, deadline=deadline,
                      original_deadline=deadline, status=AssignmentStatus(status),
                      answered_at=answered)


def _cal(start=date(2024, 12, 1), end=date(2025, 12, 31)):
    from portal.calendar.rules import WorkingCalendar

    return WorkingCalendar(start, end)


@pytest.mark.parametrize("today, deadline, expected", [
    (date(2025, 1, 24), date(2025, 2, 5), True),   # 12 calendar days, 3 working days: Tết
    (date(2025, 1, 24), date(2025, 2, 6), False),  # the 4th working day after Tết
    (date(2025, 3, 3), date(2025, 3, 6), True),    # Mon → Thu: 3 working days
    (date(2025, 3, 3), date(2025, 3, 7), False),   # Mon → Fri: 4
    (date(2025, 3, 7), date(2025, 3, 12), True),   # Fri → Wed across a weekend: 3
    (date(2025, 3, 7), date(2025, 3, 7), True),    # due today
    (date(2025, 3, 8), date(2025, 3, 7), False),   # late is not "due soon"
])
def test_due_soon_counts_working_days(ctx, today, deadline, expected):
    from portal.tracker import deadlines

    assert deadlines.is_due_soon(_item(deadline), today, _cal()) is expected


def test_due_soon_window_is_configurable(ctx):
    from portal.tracker import deadlines

    item = _item(date(2025, 3, 7))
    assert not deadlines.is_due_soon(item, date(2025, 3, 3), _cal())
    assert deadlines.is_due_soon(item, date(2025, 3, 3), _cal(), working_days=4)


def test_office_override_day_off_counts_without_a_database():
    """The working-day rules are pure: the Office's decisions are given, not read."""
    from portal.calendar.rules import DayOverride, WorkingCalendar
    from portal.tracker import deadlines

    item = _item(date(2025, 3, 7))  # Fri: the 4th working day after Mon 03/03
    assert not deadlines.is_due_soon(item, date(2025, 3, 3), _cal())
    extra = {date(2025, 3, 5): DayOverride("Nghỉ theo quyết định của tỉnh", True)}
    cal = WorkingCalendar(date(2024, 12, 1), date(2025, 12, 31), extra)
    assert deadlines.is_due_soon(item, date(2025, 3, 3), cal)
    assert cal.holiday_name(date(2025, 3, 5)) == "Nghỉ theo quyết định của tỉnh"


def test_the_loader_reads_the_offices_overrides(app):
    from portal.calendar.models import HolidayOverride
    from portal.calendar.rules import working_calendar
    from portal.extensions import db

    with app.app_context():
        assert working_calendar(date(2025, 3, 1), date(2025, 3, 31)).is_working_day(
            date(2025, 3, 5))
        db.session.add(HolidayOverride(day=date(2025, 3, 5), is_day_off=True,
                                       name="Nghỉ theo quyết định của tỉnh"))
        db.session.add(HolidayOverride(day=date(2025, 3, 8), is_day_off=False, name="Làm bù"))
        db.session.commit()
        cal = working_calendar(date(2025, 3, 1), date(2025, 3, 31))
        assert not cal.is_working_day(date(2025, 3, 5))
        assert cal.is_working_day(date(2025, 3, 8))  # a Saturday worked in exchange


def test_late_across_tet_counts_working_days_only(ctx):
    from portal.tracker import deadlines

    item = _item(date(2025, 1, 24))
    cal = _cal()
    assert not deadlines.is_late(item, date(2025, 1, 24))
    assert deadlines.is_late(item, date(2025, 1, 29))
    assert deadlines.working_days_late(item, date(2025, 2, 1), cal) == 0  # all Tết
    assert deadlines.working_days_late(item, date(2025, 2, 3), cal) == 1
    assert deadlines.working_days_late(item, date(2025, 2, 4), cal) == 2
    assert deadlines.lateness(item, date(2025, 2, 3), cal) == "late"


def test_lateness_follows_the_deadline_in_effect_after_an_extension(app, data, make):  # noqa: F811
    from portal.auth.models import User
    from portal.extensions import db
    from portal.tracker import deadlines, lifecycle
    from portal.tracker.models import Assignment

    assignment_id = make(deadline=date(2025, 3, 10))
    with app.app_context():
        item = db.session.get(Assignment, assignment_id)
        officer = db.session.get(User, data["users"]["officer"])
        office = db.session.get(User, data["users"]["office"])
        cal = _cal()
        assert deadlines.is_late(item, date(2025, 3, 12))
        lifecycle.apply(item, "request_extension", officer, "Chờ đo đạc",
                        deadline=date(2025, 3, 20))
        assert deadlines.is_late(item, date(2025, 3, 12))  # only asked: still late
        lifecycle.apply(item, "grant_extension", office)
        db.session.commit()
        assert item.original_deadline == date(2025, 3, 10)
        assert not deadlines.is_late(item, date(2025, 3, 12))
        assert deadlines.lateness(item, date(2025, 3, 12), cal) is None
        assert deadlines.lateness(item, date(2025, 3, 17), cal) == "due_soon"  # 18, 19, 20
        item.answered_at = datetime(2025, 3, 18, 3, 0, tzinfo=timezone.utc)
        item.status = item.status.__class__("answered")
        assert deadlines.on_time(item) is True
        assert not deadlines.is_late(item, date(2025, 3, 25))


def test_answered_late_and_closed_items(ctx):
    from portal.tracker import deadlines

    late_answer = _item(date(2025, 3, 10), "done",
                        answered=datetime(2025, 3, 12, 2, 0, tzinfo=timezone.utc))
    assert deadlines.is_late(late_answer, date(2025, 4, 1))
    assert deadlines.on_time(late_answer) is False
    assert deadlines.lateness(late_answer, date(2025, 4, 1), _cal()) is None  # nothing owed
    beyond = _item(date(2025, 3, 10), "beyond_authority")
    assert not deadlines.is_late(beyond, date(2025, 4, 1))
    assert not deadlines.is_due_soon(beyond, date(2025, 3, 9), _cal())


def test_sql_clauses_agree_with_the_functions(app, data, make):  # noqa: F811
    from sqlalchemy import select

    from portal.extensions import db
    from portal.tracker import deadlines
    from portal.tracker.models import Assignment

    today = date(2025, 1, 24)
    days = [date(2025, 1, 20), date(2025, 1, 23), today, date(2025, 2, 3), date(2025, 2, 5),
            date(2025, 2, 6), date(2025, 3, 1)]
    for day in days:
        for status in ("assigned", "in_progress", "returned", "answered", "done",
                       "beyond_authority"):
            make(deadline=day, status=status)
    with app.app_context():
        cal = _cal()
        limit = deadlines.due_soon_limit(today, cal)
        assert limit == date(2025, 2, 5)
        items = db.session.scalars(select(Assignment)).all()
        late = set(db.session.scalars(select(Assignment.id).where(
            deadlines.late_clause(today))))
        soon = set(db.session.scalars(select(Assignment.id).where(
            deadlines.due_soon_clause(today, limit))))
        assert late == {a.id for a in items if deadlines.lateness(a, today, cal) == "late"}
        assert soon == {a.id for a in items if deadlines.lateness(a, today, cal) == "due_soon"}
        assert len(late) == 6 and len(soon) == 9

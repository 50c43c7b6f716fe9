"""The calendar's pages issue the same number of SQL queries however many sessions they show."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import event

from calendar_helpers import add_session, involve


def _queries(app, client, url) -> int:
    from portal.extensions import db

    with app.app_context():
        engine = db.engine
    seen = []

    def count(*args, **kwargs):
        seen.append(1)

    event.listen(engine, "before_cursor_execute", count)
    try:
        response = client.get(url, htmx=True)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return len(seen)


def _add(app, data, first: date, n: int) -> None:
    from portal.calendar.models import SessionStatus
    from portal.extensions import db
    from portal.preparation.models import ChecklistItem

    for i in range(n):
        sid = add_session(app, first + timedelta(days=i % 28), f"{8 + i % 8:02d}:00",
                          title=f"Buổi {first}-{i}", host=f"Lãnh đạo {i}",
                          status=SessionStatus.TENTATIVE if i % 3 else SessionStatus.SCHEDULED)
        involve(app, sid, data["agency"], ("invitee", "checklist", "advising", "assignment")[i % 4],
                data["fields"][0])
        with app.app_context():
            db.session.add(ChecklistItem(session_id=sid, title="Quá hạn",
                                         due_date=date(2000, 1, 1)))
            db.session.commit()


@pytest.mark.parametrize("role, url", [
    ("office", "/calendar/?month=2025-03"),
    ("office", "/calendar/?month=2025-03&kind=citizen_reception&status=tentative"),
    ("office", "/calendar/?month=2025-03&agency={agency}"),
    ("officer", "/calendar/?month=2025-03"),
    ("office", "/calendar/?view=year&year=2025"),
    ("officer", "/calendar/?view=year&year=2025"),
    ("office", "/calendar/?view=list&from=01/03/2025&to=31/03/2025"),
    ("officer", "/calendar/?view=list&from=01/03/2025&to=31/03/2025&agency={agency}"),
])
def test_calendar_queries_do_not_grow_with_sessions(app, login, data, role, url):
    target = url.format(agency=data["agency"])
    c = login(role)
    _add(app, data, date(2025, 3, 1), 2)
    few = _queries(app, c, target)
    _add(app, data, date(2025, 3, 2), 20)
    many = _queries(app, c, target)
    assert many == few, f"{target}: {few} queries with 2 sessions, {many} with 22"


def test_feed_queries_do_not_grow_with_sessions(app, login, data):
    from portal.auth.models import User
    from portal.extensions import db
    from portal.timefmt import local_today

    with app.app_context():
        user = db.session.get(User, data["users"]["officer"])
        user.feed_token = "t" * 43
        db.session.commit()
    c = login("anonymous")
    soon = local_today() + timedelta(days=1)
    _add(app, data, soon, 2)
    few = _queries(app, c, "/calendar/feeds/" + "t" * 43 + ".ics")
    _add(app, data, soon, 20)
    many = _queries(app, c, "/calendar/feeds/" + "t" * 43 + ".ics")
    assert many == few

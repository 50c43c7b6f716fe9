"""The calendar's routes × every role: who is let in, and CSRF on every POST."""
import pytest
from support import OK, check_access

ROLES = ["anonymous", "office", "chair", "officer", "other_officer", "observer", "admin"]
EVERYONE = dict(office=OK, chair=OK, officer=OK, other_officer=OK, observer=OK, admin=OK)
READERS = dict(office=OK, chair=OK, observer=OK, admin=OK)
STAFF = dict(office=OK, chair=OK, admin=OK)

TABLE = [
    ("GET", "/calendar/", EVERYONE),
    ("GET", "/calendar/?view=year", EVERYONE),
    ("GET", "/calendar/?view=list", EVERYONE),
    ("GET", "/calendar/sessions/{session}", READERS),
    ("GET", "/calendar/sessions/{session}.ics", READERS),
    ("GET", "/calendar/sessions/new", STAFF),
    ("POST", "/calendar/sessions/new", STAFF),
    ("POST", "/calendar/sessions/check", STAFF),
    ("GET", "/calendar/sessions/{session}/edit", STAFF),
    ("POST", "/calendar/sessions/{session}/edit", STAFF),
    ("GET", "/calendar/sessions/{session}/reschedule", STAFF),
    ("POST", "/calendar/sessions/{session}/reschedule", STAFF),
    ("GET", "/calendar/sessions/{session}/cancel", STAFF),
    ("POST", "/calendar/sessions/{session}/cancel", STAFF),
    ("POST", "/calendar/sessions/{cancelled}/restore", STAFF),
    ("GET", "/calendar/feeds", EVERYONE),
    ("POST", "/calendar/feeds/me", EVERYONE),
    ("POST", "/calendar/feeds/agencies/{agency}",
     dict(office=OK, chair=OK, admin=OK, officer=OK, other_officer=404)),
]


@pytest.fixture
def ids(app, data):
    from datetime import date

    from calendar_helpers import add_session
    from portal.calendar.models import SessionStatus

    cancelled = add_session(app, date(2025, 3, 11), status=SessionStatus.CANCELLED,
                            cancel_reason="Hoãn")
    return {"session": data["session"], "cancelled": cancelled, "agency": data["agency"]}


@pytest.mark.parametrize("method, url, allowed", TABLE, ids=[f"{m} {u}" for m, u, _ in TABLE])
def test_calendar_route_permissions(login, ids, method, url, allowed):
    target = url.format(**ids)
    for role in ROLES:
        c = login(role)
        check_access(c, method, target, role, allowed)


@pytest.mark.parametrize("method, url, allowed", [r for r in TABLE if r[0] == "POST"],
                         ids=[u for m, u, _ in TABLE if m == "POST"])
def test_every_calendar_post_requires_csrf(login, ids, method, url, allowed):
    role = next(r for r in ROLES if allowed.get(r) == OK)
    response = login(role).post(url.format(**ids), data={}, htmx=True, csrf=False)
    assert response.status_code == 400

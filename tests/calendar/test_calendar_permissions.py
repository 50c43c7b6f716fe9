"""The calendar's routes × every role: who is let in, and CSRF on every POST.

The table follows from `portal.access.POLICY`: each route names the action its view
declares, the roles the policy gives that action pass, the others get 403; the officers'
column then says where the agency scope narrows it (404: another agency does not exist for
them)."""
import pytest
from support import OK, check_access

ROLES = ["anonymous", "office", "chair", "officer", "other_officer", "observer", "admin"]


def by_policy(action: str, **overrides) -> dict:
    """{role: OK} for every test role the policy lets take `action`, then `overrides`."""
    from portal.access import POLICY

    allowed = {role: OK for role in ROLES[1:]
               if role.replace("other_", "") in {r.value for r in POLICY[action]}}
    return {**allowed, **overrides}


# (method, url template, policy action, {role: expected beyond the policy})
ROUTES = [
    ("GET", "/calendar/", "calendar.read", {}),
    ("GET", "/calendar/?view=year", "calendar.read", {}),
    ("GET", "/calendar/?view=list", "calendar.read", {}),
    ("GET", "/calendar/sessions/{session}", "session.read", {}),
    ("GET", "/calendar/sessions/{session}.ics", "session.read", {}),
    ("GET", "/calendar/sessions/new", "session.edit", {}),
    ("POST", "/calendar/sessions/new", "session.edit", {}),
    ("GET", "/calendar/sessions/check", "session.edit", {}),
    ("GET", "/calendar/sessions/{session}/edit", "session.edit", {}),
    ("POST", "/calendar/sessions/{session}/edit", "session.edit", {}),
    ("GET", "/calendar/sessions/{session}/reschedule", "session.edit", {}),
    ("POST", "/calendar/sessions/{session}/reschedule", "session.edit", {}),
    ("GET", "/calendar/sessions/{session}/cancel", "session.edit", {}),
    ("POST", "/calendar/sessions/{session}/cancel", "session.edit", {}),
    ("POST", "/calendar/sessions/{cancelled}/restore", "session.edit", {}),
    ("GET", "/calendar/feeds", "feed.renew_own", {}),
    ("POST", "/calendar/feeds/me", "feed.renew_own", {}),
    ("POST", "/calendar/feeds/agencies/{agency}", "feed.renew_agency",
     dict(other_officer=404)),
]
TABLE = [(m, u, by_policy(a, **extra)) for m, u, a, extra in ROUTES]


@pytest.fixture
def ids(app, data):
    from datetime import date

    from calendar_helpers import add_session
    from portal.calendar.models import SessionStatus

    cancelled = add_session(app, date(2025, 3, 11), status=SessionStatus.CANCELLED,
                            cancel_reason="Hoãn")
    return {"session": data["session"], "cancelled": cancelled, "agency": data["agency"]}


def test_each_route_declares_the_action_of_the_table(app):
    from portal.access import POLICY

    adapter = app.url_map.bind("localhost")
    for method, url, action, _extra in ROUTES:
        assert action in POLICY
        endpoint, _args = adapter.match(url.split("?")[0].format(
            session=1, cancelled=1, agency=1), method=method)
        view = app.view_functions[endpoint]
        assert getattr(view, "policy_action", None) == action, (method, url)
        assert getattr(view, "is_change", False) is (method == "POST"), (method, url)


@pytest.mark.parametrize("method, url, allowed", TABLE, ids=[f"{m} {u}" for m, u, _ in TABLE])
def test_calendar_route_permissions(login, ids, method, url, allowed):
    target = url.format(**ids)
    for role in ROLES:
        c = login(role)
        check_access(c, method, target, role, allowed)


@pytest.mark.parametrize("method, url, allowed", [r for r in TABLE if r[0] == "POST"],
                         ids=[u for m, u, _ in TABLE if m == "POST"])
def test_every_calendar_post_requires_csrf(app, login, ids, method, url, allowed):
    from sqlalchemy import func, select

    from portal.calendar.models import DialogueSession
    from portal.extensions import db

    def count():
        with app.app_context():
            return db.session.scalar(select(func.count(DialogueSession.id)))

    before = count()
    role = next(r for r in ROLES if allowed.get(r) == OK)
    response = login(role).post(url.format(**ids), data={}, htmx=True, csrf=False)
    assert response.status_code == 400
    assert count() == before

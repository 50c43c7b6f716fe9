"""Every tracker route is agency-scoped: for an officer of another agency the item, its
file and its notifications do not exist (404), and nothing changes. What an officer may
never do (the office's moves) is refused with 403 before anything is loaded, the same for
every id, so that no id can be probed either."""
import io

import pytest

from tests.tracker.tracker_fixtures import PDF, get_assignment, make, rows, third  # noqa: F401

# (method, suffix, the policy action the route declares)
ITEM_ROUTES = [
    ("GET", "", "tracker.read"),
    ("POST", "/start", "assignment.agency_act"),
    ("POST", "/answer", "assignment.agency_act"),
    ("POST", "/accept", "assignment.office_act"),
    ("POST", "/return", "assignment.office_act"),
    ("POST", "/extension", "assignment.agency_act"),
    ("POST", "/extension/grant", "assignment.office_act"),
    ("POST", "/extension/refuse", "assignment.office_act"),
    ("POST", "/coordination", "assignment.agency_act"),
    ("POST", "/coordination/answer", "assignment.agency_act"),
    ("POST", "/beyond-authority", "assignment.office_act"),
    ("POST", "/report-upward", "assignment.office_act"),
    ("POST", "/upper-answer", "assignment.office_act"),
]
ROUTE_IDS = [f"{m} {s or '/'}" for m, s, _ in ITEM_ROUTES]


def _outside(role: str, action: str) -> int:
    """What a role gets for an item it may not see: 404, or 403 when the policy never lets
    it take the action (refused before the item is even looked up)."""
    from portal.access import POLICY
    from portal.auth.models import Role

    return 404 if Role(role) in POLICY[action] else 403
# Valid input for each, so a 404 is the scoping and not a bad form.
FORMS = {
    "/answer": {"answer": "Trả lời chen ngang"},
    "/return": {"reason": "x"},
    "/extension": {"ext-new_deadline": "01/01/2099", "ext-reason": "x"},
    "/extension/refuse": {"decision-note": "x"},
    "/coordination/answer": {"input-text": "x"},
    "/beyond-authority": {},
    "/report-upward": {"upper-upper_body": "Bộ", "upper-report_number": "1/BC",
                       "upper-report_date": "01/01/2030"},
    "/upper-answer": {"upper-answer-answered_on": "01/01/2030", "upper-answer-text": "x"},
}


@pytest.fixture
def item(app, login, make, third):  # noqa: F811
    """STNMT's item, coordinated by Sở Xây dựng, answered with a file."""
    assignment_id = make(coordinators=["other_agency"], content="Nội dung bí mật của STNMT")
    response = login("officer").post(
        f"/tracker/{assignment_id}/answer", htmx=True, content_type="multipart/form-data",
        data={"answer": "Trả lời có tệp", "files": [(io.BytesIO(PDF), "tra-loi.pdf")]})
    assert response.status_code == 204
    return assignment_id


@pytest.mark.parametrize("method, suffix, action", ITEM_ROUTES, ids=ROUTE_IDS)
def test_another_agency_officer_never_reaches_the_item(app, login, item, method, suffix,
                                                       action):
    from portal.tracker.models import AssignmentStep, Notification

    c = login("third")
    steps_before = len(rows(app, AssignmentStep))
    notes_before = len(rows(app, Notification))
    answers = []
    for target in (item, item + 1000):  # the real item, and one that does not exist
        url = f"/tracker/{target}{suffix}"
        response = c.get(url) if method == "GET" else c.post(url, data=FORMS.get(suffix, {}),
                                                             htmx=True)
        assert "Nội dung bí mật của STNMT" not in response.get_data(as_text=True)
        answers.append(response.status_code)
    assert answers == [_outside("officer", action)] * 2  # alike: nothing to probe
    assert get_assignment(app, item).status.value == "answered"
    assert len(rows(app, AssignmentStep)) == steps_before
    assert len(rows(app, Notification)) == notes_before


@pytest.mark.parametrize("method, suffix, action", ITEM_ROUTES, ids=ROUTE_IDS)
def test_unknown_item_is_404_for_everyone_allowed(login, item, method, suffix, action):
    for role in ("office", "officer"):
        c = login(role)
        url = f"/tracker/{item + 1000}{suffix}"
        response = c.get(url) if method == "GET" else c.post(url, data={}, htmx=True)
        assert response.status_code == _outside(role, action), role


def test_another_agency_officer_cannot_download_the_file(app, login, item):
    from portal.tracker.models import Attachment

    attachment_id = rows(app, Attachment)[0].id
    response = login("third").get(f"/tracker/attachments/{attachment_id}")
    assert response.status_code == 404 and PDF not in response.get_data()
    ok = login("other_officer").get(f"/tracker/attachments/{attachment_id}")  # coordinates
    assert ok.status_code == 200
    ok.close()


def test_another_agency_officer_does_not_see_it_in_lists(login, item):
    for url in ("/tracker/", "/tracker/?tab=all", "/tracker/?tab=coordination",
                "/tracker/?tab=late", "/tracker/notifications"):
        body = login("third").get(url).get_data(as_text=True)
        assert "Nội dung bí mật của STNMT" not in body and "Trả lời có tệp" not in body


def test_notification_of_another_agency_cannot_be_marked(app, login, item):
    from portal.tracker.models import Notification

    login("office").post(f"/tracker/{item}/return", data={"reason": "Bổ sung"})
    note = [n for n in rows(app, Notification) if n.agency_id is not None][0]
    assert login("third").post(f"/tracker/notifications/{note.id}/read").status_code == 404
    assert rows(app, Notification, id=note.id)[0].read_at is None
    assert login("officer").post(f"/tracker/notifications/{note.id}/read").status_code == 303
    assert rows(app, Notification, id=note.id)[0].read_at is not None


def test_an_officer_without_an_agency_sees_nothing(app, login, data, item):
    """An officer account not (or no longer) attached to an agency: an empty queue, every
    item and file 404."""
    from portal.auth.models import User
    from portal.extensions import db
    from portal.tracker.models import Attachment

    with app.app_context():
        db.session.get(User, data["users"]["officer"]).agency_id = None
        db.session.commit()
    c = login("officer")
    for url in ("/tracker/", "/tracker/?tab=all", "/tracker/?tab=coordination"):
        response = c.get(url)
        assert response.status_code == 200
        assert "Nội dung bí mật của STNMT" not in response.get_data(as_text=True)
    assert c.get(f"/tracker/{item}").status_code == 404
    assert c.post(f"/tracker/{item}/answer", data={"answer": "x"}).status_code == 404
    attachment_id = rows(app, Attachment)[0].id
    assert c.get(f"/tracker/attachments/{attachment_id}").status_code == 404

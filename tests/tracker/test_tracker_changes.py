"""Every form of the assignment page carries the version the page showed and a client key:
a move from a stale page is refused (409) with what was typed kept, and a form sent twice
is applied once. Sequential, on both databases."""
from __future__ import annotations

import io

import pytest

from tests.tracker.tracker_fixtures import (  # noqa: F401 (fixtures)
    ACTIONS, PDF, bump_version, field_name, get_assignment, make, page_form, prepared, rows,
    third, typed, stored_keys,
)

STALE = "Nội dung vừa được người khác thay đổi"


def _steps(app, assignment_id, action=None):
    from portal.tracker.models import AssignmentStep

    where = {"assignment_id": assignment_id}
    if action:
        where["action"] = action
    return rows(app, AssignmentStep, **where)


def _post(client, assignment_id, action, values, htmx=True):
    return client.post(f"/tracker/{assignment_id}{ACTIONS[action][0]}", data=values,
                       htmx=htmx)


@pytest.mark.parametrize("action", list(ACTIONS))
def test_every_form_carries_the_version_and_a_client_key(app, login, data, make, action):
    assignment_id = prepared(app, data, make, action)
    hidden = page_form(login(ACTIONS[action][1]), assignment_id, action)
    prefix = ACTIONS[action][3]
    assert hidden[field_name(prefix, "version")] == str(get_assignment(app, assignment_id)
                                                        .version)
    assert len(hidden[field_name(prefix, "client_key")]) == 32


@pytest.mark.parametrize("action", list(ACTIONS))
def test_a_move_from_a_stale_page_is_refused_and_what_was_typed_stays(app, login, data, make,
                                                                     action):
    """Someone changed the assignment after the page was opened: 409, nothing saved, the
    typed text is back in the form, which now carries the current version, so sending it
    again (having seen the current state) goes through."""
    assignment_id = prepared(app, data, make, action)
    who, prefix = ACTIONS[action][1], ACTIONS[action][3]
    client = login(who)
    values = {**page_form(client, assignment_id, action), **typed(data, action)}
    state = get_assignment(app, assignment_id).status
    bump_version(app, assignment_id)

    response = _post(client, assignment_id, action, values)
    body = response.get_data(as_text=True)
    assert response.status_code == 409, body[:300]
    assert body.lstrip().startswith('<section id="assignment"')
    assert STALE in body
    for name, value in typed(data, action).items():
        if not name.endswith("coordinator_id"):
            assert value in body, name
    assert _steps(app, assignment_id) == []
    assert get_assignment(app, assignment_id).status == state
    version = field_name(prefix, "version")
    current = get_assignment(app, assignment_id).version
    assert f'name="{version}" type="hidden" value="{current}"' in body

    again = _post(client, assignment_id, action, {**values, version: str(current)})
    assert again.status_code == 204, again.get_data(as_text=True)[:300]
    assert [s.action for s in _steps(app, assignment_id)] == [action]


@pytest.mark.parametrize("action", list(ACTIONS))
def test_a_form_sent_twice_is_applied_once(app, login, data, make, action):
    """A double click, or a resend after a lost answer: the same client key twice gives
    one step (and one set of notifications); the second answer is the first one's."""
    from portal.tracker.models import Notification

    assignment_id = prepared(app, data, make, action)
    client = login(ACTIONS[action][1])
    values = {**page_form(client, assignment_id, action), **typed(data, action)}
    first = _post(client, assignment_id, action, values)
    assert first.status_code == 204, first.get_data(as_text=True)[:300]
    notes = len(rows(app, Notification))
    second = _post(client, assignment_id, action, values)
    assert second.status_code == 204
    assert second.headers["HX-Redirect"] == first.headers["HX-Redirect"]
    assert [s.action for s in _steps(app, assignment_id)] == [action]
    assert len(rows(app, Notification)) == notes


def test_an_answer_with_files_sent_twice_stores_them_once(app, login, data, make):
    from portal.tracker.models import Attachment

    assignment_id = prepared(app, data, make, "answer")
    client = login("officer")
    values = page_form(client, assignment_id, "answer")
    before = stored_keys(app)

    def send():
        return client.post(f"/tracker/{assignment_id}/answer", htmx=True,
                           content_type="multipart/form-data",
                           data={**values, "answer": "Trả lời kèm văn bản",
                                 "files": [(io.BytesIO(PDF), "tra-loi.pdf")]})

    assert send().status_code == 204
    assert send().status_code == 204
    attachments = rows(app, Attachment)
    assert len(attachments) == 1 and len(_steps(app, assignment_id, "answer")) == 1
    assert stored_keys(app) - before == {attachments[0].stored_name}


def test_a_stale_answer_shows_the_saved_answer_beside_the_typed_one(app, login, data, make):
    """Two officers of the agency answer a returned item from the same page: the second
    is told (409) and sees the answer now saved beside the one they typed; nothing of theirs
    is saved."""
    assignment_id = make(status="returned")
    first, second = login("officer"), login("officer")
    started = page_form(first, assignment_id, "answer")
    assert page_form(second, assignment_id, "answer")["version"] == started["version"]
    assert first.post(f"/tracker/{assignment_id}/answer", data={
        **started, "answer": "Bản của người thứ nhất"}).status_code == 303

    stale = second.post(f"/tracker/{assignment_id}/answer", htmx=True, data={
        "version": started["version"], "client_key": "k" * 32,
        "answer": "Bản của người thứ hai"})
    body = stale.get_data(as_text=True)
    assert stale.status_code == 409
    assert "Bản của người thứ nhất" in body and "Bản của người thứ hai" in body
    assert "stale-diff" in body and "Nội dung trả lời" in body
    item = get_assignment(app, assignment_id)
    assert item.answer == "Bản của người thứ nhất" and item.status.value == "answered"
    assert len(_steps(app, assignment_id, "answer")) == 1


def test_a_tampered_version_never_matches(app, login, data, make):
    assignment_id = make()
    response = login("officer").post(f"/tracker/{assignment_id}/answer", htmx=True, data={
        "version": "abc", "answer": "Trả lời"})
    assert response.status_code == 409
    assert get_assignment(app, assignment_id).status.value == "assigned"


def test_every_step_is_a_new_version(app, login, data, make):
    """Also the steps that only add a request row (an extension, an input): the page the
    office opened before the agency asked for more time is stale."""
    assignment_id = make()
    office = login("office")
    before = page_form(office, assignment_id, "mark_beyond_authority")
    version = get_assignment(app, assignment_id).version
    assert login("officer").post(f"/tracker/{assignment_id}/extension", data={
        "ext-new_deadline": "01/06/2099", "ext-reason": "Chờ đo đạc"}).status_code == 303
    assert get_assignment(app, assignment_id).version == version + 1
    response = office.post(f"/tracker/{assignment_id}/beyond-authority", htmx=True,
                           data={**before, "beyond-note": "Thuộc thẩm quyền Bộ"})
    assert response.status_code == 409
    assert "Thuộc thẩm quyền Bộ" in response.get_data(as_text=True)
    assert get_assignment(app, assignment_id).status.value == "assigned"


# --------------------------------------------------------------------------- reminders

def test_a_reminder_sent_twice_reminds_once(app, login, data, make):
    from datetime import timedelta

    from portal.timefmt import local_today
    from portal.tracker.models import AssignmentStep, Notification
    from tests.tracker.tracker_fixtures import hidden

    make(deadline=local_today() - timedelta(days=2))
    office = login("office")
    key = hidden(office.get("/tracker/"), "client_key")
    values = {"scope": "filter", "client_key": key}
    first = office.post("/tracker/remind", data=values, htmx=True)
    assert "Đã đôn đốc 1 nhiệm vụ của 1 cơ quan." in first.get_data(as_text=True)
    second = office.post("/tracker/remind", data=values, htmx=True)
    assert second.status_code == 200
    assert "đã được ghi nhận trước đó" in second.get_data(as_text=True)
    assert len(rows(app, Notification)) == 1
    assert len(rows(app, AssignmentStep, action="remind")) == 1


def test_reminder_mail_goes_only_after_the_commit(app, login, data, make, monkeypatch):
    """The commit fails (the database went away): the reminders are not saved, so no mail
    is sent about them."""
    from datetime import timedelta

    from sqlalchemy.exc import OperationalError

    from portal.auth.models import User
    from portal.extensions import db
    from portal.timefmt import local_today
    from portal.tracker import commands

    with app.app_context():
        db.session.get(User, data["users"]["officer"]).email = "mai.tnmt@bacgiang.gov.vn"
        db.session.commit()
    make(deadline=local_today() - timedelta(days=2))
    office = login("office")
    sent = []
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", 2525)
    monkeypatch.setattr(commands, "send_all", lambda settings, messages: sent.extend(messages)
                        or len(messages))

    def commit_fails():
        raise OperationalError("COMMIT", {}, Exception("server closed the connection"))

    with monkeypatch.context() as patched:
        patched.setattr(db.session, "commit", commit_fails)
        assert office.post("/tracker/remind", data={"scope": "filter"},
                           htmx=True).status_code == 503
    assert sent == []
    response = office.post("/tracker/remind", data={"scope": "filter"}, htmx=True)
    assert "Đã gửi 1 thư điện tử." in response.get_data(as_text=True)
    assert len(sent) == 1


# --------------------------------------------------------------------------- notifications

def test_marking_read_goes_through_the_pipeline(app, login, data):
    from portal.extensions import db
    from portal.tracker.models import Notification

    with app.app_context():
        mine = Notification(agency_id=data["agency"], text="Của sở")
        theirs = Notification(agency_id=data["other_agency"], text="Của Sở Xây dựng")
        db.session.add_all([mine, theirs])
        db.session.commit()
        mine_id, theirs_id = mine.id, theirs.id
    officer = login("officer")
    assert officer.post(f"/tracker/notifications/{theirs_id}/read").status_code == 404
    assert officer.post(f"/tracker/notifications/{mine_id + 1000}/read").status_code == 404
    response = officer.post(f"/tracker/notifications/{mine_id}/read", htmx=True)
    assert response.status_code == 200
    assert response.get_data(as_text=True).lstrip().startswith('<section id="notifications"')
    read = {n.id: n.read_at for n in rows(app, Notification)}
    assert read[mine_id] is not None and read[theirs_id] is None

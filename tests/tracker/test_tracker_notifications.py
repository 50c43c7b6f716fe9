"""Notifications: the user's own and their agency's, newest first; read marks; the count the
header's bell shows (one query); who is told what after each action."""
from datetime import datetime, timedelta, timezone

from sqlalchemy import event
from support import is_savepoint

from tests.tracker.tracker_fixtures import make, rows, third  # noqa: F401 (fixtures)


def _add(app, **kw):
    from portal.extensions import db
    from portal.tracker.models import Notification

    with app.app_context():
        note = Notification(**kw)
        db.session.add(note)
        db.session.commit()
        return note.id


def test_page_lists_own_and_agency_newest_first(app, login, data, third):  # noqa: F811
    base = datetime(2030, 1, 1, tzinfo=timezone.utc)
    _add(app, agency_id=data["agency"], text="Cũ của sở", created_at=base)
    _add(app, user_id=data["users"]["officer"], text="Riêng tôi", created_at=base + timedelta(1))
    _add(app, agency_id=data["agency"], text="Mới của sở", created_at=base + timedelta(2))
    _add(app, agency_id=data["other_agency"], text="Của Sở Xây dựng", created_at=base)
    _add(app, user_id=data["users"]["office"], text="Của Văn phòng", created_at=base)
    page = login("officer").get("/tracker/notifications").get_data(as_text=True)
    assert "Của Sở Xây dựng" not in page and "Của Văn phòng" not in page
    assert page.index("Mới của sở") < page.index("Riêng tôi") < page.index("Cũ của sở")
    assert "3 thông báo chưa đọc" in page


def test_unread_count_is_one_query_and_mark_read(app, login, data):
    from portal.auth.models import User
    from portal.extensions import db
    from portal.tracker import services

    first = _add(app, agency_id=data["agency"], text="Một")
    _add(app, user_id=data["users"]["officer"], text="Hai")
    _add(app, agency_id=data["other_agency"], text="Không phải của tôi")
    with app.app_context():
        officer = db.session.get(User, data["users"]["officer"])
        office = db.session.get(User, data["users"]["office"])
        seen = []
        listener = lambda conn, cursor, sql, *a: seen.append(1) if not is_savepoint(sql) else None  # noqa: E731, E501
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            assert services.unread_count(officer) == 2
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        assert len(seen) == 1
        assert services.unread_count(office) == 0
    c = login("officer")
    response = c.post(f"/tracker/notifications/{first}/read", htmx=True)
    assert response.status_code == 200 and "1 thông báo chưa đọc" in response.get_data(
        as_text=True)
    assert c.post("/tracker/notifications/read").status_code == 303
    with app.app_context():
        assert services.unread_count(db.session.get(User, data["users"]["officer"])) == 0
        assert services.unread_count(db.session.get(User, data["users"]["other_officer"])) == 1


def test_who_is_told_after_each_action(app, login, data, make):
    from portal.tracker.models import Notification

    assignment_id = make(content="Đường vào khu dân cư")
    url = f"/tracker/{assignment_id}"
    login("officer").post(url + "/answer", data={"answer": "Đã xử lý"})
    office_notes = [n for n in rows(app, Notification) if n.user_id == data["users"]["office"]]
    assert len(office_notes) == 1 and "STNMT: Trả lời: «Đường vào khu dân cư»" in \
        office_notes[0].text
    assert office_notes[0].link == url
    login("office").post(url + "/return", data={"reason": "Thiếu số liệu"})
    agency_notes = [n for n in rows(app, Notification) if n.agency_id == data["agency"]]
    assert len(agency_notes) == 1
    assert agency_notes[0].text == "Trả lại để bổ sung: «Đường vào khu dân cư» — Thiếu số liệu"
    login("officer").post(url + "/coordination", data={
        "ask-coordinator_id": str(data["other_agency"]), "ask-text": "Cho ý kiến"})
    asked = [n for n in rows(app, Notification) if n.agency_id == data["other_agency"]]
    assert len(asked) == 1 and asked[0].text.startswith("STNMT: Đề nghị cơ quan phối hợp")
    page = login("other_officer").get("/tracker/notifications").get_data(as_text=True)
    assert "Đề nghị cơ quan phối hợp cho ý kiến" in page


def test_anonymous_is_sent_to_login(login):
    c = login("anonymous")
    assert c.get("/tracker/notifications").status_code == 302
    assert c.post("/tracker/notifications/read").status_code == 302


def test_bell_helper_for_the_header(app, login, data):
    from flask import render_template_string

    _add(app, agency_id=data["agency"], text="Một")
    with app.test_request_context():
        from flask_login import login_user

        from portal.auth.models import User
        from portal.extensions import db

        login_user(db.session.get(User, data["users"]["officer"]))
        assert render_template_string("{{ unread_notifications() }}") == "1"


def test_opening_the_item_marks_its_notification_read(app, login, data):
    """Following a notification to its assignment clears it from the bell."""
    from datetime import timedelta

    from sqlalchemy import select

    from portal.extensions import db
    from portal.petitions.models import Channel, Petition, SubmitterKind
    from portal.tracker.models import AnswerMode, Assignment, Notification

    with app.app_context():
        petition = Petition(session_id=data["session"], submitter_kind=SubmitterKind.CITIZEN,
                            submitter_name="A", field_id=data["fields"][0], content="B",
                            channel=Channel.AT_DIALOGUE)
        db.session.add(petition)
        db.session.flush()
        item = Assignment(petition_id=petition.id, agency_id=data["agency"],
                          mode=AnswerMode.IN_WRITING, deadline=data["day"] + timedelta(days=5))
        db.session.add(item)
        db.session.flush()
        note = Notification(agency_id=data["agency"], text="Trả lại", link=f"/tracker/{item.id}")
        db.session.add(note)
        db.session.commit()
        item_id, note_id = item.id, note.id
    officer = login("officer")
    assert officer.get(f"/tracker/{item_id}").status_code == 200
    with app.app_context():
        assert db.session.scalar(select(Notification.read_at).where(
            Notification.id == note_id)) is not None


def test_who_is_told_is_the_lifecycle_s_rule_outside_any_request(app, data, make):
    """The CLI or a test taking a step tells the same people as the pages do."""
    from sqlalchemy import select

    from portal.admin.models import Agency
    from portal.auth.models import User
    from portal.extensions import db
    from portal.tracker import lifecycle
    from portal.tracker.models import Assignment, Notification

    assignment_id = make(content="Cống thoát nước bị tắc")
    with app.app_context():
        item = db.session.get(Assignment, assignment_id)
        officer = db.session.get(User, data["users"]["officer"])
        office = db.session.get(User, data["users"]["office"])
        lifecycle.apply(item, "start", officer)
        assert db.session.scalars(select(Notification)).all() == []  # nobody is told
        lifecycle.apply(item, "request_input", officer, "Cho ý kiến",
                        agency=db.session.get(Agency, data["other_agency"]))
        lifecycle.apply(item, "answer", officer, "Đã nạo vét")
        lifecycle.apply(item, "accept", office)
        db.session.commit()
        told = [(n.user_id, n.agency_id, n.text.split(":")[0], n.link) for n in
                db.session.scalars(select(Notification).order_by(Notification.id))]
    link = f"/tracker/{assignment_id}"
    assert told == [
        (None, data["other_agency"], "STNMT", link),  # asked for its input
        (data["users"]["office"], None, "STNMT", link),  # the answer, to the office
        (None, data["agency"], "Chấp nhận, hoàn thành", link),  # accepted, to the agency
    ]

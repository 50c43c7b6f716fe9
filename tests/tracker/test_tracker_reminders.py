"""Bulk reminders (đôn đốc): a notification per agency, a step per item, last_reminded_at,
and one e-mail per agency through a local SMTP server (aiosmtpd) when one is configured."""
import socket
from datetime import timedelta
from email import message_from_bytes, policy

import pytest

from tests.tracker.tracker_fixtures import get_assignment, make, rows, third  # noqa: F401


def _today():
    from portal.timefmt import local_today

    return local_today()


class Inbox:
    """What the local SMTP server received."""

    def __init__(self):
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    def messages(self):
        return [(e.rcpt_tos, message_from_bytes(e.content, policy=policy.default))
                for e in self.envelopes]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp(app, monkeypatch):
    """A local SMTP server on a free port, and the app configured to use it."""
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", port)
    monkeypatch.setitem(app.config, "MAIL_SENDER", "vanphong@bacgiang.gov.vn")
    yield inbox
    controller.stop()


@pytest.fixture
def mailboxes(app, data):
    """Give the officers of both agencies e-mail user names (the schema has no e-mail column)."""
    from portal.auth.models import User
    from portal.extensions import db

    with app.app_context():
        db.session.get(User, data["users"]["officer"]).username = "mai.tnmt@bacgiang.gov.vn"
        db.session.get(User, data["users"]["other_officer"]).username = "dung.sxd@bacgiang.gov.vn"
        db.session.commit()


@pytest.fixture
def items(make, third):  # noqa: F811
    past, soon = _today() - timedelta(days=4), _today()
    return {
        "late_a": make(deadline=past, content="STNMT: bồi thường chậm"),
        "soon_a": make(deadline=soon, content="STNMT: cấp giấy chứng nhận"),
        "far_a": make(deadline=_today() + timedelta(days=90), content="STNMT: còn lâu"),
        "done_a": make(deadline=past, status="done", content="STNMT: đã xong"),
        "late_b": make(agency="other_agency", deadline=past, content="SXD: cấp phép xây dựng"),
        "late_c": make(agency="third_agency", deadline=past, content="SGTVT: đường xuống cấp"),
    }


def test_remind_selected_items(app, login, data, items):
    from portal.tracker.models import AssignmentStep, Notification

    c = login("office")
    response = c.post("/tracker/remind", data={
        "scope": "selected", "note": "Đề nghị trả lời trước ngày 20.",
        "ids": [str(items["late_a"]), str(items["soon_a"]), str(items["done_a"]),
                str(items["late_b"])]}, htmx=True)
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and body.lstrip().startswith('<section id="list"')
    assert "Đã đôn đốc 3 nhiệm vụ của 2 cơ quan." in body
    assert "1 mục không còn phải trả lời" in body
    notes = {n.agency_id: n for n in rows(app, Notification)}
    assert set(notes) == {data["agency"], data["other_agency"]}
    assert notes[data["agency"]].text == (
        "Văn phòng UBND tỉnh đôn đốc trả lời 2 ý kiến, kiến nghị (1 quá hạn, 1 sắp đến hạn). "
        "Đề nghị trả lời trước ngày 20.")
    assert notes[data["agency"]].user_id is None and notes[data["agency"]].link == \
        "/tracker/?tab=open"
    steps = rows(app, AssignmentStep, action="remind")
    assert sorted(s.assignment_id for s in steps) == sorted(
        [items["late_a"], items["soon_a"], items["late_b"]])
    assert {s.text for s in steps} == {"Đôn đốc (quá hạn): Đề nghị trả lời trước ngày 20.",
                                       "Đôn đốc (sắp đến hạn): Đề nghị trả lời trước ngày 20."}
    for key in ("late_a", "soon_a", "late_b"):
        assert get_assignment(app, items[key]).last_reminded_at is not None
    for key in ("done_a", "far_a", "late_c"):
        assert get_assignment(app, items[key]).last_reminded_at is None
    # The officers see it: in their notifications, and in the timeline.
    officer = login("officer")
    assert "đôn đốc trả lời 2 ý kiến" in officer.get("/tracker/notifications").get_data(
        as_text=True)
    assert "Đôn đốc (quá hạn)" in officer.get(f"/tracker/{items['late_a']}").get_data(
        as_text=True)
    assert "đôn đốc" not in login("third").get("/tracker/notifications").get_data(as_text=True)


def test_remind_everything_due_under_the_filter(app, login, data, items):
    from portal.tracker.models import Notification

    response = login("office").post("/tracker/remind", data={
        "scope": "filter", "agency": str(data["agency"])})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/tracker/?agency={data['agency']}")
    notes = rows(app, Notification)
    assert [n.agency_id for n in notes] == [data["agency"]]
    assert "2 ý kiến, kiến nghị (1 quá hạn, 1 sắp đến hạn)" in notes[0].text
    reminded = {k for k, v in items.items() if get_assignment(app, v).last_reminded_at}
    assert reminded == {"late_a", "soon_a"}


def test_remind_with_nothing_selected_is_422(app, login, items):
    from portal.tracker.models import Notification

    response = login("office").post("/tracker/remind", data={"scope": "selected"}, htmx=True)
    assert response.status_code == 422
    assert "Vui lòng chọn ít nhất một mục để đôn đốc." in response.get_data(as_text=True)
    assert rows(app, Notification) == []


def test_reminder_mail_one_message_per_agency(app, login, data, items, smtp, mailboxes):
    response = login("office").post("/tracker/remind", data={"scope": "filter",
                                                             "lateness": "late"}, htmx=True)
    body = response.get_data(as_text=True)
    assert "Đã gửi 2 thư điện tử." in body  # the third agency has no address on file
    received = {tuple(to): msg for to, msg in smtp.messages()}
    assert set(received) == {("mai.tnmt@bacgiang.gov.vn",), ("dung.sxd@bacgiang.gov.vn",)}
    mail = received[("mai.tnmt@bacgiang.gov.vn",)]
    assert mail["From"] == "vanphong@bacgiang.gov.vn"
    assert mail["Subject"] == "Đôn đốc trả lời ý kiến, kiến nghị (1 nội dung)"
    text = mail.get_content()
    assert "Kính gửi: Sở Tài nguyên và Môi trường" in text
    assert "STNMT: bồi thường chậm" in text and "STNMT: cấp giấy chứng nhận" not in text
    assert f"http://localhost/tracker/{items['late_a']}" in text
    other = received[("dung.sxd@bacgiang.gov.vn",)].get_content()
    assert "SXD: cấp phép xây dựng" in other and "STNMT" not in other


def test_no_mail_without_smtp_settings(app, login, items, mailboxes):
    response = login("office").post("/tracker/remind", data={"scope": "filter"}, htmx=True)
    assert "thư điện tử" not in response.get_data(as_text=True)


def test_unreachable_smtp_keeps_notifications(app, login, data, items, mailboxes, monkeypatch):
    from portal.tracker.models import Notification

    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", _free_port())  # nobody listens
    monkeypatch.setitem(app.config, "MAIL_TIMEOUT", 2)
    response = login("office").post("/tracker/remind", data={"scope": "filter"}, htmx=True)
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Không gửi được thư điện tử" in body
    assert len(rows(app, Notification)) == 3


def test_reminders_are_the_office_s(login, items):
    for role in ("officer", "chair", "observer", "admin"):
        assert login(role).post("/tracker/remind", data={"scope": "filter"}).status_code == 403


def test_large_batches_go_least_recently_reminded_first(app, login, items, monkeypatch):
    from portal.tracker import reminders

    monkeypatch.setattr(reminders, "BATCH_LIMIT", 2)
    c = login("office")
    first = c.post("/tracker/remind", data={"scope": "filter"}, htmx=True).get_data(
        as_text=True)
    assert "Mỗi lần đôn đốc tối đa 2 nhiệm vụ" in first
    reminded = {k for k, v in items.items() if get_assignment(app, v).last_reminded_at}
    assert len(reminded) == 2
    c.post("/tracker/remind", data={"scope": "filter"}, htmx=True)
    now = {k for k, v in items.items() if get_assignment(app, v).last_reminded_at}
    assert now == {"late_a", "soon_a", "late_b", "late_c"}  # the other two came next

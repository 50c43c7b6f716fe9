"""Edit, reschedule, cancel and restore a session; every change by a person marks it
customized so that regenerating the plan leaves it be; a tentative date is confirmed."""
from __future__ import annotations

from datetime import date, time

import pytest

from calendar_helpers import add_session, get_session, session_form, vn

DAY = date(2025, 3, 11)  # a Tuesday
LATER = date(2025, 3, 13)  # a Thursday


def _tentative(app):
    from portal.calendar.models import SessionStatus

    return add_session(app, DAY, "08:00", status=SessionStatus.TENTATIVE,
                       title="Tiếp xúc cử tri tháng 6 (dự kiến)", host="Chủ tịch A",
                       venue="Hội trường")


def test_cancel_needs_a_reason_and_changes_nothing_without_one(app, login, data):
    sid = add_session(app, DAY)
    c = login("office")
    page = c.get(f"/calendar/sessions/{sid}/cancel").get_data(as_text=True)
    assert "Lý do hủy" in page
    response = c.post(f"/calendar/sessions/{sid}/cancel", data={"reason": "   "}, htmx=True)
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="reason-error"' in body and "Vui lòng nêu lý do hủy buổi đối thoại." in body
    item = get_session(app, sid)
    assert item.status.value == "scheduled" and not item.is_customized
    response = c.post(f"/calendar/sessions/{sid}/cancel", data={"reason": "x" * 2001},
                      htmx=True)
    assert response.status_code == 422 and "Không được dài quá 2000 ký tự." in \
        response.get_data(as_text=True)


def test_cancel_keeps_the_reason_and_shows_the_session_struck_through(app, login, data):
    sid = add_session(app, DAY, title="Buổi sẽ hủy")
    c = login("office")
    response = c.post(f"/calendar/sessions/{sid}/cancel",
                      data={"reason": "Trùng lịch họp Ban Thường vụ <Tỉnh ủy>"})
    assert response.status_code == 303
    item = get_session(app, sid)
    assert item.status.value == "cancelled" and item.is_customized
    assert item.cancel_reason == "Trùng lịch họp Ban Thường vụ <Tỉnh ủy>"
    detail = c.get(f"/calendar/sessions/{sid}").get_data(as_text=True)
    assert 'class="cancelled-title"' in detail
    assert "Trùng lịch họp Ban Thường vụ &lt;Tỉnh ủy&gt;" in detail  # escaped
    assert "Khôi phục buổi" in detail
    listing = c.get("/calendar/?view=list&from=01/03/2025&to=31/03/2025").get_data(as_text=True)
    assert '<a class="cancelled-title"' in listing
    assert "Lý do hủy: Trùng lịch họp Ban Thường vụ &lt;Tỉnh ủy&gt;" in listing
    # Cancelling again: it is not scheduled any more.
    assert c.post(f"/calendar/sessions/{sid}/cancel", data={"reason": "Lại"}).status_code == 409


@pytest.mark.parametrize("tentative", [False, True])
def test_restore_brings_back_the_status_it_had(app, login, data, tentative):
    sid = _tentative(app) if tentative else add_session(app, DAY)
    c = login("office")
    c.post(f"/calendar/sessions/{sid}/cancel", data={"reason": "Tạm hoãn"})
    response = c.post(f"/calendar/sessions/{sid}/restore", data={})
    assert response.status_code == 303
    item = get_session(app, sid)
    assert item.status.value == ("tentative" if tentative else "scheduled")
    assert item.cancel_reason == "" and item.is_customized
    assert c.post(f"/calendar/sessions/{sid}/restore", data={}).status_code == 409


def test_a_started_session_cannot_be_cancelled(app, login, data):
    from portal.calendar.models import SessionStatus

    sid = add_session(app, DAY, status=SessionStatus.IN_PROGRESS)
    c = login("office")
    assert c.get(f"/calendar/sessions/{sid}/cancel").status_code == 409
    assert c.post(f"/calendar/sessions/{sid}/cancel", data={"reason": "x"}).status_code == 409
    assert get_session(app, sid).status == SessionStatus.IN_PROGRESS


def test_a_closed_session_cannot_change(app, login, data):
    from portal.types import utcnow

    sid = add_session(app, DAY, closed_at=utcnow())
    c = login("office")
    for url in ("edit", "reschedule", "cancel"):
        assert c.get(f"/calendar/sessions/{sid}/{url}").status_code == 409


def test_reschedule_moves_the_session_and_marks_it_customized(app, login, data):
    from portal.timefmt import local_to_utc

    sid = add_session(app, DAY, "08:00", "11:00", host="Chủ tịch A", venue="Hội trường")
    c = login("office")
    page = c.get(f"/calendar/sessions/{sid}/reschedule").get_data(as_text=True)
    assert f'value="{vn(DAY)}"' in page and 'value="08:00"' in page
    assert f'hx-get="/calendar/sessions/check?session_id={sid}"' in page
    response = c.post(f"/calendar/sessions/{sid}/reschedule", data={
        "day": vn(LATER), "start_time": "14:00", "end_time": "16:30", "venue": "Nhà văn hóa"})
    assert response.status_code == 303
    item = get_session(app, sid)
    assert item.starts_at == local_to_utc(LATER, time(14, 0))
    assert item.ends_at == local_to_utc(LATER, time(16, 30))
    assert item.venue == "Nhà văn hóa" and item.is_customized and item.host == "Chủ tịch A"


def test_reschedule_onto_a_busy_day_needs_confirmation(app, login, data):
    add_session(app, LATER, "08:00", host="Chủ tịch A", venue="Khác")
    sid = add_session(app, DAY, "08:00", host="Chủ tịch A", venue="Hội trường")
    c = login("office")
    form = {"day": vn(LATER), "start_time": "14:00", "venue": "Hội trường"}
    response = c.post(f"/calendar/sessions/{sid}/reschedule", data=form, htmx=True)
    assert response.status_code == 422
    assert "Người chủ trì «Chủ tịch A» đã có buổi khác" in response.get_data(as_text=True)
    from portal.timefmt import local_to_utc

    assert get_session(app, sid).starts_at == local_to_utc(DAY, time(8, 0))  # not moved
    assert not get_session(app, sid).is_customized
    response = c.post(f"/calendar/sessions/{sid}/reschedule",
                      data={**form, "ignore_conflicts": "y"})
    assert response.status_code == 303 and get_session(app, sid).is_customized


@pytest.mark.parametrize("form, field, message", [
    ({"day": "", "start_time": "08:00", "venue": "X"}, "day", "Vui lòng nhập ngày họp."),
    ({"day": "11/03/2025", "start_time": "8h70", "venue": "X"}, "start_time", "Giờ không hợp lệ"),
    ({"day": "11/03/2025", "start_time": "08:00", "end_time": "07:00", "venue": "X"},
     "end_time", "Giờ kết thúc phải sau giờ bắt đầu."),
    ({"day": "11/03/2025", "start_time": "08:00", "venue": ""}, "venue", "Trường này là bắt buộc."),
])
def test_bad_reschedule_input_is_422_and_saves_nothing(app, login, data, form, field, message):
    sid = add_session(app, DAY, "09:00")
    before = get_session(app, sid)
    response = login("office").post(f"/calendar/sessions/{sid}/reschedule", data=form,
                                    htmx=True)
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'id="{field}-error"' in body and message in body
    after = get_session(app, sid)
    assert (after.starts_at, after.venue, after.version) == (before.starts_at, before.venue,
                                                             before.version)
    assert not after.is_customized


def test_edit_marks_customized(app, login, data):
    sid = add_session(app, DAY, host="Chủ tịch A", venue="Hội trường")
    response = login("office").post(f"/calendar/sessions/{sid}/edit", data=session_form(
        DAY, host="Chủ tịch A", venue="Hội trường", title="Tiêu đề mới"))
    assert response.status_code == 303
    item = get_session(app, sid)
    assert item.title == "Tiêu đề mới" and item.is_customized


def test_a_new_session_is_scheduled(app, login, data):
    from portal.calendar.models import DialogueSession
    from portal.extensions import db

    response = login("office").post("/calendar/sessions/new", data=session_form(
        DAY, host="Chủ tịch A", venue="Hội trường"))
    assert response.status_code == 303
    with app.app_context():
        item = db.session.query(DialogueSession).order_by(DialogueSession.id.desc()).first()
        assert item.status.value == "scheduled" and item.title.startswith("Đối thoại")


def test_confirming_the_date_of_a_tentative_session(app, login, data):
    sid = _tentative(app)
    c = login("office")
    page = c.get(f"/calendar/sessions/{sid}/edit").get_data(as_text=True)
    assert 'id="confirm_date"' in page and "Xác nhận ngày giờ" in page
    form = session_form(LATER, host="Chủ tịch A", venue="Hội trường")
    assert c.post(f"/calendar/sessions/{sid}/edit", data=form).status_code == 303
    assert get_session(app, sid).status.value == "tentative"  # moved, still not confirmed
    assert c.post(f"/calendar/sessions/{sid}/edit",
                  data={**form, "confirm_date": "y"}).status_code == 303
    assert get_session(app, sid).status.value == "scheduled"
    # A scheduled session has nothing to confirm.
    assert 'id="confirm_date"' not in c.get(f"/calendar/sessions/{sid}/edit").get_data(
        as_text=True)


def test_confirming_by_rescheduling(app, login, data):
    sid = _tentative(app)
    response = login("office").post(f"/calendar/sessions/{sid}/reschedule", data={
        "day": vn(LATER), "start_time": "08:00", "venue": "Hội trường", "confirm_date": "y"})
    assert response.status_code == 303
    assert get_session(app, sid).status.value == "scheduled"


def test_someone_elses_save_in_between_is_409_and_keeps_the_input(app, login, data):
    sid = add_session(app, DAY, host="Chủ tịch A", venue="Hội trường")
    version = get_session(app, sid).version
    c = login("office")
    assert c.post(f"/calendar/sessions/{sid}/edit", data={**session_form(
        DAY, host="Chủ tịch A", venue="Hội trường", title="Lần một"),
        "version": version}).status_code == 303
    response = c.post(f"/calendar/sessions/{sid}/edit", htmx=True, data={**session_form(
        DAY, host="Chủ tịch A", venue="Hội trường", title="Lần hai"), "version": version})
    body = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Nội dung vừa được người khác thay đổi" in body and 'value="Lần hai"' in body
    assert '<td class="pre">Lần một</td><td class="pre">Lần hai</td>' in body  # both texts
    assert get_session(app, sid).title == "Lần một"
    response = c.post(f"/calendar/sessions/{sid}/cancel", data={"reason": "x",
                                                                "version": version})
    assert response.status_code == 409 and get_session(app, sid).status.value == "scheduled"


def test_the_session_page_offers_the_actions(app, login, data):
    sid = add_session(app, DAY)
    page = login("office").get(f"/calendar/sessions/{sid}").get_data(as_text=True)
    for url in (f"/calendar/sessions/{sid}/edit", f"/calendar/sessions/{sid}/reschedule",
                f"/calendar/sessions/{sid}/cancel", f"/calendar/sessions/{sid}.ics"):
        assert f'href="{url}"' in page
    observer = login("observer").get(f"/calendar/sessions/{sid}").get_data(as_text=True)
    assert f'href="/calendar/sessions/{sid}/cancel"' not in observer
    assert f'href="/calendar/sessions/{sid}.ics"' in observer

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from calendar_helpers import vn, working_day


def _session_form(when, **overrides):
    form = {"kind": "citizen_reception", "title": "Đối thoại về bồi thường giải phóng mặt bằng",
            "day": vn(when), "start_time": "08:00", "end_time": "11:30",
            "venue": "Hội trường UBND tỉnh", "host": "Phó Chủ tịch Phan Thế Tuấn",
            "content": "Bồi thường, hỗ trợ, tái định cư"}
    form.update(overrides)
    return form


def _count(app, model):
    from portal.extensions import db

    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_month_view_lists_sessions_of_the_month(login, data):
    c = login("office")
    day = data["day"]
    page = c.get(f"/calendar/?month={day:%Y-%m}").get_data(as_text=True)
    assert "Đối thoại tháng 12 về đất đai" in page
    assert f'data-day="{day.isoformat()}"' in page and "08:00" in page
    other = c.get(f"/calendar/?month={day.year - 1}-01").get_data(as_text=True)
    assert "Đối thoại tháng 12 về đất đai" not in other


def test_month_navigation_htmx_returns_only_the_fragment(login, data):
    c = login("office")
    response = c.get(f"/calendar/?month={data['day']:%Y-%m}", htmx=True)
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith('<section id="calendar"')
    assert "<html" not in body
    assert "HX-Request" in response.headers["Vary"]


def test_create_session_then_it_shows(app, login, data):
    from portal.calendar.models import DialogueSession
    from portal.extensions import db

    c = login("office")
    day = working_day(data["day"] + timedelta(days=7))
    response = c.post("/calendar/sessions/new", data=_session_form(day))
    assert response.status_code == 303
    with app.app_context():
        created = db.session.scalar(select(DialogueSession).order_by(DialogueSession.id.desc()))
        assert created.title == "Đối thoại về bồi thường giải phóng mặt bằng"
        # 08:00 in Hà Nội is 01:00 UTC
        assert created.starts_at.hour == 1 and created.starts_at.date() == day
    page = c.get(response.headers["Location"]).get_data(as_text=True)
    assert "Đối thoại về bồi thường giải phóng mặt bằng" in page


@pytest.mark.parametrize("overrides, field, message", [
    ({"title": ""}, "title", "Trường này là bắt buộc."),
    ({"title": "x" * 301}, "title", "Không được dài quá 300 ký tự."),
    ({"day": "31/02/2026"}, "day", "Ngày không hợp lệ"),
    ({"day": ""}, "day", "Vui lòng nhập ngày họp."),
    ({"start_time": "25:00"}, "start_time", "Giờ không hợp lệ"),
    ({"end_time": "07:00"}, "end_time", "Giờ kết thúc phải sau giờ bắt đầu."),
    ({"kind": "khac"}, "kind", ""),
])
def test_bad_session_input_shows_field_error_keeps_input_saves_nothing(
        app, login, data, overrides, field, message):
    from portal.calendar.models import DialogueSession

    c = login("office")
    before = _count(app, DialogueSession)
    form = _session_form(data["day"], **overrides)
    response = c.post("/calendar/sessions/new", data=form, htmx=True)
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'id="{field}-error"' in body
    assert message in body
    assert "Hội trường UBND tỉnh" in body  # what was typed is kept
    if field == "day":
        assert f'value="{form["day"]}"' in body
    assert _count(app, DialogueSession) == before


def test_edit_session(app, login, data):
    from portal.calendar.models import DialogueSession
    from portal.extensions import db

    c = login("office")
    url = f"/calendar/sessions/{data['session']}/edit"
    assert vn(data["day"]) in c.get(url).get_data(as_text=True)
    day = working_day(data["day"] + timedelta(days=1))
    response = c.post(url, data=_session_form(day, venue="Nhà văn hóa xã Tân Sỏi"))
    assert response.status_code == 303
    with app.app_context():
        assert db.session.get(DialogueSession, data["session"]).venue == "Nhà văn hóa xã Tân Sỏi"


def test_session_page_links_to_the_petitions_of_the_session(login, data):
    page = login("office").get(f"/calendar/sessions/{data['session']}").get_data(as_text=True)
    assert f"/petitions/sessions/{data['session']}" in page
    assert "Đăng ký, phân loại, giao tham mưu" in page


def test_unknown_session_is_404(login, data):
    assert login("office").get("/calendar/sessions/999999").status_code == 404

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


def test_register_petition_before_meeting(app, login, data):
    from portal.extensions import db
    from portal.petitions.models import Petition

    c = login("office")
    response = c.post(f"/calendar/sessions/{data['session']}/petitions", htmx=True, data={
        "submitter_kind": "citizen", "submitter_name": "Nguyễn Thị Hằng",
        "submitter_contact": "0912 345 678", "locality": "xã Tân Sỏi, huyện Yên Thế",
        "field_id": data["fields"][0], "channel": "writing",
        "content": "Đề nghị cấp giấy chứng nhận quyền sử dụng đất <b>ngay</b>",
    })
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert body.lstrip().startswith('<section id="petitions"')
    assert "Nguyễn Thị Hằng" in body
    assert "&lt;b&gt;ngay&lt;/b&gt;" in body and "<b>ngay</b>" not in body  # autoescaped
    with app.app_context():
        petition = db.session.scalar(select(Petition))
        assert petition.search_text.startswith("de nghi cap giay chung nhan quyen su dung dat")
        assert not petition.raised_at_meeting


@pytest.mark.parametrize("overrides, field", [
    ({"content": ""}, "content"), ({"submitter_name": ""}, "submitter_name"),
    ({"field_id": "0"}, "field_id"), ({"content": "x" * 10001}, "content"),
])
def test_bad_petition_input(app, login, data, overrides, field):
    from portal.petitions.models import Petition

    c = login("office")
    form = {"submitter_kind": "citizen", "submitter_name": "Trần Văn Bình", "locality": "",
            "field_id": data["fields"][0], "channel": "writing", "content": "Đường hỏng"}
    form.update(overrides)
    response = c.post(f"/calendar/sessions/{data['session']}/petitions", data=form, htmx=True)
    assert response.status_code == 422
    assert f'id="{field}-error"' in response.get_data(as_text=True)
    assert _count(app, Petition) == 0


def test_unknown_session_is_404(login, data):
    assert login("office").get("/calendar/sessions/999999").status_code == 404

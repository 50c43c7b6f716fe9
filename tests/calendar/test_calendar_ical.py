"""iCalendar: a session as a single .ics, and per-user and per-agency feeds at secret URLs,
parsed back with the `icalendar` package."""
from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from calendar_helpers import add_session, involve

HCM = ZoneInfo("Asia/Ho_Chi_Minh")


def _parse(response) -> Calendar:
    assert response.status_code == 200, response.status_code
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    return Calendar.from_ical(response.data)


def _events(cal: Calendar) -> dict[str, object]:
    return {str(e["summary"]): e for e in cal.walk("VEVENT")}


def _soon(days=10) -> date:
    from portal.timefmt import local_today

    return local_today() + timedelta(days=days)


def test_single_session_ics_carries_every_field(app, login, data):
    from portal.calendar.models import SessionKind

    day = _soon()
    sid = add_session(app, day, "08:30", "11:00", title="Đối thoại với doanh nghiệp về đất đai",
                      kind=SessionKind.BUSINESS, venue="Hội trường tầng 3, UBND tỉnh",
                      host="Phó Chủ tịch Phan Thế Tuấn",
                      content="Tháo gỡ vướng mắc về thủ tục giao đất, cho thuê đất")
    response = login("office").get(f"/calendar/sessions/{sid}.ics")
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="buoi-doi-thoai-{sid}.ics"')
    cal = _parse(response)
    assert str(cal["version"]) == "2.0" and "prodid" in cal
    [event] = cal.walk("VEVENT")
    assert str(event["uid"]) == f"session-{sid}@localhost"
    assert str(event["summary"]) == "Đối thoại với doanh nghiệp về đất đai"
    assert str(event["location"]) == "Hội trường tầng 3, UBND tỉnh"
    description = str(event["description"])
    assert "Đối thoại với cộng đồng doanh nghiệp" in description  # the kind, in Vietnamese
    assert "Tháo gỡ vướng mắc về thủ tục giao đất, cho thuê đất" in description
    assert "Phó Chủ tịch Phan Thế Tuấn" in description
    start, end = event.decoded("dtstart"), event.decoded("dtend")
    assert start == datetime.combine(day, time(8, 30), tzinfo=HCM)
    assert end == datetime.combine(day, time(11, 0), tzinfo=HCM)
    assert event["dtstart"].params["TZID"] == "Asia/Ho_Chi_Minh"
    assert [str(tz["tzid"]) for tz in cal.walk("VTIMEZONE")] == ["Asia/Ho_Chi_Minh"]
    assert str(event["status"]) == "CONFIRMED"
    assert int(event["sequence"]) == 0
    assert event.decoded("dtstamp").tzinfo is not None
    assert event.decoded("last-modified") <= datetime.now(timezone.utc)
    assert "\r\n" in response.get_data(as_text=True)  # RFC 5545 line endings


def test_ics_follows_the_sessions_changes(app, login, data):
    sid = add_session(app, _soon(), "08:00", host="Chủ tịch A", venue="Hội trường")
    c = login("office")
    c.post(f"/calendar/sessions/{sid}/cancel", data={"reason": "Hoãn vì mưa bão"})
    [event] = _parse(c.get(f"/calendar/sessions/{sid}.ics")).walk("VEVENT")
    assert str(event["status"]) == "CANCELLED"
    assert int(event["sequence"]) == 1  # one change since it was created
    assert "Hoãn vì mưa bão" in str(event["description"])
    assert str(event["uid"]) == f"session-{sid}@localhost"  # the same event, updated


def test_tentative_session_without_end_lasts_three_hours(app, login, data):
    from portal.calendar.models import SessionStatus

    day = _soon()
    sid = add_session(app, day, "14:00", status=SessionStatus.TENTATIVE)
    [event] = _parse(login("observer").get(f"/calendar/sessions/{sid}.ics")).walk("VEVENT")
    assert str(event["status"]) == "TENTATIVE"
    assert event.decoded("dtend") - event.decoded("dtstart") == timedelta(hours=3)


def test_single_ics_is_for_readers_only(app, login, data):
    sid = data["session"]
    assert login("officer").get(f"/calendar/sessions/{sid}.ics").status_code == 403
    assert login("anonymous").get(f"/calendar/sessions/{sid}.ics").status_code == 302
    assert login("office").get("/calendar/sessions/999999.ics").status_code == 404


def _token_of(app, model, ident):
    from portal.extensions import db

    with app.app_context():
        return db.session.get(model, ident).feed_token


def test_my_feed_is_created_on_demand_and_renewed(app, login, data):
    from portal.auth.models import User

    c = login("office")
    page = c.get("/calendar/feeds").get_data(as_text=True)
    assert "Lịch của tôi (iCalendar)" in page and "Bạn chưa có địa chỉ lịch." in page
    assert _token_of(app, User, data["users"]["office"]) is None
    response = c.post("/calendar/feeds/me", htmx=True)
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and body.lstrip().startswith('<section id="feeds"')
    token = _token_of(app, User, data["users"]["office"])
    assert token and len(token) >= 43
    assert f"/calendar/feeds/{token}.ics" in body
    anonymous = login("anonymous")
    cal = _parse(anonymous.get(f"/calendar/feeds/{token}.ics"))
    assert "Đối thoại tháng 12 về đất đai" in _events(cal)
    assert "Nguyễn Văn Phòng" in str(cal["x-wr-calname"])
    # Renewing: the old address is dead, the new one works.
    c.post("/calendar/feeds/me")
    renewed = _token_of(app, User, data["users"]["office"])
    assert renewed != token
    assert anonymous.get(f"/calendar/feeds/{token}.ics").status_code == 404
    assert anonymous.get(f"/calendar/feeds/{renewed}.ics").status_code == 200


@pytest.mark.parametrize("token", ["khong-co-that-" + "x" * 30, "abc", "x" * 43])
def test_an_unknown_token_is_404(login, data, token):
    assert login("anonymous").get(f"/calendar/feeds/{token}.ics").status_code == 404


def test_an_inactive_account_or_agency_has_no_feed(app, login, data):
    from portal.admin.models import Agency
    from portal.auth.models import User
    from portal.extensions import db

    with app.app_context():
        user = db.session.get(User, data["users"]["observer"])
        user.feed_token, user.is_active_account = "u" * 43, False
        agency = db.session.get(Agency, data["other_agency"])
        agency.feed_token, agency.is_active = "a" * 43, False
        db.session.commit()
    c = login("anonymous")
    assert c.get("/calendar/feeds/" + "u" * 43 + ".ics").status_code == 404
    assert c.get("/calendar/feeds/" + "a" * 43 + ".ics").status_code == 404


def test_an_agency_feed_holds_only_the_sessions_it_takes_part_in(app, login, data):
    from portal.admin.models import Agency

    ways = ["invitee", "checklist", "advising", "assignment"]
    involved = {}
    for i, how in enumerate(ways):
        sid = add_session(app, _soon(5 + i), title=f"Buổi {how}", host=f"H{i}")
        involve(app, sid, data["agency"], how, data["fields"][0])
        involved[how] = sid
    other = add_session(app, _soon(20), title="Buổi của Sở Xây dựng", host="Khác")
    involve(app, other, data["other_agency"], "assignment", data["fields"][0])
    c = login("office")
    page = c.get("/calendar/feeds").get_data(as_text=True)
    assert "Sở Tài nguyên và Môi trường" in page and "Sở Xây dựng" in page  # staff: every agency
    c.post(f"/calendar/feeds/agencies/{data['agency']}")
    token = _token_of(app, Agency, data["agency"])
    cal = _parse(login("anonymous").get(f"/calendar/feeds/{token}.ics"))
    events = _events(cal)
    assert set(events) == {f"Buổi {how}" for how in ways}
    assert "Sở Tài nguyên và Môi trường" in str(cal["x-wr-calname"])
    body = cal.to_ical().decode()
    # No personal data of the citizens who raised petitions.
    assert "Nguyễn Văn Bí Mật" not in body and "0912000111" not in body
    assert "Đường giao thông xuống cấp" not in body


def test_an_officers_own_feed_is_their_agencys(app, login, data):
    from portal.auth.models import User

    mine = add_session(app, _soon(5), title="Buổi có Sở TNMT", host="A")
    involve(app, mine, data["agency"], "invitee")
    add_session(app, _soon(6), title="Buổi không liên quan", host="B")
    c = login("officer")
    page = c.get("/calendar/feeds").get_data(as_text=True)
    assert "Các buổi đối thoại mà cơ quan của bạn tham gia." in page
    assert f"/calendar/feeds/agencies/{data['agency']}" in page
    assert f"/calendar/feeds/agencies/{data['other_agency']}" not in page
    c.post("/calendar/feeds/me")
    token = _token_of(app, User, data["users"]["officer"])
    events = _events(_parse(login("anonymous").get(f"/calendar/feeds/{token}.ics")))
    assert set(events) == {"Buổi có Sở TNMT"}


def test_who_may_renew_an_agency_feed(app, login, data):
    from portal.admin.models import Agency

    assert login("officer").post(f"/calendar/feeds/agencies/{data['agency']}").status_code == 303
    assert _token_of(app, Agency, data["agency"]) is not None
    assert login("officer").post(
        f"/calendar/feeds/agencies/{data['other_agency']}").status_code == 404
    assert _token_of(app, Agency, data["other_agency"]) is None
    assert login("observer").post(
        f"/calendar/feeds/agencies/{data['agency']}").status_code == 403
    assert login("admin").post(
        f"/calendar/feeds/agencies/{data['other_agency']}").status_code == 303
    assert login("office").post("/calendar/feeds/agencies/999999").status_code == 404


def test_feed_includes_cancelled_sessions_as_cancelled_and_not_old_ones(app, login, data):
    from portal.auth.models import User
    from portal.calendar.models import SessionStatus
    from portal.extensions import db

    add_session(app, _soon(), title="Buổi đã hủy", status=SessionStatus.CANCELLED,
                cancel_reason="Hoãn")
    add_session(app, _soon(-500), title="Buổi từ lâu")
    with app.app_context():
        db.session.get(User, data["users"]["chair"]).feed_token = "c" * 43
        db.session.commit()
    events = _events(_parse(login("anonymous").get("/calendar/feeds/" + "c" * 43 + ".ics")))
    assert str(events["Buổi đã hủy"]["status"]) == "CANCELLED"
    assert "Buổi từ lâu" not in events


def test_build_calendar_directly(app, ctx, data):
    from portal.calendar import ical
    from portal.calendar.models import DialogueSession
    from portal.extensions import db

    item = db.session.get(DialogueSession, data["session"])
    body = ical.build_calendar([item], name="Lịch", domain="vp.example.vn",
                               describe=lambda s: "Mô tả: " + s.title,
                               now=datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc))
    [event] = Calendar.from_ical(body).walk("VEVENT")
    assert str(event["uid"]) == f"session-{item.id}@vp.example.vn"
    assert event.decoded("dtstamp") == datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    assert str(event["description"]) == "Mô tả: Đối thoại tháng 12 về đất đai"
    assert re.search(rb"DTSTART;TZID=Asia/Ho_Chi_Minh:\d{8}T080000", body)

"""Conflicts flagged before saving: the same leader on one day, the same venue at
overlapping times, a weekend or a holiday; saving anyway once confirmed."""
from __future__ import annotations

from datetime import date, datetime, time

import pytest
from sqlalchemy import func, select

from calendar_helpers import add_session, get_session, session_form, vn

HOST = "Chủ tịch Nguyễn Văn Lãnh Đạo"
VENUE = "Hội trường A, Trụ sở UBND tỉnh"
TUESDAY = date(2025, 3, 11)


def _find(day: date, start: str, end: str | None = None, venue=VENUE, host=HOST,
          exclude_id=None):
    from portal.calendar.conflicts import find_conflicts
    from portal.timefmt import local_to_utc

    def at(hhmm):
        return local_to_utc(day, time(*(int(x) for x in hhmm.split(":"))))

    return find_conflicts(starts_at=at(start), ends_at=at(end) if end else None, venue=venue,
                          host=host, exclude_id=exclude_id)


def _kinds(found):
    return sorted((c.kind.value, c.other.id if c.other else None) for c in found)


def test_same_leader_on_the_same_day(app, ctx, data):
    other = add_session(app, TUESDAY, "08:00", "10:00", host=HOST, venue="Nơi khác")
    assert _kinds(_find(TUESDAY, "14:00", "16:00")) == [("host", other)]
    # case, diacritics and spaces aside, it is the same person
    assert _kinds(_find(TUESDAY, "14:00", host="chu tich  nguyen van lanh dao")) == [
        ("host", other)]
    assert _find(date(2025, 3, 12), "08:00") == []  # the next day is free
    assert _find(TUESDAY, "14:00", host="Phó Chủ tịch Khác") == []


def test_same_venue_at_overlapping_times(app, ctx, data):
    other = add_session(app, TUESDAY, "08:00", "10:00", host="Người khác", venue=VENUE)
    assert _kinds(_find(TUESDAY, "09:30", "11:00", host="Người thứ ba")) == [("venue", other)]
    assert _find(TUESDAY, "10:00", "11:00", host="Người thứ ba") == []  # back to back is fine
    assert _find(TUESDAY, "09:30", venue="Hội trường B", host="Người thứ ba") == []


def test_a_session_without_end_time_lasts_three_hours(app, ctx, data):
    other = add_session(app, TUESDAY, "08:00", None, host="Người khác", venue=VENUE)
    assert _kinds(_find(TUESDAY, "10:59", "12:00", host="X")) == [("venue", other)]
    assert _find(TUESDAY, "11:00", "12:00", host="X") == []
    assert _kinds(_find(TUESDAY, "06:00", host="X")) == [("venue", other)]  # 06–09 overlaps


def test_cancelled_sessions_and_the_session_itself_do_not_conflict(app, ctx, data):
    from portal.calendar.models import SessionStatus

    add_session(app, TUESDAY, "08:00", host=HOST, venue=VENUE, status=SessionStatus.CANCELLED)
    assert _find(TUESDAY, "08:00") == []
    me = add_session(app, TUESDAY, "14:00", host=HOST, venue=VENUE)
    assert _find(TUESDAY, "14:30", exclude_id=me) == []
    assert len(_find(TUESDAY, "14:30")) == 2  # host and venue, when it is another session


@pytest.mark.parametrize("day, holiday", [
    (date(2025, 3, 15), None),  # a Saturday
    (date(2025, 3, 16), None),  # a Sunday
    (date(2024, 9, 2), "Quốc khánh"),
    (date(2026, 2, 17), "Tết Nguyên Đán"),
    (date(2024, 4, 18), "Ngày Giỗ Tổ Hùng Vương"),
])
def test_weekends_and_public_holidays(ctx, data, day, holiday):
    found = _find(day, "08:00")
    assert [(c.kind.value, c.holiday) for c in found] == [("day_off", holiday)]


def test_the_offices_overrides_win(app, ctx, data):
    from portal.calendar.models import HolidayOverride
    from portal.extensions import db

    db.session.add_all([
        HolidayOverride(day=TUESDAY, is_day_off=True, name="Nghỉ bù theo Quyết định của tỉnh"),
        HolidayOverride(day=date(2025, 3, 15), is_day_off=False, name="Làm bù"),
    ])
    db.session.commit()
    assert [c.holiday for c in _find(TUESDAY, "08:00")] == ["Nghỉ bù theo Quyết định của tỉnh"]
    assert _find(date(2025, 3, 15), "08:00") == []


# --------------------------------------------------------------------------- through the forms


def _count(app):
    from portal.calendar.models import DialogueSession
    from portal.extensions import db

    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(DialogueSession))


def test_saving_with_conflicts_lists_them_and_saves_nothing(app, login, data):
    other = add_session(app, TUESDAY, "08:00", "11:00", host=HOST, venue=VENUE,
                        title="Buổi đã có trong lịch")
    c = login("office")
    before = _count(app)
    form = session_form(TUESDAY, host=HOST, venue=VENUE, start_time="09:00", end_time="10:00")
    response = c.post("/calendar/sessions/new", data=form, htmx=True)
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert _count(app) == before
    assert "Lịch bị trùng" in body
    assert f"Người chủ trì «{HOST}» đã có buổi khác cùng ngày {vn(TUESDAY)}" in body
    assert f"Địa điểm «{VENUE}» đã có buổi khác trùng giờ ngày {vn(TUESDAY)}" in body
    assert body.count(f'href="/calendar/sessions/{other}"') == 2
    assert 'id="ignore_conflicts"' in body and "Vẫn lưu dù trùng lịch" in body
    assert 'value="Hội trường A, Trụ sở UBND tỉnh"' in body  # what was typed is kept

    response = c.post("/calendar/sessions/new", data={**form, "ignore_conflicts": "y"},
                      htmx=True)
    assert response.status_code == 204 and response.headers["HX-Redirect"].startswith(
        "/calendar/sessions/")
    assert _count(app) == before + 1


def test_a_holiday_asks_for_confirmation_too(app, login, data):
    c = login("office")
    before = _count(app)
    form = session_form(date(2024, 9, 2), host=HOST, venue=VENUE)
    body = c.post("/calendar/sessions/new", data=form).get_data(as_text=True)
    assert "Ngày 02/09/2024 là ngày nghỉ: Quốc khánh." in body
    assert _count(app) == before
    sunday = c.post("/calendar/sessions/new", data=session_form(date(2025, 3, 16), host=HOST))
    assert sunday.status_code == 422
    assert "Ngày 16/03/2025 là ngày nghỉ cuối tuần (Chủ nhật)." in sunday.get_data(as_text=True)
    ok = c.post("/calendar/sessions/new", data={**form, "ignore_conflicts": "y"})
    assert ok.status_code == 303
    assert _count(app) == before + 1


def test_editing_a_session_does_not_conflict_with_itself(app, login, data):
    mine = add_session(app, TUESDAY, "08:00", "11:00", host=HOST, venue=VENUE)
    c = login("office")
    response = c.post(f"/calendar/sessions/{mine}/edit",
                      data=session_form(TUESDAY, host=HOST, venue=VENUE, title="Đổi tên"))
    assert response.status_code == 303
    assert get_session(app, mine).title == "Đổi tên"


def test_the_live_check_shows_warnings_and_saves_nothing(app, login, data):
    other = add_session(app, TUESDAY, "08:00", "11:00", host=HOST, venue=VENUE,
                        title="Buổi đã có trong lịch")
    c = login("office")
    before = _count(app)
    response = c.get("/calendar/sessions/check", htmx=True, query_string={
        "day": vn(TUESDAY), "start_time": "10:00", "end_time": "", "venue": VENUE, "host": HOST})
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert body.lstrip().startswith('<div id="conflicts"')
    assert f'href="/calendar/sessions/{other}"' in body and "Vẫn lưu dù trùng lịch" in body
    assert _count(app) == before
    # Only the date typed so far: a day off is already worth saying.
    body = c.get("/calendar/sessions/check", htmx=True,
                 query_string={"day": "02/09/2024", "start_time": ""}).get_data(as_text=True)
    assert "Quốc khánh" in body
    # A date that does not parse yet: nothing to say, no error.
    response = c.get("/calendar/sessions/check", htmx=True, query_string={"day": "31/02/2025"})
    assert response.status_code == 200 and "trùng" not in response.get_data(as_text=True)
    # For an existing session, it is left out and its own leader is used.
    body = c.get("/calendar/sessions/check", htmx=True, query_string={
        "session_id": other, "day": vn(TUESDAY), "start_time": "09:00",
        "venue": VENUE}).get_data(as_text=True)
    assert "Vẫn lưu dù trùng lịch" not in body


def test_the_form_wires_the_live_check(login, data):
    page = login("office").get("/calendar/sessions/new").get_data(as_text=True)
    assert 'hx-get="/calendar/sessions/check"' in page and 'hx-include="closest form"' in page
    assert 'hx-trigger="change"' in page and 'hx-target="#conflicts"' in page
    assert '<div id="conflicts"' in page
    edit = login("office").get(f"/calendar/sessions/{data['session']}/edit").get_data(
        as_text=True)
    assert f'hx-get="/calendar/sessions/check?session_id={data["session"]}"' in edit


def test_conflict_check_for_utc_instants_near_midnight(app, ctx, data):
    """A session at 06:00 in Hà Nội is 23:00 UTC the day before: still the same local day."""
    from portal.calendar.conflicts import find_conflicts
    from portal.timefmt import local_to_utc

    other = add_session(app, TUESDAY, "06:00", host=HOST, venue="X")
    found = find_conflicts(starts_at=local_to_utc(TUESDAY, time(20, 0)), ends_at=None,
                           venue="Y", host=HOST)
    assert _kinds(found) == [("host", other)]
    assert local_to_utc(TUESDAY, time(6, 0)).date() < TUESDAY  # the case really is tested
    assert isinstance(found[0].other.starts_at, datetime)

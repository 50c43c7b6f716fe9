"""The year's days off: the `holidays` package beside the Office's overrides (/plans/holidays)."""
from datetime import date

import pytest
from sqlalchemy import func, select


def _overrides(app):
    from portal.calendar.models import HolidayOverride
    from portal.extensions import db

    with app.app_context():
        return {row.day: (row.is_day_off, row.name)
                for row in db.session.scalars(select(HolidayOverride))}


def test_year_holidays_merges_package_and_overrides(ctx):
    from portal.calendar.models import HolidayOverride
    from portal.calendar.rules import year_holidays
    from portal.extensions import db

    db.session.add_all([
        HolidayOverride(day=date(2026, 2, 14), is_day_off=True, name="Nghỉ Tết bổ sung"),
        HolidayOverride(day=date(2026, 2, 20), is_day_off=False, name="Làm bù"),
    ])
    db.session.commit()
    entries = {e.day: e for e in year_holidays(2026)}
    tet = entries[date(2026, 2, 17)]
    assert tet.name == "Tết Nguyên Đán" and tet.is_day_off and tet.override is None
    extra = entries[date(2026, 2, 14)]
    assert extra.is_day_off and extra.package_name is None and extra.override is not None
    swapped = entries[date(2026, 2, 20)]
    assert not swapped.is_day_off and swapped.package_name == "Mùng bốn Tết Nguyên Đán"
    assert list(entries) == sorted(entries)
    assert date(2027, 1, 1) not in entries


def test_holidays_page_lists_the_package_and_the_overrides(app, login):
    from portal.calendar.models import HolidayOverride
    from portal.extensions import db

    with app.app_context():
        db.session.add(HolidayOverride(day=date(2026, 2, 21), is_day_off=True,
                                       name="Nghỉ Tết theo Thông báo của Chính phủ"))
        db.session.commit()
    page = login("observer").get("/plans/holidays?year=2026").get_data(as_text=True)
    assert "Tết Nguyên Đán" in page and "17/02/2026" in page
    assert "Ngày Giỗ Tổ Hùng Vương" in page and "26/04/2026" in page
    assert "Nghỉ Tết theo Thông báo của Chính phủ" in page and "21/02/2026" in page
    assert "Thêm điều chỉnh" not in page  # the observer only reads
    office = login("office").get("/plans/holidays?year=2026", htmx=True).get_data(as_text=True)
    assert office.lstrip().startswith('<section id="holidays"') and "Thêm điều chỉnh" in office


def test_add_and_remove_an_override(app, login):
    from portal.calendar.models import HolidayOverride
    from portal.extensions import db

    c = login("office")
    response = c.post("/plans/holidays?year=2026", data={
        "day": "22/08/2026", "is_day_off": "0", "name": "Làm bù cho ngày 31/08/2026"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/plans/holidays?year=2026")
    assert _overrides(app) == {date(2026, 8, 22): (False, "Làm bù cho ngày 31/08/2026")}
    page = c.get(response.headers["Location"]).get_data(as_text=True)
    assert "Làm bù cho ngày 31/08/2026" in page and "Sinh lại lịch" in page
    with app.app_context():
        override_id = db.session.scalar(select(HolidayOverride.id))
    assert c.post(f"/plans/holidays/{override_id}/delete").status_code == 303
    assert _overrides(app) == {}


@pytest.mark.parametrize("form, message", [
    ({"day": "", "is_day_off": "1", "name": "Nghỉ"}, "Vui lòng nhập ngày."),
    ({"day": "30/02/2026", "is_day_off": "1", "name": "Nghỉ"},
     "Ngày không hợp lệ, hãy nhập theo dạng dd/mm/yyyy."),
    ({"day": "01/01/1990", "is_day_off": "1", "name": "Nghỉ"}, "Năm phải từ 2000 đến 2100."),
    ({"day": "02/01/2026", "is_day_off": "1", "name": " "}, "Trường này là bắt buộc."),
    ({"day": "02/01/2026", "is_day_off": "maybe", "name": "Nghỉ"}, "Lựa chọn không hợp lệ."),
])
def test_bad_override_is_refused(app, login, form, message):
    response = login("admin").post("/plans/holidays?year=2026", data=form, htmx=True)
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert message in body and body.lstrip().startswith('<section id="holidays"')
    if form["day"]:
        assert f'value="{form["day"]}"' in body
    assert _overrides(app) == {}


def test_a_day_has_one_override(app, login):
    from portal.calendar.models import HolidayOverride
    from portal.extensions import db

    with app.app_context():
        db.session.add(HolidayOverride(day=date(2026, 1, 2), is_day_off=True, name="Nghỉ"))
        db.session.commit()
    response = login("office").post("/plans/holidays", data={
        "day": "02/01/2026", "is_day_off": "0", "name": "Làm"})
    assert response.status_code == 422
    assert "Ngày này đã có điều chỉnh" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(HolidayOverride.id))) == 1


def test_override_then_regenerate_moves_the_session(app, login):
    """An override moves nothing by itself; generating the plan again does."""
    from portal.calendar.models import (
        DayShift,
        DialogueSession,
        Plan,
        Program,
        SessionKind,
        TimingRule,
    )
    from portal.extensions import db
    from portal.timefmt import to_local

    with app.app_context():
        plan = Plan(year=2026, leader_name="Phan Thế Tuấn", leader_title="Phó Chủ tịch UBND tỉnh",
                    title="Kế hoạch 2026")
        plan.programs.append(Program(kind=SessionKind.CITIZEN_RECEPTION, title="Tiếp công dân",
                                     timing="Ngày 15", rule=TimingRule.MONTHLY, day_of_month=15,
                                     shift=DayShift.NEXT))
        db.session.add(plan)
        db.session.commit()
        plan_id = plan.id

    def june_day():
        with app.app_context():
            meeting = db.session.scalar(select(DialogueSession).where(
                DialogueSession.occurrence == "2026-06"))
            return to_local(meeting.starts_at).date()

    c = login("office")
    c.post(f"/plans/{plan_id}/generate")
    assert june_day() == date(2026, 6, 15)  # a Monday
    c.post("/plans/holidays", data={"day": "15/06/2026", "is_day_off": "1", "name": "Nghỉ"})
    assert june_day() == date(2026, 6, 15)
    body = c.post(f"/plans/{plan_id}/generate", htmx=True).get_data(as_text=True)
    assert "Cập nhật theo quy tắc: 1 buổi" in body
    assert june_day() == date(2026, 6, 16)

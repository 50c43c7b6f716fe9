"""The month grid, the year overview and the list: days, holidays, chips, filters, scope."""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from calendar_helpers import add_session, involve


def _cell(page: str, day: date) -> str:
    """The opening tag and content of a day's cell in the month grid."""
    found = re.search(rf'<td class="([^"]*)"\s+data-day="{day.isoformat()}"([^>]*)>(.*?)</td>',
                      page, re.S)
    assert found, f"no cell for {day}"
    return found.group(0)


def _classes(cell: str) -> set[str]:
    return set(re.match(r'<td class="([^"]*)"', cell).group(1).split())


def test_month_grid_is_monday_first_with_whole_weeks(login, data):
    page = login("office").get("/calendar/?month=2026-02").get_data(as_text=True)
    days = re.findall(r'<td class="[^"]*"\s+data-day="([\d-]+)"', page)
    assert days[0] == "2026-01-26" and date.fromisoformat(days[0]).weekday() == 0
    assert days[-1] == "2026-03-01" and date.fromisoformat(days[-1]).weekday() == 6
    assert len(days) == 35
    assert "Tháng 2/2026" in page
    assert ">16/02<" in page  # dd/mm
    assert "outside" in _classes(_cell(page, date(2026, 1, 26)))
    assert "outside" not in _classes(_cell(page, date(2026, 2, 2)))


def test_month_of_february_2026_shades_tet_with_its_names(login, data):
    page = login("office").get("/calendar/?month=2026-02").get_data(as_text=True)
    names = {16: "Giao thừa Tết Nguyên Đán", 17: "Tết Nguyên Đán", 18: "Mùng hai Tết Nguyên Đán",
             19: "Mùng ba Tết Nguyên Đán", 20: "Mùng bốn Tết Nguyên Đán"}
    for day, name in names.items():
        cell = _cell(page, date(2026, 2, day))
        assert {"off", "holiday"} <= _classes(cell), cell
        assert f'title="{name}"' in cell and f'<span class="hname">{name}</span>' in cell
    weekend = _cell(page, date(2026, 2, 7))  # a Saturday
    assert {"off", "weekend"} <= _classes(weekend) and "holiday" not in _classes(weekend)
    workday = _cell(page, date(2026, 2, 10))
    assert not {"off", "holiday", "weekend"} & _classes(workday)


def test_national_day_2024_and_the_offices_overrides(app, login, data):
    from portal.calendar.models import HolidayOverride
    from portal.extensions import db

    with app.app_context():
        db.session.add_all([
            HolidayOverride(day=date(2024, 9, 4), is_day_off=True, name="Nghỉ bù Quốc khánh"),
            HolidayOverride(day=date(2024, 9, 14), is_day_off=False, name="Làm bù"),
        ])
        db.session.commit()
    page = login("office").get("/calendar/?month=2024-09").get_data(as_text=True)
    cell = _cell(page, date(2024, 9, 2))
    assert "holiday" in _classes(cell) and 'title="Quốc khánh"' in cell
    assert 'title="Nghỉ bù Quốc khánh"' in _cell(page, date(2024, 9, 4))
    saturday = _classes(_cell(page, date(2024, 9, 14)))
    assert "weekend" in saturday and "off" not in saturday  # a working Saturday


def test_today_is_marked(login, data):
    from portal.timefmt import local_today

    today = local_today()
    page = login("office").get(f"/calendar/?month={today:%Y-%m}").get_data(as_text=True)
    cell = _cell(page, today)
    assert "today" in _classes(cell) and 'aria-current="date"' in cell
    assert page.count('aria-current="date"') == 1


def test_chips_show_time_kind_status_and_link_to_the_session(app, login, data):
    from portal.calendar.models import SessionKind, SessionStatus

    plain = add_session(app, date(2026, 3, 10), "14:30", title="Đối thoại doanh nghiệp",
                        kind=SessionKind.BUSINESS)
    tentative = add_session(app, date(2026, 3, 11), title="Tiếp xúc cử tri dự kiến",
                            kind=SessionKind.VOTER_CONTACT, status=SessionStatus.TENTATIVE)
    cancelled = add_session(app, date(2026, 3, 12), title="Buổi đã hủy",
                            status=SessionStatus.CANCELLED, cancel_reason="Trùng họp Tỉnh ủy")
    page = login("office").get("/calendar/?month=2026-03").get_data(as_text=True)
    chip = re.search(rf'<a class="chip kind-business" href="/calendar/sessions/{plain}"[^>]*>'
                     r'(.*?)</a>', page, re.S)
    assert chip and "14:30" in chip.group(1) and "Đối thoại doanh nghiệp" in chip.group(1)
    chip = re.search(rf'<a class="chip kind-voter_contact tentative" '
                     rf'href="/calendar/sessions/{tentative}"[^>]*>(.*?)</a>', page, re.S)
    assert chip and "Dự kiến" in chip.group(1)
    chip = re.search(rf'<a class="chip kind-citizen_reception cancelled" '
                     rf'href="/calendar/sessions/{cancelled}" title="([^"]*)">(.*?)</a>',
                     page, re.S)
    assert chip and "Lý do hủy: Trùng họp Tỉnh ủy" in chip.group(1)
    assert "Đã hủy" in chip.group(2)


def test_overdue_preparation_shows_a_red_badge(app, login, data):
    from portal.calendar import views
    from portal.extensions import db
    from portal.preparation.models import ChecklistItem
    from portal.timefmt import local_today

    if views.overdue_counts is None:
        pytest.skip("portal.preparation.services.overdue_counts is not there")
    today = local_today()
    with app.app_context():
        db.session.add_all([
            ChecklistItem(session_id=data["session"], title="Gửi giấy mời",
                          due_date=today - timedelta(days=2)),
            ChecklistItem(session_id=data["session"], title="Xây dựng kịch bản",
                          due_date=today - timedelta(days=1)),
            ChecklistItem(session_id=data["session"], title="Chưa tới hạn",
                          due_date=today + timedelta(days=1)),
        ])
        db.session.commit()
    page = login("office").get(f"/calendar/?month={data['day']:%Y-%m}").get_data(as_text=True)
    assert '<span class="tag overdue">2 việc quá hạn</span>' in page


def test_year_overview_marks_days_with_sessions_and_links_each_month(app, login, data):
    add_session(app, date(2025, 3, 10), "08:00")
    add_session(app, date(2025, 3, 10), "14:00", venue="Nơi khác", host="Người khác")
    add_session(app, date(2025, 7, 1))
    page = login("office").get("/calendar/?view=year&year=2025").get_data(as_text=True)
    assert page.count('class="mini"') == 12
    assert "Năm 2025" in page and "3 buổi" in page
    marked = re.search(r'<td class="([^"]*)"\s+data-day="2025-03-10" title="([^"]*)">(.*?)</td>',
                       page, re.S)
    assert marked and "has" in marked.group(1).split()
    assert "2 buổi đối thoại" in marked.group(2) and "<sup>2</sup>" in marked.group(3)
    single = re.search(r'<td class="([^"]*)"\s+data-day="2025-07-01"', page)
    assert "has" in single.group(1).split()
    empty = re.search(r'<td class="([^"]*)"\s+data-day="2025-03-11"', page)
    assert "has" not in empty.group(1).split()
    assert 'href="/calendar/?month=2025-03"' in page  # clicking March opens March
    tet = re.search(r'<td class="([^"]*)"\s+data-day="2025-01-29"', page)  # Tết 2025
    assert "holiday" in tet.group(1).split()


def test_list_shows_a_date_range_paginated(app, login, data):
    for i in range(30):
        add_session(app, date(2025, 1, 1) + timedelta(days=i), title=f"Buổi số {i:02d}")
    c = login("office")
    page = c.get("/calendar/?view=list&from=01/01/2025&to=10/01/2025").get_data(as_text=True)
    assert "Buổi số 00" in page and "Buổi số 09" in page and "Buổi số 10" not in page
    assert 'value="01/01/2025"' in page and 'value="10/01/2025"' in page
    page = c.get("/calendar/?view=list&from=01-01-2025&to=31-01-2025").get_data(as_text=True)
    assert "Buổi số 24" in page and "Buổi số 25" not in page  # 25 a page
    assert "Trang 1/2" in page
    assert 'href="/calendar/?view=list&amp;from=01-01-2025&amp;to=31-01-2025&amp;page=2"' in page
    page = c.get("/calendar/?view=list&from=01-01-2025&to=31-01-2025&page=2").get_data(
        as_text=True)
    assert "Buổi số 25" in page and "Buổi số 29" in page and "Buổi số 24" not in page


@pytest.mark.parametrize("query, field, message", [
    ("from=31/02/2025", "from", "Ngày không hợp lệ"),
    ("from=10/01/2025&to=01/01/2025", "to", "Ngày cuối phải sau hoặc bằng ngày đầu."),
])
def test_list_with_a_bad_range_is_422_with_the_fields_error(login, data, query, field, message):
    response = login("office").get(f"/calendar/?view=list&{query}", htmx=True)
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'id="{field}-error"' in body and message in body


def test_filters_combine_and_stay_in_the_links(app, login, data):
    from portal.calendar.models import SessionKind, SessionStatus

    add_session(app, date(2025, 5, 6), title="Doanh nghiệp A", kind=SessionKind.BUSINESS,
                host="Chủ tịch Lê Ánh Dương")
    add_session(app, date(2025, 5, 7), title="Doanh nghiệp B", kind=SessionKind.BUSINESS,
                status=SessionStatus.TENTATIVE, host="Chủ tịch Lê Ánh Dương")
    add_session(app, date(2025, 5, 8), title="Hợp tác xã C", kind=SessionKind.COOPERATIVE,
                host="Chủ tịch Lê Ánh Dương")
    add_session(app, date(2025, 5, 9), title="Doanh nghiệp D", kind=SessionKind.BUSINESS,
                host="Phó Chủ tịch Phan Thế Tuấn")
    c = login("office")

    def titles(url):
        page = c.get(url).get_data(as_text=True)
        return {t for t in ("Doanh nghiệp A", "Doanh nghiệp B", "Hợp tác xã C",
                            "Doanh nghiệp D") if t in page}, page

    assert titles("/calendar/?month=2025-05")[0] == {"Doanh nghiệp A", "Doanh nghiệp B",
                                                     "Hợp tác xã C", "Doanh nghiệp D"}
    assert titles("/calendar/?month=2025-05&kind=business")[0] == {
        "Doanh nghiệp A", "Doanh nghiệp B", "Doanh nghiệp D"}
    found, page = titles("/calendar/?month=2025-05&kind=business&host=Chủ tịch Lê Ánh Dương")
    assert found == {"Doanh nghiệp A", "Doanh nghiệp B"}
    assert '<option selected value="business">' in page
    assert "kind=business&amp;host=Ch%E1%BB%A7" in page  # the filters stay in the navigation
    assert titles("/calendar/?month=2025-05&kind=business&host=Chủ tịch Lê Ánh Dương"
                  "&status=tentative")[0] == {"Doanh nghiệp B"}
    assert titles("/calendar/?view=list&from=01/05/2025&to=31/05/2025&kind=cooperative")[0] == {
        "Hợp tác xã C"}
    assert titles("/calendar/?view=year&year=2025&kind=cooperative")[1].count(
        'data-day="2025-05-08" title=') == 1
    # An unknown value is no filter at all, not an error.
    assert len(titles("/calendar/?month=2025-05&kind=khac&status=x&agency=abc")[0]) == 4


@pytest.mark.parametrize("how", ["invitee", "checklist", "advising", "assignment"])
def test_agency_filter_finds_every_way_an_agency_takes_part(app, login, data, how):
    involved = add_session(app, date(2025, 6, 3), title="Buổi có Sở tham gia")
    add_session(app, date(2025, 6, 4), title="Buổi không liên quan", host="Người khác")
    other = add_session(app, date(2025, 6, 5), title="Buổi của Sở khác", host="Người khác 2")
    involve(app, involved, data["agency"], how, data["fields"][0])
    involve(app, other, data["other_agency"], how, data["fields"][0])
    page = login("office").get(f"/calendar/?month=2025-06&agency={data['agency']}").get_data(
        as_text=True)
    assert "Buổi có Sở tham gia" in page
    assert "Buổi không liên quan" not in page and "Buổi của Sở khác" not in page


def test_officer_sees_only_their_agencys_sessions_whatever_the_url(app, login, data):
    mine = add_session(app, date(2025, 6, 3), title="Buổi có Sở TNMT")
    theirs = add_session(app, date(2025, 6, 5), title="Buổi của Sở Xây dựng", host="Người khác")
    add_session(app, date(2025, 6, 6), title="Buổi không liên quan", host="Người khác 2")
    involve(app, mine, data["agency"], "invitee")
    involve(app, theirs, data["other_agency"], "assignment", data["fields"][0])
    c = login("officer")
    other = data["other_agency"]
    for url in ("/calendar/?month=2025-06", f"/calendar/?month=2025-06&agency={other}",
                "/calendar/?view=list&from=01/06/2025&to=30/06/2025",
                f"/calendar/?view=list&from=01/06/2025&to=30/06/2025&agency={other}"):
        response = c.get(url)
        page = response.get_data(as_text=True)
        assert response.status_code == 200
        assert "Buổi có Sở TNMT" in page, url
        assert "Buổi của Sở Xây dựng" not in page and "Buổi không liên quan" not in page, url
    page = c.get("/calendar/?month=2025-06").get_data(as_text=True)
    assert 'name="agency"' not in page  # no agency to pick
    assert "Sở Tài nguyên và Môi trường" in page
    assert f'href="/calendar/sessions/{mine}"' not in page  # the session page is the office's
    year = c.get("/calendar/?view=year&year=2025").get_data(as_text=True)
    assert 'data-day="2025-06-03" title=' in year and 'data-day="2025-06-05" title=' not in year
    theirs_page = login("other_officer").get("/calendar/?month=2025-06").get_data(as_text=True)
    assert "Buổi của Sở Xây dựng" in theirs_page and "Buổi có Sở TNMT" not in theirs_page


def test_observer_sees_every_session(app, login, data):
    add_session(app, date(2025, 6, 6), title="Buổi không liên quan")
    page = login("observer").get("/calendar/?month=2025-06").get_data(as_text=True)
    assert "Buổi không liên quan" in page
    assert 'name="agency"' in page
    assert "Thêm buổi đối thoại" not in page


def test_htmx_gets_the_fragment_and_the_url_to_push(login, data):
    c = login("office")
    response = c.get("/calendar/?view=year&year=2025&kind=business&host=", htmx=True)
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert body.lstrip().startswith('<section id="calendar"')
    assert "<html" not in body and 'id="calendar-filters"' not in body
    assert response.headers["HX-Push-Url"] == "/calendar/?kind=business&view=year&year=2025"
    assert "HX-Request" in response.headers["Vary"]
    full = c.get("/calendar/?view=year&year=2025&kind=business")
    page = full.get_data(as_text=True)
    assert "<html" in page and 'id="calendar-filters"' in page and 'id="calendar"' in page
    assert "HX-Push-Url" not in full.headers


def test_navigation_links_are_htmx_with_push_url(login, data):
    page = login("office").get("/calendar/?month=2026-01&status=scheduled").get_data(as_text=True)
    for target in ("/calendar/?status=scheduled&amp;month=2025-12",
                   "/calendar/?status=scheduled&amp;month=2026-02"):
        assert re.search(rf'<a href="{re.escape(target)}" hx-get="{re.escape(target)}" '
                         r'hx-target="#calendar" hx-swap="outerHTML" hx-push-url="true"', page)
    assert "Hôm nay" in page
    assert 'hx-include="#calendar-state"' in page  # the filter form sends the view along
    assert 'name="month" value="2026-01" form="calendar-filters"' in page

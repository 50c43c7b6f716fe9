"""Next year's plan, built and prepared in a real browser by the Office (vanphong).

A yearly plan with two programs (the monthly citizen reception on the 15th, the voter
contacts expected in June and November), its sessions generated twice without duplicates,
the February session checked clear of weekends and Tết in the calendar, then one session
prepared: its checklist from the defaults, a step ticked and one re-dated, agencies and a
citizen representative invited, their replies recorded, the invitations and the plan printed.

Everything is driven through the UI by its visible Vietnamese labels, the keyboard and the
mouse; the database is read only at the end, to check what was stored.

Set BROWSER_SNAPSHOTS=1 to keep a screenshot of each step in test-artifacts/.
"""
from __future__ import annotations

import io
import os
import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import Page, expect

from .steps import (  # noqa: F401
    ARTIFACTS,
    _today,
    assert_no_reload,
    flat,
    login,
    mark_page,
    settled,
    snapper,
    type_into,
    vn,
)

snap = snapper("plan", full_page=True)

pytestmark = pytest.mark.browser


LEADER = "Nguyễn Văn Lợi"
LEADER_TITLE = "Phó Chủ tịch UBND tỉnh"
LEGAL_BASIS = ("Thực hiện Quyết định số 1158-QĐ/TU ngày 09/7/2015 của Ban Thường vụ Tỉnh ủy "
               "ban hành Quy chế tiếp xúc, đối thoại trực tiếp của người đứng đầu cấp ủy đảng, "
               "chính quyền các cấp với nhân dân.")
PURPOSE = ("Kịp thời nắm bắt những khó khăn, vướng mắc ở cơ sở để chỉ đạo giải quyết.\n"
           "Tạo đồng thuận trong nhân dân, doanh nghiệp.")
REQUIREMENTS = ("Bảo đảm công khai, dân chủ, khách quan, đúng quy định.\n"
                "Kết thúc đối thoại có văn bản chỉ đạo, kết luận.")

RECEPTION_TITLE = ("Đối thoại trực tiếp kết hợp với phiên tiếp công dân định kỳ hằng tháng "
                   "của lãnh đạo UBND tỉnh")
RECEPTION_TIMING = "Định kỳ vào ngày 15 hằng tháng."
RECEPTION_PEOPLE = "Công dân trên địa bàn tỉnh; đại diện các sở, ngành, địa phương liên quan."
RECEPTION_CONTENT = "Lắng nghe, giải quyết ý kiến, kiến nghị của người dân theo chuyên đề."
RECEPTION_VENUE = "Trụ sở Tiếp công dân tỉnh"

VOTER_TITLE = "Đối thoại kết hợp với tiếp xúc cử tri của đại biểu HĐND tỉnh"
VOTER_PEOPLE = "Đại diện cử tri các xã, phường; đại diện các sở, ngành liên quan."
VOTER_CONTENT = "Báo cáo kết quả giải quyết kiến nghị cử tri; tổng hợp kiến nghị mới."
VOTER_VENUE = "Hội trường UBND huyện Lục Nam"

AGENCY_1 = "Sở Tài nguyên và Môi trường"
AGENCY_2 = "Sở Xây dựng"
CITIZEN = "Ngô Thị Thủy"
CITIZEN_POSITION = "Trưởng thôn"
CITIZEN_PLACE = "thôn Đồng Kỳ, xã Đồng Lạc"
CITIZEN_CONTACT = "0912 345 678"
DELEGATE = "Đỗ Mạnh Hùng, Phó Giám đốc Sở"

WEEKDAYS = ("thứ Hai", "thứ Ba", "thứ Tư", "thứ Năm", "thứ Sáu", "thứ Bảy", "Chủ nhật")


# --------------------------------------------------------------------------- helpers


def pdf_pages(page: Page, base: str, href: str) -> list[str]:
    """Fetch a PDF link with the page's cookies; the flattened text of each of its pages."""
    from pypdf import PdfReader

    response = page.request.get(base + href)
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    body = response.body()
    assert body.startswith(b"%PDF")
    if os.environ.get("BROWSER_SNAPSHOTS"):
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", href.strip("/"))
        (ARTIFACTS / f"plan-{name}").write_bytes(body)
    return [flat(p.extract_text() or "") for p in PdfReader(io.BytesIO(body)).pages]


def pdf_date(day: date) -> str:
    """How the invitation writes a date: day padded, month padded only for Jan and Feb."""
    month = f"{day.month:02d}" if day.month <= 2 else str(day.month)
    return f"{day.day:02d}/{month}/{day.year}"


def expected_days(year: int) -> tuple[dict[int, date], list[date], set[date]]:
    """The monthly 15ths moved to the next working day, the tentative June/November days
    (the 5th, moved likewise) and the year's days off, from the `holidays` package alone."""
    import holidays

    days_off = holidays.country_holidays("VN", years=[year])

    def next_working(day: date) -> date:
        while day.weekday() >= 5 or day in days_off:
            day += timedelta(days=1)
        return day

    monthly = {m: next_working(date(year, m, 15)) for m in range(1, 13)}
    tentative = [next_working(date(year, m, 5)) for m in (6, 11)]
    return monthly, tentative, set(days_off)


# --------------------------------------------------------------------------- the test


def test_plan_to_prepared_session(page: Page, live_server: str, live_app):
    base = live_server
    year = _today().year + 1
    plan_title = (f"Kế hoạch tiếp xúc, đối thoại với nhân dân của {LEADER_TITLE} {LEADER} "
                  f"năm {year}")
    voter_timing = f"Dự kiến vào tháng 6/{year} và tháng 11/{year}."
    monthly, tentative, days_off = expected_days(year)
    # The expected dates, also by the app's own rules (no override in a fresh database).
    from portal.calendar.rules import monthly_dates

    with live_app.app_context():
        assert monthly_dates(year) == [monthly[m] for m in range(1, 13)]
    import holidays

    tet = sorted(d for d, name in holidays.country_holidays(
        "VN", years=[year], language="vi").items() if "Tết Nguyên Đán" in name)
    assert tet, "the holidays package does not know next year's Tết"

    # ------------------------------------------------------------------ 1. the plan
    login(page, base, "vanphong")
    nav = page.get_by_role("navigation", name="Điều hướng chính")
    nav.get_by_role("link", name="Kế hoạch", exact=True).click()
    expect(page.get_by_role("heading", name="Kế hoạch tiếp xúc, đối thoại", level=1)
           ).to_be_visible()
    settled(page)
    page.get_by_role("link", name="Thêm kế hoạch").click()
    expect(page.get_by_role("heading", name="Thêm kế hoạch", level=1)).to_be_visible()
    settled(page)

    year_field = page.get_by_label("Năm", exact=True)
    expect(year_field).to_have_value(str(year - 1))  # this year by default
    expect(page.get_by_label("Chức vụ của lãnh đạo", exact=True)).to_have_value(LEADER_TITLE)
    type_into(year_field, str(year))
    type_into(page.get_by_label("Họ và tên lãnh đạo", exact=True), LEADER)
    type_into(page.get_by_label("Chức vụ của lãnh đạo", exact=True), LEADER_TITLE)
    type_into(page.get_by_label("Tên kế hoạch", exact=True), plan_title)
    type_into(page.get_by_label("Căn cứ (đoạn mở đầu)", exact=True), LEGAL_BASIS)
    type_into(page.get_by_label("Mục đích (mỗi ý một dòng)", exact=True), PURPOSE)
    type_into(page.get_by_label("Yêu cầu (mỗi ý một dòng)", exact=True), REQUIREMENTS)
    snap(page, "1a-plan-form")
    page.get_by_role("button", name="Lưu", exact=True).click()

    expect(page).to_have_url(re.compile(r"/plans/\d+$"))
    plan_url = page.url
    plan_id = int(plan_url.rsplit("/", 1)[1])
    expect(page.get_by_role("heading", name=plan_title, level=1)).to_be_visible()
    expect(page.get_by_text("Đã tạo kế hoạch. Hãy thêm các chương trình đối thoại.")
           ).to_be_visible()
    expect(page.locator(".page-head .meta").first).to_have_text(
        f"Năm {year} · {LEADER_TITLE} {LEADER}")
    expect(page.get_by_text("Kế hoạch chưa có chương trình nào.")).to_be_visible()
    settled(page)
    page.get_by_text("Căn cứ, mục đích, yêu cầu (mục I của kế hoạch)").click()
    facts = page.locator("details.card dl.facts")
    expect(facts.locator("dd").nth(0)).to_have_text(LEGAL_BASIS)
    expect(facts.locator("dd").nth(1)).to_have_text(PURPOSE)
    expect(facts.locator("dd").nth(2)).to_have_text(REQUIREMENTS)

    # ---- the monthly citizen-reception program, first with an impossible day of month
    page.get_by_role("link", name="Thêm chương trình").click()
    expect(page.get_by_role("heading", name="Thêm chương trình", level=1)).to_be_visible()
    settled(page)
    form = page.locator("#program-form")
    rule = form.get_by_label("Quy tắc xếp lịch", exact=True)
    day_of_month = form.get_by_label("Ngày trong tháng", exact=True)
    shift = form.get_by_label("Khi trùng ngày nghỉ", exact=True)
    expect(rule).to_have_value("monthly")
    expect(day_of_month).to_have_value("15")
    expect(shift).to_have_value("next")

    form.get_by_label("Loại đối thoại", exact=True).select_option(
        label="Đối thoại kết hợp tiếp công dân định kỳ")
    type_into(form.get_by_label("Tên chương trình", exact=True), RECEPTION_TITLE)
    type_into(form.get_by_label("Thời gian (ghi trong kế hoạch)", exact=True), RECEPTION_TIMING)
    type_into(form.get_by_label("Đối tượng", exact=True), RECEPTION_PEOPLE)
    type_into(form.get_by_label("Nội dung", exact=True), RECEPTION_CONTENT)
    rule.select_option(label="Hằng tháng vào một ngày cố định")
    type_into(day_of_month, "31")
    shift.select_option(label="Dời sang ngày làm việc kế tiếp")
    type_into(form.get_by_label("Giờ bắt đầu", exact=True), "08:00")
    type_into(form.get_by_label("Thời lượng (phút)", exact=True), "210")
    type_into(form.get_by_label("Địa điểm mặc định", exact=True), RECEPTION_VENUE)
    mark_page(page)
    form.get_by_role("button", name="Lưu", exact=True).click()

    # Refused in Vietnamese next to the field; every typed value is kept; nothing saved.
    form = page.locator("#program-form")
    expect(form.get_by_role("alert")).to_have_text(
        "Vui lòng kiểm tra lại các trường được đánh dấu.")
    day_of_month = form.get_by_label("Ngày trong tháng", exact=True)
    expect(form.get_by_text("Ngày trong tháng phải từ 1 đến 28 (tháng nào cũng có).")
           ).to_be_visible()
    expect(day_of_month).to_have_attribute("aria-invalid", "true")
    expect(day_of_month).to_have_value("31")
    expect(form.get_by_label("Loại đối thoại", exact=True)).to_have_value("citizen_reception")
    expect(form.get_by_label("Tên chương trình", exact=True)).to_have_value(RECEPTION_TITLE)
    expect(form.get_by_label("Thời gian (ghi trong kế hoạch)", exact=True)).to_have_value(
        RECEPTION_TIMING)
    expect(form.get_by_label("Đối tượng", exact=True)).to_have_value(RECEPTION_PEOPLE)
    expect(form.get_by_label("Nội dung", exact=True)).to_have_value(RECEPTION_CONTENT)
    expect(form.get_by_label("Quy tắc xếp lịch", exact=True)).to_have_value("monthly")
    expect(form.get_by_label("Khi trùng ngày nghỉ", exact=True)).to_have_value("next")
    expect(form.get_by_label("Giờ bắt đầu", exact=True)).to_have_value("08:00")
    expect(form.get_by_label("Thời lượng (phút)", exact=True)).to_have_value("210")
    expect(form.get_by_label("Địa điểm mặc định", exact=True)).to_have_value(RECEPTION_VENUE)
    assert_no_reload(page)
    settled(page)
    snap(page, "1b-day-of-month-error")

    type_into(day_of_month, "15")
    form.get_by_role("button", name="Lưu", exact=True).click()
    expect(page).to_have_url(plan_url)
    expect(page.get_by_text("Đã thêm chương trình. Bấm “Sinh lịch” để tạo các buổi đối thoại.")
           ).to_be_visible()
    reception = page.locator("article").filter(
        has=page.get_by_role("heading", name=f"1. {RECEPTION_TITLE}", level=3))
    expect(reception).to_have_count(1)
    expect(reception).to_contain_text(
        "Ngày 15 hằng tháng; khi trùng ngày nghỉ: dời sang ngày làm việc kế tiếp")
    expect(reception).to_contain_text(f"08:00 · 210 phút · {RECEPTION_VENUE}")
    expect(reception.get_by_text("Chưa có buổi nào: bấm “Sinh lịch từ kế hoạch”.")).to_be_visible()
    settled(page)

    # ---- the voter-contact program, expected in June and November
    page.get_by_role("link", name="Thêm chương trình").click()
    expect(page.get_by_role("heading", name="Thêm chương trình", level=1)).to_be_visible()
    settled(page)
    form = page.locator("#program-form")
    form.get_by_label("Loại đối thoại", exact=True).select_option(
        label="Đối thoại kết hợp tiếp xúc cử tri")
    type_into(form.get_by_label("Tên chương trình", exact=True), VOTER_TITLE)
    type_into(form.get_by_label("Thời gian (ghi trong kế hoạch)", exact=True), voter_timing)
    type_into(form.get_by_label("Đối tượng", exact=True), VOTER_PEOPLE)
    type_into(form.get_by_label("Nội dung", exact=True), VOTER_CONTENT)
    form.get_by_label("Quy tắc xếp lịch", exact=True).select_option(
        label="Dự kiến vào một số tháng")
    type_into(form.get_by_label("Các tháng dự kiến", exact=True), "6,11")
    type_into(form.get_by_label("Địa điểm mặc định", exact=True), VOTER_VENUE)
    form.get_by_role("button", name="Lưu", exact=True).click()
    expect(page).to_have_url(plan_url)
    voter = page.locator("article").filter(
        has=page.get_by_role("heading", name=f"2. {VOTER_TITLE}", level=3))
    expect(voter).to_have_count(1)
    expect(voter).to_contain_text("Dự kiến tháng 6, 11; ngày do Văn phòng xác nhận")
    expect(page.locator("article")).to_have_count(2)
    settled(page)
    snap(page, "1c-programs")

    # ------------------------------------------------------------------ 2. generate, twice
    mark_page(page)
    page.get_by_role("button", name="Sinh lịch từ kế hoạch").click()
    report = page.locator("#generation-report")
    expect(report.get_by_role("listitem").filter(has_text="Tạo mới:")).to_have_text(
        "Tạo mới: 14 buổi")
    expect(report).to_contain_text("Không thay đổi: 0 buổi")
    expect(report.get_by_text("Đã tạo (14)")).to_be_visible()
    expect(reception.locator("caption")).to_have_text("Các buổi đối thoại (12)")
    expect(voter.locator("caption")).to_have_text("Các buổi đối thoại (2)")
    assert_no_reload(page)
    settled(page)

    # The dates: the 15th or the next working day; the voter contacts tentative.
    reception_rows = reception.locator("tbody tr")
    expect(reception_rows.locator("td:first-child")).to_have_text(
        [vn(monthly[m]) for m in range(1, 13)])
    expect(reception_rows.locator("td:nth-child(2)")).to_have_text(["08:00"] * 12)
    expect(reception_rows.nth(2)).to_contain_text(
        f"Đối thoại kết hợp tiếp công dân định kỳ tháng 3/{year}")
    expect(reception_rows.nth(2)).to_contain_text(RECEPTION_VENUE)
    expect(reception_rows.locator("td:last-child")).to_have_text(["Đã lên lịch"] * 12)
    voter_rows = voter.locator("tbody tr")
    expect(voter_rows.locator("td:first-child")).to_have_text([vn(d) for d in tentative])
    expect(voter_rows.locator("td:last-child")).to_have_text(["Dự kiến"] * 2)
    expect(voter_rows.first).to_contain_text(f"Đối thoại kết hợp tiếp xúc cử tri tháng 6/{year}")
    snap(page, "2a-generated")

    page.get_by_role("button", name="Sinh lịch từ kế hoạch").click()
    expect(report.get_by_role("listitem").filter(has_text="Tạo mới:")).to_have_text(
        "Tạo mới: 0 buổi")
    expect(report).to_contain_text("Không thay đổi: 14 buổi")
    expect(report).to_contain_text("Cập nhật theo quy tắc: 0 buổi")
    expect(reception.locator("caption")).to_have_text("Các buổi đối thoại (12)")
    expect(voter.locator("caption")).to_have_text("Các buổi đối thoại (2)")
    expect(reception_rows).to_have_count(12)
    expect(voter_rows).to_have_count(2)
    assert_no_reload(page)
    settled(page)

    # ---- the February session in the calendar: a working day, clear of Tết
    nav.get_by_role("link", name="Lịch đối thoại").click()
    expect(page.get_by_role("heading", name="Lịch tiếp xúc, đối thoại", level=1)).to_be_visible()
    settled(page)
    calendar = page.locator("#calendar")
    heading = page.locator("#calendar-heading")
    page.get_by_label("Lãnh đạo chủ trì", exact=True).select_option(label=LEADER)
    expect(page).to_have_url(re.compile(r"host="))
    settled(page)
    page.get_by_role("navigation", name="Cách xem lịch").get_by_role(
        "link", name="Năm", exact=True).click()
    expect(heading).to_contain_text(f"Năm {year - 1}")
    settled(page)
    calendar.get_by_role("link", name="Năm sau").click()
    expect(heading).to_have_text(re.compile(rf"^\s*Năm {year}\s+· 14 buổi\s*$"))
    feb = monthly[2]
    expect(calendar.locator(f'td[data-day="{feb.isoformat()}"]')).to_have_class(
        re.compile(r"\bhas\b"))
    settled(page)
    snap(page, "2b-year")
    calendar.get_by_role("link", name="Tháng 2", exact=True).click()
    expect(heading).to_have_text(re.compile(rf"^\s*Tháng 2/{year}\s+· 1 buổi\s*$"))
    expect(page).to_have_url(re.compile(rf"month={year}-02"))
    settled(page)
    chip_days = calendar.locator("td").filter(has=page.locator("a.chip"))
    expect(chip_days).to_have_count(1)
    expect(chip_days.locator("a.chip")).to_contain_text(
        f"08:00 Đối thoại kết hợp tiếp công dân định kỳ tháng 2/{year}")
    shown = date.fromisoformat(chip_days.get_attribute("data-day"))
    assert shown == feb
    assert shown.weekday() < 5 and shown not in days_off
    classes = (chip_days.get_attribute("class") or "").split()
    assert not {"off", "weekend", "holiday"} & set(classes), classes
    expect(chip_days.locator("time")).to_have_text(shown.strftime("%d/%m"))
    # The Tết days in this month are shown as holidays, and none holds the session.
    for day in (d for d in tet if d.month == 2):
        cell = calendar.locator(f'td[data-day="{day.isoformat()}"]')
        expect(cell).to_have_class(re.compile(r"\bholiday\b"))
        expect(cell.locator("a.chip")).to_have_count(0)
    snap(page, "2c-february")

    # ------------------------------------------------------------------ 3. prepare March
    march = monthly[3]
    march_title = f"Đối thoại kết hợp tiếp công dân định kỳ tháng 3/{year}"
    calendar.get_by_role("link", name="Tháng sau").click()
    expect(heading).to_have_text(re.compile(rf"^\s*Tháng 3/{year}\s+· 1 buổi\s*$"))
    settled(page)
    calendar.get_by_role("link", name=march_title).click()  # a substring of the chip's name
    expect(page.get_by_role("heading", name=march_title, level=1)).to_be_visible()
    expect(page).to_have_url(re.compile(r"/calendar/sessions/\d+$"))
    session_id = int(page.url.rsplit("/", 1)[1])
    expect(page.locator(".page-head .meta").first).to_have_text(
        f"Đối thoại kết hợp tiếp công dân định kỳ · {vn(march)} 08:00–11:30 · {RECEPTION_VENUE}")
    expect(page.locator(".page-head .meta").nth(1)).to_contain_text(f"Chủ trì: {LEADER}")
    settled(page)

    page.get_by_role("link", name="Chuẩn bị", exact=True).click()
    checklist = page.locator("#checklist")
    expect(checklist.get_by_role("heading", name="Công việc chuẩn bị")).to_be_visible()
    expect(checklist.get_by_text("Chưa có danh mục công việc chuẩn bị.")).to_be_visible()
    settled(page)
    mark_page(page)
    page.get_by_role("button", name="Tạo danh mục từ mẫu của loại đối thoại").click()
    expect(checklist.get_by_role("status")).to_have_text("Đã tạo danh mục công việc chuẩn bị.")
    rows = checklist.locator("table.checklist tbody tr")
    count = checklist.locator(".progress-count")
    expect(count).to_have_text(re.compile(r"^0/\d+$"))
    total = int(count.inner_text().split("/")[1])
    assert total >= 5
    expect(rows).to_have_count(total)
    # Every step is due on a working day on or before the meeting.
    for due_text in rows.locator("td:nth-child(4)").all_inner_texts():
        due = date(int(due_text[6:10]), int(due_text[3:5]), int(due_text[:2]))
        assert due <= march and due.weekday() < 5 and due not in days_off, due_text
    settled(page)

    first_step = rows.first.locator("td:nth-child(2)").inner_text()
    rows.first.get_by_role("button", name="Đánh dấu đã xong").click()
    expect(checklist.get_by_role("status")).to_have_text("Đã đánh dấu hoàn thành.")
    expect(count).to_have_text(f"1/{total}")
    expect(checklist.locator("progress")).to_have_attribute("value", "1")
    expect(rows.first).to_contain_text("Đã xong")
    expect(rows.first).to_contain_text("Nguyễn Văn Phong")
    expect(rows.first.get_by_role("button", name="Bỏ đánh dấu")).to_be_visible()
    assert_no_reload(page)
    settled(page)

    # Re-date the invitations step: an impossible date, one after the meeting, a good one.
    step_title = "Ban hành giấy mời"
    step = rows.filter(has_text=step_title)
    expect(step).to_have_count(1)
    step.get_by_role("link", name="Sửa", exact=True).click()
    editing = checklist.locator("tr.editing")
    expect(editing).to_have_count(1)
    due_field = editing.get_by_label("Hạn hoàn thành", exact=True)
    expect(editing.get_by_label("Nội dung công việc", exact=True)).to_have_value(step_title)
    settled(page)
    type_into(due_field, "31/02/" + str(year))
    editing.get_by_role("button", name="Lưu", exact=True).click()
    expect(editing.get_by_text("Ngày không hợp lệ, hãy nhập theo dạng dd/mm/yyyy.")).to_be_visible()
    expect(due_field).to_have_attribute("aria-invalid", "true")
    expect(due_field).to_have_value("31/02/" + str(year))
    expect(editing.get_by_label("Nội dung công việc", exact=True)).to_have_value(step_title)
    settled(page)
    snap(page, "3a-due-date-error")
    late = march + timedelta(days=3)
    type_into(due_field, vn(late))
    editing.get_by_role("button", name="Lưu", exact=True).click()
    expect(editing.get_by_text(f"Hạn hoàn thành không được sau ngày họp ({vn(march)}).")
           ).to_be_visible()
    expect(due_field).to_have_value(vn(late))
    settled(page)
    good_due = march - timedelta(days=10)
    while good_due.weekday() >= 5 or good_due in days_off:
        good_due -= timedelta(days=1)
    type_into(due_field, vn(good_due))
    editing.get_by_role("button", name="Lưu", exact=True).click()
    expect(checklist.get_by_role("status")).to_have_text("Đã lưu công việc.")
    expect(editing).to_have_count(0)
    expect(step.locator("td:nth-child(4)")).to_have_text(vn(good_due))
    expect(count).to_have_text(f"1/{total}")
    assert_no_reload(page)
    settled(page)
    snap(page, "3b-checklist")

    # ------------------------------------------------------------------ 4. invitations
    page.get_by_role("navigation", name="Chuẩn bị buổi đối thoại").get_by_role(
        "link", name="Giấy mời").click()
    invitations = page.locator("#invitations")
    expect(invitations.get_by_role("heading", name="Thành phần mời (0)")).to_be_visible()
    expect(invitations.get_by_text("Chưa có ai trong danh sách mời.")).to_be_visible()
    settled(page)
    mark_page(page)

    # Two agencies, picked with the mouse: a click, then a Ctrl+click.
    agencies = page.get_by_label("Cơ quan, đơn vị, địa phương", exact=True)
    agencies.get_by_role("option", name=AGENCY_1, exact=True).click()
    agencies.get_by_role("option", name=AGENCY_2, exact=True).click(modifiers=["Control"])
    assert sorted(agencies.evaluate(
        "s => Array.from(s.selectedOptions, o => o.textContent.trim())")) == \
        sorted([AGENCY_1, AGENCY_2])
    page.get_by_role("button", name="Mời các cơ quan đã chọn").click()
    expect(invitations.get_by_role("status")).to_have_text("Đã mời 2 cơ quan.")
    expect(invitations.get_by_role("heading", name="Thành phần mời (2)")).to_be_visible()
    # Those invited are no longer offered.
    expect(page.get_by_label("Cơ quan, đơn vị, địa phương", exact=True).get_by_role(
        "option", name=AGENCY_1, exact=True)).to_have_count(0)
    settled(page)

    # A citizens' representative, typed in.
    page.get_by_label("Thành phần", exact=True).select_option(label="Đại diện công dân, cử tri")
    type_into(page.get_by_label("Họ tên", exact=True), CITIZEN)
    type_into(page.get_by_label("Chức vụ", exact=True), CITIZEN_POSITION)
    type_into(page.get_by_label("Cơ quan, tổ chức, địa phương", exact=True), CITIZEN_PLACE)
    type_into(page.get_by_label("Liên hệ (điện thoại, email)", exact=True), CITIZEN_CONTACT)
    page.get_by_role("button", name="Thêm vào danh sách mời").click()
    expect(invitations.get_by_role("status")).to_have_text("Đã thêm người được mời.")
    expect(invitations.get_by_role("heading", name="Thành phần mời (3)")).to_be_visible()
    rows = invitations.locator("tbody tr")
    expect(rows.locator("td:nth-child(2) strong")).to_have_text([AGENCY_1, AGENCY_2, CITIZEN])
    citizen_row = rows.filter(has_text=CITIZEN)
    expect(citizen_row).to_contain_text(f"{CITIZEN_POSITION}, {CITIZEN_PLACE}")
    expect(citizen_row).to_contain_text("Đại diện công dân, cử tri")
    expect(citizen_row).not_to_contain_text(CITIZEN_CONTACT)  # masked until asked
    expect(page.get_by_label("Họ tên", exact=True)).to_have_value("")
    settled(page)

    # Replies: the environment department confirms; construction sends a delegate.
    row_1 = rows.filter(has=page.locator("strong", has_text=AGENCY_1))
    row_1.get_by_label("Phản hồi", exact=True).select_option(label="Xác nhận tham dự")
    row_1.get_by_role("button", name="Ghi nhận phản hồi").click()
    expect(invitations.get_by_role("status")).to_have_text(
        f"Đã ghi nhận phản hồi của {AGENCY_1}.")
    expect(row_1.locator(".badge").first).to_have_text("Xác nhận tham dự")
    settled(page)

    row_2 = rows.filter(has=page.locator("strong", has_text=AGENCY_2))
    row_2.get_by_label("Phản hồi", exact=True).select_option(label="Cử người dự thay")
    row_2.get_by_role("button", name="Ghi nhận phản hồi").click()
    expect(row_2.get_by_text("Vui lòng nhập họ tên người dự thay.")).to_be_visible()
    expect(row_2.get_by_label("Phản hồi", exact=True)).to_have_value("delegated")
    expect(row_2.locator(".badge").first).to_have_text("Chờ phản hồi")
    settled(page)
    type_into(row_2.get_by_label("Người dự thay", exact=True), DELEGATE)
    row_2.get_by_role("button", name="Ghi nhận phản hồi").click()
    expect(invitations.get_by_role("status")).to_have_text(
        f"Đã ghi nhận phản hồi của {AGENCY_2}.")
    expect(row_2.locator(".badge").first).to_have_text("Cử người dự thay")
    expect(row_2).to_contain_text(f"Người dự thay: {DELEGATE}")
    expect(page.locator("#reply-counts .badge")).to_have_text([
        "Chờ phản hồi: 1", "Xác nhận tham dự: 1", "Cử người dự thay: 1", "Không tham dự: 0"])
    assert_no_reload(page)
    settled(page)
    snap(page, "4a-invitations")

    # One invitation, then all of them, as PDFs.
    href = citizen_row.get_by_role("link", name="PDF", exact=True).get_attribute("href")
    text = " ".join(pdf_pages(page, base, href))
    assert "GIẤY MỜI" in text
    assert f"{CITIZEN}, {CITIZEN_POSITION}, {CITIZEN_PLACE}" in text
    assert (f"08 giờ 00, {WEEKDAYS[march.weekday()]}, ngày {pdf_date(march)}") in text
    # The kind is said once: "Tới dự buổi đối thoại kết hợp … tháng 3/2027."
    assert f"Tới dự buổi {march_title[:1].lower()}{march_title[1:]}" in text
    assert "đồng chí Nguyễn Văn Lợi" in text  # the chair with the plan's title
    assert CITIZEN_CONTACT not in text  # personal data stays off the paper

    href = invitations.get_by_role("link", name="Tải tất cả giấy mời (PDF)").get_attribute("href")
    pages = pdf_pages(page, base, href)
    assert len(pages) >= 3
    starts = [i for i, t in enumerate(pages) if "GIẤY MỜI" in t]
    assert len(starts) == 3, starts
    letters = [" ".join(pages[a:b]) for a, b in zip(starts, starts[1:] + [len(pages)])]
    for name in (f"Đại diện lãnh đạo {AGENCY_1}", f"Đại diện lãnh đạo {AGENCY_2}", CITIZEN):
        assert sum(name in letter for letter in letters) == 1, name
    for letter in letters:
        assert f"ngày {pdf_date(march)}" in letter

    # ------------------------------------------------------------------ 5. the plan, again
    nav.get_by_role("link", name="Kế hoạch", exact=True).click()
    expect(page.get_by_role("heading", name="Kế hoạch tiếp xúc, đối thoại", level=1)
           ).to_be_visible()
    plan_row = page.locator("#plans tbody tr").filter(has_text=plan_title)
    expect(plan_row.locator("td")).to_have_text(
        [str(year), plan_title, re.compile(rf"^{LEADER}\s*{LEADER_TITLE}$"), "2", "14",
         "Bản in (PDF)"])
    settled(page)
    plan_row.get_by_role("link", name=plan_title).click()
    expect(page).to_have_url(plan_url)
    settled(page)

    # Generating again leaves the prepared March session as it is.
    mark_page(page)
    page.get_by_role("button", name="Sinh lịch từ kế hoạch").click()
    expect(report.get_by_role("listitem").filter(has_text="Tạo mới:")).to_have_text(
        "Tạo mới: 0 buổi")
    expect(report).to_contain_text("Không thay đổi: 13 buổi")
    expect(report).to_contain_text(
        "Giữ nguyên vì đã chỉnh sửa, chuẩn bị hoặc đã họp: 1 buổi")
    expect(reception_rows.nth(2)).to_contain_text("Đã chỉnh sửa")
    expect(reception_rows).to_have_count(12)
    assert_no_reload(page)
    settled(page)

    href = page.get_by_role("link", name="Bản in kế hoạch (PDF)").get_attribute("href")
    pages = pdf_pages(page, base, href)
    text = " ".join(pages)
    assert "KẾ HOẠCH" in text
    assert LEADER in text
    assert f"{LEADER_TITLE} {LEADER} năm {year}" in text
    assert flat(RECEPTION_TITLE) in text
    assert flat(VOTER_TITLE) in text
    assert voter_timing in text
    assert flat(LEGAL_BASIS) in text

    # ------------------------------------------------------------------ the record, in the DB
    from sqlalchemy import func, select

    from portal.auth.models import User
    from portal.calendar.models import (
        DayShift,
        DialogueSession,
        Plan,
        Program,
        SessionStatus,
        TimingRule,
    )
    from portal.extensions import db
    from portal.preparation.models import ChecklistItem, Invitee, InviteeKind, Reply
    from portal.timefmt import to_local

    with live_app.app_context():
        plan = db.session.get(Plan, plan_id)
        assert (plan.year, plan.leader_name, plan.leader_title, plan.title) == \
            (year, LEADER, LEADER_TITLE, plan_title)
        assert plan.legal_basis == LEGAL_BASIS
        assert plan.purpose == PURPOSE and plan.requirements == REQUIREMENTS
        assert db.session.scalar(select(func.count(Plan.id)).where(
            Plan.year == year, Plan.leader_name == LEADER)) == 1

        programs = list(db.session.scalars(
            select(Program).where(Program.plan_id == plan_id).order_by(Program.position)))
        assert [p.title for p in programs] == [RECEPTION_TITLE, VOTER_TITLE]
        reception_p, voter_p = programs
        assert reception_p.rule == TimingRule.MONTHLY and reception_p.day_of_month == 15
        assert reception_p.shift == DayShift.NEXT
        assert reception_p.default_time.strftime("%H:%M") == "08:00"
        assert reception_p.duration_minutes == 210
        assert reception_p.default_venue == RECEPTION_VENUE
        assert reception_p.timing == RECEPTION_TIMING
        assert voter_p.rule == TimingRule.MONTHS and voter_p.months == "6,11"
        assert voter_p.day_of_month is None and voter_p.timing == voter_timing

        sessions = list(db.session.scalars(
            select(DialogueSession).where(DialogueSession.plan_id == plan_id)))
        assert len(sessions) == 14
        keys = [(s.program_id, s.occurrence) for s in sessions]
        assert len(set(keys)) == 14 and all(occ for _, occ in keys)
        by_key = {key: s for key, s in zip(keys, sessions)}
        for month in range(1, 13):
            meeting = by_key[(reception_p.id, f"{year}-{month:02d}")]
            assert to_local(meeting.starts_at).date() == monthly[month]
            assert meeting.status == SessionStatus.SCHEDULED and meeting.host == LEADER
        for month, day in zip((6, 11), tentative):
            meeting = by_key[(voter_p.id, f"{year}-{month:02d}")]
            assert to_local(meeting.starts_at).date() == day
            assert meeting.status == SessionStatus.TENTATIVE
        prepared = by_key[(reception_p.id, f"{year}-03")]
        assert prepared.id == session_id and prepared.is_customized
        assert sum(s.is_customized for s in sessions) == 1

        items = list(db.session.scalars(
            select(ChecklistItem).where(ChecklistItem.session_id == session_id)))
        assert len(items) == total
        done = [i for i in items if i.done_at is not None]
        assert len(done) == 1 and done[0].title == first_step
        assert db.session.get(User, done[0].done_by_id).username == "vanphong"
        redated = [i for i in items if i.title == step_title]
        assert len(redated) == 1 and redated[0].due_date == good_due

        invitees = {i.name: i for i in db.session.scalars(
            select(Invitee).where(Invitee.session_id == session_id))}
        assert set(invitees) == {AGENCY_1, AGENCY_2, CITIZEN}
        assert invitees[AGENCY_1].kind == InviteeKind.AGENCY
        assert invitees[AGENCY_1].reply == Reply.CONFIRMED
        assert invitees[AGENCY_1].replied_at is not None
        assert invitees[AGENCY_2].reply == Reply.DELEGATED
        assert invitees[AGENCY_2].delegate_name == DELEGATE
        citizen = invitees[CITIZEN]
        assert citizen.kind == InviteeKind.CITIZEN and citizen.reply == Reply.PENDING
        assert (citizen.position, citizen.organisation, citizen.contact) == \
            (CITIZEN_POSITION, CITIZEN_PLACE, CITIZEN_CONTACT)
        db.session.remove()

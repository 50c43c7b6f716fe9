"""The thin flow, end to end in a real browser, as the Office and two departments use it.

Everything is driven through the UI by its visible Vietnamese labels and roles: typing,
selecting, clicking. Only the final assertions read the database.

Set BROWSER_SNAPSHOTS=1 to keep a screenshot of each step in test-artifacts/.
"""
from __future__ import annotations

import io
import os
import re
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from .steps import (  # noqa: F401
    ARTIFACTS,
    _today,
    assert_no_reload,
    flat,
    login,
    logout,
    mark_page,
    settled,
    snapper,
    type_into,
    vn,
)

snap = snapper("flow", full_page=True)

pytestmark = pytest.mark.browser


TITLE = "Đối thoại với doanh nghiệp về thủ tục đất đai, môi trường quý III"
VENUE = "Hội trường tầng 3, Trụ sở UBND tỉnh"
HOST = "Đồng chí Phan Thế Tuấn, Phó Chủ tịch UBND tỉnh"
CONTENT = "Tháo gỡ khó khăn về đất đai, môi trường và xây dựng cho doanh nghiệp."

PRE_NAME = "Công ty TNHH Xây dựng Đức Thịnh"
PRE_CONTENT = "Đề nghị rút ngắn thời gian cấp giấy phép xây dựng nhà xưởng tại cụm công nghiệp."
PRE_ANSWER = "Sở Xây dựng sẽ giải quyết hồ sơ trong 10 ngày làm việc kể từ ngày nhận đủ hồ sơ."

SPEAKER = "Nguyễn Thị Hường"
SPEAKER_LOCALITY = "xã Tân Sỏi, huyện Yên Thế"
FLOOR_CONTENT = ("Phản ánh ô nhiễm nước thải từ cơ sở chế biến gỗ ảnh hưởng tới ruộng lúa "
                 "của thôn Đồng Kỳ.")

CONCLUSION = ("Giao Sở Tài nguyên và Môi trường kiểm tra, xử lý dứt điểm việc xả thải "
              "của cơ sở chế biến gỗ; Sở Xây dựng rút ngắn thời hạn cấp phép theo đúng "
              "cam kết tại buổi đối thoại.")
TRACKER = "Theo dõi việc trả lời ý kiến, kiến nghị"
ANSWER = ("Sở Tài nguyên và Môi trường đã kiểm tra ngày 20, lập biên bản vi phạm và "
          "yêu cầu cơ sở dừng xả thải, khắc phục trong 30 ngày.")


def test_thin_flow(page: Page, live_server: str, live_app):
    base = live_server
    today = _today()
    # A working day (no weekend, no holiday): the calendar would warn about anything else.
    import holidays

    meeting_day = today + timedelta(days=3)
    vn_days_off = holidays.country_holidays("VN", years=[today.year, today.year + 1])
    while meeting_day.weekday() >= 5 or meeting_day in vn_days_off:
        meeting_day += timedelta(days=1)
    deadline = today + timedelta(days=14)

    # ------------------------------------------------------------------ a. plan a session
    login(page, base, "vanphong")
    expect(page).to_have_url(re.compile(r"/calendar/"))
    expect(page.get_by_role("heading", name="Lịch tiếp xúc, đối thoại")).to_be_visible()
    page.get_by_role("link", name="Thêm buổi đối thoại").click()
    expect(page.get_by_role("heading", name="Thêm buổi đối thoại")).to_be_visible()
    settled(page)

    page.get_by_label("Loại đối thoại", exact=True).select_option(
        label="Đối thoại với cộng đồng doanh nghiệp")
    type_into(page.get_by_label("Tiêu đề", exact=True), TITLE)
    type_into(page.get_by_label("Ngày", exact=True), "31/02/2026")
    type_into(page.get_by_label("Giờ bắt đầu", exact=True), "08:00")
    type_into(page.get_by_label("Địa điểm", exact=True), VENUE)
    type_into(page.get_by_label("Người chủ trì", exact=True), HOST)
    type_into(page.get_by_label("Nội dung", exact=True), CONTENT)
    mark_page(page)
    page.get_by_role("button", name="Lưu", exact=True).click()

    # The impossible date is refused in Vietnamese, next to its field; the rest is kept.
    expect(page.get_by_role("alert")).to_have_text(
        "Vui lòng kiểm tra lại các trường được đánh dấu.")
    day = page.get_by_label("Ngày", exact=True)
    expect(page.get_by_text("Ngày không hợp lệ, hãy nhập theo dạng dd/mm/yyyy.")).to_be_visible()
    expect(day).to_have_attribute("aria-invalid", "true")
    expect(day).to_have_value("31/02/2026")
    expect(page.get_by_label("Loại đối thoại", exact=True)).to_have_value("business")
    expect(page.get_by_label("Tiêu đề", exact=True)).to_have_value(TITLE)
    expect(page.get_by_label("Giờ bắt đầu", exact=True)).to_have_value("08:00")
    expect(page.get_by_label("Địa điểm", exact=True)).to_have_value(VENUE)
    expect(page.get_by_label("Người chủ trì", exact=True)).to_have_value(HOST)
    expect(page.get_by_label("Nội dung", exact=True)).to_have_value(CONTENT)
    assert_no_reload(page)
    settled(page)
    snap(page, "a1-date-error")

    type_into(day, vn(meeting_day))
    page.get_by_role("button", name="Lưu", exact=True).click()
    expect(page.get_by_role("heading", name=TITLE, level=1)).to_be_visible()
    expect(page).to_have_url(re.compile(r"/calendar/sessions/\d+$"))
    session_url = page.url
    expect(page.get_by_text("Đã tạo buổi đối thoại.")).to_be_visible()
    expect(page.get_by_text(f"{vn(meeting_day)} 08:00")).to_be_visible()
    settled(page)

    # ------------------------------------------------------------------ b. a petition before
    session_url = page.url
    page.get_by_role("link", name="Đăng ký, phân loại, giao tham mưu").click()
    expect(page.get_by_role("heading", name="Ý kiến, kiến nghị trước buổi đối thoại",
                            exact=True)).to_be_visible()
    listing = page.locator("#petition-list")
    expect(listing.get_by_role("heading", name="Danh sách ý kiến, kiến nghị (0)")).to_be_visible()
    settled(page)
    mark_page(page)
    form = page.locator("#petition-form")
    form.get_by_label("Người nêu là", exact=True).select_option(label="Doanh nghiệp")
    type_into(form.get_by_label("Họ tên / tên tổ chức", exact=True), PRE_NAME)
    form.get_by_label("Lĩnh vực", exact=True).select_option(label="Xây dựng")
    type_into(form.get_by_label("Nội dung ý kiến, kiến nghị", exact=True), PRE_CONTENT)
    form.get_by_role("button", name="Ghi nhận ý kiến").click()

    expect(page.locator("#petition-form").get_by_text("Đã ghi nhận ý kiến, kiến nghị.")).to_be_visible()
    row = listing.get_by_role("row").filter(has_text=PRE_CONTENT)
    expect(row).to_have_count(1)
    expect(row).to_contain_text(PRE_NAME)
    expect(row).to_contain_text("Xây dựng")
    expect(page.locator("#petition-count")).to_have_text("(1)")
    # The form is emptied for the next one.
    expect(page.locator("#petition-form").get_by_label("Họ tên / tên tổ chức", exact=True)
           ).to_have_value("")
    assert_no_reload(page)
    settled(page)
    snap(page, "b-petition")
    page.goto(session_url)
    settled(page)

    # ------------------------------------------------------------------ c. run the meeting
    page.get_by_role("link", name="Điều hành buổi đối thoại").click()
    expect(page.get_by_text("Buổi đối thoại chưa khai mạc.")).to_be_visible()
    settled(page)
    mark_page(page)
    stage = page.locator("#runner .stage-panel").get_by_role("heading", level=2)
    next_stage = page.get_by_role("button", name="Chuyển bước tiếp theo")

    page.get_by_role("button", name="Khai mạc").click()
    expect(stage).to_have_text("Khai mạc")
    settled(page)
    next_stage.click()
    expect(stage).to_have_text("Chủ trì thông báo")
    settled(page)
    next_stage.click()
    expect(stage).to_have_text("Thảo luận, đối thoại")
    settled(page)
    assert_no_reload(page)

    # The petition registered before is listed; the chair marks it raised.
    pending = page.get_by_role("listitem").filter(has_text=PRE_CONTENT)
    expect(pending).to_be_visible()
    pending.get_by_role("button", name="Đã nêu tại buổi").click()
    raised = page.locator("ol.petitions > li")
    expect(raised.filter(has_text=PRE_CONTENT)).to_have_count(1)
    expect(page.get_by_role("heading", name="Ý kiến tại buổi đối thoại (1)")).to_be_visible()
    settled(page)

    # A speaker from the floor.
    floor = page.locator("#floor-form")
    type_into(floor.get_by_label("Họ tên / tên tổ chức", exact=True), SPEAKER)
    floor.get_by_label("Người nêu là", exact=True).select_option(label="Công dân")
    type_into(floor.get_by_label("Địa bàn", exact=True), SPEAKER_LOCALITY)
    floor.get_by_label("Lĩnh vực", exact=True).select_option(label="Môi trường")
    type_into(floor.get_by_label("Nội dung ý kiến, kiến nghị", exact=True), FLOOR_CONTENT)
    floor.get_by_role("button", name="Ghi nhận ý kiến").click()
    speaker_item = raised.filter(has_text=FLOOR_CONTENT)
    expect(speaker_item).to_have_count(1)
    expect(speaker_item.locator("strong")).to_have_text(SPEAKER)
    expect(speaker_item).to_contain_text(SPEAKER_LOCALITY)
    expect(page.get_by_role("heading", name="Ý kiến tại buổi đối thoại (2)")).to_be_visible()
    expect(page.locator("#floor-form").get_by_label(
        "Họ tên / tên tổ chức", exact=True)).to_have_value("")
    assert_no_reload(page)
    settled(page)
    snap(page, "c1-discussion")

    next_stage.click()
    expect(stage).to_have_text("Phân công trả lời")
    settled(page)

    # In writing: the floor petition goes to the environment department, two weeks.
    form = page.locator("form.assign-form").filter(has_text=FLOOR_CONTENT)
    form.get_by_label("Cơ quan chủ trì trả lời", exact=True).select_option(
        label="Sở Tài nguyên và Môi trường")
    form.get_by_label("Hình thức", exact=True).select_option(label="Trả lời bằng văn bản")
    type_into(form.get_by_label("Hạn trả lời", exact=True), vn(deadline))
    form.get_by_role("button", name="Phân công").click()
    expect(speaker_item.locator(".assigned")).to_contain_text(
        f"Giao: Sở Tài nguyên và Môi trường · Trả lời bằng văn bản · hạn {vn(deadline)}")
    settled(page)

    # On the spot: the construction department answers the registered petition at once.
    pre_item = raised.filter(has_text=PRE_CONTENT)
    form = page.locator("form.assign-form").filter(has_text=PRE_CONTENT)
    form.get_by_label("Cơ quan chủ trì trả lời", exact=True).select_option(label="Sở Xây dựng")
    form.get_by_label("Hình thức", exact=True).select_option(
        label="Trả lời trực tiếp tại buổi đối thoại")
    type_into(form.get_by_label("Nội dung trả lời tại buổi đối thoại", exact=True), PRE_ANSWER)
    form.get_by_role("button", name="Phân công").click()
    expect(pre_item.locator(".assigned")).to_contain_text(
        "Giao: Sở Xây dựng · Trả lời trực tiếp tại buổi đối thoại")
    expect(pre_item.locator(".assigned .answer")).to_have_text(PRE_ANSWER)
    assert_no_reload(page)
    settled(page)
    snap(page, "c2-assignment")

    next_stage.click()
    expect(stage).to_have_text("Kết luận")
    settled(page)
    conclusion = page.get_by_label("Kết luận của người chủ trì", exact=True)
    type_into(conclusion, CONCLUSION)
    with page.expect_response(lambda r: r.url.endswith("/conclusion")
                              and r.request.method == "POST") as saved:
        page.get_by_role("button", name="Lưu kết luận").click()
    assert saved.value.status == 200
    expect(page.get_by_label("Kết luận của người chủ trì", exact=True)).to_have_value(CONCLUSION)
    settled(page)

    dialogs: list[str] = []

    def accept(dialog):
        dialogs.append(dialog.message)
        dialog.accept()

    page.on("dialog", accept)
    page.get_by_role("button", name="Bế mạc buổi đối thoại").click()
    expect(page.get_by_text(re.compile(r"Buổi đối thoại đã bế mạc lúc \d\d:\d\d \d\d/\d\d/\d{4}; "
                                       r"biên bản đã khóa\."))).to_be_visible()
    page.remove_listener("dialog", accept)
    assert dialogs and dialogs[0].startswith("Bế mạc và khóa biên bản?")
    assert_no_reload(page)
    settled(page)

    stagebar = page.get_by_role("list", name="Các bước của buổi đối thoại").get_by_role("listitem")
    expect(stagebar).to_have_text([
        re.compile(rf"^\s*{n}\s+{label}\s+\d\d:\d\d–\d\d:\d\d(\s+\(\d+′\))?\s*$")
        for n, label in enumerate(["Khai mạc", "Chủ trì thông báo", "Thảo luận, đối thoại",
                                   "Phân công trả lời", "Kết luận"], start=1)
    ])
    expect(stagebar).to_have_class([re.compile(r"\bdone\b")] * 5)
    expect(page.locator("ol.stagebar [aria-current]")).to_have_count(0)
    # Locked: no more actions.
    expect(page.get_by_role("button", name="Bế mạc buổi đối thoại")).to_have_count(0)
    expect(page.get_by_role("button", name="Phân công")).to_have_count(0)
    snap(page, "c3-closed")

    # ------------------------------------------------------------------ d. the minutes PDF
    from pypdf import PdfReader

    link = page.get_by_role("link", name="Biên bản (PDF)")
    response = page.request.get(base + link.get_attribute("href"))
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    pdf = response.body()
    if os.environ.get("BROWSER_SNAPSHOTS"):
        (ARTIFACTS / "flow-minutes.pdf").write_bytes(pdf)
    reader = PdfReader(io.BytesIO(pdf))
    text = flat("\n".join(p.extract_text() for p in reader.pages))
    assert "BIÊN BẢN" in text
    assert SPEAKER in text
    assert flat(CONCLUSION) in text
    assert f"Giao Sở Tài nguyên và Môi trường trả lời bằng văn bản, hạn {vn(deadline)}" in text
    assert flat(PRE_ANSWER) in text

    # ------------------------------------------------------------------ e. the department answers
    logout(page)
    login(page, base, "so-tnmt")
    expect(page).to_have_url(re.compile(r"/tracker/$"))
    expect(page.get_by_role("heading", name=TRACKER)).to_be_visible()
    expect(page.get_by_text("Sở Tài nguyên và Môi trường", exact=True)).to_be_visible()
    rows = page.locator("#list tbody tr")
    expect(page.locator("#list").get_by_text("1 nhiệm vụ")).to_be_visible()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(FLOOR_CONTENT)
    expect(rows.first).to_contain_text("Đã giao")
    expect(page.get_by_text(PRE_CONTENT)).to_have_count(0)
    snap(page, "e1-tracker")
    rows.first.get_by_role("link", name=FLOOR_CONTENT).click()
    expect(page.get_by_role("heading", name="Trả lời ý kiến, kiến nghị")).to_be_visible()
    assignment_url = page.url
    assert re.search(r"/tracker/\d+$", assignment_url)
    expect(page.get_by_text(SPEAKER, exact=False)).to_be_visible()
    settled(page)
    type_into(page.get_by_label("Nội dung trả lời", exact=True), ANSWER)
    page.get_by_role("button", name="Gửi trả lời").click()
    expect(page.locator("#status")).to_have_text("Đã trả lời")
    expect(page.locator("#answer-text")).to_contain_text(ANSWER)
    expect(page.get_by_text("Đã cập nhật.")).to_be_visible()
    snap(page, "e2-answered")

    # ------------------------------------------------------------------ f. another department
    logout(page)
    login(page, base, "so-xd")
    expect(page).to_have_url(re.compile(r"/tracker/$"))
    expect(page.get_by_text("Sở Xây dựng", exact=True)).to_be_visible()
    # The queue opens on the open items; its finished on-the-spot item is under "Tất cả".
    page.get_by_role("navigation", name="Hàng việc của cơ quan").get_by_role(
        "link", name="Tất cả").click()
    expect(page).to_have_url(re.compile(r"/tracker/\?tab=all$"))
    rows = page.locator("#list tbody tr")
    expect(rows).to_have_count(1)  # only its own (answered on the spot)
    expect(rows.first).to_contain_text(PRE_CONTENT)
    expect(rows.first).to_contain_text("Đã hoàn thành")
    expect(page.get_by_text(FLOOR_CONTENT)).to_have_count(0)
    response = page.goto(assignment_url)
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", name="404")).to_be_visible()
    expect(page.get_by_text("Không tìm thấy trang hoặc nội dung yêu cầu.")).to_be_visible()
    expect(page.get_by_text(FLOOR_CONTENT)).to_have_count(0)
    expect(page.get_by_text(SPEAKER)).to_have_count(0)
    snap(page, "f-404")

    # ------------------------------------------------------------------ g. the office accepts
    logout(page)
    login(page, base, "vanphong")
    page.get_by_role("navigation", name="Điều hướng chính").get_by_role(
        "link", name="Theo dõi trả lời").click()
    expect(page.get_by_role("heading", name=TRACKER)).to_be_visible()
    settled(page)
    mark_page(page)
    page.get_by_role("navigation", name="Lọc theo trạng thái").get_by_role(
        "link", name="Đã trả lời", exact=True).click()
    expect(page.locator("#list").get_by_text("lọc: Đã trả lời")).to_be_visible()
    rows = page.locator("#list tbody tr")
    expect(rows).to_have_count(1)
    assert_no_reload(page)
    settled(page)
    rows.first.get_by_role("link", name=FLOOR_CONTENT).click()
    expect(page).to_have_url(assignment_url)
    expect(page.locator("#status")).to_have_text("Đã trả lời")
    expect(page.locator("#answer-text")).to_contain_text(ANSWER)
    settled(page)
    page.get_by_role("button", name="Chấp nhận, hoàn thành").click()
    expect(page.locator("#status")).to_have_text("Đã hoàn thành")
    expect(page.get_by_role("button", name="Chấp nhận, hoàn thành")).to_have_count(0)
    snap(page, "g-done")

    # ------------------------------------------------------------------ the record, in the DB
    from sqlalchemy import select

    from portal.calendar.models import DialogueSession, SessionStatus
    from portal.extensions import db
    from portal.petitions.models import Petition
    from portal.tracker.models import AnswerMode, AssignmentStatus

    session_id = int(session_url.rsplit("/", 1)[1])
    with live_app.app_context():
        meeting = db.session.get(DialogueSession, session_id)
        assert meeting.title == TITLE
        assert meeting.status == SessionStatus.CONCLUDED
        assert meeting.conclusion == CONCLUSION
        assert meeting.closed_at is not None
        found = {p.submitter_name: p for p in db.session.scalars(
            select(Petition).where(Petition.session_id == session_id))}
        assert set(found) == {PRE_NAME, SPEAKER}
        floor_petition, pre_petition = found[SPEAKER], found[PRE_NAME]
        assert floor_petition.content == FLOOR_CONTENT and floor_petition.raised_at_meeting
        assert floor_petition.assignment.agency.short_name == "STNMT"
        assert floor_petition.assignment.mode == AnswerMode.IN_WRITING
        assert floor_petition.assignment.deadline == deadline
        assert floor_petition.assignment.status == AssignmentStatus.DONE
        assert floor_petition.assignment.answer == ANSWER
        assert pre_petition.raised_at_meeting
        assert pre_petition.assignment.agency.short_name == "SXD"
        assert pre_petition.assignment.mode == AnswerMode.ON_THE_SPOT
        assert pre_petition.assignment.status == AssignmentStatus.DONE
        assert pre_petition.assignment.answer == PRE_ANSWER
        db.session.remove()

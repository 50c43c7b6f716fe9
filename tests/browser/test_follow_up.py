"""The follow-up of one written assignment, end to end in a real browser.

A short meeting run in the console by the chair assigns one petition in writing to Sở Tài
nguyên và Môi trường (and one to Sở Xây dựng). Then, all through the UI:

1. the department answers; a renamed executable is refused at the file field, nothing is
   saved, the typed answer is kept; a real PDF goes with the answer and downloads;
2. the office finds the answer with its filters and returns it with a reason;
3. the department sees it back (notification, queue) and answers again;
4. the office accepts it: the timeline lists every step, in order, with who and when;
5. the dashboard and the period report (page, PDF, Excel) count it answered on time;
6. another department gets 404 for the assignment and for its attachment.

The database is read only to pick a session nobody has started and, at the end, to check
what was stored. Set BROWSER_SNAPSHOTS=1 to keep screenshots in test-artifacts/.
"""
from __future__ import annotations

import io
import os
import re
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import quote

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

snap = snapper("follow", full_page=True)

pytestmark = pytest.mark.browser


STNMT = "Sở Tài nguyên và Môi trường"
SXD = "Sở Xây dựng"
TRACKER = "Theo dõi việc trả lời ý kiến, kiến nghị"

SPEAKER = "Ngô Thị Lan"
LOCALITY = "xã Tân Mỹ, thành phố Bắc Giang"
PETITION = ("Đề nghị kiểm tra, xử lý việc đổ trộm chất thải rắn xây dựng ven đê sông Thương, "
            "đoạn qua thôn Đông Thắng, xã Tân Mỹ, gây ô nhiễm và cản trở dòng chảy.")
OTHER_SPEAKER = "Công ty CP Xây lắp Hà Bắc"
OTHER_PETITION = ("Đề nghị hướng dẫn thủ tục điều chỉnh giấy phép xây dựng nhà xưởng "
                  "tại khu công nghiệp Quang Châu.")
CONCLUSION = ("Giao Sở Tài nguyên và Môi trường kiểm tra, xử lý dứt điểm việc đổ trộm chất thải "
              "ven đê sông Thương; Sở Xây dựng hướng dẫn doanh nghiệp thủ tục cấp phép.")

ANSWER = ("Sở Tài nguyên và Môi trường đã phối hợp UBND xã Tân Mỹ kiểm tra hiện trường, "
          "yêu cầu thu gom toàn bộ chất thải.")
ANSWER_AGAIN = ("Đã lập biên bản vi phạm hành chính số 15/BB-VPHC đối với chủ phương tiện; "
                "chất thải đã được thu gom hết trong 7 ngày, tuyến đê đã thông thoáng.")
REASON = "Đề nghị bổ sung kết quả xử lý vi phạm và thời hạn khắc phục cụ thể."

FAKE_NAME = "bao-cao.pdf"
FAKE_ERROR = f"Tệp “{FAKE_NAME}”: nội dung không phải là tệp PDF như tên tệp cho biết."
PDF_NAME = "Biên bản kiểm tra hiện trường.pdf"
FILES_LABEL = "Tệp đính kèm (PDF, Word, ảnh JPG/PNG)"

WHEN = re.compile(r"(\d\d:\d\d \d\d/\d\d/\d{4})")


# --------------------------------------------------------------------------- helpers


def _local_now() -> datetime:
    """Now in Việt Nam, naive, to the minute (the pages show HH:MM)."""
    from portal.timefmt import LOCAL_TZ

    return datetime.now(LOCAL_TZ).replace(tzinfo=None, second=0, microsecond=0)


def main_nav(page: Page, name: str) -> None:
    page.get_by_role("navigation", name="Điều hướng chính").get_by_role(
        "link", name=name, exact=True).click()


def fresh_session(live_app) -> tuple[int, str]:
    """A demo session nobody has opened or registered petitions on, and its label in the
    tracker's session filter ("dd/mm/yyyy — title")."""
    from sqlalchemy import exists, select

    from portal.calendar.models import DialogueSession, SessionStatus
    from portal.extensions import db
    from portal.petitions.models import Petition
    from portal.timefmt import format_date

    with live_app.app_context():
        try:
            meeting = db.session.scalar(
                select(DialogueSession)
                .where(DialogueSession.stage.is_(None),
                       DialogueSession.closed_at.is_(None),
                       DialogueSession.live_revision == 0,
                       DialogueSession.status.in_((SessionStatus.SCHEDULED,
                                                   SessionStatus.TENTATIVE)),
                       ~exists().where(Petition.session_id == DialogueSession.id))
                .order_by(DialogueSession.starts_at.desc(), DialogueSession.id.desc())
                .limit(1))
            assert meeting is not None, "no demo session left that has not started"
            assert meeting.starts_at.year >= _today().year - 1
            return meeting.id, f"{format_date(meeting.starts_at)} — {meeting.title}"
        finally:
            db.session.remove()


def make_pdf(path: Path) -> bytes:
    """A small real PDF (one page, reportlab)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    sheet = canvas.Canvas(buffer, pagesize=A4)
    sheet.setTitle("Bien ban kiem tra hien truong")
    sheet.drawString(72, 770, "BIEN BAN KIEM TRA HIEN TRUONG - de song Thuong, xa Tan My")
    sheet.showPage()
    sheet.save()
    path.write_bytes(buffer.getvalue())
    return buffer.getvalue()


def status_count(page: Page, label: str) -> int:
    """The dashboard's figure for one status (the table under the status chart)."""
    table = page.locator("section[aria-labelledby='h-status'] table")
    row = table.locator("tbody tr").filter(
        has=page.get_by_role("rowheader", name=label, exact=True))
    expect(row).to_have_count(1)
    return int(row.locator("td").inner_text().strip())


AGENCY_COLUMNS = ("assigned", "answered", "on_time", "late_answered", "rate", "open",
                  "open_late", "beyond")


def agency_figures(page: Page, name: str) -> dict[str, str]:
    """One agency's row of the period report's table, by column; zeros when not listed."""
    rows = page.locator("#period-agency-table tbody tr").filter(
        has=page.get_by_role("rowheader", name=name, exact=True))
    if rows.count() == 0:
        return dict(zip(AGENCY_COLUMNS, ["0", "0", "0", "0", "—", "0", "0", "0"]))
    expect(rows).to_have_count(1)
    return dict(zip(AGENCY_COLUMNS, (c.strip() for c in rows.locator("td").all_inner_texts())))


def open_period_report(page: Page, year: int) -> None:
    """From the dashboard: the report page, the whole year typed in, submitted."""
    page.get_by_role("link", name="Báo cáo định kỳ, đột xuất").click()
    expect(page.get_by_role("heading", name="Báo cáo kết quả tiếp xúc, đối thoại")).to_be_visible()
    settled(page)
    type_into(page.get_by_label("Từ ngày", exact=True), f"01/01/{year}")
    type_into(page.get_by_label("Đến ngày", exact=True), f"31/12/{year}")
    page.get_by_role("button", name="Xem báo cáo").click()
    expect(page.locator("#h-report")).to_have_text(
        f"Kết quả tiếp xúc, đối thoại với nhân dân năm {year}")
    expect(page).to_have_url(re.compile(rf"/reports/period\?from=01%2F01%2F{year}"
                                        rf"&to=31%2F12%2F{year}$"))
    settled(page)


def step(*parts: str) -> re.Pattern:
    """A timeline item: its parts (regular expressions) in order, white space between."""
    return re.compile(r"^\s*" + r"\s+".join(parts) + r"\s*$")


def timeline_times(items: list[str]) -> list[datetime]:
    """The step times of the timeline's items (one "HH:MM dd/mm/yyyy" each)."""
    found = []
    for text in items:
        (when,) = WHEN.findall(text)
        found.append(datetime.strptime(when, "%H:%M %d/%m/%Y"))
    return found


# --------------------------------------------------------------------------- the test


def test_answer_return_answer_accept_and_report(page: Page, live_server: str, live_app,
                                                tmp_path: Path):
    from openpyxl import load_workbook
    from pypdf import PdfReader

    base = live_server
    today = _today()
    year = today.year
    started = _local_now()
    deadline = today + timedelta(days=14)
    session_id, session_label = fresh_session(live_app)

    fake = tmp_path / FAKE_NAME
    fake.write_bytes(b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"
                     + b"\xb8" + b"\x00" * 47 + b"This program cannot be run in DOS mode.\r\n"
                     + b"\x00" * 400)
    real = tmp_path / PDF_NAME
    real_bytes = make_pdf(real)

    # ================================================================ setup: a short meeting
    login(page, base, "chutri")
    page.goto(f"{base}/runner/{session_id}")
    expect(page.get_by_text("Buổi đối thoại chưa khai mạc.")).to_be_visible()
    settled(page)
    stage = page.locator("#runner .stage-panel").get_by_role("heading", level=2)
    next_stage = page.get_by_role("button", name="Chuyển bước tiếp theo")
    page.get_by_role("button", name="Khai mạc", exact=True).click()
    expect(stage).to_have_text("Khai mạc")
    settled(page)
    for label in ("Chủ trì thông báo", "Thảo luận, đối thoại"):
        next_stage.click()
        expect(stage).to_have_text(label)
        settled(page)

    raised = page.locator("#raised ol.petitions > li")
    for name, kind, locality, field, content in (
            (SPEAKER, "Công dân", LOCALITY, "Môi trường", PETITION),
            (OTHER_SPEAKER, "Doanh nghiệp", "", "Xây dựng", OTHER_PETITION)):
        floor = page.locator("#floor-form")
        type_into(floor.get_by_label("Họ tên / tên tổ chức", exact=True), name)
        floor.get_by_label("Người nêu là", exact=True).select_option(label=kind)
        if locality:
            type_into(floor.get_by_label("Địa bàn", exact=True), locality)
        floor.get_by_label("Lĩnh vực", exact=True).select_option(label=field)
        type_into(floor.get_by_label("Nội dung ý kiến, kiến nghị", exact=True), content)
        floor.get_by_role("button", name="Ghi nhận ý kiến").click()
        expect(raised.filter(has_text=content)).to_have_count(1)
        expect(page.locator("#floor-form").get_by_label(
            "Nội dung ý kiến, kiến nghị", exact=True)).to_have_value("")
        settled(page)

    next_stage.click()
    expect(stage).to_have_text("Phân công trả lời")
    settled(page)
    for agency, content in ((STNMT, PETITION), (SXD, OTHER_PETITION)):
        form = page.locator("form.assign-form").filter(has_text=content)
        form.get_by_label("Cơ quan chủ trì trả lời", exact=True).select_option(label=agency)
        form.get_by_label("Hình thức", exact=True).select_option(label="Trả lời bằng văn bản")
        type_into(form.get_by_label("Hạn trả lời", exact=True), vn(deadline))
        form.get_by_role("button", name="Phân công").click()
        expect(raised.filter(has_text=content).locator(".assigned")).to_contain_text(
            f"Giao: {agency} · Trả lời bằng văn bản · hạn {vn(deadline)}")
        settled(page)

    next_stage.click()
    expect(stage).to_have_text("Kết luận")
    settled(page)
    type_into(page.get_by_label("Kết luận của người chủ trì", exact=True), CONCLUSION)
    page.get_by_role("button", name="Lưu kết luận").click()
    expect(page.get_by_label("Kết luận của người chủ trì", exact=True)).to_have_value(CONCLUSION)
    settled(page)
    dialogs: list[str] = []

    def confirm(dialog):
        dialogs.append(dialog.message)
        dialog.accept()

    page.on("dialog", confirm)
    page.get_by_role("button", name="Bế mạc buổi đối thoại").click()
    expect(page.get_by_text(re.compile(r"Buổi đối thoại đã bế mạc lúc .*biên bản đã khóa\."))
           ).to_be_visible()
    page.remove_listener("dialog", confirm)
    assert dialogs and dialogs[0].startswith("Bế mạc và khóa biên bản?")
    settled(page)

    # The figures before anything is answered: the dashboard and this year's report.
    main_nav(page, "Tổng hợp, báo cáo")
    expect(page.get_by_role("heading", name="Tổng hợp kết quả tiếp xúc, đối thoại")).to_be_visible()
    done_before = status_count(page, "Đã hoàn thành")
    open_period_report(page, year)
    stnmt_before = agency_figures(page, STNMT)
    outstanding = page.locator("section[aria-labelledby='h-outstanding'] tbody tr")
    ours = outstanding.filter(has_text=PETITION[:60])
    expect(ours).to_have_count(1)
    expect(ours).to_contain_text(STNMT)
    expect(ours).to_contain_text("Đã giao")
    expect(ours).to_contain_text("Ngô T. L.")  # a citizen's name is masked in reports
    assignment_href = ours.get_by_role("link").get_attribute("href")
    assert re.fullmatch(r"/tracker/\d+", assignment_href), assignment_href
    assignment_id = int(assignment_href.rsplit("/", 1)[1])
    assignment_url = base + assignment_href
    xlsx = page.request.get(base + page.get_by_role("link", name="Tải ngay (Excel)")
                            .get_attribute("href"))
    assert xlsx.status == 200
    sheet = load_workbook(io.BytesIO(xlsx.body()), read_only=True)["Tồn đọng"]
    assert assignment_id in [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)]
    snap(page, "0-report-before")
    logout(page)

    # ================================================================ 1. the department answers
    login(page, base, "so-tnmt")
    expect(page).to_have_url(re.compile(r"/tracker/$"))
    expect(page.get_by_role("heading", name=TRACKER)).to_be_visible()
    expect(page.get_by_text(STNMT, exact=True)).to_be_visible()
    queue = page.get_by_role("navigation", name="Hàng việc của cơ quan")
    expect(queue.get_by_role("link", name=re.compile(r"^Đang phải trả lời"))).to_have_attribute(
        "aria-current", "page")
    rows = page.locator("#list tbody tr")
    row = rows.filter(has_text=PETITION[:60])
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Đã giao")
    expect(row).to_contain_text(vn(deadline))
    # Only its own agency's items: not the construction department's petition.
    agencies = page.locator("#list tbody tr td:nth-child(3)").all_inner_texts()
    assert agencies and {a.strip() for a in agencies} == {"STNMT"}, agencies
    expect(page.get_by_text(OTHER_PETITION[:40])).to_have_count(0)
    snap(page, "1a-queue")

    row.get_by_role("link").click()
    expect(page).to_have_url(assignment_url)
    expect(page.get_by_role("heading", name="Trả lời ý kiến, kiến nghị")).to_be_visible()
    expect(page.locator("#status")).to_have_text("Đã giao")
    expect(page.locator("#deadline")).to_contain_text(vn(deadline))
    expect(page.get_by_text(f"{SPEAKER} · Công dân · {LOCALITY}")).to_be_visible()
    settled(page)
    mark_page(page)

    # A renamed executable: refused at the file field; nothing saved; the text is kept.
    answer_box = page.get_by_label("Nội dung trả lời", exact=True)
    type_into(answer_box, ANSWER)
    files = page.get_by_label(FILES_LABEL, exact=True)
    expect(files).to_have_attribute("accept", re.compile(r"(^|,)\.pdf(,|$)"))
    files.set_input_files(fake)
    page.get_by_role("button", name="Gửi trả lời").click()
    files = page.get_by_label(FILES_LABEL, exact=True)
    expect(files).to_have_attribute("aria-invalid", "true")
    expect(files).to_have_accessible_description(FAKE_ERROR)
    expect(page.locator("#files-error")).to_have_text(FAKE_ERROR)
    expect(page.locator("#files-error")).to_be_visible()
    expect(page.get_by_label("Nội dung trả lời", exact=True)).to_have_value(ANSWER)
    expect(page.locator("#status")).to_have_text("Đã giao")
    expect(page.locator("#answer-text")).to_have_count(0)
    expect(page.locator("#timeline > li")).to_have_count(1)
    expect(page.locator("#assignment ul.files")).to_have_count(0)
    expect(page.get_by_text("Đã cập nhật.")).to_have_count(0)
    assert_no_reload(page)
    settled(page)
    snap(page, "1b-refused-file")

    # The real PDF, with the answer kept from before.
    page.get_by_label(FILES_LABEL, exact=True).set_input_files(real)
    page.get_by_role("button", name="Gửi trả lời").click()
    expect(page.locator("#status")).to_have_text("Đã trả lời")
    expect(page.get_by_text("Đã cập nhật.")).to_be_visible()
    expect(page.locator("#answer-text")).to_contain_text(ANSWER)
    expect(page.locator("#answer-text")).to_contain_text("Trần Thị Mai (STNMT)")
    link = page.locator("#timeline ul.files").get_by_role("link", name=PDF_NAME, exact=True)
    expect(link).to_have_count(1)
    expect(page.locator("#timeline ul.files li")).to_have_count(1)
    expect(page.get_by_role("button", name="Gửi trả lời")).to_have_count(0)
    settled(page)
    snap(page, "1c-answered")
    attachment_href = link.get_attribute("href")
    assert re.fullmatch(r"/tracker/attachments/\d+", attachment_href), attachment_href
    download = page.request.get(base + attachment_href)
    assert download.status == 200
    assert download.headers["content-type"] == "application/pdf"
    disposition = download.headers["content-disposition"]
    assert disposition.startswith("attachment;"), disposition
    assert f"filename*=UTF-8''{quote(PDF_NAME)}" in disposition, disposition
    body = download.body()
    assert body.startswith(b"%PDF") and body == real_bytes
    logout(page)

    # ================================================================ 2. the office returns it
    login(page, base, "vanphong")
    main_nav(page, "Theo dõi trả lời")
    expect(page.get_by_role("heading", name=TRACKER)).to_be_visible()
    settled(page)
    mark_page(page)
    page.get_by_label("Buổi đối thoại", exact=True).select_option(label=session_label)
    expect(page).to_have_url(re.compile(rf"/tracker/\?session={session_id}(&|$)"))
    rows = page.locator("#list tbody tr")
    expect(rows).to_have_count(2)
    settled(page)
    page.get_by_role("navigation", name="Lọc theo trạng thái").get_by_role(
        "link", name="Đã trả lời", exact=True).click()
    expect(page.locator("#list").get_by_text("1 nhiệm vụ · lọc: Đã trả lời")).to_be_visible()
    expect(page).to_have_url(re.compile(rf"/tracker/\?session={session_id}&status=answered$"))
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(PETITION[:60])
    expect(rows.first).to_contain_text("STNMT")
    expect(page.get_by_label("Buổi đối thoại", exact=True)).to_have_value(str(session_id))
    assert_no_reload(page)
    settled(page)
    snap(page, "2a-filtered")
    rows.first.get_by_role("link").click()
    expect(page).to_have_url(assignment_url)
    expect(page.locator("#status")).to_have_text("Đã trả lời")
    expect(page.locator("#answer-text")).to_contain_text(ANSWER)
    # The office sees the department's file too.
    expect(page.locator("#timeline ul.files").get_by_role("link", name=PDF_NAME)).to_be_visible()
    settled(page)
    mark_page(page)

    # A return with no reason is refused at its field.
    page.get_by_role("button", name="Trả lại để bổ sung").click()
    reason_box = page.get_by_label("Lý do trả lại", exact=True)
    expect(reason_box).to_have_attribute("aria-invalid", "true")
    expect(reason_box).to_have_accessible_description("Vui lòng nêu lý do trả lại.")
    expect(page.locator("#status")).to_have_text("Đã trả lời")
    settled(page)
    type_into(page.get_by_label("Lý do trả lại", exact=True), REASON)
    page.get_by_role("button", name="Trả lại để bổ sung").click()
    expect(page.locator("#status")).to_have_text("Trả lại")
    expect(page.get_by_text("Đã cập nhật.")).to_be_visible()
    expect(page.get_by_role("button", name="Chấp nhận, hoàn thành")).to_have_count(0)
    timeline = page.locator("#timeline > li")
    expect(timeline).to_have_count(3)
    expect(timeline.nth(0)).to_contain_text("Giao nhiệm vụ")
    expect(timeline.nth(0)).to_contain_text("Phan Thế Tuấn")
    expect(timeline.nth(1)).to_contain_text("Trả lời")
    expect(timeline.nth(1)).to_contain_text("Đã giao → Đã trả lời")
    expect(timeline.nth(1)).to_contain_text("Trần Thị Mai (STNMT)")
    expect(timeline.nth(2)).to_contain_text("Trả lại để bổ sung")
    expect(timeline.nth(2)).to_contain_text("Đã trả lời → Trả lại")
    expect(timeline.nth(2)).to_contain_text("Nguyễn Văn Phong")
    expect(timeline.nth(2)).to_contain_text(REASON)
    times = timeline_times(timeline.all_inner_texts())
    assert all(started <= t <= _local_now() for t in times), (started, times)
    assert times == sorted(times), times
    settled(page)
    snap(page, "2b-returned")
    logout(page)

    # ================================================================ 3. the department again
    login(page, base, "so-tnmt")
    expect(page).to_have_url(re.compile(r"/tracker/$"))
    row = page.locator("#list tbody tr").filter(has_text=PETITION[:60])
    expect(row).to_contain_text("Trả lại")  # back in the open queue
    bell = page.locator("#bell")
    expect(bell).to_have_attribute("aria-label", re.compile(r"^Thông báo: \d+ chưa đọc$"))
    bell.click()
    expect(page.get_by_role("heading", name="Thông báo", level=1)).to_be_visible()
    note = page.locator("#notifications li.card").filter(has_text=REASON)
    expect(note).to_have_count(1)
    expect(note).to_contain_text("Trả lại để bổ sung: «Đề nghị kiểm tra, xử lý việc đổ trộm")
    expect(note).to_contain_text("Mới")
    settled(page)
    snap(page, "3a-notification")
    note.get_by_role("link").click()
    expect(page).to_have_url(assignment_url)
    expect(page.locator("#status")).to_have_text("Trả lại")
    expect(page.locator("#assignment")).to_contain_text(REASON)
    settled(page)
    answer_box = page.get_by_label("Nội dung trả lời", exact=True)
    expect(answer_box).to_have_value(ANSWER)  # the previous answer, to complete
    type_into(answer_box, ANSWER_AGAIN)
    page.get_by_role("button", name="Gửi trả lời").click()
    expect(page.locator("#status")).to_have_text("Đã trả lời")
    expect(page.locator("#answer-text")).to_contain_text(ANSWER_AGAIN)
    expect(page.get_by_text("Đã cập nhật.")).to_be_visible()
    settled(page)
    snap(page, "3b-answered-again")
    logout(page)

    # ================================================================ 4. the office accepts
    login(page, base, "vanphong")
    main_nav(page, "Theo dõi trả lời")
    settled(page)
    page.get_by_label("Buổi đối thoại", exact=True).select_option(label=session_label)
    expect(page.locator("#list tbody tr")).to_have_count(2)
    settled(page)
    page.get_by_role("navigation", name="Lọc theo trạng thái").get_by_role(
        "link", name="Đã trả lời", exact=True).click()
    rows = page.locator("#list tbody tr")
    expect(page.locator("#list").get_by_text("1 nhiệm vụ · lọc: Đã trả lời")).to_be_visible()
    settled(page)
    rows.first.get_by_role("link").click()
    expect(page).to_have_url(assignment_url)
    expect(page.locator("#answer-text")).to_contain_text(ANSWER_AGAIN)
    settled(page)
    page.get_by_role("button", name="Chấp nhận, hoàn thành").click()
    expect(page.locator("#status")).to_have_text("Đã hoàn thành")
    expect(page.get_by_role("button", name="Chấp nhận, hoàn thành")).to_have_count(0)
    expect(page.get_by_role("button", name="Trả lại để bổ sung")).to_have_count(0)
    timeline = page.locator("#timeline > li")
    stamp = r"\d\d:\d\d \d\d/\d\d/\d{4} · "
    expect(timeline).to_have_text([
        step("Giao nhiệm vụ", "→ Đã giao", stamp + "Phan Thế Tuấn"),
        step("Trả lời", "Đã giao → Đã trả lời", stamp + r"Trần Thị Mai \(STNMT\)",
             re.escape(ANSWER), re.escape(PDF_NAME) + r" \(\d+ KB\)"),
        step("Trả lại để bổ sung", "Đã trả lời → Trả lại", stamp + "Nguyễn Văn Phong",
             re.escape(REASON)),
        step("Trả lời", "Trả lại → Đã trả lời", stamp + r"Trần Thị Mai \(STNMT\)",
             re.escape(ANSWER_AGAIN)),
        step("Chấp nhận, hoàn thành", "Đã trả lời → Đã hoàn thành",
             stamp + "Nguyễn Văn Phong"),
    ])
    times = timeline_times(timeline.all_inner_texts())
    assert all(started <= t <= _local_now() for t in times), (started, times)
    assert times == sorted(times), times
    settled(page)
    snap(page, "4-done")

    # ================================================================ 5. the figures
    main_nav(page, "Tổng hợp, báo cáo")
    expect(page.get_by_role("heading", name="Tổng hợp kết quả tiếp xúc, đối thoại")).to_be_visible()
    assert status_count(page, "Đã hoàn thành") == done_before + 1
    open_period_report(page, year)
    expect(page.locator("section[aria-labelledby='h-sessions']")).to_contain_text(
        session_label.split(" — ", 1)[1])
    stnmt = agency_figures(page, STNMT)
    n = {k: int(v) for k, v in stnmt.items() if k != "rate"}
    b = {k: int(v) for k, v in stnmt_before.items() if k != "rate"}
    assert n["assigned"] == b["assigned"], (stnmt_before, stnmt)
    assert n["answered"] == b["answered"] + 1, (stnmt_before, stnmt)
    assert n["on_time"] == b["on_time"] + 1, (stnmt_before, stnmt)
    assert n["late_answered"] == b["late_answered"], (stnmt_before, stnmt)
    assert n["open"] == b["open"] - 1, (stnmt_before, stnmt)
    expect(page.locator("section[aria-labelledby='h-outstanding']")
           ).not_to_contain_text(PETITION[:60])
    expect(page.locator("section[aria-labelledby='h-outstanding']")
           ).not_to_contain_text(f"#{assignment_id}")
    snap(page, "5-report-after")

    pdf = page.request.get(base + page.get_by_role("link", name="Tải báo cáo (PDF)")
                           .get_attribute("href"))
    assert pdf.status == 200
    assert pdf.headers["content-type"] == "application/pdf"
    if os.environ.get("BROWSER_SNAPSHOTS"):
        (ARTIFACTS / "follow-report.pdf").write_bytes(pdf.body())
    text = flat("\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.body())).pages))
    assert f"Kết quả tiếp xúc, đối thoại với nhân dân năm {year}" in text
    assert (f"{STNMT}: được giao {n['assigned']}; đã trả lời {n['answered']} (đúng hạn "
            f"{n['on_time']}, quá hạn {n['late_answered']}); đang giải quyết {n['open']} "
            f"(quá hạn {n['open_late']}); vượt thẩm quyền {n['beyond']}.") in text, text
    outstanding_text = text.split("IV. CÁC Ý KIẾN, KIẾN NGHỊ CÒN TỒN ĐỌNG", 1)[1]
    assert flat(PETITION)[:60] not in outstanding_text

    xlsx = page.request.get(base + page.get_by_role("link", name="Tải ngay (Excel)")
                            .get_attribute("href"))
    assert xlsx.status == 200
    book = load_workbook(io.BytesIO(xlsx.body()), read_only=True)
    by_agency = {row[0]: row for row in book["Theo cơ quan"].iter_rows(min_row=2,
                                                                       values_only=True)}
    assert by_agency[STNMT][:7] == (STNMT, n["assigned"], n["answered"], n["on_time"],
                                    n["late_answered"], n["open"], n["open_late"]), \
        by_agency[STNMT]
    assert assignment_id not in [row[1] for row in book["Tồn đọng"].iter_rows(
        min_row=2, values_only=True)]
    logout(page)

    # ================================================================ 6. another department
    login(page, base, "so-xd")
    expect(page).to_have_url(re.compile(r"/tracker/$"))
    expect(page.locator("#list tbody tr").filter(has_text=OTHER_PETITION[:60])).to_have_count(1)
    expect(page.get_by_text(PETITION[:40])).to_have_count(0)
    response = page.goto(assignment_url)
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", name="404")).to_be_visible()
    expect(page.get_by_text(PETITION[:40])).to_have_count(0)
    expect(page.get_by_text(SPEAKER)).to_have_count(0)
    denied = page.request.get(base + attachment_href)
    assert denied.status == 404
    assert not denied.body().startswith(b"%PDF")
    snap(page, "6-404")

    # ================================================================ the record
    from sqlalchemy import select

    from portal.extensions import db
    from portal.tracker.models import Assignment, AssignmentStatus, AssignmentStep, Attachment

    with live_app.app_context():
        try:
            item = db.session.get(Assignment, assignment_id)
            assert item.agency.short_name == "STNMT"
            assert item.petition.content == PETITION
            assert item.petition.session_id == session_id
            assert item.status == AssignmentStatus.DONE
            assert item.answer == ANSWER_AGAIN
            assert item.deadline == deadline
            steps = db.session.scalars(select(AssignmentStep.action).where(
                AssignmentStep.assignment_id == assignment_id).order_by(
                AssignmentStep.at, AssignmentStep.id)).all()
            assert steps == ["assign", "answer", "return", "answer", "accept"]
            (stored,) = db.session.scalars(select(Attachment).where(
                Attachment.assignment_id == assignment_id)).all()
            assert stored.filename == PDF_NAME and stored.size == len(real_bytes)
            assert stored.content_type == "application/pdf"
            # In the file store: only files an attachment names (the refused one never went in).
            from portal import storage

            known = set(db.session.scalars(select(Attachment.stored_name)))
            assert storage.store().keys() == known
            assert storage.get(stored.stored_name) == real_bytes
        finally:
            db.session.remove()

"""At «Phân công trả lời» a petition registered before the meeting, never marked as raised,
is listed and assigned like the floor's; a coordinating agency is picked by typing its name
without diacritics and Enter; the minutes (PDF) print the petition with its disposition.

The database is used only to register the petition beforehand, as the office does in
preparation; everything else goes through the UI by its visible labels.
"""
from __future__ import annotations

import io
import unicodedata

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from .steps import login, settled, type_into
from .test_runner_live import STAGES, current_stage, fresh_session, open_console

pytestmark = pytest.mark.browser

COORDINATOR = "Sở Lao động - Thương binh và Xã hội"
CONTENT = "Đề nghị giải quyết dứt điểm việc cấp giấy chứng nhận cho 12 hộ thôn Đồng Quan"


def _register(live_app, session_id: int) -> None:
    from sqlalchemy import select

    from portal.admin.models import Field
    from portal.extensions import db
    from portal.petitions.models import Channel, Petition, SubmitterKind

    with live_app.app_context():
        try:
            field_id = db.session.scalar(select(Field.id).where(Field.name == "Đất đai"))
            petition = Petition(session_id=session_id, submitter_kind=SubmitterKind.CITIZEN,
                                submitter_name="Ngô Văn Hậu", field_id=field_id,
                                content=CONTENT, channel=Channel.WRITING)
            petition.refresh_search_text()
            db.session.add(petition)
            db.session.commit()
        finally:
            db.session.remove()


def test_registered_petition_is_assigned_with_a_coordinator_typed_without_diacritics(
        page: Page, live_server: str, live_app):
    session_id = fresh_session(live_app)
    _register(live_app, session_id)
    login(page, live_server, "vanphong")
    open_console(page, live_server, session_id)
    page.get_by_role("button", name="Khai mạc", exact=True).click()
    expect(current_stage(page)).to_have_text("Khai mạc")
    settled(page)
    for label in STAGES[1:4]:
        page.get_by_role("button", name="Chuyển bước tiếp theo →").click()
        expect(current_stage(page)).to_have_text(label)
        settled(page)

    # Nobody clicked «Đã nêu tại buổi»: it is listed all the same, and counted.
    item = page.locator(".dispositions > li", has_text="Ngô Văn Hậu")
    expect(item).to_contain_text("đăng ký trước, chưa nêu tại buổi")
    expect(page.get_by_text("Còn 1/1 ý kiến chưa có hướng xử lý.")).to_be_visible()
    item.get_by_label("Cơ quan chủ trì trả lời").select_option(label="Sở Giao thông vận tải")
    # The fields follow the mode: in writing, a suggested deadline and no answer box.
    expect(item.get_by_label("Hạn trả lời")).to_be_visible()
    expect(item.get_by_label("Hạn trả lời")).not_to_have_value("")
    expect(item.get_by_label("Nội dung trả lời tại buổi đối thoại")).to_be_hidden()
    item.get_by_label("Hình thức").select_option(label="Trả lời trực tiếp tại buổi đối thoại")
    expect(item.get_by_label("Nội dung trả lời tại buổi đối thoại")).to_be_visible()
    expect(item.get_by_label("Hạn trả lời")).to_be_hidden()
    item.get_by_label("Hình thức").select_option(label="Trả lời bằng văn bản")

    # The coordinator, by typing without diacritics, then the keyboard. (Agencies with
    # accounts in the demo are left alone: other browser tests count their queues.)
    picker = item.get_by_role("combobox", name="Cơ quan phối hợp")
    picker.click()
    picker.press_sequentially("tai nguyen")
    listbox = item.get_by_role("listbox", name="Cơ quan phối hợp")
    expect(listbox.get_by_role("option", name="Sở Tài nguyên và Môi trường")).to_be_visible()
    expect(listbox.get_by_role("option")).to_have_count(1)
    picker.press("Control+a")
    picker.press("Delete")
    picker.press_sequentially("lao dong")
    expect(listbox.get_by_role("option")).to_have_count(1)
    picker.press("ArrowDown")
    picker.press("Enter")
    expect(item.locator(".picker-chip", has_text=COORDINATOR)).to_be_visible()
    expect(item.locator(".picker-chip")).to_have_count(1)
    picker.press("Escape")
    item.get_by_role("button", name="Phân công", exact=True).click()
    disposed = page.locator(".dispositions > li", has_text="Ngô Văn Hậu").locator(".disposed")
    expect(disposed).to_contain_text(
        "Không nêu tại buổi; giao Sở Giao thông vận tải trả lời bằng văn bản")
    expect(disposed).to_contain_text(f"phối hợp: {COORDINATOR}")
    expect(page.get_by_text("Còn 0/1 ý kiến chưa có hướng xử lý.")).to_be_visible()
    settled(page)

    # No confirmation needed: every petition has its disposition.
    page.get_by_role("button", name="Chuyển bước tiếp theo →").click()
    expect(current_stage(page)).to_have_text("Kết luận")
    settled(page)
    pdf = page.request.get(f"{live_server}/documents/sessions/{session_id}/minutes.pdf")
    assert pdf.ok
    reader = PdfReader(io.BytesIO(pdf.body()))
    text = unicodedata.normalize("NFC", " ".join(
        " ".join(p.extract_text() for p in reader.pages).split()))
    assert "Ngô Văn Hậu" in text and CONTENT in text
    assert "Không nêu tại buổi đối thoại; giao Sở Giao thông vận tải trả lời bằng văn bản" in text
    assert f"Cơ quan phối hợp: {COORDINATOR}." in text
    assert "THƯ KÝ" in text and "CHỦ TỌA" in text and "Nguyễn Văn Phong" in text

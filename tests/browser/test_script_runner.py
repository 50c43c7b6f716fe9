"""The script follows the meeting (issue 13), in Debian's Chromium: the office drafts the
script from the preparation page's button; on the day the secretary's console and the
chair's view show the script's lines of the stage on now, and the hall screen never shows
them. Everything is found by its visible label."""
from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from .steps import PASSWORD, login, settled
from .test_runner_live import fresh_session

pytestmark = pytest.mark.browser

ADVANCE = "Đề nghị nạo vét kênh tiêu úng thôn Hạ Lý trước mùa mưa năm nay."


def _advance_petition(live_app, session_id: int) -> None:
    """A petition registered before the meeting (in writing), advised by a department."""
    from sqlalchemy import select

    from portal.admin.models import Agency, Field
    from portal.extensions import db
    from portal.petitions.models import Channel, Petition, SubmitterKind

    with live_app.app_context():
        try:
            field_id = db.session.scalar(select(Field.id).order_by(Field.position, Field.id))
            agency_id = db.session.scalar(select(Agency.id).order_by(Agency.id))
            db.session.add(Petition(
                session_id=session_id, submitter_kind=SubmitterKind.CITIZEN,
                submitter_name="Hoàng Văn Kênh", locality="xã Tân Sỏi", field_id=field_id,
                content=ADVANCE, channel=Channel.WRITING, advising_agency_id=agency_id))
            db.session.commit()
        finally:
            db.session.remove()


def test_script_lines_follow_the_stage_for_secretary_and_chair_not_the_hall(
        browser: Browser, live_app, live_server):
    session_id = fresh_session(live_app)
    _advance_petition(live_app, session_id)
    contexts = [browser.new_context(viewport={"width": 1366, "height": 768}, locale="vi-VN",
                                    timezone_id="Asia/Ho_Chi_Minh") for _ in range(3)]
    console, chair, hall = (context.new_page() for context in contexts)
    try:
        login(console, live_server, "vanphong")
        console.goto(f"{live_server}/preparation/sessions/{session_id}")
        console.get_by_role("button", name="Soạn kịch bản").click()
        expect(console.get_by_text("Đã soạn dự thảo từ diễn biến buổi đối thoại")).to_be_visible()
        expect(console.get_by_text("I. KHAI MẠC").first).to_be_attached()

        console.goto(f"{live_server}/runner/{session_id}")
        settled(console)
        script = console.locator("#runner-script")
        # before the opening: the opening's lines
        expect(script.get_by_text("Kính thưa đồng chí chủ trì", exact=False)).to_be_visible()
        console.get_by_role("button", name="Khai mạc", exact=True).click()
        expect(script.get_by_text("Kịch bản · Khai mạc")).to_be_visible()
        settled(console)
        for _ in range(2):  # briefing, then the discussion
            console.get_by_role("button", name="Chuyển bước tiếp theo →").click()
            settled(console)
        expect(script.get_by_text("Kịch bản · Thảo luận, đối thoại")).to_be_visible()
        expect(script.get_by_text(ADVANCE, exact=False)).to_be_visible()
        expect(script.get_by_text("Kính thưa đồng chí chủ trì", exact=False)).to_have_count(0)

        login(chair, live_server, "chutri")
        chair.goto(f"{live_server}/runner/{session_id}/chair")
        expect(chair.get_by_text("Kịch bản · Thảo luận, đối thoại")).to_be_visible()
        expect(chair.locator("#runner-script").get_by_text(ADVANCE, exact=False)).to_be_visible()
        expect(chair.locator("#runner-script").get_by_text("Hoàng Văn Kênh", exact=False)
               ).to_be_visible()  # the chair calls people by name

        login(hall, live_server, "vanphong")
        hall.goto(f"{live_server}/runner/{session_id}/screen")
        expect(hall.get_by_text("Thảo luận, đối thoại").first).to_be_visible()
        expect(hall.get_by_text(ADVANCE, exact=False)).to_have_count(0)
        expect(hall.get_by_text("Kịch bản", exact=False)).to_have_count(0)
        expect(hall.locator("#runner-script")).to_have_count(0)

        # the stage moves on: the console follows with the assignment's lines
        console.get_by_role("button", name="Chuyển bước tiếp theo →").click()
        expect(script.get_by_text("Kịch bản · Phân công trả lời")).to_be_visible()
        expect(script.get_by_text("trả lời ý kiến số 1", exact=False)).to_be_visible()
        expect(chair.get_by_text("Kịch bản · Phân công trả lời")).to_be_visible()
        expect(hall.get_by_text("Phân công trả lời").first).to_be_visible()
        expect(hall.get_by_text("trả lời ý kiến số 1", exact=False)).to_have_count(0)
    finally:
        for context in contexts:
            context.close()

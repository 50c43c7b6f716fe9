"""Told at once: the office assigns a petition on the runner; the agency's officer, logging in
elsewhere, finds the notification on the bell and follows it to the item."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from .steps import PASSWORD, login, settled
from .test_runner_live import STAGES, current_stage, fresh_session, open_console

pytestmark = pytest.mark.browser

AGENCY = "Sở Văn hóa, Thể thao và Du lịch (thử nghiệm thông báo)"
CONTENT = "Đề nghị sửa chữa nhà văn hóa thôn Hạ đã xuống cấp"


def _agency_with_an_officer(live_app, session_id: int) -> None:
    from sqlalchemy import select

    from portal.admin.models import Agency, AgencyKind, Field
    from portal.auth.models import Role, User
    from portal.extensions import db
    from portal.petitions.models import Channel, Petition, SubmitterKind

    with live_app.app_context():
        try:
            agency = Agency(name=AGENCY, short_name="SVHTT-TN", kind=AgencyKind.DEPARTMENT)
            db.session.add(agency)
            db.session.flush()
            officer = User(username="so-vhtt", full_name="Đỗ Thị Hoa", role=Role.OFFICER,
                           agency_id=agency.id)
            officer.set_password(PASSWORD)
            field_id = db.session.scalar(select(Field.id).order_by(Field.id).limit(1))
            petition = Petition(session_id=session_id, submitter_kind=SubmitterKind.CITIZEN,
                                submitter_name="Phạm Văn Tùng", field_id=field_id,
                                content=CONTENT, channel=Channel.WRITING)
            petition.refresh_search_text()
            db.session.add_all([officer, petition])
            db.session.commit()
        finally:
            db.session.remove()


def test_an_officer_is_told_of_an_assignment_made_on_the_runner(page: Page, live_server: str,
                                                                 live_app, browser):
    session_id = fresh_session(live_app)
    _agency_with_an_officer(live_app, session_id)
    login(page, live_server, "vanphong")
    open_console(page, live_server, session_id)
    page.get_by_role("button", name="Khai mạc", exact=True).click()
    expect(current_stage(page)).to_have_text("Khai mạc")
    settled(page)
    for label in STAGES[1:4]:
        page.get_by_role("button", name="Chuyển bước tiếp theo →").click()
        expect(current_stage(page)).to_have_text(label)
        settled(page)
    item = page.locator(".dispositions > li", has_text="Phạm Văn Tùng")
    item.get_by_label("Cơ quan chủ trì trả lời").select_option(label=AGENCY)
    item.get_by_role("button", name="Phân công", exact=True).click()
    expect(page.locator(".dispositions > li", has_text="Phạm Văn Tùng").locator(".disposed")
           ).to_contain_text(f"giao {AGENCY} trả lời bằng văn bản")

    # The officer, in another browser, at once.
    other = browser.new_context(viewport={"width": 1366, "height": 768}, locale="vi-VN",
                                timezone_id="Asia/Ho_Chi_Minh")
    officer = other.new_page()
    try:
        login(officer, live_server, "so-vhtt")
        bell = officer.locator("#bell")
        expect(bell.locator(".badge")).to_have_text("1")
        bell.click()
        note = officer.get_by_role("link", name=re.compile("^Được giao trả lời, hạn"))
        expect(note).to_contain_text(CONTENT)
        note.click()
        expect(officer.get_by_text(CONTENT).first).to_be_visible()
        expect(officer).to_have_url(f"{live_server}/tracker/{_assignment_id(live_app)}")
    finally:
        other.close()


def _assignment_id(live_app) -> int:
    from sqlalchemy import select

    from portal.extensions import db
    from portal.petitions.models import Petition
    from portal.tracker.models import Assignment

    with live_app.app_context():
        try:
            return db.session.scalar(select(Assignment.id).join(Petition).where(
                Petition.content == CONTENT))
        finally:
            db.session.remove()

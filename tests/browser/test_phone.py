"""An agency officer on a 390 px phone: every page they use fits the screen (no horizontal
scroll), lists read as cards with the deadline and the status first."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .steps import login, settled, snapper

pytestmark = pytest.mark.browser
snap = snapper("phone")


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="vi-VN",
                                  timezone_id="Asia/Ho_Chi_Minh",
                                  has_touch=True)
    tab = context.new_page()
    yield tab
    context.close()


def _fits(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    inner = page.evaluate("window.innerWidth")
    assert width <= inner, f"{page.url}: {width}px wide on a {inner}px screen"


def _work_for_so_tnmt(live_app) -> None:
    """A few assignments and a petition to advise on, with long texts, for Sở TNMT."""
    from datetime import timedelta

    from portal.admin.models import Agency, Field
    from portal.calendar.models import DialogueSession
    from portal.extensions import db
    from portal.petitions.models import Channel, Petition, SubmitterKind
    from portal.timefmt import local_today
    from portal.tracker.models import AnswerMode, Assignment

    long_text = ("Đề nghị xem xét cấp giấy chứng nhận quyền sử dụng đất cho các hộ gia đình "
                 "đã sử dụng đất ổn định từ trước năm 1993 tại khu dân cư số 3, ") * 3
    with live_app.app_context():
        agency = db.session.scalar(db.select(Agency).where(Agency.short_name.like("%TNMT%")))
        field = db.session.scalar(db.select(Field).order_by(Field.id).limit(1))
        meeting = db.session.scalar(db.select(DialogueSession).order_by(
            DialogueSession.starts_at.desc(), DialogueSession.id).limit(1))
        for n, days in enumerate((-3, 2, 15)):
            petition = Petition(session_id=meeting.id, submitter_kind=SubmitterKind.CITIZEN,
                                submitter_name=f"Nguyễn Văn Điện Thoại {n}", field_id=field.id,
                                content=long_text, channel=Channel.AT_DIALOGUE,
                                raised_at_meeting=True)
            petition.refresh_search_text()
            db.session.add(petition)
            db.session.flush()
            deadline = local_today() + timedelta(days=days)
            db.session.add(Assignment(petition_id=petition.id, agency_id=agency.id,
                                      mode=AnswerMode.IN_WRITING, deadline=deadline,
                                      original_deadline=deadline))
        advised = Petition(session_id=meeting.id, submitter_kind=SubmitterKind.CITIZEN,
                           submitter_name="Lê Thị Tham Mưu", field_id=field.id, content=long_text,
                           channel=Channel.WRITING, advising_agency_id=agency.id,
                           advising_deadline=local_today() + timedelta(days=5))
        advised.refresh_search_text()
        db.session.add(advised)
        db.session.commit()


def test_the_officer_pages_fit_a_phone(phone, live_server, live_app):
    _work_for_so_tnmt(live_app)
    login(phone, live_server, "so-tnmt")
    for path in ("/tracker/", "/tracker/?tab=late", "/tracker/?tab=all", "/petitions/advising",
                 "/preparation/my", "/tracker/notifications", "/account/password"):
        phone.goto(live_server + path)
        settled(phone)
        snap(phone, path.strip("/").replace("/", "-").replace("?", "-") or "home")
        _fits(phone)
    phone.goto(live_server + "/tracker/")
    settled(phone)
    first = phone.locator("#list table a[href*='/tracker/']").first
    if first.count():
        first.click()
        settled(phone)
        expect(phone.get_by_role("heading", level=2).first).to_be_visible()
        _fits(phone)
    snap(phone, "assignment")

"""The chair builds the dossier from the session page: the build runs in a thread of the
server, its page shows the progress until the download appears, and the session page lists
it when the chair comes back."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from tests.browser.steps import login, settled

pytestmark = pytest.mark.browser


def _session_with_petitions(app) -> int:
    from portal.calendar.models import DialogueSession
    from portal.extensions import db
    from portal.petitions.models import Petition

    with app.app_context():
        return db.session.scalar(
            select(DialogueSession.id).join(Petition, Petition.session_id == DialogueSession.id)
            .group_by(DialogueSession.id).order_by(func.count(Petition.id).desc()).limit(1))


def test_the_chair_builds_the_dossier_and_finds_it_again(live_app, live_server, page):
    session_id = _session_with_petitions(live_app)
    login(page, live_server, "chutri")
    page.goto(f"{live_server}/calendar/sessions/{session_id}")
    dossier = page.locator("#dossier")
    expect(dossier.get_by_role("button", name="Tạo hồ sơ")).to_be_visible()  # loaded by htmx
    settled(page)
    dossier.get_by_role("button", name="Tạo hồ sơ").click()
    job = page.locator("section.job")
    expect(job.get_by_role("heading", name="Hồ sơ của người chủ trì")).to_be_visible()
    # The page polls until the build is done; then the download replaces the progress bar.
    download_link = job.get_by_role("link", name="Tải về")
    expect(download_link).to_be_visible()
    expect(job.locator("progress")).to_have_count(0)
    with page.expect_download() as caught:
        download_link.click()
    assert caught.value.suggested_filename == f"ho-so-buoi-doi-thoai-{session_id}.pdf"
    # Left and picked up again from the session page.
    page.goto(f"{live_server}/calendar/sessions/{session_id}")
    expect(page.locator("#dossier-jobs")).to_contain_text("Hoàn thành")
    expect(page.locator("#dossier-jobs").get_by_role("link", name="Tải về")).to_be_visible()

"""Issue 9: closing the meeting while some petitions still have no disposition asks the
chair again, naming them; «Vẫn bế mạc» then closes. By visible labels, in a real browser."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from .steps import login, settled, type_into
from .test_dispositions import _register
from .test_runner_live import STAGES, current_stage, fresh_session, open_console

pytestmark = pytest.mark.browser


def test_closing_with_undisposed_petitions_asks_again_naming_them(
        page: Page, live_server: str, live_app):
    session_id = fresh_session(live_app)
    _register(live_app, session_id)  # «Ngô Văn Hậu», registered beforehand, never assigned
    login(page, live_server, "vanphong")
    open_console(page, live_server, session_id)
    page.get_by_role("button", name="Khai mạc", exact=True).click()
    expect(current_stage(page)).to_have_text("Khai mạc")
    settled(page)
    for label in STAGES[1:4]:
        page.get_by_role("button", name="Chuyển bước tiếp theo →").click()
        expect(current_stage(page)).to_have_text(label)
        settled(page)
    # Entering the conclusion asks a first time.
    page.get_by_role("button", name="Chuyển bước tiếp theo →").click()
    page.get_by_role("button", name="Vẫn chuyển sang kết luận").click()
    expect(current_stage(page)).to_have_text("Kết luận")
    settled(page)
    type_into(page.get_by_label("Kết luận của người chủ trì", exact=True), "Kết luận của buổi.")
    page.get_by_role("button", name="Lưu kết luận").click()
    settled(page)

    page.on("dialog", lambda dialog: dialog.accept())  # «Bế mạc và khóa biên bản?»
    with page.expect_response(lambda r: r.url.endswith("/close")) as asked:
        page.get_by_role("button", name="Bế mạc buổi đối thoại").click()
    assert asked.value.status == 409
    error = page.locator("#runner-error")
    expect(error).to_contain_text("Còn 1 ý kiến chưa có hướng xử lý")
    expect(error).to_contain_text("Ngô Văn Hậu")
    expect(current_stage(page)).to_have_text("Kết luận")  # not closed yet
    settled(page)
    page.get_by_role("button", name="Vẫn bế mạc").click()
    expect(page.get_by_text(re.compile(r"Buổi đối thoại đã bế mạc lúc \d\d:\d\d \d\d/\d\d/\d{4}; "
                                       r"biên bản đã khóa\."))).to_be_visible()
    expect(page.get_by_role("button", name="Bế mạc buổi đối thoại")).to_have_count(0)

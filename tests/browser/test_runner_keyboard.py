"""The runner with nothing typed lost and the keyboard alone, in a real browser.

- text typed then a stage change at once (Alt+N, or the button) → the text is in the minutes;
- a text typed is saved by itself and says «Đã lưu hh:mm:ss»; «Lưu» says so too;
- a draft the server never got is restored after a reload (leaving asked first), then saved;
- a floor petition typed but not recorded is recorded before the stage moves;
- a whole meeting run by the keyboard alone, the focus never lost to the page, the shortcuts
  listed on the page, a focus ring of at least 3 px.
"""
from __future__ import annotations

import io
import re

import pytest
from playwright.sync_api import Page, expect

from .steps import flat, login, settled
from .test_runner_live import current_stage, fresh_session, new_context, open_console  # noqa: F401

pytestmark = pytest.mark.browser

SAVED = re.compile(r"^Đã lưu \d\d:\d\d:\d\d$")
NOTES_ROUTE = "**/runner/*/notes/*"


def minutes_text(page: Page, base: str) -> str:
    """The minutes PDF of the meeting on the page, as the office downloads it, as text."""
    from pypdf import PdfReader

    session_id = re.search(r"/runner/(\d+)", page.url).group(1)
    response = page.context.request.get(f"{base}/documents/sessions/{session_id}/minutes.pdf")
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    return flat("\n".join(p.extract_text() for p in PdfReader(io.BytesIO(response.body())).pages))


def focused(page: Page) -> dict:
    return page.evaluate("""() => { const e = document.activeElement;
        return {tag: e ? e.tagName : null, id: e ? e.id : null,
                text: e ? (e.innerText || '').trim() : '', body: e === document.body}; }""")


def state_of(page: Page, form_selector: str):
    return page.locator(f"{form_selector} .save-state")


def test_typed_text_then_a_stage_change_is_in_the_minutes(page: Page, live_server: str, live_app):
    base = live_server
    session_id = fresh_session(live_app)
    login(page, base, "vanphong")
    open_console(page, base, session_id)
    page.get_by_role("button", name="Khai mạc", exact=True).click()
    expect(current_stage(page)).to_have_text("Khai mạc")
    settled(page)

    opening = "Tuyên bố lý do; giới thiệu đại biểu Sở Tài nguyên và Môi trường."
    box = page.get_by_label("Lý do, thành phần, chương trình chi tiết", exact=True)
    expect(box).to_be_focused()  # the stage's text has the focus once it opens
    page.keyboard.type(opening)
    expect(state_of(page, "#notes-opening")).to_have_text("Chưa lưu")
    page.keyboard.press("Alt+n")  # at once: no pause for the autosave
    expect(current_stage(page)).to_have_text("Chủ trì thông báo")
    settled(page)

    briefing = "Kết quả giải quyết ý kiến của buổi đối thoại tháng trước: 3 ý kiến đã trả lời."
    box = page.get_by_label("Mục đích, nội dung chính, vấn đề người dân quan tâm", exact=True)
    expect(box).to_be_focused()
    page.keyboard.type(briefing)
    page.get_by_role("button", name="Chuyển bước tiếp theo →").click()
    expect(current_stage(page)).to_have_text("Thảo luận, đối thoại")
    settled(page)

    text = minutes_text(page, base)
    assert flat(opening) in text
    assert flat(briefing) in text


def test_autosave_and_save_say_saved(page: Page, live_server: str, live_app):
    base = live_server
    session_id = fresh_session(live_app)
    login(page, base, "vanphong")
    open_console(page, base, session_id)
    page.get_by_role("button", name="Khai mạc", exact=True).click()
    expect(current_stage(page)).to_have_text("Khai mạc")
    settled(page)

    box = page.get_by_label("Lý do, thành phần, chương trình chi tiết", exact=True)
    box.press_sequentially("Chương trình gồm năm phần")
    state = state_of(page, "#notes-opening")
    expect(state).to_have_text(SAVED)  # saved by itself after a pause in the typing
    expect(box).to_be_focused()  # and the caret stayed
    box.press("End")
    box.press_sequentially(", có giải lao.")
    expect(state).to_have_text("Chưa lưu")
    page.locator("#notes-opening").get_by_role("button", name="Lưu", exact=True).click()
    expect(state).to_have_text(SAVED)
    expect(box).to_have_value("Chương trình gồm năm phần, có giải lao.")

    from portal.calendar.models import DialogueSession
    from portal.extensions import db

    with live_app.app_context():
        try:
            assert db.session.get(DialogueSession, session_id).opening_notes == \
                "Chương trình gồm năm phần, có giải lao."
        finally:
            db.session.remove()
    # A reload shows when it was saved.
    page.reload()
    settled(page)
    expect(state_of(page, "#notes-opening")).to_have_text(SAVED)


def test_a_reload_restores_the_draft_and_leaving_asks_first(page: Page, live_server: str, live_app):
    base = live_server
    session_id = fresh_session(live_app)
    login(page, base, "vanphong")
    open_console(page, base, session_id)
    page.get_by_role("button", name="Khai mạc", exact=True).click()
    expect(current_stage(page)).to_have_text("Khai mạc")
    settled(page)

    def drop(route):
        route.abort() if route.request.method == "POST" else route.continue_()

    page.context.route(NOTES_ROUTE, drop)  # the server never gets the text
    draft = "Giới thiệu đại biểu UBND huyện Lục Nam"
    box = page.get_by_label("Lý do, thành phần, chương trình chi tiết", exact=True)
    box.press_sequentially(draft)
    expect(state_of(page, "#notes-opening")).to_contain_text("Chưa lưu")

    asked: list[str] = []

    def leave(dialog):
        asked.append(dialog.type)
        dialog.accept()

    page.on("dialog", leave)
    page.reload()
    settled(page)
    page.remove_listener("dialog", leave)
    assert asked == ["beforeunload"]  # leaving with unsaved text asked first

    box = page.get_by_label("Lý do, thành phần, chương trình chi tiết", exact=True)
    expect(box).to_have_value(draft)  # restored from the draft
    expect(state_of(page, "#notes-opening")).to_contain_text("Chưa lưu")
    page.context.unroute(NOTES_ROUTE, drop)
    expect(state_of(page, "#notes-opening")).to_have_text(SAVED, timeout=10_000)

    # The floor petition, a record not made yet: a draft in the browser until «Ghi nhận».
    page.keyboard.press("Alt+n")
    expect(current_stage(page)).to_have_text("Chủ trì thông báo")
    settled(page)
    page.keyboard.press("Alt+n")
    expect(current_stage(page)).to_have_text("Thảo luận, đối thoại")
    settled(page)
    floor = page.locator("#floor-form")
    petition = "Đề nghị sửa cầu treo bản Khe Nghè trước mùa mưa."
    floor.get_by_label("Họ tên / tên tổ chức", exact=True).press_sequentially("Lò Văn Pản")
    floor.get_by_label("Lĩnh vực", exact=True).select_option(label="Giao thông")
    floor.get_by_label("Nội dung ý kiến, kiến nghị", exact=True).press_sequentially(petition)
    expect(state_of(page, "#floor-form")).to_contain_text("Chưa ghi nhận")
    page.on("dialog", leave)
    page.reload()
    settled(page)
    floor = page.locator("#floor-form")
    expect(floor.get_by_label("Nội dung ý kiến, kiến nghị", exact=True)).to_have_value(petition)
    expect(floor.get_by_label("Họ tên / tên tổ chức", exact=True)).to_have_value("Lò Văn Pản")
    page.remove_listener("dialog", leave)
    floor.get_by_label("Lĩnh vực", exact=True).select_option(label="Giao thông")

    # «Chuyển bước» asks, records the petition, then moves on.
    moved: list[str] = []

    def record_first(dialog):
        moved.append(dialog.message)
        dialog.accept()

    page.on("dialog", record_first)
    page.get_by_role("button", name="Chuyển bước tiếp theo →").click()
    expect(current_stage(page)).to_have_text("Phân công trả lời")
    page.remove_listener("dialog", record_first)
    assert moved and moved[0].startswith("Ý kiến đang soạn chưa được ghi nhận")
    settled(page)
    assert flat(petition) in minutes_text(page, base)


def tab_until(page: Page, test, limit: int = 30) -> int:
    """Press Tab until `test(focused)` holds; the number of presses."""
    for n in range(1, limit + 1):
        page.keyboard.press("Tab")
        if test(focused(page)):
            return n
    raise AssertionError(f"not reached in {limit} Tab presses; focus on {focused(page)}")


def not_lost(page: Page) -> None:
    settled(page)
    where = focused(page)
    assert not where["body"] and where["tag"], f"the focus fell to the page: {where}"


KB_NOTES = "Lý do: đối thoại về đất đai ở huyện Yên Thế."
KB_BRIEFING = "Mục đích: nghe và giải quyết ý kiến về cấp giấy chứng nhận."
KB_SPEAKER = "Hà Thị Mai"
KB_PETITION = "Đề nghị đo đạc lại thửa đất số 215 của gia đình tôi."
KB_CONCLUSION = "Giao Sở Tài nguyên và Môi trường trả lời bằng văn bản."


def test_a_whole_meeting_by_keyboard_alone(page: Page, live_server: str, live_app):
    base = live_server
    session_id = fresh_session(live_app)
    login(page, base, "chutri")
    open_console(page, base, session_id)
    stage = current_stage(page)

    # The shortcuts are listed on the page.
    keys = page.locator(".shortcuts dl.keys dt")
    expect(keys).to_contain_text(["Alt+N", "Alt+L", "Alt+S", "Alt+G", "Alt+T", "Alt+P", "Alt+A"])
    expect(page.locator(".shortcuts")).to_be_visible()

    # «Khai mạc» has the focus as the page opens: no Tab at all; the ring is strong.
    expect(page.get_by_role("button", name="Khai mạc", exact=True)).to_be_focused()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")  # keyboard focus, so :focus-visible applies
    ring = page.evaluate("""() => { const s = getComputedStyle(document.activeElement);
        return {width: parseFloat(s.outlineWidth), style: s.outlineStyle}; }""")
    assert ring["width"] >= 3 and ring["style"] != "none", ring
    page.keyboard.press("Enter")
    expect(stage).to_have_text("Khai mạc")
    not_lost(page)
    page.keyboard.type(KB_NOTES)
    page.keyboard.press("Alt+n")
    expect(stage).to_have_text("Chủ trì thông báo")
    not_lost(page)
    page.keyboard.type(KB_BRIEFING)
    page.keyboard.press("Alt+n")
    expect(stage).to_have_text("Thảo luận, đối thoại")
    not_lost(page)

    # A speaker: the name has the focus (nobody waits yet); kind, locality, Enter.
    expect(page.get_by_label("Họ tên người phát biểu", exact=True)).to_be_focused()
    page.keyboard.type(KB_SPEAKER)
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.type("xã Đồng Tiến")
    page.keyboard.press("Enter")
    expect(page.locator("#queue .sp-name")).to_have_text([KB_SPEAKER])
    not_lost(page)
    page.keyboard.press("Alt+s")
    expect(page.locator("#speaker-now .now-name")).to_contain_text(KB_SPEAKER)
    not_lost(page)

    # Alt+G pauses: the clock is frozen on the server's word; Alt+G again resumes.
    page.keyboard.press("Alt+g")
    expect(page.get_by_text("Đang tạm dừng: đồng hồ đứng yên.")).to_be_visible()
    expect(page.locator("#speaker-now .countdown")).to_have_attribute("data-running", "0")
    expect(page.get_by_role("button", name="Tiếp tục")).to_be_focused()
    frozen = page.locator("#speaker-now .countdown").inner_text()
    page.reload()  # another worker, another render: still the same frozen time
    settled(page)
    expect(page.locator("#speaker-now .countdown")).to_have_text(frozen)
    page.keyboard.press("Alt+g")
    expect(page.locator("#speaker-now .countdown")).to_have_attribute("data-running", "1")
    not_lost(page)

    # Alt+P: the petition; Shift+Tab to the field and arrows to «Đất đai»; Tab to «Ghi nhận».
    page.keyboard.press("Alt+p")
    page.keyboard.type(KB_PETITION)
    page.keyboard.press("Shift+Tab")
    field = page.locator("#floor-form").get_by_label("Lĩnh vực", exact=True)
    expect(field).to_be_focused()
    for _ in range(20):
        if field.evaluate("s => s.options[s.selectedIndex].text") == "Đất đai":
            break
        page.keyboard.press("ArrowDown")
    assert field.evaluate("s => s.options[s.selectedIndex].text") == "Đất đai"
    tab_until(page, lambda f: f["text"] == "Ghi nhận ý kiến")
    page.keyboard.press("Enter")
    expect(page.locator("#raised ol.petitions > li").filter(has_text=KB_PETITION)).to_have_count(1)
    not_lost(page)
    page.keyboard.press("Alt+t")
    expect(page.locator("#speaker-now")).to_contain_text("Chưa có ai đang phát biểu.")
    expect(page.locator("#speaking-totals")).to_contain_text("Công dân")
    not_lost(page)

    # Assignment: Alt+A, an agency by the arrows, Tab on to «Phân công» (a date if asked).
    page.keyboard.press("Alt+n")
    expect(stage).to_have_text("Phân công trả lời")
    not_lost(page)
    page.keyboard.press("Alt+a")
    page.keyboard.press("ArrowDown")

    def to_assign(f):
        if f["id"].endswith("deadline") and not page.evaluate("document.activeElement.value"):
            from datetime import timedelta

            from .steps import _today, vn
            page.keyboard.type(vn(_today() + timedelta(days=15)))
        return f["tag"] == "BUTTON" and f["text"] == "Phân công"

    tab_until(page, to_assign)
    page.keyboard.press("Enter")
    settled(page)
    not_lost(page)

    page.keyboard.press("Alt+n")
    confirm = page.get_by_role("button", name="Vẫn chuyển sang kết luận")
    expect(stage.or_(confirm).first).to_be_visible()
    if confirm.count():
        confirm.focus()
        page.keyboard.press("Enter")
    expect(stage).to_have_text("Kết luận")
    not_lost(page)

    # The conclusion has the focus; «Bế mạc» is one Tab after «Lưu kết luận».
    expect(page.get_by_label("Kết luận của người chủ trì", exact=True)).to_be_focused()
    page.keyboard.type(KB_CONCLUSION)
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Lưu kết luận")).to_be_focused()
    page.keyboard.press("Enter")
    expect(state_of(page, "#conclusion-form")).to_have_text(SAVED)
    assert tab_until(page, lambda f: f["text"] == "Bế mạc buổi đối thoại") == 1
    page.once("dialog", lambda dialog: dialog.accept())  # «Bế mạc và khóa biên bản?»
    page.keyboard.press("Enter")
    expect(page.get_by_text(re.compile(r"Buổi đối thoại đã bế mạc lúc"))).to_be_visible()
    not_lost(page)

    text = minutes_text(page, base)
    for typed in (KB_NOTES, KB_BRIEFING, KB_SPEAKER, KB_PETITION, KB_CONCLUSION):
        assert flat(typed) in text, typed


FOLLOWER = "Vi Thị Hoa"


def test_a_console_with_saved_text_keeps_following(new_context, live_server: str, live_app):
    """The poll waits only while something is typed and unsaved (checked in runner.js: the
    strict CSP allows no hx-trigger filter); a saved text in focus does not stop it."""
    base = live_server
    session_id = fresh_session(live_app)
    one, two = new_context().new_page(), new_context().new_page()
    for page in (one, two):
        login(page, base, "vanphong")
        open_console(page, base, session_id)
    one.get_by_role("button", name="Khai mạc", exact=True).click()
    expect(current_stage(one)).to_have_text("Khai mạc")
    expect(current_stage(two)).to_have_text("Khai mạc", timeout=3_000)  # followed by polling
    settled(two)
    # The second console types, and it is saved: its focus stays in the text, it follows on.
    box = two.get_by_label("Lý do, thành phần, chương trình chi tiết", exact=True)
    box.press_sequentially("Chương trình")
    expect(state_of(two, "#notes-opening")).to_have_text(SAVED)
    settled(one)
    one.get_by_role("button", name="Chuyển bước tiếp theo →").click()
    expect(current_stage(one)).to_have_text("Chủ trì thông báo")
    expect(current_stage(two)).to_have_text("Chủ trì thông báo", timeout=3_000)
    # While a text is typed and not saved, the poll does not replace it.
    settled(two)
    def drop(r):
        r.abort() if r.request.method == "POST" else r.continue_()

    two.context.route(NOTES_ROUTE, drop)
    brief = two.get_by_label("Mục đích, nội dung chính, vấn đề người dân quan tâm", exact=True)
    brief.click()
    brief.press_sequentially("Đang soạn")
    settled(one)
    one.keyboard.press("Alt+n")
    expect(current_stage(one)).to_have_text("Thảo luận, đối thoại")
    expect(state_of(two, "#notes-briefing")).to_contain_text("Chưa lưu")
    expect(brief).to_have_value("Đang soạn")
    # Once the server has the text, the console follows the move; nothing typed was lost.
    two.context.unroute(NOTES_ROUTE, drop)
    expect(current_stage(two)).to_have_text("Thảo luận, đối thoại", timeout=10_000)

    from portal.calendar.models import DialogueSession
    from portal.extensions import db

    with live_app.app_context():
        try:
            assert db.session.get(DialogueSession, session_id).briefing == "Đang soạn"
        finally:
            db.session.remove()

"""The meeting-day runner live, in real browsers: the room screen following the console,
a whole meeting run by the chair with the keyboard shortcuts and the mouse, and an action
kept while the network drops and sent once when it is back.

Every action goes through the UI by its visible Vietnamese labels and the documented
shortcuts; the database is read only to pick a session nobody has started and, at the end,
to count what was stored.

Set BROWSER_SNAPSHOTS=1 to keep screenshots of the console and the room screen
(1366×768) in test-artifacts/.
"""
from __future__ import annotations

import io
import os
import re
from datetime import timedelta

import pytest
from playwright.sync_api import BrowserContext, Page, expect

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

snap = snapper("runner", full_page=False)

pytestmark = pytest.mark.browser

TIMEOUT_MS = 15_000
LIVE_MS = 3_000  # the screens poll every second: a change shows within ~3 s
RETRY_MS = 8_000  # the pending-action queue retries every 3 s

STAGES = ["Khai mạc", "Chủ trì thông báo", "Thảo luận, đối thoại", "Phân công trả lời",
          "Kết luận"]
MMSS = re.compile(r"^-?\d\d:\d\d$")


# --------------------------------------------------------------------------- helpers


def shortcut(page: Page, key: str) -> None:
    """Press Alt+<key> as the secretary would (the handler listens on the document)."""
    page.keyboard.press(f"Alt+{key}")


def fresh_session(live_app) -> int:
    """A demo session nobody has opened, touched or registered petitions on."""
    from sqlalchemy import exists, select

    from portal.calendar.models import DialogueSession, SessionStatus
    from portal.extensions import db
    from portal.petitions.models import Petition

    with live_app.app_context():
        try:
            session_id = db.session.scalar(
                select(DialogueSession.id)
                .where(DialogueSession.stage.is_(None),
                       DialogueSession.closed_at.is_(None),
                       DialogueSession.live_revision == 0,
                       DialogueSession.status.in_((SessionStatus.SCHEDULED,
                                                   SessionStatus.TENTATIVE)),
                       ~exists().where(Petition.session_id == DialogueSession.id))
                .order_by(DialogueSession.starts_at.desc(), DialogueSession.id.desc())
                .limit(1)
            )
        finally:
            db.session.remove()
    assert session_id is not None, "no demo session left that has not started"
    return session_id


def open_console(page: Page, base: str, session_id: int) -> None:
    page.goto(f"{base}/runner/{session_id}")
    expect(page.get_by_text("Buổi đối thoại chưa khai mạc.")).to_be_visible()
    settled(page)


def current_stage(page: Page):
    return page.locator("#runner .stage-panel").get_by_role("heading", level=2)


def stagebar_current(page: Page):
    return page.get_by_role("list", name="Các bước của buổi đối thoại").locator(
        "[aria-current='step']")


def open_and_reach_discussion(page: Page) -> None:
    """Khai mạc, then two moves by the mouse to the floor discussion."""
    page.get_by_role("button", name="Khai mạc", exact=True).click()
    expect(current_stage(page)).to_have_text("Khai mạc")
    settled(page)
    for label in STAGES[1:3]:
        page.get_by_role("button", name="Chuyển bước tiếp theo →").click()
        expect(current_stage(page)).to_have_text(label)
        settled(page)


@pytest.fixture
def new_context(browser, request):
    """Make contexts like the `page` fixture's (1366×768, vi-VN, Asia/Ho_Chi_Minh);
    screenshot each of their pages when the test failed, and close them all."""
    made: list[BrowserContext] = []

    def make() -> BrowserContext:
        context = browser.new_context(
            viewport={"width": 1366, "height": 768},
            locale="vi-VN",
            timezone_id="Asia/Ho_Chi_Minh",
            accept_downloads=True,
        )
        context.set_default_timeout(TIMEOUT_MS)
        made.append(context)
        return context

    yield make
    failed = any(getattr(request.node, f"rep_{when}", None) is not None
                 and getattr(request.node, f"rep_{when}").failed for when in ("setup", "call"))
    for n, context in enumerate(made):
        if failed:
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid)
            for m, tab in enumerate(context.pages):
                if tab.is_closed():
                    continue
                try:
                    tab.screenshot(path=str(ARTIFACTS / f"{name}-ctx{n}-{m}.png"),
                                   full_page=True)
                except Exception as exc:  # a dead page must not hide the test's failure
                    print(f"screenshot failed: {exc}")
        context.close()


# --------------------------------------------------------------------------- 1. room screen

SCREEN_SPEAKER = "Đặng Thị Hồng Nhung"
SCREEN_LOCALITY = "xã Nghĩa Phương, huyện Lục Nam"
SCREEN_PETITION = ("Đề nghị sớm nạo vét kênh tưới tiêu Đồng Mỏ, mùa lũ năm ngoái nước tràn "
                   "vào ruộng lúa của thôn Hạ.")


def test_room_screen_follows_the_console(new_context, live_server: str, live_app):
    base = live_server
    session_id = fresh_session(live_app)

    console = new_context().new_page()
    login(console, base, "vanphong")
    open_console(console, base, session_id)

    screen = new_context().new_page()
    login(screen, base, "theodoi")
    screen.goto(f"{base}/runner/{session_id}/screen")
    expect(screen.locator(".hall-stage-now")).to_have_text("Buổi đối thoại sắp bắt đầu")
    settled(screen)
    mark_page(screen)
    screen_stages = screen.locator("ol.hall-stages > li")
    highlighted = screen.locator("ol.hall-stages > li.current")

    # Khai mạc in the console; the screen swaps its "about to start" for the stage bar.
    console.get_by_role("button", name="Khai mạc", exact=True).click()
    expect(current_stage(console)).to_have_text("Khai mạc")
    expect(screen_stages).to_have_text(STAGES, timeout=LIVE_MS)
    expect(highlighted).to_have_text("Khai mạc", timeout=LIVE_MS)
    settled(console)

    for label in STAGES[1:3]:
        console.get_by_role("button", name="Chuyển bước tiếp theo →").click()
        expect(current_stage(console)).to_have_text(label)
        expect(highlighted).to_have_text(label, timeout=LIVE_MS)
        settled(console)
    expect(highlighted).to_have_count(1)
    # Highlighted, not only classed: the current step's colours differ from the others'.
    colours = screen_stages.evaluate_all(
        "els => els.map(e => getComputedStyle(e).backgroundColor)")
    assert colours[2] not in colours[:2] + colours[3:], colours

    # A speaker joins the queue: the screen lists them as waiting.
    type_into(console.get_by_label("Họ tên người phát biểu", exact=True), SCREEN_SPEAKER)
    type_into(console.locator("#speaker-form").get_by_label("Địa bàn", exact=True),
              SCREEN_LOCALITY)
    console.get_by_role("button", name="Thêm vào danh sách").click()
    expect(console.locator("#queue .sp-name")).to_have_text([SCREEN_SPEAKER])
    expect(screen.locator(".hall-queue li")).to_have_text(
        [re.compile(re.escape(SCREEN_SPEAKER))], timeout=LIVE_MS)
    settled(console)

    # Given the floor: name under "Đang phát biểu" and a countdown that runs.
    console.get_by_role("button", name="Mời người tiếp theo").click()
    expect(console.locator("#speaker-now .now-name")).to_contain_text(SCREEN_SPEAKER)
    settled(console)
    speaking = screen.locator("h2:text-is('Đang phát biểu') + p.hall-speaker")
    expect(speaking).to_contain_text(SCREEN_SPEAKER, timeout=LIVE_MS)
    expect(screen.locator(".hall-speaker-from")).to_contain_text(SCREEN_LOCALITY)
    countdown = screen.locator(".hall-now .hall-countdown")
    expect(countdown).to_have_text(MMSS, timeout=LIVE_MS)
    first = countdown.inner_text()
    expect(countdown).not_to_have_text(first, timeout=2_500)
    expect(countdown).to_have_text(MMSS)
    assert countdown.inner_text() < first, (first, countdown.inner_text())  # counts down
    # Nobody is waiting any more.
    expect(screen.locator(".hall-queue .hall-empty")).to_have_text("Không còn ai chờ phát biểu",
                                                                   timeout=LIVE_MS)
    snap(screen, "screen-speaker")

    # The secretary records what was raised; the form is prefilled with the speaker.
    floor = console.locator("#floor-form")
    expect(floor.get_by_label("Họ tên / tên tổ chức", exact=True)).to_have_value(SCREEN_SPEAKER)
    floor.get_by_label("Lĩnh vực", exact=True).select_option(label="Nông nghiệp")
    type_into(floor.get_by_label("Nội dung ý kiến, kiến nghị", exact=True), SCREEN_PETITION)
    floor.get_by_role("button", name="Ghi nhận ý kiến").click()
    item = console.locator("#raised ol.petitions > li").filter(has_text=SCREEN_PETITION)
    expect(item).to_have_count(1)
    settled(console)
    snap(console, "console-discussion")
    snap(console, "console-discussion-full", full_page=True)

    # "Đang trả lời": the screen shows the petition being answered.
    item.get_by_role("button", name="Đang trả lời: hiển thị lên màn hình").click()
    expect(item.get_by_role("button", name="Thôi hiển thị")).to_be_visible()
    answering = screen.locator("h2:text-is('Ý kiến đang được trả lời') + p.hall-petition")
    expect(answering).to_be_visible(timeout=LIVE_MS)
    expect(answering).to_contain_text(SCREEN_PETITION)
    expect(answering.locator("strong")).to_have_text(SCREEN_SPEAKER)
    # The speaker still holds the floor, and the clock still runs.
    expect(speaking).to_contain_text(SCREEN_SPEAKER)
    expect(countdown).to_have_text(MMSS)
    settled(console)
    snap(screen, "screen-answering")

    # Never reloaded: every change came by polling.
    assert_no_reload(screen)
    assert screen.url == f"{base}/runner/{session_id}/screen"


# --------------------------------------------------------------------------- 2. whole meeting

OPENING = ("Tuyên bố lý do; giới thiệu đại biểu các sở, ngành và UBND huyện Yên Thế; "
           "chương trình gồm năm phần.")
KB_SPEAKER = "Trần Văn Đức"
KB_LOCALITY = "thị trấn Phồn Xương, huyện Yên Thế"
KB_PETITION = "Đề nghị cấp giấy chứng nhận quyền sử dụng đất cho 12 hộ ở thôn Đồng Vương."
KB_CONCLUSION = ("Giao Sở Tài nguyên và Môi trường rà soát hồ sơ đất đai của các hộ thôn "
                 "Đồng Vương, báo cáo kết quả trước ngày họp giao ban.")
KB_DIRECTIVE = ("Sở Tài nguyên và Môi trường chủ trì, phối hợp UBND huyện Yên Thế giải quyết "
                "dứt điểm.")
KB_AMENDED = ("Giao Sở Tài nguyên và Môi trường rà soát hồ sơ đất đai của 12 hộ thôn "
              "Đồng Vương, báo cáo kết quả trước ngày họp giao ban.")
KB_REASON = "Ghi rõ số hộ theo đề nghị của cử tri"


def test_full_meeting_by_keyboard_and_mouse(page: Page, live_server: str, live_app):
    base = live_server
    session_id = fresh_session(live_app)
    deadline = _today() + timedelta(days=14)

    login(page, base, "chutri")
    open_console(page, base, session_id)
    mark_page(page)
    stage = current_stage(page)

    # ---- Khai mạc, by the mouse; the opening notes typed and saved.
    page.get_by_role("button", name="Khai mạc", exact=True).click()
    expect(stage).to_have_text("Khai mạc")
    expect(stagebar_current(page)).to_contain_text("Khai mạc")
    settled(page)
    type_into(page.get_by_label("Lý do, thành phần, chương trình chi tiết", exact=True), OPENING)
    page.locator("#notes-opening").get_by_role("button", name="Lưu", exact=True).click()
    expect(page.get_by_label("Lý do, thành phần, chương trình chi tiết", exact=True)
           ).to_have_value(OPENING)
    settled(page)
    snap(page, "console-opening")

    # ---- Alt+N twice: host briefing, then the floor discussion.
    shortcut(page, "n")
    expect(stage).to_have_text("Chủ trì thông báo")
    expect(stagebar_current(page)).to_contain_text("Chủ trì thông báo")
    expect(page.get_by_role("list", name="Các bước của buổi đối thoại")
           .get_by_role("listitem").first).to_have_class(re.compile(r"\bdone\b"))
    settled(page)
    shortcut(page, "n")
    expect(stage).to_have_text("Thảo luận, đối thoại")
    expect(stagebar_current(page)).to_contain_text("Thảo luận, đối thoại")
    settled(page)

    # ---- Alt+L: the speaker's name, Tab to the kind, Tab to the locality, Enter.
    shortcut(page, "l")
    name_box = page.get_by_label("Họ tên người phát biểu", exact=True)
    expect(name_box).to_be_focused()
    page.keyboard.type(KB_SPEAKER)
    page.keyboard.press("Tab")
    kind = page.locator("#speaker-form").get_by_label("Là", exact=True)
    expect(kind).to_be_focused()
    expect(kind).to_have_value("citizen")  # Công dân, the default
    page.keyboard.press("Tab")
    expect(page.locator("#speaker-form").get_by_label("Địa bàn", exact=True)).to_be_focused()
    page.keyboard.type(KB_LOCALITY)
    page.keyboard.press("Enter")
    expect(page.locator("#queue .sp-name")).to_have_text([KB_SPEAKER])
    expect(page.locator("#queue li").first).to_contain_text(KB_LOCALITY)
    settled(page)

    # ---- Alt+S: the speaker takes the floor; the clock runs.
    shortcut(page, "s")
    expect(page.locator("#speaker-now .now-name")).to_contain_text(KB_SPEAKER)
    expect(page.locator("#speaker-now .countdown")).to_have_text(MMSS)
    settled(page)

    # ---- Alt+P: what they raise, prefilled with their name; the field; submit.
    shortcut(page, "p")
    floor = page.locator("#floor-form")
    content = floor.get_by_label("Nội dung ý kiến, kiến nghị", exact=True)
    expect(content).to_be_focused()
    expect(floor.get_by_label("Họ tên / tên tổ chức", exact=True)).to_have_value(KB_SPEAKER)
    page.keyboard.type(KB_PETITION)
    floor.get_by_label("Lĩnh vực", exact=True).select_option(label="Đất đai")
    floor.get_by_role("button", name="Ghi nhận ý kiến").click()
    raised = page.locator("#raised ol.petitions > li")
    item = raised.filter(has_text=KB_PETITION)
    expect(item).to_have_count(1)
    expect(item.locator("strong").first).to_have_text(KB_SPEAKER)
    expect(item).to_contain_text("Đất đai")
    expect(item).to_contain_text("phát biểu")  # linked to the speaker's turn
    expect(page.get_by_role("heading", name="Ý kiến tại buổi đối thoại (1)")).to_be_visible()
    settled(page)
    snap(page, "console-keyboard-discussion")

    # ---- Alt+T: the turn ends.
    shortcut(page, "t")
    expect(page.locator("#speaker-now")).to_contain_text("Chưa có ai đang phát biểu.")
    expect(page.locator("#queue li").first).to_contain_text(
        re.compile(r"✓ \d\d:\d\d–\d\d:\d\d"))
    settled(page)

    # ---- Alt+N: assignment; Alt+A lands on the agency of the first open petition.
    shortcut(page, "n")
    expect(stage).to_have_text("Phân công trả lời")
    settled(page)
    shortcut(page, "a")
    form = page.locator("form.assign-form").filter(has_text=KB_PETITION)
    agency = form.get_by_label("Cơ quan chủ trì trả lời", exact=True)
    expect(agency).to_be_focused()
    agency.select_option(label="Sở Tài nguyên và Môi trường")
    form.get_by_label("Hình thức", exact=True).select_option(label="Trả lời bằng văn bản")
    type_into(form.get_by_label("Hạn trả lời", exact=True), vn(deadline))
    form.get_by_role("button", name="Phân công").click()
    expect(item.locator(".assigned")).to_contain_text(
        f"Giao: Sở Tài nguyên và Môi trường · Trả lời bằng văn bản · hạn {vn(deadline)}")
    expect(page.get_by_text(re.compile(r"Còn 0/\d+ ý kiến chưa có hướng xử lý\."))).to_be_visible()
    settled(page)

    # ---- Alt+N: conclusion (nothing left unassigned: no confirmation asked).
    shortcut(page, "n")
    expect(stage).to_have_text("Kết luận")
    expect(page.locator("#runner-error")).to_have_count(0)
    settled(page)
    conclusion = page.get_by_label("Kết luận của người chủ trì", exact=True)
    type_into(conclusion, KB_CONCLUSION)
    page.get_by_role("button", name="Lưu kết luận").click()
    expect(page.locator("#runner-error")).to_have_count(0)
    expect(page.get_by_label("Kết luận của người chủ trì", exact=True)).to_have_value(KB_CONCLUSION)
    settled(page)
    directive_box = page.locator(".directive").filter(has_text=KB_PETITION)
    type_into(directive_box.get_by_label("Chỉ đạo của người chủ trì", exact=True), KB_DIRECTIVE)
    directive_box.get_by_role("button", name="Lưu chỉ đạo").click()
    expect(page.locator(".directive").filter(has_text=KB_PETITION).get_by_label(
        "Chỉ đạo của người chủ trì", exact=True)).to_have_value(KB_DIRECTIVE)
    expect(page.locator("#runner-error")).to_have_count(0)
    # The conclusion saved before is still there after the directive's re-render.
    expect(page.get_by_label("Kết luận của người chủ trì", exact=True)).to_have_value(KB_CONCLUSION)
    settled(page)
    snap(page, "console-conclusion")

    # ---- Bế mạc: confirmed in the browser's dialog.
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
    settled(page)

    stagebar = page.get_by_role("list", name="Các bước của buổi đối thoại").get_by_role("listitem")
    expect(stagebar).to_have_text([
        re.compile(rf"^\s*{n}\s+{re.escape(label)}\s+\d\d:\d\d–\d\d:\d\d\s+\(\d+′\)\s*$")
        for n, label in enumerate(STAGES, start=1)
    ])
    expect(stagebar).to_have_class([re.compile(r"\bdone\b")] * 5)
    expect(page.locator("ol.stagebar [aria-current]")).to_have_count(0)
    expect(page.locator("#conclusion-text")).to_contain_text(KB_CONCLUSION)
    expect(page.get_by_role("button", name="Bế mạc buổi đối thoại")).to_have_count(0)
    snap(page, "console-closed")

    # ---- An amendment of the conclusion, reasoned and listed.
    amendments = page.locator("#amendments")
    expect(amendments.get_by_text("Chưa có đính chính nào.")).to_be_visible()
    amendments.get_by_label("Nội dung đính chính", exact=True).select_option(
        label="Kết luận của người chủ trì")
    type_into(amendments.get_by_label("Nội dung mới", exact=True), KB_AMENDED)
    type_into(amendments.get_by_label("Lý do đính chính", exact=True), KB_REASON)
    amendments.get_by_role("button", name="Ghi đính chính").click()
    entry = page.locator("#amendments .amendment")
    expect(entry).to_have_count(1)
    expect(entry).to_contain_text(KB_REASON)
    expect(entry.locator("del")).to_have_text(KB_CONCLUSION)
    expect(entry.locator("ins")).to_have_text(KB_AMENDED)
    expect(page.locator("#conclusion-text")).to_contain_text(KB_AMENDED)
    expect(page.locator("#amendments").get_by_text("Chưa có đính chính nào.")).to_have_count(0)
    assert_no_reload(page)
    settled(page)
    snap(page, "console-amended", full_page=True)

    # ---- The minutes PDF: the speaker, the directive and the amendment's reason.
    from pypdf import PdfReader

    href = page.get_by_role("link", name="Biên bản (PDF)").get_attribute("href")
    response = page.context.request.get(base + href)
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    pdf = response.body()
    if os.environ.get("BROWSER_SNAPSHOTS"):
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        (ARTIFACTS / "runner-minutes.pdf").write_bytes(pdf)
    text = flat("\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages))
    assert "BIÊN BẢN" in text
    assert KB_SPEAKER in text
    assert flat(KB_DIRECTIVE) in text
    assert KB_REASON in text
    assert flat(KB_AMENDED) in text

    # ---- The record.
    from sqlalchemy import select

    from portal.calendar.models import DialogueSession, SessionStatus
    from portal.extensions import db
    from portal.petitions.models import Petition
    from portal.runner.models import Speaker, SpeakerStatus

    with live_app.app_context():
        try:
            meeting = db.session.get(DialogueSession, session_id)
            assert meeting.status == SessionStatus.CONCLUDED
            assert meeting.conclusion == KB_AMENDED
            assert meeting.opening_notes == OPENING
            (petition,) = db.session.scalars(
                select(Petition).where(Petition.session_id == session_id)).all()
            assert petition.content == KB_PETITION and petition.directive == KB_DIRECTIVE
            (speaker,) = db.session.scalars(
                select(Speaker).where(Speaker.session_id == session_id)).all()
            assert speaker.name == KB_SPEAKER and speaker.status == SpeakerStatus.DONE
            assert petition.speaker_id == speaker.id
            assert petition.assignment.deadline == deadline
        finally:
            db.session.remove()


# --------------------------------------------------------------------------- 3. network blip

BLIP_NAME = "Hoàng Văn Thụ"
BLIP_CONTENT = ("Kiến nghị lắp đèn chiếu sáng đoạn đường tỉnh 398 qua xã Tiên Lục, "
                "người dân đi lại buổi tối rất nguy hiểm.")
PETITIONS_ROUTE = "**/runner/*/petitions"


def test_network_blip_keeps_the_action_pending(page: Page, live_server: str, live_app):
    base = live_server
    session_id = fresh_session(live_app)

    login(page, base, "vanphong")
    open_console(page, base, session_id)
    mark_page(page)
    open_and_reach_discussion(page)

    floor = page.locator("#floor-form")
    type_into(floor.get_by_label("Họ tên / tên tổ chức", exact=True), BLIP_NAME)
    floor.get_by_label("Lĩnh vực", exact=True).select_option(label="Giao thông")
    content = floor.get_by_label("Nội dung ý kiến, kiến nghị", exact=True)
    type_into(content, BLIP_CONTENT)

    aborted: list[str] = []

    def drop(route):
        aborted.append(route.request.method)
        route.abort()

    page.context.route(PETITIONS_ROUTE, drop)
    floor.get_by_role("button", name="Ghi nhận ý kiến").click()

    banner = page.locator("#pending-actions")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("chưa lưu được")
    # Nothing typed is lost, and nothing was recorded.
    expect(content).to_have_value(BLIP_CONTENT)
    expect(floor.get_by_label("Họ tên / tên tổ chức", exact=True)).to_have_value(BLIP_NAME)
    expect(page.get_by_role("heading", name="Ý kiến tại buổi đối thoại (0)")).to_be_visible()
    assert aborted, "the petition's POST never went out"
    snap(page, "console-pending")

    page.context.unroute(PETITIONS_ROUTE, drop)
    expect(banner).to_be_hidden(timeout=RETRY_MS)
    item = page.locator("#raised ol.petitions > li").filter(has_text=BLIP_CONTENT)
    expect(item).to_have_count(1, timeout=RETRY_MS)
    expect(item.locator("strong").first).to_have_text(BLIP_NAME)
    expect(page.get_by_role("heading", name="Ý kiến tại buổi đối thoại (1)")).to_be_visible()
    # Sent once, the form is fresh again and no draft comes back.
    expect(page.locator("#floor-form").get_by_label(
        "Nội dung ý kiến, kiến nghị", exact=True)).to_have_value("")
    settled(page)
    assert_no_reload(page)
    assert page.evaluate("""() => Object.keys(localStorage)
        .filter(k => k.startsWith('runner-pending:') && localStorage.getItem(k) !== '[]')
        .length""") == 0

    from sqlalchemy import func, select

    from portal.extensions import db
    from portal.petitions.models import Petition

    with live_app.app_context():
        try:
            stored = db.session.scalar(select(func.count(Petition.id)).where(
                Petition.session_id == session_id, Petition.content == BLIP_CONTENT))
        finally:
            db.session.remove()
    assert stored == 1


# --------------------------------------------------------------------------- known bug

FOLLOW_SPEAKER = "Phạm Thị Duyên"


def test_saved_text_is_not_restored_and_the_console_keeps_following(
        new_context, live_server: str, live_app):
    base = live_server
    session_id = fresh_session(live_app)
    secretary = new_context().new_page()
    login(secretary, base, "vanphong")
    open_console(secretary, base, session_id)
    open_and_reach_discussion(secretary)
    # The chair runs the floor from a second console (the chair's own view has the chair's
    # decisions only: it does not give the floor).
    chair = new_context().new_page()
    login(chair, base, "chutri")
    chair.goto(f"{base}/runner/{session_id}")
    settled(chair)

    name_box = secretary.get_by_label("Họ tên người phát biểu", exact=True)
    type_into(name_box, FOLLOW_SPEAKER)
    secretary.get_by_role("button", name="Thêm vào danh sách").click()
    expect(secretary.locator("#queue .sp-name")).to_have_text([FOLLOW_SPEAKER])
    settled(secretary)
    secretary.locator("#runner .stage-panel > h2").click()  # nothing focused in a form

    # The chair gives the floor from the other console; the secretary's follows within ~3 s.
    expect(chair.locator("#queue .sp-name")).to_have_text([FOLLOW_SPEAKER], timeout=LIVE_MS)
    settled(chair)
    chair.get_by_role("button", name="Mời người tiếp theo").click()
    expect(chair.locator("#speaker-now .now-name")).to_contain_text(FOLLOW_SPEAKER)
    try:
        expect(secretary.locator("#speaker-now .now-name")).to_contain_text(
            FOLLOW_SPEAKER, timeout=LIVE_MS)
        # The saved name does not come back into the emptied form.
        expect(name_box).to_have_value("", timeout=1_000)
    finally:
        snap(secretary, "console-stale-draft")


# --------------------------------------------------------------------------- a refresh and a move


def test_a_refresh_answered_while_a_stage_move_is_on_its_way_does_not_lose_the_move(
        page: Page, live_server: str, live_app):
    """A refresh of the console (the poll, or a push) that left before the secretary's
    «Chuyển bước tiếp theo» and is answered while the move is on its way: swapped in, it
    would take the move's form out of the page, and the move's answer, the next stage, would
    have nowhere to go. The refresh is held back; the move's answer is what the page shows.

    Playwright holds the requests to make the order certain: the refresh is answered (by
    the server, with the page as it was) only once the move has left, and every later
    refresh stays unanswered, so only the move's own answer can show the next stage."""
    base = live_server
    session_id = fresh_session(live_app)
    login(page, base, "vanphong")
    open_console(page, base, session_id)
    open_and_reach_discussion(page)
    mark_page(page)

    refreshes: list = []  # (route, the server's answer) of the first; later ones unanswered
    moves: list = []

    def hold_refresh(route):
        if route.request.method != "GET":
            route.continue_()
            return
        if refreshes:
            refreshes.append((route, None))
            return
        headers = {k: v for k, v in route.request.headers.items()
                   if k.lower() != "if-none-match"}  # the page as it is, not a 304
        refreshes.append((route, route.fetch(headers=headers)))

    def hold_move(route):
        moves.append(route)

    def wait_for(items: list) -> None:
        for _ in range(100):
            if items:
                return
            page.wait_for_timeout(50)
        raise AssertionError("the request never went out")

    page.context.route(f"**/runner/{session_id}?*", hold_refresh)
    page.evaluate("htmx.trigger('#runner-poll', 'sse:changed')")  # as a push would
    wait_for(refreshes)
    page.context.route(f"**/runner/{session_id}/advance", hold_move)
    page.get_by_role("button", name="Chuyển bước tiếp theo →").click()
    wait_for(moves)

    route, answer = refreshes[0]
    assert answer.status == 200
    route.fulfill(response=answer)  # the stage as it was, arriving after the move left
    page.wait_for_timeout(300)
    expect(current_stage(page)).to_have_text("Thảo luận, đối thoại")
    moves[0].continue_()
    expect(current_stage(page)).to_have_text("Phân công trả lời", timeout=LIVE_MS)
    expect(stagebar_current(page)).to_contain_text("Phân công trả lời")
    assert_no_reload(page)
    page.context.unroute_all(behavior="ignoreErrors")

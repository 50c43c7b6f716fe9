"""The hall screen on projectors of every size, its kiosk link, and the chair's view (issue 9),
in Debian's Chromium.

* The office creates a kiosk link from the console by its labels; a browser that never logged
  in opens it and follows the meeting; once the office revokes it, the open screen falls to
  the 404 page by itself and the address answers 404.
* With a 400-character petition on the screen and a long queue, at 1024×768, 1280×720,
  1366×768, 1920×1080 and 3840×2160: the stage, the speaker's name and the countdown are
  inside the viewport, nothing scrolls, and the smallest text is at least 2.5 % of the
  viewport's height. The measurements are printed (run with -s to read them).
* The chair's next action is above the fold at 1366×768 in the discussion and the assignment.

The meeting is brought to the state to measure through the app's own routes (a logged-in
test client); everything the test then checks is the browser's.
"""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, expect

from .steps import PASSWORD, login, settled, snapper, type_into
from .test_runner_live import fresh_session

pytestmark = pytest.mark.browser
snap = snapper("hall", full_page=False)  # BROWSER_SNAPSHOTS=1 keeps them in test-artifacts/

LIVE_MS = 4_000
LONG_PETITION = ("Đề nghị tỉnh sớm giải quyết dứt điểm việc cấp giấy chứng nhận quyền sử dụng "
                 "đất cho các hộ dân thôn Đồng Vương, xã Đồng Vương, đã nộp hồ sơ từ năm 2019 "
                 "nhưng đến nay vẫn chưa được cấp vì vướng quy hoạch khu dân cư mới; đồng thời "
                 "đề nghị công khai quy hoạch, lộ trình thực hiện và bồi thường thỏa đáng cho "
                 "các hộ có đất bị thu hồi làm đường, kênh mương nội đồng trong năm tới đây.")
LONG_PETITION = (LONG_PETITION * 2)[:400]
SPEAKER = "Nguyễn Thị Phương Thảo"
WAITING = ["Trần Văn Đức", "Lê Thị Hồng Nhung", "Phạm Quang Vinh", "Hoàng Văn Sơn",
           "Đỗ Thị Mai Anh", "Vũ Minh Khôi", "Bùi Thị Lan Hương", "Ngô Văn Toàn"]
SIZES = [(1024, 768), (1280, 720), (1366, 768), (1920, 1080), (3840, 2160)]


class _Office:
    """The app's own routes, as the secretary's console posts them (htmx, CSRF)."""

    def __init__(self, app, username="vanphong"):
        from support import Client

        self.c = Client(app.test_client())
        assert self.c.login(username, PASSWORD).status_code == 303

    def post(self, url, **data):
        response = self.c.post(url, htmx=True, data=data)
        assert response.status_code == 200, (url, response.status_code)
        return response


def _discussion_with_long_petition(live_app, session_id):
    """Discussion under way: a speaker with the floor, eight waiting, a 400-character petition
    shown as the one being answered."""
    from sqlalchemy import select

    from portal.admin.models import Field
    from portal.extensions import db
    from portal.petitions.models import Petition

    office = _Office(live_app)
    base = f"/runner/{session_id}"
    office.post(f"{base}/start")
    office.post(f"{base}/advance")
    office.post(f"{base}/advance")
    for name in [SPEAKER, *WAITING]:
        office.post(f"{base}/speakers", **{"sp-name": name, "sp-kind": "citizen",
                                           "sp-locality": "xã Đồng Vương, huyện Yên Thế"})
    office.post(f"{base}/speakers/next")
    with live_app.app_context():
        field_id = db.session.scalar(select(Field.id).order_by(Field.id))
    office.post(f"{base}/petitions", submitter_name=SPEAKER, submitter_kind="citizen",
                locality="", field_id=field_id, channel="at_dialogue", content=LONG_PETITION)
    with live_app.app_context():
        pid = db.session.scalar(select(Petition.id).where(Petition.session_id == session_id)
                                .order_by(Petition.id.desc()))
        db.session.remove()
    office.post(f"{base}/petitions/{pid}/current")
    return office


def _kiosk_address(live_app, session_id, office) -> str:
    from sqlalchemy import select

    from portal.extensions import db
    from portal.runner.kiosk import KioskLink

    office.post(f"/runner/{session_id}/kiosk", label="Hội trường tầng 3", language="vi")
    with live_app.app_context():
        token = db.session.scalar(select(KioskLink.token).where(
            KioskLink.session_id == session_id).order_by(KioskLink.id.desc()))
        db.session.remove()
    return f"/runner/{session_id}/hall/{token}"


MEASURE = """() => {
  const vw = innerWidth, vh = innerHeight;
  const box = sel => { const e = document.querySelector(sel); if (!e) return null;
    const r = e.getBoundingClientRect(); return {top: r.top, bottom: r.bottom, left: r.left, right: r.right}; };
  let smallest = Infinity, where = "";
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode, el = node.parentElement;
    if (!node.textContent.trim() || !el) continue;
    const style = getComputedStyle(el), r = el.getBoundingClientRect();
    if (style.visibility === "hidden" || style.display === "none" || r.width === 0 || r.height === 0) continue;
    const size = parseFloat(style.fontSize);
    if (size < smallest) { smallest = size; where = el.tagName + "." + el.className; }
  }
  return {vw, vh, smallest, where,
          scroll: document.documentElement.scrollHeight, scrollW: document.documentElement.scrollWidth,
          speaker: box("#hall-speaker"), countdown: box("#hall-countdown"),
          stage: box(".hall-stages li.current"), petition: box("#hall-petition"),
          queue: box("#hall-queue")};
}"""


def _inside(box, vw, vh) -> bool:
    return box is not None and box["top"] >= 0 and box["left"] >= 0 \
        and box["bottom"] <= vh + 0.5 and box["right"] <= vw + 0.5


def test_hall_screen_fits_every_projector_with_a_long_petition(browser: Browser, live_server,
                                                              live_app):
    session_id = fresh_session(live_app)
    office = _discussion_with_long_petition(live_app, session_id)
    address = live_server + _kiosk_address(live_app, session_id, office)
    for width, height in SIZES:
        context = browser.new_context(viewport={"width": width, "height": height},
                                      locale="en-US")  # an English projector PC
        try:
            screen = context.new_page()
            screen.goto(address)
            expect(screen.locator("#hall-speaker")).to_have_text(SPEAKER)
            expect(screen.locator("#hall-countdown")).to_have_text(re.compile(r"^-?\d\d:\d\d$"))
            expect(screen.locator("#hall-petition")).to_contain_text("Đề nghị tỉnh sớm")
            expect(screen.get_by_text("Đang phát biểu", exact=True)).to_be_visible()  # not English
            settled(screen)
            snap(screen, f"screen-{width}x{height}")
            m = screen.evaluate(MEASURE)
            print(f"hall screen {width}×{height}: smallest text {m['smallest']:.1f}px "
                  f"({100 * m['smallest'] / height:.2f}% of the height, {m['where']}); "
                  f"speaker {m['speaker']['top']:.0f}–{m['speaker']['bottom']:.0f}, "
                  f"countdown {m['countdown']['top']:.0f}–{m['countdown']['bottom']:.0f}, "
                  f"petition {m['petition']['top']:.0f}–{m['petition']['bottom']:.0f}, "
                  f"page {m['scrollW']}×{m['scroll']}")
            for part in ("speaker", "countdown", "stage", "petition", "queue"):
                assert _inside(m[part], width, height), (width, height, part, m[part])
            assert m["scroll"] <= height and m["scrollW"] <= width, (width, height, m)
            assert m["smallest"] >= 0.025 * height, (width, height, m["smallest"], m["where"])
            # The petition is clamped, not cut mid-screen: its box ends above the bottom.
            clamp = screen.locator(".hall-petition").evaluate(
                "e => [e.scrollHeight, e.clientHeight]")
            assert clamp[0] >= clamp[1]
        finally:
            context.close()


def test_kiosk_link_works_without_login_and_stops_once_revoked(browser: Browser, live_server,
                                                                live_app):
    session_id = fresh_session(live_app)
    office_ctx = browser.new_context(viewport={"width": 1366, "height": 768}, locale="vi-VN")
    hall_ctx = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="en-US")
    try:
        office = office_ctx.new_page()
        login(office, live_server, "vanphong")
        office.goto(f"{live_server}/runner/{session_id}")
        office.get_by_role("link", name="Đường dẫn màn hình hội trường").click()
        expect(office.get_by_role("heading", name="Đường dẫn màn hình hội trường")).to_be_visible()
        settled(office)
        type_into(office.get_by_label("Đặt tại", exact=True), "Hội trường tầng 3")
        office.get_by_role("button", name="Tạo đường dẫn mới").click()
        row = office.locator("#kiosk-table tbody tr").filter(has_text="Hội trường tầng 3")
        expect(row).to_contain_text("Đang dùng")
        address = row.get_by_label("Đường dẫn màn hình hội trường").input_value()
        assert "/hall/" in address
        settled(office)

        hall = hall_ctx.new_page()
        response = hall.goto(address)
        assert response.status == 200
        expect(hall.locator(".hall-stage-now")).to_have_text("Buổi đối thoại sắp bắt đầu")
        expect(hall.get_by_role("button")).to_have_count(0)
        expect(hall.locator("input, textarea, select, form")).to_have_count(0)
        settled(hall)

        # The meeting opens in the console: the kiosk screen follows by polling.
        office.goto(f"{live_server}/runner/{session_id}")
        office.get_by_role("button", name="Khai mạc", exact=True).click()
        expect(hall.locator(".hall-stages li.current")).to_have_text("Khai mạc", timeout=LIVE_MS)

        # Revoked: the open screen falls to the 404 page by itself; the address is dead.
        office.goto(f"{live_server}/runner/{session_id}/kiosk")
        settled(office)
        office.once("dialog", lambda dialog: dialog.accept())
        row = office.locator("#kiosk-table tbody tr").filter(has_text="Hội trường tầng 3")
        row.get_by_role("button", name="Thu hồi").click()
        expect(row).to_contain_text("Đã thu hồi")
        expect(hall.locator(".hall-screen")).to_have_count(0, timeout=LIVE_MS)
        expect(hall.get_by_role("heading", name="404")).to_be_visible()
        assert hall.goto(address).status == 404
    finally:
        office_ctx.close()
        hall_ctx.close()


CHAIR_FOLD = """() => {
  const b = document.querySelector(".chair-next-button").getBoundingClientRect();
  return {top: b.top, bottom: b.bottom, height: b.height, vh: innerHeight,
          scroll: document.documentElement.scrollHeight};
}"""


def test_chair_next_action_is_above_the_fold(browser: Browser, live_server, live_app):
    session_id = fresh_session(live_app)
    office = _discussion_with_long_petition(live_app, session_id)
    for i in range(5):
        office.post(f"/runner/{session_id}/petitions", submitter_name=f"Người dân {i}",
                    submitter_kind="citizen", locality="", field_id=_first_field(live_app),
                    channel="at_dialogue", content=LONG_PETITION)
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="vi-VN")
    try:
        chair = context.new_page()
        login(chair, live_server, "chutri")
        chair.goto(f"{live_server}/runner/{session_id}/chair")
        expect(chair.locator("#chair-speaker")).to_have_text(SPEAKER)
        expect(chair.locator("#chair-countdown")).to_have_text(re.compile(r"^-?\d\d:\d\d$"))
        expect(chair.locator("#chair-answering")).to_contain_text("Đề nghị tỉnh sớm")
        button = chair.get_by_role("button", name="Chuyển sang: Phân công trả lời →")
        expect(button).to_be_in_viewport(ratio=1)
        m = chair.evaluate(CHAIR_FOLD)
        print(f"chair 1366×768, discussion: next action {m['top']:.0f}–{m['bottom']:.0f}px, "
              f"page height {m['scroll']}px")
        assert m["bottom"] <= m["vh"] and m["scroll"] <= m["vh"], m
        snap(chair, "chair-discussion")
        expect(chair.locator("textarea")).to_have_count(0)  # nothing the secretary types
        settled(chair)
        button.click()
        expect(chair.locator(".chair-stage")).to_have_text("Phân công trả lời")
        settled(chair)
        nxt = chair.get_by_role("button", name="Chuyển sang: Kết luận →")
        expect(nxt).to_be_in_viewport(ratio=1)
        expect(chair.locator("#chair-decide form[id^='assign-']").first).to_be_visible()
        m = chair.evaluate(CHAIR_FOLD)
        print(f"chair 1366×768, assignment (6 petitions): next action "
              f"{m['top']:.0f}–{m['bottom']:.0f}px, page height {m['scroll']}px")
        assert m["bottom"] <= m["vh"] and m["scroll"] <= m["vh"], m
        snap(chair, "chair-assignment")
    finally:
        context.close()


def _first_field(live_app) -> int:
    from sqlalchemy import select

    from portal.admin.models import Field
    from portal.extensions import db

    with live_app.app_context():
        try:
            return db.session.scalar(select(Field.id).order_by(Field.id))
        finally:
            db.session.remove()

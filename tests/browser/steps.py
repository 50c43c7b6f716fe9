"""Steps every browser test takes the same way: log in, type like a user, wait for htmx,
check that a swap did not reload the page, keep screenshots when asked."""
from __future__ import annotations

import os
import re
import unicodedata
from pathlib import Path

from playwright.sync_api import Page, expect

PASSWORD = "demo12345"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

HTMX_IDLE = """() => document.readyState === "complete" && !!window.htmx
    && !document.querySelector(".htmx-request, .htmx-swapping, .htmx-added, .htmx-settling")"""


def _today():
    from portal.timefmt import local_today

    return local_today()


def vn(day) -> str:
    return day.strftime("%d/%m/%Y")


def flat(text: str) -> str:
    """NFC text with every run of white space as one space (PDF lines wrap anywhere)."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text)).strip()


def snapper(prefix: str, full_page: bool = True):
    """snap(page, name): a screenshot of a step, only when asked (BROWSER_SNAPSHOTS=1)."""
    default_full = full_page

    def snap(page: Page, name: str, full_page: bool | None = None) -> None:
        if os.environ.get("BROWSER_SNAPSHOTS"):
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / f"{prefix}-{name}.png"),
                            full_page=default_full if full_page is None else full_page)

    return snap


def type_into(field, text: str) -> None:
    """Click a field, clear it and type like a user (one key event per character)."""
    field.click()
    field.press("Control+a")
    field.press("Delete")
    field.press_sequentially(text)


def settled(page: Page) -> None:
    """Wait until htmx has loaded and no request, swap or settle is under way.

    Call it once the visible outcome of an action is there: htmx binds the hx-* attributes
    of swapped-in content only when it settles (20 ms later), and on a fresh page only once
    its deferred script ran; a click before that would submit the form natively.
    """
    page.wait_for_function(HTMX_IDLE)


def mark_page(page: Page) -> None:
    """A JS marker that only a full page load can remove (an htmx swap keeps it)."""
    page.evaluate("window.__marker = 1")


def assert_no_reload(page: Page) -> None:
    assert page.evaluate("window.__marker") == 1, "the page was fully reloaded"


def login(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/login")
    expect(page.get_by_role("heading", name="Đăng nhập")).to_be_visible()
    type_into(page.get_by_label("Tên đăng nhập", exact=True), username)
    type_into(page.get_by_label("Mật khẩu", exact=True), PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_role("button", name="Đăng xuất")).to_be_visible()
    settled(page)


def logout(page: Page) -> None:
    page.get_by_role("button", name="Đăng xuất").click()
    expect(page.get_by_text("Bạn đã đăng xuất.")).to_be_visible()
    expect(page.get_by_label("Tên đăng nhập", exact=True)).to_be_visible()
    settled(page)

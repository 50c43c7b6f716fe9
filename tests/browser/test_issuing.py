"""The office sets up a signing position, drafts a letter and issues it choosing the signer:
the register gives it a number, and the detail page shows the signer and the stored PDF's
SHA-256."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.steps import login, vn, _today

pytestmark = pytest.mark.browser


def test_the_office_issues_a_letter_signed_from_its_list(live_app, live_server, page):
    login(page, live_server, "vanphong")
    page.get_by_role("link", name="Sổ văn bản").click()
    page.get_by_role("link", name="Thiết lập ban hành").click()
    positions = page.locator("#positions")
    positions.get_by_label("Thẩm quyền ký").fill("KT. CHỦ TỊCH")
    positions.get_by_label("Chức vụ", exact=True).fill("PHÓ CHỦ TỊCH")
    positions.get_by_label("Họ và tên", exact=True).fill("Trần Thị Ký Thử")
    positions.get_by_label("Áp dụng từ ngày").fill(vn(_today()))
    positions.get_by_role("button", name="Thêm chức danh ký").click()
    expect(page.get_by_text("Đã thêm chức danh ký.")).to_be_visible()
    expect(page.locator("#positions")).to_contain_text("Trần Thị Ký Thử")

    page.get_by_role("link", name="Sổ đăng ký văn bản").click()
    page.get_by_role("link", name="Soạn công văn").click()
    page.get_by_label("Trích yếu công văn").fill("Đôn đốc trả lời kiến nghị cử tri thử")
    page.get_by_role("button", name="Tạo dự thảo công văn").click()
    page.get_by_role("link", name="Về văn bản").click()
    page.get_by_role("button", name="Cấp số và ban hành").click()
    expect(page.get_by_text("Vui lòng chọn người ký trong danh sách chức danh ký.")).to_be_visible()
    page.get_by_label("Người ký").select_option(label="KT. CHỦ TỊCH / PHÓ CHỦ TỊCH — Trần Thị Ký Thử")
    page.get_by_role("button", name="Cấp số và ban hành").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("/UBND-KTTH")
    expect(page.locator("p.meta").filter(has_text="Người ký").first).to_contain_text(
        "PHÓ CHỦ TỊCH Trần Thị Ký Thử")
    expect(page.locator("code.hash")).to_have_text(__import__("re").compile("^[0-9a-f]{64}$"))

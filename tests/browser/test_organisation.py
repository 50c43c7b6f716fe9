"""The administrator merges one ward committee into another from a date, by the labels a
user reads: the merged one shows as merged into its successor and is no longer offered; then
renames the successor and sees its former name kept in its history."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.steps import login, settled, vn, _today

pytestmark = pytest.mark.browser


def test_the_admin_merges_a_ward_committee_then_renames_the_successor(live_app, live_server,
                                                                      page):
    login(page, live_server, "admin")
    page.get_by_role("link", name="Cơ quan", exact=True).click()
    page.get_by_role("link", name="Sáp nhập cơ quan").click()
    expect(page.get_by_role("heading", name="Sáp nhập cơ quan")).to_be_visible()
    page.get_by_label("Các cơ quan được sáp nhập").select_option(label=["UBND phường Nếnh"])
    page.get_by_label("Cơ quan kế thừa", exact=True).select_option(label="UBND phường Việt Yên")
    page.get_by_label("Có hiệu lực từ ngày").fill(vn(_today()))
    page.get_by_role("button", name="Sáp nhập", exact=True).click()
    expect(page.get_by_text("Đã sáp nhập vào UBND phường Việt Yên.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_contain_text("UBND phường Việt Yên")
    settled(page)

    page.get_by_role("link", name="Cơ quan, đơn vị, địa phương").first.click()
    row = page.get_by_role("row").filter(has_text="UBND phường Nếnh")
    expect(row).to_contain_text(f"Đã sáp nhập vào UBND phường Việt Yên từ {vn(_today())}")
    page.get_by_role("link", name="Sáp nhập cơ quan").click()
    sources = page.get_by_label("Các cơ quan được sáp nhập")
    expect(sources.locator("option", has_text="UBND phường Nếnh")).to_have_count(0)
    expect(sources.locator("option", has_text="UBND phường Việt Yên")).to_have_count(1)

    # Rename the successor from today: its former name stays in its history.
    page.get_by_role("link", name="Cơ quan, đơn vị, địa phương").first.click()
    page.get_by_role("link", name="Đổi tên, ngừng hoạt động: UBND phường Việt Yên").click()
    page.get_by_label("Tên mới").fill("UBND phường Việt Yên (mới)")
    page.get_by_label("Tên viết tắt mới").fill("PVYM")
    page.get_by_label("Có hiệu lực từ ngày").fill(vn(_today()))
    page.get_by_label("Căn cứ (quyết định, nghị quyết)").fill("Nghị quyết số 1658/NQ-UBTVQH15")
    page.get_by_role("button", name="Đổi tên").click()
    expect(page.get_by_text("Đã đổi tên cơ quan.")).to_be_visible()
    history = page.locator("table.names")
    expect(history).to_contain_text("UBND phường Việt Yên")
    expect(history).to_contain_text("Nghị quyết số 1658/NQ-UBTVQH15")
    expect(page.get_by_role("heading", level=1)).to_contain_text("UBND phường Việt Yên (mới)")

"""The office exports the period report's workbook: the export runs in a thread of the
server, its page shows the progress until the download appears, and the report page lists
it when the office comes back."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.steps import login, settled

pytestmark = pytest.mark.browser


def test_the_office_exports_the_workbook_and_finds_it_again(live_server, page):
    login(page, live_server, "vanphong")
    page.goto(f"{live_server}/reports/period?from=01/01/2026&to=31/12/2026")
    settled(page)
    page.get_by_role("button", name="Xuất số liệu (Excel)").click()
    job = page.locator("section.job")
    expect(job.get_by_role("heading", name="Số liệu báo cáo (Excel)")).to_be_visible()
    download_link = job.get_by_role("link", name="Tải về")
    expect(download_link).to_be_visible()
    with page.expect_download() as caught:
        download_link.click()
    assert caught.value.suggested_filename == "bao-cao-20260101-20261231.xlsx"
    page.goto(f"{live_server}/reports/period?from=01/01/2026&to=31/12/2026")
    expect(page.get_by_role("heading", name="Các lần xuất số liệu của bạn")).to_be_visible()
    expect(page.locator("#export-jobs").get_by_role("link", name="Tải về")).to_be_visible()

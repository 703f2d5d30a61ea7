"""The reports page in a real Chromium: opens (lazy route), changes the range, downloads a CSV."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.async_api import expect

from tests.e2e.conftest import Browsers, Tenant, lead_writes, login, new_phone

pytestmark = pytest.mark.e2e


async def test_reports_page_range_and_csv(browsers: Browsers, tenant: Tenant, tmp_path: Path) -> None:
    await lead_writes(tenant, "Vi o anúncio", phone=new_phone(), name="Joana Relatório")
    page = await browsers.page()
    await login(page, tenant.email)
    await page.get_by_test_id("reports-link").click()
    await expect(page.get_by_test_id("reports-page")).to_be_visible()
    await expect(page.get_by_test_id("chart-daily")).to_be_visible()
    month_range = await page.get_by_test_id("reports-range").text_content()
    await page.get_by_test_id("preset-today").click()
    await expect(page.get_by_test_id("preset-today")).to_have_attribute("aria-pressed", "true")
    today = await page.get_by_test_id("reports-range").text_content()
    assert today and today != month_range and today.split(" – ")[0] == today.split(" – ")[1]
    # the new lead of today shows in the attribution table (first touch by source)
    await expect(page.get_by_test_id("attribution-table").locator("tbody tr")).to_have_count(1)
    async with page.expect_download() as info:
        await page.get_by_test_id("csv-attribution").click()
    download = await info.value
    saved = tmp_path / "attribution.csv"
    await download.save_as(saved)
    body = saved.read_bytes()
    assert body.startswith("\ufeff".encode())
    lines = body.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("key,leads,tickets,sales,salesValueCents")
    assert len(lines) == 2 and lines[1].split(",")[1] == "1"

"""The Leads page in a real Chromium (issue 11): leads listed with their first touch translated,
a filter narrowing the list, the CSV export (UTF-8 with BOM, the same filter), and a row opening
the lead's conversation."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.async_api import expect

from tests.e2e.conftest import Browsers, Tenant, lead_writes, login, new_phone, post_webhook
from whatrack.simulator import payloads

pytestmark = pytest.mark.e2e


async def test_leads_page_lists_filters_exports_and_opens(browsers: Browsers, tenant: Tenant, tmp_path: Path) -> None:
    ad = payloads.Referral(campaign="black_friday", source_id="120200000000000777", title="Black Friday")
    await post_webhook(
        tenant, payloads.text_message(text="Vi o anúncio", phone=new_phone(), push_name="Ana Anúncio", referral=ad)
    )
    await lead_writes(tenant, "Oi, tudo bem?", phone=new_phone(), name="Bruno Direto")

    page = await browsers.page()
    await login(page, tenant.email)
    await page.get_by_test_id("leads-link").click()
    await expect(page.get_by_test_id("leads-page")).to_be_visible()
    rows = page.get_by_test_id("lead-row")
    await expect(rows).to_have_count(2)
    # first touch in the reader's language, not the raw slug
    ana, bruno = rows.filter(has_text="Ana Anúncio"), rows.filter(has_text="Bruno Direto")
    await expect(ana.locator("td").nth(2)).to_have_text("Anúncio Meta · black_friday")
    await expect(bruno.locator("td").nth(2)).to_have_text("WhatsApp")
    await expect(page.get_by_test_id("leads-table")).not_to_contain_text("meta_ads")

    # a filter narrows the list (first touch: the ad)
    await page.get_by_test_id("leads-source").select_option("meta_ads")
    await expect(rows).to_have_count(1)
    await expect(rows.first).to_contain_text("Ana Anúncio")

    # the CSV export downloads what the filter shows, with a BOM for Excel
    async with page.expect_download() as info:
        await page.get_by_test_id("leads-csv").click()
    download = await info.value
    saved = tmp_path / "leads.csv"
    await download.save_as(saved)
    body = saved.read_bytes()
    assert body.startswith("\ufeff".encode())
    lines = body.decode("utf-8-sig").splitlines()
    assert len(lines) == 2, lines
    assert "Ana Anúncio" in lines[1] and "black_friday" in lines[1] and "Bruno" not in body.decode("utf-8-sig")

    # a row opens the lead's conversation
    await rows.first.click()
    await expect(page).to_have_url(re.compile(r"/inbox\?c="))
    await expect(page.get_by_test_id("chat-lead-name")).to_contain_text("Ana Anúncio")
    await expect(page.get_by_test_id("message-list")).to_contain_text("Vi o anúncio")

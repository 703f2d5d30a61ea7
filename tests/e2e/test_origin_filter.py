"""The inbox list filtered by the current ticket's origin in Chromium (issue 11, ad-aware inbox):
the source select and the campaign field ask the server, and rows arriving in real time join a
filtered list only when the server says they match (it is refetched, never guessed locally)."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from tests.e2e.conftest import Browsers, Tenant, lead_writes, login, new_phone, post_webhook, row
from whatrack.simulator import payloads

pytestmark = pytest.mark.e2e

BF = payloads.Referral(campaign="black_friday", source_id="120200000000000888", title="Black Friday")
VERAO = payloads.Referral(campaign="verao", source_id="120200000000000889", title="Verão")


async def _ad_lead(tenant: Tenant, name: str, text: str, ad: payloads.Referral) -> None:
    await post_webhook(tenant, payloads.text_message(text=text, phone=new_phone(), push_name=name, referral=ad))


async def test_source_and_campaign_filters_with_live_rows(browsers: Browsers, tenant: Tenant) -> None:
    await _ad_lead(tenant, "Ana BF", "Vi o anúncio", BF)
    await _ad_lead(tenant, "Bia Verao", "Oi", VERAO)
    await lead_writes(tenant, "Olá", phone=new_phone(), name="Caio Direto")

    page = await browsers.page()
    await login(page, tenant.email)
    rows = page.get_by_test_id("conversation-row")
    await expect(rows).to_have_count(3)
    source = page.get_by_test_id("filter-source")
    await expect(source.locator("option[value=meta_ads]")).to_have_text("Anúncio Meta")

    await source.select_option("meta_ads")
    await expect(rows).to_have_count(2)
    await expect(row(page, "Caio Direto")).to_have_count(0)
    await page.get_by_test_id("filter-campaign").fill("black_friday")
    await expect(rows).to_have_count(1)
    await expect(row(page, "Ana BF")).to_be_visible()

    # live: a plain message does not join the filtered list; a lead of the campaign does
    await lead_writes(tenant, "Mais alguém", phone=new_phone(), name="Duda Direta")
    await _ad_lead(tenant, "Edu BF", "Quero!", BF)
    await expect(row(page, "Edu BF")).to_be_visible()
    await expect(rows).to_have_count(2)
    await expect(row(page, "Duda Direta")).to_have_count(0)

    # clearing the filters shows everyone again
    await page.get_by_test_id("filter-campaign").fill("")
    await source.select_option("")
    await expect(rows).to_have_count(5)

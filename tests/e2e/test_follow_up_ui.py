"""Follow-ups, snooze and priority in a real Chromium (issue 10): start a follow-up from the chat
header (sequence picker, planned dates), see its steps as pending bubbles, cancel one, stop it,
and read the SYSTEM notes; set a priority (badge in the list), snooze the conversation (out of
the list, in "Adiadas") and wake it."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from tests.e2e.conftest import Browsers, Shots, Tenant, lead_writes, login, new_phone, open_conversation, row

pytestmark = pytest.mark.e2e


async def test_follow_up_snooze_and_priority_from_the_chat(
    browsers: Browsers, tenant: Tenant, shots_prefix: str
) -> None:
    page = await browsers.page()
    shot = Shots(page, shots_prefix)
    name, phone = "Rita Campos", new_phone()
    await lead_writes(tenant, "Vou pensar e te aviso", phone=phone, name=name)
    await login(page, tenant.email)
    csrf = next(c["value"] for c in await page.context.cookies() if c["name"] == "whatrack_csrf")
    created = await page.request.post(
        "/api/v1/follow-up-sequences",
        data={
            "name": "Retomada",
            "steps": [
                {"delayMinutes": 1440, "content": "Oi {primeiro_nome}, conseguiu pensar?"},
                {"delayMinutes": 2880, "content": "Última mensagem, {primeiro_nome}!"},
            ],
        },
        headers={"X-CSRF-Token": csrf},
    )
    assert created.status == 201, await created.text()
    await open_conversation(page, name)
    notes = page.get_by_test_id("message-list").get_by_test_id("system-note")

    # start: the picker shows the sequence and each step's planned date
    await page.get_by_test_id("start-follow-up").click()
    await expect(page.get_by_test_id("follow-up-sequence")).to_contain_text("Retomada")
    plan = page.get_by_test_id("follow-up-plan").locator("li")
    await expect(plan).to_have_count(2)
    await expect(plan.nth(0)).to_contain_text("conseguiu pensar")
    await shot("follow-up-plan")
    await page.get_by_test_id("confirm-follow-up").click()

    # the steps wait as pending bubbles (variables are filled at send time); a SYSTEM note says it started
    bubbles = page.get_by_test_id("scheduled-bubble")
    await expect(bubbles).to_have_count(2)
    await expect(bubbles.nth(0)).to_contain_text("Oi {primeiro_nome}, conseguiu pensar?")
    await expect(bubbles.nth(0)).to_contain_text("etapa 1")
    await expect(notes.and_(page.locator('[data-kind="follow_up_started"]'))).to_have_count(1)
    await expect(notes.and_(page.locator('[data-kind="follow_up_started"]'))).to_contain_text("Retomada")
    await expect(page.get_by_test_id("stop-follow-up")).to_be_visible()
    await expect(row(page, name)).to_contain_text("Follow-up")  # the list row says so at once
    await shot("follow-up-started")

    # cancel the second step: one bubble left
    await bubbles.filter(has_text="Última mensagem").get_by_test_id("scheduled-cancel").click()
    await expect(bubbles).to_have_count(1)
    await expect(bubbles.nth(0)).to_contain_text("conseguiu pensar")

    # stop: no bubble left, the note says who stopped it, the ticket is open again
    await page.get_by_test_id("stop-follow-up").click()
    await expect(bubbles).to_have_count(0)
    await expect(notes.and_(page.locator('[data-kind="follow_up_cancelled"]'))).to_have_count(1)
    await expect(page.get_by_test_id("start-follow-up")).to_be_visible()
    await shot("follow-up-stopped")

    # priority: a badge in the list row and a SYSTEM note
    await page.get_by_test_id("priority-select").select_option("urgent")
    await expect(row(page, name).get_by_test_id("priority-badge")).to_have_text("Urgente")
    await expect(notes.and_(page.locator('[data-kind="priority"]'))).to_contain_text("Urgente")

    # snooze: out of the default list, listed under "Adiadas", a SYSTEM note; then woken
    await page.get_by_test_id("snooze-select").select_option("1d")
    await expect(notes.and_(page.locator('[data-kind="snoozed"]'))).to_have_count(1)
    await expect(row(page, name)).to_have_count(0)
    await page.get_by_test_id("filter-status").select_option("SNOOZED")
    await expect(row(page, name)).to_have_count(1)
    await shot("snoozed")
    await page.get_by_test_id("unsnooze-button").click()
    await expect(row(page, name)).to_have_count(0)
    await page.get_by_test_id("filter-status").select_option("")
    await expect(row(page, name)).to_have_count(1)
    await expect(page.get_by_test_id("snooze-select")).to_be_visible()

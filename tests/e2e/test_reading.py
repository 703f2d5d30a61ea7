"""Reading and finding in a real Chromium (issue 13): the unread divider and jump-to-latest with
its counter, "Ler mais", enlarged emoji-only messages, the chat's offline state with automatic
retry, accent-free search from the list, the "Aguardando" view's order, and an emoji picked in
the picker landing in the composer."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.async_api import Page, Route, expect

from tests.e2e.conftest import (
    Browsers,
    Shots,
    Tenant,
    bubble,
    lead_writes,
    login,
    new_phone,
    open_conversation,
    post_webhook,
    row,
)
from whatrack.simulator import payloads

pytestmark = pytest.mark.e2e


async def _message_at(
    tenant: Tenant, text: str, *, phone: str, name: str, minutes_ago: int = 0, seconds_ago: int = 0
) -> None:
    at = datetime.now(UTC) - timedelta(minutes=minutes_ago, seconds=seconds_ago)
    await post_webhook(tenant, payloads.text_message(text=text, phone=phone, push_name=name, timestamp=at))


async def test_unread_divider_jump_to_latest_read_more_and_emoji(
    browsers: Browsers, tenant: Tenant, shots_prefix: str
) -> None:
    page = await browsers.page()
    shot = Shots(page, shots_prefix)
    name, phone = "Renata Leitura", new_phone()
    other, other_phone = "Outro Lead", new_phone()
    for i in range(1, 21):
        await _message_at(tenant, f"mensagem antiga {i}", phone=phone, name=name, seconds_ago=300 - i)
    await lead_writes(tenant, "oi", phone=other_phone, name=other)
    await login(page, tenant.email)
    await open_conversation(page, name)
    # exact: a bubble's text runs into its time ("mensagem antiga 2" + "00:25" in the night hours)
    await expect(page.get_by_test_id("message-list").get_by_text("mensagem antiga 20", exact=True)).to_be_visible()
    # all 20 were unread: the divider is above the first one; opening marks them read
    await expect(page.get_by_test_id("unread-divider")).to_have_text("20 mensagens não lidas")
    await expect(row(page, name).get_by_test_id("unread-badge")).to_have_count(0)
    await open_conversation(page, other)

    long_text = "Segue o orçamento detalhado. " * 40 + "FIM DO ORÇAMENTO"
    # distinct seconds: messages of the same second have no defined order
    await _message_at(tenant, "primeira nova", phone=phone, name=name, seconds_ago=30)
    await _message_at(tenant, long_text, phone=phone, name=name, seconds_ago=20)
    await _message_at(tenant, "👍", phone=phone, name=name, seconds_ago=10)
    await expect(row(page, name).get_by_test_id("unread-badge")).to_have_text("3")

    await open_conversation(page, name)
    divider = page.get_by_test_id("unread-divider")
    await expect(divider).to_have_text("3 mensagens não lidas")
    # the divider sits right before the first unread message
    after = divider.locator("xpath=ancestor::div[contains(@class,'vrow')]/following-sibling::div[1]")
    await expect(after).to_contain_text("primeira nova")
    # opened: marked read in the list, the divider stays while the chat is open
    await expect(row(page, name).get_by_test_id("unread-badge")).to_have_count(0)

    # emoji alone: enlarged
    await expect(bubble(page, "👍").locator("[data-emoji-only]")).to_have_attribute("data-emoji-only", "1")
    # long message folded; "Ler mais" unfolds it
    long_bubble = bubble(page, "Segue o orçamento")
    await expect(long_bubble).not_to_contain_text("FIM DO ORÇAMENTO")
    await long_bubble.get_by_test_id("read-more").click()
    await expect(long_bubble).to_contain_text("FIM DO ORÇAMENTO")
    await expect(long_bubble.get_by_test_id("read-more")).to_have_text("Mostrar menos")
    await shot("unread-divider")

    # scrolled up: jump-to-latest appears and counts what arrives meanwhile
    jump = page.get_by_test_id("jump-latest")
    await expect(jump).to_have_count(0)
    await page.get_by_test_id("message-list").evaluate("el => { el.scrollTop = 0; }")
    await expect(jump).to_be_visible()
    await expect(jump.get_by_test_id("jump-latest-count")).to_have_count(0)
    await lead_writes(tenant, "chegou agora 1", phone=phone, name=name)
    await lead_writes(tenant, "chegou agora 2", phone=phone, name=name)
    await expect(jump.get_by_test_id("jump-latest-count")).to_have_text("2")
    await expect(jump).to_have_attribute("aria-label", "Ir para a mensagem mais recente (2 novas)")
    await shot("jump-to-latest")
    await jump.click()
    await expect(bubble(page, "chegou agora 2")).to_be_in_viewport()
    await expect(jump).to_have_count(0)


async def test_chat_says_it_cannot_load_and_retries(browsers: Browsers, tenant: Tenant, shots_prefix: str) -> None:
    page = await browsers.page()
    shot = Shots(page, shots_prefix)
    name, phone = "Lead Sem Rede", new_phone()
    await lead_writes(tenant, "mensagem que precisa carregar", phone=phone, name=name)
    await login(page, tenant.email)

    async def refuse(route: Route) -> None:
        await route.abort("connectionrefused")

    messages = re.compile(r"/api/v1/conversations/[^/]+/messages")
    await page.route(messages, refuse)
    await open_conversation(page, name)
    offline = page.get_by_test_id("messages-offline")
    await expect(offline).to_have_text("Não foi possível carregar — tentando novamente")
    await expect(page.get_by_text("Nenhuma mensagem ainda.")).to_have_count(0)
    await shot("offline")
    await page.unroute(messages, refuse)
    # the next automatic retry (no click, no reload) loads the chat
    await expect(bubble(page, "mensagem que precisa carregar")).to_be_visible(timeout=15_000)
    await expect(offline).to_have_count(0)


async def test_search_waiting_view_and_emoji_picker(browsers: Browsers, tenant: Tenant, shots_prefix: str) -> None:
    page: Page = await browsers.page()
    shot = Shots(page, shots_prefix)
    old, recent = "Joana Espera", "Caio Recente"
    await _message_at(tenant, "Vocês têm catálogo de verão?", phone=new_phone(), name=old, minutes_ago=45)
    await _message_at(tenant, "Oi, bom dia", phone=new_phone(), name=recent, minutes_ago=2)
    await login(page, tenant.email)
    rows = page.get_by_test_id("conversation-row")
    await expect(rows).to_have_count(2)
    # the default list: most recent first
    await expect(rows.first).to_contain_text(recent)

    # "Aguardando": who waited longest first, the timer red past 30 minutes
    await page.get_by_test_id("filter-waiting").click()
    await expect(page.get_by_test_id("filter-waiting")).to_have_attribute("aria-selected", "true")
    await expect(rows.first).to_contain_text(old)
    await expect(rows.nth(1)).to_contain_text(recent)
    await expect(row(page, old).get_by_test_id("waiting-timer")).to_have_attribute("data-level", "alert")
    await expect(row(page, recent).get_by_test_id("waiting-timer")).to_have_attribute("data-level", "ok")
    await shot("waiting")
    await page.get_by_test_id("filter-all").click()

    # accent- and case-free search finds the message's conversation
    await page.get_by_test_id("search-input").fill("CATALOGO")
    await expect(rows).to_have_count(1)
    await expect(rows.first).to_contain_text(old)
    await shot("search-accent-free")
    await page.get_by_test_id("search-input").fill("joana espera")
    await expect(rows).to_have_count(1)
    await page.get_by_test_id("search-input").fill("")
    await expect(rows).to_have_count(2)

    # an emoji clicked in the picker goes into the composer at the caret
    await open_conversation(page, old)
    composer = page.get_by_test_id("composer-input")
    await composer.fill("Temos sim ")
    await page.get_by_test_id("emoji-button").click()
    panel = page.get_by_test_id("emoji-panel")
    await expect(panel).to_be_visible()
    smile = panel.locator("button").filter(has_text=re.compile("^😀$")).first
    await smile.click()
    await expect(composer).to_have_value("Temos sim 😀")
    await shot("emoji-picked")


_SWIPE = """(el, [dx, dy]) => {
  const r = el.getBoundingClientRect();
  const x = r.left + 20, y = r.top + r.height / 2;
  const at = (type, cx, cy) => el.dispatchEvent(new PointerEvent(type, {
    bubbles: true, cancelable: true, pointerId: 41, pointerType: "touch", isPrimary: true, clientX: cx, clientY: cy,
  }));
  at("pointerdown", x, y);
  for (let i = 1; i <= 8; i++) at("pointermove", x + (dx * i) / 8, y + (dy * i) / 8);
  at("pointerup", x + dx, y + dy);
}"""


async def test_reply_button_beside_the_text_swipe_to_reply_and_quote_names(
    browsers: Browsers, tenant: Tenant, shots_prefix: str
) -> None:
    page = await browsers.page()
    shot = Shots(page, shots_prefix)
    name, phone = "Paula Citada", new_phone()
    await lead_writes(tenant, "Quanto custa o plano anual com desconto à vista?", phone=phone, name=name)
    await login(page, tenant.email)
    await open_conversation(page, name)
    lead_bubble = bubble(page, "Quanto custa o plano anual")
    await lead_bubble.hover()
    button = lead_bubble.get_by_role("button", name="Responder")
    await expect(button).to_be_visible()
    text_box = await lead_bubble.locator(".bubble-text").bounding_box()
    button_box = await button.bounding_box()
    assert text_box and button_box
    # beside the bubble, on the side with room: never over the text
    assert button_box["x"] >= text_box["x"] + text_box["width"], (button_box, text_box)
    await shot("reply-button")

    # a vertical touch drag (a scroll) does not reply; a drag right past the threshold does
    reply_bar = page.get_by_text(f"Respondendo a {name}")
    await lead_bubble.evaluate(_SWIPE, [6, 120])
    await expect(reply_bar).to_have_count(0)
    await lead_bubble.evaluate(_SWIPE, [90, 6])
    await expect(reply_bar).to_be_visible()
    await page.get_by_test_id("composer-input").fill("O anual sai por R$ 990")
    await page.get_by_test_id("composer-input").press("Enter")
    sent = bubble(page, "O anual sai por R$ 990")
    # the quote names the lead, not "Lead"
    await expect(sent.get_by_test_id("quoted-reply").locator(".quote-author")).to_have_text(name)
    await shot("swipe-reply-quote")

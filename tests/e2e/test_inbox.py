"""The inbox in a real Chromium: live messages, sending with ticks, failures, tickets."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Page, expect

from tests.e2e.conftest import (
    READ_DELAY,
    AppServer,
    Browsers,
    Shots,
    Tenant,
    WsSpy,
    assert_not_reloaded,
    bubble,
    lead_writes,
    login,
    mark_page,
    new_phone,
    open_conversation,
    post_webhook,
    row,
)
from whatrack.simulator import SimulatorServer, payloads

pytestmark = pytest.mark.e2e

# Records every data-status a bubble containing `text` shows (consecutive duplicates folded),
# from a MutationObserver, so short-lived states (✓ between clock and ✓✓) are not missed.
STATUS_RECORDER = """
(text) => {
  const log = (window.__statusLog = []);
  const scan = () => {
    for (const el of document.querySelectorAll('[data-testid="message-list"] [data-testid="message-bubble"]')) {
      if (!el.textContent.includes(text)) continue;
      const s = el.getAttribute("data-status");
      if (log[log.length - 1] !== s) log.push(s);
    }
  };
  new MutationObserver(scan).observe(document.body, {
    subtree: true, childList: true, characterData: true, attributes: true, attributeFilter: ["data-status"],
  });
}
"""

TICK_COLORS = """
(svg) => {
  const probe = (value) => {
    const el = document.createElement("span");
    el.style.color = value;
    document.body.appendChild(el);
    const c = getComputedStyle(el).color;
    el.remove();
    return c;
  };
  return { actual: getComputedStyle(svg).color, read: probe("var(--tick-read)"), plain: probe("var(--tick)") };
}
"""


async def logged_in(browsers: Browsers, tenant: Tenant) -> tuple[Page, WsSpy]:
    page = await browsers.page()
    spy = WsSpy.attach(page)
    await login(page, tenant.email)
    await spy.wait_subscribed(f"chat:org:{tenant.organization_id}")
    return page, spy


async def conversation_id(page: Page, name: str) -> str:
    cid: str | None = await row(page, name).get_attribute("data-conversation-id")
    assert cid
    return cid


async def test_live_message_reaches_list_and_open_chat(browsers: Browsers, tenant: Tenant, shots_prefix: str) -> None:
    """Login form -> a webhook shows up in the list and in the open chat, without reload."""
    page = await browsers.page()
    spy = WsSpy.attach(page)
    shot = Shots(page, shots_prefix)
    await page.goto("/inbox")
    await expect(page.get_by_test_id("login-form")).to_be_visible()  # unauthenticated -> login
    await page.get_by_test_id("login-email").fill(tenant.email)
    await page.get_by_test_id("login-password").fill("wrong password")
    await page.get_by_test_id("login-submit").click()
    await expect(page.get_by_test_id("login-error")).to_be_visible()
    await shot("login-error")
    await login(page, tenant.email)
    await spy.wait_subscribed(f"chat:org:{tenant.organization_id}")
    await expect(page.get_by_test_id("conversation-row")).to_have_count(0)
    await mark_page(page)
    await shot("empty-inbox")

    name, phone = "Lead Ao Vivo", new_phone()
    await lead_writes(tenant, "Oi! Vi o anúncio, quanto custa?", phone=phone, name=name)
    await expect(row(page, name)).to_be_visible()
    await expect(row(page, name)).to_contain_text("quanto custa")
    await expect(row(page, name).get_by_test_id("unread-badge")).to_have_text("1")
    await shot("row-arrived")

    await open_conversation(page, name)
    await expect(bubble(page, "quanto custa")).to_be_visible()
    await spy.wait_subscribed(f"chat:conversation:{await conversation_id(page, name)}")
    await lead_writes(tenant, "Vocês entregam em Campinas?", phone=phone, name=name)
    await expect(bubble(page, "entregam em Campinas")).to_be_visible()
    await expect(bubble(page, "entregam em Campinas")).to_have_attribute("data-sender", "LEAD")
    await expect(row(page, name)).to_contain_text("entregam em Campinas")
    # read as it arrives in the open chat (visible tab)
    await expect(row(page, name).get_by_test_id("unread-badge")).to_have_count(0)
    await shot("chat-live")
    await assert_not_reloaded(page)
    assert spy.publications(f"chat:org:{tenant.organization_id}"), "no publication reached the browser"


async def test_embedded_hub_connects_and_delivers(browsers: Browsers, tenant: Tenant, shots_prefix: str) -> None:
    """centrifuge-js from the app's bundle talks to the embedded hub at /connection/websocket."""
    page, spy = await logged_in(browsers, tenant)
    shot = Shots(page, shots_prefix)
    status = page.locator('[data-testid="connection-status"]')
    await expect(status.first).to_have_attribute("data-state", "connected")
    for state in await status.evaluate_all("els => els.map(e => e.dataset.state)"):
        assert state == "connected"
    assert any(
        u.endswith("/connection/websocket") and u.startswith(browsers.base_url.replace("http", "ws")) for u in spy.urls
    )
    assert spy.connected()

    await lead_writes(tenant, "Publicação pelo hub embutido", phone=new_phone(), name="Lead Hub")
    await expect(row(page, "Lead Hub")).to_be_visible()
    pubs = spy.publications(f"chat:org:{tenant.organization_id}")
    kinds = {p["pub"]["data"]["type"] for p in pubs}
    assert "conversation_updated" in kinds, kinds
    await shot("hub-publication")


async def test_send_shows_clock_then_ticks_then_blue(
    browsers: Browsers, tenant: Tenant, simulator: SimulatorServer, shots_prefix: str
) -> None:
    page, spy = await logged_in(browsers, tenant)
    shot = Shots(page, shots_prefix)
    name = "Lead Ticks"
    await lead_writes(tenant, "Bom dia, tem disponível?", phone=new_phone(), name=name)
    await open_conversation(page, name)
    await spy.wait_subscribed(f"chat:conversation:{await conversation_id(page, name)}")

    text = "Temos sim! Posso te mandar o catálogo?"
    await page.evaluate(STATUS_RECORDER, text)
    tenant.sim_user.failures.slow_seconds = 1.0  # WuzAPI answers slowly: the clock stays visible
    simulator.state.read_delay = 1.5  # ✓✓ stays on screen a while before it turns blue, even on a busy machine
    try:
        await page.get_by_test_id("composer-input").fill(text)
        await page.get_by_test_id("composer-input").press("Enter")
        mine = bubble(page, text)
        await expect(mine).to_have_attribute("data-status", "PENDING", timeout=900)
        await expect(mine).to_have_attribute("data-sender", "USER")
        await expect(mine.locator(".ticks-pending")).to_be_visible()
        assert await mine.get_attribute("data-client-id"), "optimistic bubble carries its clientId"
        await expect(page.get_by_test_id("composer-input")).to_have_value("")
        await shot("pending-clock")
        await expect(mine).not_to_have_attribute("data-status", "PENDING")
    finally:
        tenant.sim_user.failures.slow_seconds = 0.0
    try:
        await expect(mine).to_have_attribute("data-status", "DELIVERED")
        await expect(mine.locator("svg.ticks-delivered")).to_be_visible()
        await shot("delivered")
        await expect(mine).to_have_attribute("data-status", "READ")
    finally:
        simulator.state.read_delay = READ_DELAY
    ticks = mine.locator("svg.ticks")
    await expect(ticks).to_have_attribute("data-status", "READ")
    colors = await ticks.evaluate(TICK_COLORS)
    assert colors["actual"] == colors["read"] != colors["plain"], colors
    r, _g, b = (int(x) for x in re.findall(r"\d+", colors["actual"])[:3])
    assert b > r and b > 150, f"read ticks should be blue, got {colors['actual']}"
    await shot("read-blue")

    history = await page.evaluate("window.__statusLog")
    assert history == ["PENDING", "SENT", "DELIVERED", "READ"], history
    message_id = await mine.get_attribute("data-message-id")
    assert message_id and not message_id.startswith("local:"), message_id
    # the simulator really got it, addressed to the lead
    assert any(m.text == text for m in simulator.state.sent_messages)
    await expect(row(page, name)).to_contain_text(text)


async def test_failed_send_can_be_retried(browsers: Browsers, tenant: Tenant, shots_prefix: str) -> None:
    page, spy = await logged_in(browsers, tenant)
    shot = Shots(page, shots_prefix)
    name = "Lead Falha"
    await lead_writes(tenant, "Oi, alguém aí?", phone=new_phone(), name=name)
    await open_conversation(page, name)
    await spy.wait_subscribed(f"chat:conversation:{await conversation_id(page, name)}")

    text = "Olá! Já te respondo."
    tenant.sim_user.failures.no_session = True
    try:
        await page.get_by_test_id("composer-input").fill(text)
        await page.get_by_test_id("composer-input").press("Enter")
        mine = bubble(page, text)
        await expect(mine).to_have_attribute("data-status", "FAILED")
        retry = page.get_by_test_id("retry-button")
        await expect(retry).to_be_visible()
        await expect(mine.locator(".ticks-failed")).to_be_visible()
        await shot("failed")
    finally:
        tenant.sim_user.failures.no_session = False
    await retry.click()
    await expect(mine).to_have_attribute("data-status", re.compile(r"^(SENT|DELIVERED|READ)$"))
    await expect(retry).to_have_count(0)
    await expect(mine).to_have_attribute("data-status", "READ")
    await expect(bubble(page, text)).to_have_count(1)  # retried in place, not duplicated
    await shot("retried")


async def test_close_ticket_then_lead_opens_a_new_one(
    browsers: Browsers, tenant: Tenant, app_server: AppServer, shots_prefix: str
) -> None:
    page, spy = await logged_in(browsers, tenant)
    shot = Shots(page, shots_prefix)
    name, phone = "Lead Tickets", new_phone()
    await lead_writes(tenant, "Quero comprar o plano anual", phone=phone, name=name)
    await open_conversation(page, name)
    await spy.wait_subscribed(f"chat:conversation:{await conversation_id(page, name)}")
    header = page.get_by_test_id("chat-header")
    await expect(header.get_by_test_id("ticket-status")).to_have_attribute("data-status", "OPEN")
    await expect(page.get_by_test_id("ticket-separator")).to_have_count(1)

    await page.get_by_test_id("close-ticket-button").click()
    dialog = page.get_by_test_id("close-ticket-dialog")
    await expect(dialog).to_be_visible()
    await dialog.get_by_test_id("outcome-lost_price").check()
    await dialog.get_by_test_id("close-reason").fill("Achou caro")
    await shot("close-dialog")
    await dialog.get_by_test_id("confirm-close-ticket").click()
    await expect(dialog).to_be_hidden()
    await expect(header.get_by_test_id("ticket-status")).to_have_attribute("data-status", "RESOLVED")
    await expect(page.get_by_test_id("reopen-ticket-button")).to_be_visible()
    await shot("resolved")

    await lead_writes(tenant, "Oi de novo, mudei de ideia", phone=phone, name=name)
    await expect(bubble(page, "mudei de ideia")).to_be_visible()
    separators = page.get_by_test_id("ticket-separator")
    await expect(separators).to_have_count(2)
    first, second = await separators.evaluate_all("els => els.map(e => e.dataset.ticketId)")
    assert first != second
    await expect(header.get_by_test_id("ticket-status")).to_have_attribute("data-status", "OPEN")
    # the list row shows a status chip only when the ticket is not simply open
    await expect(row(page, name).get_by_test_id("ticket-status")).to_have_count(0)
    await shot("second-ticket")

    async def stored() -> list[tuple[str, str | None]]:
        from sqlalchemy import select

        from whatrack.db import transaction
        from whatrack.models import Ticket

        async with transaction(app_server.session_factory) as db:
            rows = await db.execute(
                select(Ticket.status, Ticket.outcome)
                .where(Ticket.organization_id == tenant.organization_id)
                .order_by(Ticket.number)
            )
            return [(s.value, o.value if o else None) for s, o in rows.all()]

    assert await app_server.call(stored()) == [("RESOLVED", "lost_price"), ("OPEN", None)]


async def test_list_row_ticks_follow_receipts(browsers: Browsers, tenant: Tenant) -> None:
    """The row's last-message ticks move with the receipts too (conversation_updated on the org channel)."""
    page, spy = await logged_in(browsers, tenant)
    name = "Lead Lista"
    await lead_writes(tenant, "Oi, quero um orçamento", phone=new_phone(), name=name)
    await open_conversation(page, name)
    await spy.wait_subscribed(f"chat:conversation:{await conversation_id(page, name)}")
    text = "Claro! Te mando já."
    await page.get_by_test_id("composer-input").fill(text)
    await page.get_by_test_id("composer-input").press("Enter")
    await expect(bubble(page, text)).to_have_attribute("data-status", "READ")
    await expect(row(page, name).locator("svg.ticks")).to_have_attribute("data-status", "READ", timeout=3000)
    await expect(row(page, name).locator("svg.ticks-read")).to_be_visible()


async def test_edit_reaction_and_revoke_show_live(browsers: Browsers, tenant: Tenant, shots_prefix: str) -> None:
    """message_updated reaches the open chat: an edit, a 👍 and a delete-for-everyone, no reload."""
    page, spy = await logged_in(browsers, tenant)
    shot = Shots(page, shots_prefix)
    name, phone = "Lead Edita", new_phone()
    original = payloads.text_message(text="Quanto custa?", phone=phone, push_name=name)
    await post_webhook(tenant, original)
    await open_conversation(page, name)
    await expect(bubble(page, "Quanto custa?")).to_be_visible()
    await spy.wait_subscribed(f"chat:conversation:{await conversation_id(page, name)}")
    await mark_page(page)

    target = original["event"]["Info"]["ID"]
    edit = payloads.edit_message(target_id=target, new_text="Quanto custa o plano anual?", phone=phone)
    await post_webhook(tenant, edit)
    await expect(bubble(page, "plano anual")).to_be_visible()
    await post_webhook(tenant, payloads.reaction_message(target_id=target, emoji="👍", phone=phone))
    await expect(bubble(page, "plano anual").get_by_test_id("reactions")).to_contain_text("👍")
    await shot("edited-and-reacted")
    await post_webhook(tenant, payloads.revoke_message(target_id=target, phone=phone))
    await expect(page.get_by_test_id("message-deleted")).to_be_visible()
    await shot("revoked")
    await assert_not_reloaded(page)

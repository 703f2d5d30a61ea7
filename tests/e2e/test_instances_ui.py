"""Settings > WhatsApp numbers in a real Chromium, against a second, separate WuzAPI simulator.

Add a number (existing WuzAPI user, or "Criar no WuzAPI" with the admin token), see its
messages reach the inbox, its status follow the simulator live (banner + chip), and pair a
new one with the QR code / a linking code.
"""

from __future__ import annotations

import asyncio
import re
import secrets
from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Page, expect

from tests.e2e.conftest import (
    DELIVERED_DELAY,
    PASSWORD,
    READ_DELAY,
    AppServer,
    Browsers,
    Shots,
    Tenant,
    WsSpy,
    lead_writes,
    login,
    new_phone,
    row,
)
from whatrack.auth import service as auth
from whatrack.db import transaction
from whatrack.models import Organization, Role
from whatrack.simulator import SimulatorServer, SimulatorState, SimUser, payloads

pytestmark = pytest.mark.e2e

ADMIN_TOKEN = "e2e-wuzapi-admin-" + secrets.token_hex(8)


@pytest.fixture
async def wuzapi() -> AsyncIterator[SimulatorServer]:
    """A second WuzAPI (own port, own users, admin API enabled), not the shared one."""
    state = SimulatorState(admin_token=ADMIN_TOKEN, delivered_delay=DELIVERED_DELAY, read_delay=READ_DELAY)
    server = SimulatorServer(state)
    await asyncio.to_thread(server.start)
    try:
        yield server
    finally:
        await asyncio.to_thread(server.stop)


async def open_settings(page: Page, browsers: Browsers, tenant: Tenant) -> WsSpy:
    spy = WsSpy.attach(page)
    await login(page, tenant.email)
    await spy.wait_subscribed(f"chat:org:{tenant.organization_id}")
    await page.get_by_test_id("settings-link").click()
    await expect(page.get_by_test_id("instance-list")).to_be_visible()
    return spy


async def add_through_form(page: Page, name: str, url: str, token: str = "", admin_token: str | None = None) -> str:
    """Fill "Adicionar número" and return the new row's instance id."""
    await page.get_by_test_id("add-instance-button").click()
    form = page.get_by_test_id("add-instance-form")
    await expect(form).to_be_visible()
    if admin_token is not None:
        await form.get_by_text("Criar no WuzAPI").click()
        await form.get_by_text("Avançado").click()  # the admin token and HMAC key are under "Avançado"
        await form.get_by_test_id("instance-admin-token-input").fill(admin_token)
    await form.get_by_test_id("instance-name-input").fill(name)
    await form.get_by_test_id("instance-url-input").fill(url)
    if token:
        await form.get_by_test_id("instance-token-input").fill(token)
    await form.get_by_test_id("add-instance-submit").click()
    await expect(form).to_have_count(0)
    added = page.get_by_test_id("instance-row").filter(has_text=name)
    await expect(added).to_be_visible()
    instance_id = await added.get_attribute("data-instance-id")
    assert instance_id
    return instance_id


async def emit(server: SimulatorServer, user: SimUser, payload: dict[str, object]) -> None:
    """SimulatorServer.emit blocks until posted: off the event loop Playwright runs on."""
    await asyncio.to_thread(server.emit, user, payload)


async def test_add_existing_user_messages_and_live_status(
    browsers: Browsers, tenant: Tenant, wuzapi: SimulatorServer, shots_prefix: str
) -> None:
    page = await browsers.page()
    shot = Shots(page, shots_prefix)
    await open_settings(page, browsers, tenant)
    token = secrets.token_hex(16)
    user = wuzapi.add_user(token=token, webhook="", name="Suporte")

    # A wrong token: the text of its code (wuzapi_token_invalid) is shown and nothing is added.
    await page.get_by_test_id("add-instance-button").click()
    form = page.get_by_test_id("add-instance-form")
    await form.get_by_test_id("instance-name-input").fill("Suporte")
    await form.get_by_test_id("instance-url-input").fill(wuzapi.base_url)
    await form.get_by_test_id("instance-token-input").fill("not-a-token")
    await form.get_by_test_id("add-instance-submit").click()
    await expect(form.get_by_test_id("add-instance-error")).to_contain_text("O WuzAPI recusou o token")
    await shot("wrong-token")
    await form.get_by_role("button", name="Cancelar").click()

    instance_id = await add_through_form(page, "Suporte", wuzapi.base_url, token)
    added = page.locator(f'[data-testid="instance-row"][data-instance-id="{instance_id}"]')
    await expect(added).to_have_attribute("data-status", "connected")
    await expect(added.get_by_test_id("instance-status")).to_have_text("Conectada")
    hook = (await added.get_by_test_id("instance-webhook").text_content() or "").strip()
    assert f"/api/v1/whatsapp/w/webhook/{instance_id}?secret=" in hook
    posts = [r for r in wuzapi.state.requests_to("/webhook") if r.method == "POST"]
    assert posts and posts[-1].json["webhookurl"] == hook, posts
    assert user.webhook == hook
    await expect(page.get_by_test_id("instance-row")).to_have_count(2)  # the tenant's own number too
    await shot("added")

    # A lead writes to the new number: its conversation shows up in the inbox, live.
    await page.get_by_role("link", name="Voltar").click()
    await expect(page.get_by_test_id("conversation-list")).to_be_visible()
    await expect(page.get_by_test_id("instance-switcher")).to_contain_text("Suporte")
    await expect(page.get_by_test_id("disconnected-banner")).to_have_count(0)
    await page.evaluate("window.__e2eNoReload = true")
    name = "Lead Segundo Número"
    await emit(wuzapi, user, payloads.text_message(text="Oi, é do suporte?", phone=new_phone(), push_name=name))
    await expect(row(page, name)).to_be_visible()
    await expect(row(page, name)).to_contain_text("é do suporte")
    await page.get_by_test_id("instance-switcher").select_option(instance_id)
    await expect(row(page, name)).to_be_visible()
    await shot("message-in-inbox")

    # The phone drops: Disconnected from WuzAPI -> banner, without a reload.
    user.connected = False  # what /session/status would say too
    await emit(wuzapi, user, payloads.disconnected())
    banner = page.get_by_test_id("disconnected-banner")
    await expect(banner).to_be_visible()
    await expect(banner).to_contain_text("WhatsApp desconectado — as mensagens não serão enviadas")
    await expect(banner).to_have_attribute("data-instance-ids", instance_id)
    assert await page.evaluate("window.__e2eNoReload === true")
    await shot("banner-disconnected")

    await banner.get_by_test_id("disconnected-banner-link").click()
    await expect(added).to_have_attribute("data-status", "disconnected")
    await expect(added.get_by_test_id("instance-status")).to_have_text("Desconectada")
    await shot("chip-disconnected")

    # ... and back: the chip follows on the settings page, live.
    user.connected = True
    await emit(wuzapi, user, payloads.connected())
    await expect(added).to_have_attribute("data-status", "connected")
    await page.get_by_role("link", name="Voltar").click()
    await expect(page.get_by_test_id("conversation-list")).to_be_visible()
    await expect(page.get_by_test_id("disconnected-banner")).to_have_count(0)
    assert await page.evaluate("window.__e2eNoReload === true")


async def test_create_user_then_pair_with_qr(
    browsers: Browsers, tenant: Tenant, wuzapi: SimulatorServer, shots_prefix: str
) -> None:
    page = await browsers.page()
    shot = Shots(page, shots_prefix)
    await open_settings(page, browsers, tenant)

    instance_id = await add_through_form(page, "Marketing", wuzapi.base_url, admin_token=ADMIN_TOKEN)
    created = [u for u in wuzapi.state.users.values() if u.name == "Marketing"]
    assert len(created) == 1, wuzapi.state.users
    user = created[0]
    assert f"/api/v1/whatsapp/w/webhook/{instance_id}?secret=" in user.webhook, user.webhook
    added = page.locator(f'[data-testid="instance-row"][data-instance-id="{instance_id}"]')
    await expect(added).to_have_attribute("data-status", "logged_out")  # a new user was never paired
    await expect(added).to_contain_text("Nenhum telefone pareado")

    # Connect: the QR code, refreshed by polling; pairing flips everything to connected.
    await added.get_by_test_id("instance-connect").click()
    dialog = page.get_by_test_id("connect-dialog")
    qr = dialog.get_by_test_id("instance-qr")
    await expect(qr).to_be_visible()
    assert (await qr.get_attribute("src") or "").startswith("data:image/png;base64,")
    await expect(added).to_have_attribute("data-status", "qr")
    await shot("qr")
    # the dialog re-reads the rotating QR every ~3 s
    polls_before = len(wuzapi.state.requests_to("/session/qr"))
    async with asyncio.timeout(8):
        while len(wuzapi.state.requests_to("/session/qr")) <= polls_before:  # noqa: ASYNC110 - simulator log
            await asyncio.sleep(0.1)

    await dialog.get_by_test_id("pair-mode-toggle").click()
    await dialog.get_by_test_id("pair-phone-input").fill("+55 11 98888-7777")
    await dialog.get_by_test_id("pair-phone-submit").click()
    await expect(dialog.get_by_test_id("linking-code")).to_have_text(re.compile(r"^[A-Z0-9]{4}-[A-Z0-9]{4}$"))
    await shot("linking-code")

    await asyncio.to_thread(wuzapi.run, wuzapi.emitter.pair(user))  # type: ignore[union-attr]
    await expect(dialog.get_by_test_id("instance-connected-message")).to_be_visible()
    await expect(added).to_have_attribute("data-status", "connected")
    await expect(added.get_by_test_id("instance-phone")).to_have_text("+55 11 99999-0000")
    await shot("paired")
    await dialog.get_by_test_id("connect-close").click()

    # Desvincular, then pair again: Conectar is offered, a fresh QR, the phone scans it.
    await added.get_by_test_id("instance-logout").click()
    await page.get_by_test_id("confirm-logout").get_by_test_id("confirm-button").click()
    await expect(added).to_have_attribute("data-status", "logged_out")
    assert not user.logged_in
    await added.get_by_test_id("instance-connect").click()
    await expect(dialog.get_by_test_id("instance-qr")).to_be_visible()
    await asyncio.to_thread(wuzapi.run, wuzapi.emitter.pair(user))  # type: ignore[union-attr]
    await expect(dialog.get_by_test_id("instance-connected-message")).to_be_visible()
    await expect(added).to_have_attribute("data-status", "connected")
    await dialog.get_by_test_id("connect-close").click()

    # Rename, then delete (allowed: no conversations yet).
    await added.get_by_test_id("instance-rename").click()
    await added.get_by_test_id("instance-rename-input").fill("Marketing SP")
    await added.get_by_test_id("instance-rename-save").click()
    await expect(added.get_by_test_id("instance-name")).to_have_text("Marketing SP")
    await added.get_by_test_id("instance-delete").click()
    await page.get_by_test_id("confirm-delete").get_by_test_id("confirm-button").click()
    await expect(added).to_have_count(0)
    assert [r for r in wuzapi.state.requests_to("/webhook") if r.method == "DELETE"]


async def test_delete_refused_while_it_has_conversations_and_agents_read_only(
    browsers: Browsers, app_server: AppServer, tenant: Tenant, shots_prefix: str
) -> None:
    await lead_writes(tenant, "Olá!", phone=new_phone(), name="Lead Histórico")
    page = await browsers.page()
    shot = Shots(page, shots_prefix)
    await open_settings(page, browsers, tenant)
    own = page.locator(f'[data-testid="instance-row"][data-instance-id="{tenant.instance_id}"]')
    await own.get_by_test_id("instance-delete").click()
    confirm = page.get_by_test_id("confirm-delete")
    await confirm.get_by_test_id("confirm-button").click()
    await expect(confirm.get_by_test_id("confirm-error")).to_contain_text("tem conversas e não pode ser excluído")
    await shot("delete-refused")
    await confirm.get_by_role("button", name="Cancelar").click()
    await expect(own).to_be_visible()

    # An agent of the same organization sees the numbers, without the admin controls.
    email = f"agent-{secrets.token_hex(3)}@example.com"

    async def make_agent() -> None:
        async with transaction(app_server.session_factory) as db:
            org = await db.get(Organization, tenant.organization_id)
            assert org is not None
            await auth.create_user(db, org, email=email, name="Agente", password=PASSWORD, role=Role.AGENT)

    await app_server.call(make_agent())
    agent = await browsers.page()
    await login(agent, email)
    await agent.get_by_test_id("settings-link").click()
    await expect(agent.get_by_test_id("instance-row")).to_have_count(1)
    await expect(agent.get_by_test_id("add-instance-button")).to_have_count(0)
    await expect(agent.get_by_test_id("instance-connect")).to_have_count(0)
    await expect(agent.get_by_test_id("instance-delete")).to_have_count(0)
    await expect(agent.get_by_test_id("instance-webhook")).to_have_count(0)  # admins only
    await expect(agent.get_by_test_id("instance-status")).to_have_attribute("data-status", "connected")

"""Demo mode, as `make run` starts it: a simulated lead writes, the agent answers, ticks turn blue."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, expect

from tests.e2e.conftest import PASSWORD, AppServer, Browsers, Shots, WsSpy, login
from whatrack.auth import service as auth
from whatrack.db import create_engine, create_session_factory, transaction
from whatrack.demo import DEMO_NAME
from whatrack.models import Role

pytestmark = pytest.mark.e2e

EMAIL = "admin@demo.example.com"


@pytest.fixture
async def demo_app(frontend_dist: Path, tmp_path: Path) -> AsyncIterator[AppServer]:
    server = AppServer(tmp_path, demo=True)
    # Demo mode wires its simulated instance to the first organization, so make one first
    # (what `whatrack serve` does on first start with ADMIN_PASSWORD).
    server.migrate()
    engine = create_engine(server.database_url)
    try:
        async with transaction(create_session_factory(engine)) as db:
            org = await auth.create_organization(db, "Loja Demo")
            await auth.create_user(db, org, email=EMAIL, name="Demo Admin", password=PASSWORD, role=Role.ADMIN)
    finally:
        await engine.dispose()
    await asyncio.to_thread(server.start)
    try:
        yield server
    finally:
        await asyncio.to_thread(server.stop)


async def test_demo_lead_agent_reply_blue_ticks(browser: Browser, demo_app: AppServer, shots_prefix: str) -> None:
    browsers = Browsers(browser, demo_app.url)
    try:
        page = await browsers.page()
        spy = WsSpy.attach(page)
        shot = Shots(page, shots_prefix)
        await login(page, EMAIL)
        await expect(page.get_by_test_id("instance-switcher")).to_contain_text(DEMO_NAME)

        first = page.get_by_test_id("conversation-row").first
        await expect(first).to_be_visible(timeout=20_000)  # the first simulated lead (~3 s)
        await shot("lead-arrived")
        await first.click()
        lead_msg = page.get_by_test_id("message-bubble").and_(page.locator('[data-sender="LEAD"]')).first
        await expect(lead_msg).to_be_visible()
        cid = await first.get_attribute("data-conversation-id")
        await spy.wait_subscribed(f"chat:conversation:{cid}")

        text = "Olá! Obrigado pelo contato, como posso ajudar?"
        await page.get_by_test_id("composer-input").fill(text)
        await page.get_by_test_id("composer-input").press("Enter")
        mine = page.get_by_test_id("message-bubble").filter(has_text=text)
        await expect(mine).to_be_visible()
        await expect(mine).to_have_attribute("data-sender", "USER")
        await shot("agent-replied")
        await expect(mine).to_have_attribute("data-status", "READ", timeout=20_000)
        await expect(mine.locator("svg.ticks-read")).to_be_visible()
        await shot("read-blue")
    finally:
        for context in browsers.contexts:
            await context.close()


async def test_demo_number_pairs_again_after_unlinking(
    browser: Browser, demo_app: AppServer, shots_prefix: str
) -> None:
    """Desvincular, then Conectar: the QR code, which the simulated phone scans by itself."""
    browsers = Browsers(browser, demo_app.url)
    try:
        page = await browsers.page()
        shot = Shots(page, shots_prefix)
        await login(page, EMAIL)
        await page.get_by_test_id("settings-link").click()
        demo = page.get_by_test_id("instance-row").filter(has=page.get_by_test_id("instance-demo"))
        await expect(demo).to_have_attribute("data-status", "connected")

        await demo.get_by_test_id("instance-logout").click()
        confirm = page.get_by_test_id("confirm-logout")
        await expect(confirm).to_contain_text("Desvincular")
        await confirm.get_by_test_id("confirm-button").click()
        await expect(demo).to_have_attribute("data-status", "logged_out")
        await expect(demo.get_by_test_id("instance-connect")).to_be_visible()  # offered again
        await shot("unlinked")

        await demo.get_by_test_id("instance-connect").click()
        dialog = page.get_by_test_id("connect-dialog")
        qr = dialog.get_by_test_id("instance-qr")
        await expect(qr).to_be_visible()
        assert (await qr.get_attribute("src") or "").startswith("data:image/png;base64,")
        await shot("qr")
        # paired by the simulated phone (~4 s), the number is back
        await expect(dialog.get_by_test_id("instance-connected-message")).to_be_visible(timeout=20_000)
        await expect(demo).to_have_attribute("data-status", "connected")
        await expect(demo.get_by_test_id("instance-phone")).to_have_text("+55 11 99999-0000")
        await expect(demo.get_by_test_id("instance-connect")).to_have_count(0)
        await shot("paired-again")
    finally:
        for context in browsers.contexts:
            await context.close()

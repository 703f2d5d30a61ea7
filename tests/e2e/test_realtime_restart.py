"""Live updates survive a restart of the app (embedded hub), without reloading the page
(issue 18, finding 6): the browser's tokens stay valid (the secret is kept in the data
directory), the SDK reconnects on its own, and what it could not recover is refetched."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, expect

from tests.e2e.conftest import (
    AppServer,
    Browsers,
    WsSpy,
    assert_not_reloaded,
    create_tenant,
    lead_writes,
    login,
    mark_page,
    new_phone,
    row,
)
from whatrack.simulator import SimulatorServer

pytestmark = pytest.mark.e2e


# "kept": the default, the secret file survives. "rotated": an operator changed
# CENTRIFUGO_TOKEN_SECRET, the old tokens are invalid (3500) and the page fetches new ones.
SECRETS: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "kept": ({}, {}),
    "rotated": (
        {"centrifugo_token_secret": "before-0123456789abcdef0123456789abcdef"},
        {"centrifugo_token_secret": "after-0123456789abcdef0123456789abcdef"},
    ),
}


@pytest.mark.parametrize("secret", list(SECRETS))
async def test_a_webhook_after_a_restart_appears_without_reload(
    secret: str, browser: Browser, simulator: SimulatorServer, frontend_dist: Path, tmp_path: Path
) -> None:
    before, after = SECRETS[secret]
    first = await asyncio.to_thread(AppServer(tmp_path, **before).start)
    browsers = Browsers(browser, first.url)
    second: AppServer | None = None
    try:
        tenant = await create_tenant(first, simulator, "Restart")
        page = await browsers.page()
        spy = WsSpy.attach(page)
        await login(page, tenant.email)
        await spy.wait_subscribed(f"chat:org:{tenant.organization_id}")
        await mark_page(page)
        await lead_writes(tenant, "antes do restart", phone=new_phone(), name="Ana Antes")
        await expect(row(page, "Ana Antes")).to_be_visible()

        await asyncio.to_thread(first.stop)
        second = await asyncio.to_thread(AppServer(tmp_path, port=first.port, **after).start)  # same data, same URL
        started = time.monotonic()
        await lead_writes(tenant, "depois do restart", phone=new_phone(), name="Bruno Depois")
        await expect(row(page, "Bruno Depois")).to_be_visible(timeout=10_000)
        assert time.monotonic() - started < 10
        await assert_not_reloaded(page)
        await expect(page.get_by_test_id("connection-status")).to_have_attribute("data-state", "connected")
    finally:
        for context in browsers.contexts:
            await context.close()
        if second is not None:
            await asyncio.to_thread(second.stop)
        else:
            await asyncio.to_thread(first.stop)

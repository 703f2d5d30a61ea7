"""The agent's composer in a real Chromium (issue 13): a voice note recorded with Chromium's fake
microphone arrives at the simulator as a ptt Ogg/Opus audio; an internal note never reaches the
simulator; `/` inserts a quick reply with the lead's name filled."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Browser, Playwright, expect

from tests.e2e.conftest import (
    CHROMIUM_ARGS,
    AppServer,
    Shots,
    Tenant,
    bubble,
    lead_writes,
    login,
    new_phone,
    open_conversation,
)
from whatrack.simulator import SimulatorServer

pytestmark = pytest.mark.e2e

FAKE_MIC = ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"]


@pytest.fixture
async def mic_browser(playwright: Playwright, chromium_path: str) -> AsyncIterator[Browser]:
    browser = await playwright.chromium.launch(executable_path=chromium_path, args=[*CHROMIUM_ARGS, *FAKE_MIC])
    yield browser
    await browser.close()


async def test_voice_note_note_and_quick_reply(
    mic_browser: Browser, app_server: AppServer, simulator: SimulatorServer, tenant: Tenant, shots_prefix: str
) -> None:
    context = await mic_browser.new_context(
        base_url=app_server.url,
        locale="pt-BR",
        timezone_id="America/Sao_Paulo",
        viewport={"width": 1280, "height": 800},
    )
    try:
        page = await context.new_page()
        shot = Shots(page, shots_prefix)
        name, phone = "Marina Souza", new_phone()
        await lead_writes(tenant, "Oi, pode me mandar um áudio?", phone=phone, name=name)
        await login(page, tenant.email)
        # a personal quick reply, made through the API with the page's session
        csrf = next(c["value"] for c in await context.cookies() if c["name"] == "whatrack_csrf")
        created = await page.request.post(
            "/api/v1/quick-replies",
            data={"shortcut": "ola", "content": "Olá {primeiro_nome}, aqui é {atendente}!"},
            headers={"X-CSRF-Token": csrf},
        )
        assert created.status == 201, await created.text()
        await open_conversation(page, name)
        sent_before = len(simulator.state.sent_messages)

        # `/` quick reply
        composer = page.get_by_test_id("composer-input")
        await composer.fill("")
        await composer.press_sequentially("/ol")
        picker = page.get_by_test_id("quick-reply-picker")
        await expect(picker).to_be_visible()
        await shot("quick-reply-picker")
        await composer.press("Enter")
        await expect(composer).to_have_value(f"Olá Marina, aqui é {tenant.name} Agent!")
        await composer.fill("")

        # internal note: in the thread, never at the simulator
        await page.get_by_test_id("mode-note").click()
        await composer.fill("Cliente prefere áudio, ligar à tarde")
        await composer.press("Enter")
        note = bubble(page, "ligar à tarde")
        await expect(note).to_have_attribute("data-note", "true")
        await expect(note).to_contain_text("Nota interna")
        await shot("internal-note")
        await page.get_by_test_id("mode-message").click()

        # voice note with the fake microphone
        await page.get_by_test_id("voice-record").click()
        await expect(page.get_by_test_id("voice-timer")).to_have_text("0:02", timeout=10_000)
        await shot("recording")
        await page.get_by_test_id("voice-stop").click()
        await expect(page.get_by_test_id("voice-preview")).to_be_attached()
        await shot("voice-preview")
        await page.get_by_test_id("voice-send").click()
        # SENT (or later) only once the simulator accepted it
        voice = page.get_by_test_id("message-list").locator('[data-sender="USER"]:not([data-status="PENDING"])')
        await expect(voice).to_have_count(1, timeout=15_000)
        await expect(voice).not_to_have_attribute("data-status", "FAILED")
        sent = simulator.state.sent_messages[sent_before:]
        audio = next(m for m in sent if m.kind == "audio")
        assert audio.payload["ptt"] is True and audio.payload["Audio"].startswith("data:audio/ogg")
        assert audio.media is not None and audio.media[:4] == b"OggS" and len(audio.media) > 1000
        assert not any("ligar à tarde" in (m.text or "") for m in sent), "the internal note reached WhatsApp"
        assert [m.kind for m in sent] == ["audio"]
        await shot("voice-sent")
    finally:
        await context.close()

"""Search → jump to an old message in a real Chromium (issue 13): an accent-free query finds a
message beyond the chat's first page, its snippet marks the accented word, clicking opens the
chat around it (scrolled to it, highlighted), scrolling down loads newer pages until the latest
message, and the date filter narrows the matches."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.async_api import expect

from tests.e2e.conftest import Browsers, Shots, Tenant, bubble, lead_writes, login, new_phone, post_webhook
from whatrack.simulator import payloads

pytestmark = pytest.mark.e2e

TOTAL = 80  # the chat's first page holds 50: the hit is on none of the pages a normal open loads first
HIT = 5


async def test_accent_free_search_jumps_to_an_old_message(
    browsers: Browsers, tenant: Tenant, shots_prefix: str
) -> None:
    page = await browsers.page()
    shot = Shots(page, shots_prefix)
    name, phone = "Helena Busca", new_phone()
    start = datetime.now(UTC) - timedelta(minutes=40)
    for i in range(1, TOTAL + 1):
        text = "Pode mandar o catálogo de inverno?" if i == HIT else f"mensagem {i}"
        at = start + timedelta(seconds=20 * i)  # distinct seconds: a defined order
        await post_webhook(tenant, payloads.text_message(text=text, phone=phone, push_name=name, timestamp=at))

    await login(page, tenant.email)
    await page.get_by_test_id("search-input").fill("CATALOGO")
    hits = page.get_by_test_id("message-hit")
    await expect(hits).to_have_count(1)
    await expect(hits.first).to_contain_text(name)
    await expect(hits.first.get_by_test_id("hit-mark")).to_have_text("catálogo")
    await shot("search-message-hits")

    # the date filter (organization's days): from tomorrow finds nothing, cleared finds it again
    tomorrow = (datetime.now(ZoneInfo("America/Sao_Paulo")) + timedelta(days=1)).date().isoformat()
    await page.get_by_test_id("search-date-from").fill(tomorrow)
    await expect(hits).to_have_count(0)
    await expect(page.get_by_test_id("message-hits")).to_contain_text("Nenhuma mensagem encontrada")
    await page.get_by_test_id("search-clear-dates").click()
    await expect(hits).to_have_count(1)

    await hits.first.click()
    target = bubble(page, "catálogo de inverno")
    await expect(target).to_be_in_viewport()
    await expect(page.locator(".vrow[data-focused='true']")).to_contain_text("catálogo de inverno")
    await expect(page.locator(".vrow.focus-flash")).to_have_count(1)
    # the latest messages are not loaded yet
    await expect(bubble(page, f"mensagem {TOTAL}")).to_have_count(0)
    await shot("search-jump")

    # scrolling down loads newer pages until the latest message (polled: scroll, look, again)
    await page.wait_for_function(
        """n => {
            const list = document.querySelector('[data-testid=message-list]');
            list.scrollTop = list.scrollHeight;
            return [...list.querySelectorAll('[data-testid=message-bubble]')]
                .some(b => b.textContent.includes('mensagem ' + n));
        }""",
        arg=TOTAL,
        polling=200,
        timeout=15_000,
    )
    await expect(bubble(page, f"mensagem {TOTAL}")).to_be_visible()
    await expect(page.get_by_test_id("jump-latest")).to_have_count(0)

    # from the live end the chat is the normal one: a new message shows at the bottom
    await lead_writes(tenant, "chegou agora", phone=phone, name=name)
    await expect(bubble(page, "chegou agora")).to_be_visible()

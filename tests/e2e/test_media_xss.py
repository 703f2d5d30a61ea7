"""Stored XSS through media, in a real Chromium (issue 18, finding 8).

A lead sends an SVG whose script, run on our origin, would rename the organization (PATCH with
the CSRF cookie) and leave a mark in localStorage. Opened from the chat and by navigating to its
media URL, it must do nothing: the file is an attachment, never a document of our origin. The
inbox still renders with the Content-Security-Policy on, without one violation.
"""

from __future__ import annotations

import base64
import uuid

import pytest
from playwright.async_api import ConsoleMessage, Page, expect

from tests.e2e.conftest import AppServer, Browsers, Tenant, login, new_phone, open_conversation, post_webhook
from whatrack.db import transaction
from whatrack.models import Organization
from whatrack.simulator import payloads

pytestmark = pytest.mark.e2e

ATTACK = """
localStorage.setItem("pwned", "svg");
document.title = "PWNED";
const csrf = (document.cookie.match(/whatrack_csrf=([^;]+)/) || [])[1] || "";
fetch("/api/v1/organization", {
  method: "PATCH", credentials: "include",
  headers: {"content-type": "application/json", "x-csrf-token": decodeURIComponent(csrf)},
  body: JSON.stringify({name: "PWNED"}),
});
"""
SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64">'
    f'<rect width="64" height="64" fill="red"/><script><![CDATA[{ATTACK}]]></script></svg>'
).encode()
# A 1x1 PNG: a picture that must still show inline.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


async def _org_name(app: AppServer, org_id: uuid.UUID) -> str:
    async def read() -> str:
        async with transaction(app.session_factory) as db:
            org = await db.get(Organization, org_id)
            assert org is not None
            return org.name

    return await app.call(read())


async def _no_mark(page: Page) -> None:
    assert await page.evaluate("localStorage.getItem('pwned')") is None, "the SVG's script ran on our origin"


async def test_svg_with_script_does_nothing_and_the_app_runs_under_the_csp(
    browsers: Browsers, tenant: Tenant, app_server: AppServer
) -> None:
    name = "Lead Perigoso"
    phone = new_phone()
    await post_webhook(tenant, payloads.text_message(text="oi", phone=phone, push_name=name))
    await post_webhook(
        tenant,
        payloads.media_message(
            kind="document", data=SVG, mime_type="image/svg+xml", file_name="logo.svg", phone=phone, push_name=name
        ),
    )
    await post_webhook(
        tenant, payloads.media_message(kind="image", data=SVG, mime_type="image/svg+xml", phone=phone, push_name=name)
    )
    await post_webhook(
        tenant, payloads.media_message(kind="image", data=PNG, mime_type="image/png", phone=phone, push_name=name)
    )
    original = await _org_name(app_server, tenant.organization_id)

    page = await browsers.page()
    violations: list[str] = []

    def on_console(msg: ConsoleMessage) -> None:
        if "Content Security Policy" in msg.text or "Refused to" in msg.text:
            violations.append(msg.text)

    page.on("console", on_console)
    page.on("pageerror", lambda exc: violations.append(f"pageerror: {exc}"))
    first = await page.goto("/login")
    assert first is not None
    csp = first.headers.get("content-security-policy", "")
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp, csp
    await login(page, tenant.email)
    await open_conversation(page, name)

    # Via the chat: the pictures render (the PNG inline, the SVG as an inert <img>), the SVG
    # document only downloads.
    images = page.get_by_test_id("message-list").locator("img.bubble-img")
    await expect(images).to_have_count(2)
    await page.wait_for_function(  # the PNG loaded under the CSP's img-src
        "() => [...document.querySelectorAll('img.bubble-img')].some((i) => i.complete && i.naturalWidth > 0)"
    )
    link = page.get_by_test_id("document-download")
    await expect(link).to_be_visible()
    async with page.expect_download() as download:
        await link.click()
    assert (await download.value).suggested_filename == "logo.svg"
    await images.last.click()  # the lightbox: the lead's name as caption, a download, Esc closes
    box = page.get_by_test_id("lightbox")
    await expect(box).to_be_visible()
    await expect(page.get_by_test_id("lightbox-caption")).to_contain_text(name)
    async with page.expect_download() as shot:
        await page.get_by_test_id("lightbox-download").click()
    assert (await shot.value).suggested_filename  # saved, not opened as a page of our origin
    await _no_mark(page)
    await page.keyboard.press("Escape")
    await expect(box).to_have_count(0)
    await expect(page.get_by_test_id("message-list")).to_be_visible()  # Esc closed the image only

    # By its URL, in a tab of its own: downloaded, never rendered as a document of our origin.
    href = await link.get_attribute("href")
    assert href and "/api/v1/media/" in href
    srcs = await images.evaluate_all("(imgs) => imgs.map((i) => i.getAttribute('src'))")
    for url in [href, *srcs]:
        tab = await page.context.new_page()
        try:
            response = await tab.goto(url)
        except Exception as exc:  # an attachment: Chromium starts a download instead
            assert "Download is starting" in str(exc), exc
        else:
            assert response is not None
            # Only the PNG may render inline.
            assert response.headers["content-type"] == "image/png", response.headers
            assert await tab.title() != "PWNED"
        finally:
            await tab.close()

    await page.goto("/inbox")
    await expect(page.get_by_test_id("conversation-list")).to_be_visible()
    await _no_mark(page)
    assert await _org_name(app_server, tenant.organization_id) == original
    assert violations == [], violations

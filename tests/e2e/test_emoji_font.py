"""Colour emoji on a machine without a colour emoji font (issue 13). This machine's Chromium has
none (fc-list knows no emoji font): 📷 👍 are drawn by the Twemoji COLR web font the app serves
itself, fetched only when an emoji is on screen (the inbox has some: the waiting timer's ⏱).
Checked on the pixels of a screenshot."""

from __future__ import annotations

import struct
import zlib

import pytest
from playwright.async_api import Request, expect

from tests.e2e.conftest import Browsers, Shots, Tenant, bubble, lead_writes, login, new_phone, open_conversation

pytestmark = pytest.mark.e2e


def png_pixels(data: bytes) -> list[tuple[int, int, int]]:
    """The RGB pixels of an 8-bit RGB/RGBA PNG (Chromium's screenshots), without an image library."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width, height, colour = 8, b"", 0, 0, 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        body = data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and colour in (2, 6), (depth, colour)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    bpp = 4 if colour == 6 else 3
    raw, stride = zlib.decompress(idat), width * bpp
    prev, i = bytearray(stride), 0
    out: list[tuple[int, int, int]] = []
    for _ in range(height):
        kind_of_filter, line = raw[i], bytearray(raw[i + 1 : i + 1 + stride])
        i += 1 + stride
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b, c = prev[x], (prev[x - bpp] if x >= bpp else 0)
            if kind_of_filter == 1:
                line[x] = (line[x] + a) & 255
            elif kind_of_filter == 2:
                line[x] = (line[x] + b) & 255
            elif kind_of_filter == 3:
                line[x] = (line[x] + (a + b) // 2) & 255
            elif kind_of_filter == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        out.extend((line[x], line[x + 1], line[x + 2]) for x in range(0, stride, bpp))
        prev = line
    return out


def coloured(pixels: list[tuple[int, int, int]]) -> int:
    """Pixels that are not grey (black, white and greys have r = g = b)."""
    return sum(1 for r, g, b in pixels if max(r, g, b) - min(r, g, b) > 40)


async def test_emoji_render_in_colour_without_a_system_emoji_font(
    browsers: Browsers, tenant: Tenant, shots_prefix: str
) -> None:
    page = await browsers.page()
    shot = Shots(page, shots_prefix)
    fonts: list[str] = []

    def on_request(request: Request) -> None:
        if request.resource_type == "font":
            fonts.append(request.url)

    page.on("request", on_request)
    name, phone = "Emília Cores", new_phone()
    await lead_writes(tenant, "sem emoji aqui", phone=phone, name=name)
    await page.goto("/login")
    await expect(page.get_by_test_id("login-form")).to_be_visible()
    await page.evaluate("document.fonts.ready.then(() => true)")
    assert fonts == [], "no emoji on the login page: the emoji font is not fetched"
    await login(page, tenant.email)
    await open_conversation(page, name)
    await expect(bubble(page, "sem emoji aqui")).to_be_visible()

    await lead_writes(tenant, "📷 👍", phone=phone, name=name)
    emoji = bubble(page, "📷").locator("[data-emoji-only]")
    await expect(emoji).to_have_attribute("data-emoji-only", "2")
    await page.wait_for_function("document.fonts.check('40px \"Whatrack Emoji\"', '📷')")
    await page.evaluate("document.fonts.ready.then(() => true)")
    assert len(fonts) == 1 and "/assets/twemoji-" in fonts[0] and fonts[0].startswith(browsers.base_url), fonts
    pixels = png_pixels(await emoji.screenshot())
    # a camera and a thumb: hundreds of coloured pixels (tofu boxes or a blank would have none)
    assert coloured(pixels) > 500, coloured(pixels)
    # the text around stays in the text face: the plain message has no coloured pixel
    assert coloured(png_pixels(await bubble(page, "sem emoji aqui").locator(".bubble-text").screenshot())) == 0
    await shot("emoji-colour")

"""Browser hardening headers on every response, and media a browser could run served as an
attachment (issue 18, finding 8). The real-browser proof is tests/e2e/test_media_xss.py."""

from __future__ import annotations

import httpx
import pytest

from tests.support.tenants import Harness, Tenant
from whatrack.security_headers import content_security_policy, inline_safe
from whatrack.settings import Settings
from whatrack.simulator import payloads as p

SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" onload="fetch(\'/api/v1/organization\','
    b"{method:'PATCH'})\"><script>alert(document.cookie)</script></svg>"
)
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000") + b"\x00" * 16


def _hardened(resp: httpx.Response) -> None:
    h = resp.headers
    assert h["x-frame-options"] == "DENY", resp.request.url
    assert h["x-content-type-options"] == "nosniff"
    assert h["referrer-policy"] == "same-origin"
    csp = h["content-security-policy"]
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp.split("script-src", 1)[-1].split(";", 1)[0] or "sandbox" in csp


async def _media_of(harness: Harness, t: Tenant, payload: dict[str, object]) -> httpx.Response:
    resp = await harness.webhook(t, payload)
    assert resp.status_code == 200, resp.text
    conv = (await t.client.get("/api/v1/conversations")).json()["items"][0]
    msgs = (await t.client.get(f"/api/v1/conversations/{conv['id']}/messages")).json()["items"]
    msg = next(m for m in msgs if m["id"] and m.get("media"))
    media = await t.client.get(f"/api/v1/media/{msg['id']}")
    assert media.status_code == 200, media.text
    return media


async def test_every_response_is_hardened(harness: Harness) -> None:
    t = await harness.tenant("Acme")
    for resp in (
        await harness.anon.get("/healthz"),
        await harness.anon.get("/api/v1/auth/me"),  # 401
        await harness.anon.get("/api/v1/nope"),  # 404
        await harness.anon.get("/"),  # the SPA (or its "not built" page)
        await harness.webhook(t, p.text_message(text="oi")),
        await t.client.get("/api/v1/conversations"),
    ):
        _hardened(resp)
    csp = (await harness.anon.get("/")).headers["content-security-policy"]
    assert "script-src 'self';" in csp and "connect-src 'self'" in csp and "object-src 'none'" in csp


@pytest.mark.parametrize(
    ("kind", "mime", "name", "data"),
    [
        ("image", "image/svg+xml", "x.svg", SVG),  # a lead's "image" that is SVG
        ("document", "image/svg+xml", "logo.svg", SVG),
        ("document", "text/html", "convite.html", b"<script>alert(1)</script>"),
        (
            "document",
            "application/xml",
            "a.xml",
            b'<?xml version="1.0"?><x:script xmlns:x="http://www.w3.org/1999/xhtml">alert(1)</x:script>',
        ),
    ],
)
async def test_active_media_is_an_octet_stream_attachment(
    harness: Harness, kind: str, mime: str, name: str, data: bytes
) -> None:
    t = await harness.tenant("Acme")
    media = await _media_of(harness, t, p.media_message(kind=kind, data=data, mime_type=mime, file_name=name))  # type: ignore[arg-type]
    assert media.headers["content-type"] == "application/octet-stream"
    assert media.headers["content-disposition"].startswith("attachment")
    assert "sandbox" in media.headers["content-security-policy"]
    assert media.headers["x-content-type-options"] == "nosniff"
    assert media.headers.get_list("x-content-type-options") == ["nosniff"]
    assert media.content == data  # still downloadable as it was


async def test_raster_images_stay_inline(harness: Harness) -> None:
    t = await harness.tenant("Acme")
    media = await _media_of(harness, t, p.media_message(kind="image", data=PNG, mime_type="image/png"))
    assert media.headers["content-type"] == "image/png"
    assert media.headers["content-disposition"].startswith("inline")
    _hardened(media)


def test_inline_safe_list_and_policy() -> None:
    for ok in (
        "image/png",
        "image/jpeg",
        "image/gif",
        "image/webp",
        "audio/ogg; codecs=opus",
        "video/mp4",
        "application/pdf",
    ):
        assert inline_safe(ok), ok
    for bad in (
        "image/svg+xml",
        "text/html",
        "application/xml",
        "text/xml",
        "application/xhtml+xml",
        "",
        None,
        "text/plain",
    ):
        assert not inline_safe(bad), bad
    csp = content_security_policy(Settings(centrifugo_ws_url="wss://rt.example.com/connection/websocket"))
    assert "connect-src 'self' wss://rt.example.com;" in csp

"""Voice notes: a browser recording (webm/opus) goes to WhatsApp as an Ogg/Opus ptt audio."""

from __future__ import annotations

import base64
import subprocess

from tests.support.tenants import Harness
from whatrack.simulator import payloads as p

PHONE = "5511988887777"


def webm_opus(seconds: float = 1.0) -> bytes:
    """What Chromium's MediaRecorder produces (audio/webm;codecs=opus)."""
    return subprocess.run(
        ["ffmpeg", "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}",
         "-c:a", "libopus", "-f", "webm", "pipe:1"],
        check=True, capture_output=True,
    ).stdout  # fmt: skip


async def test_recording_is_sent_as_ogg_opus_ptt(harness: Harness) -> None:
    t = await harness.tenant("Acme")
    await harness.webhook(t, p.text_message(phone=PHONE, text="Oi"))
    conv = (await t.client.get("/api/v1/conversations")).json()["items"][0]
    recording = webm_opus()
    assert recording[:4] == b"\x1a\x45\xdf\xa3"  # EBML: a WebM file
    resp = await t.client.post(
        "/api/v1/whatsapp/messages",
        data={"conversationId": conv["id"], "clientId": "v-1", "voice": "1"},
        files={"file": ("gravacao.webm", recording, "audio/webm;codecs=opus")},
    )
    assert resp.status_code == 201, resp.text
    msg = resp.json()
    assert msg["messageType"] == "AUDIO" and msg["status"] == "SENT"
    assert msg["media"]["mimeType"] == "audio/ogg; codecs=opus" and msg["media"]["fileName"] == "voice.ogg"
    sent = harness.sim.requests_to("/chat/send/audio")[-1].json
    assert sent["ptt"] is True
    prefix, b64 = sent["Audio"].split(",", 1)
    assert prefix.startswith("data:audio/ogg") and prefix.endswith(";base64")
    ogg = base64.b64decode(b64)
    assert ogg[:4] == b"OggS" and b"OpusHead" in ogg[:200]
    stored = await t.client.get(msg["media"]["url"])
    assert stored.status_code == 200 and stored.content == ogg


async def test_unreadable_recording_is_refused(harness: Harness) -> None:
    t = await harness.tenant("Acme")
    await harness.webhook(t, p.text_message(phone=PHONE, text="Oi"))
    conv = (await t.client.get("/api/v1/conversations")).json()["items"][0]
    resp = await t.client.post(
        "/api/v1/whatsapp/messages",
        data={"conversationId": conv["id"], "voice": "1"},
        files={"file": ("gravacao.webm", b"not audio at all" * 10, "audio/webm")},
    )
    assert resp.status_code == 400 and resp.json()["error"]["code"] == "voice_note_invalid"
    assert harness.sim.requests_to("/chat/send/audio") == []
    assert (await t.client.get(f"/api/v1/conversations/{conv['id']}/messages")).json()["items"][0]["content"] == "Oi"

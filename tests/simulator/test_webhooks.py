"""Webhook emission: both formats, HMAC over raw bytes, receipts, failure modes."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import urllib.parse
from typing import Any

from whatrack.simulator import payloads

from .helpers import HMAC_KEY, USER_TOKEN, Captured, Sim

AUTH = {"token": USER_TOKEN}


def _verify(captured: Captured, key: str) -> None:
    expected = hmac.new(key.encode(), captured.body, hashlib.sha256).hexdigest()
    signature = captured.headers["x-hmac-signature"]
    assert re.fullmatch(r"[0-9a-f]{64}", signature)
    assert hmac.compare_digest(expected, signature)


def _json_body(captured: Captured) -> dict[str, Any]:
    if captured.headers["content-type"] == "application/json":
        return dict(json.loads(captured.body))
    fields = urllib.parse.parse_qs(captured.body.decode(), strict_parsing=True)
    return dict(json.loads(fields["jsonData"][0]))


async def test_json_webhook_signed(sim: Sim) -> None:
    sim.user.hmac_key = HMAC_KEY
    await sim.emitter.emit(sim.user, payloads.text_message(text="Oi <b> & ção"))
    [got] = sim.receiver.received
    assert got.headers["content-type"] == "application/json"
    _verify(got, HMAC_KEY)
    assert b"\\u003cb\\u003e \\u0026 \xc3\xa7\xc3\xa3o" in got.body  # Go escaping, raw UTF-8
    body = _json_body(got)
    assert body["type"] == "Message"
    assert body["userID"] == sim.user.id and body["instanceName"] == "shop-1"
    assert body["event"]["Message"]["conversation"] == "Oi <b> & ção"
    assert list(body)[:2] == ["event", "instanceName"]  # a Go map: keys sorted


async def test_form_webhook_signed_and_parses_back(sim: Sim) -> None:
    sim.user.webhook_format = "form"
    sim.user.hmac_key = HMAC_KEY
    media = payloads.media_message(kind="image", caption="foto + legenda")
    await sim.emitter.emit(sim.user, media)
    [got] = sim.receiver.received
    assert got.headers["content-type"] == "application/x-www-form-urlencoded"
    _verify(got, HMAC_KEY)
    fields = urllib.parse.parse_qs(got.body.decode(), strict_parsing=True)
    assert sorted(fields) == ["instanceName", "jsonData", "userID"]
    assert got.body.decode().startswith("instanceName=shop-1&jsonData=")  # keys sorted
    assert fields["userID"] == [sim.user.id]
    data = json.loads(fields["jsonData"][0])
    assert data["base64"] == media["base64"]  # '+' and '/' survive one proper decode
    assert data["event"]["Message"]["imageMessage"]["caption"] == "foto + legenda"
    rebuilt = urllib.parse.urlencode(sorted((k, v[0]) for k, v in fields.items()))
    assert rebuilt.encode() == got.body


async def test_no_signature_without_key_and_subscription_filter(sim: Sim) -> None:
    sim.user.events = ["ReadReceipt"]
    await sim.emitter.emit(sim.user, payloads.text_message())
    await sim.emitter.emit(sim.user, payloads.read_receipt(message_ids=["3EB0X"]))
    [got] = sim.receiver.received
    assert "x-hmac-signature" not in got.headers
    assert _json_body(got)["type"] == "ReadReceipt"
    assert sim.state.webhooks[0].skipped == "not subscribed to Message"
    sim.user.events = []
    await sim.emitter.emit(sim.user, payloads.connected())
    assert len(sim.receiver.received) == 1


async def test_receipts_after_send_delivered_then_read(sim: Sim) -> None:
    r = await sim.client.post("/chat/send/text", json={"Phone": "5511988887777", "Body": "oi"}, headers=AUTH)
    msg_id = r.json()["data"]["Id"]
    assert sim.receiver.received == []  # nothing synchronous
    await sim.state.drain()
    bodies = [_json_body(c) for c in sim.receiver.received]
    assert [b["state"] for b in bodies] == ["Delivered", "Read"]
    for body in bodies:
        assert body["type"] == "ReadReceipt"
        assert body["event"]["MessageIDs"] == [msg_id]
        assert body["event"]["Chat"] == "5511988887777@s.whatsapp.net"
        assert body["event"]["IsFromMe"] is False
    assert [b["event"]["Type"] for b in bodies] == ["", "read"]


async def test_receipts_reversed(sim: Sim) -> None:
    sim.user.failures.receipts_before_message = True
    await sim.client.post("/chat/send/text", json={"Phone": "5511988887777", "Body": "oi"}, headers=AUTH)
    await sim.state.drain()
    assert [_json_body(c)["state"] for c in sim.receiver.received] == ["Read", "Delivered"]


async def test_duplicate_webhooks(sim: Sim) -> None:
    sim.user.failures.duplicate_webhooks = True
    sim.user.hmac_key = HMAC_KEY
    await sim.emitter.emit(sim.user, payloads.text_message(message_id="3EB0DUPDUPDUPDUPDUP0"))
    first, second = sim.receiver.received
    assert first.body == second.body
    _verify(second, HMAC_KEY)


async def test_lid_and_ninth_digit_modes(sim: Sim) -> None:
    sim.user.failures.lid_senders = True
    await sim.emitter.emit(sim.user, payloads.text_message(phone="5511988887777"))
    info = _json_body(sim.receiver.received[-1])["event"]["Info"]
    assert re.fullmatch(r"\d{15}@lid", info["Sender"]) and info["Chat"] == info["Sender"]
    assert info["SenderAlt"] == "5511988887777@s.whatsapp.net"
    sim.user.failures.lid_senders = False
    sim.user.failures.ninth_digit_variant = True
    await sim.emitter.emit(sim.user, payloads.text_message(phone="5511988887777"))
    info = _json_body(sim.receiver.received[-1])["event"]["Info"]
    assert info["Chat"] == info["Sender"] == "551188887777@s.whatsapp.net"
    await sim.client.post("/chat/send/text", json={"Phone": "5511988887777", "Body": "oi"}, headers=AUTH)
    await sim.state.drain()
    assert _json_body(sim.receiver.received[-1])["event"]["Chat"] == "551188887777@s.whatsapp.net"


async def test_no_chat_events_without_session(sim: Sim) -> None:
    sim.user.failures.no_session = True
    await sim.emitter.emit(sim.user, payloads.text_message())
    assert sim.receiver.received == []
    assert sim.state.webhooks[-1].skipped == "session not connected"
    await sim.emitter.emit(sim.user, payloads.logged_out())
    assert _json_body(sim.receiver.received[-1])["type"] == "LoggedOut"


async def test_receiver_errors_are_recorded(sim: Sim) -> None:
    sim.receiver.status_code = 500
    [delivery] = await sim.emitter.emit(sim.user, payloads.text_message())
    assert delivery.status_code == 500 and sim.state.deliveries(event_type="Message") == [delivery]


async def test_connect_emits_connected(sim: Sim) -> None:
    await sim.client.post("/session/disconnect", headers=AUTH)
    await sim.client.post("/session/connect", json={"Subscribe": ["Message", "Connected"]}, headers=AUTH)
    await sim.state.drain()
    assert _json_body(sim.receiver.received[-1]) == {
        "type": "Connected",
        "event": {},
        "userID": sim.user.id,
        "instanceName": "shop-1",
    }

"""HTTP API wire format: auth, envelopes, status codes and WuzAPI's error texts."""

from __future__ import annotations

import base64
import re
import time
from typing import Any

import pytest

from whatrack.simulator import wire

from .helpers import ADMIN_TOKEN, HMAC_KEY, USER_TOKEN, WEBHOOK_URL, Sim

AUTH = {"token": USER_TOKEN}
PNG_URL = "data:image/png;base64," + base64.b64encode(wire.tiny_png()).decode()


def _error(status: int, message: str) -> dict[str, Any]:
    return {"code": status, "error": message, "success": False}


async def test_unauthorized_user_and_admin(sim: Sim) -> None:
    for headers in ({}, {"token": "wrong"}, {"Authorization": USER_TOKEN}):
        r = await sim.client.post("/chat/send/text", json={"Phone": "1", "Body": "x"}, headers=headers)
        assert r.status_code == 401
        assert r.json() == _error(401, "unauthorized")
    for headers in ({}, {"Authorization": "Bearer " + ADMIN_TOKEN}, {"token": ADMIN_TOKEN}):
        r = await sim.client.get("/admin/users", headers=headers)
        assert r.status_code == 401 and r.json() == _error(401, "unauthorized")
    assert r.headers["content-type"] == "application/json"


async def test_token_header_case_and_query_param(sim: Sim) -> None:
    assert (await sim.client.get("/session/status", headers={"Token": USER_TOKEN})).status_code == 200
    assert (await sim.client.get(f"/session/status?token={USER_TOKEN}")).status_code == 200


async def test_send_text_success(sim: Sim) -> None:
    before = int(time.time())
    r = await sim.client.post("/chat/send/text", json={"Phone": "5511988887777", "Body": "Olá!"}, headers=AUTH)
    assert r.status_code == 200
    body = r.json()
    assert list(body) == ["code", "data", "success"]
    assert body["code"] == 200 and body["success"] is True
    data = body["data"]
    assert data["Details"] == "Sent"
    assert re.match(r"^3EB0[0-9A-F]{16,20}$", data["Id"])
    assert isinstance(data["Timestamp"], int) and data["Timestamp"] >= before
    assert r.text.endswith("\n")
    sent = sim.state.sent_messages[-1]
    assert sent.id == data["Id"] and sent.chat == "5511988887777@s.whatsapp.net" and sent.text == "Olá!"


async def test_send_text_custom_id_and_case_insensitive_keys(sim: Sim) -> None:
    payload = {"phone": "+5511988887777", "body": "oi", "id": "MY-ID-1"}
    r = await sim.client.post("/chat/send/text", json=payload, headers=AUTH)
    assert r.json()["data"]["Id"] == "MY-ID-1"
    assert sim.state.sent_messages[-1].chat == "5511988887777@s.whatsapp.net"


@pytest.mark.parametrize(
    ("path", "payload", "status", "message"),
    [
        ("/chat/send/text", {"Body": "x"}, 400, "missing Phone in Payload"),
        ("/chat/send/text", {"Phone": "5511988887777"}, 400, "missing Body in Payload"),
        ("/chat/send/text", {"Phone": 5511, "Body": "x"}, 400, "could not decode Payload"),
        ("/chat/send/image", {"Phone": "55"}, 400, "missing Image in Payload"),
        (
            "/chat/send/image",
            {"Phone": "55", "Image": "abc"},
            400,
            'Image data should start with "data:image/png;base64,"',
        ),
        (
            "/chat/send/image",
            {"Phone": "55", "Image": "data:image/png;base64,@@@"},
            400,
            "could not decode base64 encoded data from payload",
        ),
        (
            "/chat/send/image",
            {"Phone": "55", "Image": "data:image/png;base64,aGVsbG8="},
            500,
            "could not decode image for thumbnail preparation: image: unknown format",
        ),
        ("/chat/send/audio", {"Phone": "55"}, 400, "missing Audio in Payload"),
        (
            "/chat/send/audio",
            {"Phone": "55", "Audio": "data:image/png;base64,AA=="},
            400,
            "audio must be base64 (data:audio/) or valid HTTP URL",
        ),
        (
            "/chat/send/video",
            {"Phone": "55", "Video": "nope"},
            400,
            'data should start with "data:mime/type;base64,"',
        ),
        (
            "/chat/send/document",
            {"Phone": "55", "Document": "data:application/pdf;base64,JVBERg=="},
            400,
            "missing FileName in Payload",
        ),
        (
            "/chat/send/document",
            {"Phone": "55", "Document": "x", "FileName": "a.pdf"},
            400,
            'document data should start with "data:" or be a valid HTTP URL',
        ),
        (
            "/chat/send/text",
            {"Phone": "55", "Body": "x", "ContextInfo": {"StanzaID": "3EB0"}},
            400,
            "missing Participant in ContextInfo",
        ),
        (
            "/chat/send/text",
            {"Phone": "55", "Body": "x", "ContextInfo": {"Participant": "55@s.whatsapp.net"}},
            400,
            "missing StanzaID in ContextInfo",
        ),
        ("/chat/send/text", {"Phone": "@s.whatsapp.net", "Body": "x"}, 400, "could not parse Phone"),
        ("/chat/markread", {"Id": ["3EB0"]}, 400, "missing ChatPhone in Payload"),
        ("/chat/markread", {"ChatPhone": "5511988887777"}, 400, "missing Id in Payload"),
        ("/chat/presence", {"Phone": "55"}, 400, "missing State in Payload"),
        ("/session/pairphone", {}, 400, "missing Phone in Payload"),
    ],
)
async def test_validation_errors(sim: Sim, path: str, payload: dict[str, Any], status: int, message: str) -> None:
    r = await sim.client.post(path, json=payload, headers=AUTH)
    assert (r.status_code, r.json()) == (status, _error(status, message))
    assert sim.state.sent_messages == []


async def test_undecodable_body(sim: Sim) -> None:
    r = await sim.client.post("/chat/send/text", content=b"not json", headers=AUTH)
    assert r.json() == _error(400, "could not decode Payload")
    r = await sim.client.post("/webhook", content=b"[1]", headers=AUTH)
    assert r.json() == _error(400, "could not decode payload")


async def test_reply_with_context_and_media_sends(sim: Sim) -> None:
    ctx = {"StanzaID": "3EB0AAAA", "Participant": "5511988887777@s.whatsapp.net"}
    r = await sim.client.post(
        "/chat/send/text", json={"Phone": "5511988887777", "Body": "ok", "ContextInfo": ctx}, headers=AUTH
    )
    assert r.status_code == 200
    for path, payload in [
        ("/chat/send/image", {"Phone": "5511988887777", "Image": PNG_URL, "Caption": "foto"}),
        ("/chat/send/audio", {"Phone": "5511988887777", "Audio": "data:audio/ogg;base64,T2dnUw=="}),
        ("/chat/send/video", {"Phone": "5511988887777", "Video": "data:video/mp4;base64,AAAAGGZ0eXA="}),
        (
            "/chat/send/document",
            {
                "Phone": "5511988887777",
                "Document": "data:application/pdf;base64,JVBERg==",
                "FileName": "a.pdf",
            },
        ),
        ("/chat/send/image", {"Phone": "5511988887777", "Image": "https://example.com/a.jpg"}),
    ]:
        r = await sim.client.post(path, json=payload, headers=AUTH)
        assert r.status_code == 200, (path, r.text)
        assert r.json()["data"]["Details"] == "Sent"
    image = sim.state.sent_messages[1]
    assert image.kind == "image" and image.media == wire.tiny_png() and image.mime_type == "image/png"
    assert image.text == "foto"
    assert sim.state.sent_messages[3].media == b"\x00\x00\x00\x18ftyp"


async def test_markread_and_presence(sim: Sim) -> None:
    r = await sim.client.post(
        "/chat/markread",
        json={"Id": ["3EB0A"], "ChatPhone": "5511988887777", "SenderPhone": "5511988887777"},
        headers=AUTH,
    )
    assert r.json() == {"code": 200, "data": {"Details": "Message(s) marked as read"}, "success": True}
    assert sim.state.marked_read[-1]["chat"] == "5511988887777@s.whatsapp.net"
    r = await sim.client.post(
        "/chat/presence", json={"Phone": "5511988887777", "State": "composing", "Media": ""}, headers=AUTH
    )
    assert r.json() == {"code": 200, "data": {"Details": "Chat presence set successfuly"}, "success": True}


async def test_session_lifecycle(sim: Sim) -> None:
    status = (await sim.client.get("/session/status", headers=AUTH)).json()["data"]
    assert status["connected"] is True and status["loggedIn"] is True
    assert status["id"] == sim.user.id and status["hmac_configured"] is False
    assert {"jid", "webhook", "events", "qrcode", "proxy_config", "s3_config"} <= set(status)

    r = await sim.client.post("/session/connect", json={"Subscribe": ["Message"]}, headers=AUTH)
    assert r.json() == _error(500, "already connected")
    r = await sim.client.get("/session/qr", headers=AUTH)
    assert r.json() == _error(500, "already logged in")
    r = await sim.client.post("/session/pairphone", json={"Phone": "5511999990000"}, headers=AUTH)
    assert r.json() == _error(400, "already paired")

    r = await sim.client.post("/session/disconnect", headers=AUTH)
    assert r.json() == {"code": 200, "data": {"Details": "Disconnected"}, "success": True}
    r = await sim.client.post("/chat/send/text", json={"Phone": "55", "Body": "x"}, headers=AUTH)
    assert r.json() == _error(500, "no session")
    assert (await sim.client.get("/session/status", headers=AUTH)).json()["data"]["connected"] is False

    r = await sim.client.post("/session/connect", content=b"", headers=AUTH)
    assert r.json() == _error(400, "could not decode Payload")
    r = await sim.client.post("/session/connect", json={"Subscribe": ["Message", "Bogus"]}, headers=AUTH)
    assert r.json()["data"] == {
        "details": "Connected!",
        "events": "Message",
        "jid": sim.user.jid,
        "webhook": WEBHOOK_URL,
    }

    r = await sim.client.post("/session/logout", headers=AUTH)
    assert r.json()["data"] == {"Details": "Logged out"}
    assert (await sim.client.post("/session/logout", headers=AUTH)).json() == _error(500, "no session")


async def test_qr_flow_for_new_user(sim: Sim) -> None:
    created = await sim.client.post(
        "/admin/users",
        json={"name": "new", "token": "tok-new", "webhook": WEBHOOK_URL, "events": "All"},
        headers={"Authorization": ADMIN_TOKEN},
    )
    headers = {"token": "tok-new"}
    assert (await sim.client.get("/session/qr", headers=headers)).json() == _error(500, "no session")
    await sim.client.post("/session/connect", json={"Immediate": True}, headers=headers)
    qr = (await sim.client.get("/session/qr", headers=headers)).json()["data"]
    assert qr["QRCode"].startswith("data:image/png;base64,")
    assert qr["passkeyPending"] is False and qr["publicKey"] is None
    code = (await sim.client.post("/session/pairphone", json={"Phone": "5511"}, headers=headers)).json()
    assert re.match(r"^[A-Z0-9]{4}-[A-Z0-9]{4}$", code["data"]["LinkingCode"])
    user = sim.state.get_user(created.json()["data"]["id"])
    await sim.emitter.pair(user)
    await sim.state.drain()
    types = [c.body for c in sim.receiver.received]
    assert any(b'"type":"QR"' in b for b in types) and any(b'"type":"PairSuccess"' in b for b in types)
    assert (await sim.client.get("/session/status", headers=headers)).json()["data"]["loggedIn"] is True


async def test_webhook_config_endpoints(sim: Sim) -> None:
    r = await sim.client.get("/webhook", headers=AUTH)
    assert r.json()["data"] == {"webhook": WEBHOOK_URL, "subscribe": ["All"]}
    r = await sim.client.post(
        "/webhook", json={"webhookurl": "http://x/h", "events": ["Message", "ReadReceipt"]}, headers=AUTH
    )
    assert r.json() == {"code": 200, "data": {"webhook": "http://x/h"}, "success": True}
    assert sim.user.events == ["Message", "ReadReceipt"]
    r = await sim.client.put(
        "/webhook", json={"webhook": "http://y/h", "events": ["Message"], "active": True}, headers=AUTH
    )
    assert r.json()["data"] == {"webhook": "http://y/h", "events": ["Message"], "active": True}
    r = await sim.client.delete("/webhook", headers=AUTH)
    assert r.json()["data"] == {"Details": "Webhook and events deleted successfully"}
    r = await sim.client.get("/webhook", headers=AUTH)
    assert r.json()["data"] == {"webhook": "", "subscribe": [""]}


async def test_hmac_config_bare_responses(sim: Sim) -> None:
    r = await sim.client.post("/session/hmac/config", json={"hmac_key": "short"}, headers=AUTH)
    assert r.status_code == 400
    assert r.json() == _error(400, "HMAC key must be at least 32 characters long")
    r = await sim.client.post("/session/hmac/config", json={"hmac_key": HMAC_KEY}, headers=AUTH)
    assert r.json() == {"Details": "HMAC configuration saved successfully"}
    assert (await sim.client.get("/session/hmac/config", headers=AUTH)).json() == {"hmac_key": "***"}
    r = await sim.client.delete("/session/hmac/config", headers=AUTH)
    assert r.json() == {"Details": "HMAC configuration deleted successfully"}
    assert (await sim.client.get("/session/hmac/config", headers=AUTH)).json() == {"hmac_key": ""}


async def test_admin_users(sim: Sim) -> None:
    admin = {"Authorization": ADMIN_TOKEN}
    listing = (await sim.client.get("/admin/users", headers=admin)).json()
    assert listing["code"] == 200 and listing["success"] is True
    assert [u["token"] for u in listing["data"]] == [USER_TOKEN]
    assert {"id", "name", "token", "webhook", "jid", "qrcode", "connected", "loggedIn", "events"} <= set(
        listing["data"][0]
    )

    r = await sim.client.post(
        "/admin/users",
        json={"name": "shop-2", "token": "tok-2", "events": "Message,ReadReceipt", "hmacKey": HMAC_KEY},
        headers=admin,
    )
    assert r.status_code == 201
    created = r.json()
    assert created["code"] == 201 and created["success"] is True
    assert created["data"]["hmac_key"] is True and re.match(r"^[0-9a-f]{32}$", created["data"]["id"])
    new_id = created["data"]["id"]

    r = await sim.client.post("/admin/users", json={"name": "dup", "token": "tok-2"}, headers=admin)
    assert (r.status_code, r.json()) == (409, _error(409, "user with this token already exists"))
    r = await sim.client.post("/admin/users", json={"name": "x", "token": "t3", "events": "Nope"}, headers=admin)
    assert r.json() == {**_error(400, "invalid event type"), "details": "invalid event: Nope"}
    r = await sim.client.post("/admin/users", json={"name": "x", "token": "t4", "hmacKey": "short"}, headers=admin)
    assert r.json() == _error(400, "HMAC key must be at least 32 characters long")

    one = (await sim.client.get(f"/admin/users/{new_id}", headers=admin)).json()
    assert [u["name"] for u in one["data"]] == ["shop-2"]
    assert one["data"][0]["connected"] is False

    r = await sim.client.delete(f"/admin/users/{new_id}", headers=admin)
    assert r.json() == {
        "code": 200,
        "data": {"id": new_id},
        "success": True,
        "details": "user deleted successfully",
    }
    r = await sim.client.delete(f"/admin/users/{new_id}", headers=admin)
    assert r.status_code == 404
    assert r.json() == {**_error(404, "user not found"), "details": f"No user found with ID: {new_id}"}


async def test_unknown_route_and_request_log(sim: Sim) -> None:
    r = await sim.client.post("/chat/send/poll", json={}, headers=AUTH)
    assert (r.status_code, r.text) == (404, "404 page not found\n")
    await sim.client.post("/chat/send/text", json={"Phone": "55", "Body": "x"}, headers=AUTH)
    logged = sim.state.requests_to("/chat/send/text")[-1]
    assert logged.headers["token"] == USER_TOKEN and logged.json == {"Phone": "55", "Body": "x"}


async def test_failure_modes_on_api(sim: Sim) -> None:
    sim.user.failures.error_5xx = True
    r = await sim.client.post("/chat/send/text", json={"Phone": "55", "Body": "x"}, headers=AUTH)
    assert r.json() == _error(500, "error sending message: websocket not connected")
    r = await sim.client.post("/chat/send/image", json={"Phone": "55", "Image": PNG_URL}, headers=AUTH)
    assert r.json() == _error(500, "Error sending message: websocket not connected")
    sim.user.failures.error_5xx = False

    sim.user.failures.no_session = True
    for path in (
        "/chat/send/text",
        "/chat/markread",
        "/chat/presence",
        "/session/disconnect",
        "/session/pairphone",
    ):
        r = await sim.client.post(path, json={}, headers=AUTH)
        assert (r.status_code, r.json()) == (500, _error(500, "no session")), path
    assert (await sim.client.get("/session/qr", headers=AUTH)).json() == _error(500, "no session")
    sim.user.failures.no_session = False

    sim.user.failures.slow_seconds = 0.2
    started = time.monotonic()
    r = await sim.client.get("/session/status", headers=AUTH)
    assert r.status_code == 200 and time.monotonic() - started >= 0.2

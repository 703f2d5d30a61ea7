"""Internal notes: written into the thread, never sent to WhatsApp, @mentions stored and announced."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from tests.api.test_quick_replies import colleague
from tests.support.tenants import Harness
from whatrack.inbox import send as sending
from whatrack.models import Message
from whatrack.simulator import payloads as p

PHONE = "5511988887777"


async def test_note_stays_in_the_thread(harness: Harness) -> None:
    t = await harness.tenant("Acme")
    bia_id, _ = await colleague(harness, t, "Bia")
    await harness.webhook(t, p.text_message(phone=PHONE, text="Oi, quero o catálogo"))
    conv = (await t.client.get("/api/v1/conversations")).json()["items"][0]
    await harness.drain()
    requests_before = len(harness.sim.requests)

    resp = await t.client.post(
        f"/api/v1/conversations/{conv['id']}/notes",
        json={"content": "@Bia ela pediu desconto", "mentions": [str(bia_id)], "clientId": "n-1"},
    )
    assert resp.status_code == 201, resp.text
    note = resp.json()
    assert note["note"] is True and note["senderType"] == "USER" and note["senderName"] == "Acme Agent"
    assert note["externalId"] is None and note["status"] == "SENT"
    assert note["metadata"]["mentions"] == [{"userId": str(bia_id), "name": "Bia"}]
    # the same clientId is the same note
    again = await t.client.post(
        f"/api/v1/conversations/{conv['id']}/notes", json={"content": "@Bia ela pediu desconto", "clientId": "n-1"}
    )
    assert again.json()["id"] == note["id"]

    # WuzAPI never heard of it, and a retry or a dispatch does not send it either
    retry = await t.client.post(f"/api/v1/whatsapp/messages/{note['id']}/retry")
    assert retry.status_code == 409 and retry.json()["error"]["code"] == "message_not_retryable"
    ctx = sending.SendContext(
        factory=harness.app.state.session_factory,
        http=harness.app.state.http,
        media=harness.app.state.media,
        timeout=5,
    )
    assert (await sending.dispatch(ctx, uuid.UUID(note["id"]))).id == uuid.UUID(note["id"])
    assert [r.path for r in harness.sim.requests[requests_before:] if r.path.startswith("/chat/send")] == []

    # in the thread; the list row still shows the lead's message, unread and waiting untouched
    items = (await t.client.get(f"/api/v1/conversations/{conv['id']}/messages")).json()["items"]
    assert [(m["note"], m["content"]) for m in items] == [
        (True, "@Bia ela pediu desconto"),
        (False, "Oi, quero o catálogo"),
    ]
    after = (await t.client.get(f"/api/v1/conversations/{conv['id']}")).json()
    for key in ("lastMessagePreview", "unreadCount", "waitingSince", "lastMessageAt"):
        assert after[key] == conv[key], key

    # announced on the conversation and the organization channels, and (the conversation being
    # unassigned, new organizations restrictive) on the agents' channel (the mentioned
    # colleague's browser notifies them)
    published = await harness.drain()
    news = [(ch, ev["data"]["id"]) for ch, ev in published if ev["type"] == "new_message"]
    assert sorted(ch.split(":")[1] for ch, mid in news if mid == note["id"]) == ["agents", "conversation", "org"]
    async with harness.db() as db:
        stored = await db.scalar(select(Message).where(Message.id == uuid.UUID(note["id"])))
        assert stored is not None and stored.note


async def test_note_bad_input_and_tenancy(harness: Harness) -> None:
    a = await harness.tenant("Alpha")
    b = await harness.tenant("Beta")
    await harness.webhook(a, p.text_message(phone=PHONE))
    conv = (await a.client.get("/api/v1/conversations")).json()["items"][0]
    url = f"/api/v1/conversations/{conv['id']}/notes"
    for body in ({"content": ""}, {"content": "x", "mentions": ["nope"]}, {"content": "x", "to": 1}, {}):
        resp = await a.client.post(url, json=body)
        assert resp.status_code == 422, body
    # a user of another organization cannot be mentioned
    stranger = await a.client.post(url, json={"content": "@Beta", "mentions": [str(b.user_id)]})
    assert stranger.status_code == 400 and stranger.json()["error"]["code"] == "mention_not_member"
    assert stranger.json()["error"]["details"] == {"userId": str(b.user_id)}
    # another organization cannot write into A's thread
    denied = await b.client.post(url, json={"content": "invasão"})
    assert denied.status_code == 404 and denied.json()["error"]["code"] == "conversation_not_found"
    assert [
        m["note"] for m in (await a.client.get(f"/api/v1/conversations/{conv['id']}/messages")).json()["items"]
    ] == [False]

"""The send flow: PENDING committed before WuzAPI, then SENT / FAILED; receipts; retry."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from sqlalchemy import select

from tests.support.tenants import Harness, Tenant
from whatrack.models import Message
from whatrack.simulator import payloads as p

PHONE = "5511988887777"


async def _conversation(harness: Harness, t: Tenant) -> dict[str, Any]:
    await harness.webhook(t, p.text_message(phone=PHONE, text="Oi"))
    item: dict[str, Any] = (await t.client.get("/api/v1/conversations")).json()["items"][0]
    return item


def _sim_user(harness: Harness, t: Tenant):  # type: ignore[no-untyped-def]
    return next(u for u in harness.sim.users.values() if u.token == t.wuzapi_token)


async def test_send_text_goes_sent_then_delivered_then_read(harness: Harness) -> None:
    t = await harness.tenant("Acme")
    conv = await _conversation(harness, t)
    resp = await t.client.post(
        "/api/v1/whatsapp/messages",
        json={"conversationId": conv["id"], "content": "Olá Maria!", "clientId": "c-1"},
    )
    assert resp.status_code == 201, resp.text
    msg = resp.json()
    assert msg["status"] == "SENT" and msg["clientId"] == "c-1" and msg["senderType"] == "USER"
    sent = harness.sim.requests_to("/chat/send/text")[-1].json
    # our own WhatsApp-style id goes out as `Id`, so receipts racing the answer still match
    assert sent["Body"] == "Olá Maria!" and sent["Id"] == msg["externalId"]
    assert sent["Phone"] == f"{PHONE}@s.whatsapp.net"

    await harness.sim.drain()  # the simulator's Delivered and Read receipts arrive by webhook
    msgs = (await t.client.get(f"/api/v1/conversations/{conv['id']}/messages")).json()["items"]
    assert msgs[0]["id"] == msg["id"] and msgs[0]["status"] == "READ"
    listed = (await t.client.get("/api/v1/conversations")).json()["items"][0]
    assert listed["lastMessageStatus"] == "READ" and listed["waitingSince"] is None
    assert listed["assignee"]["id"] == str(t.user_id)  # the first agent to answer takes the lead

    published = await harness.drain()
    statuses = [
        d["data"]["status"]
        for ch, d in published
        if d["type"] == "message_status" and ch == f"chat:conversation:{conv['id']}"
    ]
    assert statuses == ["SENT", "DELIVERED", "READ"]
    # the inbox list's ticks follow too (conversation_updated on the org channel)
    list_ticks = [
        d["data"]["lastMessageStatus"]
        for ch, d in published
        if d["type"] == "conversation_updated" and ch == f"chat:org:{t.organization_id}"
    ]
    assert list_ticks[-3:] == ["SENT", "DELIVERED", "READ"]


async def test_same_client_id_returns_the_same_message(harness: Harness) -> None:
    t = await harness.tenant("Acme")
    conv = await _conversation(harness, t)
    body = {"conversationId": conv["id"], "content": "uma vez", "clientId": "dup-1"}
    a = (await t.client.post("/api/v1/whatsapp/messages", json=body)).json()
    b = (await t.client.post("/api/v1/whatsapp/messages", json=body)).json()
    assert a["id"] == b["id"]
    assert len(harness.sim.requests_to("/chat/send/text")) == 1


async def test_concurrent_sends_with_one_client_id_make_one_message(harness: Harness) -> None:
    """The clientId is checked under the conversation's row lock in the transaction that inserts:
    five browsers racing with one clientId get one message, sent to WhatsApp once."""
    t = await harness.tenant("Acme")
    conv = await _conversation(harness, t)
    body = {"conversationId": conv["id"], "content": "corrida", "clientId": "race-1"}
    answers = await asyncio.gather(*(t.client.post("/api/v1/whatsapp/messages", json=body) for _ in range(5)))
    assert {r.status_code for r in answers} == {201}
    assert len({r.json()["id"] for r in answers}) == 1
    assert len(harness.sim.requests_to("/chat/send/text")) == 1
    page = (await t.client.get(f"/api/v1/conversations/{conv['id']}/messages")).json()["items"]
    assert [m["content"] for m in page].count("corrida") == 1


async def test_disconnected_instance_fails_clearly_and_retry_works(harness: Harness) -> None:
    t = await harness.tenant("Acme")
    conv = await _conversation(harness, t)
    user = _sim_user(harness, t)
    user.failures.no_session = True
    resp = await t.client.post("/api/v1/whatsapp/messages", json={"conversationId": conv["id"], "content": "x"})
    assert resp.status_code == 201
    failed = resp.json()
    assert failed["status"] == "FAILED" and failed["error"] == "WhatsApp disconnected"
    # it is in the database (nothing is lost)
    async with harness.db() as db:
        row = await db.get(Message, uuid.UUID(failed["id"]))
        assert row is not None and row.content == "x"

    user.failures.no_session = False
    retried = await t.client.post(f"/api/v1/whatsapp/messages/{failed['id']}/retry")
    assert retried.status_code == 200 and retried.json()["status"] == "SENT"
    again = await t.client.post(f"/api/v1/whatsapp/messages/{failed['id']}/retry")
    assert again.status_code == 409


async def test_wuzapi_socket_down_becomes_failed(harness: Harness) -> None:
    t = await harness.tenant("Acme")
    conv = await _conversation(harness, t)
    _sim_user(harness, t).failures.error_5xx = True
    msg = (await t.client.post("/api/v1/whatsapp/messages", json={"conversationId": conv["id"], "content": "y"})).json()
    # WuzAPI: 500 "error sending message: websocket not connected"
    assert msg["status"] == "FAILED" and msg["error"] == "WhatsApp disconnected"


async def test_send_into_resolved_conversation_opens_outbound_ticket(harness: Harness) -> None:
    t = await harness.tenant("Acme")
    conv = await _conversation(harness, t)
    await t.client.post(
        f"/api/v1/tickets/{conv['currentTicketId']}/close", json={"outcome": "no_response", "reason": "sumiu"}
    )
    msg = (
        await t.client.post(
            "/api/v1/whatsapp/messages", json={"conversationId": conv["id"], "content": "Ainda tem interesse?"}
        )
    ).json()
    lead = (await t.client.get(f"/api/v1/leads/{conv['lead']['id']}")).json()
    assert [(tk["number"], tk["source"], tk["status"]) for tk in lead["tickets"]] == [
        (1, "whatsapp", "RESOLVED"),
        (2, "outbound", "OPEN"),
    ]
    assert msg["ticketId"] == lead["tickets"][1]["id"]
    assert lead["tickets"][0]["outcomeReason"] == "sumiu"


async def _reply_to_lead(t: Tenant, conv: dict[str, Any], content: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The agent replies to the conversation's newest message (the lead's); both as the API reads them."""
    lead_msg = (await t.client.get(f"/api/v1/conversations/{conv['id']}/messages")).json()["items"][0]
    body = {"conversationId": conv["id"], "content": content, "replyToId": lead_msg["id"]}
    reply = (await t.client.post("/api/v1/whatsapp/messages", json=body)).json()
    return lead_msg, reply


async def test_reply_and_media_upload(harness: Harness) -> None:
    t = await harness.tenant("Acme")
    conv = await _conversation(harness, t)
    lead_msg, reply = await _reply_to_lead(t, conv, "Respondendo")
    assert reply["replyTo"]["id"] == lead_msg["id"]
    req = harness.sim.requests_to("/chat/send/text")[-1]
    assert req.json["ContextInfo"]["StanzaID"] == lead_msg["externalId"]
    assert req.json["ContextInfo"]["Participant"] == f"{PHONE}@s.whatsapp.net"

    pdf = b"%PDF-1.4 test document"
    resp = await t.client.post(
        "/api/v1/whatsapp/messages",
        data={"conversationId": conv["id"], "clientId": "f-1", "caption": "proposta"},
        files={"file": ("proposta.pdf", pdf, "application/pdf")},
    )
    assert resp.status_code == 201, resp.text
    doc = resp.json()
    assert doc["messageType"] == "DOCUMENT" and doc["status"] == "SENT"
    assert (await t.client.get(doc["media"]["url"])).content == pdf
    sent = harness.sim.requests_to("/chat/send/document")[-1].json
    assert sent["FileName"] == "proposta.pdf" and sent["Document"].startswith("data:application/pdf;base64,")


async def test_quotes_name_who_wrote_the_quoted_message(harness: Harness) -> None:
    """replyTo carries the quoted message's author: the lead's name, or the colleague's id and name."""
    t = await harness.tenant("Acme")
    conv = await _conversation(harness, t)
    _, reply = await _reply_to_lead(t, conv, "Claro")
    assert reply["replyTo"]["senderType"] == "LEAD"
    assert reply["replyTo"]["senderName"] == p.DEFAULT_PUSH_NAME and reply["replyTo"]["senderId"] is None

    # the lead quotes the agent's message: the webhook's event and the list both name the agent
    async with harness.recording() as published:
        await harness.webhook(
            t, p.text_message(phone=PHONE, text="Obrigada", quoted=p.Quote(message_id=reply["externalId"]))
        )
    listed = (await t.client.get(f"/api/v1/conversations/{conv['id']}/messages")).json()["items"]
    answer = next(m for m in listed if m["content"] == "Obrigada")
    assert answer["replyTo"]["id"] == reply["id"] and answer["replyTo"]["senderType"] == "USER"
    assert answer["replyTo"]["senderId"] == str(t.user_id) and answer["replyTo"]["senderName"] == "Acme Agent"
    await harness.sim.drain()
    events = [d["data"] for _, d in [*published, *await harness.drain()] if d["type"] == "new_message"]
    quoted = [e["replyTo"] for e in events if e.get("content") == "Obrigada"]
    assert quoted and quoted[0]["senderId"] == str(t.user_id) and quoted[0]["senderName"] == "Acme Agent"


async def test_agent_typing_is_forwarded(harness: Harness) -> None:
    t = await harness.tenant("Acme")
    conv = await _conversation(harness, t)
    async with harness.recording() as published:
        resp = await t.client.post(f"/api/v1/conversations/{conv['id']}/typing", json={"isTyping": True})
    assert resp.status_code == 204
    await harness.sim.drain()
    assert any(d["type"] == "typing" and d["data"]["senderType"] == "USER" for _, d in published)
    # ephemeral: published directly, never through the durable outbox
    assert not [d for _, d in await harness.drain() if d["type"] == "typing"]


async def test_mark_read_calls_wuzapi_markread(harness: Harness) -> None:
    t = await harness.tenant("Acme")
    conv = await _conversation(harness, t)
    resp = await t.client.post(f"/api/v1/conversations/{conv['id']}/read")
    assert resp.status_code == 200 and resp.json()["unreadCount"] == 0
    import asyncio

    for _ in range(50):
        if harness.sim.requests_to("/chat/markread"):
            break
        await asyncio.sleep(0.01)
    assert harness.sim.requests_to("/chat/markread")[-1].json["Id"]
    assert (await t.client.post(f"/api/v1/conversations/{conv['id']}/unread")).json()["unreadCount"] == 1
    async with harness.db() as db:
        assert (await db.scalars(select(Message))).all()

"""The receive flow: WuzAPI webhook -> lead, conversation, ticket, message, events."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import func, select

from tests.support.tenants import Harness
from whatrack.models import Lead, Message, Ticket
from whatrack.simulator import payloads as p

PHONE = "5511988887777"


async def _conversations(t_client: httpx.AsyncClient, **params: str) -> list[dict[str, Any]]:
    resp = await t_client.get("/api/v1/conversations", params=params)
    assert resp.status_code == 200, resp.text
    items: list[dict[str, Any]] = resp.json()["items"]
    return items


async def test_text_message_creates_lead_conversation_ticket_and_events(harness: Harness) -> None:
    t = await harness.tenant("Acme")
    payload = p.text_message(text="Oi, quero saber o preço", phone=PHONE, push_name="Maria")
    resp = await harness.webhook(t, payload)
    assert resp.status_code == 200 and resp.json()["status"] == "ok"

    items = await _conversations(t.client)
    assert len(items) == 1
    conv = items[0]
    assert conv["lead"]["phone"] == "+5511988887777"
    assert conv["lead"]["pushName"] == "Maria"
    assert conv["unreadCount"] == 1
    assert conv["ticketStatus"] == "OPEN"
    assert conv["lastMessagePreview"] == "Oi, quero saber o preço"
    assert conv["lastMessageSenderType"] == "LEAD"
    assert conv["waitingSince"] is not None

    msgs = (await t.client.get(f"/api/v1/conversations/{conv['id']}/messages")).json()["items"]
    assert [m["content"] for m in msgs] == ["Oi, quero saber o preço"]
    assert msgs[0]["senderType"] == "LEAD"
    assert msgs[0]["ticketId"] == conv["currentTicketId"]
    assert msgs[0]["externalId"] == payload["event"]["Info"]["ID"]

    lead = (await t.client.get(f"/api/v1/leads/{conv['lead']['id']}")).json()
    assert lead["firstSource"] == "whatsapp"
    assert [tk["source"] for tk in lead["tickets"]] == ["whatsapp"]

    published = await harness.drain()
    channels = {(ch, data["type"]) for ch, data in published}
    assert (f"chat:conversation:{conv['id']}", "new_message") in channels
    assert (f"chat:org:{t.organization_id}", "conversation_updated") in channels
    assert all(
        not ch.endswith(str(conv["id"])) or data["data"].get("conversationId", conv["id"]) == conv["id"]
        for ch, data in published
    )


async def test_redelivered_webhook_is_a_noop(harness: Harness) -> None:
    t = await harness.tenant("Acme")
    payload = p.text_message(phone=PHONE)
    first = await harness.webhook(t, payload)
    second = await harness.webhook(t, payload)
    assert first.json()["status"] == "ok"
    assert second.status_code == 200 and second.json()["status"] == "duplicate"
    async with harness.db() as db:
        assert await db.scalar(select(func.count()).select_from(Message)) == 1
        assert await db.scalar(select(func.count()).select_from(Ticket)) == 1
    conv = (await _conversations(t.client))[0]
    assert conv["unreadCount"] == 1


async def test_form_format_and_hmac(harness: Harness) -> None:
    key = "k" * 40
    t = await harness.tenant("Acme", hmac_key=key)
    user = next(u for u in harness.sim.users.values() if u.token == t.wuzapi_token)
    user.webhook_format = "form"
    await harness.emitter.emit(user, p.text_message(phone=PHONE, text="via form + hmac"))
    items = await _conversations(t.client)
    assert items and items[0]["lastMessagePreview"] == "via form + hmac"

    # unsigned or wrongly signed: 401 and nothing written
    bad = await harness.anon.post(
        t.webhook_path, json=p.text_message(phone="5511977776666"), headers={"x-hmac-signature": "00" * 32}
    )
    assert bad.status_code == 401
    assert len(await _conversations(t.client)) == 1


async def test_ctwa_ad_sets_ticket_origin_and_first_touch_once(harness: Harness) -> None:
    t = await harness.tenant("Acme")
    ad = p.text_message(phone=PHONE, text="Vi o anúncio", referral=p.Referral(campaign="black_friday"))
    await harness.webhook(t, ad)
    conv = (await _conversations(t.client))[0]
    ticket_id = conv["currentTicketId"]
    resp = await t.client.post(f"/api/v1/tickets/{ticket_id}/close", json={"outcome": "lost_price"})
    assert resp.status_code == 200 and resp.json()["status"] == "RESOLVED"

    # the lead comes back organically: a new ticket with its own origin; first touch unchanged
    await harness.webhook(t, p.text_message(phone=PHONE, text="Voltei"))
    lead = (await t.client.get(f"/api/v1/leads/{conv['lead']['id']}")).json()
    assert [(tk["number"], tk["source"], tk["status"]) for tk in lead["tickets"]] == [
        (1, "meta_ads", "RESOLVED"),
        (2, "whatsapp", "OPEN"),
    ]
    assert lead["tickets"][0]["campaign"] == "black_friday"
    assert lead["tickets"][0]["adId"] == "120212345678900123"
    assert lead["tickets"][0]["outcome"] == "lost_price"
    assert lead["firstSource"] == "meta_ads" and lead["firstCampaign"] == "black_friday"


async def test_ninth_digit_and_lid_map_to_the_same_lead(harness: Harness) -> None:
    t = await harness.tenant("Acme")
    await harness.webhook(t, p.text_message(phone=PHONE, text="com nove"))
    await harness.webhook(t, p.readdress(p.text_message(phone=PHONE, text="sem nove"), ninth_digit=True))
    await harness.webhook(t, p.readdress(p.text_message(phone=PHONE, text="via lid"), lid=True))
    async with harness.db() as db:
        leads = (await db.scalars(select(Lead))).all()
    assert len(leads) == 1
    assert leads[0].phone == "+5511988887777"
    assert leads[0].lid is not None and leads[0].lid.endswith("@lid")
    conv = (await _conversations(t.client))[0]
    assert conv["unreadCount"] == 3


async def test_media_is_stored_and_served_with_tenancy(harness: Harness) -> None:
    t = await harness.tenant("Acme")
    other = await harness.tenant("Other")
    data = b"\x89PNG\r\n\x1a\n" + b"x" * 100
    await harness.webhook(
        t, p.media_message(kind="image", data=data, mime_type="image/png", caption="foto", phone=PHONE)
    )
    conv = (await _conversations(t.client))[0]
    msg = (await t.client.get(f"/api/v1/conversations/{conv['id']}/messages")).json()["items"][0]
    assert msg["messageType"] == "IMAGE" and msg["content"] == "foto"
    assert msg["media"]["mimeType"] == "image/png" and msg["media"]["size"] == len(data)
    got = await t.client.get(msg["media"]["url"])
    assert got.status_code == 200 and got.content == data
    assert (await other.client.get(msg["media"]["url"])).status_code == 404
    # the kind is stored apart from the text: the client names it in its language
    assert (conv["lastMessageType"], conv["lastMessagePreview"], conv["lastMessageReaction"]) == ("IMAGE", "foto", None)


async def test_receipts_are_monotonic_and_early_receipts_wait(harness: Harness) -> None:
    t = await harness.tenant("Acme")
    await harness.webhook(t, p.text_message(phone=PHONE, timestamp=datetime.now(UTC) - timedelta(minutes=1)))
    # the agent's phone sends a message; its Read receipt arrives before the message itself
    mine = p.from_me_message(text="Olá! Como posso ajudar?", phone=PHONE)
    mid = mine["event"]["Info"]["ID"]
    await harness.webhook(t, p.read_receipt(message_ids=[mid], state="Read", phone=PHONE))
    await harness.webhook(t, mine)
    conv = (await _conversations(t.client))[0]
    msgs = (await t.client.get(f"/api/v1/conversations/{conv['id']}/messages")).json()["items"]
    assert msgs[0]["senderType"] == "USER" and msgs[0]["status"] == "READ"
    # a late Delivered never moves it back
    await harness.webhook(t, p.read_receipt(message_ids=[mid], state="Delivered", phone=PHONE))
    msgs = (await t.client.get(f"/api/v1/conversations/{conv['id']}/messages")).json()["items"]
    assert msgs[0]["status"] == "READ"
    # a message typed on the phone answers the lead
    conv = (await _conversations(t.client))[0]
    assert conv["waitingSince"] is None and conv["lastMessageSenderType"] == "USER"


async def test_reaction_edit_revoke(harness: Harness) -> None:
    t = await harness.tenant("Acme")
    original = p.text_message(phone=PHONE, text="Quanto custa?")
    mid = original["event"]["Info"]["ID"]
    await harness.webhook(t, original)
    conv = (await _conversations(t.client))[0]
    await t.client.post(f"/api/v1/conversations/{conv['id']}/read")

    await harness.webhook(t, p.reaction_message(target_id=mid, emoji="👍", phone=PHONE))
    await harness.webhook(t, p.edit_message(target_id=mid, new_text="Quanto custa o plano anual?", phone=PHONE))
    msg = (await t.client.get(f"/api/v1/conversations/{conv['id']}/messages")).json()["items"][0]
    assert msg["reactions"] == [{"emoji": "👍", "fromMe": False}]
    assert msg["edited"] is True and msg["content"] == "Quanto custa o plano anual?"
    conv = (await _conversations(t.client))[0]
    assert conv["unreadCount"] == 1  # the 👍 counts as the lead replying
    # the list shows it on the message reacted to (whose text it took before the edit)
    assert (conv["lastMessageReaction"], conv["lastMessageType"], conv["lastMessagePreview"]) == (
        "👍",
        "TEXT",
        "Quanto custa?",
    )

    await harness.webhook(t, p.revoke_message(target_id=mid, phone=PHONE))
    msg = (await t.client.get(f"/api/v1/conversations/{conv['id']}/messages")).json()["items"][0]
    assert msg["deleted"] is True and msg["content"] == "Quanto custa o plano anual?"
    published = await harness.drain()
    assert any(d["type"] == "message_updated" for _, d in published)


async def test_groups_broadcasts_and_unknown_events_are_ignored(harness: Harness) -> None:
    t = await harness.tenant("Acme")
    for payload in (p.group_message(), {"type": "CallOffer", "event": {"From": "x"}}):
        resp = await harness.webhook(t, payload)
        assert resp.status_code == 200 and resp.json()["status"] == "ignored"
    assert await _conversations(t.client) == []


async def test_typing_and_instance_status_events(harness: Harness) -> None:
    t = await harness.tenant("Acme")
    await harness.webhook(t, p.text_message(phone=PHONE))
    await harness.drain()
    async with harness.recording() as published:
        await harness.webhook(t, p.chat_presence(state="composing", phone=PHONE))
        await harness.webhook(t, p.disconnected())
        from_outbox = await harness.drain()
    assert not [d for _, d in from_outbox if d["type"] == "typing"]  # ephemeral: not in the outbox
    typing = [d for _, d in published if d["type"] == "typing"]
    assert typing and typing[0]["data"]["isTyping"] is True and typing[0]["data"]["senderType"] == "LEAD"
    instances = (await t.client.get("/api/v1/instances")).json()
    assert instances[0]["status"] == "disconnected"


async def test_old_timestamp_keeps_list_order(harness: Harness) -> None:
    t = await harness.tenant("Acme")
    now = datetime.now(UTC)
    await harness.webhook(t, p.text_message(phone=PHONE, text="novo", timestamp=now))
    await harness.webhook(t, p.text_message(phone=PHONE, text="atrasado", timestamp=now - timedelta(minutes=5)))
    conv = (await _conversations(t.client))[0]
    assert conv["lastMessagePreview"] == "novo"
    msgs = (await t.client.get(f"/api/v1/conversations/{conv['id']}/messages")).json()["items"]
    assert [m["content"] for m in msgs] == ["novo", "atrasado"]


async def test_pair_success_teaches_the_instance_its_phone(harness: Harness) -> None:
    t = await harness.tenant("Acme")
    resp = await harness.webhook(t, p.pair_success())
    assert resp.status_code == 200 and resp.json()["status"] == "ok"
    inst = (await t.client.get("/api/v1/instances")).json()[0]
    assert inst["status"] == "connected" and inst["phone"] == "+5511999990000"
    published = await harness.drain()
    assert any(d["type"] == "instance_updated" and d["data"]["phone"] == "+5511999990000" for _, d in published)

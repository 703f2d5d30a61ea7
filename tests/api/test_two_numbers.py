"""Several WhatsApp numbers (issue 12): an organization with two instances on the simulator.

Each message and ticket records the number it came through; the conversation's current number
follows the lead's last message (conversations.on_message, on the one-by-one and batch paths
alike); replies go out through it; the agent may switch it (PUT .../instance); receipts and
edits match within their own number.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from tests.support.tenants import APP_BASE, WUZAPI_BASE, Harness, Tenant
from whatrack.db import transaction
from whatrack.inbox.ingest import Delivery
from whatrack.inbox.receive import receive
from whatrack.instances import service as instances
from whatrack.models import Conversation, Instance, Message, Ticket
from whatrack.simulator import payloads as p
from whatrack.whatsapp.parsing import parse_webhook

LEAD = "5511911112222"
T0 = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


async def _second(harness: Harness, t: Tenant, name: str = "Second") -> tuple[Instance, str]:
    """Another number of the same organization, paired on the simulator. Returns (instance, token)."""
    token = secrets.token_hex(16)
    async with harness.db() as db:
        inst = await instances.create_instance(db, t.organization_id, name=name, base_url=WUZAPI_BASE, token=token)
    harness.sim.add_user(
        token=token,
        webhook=f"{APP_BASE}/api/v1/whatsapp/w/webhook/{inst.id}?secret={inst.webhook_secret}",
        name=name,
    )
    return inst, token


def _path(inst: Instance) -> str:
    return f"/api/v1/whatsapp/w/webhook/{inst.id}?secret={inst.webhook_secret}"


async def _conv(harness: Harness, t: Tenant) -> Conversation:
    async with harness.db() as db:
        conv = await db.scalar(select(Conversation).where(Conversation.organization_id == t.organization_id))
        assert conv is not None
        return conv


async def _message(harness: Harness, external_id: str) -> Message:
    async with harness.db() as db:
        msg = await db.scalar(select(Message).where(Message.external_id == external_id))
        assert msg is not None
        return msg


async def test_replies_follow_the_number_the_lead_last_wrote_to(harness: Harness) -> None:
    t = await harness.tenant("Dois")
    b, b_token = await _second(harness, t)
    first = p.text_message(phone=LEAD, text="Oi pelo A", message_id="A1", timestamp=T0)
    assert (await harness.anon.post(_path(t.instance), json=first)).json()["status"] == "ok"
    conv = await _conv(harness, t)
    assert conv.instance_id == t.instance.id
    second = p.text_message(phone=LEAD, text="Agora pelo B", message_id="B1", timestamp=T0 + timedelta(minutes=1))
    assert (await harness.anon.post(_path(b), json=second)).json()["status"] == "ok"
    conv = await _conv(harness, t)
    assert conv.instance_id == b.id  # follows the last inbound message
    assert (await _message(harness, "A1")).instance_id == t.instance.id
    assert (await _message(harness, "B1")).instance_id == b.id
    async with harness.db() as db:
        ticket = await db.scalar(select(Ticket).where(Ticket.conversation_id == conv.id))
        assert ticket is not None and ticket.instance_id == t.instance.id  # opened through A
    listed = (await t.client.get(f"/api/v1/conversations/{conv.id}")).json()
    assert listed["instanceId"] == str(b.id)
    lead = (await t.client.get(f"/api/v1/leads/{conv.lead_id}")).json()
    assert [x["instanceId"] for x in lead["tickets"]] == [str(t.instance.id)]

    # an older message of the lead arriving late on A does not move it back
    late = p.text_message(phone=LEAD, text="atrasada", message_id="A0", timestamp=T0 - timedelta(minutes=5))
    assert (await harness.anon.post(_path(t.instance), json=late)).json()["status"] == "ok"
    assert (await _conv(harness, t)).instance_id == b.id

    resp = await t.client.post("/api/v1/whatsapp/messages", json={"conversationId": str(conv.id), "content": "Olá!"})
    assert resp.status_code == 201, resp.text
    sent = harness.sim.requests_to("/chat/send/text")[-1]
    assert sent.headers["token"] == b_token and sent.json["Body"] == "Olá!"
    reply = resp.json()
    assert (await _message(harness, reply["externalId"])).instance_id == b.id


async def test_receipts_and_edits_match_within_their_number(harness: Harness) -> None:
    t = await harness.tenant("Recibos")
    b, b_token = await _second(harness, t)
    original = p.text_message(phone=LEAD, message_id="X1", text="original")
    assert (await harness.anon.post(_path(b), json=original)).json()["status"] == "ok"
    # the same WhatsApp id on the other number is another message: A's edit leaves B's alone
    edit_on_a = p.edit_message(target_id="X1", new_text="editado em A", phone=LEAD)
    await harness.anon.post(_path(t.instance), json=edit_on_a)
    assert (await _message(harness, "X1")).content == "original"
    edit_on_b = p.edit_message(target_id="X1", new_text="editado em B", phone=LEAD)
    assert (await harness.anon.post(_path(b), json=edit_on_b)).json()["status"] == "ok"
    assert (await _message(harness, "X1")).content == "editado em B"

    conv = await _conv(harness, t)
    sim_b = next(u for u in harness.sim.users.values() if u.token == b_token)
    sim_b.webhook = ""  # the simulator's own receipts stay out: this test sends them
    resp = await t.client.post("/api/v1/whatsapp/messages", json={"conversationId": str(conv.id), "content": "oi"})
    await harness.sim.drain()
    ext = resp.json()["externalId"]
    read_on_a = p.read_receipt(message_ids=[ext], state="Read", phone=LEAD)
    await harness.anon.post(_path(t.instance), json=read_on_a)
    assert (await _message(harness, ext)).status.value != "READ"
    assert (await harness.anon.post(_path(b), json=read_on_a)).json()["status"] == "ok"
    assert (await _message(harness, ext)).status.value == "READ"


async def test_the_agent_switches_the_number_before_sending(harness: Harness) -> None:
    t = await harness.tenant("Troca")
    other = await harness.tenant("Outra")
    b, b_token = await _second(harness, t)
    assert (await harness.anon.post(_path(t.instance), json=p.text_message(phone=LEAD))).json()["status"] == "ok"
    conv = await _conv(harness, t)
    url = f"/api/v1/conversations/{conv.id}/instance"

    foreign = await t.client.put(url, json={"instanceId": str(other.instance.id)})
    assert foreign.status_code == 404 and foreign.json()["error"]["code"] == "instance_not_found"
    unknown = await t.client.put(f"/api/v1/conversations/{uuid.uuid4()}/instance", json={"instanceId": str(b.id)})
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "conversation_not_found"
    hidden = await other.client.put(url, json={"instanceId": str(other.instance.id)})
    assert hidden.status_code == 404 and hidden.json()["error"]["code"] == "conversation_not_found"
    assert (await _conv(harness, t)).instance_id == t.instance.id  # nothing written

    switched = await t.client.put(url, json={"instanceId": str(b.id)})
    assert switched.status_code == 200 and switched.json()["instanceId"] == str(b.id)
    await t.client.post("/api/v1/whatsapp/messages", json={"conversationId": str(conv.id), "content": "pelo B"})
    assert harness.sim.requests_to("/chat/send/text")[-1].headers["token"] == b_token


# -- the batch path ends where the one-by-one path ends ----------------------------------------------


def _lead_writes_to_both(a: Instance, b: Instance) -> list[tuple[Instance, dict[str, Any]]]:
    at = [T0 + timedelta(minutes=m) for m in range(4)]
    return [
        (a, p.text_message(phone=LEAD, text="pelo A", message_id="M1", timestamp=at[0])),
        (b, p.text_message(phone=LEAD, text="pelo B", message_id="M2", timestamp=at[1])),
        (a, p.text_message(phone="5511933334444", text="outro lead", message_id="M3", timestamp=at[2])),
        (b, p.text_message(phone="5511933334444", text="outro lead no B", message_id="M4", timestamp=at[3])),
        (a, p.text_message(phone="5511933334444", text="velha no A", message_id="M5", timestamp=T0)),
    ]


async def _state(harness: Harness, t: Tenant, b: Instance) -> dict[str, Any]:
    name = {t.instance.id: "A", b.id: "B"}
    async with harness.db() as db:
        convs = (await db.scalars(select(Conversation).where(Conversation.organization_id == t.organization_id))).all()
        msgs = (await db.scalars(select(Message).where(Message.organization_id == t.organization_id))).all()
        tickets = (await db.scalars(select(Ticket).where(Ticket.organization_id == t.organization_id))).all()
    return {
        "conversations": sorted((c.last_message_preview, name[c.instance_id], c.unread_count) for c in convs),
        "messages": sorted((m.external_id, name[m.instance_id]) for m in msgs),
        "tickets": sorted(name[t.instance_id] for t in tickets if t.instance_id),
    }


async def test_the_batch_follows_the_lead_to_the_second_number_like_receive(harness: Harness) -> None:
    alone, batched = await harness.tenant("Sozinho"), await harness.tenant("Lote")
    alone_b, _ = await _second(harness, alone, "Sozinho B")
    batched_b, _ = await _second(harness, batched, "Lote B")
    # the leads wrote to A before (a known conversation: the batch's fast path)
    for t in (alone, batched):
        hello = p.text_message(phone=LEAD, text="antes", message_id="M0", timestamp=T0 - timedelta(hours=1))
        assert (await harness.anon.post(_path(t.instance), json=hello)).json()["status"] == "ok"

    for inst, payload in _lead_writes_to_both(alone.instance, alone_b):
        async with transaction(harness.app.state.session_factory) as db:
            loaded = await db.get(Instance, inst.id)
            assert loaded is not None
            raw = json.dumps(payload).encode()
            result = await receive(db, loaded, parse_webhook(raw, "application/json"), harness.app.state.media)
        assert result.status == "ok"

    ingestor = harness.app.state.ingestor
    deliveries = [
        Delivery(inst.id, json.dumps(payload).encode(), "application/json", None, inst.webhook_secret)
        for inst, payload in _lead_writes_to_both(batched.instance, batched_b)
    ]
    results = await asyncio.gather(*(ingestor.submit(d) for d in deliveries))
    assert [r.status for r in results] == ["ok"] * len(deliveries)

    state_alone = await _state(harness, alone, alone_b)
    state_batched = await _state(harness, batched, batched_b)
    assert state_alone == state_batched
    assert state_batched["conversations"] == [("outro lead no B", "B", 3), ("pelo B", "B", 3)]

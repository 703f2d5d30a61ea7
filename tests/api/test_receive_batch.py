"""Batched receive (inbox/batch.py + inbox/ingest.py) against receive() itself.

The same webhooks go to two organizations: to A one by one through receive() (the general
path, one transaction each), to B all at once, so that the ingestor takes them as one batch.
Both must end in the same state: same leads, conversations, tickets, messages and events.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from prometheus_client.samples import Sample
from sqlalchemy import select

from tests.api import test_metrics
from tests.support.tenants import Harness, Tenant
from whatrack.db import transaction
from whatrack.errors import ContactUnidentifiable, ServerError
from whatrack.inbox import batch, ingest
from whatrack.inbox import receive as receive_module
from whatrack.inbox.ingest import Delivery
from whatrack.inbox.receive import receive
from whatrack.models import (
    AdCampaign,
    Conversation,
    Instance,
    Lead,
    Message,
    OutboxEvent,
    ScheduledMessage,
    ScheduledStatus,
    Ticket,
    TicketStatus,
    TicketTouch,
)
from whatrack.observability import WEBHOOK_BATCH
from whatrack.simulator import payloads as p
from whatrack.whatsapp.parsing import parse_webhook

KNOWN_1, KNOWN_2, NEW_1, NEW_2 = "5511911110001", "5511911110002", "5511922220001", "5511922220002"
T0 = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


def _at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def _setup() -> list[dict[str, Any]]:
    """History both organizations get through receive(): two known leads, one message we sent."""
    return [
        p.text_message(phone=KNOWN_1, push_name="Ana", text="Oi", message_id="SETUP1", timestamp=_at(0)),
        p.text_message(phone=KNOWN_2, push_name="Bia", text="Bom dia", message_id="SETUP2", timestamp=_at(1)),
        p.from_me_message(phone=KNOWN_1, text="Olá Ana!", message_id="OUT1", timestamp=_at(2)),
    ]


def _batch() -> list[dict[str, Any]]:
    text = p.text_message(phone=KNOWN_1, push_name="Ana", text="Quanto custa?", message_id="B1", timestamp=_at(10))
    return [
        text,
        p.text_message(
            phone=KNOWN_2,
            push_name="Bia",
            text="Sobre isso",
            message_id="B2",
            quoted=p.Quote(message_id="SETUP2", text="Bom dia"),
            timestamp=_at(11),
        ),
        p.media_message(kind="image", phone=KNOWN_1, push_name="Ana", message_id="B3", timestamp=_at(12)),
        p.read_receipt(message_ids=["OUT1"], state="Delivered", phone=KNOWN_1, timestamp=_at(13)),
        p.read_receipt(message_ids=["OUT1"], state="Read", phone=KNOWN_1, timestamp=_at(14)),
        p.text_message(
            phone=NEW_1,
            push_name="Caio",
            text="Vi o anúncio",
            message_id="B6",
            referral=p.Referral(campaign="black_friday"),
            timestamp=_at(15),
        ),
        p.text_message(phone=NEW_1, push_name="Caio", text="Ainda tem?", message_id="B7", timestamp=_at(16)),
        p.text_message(phone=NEW_2, push_name="Duda", text="Olá", message_id="B8", timestamp=_at(17)),
        text,  # re-delivered in the same batch
        p.reaction_message(target_id="SETUP2", target_from_me=False, phone=KNOWN_2, emoji="❤️", timestamp=_at(18)),
        p.text_message(phone=KNOWN_2, push_name="Beatriz", text="Mudei o nome", message_id="B11", timestamp=_at(19)),
        p.text_message(phone=KNOWN_1, push_name="Ana", text="Antiga", message_id="B12", timestamp=_at(5)),
        p.read_receipt(message_ids=["NOT-YET"], state="Read", phone=KNOWN_1, timestamp=_at(20)),
        p.text_message(phone=KNOWN_2, push_name="Beatriz", text="Oi?", message_id="B14", timestamp=_at(21)),
        p.media_message(  # bigger than batch.BIG_FILE: written outside the batch
            kind="document",
            data=b"%PDF-1.4 " + bytes(range(256)) * 5000,
            file_name="catalogo.pdf",
            phone=KNOWN_1,
            push_name="Ana",
            message_id="B15",
            timestamp=_at(22),
        ),
        p.text_message(  # an ad click while Ana's ticket is open: a touch on it, not a new ticket
            phone=KNOWN_1,
            push_name="Ana",
            text="Vi outro anúncio",
            message_id="B16",
            referral=p.Referral(campaign="verao", source_id=SUMMER_AD, title="Verão chegou", source_url=""),
            timestamp=_at(23),
        ),
    ]


SUMMER_AD = "120212345678900999"


async def _name_summer_ad(harness: Harness, tenant: Tenant) -> None:
    """An admin named the summer ad as a campaign before it was clicked."""
    async with harness.db() as db:
        db.add(AdCampaign(organization_id=tenant.organization_id, ad_id=SUMMER_AD, campaign="Verão 2027"))
        await db.commit()


async def _receive_alone(harness: Harness, tenant: Tenant, payload: dict[str, Any]) -> str:
    raw = json.dumps(payload).encode()
    async with transaction(harness.app.state.session_factory) as db:
        instance = await db.get(Instance, tenant.instance.id)
        assert instance is not None
        result = await receive(db, instance, parse_webhook(raw, "application/json"), harness.app.state.media)
    return result.status


def _delivery(tenant: Tenant, payload: dict[str, Any]) -> Delivery:
    raw = json.dumps(payload).encode()
    return Delivery(tenant.instance.id, raw, "application/json", None, tenant.instance.webhook_secret)


async def _state(harness: Harness, org_id: uuid.UUID) -> dict[str, Any]:
    """Everything the flows write, without ids and wall-clock times."""
    async with harness.db() as db:
        leads = (await db.scalars(select(Lead).where(Lead.organization_id == org_id))).all()
        phone_of = {lead.id: lead.phone for lead in leads}
        convs = (await db.scalars(select(Conversation).where(Conversation.organization_id == org_id))).all()
        lead_of_conv = {c.id: phone_of[c.lead_id] for c in convs}
        tickets = (await db.scalars(select(Ticket).where(Ticket.organization_id == org_id))).all()
        ticket_key = {t.id: (lead_of_conv[t.conversation_id], t.number) for t in tickets}
        msgs = (await db.scalars(select(Message).where(Message.organization_id == org_id))).all()
        ext_of = {m.id: m.external_id for m in msgs}
        events = (await db.scalars(select(OutboxEvent).order_by(OutboxEvent.id))).all()
        scheduled = (await db.scalars(select(ScheduledMessage).where(ScheduledMessage.organization_id == org_id))).all()
        touches = (await db.scalars(select(TicketTouch).where(TicketTouch.organization_id == org_id))).all()
    conv_ids = {str(c.id) for c in convs}
    figures = await test_metrics.snapshot(harness, org_id)  # response metrics, kept on both paths
    return {
        "ticket_metrics": figures["tickets"],
        "conversation_metrics": figures["conversations"],
        "leads": sorted(
            (x.phone, x.lid, x.remote_jid, x.push_name, x.first_source, x.first_campaign, x.first_medium) for x in leads
        ),
        "conversations": sorted(
            (
                lead_of_conv[c.id],
                ticket_key.get(c.current_ticket_id) if c.current_ticket_id else None,
                c.ticket_status,
                c.unread_count,
                c.last_message_at,
                c.last_message_preview,
                c.last_message_type,
                c.last_message_reaction,
                c.last_message_sender_type,
                c.last_message_status,
                ext_of.get(c.last_message_id) if c.last_message_id else None,
                c.waiting_since,
                c.snoozed_until,
                c.priority,
            )
            for c in convs
        ),
        "tickets": sorted(
            (
                ticket_key[t.id],
                t.status,
                t.source,
                t.campaign,
                t.ad_id,
                t.ad_headline,
                t.ad_source_url,
                t.ad_thumbnail_url,
                t.last_activity_at,
                t.current_follow_up_step,
            )
            for t in tickets
        ),
        "touches": sorted(
            (ticket_key[x.ticket_id], x.source, x.campaign, x.ad_id, x.ad_headline, x.ctwa_clid, x.at) for x in touches
        ),
        "scheduled": sorted((ticket_key[x.ticket_id], x.step, x.status) for x in scheduled),
        "messages": sorted(
            (
                m.external_id or "",  # SYSTEM lines (a follow-up cancelled) have none
                ticket_key[m.ticket_id],
                m.sender_type,
                m.sender_name,
                m.message_type,
                m.content,
                m.status,
                m.media_mime,
                m.media_size,
                bool(m.media_path),
                ext_of.get(m.reply_to_id) if m.reply_to_id else None,
                json.dumps(m.reactions),
                m.sent_at,
            )
            for m in msgs
        ),
        # every event each conversation's channel got, by type (the org channel may get fewer
        # conversation_updated: one per conversation per batch is enough)
        "conversation_events": sorted(
            (lead_of_conv[uuid.UUID(e.channel.rsplit(":", 1)[1])], e.data["type"])
            for e in events
            if e.channel.startswith("chat:conversation:") and e.channel.rsplit(":", 1)[1] in conv_ids
        ),
        "org_event_types": sorted(
            {e.data["type"] for e in events if e.channel == f"chat:org:{org_id}"},
        ),
    }


async def test_a_batch_ends_where_one_by_one_ends(harness: Harness) -> None:
    a, b = await harness.tenant("Alone"), await harness.tenant("Batch")
    for t in (a, b):
        await _name_summer_ad(harness, t)
        for payload in _setup():
            assert await _receive_alone(harness, t, payload) == "ok"

    for payload in _batch():
        await _receive_alone(harness, a, payload)
    batches_before = next(iter(WEBHOOK_BATCH.collect())).samples
    ingestor = harness.app.state.ingestor
    results = await asyncio.gather(*(ingestor.submit(_delivery(b, payload)) for payload in _batch()))
    batches_after = next(iter(WEBHOOK_BATCH.collect())).samples

    # it was one batch (otherwise this test would compare nothing)
    def count(samples: list[Sample]) -> float:
        return next(float(s.value) for s in samples if s.name.endswith("_count"))

    def total(samples: list[Sample]) -> float:
        return next(float(s.value) for s in samples if s.name.endswith("_sum"))

    assert count(batches_after) - count(batches_before) == 1
    assert total(batches_after) - total(batches_before) == len(_batch())
    assert [r.status for r in results].count("duplicate") == 1
    assert results[8].status == "duplicate"  # the re-delivery

    state_a, state_b = await _state(harness, a.organization_id), await _state(harness, b.organization_id)
    for key in state_a:
        assert state_a[key] == state_b[key], key
    # and the state is the one expected, not merely the same twice
    leads = {lead[0]: lead for lead in state_b["leads"]}
    assert leads["+5511922220001"][4:6] == ("meta_ads", "black_friday")  # first touch from the ad
    assert leads["+5511911110002"][3] == "Beatriz"
    msgs = {m[0]: m for m in state_b["messages"]}
    assert msgs["OUT1"][6] == "READ"
    assert msgs["B2"][10] == "SETUP2"
    assert json.loads(msgs["SETUP2"][11]) == [{"emoji": "❤️", "fromMe": False}]
    assert len(msgs) == 3 + 11  # setup + the batch's messages (not the duplicate, receipts, reaction)
    tickets = {t[0]: t for t in state_b["tickets"]}
    # the ad's facts apart from its campaign (utm_campaign of the ad's link)
    assert tickets[("+5511922220001", 1)][2:6] == ("meta_ads", "black_friday", "120212345678900123", p.Referral().title)
    # Ana's ad click kept her ticket (no new one) and is a touch on it, named by the admin's mapping
    assert ("+5511911110001", 2) not in tickets and msgs["B16"][1] == ("+5511911110001", 1)
    clid = p.Referral(campaign="verao", source_id=SUMMER_AD).clid()
    assert state_b["touches"] == [
        (("+5511911110001", 1), "meta_ads", "Verão 2027", SUMMER_AD, "Verão chegou", clid, _at(23))
    ]
    assert msgs["B15"][8] == 9 + 256 * 5000 and msgs["B15"][9]  # size, stored on disk
    figures = state_b["ticket_metrics"][("+5511922220001", 1)]  # the ad's newcomer (through receive())
    assert figures["messages_in"] >= 1 and figures["first_lead_at"] == _at(15)


async def _stored(harness: Harness, org_id: uuid.UUID) -> set[str | None]:
    async with harness.db() as db:
        query = select(Message.external_id).where(Message.organization_id == org_id)
        return set((await db.scalars(query)).all())


async def test_an_event_receive_refuses_fails_alone(harness: Harness) -> None:
    """A contact with neither phone number nor LID: receive() answers 400 for it, the rest of
    its batch is stored."""
    t = await harness.tenant("Acme")
    good = [p.text_message(phone=f"55119333300{i:02d}", text=f"oi {i}", message_id=f"G{i}") for i in range(4)]
    bad = p.text_message(phone="5511933330099", text="???", message_id="BAD")
    bad["event"]["Info"]["Chat"] = bad["event"]["Info"]["Sender"] = "12@s.whatsapp.net"
    ingestor = harness.app.state.ingestor
    outcomes = await asyncio.gather(
        *(ingestor.submit(_delivery(t, x)) for x in [*good[:2], bad, *good[2:]]), return_exceptions=True
    )
    assert isinstance(outcomes[2], ContactUnidentifiable) and "Cannot identify the contact" in outcomes[2].message
    assert [getattr(o, "status", None) for o in outcomes] == ["ok", "ok", None, "ok", "ok"]
    assert await _stored(harness, t.organization_id) == {f"G{i}" for i in range(4)}
    resp = await harness.webhook(t, bad)
    assert resp.status_code == 400 and resp.json()["error"]["code"] == "contact_unidentifiable"


async def test_a_failed_batch_is_received_event_by_event(harness: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    """When the batch transaction fails, nothing of it is kept and each event is received
    alone: only the event at fault fails."""
    t = await harness.tenant("Acme")

    def poisoned(real: Any) -> Any:
        async def values(*args: Any) -> dict[str, Any]:
            if args[4].external_id == "POISON":
                raise RuntimeError("this event cannot be stored")
            return await real(*args)  # type: ignore[no-any-return]

        return values

    monkeypatch.setattr(batch, "message_values", poisoned(receive_module.message_values))  # batch imports it
    monkeypatch.setattr(receive_module, "message_values", poisoned(receive_module.message_values))
    payloads = [p.text_message(phone=f"55119444400{i:02d}", message_id=f"E{i}") for i in range(4)]
    payloads.insert(2, p.text_message(phone="5511944440099", message_id="POISON"))
    ingestor = harness.app.state.ingestor
    outcomes = await asyncio.gather(*(ingestor.submit(_delivery(t, x)) for x in payloads), return_exceptions=True)
    # The request hears a ServerError (a JSON 500); the cause was logged once, in the ingestor.
    assert isinstance(outcomes[2], ServerError) and isinstance(outcomes[2].__cause__, RuntimeError)
    assert [getattr(o, "status", None) for o in outcomes] == ["ok", "ok", None, "ok", "ok"]
    assert await _stored(harness, t.organization_id) == {f"E{i}" for i in range(4)}


async def test_a_batch_failing_before_any_event_was_read_answers_them_all(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failure while the batch reads its instances (the database going away, say) leaves no
    request waiting: each delivery is received alone."""
    t = await harness.tenant("Acme")
    real_verify, calls = ingest.verify, []

    def flaky(*args: Any) -> Any:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("connection lost")
        return real_verify(*args)

    monkeypatch.setattr(ingest, "verify", flaky)
    payloads = [p.text_message(phone=f"55119555500{i:02d}", message_id=f"F{i}") for i in range(3)]
    ingestor = harness.app.state.ingestor
    outcomes = await asyncio.wait_for(
        asyncio.gather(*(ingestor.submit(_delivery(t, x)) for x in payloads), return_exceptions=True), timeout=20
    )
    assert [getattr(o, "status", o) for o in outcomes] == ["ok", "ok", "ok"]
    assert await _stored(harness, t.organization_id) == {"F0", "F1", "F2"}


async def _schedule_follow_ups(harness: Harness, tenant: Tenant, phone: str, *, status: TicketStatus) -> None:
    """The lead's open ticket gets a follow-up sequence: two messages PENDING, one SENT already."""
    async with transaction(harness.app.state.session_factory) as db:
        lead = await db.scalar(select(Lead).where(Lead.organization_id == tenant.organization_id, Lead.phone == phone))
        assert lead is not None
        conv = await db.scalar(select(Conversation).where(Conversation.lead_id == lead.id))
        assert conv is not None
        ticket = await db.scalar(select(Ticket).where(Ticket.id == conv.current_ticket_id))
        assert ticket is not None
        ticket.follow_up_enabled = True
        ticket.status = status
        ticket.current_follow_up_step = 1 if status == TicketStatus.FOLLOW_UP else None
        conv.ticket_status = status
        for step, state in ((1, ScheduledStatus.SENT), (2, ScheduledStatus.PENDING), (3, ScheduledStatus.PENDING)):
            db.add(
                ScheduledMessage(
                    organization_id=tenant.organization_id,
                    ticket_id=ticket.id,
                    conversation_id=conv.id,
                    content=f"Follow-up {step}",
                    step=step,
                    scheduled_for=_at(60 * step),
                    status=state,
                )
            )


async def test_a_lead_reply_cancels_pending_follow_ups_in_both_paths(harness: Harness) -> None:
    """A lead who answers stops its follow-up sequence: the pending messages are cancelled and
    a FOLLOW_UP ticket is OPEN again, whether the reply came alone or in a batch (the batch
    hands such a message to receive(): tickets.may_have_follow_ups)."""
    a, b = await harness.tenant("Alone"), await harness.tenant("Batch")
    for t in (a, b):
        for payload in _setup():
            assert await _receive_alone(harness, t, payload) == "ok"
        await _schedule_follow_ups(harness, t, "+" + KNOWN_1, status=TicketStatus.FOLLOW_UP)
        await _schedule_follow_ups(harness, t, "+" + KNOWN_2, status=TicketStatus.OPEN)
    replies = [
        p.text_message(phone=KNOWN_1, push_name="Ana", text="Tenho interesse sim", message_id="R1", timestamp=_at(30)),
        p.reaction_message(target_id="SETUP2", target_from_me=False, phone=KNOWN_2, emoji="👍", timestamp=_at(31)),
        p.text_message(phone=NEW_1, push_name="Caio", text="Olá", message_id="R3", timestamp=_at(32)),
    ]
    for payload in replies:
        assert await _receive_alone(harness, a, payload) == "ok"
    ingestor = harness.app.state.ingestor
    results = await asyncio.gather(*(ingestor.submit(_delivery(b, payload)) for payload in replies))
    assert [r.status for r in results] == ["ok", "ok", "ok"]

    state_a, state_b = await _state(harness, a.organization_id), await _state(harness, b.organization_id)
    for key in state_a:
        assert state_a[key] == state_b[key], key
    assert state_b["scheduled"] == sorted(
        [
            (("+" + phone, 1), step, status)
            for phone in (KNOWN_1, KNOWN_2)
            for step, status in (
                (1, ScheduledStatus.SENT),
                (2, ScheduledStatus.CANCELLED),
                (3, ScheduledStatus.CANCELLED),
            )
        ]
    )
    tickets = {t[0]: t for t in state_b["tickets"]}
    assert tickets[("+" + KNOWN_1, 1)][1] == TicketStatus.OPEN and tickets[("+" + KNOWN_1, 1)][6] is None
    convs = {c[0]: c for c in state_b["conversations"]}
    assert convs["+" + KNOWN_1][2] == TicketStatus.OPEN  # the list follows the ticket


async def test_a_lead_wakes_a_snoozed_conversation_in_both_paths(harness: Harness) -> None:
    """A snoozed conversation comes back when the lead writes or reacts, alone or in a batch
    (conversations.on_message / on_reaction clear snoozed_until; write_many writes it back)."""
    a, b = await harness.tenant("Alone"), await harness.tenant("Batch")
    later = datetime(2099, 1, 1, tzinfo=UTC)
    for t in (a, b):
        for payload in _setup():
            assert await _receive_alone(harness, t, payload) == "ok"
        async with harness.db() as db:
            for conv in (
                await db.scalars(select(Conversation).where(Conversation.organization_id == t.organization_id))
            ).all():
                conv.snoozed_until = later
                conv.priority = 3
    replies = [
        p.text_message(phone=KNOWN_1, push_name="Ana", text="Voltei", message_id="W1", timestamp=_at(30)),
        p.reaction_message(target_id="SETUP2", target_from_me=False, phone=KNOWN_2, emoji="👍", timestamp=_at(31)),
    ]
    for payload in replies:
        assert await _receive_alone(harness, a, payload) == "ok"
    ingestor = harness.app.state.ingestor
    results = await asyncio.gather(*(ingestor.submit(_delivery(b, payload)) for payload in replies))
    assert [r.status for r in results] == ["ok", "ok"]
    state_a, state_b = await _state(harness, a.organization_id), await _state(harness, b.organization_id)
    for key in state_a:
        assert state_a[key] == state_b[key], key
    convs = {c[0]: c for c in state_b["conversations"]}
    assert convs["+" + KNOWN_1][-2:] == (None, 3) and convs["+" + KNOWN_2][-2:] == (None, 3)

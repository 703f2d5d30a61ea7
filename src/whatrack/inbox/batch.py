"""receive_many(): a batch of webhook events in one transaction, with the outcome receive() has
on each of them in turn.

The two cases that are nearly all of the traffic are looked up and written once per batch:
a message from a known lead into a conversation with an open ticket, and a delivery or read
receipt for a message we have. Lookups are one query each for the whole batch (rows that get
written are locked, in id order); the new messages go in one multi-row INSERT ... ON CONFLICT
DO NOTHING; conversation, ticket and outbox rows in one flush. Any other event (a new lead, a
first message after a ticket closed, a message sent from the phone, a reaction, ...) goes
through receive() itself, in arrival order: the messages collected before it are written first.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from whatrack.conversations import service as conversations
from whatrack.inbox.receive import ReceiveResult, after_insert, message_values, receive
from whatrack.leads import service as leads
from whatrack.leads.service import LeadIndex
from whatrack.messages import service as messages
from whatrack.models import Conversation, Instance, Lead, Message, MessageStatus, Ticket
from whatrack.realtime.events import emit_conversation_updated, emit_new_message
from whatrack.tickets import service as tickets
from whatrack.whatsapp.events import Envelope, IncomingMessage, Receipt

Key = tuple[uuid.UUID, str]  # (instance id, WhatsApp message id)


@dataclass
class _Known:
    """What the batch looked up before writing anything."""

    message_ids: dict[Key, uuid.UUID]  # messages that exist (re-deliveries, quoted messages)
    receipt_targets: dict[Key, Message]  # locked
    leads: dict[uuid.UUID, LeadIndex]  # per organization
    conversations: dict[uuid.UUID, Conversation]  # by lead id, locked
    tickets: dict[uuid.UUID, Ticket]  # the open ticket by conversation id, locked
    loaded: list[object]  # strong references: the session's identity map holds rows weakly


@dataclass
class _Pending:
    """Messages waiting for the next multi-row INSERT, with where each result goes."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    slots: list[int] = field(default_factory=list)
    tickets: list[Ticket] = field(default_factory=list)
    leads: list[Lead] = field(default_factory=list)


async def receive_many(
    db: AsyncSession, items: Sequence[tuple[Instance, Envelope]], media_dir: Path
) -> list[ReceiveResult]:
    known = await _look_up(db, items)
    results: list[ReceiveResult] = [ReceiveResult("ignored")] * len(items)
    pending = _Pending()
    seen: set[Key] = set()
    for i, (instance, envelope) in enumerate(items):
        ev = envelope.event
        if isinstance(ev, IncomingMessage):
            key = (instance.id, ev.external_id)
            if key in known.message_ids or key in seen:
                results[i] = ReceiveResult("duplicate", known.message_ids.get(key))
                continue
            seen.add(key)
            if await _collect(known, pending, seen, i, instance, ev, media_dir):
                continue
        elif isinstance(ev, Receipt) and all((instance.id, m) in known.receipt_targets for m in ev.message_ids):
            for m in ev.message_ids:
                await messages.advance_status(db, known.receipt_targets[(instance.id, m)], MessageStatus(ev.status))
            results[i] = ReceiveResult("ok")
            continue
        await _write(db, pending, results)  # keep arrival order around the general path
        results[i] = await receive(db, instance, envelope, media_dir)
    await _write(db, pending, results)
    return results


async def _collect(
    known: _Known,
    pending: _Pending,
    seen: set[Key],
    slot: int,
    instance: Instance,
    ev: IncomingMessage,
    media_dir: Path,
) -> bool:
    """Queues `ev` for the multi-row INSERT when it is the common case; False sends it to receive()."""
    if ev.from_me or (ev.quoted_id and (instance.id, ev.quoted_id) in seen):
        return False
    index = known.leads.get(instance.organization_id)
    lead = index.find(ev.contact) if index else None
    conv = known.conversations.get(lead.id) if lead else None
    ticket = known.tickets.get(conv.id) if conv else None
    if lead is None or conv is None or ticket is None:
        return False
    reply_to_id = known.message_ids.get((instance.id, ev.quoted_id)) if ev.quoted_id else None
    leads.refresh_contact(lead, ev.contact)
    ticket.last_activity_at = max(ticket.last_activity_at, ev.timestamp)
    pending.rows.append(await message_values(instance, lead, conv, ticket, ev, reply_to_id, media_dir))
    pending.slots.append(slot)
    pending.tickets.append(ticket)
    pending.leads.append(lead)
    return True


async def _write(db: AsyncSession, pending: _Pending, results: list[ReceiveResult]) -> None:
    if not pending.rows:
        return
    inserted = {m.id: m for m in await messages.insert_many(db, pending.rows)}
    new: list[Message] = []
    touched: dict[uuid.UUID, Lead] = {}
    for row, slot, ticket, lead in zip(pending.rows, pending.slots, pending.tickets, pending.leads, strict=True):
        msg = inserted.get(row["id"])
        if msg is None:  # a concurrent delivery of the same webhook won the unique key
            results[slot] = ReceiveResult("duplicate")
            continue
        await after_insert(db, msg, ticket, from_me=False)
        new.append(msg)
        touched[msg.conversation_id] = lead
        results[slot] = ReceiveResult("ok", msg.id)
    for msg, read in zip(new, await messages.reads(db, new), strict=True):
        emit_new_message(db, msg.organization_id, read)
    for conv_id, lead in touched.items():
        conv = await db.get(Conversation, conv_id)
        assert conv is not None  # locked by _look_up
        emit_conversation_updated(db, conv.organization_id, await conversations.read_of(db, conv, lead))
    pending.rows, pending.slots, pending.tickets, pending.leads = [], [], [], []


async def _look_up(db: AsyncSession, items: Sequence[tuple[Instance, Envelope]]) -> _Known:
    wanted: dict[uuid.UUID, set[str]] = defaultdict(set)  # instance -> message ids and quoted ids
    receipt_ids: dict[uuid.UUID, set[str]] = defaultdict(set)
    contacts: dict[uuid.UUID, list[IncomingMessage]] = defaultdict(list)  # organization -> messages
    for instance, envelope in items:
        ev = envelope.event
        if isinstance(ev, IncomingMessage):
            wanted[instance.id].add(ev.external_id)
            if ev.quoted_id:
                wanted[instance.id].add(ev.quoted_id)
            if not ev.from_me:
                contacts[instance.organization_id].append(ev)
        elif isinstance(ev, Receipt):
            receipt_ids[instance.id].update(ev.message_ids)

    message_ids: dict[Key, uuid.UUID] = {}
    for instance_id, ids in wanted.items():
        for external_id, mid in (await messages.ids_by_external_id(db, instance_id, ids)).items():
            message_ids[(instance_id, external_id)] = mid
    # Lock order everywhere: messages, then conversations, then tickets.
    receipt_targets: dict[Key, Message] = {}
    for instance_id, ids in receipt_ids.items():
        for external_id, msg in (await messages.by_external_ids(db, instance_id, ids, lock=True)).items():
            receipt_targets[(instance_id, external_id)] = msg
    lead_index = {
        org_id: await leads.leads_for_contacts(db, org_id, [ev.contact for ev in evs])
        for org_id, evs in contacts.items()
    }
    lead_ids = {lead.id for index in lead_index.values() for lead in index.by_phone.values()}
    lead_ids |= {lead.id for index in lead_index.values() for lead in index.by_lid.values()}
    locked = await conversations.lock_many(
        db, lead_ids=lead_ids, ids={m.conversation_id for m in receipt_targets.values()}
    )
    # The leads of receipt-only conversations, for their conversation_updated events.
    more_leads = await leads.load_many(db, {c.lead_id for c in locked} - lead_ids)
    by_lead = {c.lead_id: c for c in locked if c.lead_id in lead_ids}
    open_tickets = await tickets.active_tickets(db, [c.id for c in by_lead.values()])
    assignees = await conversations.load_assignees(db, locked)
    return _Known(message_ids, receipt_targets, lead_index, by_lead, open_tickets, [*locked, *more_leads, *assignees])

"""receive_many(): the common webhook events of a batch, received in one transaction.

Two kinds of event are nearly all of the traffic: a message from a lead into a conversation
that has an open ticket (a first message from someone new gets lead, conversation and first
ticket here too), and a delivery or read receipt for a message we have.
For those, each table is read once for the whole batch (the rows about to change are locked, in
id order, and loaded detached), the changes are computed in Python with the same rules
receive() applies, and written back with one Core statement per table: one multi-row INSERT ...
ON CONFLICT DO NOTHING for the messages, one executemany UPDATE each for conversations,
tickets, leads and message statuses, one for the outbox.

Every other event (the first message after a ticket closed, a message sent from the phone, a
follow-up to cancel, a reaction, an edit, a receipt that beat its message, a file over
BIG_FILE, ...) is `deferred`: the caller receives it with receive(), in its own transaction,
after this one committed. Deferring also
keeps the two kinds apart: nothing written here is written by an ORM object at the same time.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from whatrack.conversations import service as conversations
from whatrack.db_util import detached, insert_detached
from whatrack.inbox.receive import ReceiveResult, message_values, origin_of_message
from whatrack.leads import service as leads
from whatrack.leads.service import LeadIndex
from whatrack.messages import service as messages
from whatrack.messages.schemas import MessageRead
from whatrack.models import Conversation, Instance, Lead, Message, MessageStatus, Ticket
from whatrack.realtime.events import emit_conversation_updated, emit_new_message, known_audience
from whatrack.reports import metrics
from whatrack.storage import MediaStore
from whatrack.tickets import service as tickets
from whatrack.whatsapp.events import Envelope, IncomingMessage, Receipt

Key = tuple[uuid.UUID, str]  # (instance id, WhatsApp message id)


@dataclass
class BatchOutcome:
    results: dict[int, ReceiveResult] = field(default_factory=dict)  # by position in the batch
    deferred: list[int] = field(default_factory=list)  # positions for receive(), in arrival order


@dataclass
class _Known:
    """What the batch read before writing: detached rows, the ones it may change locked."""

    messages: dict[Key, Message]  # existing messages among the batch's ids, quoted ids, receipt ids
    leads: dict[uuid.UUID, LeadIndex]  # per organization
    conversations: dict[uuid.UUID, Conversation]  # by id
    by_lead: dict[uuid.UUID, Conversation]
    tickets: dict[uuid.UUID, Ticket]  # the open ticket, by conversation id
    lead_of: dict[uuid.UUID, Lead]  # by lead id, for every conversation above
    assignees: dict[uuid.UUID, str]  # user id -> name


@dataclass
class _Changes:
    conversations: dict[uuid.UUID, Conversation] = field(default_factory=dict)
    tickets: dict[uuid.UUID, Ticket] = field(default_factory=dict)
    leads: dict[uuid.UUID, Lead] = field(default_factory=dict)
    statuses: dict[uuid.UUID, Message] = field(default_factory=dict)


async def receive_many(db: AsyncSession, items: Sequence[tuple[Instance, Envelope]], media: MediaStore) -> BatchOutcome:
    known = await _look_up(db, items)
    out = BatchOutcome()
    changes = _Changes()
    new: list[_New] = []
    newcomers: list[tuple[int, Instance, IncomingMessage]] = []
    went_fast: dict[Key, bool] = {}
    held: set[tuple[uuid.UUID, str | None, str | None]] = set()  # people with a message for receive()
    for i, (instance, envelope) in enumerate(items):
        ev = envelope.event
        if isinstance(ev, IncomingMessage):
            key = (instance.id, ev.external_id)
            if key in known.messages:
                out.results[i] = ReceiveResult("duplicate", known.messages[key].id)
                continue
            if went_fast.get(key):
                out.results[i] = ReceiveResult("duplicate")
                continue
            if key in went_fast:  # a re-delivery of an event receive() will take
                out.deferred.append(i)
                continue
            person = (instance.organization_id, ev.contact.phone, ev.contact.lid)
            if person in held:  # an earlier message of this person went to receive(): keep the order
                went_fast[key] = False
                out.deferred.append(i)
                continue
            target = _target(known, went_fast, instance, ev)
            if target is not None:
                went_fast[key] = True
                new.append((i, instance, ev, *target))
                continue
            went_fast[key] = False
            if _is_newcomer(known, went_fast, instance, ev):
                newcomers.append((i, instance, ev))
            else:
                out.deferred.append(i)
                held.add(person)
        elif isinstance(ev, Receipt) and all((instance.id, m) in known.messages for m in ev.message_ids):
            _apply_receipt(db, known, changes, instance, ev)
            out.results[i] = ReceiveResult("ok")
        else:
            out.deferred.append(i)
    new += await _create_newcomers(db, known, changes, newcomers, out)
    new.sort(key=lambda n: n[0])  # arrival order
    await _insert_messages(db, known, changes, new, out, media)
    await messages.write_statuses(db, changes.statuses.values())
    await tickets.write_activity(db, changes.tickets.values())
    await leads.write_contacts(db, changes.leads.values())
    await conversations.write_many(db, changes.conversations.values())
    for conv in changes.conversations.values():
        assignee = known.assignees.get(conv.assignee_id) if conv.assignee_id else None
        ticket = known.tickets.get(conv.id)
        read = conversations.to_read(conv, known.lead_of[conv.lead_id], assignee, ticket.source if ticket else None)
        emit_conversation_updated(db, conv.organization_id, read)
    return out


_New = tuple[int, Instance, IncomingMessage, Lead, Conversation, Ticket]


BIG_FILE = 1 << 20  # inline media above this is written outside the batch: it would hold it up


def _plain(went_fast: dict[Key, bool], instance: Instance, ev: IncomingMessage) -> bool:
    """Not sent from the phone (pending receipts, outbound ticket), not from an ad (its campaign
    name, or a touch on the open ticket), not quoting this batch, no big file to write."""
    return (
        not ev.from_me
        and ev.referral is None
        and not (ev.quoted_id and (instance.id, ev.quoted_id) in went_fast)
        and not (ev.media is not None and ev.media.data is not None and len(ev.media.data) > BIG_FILE)
    )


def _is_newcomer(known: _Known, went_fast: dict[Key, bool], instance: Instance, ev: IncomingMessage) -> bool:
    """A first message from someone we have no lead for (and can identify)."""
    index = known.leads.get(instance.organization_id)
    return (
        _plain(went_fast, instance, ev)
        and bool(ev.contact.phone or ev.contact.lid)
        and (index is None or index.find(ev.contact) is None)
    )


async def _create_newcomers(
    db: AsyncSession,
    known: _Known,
    changes: _Changes,
    arrivals: list[tuple[int, Instance, IncomingMessage]],
    out: BatchOutcome,
) -> list[_New]:
    """Lead, conversation and first ticket for each new contact, as receive() would make them
    (leads.new_lead, conversations.new_conversation, tickets.new_ticket + opened). A contact
    whose lead a concurrent transaction created first goes to receive()."""
    people: dict[tuple[uuid.UUID, str | None, str | None], tuple[Lead, Conversation, Ticket]] = {}
    for _, instance, ev in arrivals:
        person = (instance.organization_id, ev.contact.phone, ev.contact.lid)
        if person not in people:
            lead = leads.new_lead(instance.organization_id, ev.contact)
            conv = conversations.new_conversation(instance.organization_id, lead.id, instance.id)
            ticket = tickets.new_ticket(conv, origin_of_message(ev), ev.timestamp, number=1)
            tickets.first_touch(lead, ticket)  # goes in with the lead
            people[person] = (lead, conv, ticket)
    created = await insert_detached(db, [lead for lead, _, _ in people.values()])
    made = [(lead, conv, ticket) for lead, conv, ticket in people.values() if lead.id in created]
    await insert_detached(db, [conv for _, conv, _ in made])
    await insert_detached(db, [ticket for _, _, ticket in made])
    for lead, conv, ticket in made:
        tickets.opened(conv, lead, ticket)  # the conversation's current ticket: written by write_many
        known.lead_of[lead.id] = lead
        changes.conversations[conv.id] = conv
    result: list[_New] = []
    for slot, instance, ev in arrivals:
        lead, conv, ticket = people[(instance.organization_id, ev.contact.phone, ev.contact.lid)]
        if lead.id in created:
            result.append((slot, instance, ev, lead, conv, ticket))
        else:
            out.deferred.append(slot)
    return result


def _target(
    known: _Known, went_fast: dict[Key, bool], instance: Instance, ev: IncomingMessage
) -> tuple[Lead, Conversation, Ticket] | None:
    """Lead, conversation and open ticket of a message receive() would only append; else None."""
    if not _plain(went_fast, instance, ev):
        return None
    index = known.leads.get(instance.organization_id)
    lead = index.find(ev.contact) if index else None
    conv = known.by_lead.get(lead.id) if lead else None
    ticket = known.tickets.get(conv.id) if conv else None
    if lead is None or conv is None or ticket is None:
        return None  # a new lead, conversation or ticket
    if tickets.may_have_follow_ups(ticket):
        return None  # the reply cancels them
    return lead, conv, ticket


async def _insert_messages(
    db: AsyncSession,
    known: _Known,
    changes: _Changes,
    new: list[_New],
    out: BatchOutcome,
    media: MediaStore,
) -> None:
    rows = []
    for _, instance, ev, lead, conv, ticket in new:
        quoted = known.messages.get((instance.id, ev.quoted_id)) if ev.quoted_id else None
        rows.append(await message_values(instance, lead, conv, ticket, ev, quoted.id if quoted else None, media))
    inserted = await messages.insert_many(db, rows)
    counted: list[Message] = []
    for (slot, instance, ev, lead, conv, ticket), row in zip(new, rows, strict=True):
        if row["id"] not in inserted:  # a concurrent delivery of the same webhook won the unique key
            out.results[slot] = ReceiveResult("duplicate")
            continue
        msg = detached(Message, row)
        counted.append(msg)
        conversations.on_message(conv, msg)
        tickets.touch(ticket, ev.timestamp)
        before = leads.contact_fields(lead)
        leads.refresh_contact(lead, ev.contact)
        if leads.contact_fields(lead) != before:
            changes.leads[lead.id] = lead
        changes.conversations[conv.id] = conv
        changes.tickets[ticket.id] = ticket
        quoted = known.messages.get((instance.id, ev.quoted_id)) if ev.quoted_id else None
        emit_new_message(db, instance.organization_id, MessageRead.build(msg, quoted))
        out.results[slot] = ReceiveResult("ok", msg.id)
    await metrics.on_messages(db, counted)  # one read and one write per table for the batch


def _apply_receipt(db: AsyncSession, known: _Known, changes: _Changes, instance: Instance, ev: Receipt) -> None:
    """messages.advance_status() on detached rows."""
    status = MessageStatus(ev.status)
    for external_id in ev.message_ids:
        msg = known.messages[(instance.id, external_id)]
        if not messages.status_advances(msg.status, status):
            continue
        conv = known.conversations.get(msg.conversation_id)
        if messages.set_status(msg, status, conv):
            assert conv is not None
            changes.conversations[conv.id] = conv
        changes.statuses[msg.id] = msg
        messages.emit_status(db, msg)


async def _look_up(db: AsyncSession, items: Sequence[tuple[Instance, Envelope]]) -> _Known:
    ids: dict[uuid.UUID, set[str]] = defaultdict(set)  # instance -> message, quoted and receipt ids
    contacts: dict[uuid.UUID, list[IncomingMessage]] = defaultdict(list)  # organization -> messages
    for instance, envelope in items:
        ev = envelope.event
        if isinstance(ev, IncomingMessage):
            # A re-delivery needs no lookup: its INSERT ... ON CONFLICT DO NOTHING finds it (a batch
            # without receipts or quotes reads no messages at all). Its file, if any, is written
            # again to the same content-addressed key first: no second copy.
            if ev.quoted_id:
                ids[instance.id].add(ev.quoted_id)
            if not ev.from_me:
                contacts[instance.organization_id].append(ev)
        elif isinstance(ev, Receipt):
            ids[instance.id].update(ev.message_ids)

    # Lock order, here, in receive() and in a send's settle: messages, then conversations (their
    # tickets follow them).
    known_messages: dict[Key, Message] = {}
    for instance_id, wanted in ids.items():
        for external_id, msg in (await messages.by_external_ids(db, instance_id, wanted, lock=True)).items():
            known_messages[(instance_id, external_id)] = msg
    found = await conversations.lock_many(
        db,
        contacts={org: [ev.contact for ev in evs] for org, evs in contacts.items()},
        ids={m.conversation_id for m in known_messages.values()},
    )
    locked = found.conversations
    for conv in locked:  # locked until commit: their events' audience needs no query then
        known_audience(db, conv)
    senders = {lead.id for index in found.leads.values() for lead in index.leads()}
    by_lead = {c.lead_id: c for c in locked if c.lead_id in senders}
    return _Known(
        messages=known_messages,
        leads=found.leads,
        conversations={c.id: c for c in locked},
        by_lead=by_lead,
        tickets={c.id: found.tickets[c.id] for c in by_lead.values() if c.id in found.tickets},
        lead_of=found.lead_of,
        assignees=found.assignees,
    )

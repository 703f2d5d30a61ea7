"""receive(): one WuzAPI webhook event -> one transaction.

upsert lead -> upsert conversation -> resolve ticket -> insert message (unique per instance +
WhatsApp id, so a re-delivered webhook is a no-op) -> update conversation -> cancel pending
follow-ups when the lead replied -> outbox rows. Published after commit by the outbox drainer.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from whatrack.attribution.referral import Origin
from whatrack.conversations import service as conversations
from whatrack.conversations.service import preview_of
from whatrack.db import utcnow
from whatrack.instances import service as instances
from whatrack.leads import service as leads
from whatrack.messages import media as media_store
from whatrack.messages import service as messages
from whatrack.models import (
    Conversation,
    Instance,
    Lead,
    Message,
    MessageStatus,
    MessageType,
    ScheduledMessage,
    ScheduledStatus,
    SenderType,
    Ticket,
    TicketStatus,
)
from whatrack.models import InstanceStatus as InstanceState
from whatrack.realtime.events import (
    TypingData,
    emit_conversation_updated,
    emit_message_updated,
    emit_new_message,
    emit_typing,
)
from whatrack.tickets import service as tickets
from whatrack.whatsapp.events import (
    Contact,
    Edit,
    Envelope,
    Ignored,
    IncomingMessage,
    InstanceStatus,
    Reaction,
    Receipt,
    Revoke,
    Typing,
)

log = logging.getLogger(__name__)

Outcome = Literal["ok", "duplicate", "ignored"]
OUTBOUND = Origin(source="outbound")


@dataclass(frozen=True, slots=True)
class ReceiveResult:
    status: Outcome
    message_id: uuid.UUID | None = None
    detail: str | None = None


async def receive(db: AsyncSession, instance: Instance, envelope: Envelope, media_dir: Path) -> ReceiveResult:
    event = envelope.event
    match event:
        case IncomingMessage():
            return await _message(db, instance, event, media_dir)
        case Receipt():
            return await _receipt(db, instance, event)
        case Reaction():
            return await _reaction(db, instance, event)
        case Edit() | Revoke():
            return await _edit_or_revoke(db, instance, event)
        case Typing():
            return await _typing(db, instance, event)
        case InstanceStatus():
            return await _instance_status(db, instance, event)
        case Ignored():
            return ReceiveResult("ignored", detail=event.reason)
    return ReceiveResult("ignored", detail="unhandled event")  # pragma: no cover


def touch_conversation(conv: Conversation, msg: Message, *, from_lead: bool) -> None:
    if msg.sent_at >= conv.last_message_at or conv.last_message_id is None:
        conv.last_message_at = msg.sent_at
        conv.last_message_preview = preview_of(msg.message_type, msg.content)
        conv.last_message_sender_type = msg.sender_type
        conv.last_message_status = msg.status
        conv.last_message_id = msg.id
    if from_lead:
        conv.unread_count += 1
        if conv.waiting_since is None:
            conv.waiting_since = msg.sent_at
    else:
        conv.waiting_since = None


async def _cancel_follow_ups(db: AsyncSession, ticket: Ticket) -> None:
    """The lead replied: pending follow-ups stop and a FOLLOW_UP ticket is open again."""
    if not ticket.follow_up_enabled and ticket.status != TicketStatus.FOLLOW_UP:
        return  # no sequence was ever scheduled on this ticket
    await db.execute(
        update(ScheduledMessage)
        .where(ScheduledMessage.ticket_id == ticket.id, ScheduledMessage.status == ScheduledStatus.PENDING)
        .values(status=ScheduledStatus.CANCELLED)
    )
    if ticket.status == TicketStatus.FOLLOW_UP:
        ticket.status = TicketStatus.OPEN
        ticket.current_follow_up_step = None


async def _message(db: AsyncSession, instance: Instance, ev: IncomingMessage, media_dir: Path) -> ReceiveResult:
    existing = await messages.by_external_id(db, instance.id, ev.external_id)
    if existing is not None:
        return ReceiveResult("duplicate", existing.id)
    org_id = instance.organization_id
    lead = await leads.upsert_lead(db, org_id, ev.contact)
    conv, _ = await conversations.get_or_create(db, org_id, lead, instance.id)
    origin = OUTBOUND if ev.from_me else ev.origin
    ticket, _ = await tickets.resolve_ticket(db, conv, lead, origin, ev.timestamp)

    reply_to_id = None
    if ev.quoted_id:
        quoted = await messages.by_external_id(db, instance.id, ev.quoted_id)
        reply_to_id = quoted.id if quoted else None
    values = await message_values(instance, lead, conv, ticket, ev, reply_to_id, media_dir)
    msg = await messages.insert_once(db, values)
    if msg is None:  # a concurrent delivery of the same webhook won the unique key
        return ReceiveResult("duplicate")
    await after_insert(db, msg, ticket, from_me=ev.from_me)
    emit_new_message(db, org_id, await messages.read_one(db, msg))
    emit_conversation_updated(db, org_id, await conversations.read_of(db, conv, lead))
    return ReceiveResult("ok", msg.id)


async def message_values(
    instance: Instance,
    lead: Lead,
    conv: Conversation,
    ticket: Ticket,
    ev: IncomingMessage,
    reply_to_id: uuid.UUID | None,
    media_dir: Path,
) -> dict[str, Any]:
    """The messages row for `ev`, every column set (rows of one multi-row INSERT share their
    keys, and the row alone builds the MessageRead). Inline media is written to disk first; a
    failed write keeps the message and says so."""
    org_id = instance.organization_id
    meta = dict(ev.metadata)
    values: dict[str, Any] = {
        "id": uuid.uuid4(),
        "organization_id": org_id,
        "conversation_id": conv.id,
        "ticket_id": ticket.id,
        "instance_id": instance.id,
        "sender_type": SenderType.USER if ev.from_me else SenderType.LEAD,
        "sender_id": None,
        "sender_name": None if ev.from_me else (lead.name or ev.contact.push_name),
        "message_type": MessageType(ev.kind.value),
        "content": ev.text,
        "status": MessageStatus.SENT if ev.from_me else MessageStatus.DELIVERED,
        "external_id": ev.external_id,
        "reply_to_external_id": ev.quoted_id,
        "reply_to_id": reply_to_id,
        "sent_at": ev.timestamp,
        "created_at": utcnow(),
        "client_id": None,
        "error": None,
        "edited": False,
        "deleted": False,
        "reactions": [],
        "media_path": None,
        "media_mime": None,
        "media_name": None,
        "media_size": None,
    }
    if ev.media is not None:
        values |= {"media_mime": ev.media.mime_type, "media_name": ev.media.file_name, "media_size": ev.media.size}
        if ev.media.data is not None:
            try:
                # off the event loop: videos can be tens of megabytes
                values["media_path"] = await asyncio.to_thread(
                    media_store.store, media_dir, org_id, ev.media.data, ev.media.mime_type, ev.media.file_name
                )
                values["media_size"] = len(ev.media.data)
            except OSError as exc:  # the message is kept; only the file is missing
                log.error("could not store media of %s: %s", ev.external_id, exc)
                meta["mediaError"] = "could not be stored"
        elif ev.media.url:
            meta["mediaUrl"] = ev.media.url
    values["meta"] = meta
    return values


async def after_insert(db: AsyncSession, msg: Message, ticket: Ticket, *, from_me: bool) -> None:
    """What a new message does to its conversation and ticket (rows already loaded and locked)."""
    conv = await db.get(Conversation, msg.conversation_id)
    assert conv is not None  # loaded by the caller
    touch_conversation(conv, msg, from_lead=not from_me)
    if not from_me:
        await _cancel_follow_ups(db, ticket)
    else:
        await messages.apply_pending_receipts(db, msg)


async def _receipt(db: AsyncSession, instance: Instance, ev: Receipt) -> ReceiveResult:
    status = MessageStatus(ev.status)
    for external_id in ev.message_ids:
        msg = await messages.by_external_id(db, instance.id, external_id, lock=True)
        if msg is None:
            await messages.keep_receipt(db, instance.id, external_id, status)
        else:
            await messages.advance_status(db, msg, status)
    return ReceiveResult("ok")


async def _find_lead(db: AsyncSession, organization_id: uuid.UUID, contact: Contact) -> Lead | None:
    keys = [
        k
        for k in (
            (Lead.phone == contact.phone) if contact.phone else None,
            (Lead.lid == contact.lid) if contact.lid else None,
        )
        if k is not None
    ]
    if not keys:
        return None
    return await db.scalar(select(Lead).where(Lead.organization_id == organization_id, or_(*keys)).limit(1))


async def _reaction(db: AsyncSession, instance: Instance, ev: Reaction) -> ReceiveResult:
    target = await messages.by_external_id(db, instance.id, ev.target_id, lock=True)
    if target is None:
        return ReceiveResult("ignored", detail="reaction to an unknown message")
    kept = [r for r in target.reactions or [] if bool(r.get("fromMe")) != ev.from_me]
    if ev.emoji:
        kept.append({"emoji": ev.emoji, "fromMe": ev.from_me})
    target.reactions = kept
    conv = await db.get(Conversation, target.conversation_id)
    assert conv is not None
    if not ev.from_me and ev.emoji:
        # A 👍 is often a lead's only answer: it counts as the lead replying. It shows in the
        # list unless a later message is there already (webhooks arrive in any order).
        if ev.timestamp >= conv.last_message_at:
            conv.last_message_at = ev.timestamp
            conv.last_message_preview = f"{ev.emoji} {preview_of(target.message_type, target.content)}"[:120]
            conv.last_message_sender_type = SenderType.LEAD
        conv.unread_count += 1
        if conv.waiting_since is None:
            conv.waiting_since = ev.timestamp
        ticket = await tickets.active_ticket(db, conv.id)
        if ticket is not None:
            ticket.last_activity_at = max(ticket.last_activity_at, ev.timestamp)
            await _cancel_follow_ups(db, ticket)
    emit_message_updated(db, instance.organization_id, await messages.read_one(db, target))
    emit_conversation_updated(db, instance.organization_id, await conversations.read_model(db, conv.id))
    return ReceiveResult("ok", target.id)


async def _edit_or_revoke(db: AsyncSession, instance: Instance, ev: Edit | Revoke) -> ReceiveResult:
    target = await messages.by_external_id(db, instance.id, ev.target_id, lock=True)
    if target is None:
        return ReceiveResult("ignored", detail="edit or revoke of an unknown message")
    if isinstance(ev, Edit):
        if target.content == ev.text:
            return ReceiveResult("duplicate", target.id)
        history = list(target.meta.get("editHistory", []))
        history.append(target.content)
        target.meta = {**target.meta, "editHistory": history}
        target.content = ev.text
        target.edited = True
    else:
        if target.deleted:
            return ReceiveResult("duplicate", target.id)
        target.deleted = True  # content kept for the record
    emit_message_updated(db, instance.organization_id, await messages.read_one(db, target))
    return ReceiveResult("ok", target.id)


async def _typing(db: AsyncSession, instance: Instance, ev: Typing) -> ReceiveResult:
    lead = await _find_lead(db, instance.organization_id, ev.contact)
    if lead is None:
        return ReceiveResult("ignored", detail="typing from an unknown contact")
    conv_id = await db.scalar(select(Conversation.id).where(Conversation.lead_id == lead.id))
    if conv_id is None:
        return ReceiveResult("ignored", detail="typing before any message")
    emit_typing(
        db,
        instance.organization_id,
        TypingData(conversation_id=conv_id, is_typing=ev.composing, sender_type=SenderType.LEAD),
    )
    return ReceiveResult("ok")


async def _instance_status(db: AsyncSession, instance: Instance, ev: InstanceStatus) -> ReceiveResult:
    await instances.set_status(db, instance, InstanceState(ev.status), qr_code=ev.qr_code, jid=ev.jid)
    return ReceiveResult("ok")

"""receive(): one WuzAPI webhook event -> one transaction.

upsert lead -> upsert conversation -> resolve ticket -> insert message (unique per instance +
WhatsApp id, so a re-delivered webhook is a no-op) -> update conversation -> cancel pending
follow-ups when the lead replied -> outbox rows. Published after commit by the outbox drainer.
The rules live in the services this flow calls; it maps the wire events to them.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy.ext.asyncio import AsyncSession

from whatrack.attribution.referral import OUTBOUND, Origin, origin_of
from whatrack.conversations import service as conversations
from whatrack.inbox import history
from whatrack.instances import service as instances
from whatrack.leads import service as leads
from whatrack.messages import media as media_store
from whatrack.messages import service as messages
from whatrack.models import Conversation, Instance, Lead, Message, MessageStatus, MessageType, SenderType, Ticket
from whatrack.models import InstanceStatus as InstanceState
from whatrack.realtime.events import (
    TypingData,
    emit_conversation_updated,
    emit_message_updated,
    emit_new_message,
    publish_typing,
)
from whatrack.reports import metrics
from whatrack.storage import MediaStore
from whatrack.tickets import service as tickets
from whatrack.whatsapp.events import (
    Edit,
    Envelope,
    HistorySync,
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


@dataclass(frozen=True, slots=True)
class ReceiveResult:
    status: Outcome
    message_id: uuid.UUID | None = None
    detail: str | None = None


async def receive(db: AsyncSession, instance: Instance, envelope: Envelope, media: MediaStore) -> ReceiveResult:
    event = envelope.event
    match event:
        case IncomingMessage():
            return await _message(db, instance, event, media)
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
        case HistorySync():  # the past, after pairing: inbox/history.py
            stored, _ = await history.receive_history(db, instance, event)
            return ReceiveResult("ok" if stored else "duplicate", detail=f"{stored} history messages")
        case Ignored():
            return ReceiveResult("ignored", detail=event.reason)
    return ReceiveResult("ignored", detail="unhandled event")  # pragma: no cover


def origin_of_message(ev: IncomingMessage) -> Origin:
    """The origin a message gives a new ticket: ours when sent from the phone, else its ad (if any)."""
    return OUTBOUND if ev.from_me else origin_of(ev.referral)


async def _message(db: AsyncSession, instance: Instance, ev: IncomingMessage, media: MediaStore) -> ReceiveResult:
    existing = await messages.by_external_id(db, instance.id, ev.external_id)
    if existing is not None:
        return ReceiveResult("duplicate", existing.id)
    org_id = instance.organization_id
    lead = await leads.upsert_lead(db, org_id, ev.contact)
    conv, _ = await conversations.get_or_create(db, org_id, lead, instance.id)
    ticket, _ = await tickets.resolve_ticket(
        db, conv, lead, origin_of_message(ev), ev.timestamp, instance_id=instance.id
    )

    reply_to_id = None
    if ev.quoted_id:
        quoted = await messages.by_external_id(db, instance.id, ev.quoted_id)
        reply_to_id = quoted.id if quoted else None
    values = await message_values(instance, lead, conv, ticket, ev, reply_to_id, media)
    msg = await messages.insert_once(db, values)
    if msg is None:  # a concurrent delivery of the same webhook won the unique key
        return ReceiveResult("duplicate")
    await after_insert(db, msg, conv, ticket)
    await metrics.on_messages(db, [msg])
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
    media: MediaStore,
) -> dict[str, Any]:
    """The wire message mapped to the messages row (messages.row() says what a row holds);
    inline media is written to the media store first; a failed write keeps the message and says so."""
    org_id = instance.organization_id
    meta = dict(ev.metadata)
    media_path: str | None = None
    media_mime = media_name = None
    media_size: int | None = None
    if ev.media is not None:
        media_mime, media_name, media_size = ev.media.mime_type, ev.media.file_name, ev.media.size
        if ev.media.data is not None:
            try:
                media_path = await media_store.store(
                    media, org_id, ev.media.data, ev.media.mime_type, ev.media.file_name
                )
                media_size = len(ev.media.data)
            except OSError as exc:  # disk or S3 (StorageError): the message is kept; only the file is missing
                log.error("could not store media of %s: %s", ev.external_id, exc)
                meta["mediaError"] = "could not be stored"
        elif ev.media.url:
            meta["mediaUrl"] = ev.media.url
    return messages.row(
        organization_id=org_id,
        conversation_id=conv.id,
        ticket_id=ticket.id,
        instance_id=instance.id,
        sender_type=SenderType.USER if ev.from_me else SenderType.LEAD,
        sender_name=None if ev.from_me else (lead.name or ev.contact.push_name),
        message_type=MessageType(ev.kind.value),
        content=ev.text,
        status=MessageStatus.SENT if ev.from_me else MessageStatus.DELIVERED,
        external_id=ev.external_id,
        reply_to_external_id=ev.quoted_id,
        reply_to_id=reply_to_id,
        sent_at=ev.timestamp,
        media_path=media_path,
        media_mime=media_mime,
        media_name=media_name,
        media_size=media_size,
        meta=meta,
    )


async def after_insert(db: AsyncSession, msg: Message, conv: Conversation, ticket: Ticket) -> None:
    """What a new message does to its conversation and ticket (rows already loaded and locked)."""
    conversations.on_message(conv, msg)
    if msg.sender_type == SenderType.LEAD:
        await tickets.cancel_follow_ups(db, conv, ticket)
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


async def _reaction(db: AsyncSession, instance: Instance, ev: Reaction) -> ReceiveResult:
    target = await messages.by_external_id(db, instance.id, ev.target_id, lock=True)
    if target is None:
        return ReceiveResult("ignored", detail="reaction to an unknown message")
    messages.set_reaction(target, ev.emoji, from_me=ev.from_me)
    conv = await db.get(Conversation, target.conversation_id)
    assert conv is not None
    if conversations.on_reaction(conv, target, ev.emoji, at=ev.timestamp, from_lead=not ev.from_me):
        ticket = await tickets.active_ticket(db, conv.id)
        if ticket is not None:
            tickets.touch(ticket, ev.timestamp)
            await tickets.cancel_follow_ups(db, conv, ticket)
    emit_message_updated(db, instance.organization_id, await messages.read_one(db, target))
    emit_conversation_updated(db, instance.organization_id, await conversations.read_model(db, conv.id))
    return ReceiveResult("ok", target.id)


async def _edit_or_revoke(db: AsyncSession, instance: Instance, ev: Edit | Revoke) -> ReceiveResult:
    target = await messages.by_external_id(db, instance.id, ev.target_id, lock=True)
    if target is None:
        return ReceiveResult("ignored", detail="edit or revoke of an unknown message")
    changed = messages.edit(target, ev.text) if isinstance(ev, Edit) else messages.revoke(target)
    if not changed:
        return ReceiveResult("duplicate", target.id)
    emit_message_updated(db, instance.organization_id, await messages.read_one(db, target))
    return ReceiveResult("ok", target.id)


async def _typing(db: AsyncSession, instance: Instance, ev: Typing) -> ReceiveResult:
    lead = await leads.find_lead(db, instance.organization_id, ev.contact)
    if lead is None:
        return ReceiveResult("ignored", detail="typing from an unknown contact")
    conv_id = await conversations.id_of_lead(db, lead.id)
    if conv_id is None:
        return ReceiveResult("ignored", detail="typing before any message")
    publish_typing(
        db,
        instance.organization_id,
        TypingData(conversation_id=conv_id, is_typing=ev.composing, sender_type=SenderType.LEAD),
    )
    return ReceiveResult("ok")


async def _instance_status(db: AsyncSession, instance: Instance, ev: InstanceStatus) -> ReceiveResult:
    await instances.set_status(db, instance, InstanceState(ev.status), qr_code=ev.qr_code, jid=ev.jid)
    return ReceiveResult("ok")

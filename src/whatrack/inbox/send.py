"""send(): insert Message(PENDING) and commit BEFORE calling WuzAPI, then SENT, FAILED or UNKNOWN.

The message is never lost: it exists before WhatsApp is called, and a FAILED one can be retried.
This flow owns two transactions on purpose (the documented exception to one-request-one-commit).

Never a second WhatsApp message for one of ours: the WhatsApp id is made here, once, and every
attempt (retry, a browser re-send with the same clientId) passes that same id to WuzAPI. When
WuzAPI does not answer in time the message may have gone out: it becomes UNKNOWN, not FAILED;
a receipt for its id settles it (SENT/DELIVERED/READ), and a retry first looks for one.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from whatrack.attribution.referral import OUTBOUND
from whatrack.auth.service import Actor
from whatrack.conversations import service as conversations
from whatrack.db import transaction, utcnow
from whatrack.errors import (
    MessageEmpty,
    MessageNotFound,
    MessageNotRetryable,
    ReplyToOtherConversation,
    WuzapiHostNotAllowed,
)
from whatrack.instances.targets import check_instance
from whatrack.messages import media as media_store
from whatrack.messages import service as messages
from whatrack.messages.schemas import MessageRead
from whatrack.models import (
    Conversation,
    Instance,
    InstanceStatus,
    Lead,
    Message,
    MessageStatus,
    MessageType,
    SenderType,
)
from whatrack.realtime.events import emit_conversation_updated, emit_new_message, emit_reassigned
from whatrack.realtime.revoke import revoke_reassigned
from whatrack.reports import metrics
from whatrack.settings import Settings
from whatrack.storage import MediaStore
from whatrack.tickets import service as tickets
from whatrack.whatsapp.client import WuzapiClient, WuzapiError
from whatrack.whatsapp.jid import chat_address, chat_jid, user_jid

DISCONNECTED = "WhatsApp disconnected"


@dataclass(frozen=True, slots=True)
class Upload:
    data: bytes
    mime: str
    file_name: str | None


@dataclass(frozen=True, slots=True)
class SendContext:
    factory: async_sessionmaker[AsyncSession]
    http: httpx.AsyncClient
    media: MediaStore
    timeout: float
    # WUZAPI_ALLOWED_HOSTS is checked against it before every WuzAPI call (instances.targets.
    # check_instance). The app's routes and the worker pass theirs; None (no check) is for
    # contexts tests build by hand.
    settings: Settings | None = None

    def check_instance(self, instance: Instance) -> None:
        """Raises WuzapiHostNotAllowed when this server may not call the instance's WuzAPI."""
        if self.settings is not None:
            check_instance(instance.base_url, is_demo=instance.is_demo, settings=self.settings)


def media_kind(mime: str) -> MessageType:
    base = mime.split(";")[0].strip().lower()
    if base in {"image/jpeg", "image/png"}:
        return MessageType.IMAGE
    if base.startswith("audio/"):
        return MessageType.AUDIO
    if base.startswith("video/"):
        return MessageType.VIDEO
    return MessageType.DOCUMENT


def new_whatsapp_id() -> str:
    """Our own WhatsApp-style id, passed as `Id`: receipts that race WuzAPI's answer still match."""
    return "3EB0" + secrets.token_hex(8).upper()


async def send(
    ctx: SendContext,
    actor: Actor,
    *,
    conversation_id: uuid.UUID,
    content: str | None,
    client_id: str | None,
    reply_to_id: uuid.UUID | None,
    upload: Upload | None = None,
) -> MessageRead:
    """One transaction before WhatsApp is called (the conversation locked, so two sends with one
    clientId cannot both insert), then the WuzAPI call, then the outcome in a second one."""
    if not (content and content.strip()) and upload is None:
        raise MessageEmpty("Message is empty: send content or a file")
    async with transaction(ctx.factory) as db:
        conv = await conversations.get_conversation(db, actor, conversation_id, lock=True)
        existing = await messages.by_client_id(db, conv.id, client_id) if client_id else None
        if existing is not None:
            # The browser sends again what it never saw succeed: a FAILED, UNKNOWN or interrupted
            # message goes out again, with its WhatsApp id; any other is answered as it is.
            if not await _resend_ready(db, existing, ctx.timeout):
                return await messages.read_one(db, existing)
            out = await _load_outgoing(ctx, db, existing)
        else:
            out = await _create(ctx, db, actor, conv, content, client_id, reply_to_id, upload)
    return await _deliver(ctx, out)


async def _create(
    ctx: SendContext,
    db: AsyncSession,
    actor: Actor,
    conv: Conversation,
    content: str | None,
    client_id: str | None,
    reply_to_id: uuid.UUID | None,
    upload: Upload | None,
) -> _Outgoing:
    """The agent's new message, PENDING, with its events; what to ask WuzAPI, from the rows in hand."""
    reply_to = None
    if reply_to_id is not None:
        reply_to = await messages.get_message(db, actor, reply_to_id)
        if reply_to.conversation_id != conv.id:
            raise ReplyToOtherConversation("replyToId is a message of another conversation")
    lead, instance = (
        await db.execute(
            select(Lead, Instance)
            .join(Instance, Instance.organization_id == Lead.organization_id)
            .where(Lead.id == conv.lead_id, Instance.id == conv.instance_id)
        )
    ).one()  # both by primary key, in one round trip
    ctx.check_instance(instance)  # refused before anything is written
    now = utcnow()
    ticket, _ = await tickets.resolve_ticket(db, conv, lead, OUTBOUND, now)
    media_path = None
    if upload is not None:
        media_path = await media_store.store(
            ctx.media, actor.organization_id, upload.data, upload.mime, upload.file_name
        )
    msg = await messages.add(
        db,
        messages.row(
            organization_id=actor.organization_id,
            conversation_id=conv.id,
            ticket_id=ticket.id,
            instance_id=conv.instance_id,
            sender_type=SenderType.USER,
            sender_id=actor.user_id,
            sender_name=actor.name,
            message_type=media_kind(upload.mime) if upload else MessageType.TEXT,
            content=(content or "").strip() or None,
            status=MessageStatus.PENDING,
            external_id=new_whatsapp_id(),
            client_id=client_id,
            reply_to_id=reply_to.id if reply_to else None,
            reply_to_external_id=reply_to.external_id if reply_to else None,
            sent_at=now,
            dispatched_at=now,
            media_path=media_path,
            media_mime=upload.mime if upload else None,
            media_name=upload.file_name if upload else None,
            media_size=len(upload.data) if upload else None,
        ),
    )
    conversations.on_message(conv, msg, newest=True)
    tickets.touch(ticket, now)
    await metrics.on_messages(db, [msg])
    before = conv.assignee_id
    conversations.take_if_unassigned(conv, ticket, actor.user_id)
    # taken by this send: the line just before the message
    await tickets.assigned(db, conv, before, by=actor.name, at=now - timedelta(microseconds=1))
    emit_reassigned(
        db, actor.organization_id, conv.id, before=before, after=conv.assignee_id, restricted=actor.restricts_agents
    )
    await revoke_reassigned(
        db, actor.organization_id, conv.id, before=before, after=conv.assignee_id, restricted=actor.restricts_agents
    )
    emit_new_message(db, actor.organization_id, await messages.read_one(db, msg))
    emit_conversation_updated(db, actor.organization_id, await conversations.read_model(db, conv.id))
    return _outgoing(msg, lead, instance, reply_to, refused=None)


async def retry(ctx: SendContext, actor: Actor, message_id: uuid.UUID) -> MessageRead:
    async with transaction(ctx.factory) as db:
        found = await messages.get_message(db, actor, message_id)
        msg = await messages.lock(db, found.id)
        assert msg is not None
        if not await _resend_ready(db, msg, ctx.timeout):
            if msg.status in (MessageStatus.FAILED, MessageStatus.UNKNOWN):  # a receipt settled it
                return await messages.read_one(db, msg)
            raise MessageNotRetryable(
                f"Only FAILED or UNKNOWN messages can be retried (this one is {msg.status.value})",
                {"status": msg.status.value},
            )
    return await dispatch(ctx, message_id)


async def _resend_ready(db: AsyncSession, msg: Message, send_timeout: float) -> bool:
    """Whether `msg` (locked) should go to WuzAPI again; if so it is PENDING again, dispatched now.

    FAILED, UNKNOWN, or PENDING long after its dispatch (the sending process died). An UNKNOWN or
    interrupted one may have gone out: reconcile first — a receipt kept for its id means it did.
    Nothing else (PENDING in flight, SENT, a note) is sent again."""
    now = utcnow()
    if msg.status == MessageStatus.PENDING and messages.is_interrupted(msg, send_timeout, now):
        await messages.advance_status(db, msg, MessageStatus.FAILED, error=messages.INTERRUPTED)
    if msg.status not in (MessageStatus.FAILED, MessageStatus.UNKNOWN) or not messages.reaches_whatsapp(msg):
        return False
    await messages.apply_pending_receipts(db, msg)
    if msg.status not in (MessageStatus.FAILED, MessageStatus.UNKNOWN):
        return False  # it went out after all
    await messages.advance_status(db, msg, MessageStatus.PENDING)
    msg.dispatched_at = now
    return True


def _participant(msg: Message, lead: Lead, instance: Instance) -> str:
    if msg.sender_type == SenderType.LEAD:
        return chat_jid(lead.remote_jid, lead.phone)
    return user_jid(instance.phone) if instance.phone else ""


@dataclass(frozen=True, slots=True)
class _Outgoing:
    """What the WuzAPI call needs, read inside the transaction that made the message PENDING."""

    message_id: uuid.UUID
    conversation_id: uuid.UUID
    phone: str
    kind: MessageType
    media_path: str | None
    mime: str | None
    file_name: str | None
    content: str | None
    external_id: str | None
    base_url: str
    token: str
    known_down: bool
    reply: tuple[str, str] | None
    refused: str | None  # WUZAPI_ALLOWED_HOSTS refuses this instance: FAILED, never sent


def _outgoing(
    msg: Message, lead: Lead, instance: Instance, quoted: Message | None, *, refused: str | None
) -> _Outgoing:
    reply = None
    if quoted is not None and quoted.external_id:
        reply = (quoted.external_id, _participant(quoted, lead, instance))
    return _Outgoing(
        message_id=msg.id,
        conversation_id=msg.conversation_id,
        phone=chat_address(lead.remote_jid, lead.phone),
        kind=msg.message_type,
        media_path=msg.media_path,
        mime=msg.media_mime,
        file_name=msg.media_name,
        content=msg.content,
        external_id=msg.external_id,
        base_url=instance.base_url,
        token=instance.token,
        known_down=instance.status in (InstanceStatus.DISCONNECTED, InstanceStatus.LOGGED_OUT),
        reply=reply,
        refused=refused,
    )


async def _load_outgoing(ctx: SendContext, db: AsyncSession, msg: Message) -> _Outgoing:
    conv = await db.get(Conversation, msg.conversation_id)
    instance = await db.get(Instance, msg.instance_id)
    lead = await db.get(Lead, conv.lead_id) if conv else None
    assert conv is not None and instance is not None and lead is not None
    quoted = await db.get(Message, msg.reply_to_id) if msg.reply_to_id else None
    try:  # a retry or a scheduled message: recorded as FAILED, never sent
        ctx.check_instance(instance)
        refused = None
    except WuzapiHostNotAllowed as exc:
        refused = exc.message
    return _outgoing(msg, lead, instance, quoted, refused=refused)


async def dispatch(ctx: SendContext, message_id: uuid.UUID) -> MessageRead:
    """Call WuzAPI for a PENDING message (outside any transaction), then record SENT or FAILED."""
    async with transaction(ctx.factory) as db:
        msg = await db.get(Message, message_id)
        if msg is None:
            raise MessageNotFound("Message not found")
        if not messages.reaches_whatsapp(msg):  # an internal note: the thread only
            return await messages.read_one(db, msg)
        out = await _load_outgoing(ctx, db, msg)
    return await _deliver(ctx, out)


async def _deliver(ctx: SendContext, out: _Outgoing) -> MessageRead:
    """The WuzAPI call (no transaction open), then SENT, UNKNOWN or FAILED in one transaction."""
    client = WuzapiClient(ctx.http, out.base_url, out.token, ctx.timeout)
    error: str | None = None
    unknown = False
    try:
        if out.refused is not None:
            raise WuzapiError(out.refused)
        if out.media_path is not None:
            data = await ctx.media.read(out.media_path)
            await client.send_media(
                out.kind.value,
                out.phone,
                data,
                out.mime or "application/octet-stream",
                caption=out.content,
                file_name=out.file_name,
                message_id=out.external_id,
                reply=out.reply,
            )
        else:
            await client.send_text(out.phone, out.content or "", message_id=out.external_id, reply=out.reply)
    except WuzapiError as exc:
        unknown = exc.outcome_unknown
        error = DISCONNECTED if exc.disconnected or (out.known_down and exc.status_code == 500) else exc.message
    except OSError:  # disk or S3 (StorageError)
        error = "Media file is missing on the server"

    async with transaction(ctx.factory) as db:
        msg = await messages.lock(db, out.message_id)
        assert msg is not None
        # then its conversation (the ingest's lock order), with what the events need; held, so
        # that the identity map keeps them
        _parties = await conversations.lock_with_parties(db, out.conversation_id)
        if error is None:
            await messages.advance_status(db, msg, MessageStatus.SENT)
            await messages.apply_pending_receipts(db, msg)
        elif unknown:  # may have gone out: a receipt for its id will say so
            await messages.advance_status(db, msg, MessageStatus.UNKNOWN)
            await messages.apply_pending_receipts(db, msg)
        else:
            await messages.advance_status(db, msg, MessageStatus.FAILED, error=error)
        result = await messages.read_one(db, msg)
    return result

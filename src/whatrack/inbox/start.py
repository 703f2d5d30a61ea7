"""Starting a conversation with a number (issue 12): parse and normalise the phone like incoming
numbers, ask WuzAPI whether it is on WhatsApp (when the instance is connected), reuse or create
the lead and its conversation, then send the first message through the normal send path (a new
ticket there has origin `outbound`).

Two steps, like send(): the lead and conversation are committed first (no connection is held
while WuzAPI is asked), then send() commits the message before calling WuzAPI."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from pydantic import Field
from sqlalchemy.ext.asyncio import AsyncSession

from whatrack.auth.service import Actor
from whatrack.conversations import service as conversations
from whatrack.conversations.schemas import ConversationRead
from whatrack.db import transaction
from whatrack.db_util import get_scoped
from whatrack.errors import InstanceNotFound, MessageEmpty, NotOnWhatsapp, PhoneInvalid, WuzapiUnreachable
from whatrack.inbox.send import SendContext, send
from whatrack.leads import service as leads
from whatrack.messages.schemas import MessageRead
from whatrack.models import Instance, InstanceStatus
from whatrack.realtime.events import emit_conversation_updated
from whatrack.schemas import CamelModel, InputModel
from whatrack.whatsapp.client import WuzapiClient, WuzapiError
from whatrack.whatsapp.events import Contact
from whatrack.whatsapp.jid import normalize_phone, phone_from_jid, user_jid, whatsapp_number

DEFAULT_REGION = "BR"


class StartConversationIn(InputModel):
    instance_id: uuid.UUID
    phone: str = Field(min_length=1, max_length=64)
    name: str | None = Field(default=None, max_length=200)
    content: str = Field(min_length=1, max_length=65536)


class ConversationStarted(CamelModel):
    conversation: ConversationRead
    message: MessageRead
    created: bool  # a new lead or conversation (false: an existing one reused)


@dataclass(frozen=True, slots=True)
class Started:
    conversation: ConversationRead
    message: MessageRead
    created: bool


def parse_phone(phone: str) -> str:
    """E.164 with Brazil's ninth digit, as incoming numbers are stored; PhoneInvalid otherwise."""
    e164 = normalize_phone(phone, DEFAULT_REGION)
    if e164 is None:
        raise PhoneInvalid(f"Not a phone number: {phone!r}", {"phone": phone})
    return e164


async def _instance(db: AsyncSession, actor: Actor, instance_id: uuid.UUID) -> Instance:
    return await get_scoped(db, Instance, actor.organization_id, instance_id, lambda: InstanceNotFound())


async def _whatsapp_jid(ctx: SendContext, instance: Instance, e164: str) -> str:
    """The JID WhatsApp uses for the number (WuzAPI /user/check) when the instance is connected;
    the number's own JID otherwise (a send to a disconnected number fails visibly anyway)."""
    ctx.check_instance(instance)
    if instance.status != InstanceStatus.CONNECTED:
        return user_jid(e164)
    client = WuzapiClient(ctx.http, instance.base_url, instance.token, ctx.timeout)
    try:
        on_whatsapp, jid = await client.check_user(whatsapp_number(e164))
    except WuzapiError as exc:
        raise WuzapiUnreachable(f"Could not check the number on WhatsApp: {exc}") from exc
    if not on_whatsapp:
        raise NotOnWhatsapp(f"{e164} is not on WhatsApp", {"phone": e164})
    # WhatsApp may address a Brazilian mobile without its ninth digit: keep its JID to reply to,
    # and the same normalised phone as an incoming message from it would give.
    if jid is None or phone_from_jid(jid) != e164:
        return user_jid(e164)
    return jid


async def start_conversation(
    ctx: SendContext, actor: Actor, *, instance_id: uuid.UUID, phone: str, name: str | None, content: str
) -> Started:
    if not content.strip():
        raise MessageEmpty("Message is empty: send content")
    e164 = parse_phone(phone)
    async with transaction(ctx.factory) as db:
        instance = await _instance(db, actor, instance_id)
        db.expunge(instance)
    jid = await _whatsapp_jid(ctx, instance, e164)
    async with transaction(ctx.factory) as db:
        contact = Contact(jid=jid, phone=e164, lid=None)
        existing = await leads.find_lead(db, actor.organization_id, contact)
        lead = await leads.upsert_lead(db, actor.organization_id, contact)
        if name and not lead.name:
            lead.name = name
        conv, created = await conversations.get_or_create(db, actor.organization_id, lead, instance.id)
        if not created:
            # an existing conversation: the visibility policy applies (a colleague's is not found)
            await conversations.get_conversation(db, actor, conv.id)
            conv.instance_id = instance.id  # the agent chose the number to write from
        await db.flush()
        conversation_id = conv.id
        created = existing is None or created
    message = await send(ctx, actor, conversation_id=conversation_id, content=content, client_id=None, reply_to_id=None)
    async with transaction(ctx.factory) as db:
        read = await conversations.read_model(db, conversation_id)
    return Started(conversation=read, message=message, created=created)


class InstanceChoice(InputModel):
    instance_id: uuid.UUID = Field(description="The organization's WhatsApp number to reply from")


async def switch_instance(
    db: AsyncSession, actor: Actor, conversation_id: uuid.UUID, instance_id: uuid.UUID
) -> ConversationRead:
    """The agent picks the number the next replies go out through (until the lead writes to
    another one: the current number follows the lead's last message, conversations.on_message)."""
    conv = await conversations.get_conversation(db, actor, conversation_id, lock=True)
    instance = await _instance(db, actor, instance_id)
    if conv.instance_id != instance.id:
        conv.instance_id = instance.id
        await db.flush()
    read = await conversations.read_model(db, conv.id)
    emit_conversation_updated(db, actor.organization_id, read)
    return read

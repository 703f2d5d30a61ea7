"""Agent actions on a conversation that touch several domains (and WhatsApp)."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Coroutine
from datetime import datetime
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from whatrack.auth.service import Actor
from whatrack.conversations import service as conversations
from whatrack.conversations.schemas import ConversationRead
from whatrack.errors import WuzapiHostNotAllowed
from whatrack.instances.targets import check_instance
from whatrack.messages import service as messages
from whatrack.models import Conversation, Instance, Lead, Priority, SenderType
from whatrack.realtime.events import TypingData, emit_conversation_updated, emit_reassigned, publish_typing
from whatrack.realtime.revoke import revoke_reassigned
from whatrack.settings import Settings
from whatrack.tickets import service as tickets
from whatrack.whatsapp.client import WuzapiClient, WuzapiError
from whatrack.whatsapp.jid import chat_address, chat_jid

log = logging.getLogger(__name__)
_background: set[asyncio.Task[None]] = set()


def _fire(coro: Coroutine[Any, Any, None]) -> None:
    """Best-effort WhatsApp side effects run after the response; failures are logged, not raised."""
    task = asyncio.ensure_future(coro)
    _background.add(task)
    task.add_done_callback(_background.discard)


async def _best_effort(what: str, coro: Awaitable[None]) -> None:
    try:
        await coro
    except WuzapiError as exc:
        log.info("%s failed: %s", what, exc.message)


async def _updated(db: AsyncSession, actor: Actor, conv: Conversation) -> ConversationRead:
    read = await conversations.read_model(db, conv.id)
    emit_conversation_updated(db, actor.organization_id, read)
    return read


async def _client_and_lead(
    db: AsyncSession, http: httpx.AsyncClient, settings: Settings, conv: Conversation
) -> tuple[WuzapiClient | None, Lead]:
    """The instance's WuzAPI client, or None when WUZAPI_ALLOWED_HOSTS forbids its host (these
    WhatsApp side effects are best-effort: skipped, not an error)."""
    instance = await db.get(Instance, conv.instance_id)
    lead = await db.get(Lead, conv.lead_id)
    assert instance is not None and lead is not None
    try:
        check_instance(instance.base_url, is_demo=instance.is_demo, settings=settings)
    except WuzapiHostNotAllowed:
        log.info("instance %s: WuzAPI host outside WUZAPI_ALLOWED_HOSTS, not called", instance.id)
        return None, lead
    return WuzapiClient(http, instance.base_url, instance.token, settings.wuzapi_timeout_seconds), lead


async def mark_read(
    db: AsyncSession, http: httpx.AsyncClient, settings: Settings, actor: Actor, conversation_id: uuid.UUID
) -> ConversationRead:
    conv = await conversations.get_conversation(db, actor, conversation_id)
    unread = conv.unread_count
    conv = await conversations.mark_read(db, actor, conversation_id)
    if unread > 0:
        external_ids = await messages.latest_lead_ids(db, conv.id, min(unread, 50))
        client, lead = await _client_and_lead(db, http, settings, conv)
        jid = chat_jid(lead.remote_jid, lead.phone)
        if external_ids and client is not None:
            _fire(_best_effort("markread", client.mark_read(external_ids, jid, jid)))
    return await _updated(db, actor, conv)


async def mark_unread(db: AsyncSession, actor: Actor, conversation_id: uuid.UUID) -> ConversationRead:
    conv = await conversations.mark_unread(db, actor, conversation_id)
    return await _updated(db, actor, conv)


async def assign(
    db: AsyncSession, actor: Actor, conversation_id: uuid.UUID, user_id: uuid.UUID | None
) -> ConversationRead:
    before = (await conversations.get_conversation(db, actor, conversation_id, lock=True)).assignee_id
    conv = await conversations.assign(db, actor, conversation_id, user_id)
    await tickets.assigned(db, conv, before, by=actor.name)
    emit_reassigned(
        db, actor.organization_id, conv.id, before=before, after=conv.assignee_id, restricted=actor.restricts_agents
    )
    await revoke_reassigned(
        db, actor.organization_id, conv.id, before=before, after=conv.assignee_id, restricted=actor.restricts_agents
    )
    return await _updated(db, actor, conv)


async def snooze(
    db: AsyncSession, actor: Actor, conversation_id: uuid.UUID, until: datetime | None, now: datetime
) -> ConversationRead:
    """Snooze (or wake with None); a snooze leaves a SYSTEM line `snoozed` in the thread."""
    conv, changed = await conversations.snooze(db, actor, conversation_id, until, now)
    if changed and conv.snoozed_until is not None and conv.current_ticket_id is not None:
        params = {"until": conv.snoozed_until.isoformat(), "by": actor.name}
        await messages.add_system(db, conv, conv.current_ticket_id, "snoozed", params, at=now)
    return await _updated(db, actor, conv)


async def set_priority(
    db: AsyncSession, actor: Actor, conversation_id: uuid.UUID, priority: Priority
) -> ConversationRead:
    """A new priority leaves a SYSTEM line `priority` in the thread."""
    conv, changed = await conversations.set_priority(db, actor, conversation_id, priority)
    if changed and conv.current_ticket_id is not None:
        params = {"priority": priority.value, "by": actor.name}
        await messages.add_system(db, conv, conv.current_ticket_id, "priority", params)
    return await _updated(db, actor, conv)


async def agent_typing(
    db: AsyncSession,
    http: httpx.AsyncClient,
    settings: Settings,
    actor: Actor,
    conversation_id: uuid.UUID,
    is_typing: bool,
) -> None:
    conv = await conversations.get_conversation(db, actor, conversation_id)
    client, lead = await _client_and_lead(db, http, settings, conv)
    phone = chat_address(lead.remote_jid, lead.phone)
    if client is not None:
        _fire(_best_effort("presence", client.presence(phone, is_typing)))
    publish_typing(
        db,
        actor.organization_id,
        TypingData(
            conversation_id=conv.id,
            is_typing=is_typing,
            sender_type=SenderType.USER,
            user_id=actor.user_id,
            user_name=actor.name,
        ),
    )

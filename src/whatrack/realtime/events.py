"""Typed real-time events. Services call the emit_* functions; rows go to the outbox in the
caller's transaction and are published after commit by the outbox drainer."""

from __future__ import annotations

import uuid
from typing import Literal

from pydantic import ConfigDict
from sqlalchemy.ext.asyncio import AsyncSession

from whatrack.conversations.schemas import ConversationRead
from whatrack.messages.schemas import MessageRead
from whatrack.models import MessageStatus, OutboxEvent, SenderType
from whatrack.realtime.publisher import conversation_channel, org_channel
from whatrack.schemas import CamelModel


class _Event(CamelModel):
    model_config = ConfigDict(extra="forbid")


class NewMessage(_Event):
    type: Literal["new_message"] = "new_message"
    data: MessageRead


class StatusData(_Event):
    message_id: uuid.UUID
    conversation_id: uuid.UUID
    status: MessageStatus
    external_id: str | None
    error: str | None


class MessageStatusEvent(_Event):
    type: Literal["message_status"] = "message_status"
    data: StatusData


class ConversationUpdated(_Event):
    type: Literal["conversation_updated"] = "conversation_updated"
    data: ConversationRead


class TypingData(_Event):
    conversation_id: uuid.UUID
    is_typing: bool
    sender_type: SenderType
    user_id: uuid.UUID | None = None
    user_name: str | None = None


class TypingEvent(_Event):
    type: Literal["typing"] = "typing"
    data: TypingData


class MessageUpdated(_Event):
    """An existing message changed: edited, deleted for everyone, reacted to."""

    type: Literal["message_updated"] = "message_updated"
    data: MessageRead


class InstanceData(_Event):
    id: uuid.UUID
    status: str
    phone: str | None


class InstanceUpdated(_Event):
    type: Literal["instance_updated"] = "instance_updated"
    data: InstanceData


ChatEvent = NewMessage | MessageStatusEvent | ConversationUpdated | TypingEvent | MessageUpdated | InstanceUpdated


def _enqueue(db: AsyncSession, channel: str, event: ChatEvent) -> None:
    db.add(OutboxEvent(channel=channel, data=event.model_dump(mode="json", by_alias=True)))


def emit_new_message(db: AsyncSession, organization_id: uuid.UUID, message: MessageRead) -> None:
    event = NewMessage(data=message)
    _enqueue(db, conversation_channel(message.conversation_id), event)
    _enqueue(db, org_channel(organization_id), event)


def emit_message_status(db: AsyncSession, data: StatusData) -> None:
    _enqueue(db, conversation_channel(data.conversation_id), MessageStatusEvent(data=data))


def emit_conversation_updated(db: AsyncSession, organization_id: uuid.UUID, conv: ConversationRead) -> None:
    _enqueue(db, org_channel(organization_id), ConversationUpdated(data=conv))


def emit_typing(db: AsyncSession, organization_id: uuid.UUID, data: TypingData) -> None:
    event = TypingEvent(data=data)
    _enqueue(db, conversation_channel(data.conversation_id), event)
    _enqueue(db, org_channel(organization_id), event)


def emit_message_updated(db: AsyncSession, organization_id: uuid.UUID, message: MessageRead) -> None:
    event = MessageUpdated(data=message)
    _enqueue(db, conversation_channel(message.conversation_id), event)
    _enqueue(db, org_channel(organization_id), event)


def emit_instance_updated(db: AsyncSession, organization_id: uuid.UUID, data: InstanceData) -> None:
    _enqueue(db, org_channel(organization_id), InstanceUpdated(data=data))

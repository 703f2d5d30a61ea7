"""Typed real-time events. Services call the emit_* functions; the rows go to the outbox in the
caller's transaction (all at once, just before it commits) and are published after commit by
the outbox drainer, which the commit wakes (db.notify_on_commit). Typing is ephemeral:
publish_typing sends it straight to the real-time server, best-effort (realtime/ephemeral.py)."""

from __future__ import annotations

import uuid
from typing import Literal, cast

from pydantic import ConfigDict
from sqlalchemy import Table, event, insert
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapper, Session, object_session

from whatrack.conversations.schemas import ConversationRead
from whatrack.db import notify_on_commit
from whatrack.messages.schemas import MessageRead
from whatrack.models import InstanceStatus, MessageStatus, OutboxEvent, SenderType
from whatrack.realtime.ephemeral import publish_ephemeral
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
    status: InstanceStatus
    phone: str | None


class InstanceUpdated(_Event):
    type: Literal["instance_updated"] = "instance_updated"
    data: InstanceData


ChatEvent = NewMessage | MessageStatusEvent | ConversationUpdated | TypingEvent | MessageUpdated | InstanceUpdated


_INSERT_OUTBOX = insert(cast(Table, OutboxEvent.__table__))
_PENDING = "whatrack.outbox"  # key in Session.info: rows waiting for this transaction's commit


def _enqueue(db: AsyncSession, event: ChatEvent, *channels: str) -> None:
    """Keeps the event's outbox rows until the transaction commits (see _write_outbox)."""
    data = event.model_dump(mode="json", by_alias=True)
    db.info.setdefault(_PENDING, []).extend({"channel": channel, "data": data} for channel in channels)


@event.listens_for(Session, "before_commit")
def _write_outbox(session: Session) -> None:
    """All the transaction's outbox rows in one executemany, inside the transaction: they
    commit with the changes they announce, or not at all."""
    rows = session.info.pop(_PENDING, None)
    if rows:
        session.execute(_INSERT_OUTBOX, rows)
        notify_on_commit(session)  # wakes the drainer once this commit is done


@event.listens_for(OutboxEvent, "after_insert")
def _outbox_row_flushed(_mapper: Mapper[OutboxEvent], _conn: Connection, row: OutboxEvent) -> None:
    """A row added with session.add (no service does; kept so none is left unannounced)."""
    session = object_session(row)
    if session is not None:
        notify_on_commit(session)


@event.listens_for(Session, "after_rollback")
def _drop_outbox(session: Session) -> None:
    session.info.pop(_PENDING, None)


def emit_new_message(db: AsyncSession, organization_id: uuid.UUID, message: MessageRead) -> None:
    _enqueue(db, NewMessage(data=message), conversation_channel(message.conversation_id), org_channel(organization_id))


def emit_message_status(db: AsyncSession, data: StatusData) -> None:
    _enqueue(db, MessageStatusEvent(data=data), conversation_channel(data.conversation_id))


def emit_conversation_updated(db: AsyncSession, organization_id: uuid.UUID, conv: ConversationRead) -> None:
    _enqueue(db, ConversationUpdated(data=conv), org_channel(organization_id))


def publish_typing(db: AsyncSession, organization_id: uuid.UUID, data: TypingData) -> None:
    """Now, not at commit, and not through the outbox: typing is ephemeral."""
    publish_ephemeral(
        db, TypingEvent(data=data), conversation_channel(data.conversation_id), org_channel(organization_id)
    )


def emit_message_updated(db: AsyncSession, organization_id: uuid.UUID, message: MessageRead) -> None:
    _enqueue(
        db, MessageUpdated(data=message), conversation_channel(message.conversation_id), org_channel(organization_id)
    )


def emit_instance_updated(db: AsyncSession, organization_id: uuid.UUID, data: InstanceData) -> None:
    _enqueue(db, InstanceUpdated(data=data), org_channel(organization_id))

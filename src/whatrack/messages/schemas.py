from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pydantic import Field, TypeAdapter

from whatrack.models import Message, MessageStatus, MessageType, SenderType
from whatrack.schemas import CamelModel, InputModel


class MediaRead(CamelModel):
    url: str
    mime_type: str | None
    file_name: str | None
    size: int | None


class ReplyRead(CamelModel):
    id: uuid.UUID
    content: str | None
    sender_type: SenderType
    sender_id: uuid.UUID | None = Field(description="The colleague who wrote the quoted message (USER/AI)")
    sender_name: str | None = Field(description="Who wrote it: the colleague, or the lead's name when it was written")
    message_type: MessageType


class ReactionRead(CamelModel):
    emoji: str
    from_me: bool


class MessageRead(CamelModel):
    id: uuid.UUID
    conversation_id: uuid.UUID
    ticket_id: uuid.UUID
    sender_type: SenderType
    sender_id: uuid.UUID | None
    sender_name: str | None
    message_type: MessageType
    content: str | None
    media: MediaRead | None
    status: MessageStatus
    external_id: str | None
    client_id: str | None
    reply_to: ReplyRead | None
    error: str | None
    edited: bool
    deleted: bool
    note: bool  # an internal note: in the thread only, never sent to WhatsApp
    reactions: list[ReactionRead]
    metadata: dict[str, Any]
    sent_at: datetime
    created_at: datetime

    @classmethod
    def build(cls, m: Message, reply: Message | None = None) -> MessageRead:
        return cls.model_validate(message_fields(m, reply))


# The columns row_fields() maps, in its order: a page of messages is loaded as rows of these columns
# (messages/service.py), no ORM objects, and validated at once (MESSAGE_LIST).
READ_ATTRIBUTES = (
    "id",
    "conversation_id",
    "ticket_id",
    "sender_type",
    "sender_id",
    "sender_name",
    "message_type",
    "content",
    "media_path",
    "media_mime",
    "media_name",
    "media_size",
    "status",
    "external_id",
    "client_id",
    "reply_to_id",
    "error",
    "edited",
    "deleted",
    "note",
    "reactions",
    "meta",
    "sent_at",
    "created_at",
)
QUOTE_ATTRIBUTES = ("id", "content", "sender_type", "sender_id", "sender_name", "message_type")


def as_row(m: Any, attributes: tuple[str, ...] = READ_ATTRIBUTES) -> tuple[Any, ...]:
    """A Message (or a row of its columns) as a tuple of `attributes`, in their order."""
    return tuple(m) if not isinstance(m, Message) else tuple(getattr(m, a) for a in attributes)


def message_fields(m: Message, reply: Message | None = None) -> dict[str, Any]:
    return row_fields(as_row(m), None if reply is None else as_row(reply, QUOTE_ATTRIBUTES))


def row_fields(row: Sequence[Any], quote: Sequence[Any] | None) -> dict[str, Any]:
    """MessageRead's fields from a row of READ_ATTRIBUTES and its quoted message's row of
    QUOTE_ATTRIBUTES: the one mapping from a stored message to the API's. Unpacked by position
    (24 lookups by name a message cost as much as the rest of the page)."""
    (
        id_,
        conversation_id,
        ticket_id,
        sender_type,
        sender_id,
        sender_name,
        message_type,
        content,
        media_path,
        media_mime,
        media_name,
        media_size,
        status,
        external_id,
        client_id,
        _reply_to_id,
        error,
        edited,
        deleted,
        note,
        reactions,
        meta,
        sent_at,
        created_at,
    ) = row
    return {
        "id": id_,
        "conversation_id": conversation_id,
        "ticket_id": ticket_id,
        "sender_type": sender_type,
        "sender_id": sender_id,
        "sender_name": sender_name,
        "message_type": message_type,
        "content": content,
        "media": (
            {"url": f"/api/v1/media/{id_}", "mime_type": media_mime, "file_name": media_name, "size": media_size}
            if media_path
            else None
        ),
        "status": status,
        "external_id": external_id,
        "client_id": client_id,
        "reply_to": None if quote is None else dict(zip(QUOTE_ATTRIBUTES, quote, strict=True)),
        "error": error,
        "edited": edited,
        "deleted": deleted,
        "note": bool(note),
        "reactions": [{"emoji": r["emoji"], "from_me": bool(r.get("fromMe"))} for r in reactions or []],
        "metadata": meta or {},
        "sent_at": sent_at,
        "created_at": created_at,
    }


MESSAGE_LIST: TypeAdapter[list[MessageRead]] = TypeAdapter(list[MessageRead])


class SendTextIn(InputModel):
    conversation_id: uuid.UUID
    content: str = Field(min_length=1, max_length=65536)
    client_id: str | None = Field(default=None, min_length=1, max_length=64)
    reply_to_id: uuid.UUID | None = None


class NoteIn(InputModel):
    content: str = Field(min_length=1, max_length=65536)
    mentions: list[uuid.UUID] = Field(default_factory=list, max_length=20, description="Users named with @")
    client_id: str | None = Field(default=None, min_length=1, max_length=64)


class MessagePage(CamelModel):
    items: list[MessageRead]
    next_cursor: str | None = Field(description="Older messages: pass as `cursor` (null: the first message)")
    newer_cursor: str | None = Field(
        default=None,
        description="Newer messages, after `around` or a newer page: pass as `cursor` (null: the latest message)",
    )


class MessageHit(CamelModel):
    """A message whose text matches a search: the client highlights the term in `snippet`,
    folding accents and case the way the server matched it."""

    message_id: uuid.UUID
    conversation_id: uuid.UUID
    instance_id: uuid.UUID
    lead_name: str | None
    lead_phone: str | None
    sender_type: SenderType
    sent_at: datetime
    snippet: str = Field(description="The text around the first match (cut ends marked with …)")


class MessageHitPage(CamelModel):
    items: list[MessageHit]
    next_cursor: str | None

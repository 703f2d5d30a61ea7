from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import Field

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
        media = (
            MediaRead(url=f"/api/v1/media/{m.id}", mime_type=m.media_mime, file_name=m.media_name, size=m.media_size)
            if m.media_path
            else None
        )
        return cls(
            id=m.id,
            conversation_id=m.conversation_id,
            ticket_id=m.ticket_id,
            sender_type=m.sender_type,
            sender_id=m.sender_id,
            sender_name=m.sender_name,
            message_type=m.message_type,
            content=m.content,
            media=media,
            status=m.status,
            external_id=m.external_id,
            client_id=m.client_id,
            reply_to=(
                ReplyRead(
                    id=reply.id,
                    content=reply.content,
                    sender_type=reply.sender_type,
                    sender_id=reply.sender_id,
                    sender_name=reply.sender_name,
                    message_type=reply.message_type,
                )
                if reply
                else None
            ),
            error=m.error,
            edited=m.edited,
            deleted=m.deleted,
            note=bool(m.note),
            reactions=[ReactionRead(emoji=r["emoji"], from_me=bool(r.get("fromMe"))) for r in m.reactions or []],
            metadata=m.meta or {},
            sent_at=m.sent_at,
            created_at=m.created_at,
        )


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

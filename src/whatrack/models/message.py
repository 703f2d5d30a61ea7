from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, String, Text, UniqueConstraint, false, text
from sqlalchemy.orm import Mapped, mapped_column

from whatrack.db import Base, UTCDateTime, new_id, new_ordered_id, utcnow
from whatrack.models._types import JSONType, json_default, str_enum
from whatrack.models.enums import MessageStatus, MessageType, SenderType


class Message(Base):
    __tablename__ = "messages"
    __table_args__ = (
        # A re-delivered webhook hits this and becomes a no-op.
        UniqueConstraint("instance_id", "external_id"),
        # A browser retrying the same send gets the same row back.
        UniqueConstraint("conversation_id", "client_id"),
        Index("ix_messages_conversation_recent", "conversation_id", "sent_at", "id"),
        Index("ix_messages_ticket", "ticket_id"),
        # The organization's messages newest first (message search walks it for common terms;
        # it also serves every "messages of this organization" filter, migration 0025).
        Index("ix_messages_org_recent", "organization_id", "sent_at", "id"),
        # The worker's scan for sends interrupted mid-call (jobs.worker.fail_interrupted_sends).
        Index(
            "ix_messages_pending_dispatch",
            "dispatched_at",
            postgresql_where=text("status = 'PENDING'"),
            sqlite_where=text("status = 'PENDING'"),
        ),
        # Text search: PostgreSQL's trigram index on wt_fold(content), SQLite's messages_fts,
        # both made by migration 0013 (migrations/env.py leaves them out).
    )

    # time-ordered: pages read (sent_at, id), and WhatsApp stamps to the second
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_ordered_id)
    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    conversation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    ticket_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    instance_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("instances.id", ondelete="CASCADE"))
    sender_type: Mapped[SenderType] = mapped_column(str_enum(SenderType))
    sender_id: Mapped[uuid.UUID | None] = mapped_column()
    sender_name: Mapped[str | None] = mapped_column(String(200))
    message_type: Mapped[MessageType] = mapped_column(str_enum(MessageType), default=MessageType.TEXT)
    content: Mapped[str | None] = mapped_column(Text)
    media_path: Mapped[str | None] = mapped_column(String(500))
    media_mime: Mapped[str | None] = mapped_column(String(128))
    media_name: Mapped[str | None] = mapped_column(String(255))
    media_size: Mapped[int | None] = mapped_column(BigInteger)
    status: Mapped[MessageStatus] = mapped_column(str_enum(MessageStatus), default=MessageStatus.PENDING)
    external_id: Mapped[str | None] = mapped_column(String(128))
    client_id: Mapped[str | None] = mapped_column(String(64))
    reply_to_external_id: Mapped[str | None] = mapped_column(String(128))
    reply_to_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("messages.id", ondelete="SET NULL"))
    error: Mapped[str | None] = mapped_column(Text)
    edited: Mapped[bool] = mapped_column(Boolean, default=False)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    # an internal note: written by an agent into the thread, never sent to WhatsApp
    note: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    reactions: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    meta: Mapped[dict[str, Any]] = mapped_column("metadata", JSONType, default=json_default)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # when the app last handed this message to WuzAPI (send or retry); PENDING long after it:
    # the app died mid-send
    dispatched_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class PendingReceipt(Base):
    """A receipt that beat its message (WuzAPI posts each event in its own goroutine)."""

    __tablename__ = "pending_receipts"
    __table_args__ = (UniqueConstraint("instance_id", "external_id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    instance_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("instances.id", ondelete="CASCADE"))
    external_id: Mapped[str] = mapped_column(String(128))
    status: Mapped[MessageStatus] = mapped_column(str_enum(MessageStatus))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, case
from sqlalchemy.orm import Mapped, mapped_column

from whatrack.db import Base, UTCDateTime, new_id, utcnow
from whatrack.models._types import str_enum
from whatrack.models.enums import MessageStatus, MessageType, SenderType, TicketStatus


class Conversation(Base):
    """The permanent 1:1 thread with a lead. List fields are denormalised here for fast inbox reads."""

    __tablename__ = "conversations"
    __table_args__ = (Index("ix_conversations_org_waiting", "organization_id", "waiting_since", "id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    lead_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"), unique=True)
    instance_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("instances.id", ondelete="CASCADE"), index=True)
    current_ticket_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("tickets.id", use_alter=True, ondelete="SET NULL")
    )
    ticket_status: Mapped[TicketStatus] = mapped_column(str_enum(TicketStatus), default=TicketStatus.OPEN)
    assignee_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    unread_count: Mapped[int] = mapped_column(Integer, default=0)
    last_message_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # The last message's text (one line, no label): what kind of message it is, and the emoji
    # when the last thing was the lead reacting to it, are their own columns, so that each
    # client names them in its language.
    last_message_preview: Mapped[str | None] = mapped_column(String(200))
    last_message_type: Mapped[MessageType | None] = mapped_column(str_enum(MessageType))
    last_message_reaction: Mapped[str | None] = mapped_column(String(32))
    last_message_sender_type: Mapped[SenderType | None] = mapped_column(str_enum(SenderType))
    last_message_status: Mapped[MessageStatus | None] = mapped_column(str_enum(MessageStatus))
    last_message_id: Mapped[uuid.UUID | None] = mapped_column()
    # When the lead's oldest unanswered message arrived; NULL once an agent answered.
    waiting_since: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Hidden from the default list until then (the lead writing clears it); kept once past, so
    # that the conversation comes back on top of the list at that time (service._recent_key).
    snoozed_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # models.PRIORITY_RANK: 0 none .. 4 urgent (a number, so that it sorts)
    priority: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


# Where the conversation sits in the "recent" list: its last message, or a snooze time after it
# (a conversation whose snooze passed comes back on top). Indexed as such by migrations 0017
# (ix_conversations_org_listed) and 0028 (ix_conversations_org_assignee_listed, "Minhas"):
# expression indexes, left out of alembic's comparison in env.py.
LISTED_AT = case(
    (Conversation.snoozed_until > Conversation.last_message_at, Conversation.snoozed_until),
    else_=Conversation.last_message_at,
)

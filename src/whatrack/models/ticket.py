from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from whatrack.db import Base, UTCDateTime, new_id, utcnow
from whatrack.models._types import JSONType, json_default, str_enum
from whatrack.models.enums import ClosedBy, TicketOutcome, TicketStatus


class Ticket(Base):
    """A service session inside a conversation, with its own marketing origin."""

    __tablename__ = "tickets"
    __table_args__ = (
        UniqueConstraint("conversation_id", "number"),
        # At most one non-resolved ticket per conversation, enforced by the database.
        Index(
            "uq_tickets_one_active_per_conversation",
            "conversation_id",
            unique=True,
            postgresql_where=text("status <> 'RESOLVED'"),
            sqlite_where=text("status <> 'RESOLVED'"),
        ),
        Index("ix_tickets_active_activity", "status", "last_activity_at"),
        # reports: tickets opened / resolved in a range
        Index("ix_tickets_org_created", "organization_id", "created_at"),
        Index("ix_tickets_org_resolved", "organization_id", "resolved_at"),
        # an ad's campaign name applied to its past tickets
        Index("ix_tickets_org_ad", "organization_id", "ad_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    conversation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    # The WhatsApp number (instance) the ticket came through: the one the lead wrote to, or the
    # agent wrote from. NULL only for tickets stored before it was recorded (migration 0018 fills them).
    instance_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("instances.id", ondelete="SET NULL"))
    number: Mapped[int] = mapped_column(Integer)
    status: Mapped[TicketStatus] = mapped_column(str_enum(TicketStatus), default=TicketStatus.OPEN)
    source: Mapped[str | None] = mapped_column(String(64))
    campaign: Mapped[str | None] = mapped_column(String(200))
    medium: Mapped[str | None] = mapped_column(String(64))
    ad_id: Mapped[str | None] = mapped_column(String(128))
    ctwa_clid: Mapped[str | None] = mapped_column(String(255))
    # the Click-to-WhatsApp ad the ticket came from, as the lead saw it (the chat's ad card)
    ad_headline: Mapped[str | None] = mapped_column(String(500))
    ad_body: Mapped[str | None] = mapped_column(Text)
    ad_source_url: Mapped[str | None] = mapped_column(Text)
    ad_thumbnail_url: Mapped[str | None] = mapped_column(Text)
    referral: Mapped[dict[str, Any]] = mapped_column(JSONType, default=json_default)
    assignee_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    assignee_name: Mapped[str | None] = mapped_column(String(200))
    outcome: Mapped[TicketOutcome | None] = mapped_column(str_enum(TicketOutcome))
    outcome_reason: Mapped[str | None] = mapped_column(Text)
    # what a sale was worth (cents), given when the ticket is closed as a sale
    value_cents: Mapped[int | None] = mapped_column(BigInteger)
    closed_by: Mapped[ClosedBy | None] = mapped_column(str_enum(ClosedBy))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # created_at -> resolved_at on the organization's clock (wall or business hours), written at
    # close and by `whatrack metrics rebuild`; NULL for tickets stored before (reports then use
    # the wall-clock difference).
    resolution_seconds: Mapped[int | None] = mapped_column(Integer)
    follow_up_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    # steps of the running follow-up sent so far (the index of the next one)
    current_follow_up_step: Mapped[int | None] = mapped_column(Integer)
    follow_up_sequence_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("follow_up_sequences.id", ondelete="SET NULL")
    )
    # set when the last step went out: the lead's silence until then resolves the ticket
    follow_up_ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_by_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    last_activity_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

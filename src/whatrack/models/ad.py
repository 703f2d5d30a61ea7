"""Ads: the campaign an admin gave an ad, and ad clicks that arrived while a ticket was open."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from whatrack.db import Base, UTCDateTime, new_id, utcnow


class AdCampaign(Base):
    """An ad id named as a campaign by an admin: fills `campaign` on the ad's tickets, past
    and future (Meta tells the ad, rarely the campaign)."""

    __tablename__ = "ad_campaigns"
    __table_args__ = (UniqueConstraint("organization_id", "ad_id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    ad_id: Mapped[str] = mapped_column(String(128))
    campaign: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class TicketTouch(Base):
    """A marketing touch on a ticket that was already open: the lead clicked an ad again.
    The ticket keeps the origin it opened with; any_touch credits these too."""

    __tablename__ = "ticket_touches"
    __table_args__ = (Index("ix_ticket_touches_ticket", "ticket_id", "at"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    ticket_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    message_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("messages.id", ondelete="SET NULL"))
    source: Mapped[str] = mapped_column(String(64))
    campaign: Mapped[str | None] = mapped_column(String(200))
    medium: Mapped[str | None] = mapped_column(String(64))
    ad_id: Mapped[str | None] = mapped_column(String(128))
    ad_headline: Mapped[str | None] = mapped_column(String(500))
    ctwa_clid: Mapped[str | None] = mapped_column(String(255))
    ad_source_url: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from whatrack.db import Base, UTCDateTime, new_id, utcnow


class Lead(Base):
    """One real person. Phone is E.164 (Brazilian mobiles always with the ninth digit)."""

    __tablename__ = "leads"
    __table_args__ = (
        UniqueConstraint("organization_id", "phone"),
        UniqueConstraint("organization_id", "lid"),
        # reports and the leads list: leads created in a range, newest first
        Index("ix_leads_org_created", "organization_id", "created_at", "id"),
        # the leads list filtered by first touch, newest first (migration 0014)
        Index("ix_leads_org_first_source", "organization_id", "first_source", "created_at", "id"),
        Index("ix_leads_org_first_campaign", "organization_id", "first_campaign", "created_at", "id"),
        # Search by name: trigram indexes on wt_fold(name) and wt_fold(push_name), PostgreSQL
        # only, made by migration 0013 (expression indexes; migrations/env.py leaves them out).
        Index(
            "ix_leads_phone_trgm",
            "phone",
            postgresql_using="gin",
            postgresql_ops={"phone": "gin_trgm_ops"},
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    phone: Mapped[str | None] = mapped_column(String(32))
    lid: Mapped[str | None] = mapped_column(String(64))
    remote_jid: Mapped[str | None] = mapped_column(String(128))
    name: Mapped[str | None] = mapped_column(String(200))
    push_name: Mapped[str | None] = mapped_column(String(200))
    notes: Mapped[str | None] = mapped_column(Text)
    # First touch, written once from the first ticket.
    first_source: Mapped[str | None] = mapped_column(String(64))
    first_campaign: Mapped[str | None] = mapped_column(String(200))
    first_medium: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

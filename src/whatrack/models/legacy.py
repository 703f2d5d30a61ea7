from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from whatrack.db import Base, UTCDateTime, utcnow


class LegacyId(Base):
    """Which row a legacy Whatrack row became (`whatrack import legacy`): the import is keyed by
    these, so a re-run, or a run after a crash, inserts only what is not here yet. Several
    legacy leads (one person under two phone spellings) map to the same lead."""

    __tablename__ = "legacy_ids"

    organization_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True
    )
    # lead | inbound | message | whatsapp_message | lead_ticket (a ticket made for a lead's
    # messages when it had no Inbound)
    kind: Mapped[str] = mapped_column(String(24), primary_key=True)
    legacy_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    target_id: Mapped[uuid.UUID] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

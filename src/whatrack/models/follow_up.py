"""Follow-up sequences: an organization's ordered steps (delay + message) started on a ticket."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Integer, String, false
from sqlalchemy.orm import Mapped, mapped_column

from whatrack.db import Base, UTCDateTime, new_id, utcnow
from whatrack.models._types import JSONType


class FollowUpSequence(Base):
    """`steps`: [{"delayMinutes": int, "content": str}], each delay counted from the previous step
    (from the start for the first). After the last step the lead has `final_wait_minutes` to
    answer, then the ticket is resolved (closed_by follow_up, outcome no_response). A sequence
    that was ever used is archived, never deleted (its scheduled rows point at it)."""

    __tablename__ = "follow_up_sequences"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    steps: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    final_wait_minutes: Mapped[int] = mapped_column(Integer, default=1440)
    archived: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from whatrack.db import Base, UTCDateTime, new_id, utcnow
from whatrack.models._types import str_enum
from whatrack.models.enums import InstanceStatus


class Instance(Base):
    """One WuzAPI user = one WhatsApp number."""

    __tablename__ = "instances"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    base_url: Mapped[str] = mapped_column(String(500))
    token: Mapped[str] = mapped_column(String(255))
    webhook_secret: Mapped[str] = mapped_column(String(64))
    hmac_key: Mapped[str | None] = mapped_column(String(255))
    wuzapi_user_id: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[InstanceStatus] = mapped_column(str_enum(InstanceStatus), default=InstanceStatus.UNKNOWN)
    phone: Mapped[str | None] = mapped_column(String(32))
    qr_code: Mapped[str | None] = mapped_column(Text)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    history_days: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    """Days of WhatsApp history to import at the next pairing (0 = off): WuzAPI's days_to_sync_history."""
    wuzapi_history: Mapped[bool | None] = mapped_column(Boolean)
    """Does its WuzAPI keep message history (/chat/history)? None until a recovery asked."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

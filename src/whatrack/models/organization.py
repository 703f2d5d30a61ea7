from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from whatrack.db import Base, UTCDateTime, new_id, utcnow
from whatrack.models._types import JSONType, str_enum
from whatrack.models.enums import AgentVisibility


class Organization(Base):
    __tablename__ = "organizations"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64), default="America/Sao_Paulo")
    # A ticket with no activity for this long is resolved by the inactivity job.
    inactivity_timeout_minutes: Mapped[int] = mapped_column(Integer, default=24 * 60)
    # New organizations start restrictive: an agent sees their own and unassigned conversations.
    # Organizations that existed before the setting keep `all` (migration 0008).
    agent_visibility: Mapped[AgentVisibility] = mapped_column(
        str_enum(AgentVisibility, length=32), default=AgentVisibility.ASSIGNED_AND_UNASSIGNED
    )
    # Response, first-response and resolution times: `wall` clock (default) or `business` hours,
    # a weekly schedule {"mon": [["09:00", "18:00"]], ...} in `timezone` (NULL: Mon-Fri 09-18).
    response_time_clock: Mapped[str] = mapped_column(String(16), default="wall", server_default="wall")
    business_hours: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    # The list's waiting timer turns amber from warn and red from alert minutes (warn < alert).
    waiting_warn_minutes: Mapped[int] = mapped_column(Integer, default=10, server_default="10")
    waiting_alert_minutes: Mapped[int] = mapped_column(Integer, default=30, server_default="30")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

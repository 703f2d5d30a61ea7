"""Services call this where they end a user's sessions (see realtime/control.py for why the
disconnect rides the outbox)."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from whatrack.models import OutboxEvent
from whatrack.realtime.control import DISCONNECT_USER


def disconnect_user(db: AsyncSession, user_id: uuid.UUID) -> None:
    """Disconnect every real-time connection of `user_id` once this transaction commits."""
    db.add(OutboxEvent(channel=DISCONNECT_USER, data={"user": str(user_id)}))

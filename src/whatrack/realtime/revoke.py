"""Services call this where they end a user's sessions or take a conversation away from them
(see realtime/control.py for why the commands ride the outbox)."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from whatrack.models import Membership, OutboxEvent, Role, User
from whatrack.realtime.control import DISCONNECT_USER, UNSUBSCRIBE_USER
from whatrack.realtime.publisher import conversation_channel


def disconnect_user(db: AsyncSession, user_id: uuid.UUID) -> None:
    """Disconnect every real-time connection of `user_id` once this transaction commits."""
    db.add(OutboxEvent(channel=DISCONNECT_USER, data={"user": str(user_id)}))


def unsubscribe_user(db: AsyncSession, user_id: uuid.UUID, channel: str) -> None:
    """Unsubscribe every connection of `user_id` from `channel` once this transaction commits."""
    db.add(OutboxEvent(channel=UNSUBSCRIBE_USER, data={"user": str(user_id), "channel": channel}))


async def active_agents(db: AsyncSession, organization_id: uuid.UUID) -> list[uuid.UUID]:
    """The organization's active members with the agent role (whom the visibility policy restricts)."""
    rows = await db.scalars(
        select(Membership.user_id)
        .join(User, User.id == Membership.user_id)
        .where(Membership.organization_id == organization_id, Membership.role == Role.AGENT, User.is_active.is_(True))
        .order_by(Membership.user_id)
    )
    return list(rows.all())


async def revoke_reassigned(
    db: AsyncSession,
    organization_id: uuid.UUID,
    conversation_id: uuid.UUID,
    *,
    before: uuid.UUID | None,
    after: uuid.UUID | None,
    restricted: bool,
) -> None:
    """The conversation's assignee changed. Under the restrictive policy the agents who could see
    it and no longer can (its previous assignee, or every other agent when it was unassigned; the
    same rule as events.emit_reassigned) are unsubscribed from its channel at commit, so an open
    chat stops receiving at once instead of when its subscription token expires. Admins keep it;
    becoming unassigned hides it from no one."""
    if not restricted or after is None or before == after:
        return
    channel = conversation_channel(conversation_id)
    for user_id in await active_agents(db, organization_id):
        if user_id != after and (before is None or user_id == before):
            unsubscribe_user(db, user_id, channel)

"""Who may subscribe to which channel: the check behind every subscription token."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from whatrack.auth.service import Actor
from whatrack.conversations import service as conversations
from whatrack.errors import ChannelForbidden, InvalidChannel, NotFound


async def authorize_channel(db: AsyncSession, actor: Actor, channel: str) -> None:
    """Only `chat:org:<own org>` and `chat:conversation:<a conversation of the own org>`.

    Another organization's channel, existing or not, is 403: nothing can be probed.
    """
    parts = channel.split(":")
    if len(parts) != 3 or parts[0] != "chat" or parts[1] not in {"org", "conversation"}:
        raise InvalidChannel("Unknown channel: expected chat:org:<id> or chat:conversation:<id>")
    try:
        target = uuid.UUID(parts[2])
    except ValueError as exc:
        raise InvalidChannel("Channel id is not a UUID") from exc
    if parts[1] == "org":
        if target != actor.organization_id:
            raise ChannelForbidden("That channel belongs to another organization")
        return
    try:
        await conversations.get_conversation(db, actor, target)
    except NotFound as exc:
        raise ChannelForbidden("That channel belongs to another organization") from exc

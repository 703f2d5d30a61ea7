"""Who may subscribe to which channel: the check behind every subscription token."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from whatrack.auth.service import Actor
from whatrack.conversations import service as conversations
from whatrack.errors import ChannelForbidden, InvalidChannel, NotFound

KINDS = {"org", "agents", "user", "conversation"}


async def authorize_channel(db: AsyncSession, actor: Actor, channel: str) -> None:
    """`chat:org:<own org>` (admins, and agents when the organization lets them see every
    conversation), `chat:agents:<own org>` and `chat:user:<own id>` (what an agent restricted to
    their own and unassigned conversations hears, see realtime/events.py), and
    `chat:conversation:<a conversation the caller may see>`.

    Another organization's channel, existing or not, is 403: nothing can be probed; so is a
    colleague's user channel and a conversation hidden by the visibility policy.
    """
    parts = channel.split(":")
    if len(parts) != 3 or parts[0] != "chat" or parts[1] not in KINDS:
        raise InvalidChannel(
            "Unknown channel: expected chat:org:<id>, chat:agents:<id>, chat:user:<id> or chat:conversation:<id>"
        )
    try:
        target = uuid.UUID(parts[2])
    except ValueError as exc:
        raise InvalidChannel("Channel id is not a UUID") from exc
    kind = parts[1]
    if kind in ("org", "agents"):
        if target != actor.organization_id:
            raise ChannelForbidden("That channel belongs to another organization")
        if kind == "org" and actor.restricted_to is not None:
            raise ChannelForbidden(
                "Agents of this organization see their own and unassigned conversations: "
                "subscribe to chat:agents:<org> and chat:user:<own id>"
            )
        return
    if kind == "user":
        if target != actor.user_id:
            raise ChannelForbidden("That channel belongs to another user")
        return
    try:
        await conversations.get_conversation(db, actor, target)
    except NotFound as exc:
        raise ChannelForbidden("That conversation is not visible to you") from exc

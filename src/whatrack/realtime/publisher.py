"""The one seam between the app and the real-time server.

Nothing above realtime/ knows whether Centrifugo or the embedded hub is running.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol


class PublishError(Exception):
    """The real-time server refused or could not be reached; the outbox retries."""


@dataclass(frozen=True, slots=True)
class Publication:
    # One channel, or several separated by a space: the same data to each (one outbox row, one
    # Centrifugo `broadcast`). Channel names never contain a space.
    channel: str
    data: dict[str, Any]
    # Centrifugo drops a repeat with the same key (5 min, per channel): a retried batch publishes
    # nothing twice.
    idempotency_key: str | None = None

    @property
    def channels(self) -> list[str]:
        return self.channel.split(" ")


def joined(channels: Sequence[str]) -> str:
    """The outbox `channel` of a publication to all of `channels`."""
    return " ".join(channels)


class Publisher(Protocol):
    async def publish(self, channel: str, data: dict[str, Any]) -> None:
        """Publish `data` to `channel`. Raises PublishError on failure."""

    async def publish_many(self, items: Sequence[Publication]) -> None:
        """Publish in order, in as few round trips as the server allows. Raises PublishError if
        any failed (callers retry the whole batch: idempotency keys make that safe)."""

    async def close(self) -> None:
        """Release connections."""


def org_channel(organization_id: object) -> str:
    return f"chat:org:{organization_id}"


def conversation_channel(conversation_id: object) -> str:
    return f"chat:conversation:{conversation_id}"


def agents_channel(organization_id: object) -> str:
    """What agents restricted to their own and unassigned conversations may all hear: events of
    unassigned conversations and organization-wide ones (instances). See realtime/events.py."""
    return f"chat:agents:{organization_id}"


def user_channel(user_id: object) -> str:
    """Events of the conversations assigned to this user (for restricted agents)."""
    return f"chat:user:{user_id}"

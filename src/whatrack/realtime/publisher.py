"""The one seam between the app and the real-time server.

Nothing above realtime/ knows whether Centrifugo or the embedded hub is running.
"""

from __future__ import annotations

from typing import Any, Protocol


class PublishError(Exception):
    """The real-time server refused or could not be reached; the outbox retries."""


class Publisher(Protocol):
    async def publish(self, channel: str, data: dict[str, Any]) -> None:
        """Publish `data` to `channel`. Raises PublishError on failure."""

    async def close(self) -> None:
        """Release connections."""


def org_channel(organization_id: object) -> str:
    return f"chat:org:{organization_id}"


def conversation_channel(conversation_id: object) -> str:
    return f"chat:conversation:{conversation_id}"

"""Ephemeral signals (typing): published straight to the real-time server, best-effort.

They are not written to the outbox: nothing waits for a commit, nothing is retried, and a
failure is logged, never raised (a lost typing indicator expires on the client anyway).
The publisher is app.state.publisher, reached through the session (see `session_info`), so
any service holding a session can publish without new parameters.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from whatrack.realtime.publisher import Publication, Publisher
from whatrack.schemas import CamelModel

log = logging.getLogger(__name__)
_PUBLISHER = "whatrack.ephemeral_publisher"  # key in Session.info
_in_flight: set[asyncio.Task[None]] = set()


def session_info(publisher: Publisher) -> Mapping[str, Any]:
    """Pass to create_session_factory: its sessions publish ephemeral signals through `publisher`."""
    return {_PUBLISHER: publisher}


def publish_ephemeral(db: AsyncSession, event: CamelModel, *channels: str) -> None:
    """Publish `event` on `channels` now, in the background: the caller never waits for the
    real-time server. Dropped when the session's factory has no publisher (CLI)."""
    publisher: Publisher | None = db.info.get(_PUBLISHER)
    if publisher is None:
        return
    data = event.model_dump(mode="json", by_alias=True)
    task = asyncio.create_task(_publish(publisher, [Publication(channel, data) for channel in channels]))
    _in_flight.add(task)
    task.add_done_callback(_in_flight.discard)


async def _publish(publisher: Publisher, items: Sequence[Publication]) -> None:
    try:
        await publisher.publish_many(items)
    except Exception as exc:  # best-effort by design
        log.warning("ephemeral publish to %s failed: %s", [i.channel for i in items], exc)


async def settle() -> None:
    """Wait for the publications in flight (shutdown, tests)."""
    while _in_flight:
        await asyncio.gather(*tuple(_in_flight), return_exceptions=True)

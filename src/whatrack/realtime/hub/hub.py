"""The embedded real-time hub: a Publisher and a `/connection/websocket` endpoint in one.

Single process, single event loop, memory only (like Centrifugo's memory engine): use it
for `make run`; scale out with Centrifugo + Redis instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import fnmatch
import json
import logging
import time
from collections.abc import Sequence
from typing import Any

from starlette.websockets import WebSocket

from whatrack.realtime.control import DISCONNECT_CODE, DISCONNECT_REASON, disconnect_target, unsubscribe_target
from whatrack.realtime.hub.channels import Channel
from whatrack.realtime.hub.client import ClientConnection, Subscription
from whatrack.realtime.hub.config import HubConfig, NamespaceOptions
from whatrack.realtime.hub.protocol import (
    DISCONNECT_SHUTDOWN,
    UNSUBSCRIBE_SERVER,
    Disconnect,
    dumps,
    pub_push,
    unsubscribe_push,
)
from whatrack.realtime.publisher import Publication, PublishError

logger = logging.getLogger("whatrack.realtime.hub")

SWEEP_INTERVAL = 60.0


class Hub:
    """Implements `Publisher`; mount `websocket_endpoint` at `/connection/websocket`."""

    def __init__(self, config: HubConfig) -> None:
        self.config = config
        self._connections: set[ClientConnection] = set()
        self._clients: dict[str, ClientConnection] = {}
        self._channels: dict[str, Channel] = {}
        self._closed = False
        self._sweeper: asyncio.Task[None] | None = None
        self._all_gone = asyncio.Event()

    # -- Publisher ---------------------------------------------------------------------

    async def publish(self, channel: str, data: dict[str, Any]) -> None:
        """Store in history (if the namespace keeps it) and queue to every subscriber.

        Never waits for a client: each subscriber gets the same pre-encoded message in its
        own bounded queue.
        """
        if self._closed:
            raise PublishError("hub is closed")
        user = disconnect_target(channel, data)
        if user is not None:
            self.disconnect_user(user, Disconnect(DISCONNECT_CODE, DISCONNECT_REASON))
            return
        unsubscribe = unsubscribe_target(channel, data)
        if unsubscribe is not None:
            self.unsubscribe_user(*unsubscribe)
            return
        options = self.config.namespace_of(channel)
        if options is None:
            raise PublishError(f"unknown channel namespace: {channel!r}")
        try:
            data_json = dumps(data)
        except (TypeError, ValueError) as exc:
            raise PublishError(f"data is not JSON serialisable: {exc}") from exc
        self._ensure_sweeper()
        now = time.time()
        offset = 0
        epoch = ""
        state = self._channels.get(channel)
        if options.history_enabled:
            state = self.channel(channel, options)
            stream = state.get_stream(self.config.history_meta_ttl, now)
            assert stream is not None
            offset = stream.add(json.loads(data_json), data_json, now).offset
            epoch = stream.epoch
        if state is None or not state.subscribers:
            return
        message = pub_push(state.name_json, data_json, offset, epoch)
        for conn in list(state.subscribers.values()):
            conn.enqueue(message)

    async def publish_many(self, items: Sequence[Publication]) -> None:
        """In-process: publishes never wait, so a batch is just the publications in order."""
        for item in items:
            for channel in item.channels:
                await self.publish(channel, item.data)

    def disconnect_user(self, user: str, disconnect: Disconnect) -> int:
        """Close every connection of `user` (Centrifugo's server API `disconnect` by user).
        Returns how many were closed."""
        victims = [conn for conn in self._clients.values() if conn.user == user]
        for conn in victims:
            conn.disconnect(disconnect)
        return len(victims)

    def unsubscribe_user(self, user: str, channel: str) -> int:
        """Centrifugo's server API `unsubscribe` by user: every connection of `user` subscribed to
        `channel` leaves it now (nothing more is queued to it) and gets the unsubscribe push,
        code 2000 "server unsubscribe" (final: the SDK does not resubscribe). Returns how many."""
        state = self._channels.get(channel)
        if state is None:
            return 0
        victims = [conn for conn in state.subscribers.values() if conn.user == user]
        code, reason = UNSUBSCRIBE_SERVER
        for conn in victims:
            self.remove_subscriber(conn, channel)
            conn.enqueue(unsubscribe_push(channel, code, reason))
        return len(victims)

    async def close(self) -> None:
        """Disconnect everyone with 3001 "shutdown" (clients reconnect) and stop."""
        self._closed = True
        for conn in list(self._connections):
            conn.disconnect(DISCONNECT_SHUTDOWN)
        if self._connections:
            self._all_gone.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._all_gone.wait(), self.config.close_timeout + 1.0)
        if self._sweeper is not None:
            self._sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sweeper
            self._sweeper = None

    # -- WebSocket endpoint ------------------------------------------------------------

    async def websocket_endpoint(self, websocket: WebSocket) -> None:
        if self._closed or not self._origin_allowed(websocket):
            await websocket.close()  # before accept: HTTP 403, as Centrifugo answers a bad Origin
            return
        requested = websocket.scope.get("subprotocols") or []
        if "centrifuge-protobuf" in requested or websocket.query_params.get("format") == "protobuf":
            await websocket.close()  # JSON only
            return
        subprotocol = "centrifuge-json" if "centrifuge-json" in requested else None
        await websocket.accept(subprotocol=subprotocol)
        self._ensure_sweeper()
        conn = ClientConnection(self, websocket)
        self._connections.add(conn)
        try:
            await conn.serve()
        finally:
            self._connections.discard(conn)
            self.forget(conn)
            if not self._connections:
                self._all_gone.set()

    def _origin_allowed(self, websocket: WebSocket) -> bool:
        origin = websocket.headers.get("origin")
        if not origin:
            return True  # not a browser
        origin = origin.lower()
        for pattern in self.config.allowed_origins:
            if fnmatch.fnmatchcase(origin, pattern.lower()):
                return True
        # The hub is served by the app itself: a page from the app's own host may connect.
        host = websocket.headers.get("host", "").lower()
        return bool(host) and origin.split("://", 1)[-1] == host

    # -- registry (used by connections) --------------------------------------------------

    def register(self, conn: ClientConnection) -> None:
        self._clients[conn.id] = conn

    def forget(self, conn: ClientConnection) -> None:
        """Remove a closing connection from every channel (and so from presence)."""
        for channel in list(conn.subs):
            self.remove_subscriber(conn, channel)
        self._clients.pop(conn.id, None)

    def channel(self, name: str, options: NamespaceOptions) -> Channel:
        state = self._channels.get(name)
        if state is None:
            state = self._channels[name] = Channel(name, options)
        return state

    def existing_channel(self, name: str) -> Channel | None:
        return self._channels.get(name)

    def add_subscriber(self, conn: ClientConnection, state: Channel, expire_at: int, info: Any) -> None:
        conn.subs[state.name] = Subscription(expire_at=expire_at, info=info)
        state.subscribers[conn.id] = conn
        if expire_at:
            conn.schedule_sub_expiry(state.name)

    def remove_subscriber(self, conn: ClientConnection, channel: str) -> None:
        conn.subs.pop(channel, None)
        conn.cancel_timer(f"sub:{channel}")
        state = self._channels.get(channel)
        if state is not None:
            state.subscribers.pop(conn.id, None)
            if state.is_garbage(time.time()):
                del self._channels[channel]

    # -- housekeeping ----------------------------------------------------------------------

    def _ensure_sweeper(self) -> None:
        if self._sweeper is None and not self._closed:
            self._sweeper = asyncio.get_running_loop().create_task(self._sweep_forever())

    async def _sweep_forever(self) -> None:
        while True:
            await asyncio.sleep(SWEEP_INTERVAL)
            self.sweep()

    def sweep(self, now: float | None = None) -> None:
        """Drop expired history and forgotten streams of channels nobody subscribes to."""
        now = time.time() if now is None else now
        for name, state in list(self._channels.items()):
            if state.stream is not None and not state.subscribers:
                state.stream.touch_ttl(now)
            if state.is_garbage(now):
                del self._channels[name]

    # -- introspection (tests, metrics) ------------------------------------------------------

    @property
    def num_clients(self) -> int:
        return len(self._clients)

    @property
    def num_channels(self) -> int:
        return len(self._channels)

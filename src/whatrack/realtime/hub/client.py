"""One WebSocket connection speaking Centrifugo's client protocol v2 (JSON).

Reads run in the endpoint's task; every command is handled synchronously, in order, so a
subscribe reads history and registers the subscriber without an `await` in between (the
race Centrifugo solves with buffering cannot happen). Everything sent to the client goes
through one bounded queue drained by a writer task, so replies and publications keep their
order, several messages share a frame, and a slow client only ever fills its own queue.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
import uuid
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from starlette.websockets import WebSocket

from whatrack.realtime.hub import commands
from whatrack.realtime.hub.protocol import (
    CLOSE_MESSAGE_TOO_BIG,
    DISCONNECT_BAD_REQUEST,
    DISCONNECT_CONNECTION_CLOSED,
    DISCONNECT_EXPIRED,
    DISCONNECT_NO_PONG,
    DISCONNECT_SERVER_ERROR,
    DISCONNECT_SLOW,
    DISCONNECT_STALE,
    PING_FRAME,
    UNSUBSCRIBE_EXPIRED,
    CloseConnection,
    Disconnect,
    ReplyError,
    decode_frame,
    error_reply,
    reply,
    unsubscribe_push,
)

if TYPE_CHECKING:
    from whatrack.realtime.hub.hub import Hub

logger = logging.getLogger("whatrack.realtime.hub")


@dataclass(slots=True)
class Subscription:
    expire_at: int = 0
    info: Any = None


class ClientConnection:
    def __init__(self, hub: Hub, websocket: WebSocket) -> None:
        self.hub = hub
        self.config = hub.config
        self.ws = websocket
        self.id = str(uuid.uuid4())
        self.user = ""
        self.conn_info: Any = None
        self.authenticated = False
        self.unusable = False  # a failed connect: anything but a reconnect is a bad request
        self.expire_at = 0
        self.subs: dict[str, Subscription] = {}
        self._queue: deque[str] = deque()
        self._queued = 0  # characters waiting (≈ bytes: our frames are mostly ASCII)
        self._wakeup = asyncio.Event()
        self._closing: Disconnect | None = None
        self._peer_gone = False
        self._ping_outstanding = False
        self._pinged = False
        self._timers: dict[str, asyncio.TimerHandle] = {}
        self._writer: asyncio.Task[None] | None = None
        self._reader: asyncio.Task[None] | None = None
        self._closer: asyncio.Task[None] | None = None

    # -- lifecycle --------------------------------------------------------------------

    @property
    def closing(self) -> bool:
        return self._closing is not None

    def chan_info(self, channel: str) -> Any:
        sub = self.subs.get(channel)
        return sub.info if sub is not None else None

    async def serve(self) -> None:
        """Run the connection until it is closed by either side."""
        self._writer = asyncio.create_task(self._write_loop(), name=f"hub-writer-{self.id}")
        self._reader = asyncio.create_task(self._read_loop(), name=f"hub-reader-{self.id}")
        self._schedule("stale", self.config.stale_close_delay, self._on_stale)
        try:
            await asyncio.wait([self._reader])
            if not self._reader.cancelled() and self._reader.exception() is not None:
                logger.error("hub: error on connection %s", self.id, exc_info=self._reader.exception())
                self.disconnect(DISCONNECT_SERVER_ERROR)
        finally:
            self._reader.cancel()
            if self._closing is None:
                self._peer_gone = True
                self.disconnect(DISCONNECT_CONNECTION_CLOSED, flush=False)
            await self._wait_finished()

    async def _wait_finished(self) -> None:
        tasks = [t for t in (self._writer, self._closer) if t is not None]
        if tasks:
            _, pending = await asyncio.wait(tasks, timeout=self.config.close_timeout + 1.0)
            for task in pending:
                task.cancel()
            for task in pending:
                with contextlib.suppress(BaseException):
                    await task

    def disconnect(self, disconnect: Disconnect, *, flush: bool = True) -> None:
        """Close with `disconnect` (idempotent, never blocks).

        Queued messages are sent first unless `flush` is false (slow client, peer gone).
        The client leaves every channel at once, so it stops costing publishers anything.
        """
        if self._closing is not None:
            return
        self._closing = disconnect
        for handle in self._timers.values():
            handle.cancel()
        self._timers.clear()
        self.hub.forget(self)
        if flush:
            self._wakeup.set()
            return
        self._queue.clear()
        self._queued = 0
        if self._writer is not None:
            self._writer.cancel()  # it may be stuck waiting for a full socket
        if not self._peer_gone:
            self._closer = asyncio.create_task(self._send_close(disconnect))

    async def _send_close(self, disconnect: Disconnect) -> None:
        try:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.ws.close(disconnect.code, disconnect.reason), self.config.close_timeout)
        finally:
            # Nothing more is read after a close; a peer that never answers it is dropped.
            if self._reader is not None:
                self._reader.cancel()

    # -- output -----------------------------------------------------------------------

    def enqueue(self, message: str) -> None:
        """Queue one protocol message; overflowing the bound disconnects this client (3008)."""
        if self._closing is not None:
            return
        size = len(message) + 1
        if self._queued + size > self.config.client_queue_max_size:
            logger.info("hub: client %s (user %r) too slow, disconnecting", self.id, self.user)
            self.disconnect(DISCONNECT_SLOW, flush=False)
            return
        self._queue.append(message)
        self._queued += size
        self._wakeup.set()

    async def _write_loop(self) -> None:
        queue = self._queue
        try:
            while True:
                await self._wakeup.wait()
                self._wakeup.clear()
                while queue:
                    frame = "\n".join(queue)
                    queue.clear()
                    self._queued = 0
                    await self.ws.send_text(frame)
                closing = self._closing
                if closing is not None:
                    if not self._peer_gone:
                        await self._send_close(closing)
                    return
        except asyncio.CancelledError:
            raise
        except Exception:  # the socket went away under us
            self._peer_gone = True
            self.disconnect(DISCONNECT_CONNECTION_CLOSED, flush=False)

    # -- input ------------------------------------------------------------------------

    async def _read_loop(self) -> None:
        limit = self.config.message_size_limit
        while True:
            message = await self.ws.receive()
            if message["type"] == "websocket.disconnect":
                return
            if self._closing is not None:
                continue  # draining until the close handshake completes
            text = message.get("text")
            if text is None:
                raw = message.get("bytes") or b""
                if len(raw) > limit:
                    self.disconnect(Disconnect(CLOSE_MESSAGE_TOO_BIG, "message too big"))
                    continue
                text = raw.decode("utf-8", errors="replace")
            if len(text) > limit and len(text.encode()) > limit:
                self.disconnect(Disconnect(CLOSE_MESSAGE_TOO_BIG, "message too big"))
                continue
            try:
                for cmd in decode_frame(text):
                    if self._closing is not None:
                        break
                    self._handle_command(cmd)
            except CloseConnection as exc:
                self.disconnect(exc.disconnect)

    def _handle_command(self, cmd: dict[str, Any]) -> None:
        is_connect = "connect" in cmd
        if self.unusable or (not self.authenticated and not is_connect):
            raise CloseConnection(DISCONNECT_BAD_REQUEST)
        cmd_id = cmd.get("id", 0)
        if not isinstance(cmd_id, int) or isinstance(cmd_id, bool) or cmd_id < 0:
            raise CloseConnection(DISCONNECT_BAD_REQUEST)
        if cmd_id == 0:
            if "send" in cmd:
                return  # async message: no handler configured, as in Centrifugo without proxy
            self._on_pong()
            return
        method = commands.method_of(cmd)
        if method is None:
            raise CloseConnection(DISCONNECT_BAD_REQUEST)
        params = cmd[method]
        if params is None:
            params = {}
        if not isinstance(params, dict):
            raise CloseConnection(DISCONNECT_BAD_REQUEST)
        try:
            result = commands.dispatch(self, method, params)
        except ReplyError as exc:
            if is_connect:
                self.unusable = True
            self.enqueue(error_reply(cmd_id, exc.error))
            return
        if result is not None:
            self.enqueue(reply(cmd_id, method, result))

    # -- timers -----------------------------------------------------------------------

    def _schedule(self, name: str, delay: float, callback: Any) -> None:
        old = self._timers.pop(name, None)
        if old is not None:
            old.cancel()
        if self._closing is None:
            self._timers[name] = asyncio.get_running_loop().call_later(max(delay, 0.0), callback)

    def cancel_timer(self, name: str) -> None:
        handle = self._timers.pop(name, None)
        if handle is not None:
            handle.cancel()

    def schedule_sub_expiry(self, channel: str) -> None:
        """A subscription token's expiry: without a sub_refresh in time, unsubscribe (2501).

        Whole seconds, as centrifuge's checkSubscriptionExpiration: expired once the Unix
        second is past expire_at + the grace. The replies' ttl is whole seconds too (expire_at
        minus the current second), so an SDK that refreshes when its ttl runs out may do so up
        to a second after expire_at; a timer at the exact float instant left it no margin.
        """
        sub = self.subs.get(channel)
        name = f"sub:{channel}"
        if sub is None or not sub.expire_at:
            self.cancel_timer(name)
            return
        delay = sub.expire_at + self._grace(self.config.expired_sub_close_delay) + 1 - time.time()
        self._schedule(name, delay, lambda: self._check_sub_expired(channel))

    @staticmethod
    def _grace(seconds: float) -> int:
        return int(seconds)  # centrifuge: int64(delay.Seconds())

    def _check_sub_expired(self, channel: str) -> None:
        self._timers.pop(f"sub:{channel}", None)
        sub = self.subs.get(channel)
        if sub is None or not sub.expire_at:
            return
        if int(time.time()) <= sub.expire_at + self._grace(self.config.expired_sub_close_delay):
            self.schedule_sub_expiry(channel)  # woke a hair early (timer resolution)
            return
        code, reason = UNSUBSCRIBE_EXPIRED
        self.hub.remove_subscriber(self, channel)
        self.enqueue(unsubscribe_push(channel, code, reason))

    def _on_stale(self) -> None:
        self._timers.pop("stale", None)
        if not self.authenticated:
            self.disconnect(DISCONNECT_STALE)

    def on_connected(self) -> None:
        """Start pings and the expiry check (centrifuge scheduleOnConnectTimers)."""
        stale = self._timers.pop("stale", None)
        if stale is not None:
            stale.cancel()
        interval = self.config.ping_interval
        if interval > 0:
            self._schedule("ping", random.uniform(interval / 2, interval), self._send_ping)  # noqa: S311
        if self.expire_at:
            self.schedule_expiry()

    def schedule_expiry(self) -> None:
        """centrifuge: checked after the ttl in whole seconds (as replied) plus the grace."""
        delay = self.expire_at - int(time.time()) + self.config.expired_close_delay
        self._schedule("expire", delay, self._check_expired)

    def _check_expired(self) -> None:
        self._timers.pop("expire", None)
        if self.expire_at and self.expire_at - int(time.time()) <= 0:
            self.disconnect(DISCONNECT_EXPIRED)

    def _send_ping(self) -> None:
        self._timers.pop("ping", None)
        self._pinged = True
        self._ping_outstanding = True
        self.enqueue(PING_FRAME)
        if self.config.pong_timeout > 0:
            self._schedule("pong", self.config.pong_timeout, self._check_pong)
        self._schedule("ping", self.config.ping_interval, self._send_ping)

    def _check_pong(self) -> None:
        self._timers.pop("pong", None)
        if self._ping_outstanding:
            self.disconnect(DISCONNECT_NO_PONG)

    def _on_pong(self) -> None:
        if not self._ping_outstanding:  # no ping issued (or already answered): bad request
            raise CloseConnection(DISCONNECT_BAD_REQUEST)
        self._ping_outstanding = False

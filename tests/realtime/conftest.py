"""Two servers behind one interface: the embedded hub and the real Centrifugo v6.

Both are configured from the same dict, derived from config/centrifugo.json (memory engine,
short ping so the ping tests are quick). The suite runs every test against both.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import uvicorn
from centrifuge import (
    Client,
    ClientEventHandler,
    ConnectedContext,
    DisconnectedContext,
    PublicationContext,
    SubscribedContext,
    Subscription,
    SubscriptionEventHandler,
    UnsubscribedContext,
)
from starlette.applications import Starlette
from starlette.routing import WebSocketRoute

from tests.support.centrifugo import centrifugo_available, memory_config, running_centrifugo
from whatrack.realtime.centrifugo import CentrifugoPublisher
from whatrack.realtime.hub import Hub, HubConfig
from whatrack.realtime.tokens import connection_token, subscription_token

SECRET = "conformance-secret-0123456789abcdef-0123456789"
API_KEY = "conformance-api-key"
PING_INTERVAL = 2
PONG_TIMEOUT = 1
EXPIRED_CLOSE_DELAY = 1
OVERRIDES: dict[str, Any] = {
    "client": {
        "ping_interval": f"{PING_INTERVAL}s",
        "pong_timeout": f"{PONG_TIMEOUT}s",
        # Short grace periods so expiry tests are quick (Centrifugo checks subscription
        # expiry on its presence tick, hence the short presence interval).
        "expired_close_delay": f"{EXPIRED_CLOSE_DELAY}s",
        "expired_sub_close_delay": f"{EXPIRED_CLOSE_DELAY}s",
        "presence_update_interval": "1s",
    }
}


def server_config() -> dict[str, Any]:
    """The Centrifugo config both servers run with (port is irrelevant to the hub)."""
    return memory_config(SECRET, API_KEY, 0, OVERRIDES)


# --- the embedded hub, served by uvicorn in a thread -----------------------------------


class ThreadedHub:
    """Hub + uvicorn on 127.0.0.1:<free port> in a background thread with its own loop."""

    def __init__(self, config: HubConfig) -> None:
        self.hub = Hub(config)
        app = Starlette(routes=[WebSocketRoute("/connection/websocket", self.hub.websocket_endpoint)])
        self._server = uvicorn.Server(
            uvicorn.Config(
                app,
                host="127.0.0.1",
                port=0,
                log_level="warning",
                lifespan="off",
                # Centrifugo does not compress by default (websocket.compression: false); nor do we.
                ws_per_message_deflate=False,
            )
        )
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name="hub-server", daemon=True)

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_until_complete(self._server.serve())

    def start(self) -> None:
        self._thread.start()
        for _ in range(500):
            if self._server.started:
                break
            threading.Event().wait(0.01)
        else:
            raise RuntimeError("uvicorn did not start")
        port = self._server.servers[0].sockets[0].getsockname()[1]
        self.ws_url = f"ws://127.0.0.1:{port}/connection/websocket"

    def call(self, coro: Awaitable[Any]) -> asyncio.Future[Any]:
        """Run a coroutine on the hub's loop; await the result from any loop."""
        return asyncio.wrap_future(asyncio.run_coroutine_threadsafe(coro, self.loop))  # type: ignore[arg-type]

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(self.hub.close(), self.loop).result(10)
        self._server.should_exit = True
        self._thread.join(10)


class HubPublisher:
    def __init__(self, server: ThreadedHub) -> None:
        self._server = server

    async def publish(self, channel: str, data: dict[str, Any]) -> None:
        await self._server.call(self._server.hub.publish(channel, data))

    async def close(self) -> None:
        return None


@dataclass
class ServerUnderTest:
    name: str
    ws_url: str
    secret: str
    publisher: Any

    async def publish(self, channel: str, data: dict[str, Any]) -> None:
        await self.publisher.publish(channel, data)


@pytest.fixture(scope="session")
def hub_server() -> Iterator[ThreadedHub]:
    server = ThreadedHub(HubConfig.from_centrifugo_dict(server_config(), token_secret=SECRET))
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def centrifugo_server() -> Iterator[Any]:
    if not centrifugo_available():
        # never a skip: the conformance suite is the proof that the hub behaves like Centrifugo
        pytest.fail("centrifugo binary not found: run `bash scripts/services.sh` (or set CENTRIFUGO_BIN)")
    with running_centrifugo(SECRET, API_KEY, overrides=OVERRIDES) as proc:
        yield proc


@pytest.fixture(scope="session", params=["hub", "centrifugo"])
async def server(request: pytest.FixtureRequest) -> AsyncIterator[ServerUnderTest]:
    if request.param == "hub":
        hub: ThreadedHub = request.getfixturevalue("hub_server")
        yield ServerUnderTest("hub", hub.ws_url, SECRET, HubPublisher(hub))
        return
    proc = request.getfixturevalue("centrifugo_server")
    publisher = CentrifugoPublisher(proc.url, proc.api_key)
    yield ServerUnderTest("centrifugo", proc.ws_url, SECRET, publisher)
    await publisher.close()


# --- a TCP proxy that can drop every connection ------------------------------------------


class TcpProxy:
    """Loopback TCP proxy; `cut()` aborts live connections and refuses new ones until `restore()`."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.up = True
        self._flowing = asyncio.Event()  # server -> client direction; cleared by pause()
        self._flowing.set()
        self._pairs: set[asyncio.StreamWriter] = set()
        self._server: asyncio.Server | None = None
        self.port = 0

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def _pipe(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, gate: asyncio.Event | None = None
    ) -> None:
        with contextlib.suppress(Exception):
            while True:
                if gate is not None:
                    await gate.wait()
                data = await reader.read(4096 if gate is not None else 65536)
                if not data:
                    break
                writer.write(data)
                await writer.drain()
        writer.close()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if not self.up:
            writer.transport.abort()
            return
        try:
            # A small, fixed receive buffer towards the server: when paused, the server's
            # socket fills quickly, as with a client on a slow network.
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16384)
            sock.setblocking(False)
            await asyncio.get_running_loop().sock_connect(sock, self.target)
            up_reader, up_writer = await asyncio.open_connection(sock=sock, limit=16384)
        except OSError:
            writer.transport.abort()
            return
        self._pairs.update((writer, up_writer))
        try:
            await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer, self._flowing))
        finally:
            self._pairs.discard(writer)
            self._pairs.discard(up_writer)

    def cut(self) -> None:
        self.up = False
        for writer in list(self._pairs):
            writer.transport.abort()

    def restore(self) -> None:
        self.up = True

    def pause(self) -> None:
        """Stop forwarding server -> client (the client looks like it stopped reading)."""
        self._flowing.clear()

    def resume(self) -> None:
        self._flowing.set()

    async def close(self) -> None:
        self.cut()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()


# --- centrifuge-python helpers ------------------------------------------------------------


def channel_for(org: str = "") -> str:
    return f"chat:org:{org or uuid.uuid4().hex}"


@dataclass
class ClientEvents(ClientEventHandler):
    connected: list[ConnectedContext] = field(default_factory=list)
    disconnected: list[DisconnectedContext] = field(default_factory=list)
    connecting_codes: list[int] = field(default_factory=list)

    async def on_connected(self, ctx: ConnectedContext) -> None:
        self.connected.append(ctx)

    async def on_disconnected(self, ctx: DisconnectedContext) -> None:
        self.disconnected.append(ctx)

    async def on_connecting(self, ctx: Any) -> None:
        self.connecting_codes.append(ctx.code)


@dataclass
class SubEvents(SubscriptionEventHandler):
    publications: list[Any] = field(default_factory=list)
    subscribed: list[SubscribedContext] = field(default_factory=list)
    unsubscribed: list[UnsubscribedContext] = field(default_factory=list)
    errors: list[Any] = field(default_factory=list)

    async def on_publication(self, ctx: PublicationContext) -> None:
        self.publications.append(ctx.pub)

    async def on_subscribed(self, ctx: SubscribedContext) -> None:
        self.subscribed.append(ctx)

    async def on_unsubscribed(self, ctx: UnsubscribedContext) -> None:
        self.unsubscribed.append(ctx)

    async def on_error(self, ctx: Any) -> None:
        self.errors.append(ctx)


async def eventually(check: Callable[[], bool], within: float = 5.0, what: str = "condition") -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not check():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.01)


@dataclass
class Harness:
    """Creates clients against one server and closes them all at the end of a test."""

    server: ServerUnderTest
    clients: list[Client] = field(default_factory=list)

    def client(
        self,
        user: str,
        *,
        token: str | None = None,
        get_token: Callable[[], Awaitable[str]] | None = None,
        url: str | None = None,
        min_reconnect_delay: float = 0.1,
    ) -> tuple[Client, ClientEvents]:
        events = ClientEvents()
        if token is None and get_token is None:
            token = connection_token(user, self.server.secret)
        client = Client(
            url or self.server.ws_url,
            events=events,
            token=token or "",
            get_token=get_token,
            proxy=None,
            min_reconnect_delay=min_reconnect_delay,
            max_reconnect_delay=1.0,
        )
        self.clients.append(client)
        return client, events

    def subscription(
        self,
        client: Client,
        channel: str,
        *,
        user: str | None = None,
        token: str | None = None,
        get_token: Callable[[str], Awaitable[str]] | None = None,
    ) -> tuple[Subscription, SubEvents]:
        events = SubEvents()
        if token is None and get_token is None and user is not None:
            token = subscription_token(user, channel, self.server.secret)
        sub = client.new_subscription(channel, events=events, token=token or "", get_token=get_token)
        return sub, events

    async def close(self) -> None:
        for client in self.clients:
            with contextlib.suppress(Exception):
                await client.disconnect()


@pytest.fixture
async def harness(server: ServerUnderTest) -> AsyncIterator[Harness]:
    h = Harness(server)
    yield h
    await h.close()


@pytest.fixture
async def proxy(server: ServerUnderTest) -> AsyncIterator[TcpProxy]:
    host_port = server.ws_url.split("://", 1)[1].split("/", 1)[0]
    host, port = host_port.rsplit(":", 1)
    p = TcpProxy(host, int(port))
    await p.start()
    yield p
    await p.close()

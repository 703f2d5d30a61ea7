"""Hub behaviour that is hard to observe through a conformant client alone:
back-pressure, shutdown, origin checks, frame size, history TTLs."""

from __future__ import annotations

import asyncio
import dataclasses
import secrets
import time
from collections.abc import AsyncIterator, Iterator

import pytest
import websockets
from centrifuge import ClientState

from whatrack.realtime.hub import HubConfig
from whatrack.realtime.hub.channels import Stream
from whatrack.realtime.publisher import PublishError
from whatrack.realtime.tokens import connection_token, subscription_token

from .conftest import (
    SECRET,
    Harness,
    HubPublisher,
    ServerUnderTest,
    TcpProxy,
    ThreadedHub,
    channel_for,
    eventually,
    server_config,
)

QUEUE_MAX = 64 * 1024
# ~4 KiB each: well past what the kernel socket buffers (a few MiB on loopback) absorb.
PUBLICATIONS = 1500


def _start(**overrides: object) -> ThreadedHub:
    config = HubConfig.from_centrifugo_dict(server_config(), token_secret=SECRET)
    server = ThreadedHub(dataclasses.replace(config, **overrides))  # type: ignore[arg-type]
    server.start()
    return server


@pytest.fixture(scope="module")
def small_queue_hub() -> Iterator[ThreadedHub]:
    server = _start(client_queue_max_size=QUEUE_MAX, close_timeout=5.0)
    yield server
    server.stop()


@pytest.fixture
async def harness_small(small_queue_hub: ThreadedHub) -> AsyncIterator[Harness]:
    h = Harness(ServerUnderTest("hub", small_queue_hub.ws_url, SECRET, HubPublisher(small_queue_hub)))
    yield h
    await h.close()


async def _subscribers(server: ThreadedHub, channel: str) -> int:
    async def count() -> int:
        state = server.hub.existing_channel(channel)
        return len(state.subscribers) if state is not None else 0

    return int(await server.call(count()))


async def test_slow_client_is_dropped_with_3008_without_slowing_others(
    small_queue_hub: ThreadedHub, harness_small: Harness
) -> None:
    h = harness_small
    channel = channel_for()
    proxy = TcpProxy("127.0.0.1", int(small_queue_hub.ws_url.rsplit(":", 1)[1].split("/")[0]))
    await proxy.start()
    try:
        fast, _ = h.client("fast")
        fast_sub, fast_events = h.subscription(fast, channel, user="fast")
        slow, slow_events = h.client(
            "slow", url=f"ws://127.0.0.1:{proxy.port}/connection/websocket", min_reconnect_delay=0.2
        )
        slow_sub, slow_sub_events = h.subscription(slow, channel, user="slow")
        for client, sub in ((fast, fast_sub), (slow, slow_sub)):
            await client.connect()
            await sub.subscribe()
            await sub.ready(timeout=5)

        proxy.pause()  # the slow client stops reading
        started = time.monotonic()
        for i in range(PUBLICATIONS):  # incompressible, in case the transport compresses
            await h.server.publish(channel, {"i": i, "pad": secrets.token_urlsafe(3 * 1024)})
        publish_seconds = time.monotonic() - started

        # The fast client got everything, in order, while the slow one was stuck.
        await eventually(lambda: len(fast_events.publications) == PUBLICATIONS, within=20, what="fast client")
        assert [p.data["i"] for p in fast_events.publications] == list(range(PUBLICATIONS))
        assert publish_seconds < 5, f"publishing took {publish_seconds:.1f}s: the publisher was slowed"
        # The slow client left the channel (and presence) when its queue overflowed.
        assert await _subscribers(small_queue_hub, channel) == 1

        proxy.resume()
        # It reads what the sockets held, gets the 3008 close, reconnects (reconnect-allowed
        # code) and resubscribes; far more than history_size were missed: not recovered.
        await eventually(lambda: 3008 in slow_events.connecting_codes, within=20, what="3008 slow")
        await eventually(lambda: len(slow_sub_events.subscribed) == 2, within=10, what="resubscribe")
        again = slow_sub_events.subscribed[1]
        assert again.was_recovering and not again.recovered
        await h.server.publish(channel, {"i": PUBLICATIONS})
        await eventually(
            lambda: bool(slow_sub_events.publications) and slow_sub_events.publications[-1].data["i"] == PUBLICATIONS,
            what="live publication after reconnect",
        )
        offsets = [p.offset for p in slow_sub_events.publications]
        assert offsets == sorted(set(offsets))  # in order, never twice
        assert slow.state == ClientState.CONNECTED
        assert await _subscribers(small_queue_hub, channel) == 2
    finally:
        await proxy.close()


async def test_close_disconnects_with_3001_and_rejects_new_clients() -> None:
    server = _start()
    try:
        h = Harness(ServerUnderTest("hub", server.ws_url, SECRET, HubPublisher(server)))
        client, events = h.client("42")
        channel = channel_for()
        sub, _ = h.subscription(client, channel, user="42")
        await client.connect()
        await sub.subscribe()
        await sub.ready(timeout=5)

        await server.call(server.hub.close())
        await eventually(lambda: 3001 in events.connecting_codes, what="3001 shutdown")
        assert client.state == ClientState.CONNECTING  # shutdown allows reconnecting
        assert server.hub.num_clients == 0
        with pytest.raises(PublishError):
            await HubPublisher(server).publish(channel, {"late": True})
        with pytest.raises(websockets.InvalidStatus):
            await websockets.connect(server.ws_url, proxy=None, open_timeout=5)
        await h.close()
    finally:
        server.stop()


@pytest.fixture(scope="module")
def plain_hub() -> Iterator[ThreadedHub]:
    server = _start(allowed_origins=("https://app.example.com",))
    yield server
    server.stop()


@pytest.mark.parametrize(
    ("origin", "allowed"),
    [
        (None, True),
        ("https://app.example.com", True),
        ("http://127.0.0.1:{port}", True),  # same origin as the hub itself
        ("https://evil.example", False),
    ],
)
async def test_origin_check(plain_hub: ThreadedHub, origin: str | None, allowed: bool) -> None:
    port = plain_hub.ws_url.rsplit(":", 1)[1].split("/")[0]
    headers = {"Origin": origin.format(port=port)} if origin else {}
    if allowed:
        ws = await websockets.connect(plain_hub.ws_url, proxy=None, additional_headers=headers)
        await ws.close()
    else:
        with pytest.raises(websockets.InvalidStatus) as exc:
            await websockets.connect(plain_hub.ws_url, proxy=None, additional_headers=headers)
        assert exc.value.response.status_code == 403


async def test_frame_over_size_limit_is_closed_1009(plain_hub: ThreadedHub) -> None:
    ws = await websockets.connect(plain_hub.ws_url, proxy=None)
    await ws.send('{"id":1,"connect":{"token":"' + connection_token("1", SECRET) + '"}}')
    await ws.recv()
    await ws.send('{"id":2,"subscribe":{"channel":"' + "x" * 70000 + '"}}')
    with pytest.raises(websockets.ConnectionClosed):
        await asyncio.wait_for(ws.recv(), 5)
    assert ws.close_code == 1009


async def test_stale_connection_without_connect_is_closed(plain_hub: ThreadedHub) -> None:
    await plain_hub.call(_set_stale(plain_hub, 0.3))
    try:
        ws = await websockets.connect(plain_hub.ws_url, proxy=None)
        with pytest.raises(websockets.ConnectionClosed):
            await asyncio.wait_for(ws.recv(), 5)
        assert ws.close_code == 3502
    finally:
        await plain_hub.call(_set_stale(plain_hub, 10.0))


async def _set_stale(server: ThreadedHub, seconds: float) -> None:
    server.hub.config = dataclasses.replace(server.hub.config, stale_close_delay=seconds)


async def test_subscribe_limits(plain_hub: ThreadedHub) -> None:
    ws = await websockets.connect(plain_hub.ws_url, proxy=None)
    await ws.send('{"id":1,"connect":{"token":"' + connection_token("1", SECRET) + '"}}')
    await ws.recv()
    long_channel = "chat:" + "x" * 300
    token = subscription_token("1", long_channel, SECRET)
    await ws.send('{"id":2,"subscribe":{"channel":"' + long_channel + '","token":"' + token + '"}}')
    assert '"code":107' in str(await ws.recv())
    await ws.close()


# --- history stream (pure unit) ------------------------------------------------------------


def test_stream_size_ttl_and_meta_ttl() -> None:
    now = 1000.0
    stream = Stream(size=3, ttl=10, meta_ttl=100, now=now)
    for i in range(5):
        stream.add({"i": i}, f'{{"i":{i}}}', now)
    result = stream.get(since=None, limit=-1, reverse=False, now=now)
    assert [p.offset for p in result.publications] == [3, 4, 5] and result.offset == 5
    epoch = stream.epoch
    # Publications expire history_ttl after the last publish; the position stays.
    later = stream.get(since=None, limit=-1, reverse=False, now=now + 11)
    assert later.publications == [] and later.offset == 5 and later.epoch == epoch
    # Recovery from an expired position fails; from the top it succeeds with nothing.
    assert stream.recover(3, epoch, 300, now + 11) is None
    assert stream.recover(5, epoch, 300, now + 11) == []
    # Unused for history_meta_ttl: the stream is forgotten, a new epoch starts.
    fresh = stream.get(since=None, limit=0, reverse=False, now=now + 11 + 101)
    assert fresh.offset == 0 and fresh.epoch != epoch


def test_recovery_beyond_the_limit_is_not_recovered() -> None:
    stream = Stream(size=1000, ttl=60, meta_ttl=600, now=0)
    for i in range(400):
        stream.add(i, str(i), 0)
    assert stream.recover(50, stream.epoch, 300, 1) is None  # 350 missed > 300
    missed = stream.recover(150, stream.epoch, 300, 1)
    assert missed is not None and [p.offset for p in missed] == list(range(151, 401))

"""One conformance suite, two servers: the embedded hub must behave like Centrifugo v6.

Every test runs against both (`server` is parametrised). Clients are the official
centrifuge-python 0.7 SDK, plus a raw WebSocket for frame-level details (pings, batching,
close codes) the SDK hides. If the two servers disagree, the hub is wrong.
"""

from __future__ import annotations

import asyncio
import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest
import websockets
from centrifuge import ClientState, ReplyError, StreamPosition, SubscriptionState, UnauthorizedError

from whatrack.realtime.control import DISCONNECT_CODE, DISCONNECT_USER
from whatrack.realtime.tokens import DEFAULT_TTL_SECONDS, connection_token, subscription_token

from .conftest import (
    EXPIRED_CLOSE_DELAY,
    PING_INTERVAL,
    PONG_TIMEOUT,
    Harness,
    ServerUnderTest,
    TcpProxy,
    channel_for,
    eventually,
)

# --- raw protocol helper -------------------------------------------------------------------


class Raw:
    """A bare WebSocket speaking JSON protocol v2 by hand."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.pending: list[dict[str, Any]] = []

    @classmethod
    async def open(cls, url: str) -> Raw:
        return cls(await websockets.connect(url, proxy=None, open_timeout=5))

    async def send(self, *commands: dict[str, Any]) -> None:
        await self.ws.send("\n".join(json.dumps(c) for c in commands))

    async def recv(self, wait: float = 5.0) -> dict[str, Any]:
        if not self.pending:
            frame = await asyncio.wait_for(self.ws.recv(), wait)
            assert isinstance(frame, str), "JSON protocol must use text frames"
            self.pending = [json.loads(line) for line in frame.strip().split("\n")]
        return self.pending.pop(0)

    async def reply(self, cmd_id: int, wait: float = 5.0) -> dict[str, Any]:
        while True:
            message = await self.recv(wait)
            if message.get("id") == cmd_id:
                return message

    async def closed(self, wait: float = 5.0) -> tuple[int | None, str | None]:
        """Read until the server closes; return (code, reason)."""
        with pytest.raises(websockets.ConnectionClosed):
            while True:
                await asyncio.wait_for(self.ws.recv(), wait)
        return self.ws.close_code, self.ws.close_reason

    async def connect(self, user: str, secret: str) -> dict[str, Any]:
        await self.send({"id": 1, "connect": {"token": connection_token(user, secret), "name": "raw"}})
        return await self.reply(1)

    async def close(self) -> None:
        await self.ws.close()


# --- connect ---------------------------------------------------------------------------------


async def test_connect_reply_advertises_ping_and_pong(server: ServerUnderTest) -> None:
    raw = await Raw.open(server.ws_url)
    reply = (await raw.connect("42", server.secret))["connect"]
    assert reply["client"]
    assert reply["ping"] == PING_INTERVAL
    assert reply["pong"] is True
    assert reply["expires"] is True
    assert DEFAULT_TTL_SECONDS - 2 <= reply["ttl"] <= DEFAULT_TTL_SECONDS  # short-lived: 10 minutes
    await raw.close()


async def test_sdk_connects(harness: Harness) -> None:
    client, events = harness.client("42")
    await client.connect()
    await client.ready(timeout=5)
    assert client.state == ClientState.CONNECTED
    assert events.connected[0].client


async def test_invalid_connection_token_closes_3500(harness: Harness) -> None:
    bad = connection_token("42", "another-secret-0123456789abcdef0123")
    client, events = harness.client("42", token=bad)
    await client.connect()
    await eventually(lambda: bool(events.disconnected), what="disconnect")
    assert events.disconnected[0].code == 3500
    assert client.state == ClientState.DISCONNECTED  # terminal: no reconnect


async def test_connect_without_token_closes_3501(server: ServerUnderTest) -> None:
    raw = await Raw.open(server.ws_url)
    await raw.send({"id": 1, "connect": {}})
    assert (await raw.closed())[0] == 3501


async def test_command_before_connect_closes_3501(server: ServerUnderTest) -> None:
    raw = await Raw.open(server.ws_url)
    await raw.send({"id": 1, "subscribe": {"channel": channel_for()}})
    assert (await raw.closed())[0] == 3501


async def test_expired_connection_token_gets_109_and_sdk_fetches_a_new_one(harness: Harness) -> None:
    secret = harness.server.secret
    past = datetime.now(UTC) - timedelta(hours=1)
    calls: list[float] = []

    async def get_token() -> str:
        calls.append(time.monotonic())
        return connection_token("42", secret)

    raw = await Raw.open(harness.server.ws_url)
    await raw.send({"id": 1, "connect": {"token": connection_token("42", secret, 60, now=past)}})
    assert (await raw.reply(1))["error"]["code"] == 109
    await raw.close()

    client, _events = harness.client("42", token=connection_token("42", secret, 60, now=past), get_token=get_token)
    await client.connect()
    await client.ready(timeout=5)
    assert len(calls) == 1
    assert client.state == ClientState.CONNECTED


async def test_connection_token_is_refreshed_before_expiry(harness: Harness) -> None:
    secret = harness.server.secret
    calls: list[float] = []

    async def get_token() -> str:
        calls.append(time.monotonic())
        return connection_token("42", secret, ttl_seconds=60)

    client, events = harness.client("42", token=connection_token("42", secret, ttl_seconds=2), get_token=get_token)
    channel = channel_for()
    sub, sub_events = harness.subscription(client, channel, user="42")
    await client.connect()
    await sub.subscribe()
    await sub.ready(timeout=5)
    await eventually(lambda: bool(calls), within=5, what="get_token for refresh")
    await asyncio.sleep(0.3)  # the refresh command round trip
    assert len(events.connected) == 1 and not events.disconnected and not events.connecting_codes[1:]
    await harness.server.publish(channel, {"n": 1})
    await eventually(lambda: len(sub_events.publications) == 1, what="publication after refresh")


async def test_refresh_with_token_of_another_user_closes_3500(server: ServerUnderTest) -> None:
    raw = await Raw.open(server.ws_url)
    await raw.connect("42", server.secret)
    await raw.send({"id": 2, "refresh": {"token": connection_token("43", server.secret)}})
    assert (await raw.closed())[0] == 3500


async def test_refresh_reply(server: ServerUnderTest) -> None:
    raw = await Raw.open(server.ws_url)
    await raw.connect("42", server.secret)
    await raw.send({"id": 2, "refresh": {"token": connection_token("42", server.secret, ttl_seconds=600)}})
    result = (await raw.reply(2))["refresh"]
    assert result["expires"] is True and 590 <= result["ttl"] <= 600
    await raw.close()


async def test_connection_not_refreshed_is_closed_3005(server: ServerUnderTest) -> None:
    raw = await Raw.open(server.ws_url)
    await raw.send({"id": 1, "connect": {"token": connection_token("42", server.secret, ttl_seconds=1)}})
    reply = (await raw.reply(1))["connect"]
    assert reply["expires"] is True and reply["ttl"] <= 1
    started = time.monotonic()
    while True:  # answer pings, never refresh
        try:
            message = await raw.recv(wait=5)
        except websockets.ConnectionClosed:
            break
        if message == {}:
            await raw.send({})
    assert (raw.ws.close_code, raw.ws.close_reason) == (3005, "connection expired")
    assert time.monotonic() - started < 1 + EXPIRED_CLOSE_DELAY + 2


# --- ping / pong ---------------------------------------------------------------------------------


async def test_ping_pong_and_no_pong_disconnect(server: ServerUnderTest) -> None:
    raw = await Raw.open(server.ws_url)
    await raw.connect("42", server.secret)
    started = time.monotonic()
    assert await raw.recv(wait=PING_INTERVAL + 1) == {}  # protocol v2 ping: empty reply
    assert time.monotonic() - started <= PING_INTERVAL + 0.5
    await raw.send({})  # pong: empty command
    assert await raw.recv(wait=PING_INTERVAL + 1) == {}
    # No pong this time: closed with 3012 "no pong" after the pong timeout.
    code, reason = await raw.closed(wait=PONG_TIMEOUT + 2)
    assert (code, reason) == (3012, "no pong")


async def test_unsolicited_pong_closes_3501(server: ServerUnderTest) -> None:
    raw = await Raw.open(server.ws_url)
    await raw.connect("42", server.secret)
    await raw.send({})
    assert (await raw.closed())[0] == 3501


async def test_sdk_stays_connected_across_pings(harness: Harness) -> None:
    client, events = harness.client("42")
    await client.connect()
    await client.ready(timeout=5)
    await asyncio.sleep(PING_INTERVAL + PONG_TIMEOUT + 1)
    assert client.state == ClientState.CONNECTED
    assert len(events.connected) == 1 and not events.disconnected


# --- batching ------------------------------------------------------------------------------------


async def test_batched_commands_in_one_frame(server: ServerUnderTest) -> None:
    """centrifuge-js sends connect + subscribes in one frame right after open."""
    a, b = channel_for(), channel_for()
    raw = await Raw.open(server.ws_url)
    await raw.send(
        {"id": 1, "connect": {"token": connection_token("42", server.secret)}},
        {"id": 2, "subscribe": {"channel": a, "token": subscription_token("42", a, server.secret)}},
        {"id": 3, "subscribe": {"channel": b, "token": subscription_token("42", b, server.secret)}},
        {"id": 4, "subscribe": {"channel": a, "token": subscription_token("42", a, server.secret)}},
    )
    replies = [await raw.recv() for _ in range(4)]
    assert [r["id"] for r in replies] == [1, 2, 3, 4]
    assert "connect" in replies[0]
    for r in replies[1:3]:
        sub = r["subscribe"]
        assert sub["recoverable"] is True and sub["positioned"] is True and sub["epoch"]
    assert replies[3]["error"] == {"code": 105, "message": "already subscribed"}
    await server.publish(a, {"text": "x\ny"})
    push = await raw.recv()
    epoch = replies[1]["subscribe"]["epoch"]  # the first publication of a stream carries it
    assert push == {"push": {"channel": a, "pub": {"data": {"text": "x\ny"}, "offset": 1, "epoch": epoch}}}
    await server.publish(a, {"n": 2})
    assert await raw.recv() == {"push": {"channel": a, "pub": {"data": {"n": 2}, "offset": 2}}}
    await raw.close()


# --- subscribe permissions and tenancy -------------------------------------------------------


async def test_subscribe_with_valid_token_and_ordered_delivery(harness: Harness) -> None:
    channel = channel_for()
    client, _ = harness.client("42")
    sub, events = harness.subscription(client, channel, user="42")
    await client.connect()
    await sub.subscribe()
    await sub.ready(timeout=5)
    ctx = events.subscribed[0]
    assert ctx.recoverable and ctx.positioned and not ctx.recovered
    for i in range(50):
        await harness.server.publish(channel, {"i": i})
    await eventually(lambda: len(events.publications) == 50, what="50 publications")
    assert [p.data["i"] for p in events.publications] == list(range(50))
    assert [p.offset for p in events.publications] == list(range(1, 51))


async def test_subscribe_without_token_is_denied_103(harness: Harness) -> None:
    client, _ = harness.client("42")
    sub, events = harness.subscription(client, channel_for())
    await client.connect()
    await sub.subscribe()
    await eventually(lambda: bool(events.unsubscribed), what="unsubscribed")
    assert events.unsubscribed[0].code == 103
    assert sub.state == SubscriptionState.UNSUBSCRIBED
    assert client.state == ClientState.CONNECTED


async def test_subscription_token_with_bad_signature_is_denied_103(harness: Harness) -> None:
    channel = channel_for()
    client, _ = harness.client("42")
    bad = subscription_token("42", channel, "wrong-secret-0123456789abcdef0123456")
    sub, events = harness.subscription(client, channel, token=bad)
    await client.connect()
    await sub.subscribe()
    await eventually(lambda: bool(events.unsubscribed), what="unsubscribed")
    assert events.unsubscribed[0].code == 103


async def test_expired_subscription_token_is_refetched(harness: Harness) -> None:
    channel = channel_for()
    secret = harness.server.secret
    expired = jwt.encode({"sub": "42", "channel": channel, "exp": int(time.time()) - 10}, secret, algorithm="HS256")
    calls: list[str] = []

    async def get_token(ch: str) -> str:
        calls.append(ch)
        return subscription_token("42", ch, secret)

    client, _ = harness.client("42")
    sub, events = harness.subscription(client, channel, token=expired, get_token=get_token)
    await client.connect()
    await sub.subscribe()
    await sub.ready(timeout=5)
    assert calls == [channel]
    assert [e.error.code for e in events.errors] == [109]


@pytest.mark.parametrize("mismatch", ["channel", "user"])
async def test_token_for_another_channel_or_user_closes_3500(harness: Harness, mismatch: str) -> None:
    org_a, org_b = channel_for("a-" + str(time.time_ns())), channel_for("b-" + str(time.time_ns()))
    secret = harness.server.secret
    token = (
        subscription_token("alice", org_b, secret)  # alice's own token, but for org B's channel
        if mismatch == "channel"
        else subscription_token("bob", org_a, secret)  # bob's token for this channel, used by alice
    )
    client, events = harness.client("alice")
    sub, sub_events = harness.subscription(client, org_a, token=token)
    await client.connect()
    await sub.subscribe()
    await eventually(lambda: bool(events.disconnected), what="disconnect")
    assert events.disconnected[0].code == 3500
    assert client.state == ClientState.DISCONNECTED
    assert not sub_events.publications


async def test_org_a_never_receives_org_b(harness: Harness) -> None:
    org_a, org_b = channel_for(), channel_for()
    alice, _ = harness.client("alice")
    bob, _ = harness.client("bob")
    sub_a, events_a = harness.subscription(alice, org_a, user="alice")
    sub_b, events_b = harness.subscription(bob, org_b, user="bob")
    for c in (alice, bob):
        await c.connect()
    for s in (sub_a, sub_b):
        await s.subscribe()
        await s.ready(timeout=5)
    # Alice tries org B with bob's token: she is disconnected, and gets nothing of B.
    stolen, stolen_events = harness.subscription(
        alice, org_b, token=subscription_token("bob", org_b, harness.server.secret)
    )
    await stolen.subscribe()
    await harness.server.publish(org_b, {"secret": "b"})
    await harness.server.publish(org_a, {"hello": "a"})
    await eventually(lambda: len(events_b.publications) == 1, what="bob's publication")
    await asyncio.sleep(0.2)
    assert [p.data for p in events_b.publications] == [{"secret": "b"}]
    assert not stolen_events.publications
    assert all(p.data != {"secret": "b"} for p in events_a.publications)


async def test_unknown_namespace_is_102(server: ServerUnderTest) -> None:
    raw = await Raw.open(server.ws_url)
    await raw.connect("42", server.secret)
    channel = "nope:1"
    await raw.send(
        {
            "id": 2,
            "subscribe": {"channel": channel, "token": subscription_token("42", channel, server.secret)},
        }
    )
    assert (await raw.reply(2))["error"]["code"] == 102
    await raw.close()


async def test_unsubscribe_stops_delivery(harness: Harness) -> None:
    channel = channel_for()
    client, _ = harness.client("42")
    sub, events = harness.subscription(client, channel, user="42")
    await client.connect()
    await sub.subscribe()
    await sub.ready(timeout=5)
    await harness.server.publish(channel, {"n": 1})
    await eventually(lambda: len(events.publications) == 1, what="first publication")
    await sub.unsubscribe()
    await asyncio.sleep(0.2)
    await harness.server.publish(channel, {"n": 2})
    await asyncio.sleep(0.3)
    assert [p.data for p in events.publications] == [{"n": 1}]


async def _until(unix_time: float) -> None:
    """Wait for a wall-clock instant: for asserting that something did NOT happen by then."""
    await asyncio.sleep(max(0.0, unix_time - time.time()))


def _exp(token: str) -> int:
    exp = jwt.decode(token, options={"verify_signature": False})["exp"]
    assert isinstance(exp, int)
    return exp


# A server has surely judged a subscription whose token expired at `exp` by this instant:
# Centrifugo expires it once the Unix second is past exp + grace, on its next presence tick (1 s).
def _judged_by(exp: int) -> float:
    return exp + EXPIRED_CLOSE_DELAY + 2 + 0.3


async def test_subscription_token_is_refreshed(harness: Harness) -> None:
    channel = channel_for()
    secret = harness.server.secret
    tokens: list[str] = []

    async def get_token(ch: str) -> str:
        tokens.append(subscription_token("42", ch, secret, ttl_seconds=2 if not tokens else 600))
        return tokens[-1]

    client, _events = harness.client("42")
    sub, sub_events = harness.subscription(client, channel, get_token=get_token)
    await client.connect()
    await sub.subscribe()
    await sub.ready(timeout=5)
    await eventually(lambda: len(tokens) == 2, within=5, what="get_token for sub_refresh")
    await _until(_judged_by(_exp(tokens[0])))  # the old token's expiry + grace, as judged by the server
    await harness.server.publish(channel, {"n": 1})
    await eventually(lambda: len(sub_events.publications) == 1, what="publication after sub_refresh")
    assert sub.state == SubscriptionState.SUBSCRIBED
    assert len(sub_events.subscribed) == 1 and not sub_events.unsubscribed and not sub_events.errors
    assert len(tokens) == 2


async def _ponging_until(raw: Raw, deadline: float, *, reply_to: int | None = None) -> dict[str, Any] | None:
    """Read until `deadline` (or the reply to `reply_to`), answering pings; anything else fails."""
    while (left := deadline - time.time()) > 0:
        try:
            message = await raw.recv(wait=left)
        except TimeoutError:
            break
        if message == {}:
            await raw.send({})
            continue
        if reply_to is not None and message.get("id") == reply_to:
            return message
        raise AssertionError(f"unexpected message: {message}")
    assert reply_to is None, f"no reply to {reply_to}"
    return None


async def test_sub_refresh_at_the_replied_ttl_is_in_time(server: ServerUnderTest) -> None:
    """The ttl in a reply is whole seconds (exp minus the current Unix second), so an SDK that
    refreshes when it runs out (centrifuge-python does) can send sub_refresh up to a second
    after exp: still inside the grace on Centrifugo, and so on the hub."""
    channel = channel_for()
    raw = await Raw.open(server.ws_url)
    await raw.connect("42", server.secret)
    await _ponging_until(raw, int(time.time()) + 1.85)  # late in a second: ttl rounds up by ~0.85 s
    token = subscription_token("42", channel, server.secret, ttl_seconds=2)
    await raw.send({"id": 2, "subscribe": {"channel": channel, "token": token}})
    reply = await _ponging_until(raw, time.time() + 5, reply_to=2)
    assert reply is not None
    result = reply["subscribe"]
    replied_at = time.time()
    assert result["ttl"] == 2 and _exp(token) - replied_at < 1.3
    # The SDK's refresh timer (ttl) plus a slow token fetch; an unsubscribe push would fail here.
    await _ponging_until(raw, replied_at + result["ttl"] + 0.5)
    fresh = subscription_token("42", channel, server.secret, ttl_seconds=600)
    await raw.send({"id": 3, "sub_refresh": {"channel": channel, "token": fresh}})
    reply = await _ponging_until(raw, time.time() + 5, reply_to=3)
    assert reply is not None and reply["sub_refresh"]["expires"] is True
    await raw.close()


async def test_subscription_not_refreshed_is_unsubscribed_2501(server: ServerUnderTest) -> None:
    channel = channel_for()
    raw = await Raw.open(server.ws_url)
    await raw.connect("42", server.secret)
    # early in a second: exp is whole seconds, so a token minted late in one expires within
    # milliseconds, and a loaded machine delivered the subscribe after it (error 109)
    await _ponging_until(raw, int(time.time()) + 1.02)
    token = subscription_token("42", channel, server.secret, ttl_seconds=1)
    await raw.send({"id": 2, "subscribe": {"channel": channel, "token": token}})
    result = (await raw.reply(2))["subscribe"]
    assert result["expires"] is True and result["ttl"] <= 1
    while True:
        message = await raw.recv(wait=6)
        if message == {}:
            await raw.send({})
            continue
        assert message == {
            "push": {"channel": channel, "unsubscribe": {"code": 2501, "reason": "subscription expired"}}
        }
        break
    await raw.close()


# --- history and recovery -------------------------------------------------------------------------


async def test_history(harness: Harness) -> None:
    channel = channel_for()
    for i in range(5):
        await harness.server.publish(channel, {"i": i})
    client, _ = harness.client("42")
    sub, _ = harness.subscription(client, channel, user="42")
    await client.connect()
    with pytest.raises(ReplyError) as denied:  # history is for subscribers only
        await client.history(channel, limit=10)
    assert denied.value.code == 103
    await sub.subscribe()
    await sub.ready(timeout=5)

    full = await sub.history(limit=-1)
    assert [p.data["i"] for p in full.publications] == [0, 1, 2, 3, 4]
    assert [p.offset for p in full.publications] == [1, 2, 3, 4, 5]
    assert full.offset == 5 and full.epoch

    top = await sub.history(limit=0)
    assert top.publications == [] and top.offset == 5 and top.epoch == full.epoch

    last2 = await sub.history(limit=2, reverse=True)
    assert [p.offset for p in last2.publications] == [5, 4]

    since = await sub.history(limit=10, since=StreamPosition(offset=3, epoch=full.epoch))
    assert [p.offset for p in since.publications] == [4, 5]

    with pytest.raises(ReplyError) as wrong_epoch:
        await sub.history(limit=10, since=StreamPosition(offset=3, epoch="nope"))
    assert wrong_epoch.value.code == 112


async def test_history_keeps_the_last_100(harness: Harness) -> None:
    channel = channel_for()
    for i in range(105):
        await harness.server.publish(channel, {"i": i})
    client, _ = harness.client("42")
    sub, _ = harness.subscription(client, channel, user="42")
    await client.connect()
    await sub.subscribe()
    await sub.ready(timeout=5)
    result = await sub.history(limit=-1)
    assert [p.offset for p in result.publications] == list(range(6, 106))
    assert result.offset == 105


async def test_recovery_after_dropped_socket(harness: Harness, proxy: TcpProxy) -> None:
    channel = channel_for()
    url = f"ws://127.0.0.1:{proxy.port}/connection/websocket"
    client, _events = harness.client("42", url=url, min_reconnect_delay=0.2)
    sub, sub_events = harness.subscription(client, channel, user="42")
    await client.connect()
    await sub.subscribe()
    await sub.ready(timeout=5)
    for i in range(3):
        await harness.server.publish(channel, {"i": i})
    await eventually(lambda: len(sub_events.publications) == 3, what="live publications")

    proxy.cut()
    await eventually(lambda: client.state == ClientState.CONNECTING, what="client noticing the drop")
    for i in range(3, 10):
        await harness.server.publish(channel, {"i": i})
    await asyncio.sleep(0.5)  # the client retries against a dead proxy meanwhile
    proxy.restore()

    await eventually(lambda: len(sub_events.subscribed) == 2, within=10, what="resubscribe")
    resubscribed = sub_events.subscribed[1]
    assert resubscribed.was_recovering and resubscribed.recovered
    await harness.server.publish(channel, {"i": 10})
    await eventually(lambda: len(sub_events.publications) == 11, what="all publications")
    await asyncio.sleep(0.2)
    assert [p.data["i"] for p in sub_events.publications] == list(range(11))  # in order, exactly once
    assert [p.offset for p in sub_events.publications] == list(range(1, 12))


async def test_recovery_result_on_the_wire(server: ServerUnderTest) -> None:
    channel = channel_for()
    token = subscription_token("42", channel, server.secret)
    for i in range(3):
        await server.publish(channel, {"i": i})
    raw = await Raw.open(server.ws_url)
    await raw.connect("42", server.secret)
    await raw.send({"id": 2, "subscribe": {"channel": channel, "token": token}})
    first = (await raw.reply(2))["subscribe"]
    assert first["offset"] == 3
    await raw.send({"id": 3, "unsubscribe": {"channel": channel}})
    assert (await raw.reply(3)) == {"id": 3, "unsubscribe": {}}
    await server.publish(channel, {"i": 3})
    await server.publish(channel, {"i": 4})
    await raw.send(
        {
            "id": 4,
            "subscribe": {
                "channel": channel,
                "token": token,
                "recover": True,
                "offset": 3,
                "epoch": first["epoch"],
            },
        }
    )
    ok = (await raw.reply(4))["subscribe"]
    assert ok["recovered"] is True and ok["was_recovering"] is True
    assert ok["offset"] == 3  # the client's offset; it advances while applying publications
    assert ok["publications"] == [{"data": {"i": 3}, "offset": 4}, {"data": {"i": 4}, "offset": 5}]
    await raw.send({"id": 5, "unsubscribe": {"channel": channel}})
    await raw.reply(5)
    await raw.send(
        {
            "id": 6,
            "subscribe": {"channel": channel, "token": token, "recover": True, "offset": 1, "epoch": "other"},
        }
    )
    bad = (await raw.reply(6))["subscribe"]
    assert "recovered" not in bad and bad["was_recovering"] is True
    assert bad["offset"] == 5 and bad["epoch"] == first["epoch"]
    await raw.close()


# --- presence --------------------------------------------------------------------------------------


async def test_presence_for_subscribers(harness: Harness) -> None:
    channel = channel_for()
    alice, _ = harness.client("alice")
    bob, _ = harness.client("bob")
    outsider, _ = harness.client("carol")
    subs = []
    for client, user in ((alice, "alice"), (bob, "bob")):
        sub, _ = harness.subscription(client, channel, user=user)
        await client.connect()
        await sub.subscribe()
        await sub.ready(timeout=5)
        subs.append(sub)
    await outsider.connect()
    await outsider.ready(timeout=5)

    presence = await subs[0].presence()
    assert sorted(info.user for info in presence.clients.values()) == ["alice", "bob"]
    assert {info.client for info in presence.clients.values()} == set(presence.clients)
    stats = await subs[1].presence_stats()
    assert (stats.num_clients, stats.num_users) == (2, 2)

    with pytest.raises(ReplyError) as denied:
        await outsider.presence(channel)
    assert denied.value.code == 103

    await subs[1].unsubscribe()
    await eventually(lambda: True)
    await asyncio.sleep(0.2)
    stats = await subs[0].presence_stats()
    assert (stats.num_clients, stats.num_users) == (1, 1)


async def test_client_publish_is_denied(harness: Harness) -> None:
    channel = channel_for()
    client, _ = harness.client("42")
    sub, _ = harness.subscription(client, channel, user="42")
    await client.connect()
    await sub.subscribe()
    await sub.ready(timeout=5)
    with pytest.raises(ReplyError) as denied:
        await sub.publish({"from": "client"})
    assert denied.value.code == 103


# --- disconnect by user (logout, password change) ----------------------------------------------


async def test_disconnect_user_sends_clients_back_to_get_token(harness: Harness) -> None:
    """The server closes every connection of one user with 3014; the SDK drops its tokens and asks
    getToken: refused (session ended) it stays disconnected, granted it reconnects. Other users'
    connections are untouched."""
    secret = harness.server.secret
    session_alive = {"42": True, "43": True}
    asked: list[str] = []

    def connection_getter(user: str) -> Any:
        async def get_token() -> str:
            asked.append(user)
            if not session_alive[user]:
                raise UnauthorizedError
            return connection_token(user, secret)

        return get_token

    def sub_getter(user: str) -> Any:
        async def get_token(channel: str) -> str:
            if not session_alive[user]:
                raise UnauthorizedError
            return subscription_token(user, channel, secret)

        return get_token

    channel = channel_for()
    ended, ended_events = harness.client("42", get_token=connection_getter("42"))
    ended_sub, ended_sub_events = harness.subscription(ended, channel, get_token=sub_getter("42"))
    same_user, same_user_events = harness.client("42", token=connection_token("42", secret))
    other, other_events = harness.client("43", get_token=connection_getter("43"))
    other_sub, other_sub_events = harness.subscription(other, channel, get_token=sub_getter("43"))
    for client in (ended, same_user, other):
        await client.connect()
        await client.ready(timeout=5)
    for sub in (ended_sub, other_sub):
        await sub.subscribe()
        await sub.ready(timeout=5)
    asked.clear()

    session_alive["42"] = False
    await harness.server.publish(DISCONNECT_USER, {"user": "42"})
    await eventually(lambda: ended.state == ClientState.DISCONNECTED, what="the ended session to stay disconnected")
    assert ended_events.connecting_codes[-1] == DISCONNECT_CODE
    assert asked == ["42"]  # a fresh token was asked for, not the old one reused
    # the same user's token-only client (no getToken) reconnects with what it has: still valid
    await eventually(lambda: len(same_user_events.connected) == 2, what="the same user's other client back")
    assert same_user_events.connecting_codes[-1] == DISCONNECT_CODE

    await harness.server.publish(channel, {"n": 1})
    await eventually(lambda: len(other_sub_events.publications) == 1, what="publication to the other user")
    assert len(other_events.connected) == 1 and not other_events.disconnected
    assert ended_sub_events.publications == [] and ended_sub.state != SubscriptionState.SUBSCRIBED

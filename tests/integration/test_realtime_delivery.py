"""A webhook's message reaches a subscriber of the right organization, and never another's:
through the real Centrifugo v6 (server API via `cent`) and through the embedded hub."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from centrifuge import Client, PublicationContext, SubscriptionEventHandler

from tests.support.centrifugo import running_centrifugo
from tests.support.tenants import Harness, Tenant
from whatrack.realtime.tokens import connection_token
from whatrack.simulator import payloads as p

SECRET = "integration-secret-0123456789abcdef-0123456789"
API_KEY = "integration-api-key"


class Collector(SubscriptionEventHandler):
    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []
        self.event = asyncio.Event()

    async def on_publication(self, ctx: PublicationContext) -> None:
        self.items.append(ctx.pub.data)
        self.event.set()


@contextlib.asynccontextmanager
async def _serve_ws(harness: Harness) -> AsyncIterator[str]:
    """The app's /connection/websocket on a real port, on this event loop (the hub is loop-bound)."""
    server = uvicorn.Server(
        uvicorn.Config(
            harness.app, host="127.0.0.1", port=0, lifespan="off", log_level="warning", ws_per_message_deflate=False
        )
    )
    task = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 - uvicorn exposes a flag, not an event
        await asyncio.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"ws://127.0.0.1:{port}/connection/websocket"
    finally:
        server.should_exit = True
        await task


async def _subscribe(ws_url: str, t: Tenant, channel: str) -> tuple[Client, Collector]:
    token = connection_token(str(t.user_id), SECRET)
    sub_token = await t.client.post("/api/v1/chat/centrifugo/subscription-token", json={"channel": channel})
    assert sub_token.status_code == 200, sub_token.text
    client = Client(ws_url, token=token)
    collector = Collector()
    sub = client.new_subscription(channel, token=sub_token.json()["token"], events=collector)
    await client.connect()
    await sub.subscribe()
    await sub.ready(5)
    return client, collector


@contextlib.asynccontextmanager
async def _harness(kind: str, database_url: str, tmp_path: Path) -> AsyncIterator[tuple[Harness, str]]:
    if kind == "centrifugo":
        with running_centrifugo(SECRET, API_KEY) as cf:
            async with Harness.start(
                database_url,
                tmp_path,
                centrifugo_url=cf.url,
                centrifugo_api_key=API_KEY,
                centrifugo_token_secret=SECRET,
            ) as h:
                yield h, cf.ws_url
    else:
        async with Harness.start(database_url, tmp_path, centrifugo_token_secret=SECRET) as h, _serve_ws(h) as ws:
            yield h, ws


@pytest.mark.centrifugo
@pytest.mark.parametrize("kind", ["centrifugo", "embedded"])
async def test_webhook_reaches_right_org_only(kind: str, harness: Harness, database_url: str, tmp_path: Path) -> None:
    # `harness` empties the database; this test builds its own app wired to the server under test.
    async with _harness(kind, database_url, tmp_path / kind) as (h, ws_url):
        a = await h.tenant("Alpha")
        b = await h.tenant("Beta")
        client_a, got_a = await _subscribe(ws_url, a, f"chat:org:{a.organization_id}")
        client_b, got_b = await _subscribe(ws_url, b, f"chat:org:{b.organization_id}")
        try:
            resp = await h.webhook(a, p.text_message(phone="5511988887777", text="Olá, Alpha"))
            assert resp.status_code == 200
            await h.app.state.drainer.drain_once()
            await asyncio.wait_for(got_a.event.wait(), 5)
            await asyncio.sleep(0.3)
            types = {d["type"] for d in got_a.items}
            assert {"new_message", "conversation_updated"} <= types
            msg = next(d for d in got_a.items if d["type"] == "new_message")
            assert msg["data"]["content"] == "Olá, Alpha"
            assert got_b.items == []

            # B can neither get a token for A's channel nor use its own token on it
            denied = await b.client.post(
                "/api/v1/chat/centrifugo/subscription-token", json={"channel": f"chat:org:{a.organization_id}"}
            )
            assert denied.status_code == 403
        finally:
            await client_a.disconnect()
            await client_b.disconnect()


@pytest.mark.centrifugo
async def test_centrifugo_outage_loses_nothing(harness: Harness, database_url: str, tmp_path: Path) -> None:
    """Centrifugo down: the webhook still answers 200 and the event waits in the outbox."""
    async with Harness.start(
        database_url,
        tmp_path,
        centrifugo_url="http://127.0.0.1:9",
        centrifugo_api_key=API_KEY,
        centrifugo_token_secret=SECRET,
    ) as h:
        a = await h.tenant("Alpha")
        resp = await h.webhook(a, p.text_message(text="durante a queda"))
        assert resp.status_code == 200 and resp.json()["status"] == "ok"
        assert await h.app.state.drainer.drain_once() == 0
        assert await h.app.state.drainer.oldest_pending_age_seconds() >= 0
        from sqlalchemy import func, select

        from whatrack.models import OutboxEvent

        async with h.db() as db:
            pending = await db.scalar(select(func.count()).select_from(OutboxEvent))
            row = await db.scalar(select(OutboxEvent).order_by(OutboxEvent.id).limit(1))
        assert pending and pending >= 2
        assert row is not None and row.attempts == 1 and row.last_error


@pytest.mark.centrifugo
async def test_retried_batch_is_delivered_once(harness: Harness, database_url: str, tmp_path: Path) -> None:
    """A batch that partly went out before a failure is retried whole: idempotency keys keep
    Centrifugo from delivering anything twice, and order holds."""
    from whatrack.realtime.centrifugo import CentrifugoPublisher
    from whatrack.realtime.publisher import Publication

    async with _harness("centrifugo", database_url, tmp_path / "retry") as (h, ws_url):
        a = await h.tenant("Alpha")
        client, got = await _subscribe(ws_url, a, f"chat:org:{a.organization_id}")
        publisher = h.app.state.publisher
        assert isinstance(publisher, CentrifugoPublisher)
        batch = [Publication(f"chat:org:{a.organization_id}", {"type": "t", "n": n}, f"k-{n}") for n in range(5)]
        try:
            await publisher.publish_many(batch[:3])
            await publisher.publish_many(batch)  # the retry of the whole batch
            for _ in range(100):
                if len(got.items) >= 5:
                    break
                await asyncio.sleep(0.02)
            await asyncio.sleep(0.2)
            assert [d["n"] for d in got.items] == [0, 1, 2, 3, 4]
        finally:
            await client.disconnect()


@pytest.mark.centrifugo
async def test_one_row_reaches_every_channel_once(harness: Harness, database_url: str, tmp_path: Path) -> None:
    """A publication to several channels (one outbox row) goes out as one Centrifugo `broadcast`:
    each channel's subscriber gets it once, a retry delivers nothing twice, and a broadcast that
    one channel refuses is an error (the row waits), not a silent half-delivery."""
    from cent import HistoryRequest

    from whatrack.realtime.centrifugo import CentrifugoPublisher
    from whatrack.realtime.publisher import Publication, PublishError, joined

    async with _harness("centrifugo", database_url, tmp_path / "broadcast") as (h, ws_url):
        a = await h.tenant("Alpha")
        org, conv = f"chat:org:{a.organization_id}", f"chat:conversation:{a.organization_id}"
        org_client, on_org = await _subscribe(ws_url, a, org)
        publisher = h.app.state.publisher
        assert isinstance(publisher, CentrifugoPublisher)
        both = Publication(joined([conv, org]), {"type": "t", "n": 1}, "k-both")
        try:
            await publisher.publish_many([both])
            await publisher.publish_many([both, Publication(org, {"type": "t", "n": 2}, "k-2")])
            for _ in range(100):
                if len(on_org.items) >= 2:
                    break
                await asyncio.sleep(0.02)
            await asyncio.sleep(0.2)
            assert [d["n"] for d in on_org.items] == [1, 2]
            # the conversation channel got it too, once
            history = await publisher._get_client().history(HistoryRequest(channel=conv, limit=10))
            assert [p.data["n"] for p in history.publications] == [1]
            with pytest.raises(PublishError):
                await publisher.publish_many([Publication(joined([org, "nowhere:x"]), {"type": "t", "n": 3}, "k-3")])
        finally:
            await org_client.disconnect()

"""Ended sessions stop listening (issue 18, finding 7), through the real Centrifugo v6 and the
embedded hub: short-lived tokens, and logout / password change disconnect the user's
connections once the change is committed (the outbox carries the command)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx
import jwt
import pytest
from centrifuge import Client, ClientState, UnauthorizedError
from sqlalchemy import select

from tests.integration.test_realtime_delivery import SECRET, _harness
from tests.realtime.conftest import ClientEvents
from tests.support.tenants import Harness
from whatrack.auth import service as auth
from whatrack.models import OutboxEvent
from whatrack.realtime.control import DISCONNECT_USER

pytestmark = pytest.mark.centrifugo


def token_from(session: httpx.AsyncClient, asked: list[int]) -> Callable[[], Awaitable[str]]:
    """What the browser does: ask the app, with its session cookie, for a connection token."""

    async def get_token() -> str:
        resp = await session.post("/api/v1/chat/centrifugo/token")
        asked.append(resp.status_code)
        if resp.status_code == 401:
            raise UnauthorizedError
        assert resp.status_code == 200, resp.text
        token: str = resp.json()["token"]
        return token

    return get_token


async def until(check: Callable[[], bool], what: str, within: float = 5.0) -> None:
    async with asyncio.timeout(within):
        while not check():  # noqa: ASYNC110 - fed by the SDK's callbacks
            await asyncio.sleep(0.02)


async def connected(ws_url: str, session: httpx.AsyncClient) -> tuple[Client, ClientEvents, list[int]]:
    events, asked = ClientEvents(), list[int]()
    client = Client(ws_url, events=events, get_token=token_from(session, asked), min_reconnect_delay=0.05)
    await client.connect()
    await client.ready(5)
    return client, events, asked


async def pending_disconnects(h: Harness) -> list[OutboxEvent]:
    async with h.db() as db:
        return list(await db.scalars(select(OutboxEvent).where(OutboxEvent.channel == DISCONNECT_USER)))


@pytest.mark.parametrize("kind", ["centrifugo", "embedded"])
async def test_logout_disconnects_that_session_and_the_others_come_back(
    kind: str, harness: Harness, database_url: str, tmp_path: Path
) -> None:
    async with _harness(kind, database_url, tmp_path / kind) as (h, ws_url):
        a = await h.tenant("Alpha")
        elsewhere = await h.login(a.email)  # the same user in another browser
        b = await h.tenant("Beta")
        ended, ended_events, ended_asked = await connected(ws_url, a.client)
        kept, kept_events, _ = await connected(ws_url, elsewhere)
        bystander, bystander_events, _ = await connected(ws_url, b.client)
        try:
            resp = await a.client.post("/api/v1/auth/logout")
            assert resp.status_code == 204
            assert [r.data for r in await pending_disconnects(h)] == [{"user": str(a.user_id)}]
            await h.app.state.drainer.drain_once()
            await until(lambda: ended.state == ClientState.DISCONNECTED, "the logged-out session disconnected")
            assert ended_events.connecting_codes[-1] == 3014 and ended_asked[-1] == 401
            await until(lambda: len(kept_events.connected) == 2, "the user's other session reconnected")
            assert kept.state == ClientState.CONNECTED
            assert len(bystander_events.connected) == 1 and bystander.state == ClientState.CONNECTED
            assert await pending_disconnects(h) == []
        finally:
            for c in (ended, kept, bystander):
                await c.disconnect()


@pytest.mark.parametrize("kind", ["centrifugo", "embedded"])
async def test_password_change_disconnects_every_session(
    kind: str, harness: Harness, database_url: str, tmp_path: Path
) -> None:
    async with _harness(kind, database_url, tmp_path / kind) as (h, ws_url):
        a = await h.tenant("Alpha")
        elsewhere = await h.login(a.email)
        one, _, _ = await connected(ws_url, a.client)
        two, _, _ = await connected(ws_url, elsewhere)
        try:
            async with h.db() as db:
                await auth.set_password(db, a.email, "a brand new passphrase 2024")
            await h.app.state.drainer.drain_once()
            await until(
                lambda: one.state == two.state == ClientState.DISCONNECTED, "both sessions disconnected for good"
            )
        finally:
            for c in (one, two):
                await c.disconnect()


async def test_tokens_are_short_lived(harness: Harness, database_url: str, tmp_path: Path) -> None:
    async with Harness.start(
        database_url, tmp_path, centrifugo_token_secret=SECRET, realtime_token_ttl_seconds=120
    ) as h:
        a = await h.tenant("Alpha")
        resp = await a.client.post("/api/v1/chat/centrifugo/token")
        conn = jwt.decode(resp.json()["token"], SECRET, algorithms=["HS256"])
        resp = await a.client.post(
            "/api/v1/chat/centrifugo/subscription-token", json={"channel": f"chat:org:{a.organization_id}"}
        )
        sub = jwt.decode(resp.json()["token"], SECRET, algorithms=["HS256"])
        now = time.time()
        assert 118 <= conn["exp"] - now <= 121 and 118 <= sub["exp"] - now <= 121

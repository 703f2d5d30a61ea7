"""A pooled connection whose server went away is never handed to a request: PostgreSQL
terminates every connection of the app (as a restart or a failover does) and the next read,
write and webhook still answer 200. The pool checks liveness without a round trip (asyncpg
closes a connection when its socket ends: db._refuse_closed), in place of pool_pre_ping."""

from __future__ import annotations

import asyncio
from pathlib import Path

import asyncpg

from tests.integration.test_outbox_notify import pg_url  # noqa: F401 - the fixture
from tests.support.tenants import Harness
from whatrack.db import connection_tag
from whatrack.simulator import payloads as p


async def _terminate_all(dsn: str, tag: str) -> int:
    """pg_terminate_backend on every connection of the app; waits until they are gone."""
    conn = await asyncpg.connect(dsn)
    try:
        killed = await conn.fetchval(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = $1", tag
        )
        for _ in range(400):
            if not await conn.fetchval("SELECT count(*) FROM pg_stat_activity WHERE application_name = $1", tag):
                break
            await asyncio.sleep(0.005)
        return int(killed)
    finally:
        await conn.close()


async def test_requests_after_the_server_dropped_every_connection(pg_url: str, tmp_path: Path) -> None:  # noqa: F811
    async with Harness.start(pg_url, tmp_path) as harness:
        t = await harness.tenant("Acme")
        await harness.webhook(t, p.text_message(phone="5511977770001", text="oi"))
        # several pooled connections, idle in the pool
        pages = await asyncio.gather(*(t.client.get("/api/v1/conversations") for _ in range(4)))
        assert all(r.status_code == 200 for r in pages)
        conv = pages[0].json()["items"][0]["id"]
        tag = connection_tag(harness.app.state.engine)
        assert tag is not None
        dsn = pg_url.replace("postgresql+asyncpg://", "postgresql://")
        for _ in range(2):
            assert await _terminate_all(dsn, tag) >= 1
            await asyncio.sleep(0)  # one loop turn: asyncpg reads the end of each socket
            assert (await t.client.get("/api/v1/conversations")).status_code == 200
            assert (await t.client.get(f"/api/v1/conversations/{conv}/messages")).status_code == 200
            assert (await t.client.post(f"/api/v1/conversations/{conv}/read")).status_code == 200
            answer = await harness.webhook(t, p.text_message(phone="5511977770001", text="de novo"))
            assert answer.status_code == 200

"""Every commit that wrote outbox rows wakes the drainer (db.CommitHook), whichever route made
it: an assign, a mark-read and a ticket close, routes that commit through the `Db` dependency,
reach a real subscriber of the org channel in under 100 ms. The drainer runs with its
production poll (0.5 s), and each change is made right after the drainer went back to sleep,
so without the wake it arrives a whole poll later (measured: 505-535 ms with the hook off)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.integration.test_realtime_delivery import Collector, _harness, _subscribe
from tests.support.tenants import Harness, Tenant
from whatrack.models import TicketStatus
from whatrack.settings import Settings
from whatrack.simulator import payloads as p

LIMIT_SECONDS = 0.100
POLL_MARGIN_SECONDS = 0.450  # below the 0.5 s poll: a change that waited for it would not pass


async def _next(got: Collector, seen: int, matches: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
    """The first publication after the `seen` first ones that `matches` (5 s at most)."""

    async def wait() -> dict[str, Any]:
        while True:
            for item in got.items[seen:]:
                if matches(item):
                    return item
            got.event.clear()
            await got.event.wait()

    return await asyncio.wait_for(wait(), 5)


def _conv_updated(conv_id: str, check: Callable[[dict[str, Any]], bool]) -> Callable[[dict[str, Any]], bool]:
    return lambda d: d["type"] == "conversation_updated" and d["data"]["id"] == conv_id and check(d["data"])


Step = tuple[str, Callable[[], Awaitable[httpx.Response]], Callable[[dict[str, Any]], bool]]


def _steps(t: Tenant, conv_id: str, ticket_id: str) -> list[Step]:
    """Three changes committed through the `Db` dependency, and how to recognise their event."""
    return [
        (
            "assign",
            lambda: t.client.post(f"/api/v1/conversations/{conv_id}/assign", json={"userId": str(t.user_id)}),
            lambda c: c["assignee"] is not None and c["assignee"]["id"] == str(t.user_id),
        ),
        (
            "mark read",
            lambda: t.client.post(f"/api/v1/conversations/{conv_id}/read"),
            lambda c: c["unreadCount"] == 0,
        ),
        (
            "ticket close",
            lambda: t.client.post(f"/api/v1/tickets/{ticket_id}/close", json={"outcome": "sale"}),
            lambda c: c["ticketStatus"] == TicketStatus.RESOLVED.value,
        ),
    ]


@pytest.mark.centrifugo
@pytest.mark.parametrize("kind", ["embedded", "centrifugo"])
async def test_db_route_changes_reach_subscriber_at_once(
    kind: str, harness: Harness, database_url: str, tmp_path: Path
) -> None:
    # `harness` empties the database; this test builds its own app wired to the server under test.
    async with _harness(kind, database_url, tmp_path / kind) as (h, ws_url):
        assert h.settings.outbox_poll_seconds == Settings.model_fields["outbox_poll_seconds"].default >= 0.5
        a = await h.tenant("Alpha")
        client, got = await _subscribe(ws_url, a, f"chat:org:{a.organization_id}")
        drainer = asyncio.create_task(h.app.state.drainer.run())
        try:
            # Three leads: the first one's conversation warms the routes up (statement caches), the
            # other two are measured.
            convs: list[dict[str, Any]] = []
            for phone in ("5511988880001", "5511988880002", "5511988880003"):
                seen = len(got.items)
                resp = await h.webhook(a, p.text_message(phone=phone, text="Quero um orçamento"))
                assert resp.status_code == 200
                convs.append((await _next(got, seen, lambda d: d["type"] == "conversation_updated"))["data"])
            latencies: dict[str, list[float]] = {}
            loop = asyncio.get_running_loop()
            for conv in convs:
                conv_id: str = conv["id"]
                for name, call, check in _steps(a, conv_id, conv["currentTicketId"]):
                    # The previous event was just published: the drainer sleeps for a whole poll now.
                    seen = len(got.items)
                    started = loop.time()
                    resp = await call()
                    assert resp.status_code == 200, resp.text
                    await _next(got, seen, _conv_updated(conv_id, check))
                    latencies.setdefault(name, []).append(loop.time() - started)
            # The first conversation warms the routes up (cold statement caches); of the two measured
            # ones, the faster must be under 100 ms and neither may wait for the poll: a loaded CI
            # machine (the other test worker) can stall one request, not the wake.
            measured = {name: runs[1:] for name, runs in latencies.items()}
            print(f"{kind}: " + ", ".join(f"{n} {[round(s * 1000, 1) for s in r]} ms" for n, r in measured.items()))
            assert all(min(runs) < LIMIT_SECONDS for runs in measured.values()), measured
            assert all(max(runs) < POLL_MARGIN_SECONDS for runs in measured.values()), measured
        finally:
            drainer.cancel()
            await asyncio.gather(drainer, return_exceptions=True)
            await client.disconnect()

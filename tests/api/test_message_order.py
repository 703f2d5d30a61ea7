"""Messages of one second keep the order they arrived in.

WhatsApp stamps messages to the second, and a lead often sends several in one: the thread shows
them as they came, on every load, not in whatever order their ids happen to sort (the page is
ordered by send time, then id: ids are time-ordered, UUID version 7)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from tests.support.tenants import Harness
from whatrack.simulator import payloads as p

BURST = 12  # one order of twelve by chance: 1 in 479,001,600


async def test_a_burst_within_one_second_reads_in_arrival_order(harness: Harness) -> None:
    t = await harness.tenant("Acme")
    second = datetime(2026, 11, 30, 14, 0, 5, tzinfo=UTC)
    for i in range(BURST):  # one at a time: each its own webhook
        resp = await harness.webhook(t, p.text_message(phone="5511977770001", text=f"parte {i}", timestamp=second))
        assert resp.status_code == 200, resp.text
    conv = (await t.client.get("/api/v1/conversations")).json()["items"][0]["id"]
    page = (await t.client.get(f"/api/v1/conversations/{conv}/messages", params={"limit": 50})).json()
    assert [m["content"] for m in page["items"]] == [f"parte {i}" for i in reversed(range(BURST))]


async def test_a_burst_received_in_batches_reads_as_the_live_thread_showed_it(harness: Harness) -> None:
    """Sent together, they go into the ingest's batches; the page orders them as they were
    stored (createdAt), which is the order the web app inserted them live."""
    t = await harness.tenant("Acme")
    await harness.webhook(t, p.text_message(phone="5511977770002", text="começo"))  # the conversation exists
    second = datetime(2026, 11, 30, 14, 0, 6, tzinfo=UTC)
    payloads = [p.text_message(phone="5511977770002", text=f"lote {i}", timestamp=second) for i in range(BURST)]
    for resp in await asyncio.gather(*(harness.webhook(t, body) for body in payloads)):
        assert resp.status_code == 200, resp.text
    conv = (await t.client.get("/api/v1/conversations")).json()["items"][0]["id"]
    page = (await t.client.get(f"/api/v1/conversations/{conv}/messages", params={"limit": 50})).json()
    burst = [m for m in page["items"] if m["content"].startswith("lote")]
    assert len(burst) == BURST
    assert burst == sorted(burst, key=lambda m: m["createdAt"], reverse=True)  # newest first

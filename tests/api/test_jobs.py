"""Background jobs, run inline: inactivity close, receipt purge, outbox clean-up."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, update

from tests.support.tenants import Harness
from whatrack.jobs.worker import Worker, close_inactive_tickets
from whatrack.models import Organization, PendingReceipt, Ticket
from whatrack.simulator import payloads as p


async def test_inactive_tickets_are_resolved_and_next_message_opens_a_new_one(harness: Harness) -> None:
    t = await harness.tenant("Acme")
    await harness.webhook(t, p.text_message(phone="5511988887777", text="oi"))
    async with harness.db() as db:
        await db.execute(update(Organization).values(inactivity_timeout_minutes=60))
        # nothing is idle yet
        assert await close_inactive_tickets(db) == 0
        await db.execute(update(Ticket).values(last_activity_at=datetime.now(UTC) - timedelta(hours=2)))
    async with harness.db() as db:
        assert await close_inactive_tickets(db) == 1
    conv = (await t.client.get("/api/v1/conversations")).json()["items"][0]
    assert conv["ticketStatus"] == "RESOLVED"
    lead = (await t.client.get(f"/api/v1/leads/{conv['lead']['id']}")).json()
    assert lead["tickets"][0]["closedBy"] == "inactivity" and lead["tickets"][0]["outcome"] is None
    published = await harness.drain()
    assert any(d["type"] == "conversation_updated" and d["data"]["ticketStatus"] == "RESOLVED" for _, d in published)

    await harness.webhook(t, p.text_message(phone="5511988887777", text="voltei"))
    lead = (await t.client.get(f"/api/v1/leads/{conv['lead']['id']}")).json()
    assert [tk["status"] for tk in lead["tickets"]] == ["RESOLVED", "OPEN"]


async def test_worker_round_purges_old_receipts_and_published_outbox(harness: Harness) -> None:
    t = await harness.tenant("Acme")
    await harness.webhook(t, p.read_receipt(message_ids=["3EB0UNKNOWN0001"], state="Read"))
    await harness.drain()
    async with harness.db() as db:
        assert await db.scalar(select(func.count()).select_from(PendingReceipt)) == 1
        await db.execute(update(PendingReceipt).values(created_at=datetime.now(UTC) - timedelta(days=1)))
    worker = Worker(harness.app.state.session_factory, harness.settings)
    await worker.run_once()
    async with harness.db() as db:
        assert await db.scalar(select(func.count()).select_from(PendingReceipt)) == 0

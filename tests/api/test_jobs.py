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


async def test_a_scheduled_message_goes_out_at_its_minute_not_at_the_next_round(harness: Harness) -> None:
    """Between the 30 s housekeeping rounds the worker probes for due rows every second."""
    t = await harness.tenant("Acme")
    await harness.webhook(t, p.text_message(phone="5511988887777", text="oi"))
    conv = (await t.client.get("/api/v1/conversations")).json()["items"][0]
    send_at = datetime.now(UTC) + timedelta(minutes=10)
    resp = await t.client.post(
        "/api/v1/scheduled-messages",
        json={"conversationId": conv["id"], "content": "Lembrete", "sendAt": send_at.isoformat()},
    )
    assert resp.status_code == 201, resp.text
    clock = [send_at - timedelta(seconds=1)]
    worker = Worker(harness.app.state.session_factory, harness.settings, harness.app.state.http, clock=lambda: clock[0])
    assert await worker.send_if_due() is False
    assert harness.sim.sent_messages == []
    clock[0] = send_at + timedelta(seconds=1)
    assert await worker.send_if_due() is True
    assert [m.text for m in harness.sim.sent_messages] == ["Lembrete"]
    assert await worker.send_if_due() is False  # sent once
    assert [m.text for m in harness.sim.sent_messages] == ["Lembrete"]

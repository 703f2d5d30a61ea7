"""Rules that a mutation check found unguarded (issue 18, "Invariants no test guards today")."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from tests.support.tenants import Harness
from whatrack.jobs.worker import close_inactive_tickets
from whatrack.models import Conversation, Organization, Ticket, TicketStatus
from whatrack.simulator import payloads as p


async def test_assigning_to_a_user_of_another_organization_is_refused(harness: Harness) -> None:
    acme, beta = await harness.tenant("Acme"), await harness.tenant("Beta")
    await harness.webhook(acme, p.text_message(phone="5511988887777", text="oi"))
    conv = (await acme.client.get("/api/v1/conversations")).json()["items"][0]
    url = f"/api/v1/conversations/{conv['id']}/assign"

    refused = await acme.client.post(url, json={"userId": str(beta.user_id)})
    assert refused.status_code == 400, refused.text
    assert refused.json()["error"]["code"] == "assignee_not_member"
    async with harness.db() as db:
        assert await db.scalar(select(Conversation.assignee_id).where(Conversation.id == uuid.UUID(conv["id"]))) is None

    ok = await acme.client.post(url, json={"userId": str(acme.user_id)})  # the control: a member is fine
    assert ok.status_code == 200, ok.text
    async with harness.db() as db:
        assert (
            await db.scalar(select(Conversation.assignee_id).where(Conversation.id == uuid.UUID(conv["id"])))
            == acme.user_id
        )


async def test_an_inactivity_timeout_of_zero_means_never(harness: Harness) -> None:
    never, hourly = await harness.tenant("Never"), await harness.tenant("Hourly")
    await harness.webhook(never, p.text_message(phone="5511988887777", text="oi"))
    await harness.webhook(hourly, p.text_message(phone="5511977776666", text="oi"))
    long_ago = datetime.now(UTC) - timedelta(days=3650)
    async with harness.db() as db:
        await db.execute(
            update(Organization).where(Organization.id == never.organization_id).values(inactivity_timeout_minutes=0)
        )
        await db.execute(
            update(Organization).where(Organization.id == hourly.organization_id).values(inactivity_timeout_minutes=60)
        )
        await db.execute(update(Ticket).values(last_activity_at=long_ago))
    async with harness.db() as db:
        assert await close_inactive_tickets(db) == 1  # the hourly organization's ticket only
    async with harness.db() as db:
        statuses = {
            row.organization_id: row.status for row in await db.execute(select(Ticket.organization_id, Ticket.status))
        }
    assert statuses == {never.organization_id: TicketStatus.OPEN, hourly.organization_id: TicketStatus.RESOLVED}

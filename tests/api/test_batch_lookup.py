"""The webhook batch reads each conversation with its active ticket and assignee in one locked
statement (issue 16). The ticket row is read, not locked: these tests pin the two rules that make
that safe."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from tests.support.tenants import Harness
from whatrack.conversations import service as conversations
from whatrack.models import Conversation, Ticket, TicketStatus
from whatrack.simulator import payloads as p
from whatrack.tickets import service as tickets


async def _conversation(harness: Harness, phone: str) -> tuple[Conversation, Ticket]:
    t = await harness.tenant("Acme")
    assert (await harness.webhook(t, p.text_message(phone=phone, text="oi"))).status_code == 200
    async with harness.db() as db:
        conv = (await db.scalars(select(Conversation).where(Conversation.organization_id == t.organization_id))).one()
        ticket = (await db.scalars(select(Ticket).where(Ticket.conversation_id == conv.id))).one()
        db.expunge_all()
    return conv, ticket


async def test_a_ticket_that_disagrees_with_its_conversation_is_left_out(harness: Harness) -> None:
    conv, ticket = await _conversation(harness, "5511988880001")
    async with harness.db() as db:
        found = await conversations.lock_many(db, ids=[conv.id])
        assert [c.id for c in found.conversations] == [conv.id]
        assert found.tickets[conv.id].id == ticket.id
        # what a transition committed while the batch waited looks like to a joined, unlocked read:
        # the conversation's summary moved on, the ticket row we hold did not
        await db.execute(
            update(Conversation).where(Conversation.id == conv.id).values(ticket_status=TicketStatus.FOLLOW_UP)
        )
        found = await conversations.lock_many(db, ids=[conv.id])
        assert found.conversations[0].ticket_status == TicketStatus.FOLLOW_UP
        assert conv.id not in found.tickets  # the general path takes it (receive(), which locks the ticket)


async def test_activity_written_back_never_moves_back(harness: Harness) -> None:
    _, ticket = await _conversation(harness, "5511988880002")
    later = ticket.last_activity_at + timedelta(minutes=5)
    async with harness.db() as db:  # a concurrent writer's later activity...
        await db.execute(update(Ticket).where(Ticket.id == ticket.id).values(last_activity_at=later))
    ticket.last_activity_at += timedelta(minutes=1)  # ...and ours, computed from an older read
    async with harness.db() as db:
        await tickets.write_activity(db, [ticket])
    async with harness.db() as db:
        assert await db.scalar(select(Ticket.last_activity_at).where(Ticket.id == ticket.id)) == later
    ticket.last_activity_at = later + timedelta(minutes=1)
    async with harness.db() as db:
        await tickets.write_activity(db, [ticket])
    async with harness.db() as db:
        assert await db.scalar(select(Ticket.last_activity_at).where(Ticket.id == ticket.id)) == ticket.last_activity_at


async def test_a_redelivered_file_is_not_stored_twice(harness: Harness) -> None:
    """A re-delivery is found by the INSERT's conflict alone (no lookup first): it answers
    duplicate, announces nothing, and its file lands on the same content-addressed key."""
    t = await harness.tenant("Acme")
    media_dir = harness.app.state.settings.media_dir
    text_payload = p.text_message(phone="5511988880003", text="primeira")
    image = p.media_message(kind="image", phone="5511988880003", caption="foto")
    for payload in (text_payload, image):
        assert (await harness.webhook(t, payload)).json()["status"] == "ok"
    files = sorted(f for f in media_dir.rglob("*") if f.is_file())
    await harness.drain()
    for payload in (text_payload, image):
        again = await harness.webhook(t, payload)
        assert again.status_code == 200 and again.json()["status"] == "duplicate"
    assert sorted(f for f in media_dir.rglob("*") if f.is_file()) == files and len(files) == 1
    assert await harness.drain() == []  # nothing announced either
    async with harness.db() as db:
        assert len((await db.scalars(select(Ticket.id))).all()) == 1

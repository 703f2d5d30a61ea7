"""WhatsApp history at pairing: the simulator's phone past arrives as HistorySync webhooks after
pairing (as WuzAPI posts them) and becomes past messages of the right leads."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from tests.support.tenants import Harness, Tenant
from whatrack.demo import EmbeddedDemo
from whatrack.inbox.history import HISTORY_SOURCE
from whatrack.models import Conversation, Lead, Message, Ticket, TicketStatus
from whatrack.simulator import history_sync
from whatrack.simulator import payloads as p
from whatrack.simulator.history_sync import PastMessage
from whatrack.simulator.state import SimUser

A, A_OLD_FORM, B = "5511988887777", "551188887777", "5521977776666"
B_LID = "123456789012345@lid"


def _past(now: datetime) -> list[PastMessage]:
    day = timedelta(days=1)
    return [
        PastMessage(A, "a1", now - 20 * day, push_name="Maria"),
        PastMessage(A, "a2", now - 20 * day + timedelta(minutes=5), from_me=True),
        PastMessage(A, "a3", now - 19 * day + timedelta(hours=-2)),  # 22 h later: same ticket
        PastMessage(A, "a4", now - 5 * day),  # days later: a new ticket
        PastMessage(A_OLD_FORM, "a5", now - 1 * day),  # the same person without the ninth digit
        PastMessage(B, "b1", now - 2 * day, push_name="João", lid=B_LID),  # a chat keyed by its LID
        PastMessage(B, "g1", now - 1 * day, chat="120363000000000001@g.us"),  # a group: not a lead
        PastMessage(A, "too old", now - 40 * day),  # outside the 30 days asked
    ]


async def _pair(harness: Harness, t: Tenant, days: int) -> SimUser:
    user = harness.sim.user_by_token(t.wuzapi_token)
    assert user is not None
    user.phone_history = _past(datetime.now(UTC))
    user.logged_in = False
    resp = await t.client.patch(f"/api/v1/instances/{t.instance.id}", json={"historyDays": days})
    assert resp.status_code == 200 and resp.json()["historyDays"] == days
    assert (await t.client.post(f"/api/v1/instances/{t.instance.id}/connect")).status_code == 200
    assert user.days_to_sync_history == days  # told WuzAPI before pairing
    await harness.emitter.pair(user)
    await harness.drain()
    return user


async def _state(harness: Harness, t: Tenant) -> dict[str, list[tuple[str, str, str]]]:
    """lead phone -> [(content, ticket number + status + source, message status)] in time order."""
    async with harness.db() as db:
        rows = (
            await db.execute(
                select(Lead.phone, Message.content, Ticket.number, Ticket.status, Ticket.source, Message.status)
                .join(Conversation, Conversation.lead_id == Lead.id)
                .join(Message, Message.conversation_id == Conversation.id)
                .join(Ticket, Ticket.id == Message.ticket_id)
                .where(Lead.organization_id == t.organization_id)
                .order_by(Message.sent_at)
            )
        ).all()
    out: dict[str, list[tuple[str, str, str]]] = {}
    for phone, content, number, status, source, msg_status in rows:
        out.setdefault(str(phone), []).append((str(content), f"{number} {status.value} {source}", msg_status.value))
    return out


async def test_history_at_pairing_lands_in_the_right_leads_quietly(harness: Harness) -> None:
    t = await harness.tenant("Acme")
    async with harness.recording() as published:
        user = await _pair(harness, t, 30)
    kinds = {d.get("type") for _, d in published}
    assert "new_message" not in kinds  # no notifications, no flood of messages
    assert "conversation_updated" in kinds  # the list shows the conversations

    first = await _state(harness, t)
    r = f"RESOLVED {HISTORY_SOURCE}"
    assert first == {
        f"+{A}": [
            # tickets cut by 24 h of inactivity, numbered as the chunks came (the recent one first)
            ("a1", f"2 {r}", "DELIVERED"),
            ("a2", f"2 {r}", "READ"),  # our message, as far as WhatsApp told
            ("a3", f"2 {r}", "DELIVERED"),
            ("a4", f"3 {r}", "DELIVERED"),
            ("a5", f"1 {r}", "DELIVERED"),
        ],
        f"+{B}": [("b1", f"1 {r}", "DELIVERED")],
    }
    convs = (await t.client.get("/api/v1/conversations")).json()["items"]
    assert sorted((c["lead"]["phone"], c["unreadCount"]) for c in convs) == [(f"+{A}", 0), (f"+{B}", 0)]
    async with harness.db() as db:
        lead_b = await db.scalar(select(Lead).where(Lead.organization_id == t.organization_id, Lead.phone == f"+{B}"))
        assert lead_b is not None and lead_b.lid == B_LID  # the LID alias is kept, as for live traffic

    # a second delivery of every chunk (WuzAPI retries, a re-pairing) changes nothing
    for chunk in history_sync.chunks(user.phone_history, 30):
        await harness.emitter.emit(user, chunk)
    await harness.drain()
    assert await _state(harness, t) == first


async def test_live_traffic_keeps_its_open_ticket_and_unread_count(harness: Harness) -> None:
    t = await harness.tenant("Acme")
    user = harness.sim.user_by_token(t.wuzapi_token)
    assert user is not None
    await harness.emitter.emit(user, p.text_message(text="oi, ainda aí?", phone=A))
    await _pair(harness, t, 30)
    state = await _state(harness, t)
    assert [c for c, _, _ in state[f"+{A}"]] == ["a1", "a2", "a3", "a4", "a5", "oi, ainda aí?"]
    assert state[f"+{A}"][-1][1] == "1 OPEN whatsapp"  # the live ticket stays the open one
    convs = (await t.client.get("/api/v1/conversations")).json()["items"]
    row = next(c for c in convs if c["lead"]["phone"] == f"+{A}")
    assert (row["unreadCount"], row["lastMessagePreview"]) == (1, "oi, ainda aí?")
    async with harness.db() as db:
        open_tickets = await db.scalars(select(Ticket).where(Ticket.status == TicketStatus.OPEN))
        assert len(open_tickets.all()) == 1


async def test_history_days_zero_ignores_what_whatsapp_sends_anyway(harness: Harness) -> None:
    t = await harness.tenant("Acme")
    await _pair(harness, t, 0)  # WhatsApp still sends its small bootstrap: not imported
    assert harness.sim.webhooks[-1].event_type == "HistorySync"
    assert await _state(harness, t) == {}


async def test_history_days_is_validated(harness: Harness) -> None:
    t = await harness.tenant("Acme")
    for bad in (-1, 366, "x"):
        resp = await t.client.patch(f"/api/v1/instances/{t.instance.id}", json={"historyDays": bad})
        assert resp.status_code == 422
    read = (await t.client.get(f"/api/v1/instances/{t.instance.id}")).json()
    assert (read["historyDays"], read["name"]) == (0, "Acme WhatsApp")


async def test_the_demo_number_comes_with_weeks_of_chats(harness: Harness) -> None:
    """`make run`'s demo: its number arrives 'paired' with history, sent as HistorySync webhooks."""
    t = await harness.tenant("Acme")
    demo = EmbeddedDemo(harness.settings)
    demo.emitter._client = harness.anon  # the app, in process
    demo.director.start = lambda: None  # type: ignore[method-assign]  # no live demo traffic here
    factory = harness.app.state.session_factory
    await demo.start(factory)
    await demo.state.drain()
    await harness.drain()
    kinds = [w.event_type for w in demo.state.webhooks]
    assert kinds and set(kinds) == {"HistorySync"}
    convs = (await t.client.get("/api/v1/conversations")).json()["items"]
    assert sorted(c["lead"]["phone"] for c in convs) == ["+5511987651001", "+5521998762002", "+5531976543003"]
    assert all(c["unreadCount"] == 0 for c in convs)
    count = len(await _all_messages(harness))
    assert count == 7
    await demo.stop()
    again = EmbeddedDemo(harness.settings)  # a restart: the demo number exists, no history again
    again.emitter._client = harness.anon
    again.director.start = lambda: None  # type: ignore[method-assign]
    await again.start(factory)
    await again.state.drain()
    assert again.state.webhooks == [] and len(await _all_messages(harness)) == 7
    await again.stop()


async def _all_messages(harness: Harness) -> list[Message]:
    async with harness.db() as db:
        return list((await db.scalars(select(Message))).all())

"""Follow-up sequences and scheduled messages: the job sends each due row exactly once through
the normal send path; a lead's reply or reaction cancels; the sequence's end resolves the ticket.
The jobs take their time as an argument: the tests move the clock, nothing sleeps."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from tests.support.tenants import Harness, Tenant
from whatrack.db import create_engine, create_session_factory
from whatrack.followups import jobs
from whatrack.inbox.send import DISCONNECTED, SendContext
from whatrack.models import FollowUpSequence, Message, ScheduledMessage, SenderType, Ticket
from whatrack.realtime import ephemeral
from whatrack.simulator import payloads as p

PHONE = "5511988887777"
STEPS = [
    {"delayMinutes": 60, "content": "Oi {primeiro_nome}, aqui é {atendente}. Conseguiu ver a proposta?"},
    {"delayMinutes": 1440, "content": "{nome}, ainda tem interesse?"},
    {"delayMinutes": 2880, "content": "Última tentativa!"},
]


def ctx(harness: Harness) -> SendContext:
    s = harness.app.state
    return SendContext(s.session_factory, s.http, media(harness), harness.settings.wuzapi_timeout_seconds)


def media(harness: Harness) -> Any:
    """The app's media store (the media directory before the store existed)."""
    return getattr(harness.app.state, "media", None) or harness.settings.media_dir


def sent_texts(harness: Harness) -> list[str]:
    """What WhatsApp accepted (the simulator's count), in order."""
    return [m.text for m in harness.sim.sent_messages]


def sim_user(harness: Harness, t: Tenant) -> Any:
    return next(u for u in harness.sim.users.values() if u.token == t.wuzapi_token)


def at(value: str, **delta: float) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00")) + timedelta(**delta)


async def conversation(harness: Harness, t: Tenant, phone: str = PHONE, name: str = "Maria Souza") -> dict[str, Any]:
    resp = await harness.webhook(t, p.text_message(phone=phone, push_name=name, text="Quero um orçamento"))
    assert resp.status_code == 200, resp.text
    items = (await t.client.get("/api/v1/conversations", params={"q": phone[-6:]})).json()["items"]
    assert len(items) == 1
    item: dict[str, Any] = items[0]
    return item


async def sequence(t: Tenant, steps: list[dict[str, Any]] | None = None, final_wait: int = 1440) -> dict[str, Any]:
    body = {"name": "Proposta", "steps": steps or STEPS, "finalWaitMinutes": final_wait}
    resp = await t.client.post("/api/v1/follow-up-sequences", json=body)
    assert resp.status_code == 201, resp.text
    out: dict[str, Any] = resp.json()
    return out


async def start(t: Tenant, conv: dict[str, Any], seq: dict[str, Any]) -> dict[str, Any]:
    resp = await t.client.post(f"/api/v1/tickets/{conv['currentTicketId']}/follow-up", json={"sequenceId": seq["id"]})
    assert resp.status_code == 200, resp.text
    out: dict[str, Any] = resp.json()
    return out


async def listed(t: Tenant, conv: dict[str, Any]) -> dict[str, Any]:
    items = (await t.client.get("/api/v1/conversations")).json()["items"]
    found: dict[str, Any] = next(c for c in items if c["id"] == conv["id"])
    return found


async def thread(t: Tenant, conv: dict[str, Any]) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = (await t.client.get(f"/api/v1/conversations/{conv['id']}/messages")).json()["items"]
    return items


def system_kinds(msgs: list[dict[str, Any]]) -> list[str]:
    return [
        m["metadata"]["system"]["kind"] for m in sorted(msgs, key=lambda m: m["sentAt"]) if m["senderType"] == "SYSTEM"
    ]


async def test_whole_sequence_is_sent_once_then_the_ticket_resolves(harness: Harness) -> None:
    t = await harness.tenant("Acme")
    conv = await conversation(harness, t)
    seq = await sequence(t)
    plan = await start(t, conv, seq)
    assert plan["status"] == "FOLLOW_UP" and plan["followUpEnabled"] and plan["currentFollowUpStep"] == 0
    due = [s["sendAt"] for s in plan["scheduled"]]
    assert [s["step"] for s in plan["scheduled"]] == [0, 1, 2]
    assert at(due[1]) - at(due[0]) == timedelta(minutes=1440)
    assert (await listed(t, conv))["ticketStatus"] == "FOLLOW_UP"
    # the list row follows live
    published = await harness.drain()
    assert any(d["type"] == "conversation_updated" and d["data"]["ticketStatus"] == "FOLLOW_UP" for _, d in published)

    assert (await jobs.run_once(ctx(harness), at(due[0], seconds=-1))).sent == 0
    assert sent_texts(harness) == []
    assert (await jobs.run_once(ctx(harness), at(due[0], seconds=1))).sent == 1
    assert sent_texts(harness) == ["Oi Maria, aqui é Acme Agent. Conseguiu ver a proposta?"]
    assert (await jobs.run_once(ctx(harness), at(due[0], seconds=2))).sent == 0  # exactly once
    follow = (await t.client.get(f"/api/v1/tickets/{conv['currentTicketId']}/follow-up")).json()
    assert follow["currentFollowUpStep"] == 1 and follow["scheduled"][0]["status"] == "SENT"

    await jobs.run_once(ctx(harness), at(due[1], seconds=1))
    await jobs.run_once(ctx(harness), at(due[2], seconds=1))
    assert sent_texts(harness)[1:] == ["Maria Souza, ainda tem interesse?", "Última tentativa!"]
    follow = (await t.client.get(f"/api/v1/tickets/{conv['currentTicketId']}/follow-up")).json()
    assert follow["currentFollowUpStep"] == 3 and follow["status"] == "FOLLOW_UP"
    assert at(follow["endsAt"]) == at(due[2], seconds=1, minutes=1440)

    # silence for less than the final wait: still in follow-up; then resolved by the rule
    assert (await jobs.run_once(ctx(harness), at(due[2], minutes=1439))).completed == 0
    assert (await jobs.run_once(ctx(harness), at(due[2], minutes=1441))).completed == 1
    ticket = (await t.client.get(f"/api/v1/leads/{conv['lead']['id']}")).json()["tickets"][0]
    assert ticket["status"] == "RESOLVED" and ticket["closedBy"] == "follow_up" and ticket["outcome"] == "no_response"
    assert (await listed(t, conv))["ticketStatus"] == "RESOLVED"
    msgs = await thread(t, conv)
    assert system_kinds(msgs) == ["follow_up_started", "follow_up_completed"]
    followups = [m for m in msgs if m["metadata"].get("scheduledId")]
    assert len(followups) == 3 and all(m["status"] != "FAILED" and m["senderType"] == "USER" for m in followups)
    assert len(harness.sim.requests_to("/chat/send/text")) == 3  # SYSTEM lines never reach WhatsApp


async def test_a_lead_reply_cancels_the_steps_but_not_a_scheduled_message(harness: Harness) -> None:
    t = await harness.tenant("Acme")
    conv = await conversation(harness, t)
    plan = await start(t, conv, await sequence(t))
    later = (datetime.now(UTC) + timedelta(hours=2)).isoformat()
    scheduled = await t.client.post(
        "/api/v1/scheduled-messages", json={"conversationId": conv["id"], "content": "Lembrete", "sendAt": later}
    )
    assert scheduled.status_code == 201, scheduled.text
    await jobs.run_once(ctx(harness), at(plan["scheduled"][0]["sendAt"], seconds=1))
    assert len(sent_texts(harness)) == 1

    resp = await harness.webhook(t, p.text_message(phone=PHONE, text="Vi sim, pode mandar"))
    assert resp.status_code == 200
    follow = (await t.client.get(f"/api/v1/tickets/{conv['currentTicketId']}/follow-up")).json()
    assert follow["status"] == "OPEN" and not follow["followUpEnabled"]
    assert [s["status"] for s in follow["scheduled"]] == ["SENT", "CANCELLED", "CANCELLED"]
    assert (await listed(t, conv))["ticketStatus"] == "OPEN"
    assert system_kinds(await thread(t, conv)) == ["follow_up_started", "follow_up_cancelled"]

    far = at(plan["scheduled"][2]["sendAt"], days=3)
    result = await jobs.run_once(ctx(harness), far)
    assert (result.sent, result.completed) == (1, 0)
    assert sent_texts(harness)[1:] == ["Lembrete"]  # the agent's scheduled message went; no step did
    assert (await jobs.run_once(ctx(harness), far)).sent == 0


async def test_a_lead_reaction_cancels(harness: Harness) -> None:
    t = await harness.tenant("Acme")
    conv = await conversation(harness, t)
    plan = await start(t, conv, await sequence(t))
    await jobs.run_once(ctx(harness), at(plan["scheduled"][0]["sendAt"], seconds=1))
    ours = next(m for m in await thread(t, conv) if m["metadata"].get("scheduledId"))
    resp = await harness.webhook(t, p.reaction_message(target_id=ours["externalId"], phone=PHONE, emoji="👍"))
    assert resp.status_code == 200
    follow = (await t.client.get(f"/api/v1/tickets/{conv['currentTicketId']}/follow-up")).json()
    assert follow["status"] == "OPEN" and [s["status"] for s in follow["scheduled"]] == [
        "SENT",
        "CANCELLED",
        "CANCELLED",
    ]
    assert (await listed(t, conv))["ticketStatus"] == "OPEN"
    await jobs.run_once(ctx(harness), at(plan["scheduled"][2]["sendAt"], days=3))
    assert len(sent_texts(harness)) == 1


async def test_restart_mid_sequence_resumes_and_never_sends_twice(harness: Harness) -> None:
    t = await harness.tenant("Acme")
    conv = await conversation(harness, t)
    plan = await start(t, conv, await sequence(t))
    rows = plan["scheduled"]
    await jobs.run_once(ctx(harness), at(rows[0]["sendAt"], seconds=1))

    # step 1: WuzAPI sent it, then the process died before the row learnt it
    now = at(rows[1]["sendAt"], seconds=1)
    claim = await jobs.claim_one(ctx(harness), uuid.UUID(rows[1]["id"]), uuid.UUID(conv["id"]), now)
    assert claim is not None
    from whatrack.inbox.send import dispatch

    await dispatch(ctx(harness), claim.message_id)
    assert len(sent_texts(harness)) == 2
    # a restarted worker: nothing is sent again while the lease holds, nor after
    assert (await jobs.run_once(ctx(harness), now + timedelta(minutes=1))).sent == 0
    await jobs.run_once(ctx(harness), now + jobs.LEASE + timedelta(seconds=1))
    assert len(sent_texts(harness)) == 2
    follow = (await t.client.get(f"/api/v1/tickets/{conv['currentTicketId']}/follow-up")).json()
    assert [s["status"] for s in follow["scheduled"]] == ["SENT", "SENT", "PENDING"]
    assert follow["currentFollowUpStep"] == 2

    # step 2: the process died after committing the message PENDING, before calling WuzAPI:
    # the outcome is unknown, so it is not sent (FAILED with the reason) and the follow-up stops
    now = at(rows[2]["sendAt"], seconds=1)
    assert await jobs.claim_one(ctx(harness), uuid.UUID(rows[2]["id"]), uuid.UUID(conv["id"]), now) is not None
    await jobs.run_once(ctx(harness), now + jobs.LEASE + timedelta(seconds=1))
    assert len(sent_texts(harness)) == 2
    follow = (await t.client.get(f"/api/v1/tickets/{conv['currentTicketId']}/follow-up")).json()
    assert follow["scheduled"][2]["status"] == "FAILED" and follow["scheduled"][2]["error"] == jobs.INTERRUPTED
    assert follow["status"] == "OPEN"


async def test_whatsapp_down_then_up_sends_once(harness: Harness) -> None:
    t = await harness.tenant("Acme")
    conv = await conversation(harness, t)
    plan = await start(t, conv, await sequence(t))
    due = at(plan["scheduled"][0]["sendAt"])
    sim_user(harness, t).failures.no_session = True
    result = await jobs.run_once(ctx(harness), due + timedelta(seconds=1))
    assert (result.sent, result.retrying) == (0, 1)
    failed = next(m for m in await thread(t, conv) if m["metadata"].get("scheduledId"))
    assert failed["status"] == "FAILED" and failed["error"] == DISCONNECTED  # visible in the chat
    assert (await jobs.run_once(ctx(harness), due + timedelta(seconds=30))).retrying == 0  # backing off

    sim_user(harness, t).failures.no_session = False
    result = await jobs.run_once(ctx(harness), due + timedelta(minutes=2))
    assert result.sent == 1
    msgs = [m for m in await thread(t, conv) if m["metadata"].get("scheduledId")]
    assert len(msgs) == 1 and msgs[0]["id"] == failed["id"] and msgs[0]["status"] != "FAILED"
    assert len(sent_texts(harness)) == 1
    assert (await jobs.run_once(ctx(harness), due + timedelta(hours=1))).sent == 0


async def test_whatsapp_down_for_good_fails_with_the_reason_and_stops(harness: Harness) -> None:
    t = await harness.tenant("Acme")
    conv = await conversation(harness, t)
    plan = await start(t, conv, await sequence(t))
    now = at(plan["scheduled"][0]["sendAt"], seconds=1)
    sim_user(harness, t).failures.no_session = True
    for _ in range(len(jobs.BACKOFF) + 1):
        await jobs.run_once(ctx(harness), now)
        now += timedelta(hours=2)
    follow = (await t.client.get(f"/api/v1/tickets/{conv['currentTicketId']}/follow-up")).json()
    first = follow["scheduled"][0]
    assert first["status"] == "FAILED" and first["error"] == DISCONNECTED and first["attempts"] == len(jobs.BACKOFF) + 1
    assert follow["status"] == "OPEN" and [s["status"] for s in follow["scheduled"][1:]] == ["CANCELLED", "CANCELLED"]
    sim_user(harness, t).failures.no_session = False
    await jobs.run_once(ctx(harness), now + timedelta(days=10))
    assert sent_texts(harness) == []
    assert system_kinds(await thread(t, conv))[-1] == "follow_up_cancelled"


async def test_two_workers_racing_send_each_row_exactly_once(harness: Harness) -> None:
    """Two workers claim the same due rows at once: on PostgreSQL two processes (two engines),
    the rows locked FOR UPDATE SKIP LOCKED; SQLite is single-process (one connection, writers
    serialised), so there the two rounds run as two tasks of the one process."""
    t = await harness.tenant("Acme")
    convs = [await conversation(harness, t, f"55119777{i:05d}", f"Lead {i}") for i in range(12)]
    due = datetime.now(UTC) + timedelta(minutes=5)
    for i, conv in enumerate(convs):
        for k in range(2):
            resp = await t.client.post(
                "/api/v1/scheduled-messages",
                json={"conversationId": conv["id"], "content": f"m{i}-{k}", "sendAt": due.isoformat()},
            )
            assert resp.status_code == 201
    pg = harness.settings.database_url.startswith("postgresql")
    engine = create_engine(harness.settings.database_url)
    try:
        other = SendContext(
            create_session_factory(engine, ephemeral.session_info(harness.app.state.publisher))
            if pg
            else harness.app.state.session_factory,
            harness.app.state.http,
            media(harness),
            harness.settings.wuzapi_timeout_seconds,
        )
        now = due + timedelta(seconds=1)
        a, b = await asyncio.gather(jobs.send_due(ctx(harness), now), jobs.send_due(other, now))
    finally:
        await engine.dispose()
    assert a.sent + b.sent == 24
    texts = sent_texts(harness)
    assert sorted(texts) == sorted(f"m{i}-{k}" for i in range(12) for k in range(2))
    async with harness.db() as db:
        rows = (await db.scalars(select(ScheduledMessage))).all()
        assert {r.status.value for r in rows} == {"SENT"}
        assert len({r.message_id for r in rows}) == 24


async def _counts(harness: Harness) -> tuple[int, int, int]:
    async with harness.db() as db:
        return (
            await db.scalar(select(func.count()).select_from(FollowUpSequence)) or 0,
            await db.scalar(select(func.count()).select_from(ScheduledMessage)) or 0,
            await db.scalar(select(func.count()).select_from(Message).where(Message.sender_type == SenderType.SYSTEM))
            or 0,
        )


async def test_bad_input_answers_a_specific_code_and_writes_nothing(harness: Harness) -> None:
    t = await harness.tenant("Acme")
    other = await harness.tenant("Other")
    conv = await conversation(harness, t)
    seq = await sequence(t)
    foreign = await sequence(other)
    ticket = conv["currentTicketId"]
    before = await _counts(harness)
    now = datetime.now(UTC)

    def step(delay: int) -> dict[str, Any]:
        return {"name": "x", "steps": [{"delayMinutes": delay, "content": "oi"}]}

    cases: list[tuple[str, str, dict[str, Any], int, str]] = [
        ("post", "/api/v1/follow-up-sequences", {"name": "x", "steps": []}, 400, "follow_up_sequence_no_steps"),
        ("post", "/api/v1/follow-up-sequences", step(0), 400, "follow_up_delay_invalid"),
        ("post", "/api/v1/follow-up-sequences", step(-5), 400, "follow_up_delay_invalid"),
        ("post", "/api/v1/follow-up-sequences", step(365 * 24 * 60 + 1), 400, "follow_up_delay_invalid"),
        (
            "post",
            "/api/v1/follow-up-sequences",
            {"name": "x", "steps": [{"delayMinutes": 5, "content": "  "}]},
            400,
            "follow_up_step_empty",
        ),
        ("patch", f"/api/v1/follow-up-sequences/{seq['id']}", {"steps": []}, 400, "follow_up_sequence_no_steps"),
        (
            "post",
            f"/api/v1/tickets/{ticket}/follow-up",
            {"sequenceId": foreign["id"]},
            404,
            "follow_up_sequence_not_found",
        ),
        ("get", f"/api/v1/follow-up-sequences/{foreign['id']}", {}, 404, "follow_up_sequence_not_found"),
        (
            "post",
            "/api/v1/scheduled-messages",
            {"conversationId": conv["id"], "content": "x", "sendAt": (now - timedelta(minutes=1)).isoformat()},
            400,
            "send_at_in_past",
        ),
        (
            "post",
            "/api/v1/scheduled-messages",
            {"conversationId": conv["id"], "content": "x", "sendAt": (now + timedelta(days=400)).isoformat()},
            400,
            "send_at_too_far",
        ),
    ]
    for method, url, body, status, code in cases:
        resp = await getattr(t.client, method)(url, **({"json": body} if method != "get" else {}))
        assert (resp.status_code, resp.json()["error"]["code"]) == (status, code), (url, body, resp.text)
    assert await _counts(harness) == before

    # already in FOLLOW_UP
    await start(t, conv, seq)
    before = await _counts(harness)
    again = await t.client.post(f"/api/v1/tickets/{ticket}/follow-up", json={"sequenceId": seq["id"]})
    assert (again.status_code, again.json()["error"]["code"]) == (409, "ticket_in_follow_up")
    # in use: archived, not deleted
    deleted = await t.client.delete(f"/api/v1/follow-up-sequences/{seq['id']}")
    assert (deleted.status_code, deleted.json()["error"]["code"]) == (409, "follow_up_sequence_in_use")
    assert await _counts(harness) == before
    archived = await t.client.patch(f"/api/v1/follow-up-sequences/{seq['id']}", json={"archived": True})
    assert archived.status_code == 200 and archived.json()["archived"] and archived.json()["inUse"]
    assert [s["id"] for s in (await t.client.get("/api/v1/follow-up-sequences")).json()["items"]] == []

    # a RESOLVED ticket; an archived sequence
    closed = await t.client.post(f"/api/v1/tickets/{ticket}/close", json={"outcome": "other"})
    assert closed.status_code == 200
    fresh = await sequence(t)
    before = await _counts(harness)
    resp = await t.client.post(f"/api/v1/tickets/{ticket}/follow-up", json={"sequenceId": fresh["id"]})
    assert (resp.status_code, resp.json()["error"]["code"]) == (409, "ticket_already_resolved")
    resp = await t.client.post(f"/api/v1/tickets/{ticket}/follow-up", json={"sequenceId": seq["id"]})
    assert (resp.status_code, resp.json()["error"]["code"]) == (409, "follow_up_sequence_archived")
    assert await _counts(harness) == before
    # closing cancelled the pending steps
    async with harness.db() as db:
        statuses = {r.status.value for r in (await db.scalars(select(ScheduledMessage))).all()}
        assert statuses == {"CANCELLED"}
        closed_ticket = await db.get(Ticket, uuid.UUID(ticket))
        assert closed_ticket is not None and closed_ticket.closed_by_user_id == t.user_id
    # an unused sequence can be deleted
    assert (await t.client.delete(f"/api/v1/follow-up-sequences/{fresh['id']}")).status_code == 204


async def test_scheduled_message_edit_cancel_and_agents_cannot_manage_sequences(harness: Harness) -> None:
    t = await harness.tenant("Acme")
    conv = await conversation(harness, t)
    send_at = datetime.now(UTC) + timedelta(hours=1)
    created = (
        await t.client.post(
            "/api/v1/scheduled-messages",
            json={"conversationId": conv["id"], "content": "Bom dia", "sendAt": send_at.isoformat()},
        )
    ).json()
    edited = await t.client.patch(f"/api/v1/scheduled-messages/{created['id']}", json={"content": "Boa tarde"})
    assert edited.status_code == 200 and edited.json()["content"] == "Boa tarde"
    pending = (await t.client.get("/api/v1/scheduled-messages", params={"conversationId": conv["id"]})).json()
    assert [x["content"] for x in pending["items"]] == ["Boa tarde"]
    cancelled = await t.client.delete(f"/api/v1/scheduled-messages/{created['id']}")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "CANCELLED"
    again = await t.client.patch(f"/api/v1/scheduled-messages/{created['id']}", json={"content": "x"})
    assert (again.status_code, again.json()["error"]["code"]) == (409, "scheduled_message_not_pending")
    assert (await jobs.run_once(ctx(harness), send_at + timedelta(minutes=1))).sent == 0

    from whatrack.models import Role

    agent = await harness.tenant("Agents", role=Role.AGENT)
    resp = await agent.client.post("/api/v1/follow-up-sequences", json={"name": "x", "steps": STEPS})
    assert (resp.status_code, resp.json()["error"]["code"]) == (403, "admin_required")

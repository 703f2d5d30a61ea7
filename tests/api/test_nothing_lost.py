"""Issue 18, "Nothing lost": overload sheds at once, sends never stuck PENDING nor sent twice,
and the two invariants (PENDING committed before WuzAPI; two receivers of one webhook)."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select, text, update
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.conftest import empty_tables
from tests.support.tenants import Harness, Tenant
from whatrack.db import create_engine, create_session_factory, utcnow
from whatrack.inbox.ingest import Delivery, Ingestor
from whatrack.jobs.worker import Worker
from whatrack.models import Message, MessageStatus
from whatrack.observability import WEBHOOK_SHED
from whatrack.simulator import payloads as p
from whatrack.storage import LocalStore

PHONE = "5511988887777"


async def _conversation(harness: Harness, t: Tenant) -> dict[str, Any]:
    await harness.webhook(t, p.text_message(phone=PHONE, text="Oi"))
    item: dict[str, Any] = (await t.client.get("/api/v1/conversations")).json()["items"][0]
    return item


def _sim_user(harness: Harness, t: Tenant):  # type: ignore[no-untyped-def]
    return next(u for u in harness.sim.users.values() if u.token == t.wuzapi_token)


async def _sent(harness: Harness, count: int) -> None:
    """Until the simulator has accepted `count` sends (it may hold its answer)."""
    reached = asyncio.Event()

    def listener(*_: object) -> None:
        if len(harness.sim.sent_messages) >= count:
            reached.set()

    harness.sim.send_listeners.append(listener)
    listener()
    try:
        await asyncio.wait_for(reached.wait(), timeout=10)
    finally:
        harness.sim.send_listeners.remove(listener)


def _delivery(t: Tenant, payload: dict[str, Any]) -> Delivery:
    raw = httpx.Request("POST", "http://x", json=payload).content
    return Delivery(t.instance.id, raw, "application/json", None, t.instance.webhook_secret)


@pytest.fixture
async def slow(database_url: str, cleaner_engines: dict[str, AsyncEngine], tmp_path: Path) -> AsyncIterator[Harness]:
    """The harness with a WuzAPI timeout short enough for the simulator to miss it."""
    engine = cleaner_engines.get(database_url)
    if engine is None:
        engine = cleaner_engines[database_url] = create_engine(database_url)
    await empty_tables(engine)
    async with Harness.start(database_url, tmp_path, wuzapi_timeout_seconds=0.3) as h:
        yield h
        await h.sim.cancel_all()  # receipts scheduled an hour away


# --------------------------------------------------------------------------- 2. overload


async def test_full_queue_answers_503_with_retry_after_at_once(harness: Harness) -> None:
    t = await harness.tenant("Busy")
    ingestor: Ingestor = harness.app.state.ingestor
    await ingestor.stop()  # nothing drains: deliveries stay queued
    ingestor._queue_max = 2
    shed_before = WEBHOOK_SHED._value.get()
    waiting = [asyncio.create_task(ingestor.submit(_delivery(t, p.text_message(text=f"m{i}")))) for i in range(2)]
    await asyncio.sleep(0)  # both taken (queued), none answered
    assert ingestor.in_flight == 2
    # the third is refused at once: no waiting behind a queue that cannot drain
    resp = await asyncio.wait_for(harness.webhook(t, p.text_message(text="m2")), timeout=2)
    assert resp.status_code == 503, resp.text
    assert resp.headers["Retry-After"] == "5"
    assert resp.json()["error"]["code"] == "overloaded"
    assert WEBHOOK_SHED._value.get() == shed_before + 1
    ingestor.start()
    assert [(await w).status for w in waiting] == ["ok", "ok"]
    # and it goes through when sent again
    assert (await harness.webhook(t, p.text_message(text="m2"))).status_code == 200
    async with harness.db() as db:
        assert len((await db.scalars(select(Message))).all()) == 3


# --------------------------------------------------------------------------- invariant (a)


async def test_pending_is_committed_before_wuzapi_is_called(harness: Harness) -> None:
    t = await harness.tenant("Acme")
    conv = await _conversation(harness, t)
    held = asyncio.Event()
    _sim_user(harness, t).failures.hold_answers = held
    harness.sim.delivered_delay = harness.sim.read_delay = 3600  # nothing but the answer moves it
    sent = _sent(harness, 1)
    send = asyncio.create_task(
        t.client.post("/api/v1/whatsapp/messages", json={"conversationId": conv["id"], "content": "em voo"})
    )
    await sent  # WuzAPI has the call...
    # ...and another connection (another session, not the app's) already sees the PENDING row
    other = create_engine(harness.settings.database_url)
    try:
        async with other.connect() as conn:
            row = (
                await conn.execute(
                    text("SELECT status, external_id FROM messages WHERE content = 'em voo'"),
                )
            ).one()
    finally:
        await other.dispose()
    assert row[0] == "PENDING"
    assert row[1] == harness.sim.requests_to("/chat/send/text")[-1].json["Id"]
    held.set()
    assert (await send).json()["status"] == "SENT"
    await harness.sim.cancel_all()


# --------------------------------------------------------------------------- 4. slow WuzAPI


async def test_timeout_is_unknown_and_a_retry_reuses_the_whatsapp_id(slow: Harness) -> None:
    harness = slow
    t = await harness.tenant("Slow")
    conv = await _conversation(harness, t)
    user = _sim_user(harness, t)
    user.failures.answer_delay_seconds = 1.0
    harness.sim.delivered_delay = harness.sim.read_delay = 3600  # no receipt settles it
    resp = await t.client.post(
        "/api/v1/whatsapp/messages", json={"conversationId": conv["id"], "content": "devagar", "clientId": "s-1"}
    )
    msg = resp.json()
    # it went out (WuzAPI sent it), we just do not know: not FAILED
    assert msg["status"] == "UNKNOWN", msg
    assert len(harness.sim.sent_messages) == 1
    first_id = harness.sim.sent_messages[0].id
    assert first_id == msg["externalId"]
    user.failures.answer_delay_seconds = 0
    again = (await t.client.post(f"/api/v1/whatsapp/messages/{msg['id']}/retry")).json()
    assert again["status"] == "SENT" and again["externalId"] == first_id
    # never a second WhatsApp id for one message
    assert {s.id for s in harness.sim.sent_messages} == {first_id}


async def test_unknown_is_settled_by_a_receipt_and_then_not_sent_again(slow: Harness) -> None:
    harness = slow
    t = await harness.tenant("Slow")
    conv = await _conversation(harness, t)
    user = _sim_user(harness, t)
    user.failures.answer_delay_seconds = 1.0
    harness.sim.delivered_delay, harness.sim.read_delay = 0.5, 0.6
    msg = (
        await t.client.post(
            "/api/v1/whatsapp/messages", json={"conversationId": conv["id"], "content": "x", "clientId": "s-2"}
        )
    ).json()
    assert msg["status"] == "UNKNOWN"
    await harness.sim.drain()  # the simulator's receipts for that id arrive by webhook
    async with harness.db() as db:
        row = await db.get(Message, uuid.UUID(msg["id"]))
        assert row is not None and row.status == MessageStatus.READ
    # a browser re-send with the same clientId does not send it again
    same = (
        await t.client.post(
            "/api/v1/whatsapp/messages", json={"conversationId": conv["id"], "content": "x", "clientId": "s-2"}
        )
    ).json()
    assert same["id"] == msg["id"] and same["status"] == "READ"
    assert len(harness.sim.sent_messages) == 1


# --------------------------------------------------------------------------- 3. interrupted sends


async def _kill_mid_send(harness: Harness, t: Tenant, conv: dict[str, Any], client_id: str) -> uuid.UUID:
    """A PENDING message whose sending process died: dispatched long ago, never answered."""
    held = asyncio.Event()
    _sim_user(harness, t).failures.hold_answers = held
    harness.sim.delivered_delay = harness.sim.read_delay = 3600  # no receipt will tell
    sent = _sent(harness, len(harness.sim.sent_messages) + 1)
    send = asyncio.create_task(
        t.client.post(
            "/api/v1/whatsapp/messages", json={"conversationId": conv["id"], "content": "morreu", "clientId": client_id}
        )
    )
    await sent
    send.cancel()  # the process is gone: nobody records the outcome
    with contextlib.suppress(asyncio.CancelledError):
        await send
    await harness.sim.cancel_all()
    harness.sim.delivered_delay, harness.sim.read_delay = 0.01, 0.02
    _sim_user(harness, t).failures.hold_answers = None
    held.set()
    async with harness.db() as db:
        msg = await db.scalar(select(Message).where(Message.client_id == client_id))
        assert msg is not None and msg.status == MessageStatus.PENDING
        long_ago = utcnow() - timedelta(seconds=harness.settings.wuzapi_timeout_seconds + 61)
        await db.execute(update(Message).where(Message.id == msg.id).values(dispatched_at=long_ago))
        return msg.id


async def test_worker_marks_interrupted_sends_failed(harness: Harness) -> None:
    t = await harness.tenant("Acme")
    conv = await _conversation(harness, t)
    stuck = await _kill_mid_send(harness, t, conv, "k-1")
    # one in flight right now is left alone
    async with harness.db() as db:
        fresh = await db.get(Message, stuck)
        assert fresh is not None
    await Worker(harness.app.state.session_factory, harness.settings).run_once()
    msgs = (await t.client.get(f"/api/v1/conversations/{conv['id']}/messages")).json()["items"]
    row = next(m for m in msgs if m["id"] == str(stuck))
    assert row["status"] == "FAILED" and row["error"] == "interrupted"
    # and it can be sent again, with its WhatsApp id
    sent_before = [s.id for s in harness.sim.sent_messages]
    again = (await t.client.post(f"/api/v1/whatsapp/messages/{stuck}/retry")).json()
    assert again["status"] == "SENT" and again["externalId"] == row["externalId"]
    assert [s.id for s in harness.sim.sent_messages] == [*sent_before, row["externalId"]]


async def test_resend_with_the_same_client_id_sends_a_stale_pending_or_failed_row(harness: Harness) -> None:
    t = await harness.tenant("Acme")
    conv = await _conversation(harness, t)
    stuck = await _kill_mid_send(harness, t, conv, "k-2")
    body = {"conversationId": conv["id"], "content": "morreu", "clientId": "k-2"}
    resent = (await t.client.post("/api/v1/whatsapp/messages", json=body)).json()
    assert resent["id"] == str(stuck) and resent["status"] == "SENT"
    ids = [s.id for s in harness.sim.sent_messages]
    assert ids == [resent["externalId"], resent["externalId"]]  # the same WhatsApp id both times
    # a FAILED one too
    _sim_user(harness, t).failures.error_5xx = True
    failed = (await t.client.post("/api/v1/whatsapp/messages", json=body | {"clientId": "k-3"})).json()
    assert failed["status"] == "FAILED"
    _sim_user(harness, t).failures.error_5xx = False
    ok = (await t.client.post("/api/v1/whatsapp/messages", json=body | {"clientId": "k-3"})).json()
    assert ok["id"] == failed["id"] and ok["status"] == "SENT" and ok["externalId"] == failed["externalId"]
    # a message in flight (PENDING, just dispatched) is answered as it is, not sent twice
    held = asyncio.Event()
    _sim_user(harness, t).failures.hold_answers = held
    harness.sim.delivered_delay = harness.sim.read_delay = 3600
    sent = _sent(harness, len(harness.sim.sent_messages) + 1)
    first = asyncio.create_task(t.client.post("/api/v1/whatsapp/messages", json=body | {"clientId": "k-4"}))
    await sent
    second = (await t.client.post("/api/v1/whatsapp/messages", json=body | {"clientId": "k-4"})).json()
    assert second["status"] == "PENDING"
    held.set()
    assert (await first).json()["status"] == "SENT"
    assert len(harness.sim.requests_to("/chat/send/text")) == 5
    await harness.sim.cancel_all()


# --------------------------------------------------------------------------- invariant (b)


async def test_two_receivers_of_the_same_webhook_store_it_once(harness: Harness) -> None:
    """Two Ingestors with their own engines (two app processes on one database): one stores it,
    the other answers duplicate, neither fails."""
    t = await harness.tenant("Twice")
    media = LocalStore(harness.settings.media_dir)
    engines = [create_engine(harness.settings.database_url) for _ in range(2)]
    ingestors = [Ingestor(create_session_factory(e), media) for e in engines]
    for ingestor in ingestors:
        ingestor.start()
    try:
        for n in range(10):
            payload = p.text_message(phone=f"55119{n:08d}", text=f"oi {n}", message_id=f"3ATWICE{n:04d}")
            delivery = _delivery(t, payload)
            results = await asyncio.gather(*(i.submit(delivery) for i in ingestors))
            assert sorted(r.status for r in results) == ["duplicate", "ok"], results
    finally:
        for ingestor in ingestors:
            await ingestor.stop()
        for engine in engines:
            await engine.dispose()
    async with harness.db() as db:
        stored = (await db.scalars(select(Message.external_id).where(Message.external_id.like("3ATWICE%")))).all()
        assert sorted(str(e) for e in stored) == [f"3ATWICE{n:04d}" for n in range(10)]

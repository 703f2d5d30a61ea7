"""Response metrics (reports/metrics.py): kept per ticket as messages happen, on the receive,
batch and send paths, and equal to what `whatrack metrics rebuild` computes from messages."""

from __future__ import annotations

import json
import random
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from tests.support.tenants import Harness, Tenant
from whatrack.cli import app as cli
from whatrack.db import transaction
from whatrack.inbox.receive import receive
from whatrack.models import (
    Conversation,
    ConversationMetrics,
    Instance,
    Lead,
    Ticket,
    TicketMetrics,
    TicketResponder,
)
from whatrack.reports import metrics
from whatrack.settings import get_settings
from whatrack.simulator import payloads as p
from whatrack.whatsapp.parsing import parse_webhook

T0 = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def _at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


async def _receive(harness: Harness, tenant: Tenant, payload: dict[str, Any]) -> None:
    raw = json.dumps(payload).encode()
    async with transaction(harness.app.state.session_factory) as db:
        instance = await db.get(Instance, tenant.instance.id)
        assert instance is not None
        result = await receive(db, instance, parse_webhook(raw, "application/json"), harness.app.state.media)
    assert result.status == "ok", result


async def snapshot(harness: Harness, org_id: uuid.UUID) -> dict[str, Any]:
    """Every metrics figure of an organization, keyed by (lead phone, ticket number)."""
    async with harness.db() as db:
        rows = (
            await db.execute(
                select(TicketMetrics, Ticket.number, Lead.phone)
                .join(Ticket, Ticket.id == TicketMetrics.ticket_id)
                .join(Conversation, Conversation.id == TicketMetrics.conversation_id)
                .join(Lead, Lead.id == Conversation.lead_id)
                .where(TicketMetrics.organization_id == org_id)
            )
        ).all()
        convs = (
            await db.execute(
                select(ConversationMetrics, Lead.phone)
                .join(Conversation, Conversation.id == ConversationMetrics.conversation_id)
                .join(Lead, Lead.id == Conversation.lead_id)
                .where(Conversation.organization_id == org_id)
            )
        ).all()
        people = (
            await db.execute(
                select(TicketResponder.user_id, Ticket.number, Lead.phone)
                .join(Ticket, Ticket.id == TicketResponder.ticket_id)
                .join(Conversation, Conversation.id == Ticket.conversation_id)
                .join(Lead, Lead.id == Conversation.lead_id)
                .where(Conversation.organization_id == org_id)
            )
        ).all()
    skip = {"ticket_id", "organization_id", "conversation_id"}
    responders: dict[tuple[str | None, int], set[str]] = {}
    for user_id, number, phone in people:
        responders.setdefault((phone, number), set()).add(str(user_id))
    return {
        # ticket_responders rows, the same users as each ticket's JSON array (checked below)
        "responders": responders,
        "tickets": {
            (phone, number): {
                c.name: getattr(tm, c.name) for c in TicketMetrics.__table__.columns if c.name not in skip
            }
            for tm, number, phone in rows
        },
        "conversations": {
            phone: {
                c.name: getattr(cm, c.name)
                for c in ConversationMetrics.__table__.columns
                if c.name not in {"id", "conversation_id", "updated_at"}
            }
            for cm, phone in convs
        },
    }


async def rebuild(harness: Harness, org_id: uuid.UUID) -> None:
    async with harness.db() as db:
        ids = await metrics.conversation_ids(db, org_id)
        await metrics.rebuild_conversations(db, ids)


async def test_response_times_per_burst_first_response_and_p90(harness: Harness) -> None:
    t = await harness.tenant("Acme")
    phone = "5511911112222"
    history = [
        p.text_message(phone=phone, text="Oi", message_id="L1", timestamp=_at(0)),
        p.text_message(phone=phone, text="Alguém?", message_id="L2", timestamp=_at(1)),
        p.from_me_message(phone=phone, text="Olá!", message_id="U1", timestamp=_at(3)),  # 180 s after L1
        p.from_me_message(phone=phone, text="Posso ajudar?", message_id="U2", timestamp=_at(4)),  # no burst open
        p.text_message(phone=phone, text="Preço?", message_id="L3", timestamp=_at(10)),
        p.from_me_message(phone=phone, text="R$ 10", message_id="U3", timestamp=_at(10.5)),  # 30 s
        p.text_message(phone=phone, text="Ok", message_id="L4", timestamp=_at(20)),  # still waiting
    ]
    for payload in history:
        await _receive(harness, t, payload)
    snap = await snapshot(harness, t.organization_id)
    fig = snap["tickets"][("+" + phone, 1)]
    assert (fig["messages_in"], fig["messages_out"]) == (4, 3)
    assert fig["first_response_seconds"] == 180
    assert fig["response_seconds"] == [180, 30]
    assert (fig["response_count"], fig["response_seconds_total"]) == (2, 210)
    assert fig["waiting_since"] == _at(20)
    conv = snap["conversations"]["+" + phone]
    assert conv["tickets"] == 1 and conv["response_p90_seconds"] == 180 and conv["first_response_seconds"] == 180
    assert (conv["messages_in"], conv["messages_out"]) == (4, 3)


async def test_a_message_arriving_late_recomputes_its_ticket(harness: Harness) -> None:
    t = await harness.tenant("Acme")
    phone = "5511911113333"
    await _receive(harness, t, p.text_message(phone=phone, message_id="L1", timestamp=_at(0)))
    await _receive(harness, t, p.text_message(phone=phone, message_id="L2", timestamp=_at(5)))
    # the agent's reply at minute 2 arrives after the lead's second message (minute 5)
    await _receive(harness, t, p.from_me_message(phone=phone, message_id="U1", timestamp=_at(2)))
    fig = (await snapshot(harness, t.organization_id))["tickets"][("+" + phone, 1)]
    assert fig["response_seconds"] == [120] and fig["waiting_since"] == _at(5)
    before = await snapshot(harness, t.organization_id)
    await rebuild(harness, t.organization_id)
    assert await snapshot(harness, t.organization_id) == before


async def test_sending_from_the_app_names_the_responder(harness: Harness) -> None:
    t = await harness.tenant("Acme")
    phone = "5511911114444"
    now = datetime.now(UTC)
    await _receive(harness, t, p.text_message(phone=phone, message_id="L1", timestamp=now - timedelta(minutes=5)))
    conv = (await t.client.get("/api/v1/conversations")).json()["items"][0]
    resp = await t.client.post("/api/v1/whatsapp/messages", json={"conversationId": conv["id"], "content": "Oi!"})
    assert resp.status_code == 201, resp.text
    snap = await snapshot(harness, t.organization_id)
    fig = snap["tickets"][("+" + phone, 1)]
    assert fig["responders"] == [str(t.user_id)] and fig["first_responder_id"] == t.user_id
    assert 299 <= fig["first_response_seconds"] <= 330
    assert snap["responders"] == {("+" + phone, 1): {str(t.user_id)}}  # the ticket_responders row
    await rebuild(harness, t.organization_id)  # rewritten, not doubled
    assert await snapshot(harness, t.organization_id) == snap


async def test_rebuild_equals_incremental_on_a_generated_history(harness: Harness) -> None:
    t = await harness.tenant("Acme")
    rng = random.Random(11)
    phones = [f"55119{rng.randrange(10**7, 10**8)}" for _ in range(6)]
    clock = 0.0
    for i in range(120):
        clock += rng.choice([0.2, 1, 3, 15, 90])
        phone = rng.choice(phones)
        roll = rng.random()
        if roll < 0.55:
            await _receive(harness, t, p.text_message(phone=phone, message_id=f"G{i}", timestamp=_at(clock)))
        elif roll < 0.9:
            late = clock - rng.choice([0, 0, 0, 2])  # now and then an older message arrives late
            await _receive(harness, t, p.from_me_message(phone=phone, message_id=f"G{i}", timestamp=_at(late)))
        else:  # close the ticket: the lead's next message opens another
            async with harness.db() as db:
                conv_id = await db.scalar(
                    select(Conversation.current_ticket_id)
                    .join(Lead, Lead.id == Conversation.lead_id)
                    .where(Lead.organization_id == t.organization_id, Lead.phone == "+" + phone)
                )
            if conv_id is not None:
                await t.client.post(f"/api/v1/tickets/{conv_id}/close", json={"outcome": "other"})
    incremental = await snapshot(harness, t.organization_id)
    assert len(incremental["tickets"]) > len(phones)  # several tickets per lead somewhere
    assert sum(f["response_count"] for f in incremental["tickets"].values()) > 10
    by_json = {k: set(f["responders"]) for k, f in incremental["tickets"].items() if f["responders"]}
    assert incremental["responders"] == by_json
    await rebuild(harness, t.organization_id)
    assert await snapshot(harness, t.organization_id) == incremental
    await rebuild(harness, t.organization_id)  # idempotent
    assert await snapshot(harness, t.organization_id) == incremental


def test_cli_metrics_rebuild(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}")
    get_settings.cache_clear()
    runner = CliRunner()
    try:
        assert runner.invoke(cli, ["db", "upgrade"]).exit_code == 0
        for _ in range(2):  # idempotent
            done = runner.invoke(cli, ["metrics", "rebuild", "--chunk", "10"])
            assert done.exit_code == 0, done.output
            assert "Metrics rebuilt for 0 conversations" in done.output
        bad = runner.invoke(cli, ["metrics", "rebuild", "--organization", "nope"])
        assert bad.exit_code == 2 and "UUID" in bad.output
    finally:
        get_settings.cache_clear()


async def test_rebuild_in_chunks_with_progress(harness: Harness) -> None:
    t = await harness.tenant("Acme")
    for i, phone in enumerate(["5511911115551", "5511911115552", "5511911115553"]):
        await _receive(harness, t, p.text_message(phone=phone, message_id=f"L{i}", timestamp=_at(i)))
        await _receive(harness, t, p.from_me_message(phone=phone, message_id=f"U{i}", timestamp=_at(i + 0.5)))
    before = await snapshot(harness, t.organization_id)
    seen: list[int] = []
    count = await metrics.rebuild(
        harness.app.state.session_factory, t.organization_id, chunk=2, on_start=seen.append, on_chunk=seen.append
    )
    assert count == 3 and seen == [3, 2, 1]
    assert await snapshot(harness, t.organization_id) == before
    assert {f["first_response_seconds"] for f in before["tickets"].values()} == {30}

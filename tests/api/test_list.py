"""Inbox list: ordering, cursor pagination, filters, search; concurrency guards."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from tests.support.tenants import Harness
from whatrack.models import Conversation, Lead, Message, Ticket
from whatrack.simulator import payloads as p


async def _ids(client, **params) -> list[str]:  # type: ignore[no-untyped-def]
    resp = await client.get("/api/v1/conversations", params=params)
    assert resp.status_code == 200, resp.text
    return [c["lead"]["phone"] for c in resp.json()["items"]]


async def test_order_pagination_filters_and_search(harness: Harness) -> None:
    t = await harness.tenant("Acme")
    base = datetime.now(UTC) - timedelta(hours=1)
    phones = [f"55119888800{i:02d}" for i in range(7)]
    for i, phone in enumerate(phones):
        text = "quero o plano anual" if i == 3 else f"mensagem {i}"
        await harness.webhook(
            t, p.text_message(phone=phone, text=text, push_name=f"Lead {i}", timestamp=base + timedelta(minutes=i))
        )
    newest_first = [f"+{ph}" for ph in reversed(phones)]
    assert await _ids(t.client) == newest_first

    # cursor pagination walks every row exactly once
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 3} | ({"cursor": cursor} if cursor else {})
        page = (await t.client.get("/api/v1/conversations", params=params)).json()
        seen += [c["lead"]["phone"] for c in page["items"]]
        cursor = page["nextCursor"]
        if not cursor:
            break
    assert seen == newest_first

    # waiting longest first
    assert (await _ids(t.client, order="waiting"))[0] == f"+{phones[0]}"

    # search: message text, name, phone digits
    assert await _ids(t.client, q="plano anual") == [f"+{phones[3]}"]
    assert await _ids(t.client, q="Lead 5") == [f"+{phones[5]}"]
    assert await _ids(t.client, q="(11) 98888-0006") == [f"+{phones[6]}"]
    # a phone fragment (read from the matches, not by walking the list): every match, in order,
    # also across pages; digits in a message's text are found the same way
    assert await _ids(t.client, q="888800") == newest_first
    assert await _ids(t.client, q="888800", limit=3) == newest_first[:3]
    await harness.webhook(t, p.text_message(phone=phones[2], text="o pedido 4455667 chegou?", timestamp=base))
    assert await _ids(t.client, q="4455667") == [f"+{phones[2]}"]

    # filters: unread, assigned to me / unassigned, ticket status
    convs = (await t.client.get("/api/v1/conversations")).json()["items"]
    await t.client.post(f"/api/v1/conversations/{convs[0]['id']}/read")
    assert len(await _ids(t.client, unread="true")) == 6
    await t.client.post(f"/api/v1/conversations/{convs[1]['id']}/assign", json={"userId": str(t.user_id)})
    assert await _ids(t.client, assigned="me") == [convs[1]["lead"]["phone"]]
    assert len(await _ids(t.client, assigned="unassigned")) == 6
    await t.client.post(f"/api/v1/tickets/{convs[2]['currentTicketId']}/close", json={"outcome": "sale"})
    assert await _ids(t.client, ticket_status="RESOLVED") == [convs[2]["lead"]["phone"]]
    assert len(await _ids(t.client, ticket_status="OPEN")) == 6
    assert len(await _ids(t.client, instance_id=str(t.instance.id))) == 7


async def test_concurrent_duplicate_webhooks_write_once(harness: Harness) -> None:
    t = await harness.tenant("Acme")
    payload = p.text_message(phone="5511988887777")
    results = await asyncio.gather(*(harness.webhook(t, payload) for _ in range(8)))
    assert all(r.status_code == 200 for r in results)
    assert sorted(r.json()["status"] for r in results).count("ok") == 1
    async with harness.db() as db:
        for model in (Message, Lead, Conversation, Ticket):
            assert await db.scalar(select(func.count()).select_from(model)) == 1, model


async def test_concurrent_new_messages_of_one_new_lead(harness: Harness) -> None:
    t = await harness.tenant("Acme")
    payloads = [p.text_message(phone="5511988887777", text=f"m{i}") for i in range(6)]
    results = await asyncio.gather(*(harness.webhook(t, pl) for pl in payloads))
    assert [r.json()["status"] for r in results] == ["ok"] * 6
    async with harness.db() as db:
        assert await db.scalar(select(func.count()).select_from(Message)) == 6
        assert await db.scalar(select(func.count()).select_from(Ticket)) == 1
        assert await db.scalar(select(func.count()).select_from(Lead)) == 1
        conv = await db.scalar(select(Conversation))
        assert conv is not None and conv.unread_count == 6

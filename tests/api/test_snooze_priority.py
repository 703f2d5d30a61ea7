"""Snooze and priority (issue 10): the list hides a snoozed conversation until its time or the
lead's next message, "Adiadas" lists them, priority is a badge, a filter and a sort; both write
a SYSTEM line and travel in conversation_updated."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select, text, update

from tests.support.tenants import Harness, Tenant
from whatrack.conversations import service
from whatrack.db import utcnow
from whatrack.models import Conversation, Message, SenderType
from whatrack.simulator import payloads as p

BASE = datetime.now(UTC) - timedelta(hours=2)


async def _three(harness: Harness) -> tuple[Tenant, list[dict[str, Any]]]:
    """Three leads, the newest first in the list."""
    t = await harness.tenant("Acme")
    for i in range(3):
        await harness.webhook(
            t,
            p.text_message(
                phone=f"551197777000{i}", text=f"m{i}", message_id=f"M{i}", timestamp=BASE + timedelta(minutes=i)
            ),
        )
    items = (await t.client.get("/api/v1/conversations")).json()["items"]
    assert [c["lead"]["phone"] for c in items] == [f"+551197777000{i}" for i in (2, 1, 0)]
    return t, items


async def _listed(client: httpx.AsyncClient, **params: Any) -> list[str]:
    resp = await client.get("/api/v1/conversations", params=params)
    assert resp.status_code == 200, resp.text
    return [c["id"] for c in resp.json()["items"]]


async def _system_kinds(harness: Harness, conversation_id: str) -> list[dict[str, Any]]:
    async with harness.db() as db:
        query = select(Message.meta).where(
            Message.sender_type == SenderType.SYSTEM, Message.conversation_id == uuid.UUID(conversation_id)
        )
        rows = (await db.scalars(query)).all()
    return [r["system"] for r in rows]


async def test_snooze_hides_until_the_lead_writes_then_back_on_top(harness: Harness) -> None:
    t, items = await _three(harness)
    oldest = items[2]["id"]
    until = datetime.now(UTC) + timedelta(days=2)
    await harness.drain()
    resp = await t.client.post(f"/api/v1/conversations/{oldest}/snooze", json={"until": until.isoformat()})
    assert resp.status_code == 200, resp.text
    assert datetime.fromisoformat(resp.json()["snoozedUntil"]) == until
    published = await harness.drain()
    updated = [d["data"] for _, d in published if d["type"] == "conversation_updated" and d["data"]["id"] == oldest]
    assert updated and updated[0]["snoozedUntil"] is not None
    assert oldest not in await _listed(t.client)
    assert await _listed(t.client, snoozed="true") == [oldest]
    kinds = await _system_kinds(harness, oldest)
    assert [k["kind"] for k in kinds] == ["snoozed"] and kinds[0]["by"] and kinds[0]["until"]
    assert any(d["type"] == "new_message" for _, d in published)  # the SYSTEM line, live

    # the lead writes: awake at once, on top
    await harness.webhook(t, p.text_message(phone="5511977770000", text="voltei"))
    assert (await _listed(t.client))[0] == oldest
    assert await _listed(t.client, snoozed="true") == []
    got = (await t.client.get(f"/api/v1/conversations/{oldest}")).json()
    assert got["snoozedUntil"] is None


async def test_a_reaction_wakes_it_and_unsnooze_wakes_it_now(harness: Harness) -> None:
    t, items = await _three(harness)
    until = (datetime.now(UTC) + timedelta(hours=3)).isoformat()
    first, second = items[0]["id"], items[1]["id"]
    for cid in (first, second):
        assert (await t.client.post(f"/api/v1/conversations/{cid}/snooze", json={"until": until})).status_code == 200
    assert set(await _listed(t.client, snoozed="true")) == {first, second}
    await harness.webhook(t, p.reaction_message(target_id="M2", target_from_me=False, phone="5511977770002"))
    resp = await t.client.delete(f"/api/v1/conversations/{second}/snooze")
    assert resp.status_code == 200 and resp.json()["snoozedUntil"] is None
    assert await _listed(t.client, snoozed="true") == []
    assert set(await _listed(t.client)) == {c["id"] for c in items}
    # waking one that is not snoozed changes nothing and writes nothing
    assert (await t.client.delete(f"/api/v1/conversations/{second}/snooze")).status_code == 200


async def test_a_snooze_that_passed_brings_it_back_on_top(harness: Harness) -> None:
    t, items = await _three(harness)
    oldest = items[2]["id"]
    until = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    assert (await t.client.post(f"/api/v1/conversations/{oldest}/snooze", json={"until": until})).status_code == 200
    assert oldest not in await _listed(t.client)
    async with harness.db() as db:  # its time came (after the other two's last messages)
        woke = datetime.now(UTC) - timedelta(minutes=1)
        await db.execute(update(Conversation).where(Conversation.id == uuid.UUID(oldest)).values(snoozed_until=woke))
    assert await _listed(t.client) == [oldest, items[0]["id"], items[1]["id"]]
    # and the cursor walks the same order
    seen: list[str] = []
    cursor = None
    while True:
        page = (
            await t.client.get("/api/v1/conversations", params={"limit": 1} | ({"cursor": cursor} if cursor else {}))
        ).json()
        seen += [c["id"] for c in page["items"]]
        cursor = page["nextCursor"]
        if not cursor:
            break
    assert seen == [oldest, items[0]["id"], items[1]["id"]]


async def test_snooze_bad_input_writes_nothing(harness: Harness) -> None:
    t, items = await _three(harness)
    url = f"/api/v1/conversations/{items[0]['id']}/snooze"
    now = datetime.now(UTC)
    for until, code in (
        ((now - timedelta(minutes=1)).isoformat(), "snooze_in_past"),
        ((now + timedelta(days=400)).isoformat(), "snooze_too_far"),
    ):
        resp = await t.client.post(url, json={"until": until})
        assert (resp.status_code, resp.json()["error"]["code"]) == (400, code), resp.text
    for body in ({}, {"until": "amanhã"}, {"until": None}, {"until": until, "extra": 1}):
        assert (await t.client.post(url, json=body)).status_code == 422, body
    got = (await t.client.get(f"/api/v1/conversations/{items[0]['id']}")).json()
    assert got["snoozedUntil"] is None
    assert await _system_kinds(harness, items[0]["id"]) == []
    missing = await t.client.post(
        "/api/v1/conversations/00000000-0000-0000-0000-000000000000/snooze",
        json={"until": (now + timedelta(hours=1)).isoformat()},
    )
    assert (missing.status_code, missing.json()["error"]["code"]) == (404, "conversation_not_found")


async def test_priority_badge_filter_sort_event_and_line(harness: Harness) -> None:
    t, items = await _three(harness)
    newest, middle, oldest = (c["id"] for c in items)
    assert all(c["priority"] == "none" for c in items)
    await harness.drain()
    resp = await t.client.patch(f"/api/v1/conversations/{oldest}", json={"priority": "urgent"})
    assert resp.status_code == 200 and resp.json()["priority"] == "urgent"
    assert (await t.client.patch(f"/api/v1/conversations/{middle}", json={"priority": "low"})).status_code == 200
    published = await harness.drain()
    assert any(
        d["type"] == "conversation_updated" and d["data"]["id"] == oldest and d["data"]["priority"] == "urgent"
        for _, d in published
    )
    kinds = await _system_kinds(harness, oldest)
    assert [(k["kind"], k["priority"]) for k in kinds] == [("priority", "urgent")]
    # the same priority again writes no second line
    assert (await t.client.patch(f"/api/v1/conversations/{oldest}", json={"priority": "urgent"})).status_code == 200
    assert len(await _system_kinds(harness, oldest)) == 1

    assert await _listed(t.client, priority="urgent") == [oldest]
    assert await _listed(t.client, priority="none") == [newest]
    assert await _listed(t.client, order="priority") == [oldest, middle, newest]
    assert await _listed(t.client) == [newest, middle, oldest]  # the default order is untouched
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"order": "priority", "limit": 1} | ({"cursor": cursor} if cursor else {})
        page = (await t.client.get("/api/v1/conversations", params=params)).json()
        seen += [c["id"] for c in page["items"]]
        cursor = page["nextCursor"]
        if not cursor:
            break
    assert seen == [oldest, middle, newest]


async def test_priority_bad_input(harness: Harness) -> None:
    t, items = await _three(harness)
    url = f"/api/v1/conversations/{items[0]['id']}"
    for body in ({}, {"priority": "altíssima"}, {"priority": 3}, {"priority": "high", "x": 1}):
        resp = await t.client.patch(url, json=body)
        assert resp.status_code == 422, (body, resp.text)
    for params in ({"priority": "zzz"}, {"order": "priority", "cursor": "bm9wZQ=="}, {"snoozed": "talvez"}):
        resp = await t.client.get("/api/v1/conversations", params=params)
        assert 400 <= resp.status_code < 500, params
    assert (await t.client.get(url)).json()["priority"] == "none"


@pytest.mark.parametrize(
    ("assigned", "index"),
    [(None, "ix_conversations_org_listed"), ("me", "ix_conversations_org_assignee_listed")],
)
async def test_the_recent_list_is_read_from_its_index(harness: Harness, assigned: str | None, index: str) -> None:
    """'recent' orders by the snooze-aware LISTED_AT: the inbox from ix_conversations_org_listed
    (migration 0017), "Minhas" from ix_conversations_org_assignee_listed (0028); a page comes in
    order, with no sort of the organization's (or the agent's) conversations."""
    t, _ = await _three(harness)
    shape = service._ListShape(restricted=False, assigned=assigned)
    values = {"org": t.organization_id, "me": t.user_id, "now": utcnow(), "limit": 51}
    stmt = service._list_statement(shape).params(values)
    async with harness.db() as db:
        bind = db.get_bind()
        if bind.dialect.name == "postgresql":
            await db.execute(text("SET LOCAL enable_seqscan = off"))
            literal = str(stmt.compile(bind, compile_kwargs={"literal_binds": True}))
            plan = "\n".join(r[0] for r in await db.execute(text("EXPLAIN " + literal)))
            assert index in plan and "Sort" not in plan, plan
        else:
            compiled = stmt.compile(bind)
            params = [
                v.hex if isinstance(v, uuid.UUID) else v.isoformat() if isinstance(v, datetime) else v
                for v in (compiled.params[k] for k in compiled.positiontup or [])
            ]
            raw = await db.connection()
            rows = await raw.exec_driver_sql("EXPLAIN QUERY PLAN " + str(compiled), tuple(params))
            plan = "\n".join(str(tuple(r)[-1]) for r in rows)
            assert index in plan and "TEMP B-TREE" not in plan, plan

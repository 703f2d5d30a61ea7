"""Activity in the thread (issue 10): SYSTEM lines where the rules live — assigned/transferred
(from -> to, by whom), taken by a first reply, closed (outcome, value, by whom or by which rule),
reopened — and the open ticket's assignee following the conversation's."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import update

from tests.support.tenants import PASSWORD, Harness, Tenant
from whatrack.jobs.worker import close_inactive_tickets
from whatrack.models import Organization, Ticket
from whatrack.simulator import payloads as p

PHONE = "5511977776666"


async def _conversation(harness: Harness, t: Tenant) -> dict[str, Any]:
    assert (await harness.webhook(t, p.text_message(phone=PHONE, push_name="Maria", text="oi"))).status_code == 200
    item: dict[str, Any] = (await t.client.get("/api/v1/conversations")).json()["items"][0]
    return item


async def _member(t: Tenant, name: str) -> str:
    body = {"email": f"{uuid.uuid4().hex[:8]}@example.com", "name": name, "role": "agent", "password": PASSWORD}
    resp = await t.client.post("/api/v1/users", json=body)
    assert resp.status_code == 201, resp.text
    member_id: str = resp.json()["id"]
    return member_id


async def _system(t: Tenant, conv: dict[str, Any]) -> list[dict[str, Any]]:
    items = (await t.client.get(f"/api/v1/conversations/{conv['id']}/messages")).json()["items"]
    lines = [m for m in reversed(items) if m["senderType"] == "SYSTEM"]
    assert all(m["content"] is None for m in lines)
    return [m["metadata"]["system"] for m in lines]


async def _ticket(t: Tenant, conv: dict[str, Any], index: int = -1) -> dict[str, Any]:
    ticket: dict[str, Any] = (await t.client.get(f"/api/v1/leads/{conv['lead']['id']}")).json()["tickets"][index]
    return ticket


async def test_assign_transfer_and_unassign_say_who_and_the_ticket_follows(harness: Harness) -> None:
    t = await harness.tenant("Acme")
    conv = await _conversation(harness, t)
    bia, davi = await _member(t, "Bia"), await _member(t, "Davi")
    assert (await t.client.post(f"/api/v1/conversations/{conv['id']}/assign", json={"userId": bia})).status_code == 200
    ticket = await _ticket(t, conv)
    assert ticket["assigneeId"] == bia and ticket["assigneeName"] == "Bia"
    assert (await t.client.post(f"/api/v1/conversations/{conv['id']}/assign", json={"userId": davi})).status_code == 200
    assert (await t.client.post(f"/api/v1/conversations/{conv['id']}/assign", json={"userId": davi})).status_code == 200
    ticket = await _ticket(t, conv)
    assert ticket["assigneeId"] == davi and ticket["assigneeName"] == "Davi"
    assert (await t.client.post(f"/api/v1/conversations/{conv['id']}/assign", json={"userId": None})).status_code == 200
    assert (await _ticket(t, conv))["assigneeId"] is None
    admin = "Acme Agent"
    assert await _system(t, conv) == [
        {"kind": "assigned", "from": None, "to": "Bia", "by": admin},
        {"kind": "assigned", "from": "Bia", "to": "Davi", "by": admin},  # the same assignee again: no line
        {"kind": "assigned", "from": "Davi", "to": None, "by": admin},
    ]


async def test_a_first_reply_takes_the_conversation_with_a_line_before_the_message(harness: Harness) -> None:
    t = await harness.tenant("Acme")
    conv = await _conversation(harness, t)
    resp = await t.client.post("/api/v1/whatsapp/messages", json={"conversationId": conv["id"], "content": "Olá!"})
    assert resp.status_code == 201, resp.text
    items = (await t.client.get(f"/api/v1/conversations/{conv['id']}/messages")).json()["items"]
    assert items[0]["id"] == resp.json()["id"]  # the newest is still the message
    assert items[1]["senderType"] == "SYSTEM"
    assert items[1]["metadata"]["system"] == {"kind": "assigned", "from": None, "to": "Acme Agent", "by": "Acme Agent"}
    ticket = await _ticket(t, conv)
    assert ticket["assigneeId"] == str(t.user_id) and ticket["assigneeName"] == "Acme Agent"
    # a second send by the same agent changes nothing
    await t.client.post("/api/v1/whatsapp/messages", json={"conversationId": conv["id"], "content": "Tudo bem?"})
    assert len(await _system(t, conv)) == 1


async def test_close_as_a_sale_then_reopen_record_outcome_value_and_who(harness: Harness) -> None:
    t = await harness.tenant("Acme")
    conv = await _conversation(harness, t)
    await t.client.post(f"/api/v1/conversations/{conv['id']}/assign", json={"userId": str(t.user_id)})
    body = {"outcome": "sale", "valueCents": 123456}
    resp = await t.client.post(f"/api/v1/tickets/{conv['currentTicketId']}/close", json=body)
    assert resp.status_code == 200, resp.text
    closed = resp.json()
    assert closed["assigneeName"] == "Acme Agent" and closed["valueCents"] == 123456
    resp = await t.client.post(f"/api/v1/tickets/{conv['currentTicketId']}/reopen")
    assert resp.status_code == 200, resp.text
    lines = await _system(t, conv)
    assert lines[1:] == [
        {
            "kind": "ticket_closed",
            "number": 1,
            "outcome": "sale",
            "closedBy": "manual",
            "by": "Acme Agent",
            "valueCents": 123456,
        },
        {"kind": "ticket_reopened", "number": 1, "by": "Acme Agent"},
    ]


async def test_the_inactivity_rule_names_itself(harness: Harness) -> None:
    t = await harness.tenant("Acme")
    conv = await _conversation(harness, t)
    async with harness.db() as db:
        await db.execute(update(Organization).values(inactivity_timeout_minutes=60))
        await db.execute(update(Ticket).values(last_activity_at=datetime.now(UTC) - timedelta(hours=2)))
    async with harness.db() as db:
        assert await close_inactive_tickets(db) == 1
    assert await _system(t, conv) == [{"kind": "ticket_closed", "number": 1, "outcome": None, "closedBy": "inactivity"}]

"""Response times in business hours (issue 11): the organization's clock setting (PATCH
/organization), the figures of the receive and send paths and of ticket close on that clock,
`whatrack metrics rebuild` agreeing with them, and reports reading them."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select, update

from tests.api.test_metrics import _receive, rebuild, snapshot
from tests.support.tenants import PASSWORD, Harness, Tenant
from whatrack.auth import service as auth
from whatrack.business_hours import WEEKDAYS, Clock, parse_schedule
from whatrack.models import Conversation, Lead, Organization, Role, Ticket
from whatrack.simulator import payloads as p

SP = ZoneInfo("America/Sao_Paulo")
OFFICE = {"mon": [["09:00", "12:00"], ["13:00", "18:00"]], "tue": [["09:00", "18:00"]], "fri": [["09:00", "18:00"]]}


def sp(day: int, hour: int, minute: int = 0) -> datetime:
    """March 2026, São Paulo (UTC-3): the 2nd is a Monday, the 6th a Friday."""
    return datetime(2026, 3, day, hour, minute, tzinfo=SP).astimezone(UTC)


async def _business(t: Tenant, hours: dict[str, Any] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"responseTimeClock": "business"} | ({"businessHours": hours} if hours else {})
    resp = await t.client.patch("/api/v1/organization", json=body)
    assert resp.status_code == 200, resp.text
    out: dict[str, Any] = resp.json()
    return out


async def _resolutions(harness: Harness, org_id: uuid.UUID) -> dict[tuple[str | None, int], int | None]:
    async with harness.db() as db:
        rows = await db.execute(
            select(Lead.phone, Ticket.number, Ticket.resolution_seconds)
            .join(Conversation, Conversation.id == Ticket.conversation_id)
            .join(Lead, Lead.id == Conversation.lead_id)
            .where(Ticket.organization_id == org_id)
        )
        return {(phone, number): seconds for phone, number, seconds in rows}


async def test_setting_defaults_validation_and_who_may_change_it(harness: Harness) -> None:
    t = await harness.tenant("Acme")
    me = (await t.client.get("/api/v1/auth/me")).json()["organization"]
    assert me["responseTimeClock"] == "wall"
    assert me["businessHours"]["mon"] == [["09:00", "18:00"]] and me["businessHours"]["sat"] == []

    org = await _business(t, {"mon": [["13:00", "18:00"], ["09:00", "12:00"]]})
    assert org["responseTimeClock"] == "business"
    monday = [["09:00", "12:00"], ["13:00", "18:00"]]
    assert org["businessHours"] == {d: (monday if d == "mon" else []) for d in WEEKDAYS}
    again = (await t.client.get("/api/v1/auth/me")).json()["organization"]
    assert again["businessHours"] == org["businessHours"]

    bad: dict[str, list[dict[str, Any]]] = {
        "business_hours_invalid": [{"mon": [["18:00", "09:00"]]}, {"funday": [["09:00", "18:00"]]}, {"mon": "09-18"}],
        "business_hours_overlap": [{"tue": [["09:00", "13:00"], ["12:00", "18:00"]]}],
        "business_hours_empty": [{"mon": []}],
    }
    for code, bodies in bad.items():
        for hours in bodies:
            resp = await t.client.patch("/api/v1/organization", json={"businessHours": hours, "name": "Outro nome"})
            assert resp.status_code == 400, resp.text
            assert resp.json()["error"]["code"] == code, hours
    assert (await t.client.patch("/api/v1/organization", json={"responseTimeClock": "moon"})).status_code == 422
    # nothing of a refused request was kept
    kept = (await t.client.get("/api/v1/auth/me")).json()["organization"]
    assert kept["name"] == "Acme" and kept["businessHours"] == org["businessHours"]
    assert (await t.client.patch("/api/v1/organization", json={"responseTimeClock": "wall"})).json()[
        "responseTimeClock"
    ] == "wall"

    email = f"agente-{uuid.uuid4().hex[:6]}@example.com"
    async with harness.db() as db:
        organization = await db.get(Organization, t.organization_id)
        assert organization is not None
        await auth.create_user(db, organization, email=email, name="Agente", password=PASSWORD, role=Role.AGENT)
    agent = await harness.login(email)
    refused = await agent.patch("/api/v1/organization", json={"responseTimeClock": "business"})
    assert refused.status_code == 403


async def test_responses_counted_in_business_hours_and_rebuild_agrees(harness: Harness) -> None:
    t = await harness.tenant("Acme")
    await _business(t, OFFICE)
    phone = "5511955550001"
    history = [
        p.text_message(phone=phone, message_id="L1", timestamp=sp(6, 17, 30)),  # Friday, 30 min before closing
        p.from_me_message(phone=phone, message_id="U1", timestamp=sp(9, 9, 15)),  # Monday 09:15: 45 min
        p.text_message(phone=phone, message_id="L2", timestamp=sp(9, 11, 50)),
        p.from_me_message(phone=phone, message_id="U2", timestamp=sp(9, 13, 5)),  # lunch left out: 15 min
        p.text_message(phone=phone, message_id="L3", timestamp=sp(9, 20)),  # Monday evening
        p.from_me_message(phone=phone, message_id="U3", timestamp=sp(11, 10)),  # Wednesday is closed: 9 h (Tue)
    ]
    for payload in history:
        await _receive(harness, t, payload)
    snap = await snapshot(harness, t.organization_id)
    fig = snap["tickets"][("+" + phone, 1)]
    assert fig["response_seconds"] == [45 * 60, 15 * 60, 9 * 3600]
    assert fig["first_response_seconds"] == 45 * 60
    assert snap["conversations"]["+" + phone]["response_p90_seconds"] == 9 * 3600
    await rebuild(harness, t.organization_id)
    assert await snapshot(harness, t.organization_id) == snap

    # a late message recomputes its ticket on the same clock
    late = p.from_me_message(phone=phone, message_id="U0", timestamp=sp(6, 17, 40))  # Friday, 10 min
    await _receive(harness, t, late)
    fig = (await snapshot(harness, t.organization_id))["tickets"][("+" + phone, 1)]
    assert fig["response_seconds"] == [10 * 60, 15 * 60, 9 * 3600]

    # changing the clock rewrites nothing by itself; rebuild recomputes under the new one
    before = await snapshot(harness, t.organization_id)
    assert (await t.client.patch("/api/v1/organization", json={"responseTimeClock": "wall"})).status_code == 200
    assert await snapshot(harness, t.organization_id) == before
    await rebuild(harness, t.organization_id)
    fig = (await snapshot(harness, t.organization_id))["tickets"][("+" + phone, 1)]
    assert fig["response_seconds"] == [10 * 60, 75 * 60, 38 * 3600]


async def test_send_and_close_on_the_business_clock(harness: Harness) -> None:
    t = await harness.tenant("Acme")
    now = datetime.now(SP)
    # open only on a weekday three days away: the last few minutes are outside business hours
    await _business(t, {WEEKDAYS[(now.weekday() + 3) % 7]: [["00:00", "24:00"]]})
    phone = "5511955550002"
    await _receive(harness, t, p.text_message(phone=phone, message_id="L1", timestamp=now - timedelta(minutes=5)))
    conv = (await t.client.get("/api/v1/conversations")).json()["items"][0]
    sent = await t.client.post("/api/v1/whatsapp/messages", json={"conversationId": conv["id"], "content": "Oi!"})
    assert sent.status_code == 201, sent.text
    fig = (await snapshot(harness, t.organization_id))["tickets"][("+" + phone, 1)]
    assert fig["first_response_seconds"] == 0 and fig["response_seconds"] == [0]  # wall clock: about 300

    closed = await t.client.post(f"/api/v1/tickets/{conv['currentTicketId']}/close", json={"outcome": "other"})
    assert closed.status_code == 200
    assert await _resolutions(harness, t.organization_id) == {("+" + phone, 1): 0}
    # reopened: no resolution; closed again on the wall clock: the real difference
    assert (await t.client.post(f"/api/v1/tickets/{conv['currentTicketId']}/reopen")).status_code == 200
    assert await _resolutions(harness, t.organization_id) == {("+" + phone, 1): None}
    await t.client.patch("/api/v1/organization", json={"responseTimeClock": "wall"})
    await t.client.post(f"/api/v1/tickets/{conv['currentTicketId']}/close", json={"outcome": "other"})
    async with harness.db() as db:
        ticket = await db.get(Ticket, uuid.UUID(conv["currentTicketId"]))
        assert ticket is not None and ticket.resolved_at is not None
        wall = round((ticket.resolved_at - ticket.created_at).total_seconds())
    assert await _resolutions(harness, t.organization_id) == {("+" + phone, 1): wall}


async def test_report_resolution_follows_the_stored_clock(harness: Harness) -> None:
    t = await harness.tenant("Acme")
    await _business(t, {"mon": [["09:00", "18:00"]], "fri": [["09:00", "18:00"]]})
    phone = "5511955550003"
    await _receive(harness, t, p.text_message(phone=phone, message_id="L1", timestamp=sp(6, 16)))
    conv = (await t.client.get("/api/v1/conversations")).json()["items"][0]
    assert (
        await t.client.post(f"/api/v1/tickets/{conv['currentTicketId']}/close", json={"outcome": "other"})
    ).status_code == 200
    async with harness.db() as db:  # a ticket of March: Friday 17:00 -> Monday 10:00
        await db.execute(
            update(Ticket)
            .where(Ticket.id == uuid.UUID(conv["currentTicketId"]))
            .values(created_at=sp(6, 17), resolved_at=sp(9, 10), resolution_seconds=None)
        )
        await db.commit()

    async def p50() -> Any:
        body = (await t.client.get("/api/v1/reports/overview?from=2026-03-01&to=2026-03-31")).json()
        return body["resolutionP50Seconds"]["value"]

    assert await p50() == 65 * 3600  # not recorded yet: the wall-clock difference
    await rebuild(harness, t.organization_id)
    assert await p50() == 2 * 3600  # Friday 17-18, Monday 09-10
    await t.client.patch("/api/v1/organization", json={"responseTimeClock": "wall"})
    assert await p50() == 2 * 3600  # kept until rebuilt
    await rebuild(harness, t.organization_id)
    assert await p50() == 65 * 3600


async def test_rebuild_equals_incremental_in_business_hours(harness: Harness) -> None:
    t = await harness.tenant("Acme")
    await _business(t, OFFICE | {"sat": [["10:00", "14:00"]]})
    rng = random.Random(17)
    phones = [f"55119{rng.randrange(10**7, 10**8)}" for _ in range(6)]
    at = sp(2, 8)
    for i in range(120):
        at += timedelta(minutes=rng.choice([0.2, 1, 3, 15, 90, 400, 900]))  # nights and weekends too
        phone = rng.choice(phones)
        roll = rng.random()
        if roll < 0.55:
            await _receive(harness, t, p.text_message(phone=phone, message_id=f"G{i}", timestamp=at))
        elif roll < 0.9:
            late = at - timedelta(minutes=rng.choice([0, 0, 0, 2]))
            await _receive(harness, t, p.from_me_message(phone=phone, message_id=f"G{i}", timestamp=late))
        else:
            async with harness.db() as db:
                ticket_id = await db.scalar(
                    select(Conversation.current_ticket_id)
                    .join(Lead, Lead.id == Conversation.lead_id)
                    .where(Lead.organization_id == t.organization_id, Lead.phone == "+" + phone)
                )
            if ticket_id is not None:
                await t.client.post(f"/api/v1/tickets/{ticket_id}/close", json={"outcome": "other"})
    incremental = await snapshot(harness, t.organization_id)
    resolutions = await _resolutions(harness, t.organization_id)
    times = [s for f in incremental["tickets"].values() for s in f["response_seconds"]]
    assert len(times) > 10 and any(resolutions.values())
    # some replies really were measured in business hours: below their wall-clock time
    wall = Clock()
    assert any(s == 0 for s in times)  # answered outside hours, before opening
    assert wall.seconds(sp(6, 17, 30), sp(9, 9, 15)) > Clock(parse_schedule(OFFICE), SP).seconds(
        sp(6, 17, 30), sp(9, 9, 15)
    )
    await rebuild(harness, t.organization_id)
    assert await snapshot(harness, t.organization_id) == incremental
    assert await _resolutions(harness, t.organization_id) == resolutions
    await rebuild(harness, t.organization_id)  # idempotent
    assert await snapshot(harness, t.organization_id) == incremental

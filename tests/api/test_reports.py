"""Reports (reports/service.py) on a small hand-built history whose right answers are written here.

João: first came from a Meta ad (Black Friday, Jan), came back from Google (remarketing, Mar 5,
lost) and bought on an organic visit (Mar 10, sale R$ 1.500,00 on Mar 12): first touch says
meta_ads, last touch says organic, any touch credits all three.
Maria: new in March from the same ad, bought at once (R$ 500,00). Caio: new in March, organic, open.
Range: March 2026 (São Paulo time); the previous period is the 31 days before it.
"""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update

from tests.api.test_metrics import _receive
from tests.support.tenants import PASSWORD, Harness, Tenant
from whatrack.auth import service as auth
from whatrack.models import Conversation, Lead, Organization, Role, Ticket
from whatrack.simulator import payloads as p

JOAO, MARIA, CAIO = "5511911110001", "5511911110002", "5511911110003"
MARCH = "from=2026-03-01&to=2026-03-31"


def _day(month: int, day: int, hour: int = 12, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


async def _ticket_id(harness: Harness, tenant: Tenant, phone: str) -> uuid.UUID:
    async with harness.db() as db:
        found = await db.scalar(
            select(Conversation.current_ticket_id)
            .join(Lead, Lead.id == Conversation.lead_id)
            .where(Lead.organization_id == tenant.organization_id, Lead.phone == "+" + phone)
        )
    assert found is not None
    return found


async def _close(harness: Harness, t: Tenant, phone: str, outcome: str, value: int | None = None) -> None:
    ticket_id = await _ticket_id(harness, t, phone)
    body: dict[str, Any] = {"outcome": outcome} | ({"valueCents": value} if value is not None else {})
    resp = await t.client.post(f"/api/v1/tickets/{ticket_id}/close", json=body)
    assert resp.status_code == 200, resp.text


async def _history(harness: Harness, t: Tenant) -> None:
    """Messages through the webhook, tickets closed through the API, then the dates the API
    stamps with the wall clock (lead creation, resolution) and the origins set by hand."""
    ticket = 0

    def mid() -> str:
        nonlocal ticket
        ticket += 1
        return f"M{ticket}"

    await _receive(harness, t, p.text_message(phone=JOAO, message_id=mid(), timestamp=_day(1, 10)))
    await _close(harness, t, JOAO, "lost_price")
    await _receive(harness, t, p.text_message(phone=JOAO, message_id=mid(), timestamp=_day(3, 5)))
    await _close(harness, t, JOAO, "lost_timing")
    await _receive(harness, t, p.text_message(phone=JOAO, message_id=mid(), timestamp=_day(3, 10)))
    await _receive(harness, t, p.from_me_message(phone=JOAO, message_id=mid(), timestamp=_day(3, 10, 12, 10)))
    await _close(harness, t, JOAO, "sale", 150000)
    await _receive(harness, t, p.text_message(phone=MARIA, message_id=mid(), timestamp=_day(3, 3)))
    await _receive(harness, t, p.from_me_message(phone=MARIA, message_id=mid(), timestamp=_day(3, 3, 12, 2)))
    await _close(harness, t, MARIA, "sale", 50000)
    await _receive(harness, t, p.text_message(phone=CAIO, message_id=mid(), timestamp=_day(3, 20)))

    facts = {  # (phone, ticket number): source, campaign, resolved at
        (JOAO, 1): ("meta_ads", "black_friday", _day(2, 2)),
        (JOAO, 2): ("google_ads", "remarketing", _day(3, 6)),
        (JOAO, 3): ("organic", None, _day(3, 12)),
        (MARIA, 1): ("meta_ads", "black_friday", _day(3, 4)),
        (CAIO, 1): ("organic", None, None),
    }
    born = {JOAO: _day(1, 10), MARIA: _day(3, 3), CAIO: _day(3, 20)}
    async with harness.db() as db:
        for phone, created in born.items():
            lead = await db.scalar(
                select(Lead).where(Lead.organization_id == t.organization_id, Lead.phone == "+" + phone)
            )
            assert lead is not None
            first = facts[(phone, 1)]
            lead.created_at, lead.first_source, lead.first_campaign = created, first[0], first[1]
            conv_id = await db.scalar(select(Conversation.id).where(Conversation.lead_id == lead.id))
            for (who, number), (source, campaign, resolved) in facts.items():
                if who == phone:
                    await db.execute(
                        update(Ticket)
                        .where(Ticket.conversation_id == conv_id, Ticket.number == number)
                        .values(source=source, campaign=campaign, resolved_at=resolved, resolution_seconds=None)
                    )


def _groups(body: dict[str, Any]) -> dict[str | None, tuple[Any, ...]]:
    return {
        g["key"]: (g["leads"], g["tickets"], g["sales"], g["salesValueCents"], g["medianTicketsToSale"])
        for g in body["groups"]
    }


async def test_attribution_first_last_and_any_touch(harness: Harness) -> None:
    t = await harness.tenant("Acme")
    await _history(harness, t)

    first = (await t.client.get(f"/api/v1/reports/attribution?{MARCH}&model=first_touch&groupBy=source")).json()
    # leads new in March: Maria (meta_ads), Caio (organic); João's two March tickets and his
    # sale are credited to his first touch, the ad
    assert _groups(first) == {"meta_ads": (1, 3, 2, 200000, 2.0), "organic": (1, 1, 0, 0, None)}
    meta = next(g for g in first["groups"] if g["key"] == "meta_ads")
    assert meta["medianDaysToSale"] == 31.0  # João 61 days, Maria 1 day
    assert first["previousGroups"] == []  # Feb: João's lost ticket resolved, nothing opened or won

    last = (await t.client.get(f"/api/v1/reports/attribution?{MARCH}&model=last_touch&groupBy=source")).json()
    assert _groups(last) == {
        "organic": (2, 2, 1, 150000, 3.0),
        "meta_ads": (1, 1, 1, 50000, 1.0),
        "google_ads": (1, 1, 0, 0, None),
    }

    anyt = (await t.client.get(f"/api/v1/reports/attribution?{MARCH}&model=any_touch&groupBy=source")).json()
    assert {k: v[2:4] for k, v in _groups(anyt).items()} == {
        "meta_ads": (2, 200000),
        "google_ads": (1, 150000),
        "organic": (1, 150000),
    }

    by_campaign = (await t.client.get(f"/api/v1/reports/attribution?{MARCH}&model=last_touch&groupBy=campaign")).json()
    assert _groups(by_campaign)[None][2:4] == (1, 150000)  # the organic sale has no campaign

    resp = await t.client.get(f"/api/v1/reports/attribution?{MARCH}&model=first_touch&groupBy=source&format=csv")
    assert resp.status_code == 200 and resp.headers["content-type"].startswith("text/csv")
    assert resp.content.startswith("\ufeff".encode())
    assert "attachment" in resp.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(resp.content.decode("utf-8-sig"))))
    assert [(r["key"], r["sales"], r["salesValueCents"]) for r in rows] == [
        ("meta_ads", "2", "200000"),
        ("organic", "0", "0"),
    ]


async def test_overview_beside_the_previous_period(harness: Harness) -> None:
    t = await harness.tenant("Acme")
    await _history(harness, t)
    body = (await t.client.get(f"/api/v1/reports/overview?{MARCH}")).json()
    assert body["period"] == {"from": "2026-03-01", "to": "2026-03-31"}
    assert body["previousPeriod"] == {"from": "2026-01-29", "to": "2026-02-28"}

    def fig(name: str) -> tuple[Any, Any]:
        return body[name]["value"], body[name]["previous"]

    assert fig("newLeads") == (2, 0)
    assert fig("ticketsOpened") == (4, 0)
    assert fig("ticketsResolved") == (3, 1)
    assert fig("sales") == (2, 0)
    assert fig("salesValueCents") == (200000, 0)
    assert fig("conversionRate") == (0.6667, 0.0)
    assert fig("firstResponseP50Seconds") == (120, None)  # Maria 2 min, João 10 min
    assert fig("firstResponseP90Seconds") == (600, None)
    assert body["waitingNow"] == 1  # Caio
    outcomes = {k["key"]: (k["value"], k["previous"]) for k in body["resolvedByOutcome"]}
    assert outcomes == {"sale": (2, 0), "lost_timing": (1, 0), "lost_price": (0, 1)}
    daily = {d["date"]: (d["leads"], d["tickets"], d["sales"]) for d in body["daily"]}
    assert len(daily) == 31 and daily["2026-03-03"] == (1, 1, 0) and daily["2026-03-12"] == (0, 0, 1)
    csv_body = (await t.client.get(f"/api/v1/reports/overview?{MARCH}&format=csv")).content.decode("utf-8-sig")
    assert csv_body.startswith("figure,value,previous\r\nnew_leads,2,0\r\n")
    assert "resolution_p50_seconds,86400.0,1987200.0" in csv_body  # 1 day / João's 23 days in Feb


async def test_agents_report_and_agents_see_only_their_own(harness: Harness) -> None:
    t = await harness.tenant("Acme")
    await _history(harness, t)
    body = (await t.client.get(f"/api/v1/reports/agents?{MARCH}")).json()
    assert len(body["agents"]) == 1
    me = body["agents"][0]
    # tickets sent from the phone have no responder; the closing admin was assigned none
    assert me["userId"] == str(t.user_id) and me["ticketsResolved"] == 0

    # an agent of the same organization
    async with harness.db() as db:
        org = await db.get(Organization, t.organization_id)
        assert org is not None
        agent = await auth.create_user(
            db, org, email="agente@example.com", name="Agente", password=PASSWORD, role=Role.AGENT
        )
        agent_id = agent.id
    client = await harness.login("agente@example.com")
    own = (await client.get(f"/api/v1/reports/agents?{MARCH}")).json()
    assert [a["userId"] for a in own["agents"]] == [str(agent_id)]
    other = await client.get(f"/api/v1/reports/overview?{MARCH}&assigneeId={t.user_id}")
    assert other.status_code == 403 and other.json()["error"]["code"] == "report_other_agent_forbidden"
    mine = (await client.get(f"/api/v1/reports/overview?{MARCH}")).json()
    assert mine["ticketsOpened"]["value"] == 0  # none assigned to them


async def test_bad_input_answers_specific_codes(harness: Harness) -> None:
    t = await harness.tenant("Acme")
    other = await harness.tenant("Other")
    cases = {
        "overview?from=2026-03-10&to=2026-03-01": (400, "report_range_inverted"),
        "overview?from=2023-01-01&to=2026-03-01": (400, "report_range_too_long"),
        "attribution?from=2026-03-01&to=2026-03-31&model=linear": (400, "report_model_unknown"),
        "attribution?from=2026-03-01&to=2026-03-31&groupBy=color": (400, "report_group_unknown"),
        "agents?from=2026-03-01&to=2026-03-31&format=xlsx": (400, "report_format_unknown"),
        "overview?from=2026-13-01&to=2026-03-31": (422, "validation_error"),
        "overview?to=2026-03-31": (422, "validation_error"),
        f"overview?{MARCH}&instanceId={other.instance.id}": (404, "instance_not_found"),
        f"overview?{MARCH}&assigneeId={other.user_id}": (404, "user_not_found"),
    }
    for path, (status, code) in cases.items():
        resp = await t.client.get(f"/api/v1/reports/{path}")
        assert (resp.status_code, resp.json()["error"]["code"]) == (status, code), path
    assert (await harness.anon.get(f"/api/v1/reports/overview?{MARCH}")).status_code == 401
    # two years exactly is allowed
    ok = await t.client.get(f"/api/v1/reports/overview?from=2024-04-01&to={(_day(3, 30)).date()}")
    assert ok.status_code == 200, ok.text

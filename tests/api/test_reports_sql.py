"""The reports aggregate in SQL (reports/service.py); tests/api/reports_reference.py keeps the
first version, which fetched one row per ticket and added them up in Python. On a generated
history (ties, unknown origins and values, several campaigns, ads, agents, touches, repeat
sales, an instance and an agent filter) both must give the same reports, on both databases."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, date, datetime, timedelta

from tests.api import reports_reference as reference
from tests.support.tenants import PASSWORD, Harness
from whatrack.auth import service as auth
from whatrack.auth.service import Actor
from whatrack.models import (
    ClosedBy,
    Conversation,
    Instance,
    Lead,
    Organization,
    Role,
    Ticket,
    TicketMetrics,
    TicketOutcome,
    TicketResponder,
    TicketStatus,
    TicketTouch,
)
from whatrack.reports import service

SOURCES = ["meta_ads", "google_ads", "organic", None]
CAMPAIGNS = ["black_friday", "natal", "remarketing", None]
MEDIUMS = ["cpc", "social", None]
ADS = ["ad-1", "ad-2", None]
OUTCOMES = [TicketOutcome.SALE, TicketOutcome.SALE, TicketOutcome.LOST_PRICE, TicketOutcome.OTHER, None]
FIRST_RESPONSES = [60, 120, 120, 300, 300, 3600, None]  # ties on purpose
START = datetime(2026, 1, 20, tzinfo=UTC)


def _at(rng: random.Random, after: datetime, max_hours: int) -> datetime:
    """Whole minutes, so equal durations (ties) are common."""
    return after + timedelta(minutes=rng.randrange(0, max_hours * 60, 30))


async def _history(
    harness: Harness, organization_id: uuid.UUID, instances: list[uuid.UUID], users: list[uuid.UUID]
) -> None:
    rng = random.Random(11)
    async with harness.db() as db:
        for i in range(60):
            created = _at(rng, START, 24 * 75)
            lead = Lead(
                organization_id=organization_id,
                phone=f"+55119{i:08d}",
                first_source=rng.choice(SOURCES),
                first_campaign=rng.choice(CAMPAIGNS),
                first_medium=rng.choice(MEDIUMS),
                created_at=created,
            )
            db.add(lead)
            await db.flush()
            assignee = rng.choice([*users, None])
            conv = Conversation(
                organization_id=organization_id,
                lead_id=lead.id,
                instance_id=rng.choice(instances),
                assignee_id=assignee,
                waiting_since=created if rng.random() < 0.3 else None,
            )
            db.add(conv)
            await db.flush()
            at = created
            count = rng.choice([1, 1, 2, 3, 4])
            for number in range(1, count + 1):
                at = _at(rng, at, 24 * 20)
                last = number == count
                resolved = not last or rng.random() < 0.6
                outcome = rng.choice(OUTCOMES) if resolved else None
                ticket = Ticket(
                    organization_id=organization_id,
                    conversation_id=conv.id,
                    instance_id=conv.instance_id,
                    number=number,
                    status=TicketStatus.RESOLVED if resolved else TicketStatus.OPEN,
                    source=rng.choice(SOURCES),
                    campaign=rng.choice(CAMPAIGNS),
                    medium=rng.choice(MEDIUMS),
                    ad_id=rng.choice(ADS),
                    assignee_id=rng.choice([*users, None]),
                    outcome=outcome,
                    value_cents=rng.choice([10000, 25000, 25000, None]) if outcome == TicketOutcome.SALE else None,
                    closed_by=rng.choice([*ClosedBy, None]) if resolved else None,
                    resolved_at=_at(rng, at, 24 * 10) if resolved else None,
                    created_at=at,
                    last_activity_at=at,
                )
                db.add(ticket)
                await db.flush()
                if rng.random() < 0.85:
                    responders = rng.sample(users, rng.randrange(0, len(users) + 1))
                    first = rng.choice(FIRST_RESPONSES) if responders else None
                    db.add(
                        TicketMetrics(
                            ticket_id=ticket.id,
                            organization_id=organization_id,
                            conversation_id=conv.id,
                            first_response_seconds=first,
                            first_responder_id=responders[0] if first is not None else None,
                            responders=[str(u) for u in responders],
                        )
                    )
                    # as reports/metrics.py writes them beside the JSON array (the reference reads the array)
                    db.add_all(TicketResponder(ticket_id=ticket.id, user_id=u) for u in responders)
                if rng.random() < 0.25:
                    db.add(
                        TicketTouch(
                            organization_id=organization_id,
                            ticket_id=ticket.id,
                            source=rng.choice(["meta_ads", "google_ads"]),
                            campaign=rng.choice(CAMPAIGNS),
                            medium=rng.choice(MEDIUMS),
                            ad_id=rng.choice(ADS),
                            at=at + timedelta(minutes=5),
                        )
                    )
            if resolved:
                conv.ticket_status = TicketStatus.RESOLVED


def _actor(user_id: uuid.UUID, organization_id: uuid.UUID, role: Role) -> Actor:
    return Actor(user_id, organization_id, role, name="x", email="x@example.com", csrf_token="", session_id="")


async def test_sql_reports_equal_the_python_reference(harness: Harness) -> None:
    t = await harness.tenant("Acme")
    other = await harness.tenant("Other")  # its rows must never count
    async with harness.db() as db:
        org = await db.get(Organization, t.organization_id)
        assert org is not None
        org.timezone = "America/New_York"  # a DST change (2026-03-08) inside the ranges: daily points
        agents = [
            (
                await auth.create_user(
                    db, org, email=f"a{i}@example.com", name=f"Agente {i}", password=PASSWORD, role=Role.AGENT
                )
            ).id
            for i in range(3)
        ]
        second = Instance(
            organization_id=t.organization_id,
            name="Segundo",
            base_url="http://wuzapi.invalid",
            token="tok-second-instance",
            webhook_secret="s" * 32,
        )
        db.add(second)
        await db.flush()
        second_id = second.id
    await _history(harness, t.organization_id, [t.instance.id, second_id], [t.user_id, *agents])
    await _history(harness, other.organization_id, [other.instance.id], [other.user_id])

    admin = _actor(t.user_id, t.organization_id, Role.ADMIN)
    agent = _actor(agents[0], t.organization_id, Role.AGENT)
    ranges = [
        (date(2026, 3, 1), date(2026, 3, 31)),
        (date(2026, 2, 10), date(2026, 4, 20)),
        (date(2026, 6, 1), date(2026, 6, 2)),
    ]
    compared = 0
    async with harness.db() as db:
        for start, end in ranges:
            for actor, filters in [
                (admin, {}),
                (admin, {"instance_id": second_id}),
                (admin, {"assignee_id": agents[1]}),
                (agent, {}),
            ]:
                s = await service.scope(db, actor, start, end, **filters)
                new, old = await service.overview(db, s), await reference.overview(db, s)
                assert new == old, (start, filters)
                assert await service.agents(db, s) == await reference.agents(db, s), (start, filters)
                for model in service.MODELS:
                    for group_by in service.GROUPS:
                        new_a = await service.attribution(db, s, model, group_by)
                        old_a = await reference.attribution(db, s, model, group_by)
                        assert new_a == old_a, (start, filters, model, group_by)
                        compared += 1
    assert compared == 3 * 4 * 12
    # the history is not trivial: sales, several groups, percentiles over ties
    async with harness.db() as db:
        s = await service.scope(db, admin, date(2026, 2, 10), date(2026, 4, 20))
        o = await service.overview(db, s)
        a = await service.attribution(db, s, "any_touch", "campaign")
        ag = await service.agents(db, s)
    assert isinstance(o.sales.value, int) and o.sales.value >= 5
    assert o.first_response_p50_seconds.value is not None
    assert len([g for g in a.groups if g.sales]) >= 3 and any(g.key is None for g in a.groups)
    assert sum(x.conversations_handled for x in ag.agents) > 0

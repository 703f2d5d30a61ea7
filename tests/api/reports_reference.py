"""The reports as first written (reports/service.py before the aggregation moved into SQL):
one row per ticket fetched and aggregated in Python. Kept only as the reference the differential
test (test_reports_sql.py) compares the SQL aggregation with; not used by the app."""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from statistics import median
from typing import Any

from sqlalchemy import Select, and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from whatrack.models import (
    Conversation,
    Lead,
    Membership,
    Ticket,
    TicketMetrics,
    TicketOutcome,
    TicketTouch,
    User,
)
from whatrack.reports.metrics import percentile
from whatrack.reports.schemas import (
    AgentFigures,
    AgentsReport,
    Attribution,
    AttributionGroup,
    DailyPoint,
    Figure,
    KeyedFigure,
    Overview,
)
from whatrack.reports.service import Scope, check_model

IN_CHUNK = 10_000


# --- rows --------------------------------------------------------------------------------


def _tickets(s: Scope, *columns: Any) -> Select[Any]:
    stmt = (
        select(*columns)
        .select_from(Ticket)
        .join(Conversation, Conversation.id == Ticket.conversation_id)
        .where(Ticket.organization_id == s.organization_id)
    )
    if s.instance_id is not None:
        stmt = stmt.where(Conversation.instance_id == s.instance_id)
    if s.assignee_id is not None:
        stmt = stmt.where(Ticket.assignee_id == s.assignee_id)
    return stmt


def _leads(s: Scope, *columns: Any) -> Select[Any]:
    stmt = (
        select(*columns)
        .select_from(Lead)
        .join(Conversation, Conversation.lead_id == Lead.id)
        .where(Lead.organization_id == s.organization_id, Lead.created_at >= s.since, Lead.created_at < s.until)
    )
    if s.instance_id is not None:
        stmt = stmt.where(Conversation.instance_id == s.instance_id)
    if s.assignee_id is not None:
        stmt = stmt.where(Conversation.assignee_id == s.assignee_id)
    return stmt


def _opened(s: Scope) -> Any:
    return and_(Ticket.created_at >= s.since, Ticket.created_at < s.until)


def _resolved(s: Scope) -> Any:
    return and_(Ticket.resolved_at >= s.since, Ticket.resolved_at < s.until)


# --- overview ----------------------------------------------------------------------------


@dataclass
class _OverviewFacts:
    new_leads: int
    opened: int
    resolved: int
    sales: int
    value: int
    first_responses: list[float]
    resolutions: list[float]
    by_rule: Counter[str]
    by_outcome: Counter[str]
    daily: dict[date, list[int]]


async def _overview_facts(db: AsyncSession, s: Scope) -> _OverviewFacts:
    daily: dict[date, list[int]] = defaultdict(lambda: [0, 0, 0])
    lead_times = (await db.execute(_leads(s, Lead.created_at))).scalars().all()
    for at in lead_times:
        daily[s.local_date(at)][0] += 1
    opened = (
        await db.execute(
            _tickets(s, Ticket.created_at, TicketMetrics.first_response_seconds)
            .outerjoin(TicketMetrics, TicketMetrics.ticket_id == Ticket.id)
            .where(_opened(s))
        )
    ).all()
    for row in opened:
        daily[s.local_date(row.created_at)][1] += 1
    resolved = (
        await db.execute(
            _tickets(
                s, Ticket.created_at, Ticket.resolved_at, Ticket.closed_by, Ticket.outcome, Ticket.value_cents
            ).where(_resolved(s))
        )
    ).all()
    sales = [r for r in resolved if r.outcome == TicketOutcome.SALE]
    for r in sales:
        daily[s.local_date(r.resolved_at)][2] += 1
    return _OverviewFacts(
        new_leads=len(lead_times),
        opened=len(opened),
        resolved=len(resolved),
        sales=len(sales),
        value=sum(r.value_cents or 0 for r in sales),
        first_responses=[float(r.first_response_seconds) for r in opened if r.first_response_seconds is not None],
        resolutions=[(r.resolved_at - r.created_at).total_seconds() for r in resolved],
        by_rule=Counter(r.closed_by.value if r.closed_by else "unknown" for r in resolved),
        by_outcome=Counter(r.outcome.value if r.outcome else "none" for r in resolved),
        daily=daily,
    )


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _keyed(now: Counter[str], before: Counter[str]) -> list[KeyedFigure]:
    keys = sorted(set(now) | set(before), key=lambda k: (-now[k], k))
    return [KeyedFigure(key=k, value=now[k], previous=before[k]) for k in keys]


async def overview(db: AsyncSession, s: Scope) -> Overview:
    now, before = await _overview_facts(db, s), await _overview_facts(db, s.previous())

    def fig(value: float | None, previous: float | None) -> Figure:
        return Figure(value=value, previous=previous)

    waiting = select(func.count()).select_from(Conversation)
    waiting = waiting.where(Conversation.organization_id == s.organization_id, Conversation.waiting_since.is_not(None))
    if s.instance_id is not None:
        waiting = waiting.where(Conversation.instance_id == s.instance_id)
    if s.assignee_id is not None:
        waiting = waiting.where(Conversation.assignee_id == s.assignee_id)
    days = [s.start + timedelta(days=i) for i in range((s.end - s.start).days + 1)]
    return Overview(
        period=s.period(),
        previous_period=s.previous().period(),
        new_leads=fig(now.new_leads, before.new_leads),
        tickets_opened=fig(now.opened, before.opened),
        tickets_resolved=fig(now.resolved, before.resolved),
        sales=fig(now.sales, before.sales),
        sales_value_cents=fig(now.value, before.value),
        conversion_rate=fig(_rate(now.sales, now.resolved), _rate(before.sales, before.resolved)),
        first_response_p50_seconds=fig(percentile(now.first_responses, 50), percentile(before.first_responses, 50)),
        first_response_p90_seconds=fig(percentile(now.first_responses, 90), percentile(before.first_responses, 90)),
        resolution_p50_seconds=fig(percentile(now.resolutions, 50), percentile(before.resolutions, 50)),
        waiting_now=int(await db.scalar(waiting) or 0),
        resolved_by_closing_rule=_keyed(now.by_rule, before.by_rule),
        resolved_by_outcome=_keyed(now.by_outcome, before.by_outcome),
        daily=[DailyPoint(date=d, leads=now.daily[d][0], tickets=now.daily[d][1], sales=now.daily[d][2]) for d in days],
    )


# --- attribution -------------------------------------------------------------------------

_ORIGIN = {"source": Ticket.source, "campaign": Ticket.campaign, "medium": Ticket.medium, "ad": Ticket.ad_id}
_TOUCH = {"source": "source", "campaign": "campaign", "medium": "medium", "ad_id": "ad_id"}
_FIRST = {"source": Lead.first_source, "campaign": Lead.first_campaign, "medium": Lead.first_medium}


async def _first_keys(db: AsyncSession, lead_ids: Iterable[uuid.UUID], group_by: str) -> dict[uuid.UUID, str | None]:
    """Each lead's first-touch key."""
    ids = list(set(lead_ids))
    if not ids:
        return {}
    keys: dict[uuid.UUID, str | None] = {}
    for chunk in _chunks(ids):
        if group_by == "ad":  # the ad of the lead's first ticket
            stmt = (
                select(Conversation.lead_id, Ticket.ad_id)
                .join(Ticket, and_(Ticket.conversation_id == Conversation.id, Ticket.number == 1))
                .where(Conversation.lead_id.in_(chunk))
            )
        else:
            stmt = select(Lead.id, _FIRST[group_by]).where(Lead.id.in_(chunk))
        keys.update({row[0]: row[1] for row in await db.execute(stmt)})
    return keys


def _chunks(values: Sequence[Any]) -> Iterator[Sequence[Any]]:
    """IN lists in slices: one bound parameter per value, and both drivers cap them (asyncpg at
    32,767, SQLite at 32,766), so a large organization's report would fail otherwise."""
    for start in range(0, len(values), IN_CHUNK):
        yield values[start : start + IN_CHUNK]


async def _groups(db: AsyncSession, s: Scope, model: str, group_by: str) -> list[AttributionGroup]:
    origin = _ORIGIN[group_by]
    opened = (await db.execute(_tickets(s, Conversation.lead_id, origin.label("key")).where(_opened(s)))).all()
    sales = (
        await db.execute(
            _tickets(
                s,
                Ticket.id,
                Ticket.conversation_id,
                Ticket.number,
                Ticket.value_cents,
                Ticket.resolved_at,
                Conversation.lead_id,
                Lead.created_at.label("lead_created_at"),
                origin.label("key"),
            )
            .join(Lead, Lead.id == Conversation.lead_id)
            .where(_resolved(s), Ticket.outcome == TicketOutcome.SALE)
        )
    ).all()
    leads: dict[str | None, set[uuid.UUID]] = defaultdict(set)
    tickets: Counter[str | None] = Counter()
    credited: dict[str | None, list[Any]] = defaultdict(list)  # key -> sales credited
    if model == "first_touch":
        new_leads = (await db.execute(_leads(s, Lead.id))).scalars().all()
        first = await _first_keys(db, [*new_leads, *(r.lead_id for r in opened), *(r.lead_id for r in sales)], group_by)
        for lead_id in new_leads:
            leads[first.get(lead_id)].add(lead_id)
        for r in opened:
            tickets[first.get(r.lead_id)] += 1
        for sale in sales:
            credited[first.get(sale.lead_id)].append(sale)
    else:
        for r in opened:
            leads[r.key].add(r.lead_id)
            tickets[r.key] += 1
        if model == "last_touch":
            for sale in sales:
                credited[sale.key].append(sale)
        else:
            for sale, keys in zip(sales, await _journeys(db, sales, origin), strict=True):
                for key in keys:
                    credited[key].append(sale)
    all_keys = set(leads) | set(tickets) | set(credited)
    groups = []
    for key in all_keys:
        won = credited[key]
        groups.append(
            AttributionGroup(
                key=key,
                leads=len(leads[key]),
                tickets=tickets[key],
                sales=len(won),
                sales_value_cents=sum(x.value_cents or 0 for x in won),
                conversion_rate=_rate(len(won), len(leads[key])),
                median_tickets_to_sale=float(median(x.number for x in won)) if won else None,
                median_days_to_sale=(
                    round(median((x.resolved_at - x.lead_created_at).total_seconds() / 86400 for x in won), 2)
                    if won
                    else None
                ),
            )
        )
    groups.sort(key=lambda g: (-g.sales_value_cents, -g.sales, -g.leads, g.key or ""))
    return groups


async def _journeys(db: AsyncSession, sales: Sequence[Any], origin: Any) -> list[list[str | None]]:
    """For each sale, the distinct origins of its journey: the conversation's tickets after the
    previous sale, up to and including this one."""
    if not sales:
        return []
    rows: list[Any] = []
    for chunk in _chunks(list({s.conversation_id for s in sales})):
        stmt = select(Ticket.id, Ticket.conversation_id, Ticket.number, Ticket.outcome, origin.label("key"))
        rows.extend((await db.execute(stmt.where(Ticket.conversation_id.in_(chunk)))).all())
    by_conv: dict[uuid.UUID, list[Any]] = defaultdict(list)
    for r in rows:
        by_conv[r.conversation_id].append(r)
    # ad clicks while a ticket was open (ticket_touches) are touches of the journey too
    touch_key = getattr(TicketTouch, _TOUCH[origin.key])
    touched: dict[uuid.UUID, list[str | None]] = defaultdict(list)
    ticket_ids = [r.id for r in rows]
    touch_rows: list[Any] = []
    for chunk in _chunks(ticket_ids):
        stmt = select(TicketTouch.ticket_id, TicketTouch.at, touch_key).where(TicketTouch.ticket_id.in_(chunk))
        touch_rows.extend((await db.execute(stmt)).all())
    for ticket_id, _at, key in sorted(touch_rows, key=lambda r: r[1]):
        touched[ticket_id].append(key)
    result = []
    for sale in sales:
        earlier = [r for r in by_conv[sale.conversation_id] if r.number <= sale.number]
        previous_sale = max(
            (r.number for r in earlier if r.outcome == TicketOutcome.SALE and r.number < sale.number), default=0
        )
        keys: list[str | None] = []
        for r in sorted(earlier, key=lambda r: r.number):
            if r.number > previous_sale:
                for key in (r.key, *touched[r.id]):
                    if key not in keys:
                        keys.append(key)
        result.append(keys)
    return result


async def attribution(db: AsyncSession, s: Scope, model: str, group_by: str) -> Attribution:
    check_model(model, group_by)
    return Attribution(
        period=s.period(),
        model=model,
        group_by=group_by,
        groups=await _groups(db, s, model, group_by),
        previous_groups=await _groups(db, s.previous(), model, group_by),
    )


# --- agents ------------------------------------------------------------------------------


async def _agent_figures(db: AsyncSession, s: Scope, people: dict[uuid.UUID, str]) -> list[AgentFigures]:
    opened = (
        await db.execute(
            _tickets(
                s,
                Ticket.conversation_id,
                Ticket.assignee_id,
                TicketMetrics.first_response_seconds,
                TicketMetrics.first_responder_id,
                TicketMetrics.responders,
            )
            .outerjoin(TicketMetrics, TicketMetrics.ticket_id == Ticket.id)
            .where(_opened(s))
        )
    ).all()
    resolved = (
        await db.execute(_tickets(s, Ticket.assignee_id, Ticket.outcome, Ticket.value_cents).where(_resolved(s)))
    ).all()
    handled: dict[uuid.UUID, set[uuid.UUID]] = defaultdict(set)
    firsts: dict[uuid.UUID, list[float]] = defaultdict(list)
    for r in opened:
        for user in {r.assignee_id, *(uuid.UUID(x) for x in (r.responders or []))}:
            if user is not None:
                handled[user].add(r.conversation_id)
        if r.first_responder_id is not None and r.first_response_seconds is not None:
            firsts[r.first_responder_id].append(float(r.first_response_seconds))
    closed: Counter[uuid.UUID] = Counter()
    sales: Counter[uuid.UUID] = Counter()
    value: Counter[uuid.UUID] = Counter()
    for r in resolved:
        if r.assignee_id is None:
            continue
        closed[r.assignee_id] += 1
        if r.outcome == TicketOutcome.SALE:
            sales[r.assignee_id] += 1
            value[r.assignee_id] += r.value_cents or 0
    return [
        AgentFigures(
            user_id=user,
            name=name,
            conversations_handled=len(handled[user]),
            first_response_p50_seconds=percentile(firsts[user], 50),
            first_response_p90_seconds=percentile(firsts[user], 90),
            tickets_resolved=closed[user],
            sales=sales[user],
            sales_value_cents=value[user],
        )
        for user, name in sorted(people.items(), key=lambda kv: kv[1].lower())
    ]


async def agents(db: AsyncSession, s: Scope) -> AgentsReport:
    stmt = (
        select(User.id, User.name)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.organization_id == s.organization_id)
    )
    if s.assignee_id is not None:
        stmt = stmt.where(User.id == s.assignee_id)
    people = {row.id: row.name for row in await db.execute(stmt)}
    return AgentsReport(
        period=s.period(),
        agents=await _agent_figures(db, s, people),
        previous_agents=await _agent_figures(db, s.previous(), people),
    )

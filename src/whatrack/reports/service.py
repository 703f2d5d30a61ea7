"""Reports: overview, attribution, agents, computed from tickets and their ticket_metrics rows
(never the messages table), for a range of dates in the organization's time zone.

Definitions, for a range [from, to] (inclusive local dates):
- a ticket counts as opened in the range by its created_at, resolved/sale by its resolved_at;
  a lead is new by its created_at;
- conversion (overview) = sales / tickets resolved; conversion (attribution) = sales / leads;
- attribution models credit a sale (a ticket resolved with outcome `sale` in the range):
  first_touch -> the lead's first origin (Lead.first_*; the ad of its first ticket);
  last_touch -> the origin of the ticket that ended in the sale;
  any_touch -> every distinct origin of the lead's journey to that sale (its tickets after the
  previous sale, up to and including this one, and the ad clicks recorded as touches on them),
  each credited with the whole sale.
  `leads` are the leads new in the range for first_touch (so the leads list with the same
  created range lists them), else the distinct leads of the tickets opened in the range;
  `tickets` are the tickets opened in the range, credited the same way;
- tickets-to-sale is the sale ticket's number; days-to-sale runs from the lead's creation.
Agents (non-admins) see only tickets assigned to them.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel
from sqlalchemy import (
    ARRAY,
    DateTime,
    Float,
    Numeric,
    Select,
    Subquery,
    and_,
    between,
    case,
    cast,
    distinct,
    extract,
    func,
    literal,
    select,
    text,
    type_coerce,
    union,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from whatrack.auth.service import Actor
from whatrack.db_util import dialect
from whatrack.errors import (
    InstanceNotFound,
    ReportDateOutOfRange,
    ReportGroupUnknown,
    ReportModelUnknown,
    ReportOtherAgentForbidden,
    ReportRangeInverted,
    ReportRangeTooLong,
    UserNotFound,
)
from whatrack.models import (
    Conversation,
    Instance,
    Lead,
    Membership,
    Organization,
    Ticket,
    TicketMetrics,
    TicketOutcome,
    TicketResponder,
    TicketTouch,
    User,
)
from whatrack.reports.schemas import (
    AgentFigures,
    AgentsReport,
    Attribution,
    AttributionGroup,
    DailyPoint,
    Figure,
    KeyedFigure,
    Overview,
    Period,
)

MAX_DAYS = 2 * 366
REPORT_WORK_MEM = "32MB"  # per sort/hash node, this transaction only (_plan_for_reports)
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2999, 12, 31)
MODELS = ("first_touch", "last_touch", "any_touch")
GROUPS = ("source", "campaign", "medium", "ad")


@dataclass(frozen=True, slots=True)
class Scope:
    """Who and what a report covers."""

    organization_id: uuid.UUID
    start: date
    end: date  # inclusive
    tz: ZoneInfo
    instance_id: uuid.UUID | None = None
    assignee_id: uuid.UUID | None = None  # agents: always themselves

    @property
    def since(self) -> datetime:
        return datetime.combine(self.start, time.min, self.tz).astimezone(UTC)

    @property
    def until(self) -> datetime:  # exclusive
        return datetime.combine(self.end + timedelta(days=1), time.min, self.tz).astimezone(UTC)

    def previous(self) -> Scope:
        days = (self.end - self.start).days + 1
        return Scope(
            self.organization_id,
            self.start - timedelta(days=days),
            self.start - timedelta(days=1),
            self.tz,
            self.instance_id,
            self.assignee_id,
        )

    def period(self) -> Period:
        return Period.model_validate({"from": self.start, "to": self.end})

    def local_date(self, at: datetime) -> date:
        return at.astimezone(self.tz).date()


async def scope(
    db: AsyncSession,
    actor: Actor,
    start: date,
    end: date,
    *,
    instance_id: uuid.UUID | None = None,
    assignee_id: uuid.UUID | None = None,
) -> Scope:
    """The report's scope, after the checks every report makes (range, agents' own figures)."""
    if start < FIRST_DAY or end > LAST_DAY:  # the previous period and time zones stay in range
        raise ReportDateOutOfRange(
            "Report dates go from 2000-01-01 to 2999-12-31",
            {"min": FIRST_DAY.isoformat(), "max": LAST_DAY.isoformat()},
        )
    if start > end:
        raise ReportRangeInverted("`from` is after `to`", {"from": start.isoformat(), "to": end.isoformat()})
    if (end - start).days + 1 > MAX_DAYS:
        raise ReportRangeTooLong("A report covers two years at most", {"maxDays": MAX_DAYS})
    if not actor.is_admin:
        if assignee_id is not None and assignee_id != actor.user_id:
            raise ReportOtherAgentForbidden("Agents see only their own figures")
        assignee_id = actor.user_id
    if instance_id is not None:
        mine = select(Instance.id).where(Instance.id == instance_id, Instance.organization_id == actor.organization_id)
        if await db.scalar(mine) is None:
            raise InstanceNotFound("Instance not found")
    if assignee_id is not None:
        member = select(Membership.id).where(
            Membership.organization_id == actor.organization_id, Membership.user_id == assignee_id
        )
        if await db.scalar(member) is None:
            raise UserNotFound("No such user in this organization")
    tz_name = await db.scalar(select(Organization.timezone).where(Organization.id == actor.organization_id))
    return Scope(actor.organization_id, start, end, ZoneInfo(tz_name or "UTC"), instance_id, assignee_id)


def check_model(model: str, group_by: str) -> None:
    if model not in MODELS:
        raise ReportModelUnknown(f"Unknown model {model!r}", {"allowed": list(MODELS)})
    if group_by not in GROUPS:
        raise ReportGroupUnknown(f"Unknown groupBy {group_by!r}", {"allowed": list(GROUPS)})


# --- rows --------------------------------------------------------------------------------


def _tickets(s: Scope, *columns: Any, conversation: bool = False) -> Select[Any]:
    """The scope's tickets; joined to their conversation when the instance filter or a column
    (`conversation=True`) needs it (every ticket has one: the join would only cost time)."""
    stmt = select(*columns).select_from(Ticket).where(Ticket.organization_id == s.organization_id)
    if conversation or s.instance_id is not None:
        stmt = stmt.join(Conversation, Conversation.id == Ticket.conversation_id)
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


# --- SQL pieces --------------------------------------------------------------------------
# Every figure is aggregated by the database: a report reads tens of rows, never one per
# ticket. The same statements run on both databases; only three expressions differ by dialect
# (local date, seconds between two timestamps; SQLite's are Python functions registered on
# every connection, `db.register_sqlite_functions`), and percentiles (`_Stats`): the nearest
# rank of metrics.percentile() and the median of statistics.median(), so the figures are the
# ones the Python definitions give.


class _Days:
    """The local date (organization's time zone) of UTC timestamps within the days of `s`. On
    PostgreSQL the number of the day whose first instant precedes the timestamp: width_bucket over
    the days' first instants, the boundaries Scope.since/until are made of (per row, a binary
    search costs a third of date(timezone(tz, at)): 13 ms less per 127k tickets, bench/README.md);
    SQLite: wt_local_date. Select `of(column)`, read the values back with `date()`."""

    def __init__(self, db: AsyncSession, s: Scope) -> None:
        self.native = dialect(db) == "postgresql"
        self.s = s
        days = (s.end - s.start).days + 1
        starts = [
            datetime.combine(s.start + timedelta(days=i), time.min, s.tz).astimezone(UTC) for i in range(days + 1)
        ]
        self.starts = literal(starts, ARRAY(DateTime(timezone=True)))

    def of(self, at: Any) -> Any:
        if self.native:
            return func.width_bucket(at, self.starts)
        return func.wt_local_date(at, self.s.tz.key)

    def date(self, value: Any) -> date:
        if self.native:  # bucket i holds [start of day i, start of day i + 1), from 1
            return self.s.start + timedelta(days=int(value) - 1)
        return _as_date(value)


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _seconds(db: AsyncSession, later: Any, earlier: Any) -> Any:
    """Exact seconds from `earlier` to `later` (microseconds kept)."""
    if dialect(db) == "postgresql":
        return type_coerce(extract("epoch", later - earlier), Numeric())
    return func.wt_seconds_between(later, earlier)


class _Stats:
    """Percentiles of the value columns of `src`, per group `by`: on PostgreSQL its ordered-set
    aggregates (percentile_disc is metrics.percentile()'s nearest rank, ceil(p/100 * n) in double
    precision; percentile_cont(0.5) the median of statistics.median()); on SQLite, which has
    neither, the same figures from window functions: each row's rank and its group's size.
    Select from `rows` and group by `rows.c[by]`; plain aggregates of its columns work on both."""

    def __init__(self, db: AsyncSession, src: Subquery, by: Sequence[str], *values: str) -> None:
        self.native = dialect(db) == "postgresql"
        if self.native:
            self.rows = src
            return
        part = [src.c[b] for b in by] or None
        ranks = [func.row_number().over(partition_by=part, order_by=src.c[v]).label(f"rn_{v}") for v in values]
        self.rows = select(*src.c, *ranks, func.count().over(partition_by=part).label("n")).subquery()

    def nearest_rank(self, value: str, p: float) -> Any:
        if self.native:
            return func.percentile_disc(p / 100).within_group(self.rows.c[value])
        f = cast(literal(p / 100, Float()), Float()) * self.rows.c.n
        rank = self.rows.c[f"rn_{value}"]
        return func.min(self.rows.c[value]).filter(and_(rank >= f, rank < f + 1))

    def median(self, value: str) -> Any:
        if self.native:
            return func.percentile_cont(0.5).within_group(cast(self.rows.c[value], Float()))
        rank, n = self.rows.c[f"rn_{value}"], self.rows.c.n
        return func.avg(self.rows.c[value]).filter(between(2 * rank, n, n + 2))


async def _plan_for_reports(db: AsyncSession) -> None:
    """PostgreSQL settings for this transaction only (SET LOCAL): no JIT (the statements run in
    tens of milliseconds, and a set-returning function's default estimate of 100 rows per call
    pushed the agents statement over jit_above_cost: 0.3-1.3 s compiling, measured in
    bench/README.md); a custom plan for every execution (asyncpg prepares each statement once per
    connection, and from the sixth run PostgreSQL may switch to a generic plan that does not see
    the dates: the same statement measured 55 ms custom, 101 ms generic); and work_mem enough
    for the sorts of ~127k tickets to stay in memory (4MB spilled them to disk)."""
    if dialect(db) == "postgresql":
        await db.execute(text("SET LOCAL jit = off"))
        await db.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
        await db.execute(text(f"SET LOCAL work_mem = '{REPORT_WORK_MEM}'"))


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


NOW, BEFORE = 1, 0  # the period labels the statements group by


def _period(s: Scope, at: Any) -> Any:
    """NOW for a time in the scope's range, BEFORE for one in the previous period: an integer,
    not a text label ('now'/'before' cost each sort and group a collation-aware comparison)."""
    return case((at >= s.since, NOW), else_=BEFORE)


def _with_previous(s: Scope) -> Scope:
    """The scope stretched back over its previous period (both read by one statement)."""
    return replace(s, start=s.previous().start)


# --- overview ----------------------------------------------------------------------------


@dataclass
class _OverviewFacts:
    new_leads: int = 0
    opened: int = 0
    resolved: int = 0
    sales: int = 0
    value: int = 0
    first_p50: float | None = None
    first_p90: float | None = None
    resolution_p50: float | None = None
    by_rule: Counter[str] = field(default_factory=Counter)
    by_outcome: Counter[str] = field(default_factory=Counter)


async def _count_by_day(db: AsyncSession, days: _Days, stmt: Select[Any]) -> dict[date, int]:
    rows = stmt.subquery()
    return {
        days.date(day): int(n) for day, n in await db.execute(select(rows.c.day, func.count()).group_by(rows.c.day))
    }


async def _overview_facts(db: AsyncSession, s: Scope) -> tuple[dict[int, _OverviewFacts], dict[date, list[int]]]:
    """Both periods' figures ('now', 'before') and the daily points, by six statements."""
    both = _with_previous(s)
    facts = {NOW: _OverviewFacts(), BEFORE: _OverviewFacts()}
    daily: dict[date, list[int]] = defaultdict(lambda: [0, 0, 0])

    def of(day: date) -> _OverviewFacts:
        return facts[NOW if day >= s.start else BEFORE]

    days = _Days(db, both)
    leads = await _count_by_day(db, days, _leads(both, days.of(Lead.created_at).label("day")))
    for day, n in leads.items():
        daily[day][0] += n
        of(day).new_leads += n
    opened = await _count_by_day(db, days, _tickets(both, days.of(Ticket.created_at).label("day")).where(_opened(both)))
    for day, n in opened.items():
        daily[day][1] += n
        of(day).opened += n
    res = (
        _tickets(
            both,
            days.of(Ticket.resolved_at).label("day"),
            Ticket.closed_by,
            Ticket.outcome,
            Ticket.value_cents,
        )
        .where(_resolved(both))
        .subquery()
    )
    grouped = select(res.c.day, res.c.closed_by, res.c.outcome, func.count(), func.sum(res.c.value_cents))
    for day, closed_by, outcome, n, value in await db.execute(
        grouped.group_by(res.c.day, res.c.closed_by, res.c.outcome)
    ):
        f = of(days.date(day))
        f.resolved += n
        f.by_rule[closed_by.value if closed_by else "unknown"] += n
        f.by_outcome[outcome.value if outcome else "none"] += n
        if outcome == TicketOutcome.SALE:
            f.sales += n
            f.value += int(value or 0)
            daily[days.date(day)][2] += n
    firsts = (
        _tickets(both, _period(s, Ticket.created_at).label("period"), TicketMetrics.first_response_seconds.label("v"))
        .join(TicketMetrics, TicketMetrics.ticket_id == Ticket.id)
        .where(_opened(both), TicketMetrics.first_response_seconds.is_not(None))
        .subquery()
    )
    st = _Stats(db, firsts, ["period"], "v")
    r = st.rows
    for period, p50, p90 in await db.execute(
        select(r.c.period, st.nearest_rank("v", 50), st.nearest_rank("v", 90)).group_by(r.c.period)
    ):
        facts[period].first_p50, facts[period].first_p90 = _float(p50), _float(p90)
    times = (
        _tickets(
            both,
            _period(s, Ticket.resolved_at).label("period"),
            # on the organization's clock as stored at close (or by `whatrack metrics rebuild`);
            # tickets stored before it was recorded: the wall-clock difference
            func.coalesce(Ticket.resolution_seconds, _seconds(db, Ticket.resolved_at, Ticket.created_at)).label("v"),
        )
        .where(_resolved(both))
        .subquery()
    )
    st = _Stats(db, times, ["period"], "v")
    r = st.rows
    for period, p50 in await db.execute(select(r.c.period, st.nearest_rank("v", 50)).group_by(r.c.period)):
        facts[period].resolution_p50 = _float(p50)
    return facts, daily


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _keyed(now: Counter[str], before: Counter[str]) -> list[KeyedFigure]:
    keys = sorted(set(now) | set(before), key=lambda k: (-now[k], k))
    return [KeyedFigure(key=k, value=now[k], previous=before[k]) for k in keys]


async def overview(db: AsyncSession, s: Scope) -> Overview:
    await _plan_for_reports(db)
    facts, daily = await _overview_facts(db, s)
    now, before = facts[NOW], facts[BEFORE]

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
        first_response_p50_seconds=fig(now.first_p50, before.first_p50),
        first_response_p90_seconds=fig(now.first_p90, before.first_p90),
        resolution_p50_seconds=fig(now.resolution_p50, before.resolution_p50),
        waiting_now=int(await db.scalar(waiting) or 0),
        resolved_by_closing_rule=_keyed(now.by_rule, before.by_rule),
        resolved_by_outcome=_keyed(now.by_outcome, before.by_outcome),
        daily=[DailyPoint(date=d, leads=daily[d][0], tickets=daily[d][1], sales=daily[d][2]) for d in days],
    )


# --- attribution -------------------------------------------------------------------------

_ATTR = {"source": "source", "campaign": "campaign", "medium": "medium", "ad": "ad_id"}
_FIRST = {"source": Lead.first_source, "campaign": Lead.first_campaign, "medium": Lead.first_medium}


def _first_key(group_by: str, lead_id: Any) -> Any:
    """A lead's first-touch key (Lead.first_*, with Lead in the statement; for ads, the ad of the
    lead's first ticket)."""
    if group_by != "ad":
        return _FIRST[group_by]
    first, conv = aliased(Ticket), aliased(Conversation)
    return (
        select(first.ad_id)
        .join(conv, conv.id == first.conversation_id)
        .where(conv.lead_id == lead_id, first.number == 1)
        .limit(1)
        .scalar_subquery()
    )


def _journey_keys(sales: Subquery, attr: str, facts: Sequence[str]) -> Subquery:
    """(sale, key, the sale's `facts` columns) for every distinct origin of each sale's journey:
    the conversation's tickets after the previous sale, up to and including this one, and the ad
    clicks recorded on them. The facts ride along (they depend on the sale only, so the UNION's
    distinct is the same) so that the sales are not read a second time to join them back."""
    step, earlier = aliased(Ticket), aliased(Ticket)
    previous_sale = (
        select(func.coalesce(func.max(earlier.number), 0))
        .where(
            earlier.conversation_id == sales.c.conversation_id,
            earlier.outcome == TicketOutcome.SALE,
            earlier.number < sales.c.number,
        )
        .scalar_subquery()
    )
    steps = (
        select(
            sales.c.id.label("sale_id"),
            *(sales.c[f] for f in facts),
            step.id.label("ticket_id"),
            getattr(step, attr).label("key"),
        )
        .join(
            step,
            and_(
                step.conversation_id == sales.c.conversation_id,
                step.number <= sales.c.number,
                step.number > previous_sale,
            ),
        )
        .subquery()
    )
    carried = [steps.c[f] for f in facts]
    touched = select(steps.c.sale_id, getattr(TicketTouch, attr).label("key"), *carried).join(
        TicketTouch, TicketTouch.ticket_id == steps.c.ticket_id
    )
    return union(select(steps.c.sale_id, steps.c.key, *carried), touched).subquery()  # UNION: distinct


@dataclass
class _Credit:
    leads: Counter[str | None] = field(default_factory=Counter)
    tickets: Counter[str | None] = field(default_factory=Counter)
    won: dict[str | None, tuple[int, int, float | None, float | None]] = field(default_factory=dict)

    def groups(self) -> list[AttributionGroup]:
        groups = []
        for key in set(self.leads) | set(self.tickets) | set(self.won):
            n, value, tickets_to_sale, seconds_to_sale = self.won.get(key, (0, 0, None, None))
            groups.append(
                AttributionGroup(
                    key=key,
                    leads=self.leads[key],
                    tickets=self.tickets[key],
                    sales=n,
                    sales_value_cents=value,
                    conversion_rate=_rate(n, self.leads[key]),
                    median_tickets_to_sale=tickets_to_sale,
                    median_days_to_sale=None if seconds_to_sale is None else round(seconds_to_sale / 86400, 2),
                )
            )
        groups.sort(key=lambda g: (-g.sales_value_cents, -g.sales, -g.leads, g.key or ""))
        return groups


async def _credits(db: AsyncSession, s: Scope, model: str, group_by: str) -> dict[int, _Credit]:
    """Both periods' groups ('now', 'before'), three statements."""
    attr = _ATTR[group_by]
    both = _with_previous(s)
    credit = {NOW: _Credit(), BEFORE: _Credit()}
    opened_in = _period(s, Ticket.created_at).label("period")
    if model == "first_touch":
        new = _leads(
            both, _period(s, Lead.created_at).label("period"), _first_key(group_by, Lead.id).label("key"), Lead.id
        ).subquery()
        # one row per lead already (conversations.lead_id is unique): count(*) is count(DISTINCT id)
        stmt = select(new.c.period, new.c.key, func.count()).group_by(new.c.period, new.c.key)
        for period, key, n in await db.execute(stmt):
            credit[period].leads[key] = n
        sale_key = _first_key(group_by, Conversation.lead_id)
        o = (
            _tickets(both, opened_in, sale_key.label("key"), conversation=True)
            .join(Lead, Lead.id == Conversation.lead_id)
            .where(_opened(both))
            .subquery()
        )
        for period, key, n in await db.execute(select(o.c.period, o.c.key, func.count()).group_by(o.c.period, o.c.key)):
            credit[period].tickets[key] = n
    else:
        sale_key = getattr(Ticket, attr)
        # distinct leads = distinct conversations (a conversation has one lead, a lead one
        # conversation: conversations.lead_id is unique), so no join to conversations for them
        o = _tickets(both, opened_in, sale_key.label("key"), Ticket.conversation_id).where(_opened(both)).subquery()
        for period, key, n, distinct_leads in await db.execute(
            select(o.c.period, o.c.key, func.count(), func.count(distinct(o.c.conversation_id))).group_by(
                o.c.period, o.c.key
            )
        ):
            credit[period].tickets[key], credit[period].leads[key] = n, distinct_leads
    sales = (
        _tickets(
            both,
            _period(s, Ticket.resolved_at).label("period"),
            Ticket.id.label("id"),
            Ticket.conversation_id.label("conversation_id"),
            Ticket.number.label("number"),
            Ticket.value_cents.label("value_cents"),
            _seconds(db, Ticket.resolved_at, Lead.created_at).label("seconds"),
            sale_key.label("key"),
            conversation=True,
        )
        .join(Lead, Lead.id == Conversation.lead_id)
        .where(_resolved(both), Ticket.outcome == TicketOutcome.SALE)
        .subquery()
    )
    facts = ("period", "value_cents", "number", "seconds")
    if model == "any_touch":
        keys = _journey_keys(sales, attr, facts)
        credited = select(keys.c.key, *(keys.c[f] for f in facts))
    else:
        credited = select(sales.c.key, *(sales.c[f] for f in facts))
    c = credited.subquery()
    st = _Stats(db, c, ["period", "key"], "number", "seconds")
    r = st.rows
    stmt = select(
        r.c.period, r.c.key, func.count(), func.sum(r.c.value_cents), st.median("number"), st.median("seconds")
    ).group_by(r.c.period, r.c.key)
    for period, key, n, value, tickets_to_sale, seconds_to_sale in await db.execute(stmt):
        credit[period].won[key] = (int(n), int(value or 0), _float(tickets_to_sale), _float(seconds_to_sale))
    return credit


async def attribution(db: AsyncSession, s: Scope, model: str, group_by: str) -> Attribution:
    check_model(model, group_by)
    await _plan_for_reports(db)
    credit = await _credits(db, s, model, group_by)
    return Attribution(
        period=s.period(),
        model=model,
        group_by=group_by,
        groups=credit[NOW].groups(),
        previous_groups=credit[BEFORE].groups(),
    )


# --- agents ------------------------------------------------------------------------------


def _as_uuid(value: Any) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def _handled(s: Scope, opened_in: Any) -> Select[Any]:
    """(period, user, conversations handled): distinct conversations of the tickets opened in the
    range the user was assigned or responded to (ticket_responders: joining its rows costs 30%
    less than unnesting ticket_metrics.responders, a JSON array per ticket, bench/README.md)."""
    both = _with_previous(s)
    assigned = _tickets(both, opened_in, Ticket.conversation_id, Ticket.assignee_id.label("user")).where(
        _opened(both), Ticket.assignee_id.is_not(None)
    )
    responded = (
        _tickets(both, opened_in, Ticket.conversation_id, TicketResponder.user_id.label("user"))
        .join(TicketResponder, TicketResponder.ticket_id == Ticket.id)
        .where(_opened(both))
    )
    people = union_all(assigned, responded).subquery()
    return select(people.c.period, people.c.user, func.count(distinct(people.c.conversation_id))).group_by(
        people.c.period, people.c.user
    )


@dataclass
class _AgentFacts:
    handled: Counter[uuid.UUID] = field(default_factory=Counter)
    firsts: dict[uuid.UUID, tuple[float | None, float | None]] = field(default_factory=dict)
    closed: dict[uuid.UUID, tuple[int, int, int]] = field(default_factory=dict)  # resolved, sales, value


async def _agent_facts(db: AsyncSession, s: Scope) -> dict[int, _AgentFacts]:
    """Both periods' figures per agent ('now', 'before'), three statements."""
    both = _with_previous(s)
    facts = {NOW: _AgentFacts(), BEFORE: _AgentFacts()}
    opened_in = _period(s, Ticket.created_at).label("period")
    for period, user, n in await db.execute(_handled(s, opened_in)):
        facts[period].handled[_as_uuid(user)] = n
    firsts = (
        _tickets(
            both,
            opened_in,
            TicketMetrics.first_responder_id.label("user"),
            TicketMetrics.first_response_seconds.label("v"),
        )
        .join(TicketMetrics, TicketMetrics.ticket_id == Ticket.id)
        .where(
            _opened(both),
            TicketMetrics.first_responder_id.is_not(None),
            TicketMetrics.first_response_seconds.is_not(None),
        )
        .subquery()
    )
    st = _Stats(db, firsts, ("period", "user"), "v")
    r = st.rows
    for period, user, p50, p90 in await db.execute(
        select(r.c.period, r.c.user, st.nearest_rank("v", 50), st.nearest_rank("v", 90)).group_by(r.c.period, r.c.user)
    ):
        facts[period].firsts[user] = (_float(p50), _float(p90))
    sale = Ticket.outcome == TicketOutcome.SALE
    resolved_in = _period(s, Ticket.resolved_at)
    resolved = _tickets(
        both,
        resolved_in,
        Ticket.assignee_id,
        func.count(),
        func.count().filter(sale),
        func.sum(Ticket.value_cents).filter(sale),
    ).where(_resolved(both), Ticket.assignee_id.is_not(None))
    for period, user, n, sales, value in await db.execute(resolved.group_by(resolved_in, Ticket.assignee_id)):
        facts[period].closed[user] = (int(n), int(sales), int(value or 0))
    return facts


def _agent_figures(f: _AgentFacts, people: dict[uuid.UUID, str]) -> list[AgentFigures]:
    return [
        AgentFigures(
            user_id=user,
            name=name,
            conversations_handled=f.handled[user],
            first_response_p50_seconds=f.firsts.get(user, (None, None))[0],
            first_response_p90_seconds=f.firsts.get(user, (None, None))[1],
            tickets_resolved=f.closed.get(user, (0, 0, 0))[0],
            sales=f.closed.get(user, (0, 0, 0))[1],
            sales_value_cents=f.closed.get(user, (0, 0, 0))[2],
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
    await _plan_for_reports(db)
    facts = await _agent_facts(db, s)
    return AgentsReport(
        period=s.period(),
        agents=_agent_figures(facts[NOW], people),
        previous_agents=_agent_figures(facts[BEFORE], people),
    )


# --- CSV ---------------------------------------------------------------------------------


def to_csv(rows: Sequence[BaseModel]) -> str:
    """Rows as CSV with camelCase headers, UTF-8 BOM first so Excel reads accents right."""
    out = io.StringIO()
    out.write("\ufeff")
    if rows:
        first = rows[0].model_dump(mode="json", by_alias=True)
        writer = csv.DictWriter(out, fieldnames=list(first), lineterminator="\r\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: "" if v is None else v for k, v in row.model_dump(mode="json", by_alias=True).items()})
    return out.getvalue()


def overview_rows(report: Overview) -> list[BaseModel]:
    names = [
        "new_leads",
        "tickets_opened",
        "tickets_resolved",
        "sales",
        "sales_value_cents",
        "conversion_rate",
        "first_response_p50_seconds",
        "first_response_p90_seconds",
        "resolution_p50_seconds",
    ]
    rows: list[BaseModel] = []
    for name in names:
        f: Figure = getattr(report, name)
        rows.append(_CsvFigure(figure=name, value=f.value, previous=f.previous))
    return rows


class _CsvFigure(BaseModel):
    figure: str
    value: int | float | None
    previous: int | float | None

"""The leads list (a CRM view): every lead of the organization with its first touch, its last
ticket's origin and outcome, how many tickets it had and when it last spoke, newest lead first.

Filters match the first-touch report: `source`/`campaign` are the lead's first touch
(Lead.first_*), `createdFrom`/`createdTo` its creation, as local dates of the organization
(inclusive), so a lead the first-touch report counts for a range and origin is listed for the
same range and origin. `outcome` and the instance are those of the lead's conversation and its
last ticket. Pages are keyed by (created_at, id) on ix_leads_org_created.
"""

from __future__ import annotations

import base64
import csv
import io
import json
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from whatrack.auth.service import Actor
from whatrack.db import fold
from whatrack.db_util import conversation_visible
from whatrack.errors import InvalidCursor, LeadsDateInvalid, LeadsRangeInverted
from whatrack.leads.schemas import LeadListItem, LeadPage, LeadTicketBrief
from whatrack.models import Conversation, Lead, Organization, Ticket, TicketOutcome

CSV_LIMIT = 50_000


@dataclass(frozen=True, slots=True)
class LeadFilters:
    q: str | None = None
    source: str | None = None
    campaign: str | None = None
    outcome: TicketOutcome | None = None
    instance_id: uuid.UUID | None = None
    created_from: str | None = None  # YYYY-MM-DD, organization time zone, inclusive
    created_to: str | None = None


def _date(value: str | None, field: str) -> date | None:
    if value is None or value == "":
        return None
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError as exc:
        raise LeadsDateInvalid(f"{field} is not a date (YYYY-MM-DD)", {"field": field}) from exc


def _encode_cursor(created_at: datetime, lead_id: uuid.UUID) -> str:
    return base64.urlsafe_b64encode(json.dumps([created_at.isoformat(), str(lead_id)]).encode()).decode()


def _decode_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    try:
        raw = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        at = datetime.fromisoformat(raw[0])
        return (at if at.tzinfo else at.replace(tzinfo=UTC)), uuid.UUID(raw[1])
    except (ValueError, TypeError, IndexError, KeyError, json.JSONDecodeError) as exc:
        raise InvalidCursor("Invalid cursor") from exc


def _like(term: str) -> str:
    return "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


async def _statement(
    db: AsyncSession, actor: Actor, f: LeadFilters
) -> Select[Lead, uuid.UUID, datetime, uuid.UUID, Ticket]:
    start, end = _date(f.created_from, "createdFrom"), _date(f.created_to, "createdTo")
    if start is not None and end is not None and start > end:
        raise LeadsRangeInverted("createdFrom is after createdTo", {"from": str(start), "to": str(end)})
    stmt = (
        select(Lead, Conversation.id, Conversation.last_message_at, Conversation.instance_id, Ticket)
        .join(Conversation, Conversation.lead_id == Lead.id)
        .outerjoin(Ticket, Ticket.id == Conversation.current_ticket_id)
        .where(Lead.organization_id == actor.organization_id)
    )
    if actor.restricted_to is not None:  # the visibility policy, as the conversation list applies it
        stmt = stmt.where(conversation_visible(actor.restricted_to))
    if start is not None or end is not None:
        tz_name = await db.scalar(select(Organization.timezone).where(Organization.id == actor.organization_id))
        tz = ZoneInfo(tz_name or "UTC")
        if start is not None:
            stmt = stmt.where(Lead.created_at >= datetime.combine(start, time.min, tz).astimezone(UTC))
        if end is not None:
            until = datetime.combine(end + timedelta(days=1), time.min, tz).astimezone(UTC)
            stmt = stmt.where(Lead.created_at < until)
    if f.source:
        stmt = stmt.where(Lead.first_source == f.source)
    if f.campaign:
        stmt = stmt.where(Lead.first_campaign == f.campaign)
    if f.outcome is not None:
        stmt = stmt.where(Ticket.outcome == f.outcome)
    if f.instance_id is not None:
        stmt = stmt.where(Conversation.instance_id == f.instance_id)
    if f.q and f.q.strip():
        q = f.q.strip()
        pattern = _like(fold(q))  # accents and case never matter (wt_fold, as the inbox search)
        clauses = [
            func.wt_fold(Lead.name).like(pattern, escape="\\"),
            func.wt_fold(Lead.push_name).like(pattern, escape="\\"),
        ]
        digits = re.sub(r"\D", "", q)
        if len(digits) >= 3:
            clauses.append(Lead.phone.like(_like(digits), escape="\\"))
        stmt = stmt.where(or_(*clauses))
    return stmt.order_by(Lead.created_at.desc(), Lead.id.desc())


def _item(lead: Lead, conv_id: uuid.UUID, last_at: datetime, instance_id: uuid.UUID, t: Ticket | None) -> LeadListItem:
    return LeadListItem(
        id=lead.id,
        name=lead.name,
        push_name=lead.push_name,
        phone=lead.phone,
        created_at=lead.created_at,
        first_source=lead.first_source,
        first_campaign=lead.first_campaign,
        first_medium=lead.first_medium,
        conversation_id=conv_id,
        instance_id=instance_id,
        # ticket numbers run 1, 2, 3... per conversation: the last one is the count
        tickets_count=t.number if t is not None else 0,
        last_ticket=(
            LeadTicketBrief(
                id=t.id,
                number=t.number,
                status=t.status,
                source=t.source,
                campaign=t.campaign,
                medium=t.medium,
                ad_id=t.ad_id,
                ad_headline=t.ad_headline,
                outcome=t.outcome,
                value_cents=t.value_cents,
            )
            if t is not None
            else None
        ),
        last_contact_at=last_at,
    )


async def list_leads(db: AsyncSession, actor: Actor, filters: LeadFilters, cursor: str | None, limit: int) -> LeadPage:
    stmt = await _statement(db, actor, filters)
    if cursor:
        at, lead_id = _decode_cursor(cursor)
        stmt = stmt.where(or_(Lead.created_at < at, and_(Lead.created_at == at, Lead.id < lead_id)))
    rows = (await db.execute(stmt.limit(limit + 1))).all()
    items = [_item(*row) for row in rows[:limit]]
    next_cursor = None
    if len(rows) > limit:
        last = rows[limit - 1][0]
        next_cursor = _encode_cursor(last.created_at, last.id)
    return LeadPage(items=items, next_cursor=next_cursor)


CSV_COLUMNS = (
    ("name", "Nome"),
    ("phone", "Telefone"),
    ("createdAt", "Criado em"),
    ("firstSource", "Primeira origem"),
    ("firstCampaign", "Primeira campanha"),
    ("firstMedium", "Primeiro meio"),
    ("lastSource", "Origem do último ticket"),
    ("lastCampaign", "Campanha do último ticket"),
    ("lastOutcome", "Resultado do último ticket"),
    ("lastValueCents", "Valor (centavos)"),
    ("ticketsCount", "Tickets"),
    ("lastContactAt", "Último contato"),
)


async def leads_csv(db: AsyncSession, actor: Actor, filters: LeadFilters) -> str:
    """Every lead the filters match (up to CSV_LIMIT) as CSV, UTF-8 with BOM for Excel."""
    rows = (await db.execute((await _statement(db, actor, filters)).limit(CSV_LIMIT))).all()
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([title for _, title in CSV_COLUMNS])
    for row in rows:
        item = _item(*row)
        t = item.last_ticket
        values: dict[str, Any] = {
            "name": item.name or item.push_name,
            "phone": item.phone,
            "createdAt": item.created_at.isoformat(),
            "firstSource": item.first_source,
            "firstCampaign": item.first_campaign,
            "firstMedium": item.first_medium,
            "lastSource": t.source if t else None,
            "lastCampaign": t.campaign if t else None,
            "lastOutcome": t.outcome.value if t and t.outcome else None,
            "lastValueCents": t.value_cents if t else None,
            "ticketsCount": item.tickets_count,
            "lastContactAt": item.last_contact_at.isoformat(),
        }
        writer.writerow(["" if values[key] is None else values[key] for key, _ in CSV_COLUMNS])
    return out.getvalue()

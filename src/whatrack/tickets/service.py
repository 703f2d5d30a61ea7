"""Tickets: service sessions inside a conversation. Transitions lock the conversation row."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import datetime

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from whatrack.attribution.referral import Origin
from whatrack.auth.service import Actor
from whatrack.conversations import service as conversations
from whatrack.db import utcnow
from whatrack.db_util import for_update, insert_or_get, one_of
from whatrack.errors import Conflict, NotFound
from whatrack.models import ClosedBy, Conversation, Lead, Ticket, TicketOutcome, TicketStatus
from whatrack.realtime.events import emit_conversation_updated


def _active(conversation_id: uuid.UUID) -> Select[Ticket]:
    return select(Ticket).where(Ticket.conversation_id == conversation_id, Ticket.status != TicketStatus.RESOLVED)


async def active_ticket(db: AsyncSession, conversation_id: uuid.UUID) -> Ticket | None:
    ticket: Ticket | None = await db.scalar(for_update(_active(conversation_id), db))
    return ticket


async def active_tickets(db: AsyncSession, conversation_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, Ticket]:
    """The non-resolved ticket of each conversation that has one, locked in id order."""
    if not conversation_ids:
        return {}
    stmt = (
        select(Ticket)
        .where(one_of(db, Ticket.conversation_id, conversation_ids), Ticket.status != TicketStatus.RESOLVED)
        .order_by(Ticket.id)
    )
    return {t.conversation_id: t for t in (await db.scalars(for_update(stmt, db))).all()}


def _sync_conversation(conv: Conversation, ticket: Ticket) -> None:
    conv.current_ticket_id = ticket.id
    conv.ticket_status = ticket.status


async def resolve_ticket(
    db: AsyncSession, conv: Conversation, lead: Lead, origin: Origin, at: datetime
) -> tuple[Ticket, bool]:
    """The conversation's open ticket, or a new OPEN one carrying `origin`. Returns (ticket, created).

    The partial unique index (one non-resolved ticket per conversation) settles races.
    """
    current = await active_ticket(db, conv.id)
    if current is not None:
        current.last_activity_at = max(current.last_activity_at, at)
        return current, False
    number = (await db.scalar(select(func.max(Ticket.number)).where(Ticket.conversation_id == conv.id)) or 0) + 1
    ticket, created = await insert_or_get(
        db,
        Ticket(
            id=uuid.uuid4(),
            organization_id=conv.organization_id,
            conversation_id=conv.id,
            number=number,
            status=TicketStatus.OPEN,
            source=origin.source,
            campaign=origin.campaign,
            medium=origin.medium,
            ad_id=origin.ad_id,
            ctwa_clid=origin.ctwa_clid,
            referral=origin.details,
            assignee_id=conv.assignee_id,
            last_activity_at=at,
            created_at=at if at < utcnow() else utcnow(),
        ),
        _active(conv.id),
    )
    if created and lead.first_source is None:
        # First touch: written once, from the lead's first ticket.
        lead.first_source = origin.source
        lead.first_campaign = origin.campaign
        lead.first_medium = origin.medium
    _sync_conversation(conv, ticket)
    return ticket, created


async def get_ticket(db: AsyncSession, actor: Actor, ticket_id: uuid.UUID) -> Ticket:
    ticket = await db.scalar(
        select(Ticket).where(Ticket.id == ticket_id, Ticket.organization_id == actor.organization_id)
    )
    if ticket is None:
        raise NotFound("Ticket not found")
    return ticket


async def _lock_conversation(db: AsyncSession, conversation_id: uuid.UUID) -> Conversation:
    conv: Conversation | None = await db.scalar(
        for_update(select(Conversation).where(Conversation.id == conversation_id), db)
    )
    if conv is None:  # pragma: no cover - FK guarantees it
        raise NotFound("Conversation not found")
    return conv


async def close_ticket(
    db: AsyncSession,
    ticket: Ticket,
    outcome: TicketOutcome | None,
    reason: str | None,
    closed_by: ClosedBy,
) -> tuple[Ticket, Conversation]:
    conv = await _lock_conversation(db, ticket.conversation_id)
    await db.refresh(ticket)
    if ticket.status == TicketStatus.RESOLVED:
        raise Conflict(f"Ticket #{ticket.number} is already closed")
    ticket.status = TicketStatus.RESOLVED
    ticket.outcome = outcome
    ticket.outcome_reason = reason
    ticket.closed_by = closed_by
    ticket.resolved_at = utcnow()
    _sync_conversation(conv, ticket)
    conv.waiting_since = None
    await db.flush()
    emit_conversation_updated(db, conv.organization_id, await conversations.read_model(db, conv.id))
    return ticket, conv


async def reopen_ticket(db: AsyncSession, ticket: Ticket) -> tuple[Ticket, Conversation]:
    conv = await _lock_conversation(db, ticket.conversation_id)
    await db.refresh(ticket)
    if ticket.status != TicketStatus.RESOLVED:
        raise Conflict(f"Ticket #{ticket.number} is not closed")
    other = await db.scalar(_active(conv.id))
    if other is not None:
        raise Conflict(f"Ticket #{other.number} is already open in this conversation; close it first")
    ticket.status = TicketStatus.OPEN
    ticket.outcome = None
    ticket.outcome_reason = None
    ticket.closed_by = None
    ticket.resolved_at = None
    ticket.last_activity_at = utcnow()
    _sync_conversation(conv, ticket)
    await db.flush()
    emit_conversation_updated(db, conv.organization_id, await conversations.read_model(db, conv.id))
    return ticket, conv

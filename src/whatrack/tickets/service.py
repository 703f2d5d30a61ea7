"""Tickets: service sessions inside a conversation. Transitions lock the conversation row."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import datetime

from sqlalchemy import Select, bindparam, case, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from whatrack.attribution.referral import Origin
from whatrack.auth.service import Actor
from whatrack.business_hours import clocks
from whatrack.conversations import service as conversations
from whatrack.db import utcnow
from whatrack.db_util import (
    for_update,
    get_scoped,
    insert_or_get,
    table_of,
)
from whatrack.errors import (
    ConversationNotFound,
    TicketAlreadyOpen,
    TicketAlreadyResolved,
    TicketNotFound,
    TicketNotResolved,
)
from whatrack.messages import service as messages
from whatrack.models import (
    ClosedBy,
    Conversation,
    Lead,
    ScheduledMessage,
    ScheduledStatus,
    Ticket,
    TicketOutcome,
    TicketStatus,
    User,
)
from whatrack.realtime.events import emit_conversation_updated
from whatrack.tickets import ads


def _active(conversation_id: uuid.UUID) -> Select[Ticket]:
    return select(Ticket).where(Ticket.conversation_id == conversation_id, Ticket.status != TicketStatus.RESOLVED)


async def active_ticket(db: AsyncSession, conversation_id: uuid.UUID) -> Ticket | None:
    ticket: Ticket | None = await db.scalar(for_update(_active(conversation_id), db))
    return ticket


_TICKETS = table_of(Ticket)
# Never moves back, in SQL too: the batch reads tickets without locking them (conversations.lock_many),
# so a concurrent writer's later activity must survive our earlier one.
_WRITE_ACTIVITY = (
    update(_TICKETS)
    .where(_TICKETS.c.id == bindparam("b_id"))
    .values(
        last_activity_at=case(
            (_TICKETS.c.last_activity_at < bindparam("b_at"), bindparam("b_at")), else_=_TICKETS.c.last_activity_at
        )
    )
)


async def write_activity(db: AsyncSession, tickets: Collection[Ticket]) -> None:
    """last_activity_at of tickets changed by touch() on detached rows (the webhook batch)."""
    if tickets:
        await db.execute(_WRITE_ACTIVITY, [{"b_id": x.id, "b_at": x.last_activity_at} for x in tickets])


def touch(ticket: Ticket, at: datetime) -> None:
    """Something happened on the ticket at `at` (a message, a lead's reaction): the only writer
    of last_activity_at (the inactivity job reads it). Never moves back: webhooks arrive in any order."""
    ticket.last_activity_at = max(ticket.last_activity_at, at)


def may_have_follow_ups(ticket: Ticket) -> bool:
    """Whether a follow-up sequence was ever scheduled on this active ticket: then a lead's reply
    must cancel it (cancel_follow_ups). inbox/batch.py leaves such messages to receive()."""
    return ticket.follow_up_enabled or ticket.status == TicketStatus.FOLLOW_UP


async def cancel_follow_ups(
    db: AsyncSession,
    conv: Conversation,
    ticket: Ticket,
    *,
    reason: str = "lead_replied",
    by: str | None = None,
    at: datetime | None = None,
) -> bool:
    """The lead replied (or an agent stopped it, or a step could not be sent): the pending
    follow-up steps are cancelled — never a message an agent scheduled — and a FOLLOW_UP ticket
    is OPEN again; a SYSTEM line says so in the thread. The caller emits conversation_updated.
    Returns whether a running follow-up was stopped."""
    if not may_have_follow_ups(ticket):
        return False
    await db.execute(
        update(ScheduledMessage)
        .where(
            ScheduledMessage.ticket_id == ticket.id,
            ScheduledMessage.status == ScheduledStatus.PENDING,
            ScheduledMessage.step.is_not(None),
        )
        .values(status=ScheduledStatus.CANCELLED, updated_at=utcnow())
    )
    ticket.follow_up_enabled = False
    ticket.follow_up_ends_at = None
    if ticket.status != TicketStatus.FOLLOW_UP:
        return False
    ticket.status = TicketStatus.OPEN
    ticket.current_follow_up_step = None
    conversations.on_ticket(conv, ticket)
    params: dict[str, str] = {"reason": reason}
    if by is not None:
        params["by"] = by
    # by default at the ticket's last activity (the reply that cancelled it): the same line on every path
    await messages.add_system(db, conv, ticket.id, "follow_up_cancelled", params, at=at or ticket.last_activity_at)
    return True


async def resolve_ticket(
    db: AsyncSession,
    conv: Conversation,
    lead: Lead,
    origin: Origin,
    at: datetime,
    *,
    instance_id: uuid.UUID | None = None,
) -> tuple[Ticket, bool]:
    """The conversation's open ticket, or a new OPEN one carrying `origin`, recording the number it
    came through (`instance_id`, else the conversation's current one). Returns (ticket, created).

    The partial unique index (one non-resolved ticket per conversation) settles races.
    """
    current = await active_ticket(db, conv.id)
    if current is not None:
        touch(current, at)
        if origin.is_ad:  # an ad click while the ticket is open: a touch, not a new origin
            await ads.record_touch(db, current, origin, at)
        return current, False
    origin = await ads.named_origin(db, conv.organization_id, origin)
    number = (await db.scalar(select(func.max(Ticket.number)).where(Ticket.conversation_id == conv.id)) or 0) + 1
    ticket, created = await insert_or_get(db, new_ticket(conv, origin, at, number, instance_id), _active(conv.id))
    if created:
        opened(conv, lead, ticket)
        await follow_assignee(db, conv, ticket)
    else:
        conversations.on_ticket(conv, ticket)
    return ticket, created


def new_ticket(
    conv: Conversation, origin: Origin, at: datetime, number: int, instance_id: uuid.UUID | None = None
) -> Ticket:
    """An OPEN ticket carrying `origin`, through `instance_id` (default: the conversation's
    current number); not stored yet."""
    now = utcnow()
    return Ticket(
        id=uuid.uuid4(),
        organization_id=conv.organization_id,
        conversation_id=conv.id,
        instance_id=instance_id or conv.instance_id,
        number=number,
        status=TicketStatus.OPEN,
        source=origin.source,
        campaign=origin.campaign,
        medium=origin.medium,
        ad_id=origin.ad_id,
        ctwa_clid=origin.ctwa_clid,
        ad_headline=origin.ad.headline if origin.ad else None,
        ad_body=origin.ad.body if origin.ad else None,
        ad_source_url=origin.ad.source_url if origin.ad else None,
        ad_thumbnail_url=origin.ad.thumbnail_url if origin.ad else None,
        referral=origin.details,
        assignee_id=conv.assignee_id,
        follow_up_enabled=False,
        last_activity_at=at,
        created_at=at if at < now else now,
    )


def opened(conv: Conversation, lead: Lead, ticket: Ticket) -> None:
    """A new ticket was stored: the conversation points at it; first touch on the lead."""
    first_touch(lead, ticket)
    conversations.on_ticket(conv, ticket)


def first_touch(lead: Lead, ticket: Ticket) -> None:
    """The lead's origin is written once, from its first ticket."""
    if lead.first_source is None:
        lead.first_source = ticket.source
        lead.first_campaign = ticket.campaign
        lead.first_medium = ticket.medium


async def _name(db: AsyncSession, user_id: uuid.UUID | None) -> str | None:
    user = await db.get(User, user_id) if user_id is not None else None
    return user.name if user is not None else None


async def follow_assignee(db: AsyncSession, conv: Conversation, ticket: Ticket) -> None:
    """While a ticket is not resolved its assignee is the conversation's (who worked it, for
    reports and the lead panel); a resolved ticket keeps the one it was closed with."""
    if ticket.status == TicketStatus.RESOLVED:
        return
    if ticket.assignee_id != conv.assignee_id or (conv.assignee_id is not None and ticket.assignee_name is None):
        ticket.assignee_id = conv.assignee_id
        ticket.assignee_name = await _name(db, conv.assignee_id)


async def assigned(
    db: AsyncSession, conv: Conversation, before: uuid.UUID | None, *, by: str | None, at: datetime | None = None
) -> None:
    """The conversation's assignee changed from `before` (an agent assigned, transferred or took
    it): the open ticket follows and a SYSTEM line says from whom to whom, by whom."""
    if before == conv.assignee_id:
        return
    ticket = await db.scalar(_active(conv.id))
    if ticket is not None:
        await follow_assignee(db, conv, ticket)
    ticket_id = ticket.id if ticket is not None else conv.current_ticket_id
    if ticket_id is None:  # pragma: no cover - a visible conversation has had a ticket
        return
    params: dict[str, str | None] = {"from": await _name(db, before), "to": await _name(db, conv.assignee_id)}
    if by is not None:
        params["by"] = by
    await messages.add_system(db, conv, ticket_id, "assigned", params, at=at)


async def get_ticket(db: AsyncSession, actor: Actor, ticket_id: uuid.UUID) -> Ticket:
    return await get_scoped(db, Ticket, actor, ticket_id, TicketNotFound)


async def _lock_conversation(db: AsyncSession, conversation_id: uuid.UUID) -> Conversation:
    conv: Conversation | None = await db.scalar(
        for_update(select(Conversation).where(Conversation.id == conversation_id), db)
    )
    if conv is None:  # pragma: no cover - FK guarantees it
        raise ConversationNotFound("Conversation not found")
    return conv


async def close_ticket(
    db: AsyncSession,
    ticket: Ticket,
    outcome: TicketOutcome | None,
    reason: str | None,
    closed_by: ClosedBy,
    value_cents: int | None = None,
    *,
    closed_by_user_id: uuid.UUID | None = None,
    by: str | None = None,
) -> tuple[Ticket, Conversation]:
    """Resolve the ticket (by an agent: `by` is their name; else by a rule, `closed_by`); a
    SYSTEM line records the outcome and who or which rule closed it."""
    conv = await _lock_conversation(db, ticket.conversation_id)
    await db.refresh(ticket)
    if ticket.status == TicketStatus.RESOLVED:
        raise TicketAlreadyResolved(f"Ticket #{ticket.number} is already closed", {"ticketNumber": ticket.number})
    if may_have_follow_ups(ticket):  # a closed ticket sends no more follow-up steps
        await db.execute(
            update(ScheduledMessage)
            .where(
                ScheduledMessage.ticket_id == ticket.id,
                ScheduledMessage.status == ScheduledStatus.PENDING,
                ScheduledMessage.step.is_not(None),
            )
            .values(status=ScheduledStatus.CANCELLED, updated_at=utcnow())
        )
        ticket.follow_up_enabled = False
    await follow_assignee(db, conv, ticket)  # who worked it, frozen from here on
    ticket.closed_by_user_id = closed_by_user_id
    ticket.status = TicketStatus.RESOLVED
    ticket.outcome = outcome
    ticket.outcome_reason = reason
    ticket.closed_by = closed_by
    ticket.value_cents = value_cents if outcome == TicketOutcome.SALE else None
    ticket.resolved_at = utcnow()
    ticket.resolution_seconds = await resolution_seconds(db, ticket)
    conversations.on_ticket(conv, ticket)
    await db.flush()
    params: dict[str, str | int | None] = {
        "number": ticket.number,
        "outcome": outcome.value if outcome is not None else None,
        "closedBy": closed_by.value,
    }
    if by is not None:
        params["by"] = by
    if ticket.value_cents is not None:
        params["valueCents"] = ticket.value_cents
    if closed_by != ClosedBy.FOLLOW_UP:  # that rule writes its own line (follow_up_completed)
        await messages.add_system(db, conv, ticket.id, "ticket_closed", params, at=ticket.resolved_at)
    emit_conversation_updated(db, conv.organization_id, await conversations.read_model(db, conv.id))
    return ticket, conv


async def resolution_seconds(db: AsyncSession, ticket: Ticket) -> int | None:
    """created -> resolved on the organization's clock (wall or business hours), as
    `whatrack metrics rebuild` recomputes it."""
    if ticket.resolved_at is None:
        return None
    clock = (await clocks(db, [ticket.organization_id]))[ticket.organization_id]
    return clock.seconds(ticket.created_at, ticket.resolved_at)


async def reopen_ticket(db: AsyncSession, ticket: Ticket, *, by: str | None = None) -> tuple[Ticket, Conversation]:
    conv = await _lock_conversation(db, ticket.conversation_id)
    await db.refresh(ticket)
    if ticket.status != TicketStatus.RESOLVED:
        raise TicketNotResolved(f"Ticket #{ticket.number} is not closed", {"ticketNumber": ticket.number})
    other = await db.scalar(_active(conv.id))
    if other is not None:
        raise TicketAlreadyOpen(
            f"Ticket #{other.number} is already open in this conversation; close it first",
            {"ticketNumber": other.number},
        )
    ticket.status = TicketStatus.OPEN
    ticket.outcome = None
    ticket.outcome_reason = None
    ticket.closed_by = None
    ticket.resolved_at = None
    ticket.resolution_seconds = None
    ticket.closed_by_user_id = None
    touch(ticket, utcnow())
    conversations.on_ticket(conv, ticket)
    await follow_assignee(db, conv, ticket)
    await db.flush()
    params: dict[str, str | int] = {"number": ticket.number}
    if by is not None:
        params["by"] = by
    await messages.add_system(db, conv, ticket.id, "ticket_reopened", params)
    emit_conversation_updated(db, conv.organization_id, await conversations.read_model(db, conv.id))
    return ticket, conv

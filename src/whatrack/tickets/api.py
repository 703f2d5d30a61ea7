from __future__ import annotations

import uuid

from fastapi import APIRouter
from sqlalchemy.ext.asyncio import AsyncSession

from whatrack.auth.service import Actor
from whatrack.conversations import service as conversations
from whatrack.deps import CurrentActor, Db
from whatrack.errors import Conflict, NotFound, Unauthorized, responses
from whatrack.models import ClosedBy, Conversation, Ticket
from whatrack.realtime.events import emit_conversation_updated
from whatrack.tickets import service
from whatrack.tickets.schemas import CloseTicketIn, TicketRead

router = APIRouter(prefix="/api/v1/tickets", tags=["tickets"])
ERRORS = responses(Unauthorized, NotFound, Conflict)


async def _done(db: AsyncSession, actor: Actor, ticket: Ticket, conv: Conversation) -> TicketRead:
    emit_conversation_updated(db, actor.organization_id, await conversations.read_model(db, conv.id))
    return TicketRead.model_validate(ticket)


@router.post("/{ticket_id}/close", responses=ERRORS)
async def close_ticket(ticket_id: uuid.UUID, body: CloseTicketIn, db: Db, actor: CurrentActor) -> TicketRead:
    """Close (resolve) a ticket with its outcome; the lead's next message opens a new ticket."""
    ticket = await service.get_ticket(db, actor, ticket_id)
    ticket, conv = await service.close_ticket(db, ticket, body.outcome, body.reason, ClosedBy.MANUAL)
    return await _done(db, actor, ticket, conv)


@router.post("/{ticket_id}/reopen", responses=ERRORS)
async def reopen_ticket(ticket_id: uuid.UUID, db: Db, actor: CurrentActor) -> TicketRead:
    """Reopen a resolved ticket (409 if another ticket is already open)."""
    ticket = await service.get_ticket(db, actor, ticket_id)
    ticket, conv = await service.reopen_ticket(db, ticket)
    return await _done(db, actor, ticket, conv)

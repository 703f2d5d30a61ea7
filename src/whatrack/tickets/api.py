from __future__ import annotations

import uuid

from fastapi import APIRouter

from whatrack.deps import CurrentActor, Db
from whatrack.errors import (
    WRITE,
    TicketAlreadyOpen,
    TicketAlreadyResolved,
    TicketNotFound,
    TicketNotResolved,
    responses,
)
from whatrack.models import ClosedBy
from whatrack.tickets import service
from whatrack.tickets.schemas import CloseTicketIn, TicketRead

router = APIRouter(prefix="/api/v1/tickets", tags=["tickets"])


@router.post("/{ticket_id}/close", responses=responses(*WRITE, TicketNotFound, TicketAlreadyResolved))
async def close_ticket(ticket_id: uuid.UUID, body: CloseTicketIn, db: Db, actor: CurrentActor) -> TicketRead:
    """Close (resolve) a ticket with its outcome; the lead's next message opens a new ticket."""
    ticket = await service.get_ticket(db, actor, ticket_id)
    ticket, _conv = await service.close_ticket(
        db,
        ticket,
        body.outcome,
        body.reason,
        ClosedBy.MANUAL,
        value_cents=body.value_cents,
        closed_by_user_id=actor.user_id,
        by=actor.name,
    )
    return TicketRead.model_validate(ticket)


@router.post("/{ticket_id}/reopen", responses=responses(*WRITE, TicketNotFound, TicketNotResolved, TicketAlreadyOpen))
async def reopen_ticket(ticket_id: uuid.UUID, db: Db, actor: CurrentActor) -> TicketRead:
    """Reopen a resolved ticket (409 if another ticket is already open)."""
    ticket = await service.get_ticket(db, actor, ticket_id)
    ticket, _conv = await service.reopen_ticket(db, ticket, by=actor.name)
    return TicketRead.model_validate(ticket)

from __future__ import annotations

import uuid

from fastapi import APIRouter

from whatrack.deps import CurrentActor, Db
from whatrack.errors import SESSION, WRITE, LeadNotFound, NothingToUpdate, responses
from whatrack.leads import service
from whatrack.leads.schemas import LeadRead, LeadUpdate

router = APIRouter(prefix="/api/v1/leads", tags=["leads"])


@router.get("/{lead_id}", responses=responses(*SESSION, LeadNotFound))
async def get_lead(lead_id: uuid.UUID, db: Db, actor: CurrentActor) -> LeadRead:
    """A lead with every ticket and its origin: the journey."""
    return await service.lead_read(db, await service.get_lead(db, actor, lead_id))


@router.patch("/{lead_id}", responses=responses(*WRITE, LeadNotFound, NothingToUpdate))
async def update_lead(lead_id: uuid.UUID, body: LeadUpdate, db: Db, actor: CurrentActor) -> LeadRead:
    """Edit the lead's name and notes."""
    lead = await service.update_lead(db, actor, lead_id, body)
    return await service.lead_read(db, lead)

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import Response

from whatrack.deps import CurrentActor, Db
from whatrack.errors import (
    SESSION,
    WRITE,
    InvalidCursor,
    LeadNotFound,
    LeadsDateInvalid,
    LeadsRangeInverted,
    NothingToUpdate,
    ReportFormatUnknown,
    responses,
)
from whatrack.leads import listing, service
from whatrack.leads.schemas import LeadPage, LeadRead, LeadUpdate
from whatrack.models import TicketOutcome

router = APIRouter(prefix="/api/v1/leads", tags=["leads"])
CSV: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/csv": {"schema": {"type": "string"}}}, "description": "The leads (CSV with `?format=csv`)"}
}


@router.get(
    "",
    response_model=LeadPage,
    responses=responses(*SESSION, InvalidCursor, LeadsDateInvalid, LeadsRangeInverted, ReportFormatUnknown) | CSV,
)
async def list_leads(
    db: Db,
    actor: CurrentActor,
    q: Annotated[str | None, Query(max_length=200, description="Name or phone")] = None,
    source: Annotated[str | None, Query(max_length=64, description="First touch source")] = None,
    campaign: Annotated[str | None, Query(max_length=200, description="First touch campaign")] = None,
    outcome: Annotated[TicketOutcome | None, Query(description="Outcome of the lead's last ticket")] = None,
    instance_id: Annotated[uuid.UUID | None, Query(alias="instanceId")] = None,
    created_from: Annotated[
        str | None, Query(alias="createdFrom", max_length=32, description="YYYY-MM-DD, organization time zone")
    ] = None,
    created_to: Annotated[
        str | None, Query(alias="createdTo", max_length=32, description="YYYY-MM-DD, inclusive")
    ] = None,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    format: Annotated[str, Query(description="json (default) or csv (every match, UTF-8 with BOM)")] = "json",
) -> Any:
    """Leads, newest first: first touch, last ticket's origin and outcome, tickets, last contact.
    `source`/`campaign` and the created range match the first-touch report."""
    if format not in ("json", "csv"):
        raise ReportFormatUnknown(f"Unknown format {format!r}", {"allowed": ["json", "csv"]})
    filters = listing.LeadFilters(
        q=q,
        source=source,
        campaign=campaign,
        outcome=outcome,
        instance_id=instance_id,
        created_from=created_from,
        created_to=created_to,
    )
    if format == "csv":
        body = await listing.leads_csv(db, actor, filters)
        return Response(
            body.encode("utf-8"),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="leads.csv"'},
        )
    return await listing.list_leads(db, actor, filters, cursor, limit)


@router.get("/{lead_id}", responses=responses(*SESSION, LeadNotFound))
async def get_lead(lead_id: uuid.UUID, db: Db, actor: CurrentActor) -> LeadRead:
    """A lead with every ticket and its origin: the journey."""
    return await service.lead_read(db, await service.get_lead(db, actor, lead_id))


@router.patch("/{lead_id}", responses=responses(*WRITE, LeadNotFound, NothingToUpdate))
async def update_lead(lead_id: uuid.UUID, body: LeadUpdate, db: Db, actor: CurrentActor) -> LeadRead:
    """Edit the lead's name and notes."""
    lead = await service.update_lead(db, actor, lead_id, body)
    return await service.lead_read(db, lead)

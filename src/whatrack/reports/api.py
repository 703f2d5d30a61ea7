"""Reports for managers (admins; agents get their own figures). `?format=csv` downloads the
same report as CSV (UTF-8 with BOM)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response

from whatrack.deps import AdminActor, CurrentActor, Db
from whatrack.errors import (
    SESSION,
    WRITE,
    AdminRequired,
    InstanceNotFound,
    ReportDateOutOfRange,
    ReportFormatUnknown,
    ReportGroupUnknown,
    ReportModelUnknown,
    ReportOtherAgentForbidden,
    ReportRangeInverted,
    ReportRangeTooLong,
    UserNotFound,
    responses,
)
from whatrack.reports import service
from whatrack.reports.schemas import AgentsReport, Attribution, Overview
from whatrack.tickets import ads
from whatrack.tickets.schemas import AdCampaignIn, AdRead

router = APIRouter(prefix="/api/v1/reports", tags=["reports"])

From = Annotated[date, Query(alias="from", description="First day (YYYY-MM-DD, organization time zone)")]
To = Annotated[date, Query(description="Last day, inclusive (YYYY-MM-DD)")]
Format = Annotated[str, Query(description="json (default) or csv")]
RANGE = (
    *SESSION,
    InstanceNotFound,
    UserNotFound,
    ReportDateOutOfRange,
    ReportRangeInverted,
    ReportRangeTooLong,
    ReportOtherAgentForbidden,
    ReportFormatUnknown,
)
CSV: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/csv": {"schema": {"type": "string"}}}, "description": "The report (CSV with `?format=csv`)"}
}


def _csv(name: str, body: str) -> Response:
    return Response(
        body.encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
    )


def _check_format(fmt: str) -> bool:
    if fmt not in ("json", "csv"):
        raise ReportFormatUnknown(f"Unknown format {fmt!r}", {"allowed": ["json", "csv"]})
    return fmt == "csv"


@router.get("/overview", responses=responses(*RANGE) | CSV, response_model=Overview)
async def overview(
    db: Db,
    actor: CurrentActor,
    from_: From,
    to: To,
    instance_id: Annotated[uuid.UUID | None, Query(alias="instanceId")] = None,
    assignee_id: Annotated[uuid.UUID | None, Query(alias="assigneeId")] = None,
    format: Format = "json",
) -> Any:
    """New leads, tickets, resolutions by closing rule and outcome, sales, conversion, first
    response and resolution times, waiting now; each beside the previous period of equal length."""
    as_csv = _check_format(format)
    scope = await service.scope(db, actor, from_, to, instance_id=instance_id, assignee_id=assignee_id)
    report = await service.overview(db, scope)
    if as_csv:
        return _csv(f"visao-geral_{from_}_{to}", service.to_csv(service.overview_rows(report)))
    return report


@router.get(
    "/attribution",
    responses=responses(*RANGE, ReportModelUnknown, ReportGroupUnknown) | CSV,
    response_model=Attribution,
)
async def attribution(
    db: Db,
    actor: CurrentActor,
    from_: From,
    to: To,
    model: Annotated[str, Query(description="first_touch | last_touch | any_touch")] = "first_touch",
    group_by: Annotated[str, Query(alias="groupBy", description="source | campaign | medium | ad")] = "source",
    format: Format = "json",
) -> Any:
    """Leads, tickets, sales and value per origin, credited by the attribution model."""
    as_csv = _check_format(format)
    service.check_model(model, group_by)
    scope = await service.scope(db, actor, from_, to)
    report = await service.attribution(db, scope, model, group_by)
    if as_csv:
        return _csv(f"atribuicao_{model}_{group_by}_{from_}_{to}", service.to_csv(report.groups))
    return report


@router.get("/agents", responses=responses(*RANGE) | CSV, response_model=AgentsReport)
async def agents(db: Db, actor: CurrentActor, from_: From, to: To, format: Format = "json") -> Any:
    """Per agent: conversations handled, first response p50/p90, tickets resolved, sales and value
    (an agent sees their own row only)."""
    as_csv = _check_format(format)
    scope = await service.scope(db, actor, from_, to)
    report = await service.agents(db, scope)
    if as_csv:
        return _csv(f"atendentes_{from_}_{to}", service.to_csv(report.agents))
    return report


@router.get("/ads", responses=responses(*SESSION, AdminRequired))
async def list_ads(db: Db, actor: AdminActor) -> list[AdRead]:
    """Every ad the organization's tickets came from (Click-to-WhatsApp), with the campaign an
    admin named it."""
    return await ads.list_ads(db, actor.organization_id)


@router.put("/ads/{ad_id}/campaign", responses=responses(*WRITE, AdminRequired))
async def name_ad(db: Db, actor: AdminActor, body: AdCampaignIn, ad_id: Annotated[str, Path(max_length=128)]) -> AdRead:
    """Names an ad as a campaign: `campaign` of the ad's past tickets (and leads' first campaign
    when it was their first ticket) and of its future ones; null forgets the name."""
    campaign = body.campaign.strip() if body.campaign else None
    return await ads.name_ad(db, actor.organization_id, ad_id, campaign or None)

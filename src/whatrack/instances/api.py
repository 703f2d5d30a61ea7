from __future__ import annotations

from fastapi import APIRouter

from whatrack.deps import AppSettings, CurrentActor, Db
from whatrack.errors import Unauthorized, responses
from whatrack.instances import service
from whatrack.instances.schemas import InstanceRead

router = APIRouter(prefix="/api/v1/instances", tags=["instances"])


@router.get("", responses=responses(Unauthorized))
async def list_instances(db: Db, actor: CurrentActor, settings: AppSettings) -> list[InstanceRead]:
    """WhatsApp numbers of the organization (admins also see each webhook URL)."""
    return [service.to_read(i, actor, settings.public_url) for i in await service.list_instances(db, actor)]

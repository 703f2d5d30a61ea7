"""WhatsApp instances: add (existing WuzAPI user or created through its admin API), pair, status.

Routes that call WuzAPI hand an `InstanceContext` to lifecycle.py/pairing.py, which keep no
transaction open during the call (see instances/context.py); their commits wake the outbox
drainer for `instance_updated` (db.CommitHook).
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from whatrack.deps import AdminActor, AppSettings, CurrentActor, Db
from whatrack.errors import (
    SESSION,
    WRITE,
    AdminRequired,
    InstanceAlreadyAdded,
    InstanceAlreadyPaired,
    InstanceDisconnected,
    InstanceHasConversations,
    InstanceNotFound,
    WuzapiAdminCredentialsMissing,
    WuzapiAdminTokenRejected,
    WuzapiCredentialsRequired,
    WuzapiFailed,
    WuzapiHostNotAllowed,
    WuzapiRefused,
    WuzapiTokenInvalid,
    WuzapiTokenRejected,
    WuzapiUnreachable,
    WuzapiUrlInvalid,
    WuzapiUserExists,
    responses,
)
from whatrack.instances import lifecycle, pairing, service
from whatrack.instances.context import InstanceContext
from whatrack.instances.schemas import (
    InstanceConnection,
    InstanceCreate,
    InstanceRead,
    InstanceUpdate,
    PairingCode,
    PairPhoneIn,
)

router = APIRouter(prefix="/api/v1/instances", tags=["instances"])


def get_context(request: Request) -> InstanceContext:
    s = request.app.state
    return InstanceContext(s.session_factory, s.http, s.settings)


Ctx = Annotated[InstanceContext, Depends(get_context)]
_ADMIN = (*WRITE, AdminRequired, InstanceNotFound)
_WUZAPI = (WuzapiUnreachable, WuzapiTokenRejected, WuzapiFailed, WuzapiHostNotAllowed)
_SESSION = (*_ADMIN, *_WUZAPI)
_ADD = (
    WuzapiCredentialsRequired,
    WuzapiAdminCredentialsMissing,
    WuzapiAdminTokenRejected,
    WuzapiTokenInvalid,
    WuzapiUrlInvalid,
    WuzapiRefused,
    WuzapiUserExists,
    InstanceAlreadyAdded,
)


@router.get("", responses=responses(*SESSION))
async def list_instances(db: Db, actor: CurrentActor, settings: AppSettings) -> list[InstanceRead]:
    """WhatsApp numbers of the organization (admins also see each webhook URL)."""
    return [service.to_read(i, actor, settings.external_url) for i in await service.list_instances(db, actor)]


@router.post("", status_code=201, responses=responses(*WRITE, AdminRequired, *_ADD, *_WUZAPI))
async def add_instance(body: InstanceCreate, ctx: Ctx, actor: AdminActor) -> InstanceRead:
    """Add a WuzAPI user (baseUrl + token, or createUser) and point its webhook at this app."""
    instance = await lifecycle.add_instance(ctx, actor, body)
    return service.to_read(instance, actor, ctx.settings.external_url)


@router.get("/{instance_id}", responses=responses(*SESSION, InstanceNotFound))
async def get_instance(instance_id: uuid.UUID, db: Db, actor: CurrentActor, settings: AppSettings) -> InstanceRead:
    """One instance of the organization."""
    return service.to_read(await service.get_instance(db, actor, instance_id), actor, settings.external_url)


@router.patch("/{instance_id}", responses=responses(*_ADMIN))
async def update_instance(
    instance_id: uuid.UUID, body: InstanceUpdate, db: Db, actor: AdminActor, settings: AppSettings
) -> InstanceRead:
    """Rename an instance, or set the days of WhatsApp history imported at its next pairing."""
    instance = await service.update_instance(db, actor, instance_id, body)
    return service.to_read(instance, actor, settings.external_url)


@router.delete("/{instance_id}", status_code=204, responses=responses(*_ADMIN, InstanceHasConversations))
async def delete_instance(instance_id: uuid.UUID, ctx: Ctx, actor: AdminActor) -> Response:
    """Delete an instance without conversations (409 otherwise: disconnect or log out instead)."""
    await lifecycle.delete_instance(ctx, actor, instance_id)
    return Response(status_code=204)


@router.post("/{instance_id}/connect", responses=responses(*_SESSION))
async def connect(instance_id: uuid.UUID, ctx: Ctx, actor: AdminActor) -> InstanceConnection:
    """Start the WhatsApp session; not paired yet: the answer carries the QR code (PNG data URL)."""
    result = await pairing.connect_instance(ctx, actor, instance_id)
    return result


@router.get("/{instance_id}/qr", responses=responses(*SESSION, AdminRequired, InstanceNotFound, *_WUZAPI))
async def qr(instance_id: uuid.UUID, ctx: Ctx, actor: AdminActor) -> InstanceConnection:
    """The current QR code, re-read from WuzAPI (it rotates); null when paired or not connected."""
    result = await pairing.instance_qr(ctx, actor, instance_id)
    return result


@router.post("/{instance_id}/pair-phone", responses=responses(*_SESSION, InstanceAlreadyPaired, WuzapiRefused))
async def pair_phone(instance_id: uuid.UUID, body: PairPhoneIn, ctx: Ctx, actor: AdminActor) -> PairingCode:
    """Pairing code to type in WhatsApp > Linked devices > Link with phone number."""
    return await pairing.pair_phone(ctx, actor, instance_id, body.phone)


@router.get("/{instance_id}/status", responses=responses(*SESSION, InstanceNotFound, *_WUZAPI))
async def status(instance_id: uuid.UUID, ctx: Ctx, actor: CurrentActor) -> InstanceConnection:
    """Live session status polled from WuzAPI (stored; changes go out as `instance_updated`)."""
    result = await pairing.refresh_status(ctx, actor, instance_id)
    if not actor.is_admin:
        result.qr_code = None  # the QR pairs a phone to this number: admins only
    return result


@router.post("/{instance_id}/disconnect", responses=responses(*_SESSION))
async def disconnect(instance_id: uuid.UUID, ctx: Ctx, actor: AdminActor) -> InstanceConnection:
    """Close the WhatsApp socket; the pairing is kept."""
    result = await pairing.disconnect_instance(ctx, actor, instance_id)
    return result


@router.post("/{instance_id}/logout", responses=responses(*_SESSION, InstanceDisconnected))
async def logout(instance_id: uuid.UUID, ctx: Ctx, actor: AdminActor) -> InstanceConnection:
    """Unpair the phone; pairing again needs a QR scan or a pairing code."""
    result = await pairing.logout_instance(ctx, actor, instance_id)
    return result

"""The WhatsApp session of an instance: connect (QR), pairing code, status, disconnect, logout.

Each operation reads the instance, calls WuzAPI with no transaction open, then stores what
WuzAPI said (`InstanceContext.store`, which emits `instance_updated` on change).
"""

from __future__ import annotations

import logging
import uuid

from whatrack.auth.service import Actor
from whatrack.db import transaction
from whatrack.errors import InstanceAlreadyPaired, InstanceDisconnected, WuzapiRefused
from whatrack.instances import service
from whatrack.instances.context import InstanceContext
from whatrack.instances.schemas import InstanceConnection, PairingCode
from whatrack.instances.wuzapi import (
    SessionState,
    fetch_qr,
    gateway,
    no_session,
    read_status,
    retry_while_starting,
    start_session,
)
from whatrack.models import InstanceStatus
from whatrack.whatsapp.client import WuzapiClient, WuzapiError

log = logging.getLogger(__name__)


async def request_history(ctx: InstanceContext, actor: Actor, instance_id: uuid.UUID, client: WuzapiClient) -> None:
    """Tell WuzAPI how many days of WhatsApp history to ask for at the next new pairing (the
    instance's history_days), before pairing starts. An older WuzAPI without the setting
    answers an error: pairing goes on (WhatsApp then sends its default, smaller history)."""
    async with transaction(ctx.factory) as db:
        days = (await service.get_instance(db, actor, instance_id)).history_days
    try:
        await client.set_history_days(days)
    except WuzapiError as exc:
        log.info("instance %s: WuzAPI did not take days_to_sync_history: %s", instance_id, exc.message)


async def connect_instance(ctx: InstanceContext, actor: Actor, instance_id: uuid.UUID) -> InstanceConnection:
    """Start the WhatsApp session; when it is not paired yet the answer carries the QR code."""
    client = await ctx.client_for(actor, instance_id)
    await request_history(ctx, actor, instance_id, client)
    await start_session(client)
    state = await read_status(client)
    if not state.logged_in:
        qr = await fetch_qr(client, wait=True)
        if qr:
            state = SessionState(InstanceStatus.QR, True, False, state.jid, qr, state.user_id)
    return await ctx.store(actor, instance_id, state)


async def instance_qr(ctx: InstanceContext, actor: Actor, instance_id: uuid.UUID) -> InstanceConnection:
    """The current QR code (it rotates); `qrCode` is null when paired or not connected."""
    client = await ctx.client_for(actor, instance_id)
    qr = await fetch_qr(client, wait=False)
    state = SessionState(InstanceStatus.QR, True, False, None, qr) if qr else await read_status(client)
    return await ctx.store(actor, instance_id, state)


async def pair_phone(ctx: InstanceContext, actor: Actor, instance_id: uuid.UUID, phone: str) -> PairingCode:
    """Linking code for pairing by phone number; starts the session first when needed."""
    client = await ctx.client_for(actor, instance_id)
    await request_history(ctx, actor, instance_id, client)
    try:
        try:
            code = await client.pair_phone(phone)
        except WuzapiError as exc:
            if not no_session(exc):
                raise
            await start_session(client)
            code = await retry_while_starting(lambda: client.pair_phone(phone))
    except WuzapiError as exc:
        msg = exc.message.lower()
        if "already paired" in msg or "logged in" in msg:
            raise InstanceAlreadyPaired("This instance is already paired with a phone: log it out first") from exc
        if exc.status_code == 400:
            raise WuzapiRefused(f"WuzAPI refused the phone number: {exc.message}", {"reason": exc.message}) from exc
        raise gateway(exc, "request a pairing code") from exc
    return PairingCode(linking_code=code)


async def refresh_status(ctx: InstanceContext, actor: Actor, instance_id: uuid.UUID) -> InstanceConnection:
    """Poll WuzAPI's `/session/status` and store the result (emits `instance_updated` on change)."""
    client = await ctx.client_for(actor, instance_id)
    return await ctx.store(actor, instance_id, await read_status(client))


async def disconnect_instance(ctx: InstanceContext, actor: Actor, instance_id: uuid.UUID) -> InstanceConnection:
    """Close the WhatsApp socket; the pairing is kept (connect again without a QR)."""
    client = await ctx.client_for(actor, instance_id)
    try:
        await client.disconnect()
    except WuzapiError as exc:
        # Already down (no client / not logged in): disconnecting is idempotent.
        if not (no_session(exc) or "not logged in" in exc.message.lower()):
            raise gateway(exc, "disconnect") from exc
    return await ctx.store(actor, instance_id, await read_status(client))


async def logout_instance(ctx: InstanceContext, actor: Actor, instance_id: uuid.UUID) -> InstanceConnection:
    """Unpair the phone (WhatsApp drops the linked device); pairing again needs a QR or a code."""
    client = await ctx.client_for(actor, instance_id)
    state = SessionState(InstanceStatus.LOGGED_OUT, connected=False, logged_in=False)
    try:
        await client.logout()
    except WuzapiError as exc:
        if no_session(exc):
            current = await read_status(client)
            if current.status != InstanceStatus.LOGGED_OUT:  # paired, but the socket is down
                raise InstanceDisconnected(
                    "WuzAPI can only log out a connected session: connect the instance first"
                ) from exc
            state = current
        elif "not logged in" not in exc.message.lower():  # not logged in = already logged out
            raise gateway(exc, "log out") from exc
    return await ctx.store(actor, instance_id, state)

"""Instance rows: create, read, rename, status; the only writer of `instances`.

The operations that call WuzAPI live beside this module, by concern: lifecycle.py (add,
delete), pairing.py (connect, QR, pairing code, status, disconnect, logout), polling.py (the
background status poll), webhook.py (the webhook URL and its authentication). They take an
`InstanceContext` (context.py) and keep no transaction open during a WuzAPI call.
"""

from __future__ import annotations

import secrets
import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from whatrack.auth.service import Actor
from whatrack.db import after_commit_item, new_id
from whatrack.errors import InstanceHasConversations, InstanceNotFound
from whatrack.instances.schemas import InstanceRead, InstanceUpdate
from whatrack.instances.webhook import webhook_url
from whatrack.instances.wuzapi import SessionState
from whatrack.models import Conversation, Instance, InstanceStatus
from whatrack.realtime.events import InstanceData, emit_instance_updated
from whatrack.whatsapp.jid import phone_from_jid

CONNECTED_TOPIC = "instance_connected"
"""db.CommitHook topic: an instance's status became CONNECTED (item: its id)."""


def to_read(instance: Instance, actor: Actor | None, public_url: str) -> InstanceRead:
    read = InstanceRead.model_validate(instance)
    if actor is not None and actor.is_admin:
        read.webhook_url = webhook_url(instance, public_url)
    return read


async def create_instance(
    db: AsyncSession,
    organization_id: uuid.UUID,
    *,
    name: str,
    base_url: str,
    token: str,
    hmac_key: str | None = None,
    is_demo: bool = False,
    instance_id: uuid.UUID | None = None,
    webhook_secret: str | None = None,
    wuzapi_user_id: str | None = None,
) -> Instance:
    instance = Instance(
        id=instance_id or new_id(),
        organization_id=organization_id,
        name=name,
        base_url=base_url.rstrip("/"),
        token=token,
        hmac_key=hmac_key,
        webhook_secret=webhook_secret or secrets.token_urlsafe(24),
        wuzapi_user_id=wuzapi_user_id,
        is_demo=is_demo,
        status=InstanceStatus.UNKNOWN,
    )
    db.add(instance)
    await db.flush()
    return instance


async def list_instances(db: AsyncSession, actor: Actor) -> list[Instance]:
    rows = await db.scalars(
        select(Instance).where(Instance.organization_id == actor.organization_id).order_by(Instance.created_at)
    )
    return list(rows.all())


async def get_instance(db: AsyncSession, actor: Actor, instance_id: uuid.UUID) -> Instance:
    instance = await db.scalar(
        select(Instance).where(Instance.id == instance_id, Instance.organization_id == actor.organization_id)
    )
    if instance is None:
        raise InstanceNotFound("Instance not found")
    return instance


async def update_instance(db: AsyncSession, actor: Actor, instance_id: uuid.UUID, data: InstanceUpdate) -> Instance:
    instance = await get_instance(db, actor, instance_id)
    if data.name is not None:
        instance.name = data.name
    if data.history_days is not None:
        instance.history_days = data.history_days
    await db.flush()
    return instance


def set_keeps_history(instance: Instance, keeps: bool) -> None:
    """What a recovery learnt: does this instance's WuzAPI keep message history? (The settings
    page reads it with the instances; no event: it changes once, at a start or reconnect.)"""
    instance.wuzapi_history = keeps


async def refuse_if_used(db: AsyncSession, instance_id: uuid.UUID) -> None:
    used = await db.scalar(select(Conversation.id).where(Conversation.instance_id == instance_id).limit(1))
    if used is not None:
        raise InstanceHasConversations(
            "This instance has conversations and cannot be deleted (that would delete their history): "
            "disconnect or log it out instead"
        )


async def set_status(
    db: AsyncSession,
    instance: Instance,
    status: InstanceStatus,
    *,
    qr_code: str | None = None,
    jid: str | None = None,
) -> None:
    changed = instance.status != status
    if changed and status == InstanceStatus.CONNECTED and not instance.is_demo:
        # (re)connected: bring in what WuzAPI kept while we may have missed it, in the
        # background once this commit is done (legacy/recovery.py listens)
        after_commit_item(db.sync_session, CONNECTED_TOPIC, instance.id)
    instance.status = status
    instance.qr_code = qr_code if status == InstanceStatus.QR else None
    if jid:
        phone = phone_from_jid(jid)
        if phone and phone != instance.phone:
            instance.phone = phone
            changed = True
    if changed or status == InstanceStatus.QR:
        emit_instance_updated(
            db,
            instance.organization_id,
            InstanceData(id=instance.id, status=status.value, phone=instance.phone),
        )


async def apply_state(db: AsyncSession, instance: Instance, state: SessionState) -> bool:
    """set_status only when something changed, so polling does not flood the org channel."""
    new_phone = phone_from_jid(state.jid) if state.jid else None
    if (
        instance.status == state.status
        and instance.qr_code == state.qr_code
        and (new_phone is None or new_phone == instance.phone)
    ):
        return False
    await set_status(db, instance, state.status, qr_code=state.qr_code, jid=state.jid)
    return True

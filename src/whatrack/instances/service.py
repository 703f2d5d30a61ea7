"""WhatsApp instances (one WuzAPI user each): credentials, webhook secret, live status."""

from __future__ import annotations

import secrets
import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from whatrack.auth.service import Actor
from whatrack.errors import NotFound
from whatrack.instances.schemas import InstanceRead
from whatrack.leads.phones import phone_from_jid
from whatrack.models import Instance, InstanceStatus
from whatrack.realtime.events import InstanceData, emit_instance_updated


def webhook_url(instance: Instance, public_url: str) -> str:
    return f"{public_url.rstrip('/')}/api/v1/whatsapp/w/webhook/{instance.id}?secret={instance.webhook_secret}"


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
) -> Instance:
    instance = Instance(
        organization_id=organization_id,
        name=name,
        base_url=base_url.rstrip("/"),
        token=token,
        hmac_key=hmac_key,
        webhook_secret=secrets.token_urlsafe(24),
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
        raise NotFound("Instance not found")
    return instance


async def set_status(
    db: AsyncSession, instance: Instance, status: InstanceStatus, *, qr_code: str | None = None, jid: str | None = None
) -> None:
    changed = instance.status != status
    instance.status = status
    instance.qr_code = qr_code if status == InstanceStatus.QR else None
    if jid:
        phone = phone_from_jid(jid)
        if phone and phone != instance.phone:
            instance.phone = phone
            changed = True
    if changed or status == InstanceStatus.QR:
        emit_instance_updated(
            db, instance.organization_id, InstanceData(id=instance.id, status=status.value, phone=instance.phone)
        )

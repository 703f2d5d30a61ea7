"""Quick replies: organization-wide ones (admins manage them) and each user's own."""

from __future__ import annotations

import uuid

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from whatrack.auth.service import Actor
from whatrack.db import utcnow
from whatrack.db_util import get_scoped
from whatrack.errors import AdminRequired, NothingToUpdate, QuickReplyNotFound, QuickReplyShortcutTaken
from whatrack.models import QuickReply
from whatrack.quick_replies.schemas import QuickReplyCreate, QuickReplyRead, QuickReplyUpdate


def read(actor: Actor, qr: QuickReply) -> QuickReplyRead:
    return QuickReplyRead(
        id=qr.id,
        shortcut=qr.shortcut,
        content=qr.content,
        scope="organization" if qr.owner_id is None else "personal",
        owner_id=qr.owner_id,
        editable=qr.owner_id == actor.user_id or (qr.owner_id is None and actor.is_admin),
        created_at=qr.created_at,
        updated_at=qr.updated_at,
    )


async def list_visible(db: AsyncSession, actor: Actor) -> list[QuickReply]:
    """The organization's quick replies and the caller's own, by shortcut (personal first on a tie)."""
    rows = await db.scalars(
        select(QuickReply)
        .where(
            QuickReply.organization_id == actor.organization_id,
            or_(QuickReply.owner_id.is_(None), QuickReply.owner_id == actor.user_id),
        )
        .order_by(QuickReply.shortcut, QuickReply.owner_id.is_(None))
    )
    return list(rows.all())


async def _get_visible(db: AsyncSession, actor: Actor, qr_id: uuid.UUID) -> QuickReply:
    """A colleague's personal quick reply is not found, like another organization's."""
    qr = await get_scoped(db, QuickReply, actor.organization_id, qr_id, QuickReplyNotFound, lock=True)
    if qr.owner_id is not None and qr.owner_id != actor.user_id:
        raise QuickReplyNotFound()
    return qr


def _check_may_edit(actor: Actor, owner_id: uuid.UUID | None) -> None:
    if owner_id is None and not actor.is_admin:
        raise AdminRequired("Only organization admins can manage organization-wide quick replies")


async def _check_free(db: AsyncSession, actor: Actor, owner_id: uuid.UUID | None, shortcut: str) -> None:
    scope = QuickReply.owner_id.is_(None) if owner_id is None else QuickReply.owner_id == owner_id
    taken = await db.scalar(
        select(QuickReply.id).where(
            QuickReply.organization_id == actor.organization_id, scope, QuickReply.shortcut == shortcut
        )
    )
    if taken is not None:
        raise QuickReplyShortcutTaken(f"/{shortcut} already exists in this scope", {"shortcut": shortcut})


async def create(db: AsyncSession, actor: Actor, body: QuickReplyCreate) -> QuickReply:
    owner_id = None if body.scope == "organization" else actor.user_id
    _check_may_edit(actor, owner_id)
    await _check_free(db, actor, owner_id, body.shortcut)
    now = utcnow()
    qr = QuickReply(
        organization_id=actor.organization_id,
        owner_id=owner_id,
        shortcut=body.shortcut,
        content=body.content,
        created_by=actor.user_id,
        created_at=now,
        updated_at=now,
    )
    # two simultaneous creates: the partial unique index refuses the second
    try:
        async with db.begin_nested():
            db.add(qr)
            await db.flush()
    except IntegrityError as exc:
        raise QuickReplyShortcutTaken(
            f"/{body.shortcut} already exists in this scope", {"shortcut": body.shortcut}
        ) from exc
    return qr


async def update(db: AsyncSession, actor: Actor, qr_id: uuid.UUID, body: QuickReplyUpdate) -> QuickReply:
    qr = await _get_visible(db, actor, qr_id)
    _check_may_edit(actor, qr.owner_id)
    if body.shortcut is None and body.content is None:
        raise NothingToUpdate("Send shortcut or content")
    if body.shortcut is not None and body.shortcut != qr.shortcut:
        await _check_free(db, actor, qr.owner_id, body.shortcut)
        qr.shortcut = body.shortcut
    if body.content is not None:
        qr.content = body.content
    qr.updated_at = utcnow()
    await db.flush()
    return qr


async def delete(db: AsyncSession, actor: Actor, qr_id: uuid.UUID) -> None:
    qr = await _get_visible(db, actor, qr_id)
    _check_may_edit(actor, qr.owner_id)
    await db.delete(qr)
    await db.flush()

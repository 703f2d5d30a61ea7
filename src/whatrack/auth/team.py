"""Team management (issue 12): an admin adds members, changes their name, role and whether they
are active, gives a temporary password; anyone changes their own password and ends their own
sessions. Services flush, never commit."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from whatrack.auth.service import (
    Actor,
    check_password_policy,
    create_user,
    hash_password_async,
    verify_password,
)
from whatrack.db import utcnow
from whatrack.errors import AuthSessionNotFound, LastAdmin, MemberNotFound, WrongPassword
from whatrack.models import AuthSession, Conversation, Lead, Membership, Organization, Role, TicketStatus, User
from whatrack.realtime.revoke import disconnect_user


@dataclass(frozen=True, slots=True)
class Member:
    user: User
    membership: Membership


@dataclass(frozen=True, slots=True)
class OpenConversation:
    id: uuid.UUID
    lead_name: str


async def get_member(db: AsyncSession, actor: Actor, user_id: uuid.UUID, *, lock: bool = False) -> Member:
    membership = await db.scalar(
        select(Membership).where(Membership.organization_id == actor.organization_id, Membership.user_id == user_id)
    )
    if membership is None:
        raise MemberNotFound()
    user = await db.get(User, user_id)
    assert user is not None  # FK
    return Member(user, membership)


async def add_member(db: AsyncSession, actor: Actor, *, email: str, name: str, role: Role, password: str) -> Member:
    """A new user of the caller's organization; the password given is temporary (they choose
    their own at first login)."""
    org = await db.get(Organization, actor.organization_id)
    assert org is not None  # the caller's session joins it
    user = await create_user(db, org, email=email, name=name, password=password, role=role)
    user.must_change_password = True
    await db.flush()
    return await get_member(db, actor, user.id)


async def _other_active_admins(db: AsyncSession, actor: Actor, user_id: uuid.UUID) -> int:
    count = await db.scalar(
        select(func.count())
        .select_from(Membership)
        .join(User, User.id == Membership.user_id)
        .where(
            Membership.organization_id == actor.organization_id,
            Membership.role == Role.ADMIN,
            User.is_active.is_(True),
            Membership.user_id != user_id,
        )
    )
    return int(count or 0)


async def end_sessions(db: AsyncSession, user_id: uuid.UUID, *, keep: str | None = None) -> None:
    """Deletes the user's sessions (but `keep`) and drops their real-time connections."""
    stmt = delete(AuthSession).where(AuthSession.user_id == user_id)
    if keep is not None:
        stmt = stmt.where(AuthSession.id != keep)
    await db.execute(stmt)
    disconnect_user(db, user_id)


async def update_member(
    db: AsyncSession,
    actor: Actor,
    user_id: uuid.UUID,
    *,
    name: str | None,
    role: Role | None,
    active: bool | None,
) -> Member:
    """Name, role, active. Demoting or deactivating the last active admin is refused; a
    deactivated user's sessions end at once (their conversations stay assigned: see
    open_conversations)."""
    member = await get_member(db, actor, user_id)
    losing_admin = (
        member.membership.role == Role.ADMIN
        and member.user.is_active
        and ((role is not None and role != Role.ADMIN) or active is False)
    )
    if losing_admin and await _other_active_admins(db, actor, user_id) == 0:
        raise LastAdmin()
    if name is not None:
        member.user.name = name
    if role is not None and role != member.membership.role:
        member.membership.role = role
        # At commit their connections ask for tokens again and the web app asks who it is: a
        # demoted admin is refused what the visibility policy hides from an agent, a promoted
        # agent's feed becomes the organization's, without a reload.
        disconnect_user(db, user_id)
    if active is not None and active != member.user.is_active:
        member.user.is_active = active
        if not active:
            await end_sessions(db, user_id)
    await db.flush()
    return member


async def open_conversations(db: AsyncSession, actor: Actor, user_id: uuid.UUID) -> list[OpenConversation]:
    """The member's assigned conversations whose ticket is not resolved: to reassign."""
    rows = await db.execute(
        select(Conversation.id, func.coalesce(Lead.name, Lead.push_name, Lead.phone))
        .join(Lead, Lead.id == Conversation.lead_id)
        .where(
            Conversation.organization_id == actor.organization_id,
            Conversation.assignee_id == user_id,
            Conversation.ticket_status != TicketStatus.RESOLVED,
        )
        .order_by(Conversation.last_message_at.desc())
    )
    return [OpenConversation(cid, name or "") for cid, name in rows.all()]


async def set_temporary_password(db: AsyncSession, actor: Actor, user_id: uuid.UUID, password: str) -> Member:
    member = await get_member(db, actor, user_id)
    check_password_policy(password, member.user.email)
    member.user.password_hash = await hash_password_async(password)
    member.user.must_change_password = True
    await end_sessions(db, user_id)
    await db.flush()
    return member


async def change_own_password(db: AsyncSession, actor: Actor, current: str, new: str) -> None:
    """Needs the current password; the caller's other sessions end, this one stays."""
    user = await db.get(User, actor.user_id)
    assert user is not None
    if not await verify_password(user.password_hash, current):
        raise WrongPassword()
    check_password_policy(new, user.email)
    user.password_hash = await hash_password_async(new)
    user.must_change_password = False
    await end_sessions(db, user.id, keep=actor.session_id)
    await db.flush()


def public_session_id(digest: str) -> str:
    """What the API calls a session: not the stored digest itself."""
    return hashlib.sha256(f"session:{digest}".encode()).hexdigest()[:24]


async def list_sessions(db: AsyncSession, actor: Actor) -> list[AuthSession]:
    rows = await db.scalars(
        select(AuthSession)
        .where(AuthSession.user_id == actor.user_id, AuthSession.expires_at > utcnow())
        .order_by(AuthSession.created_at.desc())
    )
    return list(rows.all())


async def revoke_session(db: AsyncSession, actor: Actor, session_id: str) -> None:
    """Ends one of the caller's own sessions (its browser is logged out at its next request)."""
    for row in await list_sessions(db, actor):
        if public_session_id(row.id) == session_id:
            await db.execute(delete(AuthSession).where(AuthSession.id == row.id))
            disconnect_user(db, actor.user_id)  # its connections refetch tokens: 401 for that one
            return
    raise AuthSessionNotFound()

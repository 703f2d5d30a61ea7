"""API tokens for integrations: admins create organization tokens (shown once, stored as a
SHA-256, named, optional expiry, revocable, last-used time) that act as a designated user.
deps.get_actor resolves `Authorization: Bearer …` through resolve_api_token (no CSRF header:
a token is not sent by browsers on their own)."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import datetime

from pydantic import Field
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from whatrack.auth.service import Actor
from whatrack.db import utcnow
from whatrack.db_util import get_scoped
from whatrack.errors import (
    ApiTokenExpired,
    ApiTokenExpiryPast,
    ApiTokenInvalid,
    ApiTokenNotFound,
    ApiTokenRevoked,
    ApiTokenUserNotMember,
)
from whatrack.models import ApiToken, Membership, Organization, User
from whatrack.schemas import CamelModel, InputModel

PREFIX = "wtk_"


class ApiTokenCreate(InputModel):
    name: str = Field(min_length=1, max_length=100)
    user_id: uuid.UUID = Field(description="The member the token acts as (its role and visibility apply)")
    expires_at: datetime | None = Field(default=None, description="Optional; a time without offset is UTC")


class ApiTokenRead(CamelModel):
    id: uuid.UUID
    name: str
    prefix: str = Field(description="The token's first characters, to tell tokens apart")
    user_id: uuid.UUID
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None
    created_at: datetime


class ApiTokenCreated(ApiTokenRead):
    token: str = Field(description="The secret, shown this once: send it as `Authorization: Bearer <token>`")


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo is not None else at.replace(tzinfo=utcnow().tzinfo)


async def create_token(db: AsyncSession, actor: Actor, body: ApiTokenCreate) -> ApiTokenCreated:
    expires_at = _aware(body.expires_at) if body.expires_at else None
    if expires_at is not None and expires_at <= utcnow():
        raise ApiTokenExpiryPast("expiresAt must be in the future")
    member = await db.scalar(
        select(Membership.id)
        .join(User, User.id == Membership.user_id)
        .where(
            Membership.organization_id == actor.organization_id,
            Membership.user_id == body.user_id,
            User.is_active.is_(True),
        )
    )
    if member is None:
        raise ApiTokenUserNotMember("That user is not an active member of this organization")
    secret = PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(
        organization_id=actor.organization_id,
        user_id=body.user_id,
        created_by_id=actor.user_id,
        name=body.name.strip() or body.name,
        token_hash=_digest(secret),
        prefix=secret[:10],
        expires_at=expires_at,
        created_at=utcnow(),
    )
    db.add(row)
    await db.flush()
    return ApiTokenCreated.model_validate({**ApiTokenRead.model_validate(row).model_dump(), "token": secret})


async def list_tokens(db: AsyncSession, actor: Actor) -> list[ApiTokenRead]:
    rows = await db.scalars(
        select(ApiToken).where(ApiToken.organization_id == actor.organization_id).order_by(ApiToken.created_at)
    )
    return [ApiTokenRead.model_validate(r) for r in rows]


async def revoke_token(db: AsyncSession, actor: Actor, token_id: uuid.UUID) -> None:
    row = await get_scoped(db, ApiToken, actor.organization_id, token_id, lambda: ApiTokenNotFound("No such token"))
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        await db.flush()


_RESOLVE = (
    select(
        ApiToken.id,
        ApiToken.user_id,
        ApiToken.organization_id,
        ApiToken.expires_at,
        ApiToken.revoked_at,
        User.name,
        User.email,
        User.is_active,
        User.must_change_password,
        Membership.role,
        Organization.agent_visibility,
    )
    .join(User, User.id == ApiToken.user_id)
    .join(Organization, Organization.id == ApiToken.organization_id)
    .join(
        Membership, (Membership.user_id == ApiToken.user_id) & (Membership.organization_id == ApiToken.organization_id)
    )
)


async def resolve_api_token(conn: AsyncConnection, token: str) -> Actor:
    """The designated user as the caller, or 401 with a specific code; records the last use."""
    row = (await conn.execute(_RESOLVE.where(ApiToken.token_hash == _digest(token)))).first()
    if row is None or not row.is_active:
        raise ApiTokenInvalid("Unknown API token")
    now = utcnow()
    if row.revoked_at is not None:
        raise ApiTokenRevoked("This API token was revoked")
    if row.expires_at is not None and row.expires_at <= now:
        raise ApiTokenExpired("This API token expired")
    await conn.execute(update(ApiToken).where(ApiToken.id == row.id).values(last_used_at=now))
    return Actor(
        user_id=row.user_id,
        organization_id=row.organization_id,
        role=row.role,
        name=row.name,
        email=row.email,
        csrf_token="",
        session_id=f"api-token:{row.id}",
        agent_visibility=row.agent_visibility,
        must_change_password=row.must_change_password,
    )

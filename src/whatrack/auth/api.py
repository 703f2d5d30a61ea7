from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from whatrack.auth import service
from whatrack.auth.schemas import LoginIn, MemberRead, MeRead, OrganizationRead, OrganizationUpdate, UserRead
from whatrack.auth.service import Actor
from whatrack.auth.throttle import ThrottlePolicy
from whatrack.deps import CSRF_COOKIE, SESSION_COOKIE, AdminActor, AppSettings, CurrentActor, Db, SessionFactory
from whatrack.errors import (
    SESSION,
    WRITE,
    AccountNotFound,
    AdminRequired,
    InvalidCredentials,
    NothingToUpdate,
    RateLimited,
    SessionExpired,
    UnknownTimeZone,
    responses,
)
from whatrack.models import Organization, User

router = APIRouter(prefix="/api/v1", tags=["auth"])


async def _me(db: AsyncSession, actor: Actor) -> MeRead:
    user = await db.get(User, actor.user_id)
    org = await db.get(Organization, actor.organization_id)
    if user is None or org is None:
        raise AccountNotFound("Account not found")
    return MeRead(
        user=UserRead.model_validate(user),
        organization=OrganizationRead.model_validate(org),
        role=actor.role,
        csrf_token=actor.csrf_token,
    )


@router.post("/auth/login", responses=responses(InvalidCredentials, RateLimited))
async def login(
    body: LoginIn, request: Request, response: Response, db: Db, factory: SessionFactory, settings: AppSettings
) -> MeRead:
    """Log in with email and password; sets the session and CSRF cookies. Repeated failures for
    an account or from an address answer 429 with Retry-After."""
    ttl = timedelta(hours=settings.session_ttl_hours)
    policy = ThrottlePolicy(
        window=timedelta(seconds=settings.login_window_seconds),
        account_limit=settings.login_account_max_failures,
        ip_limit=settings.login_ip_max_failures,
        lock=timedelta(seconds=settings.login_lock_seconds),
    )
    ip = request.client.host if request.client else "unknown"
    # `db` is not touched before this returns: login runs its own transactions.
    token, row = await service.login(factory, body.email, body.password, ip=ip, ttl=ttl, policy=policy)
    actor = await service.resolve_session(db, token)
    if actor is None:  # pragma: no cover - just created
        raise SessionExpired("Session could not be created")
    max_age = int(ttl.total_seconds())
    response.set_cookie(
        SESSION_COOKIE, token, max_age=max_age, httponly=True, samesite="lax", secure=settings.cookie_secure
    )
    response.set_cookie(
        CSRF_COOKIE, row.csrf_token, max_age=max_age, httponly=False, samesite="lax", secure=settings.cookie_secure
    )
    return await _me(db, actor)


@router.post("/auth/logout", status_code=204, responses=responses(*WRITE))
async def logout(response: Response, db: Db, actor: CurrentActor) -> None:
    """End this browser session."""
    await service.logout(db, actor)
    response.delete_cookie(SESSION_COOKIE)
    response.delete_cookie(CSRF_COOKIE)


@router.get("/auth/me", responses=responses(*SESSION, AccountNotFound))
async def me(db: Db, actor: CurrentActor) -> MeRead:
    """The logged-in user, their organization and role."""
    return await _me(db, actor)


@router.patch("/organization", responses=responses(*WRITE, AdminRequired, NothingToUpdate, UnknownTimeZone))
async def update_organization(body: OrganizationUpdate, db: Db, actor: AdminActor) -> OrganizationRead:
    """Organization settings (admins): name, time zone, inactivity timeout (0 = never auto-close),
    which conversations agents see (agentVisibility: `all` or `assigned_and_unassigned`)."""
    org = await service.update_organization(
        db,
        actor,
        name=body.name,
        timezone=body.timezone,
        inactivity_timeout_minutes=body.inactivity_timeout_minutes,
        agent_visibility=body.agent_visibility,
    )
    return OrganizationRead.model_validate(org)


@router.get("/users", responses=responses(*SESSION))
async def members(db: Db, actor: CurrentActor) -> list[MemberRead]:
    """Members of the caller's organization (for assignment)."""
    rows = await service.list_members(db, actor)
    return [MemberRead(id=u.id, email=u.email, name=u.name, role=m.role) for u, m in rows]

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Path, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from whatrack.auth import api_tokens, service, team
from whatrack.auth.schemas import (
    LoginIn,
    MemberChanged,
    MemberCreate,
    MemberRead,
    MemberUpdate,
    MeRead,
    OpenConversationRead,
    OrganizationRead,
    OrganizationUpdate,
    PasswordChangeIn,
    SessionRead,
    TemporaryPasswordIn,
    UserRead,
)
from whatrack.auth.service import Actor
from whatrack.auth.throttle import ThrottlePolicy
from whatrack.deps import CSRF_COOKIE, SESSION_COOKIE, AdminActor, AppSettings, CurrentActor, Db, SessionFactory
from whatrack.errors import (
    SESSION,
    WRITE,
    AccountNotFound,
    AdminRequired,
    ApiTokenExpiryPast,
    ApiTokenNotFound,
    ApiTokenUserNotMember,
    AuthSessionNotFound,
    BusinessHoursEmpty,
    BusinessHoursInvalid,
    BusinessHoursOverlap,
    InvalidCredentials,
    LastAdmin,
    MemberNotFound,
    NothingToUpdate,
    RateLimited,
    SessionExpired,
    UnknownTimeZone,
    UserEmailTaken,
    WaitingThresholdInvalid,
    WaitingWarnNotBelowAlert,
    WeakPassword,
    WrongPassword,
    responses,
)
from whatrack.models import Organization, User
from whatrack.settings import Settings

router = APIRouter(prefix="/api/v1", tags=["auth"])


# Room left in a request body for the multipart envelope and the other form fields.
_MULTIPART_MARGIN = 64 * 1024


def upload_limit(settings: Settings) -> int:
    """The largest file the browser may send: the request body limit less the multipart envelope."""
    return max(0, settings.max_body_bytes - _MULTIPART_MARGIN)


async def _me(db: AsyncSession, actor: Actor, max_upload_bytes: int) -> MeRead:
    user = await db.get(User, actor.user_id)
    org = await db.get(Organization, actor.organization_id)
    if user is None or org is None:
        raise AccountNotFound("Account not found")
    return MeRead(
        user=UserRead.model_validate(user),
        organization=OrganizationRead.model_validate(org),
        role=actor.role,
        csrf_token=actor.csrf_token,
        must_change_password=user.must_change_password,
        max_upload_bytes=max_upload_bytes,
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
    token, row = await service.login(
        factory, body.email, body.password, ip=ip, ttl=ttl, policy=policy, user_agent=request.headers.get("user-agent")
    )
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
    return await _me(db, actor, upload_limit(settings))


@router.post("/auth/logout", status_code=204, responses=responses(*WRITE))
async def logout(response: Response, db: Db, actor: CurrentActor) -> None:
    """End this browser session."""
    await service.logout(db, actor)
    response.delete_cookie(SESSION_COOKIE)
    response.delete_cookie(CSRF_COOKIE)


@router.get("/auth/me", responses=responses(*SESSION, AccountNotFound))
async def me(db: Db, actor: CurrentActor, settings: AppSettings) -> MeRead:
    """The logged-in user, their organization and role, and the largest file an upload may carry."""
    return await _me(db, actor, upload_limit(settings))


@router.patch(
    "/organization",
    responses=responses(
        *WRITE,
        AdminRequired,
        NothingToUpdate,
        UnknownTimeZone,
        BusinessHoursInvalid,
        BusinessHoursOverlap,
        BusinessHoursEmpty,
        WaitingThresholdInvalid,
        WaitingWarnNotBelowAlert,
    ),
)
async def update_organization(body: OrganizationUpdate, db: Db, actor: AdminActor) -> OrganizationRead:
    """Organization settings (admins): name, time zone, inactivity timeout (0 = never auto-close),
    which conversations agents see (agentVisibility: `all` or `assigned_and_unassigned`), the
    clock of response times (responseTimeClock: `wall` or `business`) and the businessHours.
    A new clock applies to figures computed from then on; `whatrack metrics rebuild` recomputes
    past tickets under it. waitingWarnMinutes/waitingAlertMinutes: when the list's waiting timer
    turns amber and red (1..10080 minutes, warn < alert)."""
    org = await service.update_organization(
        db,
        actor,
        name=body.name,
        timezone=body.timezone,
        inactivity_timeout_minutes=body.inactivity_timeout_minutes,
        agent_visibility=body.agent_visibility,
        response_time_clock=body.response_time_clock,
        business_hours=body.business_hours,
        waiting_warn_minutes=body.waiting_warn_minutes,
        waiting_alert_minutes=body.waiting_alert_minutes,
    )
    return OrganizationRead.model_validate(org)


def _member(m: team.Member) -> MemberRead:
    return MemberRead(
        id=m.user.id,
        email=m.user.email,
        name=m.user.name,
        role=m.membership.role,
        active=m.user.is_active,
        must_change_password=m.user.must_change_password,
    )


@router.get("/users", responses=responses(*SESSION))
async def members(db: Db, actor: CurrentActor) -> list[MemberRead]:
    """Members of the caller's organization (for assignment and the team page), active or not."""
    rows = await service.list_members(db, actor)
    return [_member(team.Member(u, m)) for u, m in rows]


@router.post("/users", status_code=201, responses=responses(*WRITE, AdminRequired, UserEmailTaken, WeakPassword))
async def add_member(body: MemberCreate, db: Db, actor: AdminActor) -> MemberRead:
    """Add a member (admins). The password is temporary: they choose their own at first login."""
    member = await team.add_member(db, actor, email=body.email, name=body.name, role=body.role, password=body.password)
    return _member(member)


@router.patch(
    "/users/{user_id}", responses=responses(*WRITE, AdminRequired, MemberNotFound, LastAdmin, NothingToUpdate)
)
async def update_member(user_id: uuid.UUID, body: MemberUpdate, db: Db, actor: AdminActor) -> MemberChanged:
    """Name, role (admin | agent), active (admins). Deactivating ends the member's sessions and
    answers their open conversations, still assigned, to reassign. The last active admin cannot
    be demoted or deactivated."""
    if body.name is None and body.role is None and body.active is None:
        raise NothingToUpdate("Nothing to update: send name, role and/or active")
    member = await team.update_member(db, actor, user_id, name=body.name, role=body.role, active=body.active)
    open_ones = await team.open_conversations(db, actor, user_id) if not member.user.is_active else []
    return MemberChanged(
        **_member(member).model_dump(),
        open_conversations=[OpenConversationRead(id=c.id, lead_name=c.lead_name) for c in open_ones],
    )


@router.post("/users/{user_id}/password", responses=responses(*WRITE, AdminRequired, MemberNotFound, WeakPassword))
async def temporary_password(user_id: uuid.UUID, body: TemporaryPasswordIn, db: Db, actor: AdminActor) -> MemberRead:
    """Give a member a temporary password (admins): their sessions end and they must choose a
    new password at next login."""
    return _member(await team.set_temporary_password(db, actor, user_id, body.password))


@router.post("/auth/password", status_code=204, responses=responses(*WRITE, WrongPassword, WeakPassword))
async def change_password(body: PasswordChangeIn, db: Db, actor: CurrentActor) -> None:
    """Change your own password (the current one is needed); your other sessions end."""
    await team.change_own_password(db, actor, body.current_password, body.new_password)


@router.get("/auth/sessions", responses=responses(*SESSION))
async def sessions(db: Db, actor: CurrentActor) -> list[SessionRead]:
    """Your open sessions (browsers), newest first."""
    return [
        SessionRead(
            id=team.public_session_id(s.id),
            current=s.id == actor.session_id,
            created_at=s.created_at,
            expires_at=s.expires_at,
            ip=s.ip,
            user_agent=s.user_agent,
        )
        for s in await team.list_sessions(db, actor)
    ]


@router.delete("/auth/sessions/{session_id}", status_code=204, responses=responses(*WRITE, AuthSessionNotFound))
async def revoke_session(session_id: Annotated[str, Path(max_length=64)], db: Db, actor: CurrentActor) -> None:
    """End one of your sessions (e.g. a browser left logged in elsewhere)."""
    await team.revoke_session(db, actor, session_id)


# -- API tokens for integrations (auth/api_tokens.py) ----------------------------------------------


@router.get("/api-tokens", responses=responses(*SESSION, AdminRequired))
async def list_api_tokens(db: Db, actor: AdminActor) -> list[api_tokens.ApiTokenRead]:
    """The organization's API tokens (never their secrets)."""
    return await api_tokens.list_tokens(db, actor)


@router.post(
    "/api-tokens",
    status_code=201,
    responses=responses(*WRITE, AdminRequired, ApiTokenUserNotMember, ApiTokenExpiryPast),
)
async def create_api_token(body: api_tokens.ApiTokenCreate, db: Db, actor: AdminActor) -> api_tokens.ApiTokenCreated:
    """A token acting as `userId`, sent as `Authorization: Bearer <token>` (no CSRF header); the
    secret is in this answer only."""
    return await api_tokens.create_token(db, actor, body)


@router.delete("/api-tokens/{token_id}", status_code=204, responses=responses(*WRITE, AdminRequired, ApiTokenNotFound))
async def revoke_api_token(token_id: uuid.UUID, db: Db, actor: AdminActor) -> None:
    """Revoke: the token answers 401 `api_token_revoked` from now on."""
    await api_tokens.revoke_token(db, actor, token_id)

"""Accounts and sessions. Services flush, never commit."""

from __future__ import annotations

import asyncio
import hashlib
import secrets
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import bindparam, delete, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker

from whatrack.auth import throttle
from whatrack.auth.throttle import ThrottlePolicy
from whatrack.business_hours import parse_schedule, schedule_json
from whatrack.db import transaction, utcnow
from whatrack.errors import (
    InvalidCredentials,
    NothingToUpdate,
    OrganizationNotFound,
    RateLimited,
    UnknownTimeZone,
    UserEmailTaken,
    UserNotFound,
    WaitingThresholdInvalid,
    WaitingWarnNotBelowAlert,
    WeakPassword,
)
from whatrack.models import AuthSession, Membership, Organization, Role, User
from whatrack.models.enums import AgentVisibility
from whatrack.realtime.revoke import active_agents, disconnect_user

_hasher = PasswordHasher()
# Verifying against this keeps unknown-email logins as slow as wrong-password ones.
_DUMMY_HASH = _hasher.hash("not-a-real-password")
# argon2 takes ~0.1 s of CPU and 64 MiB per call: on the event loop, 4.5 logins/s stalled every
# other request for seconds. Hashes run in these threads instead (argon2 releases the GIL), at
# most HASH_THREADS at once; further ones queue here, not on the loop.
HASH_THREADS = 2
_hash_pool = ThreadPoolExecutor(max_workers=HASH_THREADS, thread_name_prefix="password-hash")

MIN_PASSWORD_LENGTH = 10
# Common passwords long enough to pass the length rule (leaked lists, Brazilian favourites).
_COMMON_PASSWORDS = frozenset(
    line.strip().lower()
    for line in (Path(__file__).parent / "common_passwords.txt").read_text().splitlines()
    if line.strip() and not line.startswith("#")
)


@dataclass(frozen=True, slots=True)
class Actor:
    """Who is calling: every user-reachable query is scoped by `organization_id`."""

    user_id: uuid.UUID
    organization_id: uuid.UUID
    role: Role
    name: str
    email: str
    csrf_token: str
    session_id: str
    agent_visibility: AgentVisibility = AgentVisibility.ALL
    must_change_password: bool = False
    session_expires_at: datetime | None = None  # None: not a browser session (an API token)

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def restricts_agents(self) -> bool:
        """The organization's policy hides colleagues' conversations from agents."""
        return self.agent_visibility == AgentVisibility.ASSIGNED_AND_UNASSIGNED

    @property
    def restricted_to(self) -> uuid.UUID | None:
        """The user whose assigned (and the unassigned) conversations are all this caller may see;
        None when the caller sees every conversation of the organization (admins, policy `all`).
        db_util.get_scoped() and the conversation list apply it."""
        if self.role == Role.ADMIN or self.agent_visibility == AgentVisibility.ALL:
            return None
        return self.user_id


def hash_password(password: str) -> str:
    """Blocking: from async code use `hash_password_async`."""
    return _hasher.hash(password)


async def hash_password_async(password: str) -> str:
    return await asyncio.get_running_loop().run_in_executor(_hash_pool, _hasher.hash, password)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


async def verify_password(password_hash: str, password: str) -> bool:
    return await asyncio.get_running_loop().run_in_executor(_hash_pool, _verify, password_hash, password)


def check_password_policy(password: str, email: str | None = None) -> None:
    """The password policy, for every way a password is set (API, CLI, first start)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise WeakPassword(
            f"Password too short: use at least {MIN_PASSWORD_LENGTH} characters",
            details={"minLength": MIN_PASSWORD_LENGTH},
        )
    lowered = password.lower()
    local_part = (email or "").strip().lower().split("@")[0]
    if lowered in _COMMON_PASSWORDS or len(set(lowered)) < 3 or (len(local_part) >= 4 and local_part in lowered):
        raise WeakPassword(
            "Password too common or too easy to guess (it is on lists of common passwords, repeats "
            "a few characters or contains the e-mail): choose another one",
            details={"minLength": MIN_PASSWORD_LENGTH},
        )


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def create_organization(db: AsyncSession, name: str, timezone: str = "America/Sao_Paulo") -> Organization:
    org = Organization(name=name, timezone=timezone)
    db.add(org)
    await db.flush()
    return org


async def create_user(
    db: AsyncSession, organization: Organization, *, email: str, name: str, password: str, role: Role
) -> User:
    email = email.strip().lower()
    check_password_policy(password, email)
    password_hash = await hash_password_async(password)  # before the first query: no connection held
    if await db.scalar(select(User.id).where(User.email == email)) is not None:
        raise UserEmailTaken(f"A user with email {email} already exists")
    user = User(email=email, name=name, password_hash=password_hash)
    db.add(user)
    await db.flush()
    db.add(Membership(organization_id=organization.id, user_id=user.id, role=role))
    await db.flush()
    return user


async def set_password(db: AsyncSession, email: str, password: str) -> User:
    check_password_policy(password, email)
    password_hash = await hash_password_async(password)
    user = await db.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise UserNotFound(f"No user with email {email}")
    user.password_hash = password_hash
    await db.execute(delete(AuthSession).where(AuthSession.user_id == user.id))
    disconnect_user(db, user.id)  # after commit: open real-time connections lose their sessions' tokens
    return user


async def login(
    factory: async_sessionmaker[AsyncSession],
    email: str,
    password: str,
    *,
    ip: str,
    ttl: timedelta,
    policy: ThrottlePolicy,
    user_agent: str | None = None,
) -> tuple[str, AuthSession]:
    """Returns the cookie value (only its digest is stored) and the session row.

    Runs its own short transactions (like the send flow): no connection is held while the
    password is verified, and a failure is counted (committed) although the answer is an error.
    Unknown e-mails take the same path as wrong passwords (a dummy hash is verified and the
    failure counted), so neither the answer nor its time tells whether an account exists.
    """
    email = email.strip().lower()
    now = utcnow()
    async with transaction(factory) as db:
        wait = await throttle.locked_for(db, [throttle.account_key(email), throttle.ip_key(ip)], now)
        user = None if wait is not None else await db.scalar(select(User).where(User.email == email))
    if wait is not None:
        raise RateLimited(f"Too many failed logins: try again in {wait} s", retry_after_seconds=wait)
    matches = await verify_password(user.password_hash if user else _DUMMY_HASH, password)
    if user is not None and user.is_active and matches:
        async with transaction(factory) as db:
            return await _open_session(db, user, email, ttl, ip=ip, user_agent=user_agent)
    async with transaction(factory) as db:
        await throttle.record_failure(db, policy, email, ip, utcnow())
    raise InvalidCredentials("Wrong email or password")


async def _open_session(
    db: AsyncSession, user: User, email: str, ttl: timedelta, *, ip: str | None = None, user_agent: str | None = None
) -> tuple[str, AuthSession]:
    membership = await db.scalar(
        select(Membership).where(Membership.user_id == user.id).order_by(Membership.created_at).limit(1)
    )
    if membership is None:
        raise InvalidCredentials("This user belongs to no organization")
    await throttle.reset_account(db, email)
    token = secrets.token_urlsafe(32)
    row = AuthSession(
        id=token_digest(token),
        user_id=user.id,
        organization_id=membership.organization_id,
        csrf_token=secrets.token_urlsafe(24),
        expires_at=utcnow() + ttl,
        ip=ip[:64] if ip else None,
        user_agent=user_agent[:300] if user_agent else None,
    )
    db.add(row)
    await db.flush()
    return token, row


async def resolve_session(db: AsyncSession | AsyncConnection, token: str) -> Actor | None:
    row = (await db.execute(_RESOLVE_SESSION, {"digest": token_digest(token)})).first()
    if row is None or row.expires_at <= utcnow() or not row.is_active:
        return None
    return Actor(
        user_id=row.user_id,
        organization_id=row.organization_id,
        role=row.role,
        name=row.name,
        email=row.email,
        csrf_token=row.csrf_token,
        session_id=row.id,
        agent_visibility=row.agent_visibility,
        must_change_password=row.must_change_password,
        session_expires_at=row.expires_at,
    )


# Every authenticated request runs this: built once, columns only (no entities to track).
_RESOLVE_SESSION = (
    select(
        AuthSession.id,
        AuthSession.user_id,
        AuthSession.organization_id,
        AuthSession.csrf_token,
        AuthSession.expires_at,
        User.name,
        User.email,
        User.is_active,
        User.must_change_password,
        Membership.role,
        Organization.agent_visibility,
    )
    .join(User, User.id == AuthSession.user_id)
    .join(Organization, Organization.id == AuthSession.organization_id)
    .join(
        Membership,
        (Membership.user_id == AuthSession.user_id) & (Membership.organization_id == AuthSession.organization_id),
    )
    .where(AuthSession.id == bindparam("digest"))
)


async def logout(db: AsyncSession, actor: Actor) -> None:
    await db.execute(delete(AuthSession).where(AuthSession.id == actor.session_id))
    # After commit the user's connections reconnect through getToken: this browser gets 401
    # and stays disconnected, the user's other sessions come back (realtime/control.py).
    disconnect_user(db, actor.user_id)


MAX_WAITING_MINUTES = 7 * 24 * 60


def _set_waiting_thresholds(org: Organization, warn: int | None, alert: int | None) -> None:
    """The list's waiting timer: amber from `warn`, red from `alert` minutes (either may be
    given alone; the pair that results must keep warn < alert)."""
    for field, value in (("waitingWarnMinutes", warn), ("waitingAlertMinutes", alert)):
        if value is not None and not 1 <= value <= MAX_WAITING_MINUTES:
            raise WaitingThresholdInvalid(
                f"{field} must be 1..{MAX_WAITING_MINUTES} minutes", {"field": field, "value": value}
            )
    new_warn = warn if warn is not None else org.waiting_warn_minutes
    new_alert = alert if alert is not None else org.waiting_alert_minutes
    if (warn is not None or alert is not None) and new_warn >= new_alert:
        raise WaitingWarnNotBelowAlert(
            "waitingWarnMinutes must be below waitingAlertMinutes", {"warn": new_warn, "alert": new_alert}
        )
    org.waiting_warn_minutes, org.waiting_alert_minutes = new_warn, new_alert


async def update_organization(
    db: AsyncSession,
    actor: Actor,
    *,
    name: str | None,
    timezone: str | None,
    inactivity_timeout_minutes: int | None,
    agent_visibility: AgentVisibility | None = None,
    response_time_clock: str | None = None,
    business_hours: dict[str, Any] | None = None,
    waiting_warn_minutes: int | None = None,
    waiting_alert_minutes: int | None = None,
) -> Organization:
    org = await db.get(Organization, actor.organization_id)
    if org is None:
        raise OrganizationNotFound("Organization not found")
    _set_waiting_thresholds(org, waiting_warn_minutes, waiting_alert_minutes)
    given = (name, timezone, inactivity_timeout_minutes, agent_visibility, response_time_clock, business_hours)
    if all(v is None for v in given) and waiting_warn_minutes is None and waiting_alert_minutes is None:
        raise NothingToUpdate(
            "Nothing to update: send name, timezone, inactivityTimeoutMinutes, agentVisibility, "
            "responseTimeClock and/or businessHours"
        )
    if business_hours is not None:  # validated (and normalised) before anything changes
        org.business_hours = schedule_json(parse_schedule(business_hours))
    if response_time_clock is not None:
        # Figures already computed stay as they were: `whatrack metrics rebuild` recomputes them.
        org.response_time_clock = response_time_clock
    if agent_visibility is not None and agent_visibility != org.agent_visibility:
        org.agent_visibility = agent_visibility
        # At commit the agents' connections drop their tokens (3014) and ask again, and the web
        # app asks who it is: turning restrictive, the token endpoint refuses the organization's
        # channel and colleagues' conversations; turning open, their feed becomes the
        # organization's, without a reload.
        for user_id in await active_agents(db, org.id):
            disconnect_user(db, user_id)
    if timezone is not None:
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise UnknownTimeZone(
                f"Unknown time zone {timezone!r} (use an IANA name like America/Sao_Paulo)", {"timezone": timezone}
            ) from None
        org.timezone = timezone
    if name is not None:
        org.name = name
    if inactivity_timeout_minutes is not None:
        org.inactivity_timeout_minutes = inactivity_timeout_minutes
    await db.flush()
    return org


async def list_members(db: AsyncSession, actor: Actor) -> list[tuple[User, Membership]]:
    rows = await db.execute(
        select(User, Membership)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.organization_id == actor.organization_id)
        .order_by(User.name)
    )
    return [(u, m) for u, m in rows.all()]


async def ensure_bootstrap(
    db: AsyncSession, *, organization_name: str, email: str, password: str
) -> tuple[Organization, User, bool]:
    """First start: one organization with one admin. Returns (org, user, created)."""
    user = await db.scalar(select(User).where(User.email == email.strip().lower()))
    if user is not None:
        membership = await db.scalar(select(Membership).where(Membership.user_id == user.id))
        org = await db.get(Organization, membership.organization_id) if membership else None
        if org is not None:
            return org, user, False
    org = await create_organization(db, organization_name)
    user = await create_user(db, org, email=email, name="Admin", password=password, role=Role.ADMIN)
    return org, user, True

"""FastAPI dependencies shared by the routers: database session, caller, CSRF."""

from __future__ import annotations

import hmac
from collections.abc import AsyncIterator, Awaitable, Callable
from functools import partial
from typing import Annotated, TypeVar

from fastapi import Depends, Request
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

from whatrack.auth.api_tokens import resolve_api_token
from whatrack.auth.service import Actor, resolve_session
from whatrack.auth.session_cache import SessionCache
from whatrack.db import transaction
from whatrack.errors import AdminRequired, CsrfFailed, NotAuthenticated, PasswordChangeRequired, SessionExpired
from whatrack.settings import Settings

SESSION_COOKIE = "whatrack_session"
CSRF_COOKIE = "whatrack_csrf"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# All a user with a temporary password may do until they choose their own.
PASSWORD_CHANGE_PATHS = frozenset({"/api/v1/auth/me", "/api/v1/auth/password", "/api/v1/auth/logout"})


def get_settings_dep(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_session_factory(request: Request) -> async_sessionmaker[AsyncSession]:
    factory: async_sessionmaker[AsyncSession] = request.app.state.session_factory
    return factory


async def get_db(request: Request) -> AsyncIterator[AsyncSession]:
    """The request's one transaction, committed when the route returns without error."""
    async with transaction(request.app.state.session_factory) as session:
        yield session


_T = TypeVar("_T")
_READ_ONLY = "whatrack.read_only"  # in Session.info: a ReadDb session, which must never flush


async def _read_connection(request: Request) -> AsyncIterator[AsyncConnection]:
    async with request.app.state.engine.connect() as conn:
        conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
        request.state.read_connection = conn
        try:
            yield conn
        finally:
            request.state.read_connection = None


async def get_read_db(
    request: Request, conn: Annotated[AsyncConnection, Depends(_read_connection)]
) -> AsyncIterator[AsyncSession]:
    """The hot read routes' session: one pooled connection for the whole request, in autocommit
    (no BEGIN/COMMIT round trips), shared with get_actor's session lookup when declared before
    the actor (one pool checkout instead of two). Reads only: a flush raises. Each
    statement sees its own snapshot, so use it where no two statements must agree (a route
    that needs one snapshot, or SET LOCAL, takes Db)."""
    factory: async_sessionmaker[AsyncSession] = request.app.state.session_factory
    async with factory(bind=conn) as session:
        session.info[_READ_ONLY] = True
        yield session


@event.listens_for(Session, "before_flush")
def _refuse_read_only_flush(session: Session, _context: object, _instances: object) -> None:
    if session.info.get(_READ_ONLY) and (session.new or session.dirty or session.deleted):
        raise RuntimeError("a ReadDb session does not write: take Db in this route")


async def _lookup(request: Request, resolve: Callable[[AsyncConnection], Awaitable[_T]]) -> _T:
    """On the request's read connection when it has one, else on its own autocommit connection,
    released before the route runs (so routes that manage their own transactions, like send,
    never hold two connections at once: SQLite runs on one)."""
    shared: AsyncConnection | None = getattr(request.state, "read_connection", None)
    if shared is not None:
        return await resolve(shared)
    async with request.app.state.engine.connect() as conn:
        conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
        return await resolve(conn)


async def get_actor(request: Request) -> Actor:
    """Who calls: a session cookie (CSRF checked on writes) or an integration's API token."""
    bearer = request.headers.get("authorization", "")
    if bearer[:7].lower() == "bearer ":
        # an integration's API token (auth/api_tokens.py): no cookie, so no CSRF to check
        integration = await _lookup(request, partial(resolve_api_token, token=bearer[7:].strip()))
        if integration.must_change_password and request.url.path not in PASSWORD_CHANGE_PATHS:
            raise PasswordChangeRequired("Choose a new password first: POST /api/v1/auth/password")
        return integration
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        raise NotAuthenticated("Not logged in")
    cache: SessionCache = request.app.state.session_cache
    actor = cache.get(token)
    if actor is None:
        generation = cache.generation
        actor = await _lookup(request, partial(resolve_session, token=token))
        if actor is None:
            raise SessionExpired("Session expired, log in again")
        cache.put(token, actor, generation)
    if request.method not in SAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER, "")
        if not hmac.compare_digest(sent.encode(), actor.csrf_token.encode()):
            raise CsrfFailed("Missing or wrong X-CSRF-Token header")
    if actor.must_change_password and request.url.path not in PASSWORD_CHANGE_PATHS:
        raise PasswordChangeRequired("Choose a new password first: POST /api/v1/auth/password")
    return actor


async def get_admin(actor: Annotated[Actor, Depends(get_actor)]) -> Actor:
    if not actor.is_admin:
        raise AdminRequired("Only organization admins can do this")
    return actor


Db = Annotated[AsyncSession, Depends(get_db)]
ReadDb = Annotated[AsyncSession, Depends(get_read_db)]
CurrentActor = Annotated[Actor, Depends(get_actor)]
AdminActor = Annotated[Actor, Depends(get_admin)]
SessionFactory = Annotated[async_sessionmaker[AsyncSession], Depends(get_session_factory)]
AppSettings = Annotated[Settings, Depends(get_settings_dep)]

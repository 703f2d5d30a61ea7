"""FastAPI dependencies shared by the routers: database session, caller, CSRF."""

from __future__ import annotations

import hmac
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from whatrack.auth.api_tokens import resolve_api_token
from whatrack.auth.service import Actor, resolve_session
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


async def get_actor(request: Request) -> Actor:
    """Resolved on its own connection, released before the route runs, so routes that manage
    their own transactions (send) never hold two connections at once (SQLite runs on one)."""
    bearer = request.headers.get("authorization", "")
    if bearer[:7].lower() == "bearer ":
        # an integration's API token (auth/api_tokens.py): no cookie, so no CSRF to check
        async with request.app.state.engine.connect() as conn:
            conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            integration = await resolve_api_token(conn, bearer[7:].strip())
        if integration.must_change_password and request.url.path not in PASSWORD_CHANGE_PATHS:
            raise PasswordChangeRequired("Choose a new password first: POST /api/v1/auth/password")
        return integration
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        raise NotAuthenticated("Not logged in")
    # One SELECT on its own connection in autocommit: no BEGIN/COMMIT round trips.
    async with request.app.state.engine.connect() as conn:
        conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
        actor = await resolve_session(conn, token)
    if actor is None:
        raise SessionExpired("Session expired, log in again")
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
CurrentActor = Annotated[Actor, Depends(get_actor)]
AdminActor = Annotated[Actor, Depends(get_admin)]
SessionFactory = Annotated[async_sessionmaker[AsyncSession], Depends(get_session_factory)]
AppSettings = Annotated[Settings, Depends(get_settings_dep)]

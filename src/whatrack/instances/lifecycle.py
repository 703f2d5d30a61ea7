"""Adding and deleting instances, WuzAPI first.

Adding talks to WuzAPI *before* anything is written: the token is checked
(`GET /session/status`), the user is created when asked (`POST /admin/users`), and WuzAPI's
webhook is pointed at this app (`POST /webhook`, `POST /session/hmac/config`). Only then is the
row inserted, so a wrong token or an unreachable WuzAPI leaves nothing behind.
"""

from __future__ import annotations

import logging
import re
import secrets
import uuid

from sqlalchemy import select

from whatrack.auth.service import Actor
from whatrack.db import new_id, transaction
from whatrack.errors import (
    DomainError,
    InstanceAlreadyAdded,
    WuzapiAdminCredentialsMissing,
    WuzapiAdminTokenRejected,
    WuzapiCredentialsRequired,
    WuzapiRefused,
    WuzapiUserExists,
)
from whatrack.instances import service
from whatrack.instances.context import InstanceContext, Target
from whatrack.instances.schemas import InstanceCreate
from whatrack.instances.targets import check_target, clean_base_url, host_allowed, server_key
from whatrack.instances.webhook import hook_url, point_webhook
from whatrack.instances.wuzapi import SessionState, check_token, unreachable
from whatrack.models import Instance
from whatrack.settings import Settings
from whatrack.whatsapp.client import WEBHOOK_EVENTS, WuzapiAdminClient, WuzapiError

log = logging.getLogger(__name__)


def _norm_url(url: str) -> str:
    return url.strip().rstrip("/")


def _given_url(data: InstanceCreate, settings: Settings) -> str | None:
    """The admin's base URL, refused when malformed or outside WUZAPI_ALLOWED_HOSTS."""
    if data.base_url is None:
        return None
    url = clean_base_url(str(data.base_url))
    check_target(url, settings)
    return url


def _admin_credentials(data: InstanceCreate, settings: Settings) -> tuple[str, str]:
    given_url = _given_url(data, settings)
    if data.admin_token:
        base_url = given_url or settings.wuzapi_admin_url
        if base_url:
            return _norm_url(base_url), data.admin_token
    # The configured admin token is only ever sent to the configured admin URL.
    elif settings.wuzapi_admin_url and settings.wuzapi_admin_token:
        configured = _norm_url(settings.wuzapi_admin_url)
        if given_url is None or given_url == configured:
            return configured, settings.wuzapi_admin_token
    raise WuzapiAdminCredentialsMissing(
        "createUser needs the WuzAPI URL and admin token: send baseUrl and adminToken, "
        "or set WUZAPI_ADMIN_URL and WUZAPI_ADMIN_TOKEN on the server"
    )


def _admin_error(exc: WuzapiError) -> DomainError:
    if exc.status_code == 401:
        return WuzapiAdminTokenRejected("WuzAPI rejected the admin token (WUZAPI_ADMIN_TOKEN of the WuzAPI server)")
    if exc.status_code == 409:
        return WuzapiUserExists("A WuzAPI user with this token already exists")
    if exc.status_code == 400:
        reason = exc.message[:200]
        return WuzapiRefused(f"WuzAPI refused to create the user: {reason}", {"reason": reason})
    # 404, 5xx, not JSON, nothing listening: the same answer (a URL must not probe ports).
    return unreachable("create the WuzAPI user")


_HOOK_PATH = re.compile(r"/api/v1/whatsapp/w/webhook/([0-9a-fA-F-]{36})")


def _hooked_instance(webhook: str | None) -> uuid.UUID | None:
    """The instance of this app a WuzAPI user's webhook points at, if it points at one."""
    found = _HOOK_PATH.search(webhook or "")
    if found is None:
        return None
    try:
        return uuid.UUID(found.group(1))
    except ValueError:
        return None


async def _refuse_duplicate(ctx: InstanceContext, base_url: str, token: str, state: SessionState | None = None) -> None:
    """Refuse a WuzAPI user that is an instance already, in this organization or another:
    re-pointing its webhook would silently steal that instance's traffic.

    The same user is recognised by what WuzAPI itself says (`state`, after the token check: its
    user id, and a webhook already pointing at one of our instances) and, for builds that do not
    say, by the token on the same server, whatever the spelling of its URL (`localhost`,
    `127.0.0.1`, a default port, a trailing slash).
    """
    key = server_key(base_url)
    user_id = state.user_id if state is not None else None
    hooked = _hooked_instance(state.webhook) if state is not None else None
    async with transaction(ctx.factory) as db:
        same_token = (
            await db.execute(select(Instance.base_url, Instance.wuzapi_user_id).where(Instance.token == token))
        ).all()
        hooked_exists = hooked is not None and await db.get(Instance, hooked) is not None
    taken = hooked_exists or any(
        server_key(row.base_url) == key or (user_id is not None and row.wuzapi_user_id == user_id) for row in same_token
    )
    if taken:
        raise InstanceAlreadyAdded("This WuzAPI user is already added as an instance")


async def add_instance(ctx: InstanceContext, actor: Actor, data: InstanceCreate) -> Instance:
    """Register a WuzAPI user (existing, or created through the admin API) and point its webhook here."""
    instance_id, secret = new_id(), secrets.token_urlsafe(24)
    hook = hook_url(instance_id, secret, ctx.settings.external_url)
    admin: WuzapiAdminClient | None = None
    created_user_id: str | None = None
    if data.create_user:
        base_url, admin_token = _admin_credentials(data, ctx.settings)
        token = data.token or secrets.token_urlsafe(32)
        await _refuse_duplicate(ctx, base_url, token)
        admin = ctx.admin(base_url, admin_token)
        try:
            user = await admin.create_user(
                name=data.name, token=token, webhook=hook, events=WEBHOOK_EVENTS, hmac_key=data.hmac_key
            )
        except WuzapiError as exc:
            raise _admin_error(exc) from exc
        created_user_id = user.id
    else:
        if data.base_url is None or data.token is None:  # the schema guarantees both
            raise WuzapiCredentialsRequired("baseUrl and token are required")
        base_url, token = _given_url(data, ctx.settings) or "", data.token
        await _refuse_duplicate(ctx, base_url, token)

    client = ctx.client(base_url, token)
    try:
        state = await check_token(client)
        if created_user_id is None:  # WuzAPI's own answer names the user: is it one of ours?
            await _refuse_duplicate(ctx, base_url, token, state)
        # A created user already has its webhook and HMAC key; setting the webhook again is
        # harmless and leaves both paths in the same WuzAPI state.
        await point_webhook(client, hook, None if created_user_id else data.hmac_key)
        async with transaction(ctx.factory) as db:
            instance = await service.create_instance(
                db,
                actor.organization_id,
                name=data.name,
                base_url=base_url,
                token=token,
                hmac_key=data.hmac_key,
                instance_id=instance_id,
                webhook_secret=secret,
                wuzapi_user_id=created_user_id or state.user_id,
            )
            await service.apply_state(db, instance, state)
    except Exception:
        if admin is not None and created_user_id is not None:
            await _undo_user(admin, created_user_id)
        raise
    log.info(
        "instance %s added (org %s, new WuzAPI user: %s)",
        instance.id,
        actor.organization_id,
        admin is not None,
    )
    return instance


async def _undo_user(admin: WuzapiAdminClient, user_id: str) -> None:
    try:
        await admin.delete_user(user_id)
    except WuzapiError as exc:
        log.warning("could not delete WuzAPI user %s after a failed add: %s", user_id, exc.message)


async def delete_instance(ctx: InstanceContext, actor: Actor, instance_id: uuid.UUID) -> None:
    """Delete an instance that never had a conversation; with history, disconnect it instead.

    The WuzAPI user itself is kept (it may pair again elsewhere); only its webhook is cleared.
    """
    async with transaction(ctx.factory) as db:
        instance = await service.get_instance(db, actor, instance_id)
        await service.refuse_if_used(db, instance.id)
        target = Target.of(instance)
    if not target.is_demo and host_allowed(target.base_url, ctx.settings):
        # Best effort: stop WuzAPI from posting to a URL that is about to answer 404.
        try:
            await ctx.client(target.base_url, target.token).clear_webhook()
        except WuzapiError as exc:
            log.info("instance %s deleted; WuzAPI webhook not cleared: %s", instance_id, exc.message)
    async with transaction(ctx.factory) as db:
        instance = await service.get_instance(db, actor, instance_id)
        await service.refuse_if_used(db, instance.id)  # a message may have arrived meanwhile
        await db.delete(instance)
        await db.flush()

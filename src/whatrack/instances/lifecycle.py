"""Adding and deleting instances, WuzAPI first.

Adding talks to WuzAPI *before* anything is written: the token is checked
(`GET /session/status`), the user is created when asked (`POST /admin/users`), and WuzAPI's
webhook is pointed at this app (`POST /webhook`, `POST /session/hmac/config`). Only then is the
row inserted, so a wrong token or an unreachable WuzAPI leaves nothing behind.
"""

from __future__ import annotations

import logging
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
    WuzapiUrlInvalid,
    WuzapiUserExists,
)
from whatrack.instances import service
from whatrack.instances.context import InstanceContext, Target
from whatrack.instances.schemas import InstanceCreate
from whatrack.instances.webhook import hook_url, point_webhook
from whatrack.instances.wuzapi import check_token, gateway
from whatrack.models import Instance
from whatrack.settings import Settings
from whatrack.whatsapp.client import WEBHOOK_EVENTS, WuzapiAdminClient, WuzapiError

log = logging.getLogger(__name__)


def _norm_url(url: str) -> str:
    return url.strip().rstrip("/")


def _admin_credentials(data: InstanceCreate, settings: Settings) -> tuple[str, str]:
    given_url = _norm_url(str(data.base_url)) if data.base_url is not None else None
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
    if exc.status_code == 404:
        return WuzapiUrlInvalid("No WuzAPI admin API at this URL (HTTP 404 on /admin/users): check baseUrl")
    if exc.status_code == 400:
        return WuzapiRefused(f"WuzAPI refused to create the user: {exc.message}", {"reason": exc.message})
    return gateway(exc, "create the WuzAPI user")


async def _refuse_duplicate(ctx: InstanceContext, base_url: str, token: str) -> None:
    # Re-pointing a WuzAPI user's webhook would silently steal another instance's traffic.
    async with transaction(ctx.factory) as db:
        taken = await db.scalar(
            select(Instance.id).where(Instance.base_url == _norm_url(base_url), Instance.token == token).limit(1)
        )
    if taken is not None:
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
        base_url, token = _norm_url(str(data.base_url)), data.token
        await _refuse_duplicate(ctx, base_url, token)

    client = ctx.client(base_url, token)
    try:
        state = await check_token(client)
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
    if not target.is_demo:
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

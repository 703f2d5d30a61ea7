"""The background status poll of every non-demo instance (the worker's safety net for webhooks)."""

from __future__ import annotations

import asyncio
import logging

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from whatrack.instances.context import Target
from whatrack.instances.service import apply_state
from whatrack.instances.targets import host_allowed
from whatrack.instances.wuzapi import NO_SESSION, UNKNOWN, SessionState, no_session, session_state
from whatrack.models import Instance
from whatrack.settings import Settings
from whatrack.whatsapp.client import WuzapiClient, WuzapiError

log = logging.getLogger(__name__)

POLL_CONCURRENCY = 8
POLL_TIMEOUT_SECONDS = 5.0


async def poll_instance_statuses(db: AsyncSession, http: httpx.AsyncClient, settings: Settings) -> int:
    """Refresh every non-demo instance from `/session/status`; returns how many changed.

    Webhooks (Connected, LoggedOut, QR ...) are the fast path; this catches what they miss
    (WuzAPI restarts, lost deliveries). Failures mark the instance unknown (unreachable,
    rejected token) or disconnected (no session) and are logged, never raised. Calls run
    concurrently with a short timeout: run this in its own transaction, not one shared with
    other jobs, since `db` stays open during the calls.
    """
    rows = list((await db.scalars(select(Instance).where(Instance.is_demo.is_(False)))).all())
    targets = [Target.of(i) for i in rows]
    timeout = min(settings.wuzapi_timeout_seconds, POLL_TIMEOUT_SECONDS)
    limit = asyncio.Semaphore(POLL_CONCURRENCY)

    async def probe(target: Target) -> SessionState:
        if not host_allowed(target.base_url, settings):  # added before WUZAPI_ALLOWED_HOSTS said no
            log.warning("instance %s: not polled, its WuzAPI host is outside WUZAPI_ALLOWED_HOSTS", target.id)
            return UNKNOWN
        async with limit:
            try:
                data = await WuzapiClient(http, target.base_url, target.token, timeout).session_status()
            except WuzapiError as exc:
                if no_session(exc):
                    return NO_SESSION
                log.warning("instance %s: status poll failed: %s", target.id, exc.message)
                return UNKNOWN
            except Exception:
                log.exception("instance %s: status poll failed", target.id)
                return UNKNOWN
            return session_state(data)

    states = await asyncio.gather(*(probe(t) for t in targets))
    changed = 0
    for instance, state in zip(rows, states, strict=True):
        if await apply_state(db, instance, state):
            changed += 1
    return changed

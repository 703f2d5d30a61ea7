"""The webhook between WuzAPI and this app: its URL, pointing WuzAPI at it, authenticating it."""

from __future__ import annotations

import uuid

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from whatrack.errors import WebhookSecretInvalid, WebhookSignatureInvalid
from whatrack.instances.wuzapi import gateway
from whatrack.models import Instance, Organization
from whatrack.models.enums import AgentVisibility
from whatrack.whatsapp.client import WuzapiClient, WuzapiError
from whatrack.whatsapp.signature import constant_time_equals, verify_hmac


def hook_url(instance_id: uuid.UUID, secret: str, public_url: str) -> str:
    return f"{public_url.rstrip('/')}/api/v1/whatsapp/w/webhook/{instance_id}?secret={secret}"


def webhook_url(instance: Instance, public_url: str) -> str:
    return hook_url(instance.id, instance.webhook_secret, public_url)


async def point_webhook(client: WuzapiClient, url: str, hmac_key: str | None) -> None:
    try:
        await client.set_webhook(url)
        if hmac_key:
            await client.set_hmac_key(hmac_key)
    except WuzapiError as exc:
        raise gateway(exc, "configure the webhook") from exc


_FOR_WEBHOOK = (
    select(Instance, Organization.agent_visibility)
    .join(Organization, Organization.id == Instance.organization_id)
    .where(Instance.id == bindparam("id"))
)


async def for_webhook(db: AsyncSession, instance_id: uuid.UUID) -> tuple[Instance | None, AgentVisibility | None]:
    """The instance a delivery names and its organization's visibility policy, in one query
    (the policy decides who hears the delivery's events: realtime.events.known_policy)."""
    row = (await db.execute(_FOR_WEBHOOK, {"id": instance_id})).first()
    return (None, None) if row is None else (row[0], row[1])


def authenticate_webhook(instance: Instance, raw_body: bytes, signature: str | None, secret: str | None) -> None:
    """HMAC over the raw body when the instance has a key, else its URL secret (constant time)."""
    if instance.hmac_key:
        if not verify_hmac(instance.hmac_key, raw_body, signature):
            raise WebhookSignatureInvalid("Bad or missing x-hmac-signature")
    elif not constant_time_equals(secret or "", instance.webhook_secret):
        raise WebhookSecretInvalid("Bad or missing webhook secret")

"""The WuzAPI webhook route: verified and received by the Ingestor (inbox/ingest.py)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request

from whatrack.errors import (
    ContactUnidentifiable,
    InstanceNotFound,
    InvalidWebhookPayload,
    PayloadTooLarge,
    WebhookBusy,
    WebhookOverloaded,
    WebhookSecretInvalid,
    WebhookSignatureInvalid,
    responses,
)
from whatrack.inbox.ingest import Delivery
from whatrack.schemas import CamelModel

router = APIRouter(prefix="/api/v1", tags=["whatsapp"])


class WebhookAck(CamelModel):
    status: str
    detail: str | None = None


@router.post(
    "/whatsapp/w/webhook/{instance_id}",
    responses=responses(
        InvalidWebhookPayload,
        ContactUnidentifiable,
        WebhookSignatureInvalid,
        WebhookSecretInvalid,
        InstanceNotFound,
        PayloadTooLarge,
        WebhookBusy,
        WebhookOverloaded,
    ),
)
async def webhook(instance_id: str, request: Request, secret: str | None = None) -> WebhookAck:
    """WuzAPI webhook (JSON or form with jsonData). Verified per instance; re-deliveries are no-ops."""
    try:
        iid = uuid.UUID(instance_id)
    except ValueError:
        raise InstanceNotFound("Unknown instance") from None
    # A full ingest queue answers 503 at once, before the body is read (WuzAPI retries it).
    request.app.state.ingestor.admit()
    # Unknown instances and wrong URL secrets are refused before a byte of the body is read.
    raw = await request.app.state.webhook_gate.read(iid, request, secret)
    result = await request.app.state.ingestor.submit(
        Delivery(iid, raw, request.headers.get("content-type"), request.headers.get("x-hmac-signature"), secret)
    )
    return WebhookAck(status=result.status, detail=result.detail)

"""Posts webhook payloads to a user's webhook URL exactly as WuzAPI does."""

from __future__ import annotations

import asyncio
import copy
import logging
from typing import Any

import httpx

from whatrack.simulator import history, history_sync, payloads, wire
from whatrack.simulator.state import SentMessage, SimulatorState, SimUser, WebhookDelivery

logger = logging.getLogger(__name__)

# Events that only exist while the WhatsApp socket is up; lifecycle events always go out.
_SESSION_EVENTS = frozenset({"Message", "ReadReceipt", "ChatPresence", "Presence"})


def encode_webhook(user: SimUser, payload: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
    """Body bytes and headers of the POST WuzAPI would send for ``payload``.

    JSON mode: the payload object (top-level keys sorted, as Go marshals a map).
    Form mode: ``jsonData`` (that JSON string), ``userID`` and ``instanceName``,
    url-encoded like Go's ``url.Values.Encode``. The signature covers the exact body bytes.
    """
    json_text = wire.go_json_map(payload)
    if user.webhook_format == "json":
        body = json_text.encode("utf-8")
        headers = {"Content-Type": "application/json"}
    else:
        fields = {"jsonData": json_text, "userID": user.id, "instanceName": user.name}
        body = wire.go_form_encode(fields).encode("ascii")
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if user.hmac_key:
        headers["x-hmac-signature"] = wire.hmac_signature(user.hmac_key, body)
    headers["User-Agent"] = "go-resty/2.16.5 (https://github.com/go-resty/resty)"
    return body, headers


class WebhookEmitter:
    """Delivers events of simulated users; the HTTP client is injectable for tests."""

    def __init__(
        self,
        state: SimulatorState,
        client: httpx.AsyncClient | None = None,
        *,
        timeout: float = 30.0,
    ) -> None:
        self.state = state
        self._client = client
        self._owns_client = client is None
        self._timeout = timeout

    @property
    def client(self) -> httpx.AsyncClient:
        if self._client is None:
            # WuzAPI's resty client: 30 s timeout, follows redirects, skips TLS verification.
            self._client = httpx.AsyncClient(timeout=self._timeout, follow_redirects=True, verify=False)  # noqa: S501
        return self._client

    async def aclose(self) -> None:
        if self._client is not None and self._owns_client:
            await self._client.aclose()
            self._client = None

    def prepare(self, user: SimUser, payload: dict[str, Any]) -> dict[str, Any]:
        """Stamp ``userID``/``instanceName`` and apply the user's addressing failure modes."""
        body = copy.deepcopy(payload)
        modes = user.failures
        if modes.lid_senders or modes.ninth_digit_variant:
            body = payloads.readdress(body, lid=modes.lid_senders, ninth_digit=modes.ninth_digit_variant)
        body["userID"] = user.id
        body["instanceName"] = user.name
        return body

    def _skip_reason(self, user: SimUser, event_type: str) -> str:
        if not user.webhook:
            return "no webhook configured"
        if not user.events or not user.wants(event_type):
            return f"not subscribed to {event_type}"
        if event_type in _SESSION_EVENTS and not (user.has_client and user.connected and user.logged_in):
            return "session not connected"
        return ""

    async def emit(self, user: SimUser, payload: dict[str, Any]) -> list[WebhookDelivery]:
        """POST one event now (twice with ``duplicate_webhooks``) and return the attempts."""
        body_payload = self.prepare(user, payload)
        event_type = str(body_payload.get("type", ""))
        reason = self._skip_reason(user, event_type)
        if reason != "session not connected":  # WuzAPI keeps history whether or not the webhook goes out
            history.remember_message(self.state, user, body_payload)
        body, headers = encode_webhook(user, body_payload)
        if reason:
            skipped = WebhookDelivery(user.id, user.webhook, event_type, body_payload, body, headers, skipped=reason)
            self.state.webhooks.append(skipped)
            return [skipped]
        copies = 2 if user.failures.duplicate_webhooks else 1
        results = []
        for _ in range(copies):
            results.extend(await self._deliver(user, event_type, body_payload, body, headers))
        return results

    async def _deliver(
        self,
        user: SimUser,
        event_type: str,
        body_payload: dict[str, Any],
        body: bytes,
        headers: dict[str, str],
    ) -> list[WebhookDelivery]:
        """One event, retried like WuzAPI's callHook when WEBHOOK_RETRY_ENABLED: up to `count`
        attempts in all, waiting delay x 2^(n-2) before attempt n; a network error or any
        non-2xx is a failure. Returns every attempt."""
        retry = self.state.webhook_retry
        attempts: list[WebhookDelivery] = []
        for n in range(1, retry.attempts() + 1):
            if (wait := retry.delay_before(n)) > 0:
                await asyncio.sleep(wait)
            delivery = await self._post(user, event_type, body_payload, body, headers)
            attempts.append(delivery)
            if delivery.status_code is not None and 200 <= delivery.status_code < 300:
                break
        return attempts

    async def _post(
        self,
        user: SimUser,
        event_type: str,
        body_payload: dict[str, Any],
        body: bytes,
        headers: dict[str, str],
    ) -> WebhookDelivery:
        try:
            response = await self.client.post(user.webhook, content=body, headers=headers)
        except httpx.HTTPError as exc:
            logger.warning("webhook to %s failed: %s", user.webhook, exc)
            delivery = WebhookDelivery(user.id, user.webhook, event_type, body_payload, body, headers, error=repr(exc))
        else:
            status = response.status_code
            delivery = WebhookDelivery(
                user.id, user.webhook, event_type, body_payload, body, headers, status_code=status
            )
        self.state.webhooks.append(delivery)
        return delivery

    def emit_later(self, user: SimUser, payload: dict[str, Any], delay: float = 0.0) -> asyncio.Task[Any]:
        """Fire-and-forget delivery after ``delay`` seconds (tracked by ``state.drain()``)."""

        async def run() -> None:
            if delay > 0:
                await asyncio.sleep(delay)
            await self.emit(user, payload)

        return self.state.spawn(run())

    def schedule_receipts(self, user: SimUser, sent: SentMessage) -> asyncio.Task[Any]:
        """Delivered after ``state.delivered_delay`` s, Read after ``state.read_delay`` s.

        With ``receipts_before_message`` the order is reversed (Read first).
        """
        first = self.state.delivered_delay
        second = max(self.state.read_delay, first)
        states: tuple[payloads.ReceiptState, payloads.ReceiptState] = ("Delivered", "Read")
        if user.failures.receipts_before_message:
            states = ("Read", "Delivered")

        def receipt(kind: payloads.ReceiptState) -> dict[str, Any]:
            return payloads.read_receipt(message_ids=[sent.id], state=kind, phone=sent.chat)

        async def run() -> None:
            await asyncio.sleep(first)
            await self.emit(user, receipt(states[0]))
            await asyncio.sleep(second - first)
            await self.emit(user, receipt(states[1]))

        return self.state.spawn(run())

    async def pair(self, user: SimUser, jid: str = payloads.DEFAULT_OWN_JID) -> None:
        """Simulate the phone scanning the QR code: PairSuccess then Connected."""
        user.failures.no_session = False
        user.connected = True
        user.logged_in = True
        user.jid = jid
        user.qrcode = ""
        await self.emit(user, payloads.pair_success(jid=jid))
        await self.emit(user, payloads.connected())
        # then the phone's past, as HistorySync chunks (history_sync.py)
        for chunk in history_sync.chunks(user.phone_history, user.days_to_sync_history):
            await self.emit(user, chunk)

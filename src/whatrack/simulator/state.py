"""In-memory state of the simulated WuzAPI server: users, failure modes and logs."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any, Literal

from whatrack.simulator import wire
from whatrack.simulator.history_sync import PastMessage

WebhookFormat = Literal["json", "form"]

# WuzAPI's supportedEventTypes (constants.go, 2026 builds).
SUPPORTED_EVENTS: tuple[str, ...] = (
    "Message", "UndecryptableMessage", "Receipt", "MediaRetry", "ReadReceipt", "GroupInfo",
    "JoinedGroup", "Picture", "BlocklistChange", "Blocklist", "Connected", "Disconnected",
    "ConnectFailure", "KeepAliveRestored", "KeepAliveTimeout", "QRTimeout", "LoggedOut",
    "ClientOutdated", "TemporaryBan", "StreamError", "StreamReplaced", "PairSuccess", "PairError",
    "QR", "QRScannedWithoutMultidevice", "PrivacySettings", "PushNameSetting", "UserAbout",
    "AppState", "AppStateSyncComplete", "HistorySync", "OfflineSyncCompleted",
    "OfflineSyncPreview", "LabelEdit", "LabelAssociationChat", "LabelAssociationMessage",
    "CallOffer", "CallAccept", "CallTerminate", "CallOfferNotice", "CallRelayLatency", "Presence",
    "ChatPresence", "IdentityChange", "CATRefreshError", "NewsletterJoin", "NewsletterLeave",
    "NewsletterMuteChange", "NewsletterLiveUpdate", "FBMessage", "All",
)  # fmt: skip

DEFAULT_OWN_JID = "5511999990000@s.whatsapp.net"


@dataclass
class FailureModes:
    """Per-user misbehaviour, switchable at run time by mutating the fields."""

    no_session: bool = False
    """No in-memory client: chat/session endpoints answer 500 "no session" until /session/connect."""
    slow_seconds: float = 0.0
    """Delay before answering any authenticated user request."""
    error_5xx: bool = False
    """Sends fail with 500 "error sending message: websocket not connected"."""
    answer_delay_seconds: float = 0.0
    """Sends go out (recorded, receipts follow) but WuzAPI answers this much later (a slow WuzAPI)."""
    hold_answers: asyncio.Event | None = None
    """When set: sends go out, then the answer waits until the event is set (tests observe the
    app while its WuzAPI call is in flight)."""
    duplicate_webhooks: bool = False
    """Every webhook is POSTed twice."""
    receipts_before_message: bool = False
    """For sent messages the Read receipt arrives before the Delivered one."""
    lid_senders: bool = False
    """Lead events come from ``<15 digits>@lid`` with ``SenderAlt`` = the phone JID."""
    ninth_digit_variant: bool = False
    """Brazilian mobile JIDs lose the 9th digit (``551188887777@s.whatsapp.net``)."""


@dataclass(frozen=True)
class WebhookRetry:
    """WuzAPI's webhook retry settings (WEBHOOK_RETRY_ENABLED / _COUNT / _DELAY_SECONDS; reference
    §2.3): `count` is the TOTAL number of attempts, the wait before attempt n (n >= 2) is
    `delay_seconds * 2**(n-2)`, a network error or any non-2xx is a failure. Disabled: one attempt."""

    enabled: bool = False
    count: int = 1
    delay_seconds: float = 0.0

    def attempts(self) -> int:
        return max(1, self.count) if self.enabled else 1

    def delay_before(self, attempt: int) -> float:
        """Seconds to wait before attempt number `attempt` (1-based)."""
        return 0.0 if attempt < 2 else self.delay_seconds * 2 ** (attempt - 2)


@dataclass
class SimUser:
    """One WuzAPI user (= one WhatsApp number / instance)."""

    id: str
    name: str
    token: str
    webhook: str = ""
    events: list[str] = field(default_factory=lambda: ["All"])
    hmac_key: str | None = None
    webhook_format: WebhookFormat = "json"
    connected: bool = True
    logged_in: bool = True
    jid: str = DEFAULT_OWN_JID
    qrcode: str = ""
    expiration: int = 0
    history: int = 0
    days_to_sync_history: int = 0
    """Days of history asked from WhatsApp at the next new pairing (POST /session/history)."""
    phone_history: list[PastMessage] = field(default_factory=list)
    """What the (simulated) phone already has: sent as HistorySync after pairing (history_sync.py)."""
    proxy_url: str = ""
    push_name: str = "Whatrack Demo"
    failures: FailureModes = field(default_factory=FailureModes)

    @property
    def has_client(self) -> bool:
        return not self.failures.no_session

    def events_string(self) -> str:
        return ",".join(self.events)

    def wants(self, event_type: str) -> bool:
        return "All" in self.events or event_type in self.events


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    query: str
    headers: dict[str, str]
    json: Any
    raw: bytes


@dataclass(frozen=True)
class SentMessage:
    """A message the app sent through ``/chat/send/*`` and the simulator accepted."""

    user_id: str
    kind: str
    phone: str
    chat: str
    id: str
    timestamp: int
    text: str
    payload: dict[str, Any]
    media: bytes | None = None
    mime_type: str = ""


@dataclass(frozen=True)
class WebhookDelivery:
    """One webhook POST attempt (or a skipped one, with ``skipped`` set)."""

    user_id: str
    url: str
    event_type: str
    payload: dict[str, Any]
    body: bytes
    headers: dict[str, str]
    status_code: int | None = None
    error: str = ""
    skipped: str = ""


SendListener = Callable[["SimUser", SentMessage], None]


class SimulatorState:
    """Everything the simulator knows. Shared by the app, the emitter and demo mode."""

    def __init__(
        self,
        admin_token: str | None = None,
        *,
        delivered_delay: float = 1.0,
        read_delay: float = 3.0,
        default_webhook_format: WebhookFormat = "json",
        auto_pair_seconds: float | None = None,
        webhook_retry: WebhookRetry | None = None,
    ) -> None:
        # Like WuzAPI, an unset admin token is replaced by a random one.
        self.admin_token = admin_token or secrets.token_hex(16)
        self.delivered_delay = delivered_delay
        self.read_delay = read_delay
        self.default_webhook_format: WebhookFormat = default_webhook_format
        self.auto_pair_seconds = auto_pair_seconds
        self.webhook_retry = webhook_retry or WebhookRetry()
        self.users: dict[str, SimUser] = {}
        self.requests: list[RecordedRequest] = []
        self.sent_messages: list[SentMessage] = []
        self.webhooks: list[WebhookDelivery] = []
        self.marked_read: list[dict[str, Any]] = []
        self.presences: list[dict[str, Any]] = []
        self.send_listeners: list[SendListener] = []
        # WuzAPI's message_history (simulator/history.py): rows of users whose `history` > 0
        self.history_rows: list[dict[str, Any]] = []
        self.history_seq = 0
        # digits of numbers /user/check reports as not on WhatsApp (every other number is)
        self.not_on_whatsapp: set[str] = set()
        self._tasks: set[asyncio.Task[Any]] = set()

    # users -----------------------------------------------------------------------------
    def add_user(
        self,
        *,
        name: str = "demo",
        token: str | None = None,
        webhook: str = "",
        events: list[str] | None = None,
        hmac_key: str | None = None,
        webhook_format: WebhookFormat | None = None,
        user_id: str | None = None,
        jid: str = DEFAULT_OWN_JID,
        connected: bool = True,
        logged_in: bool = True,
    ) -> SimUser:
        """Create a ready-to-use user (connected and paired unless told otherwise)."""
        if hmac_key is not None and len(hmac_key) < 32:
            raise ValueError("HMAC key must be at least 32 characters long")
        user = SimUser(
            id=user_id or wire.random_hex_id(),
            name=name,
            token=token or secrets.token_hex(16),
            webhook=webhook,
            events=list(events) if events is not None else ["All"],
            hmac_key=hmac_key,
            webhook_format=webhook_format or self.default_webhook_format,
            connected=connected,
            logged_in=logged_in,
            jid=jid if logged_in else "",
        )
        if self.user_by_token(user.token) is not None:
            raise ValueError("user with this token already exists")
        self.users[user.id] = user
        return user

    def user_by_token(self, token: str) -> SimUser | None:
        if not token:
            return None
        for user in self.users.values():
            if secrets.compare_digest(user.token.encode(), token.encode()):
                return user
        return None

    def get_user(self, user_id: str) -> SimUser:
        return self.users[user_id]

    # logs ------------------------------------------------------------------------------
    def requests_to(self, path: str) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path == path]

    def deliveries(self, user_id: str | None = None, event_type: str | None = None) -> list[WebhookDelivery]:
        return [
            d
            for d in self.webhooks
            if not d.skipped
            and (user_id is None or d.user_id == user_id)
            and (event_type is None or d.event_type == event_type)
        ]

    def undelivered(self, user_id: str | None = None) -> list[WebhookDelivery]:
        """Webhook POSTs that did not reach the app (connection error or a non-2xx answer)."""
        return [
            d for d in self.deliveries(user_id) if d.error or d.status_code is None or not 200 <= d.status_code < 300
        ]

    def notify_sent(self, user: SimUser, sent: SentMessage) -> None:
        from whatrack.simulator import history  # history.py builds on this module

        self.sent_messages.append(sent)
        history.remember_sent(self, user, sent)
        for listener in list(self.send_listeners):
            listener(user, sent)

    # background tasks ------------------------------------------------------------------
    def spawn(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        """Run ``coro`` in the background, tracked so :meth:`drain` can wait for it."""
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    @property
    def pending_tasks(self) -> int:
        return len(self._tasks)

    async def drain(self, limit: float = 10.0) -> None:
        """Wait until every background task (receipts, webhooks, replies) has finished.

        Tasks spawned while draining are awaited too. Long-running loops (demo mode) must be
        stopped first, or this waits ``limit`` seconds and raises ``TimeoutError``.
        """
        async with asyncio.timeout(limit):
            while self._tasks:
                current = [t for t in self._tasks if t is not asyncio.current_task()]
                if not current:
                    return
                await asyncio.gather(*current, return_exceptions=True)

    async def cancel_all(self) -> None:
        tasks = [t for t in self._tasks if t is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

"""One WuzAPI user's session as WuzAPI reports it, and WuzAPI failures as our errors.

No database here: `SessionState` is what `GET /session/status` says, mapped to our
`InstanceStatus`; the helpers wrap the session calls (status, connect, QR) with the
"client still starting" retries and turn what is left into our error cases (`errors.Wuzapi*`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from whatrack.errors import (
    DomainError,
    WuzapiFailed,
    WuzapiTokenInvalid,
    WuzapiTokenRejected,
    WuzapiUnreachable,
)
from whatrack.models import InstanceStatus
from whatrack.whatsapp.client import WuzapiClient, WuzapiError

T = TypeVar("T")

# WuzAPI starts the WhatsApp client asynchronously after /session/connect: the QR code and
# pairing need a moment. Wait at most this long inside one request (the UI polls afterwards).
SESSION_WAIT_SECONDS = 3.0
SESSION_RETRY_SECONDS = 0.5


@dataclass(frozen=True, slots=True)
class SessionState:
    """What WuzAPI says about one session, mapped to our status."""

    status: InstanceStatus
    connected: bool
    logged_in: bool
    jid: str | None = None
    qr_code: str | None = None
    user_id: str | None = None
    webhook: str | None = None  # where WuzAPI posts this user's events (newest builds say)


def _first(data: dict[str, Any], *keys: str) -> Any:
    for key in keys:
        if data.get(key) is not None:
            return data[key]
    return None


def session_state(data: dict[str, Any]) -> SessionState:
    """Map `GET /session/status` data (newest `connected`/`loggedIn`, old `Connected`/`LoggedIn`)."""
    connected = _first(data, "connected", "Connected") is True
    logged_in = _first(data, "loggedIn", "LoggedIn") is True
    jid = str(_first(data, "jid", "Jid", "JID") or "") or None
    qr = str(_first(data, "qrcode", "QRCode") or "") or None
    user_id = str(_first(data, "id") or "") or None
    if connected and logged_in:
        status = InstanceStatus.CONNECTED
    elif connected:
        status = InstanceStatus.QR  # socket up, not paired: waiting for a QR scan or pairing code
    elif logged_in or jid:
        status = InstanceStatus.DISCONNECTED  # paired before; the client is down
    else:
        status = InstanceStatus.LOGGED_OUT  # never paired, or unpaired: needs a QR scan
    webhook = str(_first(data, "webhook") or "") or None
    qr_code = qr if status == InstanceStatus.QR else None
    return SessionState(status, connected, logged_in, jid, qr_code, user_id, webhook)


_STATUS_KEYS = {"connected", "Connected", "loggedIn", "LoggedIn"}
NO_SESSION = SessionState(InstanceStatus.DISCONNECTED, connected=False, logged_in=False)
UNKNOWN = SessionState(InstanceStatus.UNKNOWN, connected=False, logged_in=False)


def no_session(exc: WuzapiError) -> bool:
    """No in-memory WhatsApp client (never connected, disconnected, or still starting)."""
    msg = exc.message.lower()
    return "no session" in msg or "not connected" in msg


def unreachable(action: str) -> WuzapiUnreachable:
    """Refused, timed out, not HTTP, not WuzAPI: one answer, so a URL cannot probe ports."""
    return WuzapiUnreachable(f"Could not reach WuzAPI; could not {action}")


def gateway(exc: WuzapiError, action: str) -> DomainError:
    if exc.status_code is None:
        return unreachable(action)
    if exc.status_code == 401:
        return WuzapiTokenRejected(
            f"WuzAPI rejected this instance's token; could not {action}. "
            "Was the user deleted or its token changed in WuzAPI?"
        )
    return WuzapiFailed(
        f"WuzAPI could not {action}: {exc.message}", {"wuzapiStatus": exc.status_code, "reason": exc.message}
    )


async def check_token(client: WuzapiClient) -> SessionState:
    """The session state, read with a token that is being added (its errors are the caller's)."""
    try:
        data = await client.session_status()
    except WuzapiError as exc:
        if exc.status_code == 401:
            raise WuzapiTokenInvalid(
                "WuzAPI rejected the token: use the token of an existing WuzAPI user (or createUser: true)"
            ) from exc
        if no_session(exc):  # old builds: valid token, client not started
            return NO_SESSION
        # A URL being added is not trusted yet: whatever is (or is not) listening there, the
        # answer is the same (no status, no body: an admin must not map internal ports with it).
        raise unreachable("check the token") from exc
    if not _STATUS_KEYS & data.keys():  # an HTTP server, but not WuzAPI
        raise unreachable("check the token")
    return session_state(data)


async def read_status(client: WuzapiClient) -> SessionState:
    try:
        return session_state(await client.session_status())
    except WuzapiError as exc:
        if not no_session(exc):
            raise gateway(exc, "read the session status") from exc
        return NO_SESSION


async def retry_while_starting(call: Callable[[], Awaitable[T]]) -> T:
    """Retry `call` while WuzAPI's client is still starting ("no session" / "not connected")."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + SESSION_WAIT_SECONDS
    while True:
        try:
            return await call()
        except WuzapiError as exc:
            if not no_session(exc) or loop.time() >= deadline:
                raise
        await asyncio.sleep(SESSION_RETRY_SECONDS)


async def fetch_qr(client: WuzapiClient, *, wait: bool) -> str | None:
    """The current QR data URL; None once paired (or, without `wait`, while not started)."""

    async def read() -> str | None:
        qr = await client.qr()
        if qr is None and wait:
            raise WuzapiError("not connected")  # generated a moment after connect: retry
        return qr

    try:
        return await (retry_while_starting(read) if wait else read())
    except WuzapiError as exc:
        if "already logged in" in exc.message.lower() or no_session(exc):
            return None
        raise gateway(exc, "read the QR code") from exc


async def start_session(client: WuzapiClient) -> None:
    try:
        await client.connect()  # Subscribe = our event list, Immediate = true
    except WuzapiError as exc:
        if "already connected" not in exc.message.lower():
            raise gateway(exc, "connect") from exc

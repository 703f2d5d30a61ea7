"""WhatsApp instances (one WuzAPI user each): credentials, webhook secret, live status.

Adding an instance talks to WuzAPI *before* anything is written: the token is checked
(`GET /session/status`), the user is created when asked (`POST /admin/users`), and WuzAPI's
webhook is pointed at this app (`POST /webhook`, `POST /session/hmac/config`). Only then is the
row inserted, so a wrong token or an unreachable WuzAPI leaves nothing behind.

Functions that call WuzAPI take the session *factory*: they read in one short transaction,
call WuzAPI with no transaction open, and write in another (committed by `transaction`).
Holding a transaction across a slow WuzAPI call would block every other request on SQLite,
which runs on a single connection.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from whatrack.auth.service import Actor
from whatrack.db import new_id, transaction
from whatrack.errors import BadRequest, Conflict, DomainError, NotFound, Unauthorized
from whatrack.instances.schemas import (
    InstanceConnection,
    InstanceCreate,
    InstanceRead,
    InstanceUpdate,
    PairingCode,
)
from whatrack.leads.phones import phone_from_jid
from whatrack.models import Conversation, Instance, InstanceStatus
from whatrack.realtime.events import InstanceData, emit_instance_updated
from whatrack.settings import Settings
from whatrack.whatsapp.client import WEBHOOK_EVENTS, WuzapiAdminClient, WuzapiClient, WuzapiError
from whatrack.whatsapp.signature import constant_time_equals, verify_hmac

log = logging.getLogger(__name__)
T = TypeVar("T")

# WuzAPI starts the WhatsApp client asynchronously after /session/connect: the QR code and
# pairing need a moment. Wait at most this long inside one request (the UI polls afterwards).
SESSION_WAIT_SECONDS = 3.0
SESSION_RETRY_SECONDS = 0.5
POLL_CONCURRENCY = 8
POLL_TIMEOUT_SECONDS = 5.0
Factory = async_sessionmaker[AsyncSession]


class BadGateway(DomainError):
    """WuzAPI could not be reached or answered with an unexpected error."""

    status_code = 502
    code = "bad_gateway"


# --- read models --------------------------------------------------------------------------
def _hook_url(instance_id: uuid.UUID, secret: str, public_url: str) -> str:
    return f"{public_url.rstrip('/')}/api/v1/whatsapp/w/webhook/{instance_id}?secret={secret}"


def webhook_url(instance: Instance, public_url: str) -> str:
    return _hook_url(instance.id, instance.webhook_secret, public_url)


def to_read(instance: Instance, actor: Actor | None, public_url: str) -> InstanceRead:
    read = InstanceRead.model_validate(instance)
    if actor is not None and actor.is_admin:
        read.webhook_url = webhook_url(instance, public_url)
    return read


@dataclass(frozen=True, slots=True)
class SessionState:
    """What WuzAPI says about one session, mapped to our status."""

    status: InstanceStatus
    connected: bool
    logged_in: bool
    jid: str | None = None
    qr_code: str | None = None
    user_id: str | None = None


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
    return SessionState(status, connected, logged_in, jid, qr if status == InstanceStatus.QR else None, user_id)


NO_SESSION = SessionState(InstanceStatus.DISCONNECTED, connected=False, logged_in=False)
UNKNOWN = SessionState(InstanceStatus.UNKNOWN, connected=False, logged_in=False)


def _no_session(exc: WuzapiError) -> bool:
    """No in-memory WhatsApp client (never connected, disconnected, or still starting)."""
    msg = exc.message.lower()
    return "no session" in msg or "not connected" in msg


def _gateway(exc: WuzapiError, action: str) -> DomainError:
    if exc.status_code is None:
        return BadGateway(f"WuzAPI is unreachable ({exc.message}); could not {action}")
    if exc.status_code == 401:
        return BadGateway(
            f"WuzAPI rejected this instance's token; could not {action}. "
            "Was the user deleted or its token changed in WuzAPI?"
        )
    return BadGateway(f"WuzAPI could not {action}: {exc.message}", {"wuzapiStatus": exc.status_code})


# --- rows ---------------------------------------------------------------------------------
async def create_instance(
    db: AsyncSession,
    organization_id: uuid.UUID,
    *,
    name: str,
    base_url: str,
    token: str,
    hmac_key: str | None = None,
    is_demo: bool = False,
    instance_id: uuid.UUID | None = None,
    webhook_secret: str | None = None,
    wuzapi_user_id: str | None = None,
) -> Instance:
    instance = Instance(
        id=instance_id or new_id(),
        organization_id=organization_id,
        name=name,
        base_url=base_url.rstrip("/"),
        token=token,
        hmac_key=hmac_key,
        webhook_secret=webhook_secret or secrets.token_urlsafe(24),
        wuzapi_user_id=wuzapi_user_id,
        is_demo=is_demo,
        status=InstanceStatus.UNKNOWN,
    )
    db.add(instance)
    await db.flush()
    return instance


async def list_instances(db: AsyncSession, actor: Actor) -> list[Instance]:
    rows = await db.scalars(
        select(Instance).where(Instance.organization_id == actor.organization_id).order_by(Instance.created_at)
    )
    return list(rows.all())


async def get_instance(db: AsyncSession, actor: Actor, instance_id: uuid.UUID) -> Instance:
    instance = await db.scalar(
        select(Instance).where(Instance.id == instance_id, Instance.organization_id == actor.organization_id)
    )
    if instance is None:
        raise NotFound("Instance not found")
    return instance


async def set_status(
    db: AsyncSession,
    instance: Instance,
    status: InstanceStatus,
    *,
    qr_code: str | None = None,
    jid: str | None = None,
) -> None:
    changed = instance.status != status
    instance.status = status
    instance.qr_code = qr_code if status == InstanceStatus.QR else None
    if jid:
        phone = phone_from_jid(jid)
        if phone and phone != instance.phone:
            instance.phone = phone
            changed = True
    if changed or status == InstanceStatus.QR:
        emit_instance_updated(
            db,
            instance.organization_id,
            InstanceData(id=instance.id, status=status.value, phone=instance.phone),
        )


async def _apply(db: AsyncSession, instance: Instance, state: SessionState) -> bool:
    """set_status only when something changed, so polling does not flood the org channel."""
    new_phone = phone_from_jid(state.jid) if state.jid else None
    if (
        instance.status == state.status
        and instance.qr_code == state.qr_code
        and (new_phone is None or new_phone == instance.phone)
    ):
        return False
    await set_status(db, instance, state.status, qr_code=state.qr_code, jid=state.jid)
    return True


# --- transactions around WuzAPI calls -----------------------------------------------------
@dataclass(frozen=True, slots=True)
class _Target:
    """What a WuzAPI call needs, read before the call so no transaction stays open."""

    id: uuid.UUID
    base_url: str
    token: str
    is_demo: bool

    def client(self, http: httpx.AsyncClient, settings: Settings) -> WuzapiClient:
        return WuzapiClient(http, self.base_url, self.token, settings.wuzapi_timeout_seconds)


async def _target(factory: Factory, actor: Actor, instance_id: uuid.UUID) -> _Target:
    async with transaction(factory) as db:
        i = await get_instance(db, actor, instance_id)
        target = _Target(i.id, i.base_url, i.token, i.is_demo)
    return target


async def _store(factory: Factory, actor: Actor, instance_id: uuid.UUID, state: SessionState) -> InstanceConnection:
    async with transaction(factory) as db:
        instance = await get_instance(db, actor, instance_id)
        await _apply(db, instance, state)
        connection = _connection(instance, state)
    return connection


def _connection(instance: Instance, state: SessionState) -> InstanceConnection:
    return InstanceConnection(
        id=instance.id,
        status=instance.status,
        phone=instance.phone,
        connected=state.connected,
        logged_in=state.logged_in,
        qr_code=instance.qr_code,
    )


# --- adding an instance -------------------------------------------------------------------
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
    raise BadRequest(
        "createUser needs the WuzAPI URL and admin token: send baseUrl and adminToken, "
        "or set WUZAPI_ADMIN_URL and WUZAPI_ADMIN_TOKEN on the server"
    )


def _admin_error(exc: WuzapiError) -> DomainError:
    if exc.status_code == 401:
        return BadRequest("WuzAPI rejected the admin token (WUZAPI_ADMIN_TOKEN of the WuzAPI server)")
    if exc.status_code == 409:
        return Conflict("A WuzAPI user with this token already exists")
    if exc.status_code == 404:
        return BadRequest("No WuzAPI admin API at this URL (HTTP 404 on /admin/users): check baseUrl")
    if exc.status_code == 400:
        return BadRequest(f"WuzAPI refused to create the user: {exc.message}")
    return _gateway(exc, "create the WuzAPI user")


async def _check_token(client: WuzapiClient) -> SessionState:
    try:
        data = await client.session_status()
    except WuzapiError as exc:
        if exc.status_code == 401:
            raise BadRequest(
                "WuzAPI rejected the token: use the token of an existing WuzAPI user (or createUser: true)"
            ) from exc
        if exc.status_code == 404:
            raise BadRequest("No WuzAPI API at this URL (HTTP 404 on /session/status): check baseUrl") from exc
        if _no_session(exc):  # old builds: valid token, client not started
            return NO_SESSION
        raise _gateway(exc, "check the token") from exc
    return session_state(data)


async def _point_webhook(client: WuzapiClient, url: str, hmac_key: str | None) -> None:
    try:
        await client.set_webhook(url)
        if hmac_key:
            await client.set_hmac_key(hmac_key)
    except WuzapiError as exc:
        raise _gateway(exc, "configure the webhook") from exc


async def _refuse_duplicate(factory: Factory, base_url: str, token: str) -> None:
    # Re-pointing a WuzAPI user's webhook would silently steal another instance's traffic.
    async with transaction(factory) as db:
        taken = await db.scalar(
            select(Instance.id).where(Instance.base_url == _norm_url(base_url), Instance.token == token).limit(1)
        )
    if taken is not None:
        raise Conflict("This WuzAPI user is already added as an instance")


async def add_instance(
    factory: Factory, http: httpx.AsyncClient, settings: Settings, actor: Actor, data: InstanceCreate
) -> Instance:
    """Register a WuzAPI user (existing, or created through the admin API) and point its webhook here."""
    instance_id, secret = new_id(), secrets.token_urlsafe(24)
    hook = _hook_url(instance_id, secret, settings.external_url)
    timeout = settings.wuzapi_timeout_seconds
    admin: WuzapiAdminClient | None = None
    created_user_id: str | None = None
    if data.create_user:
        base_url, admin_token = _admin_credentials(data, settings)
        token = data.token or secrets.token_urlsafe(32)
        await _refuse_duplicate(factory, base_url, token)
        admin = WuzapiAdminClient(http, base_url, admin_token, timeout)
        try:
            user = await admin.create_user(
                name=data.name, token=token, webhook=hook, events=WEBHOOK_EVENTS, hmac_key=data.hmac_key
            )
        except WuzapiError as exc:
            raise _admin_error(exc) from exc
        created_user_id = user.id
    else:
        if data.base_url is None or data.token is None:  # the schema guarantees both
            raise BadRequest("baseUrl and token are required")
        base_url, token = _norm_url(str(data.base_url)), data.token
        await _refuse_duplicate(factory, base_url, token)

    client = WuzapiClient(http, base_url, token, timeout)
    try:
        state = await _check_token(client)
        # A created user already has its webhook and HMAC key; setting the webhook again is
        # harmless and leaves both paths in the same WuzAPI state.
        await _point_webhook(client, hook, None if created_user_id else data.hmac_key)
        async with transaction(factory) as db:
            instance = await create_instance(
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
            await _apply(db, instance, state)
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


async def update_instance(db: AsyncSession, actor: Actor, instance_id: uuid.UUID, data: InstanceUpdate) -> Instance:
    instance = await get_instance(db, actor, instance_id)
    instance.name = data.name
    await db.flush()
    return instance


async def _refuse_if_used(db: AsyncSession, instance_id: uuid.UUID) -> None:
    used = await db.scalar(select(Conversation.id).where(Conversation.instance_id == instance_id).limit(1))
    if used is not None:
        raise Conflict(
            "This instance has conversations and cannot be deleted (that would delete their history): "
            "disconnect or log it out instead"
        )


async def delete_instance(
    factory: Factory, http: httpx.AsyncClient, settings: Settings, actor: Actor, instance_id: uuid.UUID
) -> None:
    """Delete an instance that never had a conversation; with history, disconnect it instead.

    The WuzAPI user itself is kept (it may pair again elsewhere); only its webhook is cleared.
    """
    async with transaction(factory) as db:
        instance = await get_instance(db, actor, instance_id)
        await _refuse_if_used(db, instance.id)
        target = _Target(instance.id, instance.base_url, instance.token, instance.is_demo)
    if not target.is_demo:
        # Best effort: stop WuzAPI from posting to a URL that is about to answer 404.
        try:
            await target.client(http, settings).clear_webhook()
        except WuzapiError as exc:
            log.info("instance %s deleted; WuzAPI webhook not cleared: %s", instance_id, exc.message)
    async with transaction(factory) as db:
        instance = await get_instance(db, actor, instance_id)
        await _refuse_if_used(db, instance.id)  # a message may have arrived meanwhile
        await db.delete(instance)
        await db.flush()


# --- session ------------------------------------------------------------------------------
async def _status(client: WuzapiClient) -> SessionState:
    try:
        return session_state(await client.session_status())
    except WuzapiError as exc:
        if not _no_session(exc):
            raise _gateway(exc, "read the session status") from exc
        return NO_SESSION


async def _retry_while_starting(call: Callable[[], Awaitable[T]]) -> T:
    """Retry `call` while WuzAPI's client is still starting ("no session" / "not connected")."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + SESSION_WAIT_SECONDS
    while True:
        try:
            return await call()
        except WuzapiError as exc:
            if not _no_session(exc) or loop.time() >= deadline:
                raise
        await asyncio.sleep(SESSION_RETRY_SECONDS)


async def _fetch_qr(client: WuzapiClient, *, wait: bool) -> str | None:
    """The current QR data URL; None once paired (or, without `wait`, while not started)."""

    async def read() -> str | None:
        qr = await client.qr()
        if qr is None and wait:
            raise WuzapiError("not connected")  # generated a moment after connect: retry
        return qr

    try:
        return await (_retry_while_starting(read) if wait else read())
    except WuzapiError as exc:
        if "already logged in" in exc.message.lower() or _no_session(exc):
            return None
        raise _gateway(exc, "read the QR code") from exc


async def _connect(client: WuzapiClient) -> None:
    try:
        await client.connect()  # Subscribe = our event list, Immediate = true
    except WuzapiError as exc:
        if "already connected" not in exc.message.lower():
            raise _gateway(exc, "connect") from exc


async def connect_instance(
    factory: Factory, http: httpx.AsyncClient, settings: Settings, actor: Actor, instance_id: uuid.UUID
) -> InstanceConnection:
    """Start the WhatsApp session; when it is not paired yet the answer carries the QR code."""
    client = (await _target(factory, actor, instance_id)).client(http, settings)
    await _connect(client)
    state = await _status(client)
    if not state.logged_in:
        qr = await _fetch_qr(client, wait=True)
        if qr:
            state = SessionState(InstanceStatus.QR, True, False, state.jid, qr, state.user_id)
    return await _store(factory, actor, instance_id, state)


async def instance_qr(
    factory: Factory, http: httpx.AsyncClient, settings: Settings, actor: Actor, instance_id: uuid.UUID
) -> InstanceConnection:
    """The current QR code (it rotates); `qrCode` is null when paired or not connected."""
    client = (await _target(factory, actor, instance_id)).client(http, settings)
    qr = await _fetch_qr(client, wait=False)
    state = SessionState(InstanceStatus.QR, True, False, None, qr) if qr else await _status(client)
    return await _store(factory, actor, instance_id, state)


async def pair_phone(
    factory: Factory,
    http: httpx.AsyncClient,
    settings: Settings,
    actor: Actor,
    instance_id: uuid.UUID,
    phone: str,
) -> PairingCode:
    """Linking code for pairing by phone number; starts the session first when needed."""
    client = (await _target(factory, actor, instance_id)).client(http, settings)
    try:
        try:
            code = await client.pair_phone(phone)
        except WuzapiError as exc:
            if not _no_session(exc):
                raise
            await _connect(client)
            code = await _retry_while_starting(lambda: client.pair_phone(phone))
    except WuzapiError as exc:
        msg = exc.message.lower()
        if "already paired" in msg or "logged in" in msg:
            raise Conflict("This instance is already paired with a phone: log it out first") from exc
        if exc.status_code == 400:
            raise BadRequest(f"WuzAPI refused the phone number: {exc.message}") from exc
        raise _gateway(exc, "request a pairing code") from exc
    return PairingCode(linking_code=code)


async def refresh_status(
    factory: Factory, http: httpx.AsyncClient, settings: Settings, actor: Actor, instance_id: uuid.UUID
) -> InstanceConnection:
    """Poll WuzAPI's `/session/status` and store the result (emits `instance_updated` on change)."""
    client = (await _target(factory, actor, instance_id)).client(http, settings)
    return await _store(factory, actor, instance_id, await _status(client))


async def disconnect_instance(
    factory: Factory, http: httpx.AsyncClient, settings: Settings, actor: Actor, instance_id: uuid.UUID
) -> InstanceConnection:
    """Close the WhatsApp socket; the pairing is kept (connect again without a QR)."""
    client = (await _target(factory, actor, instance_id)).client(http, settings)
    try:
        await client.disconnect()
    except WuzapiError as exc:
        # Already down (no client / not logged in): disconnecting is idempotent.
        if not (_no_session(exc) or "not logged in" in exc.message.lower()):
            raise _gateway(exc, "disconnect") from exc
    return await _store(factory, actor, instance_id, await _status(client))


async def logout_instance(
    factory: Factory, http: httpx.AsyncClient, settings: Settings, actor: Actor, instance_id: uuid.UUID
) -> InstanceConnection:
    """Unpair the phone (WhatsApp drops the linked device); pairing again needs a QR or a code."""
    client = (await _target(factory, actor, instance_id)).client(http, settings)
    state = SessionState(InstanceStatus.LOGGED_OUT, connected=False, logged_in=False)
    try:
        await client.logout()
    except WuzapiError as exc:
        if _no_session(exc):
            current = await _status(client)
            if current.status != InstanceStatus.LOGGED_OUT:  # paired, but the socket is down
                raise Conflict("WuzAPI can only log out a connected session: connect the instance first") from exc
            state = current
        elif "not logged in" not in exc.message.lower():  # not logged in = already logged out
            raise _gateway(exc, "log out") from exc
    return await _store(factory, actor, instance_id, state)


# --- background ---------------------------------------------------------------------------
async def poll_instance_statuses(db: AsyncSession, http: httpx.AsyncClient, settings: Settings) -> int:
    """Refresh every non-demo instance from `/session/status`; returns how many changed.

    Webhooks (Connected, LoggedOut, QR ...) are the fast path; this catches what they miss
    (WuzAPI restarts, lost deliveries). Failures mark the instance unknown (unreachable,
    rejected token) or disconnected (no session) and are logged, never raised. Calls run
    concurrently with a short timeout: run this in its own transaction, not one shared with
    other jobs, since `db` stays open during the calls.
    """
    rows = list((await db.scalars(select(Instance).where(Instance.is_demo.is_(False)))).all())
    targets = [_Target(i.id, i.base_url, i.token, i.is_demo) for i in rows]
    timeout = min(settings.wuzapi_timeout_seconds, POLL_TIMEOUT_SECONDS)
    limit = asyncio.Semaphore(POLL_CONCURRENCY)

    async def probe(target: _Target) -> SessionState:
        async with limit:
            try:
                data = await WuzapiClient(http, target.base_url, target.token, timeout).session_status()
            except WuzapiError as exc:
                if _no_session(exc):
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
        if await _apply(db, instance, state):
            changed += 1
    return changed


def authenticate_webhook(instance: Instance, raw_body: bytes, signature: str | None, secret: str | None) -> None:
    """HMAC over the raw body when the instance has a key, else its URL secret (constant time)."""
    if instance.hmac_key:
        if not verify_hmac(instance.hmac_key, raw_body, signature):
            raise Unauthorized("Bad or missing x-hmac-signature")
    elif not constant_time_equals(secret or "", instance.webhook_secret):
        raise Unauthorized("Bad or missing webhook secret")

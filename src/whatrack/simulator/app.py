"""The simulated WuzAPI HTTP API (reference §1, §4, §5): same paths, envelopes and texts."""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import PlainTextResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from whatrack.simulator import history, payloads, wire
from whatrack.simulator.emitter import WebhookEmitter
from whatrack.simulator.state import SUPPORTED_EVENTS, RecordedRequest, SentMessage, SimulatorState, SimUser


class GoJSONResponse(Response):
    """JSON written like Go's json.Encoder over maps: sorted keys, compact, trailing newline."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return (wire.go_json(content, sort_keys=True) + "\n").encode("utf-8")


class Abort(Exception):
    """Stop handling and answer with ``response``."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status_code)
        self.response = response


def ok(data: Any, status: int = 200) -> GoJSONResponse:
    """WuzAPI's ``Respond`` success envelope."""
    return GoJSONResponse({"code": status, "data": data, "success": True}, status_code=status)


def fail(status: int, message: str) -> Abort:
    """WuzAPI's ``Respond`` error envelope, raised."""
    return Abort(GoJSONResponse({"code": status, "error": message, "success": False}, status_code=status))


class Body:
    """A decoded JSON object read with Go's rules: case-insensitive keys, strict types."""

    def __init__(self, data: dict[str, Any], decode_error: str) -> None:
        self.data = data
        self.decode_error = decode_error

    def _find(self, name: str) -> Any:
        if name in self.data:
            return self.data[name]
        folded = name.casefold()
        for key, value in self.data.items():
            if key.casefold() == folded:
                return value
        return None

    def has(self, name: str) -> bool:
        return self._find(name) is not None

    def _bad(self) -> Abort:
        return fail(400, self.decode_error)

    def text(self, name: str) -> str:
        value = self.opt_text(name)
        return value if value is not None else ""

    def opt_text(self, name: str) -> str | None:
        value = self._find(name)
        if value is None:
            return None
        if not isinstance(value, str):
            raise self._bad()
        return value

    def flag(self, name: str, default: bool = False) -> bool:
        value = self._find(name)
        if value is None:
            return default
        if not isinstance(value, bool):
            raise self._bad()
        return value

    def integer(self, name: str) -> int:
        value = self._find(name)
        if value is None:
            return 0
        if isinstance(value, bool) or not isinstance(value, int | float) or int(value) != value:
            raise self._bad()
        return int(value)

    def number(self, name: str) -> float:
        value = self._find(name)
        if value is None:
            return 0.0
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self._bad()
        return float(value)

    def texts(self, name: str) -> list[str]:
        value = self._find(name)
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self._bad()
        return list(value)

    def obj(self, name: str) -> Body:
        value = self._find(name)
        if value is None:
            return Body({}, self.decode_error)
        if not isinstance(value, dict):
            raise self._bad()
        return Body(value, self.decode_error)


async def decode(request: Request, error: str = "could not decode Payload") -> Body:
    """Go's ``json.NewDecoder(r.Body).Decode(&struct)``: first JSON value must be an object."""
    text = (await request.body()).decode("utf-8", errors="replace").lstrip()
    try:
        value, _ = json.JSONDecoder().raw_decode(text)
    except ValueError:
        raise fail(400, error) from None
    if not isinstance(value, dict):
        raise fail(400, error)
    return Body(value, error)


def parse_jid(phone: str) -> str | None:
    """WuzAPI's parseJID/resolveMessageRecipient for an explicit or bare recipient."""
    phone = phone.strip()
    if phone.startswith("+"):
        phone = phone[1:]
    if not phone:
        return None
    if "@" not in phone:
        return phone + "@s.whatsapp.net"
    user, _, server = phone.partition("@")
    if not user or not server or "@" in server:
        return None
    return phone


def _valid_events(names: list[str]) -> list[str]:
    result: list[str] = []
    for name in names:
        if name in SUPPORTED_EVENTS and name not in result:
            result.append(name)
    return result


def _proxy_config(user: SimUser) -> dict[str, Any]:
    return {"enabled": bool(user.proxy_url), "proxy_url": user.proxy_url, "webhook_use_proxy": True}


def _s3_config() -> dict[str, Any]:
    return {
        "enabled": False,
        "endpoint": "",
        "region": "",
        "bucket": "",
        "access_key": "***",
        "path_style": False,
        "public_url": "",
        "media_delivery": "base64",
        "retention_days": 0,
    }


def _user_map(user: SimUser) -> dict[str, Any]:
    return {
        "id": user.id,
        "name": user.name,
        "token": user.token,
        "webhook": user.webhook,
        "jid": user.jid,
        "qrcode": user.qrcode,
        "connected": user.has_client and user.connected,
        "loggedIn": user.has_client and user.logged_in,
        "expiration": user.expiration,
        "proxy_url": user.proxy_url,
        "events": user.events_string(),
        "proxy_config": _proxy_config(user),
        "s3_config": _s3_config(),
    }


_SEND_FIELD = {"text": "Body", "image": "Image", "audio": "Audio", "video": "Video", "document": "Document"}

# Error prefix differs between WuzAPI send handlers (``Error`` in image/audio/document).
_SEND_ERROR_PREFIX = {
    "text": "error",
    "video": "error",
    "image": "Error",
    "audio": "Error",
    "document": "Error",
}


def create_simulator_app(state: SimulatorState, emitter: WebhookEmitter | None = None) -> FastAPI:  # noqa: C901 - a route table: ~40 one-endpoint handlers closed over `state`, each simple; mccabe adds them all to the factory
    """Build the simulated WuzAPI server around ``state``.

    Webhooks go through ``emitter`` (one using a real ``httpx.AsyncClient`` by default).
    """
    hooks = emitter or WebhookEmitter(state)
    app = FastAPI(title="WuzAPI simulator", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.simulator = state
    app.state.emitter = hooks

    @app.exception_handler(Abort)
    async def _abort(_: Request, exc: Abort) -> Response:
        return exc.response

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_: Request, exc: StarletteHTTPException) -> Response:
        # gorilla/mux defaults: plain-text 404, empty 405.
        if exc.status_code == 405:
            return Response(status_code=405)
        return PlainTextResponse("404 page not found\n", status_code=exc.status_code)

    async def record(request: Request) -> None:
        raw = await request.body()
        try:
            parsed: Any = json.loads(raw) if raw else None
        except ValueError:
            parsed = None
        state.requests.append(
            RecordedRequest(
                method=request.method,
                path=request.url.path,
                query=request.url.query,
                headers={k.lower(): v for k, v in request.headers.items()},
                json=parsed,
                raw=raw,
            )
        )

    async def current_user(request: Request) -> SimUser:
        token = request.headers.get("token") or "".join(request.query_params.getlist("token"))
        user = state.user_by_token(token)
        if user is None:
            raise fail(401, "unauthorized")
        if user.failures.slow_seconds > 0:
            await asyncio.sleep(user.failures.slow_seconds)
        return user

    async def admin(request: Request) -> None:
        given = request.headers.get("Authorization", "")
        if not secrets.compare_digest(given.encode(), state.admin_token.encode()):
            raise fail(401, "unauthorized")

    def require_client(user: SimUser) -> None:
        if not user.has_client:
            raise fail(500, "no session")

    router = APIRouter(dependencies=[Depends(record)])

    @router.get("/health")
    async def health() -> Response:
        users = list(state.users.values())
        return GoJSONResponse(
            {
                "status": "ok",
                "timestamp": wire.now_local().astimezone().isoformat(timespec="seconds"),
                "active_connections": sum(u.has_client for u in users),
                "total_users": len(users),
                "connected_users": sum(u.has_client and u.connected for u in users),
                "logged_in_users": sum(u.has_client and u.logged_in for u in users),
                "version": "simulator",
            }
        )

    # --- sending ------------------------------------------------------------------------
    async def send(request: Request, user: SimUser, kind: str) -> Response:
        require_client(user)
        body = await decode(request)
        phone = body.text("Phone")
        if not phone:
            raise fail(400, "missing Phone in Payload")
        field = _SEND_FIELD[kind]
        value = body.text(field)
        if not value:
            raise fail(400, f"missing {field} in Payload")
        file_name = body.text("FileName")
        if kind == "document" and not file_name:
            raise fail(400, "missing FileName in Payload")
        ctx = body.obj("ContextInfo")
        stanza, participant = ctx.opt_text("StanzaID"), ctx.opt_text("Participant")
        chat = parse_jid(phone)
        if chat is None:
            raise fail(400, "could not parse Phone")
        if stanza is not None and participant is None:
            raise fail(400, "missing Participant in ContextInfo")
        if participant is not None and stanza is None:
            raise fail(400, "missing StanzaID in ContextInfo")
        msg_id = body.text("Id") or wire.message_id()
        media, mime = decode_media(kind, value, body)
        prefix = _SEND_ERROR_PREFIX[kind]
        if user.failures.error_5xx or not user.connected:
            raise fail(500, f"{prefix} sending message: websocket not connected")
        if not user.logged_in:
            raise fail(500, f"{prefix} sending message: the store doesn't contain a device JID")
        timestamp = int(time.time())
        text = value if kind == "text" else body.text("Caption")
        sent = SentMessage(
            user_id=user.id,
            kind=kind,
            phone=phone,
            chat=chat,
            id=msg_id,
            timestamp=timestamp,
            text=text,
            payload=dict(body.data),
            media=media,
            mime_type=mime,
        )
        state.notify_sent(user, sent)
        hooks.schedule_receipts(user, sent)
        # Sent, but a slow WuzAPI answers late (the app may have timed out by then).
        if user.failures.answer_delay_seconds > 0:
            await asyncio.sleep(user.failures.answer_delay_seconds)
        if user.failures.hold_answers is not None:
            await user.failures.hold_answers.wait()
        return ok({"Details": "Sent", "Id": msg_id, "Timestamp": timestamp})

    def decode_media(kind: str, value: str, body: Body) -> tuple[bytes | None, str]:
        if kind == "text":
            return None, ""
        is_url = value.startswith(("http://", "https://"))
        if kind == "image":
            if value[:10] != "data:image" and not is_url:
                raise fail(400, 'Image data should start with "data:image/png;base64,"')
            error = "could not decode base64 encoded data from payload"
        elif kind == "audio":
            if not value.startswith("data:audio/") and not is_url:
                raise fail(400, "audio must be base64 (data:audio/) or valid HTTP URL")
            error = "could not decode base64 encoded data"
        elif kind == "video":
            if value[:4] != "data" and not is_url:
                raise fail(400, 'data should start with "data:mime/type;base64,"')
            error = "could not decode base64 encoded data from payload"
        else:
            if not value.startswith("data:") and not is_url:
                raise fail(400, 'document data should start with "data:" or be a valid HTTP URL')
            error = "could not decode base64 encoded data from payload"
        if is_url:
            # The simulator never fetches remote URLs; it records them as sent.
            return None, body.text("MimeType") or body.text("mimetype")
        try:
            mime, data = wire.decode_data_url(value)
        except wire.DataURLError:
            raise fail(400, error) from None
        if kind == "image" and not wire.is_decodable_image(data):
            raise fail(500, "could not decode image for thumbnail preparation: image: unknown format")
        declared = body.text("MimeType") if kind != "audio" else body.text("mimetype")
        return data, declared or mime or wire.detect_content_type(data)

    def send_route(kind: str) -> Callable[..., Awaitable[Response]]:
        async def route(request: Request, user: SimUser = Depends(current_user)) -> Response:
            return await send(request, user, kind)

        return route

    # One route per kind (not a path parameter), so other paths keep gorilla/mux's plain 404.
    for kind in ("text", "image", "audio", "video", "document"):
        router.add_api_route(f"/chat/send/{kind}", send_route(kind), methods=["POST"])

    @router.get("/chat/history")
    async def chat_history(request: Request, user: SimUser = Depends(current_user)) -> Response:
        if user.history <= 0:
            raise fail(501, "message history is disabled for this user")
        chat_jid = request.query_params.get("chat_jid", "")
        if not chat_jid:
            raise fail(400, "chat_jid is required")
        if chat_jid == "index":
            return ok(history.index(state))
        limit = history.parse_limit(request.query_params.get("limit"))
        if limit is None:
            raise fail(400, "invalid limit")
        return ok(history.rows(state, user, chat_jid, limit))

    @router.post("/chat/markread")
    async def mark_read(request: Request, user: SimUser = Depends(current_user)) -> Response:
        require_client(user)
        body = await decode(request)
        chat_phone = body.text("ChatPhone")
        if chat_phone:
            chat = parse_jid(chat_phone)
            if chat is None:
                raise fail(400, "could not parse ChatPhone")
        elif body.text("Chat"):
            chat = body.text("Chat")
        else:
            raise fail(400, "missing ChatPhone in Payload")
        sender_phone = body.text("SenderPhone")
        sender = parse_jid(sender_phone) if sender_phone else body.text("Sender")
        if sender_phone and sender is None:
            raise fail(400, "could not parse SenderPhone")
        ids = body.texts("Id")
        if not ids:
            raise fail(400, "missing Id in Payload")
        if not user.connected:
            raise fail(500, "failure marking messages as read")
        state.marked_read.append({"user_id": user.id, "ids": ids, "chat": chat, "sender": sender or ""})
        return ok({"Details": "Message(s) marked as read"})

    @router.post("/chat/presence")
    async def presence(request: Request, user: SimUser = Depends(current_user)) -> Response:
        require_client(user)
        body = await decode(request)
        phone = body.text("Phone")
        if not phone:
            raise fail(400, "missing Phone in Payload")
        chat_state = body.text("State")
        if not chat_state:
            raise fail(400, "missing State in Payload")
        chat = parse_jid(phone)
        if chat is None:
            raise fail(400, "could not parse Phone")
        if not user.connected:
            raise fail(500, "failure sending chat presence to Whatsapp servers")
        media = body.text("Media")
        state.presences.append({"user_id": user.id, "chat": chat, "state": chat_state, "media": media})
        return ok({"Details": "Chat presence set successfuly"})

    @router.post("/user/check")
    async def check_user(request: Request, user: SimUser = Depends(current_user)) -> Response:
        # WuzAPI's CheckUser: "No session" without a client, then whatsmeow's IsOnWhatsApp.
        if not user.has_client:
            raise fail(500, "No session")
        body = await decode(request, "Could not decode Payload")
        phones = body.texts("Phone")
        if not phones:
            raise fail(400, "Missing Phone in Payload")
        if not user.connected:
            raise fail(500, "Failed to check if users are on WhatsApp: websocket not connected")
        users = []
        for query in phones:
            digits = "".join(c for c in query if c.isdigit())
            users.append(
                {
                    "Query": query,
                    "IsInWhatsapp": digits not in state.not_on_whatsapp,
                    "JID": f"{digits}@s.whatsapp.net",
                    "VerifiedName": "",
                }
            )
        return ok({"Users": users})

    # --- session ------------------------------------------------------------------------
    @router.get("/session/status")
    async def status(user: SimUser = Depends(current_user)) -> Response:
        return ok(
            {
                "id": user.id,
                "name": user.name,
                "connected": user.has_client and user.connected,
                "loggedIn": user.has_client and user.logged_in,
                "token": user.token,
                "jid": user.jid,
                "webhook": user.webhook,
                "events": user.events_string(),
                "proxy_url": user.proxy_url,
                "qrcode": user.qrcode,
                "passkeyPending": False,
                "publicKey": None,
                "history": str(user.history),
                "days_to_sync_history": user.days_to_sync_history,
                "proxy_config": _proxy_config(user),
                "s3_config": _s3_config(),
                "hmac_configured": bool(user.hmac_key),
            }
        )

    @router.post("/session/history")
    async def history_config(request: Request, user: SimUser = Depends(current_user)) -> Response:
        """History settings (newest README): omitted fields are kept; days 0-365 apply at the next new pairing."""
        body = await decode(request)
        days = body.integer("days_to_sync_history") if body.has("days_to_sync_history") else None
        keep = body.integer("history") if body.has("history") else None
        if days is not None and not 0 <= days <= 365:
            raise fail(400, "days_to_sync_history must be between 0 and 365")
        if keep is not None and keep < 0:
            raise fail(400, "history must be zero or positive")
        user.days_to_sync_history = user.days_to_sync_history if days is None else days
        user.history = user.history if keep is None else keep
        return ok({"history": user.history, "days_to_sync_history": user.days_to_sync_history})

    @router.post("/session/connect")
    async def connect(request: Request, user: SimUser = Depends(current_user)) -> Response:
        body = await decode(request)
        if user.has_client and user.connected:
            raise fail(500, "already connected")
        subscribe = body.texts("Subscribe")
        if subscribe:
            user.events = _valid_events(subscribe)
        user.failures.no_session = False
        user.connected = True
        if user.logged_in:
            hooks.emit_later(user, payloads.connected())
        else:
            code = f"2@{secrets.token_urlsafe(24)},{secrets.token_urlsafe(16)}"
            user.qrcode = payloads.qr_data_url(code)
            hooks.emit_later(user, payloads.qr(code))
            if state.auto_pair_seconds is not None:
                delay = state.auto_pair_seconds

                async def auto_pair() -> None:
                    await asyncio.sleep(delay)
                    if user.has_client and not user.logged_in:
                        await hooks.pair(user)

                state.spawn(auto_pair())
        events = user.events_string()
        return ok({"details": "Connected!", "events": events, "jid": user.jid, "webhook": user.webhook})

    @router.post("/session/disconnect")
    async def disconnect(request: Request, user: SimUser = Depends(current_user)) -> Response:
        require_client(user)
        if not user.connected:
            raise fail(500, "cannot disconnect because it is not logged in")
        if request.query_params.get("clear") == "true":
            user.events = []
        user.connected = False
        user.failures.no_session = True
        return ok({"Details": "Disconnected"})

    @router.post("/session/logout")
    async def logout(user: SimUser = Depends(current_user)) -> Response:
        require_client(user)
        if user.logged_in and user.connected:
            user.logged_in = False
            user.connected = False
            user.jid = ""
            user.failures.no_session = True
            return ok({"Details": "Logged out"})
        if user.connected:
            raise fail(500, "could not logout as it was not logged in")
        raise fail(500, "could not disconnect as it was not connected")

    @router.get("/session/qr")
    async def get_qr(user: SimUser = Depends(current_user)) -> Response:
        require_client(user)
        if not user.connected:
            raise fail(500, "not connected")
        if user.logged_in:
            raise fail(500, "already logged in")
        return ok({"QRCode": user.qrcode, "passkeyPending": False, "publicKey": None})

    @router.post("/session/pairphone")
    async def pair_phone(request: Request, user: SimUser = Depends(current_user)) -> Response:
        require_client(user)
        body = await decode(request)
        if not body.text("Phone"):
            raise fail(400, "missing Phone in Payload")
        if user.logged_in:
            raise fail(400, "already paired")
        alphabet = "ABCDEFGHJKLMNPQRSTVWXYZ123456789"
        code = "".join(secrets.choice(alphabet) for _ in range(8))
        return ok({"LinkingCode": f"{code[:4]}-{code[4:]}"})

    # --- webhook config -----------------------------------------------------------------
    @router.get("/webhook")
    async def get_webhook(user: SimUser = Depends(current_user)) -> Response:
        return ok({"webhook": user.webhook, "subscribe": user.events_string().split(",")})

    @router.post("/webhook")
    async def set_webhook(request: Request, user: SimUser = Depends(current_user)) -> Response:
        body = await decode(request, "could not decode payload")
        events = body.texts("events")
        user.webhook = body.text("webhookurl")
        if events:
            user.events = _valid_events(events)
        return ok({"webhook": user.webhook})

    @router.put("/webhook")
    async def update_webhook(request: Request, user: SimUser = Depends(current_user)) -> Response:
        body = await decode(request, "could not decode payload")
        events = body.texts("events")
        active = body.flag("active")
        valid = [e for e in events if e in SUPPORTED_EVENTS]
        webhook = body.text("webhook") if active else ""
        user.webhook = webhook
        if events or not active:
            user.events = valid if active else []
        return ok({"webhook": webhook, "events": valid or None, "active": active})

    @router.delete("/webhook")
    async def delete_webhook(user: SimUser = Depends(current_user)) -> Response:
        user.webhook = ""
        user.events = []
        return ok({"Details": "Webhook and events deleted successfully"})

    @router.post("/session/hmac/config")
    async def set_hmac(request: Request, user: SimUser = Depends(current_user)) -> Response:
        body = await decode(request, "could not decode payload")
        key = body.text("hmac_key")
        if len(key) < 32:
            raise fail(400, "HMAC key must be at least 32 characters long")
        user.hmac_key = key
        return GoJSONResponse({"Details": "HMAC configuration saved successfully"})

    @router.get("/session/hmac/config")
    async def get_hmac(user: SimUser = Depends(current_user)) -> Response:
        return GoJSONResponse({"hmac_key": "***" if user.hmac_key else ""})

    @router.delete("/session/hmac/config")
    async def delete_hmac(user: SimUser = Depends(current_user)) -> Response:
        user.hmac_key = None
        return GoJSONResponse({"Details": "HMAC configuration deleted successfully"})

    # --- admin --------------------------------------------------------------------------
    @router.get("/admin/users", dependencies=[Depends(admin)])
    async def list_users() -> Response:
        return ok([_user_map(u) for u in state.users.values()])

    @router.get("/admin/users/{user_id}", dependencies=[Depends(admin)])
    async def get_admin_user(user_id: str) -> Response:
        user = state.users.get(user_id)
        return ok([_user_map(user)] if user else [])

    def admin_error(status: int, message: str, details: str | None = None) -> Abort:
        content: dict[str, Any] = {"code": status, "error": message, "success": False}
        if details is not None:
            content["details"] = details
        return Abort(GoJSONResponse(content, status_code=status))

    async def admin_body(request: Request) -> Body:
        try:
            return await decode(request, "invalid request payload")
        except Abort:
            raise admin_error(400, "invalid request payload") from None

    def check_events(events: str) -> None:
        for name in (e.strip() for e in events.split(",")):
            if name and name not in SUPPORTED_EVENTS:
                raise admin_error(400, "invalid event type", f"invalid event: {name}")

    @router.post("/admin/users", dependencies=[Depends(admin)])
    async def add_user(request: Request) -> Response:
        body = await admin_body(request)
        try:
            name, token = body.text("name"), body.text("token")
            webhook, events = body.text("webhook"), body.text("events")
            hmac_key = body.text("hmacKey")
            expiration, history = body.integer("expiration"), body.integer("history")
            proxy = body.obj("proxyConfig")
        except Abort:
            raise admin_error(400, "invalid request payload") from None
        if hmac_key and len(hmac_key) < 32:
            raise admin_error(400, "HMAC key must be at least 32 characters long")
        if state.user_by_token(token) is not None:
            raise admin_error(409, "user with this token already exists")
        check_events(events)
        user = SimUser(
            id=wire.random_hex_id(),
            name=name,
            token=token,
            webhook=webhook,
            events=[e.strip() for e in events.split(",") if e.strip()],
            hmac_key=hmac_key or None,
            webhook_format=state.default_webhook_format,
            connected=False,
            logged_in=False,
            jid="",
            expiration=expiration,
            history=history,
            proxy_url=proxy.text("proxyURL") if proxy.flag("enabled") else "",
        )
        user.failures.no_session = True
        state.users[user.id] = user
        data = {
            "id": user.id,
            "name": user.name,
            "token": user.token,
            "webhook": user.webhook,
            "expiration": user.expiration,
            "events": events,
            "proxy_config": _proxy_config(user),
            "s3_config": _s3_config(),
            "hmac_key": user.hmac_key is not None,
        }
        return ok(data, status=201)

    @router.put("/admin/users/{user_id}", dependencies=[Depends(admin)])
    async def edit_user(request: Request, user_id: str) -> Response:
        body = await admin_body(request)
        try:
            name, token = body.text("name"), body.text("token")
            webhook, events = body.text("webhook"), body.text("events")
            expiration, history = body.integer("expiration"), body.integer("history")
        except Abort:
            raise admin_error(400, "invalid request payload") from None
        user = state.users.get(user_id)
        if user is None:
            raise admin_error(404, "user not found")
        check_events(events)
        if not any([name, token, webhook, events, expiration, history]):
            raise admin_error(400, "no fields to update")
        user.name = name or user.name
        user.token = token or user.token
        user.webhook = webhook or user.webhook
        if events:
            user.events = [e.strip() for e in events.split(",") if e.strip()]
        user.expiration = expiration or user.expiration
        user.history = history or user.history
        return GoJSONResponse({"code": 200, "message": "user updated successfully", "success": True})

    @router.delete("/admin/users/{user_id}", dependencies=[Depends(admin)])
    async def delete_user(user_id: str) -> Response:
        if state.users.pop(user_id, None) is None:
            raise admin_error(404, "user not found", f"No user found with ID: {user_id}")
        return GoJSONResponse(
            {"code": 200, "data": {"id": user_id}, "success": True, "details": "user deleted successfully"}
        )

    app.include_router(router)
    return app

"""WuzAPI HTTP client (reference: shared/reference/wuzapi.md §1, §4, §5)."""

from __future__ import annotations

import base64
import urllib.parse
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx

# PairSuccess carries our own JID: the phone of a freshly paired instance is known at once.
WEBHOOK_EVENTS = [
    "Message",
    "ReadReceipt",
    "ChatPresence",
    "Connected",
    "Disconnected",
    "LoggedOut",
    "QR",
    "QRTimeout",
    "PairSuccess",
]
MEDIA_ENDPOINTS = {
    "IMAGE": ("/chat/send/image", "Image"),
    "AUDIO": ("/chat/send/audio", "Audio"),
    "VIDEO": ("/chat/send/video", "Video"),
    "DOCUMENT": ("/chat/send/document", "Document"),
}


class WuzapiError(Exception):
    """A failed WuzAPI call; `message` is what the agent sees on the FAILED bubble."""

    def __init__(self, message: str, status_code: int | None = None, *, outcome_unknown: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.status_code = status_code
        # The request may have reached WuzAPI and done its work (no answer in time, connection
        # lost after sending): for a send, "maybe sent", never plain failed.
        self.outcome_unknown = outcome_unknown

    @property
    def disconnected(self) -> bool:
        return self.message in {"no session", "WhatsApp disconnected"} or "not connected" in self.message


@dataclass(frozen=True, slots=True)
class SendResult:
    id: str
    timestamp: datetime


def _parse_timestamp(value: Any) -> datetime:
    # 2026 builds: Unix seconds; builds up to mid-2025: RFC 3339 string.
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, UTC)
    if isinstance(value, str) and value:
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)
        except ValueError:
            pass
    return datetime.now(UTC)


async def _request(
    http: httpx.AsyncClient,
    method: str,
    url: str,
    json: dict[str, Any] | None,
    headers: dict[str, str],
    timeout_seconds: float,
    credential: str,
) -> Any:
    """One WuzAPI call; any failure becomes a WuzapiError whose message an agent can read."""
    try:
        resp = await http.request(method, url, json=json, headers=headers, timeout=timeout_seconds)
    except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
        # never connected: WuzAPI did nothing
        raise WuzapiError(f"WhatsApp API unreachable: {exc.__class__.__name__}") from exc
    except httpx.TimeoutException as exc:
        raise WuzapiError("WhatsApp API timed out", outcome_unknown=True) from exc
    except (httpx.ReadError, httpx.WriteError, httpx.RemoteProtocolError) as exc:
        # connected, then the connection broke: the request may have been acted on
        raise WuzapiError(f"WhatsApp API connection lost: {exc.__class__.__name__}", outcome_unknown=True) from exc
    except httpx.HTTPError as exc:
        raise WuzapiError(f"WhatsApp API unreachable: {exc.__class__.__name__}") from exc
    try:
        body = resp.json()
    except ValueError:
        body = None
    if resp.status_code >= 400 or not isinstance(body, dict) or body.get("success") is False:
        error = body.get("error") if isinstance(body, dict) else None
        details = body.get("details") if isinstance(body, dict) else None
        if resp.status_code == 401:
            error = f"WhatsApp API rejected the {credential}"
        elif error and details:
            error = f"{error}: {details}"
        raise WuzapiError(str(error or f"WhatsApp API answered HTTP {resp.status_code}"), resp.status_code)
    return body.get("data", body)


class WuzapiClient:
    def __init__(self, http: httpx.AsyncClient, base_url: str, token: str, timeout: float) -> None:
        self._http = http
        self._base = base_url.rstrip("/")
        self._token = token
        self._timeout = timeout

    async def _call(self, method: str, path: str, json: dict[str, Any] | None = None) -> Any:
        return await _request(
            self._http, method, self._base + path, json, {"token": self._token}, self._timeout, "instance token"
        )

    async def chat_history(self, chat_jid: str, limit: int = 50) -> Any:
        """GET /chat/history: a chat's stored messages, newest first (`chat_jid="index"`: every
        user's chats with their last update). 501 when the instance keeps no history."""
        query = urllib.parse.urlencode({"chat_jid": chat_jid, "limit": limit})
        return await self._call("GET", f"/chat/history?{query}")

    async def send_text(
        self, phone: str, body: str, *, message_id: str | None = None, reply: tuple[str, str] | None = None
    ) -> SendResult:
        payload: dict[str, Any] = {"Phone": phone, "Body": body}
        return await self._send("/chat/send/text", payload, message_id, reply)

    async def send_media(
        self,
        kind: str,
        phone: str,
        data: bytes,
        mime: str,
        *,
        caption: str | None = None,
        file_name: str | None = None,
        message_id: str | None = None,
        reply: tuple[str, str] | None = None,
    ) -> SendResult:
        path, field = MEDIA_ENDPOINTS[kind]
        payload: dict[str, Any] = {
            "Phone": phone,
            field: f"data:{mime};base64,{base64.b64encode(data).decode()}",
        }
        if caption and kind != "AUDIO":
            payload["Caption"] = caption
        if kind == "DOCUMENT":
            payload["FileName"] = file_name or "file"
        if kind == "AUDIO":
            payload["ptt"] = mime.startswith("audio/ogg")
        return await self._send(path, payload, message_id, reply)

    async def _send(
        self, path: str, payload: dict[str, Any], message_id: str | None, reply: tuple[str, str] | None
    ) -> SendResult:
        if message_id:
            payload["Id"] = message_id
        if reply:
            payload["ContextInfo"] = {"StanzaID": reply[0], "Participant": reply[1]}
        data = await self._call("POST", path, payload)
        if not isinstance(data, dict) or not data.get("Id"):
            raise WuzapiError("WhatsApp API answered without a message id")
        return SendResult(id=str(data["Id"]), timestamp=_parse_timestamp(data.get("Timestamp")))

    async def check_user(self, phone_digits: str) -> tuple[bool, str | None]:
        """POST /user/check for one number: (on WhatsApp?, the JID WhatsApp uses for it).
        WuzAPI answers `{"Users": [{"Query", "IsInWhatsapp", "JID", "VerifiedName"}]}`."""
        data = await self._call("POST", "/user/check", {"Phone": [phone_digits]})
        users = data.get("Users") if isinstance(data, dict) else None
        if not isinstance(users, list) or not users or not isinstance(users[0], dict):
            raise WuzapiError("WhatsApp API answered /user/check without Users")
        first = users[0]
        jid = first.get("JID")
        return bool(first.get("IsInWhatsapp")), jid if isinstance(jid, str) and jid else None

    async def set_history_days(self, days: int) -> None:
        """POST /session/history: days of WhatsApp history requested at the next new pairing
        (`days_to_sync_history`, 0 = WhatsApp's default; newest builds, works without a session)."""
        await self._call("POST", "/session/history", {"days_to_sync_history": days})

    async def mark_read(self, ids: list[str], chat: str, sender: str) -> None:
        await self._call("POST", "/chat/markread", {"Id": ids, "ChatPhone": chat, "SenderPhone": sender})

    async def presence(self, phone: str, composing: bool) -> None:
        await self._call("POST", "/chat/presence", {"Phone": phone, "State": "composing" if composing else "paused"})

    async def session_status(self) -> dict[str, Any]:
        data = await self._call("GET", "/session/status")
        return data if isinstance(data, dict) else {}

    async def connect(self) -> dict[str, Any]:
        data = await self._call("POST", "/session/connect", {"Subscribe": WEBHOOK_EVENTS, "Immediate": True})
        return data if isinstance(data, dict) else {}

    async def qr(self) -> str | None:
        data = await self._call("GET", "/session/qr")
        return str(data.get("QRCode") or "") or None if isinstance(data, dict) else None

    async def set_webhook(self, url: str) -> None:
        await self._call("POST", "/webhook", {"webhookurl": url, "events": WEBHOOK_EVENTS})

    async def clear_webhook(self) -> None:
        """Stop deliveries: WuzAPI clears the URL and the event list."""
        await self._call("DELETE", "/webhook")

    async def set_hmac_key(self, key: str) -> None:
        """Sign this user's webhooks (`x-hmac-signature`); WuzAPI wants >= 32 characters."""
        await self._call("POST", "/session/hmac/config", {"hmac_key": key})

    async def pair_phone(self, phone: str) -> str:
        """Linking code ("ABCD-EFGH") to type in WhatsApp > Linked devices > Link with phone number."""
        data = await self._call("POST", "/session/pairphone", {"Phone": phone})
        code = data.get("LinkingCode") if isinstance(data, dict) else None
        if not code:
            raise WuzapiError("WhatsApp API answered without a linking code")
        return str(code)

    async def disconnect(self) -> None:
        await self._call("POST", "/session/disconnect")

    async def logout(self) -> None:
        await self._call("POST", "/session/logout")


@dataclass(frozen=True, slots=True)
class WuzapiUser:
    """A WuzAPI user (= instance) as the admin API describes it."""

    id: str
    name: str
    token: str


class WuzapiAdminClient:
    """WuzAPI's admin API (`/admin/users`), authenticated by the raw admin token in `Authorization`."""

    def __init__(self, http: httpx.AsyncClient, base_url: str, admin_token: str, timeout: float) -> None:
        self._http = http
        self._base = base_url.rstrip("/")
        self._admin_token = admin_token
        self._timeout = timeout

    async def _call(self, method: str, path: str, json: dict[str, Any] | None = None) -> Any:
        return await _request(
            self._http,
            method,
            self._base + path,
            json,
            {"Authorization": self._admin_token},
            self._timeout,
            "admin token",
        )

    async def create_user(
        self,
        *,
        name: str,
        token: str,
        webhook: str,
        events: list[str] | None = None,
        hmac_key: str | None = None,
    ) -> WuzapiUser:
        """Create a user; media arrives inline (base64) in webhooks. Duplicate token: 409."""
        payload: dict[str, Any] = {
            "name": name,
            "token": token,
            "webhook": webhook,
            "events": ",".join(events or WEBHOOK_EVENTS),
            # Without an explicit mediaDelivery WuzAPI stores "" and sends no inline media (reference §1).
            "s3Config": {"enabled": False, "mediaDelivery": "base64"},
        }
        if hmac_key:
            payload["hmacKey"] = hmac_key
        data = await self._call("POST", "/admin/users", payload)
        if not isinstance(data, dict) or not data.get("id"):
            raise WuzapiError("WhatsApp API answered without a user id")
        return WuzapiUser(id=str(data["id"]), name=str(data.get("name") or name), token=token)

    async def list_users(self) -> list[dict[str, Any]]:
        data = await self._call("GET", "/admin/users")
        return [u for u in data if isinstance(u, dict)] if isinstance(data, list) else []

    async def delete_user(self, user_id: str) -> None:
        """Delete the WuzAPI user row (does not log the phone out; reference §1)."""
        await self._call("DELETE", f"/admin/users/{user_id}")

"""WuzAPI webhook body → typed event. Pure: no database, no network, no clock except a fallback.

Wire format: /work/shared/reference/wuzapi.md §2 (transport) and §3 (event JSON). Outer
keys are Go field names (PascalCase: `Info`, `Chat`, `MessageIDs`), message content uses
whatsmeow's proto names (`extendedTextMessage`, `contextInfo`, `stanzaID`, `URL`); both are
matched exactly first and then case-insensitively.

Every malformed input raises PayloadError (a 400 for the caller), never anything else;
well-formed events we do not act on (groups, broadcasts, channels, unknown types, ...)
become `Ignored` so the webhook can answer 200.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import math
import re
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, Literal
from urllib.parse import parse_qs

from whatrack.whatsapp.events import (
    Contact,
    Edit,
    Envelope,
    HistoryStatus,
    HistorySync,
    Ignored,
    IncomingMessage,
    InstanceStatus,
    Media,
    MessageKind,
    Reaction,
    Receipt,
    Revoke,
    Typing,
    WebhookEvent,
)
from whatrack.whatsapp.jid import LID_SERVERS, USER_SERVER, bare_jid, is_lid, phone_from_jid
from whatrack.whatsapp.referral import get_key, referral_from_context_info


class PayloadError(ValueError):
    """The webhook body is malformed; the message says what is wrong (shown to the caller in a 400)."""


# --------------------------------------------------------------------------- body decoding

_FORM_FIELDS = ("jsonData", "userID", "instanceName", "token")
_MAX_FORM_FIELDS = 64


def decode_body(raw: bytes, content_type: str | None) -> dict[str, Any]:
    """The webhook's JSON object, from a JSON body or a form body with a `jsonData` field.

    Form mode: `jsonData` is decoded exactly once (WuzAPI issue #50: decoding twice turns the
    "+" of base64 media into spaces); the plain `userID`/`instanceName` fields are copied
    into the object when it lacks them. Legacy multipart bodies are not supported.
    """
    media_type = (content_type or "").split(";", 1)[0].strip().lower()
    if media_type == "application/json" or media_type.endswith("+json"):
        return _decode_json(raw, "body")
    if media_type == "application/x-www-form-urlencoded":
        return _decode_form(raw)
    if media_type == "multipart/form-data":
        raise PayloadError(
            "multipart webhooks (WuzAPI builds before 2025) are not supported; set WEBHOOK_FORMAT=json on WuzAPI"
        )
    if media_type in ("", "text/plain", "application/octet-stream"):
        head = raw.lstrip()[:1]
        if head == b"{":
            return _decode_json(raw, "body")
        if any(raw.startswith(name.encode() + b"=") or (b"&" + name.encode() + b"=") in raw for name in _FORM_FIELDS):
            return _decode_form(raw)
        raise PayloadError("body is neither a JSON object nor a form with a jsonData field")
    raise PayloadError(
        f"unsupported content type {media_type[:80]!r}; expected application/json or application/x-www-form-urlencoded"
    )


def _decode_json(raw: bytes | str, what: str) -> dict[str, Any]:
    if isinstance(raw, bytes):
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise PayloadError(f"{what} is not UTF-8") from None
    else:
        text = raw
    if not text.strip():
        raise PayloadError(f"{what} is empty")
    try:
        value = json.loads(text)
    except RecursionError:
        raise PayloadError(f"{what} is nested too deeply") from None
    except ValueError as exc:
        raise PayloadError(f"{what} is not valid JSON: {str(exc)[:120]}") from None
    if not isinstance(value, dict):
        raise PayloadError(f"{what} must be a JSON object, not {_json_type(value)}")
    if _POISON_ESCAPE.search(text):  # only \u escapes can carry NUL or a lone surrogate here
        cleaned: dict[str, Any] = _sanitize(value)
        return cleaned
    return value


# --------------------------------------------------------------------------- sanitizing
# A string the databases refuse (PostgreSQL: NUL in text; both: a lone surrogate cannot be
# encoded as UTF-8) or longer than its column would fail the webhook with a 500 on every
# re-delivery. Such strings are cleaned here so the message is stored (issue 18, finding 5).

_POISON_ESCAPE = re.compile(r"\\u(?:0000|[dD][89a-fA-F][0-9a-fA-F]{2})")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
ELLIPSIS = "\u2026"
MAX_CONTACT_NAME = 200  # leads.push_name, messages.sender_name
MAX_FILE_NAME = 255  # messages.media_name
MAX_MIME = 128  # messages.media_mime


def clean_text(value: str) -> str:
    """NUL bytes removed, lone surrogates (valid JSON escapes, invalid Unicode) made U+FFFD."""
    if "\x00" in value:
        value = value.replace("\x00", "")
    return _LONE_SURROGATE.sub("\ufffd", value)


def clip(value: str | None, limit: int) -> str | None:
    """At most `limit` characters; a cut one ends with "…" so nobody mistakes it for whole."""
    if value is None or len(value) <= limit:
        return value
    return value[: limit - 1] + ELLIPSIS


def _sanitize(value: Any) -> Any:
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        return {clean_text(k) if isinstance(k, str) else k: _sanitize(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_sanitize(v) for v in value]
    return value


def _decode_form(raw: bytes) -> dict[str, Any]:
    try:
        text = raw.decode("utf-8")
        fields = parse_qs(text, keep_blank_values=True, errors="strict", max_num_fields=_MAX_FORM_FIELDS)
    except UnicodeDecodeError:
        raise PayloadError("form body is not UTF-8") from None
    except ValueError:
        raise PayloadError("form body is malformed or has too many fields") from None
    json_data = fields.get("jsonData")
    if not json_data:
        raise PayloadError("form body has no 'jsonData' field")
    payload = _decode_json(json_data[0], "jsonData")
    for name in ("userID", "instanceName"):
        values = fields.get(name)
        if values and values[0] and get_key(payload, name) is None:
            payload[name] = values[0]
    return payload


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object" if isinstance(value, dict) else type(value).__name__


# --------------------------------------------------------------------------- field access


def _obj(container: Mapping[str, Any], key: str, path: str, *, required: bool = False) -> dict[str, Any] | None:
    """A JSON object field; missing → None (or PayloadError if required); wrong type → PayloadError."""
    value = get_key(container, key)
    if value is None:
        if required:
            raise PayloadError(f"missing '{path}'")
        return None
    if not isinstance(value, dict):
        raise PayloadError(f"'{path}' must be an object, not {_json_type(value)}")
    return value


def _req_obj(container: Mapping[str, Any], key: str, path: str) -> dict[str, Any]:
    value = _obj(container, key, path, required=True)
    if value is None:  # pragma: no cover - _obj raises first
        raise PayloadError(f"missing '{path}'")
    return value


def _loose_obj(container: Mapping[str, Any] | None, key: str) -> dict[str, Any] | None:
    """An optional object field whose wrong type is treated as absent."""
    if container is None:
        return None
    value = get_key(container, key)
    return value if isinstance(value, dict) else None


def _opt_str(container: Mapping[str, Any] | None, key: str) -> str | None:
    """A non-empty string field, else None (wrong types are treated as absent)."""
    if container is None:
        return None
    value = get_key(container, key)
    return value if isinstance(value, str) and value.strip() else None


def _req_str(container: Mapping[str, Any], key: str, path: str) -> str:
    value = get_key(container, key)
    if value is None:
        raise PayloadError(f"missing '{path}'")
    if not isinstance(value, str):
        raise PayloadError(f"'{path}' must be a string, not {_json_type(value)}")
    if not value.strip():
        raise PayloadError(f"'{path}' is empty")
    return value.strip()


def _text_field(container: Mapping[str, Any], key: str, path: str) -> str | None:
    """Message text: a string kept as sent (None when empty); another type → PayloadError."""
    value = get_key(container, key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise PayloadError(f"'{path}' must be a string, not {_json_type(value)}")
    return value if value.strip() else None


def _flag(container: Mapping[str, Any] | None, key: str) -> bool:
    return container is not None and get_key(container, key) is True


def _opt_int(container: Mapping[str, Any] | None, key: str) -> int | None:
    if container is None:
        return None
    value = get_key(container, key)
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def _opt_float(container: Mapping[str, Any] | None, key: str) -> float | None:
    if container is None:
        return None
    value = get_key(container, key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


# --------------------------------------------------------------------------- timestamps

_RFC3339 = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt ]([0-9]{2}):([0-9]{2}):([0-9]{2})"
    r"(?:[.,]([0-9]{1,9}))?(Z|z|[+-][0-9]{2}:?[0-9]{2})?"
)
_MAX_UNIX = 253402300799  # 9999-12-31T23:59:59Z


def parse_timestamp(value: Any, path: str, fallback: datetime) -> datetime:
    """RFC 3339 (any offset, up to nanoseconds) or Unix seconds → aware UTC datetime.

    Missing, empty and Go's zero time ("0001-01-01T00:00:00Z") give `fallback`.
    """
    if value is None:
        return fallback
    if isinstance(value, bool):
        raise PayloadError(f"'{path}' must be a timestamp, not a boolean")
    if isinstance(value, int | float):
        if not math.isfinite(value) or not 0 <= value <= _MAX_UNIX:
            raise PayloadError(f"'{path}' is out of range")
        return fallback if value == 0 else datetime.fromtimestamp(value, UTC)
    if not isinstance(value, str):
        raise PayloadError(f"'{path}' must be an RFC 3339 string, not {_json_type(value)}")
    text = value.strip()
    if not text:
        return fallback
    match = _RFC3339.fullmatch(text)
    if match is None:
        raise PayloadError(f"'{path}' is not an RFC 3339 timestamp: {text[:40]!r}")
    year, month, day, hour, minute, second, fraction, offset = match.groups()
    if offset is None:
        raise PayloadError(f"'{path}' has no UTC offset: {text[:40]!r}")
    if int(year) <= 1:
        return fallback
    try:
        if offset in ("Z", "z"):
            zone = UTC
        else:
            sign = -1 if offset[0] == "-" else 1
            digits = offset[1:].replace(":", "")
            zone = timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))
        moment = datetime(
            int(year),
            int(month),
            int(day),
            int(hour),
            int(minute),
            int(second),
            int((fraction or "0")[:6].ljust(6, "0")),
            tzinfo=zone,
        )
        return moment.astimezone(UTC)
    except (ValueError, OverflowError):
        raise PayloadError(f"'{path}' is not a valid date/time: {text[:40]!r}") from None


# --------------------------------------------------------------------------- JIDs and contacts

_CHAT_SERVERS = frozenset({USER_SERVER, "hosted"}) | LID_SERVERS


def _skip_reason(chat: str, path: str) -> str | None:
    """Why a chat is not a 1:1 chat with a lead (None when it is); PayloadError if not a JID."""
    user, at, server = bare_jid(chat).partition("@")
    if not at or not user or not server:
        raise PayloadError(f"'{path}' is not a JID: {chat[:60]!r}")
    if server == "g.us":
        return "group chat"
    if server == "broadcast":
        return "status update" if user == "status" else "broadcast list"
    if server == "newsletter":
        return "channel (newsletter)"
    if server not in _CHAT_SERVERS:
        return f"unsupported chat server {server[:40]!r}"
    return None


def _contact(chat: str, alternates: Iterable[str | None], push_name: str | None = None) -> Contact:
    """The lead behind `chat`; `alternates` are other addresses of the same person (PN ↔ LID)."""
    jid = bare_jid(chat)
    phone = phone_from_jid(jid)
    lid = jid if is_lid(jid) else None
    for alternate in alternates:
        if not alternate:
            continue
        other = bare_jid(alternate)
        if phone is None:
            phone = phone_from_jid(other)
        if lid is None and is_lid(other):
            lid = other
    name = clip(push_name.strip(), MAX_CONTACT_NAME) if push_name else None
    return Contact(jid=jid, phone=phone, lid=lid, push_name=name)


# --------------------------------------------------------------------------- Message

_CONTENT_KEYS = (
    "reactionMessage",
    "protocolMessage",
    "imageMessage",
    "videoMessage",
    "ptvMessage",
    "audioMessage",
    "documentMessage",
    "stickerMessage",
    "locationMessage",
    "liveLocationMessage",
    "contactMessage",
    "contactsArrayMessage",
    "extendedTextMessage",
    "conversation",
)
# Keys that accompany content but are not content themselves.
_NON_CONTENT_KEYS = frozenset(
    {"messagecontextinfo", "senderkeydistributionmessage", "fastratchetkeysenderkeydistributionmessage"}
)
_MEDIA_KINDS = {
    "imageMessage": MessageKind.IMAGE,
    "videoMessage": MessageKind.VIDEO,
    "ptvMessage": MessageKind.VIDEO,
    "audioMessage": MessageKind.AUDIO,
    "documentMessage": MessageKind.DOCUMENT,
    "stickerMessage": MessageKind.STICKER,
}
_PROTOCOL_REVOKE = 0
_PROTOCOL_EDIT = 14
_PROTOCOL_NAMES = {"REVOKE": _PROTOCOL_REVOKE, "MESSAGE_EDIT": _PROTOCOL_EDIT}
# Fields WuzAPI's /chat/download* endpoints take, keyed by the proto name they are copied from.
_DOWNLOAD_FIELDS = (
    ("URL", "Url"),
    ("directPath", "DirectPath"),
    ("mediaKey", "MediaKey"),
    ("mimetype", "Mimetype"),
    ("fileEncSHA256", "FileEncSHA256"),
    ("fileSHA256", "FileSHA256"),
    ("fileLength", "FileLength"),
)


def _parse_message(payload: Mapping[str, Any], now: datetime) -> WebhookEvent:  # noqa: C901 - the webhook hot path: one pass over Info and the message kinds; splitting it adds calls per event
    event = _req_obj(payload, "event", "event")
    info = _req_obj(event, "Info", "event.Info")
    from_me = _flag(info, "IsFromMe")
    destination = _opt_str(_loose_obj(info, "DeviceSentMeta"), "DestinationJID")
    chat = _opt_str(info, "Chat") or (destination if from_me else None)
    skip = _skip_reason(chat, "event.Info.Chat") if chat is not None else None
    if skip is not None:
        return Ignored(skip)
    if _flag(info, "IsGroup"):
        return Ignored("group chat")
    if chat is None:
        raise PayloadError("missing 'event.Info.Chat'")

    external_id = _req_str(info, "ID", "event.Info.ID")
    timestamp = parse_timestamp(get_key(info, "Timestamp"), "event.Info.Timestamp", now)
    if from_me:
        # Sender is our own number; the lead is the chat / the device-sent destination.
        contact = _contact(chat, (destination, _opt_str(info, "RecipientAlt")))
    else:
        contact = _contact(chat, (_opt_str(info, "Sender"), _opt_str(info, "SenderAlt")), _opt_str(info, "PushName"))

    message = _obj(event, "Message", "event.Message")
    if message is None:
        return Ignored("message without content")

    content_key = next((key for key in _CONTENT_KEYS if get_key(message, key) is not None), None)
    if content_key is None:
        others = sorted(key for key in message if isinstance(key, str) and key.casefold() not in _NON_CONTENT_KEYS)
        if others:
            return Ignored(f"unsupported message type {others[0][:60]!r}")
        return Ignored("empty message")
    path = f"event.Message.{content_key}"

    if content_key == "conversation":
        text = _text_field(message, "conversation", path)
        if text is None:
            return Ignored("empty text message")
        return IncomingMessage(
            external_id=external_id,
            contact=contact,
            from_me=from_me,
            timestamp=timestamp,
            kind=MessageKind.TEXT,
            text=text,
            media=None,
            quoted_id=None,
            referral=None,
            metadata=_event_flags(event),
        )

    content = _req_obj(message, content_key, path)
    if content_key == "reactionMessage":
        key = _req_obj(content, "key", f"{path}.key")
        return Reaction(
            external_id=external_id,
            target_id=_req_str(key, "ID", f"{path}.key.ID"),
            emoji=_opt_str(content, "text") or "",
            contact=contact,
            from_me=from_me,
            timestamp=timestamp,
        )
    if content_key == "protocolMessage":
        return _parse_protocol(content, path, external_id, contact, from_me, timestamp)

    context_info = _loose_obj(content, "contextInfo")
    metadata = _event_flags(event) | _context_metadata(context_info)
    common: dict[str, Any] = {
        "external_id": external_id,
        "contact": contact,
        "from_me": from_me,
        "timestamp": timestamp,
        "quoted_id": _opt_str(context_info, "stanzaID"),
        "referral": referral_from_context_info(context_info),
    }

    if content_key == "extendedTextMessage":
        text = _text_field(content, "text", f"{path}.text")
        if text is None:
            return Ignored("empty text message")
        if (url := _opt_str(content, "matchedText")) is not None:
            metadata["link"] = url
        return IncomingMessage(kind=MessageKind.TEXT, text=text, media=None, metadata=metadata, **common)

    if content_key in _MEDIA_KINDS:
        kind = _MEDIA_KINDS[content_key]
        if kind is MessageKind.IMAGE and _flag(payload, "isSticker"):
            kind = MessageKind.STICKER
        media = _media(payload, content, kind)
        metadata |= _media_metadata(payload, content, content_key, kind)
        caption = None
        if kind in (MessageKind.IMAGE, MessageKind.VIDEO, MessageKind.DOCUMENT):
            caption = _text_field(content, "caption", f"{path}.caption")
        return IncomingMessage(kind=kind, text=caption, media=media, metadata=metadata, **common)

    if content_key in ("locationMessage", "liveLocationMessage"):
        name = _opt_str(content, "name")
        address = _opt_str(content, "address")
        metadata |= {
            "latitude": _opt_float(content, "degreesLatitude"),
            "longitude": _opt_float(content, "degreesLongitude"),
            "live": content_key == "liveLocationMessage",
        }
        for field, label in (
            ("name", "name"),
            ("address", "address"),
            ("URL", "url"),
            ("caption", "comment"),
        ):
            if (value := _opt_str(content, field)) is not None:
                metadata[label] = value
        text = "\n".join(part for part in (name, address) if part) or _opt_str(content, "caption")
        return IncomingMessage(kind=MessageKind.LOCATION, text=text, media=None, metadata=metadata, **common)

    # contactMessage / contactsArrayMessage
    if content_key == "contactMessage":
        cards = [_contact_card(content)]
        metadata["vcard"] = cards[0]["vcard"]
        text = cards[0]["display_name"]
    else:
        raw_cards = get_key(content, "contacts")
        items = raw_cards if isinstance(raw_cards, list) else []
        cards = [_contact_card(item) for item in items if isinstance(item, dict)]
        names = [card["display_name"] for card in cards if card["display_name"]]
        text = _opt_str(content, "displayName") or (", ".join(names) if names else None)
    metadata["contacts"] = cards
    return IncomingMessage(kind=MessageKind.CONTACT, text=text, media=None, metadata=metadata, **common)


def _parse_protocol(
    content: Mapping[str, Any],
    path: str,
    external_id: str,
    contact: Contact,
    from_me: bool,
    timestamp: datetime,
) -> WebhookEvent:
    raw_type = get_key(content, "type")
    if isinstance(raw_type, str):
        raw_type = _PROTOCOL_NAMES.get(raw_type.strip().upper(), raw_type)
    if raw_type is None or isinstance(raw_type, bool) or not isinstance(raw_type, int):
        return Ignored("protocol message without a known type")
    if raw_type not in (_PROTOCOL_REVOKE, _PROTOCOL_EDIT):
        return Ignored(f"protocol message type {raw_type}")
    key = _req_obj(content, "key", f"{path}.key")
    target_id = _req_str(key, "ID", f"{path}.key.ID")
    if raw_type == _PROTOCOL_REVOKE:
        return Revoke(
            target_id=target_id,
            contact=contact,
            from_me=from_me,
            timestamp=timestamp,
            external_id=external_id,
        )
    edited = _obj(content, "editedMessage", f"{path}.editedMessage")
    text = _plain_text(edited) if edited is not None else None
    if text is None:
        return Ignored("edit without text")
    return Edit(
        target_id=target_id,
        text=text,
        contact=contact,
        from_me=from_me,
        timestamp=timestamp,
        external_id=external_id,
    )


def _plain_text(message: Mapping[str, Any]) -> str | None:
    """The text or caption of a (nested) message object, if any."""
    conversation = get_key(message, "conversation")
    if isinstance(conversation, str) and conversation.strip():
        return conversation
    for key, field in (
        ("extendedTextMessage", "text"),
        ("imageMessage", "caption"),
        ("videoMessage", "caption"),
        ("documentMessage", "caption"),
    ):
        if (value := _opt_str(_loose_obj(message, key), field)) is not None:
            return value
    return None


def _event_flags(event: Mapping[str, Any]) -> dict[str, Any]:
    flags: dict[str, Any] = {}
    if _flag(event, "IsViewOnce") or _flag(event, "IsViewOnceV2") or _flag(event, "IsViewOnceV2Extension"):
        flags["view_once"] = True
    if _flag(event, "IsEphemeral"):
        flags["ephemeral"] = True
    return flags


def _context_metadata(context_info: Mapping[str, Any] | None) -> dict[str, Any]:
    metadata: dict[str, Any] = {}
    if context_info is None:
        return metadata
    if _flag(context_info, "isForwarded"):
        metadata["is_forwarded"] = True
        if (score := _opt_int(context_info, "forwardingScore")) is not None:
            metadata["forwarding_score"] = score
    mentioned = get_key(context_info, "mentionedJID")
    if isinstance(mentioned, list):
        jids = [item for item in mentioned if isinstance(item, str) and item]
        if jids:
            metadata["mentioned_jids"] = jids
    if _opt_str(context_info, "stanzaID") is not None:
        quoted = _loose_obj(context_info, "quotedMessage")
        if quoted is not None and (quoted_text := _plain_text(quoted)) is not None:
            metadata["quoted_text"] = quoted_text
        if (participant := _opt_str(context_info, "participant")) is not None:
            metadata["quoted_participant"] = participant
    return metadata


def _decode_base64(value: Any) -> bytes:
    if not isinstance(value, str):
        raise PayloadError(f"'base64' must be a string, not {_json_type(value)}")
    text = value.strip()
    if text.startswith("data:"):
        text = text.partition(",")[2]
    text = text.replace("\r", "").replace("\n", "")
    try:
        return base64.b64decode(text, validate=True)
    except ValueError:  # binascii.Error and non-ASCII input
        raise PayloadError(
            "'base64' is not valid base64 (a form body URL-decoded twice turns '+' into spaces)"
        ) from None


def _raw_media(payload: Mapping[str, Any], content: Mapping[str, Any], kind: MessageKind) -> Media:
    declared_name = _opt_str(content, "fileName") if kind is MessageKind.DOCUMENT else None
    declared_mime = _opt_str(content, "mimetype")
    s3 = _loose_obj(payload, "s3")
    url = _opt_str(s3, "url")
    raw = get_key(payload, "base64")
    if raw is not None and raw != "":
        data = _decode_base64(raw)
        return Media(
            data=data,
            mime_type=_opt_str(payload, "mimeType") or declared_mime,
            # A document's own name ("proposta.pdf") beats WuzAPI's "<message id>.pdf".
            file_name=declared_name or _opt_str(payload, "fileName"),
            size=len(data),
            url=url,
        )
    if s3 is not None:
        return Media(
            data=None,
            mime_type=_opt_str(s3, "mimeType") or declared_mime,
            file_name=declared_name or _opt_str(s3, "fileName"),
            size=_opt_int(s3, "size") or _opt_int(content, "fileLength"),
            url=url,
        )
    return Media(data=None, mime_type=declared_mime, file_name=declared_name, size=_opt_int(content, "fileLength"))


def _media(payload: Mapping[str, Any], content: Mapping[str, Any], kind: MessageKind) -> Media:
    media = _raw_media(payload, content, kind)
    mime = media.mime_type if media.mime_type is None or len(media.mime_type) <= MAX_MIME else None
    name = clip(media.file_name, MAX_FILE_NAME)
    if mime is media.mime_type and name is media.file_name:
        return media
    return dataclasses.replace(media, mime_type=mime, file_name=name)


def _media_metadata(
    payload: Mapping[str, Any], content: Mapping[str, Any], content_key: str, kind: MessageKind
) -> dict[str, Any]:
    metadata: dict[str, Any] = {}
    for key, label in (
        ("width", "width"),
        ("height", "height"),
        ("seconds", "seconds"),
        ("pageCount", "page_count"),
    ):
        if (number := _opt_int(content, key)) is not None:
            metadata[label] = number
    if kind is MessageKind.AUDIO:
        metadata["ptt"] = _flag(content, "PTT")
    if kind is MessageKind.VIDEO:
        if _flag(content, "gifPlayback"):
            metadata["gif"] = True
        if content_key == "ptvMessage":
            metadata["ptv"] = True
    if kind is MessageKind.STICKER:
        metadata["animated"] = _flag(content, "isAnimated") or _flag(payload, "stickerAnimated")
    if kind is MessageKind.DOCUMENT and (title := _opt_str(content, "title")) is not None:
        metadata["title"] = title
    download: dict[str, Any] = {}
    for source, target in _DOWNLOAD_FIELDS:
        value = get_key(content, source)
        if (isinstance(value, str) and value) or (isinstance(value, int) and not isinstance(value, bool)):
            download[target] = value
    if "Url" in download or "DirectPath" in download:
        metadata["download"] = download
    return metadata


def _contact_card(card: Mapping[str, Any]) -> dict[str, str | None]:
    return {"display_name": _opt_str(card, "displayName"), "vcard": _opt_str(card, "vcard")}


# --------------------------------------------------------------------------- other event types

_RECEIPT_STATES: dict[str, Literal["DELIVERED", "READ"] | None] = {
    "delivered": "DELIVERED",
    "read": "READ",
    "readself": None,
}
_RECEIPT_TYPES = {"": "Delivered", "read": "Read", "read-self": "ReadSelf"}


def _parse_receipt(payload: Mapping[str, Any], now: datetime) -> WebhookEvent:
    event = _req_obj(payload, "event", "event")
    state = get_key(payload, "state")
    if state is None:
        receipt_type = get_key(event, "Type")
        if not isinstance(receipt_type, str):
            raise PayloadError("missing 'state'")
        state = _RECEIPT_TYPES.get(receipt_type.strip().lower(), receipt_type)
    if not isinstance(state, str):
        raise PayloadError(f"'state' must be a string, not {_json_type(state)}")
    folded = state.strip().casefold().replace("-", "").replace("_", "")
    if folded not in _RECEIPT_STATES:
        return Ignored(f"receipt state {state[:40]!r}")
    status = _RECEIPT_STATES[folded]
    if status is None:
        return Ignored("read-self receipt")
    if _flag(event, "IsGroup"):
        return Ignored("group chat")
    if _flag(event, "IsFromMe"):
        return Ignored("own receipt (read on another device)")

    chat = _req_str(event, "Chat", "event.Chat")
    skip = _skip_reason(chat, "event.Chat")
    if skip is not None:
        return Ignored(skip)
    raw_ids = get_key(event, "MessageIDs")
    if raw_ids is None:
        raise PayloadError("missing 'event.MessageIDs'")
    if not isinstance(raw_ids, list) or not all(isinstance(item, str) for item in raw_ids):
        raise PayloadError("'event.MessageIDs' must be a list of strings")
    ids = tuple(dict.fromkeys(item.strip() for item in raw_ids if item.strip()))
    if not ids:
        raise PayloadError("'event.MessageIDs' is empty")
    return Receipt(
        message_ids=ids,
        status=status,
        contact=_contact(chat, (_opt_str(event, "Sender"), _opt_str(event, "SenderAlt"))),
        timestamp=parse_timestamp(get_key(event, "Timestamp"), "event.Timestamp", now),
    )


def _parse_chat_presence(payload: Mapping[str, Any], now: datetime) -> WebhookEvent:
    event = _req_obj(payload, "event", "event")
    if _flag(event, "IsGroup"):
        return Ignored("group chat")
    if _flag(event, "IsFromMe"):
        return Ignored("own chat presence")
    chat = _req_str(event, "Chat", "event.Chat")
    skip = _skip_reason(chat, "event.Chat")
    if skip is not None:
        return Ignored(skip)
    state = _req_str(event, "State", "event.State").casefold()
    if state not in ("composing", "paused"):
        return Ignored(f"chat presence state {state[:40]!r}")
    media = get_key(event, "Media")
    return Typing(
        contact=_contact(chat, (_opt_str(event, "Sender"), _opt_str(event, "SenderAlt"))),
        composing=state == "composing",
        media=media.strip() if isinstance(media, str) else "",
    )


_InstanceState = Literal["connected", "disconnected", "logged_out", "qr"]


def _instance_status(
    status: _InstanceState, *, canonical: bool = True
) -> Callable[[Mapping[str, Any], datetime], WebhookEvent]:
    def parse(payload: Mapping[str, Any], now: datetime) -> WebhookEvent:
        event_type = get_key(payload, "type")
        event = get_key(payload, "event")
        jid = None
        if isinstance(event, dict) and (raw_jid := _opt_str(event, "ID") or _opt_str(event, "JID")):
            jid = bare_jid(raw_jid) if "@" in raw_jid else None
        return InstanceStatus(
            status=status,
            qr_code=_opt_str(payload, "qrCodeBase64") if status == "qr" else None,
            jid=jid,
            reason=None if canonical or not isinstance(event_type, str) else event_type,
        )

    return parse


_Handler = Callable[[Mapping[str, Any], datetime], WebhookEvent]
# WebMessageInfo.status of our own past messages: DELIVERY_ACK, READ, PLAYED.
_HISTORY_STATUS: dict[int, Literal["delivered", "read"]] = {3: "delivered", 4: "read", 5: "read"}


def _history_message(chat: str, other: str | None, info: Mapping[str, Any], now: datetime) -> WebhookEvent:
    """One WebMessageInfo of a history chunk, read as the live `Message` event it was."""
    key = _loose_obj(info, "key") or {}
    from_me = _flag(key, "fromMe")
    remote = _opt_str(key, "remoteJID") or chat
    when = get_key(info, "messageTimestamp")
    if not isinstance(when, int) or isinstance(when, bool) or when <= 0:
        return Ignored("history message without a time")
    alt = other or ""
    event = {
        "Info": {
            "Chat": remote,
            "Sender": "" if from_me else (_opt_str(key, "participant") or remote),
            "SenderAlt": "" if from_me else alt,
            "RecipientAlt": alt if from_me else "",
            "IsFromMe": from_me,
            "IsGroup": remote.endswith("@g.us"),
            "ID": get_key(key, "ID"),
            "PushName": _opt_str(info, "pushName") or "",
            "Timestamp": when,
        },
        "Message": get_key(info, "message"),
    }
    return _parse_message({"event": event}, now)


def _parse_history_sync(payload: Mapping[str, Any], now: datetime) -> WebhookEvent:
    """`HistorySync`: `event` is whatsmeow's events.HistorySync, `{"Data": <waHistorySync.HistorySync>,
    "Notification": ...}` (proto field names: conversations[].ID / pnJID / lidJID /
    messages[].message = WebMessageInfo {key{remoteJID, fromMe, ID}, message, messageTimestamp
    (Unix seconds), status, pushName})."""
    event = _req_obj(payload, "event", "event")
    data = _obj(event, "Data", "event.Data")
    if data is None:
        return Ignored("history sync without data")
    conversations = get_key(data, "conversations") or []
    if not isinstance(conversations, list):
        raise PayloadError("'event.Data.conversations' must be an array")
    found: list[IncomingMessage] = []
    statuses: list[HistoryStatus] = []
    skipped = 0
    for conv in conversations:
        chat = _opt_str(conv, "ID") if isinstance(conv, dict) else None
        items = get_key(conv, "messages") if isinstance(conv, dict) else None
        if chat is None or not isinstance(items, list):
            skipped += len(items) if isinstance(items, list) else 1
            continue
        other = _opt_str(conv, "pnJID") if is_lid(chat) else _opt_str(conv, "lidJID")
        for item in items:
            info = _loose_obj(item, "message") if isinstance(item, dict) else None
            try:
                ev = _history_message(chat, other, info, now) if info is not None else Ignored("empty")
            except PayloadError:
                ev = Ignored("unreadable")
            if not isinstance(ev, IncomingMessage):
                skipped += 1
                continue
            found.append(ev)
            status = get_key(info, "status") if info is not None else None
            if ev.from_me and isinstance(status, int) and status in _HISTORY_STATUS:
                statuses.append(HistoryStatus(ev.external_id, _HISTORY_STATUS[status]))
    sync_type = get_key(data, "syncType")
    return HistorySync(
        sync_type=sync_type if isinstance(sync_type, int) and not isinstance(sync_type, bool) else 0,
        chunk_order=_opt_int(data, "chunkOrder"),
        progress=_opt_int(data, "progress"),
        messages=tuple(found),
        statuses=tuple(statuses),
        skipped=skipped,
    )


_HANDLERS: dict[str, _Handler] = {
    "Message": _parse_message,
    "HistorySync": _parse_history_sync,
    "ReadReceipt": _parse_receipt,
    "ChatPresence": _parse_chat_presence,
    "Connected": _instance_status("connected"),
    "PairSuccess": _instance_status("connected", canonical=False),
    "Disconnected": _instance_status("disconnected"),
    # The session is down until someone connects again.
    "QRTimeout": _instance_status("disconnected", canonical=False),
    "ConnectFailure": _instance_status("disconnected", canonical=False),
    "StreamReplaced": _instance_status("disconnected", canonical=False),
    "TemporaryBan": _instance_status("disconnected", canonical=False),
    "ClientOutdated": _instance_status("disconnected", canonical=False),
    "LoggedOut": _instance_status("logged_out"),
    "QR": _instance_status("qr"),
}


# --------------------------------------------------------------------------- entry points


def parse_payload(payload: dict[str, Any], *, received_at: datetime | None = None) -> Envelope:
    """A decoded webhook object → Envelope. Raises only PayloadError.

    `received_at` (default: now) stands in for missing or zero timestamps.
    """
    if not isinstance(payload, dict):
        raise PayloadError(f"payload must be a JSON object, not {_json_type(payload)}")
    event_type = get_key(payload, "type")
    if event_type is None:
        raise PayloadError("missing 'type'")
    if not isinstance(event_type, str) or not event_type.strip():
        raise PayloadError("'type' must be a non-empty string")
    event_type = event_type.strip()
    now = datetime.now(UTC) if received_at is None else received_at.astimezone(UTC)
    handler = _HANDLERS.get(event_type)
    event = handler(payload, now) if handler else Ignored(f"unhandled event type {event_type[:60]!r}")
    user_id = get_key(payload, "userID")
    if isinstance(user_id, int) and not isinstance(user_id, bool):
        user_id = str(user_id)  # integer ids in very old WuzAPI builds
    return Envelope(
        type=event_type,
        user_id=user_id.strip() if isinstance(user_id, str) and user_id.strip() else None,
        instance_name=_opt_str(payload, "instanceName"),
        event=event,
    )


def parse_webhook(raw: bytes, content_type: str | None, *, received_at: datetime | None = None) -> Envelope:
    """Raw webhook body → Envelope (decode_body + parse_payload). Raises only PayloadError."""
    return parse_payload(decode_body(raw, content_type), received_at=received_at)


__all__ = [
    "PayloadError",
    "decode_body",
    "parse_payload",
    "parse_timestamp",
    "parse_webhook",
]

"""Pure builders of webhook bodies exactly as WuzAPI emits them.

Each function returns the dict WuzAPI serialises (reference §2.1, §3): ``type``, ``event``,
``userID``, ``instanceName`` and, where WuzAPI adds them, top-level extras (``state``,
``base64``/``mimeType``/``fileName``, ``qrCodeBase64``, ...). ``event`` follows whatsmeow's
JSON: PascalCase struct keys (``Info``, ``MessageIDs``) and proto field names for message
content (``conversation``, ``extendedTextMessage``, ``contextInfo``, ``stanzaID``, ``URL``).

All arguments are keyword-only with defaults for a Brazilian lead, so tests can write
``text_message(text="oi")``. Pass ``rng`` for deterministic ids and media keys.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import random
import urllib.parse
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from whatrack.simulator import wire

DEFAULT_USER_ID = "4f1c2b3a4d5e6f708192a3b4c5d6e7f8"
DEFAULT_INSTANCE = "demo"
DEFAULT_LEAD_PHONE = "5511988887777"
DEFAULT_PUSH_NAME = "Maria Souza"
DEFAULT_OWN_JID = "5511999990000@s.whatsapp.net"

MediaKind = Literal["image", "audio", "video", "document", "sticker"]
ReceiptState = Literal["Delivered", "Read", "ReadSelf"]
Payload = dict[str, Any]


@dataclass(frozen=True)
class Quote:
    """The message a reply quotes (``contextInfo.stanzaID``/``participant``/``quotedMessage``)."""

    message_id: str
    text: str = ""
    participant: str = DEFAULT_OWN_JID


@dataclass(frozen=True)
class Referral:
    """A Click-to-WhatsApp ad click (``contextInfo.externalAdReply`` + conversion fields)."""

    campaign: str = "black_friday"
    source_id: str = "120212345678900123"
    title: str = "Black Friday: até 50% off"
    body: str = "Fale com a gente no WhatsApp"
    source_url: str | None = None
    ctwa_clid: str | None = None
    media_type: int = 1
    source_type: str = "ad"
    source_app: str = "facebook"
    conversion_source: str = "FB_Ads"

    def url(self) -> str:
        if self.source_url is not None:
            return self.source_url
        query = urllib.parse.urlencode(
            {"utm_source": self.source_app, "utm_medium": "paid", "utm_campaign": self.campaign}
        )
        return f"https://fb.me/ads/{self.source_id}?{query}"

    def clid(self) -> str:
        if self.ctwa_clid is not None:
            return self.ctwa_clid
        digest = hashlib.sha256(f"{self.source_id}:{self.campaign}".encode()).digest()
        return "Afc" + base64.urlsafe_b64encode(digest).decode().rstrip("=")[:40]


def phone_jid(phone: str) -> str:
    """Digits (``+`` tolerated) or a full JID -> JID string."""
    phone = phone.strip()
    if "@" in phone:
        return phone
    return phone.lstrip("+") + "@s.whatsapp.net"


def _ts(timestamp: datetime | None) -> str:
    return wire.rfc3339(timestamp)


def _envelope(event_type: str, event: Any, user_id: str, instance_name: str, **extra: Any) -> Payload:
    body: Payload = {"type": event_type, "event": event}
    body.update(extra)
    body["userID"] = user_id
    body["instanceName"] = instance_name
    return body


def _source(
    *,
    chat: str,
    sender: str,
    is_from_me: bool = False,
    is_group: bool = False,
    addressing_mode: str = "",
    sender_alt: str = "",
    recipient_alt: str = "",
) -> Payload:
    return {
        "Chat": chat,
        "Sender": sender,
        "IsFromMe": is_from_me,
        "IsGroup": is_group,
        "AddressingMode": addressing_mode,
        "SenderAlt": sender_alt,
        "RecipientAlt": recipient_alt,
        "BroadcastListOwner": "",
    }


def _info(
    source: Payload,
    *,
    message_id: str,
    msg_type: str,
    push_name: str,
    timestamp: datetime | None,
    media_type: str = "",
    edit: str = "",
    device_sent_meta: Payload | None = None,
) -> Payload:
    info = dict(source)
    info.update(
        {
            "ID": message_id,
            "ServerID": 0,
            "Type": msg_type,
            "PushName": push_name,
            "Timestamp": _ts(timestamp),
            "Category": "",
            "Multicast": False,
            "MediaType": media_type,
            "Edit": edit,
            "MsgBotInfo": {"EditType": "", "EditTargetID": "", "EditSenderTimestampMS": wire.ZERO_TIME},
            "MsgMetaInfo": {
                "TargetID": "",
                "TargetSender": "",
                "TargetChat": "",
                "DeprecatedLIDSession": None,
                "ThreadMessageID": "",
                "ThreadMessageSenderJID": "",
            },
            "VerifiedName": None,
            "DeviceSentMeta": device_sent_meta,
        }
    )
    return info


def _message_event(
    info: Payload,
    message: Payload,
    raw: Payload | None = None,
    *,
    is_edit: bool = False,
    is_document_with_caption: bool = False,
) -> Payload:
    return {
        "Info": info,
        "Message": message,
        "IsEphemeral": False,
        "IsViewOnce": False,
        "IsViewOnceV2": False,
        "IsViewOnceV2Extension": False,
        "IsDocumentWithCaption": is_document_with_caption,
        "IsLottieSticker": False,
        "IsBotInvoke": False,
        "IsEdit": is_edit,
        "SourceWebMsg": None,
        "UnavailableRequestID": "",
        "RetryCount": 0,
        "NewsletterMeta": None,
        "RawMessage": raw if raw is not None else copy.deepcopy(message),
    }


def _lead_source(phone: str, sender_lid: str | None) -> Payload:
    jid = phone_jid(phone)
    alt = f"{sender_lid}@lid" if sender_lid else ""
    return _source(chat=jid, sender=jid, sender_alt=alt)


def _context_info(quoted: Quote | None, referral: Referral | None) -> Payload:
    ctx: Payload = {}
    if quoted is not None:
        ctx["stanzaID"] = quoted.message_id
        ctx["participant"] = quoted.participant
        ctx["quotedMessage"] = {"conversation": quoted.text}
    if referral is not None:
        ctx["externalAdReply"] = {
            "title": referral.title,
            "body": referral.body,
            "mediaType": referral.media_type,
            "thumbnailURL": f"https://scontent.xx.fbcdn.net/v/t45.1600-4/{referral.source_id}_n.jpg",
            "mediaURL": referral.url(),
            "sourceType": referral.source_type,
            "sourceID": referral.source_id,
            "sourceURL": referral.url(),
            "sourceApp": referral.source_app,
            "containsAutoReply": False,
            "showAdAttribution": True,
            "ctwaClid": referral.clid(),
            "ref": referral.campaign,
        }
        ctx["conversionSource"] = referral.conversion_source
        ctx["conversionData"] = base64.b64encode(referral.source_id.encode()).decode()
        ctx["conversionDelaySeconds"] = 3
        ctx["entryPointConversionSource"] = "ctwa_ad"
        ctx["entryPointConversionApp"] = "whatsapp"
        ctx["entryPointConversionDelaySeconds"] = 3
    return ctx


def text_message(
    *,
    text: str = "Oi, tudo bem?",
    phone: str = DEFAULT_LEAD_PHONE,
    push_name: str = DEFAULT_PUSH_NAME,
    message_id: str | None = None,
    timestamp: datetime | None = None,
    quoted: Quote | None = None,
    referral: Referral | None = None,
    extended: bool | None = None,
    sender_lid: str | None = None,
    user_id: str = DEFAULT_USER_ID,
    instance_name: str = DEFAULT_INSTANCE,
    rng: random.Random | None = None,
) -> Payload:
    """A 1:1 text from a lead: ``conversation``, or ``extendedTextMessage`` for replies/ads.

    ``extended`` forces the form; by default it is extended when ``quoted`` or ``referral``
    is given (WhatsApp only uses the plain form when there is no context).
    """
    use_extended = extended if extended is not None else (quoted is not None or referral is not None)
    message: Payload
    if use_extended:
        ext: Payload = {"text": text}
        ctx = _context_info(quoted, referral)
        if ctx:
            ext["contextInfo"] = ctx
        message = {"extendedTextMessage": ext}
    else:
        message = {"conversation": text}
    raw = copy.deepcopy(message)
    message["messageContextInfo"] = {"deviceListMetadata": {}, "deviceListMetadataVersion": 2}
    info = _info(
        _lead_source(phone, sender_lid),
        message_id=message_id or wire.message_id(rng),
        msg_type="text",
        push_name=push_name,
        timestamp=timestamp,
    )
    return _envelope("Message", _message_event(info, message, raw), user_id, instance_name)


_DEFAULT_MIME: dict[str, str] = {
    "image": "image/png",
    "audio": "audio/ogg; codecs=opus",
    "video": "video/mp4",
    "document": "application/pdf",
    "sticker": "image/webp",
}
_EXTENSIONS: dict[str, str] = {
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/gif": ".gif",
    "image/webp": ".webp",
    "audio/ogg": ".ogg",
    "audio/mpeg": ".mp3",
    "audio/mp4": ".m4a",
    "video/mp4": ".mp4",
    "application/pdf": ".pdf",
    "text/plain": ".txt",
}


def default_media_bytes(kind: MediaKind, seed: int = 0) -> bytes:
    """Small placeholder bytes with the right magic numbers for each media kind."""
    if kind == "image":
        return wire.tiny_png(seed)
    if kind == "audio":
        return b"OggS\x00\x02" + bytes(26) + b"OpusHead\x01\x01\x38\x01\x80\xbb\x00\x00\x00\x00\x00"
    if kind == "video":
        return b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + bytes(16)
    if kind == "document":
        return b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    return b"RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00/\x00\x00\x00\x10\x07\x10\x11\x11\x88\x88\xfe\x07\x00"


def extension_for(mime_type: str) -> str:
    return _EXTENSIONS.get(mime_type.split(";", 1)[0].strip(), ".bin")


def media_message(
    *,
    kind: MediaKind = "image",
    data: bytes | None = None,
    mime_type: str | None = None,
    caption: str = "",
    file_name: str | None = None,
    phone: str = DEFAULT_LEAD_PHONE,
    push_name: str = DEFAULT_PUSH_NAME,
    message_id: str | None = None,
    timestamp: datetime | None = None,
    quoted: Quote | None = None,
    referral: Referral | None = None,
    ptt: bool = True,
    seconds: int = 4,
    animated: bool = False,
    include_base64: bool = True,
    sender_lid: str | None = None,
    user_id: str = DEFAULT_USER_ID,
    instance_name: str = DEFAULT_INSTANCE,
    rng: random.Random | None = None,
) -> Payload:
    """A media message; the file goes to top-level ``base64``/``mimeType``/``fileName``."""
    content = data if data is not None else default_media_bytes(kind)
    mime = mime_type or _DEFAULT_MIME[kind]
    msg_id = message_id or wire.message_id(rng)
    media_key = rng.randbytes(32) if rng is not None else hashlib.sha256(msg_id.encode()).digest()
    sha = hashlib.sha256(content).digest()
    enc_sha = hashlib.sha256(media_key + content).digest()
    path = f"/v/t62.7118-24/{int.from_bytes(sha[:6], 'big')}_{int.from_bytes(enc_sha[:6], 'big')}_n.enc"
    wa_media: Payload = {
        "URL": f"https://mmg.whatsapp.net{path}?ccb=11-4&mms3=true",
        "mimetype": mime,
    }
    media_type: str = kind
    if kind in ("image", "video", "document") and caption:
        wa_media["caption"] = caption
    wa_media.update(
        {
            "fileSHA256": base64.b64encode(sha).decode(),
            "fileLength": len(content),
            "mediaKey": base64.b64encode(media_key).decode(),
            "fileEncSHA256": base64.b64encode(enc_sha).decode(),
            "directPath": path,
            "mediaKeyTimestamp": int(wire.now_local().timestamp()),
        }
    )
    if kind == "image":
        wa_media.update({"height": 8, "width": 8, "JPEGThumbnail": base64.b64encode(content[:64]).decode()})
    elif kind == "video":
        wa_media.update({"seconds": seconds, "gifPlayback": False, "height": 640, "width": 360})
    elif kind == "audio":
        wa_media.update({"seconds": seconds, "PTT": ptt})
        media_type = "ptt" if ptt else "audio"
    elif kind == "document":
        name = file_name or f"documento{extension_for(mime)}"
        wa_media.update({"fileName": name, "title": name.rsplit(".", 1)[0], "pageCount": 1})
    else:
        wa_media.update({"isAnimated": animated, "height": 64, "width": 64})
    ctx = _context_info(quoted, referral)
    if ctx:
        wa_media["contextInfo"] = ctx
    message: Payload = {f"{kind}Message": wa_media}
    raw: Payload = copy.deepcopy(message)
    with_caption_doc = kind == "document" and bool(caption)
    if with_caption_doc:
        raw = {"documentWithCaptionMessage": {"message": raw}}
    info = _info(
        _lead_source(phone, sender_lid),
        message_id=msg_id,
        msg_type="media",
        push_name=push_name,
        timestamp=timestamp,
        media_type=media_type,
    )
    extra: Payload = {}
    if include_base64:
        extra = {
            "base64": base64.b64encode(content).decode(),
            "mimeType": mime,
            "fileName": msg_id + extension_for(mime),
        }
    if kind == "sticker":
        extra["isSticker"] = True
        extra["stickerAnimated"] = animated
    event = _message_event(info, message, raw, is_document_with_caption=with_caption_doc)
    return _envelope("Message", event, user_id, instance_name, **extra)


def location_message(
    *,
    latitude: float = -23.5613,
    longitude: float = -46.6565,
    name: str = "",
    address: str = "",
    phone: str = DEFAULT_LEAD_PHONE,
    push_name: str = DEFAULT_PUSH_NAME,
    message_id: str | None = None,
    timestamp: datetime | None = None,
    user_id: str = DEFAULT_USER_ID,
    instance_name: str = DEFAULT_INSTANCE,
    rng: random.Random | None = None,
) -> Payload:
    loc: Payload = {"degreesLatitude": latitude, "degreesLongitude": longitude}
    if name:
        loc["name"] = name
    if address:
        loc["address"] = address
    info = _info(
        _lead_source(phone, None),
        message_id=message_id or wire.message_id(rng),
        msg_type="media",
        push_name=push_name,
        timestamp=timestamp,
        media_type="location",
    )
    return _envelope("Message", _message_event(info, {"locationMessage": loc}), user_id, instance_name)


def contact_message(
    *,
    display_name: str = "João Pereira",
    contact_phone: str = "5521987654321",
    vcard: str | None = None,
    phone: str = DEFAULT_LEAD_PHONE,
    push_name: str = DEFAULT_PUSH_NAME,
    message_id: str | None = None,
    timestamp: datetime | None = None,
    user_id: str = DEFAULT_USER_ID,
    instance_name: str = DEFAULT_INSTANCE,
    rng: random.Random | None = None,
) -> Payload:
    card = vcard or (
        "BEGIN:VCARD\nVERSION:3.0\n"
        f"N:;{display_name};;;\nFN:{display_name}\n"
        f"TEL;type=CELL;waid={contact_phone}:+{contact_phone}\nEND:VCARD"
    )
    info = _info(
        _lead_source(phone, None),
        message_id=message_id or wire.message_id(rng),
        msg_type="media",
        push_name=push_name,
        timestamp=timestamp,
        media_type="vcard",
    )
    message = {"contactMessage": {"displayName": display_name, "vcard": card}}
    return _envelope("Message", _message_event(info, message), user_id, instance_name)


def _key(chat: str, target_id: str, from_me: bool) -> Payload:
    return {"remoteJID": chat, "fromMe": from_me, "ID": target_id}


def reaction_message(
    *,
    target_id: str,
    emoji: str = "👍",
    target_from_me: bool = True,
    phone: str = DEFAULT_LEAD_PHONE,
    push_name: str = DEFAULT_PUSH_NAME,
    message_id: str | None = None,
    timestamp: datetime | None = None,
    user_id: str = DEFAULT_USER_ID,
    instance_name: str = DEFAULT_INSTANCE,
    rng: random.Random | None = None,
) -> Payload:
    """A lead reacts to ``target_id`` (ours when ``target_from_me``); ``emoji=""`` removes it."""
    when = timestamp or wire.now_local()
    chat = phone_jid(phone)
    reaction = {
        "key": _key(chat, target_id, target_from_me),
        "text": emoji,
        "groupingKey": emoji,
        "senderTimestampMS": int(when.timestamp() * 1000),
    }
    info = _info(
        _lead_source(phone, None),
        message_id=message_id or wire.message_id(rng),
        msg_type="reaction",
        push_name=push_name,
        timestamp=when,
    )
    return _envelope("Message", _message_event(info, {"reactionMessage": reaction}), user_id, instance_name)


def edit_message(
    *,
    target_id: str,
    new_text: str,
    phone: str = DEFAULT_LEAD_PHONE,
    push_name: str = DEFAULT_PUSH_NAME,
    message_id: str | None = None,
    timestamp: datetime | None = None,
    user_id: str = DEFAULT_USER_ID,
    instance_name: str = DEFAULT_INSTANCE,
    rng: random.Random | None = None,
) -> Payload:
    """The lead edits its message ``target_id`` (protocolMessage type 14, ``IsEdit``)."""
    when = timestamp or wire.now_local()
    chat = phone_jid(phone)
    protocol = {
        "key": _key(chat, target_id, False),
        "type": 14,
        "editedMessage": {"conversation": new_text},
        "timestampMS": int(when.timestamp() * 1000),
    }
    message = {"protocolMessage": protocol}
    raw = {"editedMessage": {"message": copy.deepcopy(message)}}
    info = _info(
        _lead_source(phone, None),
        message_id=message_id or wire.message_id(rng),
        msg_type="text",
        push_name=push_name,
        timestamp=when,
        edit="1",
    )
    return _envelope("Message", _message_event(info, message, raw, is_edit=True), user_id, instance_name)


def revoke_message(
    *,
    target_id: str,
    phone: str = DEFAULT_LEAD_PHONE,
    push_name: str = DEFAULT_PUSH_NAME,
    message_id: str | None = None,
    timestamp: datetime | None = None,
    user_id: str = DEFAULT_USER_ID,
    instance_name: str = DEFAULT_INSTANCE,
    rng: random.Random | None = None,
) -> Payload:
    """The lead deletes its message ``target_id`` for everyone (protocolMessage type 0)."""
    chat = phone_jid(phone)
    message = {"protocolMessage": {"key": _key(chat, target_id, False), "type": 0}}
    info = _info(
        _lead_source(phone, None),
        message_id=message_id or wire.message_id(rng),
        msg_type="text",
        push_name=push_name,
        timestamp=timestamp,
        edit="7",
    )
    return _envelope("Message", _message_event(info, message), user_id, instance_name)


def from_me_message(
    *,
    text: str = "Olá! Sou da equipe, posso ajudar?",
    phone: str = DEFAULT_LEAD_PHONE,
    own_jid: str = DEFAULT_OWN_JID,
    device: int = 12,
    push_name: str = "Whatrack Demo",
    message_id: str | None = None,
    timestamp: datetime | None = None,
    user_id: str = DEFAULT_USER_ID,
    instance_name: str = DEFAULT_INSTANCE,
    rng: random.Random | None = None,
) -> Payload:
    """A message the agent typed on the phone (or another linked device) to ``phone``."""
    chat = phone_jid(phone)
    user, _, server = own_jid.partition("@")
    sender = f"{user}:{device}@{server}" if device else own_jid
    message: Payload = {"conversation": text}
    raw = {"deviceSentMessage": {"destinationJID": chat, "message": {"conversation": text}}}
    info = _info(
        _source(chat=chat, sender=sender, is_from_me=True),
        message_id=message_id or wire.message_id(rng),
        msg_type="text",
        push_name=push_name,
        timestamp=timestamp,
        device_sent_meta={"DestinationJID": chat, "Phash": ""},
    )
    return _envelope("Message", _message_event(info, message, raw), user_id, instance_name)


def group_message(
    *,
    text: str = "Bom dia, grupo!",
    group_jid: str = "120363023605733675@g.us",
    participant_phone: str = DEFAULT_LEAD_PHONE,
    push_name: str = DEFAULT_PUSH_NAME,
    message_id: str | None = None,
    timestamp: datetime | None = None,
    user_id: str = DEFAULT_USER_ID,
    instance_name: str = DEFAULT_INSTANCE,
    rng: random.Random | None = None,
) -> Payload:
    """A message in a group chat (the app must ignore it)."""
    participant = phone_jid(participant_phone)
    source = _source(
        chat=group_jid,
        sender=participant,
        is_group=True,
        addressing_mode="pn",
        sender_alt=f"{wire.lid_for(wire.bare_user(participant))}@lid",
    )
    info = _info(
        source,
        message_id=message_id or wire.message_id(rng),
        msg_type="text",
        push_name=push_name,
        timestamp=timestamp,
    )
    return _envelope("Message", _message_event(info, {"conversation": text}), user_id, instance_name)


def read_receipt(
    *,
    message_ids: list[str],
    state: ReceiptState = "Delivered",
    phone: str = DEFAULT_LEAD_PHONE,
    is_from_me: bool = False,
    timestamp: datetime | None = None,
    user_id: str = DEFAULT_USER_ID,
    instance_name: str = DEFAULT_INSTANCE,
) -> Payload:
    """A ``ReadReceipt`` for our sent ``message_ids`` (state Delivered/Read/ReadSelf)."""
    chat = phone_jid(phone)
    receipt_type = {"Delivered": "", "Read": "read", "ReadSelf": "read-self"}[state]
    event = _source(chat=chat, sender=chat, is_from_me=is_from_me)
    event.update(
        {
            "MessageIDs": list(message_ids),
            "Timestamp": _ts(timestamp),
            "Type": receipt_type,
            "MessageSender": "",
        }
    )
    return _envelope("ReadReceipt", event, user_id, instance_name, state=state)


def chat_presence(
    *,
    state: Literal["composing", "paused"] = "composing",
    media: Literal["", "audio"] = "",
    phone: str = DEFAULT_LEAD_PHONE,
    user_id: str = DEFAULT_USER_ID,
    instance_name: str = DEFAULT_INSTANCE,
) -> Payload:
    """The lead is typing (``composing``) or stopped (``paused``); ``media="audio"`` = recording."""
    chat = phone_jid(phone)
    event = _source(chat=chat, sender=chat)
    event.update({"State": state, "Media": media})
    return _envelope("ChatPresence", event, user_id, instance_name)


def connected(*, user_id: str = DEFAULT_USER_ID, instance_name: str = DEFAULT_INSTANCE) -> Payload:
    return _envelope("Connected", {}, user_id, instance_name)


def disconnected(*, user_id: str = DEFAULT_USER_ID, instance_name: str = DEFAULT_INSTANCE) -> Payload:
    return _envelope("Disconnected", {}, user_id, instance_name)


def logged_out(
    *,
    reason: int = 401,
    on_connect: bool = False,
    user_id: str = DEFAULT_USER_ID,
    instance_name: str = DEFAULT_INSTANCE,
) -> Payload:
    """The phone removed this linked device; the session must be paired again."""
    return _envelope("LoggedOut", {"OnConnect": on_connect, "Reason": reason}, user_id, instance_name)


def qr_data_url(code: str) -> str:
    return "data:image/png;base64," + base64.b64encode(wire.qr_like_png(code)).decode()


def qr(
    code: str = "2@simulated-qr-code",
    *,
    user_id: str = DEFAULT_USER_ID,
    instance_name: str = DEFAULT_INSTANCE,
) -> Payload:
    """A ``QR`` event: ``event`` is the string ``"code"``; the PNG is in ``qrCodeBase64``."""
    return _envelope("QR", "code", user_id, instance_name, qrCodeBase64=qr_data_url(code))


def pair_success(
    *,
    jid: str = DEFAULT_OWN_JID,
    user_id: str = DEFAULT_USER_ID,
    instance_name: str = DEFAULT_INSTANCE,
) -> Payload:
    user = wire.bare_user(jid)
    event = {
        "ID": f"{user}:12@s.whatsapp.net",
        "LID": f"{wire.lid_for(user)}:12@lid",
        "BusinessName": "",
        "Platform": "android",
    }
    return _envelope("PairSuccess", event, user_id, instance_name)


def readdress(payload: Payload, *, lid: bool = False, ninth_digit: bool = False) -> Payload:
    """Rewrite a lead's addresses the way WhatsApp does for some contacts.

    ``ninth_digit``: Brazilian mobile JIDs lose the 9th digit. ``lid``: ``Chat``/``Sender``
    become the contact's ``@lid`` and ``SenderAlt`` carries the phone JID
    (``AddressingMode`` ``"lid"``). Group chats and our own messages are left alone.
    """
    result = copy.deepcopy(payload)
    event = result.get("event")
    if not isinstance(event, dict):
        return result
    source = event.get("Info") if result.get("type") == "Message" else event
    if not isinstance(source, dict) or "Chat" not in source:
        return result
    if source.get("IsGroup") or source.get("IsFromMe"):
        return result
    chat = str(source["Chat"])
    if not chat.endswith("@s.whatsapp.net"):
        return result
    digits = wire.bare_user(chat)
    pn = (wire.without_ninth_digit(digits) if ninth_digit else digits) + "@s.whatsapp.net"
    if lid:
        lid_jid = f"{wire.lid_for(digits)}@lid"
        source.update({"Chat": lid_jid, "Sender": lid_jid, "SenderAlt": pn, "AddressingMode": "lid"})
    else:
        source.update({"Chat": pn, "Sender": pn})
    return result

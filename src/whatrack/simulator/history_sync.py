"""WhatsApp history after pairing, as WuzAPI posts it: `HistorySync` webhooks.

WuzAPI (wmiau.go) posts whatsmeow's `*events.HistorySync` as the `event`, so the body is
`{"type": "HistorySync", "event": {"Data": <waHistorySync.HistorySync>, "Notification": ...}}`
with the protobuf's JSON field names: `syncType` (0 INITIAL_BOOTSTRAP, 2 FULL, 3 RECENT),
`conversations[]` of `{ID, pnJID|lidJID, unreadCount, messages[]}`, each message
`{"message": WebMessageInfo, "msgOrderID"}` and WebMessageInfo =
`{key{remoteJID, fromMe, ID}, message{conversation|...}, messageTimestamp (Unix s), status, pushName}`;
`chunkOrder`, `progress`.

The simulated phone's past is `SimUser.phone_history` (PastMessage). After pairing the phone
sends what WhatsApp would: an INITIAL_BOOTSTRAP chunk with the last BOOTSTRAP_DAYS days (sent
even when days_to_sync_history is 0, as WhatsApp does), then, when the user asked for
`days_to_sync_history` days, FULL chunks with the older messages of that window, CHUNK_CHATS
conversations per chunk, newest message first in each conversation.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from whatrack.simulator import payloads

BOOTSTRAP_DAYS = 3
CHUNK_CHATS = 2
INITIAL_BOOTSTRAP, FULL = 0, 2
STATUS_DELIVERED, STATUS_READ = 3, 4


@dataclass(frozen=True)
class PastMessage:
    """One message the simulated phone already has (a 1:1 chat unless `chat` is a group JID)."""

    phone: str
    text: str
    at: datetime
    from_me: bool = False
    push_name: str = ""
    id: str = field(default_factory=lambda: "3EB0" + secrets.token_hex(8).upper())
    chat: str | None = None  # a full JID (e.g. "1203...@g.us"); default: the phone's JID
    lid: str | None = None  # the chat's hidden id: the conversation is then keyed by it (pnJID given)


def _web_message_info(m: PastMessage, chat: str) -> dict[str, Any]:
    info: dict[str, Any] = {
        "key": {"remoteJID": chat, "fromMe": m.from_me, "ID": m.id},
        "message": {"conversation": m.text},
        "messageTimestamp": int(m.at.timestamp()),
    }
    if m.from_me:
        info["status"] = STATUS_READ
    elif m.push_name:
        info["pushName"] = m.push_name
    return info


def _conversations(past: list[PastMessage]) -> list[dict[str, Any]]:
    chats: dict[str, dict[str, Any]] = {}
    for m in sorted(past, key=lambda m: m.at, reverse=True):  # newest first, as WhatsApp sends
        phone_jid = payloads.phone_jid(m.phone)
        chat = m.chat or m.lid or phone_jid
        conv = chats.setdefault(chat, {"ID": chat, "messages": [], "unreadCount": 0})
        if m.lid and not m.chat:
            conv["pnJID"] = phone_jid
        conv["messages"].append({"message": _web_message_info(m, chat), "msgOrderID": len(conv["messages"]) + 1})
    return list(chats.values())


def chunk(sync_type: int, conversations: list[dict[str, Any]], order: int, progress: int) -> dict[str, Any]:
    """One `HistorySync` webhook payload (userID/instanceName are stamped by the emitter)."""
    data = {"syncType": sync_type, "conversations": conversations, "chunkOrder": order, "progress": progress}
    notification = {"syncType": sync_type, "chunkOrder": order, "progress": progress}
    return {"type": "HistorySync", "event": {"Data": data, "Notification": notification}}


def chunks(past: list[PastMessage], days: int, now: datetime | None = None) -> list[dict[str, Any]]:
    """The HistorySync payloads a pairing produces for this phone past and days_to_sync_history."""
    now = now or datetime.now(UTC)
    recent_from = now - timedelta(days=BOOTSTRAP_DAYS)
    window_from = now - timedelta(days=days) if days > 0 else recent_from
    recent = [m for m in past if m.at >= recent_from]
    older = [m for m in past if window_from <= m.at < recent_from]
    groups = [(INITIAL_BOOTSTRAP, _conversations(recent))]
    full = _conversations(older)
    groups += [(FULL, full[i : i + CHUNK_CHATS]) for i in range(0, len(full), CHUNK_CHATS)]
    total = len(groups)
    return [chunk(kind, convs, n + 1, 100 * (n + 1) // total) for n, (kind, convs) in enumerate(groups)]


def demo_past(now: datetime) -> list[PastMessage]:
    """What the demo number already had when it was "paired": a few chats of the last weeks
    (fixed ids: a restart re-sends nothing new)."""
    day, minute = timedelta(days=1), timedelta(minutes=1)
    rows = [
        ("5511987651001", "Oi! Vocês entregam em Campinas?", now - 12 * day, False, "Patrícia"),
        ("5511987651001", "Entregamos sim, frete grátis acima de R$ 200.", now - 12 * day + 4 * minute, True, ""),
        ("5511987651001", "Perfeito, obrigada!", now - 12 * day + 9 * minute, False, "Patrícia"),
        ("5511987651001", "Voltei: ainda tem o kit em promoção?", now - 4 * day, False, "Patrícia"),
        ("5521998762002", "Qual o horário de atendimento?", now - 7 * day, False, "Ricardo"),
        ("5521998762002", "De segunda a sábado, das 8h às 18h.", now - 7 * day + 2 * minute, True, ""),
        ("5531976543003", "Recebi o pedido, tudo certo 👍", now - 2 * day, False, "Fernanda"),
    ]
    return [
        PastMessage(phone, text, at, from_me=me, push_name=name, id=f"3EB0DEMOHIST{n:04d}")
        for n, (phone, text, at, me, name) in enumerate(rows, 1)
    ]

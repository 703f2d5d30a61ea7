"""WuzAPI's message history (instance `history` > 0): every message of a chat is kept in its
`message_history` table, trimmed to the newest `history` per chat, and served by
`GET /chat/history` (handlers.go GetHistory, 2026 builds):

- `chat_jid` required (400 "chat_jid is required"); `limit` default 50 (400 "invalid limit");
- history 0 → 501 "message history is disabled for this user";
- rows newest first: `{"id","user_id","chat_jid","sender_jid","message_id","timestamp",
  "message_type","text_content","media_link","quoted_message_id" (omitted when ""),
  "data_json"}`; `timestamp` is when WuzAPI stored it (Go's RFC 3339 with nanoseconds and
  the server's offset); `data_json` is the whatsmeow event as JSON (the webhook's `event`),
  "" for messages sent through the API, whose `sender_jid` is "me";
- `chat_jid=index` → `{user_id: [{"chat_jid","last_updated"}]}`, most recent chat first, for
  EVERY user of the server (WuzAPI does not filter by the caller).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from whatrack.simulator import wire
from whatrack.simulator.state import SentMessage, SimulatorState, SimUser


def _go_time(moment: datetime) -> str:
    """Go's time.Time JSON (RFC 3339 with up to nanoseconds, trailing zeros dropped)."""
    text = moment.isoformat(timespec="microseconds")
    head, _, rest = text.partition(".")
    frac, offset = rest[:6].rstrip("0"), rest[6:]
    return f"{head}.{frac}{offset}" if frac else f"{head}{offset}"


def _kind(message: dict[str, Any]) -> tuple[str, str, str]:
    """(message_type, text_content, quoted id) as wmiau.go derives them."""
    if "reactionMessage" in message:
        r = message["reactionMessage"]
        return "reaction", str(r.get("text", "")), str((r.get("key") or {}).get("ID", ""))
    proto = message.get("protocolMessage")
    if proto is not None and int(proto.get("type", 0)) == 0:
        return "delete", str((proto.get("key") or {}).get("ID", "")), ""
    kind, caption = "text", ""
    for key, name in (
        ("imageMessage", "image"),
        ("videoMessage", "video"),
        ("audioMessage", "audio"),
        ("documentMessage", "document"),
        ("stickerMessage", "sticker"),
        ("contactMessage", "contact"),
        ("locationMessage", "location"),
    ):
        if key in message:
            kind, caption = name, str(message[key].get("caption", "") or message[key].get("displayName", ""))
            break
    quoted = ""
    text = str(message.get("conversation", ""))
    ext = message.get("extendedTextMessage")
    if not text and ext:
        text = str(ext.get("text", ""))
        quoted = str((ext.get("contextInfo") or {}).get("stanzaID", ""))
    text = text or caption or (f":{kind}:" if kind != "text" else "")
    return kind, text, quoted


def _store(state: SimulatorState, user: SimUser, row: dict[str, Any]) -> None:
    state.history_seq += 1
    row = {"id": state.history_seq, "user_id": user.id, **row, "timestamp": _go_time(wire.now_local())}
    state.history_rows.append(row)
    same = [r for r in state.history_rows if r["user_id"] == user.id and r["chat_jid"] == row["chat_jid"]]
    for old in same[: max(len(same) - user.history, 0)]:
        state.history_rows.remove(old)


def remember_message(state: SimulatorState, user: SimUser, payload: dict[str, Any]) -> None:
    """A Message event the (simulated) phone got: kept when the user keeps history, whether or
    not its webhook reaches anyone."""
    if user.history <= 0 or payload.get("type") != "Message":
        return
    event = payload.get("event") or {}
    info, message = event.get("Info") or {}, event.get("Message") or {}
    kind, text, quoted = _kind(message)
    if not text and kind in ("text", "reaction"):
        return  # wmiau.go skips empty texts and removed reactions
    _store(
        state,
        user,
        {
            "chat_jid": str(info.get("Chat", "")),
            "sender_jid": str(info.get("Sender", "")),
            "message_id": str(info.get("ID", "")),
            "message_type": kind,
            "text_content": text,
            "media_link": "",
            "quoted_message_id": quoted,
            "data_json": wire.go_json(event, sort_keys=False),
        },
    )


def remember_sent(state: SimulatorState, user: SimUser, sent: SentMessage) -> None:
    """A message sent through /chat/send/*: sender "me", no data_json."""
    if user.history <= 0:
        return
    _store(
        state,
        user,
        {
            "chat_jid": sent.chat,
            "sender_jid": "me",
            "message_id": sent.id,
            "message_type": sent.kind,
            "text_content": sent.text,
            "media_link": "",
            "quoted_message_id": "",
            "data_json": "",
        },
    )


def rows(state: SimulatorState, user: SimUser, chat_jid: str, limit: int) -> list[dict[str, Any]]:
    """GET /chat/history's `data` for one chat: newest first, `quoted_message_id` omitted when empty."""
    found = [r for r in state.history_rows if r["user_id"] == user.id and r["chat_jid"] == chat_jid]
    found.sort(key=lambda r: int(r["id"]), reverse=True)
    out = []
    for r in found[: max(limit, 0)]:
        item = dict(r)
        if not item["quoted_message_id"]:
            del item["quoted_message_id"]
        out.append(item)
    return out


def index(state: SimulatorState) -> dict[str, list[dict[str, str]]]:
    """GET /chat/history?chat_jid=index: every user's chats, most recent first."""
    latest: dict[tuple[str, str], dict[str, Any]] = {}
    for r in state.history_rows:  # in insertion (= time) order: the last one wins
        latest[(r["user_id"], r["chat_jid"])] = r
    out: dict[str, list[dict[str, str]]] = {}
    for (user_id, chat), r in sorted(latest.items(), key=lambda kv: int(kv[1]["id"]), reverse=True):
        out.setdefault(user_id, []).append({"chat_jid": chat, "last_updated": r["timestamp"]})
    return out


def parse_limit(text: str | None) -> int | None:
    if not text:
        return 50
    try:
        return int(text)
    except ValueError:
        return None

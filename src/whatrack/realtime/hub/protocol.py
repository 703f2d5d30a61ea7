"""Centrifugo client protocol v2 (JSON): codes, errors and frame encoding.

Codes and messages are the ones Centrifugo v6 / centrifuge use, so the official SDKs react to
the embedded hub exactly as they react to the real server (retry, refetch a token, give up).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Final

# Server version reported in connect replies. The SDKs only display it.
SERVER_VERSION: Final = "whatrack-hub"


@dataclass(frozen=True, slots=True)
class ClientError:
    """An error reply (`{"id":N,"error":{...}}`); the connection stays open."""

    code: int
    message: str
    temporary: bool = False

    def to_reply(self) -> dict[str, Any]:
        err: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.temporary:
            err["temporary"] = True
        return err


@dataclass(frozen=True, slots=True)
class Disconnect:
    """Close the WebSocket with this code and reason (Centrifugo never uses the disconnect push on WS)."""

    code: int
    reason: str

    @property
    def reconnect(self) -> bool:
        return not (3500 <= self.code < 4000 or 4500 <= self.code < 5000)


class ReplyError(Exception):
    """Raised by a command handler: answer the command with `error`."""

    def __init__(self, error: ClientError) -> None:
        super().__init__(error.message)
        self.error = error


class CloseConnection(Exception):
    """Raised by a command handler: close the connection with `disconnect`."""

    def __init__(self, disconnect: Disconnect) -> None:
        super().__init__(disconnect.reason)
        self.disconnect = disconnect


# Error replies (centrifuge errors.go).
ERROR_INTERNAL: Final = ClientError(100, "internal server error", temporary=True)
ERROR_UNAUTHORIZED: Final = ClientError(101, "unauthorized")
ERROR_UNKNOWN_CHANNEL: Final = ClientError(102, "unknown channel")
ERROR_PERMISSION_DENIED: Final = ClientError(103, "permission denied")
ERROR_METHOD_NOT_FOUND: Final = ClientError(104, "method not found")
ERROR_ALREADY_SUBSCRIBED: Final = ClientError(105, "already subscribed")
ERROR_LIMIT_EXCEEDED: Final = ClientError(106, "limit exceeded")
ERROR_BAD_REQUEST: Final = ClientError(107, "bad request")
ERROR_NOT_AVAILABLE: Final = ClientError(108, "not available")
ERROR_TOKEN_EXPIRED: Final = ClientError(109, "token expired")
ERROR_EXPIRED: Final = ClientError(110, "expired")
ERROR_UNRECOVERABLE_POSITION: Final = ClientError(112, "unrecoverable position")

# Disconnects (centrifuge disconnect.go). < 3500: the SDK reconnects; 3500-3999: terminal.
DISCONNECT_CONNECTION_CLOSED: Final = Disconnect(3000, "connection closed")
DISCONNECT_SHUTDOWN: Final = Disconnect(3001, "shutdown")
DISCONNECT_SERVER_ERROR: Final = Disconnect(3004, "internal server error")
DISCONNECT_EXPIRED: Final = Disconnect(3005, "connection expired")
DISCONNECT_SUB_EXPIRED: Final = Disconnect(3006, "subscription expired")
DISCONNECT_SLOW: Final = Disconnect(3008, "slow")
DISCONNECT_WRITE_ERROR: Final = Disconnect(3009, "write error")
DISCONNECT_INSUFFICIENT_STATE: Final = Disconnect(3010, "insufficient state")
DISCONNECT_FORCE_RECONNECT: Final = Disconnect(3011, "force reconnect")
DISCONNECT_NO_PONG: Final = Disconnect(3012, "no pong")
DISCONNECT_INVALID_TOKEN: Final = Disconnect(3500, "invalid token")
DISCONNECT_BAD_REQUEST: Final = Disconnect(3501, "bad request")
DISCONNECT_STALE: Final = Disconnect(3502, "stale")
DISCONNECT_FORCE_NO_RECONNECT: Final = Disconnect(3503, "force disconnect")
DISCONNECT_CHANNEL_LIMIT: Final = Disconnect(3505, "channel limit")
DISCONNECT_PERMISSION_DENIED: Final = Disconnect(3507, "permission denied")

# Unsubscribe push codes (centrifuge unsubscribe.go). >= 2500: the SDK resubscribes.
UNSUBSCRIBE_SERVER: Final = (2000, "server unsubscribe")
UNSUBSCRIBE_EXPIRED: Final = (2501, "subscription expired")

# WebSocket close code for a frame over the size limit (centrifuge-js stops, python retries).
CLOSE_MESSAGE_TOO_BIG: Final = 1009

# A protocol v2 server ping is an empty reply; the pong is an empty command.
PING_FRAME: Final = "{}"

COMMAND_METHODS: Final = (
    "connect",
    "subscribe",
    "unsubscribe",
    "publish",
    "presence",
    "presence_stats",
    "history",
    "ping",
    "send",
    "rpc",
    "refresh",
    "sub_refresh",
)


def dumps(obj: Any) -> str:
    """Compact JSON; never contains a raw newline (the frame separator)."""
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


def decode_frame(text: str) -> list[dict[str, Any]]:
    """Split a text frame into commands. Anything undecodable is a bad request (3501)."""
    commands: list[dict[str, Any]] = []
    for line in text.split("\n"):
        if not line.strip():
            continue
        try:
            cmd = json.loads(line)
        except ValueError:
            raise CloseConnection(DISCONNECT_BAD_REQUEST) from None
        if not isinstance(cmd, dict):
            raise CloseConnection(DISCONNECT_BAD_REQUEST)
        commands.append(cmd)
    if not commands:
        raise CloseConnection(DISCONNECT_BAD_REQUEST)
    return commands


def reply(cmd_id: int, method: str, result: dict[str, Any]) -> str:
    return dumps({"id": cmd_id, method: result})


def error_reply(cmd_id: int, error: ClientError) -> str:
    return dumps({"id": cmd_id, "error": error.to_reply()})


def pub_push(channel_json: str, data_json: str, offset: int, epoch: str = "") -> str:
    """`{"push":{"channel":…,"pub":{"data":…,"offset":N}}}` built from pre-encoded parts.

    The channel and data are encoded once per publication and shared by every subscriber.
    Like centrifuge, the first publication of a stream (offset 1) also carries the epoch.
    """
    if offset == 1 and epoch:
        return f'{{"push":{{"channel":{channel_json},"pub":{{"data":{data_json},"offset":1,"epoch":{dumps(epoch)}}}}}}}'
    if offset:
        return f'{{"push":{{"channel":{channel_json},"pub":{{"data":{data_json},"offset":{offset}}}}}}}'
    return f'{{"push":{{"channel":{channel_json},"pub":{{"data":{data_json}}}}}}}'


def unsubscribe_push(channel: str, code: int, reason: str) -> str:
    return dumps({"push": {"channel": channel, "unsubscribe": {"code": code, "reason": reason}}})

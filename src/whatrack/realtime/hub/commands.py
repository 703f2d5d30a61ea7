"""Command handlers: what Centrifugo v6 (centrifuge client.go + centrifugo handler.go) answers.

Each handler returns the result object for the reply, raises ReplyError for an error reply
or CloseConnection to close the socket. None of them awaits anything.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from whatrack.realtime.hub.auth import (
    verify_connection_token,
    verify_refresh_token,
    verify_subscription_token,
)
from whatrack.realtime.hub.config import NamespaceOptions
from whatrack.realtime.hub.protocol import (
    COMMAND_METHODS,
    DISCONNECT_BAD_REQUEST,
    DISCONNECT_EXPIRED,
    ERROR_ALREADY_SUBSCRIBED,
    ERROR_BAD_REQUEST,
    ERROR_EXPIRED,
    ERROR_LIMIT_EXCEEDED,
    ERROR_METHOD_NOT_FOUND,
    ERROR_NOT_AVAILABLE,
    ERROR_PERMISSION_DENIED,
    ERROR_UNKNOWN_CHANNEL,
    ERROR_UNRECOVERABLE_POSITION,
    SERVER_VERSION,
    CloseConnection,
    ReplyError,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from whatrack.realtime.hub.channels import Stream
    from whatrack.realtime.hub.client import ClientConnection

    Handler = Callable[[ClientConnection, dict[str, Any]], dict[str, Any] | None]

# Subscribe flag: answer 112 instead of recovered=false (SDKs set it with a getState callback).
FLAG_REJECT_UNRECOVERED = 2
MAX_TTL_SECONDS = 365 * 24 * 3600


def method_of(cmd: dict[str, Any]) -> str | None:
    for method in COMMAND_METHODS:
        if method in cmd:
            return method
    return None


def dispatch(conn: ClientConnection, method: str, params: dict[str, Any]) -> dict[str, Any] | None:
    return _HANDLERS[method](conn, params)


def _str(params: dict[str, Any], key: str) -> str:
    value = params.get(key, "")
    if value is None:
        return ""
    if not isinstance(value, str):
        raise CloseConnection(DISCONNECT_BAD_REQUEST)
    return value


def _uint(params: dict[str, Any], key: str) -> int:
    value = params.get(key, 0)
    try:
        number = int(value or 0)  # protobuf JSON may send 64-bit ints as strings
    except (TypeError, ValueError):
        raise CloseConnection(DISCONNECT_BAD_REQUEST) from None
    return number


def _channel_param(params: dict[str, Any]) -> str:
    channel = _str(params, "channel")
    if not channel:
        raise CloseConnection(DISCONNECT_BAD_REQUEST)
    return channel


def _namespace(conn: ClientConnection, channel: str) -> NamespaceOptions:
    options = conn.config.namespace_of(channel)
    if options is None:
        raise ReplyError(ERROR_UNKNOWN_CHANNEL)
    if not channel.isascii():
        raise ReplyError(ERROR_BAD_REQUEST)
    return options


def connect(conn: ClientConnection, params: dict[str, Any]) -> dict[str, Any]:
    if conn.authenticated:
        raise CloseConnection(DISCONNECT_BAD_REQUEST)
    token = _str(params, "token")
    if not token:  # no anonymous/insecure mode, no connect proxy: credentials not found
        raise CloseConnection(DISCONNECT_BAD_REQUEST)
    claims = verify_connection_token(token, conn.config.token_secret)
    now = int(time.time())
    result: dict[str, Any] = {"client": conn.id, "version": SERVER_VERSION}
    if claims.expire_at:
        expire_at = min(claims.expire_at, now + MAX_TTL_SECONDS)
        if expire_at < now:
            raise ReplyError(ERROR_EXPIRED)
        result["expires"] = True
        result["ttl"] = expire_at - now
        conn.expire_at = expire_at
    if conn.config.ping_interval > 0:
        result["ping"] = int(conn.config.ping_interval)
        if conn.config.pong_timeout > 0:
            result["pong"] = True
    conn.user = claims.user
    conn.conn_info = claims.info
    conn.authenticated = True
    conn.hub.register(conn)
    conn.on_connected()
    return result


def refresh(conn: ClientConnection, params: dict[str, Any]) -> dict[str, Any]:
    token = _str(params, "token")
    if not token:
        raise CloseConnection(DISCONNECT_BAD_REQUEST)
    claims = verify_refresh_token(token, conn.config.token_secret, conn.user)
    if claims is None:
        raise CloseConnection(DISCONNECT_EXPIRED)
    now = int(time.time())
    expire_at = min(claims.expire_at, now + MAX_TTL_SECONDS)
    result: dict[str, Any] = {}
    if expire_at > 0:
        ttl = expire_at - now
        if ttl <= 0:
            raise ReplyError(ERROR_EXPIRED)
        result = {"expires": True, "ttl": ttl}
        conn.expire_at = expire_at
        if claims.info is not None:
            conn.conn_info = claims.info
        conn.schedule_expiry()
    return result


def subscribe(conn: ClientConnection, params: dict[str, Any]) -> dict[str, Any]:
    config = conn.config
    channel = _channel_param(params)
    _validate_subscribe(conn, channel)
    # centrifugo OnSubscribe: namespace, then token, then namespace permissions
    options = _namespace(conn, channel)
    token = _str(params, "token")
    expire_at = 0
    info: Any = None
    if token:
        claims = verify_subscription_token(
            token, config.token_secret, channel=channel, user=conn.user, client_id=conn.id
        )
        expire_at = claims.expire_at
        info = claims.info
    elif channel.startswith("$") or not (options.allow_subscribe_for_client and conn.user):
        raise ReplyError(ERROR_PERMISSION_DENIED)

    # centrifuge subscribeCmd
    now = time.time()
    result: dict[str, Any] = {}
    if expire_at:
        ttl = expire_at - int(now)
        if ttl <= 0:
            raise ReplyError(ERROR_EXPIRED)
        result["expires"] = True
        result["ttl"] = ttl
    state = conn.hub.channel(channel, options)
    stream = state.get_stream(config.history_meta_ttl, now) if options.force_recovery else None
    if stream is not None:
        result["recoverable"] = True
        result["positioned"] = True
        if bool(params.get("recover", False)):
            _recover(result, stream, params, config.recovery_max_publication_limit, now)
        else:
            stream.touch(now)
            _set_position(result, stream.top, stream.epoch)
    conn.hub.add_subscriber(conn, state, expire_at, info)
    return result


def _validate_subscribe(conn: ClientConnection, channel: str) -> None:
    """centrifuge validateSubscribeRequest."""
    if len(channel) > conn.config.channel_max_length:
        raise ReplyError(ERROR_BAD_REQUEST)
    if channel in conn.subs:
        raise ReplyError(ERROR_ALREADY_SUBSCRIBED)
    if len(conn.subs) >= conn.config.channel_limit:
        raise ReplyError(ERROR_LIMIT_EXCEEDED)


def _recover(result: dict[str, Any], stream: Stream, params: dict[str, Any], limit: int, now: float) -> None:
    """Subscribe with `recover`: the missed publications, or the top position when they are gone."""
    offset = _uint(params, "offset")
    epoch = _str(params, "epoch")
    missed = stream.recover(offset, epoch, limit, now)
    if missed is None:
        if _uint(params, "flag") & FLAG_REJECT_UNRECOVERED:
            raise ReplyError(ERROR_UNRECOVERABLE_POSITION)
        _set_position(result, stream.top, stream.epoch)
    else:
        result["recovered"] = True
        if missed:
            result["publications"] = [pub.to_reply() for pub in missed]
        _set_position(result, offset, stream.epoch)
    result["was_recovering"] = True


def _set_position(result: dict[str, Any], offset: int, epoch: str) -> None:
    if epoch:
        result["epoch"] = epoch
    if offset:
        result["offset"] = offset


def sub_refresh(conn: ClientConnection, params: dict[str, Any]) -> dict[str, Any]:
    channel = _channel_param(params)
    sub = conn.subs.get(channel)
    if sub is None:
        raise ReplyError(ERROR_PERMISSION_DENIED)
    token = _str(params, "token")
    if not token:
        raise ReplyError(ERROR_BAD_REQUEST)
    claims = verify_subscription_token(
        token, conn.config.token_secret, channel=channel, user=conn.user, client_id=conn.id
    )
    now = int(time.time())
    result: dict[str, Any] = {}
    expire_at = min(claims.expire_at, now + MAX_TTL_SECONDS)
    if expire_at > 0:
        if expire_at < now:
            raise ReplyError(ERROR_EXPIRED)
        result = {"expires": True, "ttl": expire_at - now}
    sub.expire_at = expire_at
    sub.info = claims.info
    conn.schedule_sub_expiry(channel)
    return result


def unsubscribe(conn: ClientConnection, params: dict[str, Any]) -> dict[str, Any]:
    channel = _channel_param(params)
    conn.hub.remove_subscriber(conn, channel)
    return {}


def _check_access(conn: ClientConnection, channel: str, for_client: bool, for_subscriber: bool) -> None:
    if not conn.user:
        raise ReplyError(ERROR_PERMISSION_DENIED)
    if for_client or (for_subscriber and channel in conn.subs):
        return
    raise ReplyError(ERROR_PERMISSION_DENIED)


def presence(conn: ClientConnection, params: dict[str, Any]) -> dict[str, Any]:
    channel = _channel_param(params)
    options = _namespace(conn, channel)
    if not options.presence:
        raise ReplyError(ERROR_NOT_AVAILABLE)
    _check_access(conn, channel, options.allow_presence_for_client, options.allow_presence_for_subscriber)
    state = conn.hub.existing_channel(channel)
    return {"presence": state.presence() if state is not None else {}}


def presence_stats(conn: ClientConnection, params: dict[str, Any]) -> dict[str, Any]:
    channel = _channel_param(params)
    options = _namespace(conn, channel)
    if not options.presence:
        raise ReplyError(ERROR_NOT_AVAILABLE)
    _check_access(conn, channel, options.allow_presence_for_client, options.allow_presence_for_subscriber)
    state = conn.hub.existing_channel(channel)
    return state.presence_stats() if state is not None else {"num_clients": 0, "num_users": 0}


def history(conn: ClientConnection, params: dict[str, Any]) -> dict[str, Any]:
    config = conn.config
    channel = _channel_param(params)
    options = _namespace(conn, channel)
    if not options.history_enabled:
        raise ReplyError(ERROR_NOT_AVAILABLE)
    _check_access(conn, channel, options.allow_history_for_client, options.allow_history_for_subscriber)
    limit = _uint(params, "limit")
    max_limit = config.history_max_publication_limit
    if max_limit > 0 and (limit < 0 or limit > max_limit):
        limit = max_limit
    since_raw = params.get("since")
    since: tuple[int, str] | None = None
    if isinstance(since_raw, dict):
        since = (_uint(since_raw, "offset"), _str(since_raw, "epoch"))
    now = time.time()
    stream = conn.hub.channel(channel, options).get_stream(config.history_meta_ttl, now)
    assert stream is not None  # history_enabled
    found = stream.get(since=since, limit=limit, reverse=bool(params.get("reverse", False)), now=now)
    return {
        "publications": [pub.to_reply() for pub in found.publications],
        "epoch": found.epoch,
        "offset": found.offset,
    }


def publish(conn: ClientConnection, params: dict[str, Any]) -> dict[str, Any]:
    # Client-side publishing is off in every namespace we configure (publish via the server).
    _namespace(conn, _channel_param(params))
    raise ReplyError(ERROR_PERMISSION_DENIED)


def rpc(conn: ClientConnection, params: dict[str, Any]) -> dict[str, Any]:
    raise ReplyError(ERROR_METHOD_NOT_FOUND)


def ping(conn: ClientConnection, params: dict[str, Any]) -> dict[str, Any]:
    return {}


def send(conn: ClientConnection, params: dict[str, Any]) -> None:
    return None


_HANDLERS: dict[str, Handler] = {
    "connect": connect,
    "subscribe": subscribe,
    "unsubscribe": unsubscribe,
    "publish": publish,
    "presence": presence,
    "presence_stats": presence_stats,
    "history": history,
    "ping": ping,
    "send": send,
    "rpc": rpc,
    "refresh": refresh,
    "sub_refresh": sub_refresh,
}

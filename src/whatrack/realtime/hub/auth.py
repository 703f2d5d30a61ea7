"""JWT checks mirroring Centrifugo v6 (internal/jwtverify + internal/client/handler.go).

Signature first (HS256/384/512 with the shared secret), then claims; `exp`/`nbf` without
leeway; `aud`/`iss` are not configured, so not checked. The outcome decides the protocol
reaction, which the SDKs depend on:

connection token: invalid -> close 3500, expired -> error 109.
subscription token: bad signature/claims -> error 103, expired -> 109,
                    channel or user mismatch -> close 3500.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import jwt

from whatrack.realtime.hub.protocol import (
    DISCONNECT_INVALID_TOKEN,
    ERROR_PERMISSION_DENIED,
    ERROR_TOKEN_EXPIRED,
    CloseConnection,
    ReplyError,
)

_ALGORITHMS = ["HS256", "HS384", "HS512"]
_DECODE_OPTIONS: Any = {
    "verify_signature": True,
    "verify_exp": False,  # checked below, after the claim shape, like Centrifugo
    "verify_nbf": False,
    "verify_iat": False,
    "verify_aud": False,
    "verify_iss": False,
    "verify_sub": False,
    "verify_jti": False,
    "require": [],
}


class InvalidToken(Exception):
    pass


class TokenExpired(Exception):
    pass


@dataclass(frozen=True, slots=True)
class ConnectionClaims:
    user: str
    expire_at: int  # 0 = the connection never expires
    info: Any = None


@dataclass(frozen=True, slots=True)
class SubscriptionClaims:
    user: str
    channel: str
    client: str
    expire_at: int
    info: Any = None


def _int_claim(claims: dict[str, Any], name: str) -> int | None:
    value = claims.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidToken(f"{name} must be a number")
    return int(value)


def _decode(token: str, secret: str) -> tuple[dict[str, Any], int]:
    try:
        claims = jwt.decode(token, secret, algorithms=_ALGORITHMS, options=_DECODE_OPTIONS)
    except jwt.PyJWTError as exc:
        raise InvalidToken(str(exc)) from exc
    if not isinstance(claims, dict):
        raise InvalidToken("claims must be an object")
    sub = claims.get("sub", "")
    if not isinstance(sub, str):  # Centrifugo: a numeric sub fails decoding
        raise InvalidToken("sub must be a string")
    exp = _int_claim(claims, "exp")
    nbf = _int_claim(claims, "nbf")
    now = time.time()
    if (exp is not None and exp <= now) or (nbf is not None and nbf > now):
        raise TokenExpired
    expire_at = _int_claim(claims, "expire_at")
    if expire_at is not None and expire_at > 0:
        return claims, expire_at
    return claims, exp or 0


def verify_connection_token(token: str, secret: str) -> ConnectionClaims:
    """Raises CloseConnection(3500) if invalid, ReplyError(109) if expired."""
    try:
        claims, expire_at = _decode(token, secret)
        if claims.get("channel"):
            raise InvalidToken("connection token can not contain channel claim")
    except InvalidToken:
        raise CloseConnection(DISCONNECT_INVALID_TOKEN) from None
    except TokenExpired:
        raise ReplyError(ERROR_TOKEN_EXPIRED) from None
    return ConnectionClaims(user=claims.get("sub", ""), expire_at=expire_at, info=claims.get("info"))


def verify_refresh_token(token: str, secret: str, user: str) -> ConnectionClaims | None:
    """Refresh: None if expired (the caller closes with 3005); 3500 if invalid or another user."""
    try:
        claims = verify_connection_token(token, secret)
    except ReplyError:
        return None
    if claims.user != user:
        raise CloseConnection(DISCONNECT_INVALID_TOKEN)
    return claims


def verify_subscription_token(
    token: str, secret: str, *, channel: str, user: str, client_id: str
) -> SubscriptionClaims:
    """Raises ReplyError(103/109) or CloseConnection(3500) exactly as Centrifugo does."""
    try:
        claims, expire_at = _decode(token, secret)
        token_channel = claims.get("channel", "")
        if not isinstance(token_channel, str) or not token_channel:
            raise InvalidToken("channel claim is required")
        token_client = claims.get("client", "")
        if not isinstance(token_client, str):
            raise InvalidToken("client must be a string")
    except InvalidToken:
        raise ReplyError(ERROR_PERMISSION_DENIED) from None
    except TokenExpired:
        raise ReplyError(ERROR_TOKEN_EXPIRED) from None
    if token_channel != channel or claims.get("sub", "") != user:
        raise CloseConnection(DISCONNECT_INVALID_TOKEN)
    if token_client and token_client != client_id:
        raise CloseConnection(DISCONNECT_INVALID_TOKEN)
    return SubscriptionClaims(
        user=user, channel=channel, client=token_client, expire_at=expire_at, info=claims.get("info")
    )

"""JWTs for Centrifugo and the embedded hub (same secret, same claims, HS256).

A connection token proves who the user is; a subscription token grants one user one exact
channel. The backend mints a subscription token only after checking that the channel belongs
to the user's organization, which is what keeps org A out of org B's channels.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt

ALGORITHM = "HS256"


def _expiry(ttl_seconds: int, now: datetime | None) -> int:
    base = now if now is not None else datetime.now(UTC)
    if base.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return int((base + timedelta(seconds=ttl_seconds)).timestamp())


def connection_token(user_id: str, secret: str, ttl_seconds: int = 86400, *, now: datetime | None = None) -> str:
    """Connection JWT: `sub` is the user id (a string, as Centrifugo requires), `exp` its expiry."""
    return jwt.encode({"sub": str(user_id), "exp": _expiry(ttl_seconds, now)}, secret, algorithm=ALGORITHM)


def subscription_token(
    user_id: str,
    channel: str,
    secret: str,
    ttl_seconds: int = 86400,
    *,
    now: datetime | None = None,
) -> str:
    """Subscription JWT binding `user_id` to exactly `channel`."""
    claims = {"sub": str(user_id), "channel": channel, "exp": _expiry(ttl_seconds, now)}
    return jwt.encode(claims, secret, algorithm=ALGORITHM)

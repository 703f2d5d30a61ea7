"""JWTs for Centrifugo and the embedded hub (same secret, same claims, HS256).

A connection token proves who the user is; a subscription token grants one user one exact
channel. The backend mints a subscription token only after checking that the channel belongs
to the user's organization, which is what keeps org A out of org B's channels.

Both are short-lived (REALTIME_TOKEN_TTL_SECONDS, 10 minutes by default): the browser's SDK
asks for fresh ones through getToken before they expire, and that request goes through the
session check, so an ended session stops being able to listen within one TTL at worst (and at
once in practice: logout and password changes disconnect the user, see realtime/control.py).
"""

from __future__ import annotations

import contextlib
import os
import secrets
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jwt

ALGORITHM = "HS256"
DEFAULT_TTL_SECONDS = 600


def _expiry(ttl_seconds: int, now: datetime | None) -> int:
    base = now if now is not None else datetime.now(UTC)
    if base.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return int((base + timedelta(seconds=ttl_seconds)).timestamp())


def connection_token(
    user_id: str, secret: str, ttl_seconds: int = DEFAULT_TTL_SECONDS, *, now: datetime | None = None
) -> str:
    """Connection JWT: `sub` is the user id (a string, as Centrifugo requires), `exp` its expiry."""
    return jwt.encode({"sub": str(user_id), "exp": _expiry(ttl_seconds, now)}, secret, algorithm=ALGORITHM)


def subscription_token(
    user_id: str,
    channel: str,
    secret: str,
    ttl_seconds: int = DEFAULT_TTL_SECONDS,
    *,
    now: datetime | None = None,
) -> str:
    """Subscription JWT binding `user_id` to exactly `channel`."""
    claims = {"sub": str(user_id), "channel": channel, "exp": _expiry(ttl_seconds, now)}
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def persistent_secret(path: Path) -> str:
    """The embedded hub's token secret, kept in `path` (made once, owner-only, 0600).

    A secret made afresh at each start turned every browser's token into an invalid one after
    a restart (close 3500: the SDK gives up for good). Kept in a file next to the SQLite
    database rather than in it: it never travels with a database dump or shows in SQL logs,
    and it is read synchronously before the app's engine exists. Two processes starting at
    once agree: the file is created exclusively and the loser reads the winner's secret.
    """
    with contextlib.suppress(FileNotFoundError):
        existing = path.read_text(encoding="utf-8").strip()
        if existing:
            return existing
    path.parent.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(32)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(secret + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    try:
        os.link(tmp, path)  # fails if another process made it first: theirs wins
    except FileExistsError:
        secret = path.read_text(encoding="utf-8").strip()
        if not secret:
            raise RuntimeError(f"{path} is empty: delete it (a new secret is made) or put a secret in it") from None
    finally:
        tmp.unlink(missing_ok=True)
    return secret

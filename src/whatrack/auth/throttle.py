"""Failed-login throttling per account and per client address, shared by every process.

Counts live in `login_throttles` (one row per key), written with one atomic upsert per key,
so concurrent failures in several processes all count. Checked before any password is
verified: a locked key costs no hashing.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, delete, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from whatrack.db_util import dialect
from whatrack.models import LoginThrottle

log = logging.getLogger(__name__)

# The first account lock; each further failure doubles it, up to `ThrottlePolicy.lock`.
FIRST_ACCOUNT_LOCK = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class ThrottlePolicy:
    window: timedelta  # failures further apart than this (after any lock) start over
    account_limit: int  # failures of one e-mail before it is locked (then growing locks)
    ip_limit: int  # failures from one address before it is locked for `lock`
    lock: timedelta  # the longest lock


def account_key(email: str) -> str:
    return f"account:{email.strip().lower()}"


def ip_key(ip: str) -> str:
    return f"ip:{ip}"


async def locked_for(db: AsyncSession, keys: list[str], now: datetime) -> int | None:
    """Seconds until every key given is unlocked again; None when none is locked."""
    until = await db.scalar(
        select(func.max(LoginThrottle.locked_until)).where(
            LoginThrottle.key.in_(keys), LoginThrottle.locked_until > now
        )
    )
    if until is None:
        return None
    return max(1, math.ceil((until - now).total_seconds()))


async def _count_failure(db: AsyncSession, key: str, now: datetime, window: timedelta) -> int:
    """One more failure for `key` (starting over when its row expired); returns the count."""
    insert = pg_insert if dialect(db) == "postgresql" else sqlite_insert
    row = insert(LoginThrottle).values(key=key, failures=1, locked_until=None, expires_at=now + window)
    expired = LoginThrottle.expires_at <= now
    stmt = row.on_conflict_do_update(
        index_elements=[LoginThrottle.key],
        set_={
            "failures": case((expired, 1), else_=LoginThrottle.failures + 1),
            "locked_until": case((expired, None), else_=LoginThrottle.locked_until),
            "expires_at": now + window,
        },
    ).returning(LoginThrottle.failures)
    failures: int = (await db.execute(stmt)).scalar_one()
    return failures


async def _lock(db: AsyncSession, key: str, now: datetime, duration: timedelta, window: timedelta) -> None:
    await db.execute(
        update(LoginThrottle)
        .where(LoginThrottle.key == key)
        .values(locked_until=now + duration, expires_at=now + duration + window)
    )


def account_lock(failures: int, policy: ThrottlePolicy) -> timedelta | None:
    """Growing delay: the `account_limit`-th failure locks for a minute, each next one doubles
    it, up to `policy.lock`."""
    if failures < policy.account_limit:
        return None
    doublings = min(failures - policy.account_limit, 16)
    lock: timedelta = min(FIRST_ACCOUNT_LOCK * 2**doublings, policy.lock)
    return lock


async def record_failure(db: AsyncSession, policy: ThrottlePolicy, email: str, ip: str, now: datetime) -> None:
    """Counts a failed login against the e-mail (known or not: the answer must not tell) and
    the address, locking whichever reached its limit. Accounts before addresses, always: one
    lock order for every process."""
    account, address = account_key(email), ip_key(ip)
    failures = await _count_failure(db, account, now, policy.window)
    lock = account_lock(failures, policy)
    if lock is not None:
        await _lock(db, account, now, lock, policy.window)
        log.warning(
            "login: %s locked for %ss after %s failures (last from %s)",
            account,
            int(lock.total_seconds()),
            failures,
            ip,
        )
    failures = await _count_failure(db, address, now, policy.window)
    if failures >= policy.ip_limit:
        await _lock(db, address, now, policy.lock, policy.window)
        log.warning("login: %s locked for %ss after %s failures", address, int(policy.lock.total_seconds()), failures)
    await _forget_expired(db, now)


async def _forget_expired(db: AsyncSession, now: datetime) -> None:
    """Expired rows count for nothing (the upsert starts them over); deleting some keeps the
    table small. Rows another login holds are skipped, never waited for (no lock cycles)."""
    stale = select(LoginThrottle.key).where(LoginThrottle.expires_at <= now).limit(100)
    if dialect(db) == "postgresql":
        stale = stale.with_for_update(skip_locked=True)
    await db.execute(delete(LoginThrottle).where(LoginThrottle.key.in_(stale.scalar_subquery())))


async def reset_account(db: AsyncSession, email: str) -> None:
    """A successful login forgets the account's failures (not the address's)."""
    await db.execute(delete(LoginThrottle).where(LoginThrottle.key == account_key(email)))

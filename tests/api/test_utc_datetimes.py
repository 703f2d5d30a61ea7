"""Every timestamp reads back as an aware UTC datetime, the same instant that was written, on
both databases; on PostgreSQL whatever the session's TimeZone (db.UTCDateTime passes asyncpg's
values through: it decodes timestamptz as UTC)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from sqlalchemy import select, text

from tests.support.tenants import Harness
from whatrack.models import Organization


async def test_timestamps_read_back_as_utc(harness: Harness) -> None:
    written = datetime(2026, 3, 8, 23, 30, 15, 123456, tzinfo=timezone(timedelta(hours=-3)))
    async with harness.db() as db:
        org = Organization(name="Acme", created_at=written)
        db.add(org)
    for zone in ("America/Sao_Paulo", "Asia/Kolkata"):
        async with harness.db() as db:
            if db.get_bind().dialect.name == "postgresql":
                await db.execute(text(f"SET LOCAL TIME ZONE '{zone}'"))
            read = await db.scalar(select(Organization.created_at).where(Organization.id == org.id))
        assert read == written
        assert read is not None and read.tzinfo is not None and read.utcoffset() == timedelta(0)
        assert read.isoformat() == "2026-03-09T02:30:15.123456+00:00"
        assert read.astimezone(UTC) == read

"""Race-safe insert helpers: the database constraint decides, code only reacts."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import Select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

T = TypeVar("T")


async def insert_or_get(db: AsyncSession, obj: T, lookup: Select[Any]) -> tuple[T, bool]:
    """Insert `obj` in a savepoint; if a unique constraint says it exists, return the existing row.

    Returns (row, created).
    """
    try:
        async with db.begin_nested():
            db.add(obj)
            await db.flush()
        return obj, True
    except IntegrityError:
        existing: T | None = (await db.execute(lookup)).scalar_one_or_none()
        if existing is None:
            raise
        return existing, False


def dialect(db: AsyncSession) -> str:
    return db.get_bind().dialect.name


def for_update(stmt: Select[Any], db: AsyncSession) -> Select[Any]:
    """Row lock on PostgreSQL (SQLite serialises writers on its single connection)."""
    return stmt.with_for_update() if dialect(db) == "postgresql" else stmt

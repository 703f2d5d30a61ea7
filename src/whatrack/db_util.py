"""Race-safe insert helpers: the database constraint decides, code only reacts."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, any_, bindparam
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

T = TypeVar("T")


async def insert_or_get(db: AsyncSession, obj: T, lookup: Select[Any]) -> tuple[T, bool]:
    """INSERT ... ON CONFLICT DO NOTHING RETURNING the row built as `obj`; when a unique key says
    it exists already (a concurrent webhook), the existing row found by `lookup`.

    Returns (row, created). One round trip when the row is new: no savepoint is needed, since
    no error is raised. `obj` itself is not added to the session: use the row returned.
    """
    model = type(obj)
    values = {a.key: getattr(obj, a.key) for a in sa_inspect(model).column_attrs if a.key in vars(obj)}
    insert = pg_insert if dialect(db) == "postgresql" else sqlite_insert
    created: T | None = await db.scalar(insert(model).values(**values).on_conflict_do_nothing().returning(model))
    if created is not None:
        return created, True
    existing: T | None = (await db.execute(lookup)).scalar_one_or_none()
    if existing is None:  # pragma: no cover - the conflicting row is gone again: let the caller fail
        raise LookupError(f"{model.__name__}: insert conflicted but the row was not found")
    return existing, False


def dialect(db: AsyncSession) -> str:
    return db.get_bind().dialect.name


def for_update(stmt: Select[Any], db: AsyncSession) -> Select[Any]:
    """Row lock on PostgreSQL (SQLite serialises writers on its single connection)."""
    return stmt.with_for_update() if dialect(db) == "postgresql" else stmt


def one_of(db: AsyncSession, column: Any, values: Iterable[Any]) -> ColumnElement[bool]:
    """`column IN values`. On PostgreSQL it is `column = ANY($1)` with one array parameter: the
    SQL text is the same whatever the number of values, so asyncpg reuses its prepared
    statement (an IN list is a new statement, and a new PREPARE round trip, for each length)."""
    if dialect(db) == "postgresql":
        return column == any_(bindparam(None, list(values), type_=ARRAY(column.type)))  # type: ignore[no-any-return]
    return column.in_(list(values))  # type: ignore[no-any-return]

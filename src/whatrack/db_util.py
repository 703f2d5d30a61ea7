"""Race-safe insert helpers: the database constraint decides, code only reacts."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Protocol, TypeVar, cast

from sqlalchemy import ColumnElement, Select, Table, any_, bindparam, exists, or_, select
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from whatrack.models import Conversation, Lead, Message, Ticket

T = TypeVar("T")
AnySelect = Select[*tuple[Any, ...]]  # a select of any columns
S = TypeVar("S", bound=AnySelect)


class Scope(Protocol):
    """Who loads: their organization, and the user they are restricted to (auth.service.Actor).
    `restricted_to` set: only conversations assigned to that user or to no one are visible
    (the organization's agentVisibility policy for agents), and so only their messages,
    tickets and leads."""

    @property
    def organization_id(self) -> uuid.UUID: ...

    @property
    def restricted_to(self) -> uuid.UUID | None: ...


def conversation_visible(user_id: uuid.UUID | ColumnElement[uuid.UUID]) -> ColumnElement[bool]:
    """The conversations a restricted user sees: assigned to them, or to no one."""
    return or_(Conversation.assignee_id.is_(None), Conversation.assignee_id == user_id)


def visibility_clause(model: type[Any], user_id: uuid.UUID | ColumnElement[uuid.UUID]) -> ColumnElement[bool] | None:
    """The rows of `model` a restricted user may load (None: the model is not governed by the
    conversation visibility policy, e.g. instances)."""
    if model is Conversation:
        return conversation_visible(user_id)
    if model in (Message, Ticket):
        m: Any = model
        return exists().where(Conversation.id == m.conversation_id, conversation_visible(user_id))
    if model is Lead:  # hidden when its conversation is assigned to someone else
        return ~exists().where(
            Conversation.lead_id == Lead.id,
            Conversation.assignee_id.is_not(None),
            Conversation.assignee_id != user_id,
        )
    return None


_GOVERNED: tuple[type[Any], ...] = (Conversation, Message, Ticket, Lead)


async def get_scoped(
    db: AsyncSession,
    model: type[T],
    scope: Scope | uuid.UUID,
    entity_id: uuid.UUID,
    not_found: Callable[[], Exception],
    *,
    lock: bool = False,
) -> T:
    """The `model` row `entity_id` of this organization (locked FOR UPDATE when asked), or
    not_found() raised: another organization's row is not found either. Every service loads
    "entity X of the caller's organization" through here.

    The one place the visibility policy is applied to loads by id: with a caller (`Scope`)
    restricted to their own and unassigned conversations, a conversation assigned to someone
    else — and its messages, tickets and lead — is not found, the same answer as another
    organization's. Conversation-linked rows must be loaded with the caller, not a bare
    organization id, so the policy cannot be skipped by mistake."""
    m: Any = model
    if isinstance(scope, uuid.UUID):
        if model in _GOVERNED:
            raise TypeError(f"get_scoped({model.__name__}) needs the caller (a Scope), not an organization id")
        organization_id, restricted_to = scope, None
    else:
        organization_id, restricted_to = scope.organization_id, scope.restricted_to
    stmt = select(m).where(m.id == entity_id, m.organization_id == organization_id)
    if restricted_to is not None:
        clause = visibility_clause(model, restricted_to)
        if clause is not None:
            stmt = stmt.where(clause)
    found: T | None = await db.scalar(for_update(stmt, db) if lock else stmt)
    if found is None:
        raise not_found()
    return found


async def insert_or_get(db: AsyncSession, obj: T, lookup: AnySelect) -> tuple[T, bool]:
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


async def load_detached(
    db: AsyncSession, model: type[T], stmt: AnySelect, params: dict[str, Any] | None = None
) -> list[T]:
    """The rows of `stmt` (a select of the model's table columns) as transient instances: no
    identity map, no change tracking, a fraction of the cost of loading entities. For hot
    paths that compute their changes in Python and write them back with Core statements."""
    return [detached(model, row._mapping) for row in await db.execute(stmt, params)]


def detached(model: type[T], values: Mapping[Any, Any]) -> T:
    """A transient instance holding `values`, the way the ORM loads a row: straight into the
    instance dict, without the constructor's per-attribute events (a third of the cost of a
    batch's lookups). Later attribute changes are tracked as usual."""
    obj: T = sa_inspect(model).class_manager.new_instance()
    vars(obj).update(values)
    return obj


async def insert_detached(db: AsyncSession, objs: Sequence[Any]) -> set[Any]:
    """INSERT ... ON CONFLICT DO NOTHING RETURNING id, for transient instances of one model built
    alike (the same attributes set), in one executemany. Returns the ids inserted: a row that a
    unique key says exists already is absent."""
    if not objs:
        return set()
    model: Any = type(objs[0])
    columns = _columns_of(model)
    keys = [k for k in vars(objs[0]) if k in columns]
    rows = [{columns[k]: getattr(o, k) for k in keys} for o in objs]
    return set((await db.execute(_insert_ignore(model, dialect(db)), rows)).scalars())


@functools.cache
def _columns_of(model: Any) -> dict[str, str]:
    return {a.key: a.columns[0].key for a in sa_inspect(model).column_attrs}


@functools.cache
def _insert_ignore(model: Any, dialect_name: str) -> Any:
    table = table_of(model)
    insert = pg_insert if dialect_name == "postgresql" else sqlite_insert
    return insert(table).on_conflict_do_nothing().returning(table.c.id)


def table_of(model: type[Any]) -> Table:
    return cast(Table, model.__table__)


def dialect(db: AsyncSession) -> str:
    return db.get_bind().dialect.name


def for_update(stmt: S, db: AsyncSession) -> S:
    """Row lock on PostgreSQL (SQLite serialises writers on its single connection)."""
    return stmt.with_for_update() if dialect(db) == "postgresql" else stmt


def one_of(db: AsyncSession, column: Any, values: Iterable[Any]) -> ColumnElement[bool]:
    """`column IN values`. On PostgreSQL it is `column = ANY($1)` with one array parameter: the
    SQL text is the same whatever the number of values, so asyncpg reuses its prepared
    statement (an IN list is a new statement, and a new PREPARE round trip, for each length)."""
    if dialect(db) == "postgresql":
        return column == any_(bindparam(None, list(values), type_=ARRAY(column.type)))  # type: ignore[no-any-return]
    return column.in_(list(values))  # type: ignore[no-any-return]


def in_param(column: Any, name: str, dialect_name: str) -> ColumnElement[bool]:
    """one_of() with a named parameter (pass a list), for statements built once and reused:
    building a select costs more than running it (0.5 ms vs 0.26 ms for a 20-row lookup)."""
    if dialect_name == "postgresql":
        return column == any_(bindparam(name, type_=ARRAY(column.type)))  # type: ignore[no-any-return]
    return column.in_(bindparam(name, expanding=True))  # type: ignore[no-any-return]

"""Alembic environment: async engine, works on PostgreSQL and SQLite."""

from __future__ import annotations

import asyncio
from typing import Any

from alembic import context
from sqlalchemy import text
from sqlalchemy.engine import Connection

import whatrack.models  # noqa: F401  (registers every table)
from whatrack.db import Base, create_engine
from whatrack.settings import get_settings

config = context.config
target_metadata = Base.metadata

# Objects that exist only on one database and are created by hand in migrations.
PG_ONLY_INDEXES = {"ix_leads_phone_trgm"}
# Expression indexes on wt_fold(column) (migration 0013): not in the models, never compared.
FOLD_INDEXES = {"ix_leads_name_fold_trgm", "ix_leads_push_name_fold_trgm", "ix_messages_content_fold_trgm"}
# expression indexes alembic cannot compare (they live in their migrations only)
EXPRESSION_INDEXES = {"ix_conversations_org_listed", "ix_conversations_org_assignee_listed"}


def _include_object(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    dialect = context.get_context().dialect.name
    if type_ == "table" and name and name.startswith("messages_fts"):
        return False
    if type_ == "index" and (name in FOLD_INDEXES or name in EXPRESSION_INDEXES):
        return False
    return not (type_ == "index" and dialect != "postgresql" and name in PG_ONLY_INDEXES)


def _url() -> str:
    url: str = config.attributes.get("url") or get_settings().database_url
    return url


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        include_object=_include_object,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            # Several web processes may start at once: one migrates, the others wait.
            connection.execute(text("SELECT pg_advisory_xact_lock(727274)"))
        context.run_migrations()


async def _run_async() -> None:
    engine = create_engine(_url())
    async with engine.connect() as connection:
        await connection.run_sync(_run)
        await connection.commit()
    await engine.dispose()


if context.is_offline_mode():
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
    else:
        asyncio.run(_run_async())

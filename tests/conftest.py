"""Shared fixtures: every database test runs on PostgreSQL AND on SQLite.

PostgreSQL is the private cluster started by scripts/services.sh (port 55432 unless
WHATRACK_TEST_PG_PORT says otherwise). One database per test run, migrated once; tables
are emptied before each test. Jobs run inline (the app's background loops are off).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.support.tenants import Harness
from whatrack import migrate
from whatrack.db import Base, create_engine

PG_PORT = int(os.environ.get("WHATRACK_TEST_PG_PORT", "55432"))
PG_BASE = f"postgresql+asyncpg://whatrack:whatrack@127.0.0.1:{PG_PORT}"
DATABASES = os.environ.get("WHATRACK_TEST_DATABASES", "postgresql,sqlite").split(",")


async def _recreate_pg_database(name: str) -> None:
    admin = create_engine(f"{PG_BASE}/postgres")
    async with admin.connect() as conn:
        conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    await admin.dispose()


@pytest.fixture(scope="session", params=DATABASES)
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    kind = request.param
    if kind == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('sqlite') / 'test.db'}"
    else:
        name = f"whatrack_test_{os.getpid()}"
        asyncio.run(_recreate_pg_database(name))
        url = f"{PG_BASE}/{name}"
    migrate.upgrade(url)
    yield url


@pytest.fixture(scope="session")
async def cleaner_engines() -> AsyncIterator[dict[str, AsyncEngine]]:
    engines: dict[str, AsyncEngine] = {}
    yield engines
    for engine in engines.values():
        await engine.dispose()


async def empty_tables(engine: AsyncEngine) -> None:
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    async with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            await conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for name in tables:
                await conn.execute(text(f"DELETE FROM {name}"))  # noqa: S608 - table names from metadata


@pytest.fixture
async def harness(database_url: str, cleaner_engines: dict[str, AsyncEngine], tmp_path: Path) -> AsyncIterator[Harness]:
    engine = cleaner_engines.get(database_url)
    if engine is None:
        engine = cleaner_engines[database_url] = create_engine(database_url)
    await empty_tables(engine)
    async with Harness.start(database_url, tmp_path) as h:
        yield h

"""Shared fixtures: every database test runs on PostgreSQL AND on SQLite.

PostgreSQL is the private cluster started by scripts/services.sh (port 55432 unless
WHATRACK_TEST_PG_PORT says otherwise). One database per pytest process, so one per
pytest-xdist worker (`whatrack_test_<worker>_<pid>`), migrated once and dropped at the end;
the SQLite file lives in the worker's own temp dir. Tables are emptied before each test.
Jobs run inline (the app's background loops are off). Servers started by tests bind port 0.

`make test-py` runs the suite with `-n auto --dist loadgroup`: the real-browser tests share
one app server and one Chromium, so they are kept on one worker (xdist_group "e2e").
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


def _orphaned(name: str) -> bool:
    """A test database whose pytest process is gone (killed before its teardown dropped it)."""
    pid = name.rsplit("_", 1)[-1]
    return pid.isdigit() and not Path(f"/proc/{pid}").exists()


async def _recreate_pg_database(name: str) -> None:
    admin = create_engine(f"{PG_BASE}/postgres")
    async with admin.connect() as conn:
        conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
        existing = await conn.scalars(text("SELECT datname FROM pg_database WHERE datname LIKE 'whatrack_test_%'"))
        for stale in [n for n in existing if n != name and _orphaned(n)]:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{stale}" WITH (FORCE)'))
        await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    await admin.dispose()


async def _drop_pg_database(name: str) -> None:
    admin = create_engine(f"{PG_BASE}/postgres")
    async with admin.connect() as conn:
        conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    await admin.dispose()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Real-browser tests share session servers and Chromium: one xdist worker runs them all."""
    e2e = Path(__file__).parent / "e2e"
    for item in items:
        if item.path.is_relative_to(e2e):
            item.add_marker(pytest.mark.xdist_group("e2e"))


@pytest.fixture(scope="session")
def databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """This process's migrated databases by kind, made on first use and kept for the session.

    Kept here rather than in `database_url` itself: under xdist a worker may alternate between
    the two parameters, and pytest would rebuild a parametrised session fixture at each switch.
    """
    urls: dict[str, str] = {}
    yield urls
    if "postgresql" in urls:
        asyncio.run(_drop_pg_database(urls["postgresql"].rsplit("/", 1)[1]))


def _database(kind: str, databases: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> str:
    url = databases.get(kind)
    if url is None:
        if kind == "sqlite":
            url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('sqlite') / 'test.db'}"
        else:
            worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
            name = f"whatrack_test_{worker}_{os.getpid()}"
            asyncio.run(_recreate_pg_database(name))
            url = f"{PG_BASE}/{name}"
        migrate.upgrade(url)
        databases[kind] = url
    return url


@pytest.fixture(scope="session", params=DATABASES)
def database_url(
    request: pytest.FixtureRequest, databases: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> str:
    return _database(request.param, databases, tmp_path_factory)


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

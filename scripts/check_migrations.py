"""Migrate a fresh PostgreSQL database and fail if the models and the migrations disagree."""

from __future__ import annotations

import asyncio
import os

from sqlalchemy import text

from whatrack import migrate
from whatrack.db import create_engine


async def recreate(url: str) -> None:
    base, name = url.rsplit("/", 1)
    engine = create_engine(f"{base}/postgres")
    async with engine.connect() as conn:
        conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    await engine.dispose()


def main() -> None:
    url = os.environ["DATABASE_URL"]
    asyncio.run(recreate(url))
    migrate.upgrade(url)
    migrate.check(url)
    print("migrations: upgrade ok, models match (alembic check)")


if __name__ == "__main__":
    main()

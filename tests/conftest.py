"""Database fixtures: a migrated database per run (SQLite, or PostgreSQL via TEST_DATABASE_URL)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from core import migrate
from core.db import create_engine, create_sessionmaker, is_sqlite
from core.models import Base

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
POSTGRES_SKIP_REASON = "TEST_DATABASE_URL is not set to PostgreSQL: PostgreSQL-only test skipped"


def postgres_url() -> str | None:
    """TEST_DATABASE_URL when it points at PostgreSQL, else None."""
    url = os.environ.get("TEST_DATABASE_URL")
    return url if url and not is_sqlite(url) else None


async def reset_postgres(url: str) -> None:
    """Drop and recreate the public schema, so the run starts from an empty database."""
    engine = create_engine(url)
    async with engine.begin() as conn:
        await conn.execute(text("DROP SCHEMA public CASCADE"))
        await conn.execute(text("CREATE SCHEMA public"))
    await engine.dispose()


@pytest.fixture(scope="session")
async def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A database migrated to Alembic head (never create_all)."""
    url = os.environ.get("TEST_DATABASE_URL")
    if url and not is_sqlite(url):
        await reset_postgres(url)
    else:
        url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
    await migrate.upgrade(url)
    return url


@pytest.fixture(scope="session")
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url)
    yield engine
    await engine.dispose()


@pytest.fixture(scope="session")
def sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return create_sessionmaker(engine)


async def wipe(engine: AsyncEngine) -> None:
    """Empty every table (the schema stays)."""
    tables = [table.name for table in reversed(Base.metadata.sorted_tables)]
    async with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            await conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for name in tables:
                await conn.execute(text(f"DELETE FROM {name}"))


@pytest.fixture
async def db(
    engine: AsyncEngine, sessionmaker: async_sessionmaker[AsyncSession]
) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """A clean database for one test: the session factory; every table is emptied before (a
    test without this fixture may have left rows, e.g. a 1C storage marker) and afterwards."""
    await wipe(engine)
    yield sessionmaker
    await wipe(engine)


@pytest.fixture
async def session(db: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """A session on a clean database."""
    async with db() as session:
        yield session


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark the headless-browser tests (`browser`), so that CI can run them once, on PostgreSQL.

    A browser test is one in a `*_browser.py` module or one using the `page` fixture. The mark
    only labels them: a plain `make test` runs everything.
    """
    for item in items:
        uses_page = "page" in getattr(item, "fixturenames", ())
        if item.path.name.endswith("_browser.py") or uses_page:
            item.add_marker(pytest.mark.browser)

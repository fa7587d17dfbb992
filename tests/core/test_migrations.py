"""Migrations: every revision upgrades, downgrades and upgrades again (the stairway test)."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect

from core import migrate
from core.db import create_engine
from core.models import Base
from tests.conftest import POSTGRES_SKIP_REASON, postgres_url, reset_postgres


async def _stairway(url: str) -> None:
    previous = "base"
    for revision in migrate.revisions(url):
        await migrate.upgrade(url, revision)
        await migrate.downgrade(url, previous)
        await migrate.upgrade(url, revision)
        previous = revision


async def _tables(url: str) -> set[str]:
    engine = create_engine(url)
    async with engine.connect() as conn:
        names = await conn.run_sync(lambda sync: set(inspect(sync).get_table_names()))
    await engine.dispose()
    return names


async def test_stairway_sqlite(tmp_path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'stairway.sqlite3'}"
    await _stairway(url)
    assert set(Base.metadata.tables) <= await _tables(url)


async def test_stairway_postgres() -> None:
    url = postgres_url()
    if url is None:
        pytest.skip(POSTGRES_SKIP_REASON)
    # A scratch database named after the test database, so parallel runs on one server do not
    # drop each other's.
    base, name = url.rsplit("/", 1)
    scratch_name = f"{name.split('?')[0]}_stairway"
    scratch = f"{base}/{scratch_name}"
    engine = create_engine(url)
    from sqlalchemy import text

    async with engine.connect() as conn:
        conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text(f'DROP DATABASE IF EXISTS "{scratch_name}"'))
        await conn.execute(text(f'CREATE DATABASE "{scratch_name}"'))
    await engine.dispose()
    await reset_postgres(scratch)
    await _stairway(scratch)
    assert set(Base.metadata.tables) <= await _tables(scratch)


async def test_models_match_migrated_schema(database_url: str) -> None:
    """Autogenerate finds nothing to do: the models and the migrations agree."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    engine = create_engine(database_url)
    async with engine.connect() as conn:
        diff = await conn.run_sync(
            lambda sync: compare_metadata(MigrationContext.configure(sync), Base.metadata)
        )
    await engine.dispose()
    ignored_tables = {
        "products_fts",
        "products_fts_data",
        "products_fts_idx",
        "products_fts_docsize",
        "products_fts_config",
        "products_fts_content",
    }

    def relevant(entry: object) -> bool:
        text_ = repr(entry)
        return (
            not any(name in text_ for name in ignored_tables)
            and "ix_products_article_prefix" not in text_
            and "ix_products_search_trgm" not in text_
        )

    assert [d for d in diff if relevant(d)] == []

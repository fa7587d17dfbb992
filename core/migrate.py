"""Run Alembic migrations from code (the CLI and the tests use this, not alembic.ini)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config(database_url: str) -> Config:
    """An Alembic config pointing at core/migrations and the given database."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["database_url"] = database_url
    return config


def revisions(database_url: str = "sqlite://") -> list[str]:
    """All revision ids from base to head, in order."""
    script = ScriptDirectory.from_config(alembic_config(database_url))
    return [rev.revision for rev in reversed(list(script.walk_revisions()))]


async def upgrade(database_url: str, revision: str = "head") -> None:
    """Upgrade the database to `revision` (runs Alembic in a worker thread)."""
    await asyncio.to_thread(command.upgrade, alembic_config(database_url), revision)


async def downgrade(database_url: str, revision: str) -> None:
    """Downgrade the database to `revision`."""
    await asyncio.to_thread(command.downgrade, alembic_config(database_url), revision)

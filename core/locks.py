"""Locks that hold across processes on one database.

`hold_process_lock` is taken once for the life of a process (long polling: one process per
bot): a PostgreSQL advisory lock on a connection of its own, or, on SQLite, an exclusive lock
on a file beside the database. `shared_lock` guards a short step (uploading a broadcast's photo
once): a transaction-scoped PostgreSQL advisory lock, released at commit or rollback; on SQLite
(one process by design) an in-process lock.
"""

from __future__ import annotations

import asyncio
import fcntl
import os
import zlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

# advisory lock namespaces (the first of the two int4 keys)
POLLING = 1901
BROADCAST_PHOTO = 1902


class StartRefused(Exception):
    """The process must not start (its sentence says why and what to do)."""


def lock_key(name: str) -> int:
    """A stable int4 key for a name."""
    return zlib.crc32(name.encode()) & 0x7FFFFFFF


@dataclass
class ProcessLock:
    """A held process-wide lock; `release()` gives it back (process exit does too)."""

    connection: AsyncConnection | None = None
    file: IO[str] | None = None

    async def release(self) -> None:
        """Give the lock back."""
        if self.connection is not None:
            await self.connection.close()  # the session ends: PostgreSQL drops its locks
            self.connection = None
        if self.file is not None:
            self.file.close()
            self.file = None


async def hold_process_lock(engine: AsyncEngine, namespace: int, name: str) -> ProcessLock | None:
    """Take the lock `name` for this process, or None when another process holds it."""
    url = engine.url
    if url.get_backend_name() != "sqlite":
        connection = await engine.connect()
        got = await connection.scalar(
            text("SELECT pg_try_advisory_lock(:ns, :key)"), {"ns": namespace, "key": lock_key(name)}
        )
        await connection.commit()  # the lock is session-level: it outlives the transaction
        if not got:
            await connection.close()
            return None
        return ProcessLock(connection=connection)
    database = make_url(str(url)).database or ""
    where = Path(database if database and database != ":memory:" else "dealerbot.sqlite3")
    path = where.with_name(f"{where.name}.{name}.lock")
    path.parent.mkdir(parents=True, exist_ok=True)
    file = path.open("a+", encoding="utf-8")
    try:
        fcntl.flock(file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        file.close()
        return None
    file.seek(0)
    file.truncate()
    file.write(f"{os.getpid()}\n")
    file.flush()
    return ProcessLock(file=file)


_local: dict[tuple[int, int], asyncio.Lock] = {}


@asynccontextmanager
async def shared_lock(session: AsyncSession, namespace: int, key: int) -> AsyncIterator[None]:
    """Hold (namespace, key) until the block ends; on PostgreSQL across processes, inside
    `session`'s transaction (the block must not commit it), released at its end."""
    local = _local.setdefault((namespace, key), asyncio.Lock())
    async with local:  # one waiter per process on the database lock
        if session.get_bind().dialect.name != "postgresql":
            yield
            return
        await session.execute(
            text("SELECT pg_advisory_xact_lock(:ns, :key)"), {"ns": namespace, "key": key}
        )
        try:
            yield
        finally:
            await session.rollback()

"""One leader among the workers, elected through PostgreSQL: it runs the scheduler's jobs
(outbox drain and broadcast sending, morning digest, weekly digest).

Each worker keeps trying `pg_try_advisory_lock` on a connection of its own (not one of the
pool's), every `poll` seconds. The worker that holds it is the leader while that connection
lives; the leader checks the connection every `poll` seconds and stops leading the moment it
fails. A killed leader's connection closes with its process, so PostgreSQL frees the lock at
once and the next worker's try takes it: failover within about `poll` seconds.

Leadership only decides who starts jobs; each job's effect is idempotent by itself (rows
claimed with SKIP LOCKED, held rows released under FOR UPDATE, dedupe keys per broadcast,
recipient and week), so a job a dying leader left half done is finished, never repeated.
On SQLite (one process) the process is simply the leader.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from sqlalchemy.engine import make_url

log = logging.getLogger("core.leader")
LOCK_KEY = 0x0DEA1E7B07  # the advisory lock's key: "dealerbot"-ish, fixed for every worker


class Leadership:
    """Whether this process leads now (`is_leader`), kept up to date by `run()`."""

    def __init__(self, database_url: str, *, poll: float = 1.0, key: int = LOCK_KEY) -> None:
        url = make_url(database_url)
        self.postgres = url.get_backend_name() == "postgresql"
        self.dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
        self.poll = poll
        self.key = key
        self.is_leader = not self.postgres
        self._conn: Any = None

    async def run(self) -> None:
        """Contend for the lock until cancelled (on SQLite: lead, nothing to contend for)."""
        if not self.postgres:
            log.info("leadership acquired (single process: SQLite)")
            return
        try:
            while True:
                try:
                    await self._step()
                except Exception as error:  # the database may be away; try again
                    if self.is_leader:
                        self._set(False, f"lost ({type(error).__name__})")
                    await self._drop()
                await asyncio.sleep(self.poll)
        finally:
            if self.is_leader:
                self._set(False, "given up (stopping)")
            await self._drop()

    async def _step(self) -> None:
        import asyncpg

        if self._conn is None or self._conn.is_closed():
            self._conn = await asyncpg.connect(self.dsn, timeout=max(self.poll * 3, 3.0))
        if self.is_leader:  # still holding it: is the connection (and so the lock) alive?
            await self._conn.fetchval("SELECT 1", timeout=max(self.poll * 3, 3.0))
            return
        if await self._conn.fetchval("SELECT pg_try_advisory_lock($1)", self.key):
            self._set(True, "acquired")

    def _set(self, leading: bool, why: str) -> None:
        self.is_leader = leading
        log.info("leadership %s", why)

    async def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(conn.close(), 2)

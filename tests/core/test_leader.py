"""Leader election through PostgreSQL: one of two contenders leads; when its connection goes,
the other leads within a few seconds. On SQLite the process simply leads."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

import pytest

from core.db import is_sqlite
from core.leader import Leadership

KEY = 0x0DEA1E7B19  # a key of this test's own, apart from any running service


async def until(check: Callable[[], bool], timeout: float = 8.0) -> None:  # noqa: ASYNC109
    async with asyncio.timeout(timeout):
        while True:
            if check():
                return
            await asyncio.sleep(0.05)


async def test_sqlite_process_is_the_leader() -> None:
    leadership = Leadership("sqlite+aiosqlite:///ignored.sqlite3")
    assert leadership.is_leader
    await leadership.run()  # returns at once: nothing to contend for
    assert leadership.is_leader


async def test_one_leader_and_failover(database_url: str) -> None:
    if is_sqlite(database_url):
        pytest.skip("TEST_DATABASE_URL is not PostgreSQL: leader election test skipped")
    first = Leadership(database_url, poll=0.2, key=KEY)
    second = Leadership(database_url, poll=0.2, key=KEY)
    tasks = [asyncio.create_task(first.run()), asyncio.create_task(second.run())]
    try:
        await until(lambda: first.is_leader or second.is_leader)
        await asyncio.sleep(1.0)  # both kept trying meanwhile
        assert first.is_leader != second.is_leader
        leader, other = (first, second) if first.is_leader else (second, first)
        leader_task = tasks[0] if leader is first else tasks[1]
        # the leader dies: its connection closes with it (as a killed process's does)
        leader_task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await leader_task
        assert not leader.is_leader
        loop = asyncio.get_running_loop()
        began = loop.time()
        await until(lambda: other.is_leader, timeout=5)
        assert loop.time() - began < 3
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

"""Pooled PostgreSQL connections that died while idle are replaced before use."""

from __future__ import annotations

import pytest
from sqlalchemy import text

import core.db
from core.db import create_engine
from tests.conftest import POSTGRES_SKIP_REASON, postgres_url


async def test_idle_connection_killed_by_the_server_is_replaced(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url = postgres_url()
    if url is None:
        pytest.skip(POSTGRES_SKIP_REASON)
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            first_pid = await conn.scalar(text("SELECT pg_backend_pid()"))
        # The server drops the pooled connection (a restart, an idle timeout, a network cut).
        async with create_engine(url).connect() as other:
            await other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first_pid})
            await other.commit()
        monkeypatch.setattr(core.db, "IDLE_PING_SECONDS", 0.0)
        async with engine.connect() as conn:
            second_pid = await conn.scalar(text("SELECT pg_backend_pid()"))
        assert second_pid != first_pid
    finally:
        await engine.dispose()


async def test_busy_connections_are_reused_without_a_ping() -> None:
    url = postgres_url()
    if url is None:
        pytest.skip(POSTGRES_SKIP_REASON)
    engine = create_engine(url)
    pings = 0
    original = engine.dialect.do_ping

    def counting_ping(dbapi_connection: object) -> bool:
        nonlocal pings
        pings += 1
        return original(dbapi_connection)

    engine.dialect.do_ping = counting_ping  # type: ignore[method-assign]
    try:
        for _ in range(3):
            async with engine.connect() as conn:
                assert await conn.scalar(text("SELECT 1")) == 1
        assert pings == 0
    finally:
        await engine.dispose()

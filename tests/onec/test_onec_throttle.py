"""Guessing 1C's exchange password: 100 wrong tries from one address no longer run at full
speed. After the per-IP limit that address is refused even with the right password, another
address (the real 1C) is not, and every refusal is in the exchange log."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import TCPConnector, web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core import throttle
from core.models import ExchangeSession
from core.settings import get_settings
from integrations.onec.http import setup_onec_routes
from tests.onec.conftest import LOGIN, PASSWORD, TEST_LIMITS, OneC, basic


@pytest.fixture
async def server(db: async_sessionmaker[AsyncSession], tmp_path: Path) -> AsyncIterator[TestServer]:
    settings = get_settings(environment="test", onec_username=LOGIN, onec_password=PASSWORD)
    app = web.Application()
    setup_onec_routes(
        app, settings=settings, sessionmaker=db, storage_dir=tmp_path / "1c", limits=TEST_LIMITS
    )
    test_server = TestServer(app, host="127.0.0.1")
    await test_server.start_server()
    yield test_server
    await test_server.close()


async def client_from(server: TestServer, address: str) -> TestClient:
    client = TestClient(server, connector=TCPConnector(local_addr=(address, 0)))
    await client.start_server()
    return client


async def checkauth(client: TestClient, password: str) -> str:
    response = await client.get(
        "/1c/exchange",
        params={"type": "catalog", "mode": "checkauth"},
        headers=basic(password=password),
    )
    return await response.text()


async def test_password_guessing_is_throttled_per_address(
    server: TestServer, db: async_sessionmaker[AsyncSession]
) -> None:
    attacker = await client_from(server, "127.0.0.2")
    real = await client_from(server, "127.0.0.3")
    try:
        answers = [await checkauth(attacker, f"guess-{i}") for i in range(25)]
        assert all(a.startswith("failure\n") for a in answers)
        limit = throttle.ONEC_IP.limit
        assert all("слишком много" not in a for a in answers[: limit - 1])
        assert all("слишком много" in a for a in answers[limit - 1 :])
        # the right password from the blocked address is refused too
        assert "слишком много" in await checkauth(attacker, PASSWORD)
        # the real 1C, from its own address, works and runs an exchange
        onec = OneC(real)
        assert (await onec.checkauth()).startswith("success")
    finally:
        await attacker.close()
        await real.close()
    async with db() as session:
        refused = list(
            await session.scalars(
                select(ExchangeSession).where(ExchangeSession.status == "refused")
            )
        )
    # each wrong password counted up to the limit, plus the moment the address was blocked
    assert len(refused) == limit + 1
    assert {r.remote_addr for r in refused} == {"127.0.0.2"}
    assert sum("заблокирован" in (r.error or "") for r in refused) == 1

"""X-Forwarded-For is believed only from TRUSTED_PROXIES: a client that forges the header
cannot move its throttle key (to dodge its own lockout or to lock out someone else)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import TCPConnector, web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core import throttle
from core.models import ThrottleHit
from core.net import client_ip, parse_networks
from core.settings import get_settings
from integrations.onec.http import setup_onec_routes
from tests.onec.conftest import LOGIN, PASSWORD, TEST_LIMITS, basic

PROXY = "127.0.0.5"


def test_client_ip_believes_only_trusted_hops() -> None:
    proxies = parse_networks("127.0.0.5/32, 10.0.0.0/8")
    assert client_ip("127.0.0.2", "6.6.6.6", proxies) == "127.0.0.2"  # not a proxy: ignored
    assert client_ip(PROXY, "6.6.6.6", proxies) == "6.6.6.6"
    # the client's own left part is not believed: the right-most untrusted hop is the client
    assert client_ip(PROXY, "1.1.1.1, 203.0.113.7, 10.1.2.3", proxies) == "203.0.113.7"
    assert client_ip(PROXY, "junk, 10.1.2.3", proxies) == PROXY  # malformed: believe nothing
    assert client_ip(PROXY, None, proxies) == PROXY
    assert client_ip(PROXY, "6.6.6.6", []) == PROXY
    with pytest.raises(ValueError, match="'nope'"):
        parse_networks("10.0.0.0/8, nope")


@pytest.fixture
async def servers(
    db: async_sessionmaker[AsyncSession], tmp_path: Path
) -> AsyncIterator[dict[str, TestServer]]:
    made: dict[str, TestServer] = {}
    # both servers are workers of one database: they share one 1C storage folder
    for name, proxies in (("direct", ""), ("proxied", f"{PROXY}/32")):
        settings = get_settings(
            environment="test",
            onec_username=LOGIN,
            onec_password=PASSWORD,
            trusted_proxies=proxies,
        )
        app = web.Application()
        setup_onec_routes(
            app, settings=settings, sessionmaker=db, storage_dir=tmp_path, limits=TEST_LIMITS
        )
        made[name] = TestServer(app, host="127.0.0.1")
        await made[name].start_server()
    yield made
    for server in made.values():
        await server.close()


async def _guess(server: TestServer, peer: str, forwarded: str, n: int) -> list[str]:
    client = TestClient(server, connector=TCPConnector(local_addr=(peer, 0)))
    await client.start_server()
    try:
        answers = []
        for i in range(n):
            response = await client.get(
                "/1c/exchange",
                params={"type": "catalog", "mode": "checkauth"},
                headers={**basic(password=f"guess-{i}"), "X-Forwarded-For": f"{forwarded}{i}"},
            )
            answers.append(await response.text())
        return answers
    finally:
        await client.close()


async def _keys(db: async_sessionmaker[AsyncSession]) -> set[str]:
    async with db() as s:
        return set(await s.scalars(select(ThrottleHit.key)))


async def test_a_forged_header_from_an_untrusted_peer_does_not_shift_the_key(
    servers: dict[str, TestServer], db: async_sessionmaker[AsyncSession]
) -> None:
    limit = throttle.ONEC_IP.limit
    answers = await _guess(servers["direct"], "127.0.0.2", "6.6.6.", limit + 2)
    assert "слишком много" in answers[-1]  # a new forged address each time did not help
    keys = await _keys(db)
    assert keys and all("127.0.0.2" in key for key in keys)
    assert not any("6.6.6." in key for key in keys)


async def test_behind_a_trusted_proxy_each_client_has_its_own_key(
    servers: dict[str, TestServer], db: async_sessionmaker[AsyncSession]
) -> None:
    limit = throttle.ONEC_IP.limit
    answers = await _guess(servers["proxied"], PROXY, "198.51.100.", limit + 2)
    assert not any("слишком много" in a for a in answers)  # different clients behind it
    keys = await _keys(db)
    assert any("198.51.100.0" in key for key in keys)
    assert not any(PROXY in key for key in keys)

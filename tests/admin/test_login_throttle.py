"""The lockout attack: a stranger posts wrong passwords for `admin`. Their address is blocked;
the real admin, from another address, still logs in. Connections come from real, different
loopback addresses (127.0.0.2, 127.0.0.3), so the server sees them as different clients."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp import TCPConnector
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from admin.accounts import LoginRefused, authenticate
from core import throttle
from core.models import AuditEntry, Role, ThrottleHit
from tests.admin.conftest import Browser, staff


async def from_address(server: TestServer, address: str) -> Browser:
    client = TestClient(server, connector=TCPConnector(local_addr=(address, 0)))
    await client.start_server()
    return Browser(client)


@pytest.fixture
async def stranger(server: TestServer) -> AsyncIterator[Browser]:
    browser = await from_address(server, "127.0.0.2")
    yield browser
    await browser.client.close()


@pytest.fixture
async def real_admin(server: TestServer) -> AsyncIterator[Browser]:
    browser = await from_address(server, "127.0.0.3")
    yield browser
    await browser.client.close()


async def test_a_strangers_failures_do_not_lock_the_real_admin_out(
    db: async_sessionmaker[AsyncSession], stranger: Browser, real_admin: Browser
) -> None:
    await staff(db, "admin")
    for _ in range(throttle.ADMIN_ACCOUNT_IP.limit):
        status, body, _ = await stranger.login("admin", "wrong password!")
        assert status == 401
    assert "заблокирован" in body
    status, body, _ = await stranger.login("admin")  # even the right password, from there
    assert status == 401 and "заблокирован" in body
    status, _, location = await real_admin.login("admin")
    assert status == 303 and location == "/admin/"
    async with db() as session:
        entries = list(
            await session.scalars(
                select(AuditEntry).where(AuditEntry.action == "auth.login_failed")
            )
        )
    reasons = [(e.details["причина"], e.remote_addr) for e in entries]
    wrong = "неверный логин или пароль"
    assert reasons.count((wrong, "127.0.0.2")) == throttle.ADMIN_ACCOUNT_IP.limit
    assert ("вход заблокирован", "127.0.0.2") in reasons
    assert all(e.staff_login == "admin" for e in entries)


async def test_one_address_trying_many_accounts_is_blocked_for_all(
    db: async_sessionmaker[AsyncSession], stranger: Browser, real_admin: Browser
) -> None:
    await staff(db, "boss")
    for i in range(throttle.ADMIN_IP.limit):
        status, _, _ = await stranger.login(f"guess{i}", "wrong password!")
        assert status == 401
    status, body, _ = await stranger.login("boss")
    assert status == 401 and "заблокирован" in body
    status, _, _ = await real_admin.login("boss")
    assert status == 303


async def test_the_rule_holds_across_sessions_of_the_database(
    db: async_sessionmaker[AsyncSession],
) -> None:
    """The counts live in the database: a second worker (another session) sees them."""
    await staff(db, "clerk", Role.MANAGER)
    for _ in range(throttle.ADMIN_ACCOUNT_IP.limit):
        async with db() as session:  # each attempt as if on another worker
            with pytest.raises(LoginRefused):
                await authenticate(session, "clerk", "wrong password!", ip="10.0.0.9")
            await session.commit()
    async with db() as session:
        with pytest.raises(LoginRefused) as caught:
            await authenticate(session, "clerk", "correct horse battery", ip="10.0.0.9")
        assert caught.value.key == "auth.locked"
        account = await authenticate(session, "clerk", "correct horse battery", ip="10.0.0.10")
        assert account.login == "clerk"


async def test_a_forged_forwarded_for_does_not_free_the_stranger(
    db: async_sessionmaker[AsyncSession], stranger: Browser
) -> None:
    """TRUSTED_PROXIES is empty here: X-Forwarded-For from the stranger is ignored, so a new
    forged address on each try neither dodges the lockout nor blames someone else."""
    await staff(db, "admin")
    for i in range(throttle.ADMIN_ACCOUNT_IP.limit):
        await stranger.get("/admin/login")
        status, body, _ = await stranger.post(
            "/admin/login",
            {"login": "admin", "password": "wrong password!"},
            headers={"X-Forwarded-For": f"203.0.113.{i}"},
        )
        assert status == 401
    assert "заблокирован" in body
    async with db() as session:
        keys = set(await session.scalars(select(ThrottleHit.key)))
        ips = set(await session.scalars(select(AuditEntry.remote_addr)))
    assert keys and all("127.0.0.2" in key and "203.0.113" not in key for key in keys)
    assert not any(ip and "203.0.113" in ip for ip in ips)

"""The shared rate limit: two limiters (two workers' worth of connections) on one Redis or one
PostgreSQL never let more than the limit through in any window; a 429 is retried, not lost."""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from collections.abc import AsyncIterator, Callable

import pytest
from aiogram import Bot
from aiogram.client.telegram import TelegramAPIServer

from core.db import is_sqlite
from integrations.telegram.ratelimit import (
    Backend,
    LocalBackend,
    PostgresBackend,
    RateLimitedSession,
    RateLimits,
    RedisBackend,
    Window,
)
from tests.bot.fake_api import FakeTelegram, Schema

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


async def redis_up() -> bool:
    from redis.asyncio import Redis

    client = Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        return bool(await client.ping())
    except Exception:
        return False
    finally:
        await client.aclose()


@pytest.fixture(params=["local", "redis", "postgres"])
async def two_backends(
    request: pytest.FixtureRequest, database_url: str
) -> AsyncIterator[tuple[Backend, Backend]]:
    """Two limiters sharing one store (the local one is shared by being one object)."""
    scope = f"h19a-test:{uuid.uuid4().hex}"
    pair: tuple[Backend, Backend]
    if request.param == "local":
        local = LocalBackend()
        pair = (local, local)
    elif request.param == "redis":
        if not await redis_up():
            pytest.skip(f"Redis at {REDIS_URL} does not answer: shared-limit test skipped")
        pair = (RedisBackend(REDIS_URL, scope), RedisBackend(REDIS_URL, scope))
    else:
        if is_sqlite(database_url):
            pytest.skip("TEST_DATABASE_URL is not PostgreSQL: the PostgreSQL limiter test skipped")
        pair = (PostgresBackend(database_url, scope), PostgresBackend(database_url, scope))
    yield pair
    for backend in {id(b): b for b in pair}.values():
        await backend.close()


async def take_all(backend: Backend, windows: list[Window], n: int, stamps: list[float]) -> None:
    for _ in range(n):
        while True:
            wait = await backend.take(windows, ["all"])
            if wait <= 0:
                break
            await asyncio.sleep(wait)
        stamps.append(time.monotonic())


def most_within(stamps: list[float], seconds: float) -> int:
    stamps = sorted(stamps)
    best, start = 0, 0
    for end, at in enumerate(stamps):
        while stamps[start] <= at - seconds:
            start += 1
        best = max(best, end - start + 1)
    return best


async def test_two_limiters_keep_one_window(two_backends: tuple[Backend, Backend]) -> None:
    first, second = two_backends
    window = [Window("all", 20, 0.5)]
    stamps: list[float] = []
    await asyncio.gather(
        *(take_all(first, window, 15, stamps) for _ in range(2)),
        *(take_all(second, window, 15, stamps) for _ in range(2)),
    )
    assert len(stamps) == 60
    # 60 slots at 20 per half second: the last one waits for two windows to pass
    assert max(stamps) - min(stamps) >= 0.9
    # a little slack for the time between the store's decision and our stamp
    assert most_within(stamps, 0.45) <= 20


async def test_a_pause_stops_one_chat_only(two_backends: tuple[Backend, Backend]) -> None:
    first, second = two_backends
    await first.pause("chat:42", 0.6)
    assert await second.take([Window("chat:42", 5, 1.0)], ["all", "chat:42"]) > 0.3
    assert await second.take([Window("chat:43", 5, 1.0)], ["all", "chat:43"]) == 0.0
    await asyncio.sleep(0.7)
    assert await second.take([Window("chat:42", 5, 1.0)], ["all", "chat:42"]) == 0.0


@pytest.fixture
async def strict_fake(schema: Schema) -> AsyncIterator[FakeTelegram]:
    server = FakeTelegram(schema, token="777002:strict-token", rate_limit=5)
    await server.start()
    yield server
    await server.close()


async def test_429_is_waited_out_and_retried_never_dropped(strict_fake: FakeTelegram) -> None:
    """The limiter is set far above what the API allows: the API answers 429s, and every
    message still arrives (after its retry_after), each exactly once."""
    loose = RateLimits(per_second=1000, private_burst=1000)
    session = RateLimitedSession(
        LocalBackend(), loose, api=TelegramAPIServer.from_base(strict_fake.url)
    )
    bot = Bot(token=strict_fake.token, session=session)
    send: Callable[[int], object] = lambda n: bot.send_message(1000 + n, f"сообщение {n}")  # noqa: E731
    try:
        await asyncio.gather(*(send(n) for n in range(12)))  # type: ignore[misc]
    finally:
        await bot.session.close()
    delivered = [c for c in strict_fake.calls if c.method == "sendMessage" and c.status == 200]
    assert strict_fake.too_many > 0
    assert sorted(c.chat_id or 0 for c in delivered) == [1000 + n for n in range(12)]
    assert session.limiter.retried == strict_fake.too_many

"""240 people press /start at once while the Bot API allows 30 messages a second: every one of
them gets an answer (the shared rate limit paces the replies; a 429 would be retried)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.factory import create_bot, create_dispatcher
from core.settings import get_settings
from integrations.telegram.ratelimit import RateLimitedSession
from tests.bot.fake_api import FakeTelegram, Schema, TgUser

PEOPLE = 240


@pytest.fixture
async def flood_fake(schema: Schema) -> AsyncIterator[FakeTelegram]:
    server = FakeTelegram(schema, token="777001:burst-token", rate_limit=30)
    await server.start()
    yield server
    await server.close()
    assert not server.violations, "\n".join(server.violations)


async def test_240_people_at_once_are_all_answered_within_30_per_second(
    flood_fake: FakeTelegram, db: async_sessionmaker[AsyncSession], database_url: str
) -> None:
    settings = get_settings(
        environment="test",
        database_url=database_url,
        bot_token=flood_fake.token,
        telegram_api_url=flood_fake.url,
        redis_url=None,
        _env_file=None,
    )
    bot = create_bot(settings)
    dispatcher = create_dispatcher(settings, db)
    people = [TgUser(id=8_100_000 + n, username=f"burst{n}") for n in range(PEOPLE)]
    for person in people:  # all queued before the bot fetches the first one
        await flood_fake.push("message", start_message(flood_fake, person))
    task = asyncio.create_task(
        dispatcher.start_polling(bot, polling_timeout=1, handle_signals=False)
    )
    try:
        answered = await wait_answered(flood_fake, {p.id for p in people}, timeout=90)
    finally:
        await dispatcher.stop_polling()
        await asyncio.wait_for(task, 30)
    assert answered == {p.id for p in people}, f"{PEOPLE - len(answered)} got no answer"
    delivered = [c.at for c in flood_fake.calls if c.method == "sendMessage" and c.status == 200]
    assert max_in_one_second(delivered) <= 30
    assert isinstance(bot.session, RateLimitedSession)


def start_message(fake: FakeTelegram, person: TgUser) -> dict[str, object]:
    entities = [{"type": "bot_command", "offset": 0, "length": 6}]
    return fake.message(person, text="/start", entities=entities)


async def wait_answered(fake: FakeTelegram, chats: set[int], timeout: float) -> set[int]:  # noqa: ASYNC109
    """The chats that got a delivered sendMessage, once all did or `timeout` passed with no
    new answer for 5 s."""
    loop = asyncio.get_running_loop()
    deadline, last_change, seen = loop.time() + timeout, loop.time(), 0
    while True:
        answered = {
            c.chat_id for c in fake.calls if c.method == "sendMessage" and c.status == 200
        } & chats
        if len(answered) != seen:
            seen, last_change = len(answered), loop.time()
        if answered == chats or loop.time() > deadline or loop.time() - last_change > 5:
            return {c for c in answered if c is not None}
        await asyncio.sleep(0.2)


def max_in_one_second(times: list[float]) -> int:
    """The most arrivals within any one-second window."""
    times = sorted(times)
    best, start = 0, 0
    for end, at in enumerate(times):
        while times[start] <= at - 1.0:
            start += 1
        best = max(best, end - start + 1)
    return best

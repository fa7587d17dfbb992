"""Broadcast tests: the fake Bot API enforcing Telegram's 30 messages a second (429 above it),
counted on the virtual clock at the moment each request leaves the sender (a client middleware
stamps it), and the sender on the same clock."""

from __future__ import annotations

import asyncio
from bisect import bisect_left, bisect_right, insort
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from aiogram import Bot
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.factory import create_bot
from core.settings import Settings, get_settings
from dealerbot.telegram import make_sender
from integrations.telegram.limits import Limits
from integrations.telegram.sender import Sender
from tests.bot.conftest import schema  # noqa: F401
from tests.bot.fake_api import Call, Schema
from tests.managers.limits import LimitedTelegram, VirtualClock

SENDS = ("sendMessage", "sendPhoto")


class RateLimitedTelegram(LimitedTelegram):
    """Answers 429 (retry_after 1) to a send when 30 sends were already made in the last
    second of the clock, as Telegram does to a bot above its broadcast limit. `hang_after`
    makes it stop answering once that many sends arrived (the sender is then stuck mid-request,
    as a process about to be killed is): calls are still recorded, answers never come."""

    def __init__(self, api: Schema, clock: VirtualClock, per_second: int = 30) -> None:
        super().__init__(api, clock)
        self.per_second = per_second
        self.accepted: list[float] = []  # when accepted sends left the sender, sorted
        self.left: dict[int, deque[float]] = {}
        self.too_many = 0
        self.hang_after: int | None = None
        self.hanging = 0
        self._release = asyncio.Event()
        self._hung = asyncio.Condition()

    async def wait_hanging(self, count: int) -> None:
        """Until `count` requests are stuck waiting for an answer."""
        async with self._hung:
            await self._hung.wait_for(lambda: self.hanging >= count)

    def stamp(self, chat_id: int, at: float) -> None:
        """The moment (on the test's clock) a request to `chat_id` left the sender."""
        self.left.setdefault(chat_id, deque()).append(at)

    def _answer(self, call: Call) -> tuple[int, Any]:
        if call.method in SENDS:
            queue = self.left.get(call.chat_id or 0)
            at = queue.popleft() if queue else self.clock.now()
            if self._above_limit(at):
                self.too_many += 1
                self.stamps[id(call)] = at
                return 429, "Too Many Requests: retry after 1"
            insort(self.accepted, at)
        return super()._answer(call)

    def _above_limit(self, at: float) -> bool:
        """Would one more send at `at` put more than `per_second` sends in some one-second
        window? (Requests may arrive out of the order they left in, so every window that holds
        `at` is counted.)"""
        width = 1.0 - 1e-9
        lo = bisect_left(self.accepted, at - width)
        for start in [*self.accepted[lo : bisect_right(self.accepted, at)], at]:
            inside = bisect_right(self.accepted, start + width) - bisect_left(self.accepted, start)
            if inside + 1 > self.per_second:
                return True
        return False

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        response = await super()._handle(request)
        if self.hang_after is not None and len(self.delivered()) > self.hang_after:
            async with self._hung:
                self.hanging += 1
                self._hung.notify_all()
            await self._release.wait()
        return response

    def delivered(self, chat_id: int | None = None) -> list[Call]:
        """Sends Telegram accepted (not refused), to one chat or all."""
        return [
            c
            for c in self.calls
            if c.method in SENDS
            and isinstance(c.result, dict)
            and (chat_id is None or c.chat_id == chat_id)
        ]

    async def close(self) -> None:
        self._release.set()
        await super().close()


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock()


@pytest.fixture
async def fake(schema: Schema, clock: VirtualClock) -> AsyncIterator[RateLimitedTelegram]:  # noqa: F811
    server = RateLimitedTelegram(schema, clock)
    await server.start()
    yield server
    await server.close()
    assert not server.violations, "Bot API schema violations:\n" + "\n".join(server.violations)


@pytest.fixture
def settings(fake: RateLimitedTelegram, database_url: str) -> Settings:
    return get_settings(
        environment="test",
        database_url=database_url,
        bot_token=fake.token,
        telegram_api_url=fake.url,
        redis_url=None,
        _env_file=None,
    )


@dataclass
class Telegram:
    """The sender side of a test: make a sender (a new one is a restarted process)."""

    fake: RateLimitedTelegram
    clock: VirtualClock
    db: async_sessionmaker[AsyncSession]
    settings: Settings
    bot: Bot

    def sender(self, **kw: Any) -> Sender:
        kw.setdefault("lease", timedelta(0))
        return make_sender(
            self.bot, self.db, self.settings, clock=self.clock, limits=Limits(), **kw
        )

    async def drain(self) -> None:
        """Deliver everything queued, as a sender running until the queue is empty."""
        sender = self.sender()
        while await sender.run_once():
            pass
        await sender.run_once()


@pytest.fixture
async def telegram(
    fake: RateLimitedTelegram,
    clock: VirtualClock,
    db: async_sessionmaker[AsyncSession],
    settings: Settings,
) -> AsyncIterator[Telegram]:
    bot = create_bot(settings)

    async def stamp(make_request: Any, bot: Bot, method: Any) -> Any:
        chat_id = getattr(method, "chat_id", None)
        if isinstance(chat_id, int):
            fake.stamp(chat_id, clock.now())
        return await make_request(bot, method)

    bot.session.middleware(stamp)
    yield Telegram(fake, clock, db, settings, bot)
    await bot.session.close()

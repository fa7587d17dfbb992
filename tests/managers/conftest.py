"""Managers' tests: the real bot on the fake Bot API (with limits), a dealer, two managers,
a group chat, and the sender on a virtual clock."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.calendar import load_calendar
from core.models import Role, User
from core.notify_settings import DIGEST, IMMEDIATE, NotifyEnv
from core.orders.cart import add_item
from core.orders.placement import place_order
from core.orders.status import change_status
from dealerbot.telegram import make_sender
from integrations.telegram.limits import Limits
from integrations.telegram.sender import Sender
from tests.bot.conftest import BotHarness, Shop, make_shop, schema, tg  # noqa: F401
from tests.bot.fake_api import BOT_ID, BOT_USERNAME, Call, Schema, TgUser
from tests.managers.limits import LimitedTelegram, VirtualClock

MSK = ZoneInfo("Europe/Moscow")
GROUP_CHAT = -100_555_000_111
_keys = itertools.count(1)


def msk(*args: int) -> datetime:
    """A Moscow wall-clock time (the tests' dates are in the future of the real clock)."""
    return datetime(*args, tzinfo=MSK)


# A working Thursday, an after-hours Friday evening and the next Monday morning.
THURSDAY_NOON = msk(2026, 12, 10, 12, 0)
FRIDAY_EVENING = msk(2026, 12, 11, 19, 30)
MONDAY_OPENING = msk(2026, 12, 14, 9, 0)


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock()


@pytest.fixture
async def fake(schema: Schema, clock: VirtualClock) -> AsyncIterator[LimitedTelegram]:  # noqa: F811
    server = LimitedTelegram(schema, clock)
    await server.start()
    yield server
    await server.close()
    assert not server.violations, "Bot API schema violations:\n" + "\n".join(server.violations)


@dataclass
class World:
    """A dealer (with its person), its manager, another manager and the managers' group."""

    tg: BotHarness
    db: async_sessionmaker[AsyncSession]
    fake: LimitedTelegram
    clock: VirtualClock
    shop: Shop
    manager: TgUser
    manager_id: int
    other: TgUser
    other_id: int
    env: NotifyEnv = field(default_factory=lambda: NotifyEnv(_env_file=None))  # type: ignore[call-arg]

    def sender(self, **kw: Any) -> Sender:
        """A sender on the test's clock (a new one is a restarted process)."""
        return make_sender(
            self.tg.bot,
            self.db,
            self.tg.settings,
            clock=self.clock,
            limits=Limits(),
            notify_env=self.env,
            **kw,
        )

    def policy(self, *, group: bool = False, after_hours: str = IMMEDIATE) -> None:
        self.env = NotifyEnv(
            _env_file=None,  # type: ignore[call-arg]
            managers_chat_id=GROUP_CHAT if group else None,
            after_hours_policy=after_hours,
        )

    async def place(self, at: datetime, items: dict[str, int] | None = None, **kw: Any) -> int:
        """The dealer's person orders at `at`; the working calendar decides after-hours."""
        async with self.db() as s:
            user = await s.get(User, self.shop.user_id)
            assert user is not None
            for article, n in (items or {"OC 90": 2, "W712/75": 1}).items():
                await add_item(s, user, self.shop.products[article], n)
            order = await place_order(
                s,
                user,
                request_key=f"m-{next(_keys)}",
                calendar=await load_calendar(s, self.tg.settings),
                now=at,
                **kw,
            )
            await s.commit()
            return order.id

    async def move(self, order_id: int, status: str) -> None:
        from core.models import Order

        async with self.db() as s:
            order = await s.get(Order, order_id)
            assert order is not None
            await change_status(s, order, status, actor_kind="system", notify_dealer=False)
            await s.commit()

    async def press(self, who: TgUser, card: Call, starts: str) -> list[Call]:
        """Press a button of a card, in whatever chat the card is (private or the group)."""
        return await self.press_many([(who, card, starts)])

    async def press_many(self, presses: list[tuple[TgUser, Call, str]]) -> list[Call]:
        """Several people press at the same moment: all updates are queued, then handled."""
        start = len(self.fake.calls)
        last = 0
        for who, card, starts in presses:
            last = await self.fake.push("callback_query", callback(self.fake, who, card, starts))
        await self.tg.settle(last)
        return self.fake.calls[start:]


def callback(fake: LimitedTelegram, who: TgUser, card: Call, starts: str) -> dict[str, Any]:
    """A callback query from `who` on the bot's message `card` in the card's chat."""
    chat_id = card.chat_id
    assert chat_id is not None and card.message_id is not None
    chat: dict[str, Any] = (
        {"id": chat_id, "type": "supergroup", "title": "Менеджеры"}
        if chat_id < 0
        else {"id": chat_id, "type": "private", "first_name": who.first_name}
    )
    return {
        "id": f"cq-{who.id}-{card.message_id}-{next(_keys)}",
        "from": who.as_dict(),
        "chat_instance": f"ci{chat_id}",
        "message": {
            "message_id": card.message_id,
            "date": 0,
            "chat": chat,
            "from": {"id": BOT_ID, "is_bot": True, "first_name": "Bot", "username": BOT_USERNAME},
            "text": card.text,
        },
        "data": card.button(starts),
    }


async def add_manager(
    db: async_sessionmaker[AsyncSession], harness: BotHarness, name: str
) -> TgUser:
    person = harness.person(first_name=name)
    async with db() as s:
        s.add(User(telegram_id=person.id, role=Role.MANAGER, full_name=name, language="ru"))
        await s.commit()
    return person


@pytest.fixture
async def world(
    tg: BotHarness,  # noqa: F811
    db: async_sessionmaker[AsyncSession],
    fake: LimitedTelegram,
    clock: VirtualClock,
) -> World:
    from sqlalchemy import select

    from core.models import Dealer

    shop = await make_shop(tg, db)
    manager = await add_manager(db, tg, "Ольга Петрова")
    other = await add_manager(db, tg, "Сергей Иванов")
    async with db() as s:
        ids = {
            u.telegram_id: u.id
            for u in await s.scalars(
                select(User).where(User.telegram_id.in_([manager.id, other.id]))
            )
        }
        dealer = await s.get(Dealer, shop.dealer_id)
        assert dealer is not None
        dealer.manager_id = ids[manager.id]
        await s.commit()
    return World(tg, db, fake, clock, shop, manager, ids[manager.id], other, ids[other.id])


__all__ = ["DIGEST", "FRIDAY_EVENING", "MONDAY_OPENING", "THURSDAY_NOON", "World", "msk"]

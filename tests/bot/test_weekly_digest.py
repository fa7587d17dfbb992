"""The head of sales' weekly digest: queued once per week for every admin chat, sent by the
sender through the fake Bot API, with the figures of the dashboard and last week's after hours.

Zone Europe/Moscow (UTC+3). Monday 2026-03-09 is in ISO week 11 (week 1 starts Monday
2025-12-29; 69 days later is the Monday of week 11). Default schedule: Mondays 09:00.
"""

from __future__ import annotations

from datetime import UTC, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.calendar import load_calendar
from core.dealers.staff import create_staff_account
from core.metrics.weekly import (
    WEEKLY_DIGEST,
    WeeklyDigestConfig,
    queue_weekly_digest,
    save_weekly_config,
)
from core.models import Delivery, Order, Role, User
from dealerbot.telegram import make_sender
from tests.bot.conftest import BotHarness, Shop

MSK = ZoneInfo("Europe/Moscow")


def msk(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=MSK).astimezone(UTC)


async def _queue(tg: BotHarness, db: async_sessionmaker[AsyncSession], now: datetime) -> int:
    async with db() as s:
        calendar = await load_calendar(s, tg.settings)
        added = await queue_weekly_digest(s, calendar, now=now)
        await s.commit()
    return added


async def test_weekly_digest_once_a_week_to_every_admin(
    tg: BotHarness, shop: Shop, db: async_sessionmaker[AsyncSession]
) -> None:
    boss, owner = tg.person(), tg.person(language="en")
    async with db() as s:
        account = await create_staff_account(s, login="boss", password="x" * 12, role=Role.ADMIN)
        account.telegram_id = boss.id  # an admin login with its own chat
        s.add(User(telegram_id=owner.id, role=Role.ADMIN, full_name="Owner", language="en"))
        manager = await create_staff_account(s, login="m", password="x" * 12, role=Role.MANAGER)
        manager.telegram_id = 555  # managers get no digest
        # Wednesday 21:00 (after hours, never confirmed) and Thursday 12:00, both in the bot.
        for number, placed, flag in (("W-1", msk(4, 21), True), ("W-2", msk(5, 12), False)):
            s.add(
                Order(
                    number=number,
                    dealer_id=shop.dealer_id,
                    placed_at=placed,
                    is_after_hours=flag,
                    total=Decimal(1000),
                )
            )
        await s.commit()

    assert await _queue(tg, db, msk(9, 8, 59)) == 0  # before Monday 09:00
    assert await _queue(tg, db, msk(9, 10)) == 2
    assert await _queue(tg, db, msk(9, 11)) == 0  # the same week: nothing more
    assert await _queue(tg, db, msk(12, 10)) == 0

    assert await make_sender(tg.bot, db, tg.settings).run_once() == 2
    ru = await tg.wait_for("sendMessage", lambda c: c.chat_id == boss.id)
    en = await tg.wait_for("sendMessage", lambda c: c.chat_id == owner.id)
    assert ru.text.startswith("📊 Сводка внедрения за неделю 2026-W11")
    # Over the 30 days before now both orders came through the bot: 2 / 2; no baseline (no
    # waves, no launch date), so no target.
    assert "▫️ Доля заказов через бот: 100\xa0% / цели нет" in ru.text
    # Last week 02.03-08.03: 1 of 2 orders after hours; it waited at Thursday 09:00.
    assert (
        "Нерабочее время 02.03–08.03: 1 из 2 заказов (50\xa0%); ждали начала рабочего дня: 1,"
        " максимум за утро 1." in ru.text
    )
    assert en.text.startswith("📊 Rollout digest, week 2026-W11")
    assert "Share of orders placed through the bot: 100% / no target" in en.text

    # The next Monday is a new week: one more message each.
    assert await _queue(tg, db, msk(16, 9)) == 2
    async with db() as s:
        keys = sorted(
            str(key)
            for key in await s.scalars(
                select(Delivery.dedupe_key).where(Delivery.kind == WEEKLY_DIGEST)
            )
        )
    assert keys == sorted(
        f"weekly:2026-W{week}:{chat}" for week in (11, 12) for chat in (boss.id, owner.id)
    )


async def test_schedule_from_admin_settings(
    tg: BotHarness, shop: Shop, db: async_sessionmaker[AsyncSession]
) -> None:
    boss = tg.person()
    async with db() as s:
        account = await create_staff_account(s, login="boss", password="x" * 12, role=Role.ADMIN)
        account.telegram_id = boss.id
        await save_weekly_config(s, WeeklyDigestConfig(weekday=5, at=time(17, 30)))
        await s.commit()
    assert await _queue(tg, db, msk(9, 10)) == 0  # Monday: not yet
    assert await _queue(tg, db, msk(13, 17, 29)) == 0  # Friday 17:29
    assert await _queue(tg, db, msk(13, 17, 30)) == 1
    async with db() as s:
        await save_weekly_config(s, WeeklyDigestConfig(enabled=False))
        await s.commit()
    assert await _queue(tg, db, msk(20, 17, 30)) == 0  # switched off

"""The sandbox: the real Dispatcher through the in-process Bot API, end to end on the DB."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.sandbox.feeder import Sandbox
from core import sandbox
from core.models import Delivery, Order, OrderStatus, Role, SandboxMessage, User
from core.orders.onec_sync import orders_pending_export
from core.settings import get_settings
from dealerbot.telegram import make_sandbox
from tests import factories


@pytest.fixture
async def box(db: async_sessionmaker[AsyncSession], database_url: str) -> AsyncIterator[Sandbox]:
    settings = get_settings(
        environment="test",
        database_url=database_url,
        bot_token=None,
        redis_url=None,
        _env_file=None,
    )
    assert settings.bot_token is None
    made = make_sandbox(settings, db)
    yield made
    await made.close()


async def chat(db: async_sessionmaker[AsyncSession], chat_id: int) -> list[SandboxMessage]:
    async with db() as s:
        rows = await s.scalars(
            select(SandboxMessage)
            .where(SandboxMessage.chat_id == chat_id, SandboxMessage.deleted.is_(False))
            .order_by(SandboxMessage.id)
        )
        return list(rows)


def buttons(row: SandboxMessage) -> list[dict[str, Any]]:
    return [b for line in (row.markup or {}).get("inline_keyboard", []) for b in line]


async def tap(
    box: Sandbox, db: async_sessionmaker[AsyncSession], chat_id: int, label: str
) -> list[str]:
    """Tap the newest button whose label has `label`; the toasts it showed."""
    for row in reversed(await chat(db, chat_id)):
        for button in buttons(row):
            if label in button["text"] and button.get("callback_data"):
                done = await box.press(chat_id, row.message_id, button["callback_data"])
                return list(done["toasts"])
    raise AssertionError(f"no button {label!r} in chat {chat_id}")


async def last_bot_text(db: async_sessionmaker[AsyncSession], chat_id: int) -> str:
    rows = [r for r in await chat(db, chat_id) if r.from_bot and r.kind != "toast"]
    return rows[-1].text


async def world(db: async_sessionmaker[AsyncSession]) -> tuple[int, int]:
    """A manager and their dealer with one person (no Telegram ids at all, as in the demo)."""
    async with db() as s:
        pt = await factories.price_type(s)
        main = await factories.warehouse(s, "Москва")
        await factories.product(
            s, "OC 90", "Фильтр масляный", prices={pt: "350.00"}, stock={main: "40"}
        )
        manager = await factories.user(s, role=Role.MANAGER)
        manager.telegram_id = None
        dealer = await factories.dealer(s, price_type=pt, manager=manager)
        person = await factories.user(s, dealer=dealer)
        person.telegram_id = None
        await s.commit()
        return person.id, manager.id


async def test_dealer_orders_manager_confirms_all_marked(
    box: Sandbox, db: async_sessionmaker[AsyncSession]
) -> None:
    person_id, manager_id = await world(db)
    async with db() as s:
        me = await sandbox.stand_in(s, person_id)
        boss = await sandbox.stand_in(s, manager_id)
        await s.commit()
        me_chat, boss_chat = int(me.telegram_id or 0), int(boss.telegram_id or 0)
    assert sandbox.is_sandbox_chat(me_chat) and sandbox.is_sandbox_chat(boss_chat)

    await box.say(me_chat, "OC 90")
    found = await last_bot_text(db, me_chat)
    assert "OC 90" in found and "350" in found
    assert any("в корзине 5" in t for t in await tap(box, db, me_chat, "OC 90 +5"))
    await tap(box, db, me_chat, "Корзина")
    await tap(box, db, me_chat, "Оформить")
    for _ in range(8):  # address, date, comment, PO: skipped; then confirm
        rows = [r for r in await chat(db, me_chat) if r.from_bot and r.kind != "toast"]
        labels = [b["text"] for b in buttons(rows[-1])]
        if any("Подтвердить" in label for label in labels):
            await tap(box, db, me_chat, "Подтвердить")
            break
        await tap(box, db, me_chat, "Пропустить")
    async with db() as s:
        order = await s.scalar(select(Order).where(Order.author_id == me.id))
        assert order is not None and order.is_sandbox and order.status == OrderStatus.NEW
        # never offered to 1C
        assert order.id not in {o.order.id for o in await orders_pending_export(s)}
    assert order.number in await last_bot_text(db, me_chat) or "принят" in (
        await last_bot_text(db, me_chat)
    )
    # the manager's stand-in got the card, in the sandbox chat only
    card = await last_bot_text(db, boss_chat)
    assert order.number in card and "350" in card
    async with db() as s:
        chats = set(await s.scalars(select(Delivery.chat_id)))
    assert chats and all(sandbox.is_sandbox_chat(c) for c in chats)
    await tap(box, db, boss_chat, "Подтвердить")
    async with db() as s:
        assert (await s.get(Order, order.id)).status == OrderStatus.CONFIRMED  # type: ignore[union-attr]
    notice = await last_bot_text(db, me_chat)
    assert order.number in notice and "подтвержд" in notice.lower()

    async with db() as s:
        real_before = await s.scalar(select(func.count()).select_from(User))
        counts = await sandbox.reset(s)
        await s.commit()
        assert counts["orders"] == 1 and counts["people"] == 2
        assert await s.get(Order, order.id) is None
        assert await s.scalar(select(func.count()).select_from(User)) == (real_before or 0) - 2
        assert await s.get(User, person_id) is not None and await s.get(User, manager_id)
        assert not list(await s.scalars(select(SandboxMessage)))

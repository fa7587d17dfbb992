"""Features the admin switched off for a dealer are not offered in the bot, and refused if used."""

from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.callbacks import OrderAction
from core.models import Cart, CartLine, Dealer
from tests.bot.conftest import BotHarness, Shop, alerts, last_message
from tests.bot.test_bot_orders_claims import placed_order


async def switch(db: async_sessionmaker[AsyncSession], dealer_id: int, **features: bool) -> None:
    async with db() as s:
        await s.execute(update(Dealer).where(Dealer.id == dealer_id).values(features=features))
        await s.commit()


async def cart_lines(db: async_sessionmaker[AsyncSession], dealer_id: int) -> int:
    async with db() as s:
        count = await s.scalar(
            select(func.count(CartLine.id)).join(Cart).where(Cart.dealer_id == dealer_id)
        )
        return count or 0


async def test_switched_off_features_have_no_buttons_and_are_refused(
    tg: BotHarness, shop: Shop, db: async_sessionmaker[AsyncSession]
) -> None:
    me = shop.tg_user
    order_id = await placed_order(db, shop, {"OC 90": 2}, status="confirmed")
    before = last_message(await tg.send_text(me, "/menu"))
    assert "⚠️ Рекламации" in before.keyboard
    detail = last_message(await tg.press(me, OrderAction(action="view", order_id=order_id).pack()))
    assert any(t == "🔁 Повторить" for t, _d in detail.buttons)
    assert any(t == "⚠️ Рекламация" for t, _d in detail.buttons)
    repeat_data = detail.button("🔁 Повторить")

    await switch(db, shop.dealer_id, claims=False, reorder=False)
    menu = last_message(await tg.send_text(me, "/menu"))
    assert "⚠️ Рекламации" not in menu.keyboard
    assert "📦 Заказы" in menu.keyboard and "🛒 Корзина" in menu.keyboard
    detail = last_message(await tg.press(me, OrderAction(action="view", order_id=order_id).pack()))
    assert "DB-" in detail.text
    assert detail.buttons == []

    # a button from before the switch: refused with a clear word, the cart untouched
    lines = await cart_lines(db, shop.dealer_id)
    calls = await tg.press(me, repeat_data, detail.message_id or 1)
    shown = alerts(calls) + [c.text for c in calls if c.method == "sendMessage"]
    assert any("отключена" in text for text in shown), shown
    assert await cart_lines(db, shop.dealer_id) == lines

    await switch(db, shop.dealer_id, claims=True, reorder=True)
    again = last_message(await tg.send_text(me, "/menu"))
    assert "⚠️ Рекламации" in again.keyboard

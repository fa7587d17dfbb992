"""Cart and checkout as a dealer walks them: add, change, remove, bad quantities, checkout steps,
confirm, and double taps that must not place two orders."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.callbacks import AddToCart
from core.models import CartLine, Order, OrderLine, OutboxEvent
from tests.bot.conftest import BotHarness, Shop, alerts, last_message


async def cart_quantities(db: async_sessionmaker[AsyncSession]) -> dict[int, Decimal]:
    async with db() as s:
        rows = await s.execute(select(CartLine.product_id, CartLine.quantity))
        return {pid: q for pid, q in rows}


async def test_cart_view_change_remove_and_bad_quantities(
    tg: BotHarness, shop: Shop, db: async_sessionmaker[AsyncSession]
) -> None:
    me = shop.tg_user
    oc, mann = shop.products["OC 90"], shop.products["W712/75"]
    added = await tg.press(me, AddToCart(product_id=oc, qty=5).pack())
    assert any("Добавлено 5" in a for a in alerts(added))
    await tg.press(me, AddToCart(product_id=mann, qty=10).pack())

    view = last_message(await tg.send_text(me, "🛒 Корзина"))
    assert "OC 90 — Фильтр масляный" in view.text
    assert "5 шт × 350,00 ₽ = 1\xa0750,00 ₽" in view.text
    assert "больше, чем на складе (3)" in view.text  # 10 of W712/75, 3 in stock
    assert "Итого: 6\xa0875,00 ₽" in view.text

    plus = await tg.press(me, view.buttons[2][1], view.message_id or 1)  # ➕ on OC 90
    edited = last_message(plus)
    assert edited.method == "editMessageText" and "6 шт" in edited.text
    assert (await cart_quantities(db))[oc] == 6

    ask = last_message(await tg.press_in(me, edited, "OC 90"))
    assert "Сколько" in ask.text
    for bad, words in [
        ("0", "больше нуля"),
        ("-3", "больше нуля"),
        ("1000000", "Слишком большое"),
        ("два", "числом"),
        ("1,5", "целым"),
    ]:
        reply = last_message(await tg.send_text(me, bad))
        assert words in reply.text, (bad, reply.text)
        assert (await cart_quantities(db))[oc] == 6
    done = last_message(await tg.send_text(me, "7"))
    assert "7 шт" in done.text
    assert (await cart_quantities(db))[oc] == 7

    removed = last_message(await tg.press(me, done.buttons[7][1], done.message_id or 1))  # 🗑 W712
    assert "W712/75" not in removed.text
    assert set(await cart_quantities(db)) == {oc}

    cleared = last_message(await tg.press_in(me, removed, "Очистить"))
    assert "Корзина пуста" in cleared.text
    assert await cart_quantities(db) == {}


async def test_checkout_with_every_step_and_double_taps(
    tg: BotHarness, shop: Shop, db: async_sessionmaker[AsyncSession]
) -> None:
    me = shop.tg_user
    await tg.press(me, AddToCart(product_id=shop.products["OC 90"], qty=10).pack())
    await tg.press(me, AddToCart(product_id=shop.products["LX 1006"], qty=1).pack())
    view = last_message(await tg.send_text(me, "🛒 Корзина"))

    ask_address = last_message(await tg.press_in(me, view, "✅ Оформить"))
    assert "Адрес доставки" in ask_address.text
    assert ask_address.buttons[0][0].startswith("Москва, ул. Складская")
    ask_date = last_message(await tg.send_text(me, "Казань, ул. Новая, 5"))
    assert "дата" in ask_date.text
    assert "Не понял дату" in last_message(await tg.send_text(me, "завтра")).text
    assert "прошла" in last_message(await tg.send_text(me, "01.01.2020")).text
    wanted = date.today() + timedelta(days=7)
    ask_comment = last_message(await tg.send_text(me, wanted.strftime("%d.%m.%Y")))
    assert "Комментарий" in ask_comment.text
    ask_po = last_message(await tg.press_in(me, ask_comment, "Пропустить"))
    assert "Номер вашего заказа" in ask_po.text
    confirm = last_message(await tg.send_text(me, "PO-77"))
    assert "Адрес: Казань, ул. Новая, 5" in confirm.text
    assert "Номер заказа покупателя: PO-77" in confirm.text
    assert "Итого: 4\xa0390,00 ₽" in confirm.text
    async with db() as s:
        assert await s.scalar(select(func.count(Order.id))) == 0

    # a double tap: two presses of the same confirm button at once
    first, second = await asyncio.gather(
        tg.press_in(me, confirm, "✅ Подтвердить"), tg.press_in(me, confirm, "✅ Подтвердить")
    )
    placed = [c.text for c in first + second if c.method == "sendMessage"]
    assert placed and all("Заказ DB-" in t for t in placed)
    assert len({t.split()[1] for t in placed}) == 1  # the same number both times
    # the update delivered again later
    again = last_message(await tg.press_in(me, confirm, "✅ Подтвердить"))
    assert again.text.split()[1] == placed[0].split()[1]

    async with db() as s:
        orders = list(await s.scalars(select(Order)))
        assert len(orders) == 1
        order = orders[0]
        assert order.number == placed[0].split()[1]
        assert order.delivery_address == "Казань, ул. Новая, 5"
        assert order.desired_date == wanted and order.dealer_po == "PO-77" and order.comment == ""
        assert order.request_key == f"tg:{me.id}:{confirm.message_id}"
        assert order.total == Decimal("4390.00")
        lines = list(await s.scalars(select(OrderLine).order_by(OrderLine.line_no)))
        assert [(ln.article, ln.quantity) for ln in lines] == [("OC 90", 10), ("LX 1006", 1)]
        kinds = set(await s.scalars(select(OutboxEvent.kind)))
        assert {"order.placed", "order.export_1c"} <= kinds
    assert await cart_quantities(db) == {}


async def test_checkout_skips_optional_steps_and_cancel_keeps_cart(
    tg: BotHarness, shop: Shop, db: async_sessionmaker[AsyncSession]
) -> None:
    me = shop.tg_user
    await tg.press(me, AddToCart(product_id=shop.products["OC 90"], qty=1).pack())
    view = last_message(await tg.send_text(me, "🛒 Корзина"))
    step = last_message(await tg.press_in(me, view, "✅ Оформить"))
    cancelled = last_message(await tg.press_in(me, step, "Отмена"))
    assert "корзина сохранена" in cancelled.text
    assert len(await cart_quantities(db)) == 1

    step = last_message(await tg.press_in(me, view, "✅ Оформить"))
    step = last_message(await tg.press_in(me, step, "Москва, ул. Складская"))
    for _ in range(3):  # date, comment, PO
        step = last_message(await tg.press_in(me, step, "Пропустить"))
    assert "Адрес: Москва, ул. Складская, 1" in step.text and "Дата: —" in step.text
    # a menu button in the middle of a flow leaves the flow
    await tg.send_text(me, "📦 Заказы")
    stale = await tg.press_in(me, step, "✅ Подтвердить")
    assert any("устарела" in a for a in alerts(stale))
    async with db() as s:
        assert await s.scalar(select(func.count(Order.id))) == 0


async def test_checkout_asks_legal_entity_when_there_are_several(
    tg: BotHarness, db: async_sessionmaker[AsyncSession]
) -> None:
    from tests.bot.conftest import make_shop

    shop = await make_shop(tg, db, entities=2)
    me = shop.tg_user
    await tg.press(me, AddToCart(product_id=shop.products["OC 90"], qty=2).pack())
    view = last_message(await tg.send_text(me, "🛒 Корзина"))
    pick = last_message(await tg.press_in(me, view, "✅ Оформить"))
    assert "Юрлицо" in pick.text and len(pick.buttons) == 3
    step = last_message(await tg.press_in(me, pick, "ООО Автодеталь ЮЛ2"))
    for _ in range(4):
        step = last_message(await tg.press_in(me, step, "Пропустить"))
    assert "Юрлицо: ООО Автодеталь ЮЛ2" in step.text
    await tg.press_in(me, step, "✅ Подтвердить")
    async with db() as s:
        order = await s.scalar(select(Order))
        assert order is not None
        from core.models import LegalEntity

        entity = await s.get(LegalEntity, order.legal_entity_id)
        assert entity is not None and entity.name.endswith("ЮЛ2")

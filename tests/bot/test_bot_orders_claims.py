"""Orders (list, detail, Repeat with the diff), claims, and buttons carrying someone else's ids."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.callbacks import ClaimAction, OrderAction
from core.calendar import calendar_from_settings
from core.models import (
    CartLine,
    Claim,
    ClaimAttachment,
    ClaimLine,
    Order,
    OrderStatus,
    Price,
    Product,
    Stock,
    User,
)
from core.orders.cart import add_item
from core.orders.placement import place_order
from core.orders.status import change_status
from core.settings import get_settings
from tests.bot.conftest import BotHarness, Shop, alerts, last_message, make_shop


async def placed_order(
    db: async_sessionmaker[AsyncSession], shop: Shop, items: dict[str, int], status: str = "new"
) -> int:
    async with db() as s:
        user = await s.get(User, shop.user_id)
        assert user is not None
        for article, n in items.items():
            await add_item(s, user, shop.products[article], n)
        order = await place_order(
            s,
            user,
            request_key=f"test-{shop.user_id}-{len(items)}-{status}",
            calendar=calendar_from_settings(get_settings(_env_file=None)),
        )
        if status != "new":
            await change_status(s, order, status, actor_kind="system", notify_dealer=False)
        await s.commit()
        return order.id


async def test_orders_list_detail_and_repeat_with_diff(
    tg: BotHarness, shop: Shop, db: async_sessionmaker[AsyncSession]
) -> None:
    me = shop.tg_user
    order_id = await placed_order(db, shop, {"OC 90": 4, "W712/75": 2, "LX 1006": 1})
    listing = last_message(await tg.send_text(me, "📦 Заказы"))
    assert listing.buttons[0][0].startswith("DB-") and "новый" in listing.buttons[0][0]

    detail = last_message(await tg.press(me, listing.buttons[0][1], listing.message_id or 1))
    assert "новый" in detail.text and "OC 90 — Фильтр масляный" in detail.text
    assert "4 шт × 350,00 ₽ = 1\xa0400,00 ₽" in detail.text
    assert not any(t.startswith("⚠️") for t, _d in detail.buttons)  # no claims on a new order

    # since then: OC 90 costs more, W712/75 is short, LX 1006 is withdrawn
    async with db() as s:
        await s.execute(
            update(Price)
            .where(Price.product_id == shop.products["OC 90"])
            .values(value=Decimal("380.00"))
        )
        await s.execute(
            update(Stock)
            .where(Stock.product_id == shop.products["W712/75"])
            .values(quantity=Decimal(1))
        )
        await s.execute(update(Product).where(Product.article == "LX 1006").values(is_active=False))
        await s.commit()
    diff = last_message(await tg.press_in(me, detail, "🔁 Повторить"))
    assert "цена выросла: 350,00 ₽ → 380,00 ₽" in diff.text
    assert "на складе только 1" in diff.text
    assert "больше не продаётся" in diff.text
    assert "добавлено 2 из 3" in diff.text
    assert diff.buttons[0][0] == "✅ Оформить"
    async with db() as s:
        rows = dict((await s.execute(select(CartLine.product_id, CartLine.quantity))).all())
    assert rows == {shop.products["OC 90"]: 4, shop.products["W712/75"]: 2}
    assert order_id


async def test_buttons_with_another_dealers_order_change_nothing(
    tg: BotHarness, shop: Shop, db: async_sessionmaker[AsyncSession]
) -> None:
    other = await make_shop(tg, db, name="ООО Чужой")
    foreign = await placed_order(db, other, {"OC 90": 3}, status="confirmed")
    me = shop.tg_user
    for data in [
        OrderAction(action="view", order_id=foreign).pack(),
        OrderAction(action="repeat", order_id=foreign).pack(),
        ClaimAction(action="order", order_id=foreign).pack(),
    ]:
        calls = await tg.press(me, data)
        assert alerts(calls) == ["Заказ не найден."], data
        assert not [c for c in calls if c.method == "sendMessage"]
    async with db() as s:
        assert await s.scalar(select(func.count(CartLine.id))) == 0
        assert await s.scalar(select(func.count(Claim.id))) == 0


async def test_claim_walkthrough_with_photos_and_double_tap(
    tg: BotHarness, shop: Shop, db: async_sessionmaker[AsyncSession]
) -> None:
    me = shop.tg_user
    await placed_order(db, shop, {"OC 90": 4}, status="new")
    menu = last_message(await tg.send_text(me, "⚠️ Рекламации"))
    assert "Рекламаций нет" in menu.text
    none = last_message(await tg.press_in(me, menu, "📝"))
    assert "Нет подтверждённых заказов" in none.text

    order_id = await placed_order(db, shop, {"W712/75": 3, "LX 1006": 2}, status="shipped")
    orders = last_message(await tg.press_in(me, menu, "📝"))
    assert len(orders.buttons) == 2  # the shipped order and Cancel
    lines = last_message(await tg.press_in(me, orders, "DB-"))
    reasons = last_message(await tg.press_in(me, lines, "LX 1006"))
    assert [t for t, _ in reasons.buttons][:2] == ["Пересорт (не тот товар)", "Брак"]
    ask_qty = last_message(await tg.press_in(me, reasons, "Брак"))
    assert "заказано 2" in ask_qty.text
    assert "больше нуля" in last_message(await tg.send_text(me, "0")).text
    ask_photos = last_message(await tg.send_text(me, "2"))
    assert "фото" in ask_photos.text.lower()
    await tg.send_photo(me)
    second = last_message(await tg.send_photo(me))
    assert "(2)" in second.text
    ask_comment = last_message(await tg.press_in(me, second, "Готово"))
    confirm = last_message(await tg.send_text(me, "Корпус треснул"))
    assert "Причина: Брак" in confirm.text and "Фото: 2" in confirm.text

    filed = last_message(await tg.press_in(me, confirm, "✅ Отправить"))
    assert "Рекламация RK-" in filed.text
    stale = await tg.press_in(me, confirm, "✅ Отправить")  # pressed again later
    assert any("устарела" in a for a in alerts(stale))
    assert ask_comment

    async with db() as s:
        claims = list(await s.scalars(select(Claim)))
        assert len(claims) == 1
        claim = claims[0]
        assert claim.order_id == order_id and claim.comment == "Корпус треснул"
        line = await s.scalar(select(ClaimLine))
        assert line is not None and line.reason == "defect" and line.quantity == 2
        assert await s.scalar(select(func.count(ClaimAttachment.id))) == 2
        number = claim.number
    listing = last_message(await tg.send_text(me, "⚠️ Рекламации"))
    assert number in listing.text and "новая" in listing.text


async def test_claim_quantity_above_ordered_is_refused(
    tg: BotHarness, shop: Shop, db: async_sessionmaker[AsyncSession]
) -> None:
    me = shop.tg_user
    order_id = await placed_order(db, shop, {"OC 90": 2}, status="completed")
    async with db() as s:
        order = await s.get(Order, order_id)
        assert order is not None and order.status == OrderStatus.COMPLETED
    orders = last_message(await tg.press(me, ClaimAction(action="new").pack()))
    lines = last_message(await tg.press_in(me, orders, "DB-"))
    reasons = last_message(await tg.press_in(me, lines, "OC 90"))
    await tg.press_in(me, reasons, "Недостача")
    photos = last_message(await tg.send_text(me, "5"))
    comment = last_message(await tg.press_in(me, photos, "Пропустить"))
    confirm = last_message(await tg.press_in(me, comment, "Пропустить"))
    refused = await tg.press_in(me, confirm, "✅ Отправить")
    assert any("не больше 2" in a for a in alerts(refused))
    async with db() as s:
        assert await s.scalar(select(func.count(Claim.id))) == 0

"""Saved order lists end to end: one person saves the cart as "Заказ на неделю", a colleague of
the same dealer orders from it later and sees what changed; names, replace, rename, delete."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.callbacks import AddToCart, ListAction
from core.models import Cart, CartLine, Price, Product, SavedList, User
from tests.bot.conftest import BotHarness, Shop, alerts, last_message, make_shop
from tests.bot.fake_api import TgUser


async def colleague(tg: BotHarness, db: async_sessionmaker[AsyncSession], shop: Shop) -> TgUser:
    """A second person of the shop's dealer, already bound."""
    person = tg.person(first_name="Анна")
    async with db() as s:
        s.add(
            User(telegram_id=person.id, dealer_id=shop.dealer_id, full_name="Анна", language="ru")
        )
        await s.commit()
    return person


async def cart_of(db: async_sessionmaker[AsyncSession], telegram_id: int) -> dict[int, Decimal]:
    async with db() as s:
        rows = await s.execute(
            select(CartLine.product_id, CartLine.quantity)
            .join(Cart, Cart.id == CartLine.cart_id)
            .join(User, User.id == Cart.user_id)
            .where(User.telegram_id == telegram_id)
        )
        return {pid: qty for pid, qty in rows}


async def test_save_the_cart_and_a_colleague_orders_from_it_with_the_diff(
    tg: BotHarness, shop: Shop, db: async_sessionmaker[AsyncSession]
) -> None:
    me, anna = shop.tg_user, await colleague(tg, db, shop)
    oc90, mann = shop.products["OC 90"], shop.products["W712/75"]
    await tg.press(me, AddToCart(product_id=oc90, qty=5).pack())
    await tg.press(me, AddToCart(product_id=mann, qty=2).pack())
    cart = last_message(await tg.send_text(me, "🛒 Корзина"))
    ask = last_message(await tg.press_in(me, cart, "💾 Сохранить как список"))
    assert "Как назвать список?" in ask.text
    saved = last_message(await tg.send_text(me, "Заказ на неделю"))
    assert "Список «Заказ на неделю» сохранён, позиций: 2" in saved.text

    # since then: OC 90 costs more
    async with db() as s:
        await s.execute(update(Price).where(Price.product_id == oc90).values(value=Decimal(380)))
        await s.commit()

    overview = last_message(await tg.send_text(anna, "/lists"))
    assert overview.text == "Списки заказов вашей компании:"
    assert [t for t, _ in overview.buttons] == ["Заказ на неделю · позиций: 2"]
    detail = last_message(await tg.press_in(anna, overview, "Заказ на неделю"))
    assert "Список «Заказ на неделю», позиций: 2" in detail.text
    assert "5 шт × 350,00 ₽" in detail.text  # the price when saved
    diff = last_message(await tg.press_in(anna, detail, "🛒 Заказать по списку"))
    assert diff.text.startswith("Заказ по списку «Заказ на неделю». Корзина заполнена заново:")
    assert "✅ OC 90 — Фильтр масляный: 5\n   цена выросла: 350,00 ₽ → 380,00 ₽" in diff.text
    assert "В корзину добавлено 2 из 2 позиций." in diff.text
    assert [t for t, _ in diff.buttons] == ["✅ Оформить", "🛒 Корзина"]
    assert await cart_of(db, anna.id) == {oc90: Decimal(5), mann: Decimal(2)}

    # a withdrawn item stays out of the cart and is marked
    async with db() as s:
        await s.execute(update(Product).where(Product.id == mann).values(is_active=False))
        await s.commit()
    diff = last_message(await tg.press_in(anna, detail, "🛒 Заказать по списку"))
    assert "❌ W712/75 — Фильтр масляный MANN: 2\n   больше не продаётся" in diff.text
    assert await cart_of(db, anna.id) == {oc90: Decimal(5)}


async def test_same_name_offers_to_replace_and_rename_delete_work(
    tg: BotHarness, shop: Shop, db: async_sessionmaker[AsyncSession]
) -> None:
    me, anna = shop.tg_user, await colleague(tg, db, shop)
    await tg.press(me, AddToCart(product_id=shop.products["OC 90"], qty=1).pack())
    cart = last_message(await tg.send_text(me, "🛒 Корзина"))
    await tg.press_in(me, cart, "💾 Сохранить как список")
    await tg.send_text(me, "Неделя")

    await tg.press(anna, AddToCart(product_id=shop.products["LX 1006"], qty=3).pack())
    cart = last_message(await tg.send_text(anna, "🛒 Корзина"))
    await tg.press_in(anna, cart, "💾 Сохранить как список")
    taken = last_message(await tg.send_text(anna, "НЕДЕЛЯ"))
    assert "Список «Неделя» уже есть" in taken.text
    empty = last_message(await tg.send_text(anna, "   "))  # still asked: a blank name is refused
    assert "не может быть пустым" in empty.text
    replaced = last_message(await tg.press_in(anna, taken, "♻️ Заменить"))
    assert "Список «НЕДЕЛЯ» обновлён, позиций: 1." in replaced.text

    overview = last_message(await tg.send_text(me, "/lists"))
    assert [t for t, _ in overview.buttons] == ["НЕДЕЛЯ · позиций: 1"]
    detail = last_message(await tg.press_in(me, overview, "НЕДЕЛЯ"))
    assert "LX 1006" in detail.text and "OC 90" not in detail.text
    await tg.press_in(me, detail, "✏️ Переименовать")
    renamed = last_message(await tg.send_text(me, "Заказ на неделю"))
    assert "Список переименован: «Заказ на неделю»." in renamed.text
    ask = last_message(await tg.press_in(me, detail, "🗑 Удалить"))
    assert "Удалить список «Заказ на неделю»?" in ask.text
    deleted = await tg.press_in(me, ask, "🗑 Да, удалить")
    assert "Список «Заказ на неделю» удалён." in alerts(deleted)
    assert "пока нет" in last_message(await tg.send_text(anna, "/lists")).text
    gone = await tg.press_in(me, detail, "🛒 Заказать по списку")  # an old button
    assert any("Список не найден" in a for a in alerts(gone))


async def test_another_dealers_list_is_not_theirs(
    tg: BotHarness, shop: Shop, db: async_sessionmaker[AsyncSession]
) -> None:
    me = shop.tg_user
    await tg.press(me, AddToCart(product_id=shop.products["OC 90"], qty=1).pack())
    cart = last_message(await tg.send_text(me, "🛒 Корзина"))
    await tg.press_in(me, cart, "💾 Сохранить как список")
    await tg.send_text(me, "Неделя")
    async with db() as s:
        list_id = await s.scalar(select(SavedList.id))
    assert list_id is not None

    other = await make_shop(tg, db, name="ООО Конкурент")
    assert "пока нет" in last_message(await tg.send_text(other.tg_user, "/lists")).text
    for action in ("view", "order", "delok"):
        calls = await tg.press(other.tg_user, ListAction(action=action, list_id=list_id).pack())
        assert any("Список не найден" in a for a in alerts(calls)), (action, alerts(calls))
    async with db() as s:
        assert await s.scalar(select(func.count()).select_from(SavedList)) == 1
    assert await cart_of(db, other.tg_user.id) == {}


async def test_english_texts(tg: BotHarness, db: async_sessionmaker[AsyncSession]) -> None:
    shop = await make_shop(tg, db, language="en")
    me = shop.tg_user
    await tg.press(me, AddToCart(product_id=shop.products["OC 90"], qty=1).pack())
    cart = last_message(await tg.send_text(me, "🛒 Cart"))
    ask = last_message(await tg.press_in(me, cart, "💾 Save as a list"))
    assert "Name the list" in ask.text
    saved = last_message(await tg.send_text(me, "Weekly"))
    assert "List «Weekly» saved, items: 1." in saved.text

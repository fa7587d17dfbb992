"""Cancel or change an order from its card before confirmation (end to end: the real Dispatcher
on the fake Bot API, the sender redrawing the manager's card, 1C's next `sale query`); after
confirmation the bot says whom to call."""

from __future__ import annotations

from pathlib import Path

from lxml import etree
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.callbacks import OrderAction
from core.models import Dealer, Order, OrderLine, OrderStatus, Role, SyncState, User
from core.notify_settings import IMMEDIATE, NotifyEnv
from dealerbot.telegram import make_sender
from integrations.telegram.sender import Sender
from tests.bot.conftest import BotHarness, Shop, alerts, last_message
from tests.bot.fake_api import Call, TgUser
from tests.bot.test_bot_orders_claims import placed_order
from tests.onec.conftest import OneC, onec_app

NS = {"c": "urn:1C.ru:commerceml_2"}


async def with_manager(tg: BotHarness, db: async_sessionmaker[AsyncSession], shop: Shop) -> TgUser:
    """The dealer's manager, reachable in Telegram, with a username and a phone."""
    person = tg.person(first_name="Ольга")
    async with db() as s:
        manager = User(
            telegram_id=person.id,
            role=Role.MANAGER,
            full_name="Ольга Петрова",
            username="olga_sales",
            phone="+7 495 123-45-67",
            language="ru",
        )
        s.add(manager)
        await s.flush()
        dealer = await s.get(Dealer, shop.dealer_id)
        assert dealer is not None
        dealer.manager_id = manager.id
        await s.commit()
    return person


def sender(tg: BotHarness, db: async_sessionmaker[AsyncSession]) -> Sender:
    """The outbox sender, sending manager cards at once whatever the hour of the test run."""
    env = NotifyEnv(_env_file=None, after_hours_policy=IMMEDIATE)  # type: ignore[call-arg]
    return make_sender(tg.bot, db, tg.settings, notify_env=env)


async def sale_query(onec: OneC, *, success: bool = True) -> etree._Element:
    """1C pulls the orders it has not acknowledged (and, by default, says it got them)."""
    await onec.checkauth("sale")
    await onec.text("sale", "init")
    status, body = await onec.call("sale", "query")
    assert status == 200
    if success:
        assert (await onec.text("sale", "success")).startswith("success")
    return etree.fromstring(body)


def card_edits(tg: BotHarness, card: Call) -> list[Call]:
    return [
        c
        for c in tg.fake.calls_of("editMessageText", card.chat_id or 0)
        if c.params.get("message_id") == card.message_id
    ]


async def view(tg: BotHarness, me: TgUser, order_id: int) -> Call:
    return last_message(await tg.press(me, OrderAction(action="view", order_id=order_id).pack()))


async def test_change_then_cancel_before_confirmation_reach_the_manager_and_1c(
    tg: BotHarness, shop: Shop, db: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    me = shop.tg_user
    manager = await with_manager(tg, db, shop)
    order_id = await placed_order(db, shop, {"OC 90": 2, "W712/75": 1})
    await sender(tg, db).run_once()
    (card,) = tg.fake.calls_of("sendMessage", manager.id)
    assert "OC 90 — Фильтр масляный: 2 шт × 350,00 ₽ = 700,00 ₽" in card.text
    async with onec_app(db, tmp_path) as onec:
        first = await sale_query(onec)  # 1C has pulled it: exported, not acknowledged
        assert first.xpath("//c:Товар/c:Количество/text()", namespaces=NS) == ["2", "1"]

        detail = await view(tg, me, order_id)
        assert [t for t, _d in detail.buttons][:2] == ["✏️ Изменить количество", "🚫 Отменить заказ"]
        pick = last_message(await tg.press_in(me, detail, "✏️ Изменить количество"))
        assert "выберите строку" in pick.text
        ask = last_message(await tg.press_in(me, pick, "OC 90: 2 шт"))
        assert "OC 90 — Фильтр масляный: сейчас 2 шт" in ask.text

        refused = last_message(await tg.send_text(me, "1,5"))  # a piece item: refused, unchanged
        assert "шт" in refused.text and "Количество изменено" not in refused.text
        changed = last_message(await tg.send_text(me, "5"))
        assert changed.text.startswith("Количество изменено")
        assert "5 шт × 350,00 ₽ = 1\xa0750,00 ₽" in changed.text
        assert "Итого: 2\xa0262,50 ₽" in changed.text
        async with db() as s:
            order = await s.get(Order, order_id)
            assert order is not None
            assert (order.status, order.sync_state) == (OrderStatus.NEW, SyncState.PENDING)
            number = order.number

        # the manager's card is redrawn with the new quantity, still with Confirm / Reject
        await sender(tg, db).run_once()
        (edit,) = card_edits(tg, card)
        assert "OC 90 — Фильтр масляный: 5 шт × 350,00 ₽ = 1\xa0750,00 ₽" in edit.text
        assert "Итого: 2\xa0262,50 ₽" in edit.text
        assert "✏️ Дилер изменил количество: Пользователь dealer" in edit.text
        assert [t for t, _ in edit.buttons] == ["✅ Подтвердить", "❌ Отклонить", "🔎 Открыть"]

        # 1C gets the changed order on its next query
        second = await sale_query(onec)
        assert second.xpath("//c:Документ/c:Номер/text()", namespaces=NS) == [number]
        assert second.xpath("//c:Товар/c:Количество/text()", namespaces=NS) == ["5", "1"]
        assert second.xpath("//c:Документ/c:Сумма/text()", namespaces=NS) == ["2262.50"]

        # then the dealer cancels it
        ask_cancel = last_message(await tg.press_in(me, detail, "🚫 Отменить заказ"))
        assert f"Отменить заказ {number}?" in ask_cancel.text
        done = await tg.press_in(me, ask_cancel, "🚫 Да, отменить")
        assert f"Заказ {number} отменён." in alerts(done)
        async with db() as s:
            order = await s.get(Order, order_id)
            assert order is not None and order.status == OrderStatus.CANCELLED
        await sender(tg, db).run_once()
        last = card_edits(tg, card)[-1]
        assert "🚫 Отменён: Пользователь dealer" in last.text
        assert [t for t, _ in last.buttons] == ["🔎 Открыть"]  # nothing left to confirm
        told = tg.fake.calls_of("sendMessage", me.id)[-1]
        assert told.text == f"Заказ {number}: отменён."

        third = await sale_query(onec)
        requisites = {
            r.findtext("c:Наименование", namespaces=NS): r.findtext("c:Значение", namespaces=NS)
            for r in third.xpath("//c:ЗначениеРеквизита", namespaces=NS)
        }
        assert requisites["Отменен"] == "true" and requisites["Статус заказа"] == "cancelled"
        assert (await sale_query(onec)).xpath("//c:Документ", namespaces=NS) == []


async def test_after_confirmation_the_bot_says_whom_to_call(
    tg: BotHarness, shop: Shop, db: async_sessionmaker[AsyncSession]
) -> None:
    me = shop.tg_user
    manager = await with_manager(tg, db, shop)
    order_id = await placed_order(db, shop, {"OC 90": 2})
    await sender(tg, db).run_once()
    (card,) = tg.fake.calls_of("sendMessage", manager.id)
    detail = await view(tg, me, order_id)  # opened while still new: it has the buttons
    ask_cancel = last_message(await tg.press_in(me, detail, "🚫 Отменить заказ"))

    confirmed = await tg.press_in(manager, card, "✅ Подтвердить")  # the manager is first
    assert any(a.endswith("подтверждён") for a in alerts(confirmed))

    for old, starts in ((ask_cancel, "🚫 Да, отменить"), (detail, "✏️ Изменить количество")):
        answer = last_message(await tg.press_in(me, old, starts))
        assert "уже в работе у менеджера" in answer.text
        assert "Ольга Петрова\n@olga_sales\n+7 495 123-45-67" in answer.text
    async with db() as s:
        order = await s.get(Order, order_id)
        assert order is not None and order.status == OrderStatus.CONFIRMED
        assert order.edited_at is None

    again = await view(tg, me, order_id)
    assert not any(t.startswith(("✏️", "🚫")) for t, _d in again.buttons)
    assert "позвоните вашему менеджеру:\nОльга Петрова" in again.text


async def test_someone_elses_order_cannot_be_cancelled(
    tg: BotHarness, shop: Shop, db: async_sessionmaker[AsyncSession]
) -> None:
    from bot.callbacks import OrderEdit
    from tests.bot.conftest import make_shop

    order_id = await placed_order(db, shop, {"OC 90": 1})
    other = await make_shop(tg, db, name="ООО Конкурент")
    for action in ("cancelok", "edit"):
        calls = await tg.press(other.tg_user, OrderEdit(action=action, order_id=order_id).pack())
        assert any("не найден" in a for a in alerts(calls)), alerts(calls)
    async with db() as s:
        status = await s.scalar(select(Order.status).where(Order.id == order_id))
        assert status == OrderStatus.NEW


async def test_a_change_between_1c_query_and_success_is_offered_again(
    tg: BotHarness, shop: Shop, db: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    from core.orders.amend import change_quantities

    order_id = await placed_order(db, shop, {"OC 90": 2})
    async with onec_app(db, tmp_path) as onec:
        offered = await sale_query(onec, success=False)  # 1C has the document, not yet "success"
        assert offered.xpath("//c:Товар/c:Количество/text()", namespaces=NS) == ["2"]
        async with db() as s:
            user = await s.get(User, shop.user_id)
            assert user is not None
            order = await s.get(Order, order_id)
            assert order is not None
            line_id = (await s.scalars(select(OrderLine.id))).one()
            await change_quantities(s, user, order_id, {line_id: 7})
            await s.commit()
        assert (await onec.text("sale", "success")).startswith("success")
        async with db() as s:
            state = await s.scalar(select(Order.sync_state).where(Order.id == order_id))
            assert state == SyncState.PENDING  # the success was for the old document
        again = await sale_query(onec)
        assert again.xpath("//c:Товар/c:Количество/text()", namespaces=NS) == ["7"]
        async with db() as s:
            state = await s.scalar(select(Order.sync_state).where(Order.id == order_id))
            assert state == SyncState.EXPORTED

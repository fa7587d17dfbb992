"""Notifications from the outbox to the dealer, and the satisfaction poll after completion."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.models import Order, OutboxEvent, SatisfactionResponse, User
from core.orders.status import change_status
from dealerbot.telegram import make_sender
from tests.bot.conftest import BotHarness, Shop, alerts, last_message
from tests.bot.test_bot_orders_claims import placed_order


async def move(
    db: async_sessionmaker[AsyncSession], order_id: int, status: str, note: str = ""
) -> None:
    async with db() as s:
        order = await s.get(Order, order_id)
        assert order is not None
        await change_status(s, order, status, actor_kind="manager", note=note)
        await s.commit()


async def test_status_changes_reach_the_dealer_once(
    tg: BotHarness, shop: Shop, db: async_sessionmaker[AsyncSession]
) -> None:
    order_id = await placed_order(db, shop, {"OC 90": 1})
    await move(db, order_id, "confirmed")
    sent = await make_sender(tg.bot, db, tg.settings).run_once()
    assert sent == 1
    message = await tg.wait_for("sendMessage", lambda c: c.chat_id == shop.tg_user.id)
    assert message.text.startswith("Заказ DB-") and "подтверждён" in message.text
    assert await make_sender(tg.bot, db, tg.settings).run_once() == 0  # nothing sent twice
    async with db() as s:
        states = set(
            await s.scalars(select(OutboxEvent.state).where(OutboxEvent.kind == "order.status"))
        )
        assert states == {"done"}


async def test_completed_order_asks_for_a_score_and_comment(
    tg: BotHarness, shop: Shop, db: async_sessionmaker[AsyncSession]
) -> None:
    me = shop.tg_user
    order_id = await placed_order(db, shop, {"OC 90": 1}, status="shipped")
    await move(db, order_id, "completed")
    await make_sender(tg.bot, db, tg.settings).run_once()
    poll = await tg.wait_for("sendMessage", lambda c: "выполнен" in c.text)
    assert [t for t, _ in poll.buttons] == ["1", "2", "3", "4", "⭐5"]

    answer = await tg.press_in(me, poll, "⭐5")
    assert "Спасибо за оценку!" in alerts(answer)
    assert any(c.method == "editMessageReplyMarkup" for c in answer)
    ask = last_message(answer)
    assert "комментарий" in ask.text and [t for t, _ in ask.buttons] == ["Без комментария"]
    saved = last_message(await tg.send_text(me, "Всё быстро, спасибо"))
    assert "комментарий сохранён" in saved.text
    await tg.press_in(me, poll, "4")  # changed their mind: one answer, new score
    async with db() as s:
        responses = list(await s.scalars(select(SatisfactionResponse)))
        assert [(r.order_id, r.score, r.comment) for r in responses] == [
            (order_id, 4, "Всё быстро, спасибо")
        ]


async def test_poll_on_an_order_not_completed_is_refused(
    tg: BotHarness, shop: Shop, db: async_sessionmaker[AsyncSession]
) -> None:
    from bot.callbacks import Poll

    order_id = await placed_order(db, shop, {"OC 90": 1})
    refused = await tg.press(shop.tg_user, Poll(order_id=order_id, score=5).pack())
    assert any("ещё не выполнен" in a for a in alerts(refused))
    async with db() as s:
        assert list(await s.scalars(select(SatisfactionResponse))) == []


async def test_person_who_blocked_the_bot_is_marked(
    tg: BotHarness, shop: Shop, db: async_sessionmaker[AsyncSession]
) -> None:
    order_id = await placed_order(db, shop, {"OC 90": 1})
    await move(db, order_id, "rejected", note="Нет лимита")
    tg.fake.blocked_chats.add(shop.tg_user.id)
    assert await make_sender(tg.bot, db, tg.settings).run_once() == 0
    async with db() as s:
        user = await s.get(User, shop.user_id)
        assert user is not None and user.blocked_bot_at is not None
        event = await s.scalar(select(OutboxEvent).where(OutboxEvent.kind == "order.status"))
        assert event is not None and event.state == "done"

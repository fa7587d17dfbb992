"""After-hours orders: flagged, and either sent at once or held for the next morning's digest
(the test moves time by passing `now`; nothing sleeps)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from core.models import Delivery, Order
from core.notify_settings import DIGEST, IMMEDIATE
from core.orders.digest import held_orders
from integrations.telegram.jobs import next_digest_at
from tests.managers.conftest import FRIDAY_EVENING, MONDAY_OPENING, World, msk


def cards(world: World) -> list:
    return [c for c in world.fake.sent_to(world.manager.id, "sendMessage") if "🆕" in c.text]


async def test_after_hours_order_is_held_and_comes_in_the_morning_digest(world: World) -> None:
    world.policy(after_hours=DIGEST)
    order_id = await world.place(FRIDAY_EVENING)
    handled_overnight = await world.place(FRIDAY_EVENING + timedelta(minutes=5), {"LX 1006": 1})
    sender = world.sender()
    await sender.run_once(FRIDAY_EVENING + timedelta(minutes=10))
    assert cards(world) == []  # nothing at night
    async with world.db() as s:
        order = await s.get(Order, order_id)
        assert order is not None and order.is_after_hours
        held = await held_orders(s)
        assert [o.id for o in held] == [order_id, handled_overnight]
        rows = list(await s.scalars(select(Delivery).where(Delivery.kind == "order.card")))
        assert {(r.state, r.available_at) for r in rows} == {("held", MONDAY_OPENING)}
    await world.move(handled_overnight, "cancelled")

    # Saturday and Sunday pass: nothing is due yet, nothing is sent.
    assert await sender.run_digest(msk(2026, 12, 13, 12, 0)) == 0
    assert await sender.run_once(msk(2026, 12, 13, 12, 0)) == 0
    assert cards(world) == []
    # The digest is planned for Monday's opening, and runs then.
    assert await next_digest_at(world.db, world.tg.settings, msk(2026, 12, 11, 9, 0)) == (
        MONDAY_OPENING
    )
    assert await sender.run_digest(MONDAY_OPENING) == 2

    header, card = world.fake.sent_to(world.manager.id, "sendMessage")
    assert header.text.startswith("🌅 Заказы, поступившие вне рабочего времени: 1")
    assert order.number in header.text
    assert card.text.startswith(f"🆕 Заказ {order.number}")
    assert "🌙 Оформлен вне рабочего времени" in card.text
    assert [t for t, _ in card.buttons] == ["✅ Подтвердить", "❌ Отклонить", "🔎 Открыть"]
    async with world.db() as s:
        states = dict(
            (
                await s.execute(
                    select(Delivery.order_id, Delivery.state).where(Delivery.kind == "order.card")
                )
            ).all()
        )
        assert states == {order_id: "sent", handled_overnight: "skipped"}
        assert await held_orders(s) == []
    assert await sender.run_digest(MONDAY_OPENING + timedelta(hours=1)) == 0  # once only

    # The digest's card works like any other.
    await world.press(world.manager, card, "✅")
    async with world.db() as s:
        assert (await s.get(Order, order_id)).status == "confirmed"  # type: ignore[union-attr]


async def test_with_the_immediate_policy_an_after_hours_order_goes_at_once(world: World) -> None:
    world.policy(after_hours=IMMEDIATE)
    await world.place(FRIDAY_EVENING)
    await world.sender().run_once(FRIDAY_EVENING + timedelta(minutes=1))
    (card,) = cards(world)
    assert "🌙 Оформлен вне рабочего времени" in card.text


async def test_policy_and_group_come_from_the_admin_settings_when_set(world: World) -> None:
    from core.models.admin import set_setting
    from core.notify_settings import load_notify_settings

    world.policy(after_hours=IMMEDIATE)
    async with world.db() as s:
        await set_setting(s, "after_hours_policy", DIGEST)
        await set_setting(s, "managers_chat_id", "-100777")
        await s.commit()
        loaded = await load_notify_settings(s, world.env)
        assert (loaded.after_hours_policy, loaded.managers_chat_id) == (DIGEST, -100777)
    await world.place(FRIDAY_EVENING)
    await world.sender().run_once(FRIDAY_EVENING + timedelta(minutes=1))
    assert cards(world) == []
    async with world.db() as s:
        chats = set(await s.scalars(select(Delivery.chat_id).where(Delivery.state == "held")))
        assert chats == {world.manager.id, -100777}

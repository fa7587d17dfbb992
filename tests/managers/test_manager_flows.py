"""End to end on the fake Bot API with the real Dispatcher: cards reach the right managers,
the first decision wins and every copy shows it, reasons reach the dealer, claims with photos."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select

from core.access.lifecycle import Actor, set_manager_group
from core.claims.service import ClaimLineInput, file_claim
from core.models import (
    Claim,
    Delivery,
    ManagerAction,
    Order,
    OrderLine,
    User,
)
from tests.managers.conftest import GROUP_CHAT, THURSDAY_NOON, World, add_manager


def cards_to(world: World, chat_id: int) -> list:
    return [c for c in world.fake.sent_to(chat_id, "sendMessage") if "🆕 Заказ" in c.text]


async def test_new_order_reaches_the_dealers_manager_only(world: World) -> None:
    order_id = await world.place(THURSDAY_NOON, comment="Срочно, до пятницы")
    assert await world.sender().run_once(THURSDAY_NOON) == 1

    (card,) = cards_to(world, world.manager.id)
    assert cards_to(world, world.other.id) == []  # another dealer's manager hears nothing
    async with world.db() as s:
        order = await s.get(Order, order_id)
        assert order is not None
    assert card.text.startswith(f"🆕 Заказ {order.number}")
    assert "Дилер: ООО Автодеталь" in card.text and "ЮЛ1" in card.text
    assert "OC 90 — Фильтр масляный: 2 шт × 350,00 ₽ = 700,00 ₽" in card.text
    assert "Итого: 1\xa0212,50 ₽" in card.text
    assert "Комментарий: Срочно, до пятницы" in card.text
    assert "вне рабочего времени" not in card.text
    assert [t for t, _ in card.buttons] == ["✅ Подтвердить", "❌ Отклонить", "🔎 Открыть"]
    async with world.db() as s:
        (row,) = await s.scalars(select(Delivery).where(Delivery.kind == "order.card"))
        assert (row.state, row.chat_id, row.message_id) == (
            "sent",
            world.manager.id,
            card.message_id,
        )
    assert await world.sender().run_once(THURSDAY_NOON) == 0  # nothing sent twice


async def test_group_chat_gets_it_too_and_without_a_manager_everyone_does(world: World) -> None:
    world.policy(group=True)
    await world.place(THURSDAY_NOON)
    await world.sender().run_once(THURSDAY_NOON)
    assert len(cards_to(world, world.manager.id)) == 1
    assert len(cards_to(world, GROUP_CHAT)) == 1

    world.policy(group=False)
    async with world.db() as s:
        from core.models import Dealer

        dealer = await s.get(Dealer, world.shop.dealer_id)
        assert dealer is not None
        dealer.manager_id = None
        await s.commit()
    await world.place(THURSDAY_NOON, {"LX 1006": 1})
    await world.sender().run_once(THURSDAY_NOON)
    assert len(cards_to(world, world.manager.id)) == 2
    assert len(cards_to(world, world.other.id)) == 1


async def test_two_managers_confirm_at_once_one_wins_and_both_see_it(world: World) -> None:
    world.policy(group=True)
    async with world.db() as s:  # both sit in the managers' group: they share their dealers
        for person in (world.manager, world.other):
            await set_manager_group(s, person.id, "Продажи", Actor(login="test"))
        await s.commit()
    order_id = await world.place(THURSDAY_NOON)
    await world.sender().run_once(THURSDAY_NOON)
    (private_card,) = cards_to(world, world.manager.id)
    (group_card,) = cards_to(world, GROUP_CHAT)

    calls = await world.press_many(
        [
            (world.manager, private_card, "✅"),
            (world.other, group_card, "✅"),
        ]
    )
    answers = [c for c in calls if c.method == "answerCallbackQuery"]
    assert len(answers) == 2
    texts = sorted(str(a.params.get("text")) for a in answers)
    assert any(t.startswith("Заказ DB-") and t.endswith("подтверждён") for t in texts)
    assert any(t.startswith("Уже обработано: ✅ Подтверждён:") for t in texts), texts

    async with world.db() as s:
        order = await s.get(Order, order_id)
        assert order is not None and order.status == "confirmed"
        actions = list(await s.scalars(select(ManagerAction)))
        assert [(a.action, a.order_id) for a in actions] == [("order.confirm", order_id)]
        assert order.confirmed_by_id == actions[0].user_id
        winner = await s.get(User, actions[0].user_id)
        assert winner is not None

    await world.sender().run_once(THURSDAY_NOON)
    for card in (private_card, group_card):
        edits = [
            c
            for c in world.fake.sent_to(card.chat_id or 0, "editMessageText")
            if c.params.get("message_id") == card.message_id
        ]
        assert edits, f"card in chat {card.chat_id} was not redrawn"
        assert f"✅ Подтверждён: {winner.full_name}" in edits[-1].text
        assert [t for t, _ in edits[-1].buttons] == ["🔎 Открыть"]
    dealer_news = world.fake.sent_to(world.shop.tg_user.id, "sendMessage")
    assert [c.text for c in dealer_news] == [f"Заказ {order.number}: подтверждён."]


async def test_a_second_confirm_after_the_first_is_saved_is_told_who_decided(
    world: World,
) -> None:
    """The loser of the race may come after the winner's commit: its press must not be
    answered 'подтверждён' nor counted as a second decision."""
    world.policy(group=True)
    async with world.db() as s:
        for person in (world.manager, world.other):
            await set_manager_group(s, person.id, "Продажи", Actor(login="test"))
        await s.commit()
    order_id = await world.place(THURSDAY_NOON)
    await world.sender().run_once(THURSDAY_NOON)
    (private_card,) = cards_to(world, world.manager.id)
    (group_card,) = cards_to(world, GROUP_CHAT)

    first = await world.press(world.manager, private_card, "✅")
    (won,) = [c for c in first if c.method == "answerCallbackQuery"]
    assert str(won.params.get("text")).endswith("подтверждён")
    second = await world.press(world.other, group_card, "✅")
    (lost,) = [c for c in second if c.method == "answerCallbackQuery"]
    assert str(lost.params.get("text")).startswith("Уже обработано: ✅ Подтверждён: Ольга Петрова")
    async with world.db() as s:
        actions = list(await s.scalars(select(ManagerAction)))
        assert [(a.action, a.user_id) for a in actions] == [
            ("order.confirm", (await s.get(Order, order_id)).confirmed_by_id)  # type: ignore[union-attr]
        ]


async def test_reject_asks_a_reason_that_reaches_the_dealer(world: World) -> None:
    order_id = await world.place(THURSDAY_NOON)
    await world.sender().run_once(THURSDAY_NOON)
    (card,) = cards_to(world, world.manager.id)

    asked = await world.press(world.manager, card, "❌")
    prompt = next(c for c in asked if c.method == "sendMessage")
    assert "причину отказа" in prompt.text
    assert prompt.params["reply_markup"].get("force_reply") is True
    async with world.db() as s:
        assert (await s.get(Order, order_id)).status == "new"  # type: ignore[union-attr]

    done = await world.tg.send_text(world.manager, "Нет лимита по договору")
    assert any(c.method == "sendMessage" and c.text.endswith("отклонён") for c in done)
    redrawn = next(c for c in done if c.method == "editMessageText")
    assert "❌ Отклонён: Ольга Петрова" in redrawn.text
    assert "Причина: Нет лимита по договору" in redrawn.text

    await world.sender().run_once(THURSDAY_NOON)
    async with world.db() as s:
        order = await s.get(Order, order_id)
        assert order is not None
        assert (order.status, order.rejected_reason) == ("rejected", "Нет лимита по договору")
        actions = [a.action for a in await s.scalars(select(ManagerAction))]
        assert actions == ["order.reject"]
    (news,) = world.fake.sent_to(world.shop.tg_user.id, "sendMessage")
    assert news.text == f"Заказ {order.number}: отклонён.\nКомментарий: Нет лимита по договору"

    # a stale Confirm button on the old card is answered with who decided
    late = await world.press(world.manager, card, "✅")
    (alert,) = [c for c in late if c.method == "answerCallbackQuery"]
    assert str(alert.params["text"]).startswith("Уже обработано: ❌ Отклонён: Ольга Петрова")
    async with world.db() as s:
        assert (await s.get(Order, order_id)).status == "rejected"  # type: ignore[union-attr]


async def test_reject_with_an_empty_reason_changes_nothing(world: World) -> None:
    order_id = await world.place(THURSDAY_NOON)
    await world.sender().run_once(THURSDAY_NOON)
    (card,) = cards_to(world, world.manager.id)
    await world.press(world.manager, card, "❌")
    cancelled = await world.tg.send_text(world.manager, "/cancel")
    assert any("Отменено" in c.text for c in cancelled)
    async with world.db() as s:
        assert (await s.get(Order, order_id)).status == "new"  # type: ignore[union-attr]
        assert await s.scalar(select(func.count()).select_from(ManagerAction)) == 0


async def test_claim_with_photos_reaches_the_manager_and_the_decision_the_dealer(
    world: World,
) -> None:
    order_id = await world.place(THURSDAY_NOON)
    await world.move(order_id, "shipped")
    photos = [
        world.fake.add_file(b"\xff\xd8one", "a.jpg"),
        world.fake.add_file(b"\xff\xd8two", "b.jpg"),
    ]
    async with world.db() as s:
        person = await s.get(User, world.shop.user_id)
        line = await s.scalar(select(OrderLine).where(OrderLine.order_id == order_id).limit(1))
        assert person is not None and line is not None
        claim = await file_claim(
            s,
            person,
            order_id,
            [ClaimLineInput(line.id, "wrong_item", 1, "Пришёл другой фильтр")],
            comment="Коробка вскрыта",
            attachments=photos,
        )
        await s.commit()
        number = claim.number
    await world.sender().run_once(THURSDAY_NOON)

    to_manager = [c for c in world.fake.sent_to(world.manager.id) if "🆕" not in c.text]
    assert [c.method for c in to_manager] == ["sendMediaGroup", "sendMessage"]
    media = to_manager[0].params["media"]
    assert [m["media"] for m in media] == [file_id for file_id, _ in photos]
    card = to_manager[1]
    assert card.text.startswith(f"⚠️ Рекламация {number}")
    assert "пересорт, 1" in card.text and "«Пришёл другой фильтр»" in card.text
    assert "Фото: 2" in card.text
    assert [t for t, _ in card.buttons] == ["✅ Принять", "❌ Отклонить", "🕑 На рассмотрение"]

    pressed = await world.press(world.manager, card, "✅")
    assert any("принята" in str(c.params.get("text")) for c in pressed)
    await world.sender().run_once(THURSDAY_NOON)
    async with world.db() as s:
        stored = await s.get(Claim, claim.id)
        assert stored is not None and stored.status == "accepted"
        assert [a.action for a in await s.scalars(select(ManagerAction))] == ["claim.accepted"]
    (news,) = world.fake.sent_to(world.shop.tg_user.id, "sendMessage")
    assert news.text == f"Рекламация {number}: принята."


async def test_manager_commands(world: World) -> None:
    first = await world.place(THURSDAY_NOON)
    await world.place(THURSDAY_NOON, {"LX 1006": 3})
    await world.move(first, "confirmed")
    me = world.manager

    pending = (await world.tg.send_text(me, "/pending"))[-1]
    assert pending.text.startswith("Ждут решения: 1")
    dealer = (await world.tg.send_text(me, "/dealer автодеталь"))[-1]
    assert dealer.text.startswith("Найдено дилеров: 1")
    orders = await world.tg.press(me, dealer.buttons[0][1], dealer.message_id or 1)
    listing = next(c for c in orders if c.method == "sendMessage")
    assert listing.text.startswith("Последние заказы дилера ООО Автодеталь: 2")
    assert "подтверждён" in listing.text and "новый" in listing.text
    nobody = (await world.tg.send_text(me, "/dealer Ромашка"))[-1]
    assert nobody.text == "Дилеры не найдены."

    # a dealer's person is not a manager: the commands are not theirs
    stranger = await world.tg.send_text(world.shop.tg_user, "/pending")
    assert not any(c.text.startswith("Ждут решения") for c in stranger)
    outsider = await add_manager(world.db, world.tg, "Пётр")
    assert (await world.tg.send_text(outsider, "/today"))[-1].text == "Сегодня заказов нет."
    await world.place(datetime.now(UTC), {"OC 90": 1})
    today = (await world.tg.send_text(me, "/today"))[-1]
    assert today.text.startswith("Заказы за сегодня: 1") and "новый" in today.text
    # another manager's dealer is not in the outsider's scope
    assert (await world.tg.send_text(outsider, "/today"))[-1].text == "Сегодня заказов нет."

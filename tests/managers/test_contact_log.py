"""The manager's contact log end to end on the fake Bot API: /contact in taps, a forwarded
dealer's message, a forged button naming another manager's dealer (the attack), a dealer's
person asking for /contact; what the person saw and what was stored (contact, manager action,
the contact.logged outbox event for the CRM)."""

from __future__ import annotations

import time

from sqlalchemy import func, select

from bot.manager_callbacks import ContactStep
from core.models import Dealer, DealerContact, ManagerAction, OutboxEvent, User
from core.outbox import EventKind
from tests.bot.conftest import alerts, last_message, make_shop
from tests.bot.fake_api import TgUser
from tests.managers.conftest import World


async def other_managers_dealer(world: World) -> int:
    shop = await make_shop(world.tg, world.db, name="ООО Чужой Склад")
    async with world.db() as s:
        dealer = await s.get(Dealer, shop.dealer_id)
        assert dealer is not None
        dealer.manager_id = world.other_id
        dealer.inn = "7700000001"
        await s.commit()
    return shop.dealer_id


async def own_inn(world: World) -> str:
    async with world.db() as s:
        dealer = await s.get(Dealer, world.shop.dealer_id)
        assert dealer is not None and dealer.inn
        return dealer.inn


async def stored(world: World) -> tuple[list[DealerContact], list[str], list[OutboxEvent]]:
    async with world.db() as s:
        contacts = list(await s.scalars(select(DealerContact).order_by(DealerContact.id)))
        actions = list(await s.scalars(select(ManagerAction.action).order_by(ManagerAction.id)))
        events = list(
            await s.scalars(select(OutboxEvent).where(OutboxEvent.kind == EventKind.CONTACT_LOGGED))
        )
    return contacts, actions, events


async def test_contact_logged_in_taps_with_duration_and_note(world: World) -> None:
    await other_managers_dealer(world)
    tg, me = world.tg, world.manager
    first = last_message(await tg.send_text(me, "/contact"))
    assert first.text.startswith("📝 Записать обращение дилера")
    assert first.buttons == []  # no contact and no order yet: nothing recent to offer

    found = last_message(await tg.send_text(me, "ООО"))  # both dealers' names start so
    inn = await own_inn(world)
    assert [t for t, _ in found.buttons] == [f"ООО Автодеталь ({inn})"]
    assert all("Чужой" not in t for t, _ in found.buttons)  # another manager's dealer is hidden

    topics = last_message(await tg.press_in(me, found, "ООО Автодеталь"))
    assert topics.text == "Дилер: ООО Автодеталь\nО чём было обращение?"
    assert [t for t, _ in topics.buttons] == [
        "Цены",
        "Остатки",
        "Заказ",
        "Рекламация",
        "Финансы",
        "Другое",
        "✖️ Не записывать",
    ]
    details = last_message(await tg.press_in(me, topics, "Цены"))
    assert "Тема: Цены\nКанал: 📞 Звонок\nДлительность: —" in details.text
    email = last_message(await tg.press_in(me, details, "✉️"))
    assert "Канал: ✉️ Почта" in email.text and "✓ ✉️ Почта" in [t for t, _ in email.buttons]

    done = last_message(await tg.send_text(me, "15 уточнил цены на OC 90"))
    assert done.text == "✅ Обращение записано: ООО Автодеталь, Цены, ✉️ Почта, 15 мин."

    (contact,), actions, (event,) = await stored(world)
    assert (contact.dealer_id, contact.manager_id, contact.channel, contact.topic) == (
        world.shop.dealer_id,
        world.manager_id,
        "email",
        "prices",
    )
    assert (contact.duration_minutes, contact.note, contact.source) == (
        15,
        "уточнил цены на OC 90",
        "bot",
    )
    assert actions == ["contact.logged"]
    assert event.payload == {
        "contact_id": contact.id,
        "dealer_id": world.shop.dealer_id,
        "manager_user_id": world.manager_id,
        "channel": "email",
        "topic": "prices",
        "duration_minutes": 15,
        "note": "уточнил цены на OC 90",
        "occurred_at": contact.occurred_at.isoformat(),
    }
    # Next time the dealer is one tap away; the save button works without a note.
    again = last_message(await tg.send_text(me, "/contact"))
    assert [t for t, _ in again.buttons] == [f"ООО Автодеталь ({inn})"]
    topics = last_message(await tg.press_in(me, again, "ООО Автодеталь"))
    details = last_message(await tg.press_in(me, topics, "Остатки"))
    saved = last_message(await tg.press_in(me, details, "💾"))
    assert saved.text == "✅ Обращение записано: ООО Автодеталь, Остатки, 📞 Звонок."
    contacts, _, events = await stored(world)
    assert [(c.topic, c.channel, c.duration_minutes, c.note) for c in contacts][1] == (
        "stock",
        "call",
        None,
        "",
    )
    assert len(events) == 2


async def test_bad_duration_is_refused_and_nothing_stored(world: World) -> None:
    tg, me = world.tg, world.manager
    found = last_message(await tg.send_text(me, "/contact"))
    found = last_message(await tg.send_text(me, await own_inn(world)))  # by INN
    topics = last_message(await tg.press_in(me, found, "ООО Автодеталь"))
    last_message(await tg.press_in(me, topics, "Заказ"))
    bad = last_message(await tg.send_text(me, "900 долго говорили"))
    assert bad.text == "Длительность — от 1 до 600 минут. Напишите ещё раз или сохраните."
    assert (await stored(world))[0] == []
    ok = last_message(await tg.send_text(me, "45 долго говорили"))
    assert ok.text.endswith("Заказ, 📞 Звонок, 45 мин.")


def forwarded(world: World, sender: TgUser, text: str) -> dict:
    origin = {"type": "user", "date": int(time.time()) - 60, "sender_user": sender.as_dict()}
    return world.fake.message(world.manager, text=text, forward_origin=origin)


async def test_forwarded_dealer_message_becomes_a_request(world: World) -> None:
    tg, me = world.tg, world.manager
    dealer_person = world.shop.tg_user
    calls = await tg._send("message", forwarded(world, dealer_person, "Есть ли OC 90 на складе?"))
    offer = last_message(calls)
    async with world.db() as s:
        person = await s.get(User, world.shop.user_id)
        assert person is not None
    assert offer.text == (
        f"Сообщение от {person.full_name} (дилер ООО Автодеталь).\n"
        "Записать обращение? Выберите тему:"
    )
    details = last_message(await tg.press_in(me, offer, "Остатки"))
    assert "Канал: 💬 Мессенджер" in details.text
    assert "Заметка: Есть ли OC 90 на складе?" in details.text
    saved = last_message(await tg.press_in(me, details, "💾"))
    assert saved.text == "✅ Обращение записано: ООО Автодеталь, Остатки, 💬 Мессенджер."
    (contact,), _, (event,) = await stored(world)
    assert (contact.channel, contact.topic, contact.note, contact.person_id) == (
        "messenger",
        "stock",
        "Есть ли OC 90 на складе?",
        world.shop.user_id,
    )
    assert event.payload["channel"] == "messenger"

    # A stranger's message, and one of another manager's dealer: nothing offered, nothing told.
    stranger = tg.person(first_name="Незнакомец")
    other = await other_managers_dealer(world)
    async with world.db() as s:
        other_person = await s.scalar(select(User).where(User.dealer_id == other))
        assert other_person is not None and other_person.telegram_id is not None
    for sender in (stranger, TgUser(id=other_person.telegram_id, first_name="Чужой")):
        reply = last_message(await tg._send("message", forwarded(world, sender, "Цены?")))
        assert reply.text.startswith("Отправитель не найден среди людей ваших дилеров")
        assert reply.buttons == [] and "Чужой Склад" not in reply.text
    assert len((await stored(world))[0]) == 1


async def test_forged_button_for_another_managers_dealer_is_refused(world: World) -> None:
    """The attack: a manager crafts /contact buttons naming a dealer that is not theirs."""
    other = await other_managers_dealer(world)
    tg, me = world.tg, world.manager
    for forged in (
        ContactStep(step="d", dealer_id=other).pack(),
        ContactStep(step="t", dealer_id=other, value="prices").pack(),
        ContactStep(step="ok", dealer_id=other).pack(),
        ContactStep(step="d", dealer_id=999_999).pack(),  # missing: the same answer
    ):
        calls = await tg.press(me, forged)
        assert alerts(calls) == ["Нет доступа."], forged
        assert not [c for c in calls if c.method in ("sendMessage", "editMessageText")]
    # Mid-entry for their own dealer, a forged save naming the other dealer stores nothing.
    found = last_message(await tg.send_text(me, "/contact"))
    found = last_message(await tg.send_text(me, "Автодеталь"))
    topics = last_message(await tg.press_in(me, found, "ООО Автодеталь"))
    last_message(await tg.press_in(me, topics, "Цены"))
    calls = await tg.press(me, ContactStep(step="ok", dealer_id=other).pack())
    assert alerts(calls) == ["Нет доступа."]
    contacts, actions, events = await stored(world)
    assert (contacts, actions, events) == ([], [], [])


async def test_a_dealers_person_gets_nothing_from_contact(world: World) -> None:
    tg, person = world.tg, world.shop.tg_user
    calls = await tg.send_text(person, "/contact")
    texts = " ".join(c.text for c in calls)
    assert "обращени" not in texts.lower() and "ООО Автодеталь (" not in texts
    assert not any(b for c in calls for b in c.buttons if b[1].startswith("mcl:"))
    calls = await tg.press(person, ContactStep(step="d", dealer_id=world.shop.dealer_id).pack())
    assert alerts(calls) == ["Нет доступа."]
    async with world.db() as s:
        assert await s.scalar(select(func.count()).select_from(DealerContact)) == 0


async def test_english_texts_for_an_english_manager(world: World) -> None:
    async with world.db() as s:
        other = await s.get(User, world.other_id)
        assert other is not None
        other.language = "en"
        await s.commit()
    reply = last_message(await world.tg.send_text(world.other, "/contact"))
    assert reply.text.startswith("📝 Log a dealer's request.")

"""Onboarding: invitation deep links, the closed pilot and its application form, legal entities."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.dealers.invitations import create_invitation, revoke_invitation
from core.models import Application, Invitation, User, utcnow
from tests import factories
from tests.bot.conftest import BotHarness, alerts, last_message


async def invite(
    db: async_sessionmaker[AsyncSession], *, entities: int = 1, **kw: object
) -> tuple[int, str]:
    async with db() as s:
        dealer = await factories.dealer(s, "ООО Ромашка", entities=entities)
        invitation = await create_invitation(s, dealer_id=dealer.id, **kw)  # type: ignore[arg-type]
        await s.commit()
        return dealer.id, invitation.token


async def test_start_with_invitation_binds_the_person(
    tg: BotHarness, db: async_sessionmaker[AsyncSession]
) -> None:
    dealer_id, token = await invite(db)
    ivan = tg.person()

    calls = await tg.send_text(ivan, f"/start {token}")

    welcome = last_message(calls)
    assert "ООО Ромашка" in welcome.text
    assert "🛒 Корзина" in welcome.keyboard and "⚙️ Настройки" in welcome.keyboard
    async with db() as s:
        user = await s.scalar(select(User).where(User.telegram_id == ivan.id))
        assert user is not None and user.dealer_id == dealer_id and user.language == "ru"
        assert (await s.scalar(select(Invitation.uses))) == 1


async def test_english_person_gets_english(
    tg: BotHarness, db: async_sessionmaker[AsyncSession]
) -> None:
    _dealer_id, token = await invite(db)
    john = tg.person(language="en", first_name="John")

    welcome = last_message(await tg.send_text(john, f"/start {token}"))

    assert "You are connected" in welcome.text
    assert "🛒 Cart" in welcome.keyboard
    help_text = last_message(await tg.send_text(john, "/help")).text
    assert "How to order" in help_text


async def test_used_expired_revoked_and_unknown_invitations_are_refused(
    tg: BotHarness, db: async_sessionmaker[AsyncSession]
) -> None:
    _dealer_id, used = await invite(db)
    await tg.send_text(tg.person(), f"/start {used}")
    _dealer_id, expired = await invite(db)
    _dealer_id, revoked = await invite(db)
    async with db() as s:
        inv = await s.scalar(select(Invitation).where(Invitation.token == expired))
        assert inv is not None
        inv.expires_at = utcnow() - timedelta(minutes=1)
        inv2 = await s.scalar(select(Invitation).where(Invitation.token == revoked))
        assert inv2 is not None
        await revoke_invitation(s, inv2.id)
        await s.commit()

    cases = {
        used: "уже использовано",
        expired: "истёк",
        revoked: "отозвано",
        "no-such-token": "не найдено",
    }
    for token, words in cases.items():
        stranger = tg.person()
        reply = last_message(await tg.send_text(stranger, f"/start {token}"))
        assert words in reply.text
        assert "закрытом пилоте" in reply.text
        assert reply.buttons and reply.buttons[0][1] == "app:start"
        async with db() as s:
            assert await s.scalar(select(User).where(User.telegram_id == stranger.id)) is None


async def test_uninvited_person_applies_through_the_form(
    tg: BotHarness, db: async_sessionmaker[AsyncSession]
) -> None:
    petr = tg.person()
    reply = last_message(await tg.send_text(petr, "/start"))
    assert "закрытом пилоте" in reply.text
    # anything else they write gets the same answer
    assert "закрытом пилоте" in last_message(await tg.send_text(petr, "фильтр масляный")).text

    await tg.press_in(petr, reply, "📝")
    await tg.send_text(petr, "ООО Вектор")
    bad = last_message(await tg.send_text(petr, "12345"))
    assert "10 или 12 цифр" in bad.text  # the INN is asked again
    await tg.send_text(petr, "7701234567")
    await tg.send_text(petr, "Казань")
    ask_phone = last_message(await tg.send_text(petr, "Пётр Петров"))
    assert ask_phone.params["reply_markup"]["keyboard"][0][0]["request_contact"] is True
    typed = last_message(await tg.send_text(petr, "+7 912 345 67 89"))
    assert "кнопкой" in typed.text
    stranger_contact = last_message(await tg.send_contact(petr, "+79000000000", owner=42))
    assert "свой номер" in stranger_contact.text
    done = last_message(await tg.send_contact(petr, "8 (912) 345-67-89"))
    assert "Заявка отправлена" in done.text

    async with db() as s:
        apps = list(await s.scalars(select(Application)))
        assert len(apps) == 1
        app = apps[0]
        assert (app.telegram_id, app.company, app.inn, app.city, app.contact_name, app.phone) == (
            petr.id,
            "ООО Вектор",
            "7701234567",
            "Казань",
            "Пётр Петров",
            "+79123456789",
        )
    assert "на рассмотрении" in last_message(await tg.send_text(petr, "/start")).text


async def test_several_legal_entities_pick_one_and_change_in_settings(
    tg: BotHarness, db: async_sessionmaker[AsyncSession]
) -> None:
    _dealer_id, token = await invite(db, entities=2)
    ivan = tg.person()
    calls = await tg.send_text(ivan, f"/start {token}")
    picker = last_message(calls)
    assert "юрлица" in picker.text and len(picker.buttons) == 2

    second = picker.buttons[1][1]
    answer = await tg.press(ivan, second, picker.message_id or 1)
    assert any("ЮЛ2" in a for a in alerts(answer))
    async with db() as s:
        user = await s.scalar(select(User).where(User.telegram_id == ivan.id))
        assert user is not None
        chosen = user.active_legal_entity_id

    settings = last_message(await tg.send_text(ivan, "⚙️ Настройки"))
    assert "ЮЛ2" in settings.text
    change = last_message(await tg.press_in(ivan, settings, "Сменить юрлицо"))
    await tg.press(ivan, change.buttons[0][1], change.message_id or 1)
    async with db() as s:
        user = await s.scalar(select(User).where(User.telegram_id == ivan.id))
        assert user is not None and user.active_legal_entity_id not in (None, chosen)

    # language switch
    english = last_message(await tg.press_in(ivan, settings, "English"))
    assert english.text == "Language: English."
    assert "🛒 Cart" in english.keyboard

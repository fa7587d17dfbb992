"""An applicant hears the admin's decision in Telegram through the one sender."""

from __future__ import annotations

from sqlalchemy import select

from core.dealers.applications import submit_application
from core.models import Delivery
from core.pilot import approve_application, reject_application
from tests.managers.conftest import THURSDAY_NOON, World


async def _apply(world: World, telegram_id: int, inn: str, language: str = "ru") -> int:
    async with world.db() as s:
        application = await submit_application(
            s,
            telegram_id=telegram_id,
            company="ООО Новый дилер",
            inn=inn,
            city="Тула",
            contact_name="Анна",
            phone="+79001234567",
            language=language,
        )
        await s.commit()
        return application.id


async def test_approved_applicant_gets_the_invitation_link(world: World) -> None:
    application_id = await _apply(world, 880_001, "7107000017")
    async with world.db() as s:
        approval = await approve_application(s, application_id, bot_username="acme_bot")
        await s.commit()
    assert await world.sender().run_once(THURSDAY_NOON) == 1
    (message,) = world.fake.sent_to(880_001, "sendMessage")
    assert approval.link in message.text and "одобрена" in message.text
    assert await world.sender().run_once(THURSDAY_NOON) == 0  # sent once
    async with world.db() as s:
        states = list(await s.scalars(select(Delivery.state).where(Delivery.chat_id == 880_001)))
    assert states == ["sent"]


async def test_rejected_applicant_reads_why_in_their_language(world: World) -> None:
    application_id = await _apply(world, 880_002, "7107000024", language="en")
    async with world.db() as s:
        await reject_application(s, application_id, message="the pilot is full until March")
        await s.commit()
    assert await world.sender().run_once(THURSDAY_NOON) == 1
    (message,) = world.fake.sent_to(880_002, "sendMessage")
    assert "not approved" in message.text and "the pilot is full until March" in message.text

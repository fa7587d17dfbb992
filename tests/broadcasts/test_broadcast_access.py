"""Broadcasts obey core.access: a paused dealer's people and revoked persons get nothing, and the
report says why in Russian, whether they were refused when it was queued or paused/revoked
after (before their row went out)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core import display
from core.access.lifecycle import Actor, pause_dealer, revoke_person
from core.broadcasts import service
from core.broadcasts.audience import Audience, size
from core.models import Broadcast, User
from tests.broadcasts.conftest import Telegram
from tests.broadcasts.data import broadcast, crowd

ACTOR = Actor(login="test")


async def _drain(telegram: Telegram) -> None:
    sender = telegram.sender()
    while await sender.run_once():
        pass
    await sender.run_once()


async def _user(s: AsyncSession, telegram_id: int) -> User:
    user = await s.scalar(select(User).where(User.telegram_id == telegram_id))
    assert user is not None
    return user


async def _reasons(db: async_sessionmaker[AsyncSession], broadcast_id: int) -> dict[int, str]:
    async with db() as s:
        rows = await service.report(s, broadcast_id)
    return {r.telegram_id: f"{r.status}: {display.telegram_error(r.error)}" for r in rows}


async def test_paused_dealers_and_revoked_people_are_skipped_with_the_reason(
    telegram: Telegram,
) -> None:
    fake, db = telegram.fake, telegram.db
    people = await crowd(db, 4)
    paused, revoked = people[0], people[1]
    async with db() as s:
        await pause_dealer(s, (await _user(s, paused)).dealer_id or 0, ACTOR, reason="долг")
        await revoke_person(s, await _user(s, revoked), ACTOR, reason="уволен")
        await s.commit()
        figures = await size(s, Audience.parse({"kind": "all"}))
    assert (figures.recipients, figures.unreachable["paused"]) == (2, 1)

    broadcast_id = await broadcast(db)
    await _drain(telegram)

    assert {c.chat_id for c in fake.delivered()} == set(people[2:])
    reasons = await _reasons(db, broadcast_id)
    assert reasons[paused] == "skipped: дилер приостановлен"
    assert reasons[revoked] == "skipped: доступ сотрудника закрыт"
    async with db() as s:
        item = await s.get(Broadcast, broadcast_id)
        assert item is not None
        assert (item.state, item.sent, item.skipped) == ("done", 2, 2)
        csv = service.report_csv(await service.report(s, broadcast_id), telegram.settings.zone)
    assert "дилер приостановлен" in csv and "доступ сотрудника закрыт" in csv


async def test_a_pause_after_queueing_stops_the_rows_not_yet_sent(telegram: Telegram) -> None:
    fake, db = telegram.fake, telegram.db
    people = await crowd(db, 3)
    broadcast_id = await broadcast(db)
    sender = telegram.sender()
    await sender.start_broadcasts()  # rows queued for all three
    async with db() as s:
        await pause_dealer(s, (await _user(s, people[0])).dealer_id or 0, ACTOR, reason="долг")
        await revoke_person(s, await _user(s, people[1]), ACTOR, reason="уволен")
        await s.commit()
    await _drain(telegram)

    assert [c.chat_id for c in fake.delivered()] == [people[2]]
    reasons = await _reasons(db, broadcast_id)
    assert reasons[people[0]] == "skipped: дилер приостановлен"
    assert reasons[people[1]] == "skipped: доступ сотрудника закрыт"

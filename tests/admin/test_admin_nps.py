"""The NPS round from the dashboard page: queue the question for a wave, see who answered."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.metrics.nps import NPS_QUESTION, record_nps
from core.models import Delivery, PilotWave, User
from tests import factories
from tests.admin.conftest import Browser


async def _wave_people(
    db: async_sessionmaker[AsyncSession], name: str, starts_on: date, people: int
) -> tuple[int, list[int]]:
    async with db() as session:
        wave = PilotWave(name=name, starts_on=starts_on)
        session.add(wave)
        await session.flush()
        dealer = await factories.dealer(session, f"ООО {name}")
        dealer.wave_id = wave.id
        users = [await factories.user(session, dealer=dealer) for _ in range(people)]
        await session.commit()
        return wave.id, [u.id for u in users]


async def _asked(db: async_sessionmaker[AsyncSession], survey: str) -> int:
    async with db() as session:
        return int(
            await session.scalar(
                select(func.count()).where(
                    Delivery.kind == NPS_QUESTION, Delivery.dedupe_key.like(f"nps:{survey}:%")
                )
            )
            or 0
        )


async def test_a_round_is_sent_to_a_wave_once_and_its_answers_are_shown(
    admin: Browser, db: async_sessionmaker[AsyncSession]
) -> None:
    _pilot, pilot_people = await _wave_people(db, "Пилот", date(2026, 1, 10), 3)
    second, _ = await _wave_people(db, "Вторая", date(2026, 6, 1), 2)

    status, page = await admin.get("/admin/metrics")
    assert status == 200 and 'id="nps-form"' in page and 'id="nps-rounds"' not in page
    assert re.search(r'name="survey" maxlength="20" value="\d{4}-\d{2}"', page)

    # The pilot wave by default; again: nobody new, and the page says so.
    await admin.post("/admin/metrics/nps", {"survey": "2026-11", "wave_id": ""})
    assert await _asked(db, "2026-11") == 3
    _, page = await admin.get("/admin/metrics")
    assert "Вопрос NPS «2026-11» поставлен в очередь: 3 чел." in page
    await admin.post("/admin/metrics/nps", {"survey": "2026-11", "wave_id": ""})
    _, page = await admin.get("/admin/metrics")
    assert "никому не добавлен" in page and await _asked(db, "2026-11") == 3

    # Another wave, same round: its two people are added.
    await admin.post("/admin/metrics/nps", {"survey": "2026-11", "wave_id": str(second)})
    assert await _asked(db, "2026-11") == 5

    # Answers: 10, 9 (promoters) and 3 (a detractor) -> NPS (2 - 1) / 3 = 33.33.
    async with db() as session:
        for user_id, score in zip(pilot_people, (10, 9, 3), strict=True):
            user = await session.get(User, user_id)
            assert user is not None
            await record_nps(session, user, "2026-11", score)
        await session.commit()
    _, page = await admin.get("/admin/metrics")
    row = re.search(r'<tr data-survey="2026-11">(.*?)</tr>', page, re.S)
    assert row is not None
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", row.group(1))
    assert cells[2:] == ["5", "3", "2", "1", "33.33"]


async def test_a_bad_round_name_is_refused_and_nothing_is_queued(
    admin: Browser, db: async_sessionmaker[AsyncSession]
) -> None:
    await _wave_people(db, "Пилот", date(2026, 1, 10), 2)
    for survey in ("", "x" * 21):
        status, _, _ = await admin.post("/admin/metrics/nps", {"survey": survey, "wave_id": ""})
        assert status == 303
    _, page = await admin.get("/admin/metrics")
    assert "Название опроса — от 1 до 20 символов" in page
    async with db() as session:
        assert await session.scalar(select(func.count()).select_from(Delivery)) == 0

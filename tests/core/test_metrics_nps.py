"""The NPS question: recording answers, comments, and queueing a survey round for the pilot."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import Forbidden, InvalidInput, NotFound
from core.metrics.nps import NPS_QUESTION, add_nps_comment, queue_nps_survey, record_nps
from core.models import Delivery, NpsResponse, PilotWave, Role
from tests import factories

NOW = datetime(2026, 3, 10, 12, tzinfo=UTC)


async def test_record_change_and_comment(session: AsyncSession) -> None:
    dealer = await factories.dealer(session)
    person = await factories.user(session, dealer=dealer)
    first = await record_nps(session, person, "2026-03", 10, now=NOW)
    again = await record_nps(session, person, "2026-03", 7, now=NOW)  # a second tap
    assert again.id == first.id
    await add_nps_comment(session, person, "2026-03", "  Быстрее подтверждать  ")
    other_round = await record_nps(session, person, "2026-06", 0, now=NOW)
    rows = list(await session.scalars(select(NpsResponse).order_by(NpsResponse.id)))
    assert [(r.survey, r.score, r.comment, r.dealer_id) for r in rows] == [
        ("2026-03", 7, "Быстрее подтверждать", dealer.id),
        ("2026-06", 0, "", dealer.id),
    ]
    assert other_round.id != first.id


async def test_refusals(session: AsyncSession) -> None:
    dealer = await factories.dealer(session)
    person = await factories.user(session, dealer=dealer)
    stranger = await factories.user(session)
    errors = []
    for call in (
        lambda: record_nps(session, person, "r1", 11),
        lambda: record_nps(session, person, "r1", -1),
        lambda: record_nps(session, person, "", 5),
        lambda: record_nps(session, person, "x" * 21, 5),
        lambda: add_nps_comment(session, person, "r1", "   "),
        lambda: add_nps_comment(session, person, "r1", "x" * 1001),
    ):
        with pytest.raises(InvalidInput) as caught:
            await call()
        errors.append(caught.value.key)
    assert errors == [
        "nps.bad_score",
        "nps.bad_score",
        "nps.bad_survey",
        "nps.bad_survey",
        "nps.comment_required",
        "nps.comment_too_long",
    ]
    with pytest.raises(NotFound):
        await add_nps_comment(session, person, "r1", "before any score")
    with pytest.raises(Forbidden):
        await record_nps(session, stranger, "r1", 5)
    assert list(await session.scalars(select(NpsResponse))) == []


async def test_queue_a_survey_for_the_pilot_wave(session: AsyncSession) -> None:
    pilot = PilotWave(name="Пилот", starts_on=date(2026, 1, 10))
    later = PilotWave(name="Волна 2", starts_on=date(2026, 3, 1))
    session.add_all([pilot, later])
    await session.flush()
    in_pilot = await factories.dealer(session, "Пилотный")
    in_pilot.wave_id = pilot.id
    elsewhere = await factories.dealer(session, "Другой")
    elsewhere.wave_id = later.id
    asked = await factories.user(session, dealer=in_pilot)
    asked.language = "en"
    blocked = await factories.user(session, dealer=in_pilot)
    blocked.blocked_bot_at = NOW
    no_telegram = await factories.user(session, dealer=in_pilot)
    no_telegram.telegram_id = None
    await factories.user(session, dealer=elsewhere)
    await factories.user(session, role=Role.MANAGER)
    await session.flush()
    # The pilot is the wave that starts first: only its reachable dealer people are asked.
    assert await queue_nps_survey(session, "2026-03", now=NOW) == 1
    assert await queue_nps_survey(session, "2026-03", now=NOW) == 0  # no second copy
    newcomer = await factories.user(session, dealer=in_pilot)
    assert await queue_nps_survey(session, "2026-03", now=NOW) == 1  # only the newcomer
    assert await queue_nps_survey(session, "2026-06", now=NOW) == 2  # a new round
    assert await queue_nps_survey(session, "2026-06", wave_id=later.id, now=NOW) == 1
    rows = list(
        await session.scalars(
            select(Delivery).where(Delivery.kind == NPS_QUESTION).order_by(Delivery.id)
        )
    )
    assert [(r.user_id, r.params["survey"], r.locale) for r in rows[:2]] == [
        (asked.id, "2026-03", "en"),
        (newcomer.id, "2026-03", "ru"),
    ]
    assert rows[0].chat_id == asked.telegram_id
    assert rows[0].dedupe_key == f"nps:2026-03:{asked.id}"


async def test_no_waves_nobody_asked(session: AsyncSession) -> None:
    dealer = await factories.dealer(session)
    await factories.user(session, dealer=dealer)
    assert await queue_nps_survey(session, "r1", now=NOW) == 0

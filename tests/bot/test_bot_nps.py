"""The NPS question on Telegram: sent by the sender with 0..10 buttons, answered, commented."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.handlers.nps import Nps
from core.metrics.nps import queue_nps_survey
from core.models import Dealer, NpsResponse, PilotWave
from dealerbot.telegram import make_sender
from tests.bot.conftest import BotHarness, Shop, alerts, last_message


async def _ask_the_pilot(db: async_sessionmaker[AsyncSession], shop: Shop, survey: str) -> None:
    """The shop's dealer in the pilot wave, and the round's question queued for its person."""
    async with db() as s:
        wave = PilotWave(name="Пилот")
        s.add(wave)
        await s.flush()
        dealer = await s.get(Dealer, shop.dealer_id)
        assert dealer is not None
        dealer.wave_id = wave.id
        assert await queue_nps_survey(s, survey) == 1
        await s.commit()


async def test_pilot_dealer_answers_the_nps_question(
    tg: BotHarness, shop: Shop, db: async_sessionmaker[AsyncSession]
) -> None:
    me = shop.tg_user
    await _ask_the_pilot(db, shop, "2026-11")
    assert await make_sender(tg.bot, db, tg.settings).run_once() == 1
    question = await tg.wait_for("sendMessage", lambda c: c.chat_id == me.id)
    assert "порекомендуете" in question.text
    assert [t for t, _ in question.buttons] == [str(n) for n in range(11)]

    answer = await tg.press_in(me, question, "9")
    assert "Спасибо за ответ!" in alerts(answer)
    assert any(c.method == "editMessageReplyMarkup" for c in answer)
    saved = last_message(await tg.send_text(me, "Удобно заказывать ночью"))
    assert "комментарий сохранён" in saved.text
    await tg.press_in(me, question, "10")  # changed their mind: one answer per round
    async with db() as s:
        rows = list(await s.scalars(select(NpsResponse)))
        assert [(r.survey, r.score, r.comment) for r in rows] == [
            ("2026-11", 10, "Удобно заказывать ночью")
        ]


async def test_the_comment_can_be_skipped(
    tg: BotHarness, shop: Shop, db: async_sessionmaker[AsyncSession]
) -> None:
    me = shop.tg_user
    await _ask_the_pilot(db, shop, "2026-12")
    await make_sender(tg.bot, db, tg.settings).run_once()
    question = await tg.wait_for("sendMessage", lambda c: c.chat_id == me.id)
    ask = last_message(await tg.press_in(me, question, "7"))
    assert "улучшить" in ask.text and [t for t, _ in ask.buttons] == ["Без комментария"]
    skipped = await tg.press_in(me, ask, "Без комментария")
    assert "Спасибо за ответ!" in alerts(skipped)
    await tg.send_text(me, "фильтр")  # an ordinary search now, not a comment
    async with db() as s:
        rows = list(await s.scalars(select(NpsResponse)))
        assert [(r.survey, r.score, r.comment) for r in rows] == [("2026-12", 7, "")]


async def test_a_forged_score_is_refused(tg: BotHarness, shop: Shop, db) -> None:
    refused = await tg.press(shop.tg_user, Nps(survey="2026-11", score=42).pack())
    assert any("от 0 до 10" in a for a in alerts(refused))
    async with db() as s:
        assert list(await s.scalars(select(NpsResponse))) == []

"""The NPS question for pilot dealers: who is asked, and the 0-10 answers with a comment.

An admin (or a job) queues a survey round: one delivery of kind ``nps.question`` per active
person of the pilot dealers, rendered by the Telegram sender with buttons 0..10. A tap records
the score (a second tap in the same round changes it); a comment may follow.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.dealers.service import dealer_id_of
from core.errors import InvalidInput, NotFound
from core.metrics.compute import nps_counts, nps_score
from core.metrics.rollout import load_config, resolve_launch
from core.models import Dealer, Delivery, NpsResponse, PilotWave, Role, User, utcnow

NPS_QUESTION = "nps.question"  # the delivery kind the Telegram sender renders
SCORES = range(0, 11)
MAX_COMMENT = 1000
MAX_SURVEY = 20


def _survey(survey: str) -> str:
    survey = (survey or "").strip()
    if not survey or len(survey) > MAX_SURVEY:
        raise InvalidInput("nps.bad_survey", survey=survey)
    return survey


async def _answer(session: AsyncSession, user_id: int, survey: str) -> NpsResponse | None:
    return await session.scalar(
        select(NpsResponse).where(NpsResponse.user_id == user_id, NpsResponse.survey == survey)
    )


async def record_nps(
    session: AsyncSession, user: User, survey: str, score: int, *, now: datetime | None = None
) -> NpsResponse:
    """Store the person's 0-10 answer for a survey round (a second tap changes it).

    Errors, nothing changed: nps.bad_score, nps.bad_survey, dealer.not_bound (Forbidden).
    """
    if score not in SCORES:
        raise InvalidInput("nps.bad_score", score=score)
    survey = _survey(survey)
    dealer_id = dealer_id_of(user)
    now = now or utcnow()
    answer = await _answer(session, user.id, survey)
    if answer is None:
        try:
            async with session.begin_nested():
                answer = NpsResponse(
                    survey=survey,
                    user_id=user.id,
                    dealer_id=dealer_id,
                    score=score,
                    comment="",
                    created_at=now,
                    updated_at=now,
                )
                session.add(answer)
        except IntegrityError:  # the same tap delivered twice at once
            answer = await _answer(session, user.id, survey)
            if answer is None:
                raise
    answer.score = score
    answer.updated_at = now
    await session.flush()
    return answer


async def add_nps_comment(
    session: AsyncSession, user: User, survey: str, comment: str
) -> NpsResponse:
    """Attach a comment to the person's answer of a round (the score comes first).

    Errors: nps.comment_required, nps.comment_too_long (InvalidInput), nps.not_found (NotFound).
    """
    comment = (comment or "").strip()
    if not comment:
        raise InvalidInput("nps.comment_required")
    if len(comment) > MAX_COMMENT:
        raise InvalidInput("nps.comment_too_long", limit=MAX_COMMENT)
    answer = await _answer(session, user.id, _survey(survey))
    if answer is None:
        raise NotFound("nps.not_found")
    answer.comment = comment
    await session.flush()
    return answer


async def queue_nps_survey(
    session: AsyncSession,
    survey: str,
    *,
    wave_id: int | None = None,
    now: datetime | None = None,
) -> int:
    """Queue the question for every active dealer person of the wave (default: the pilot wave).

    One delivery per person and round (dedupe key ``nps:<survey>:<user id>``), so queueing the
    same round again adds only people who joined since. People who blocked the bot or have no
    Telegram id are left out. Returns how many deliveries were added (flushed, not committed).
    """
    survey = _survey(survey)
    now = now or utcnow()
    if wave_id is None:
        wave_id = (await resolve_launch(session, await load_config(session))).pilot_wave_id
        if wave_id is None:
            return 0
    elif await session.get(PilotWave, wave_id) is None:
        raise NotFound("wave.not_found", wave_id=wave_id)
    people = (
        await session.execute(
            select(User.id, User.telegram_id, User.language)
            .join(Dealer, Dealer.id == User.dealer_id)
            .where(
                Dealer.wave_id == wave_id,
                User.role == Role.DEALER,
                User.is_active.is_(True),
                User.telegram_id.is_not(None),
                User.blocked_bot_at.is_(None),
            )
            .order_by(User.id)
        )
    ).all()
    prefix = f"nps:{survey}:"
    done = set(
        await session.scalars(
            select(Delivery.dedupe_key).where(
                Delivery.kind == NPS_QUESTION, Delivery.dedupe_key.like(f"{prefix}%")
            )
        )
    )
    rows = [
        Delivery(
            kind=NPS_QUESTION,
            dedupe_key=f"{prefix}{user_id}",
            chat_id=telegram_id,
            user_id=user_id,
            locale=language or "ru",
            params={"survey": survey},
            available_at=now,
            created_at=now,
        )
        for user_id, telegram_id, language in people
        if f"{prefix}{user_id}" not in done
    ]
    try:
        async with session.begin_nested():
            session.add_all(rows)
    except IntegrityError:  # the same round queued for these people at this very moment
        return 0
    return len(rows)


@dataclass(frozen=True)
class NpsRound:
    """One survey round: how many people were asked, how many answered, the score."""

    survey: str
    asked_at: datetime
    asked: int
    answered: int
    promoters: int
    detractors: int

    @property
    def score(self) -> Decimal | None:
        return nps_score(self.promoters, self.detractors, self.answered)


async def nps_rounds(session: AsyncSession, limit: int = 12) -> list[NpsRound]:
    """The latest rounds that were queued, newest first (a person's answer counts once)."""
    survey = Delivery.params["survey"].as_string()
    asked = (
        await session.execute(
            select(survey, func.min(Delivery.created_at), func.count())
            .where(Delivery.kind == NPS_QUESTION)
            .group_by(survey)
            .order_by(func.min(Delivery.created_at).desc())
            .limit(limit)
        )
    ).all()
    answers = {
        row[0]: row[1:]
        for row in await session.execute(
            select(NpsResponse.survey, *nps_counts())
            .where(NpsResponse.survey.in_([row[0] for row in asked]))
            .group_by(NpsResponse.survey)
        )
    }
    rounds = []
    for name, asked_at, count in asked:
        answered, promoters, detractors = answers.get(name, (0, 0, 0))
        rounds.append(
            NpsRound(name, asked_at, count, int(answered), int(promoters), int(detractors))
        )
    return rounds

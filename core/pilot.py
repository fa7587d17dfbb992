"""The pilot: the enrolment funnel per wave and decisions on applications to join."""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.dealers.invitations import create_invitation, deep_link
from core.dealers.service import create_dealer
from core.errors import InvalidInput, InvalidTransition, NotFound
from core.models import (
    Application,
    Dealer,
    DealerStatus,
    Invitation,
    LegalEntity,
    Order,
    OrderSource,
    PilotWave,
    Role,
    User,
    utcnow,
)
from core.outbox import EventKind, emit

APPLICATION_APPROVED = EventKind.APPLICATION_APPROVED
APPLICATION_REJECTED = EventKind.APPLICATION_REJECTED
NEW, APPROVED, REJECTED = "new", "approved", "rejected"
MAX_MESSAGE = 1000


@dataclass(frozen=True)
class WaveFunnel:
    """invited -> joined -> first order -> repeat order for one wave (or dealers in no wave)."""

    wave_id: int | None
    name: str
    dealers: int
    invited: int
    joined: int
    first_order: int
    repeat_order: int
    median_to_first_order: timedelta | None
    mean_to_first_order: timedelta | None


async def wave_funnels(
    session: AsyncSession, *, include_unassigned: bool = False
) -> list[WaveFunnel]:
    """The funnel of every wave, in creation order.

    A dealer is invited once an invitation exists for them, joined once a person redeemed one
    (the dealer's `onboarded_at`), and counts orders placed in the bot. Time to first order
    runs from joining to the first bot order.
    """
    waves = list(await session.scalars(select(PilotWave).order_by(PilotWave.id)))
    dealer_rows = (
        await session.execute(select(Dealer.id, Dealer.wave_id, Dealer.onboarded_at))
    ).all()
    invited_ids = set(
        await session.scalars(
            select(Invitation.dealer_id).where(Invitation.dealer_id.is_not(None)).distinct()
        )
    )
    order_stats = {
        dealer_id: (count, first)
        for dealer_id, count, first in await session.execute(
            select(Order.dealer_id, func.count(Order.id), func.min(Order.placed_at))
            .where(Order.source == OrderSource.BOT)
            .group_by(Order.dealer_id)
        )
    }
    by_wave: dict[int | None, list[tuple[int, datetime | None]]] = defaultdict(list)
    for dealer_id, wave_id, onboarded_at in dealer_rows:
        by_wave[wave_id].append((dealer_id, onboarded_at))
    named: list[tuple[int | None, str]] = [(wave.id, wave.name) for wave in waves]
    if include_unassigned and by_wave.get(None):
        named.append((None, ""))
    return [
        _funnel(wave_id, name, by_wave.get(wave_id, []), invited_ids, order_stats)
        for wave_id, name in named
    ]


def _funnel(
    wave_id: int | None,
    name: str,
    dealers: list[tuple[int, datetime | None]],
    invited_ids: Collection[int | None],
    order_stats: Mapping[int, tuple[int, datetime | None]],
) -> WaveFunnel:
    invited = joined = first = repeat = 0
    waits: list[timedelta] = []
    for dealer_id, onboarded_at in dealers:
        invited += dealer_id in invited_ids or onboarded_at is not None
        joined += onboarded_at is not None
        count, first_at = order_stats.get(dealer_id, (0, None))
        first += count >= 1
        repeat += count >= 2
        if onboarded_at is not None and first_at is not None and first_at >= onboarded_at:
            waits.append(first_at - onboarded_at)
    return WaveFunnel(
        wave_id=wave_id,
        name=name,
        dealers=len(dealers),
        invited=invited,
        joined=joined,
        first_order=first,
        repeat_order=repeat,
        median_to_first_order=_median(waits),
        mean_to_first_order=sum(waits, timedelta()) / len(waits) if waits else None,
    )


def _median(values: list[timedelta]) -> timedelta | None:
    if not values:
        return None
    return timedelta(seconds=statistics.median(value.total_seconds() for value in values))


@dataclass(frozen=True)
class Approval:
    """What approving an application made: the dealer (found or new) and the invitation."""

    application: Application
    dealer: Dealer
    invitation: Invitation
    link: str
    dealer_created: bool


async def _pending(session: AsyncSession, application_id: int) -> Application:
    application = await session.get(Application, application_id)
    if application is None:
        raise NotFound("application.not_found", application_id=application_id)
    if application.status != NEW:
        raise InvalidTransition("application.already_decided", status=application.status)
    return application


async def dealer_by_inn(session: AsyncSession, inn: str) -> Dealer | None:
    """The dealer with this INN, its own or one of its legal entities'."""
    return await session.scalar(
        select(Dealer)
        .outerjoin(LegalEntity, LegalEntity.dealer_id == Dealer.id)
        .where(or_(Dealer.inn == inn, LegalEntity.inn == inn))
        .order_by(Dealer.id)
        .limit(1)
    )


async def approve_application(
    session: AsyncSession,
    application_id: int,
    *,
    bot_username: str,
    decided_by: User | None = None,
    wave_id: int | None = None,
    days: int | None = 30,
) -> Approval:
    """Approve: find the dealer by INN or create one, invite, and queue the link for the applicant.

    The applicant gets the deep link in Telegram through the outbox event
    `application.approved` (payload: telegram_id, language, link, dealer name, wave thanks text).
    """
    application = await _pending(session, application_id)
    wave = await session.get(PilotWave, wave_id) if wave_id is not None else None
    if wave_id is not None and wave is None:
        raise NotFound("wave.not_found", wave_id=wave_id)
    dealer = await dealer_by_inn(session, application.inn)
    created = dealer is None
    if dealer is None:
        dealer = await create_dealer(session, name=application.company, inn=application.inn)
        dealer.city = application.city
    if wave is not None and dealer.wave_id is None:
        dealer.wave_id = wave.id
    if dealer.status == DealerStatus.PROSPECT:
        dealer.status = DealerStatus.INVITED
    invitation = await create_invitation(
        session,
        dealer_id=dealer.id,
        role=Role.DEALER,
        max_uses=1,
        days=days,
        created_by_id=decided_by.id if decided_by else None,
    )
    link = deep_link(bot_username, invitation.token)
    now = utcnow()
    application.status = APPROVED
    application.dealer_id = dealer.id
    application.decided_by_id = decided_by.id if decided_by else None
    application.decided_at = now
    thanks = ""
    if dealer.wave_id is not None:
        dealer_wave = wave or await session.get(PilotWave, dealer.wave_id)
        thanks = dealer_wave.thanks_text if dealer_wave else ""
    emit(
        session,
        APPLICATION_APPROVED,
        {
            "application_id": application.id,
            "telegram_id": application.telegram_id,
            "language": application.language,
            "dealer_id": dealer.id,
            "dealer": dealer.name,
            "invitation_id": invitation.id,
            "link": link,
            "token": invitation.token,
            "thanks": thanks,
        },
        dedupe_key=f"application:{application.id}:approved",
    )
    await session.flush()
    return Approval(application, dealer, invitation, link, created)


async def reject_application(
    session: AsyncSession,
    application_id: int,
    *,
    message: str,
    decided_by: User | None = None,
) -> Application:
    """Reject with a message the applicant reads in Telegram (outbox `application.rejected`)."""
    message = " ".join((message or "").split())
    if not message:
        raise InvalidInput("application.reject_message_required")
    if len(message) > MAX_MESSAGE:
        raise InvalidInput("application.reject_message_too_long", limit=MAX_MESSAGE)
    application = await _pending(session, application_id)
    application.status = REJECTED
    application.decision_note = message
    application.decided_by_id = decided_by.id if decided_by else None
    application.decided_at = utcnow()
    emit(
        session,
        APPLICATION_REJECTED,
        {
            "application_id": application.id,
            "telegram_id": application.telegram_id,
            "language": application.language,
            "message": message,
        },
        dedupe_key=f"application:{application.id}:rejected",
    )
    await session.flush()
    return application

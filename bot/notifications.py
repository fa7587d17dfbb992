"""Dealer notifications from the core outbox: order and claim status changes, and the
satisfaction poll after completion. One small function the shared sender will replace."""

from __future__ import annotations

import logging

from aiogram import Bot
from aiogram.exceptions import TelegramForbiddenError
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import I18n
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.handlers.satisfaction import poll_markup
from bot.i18n import create_i18n
from bot.render import claim_status, order_status
from core.models import Claim, Order, OrderStatus, OutboxEvent, User, utcnow
from core.outbox import EventKind

log = logging.getLogger("bot.notifications")
KINDS = (EventKind.ORDER_STATUS, EventKind.CLAIM_STATUS)
MAX_ATTEMPTS = 5
BATCH = 100


async def _recipients(session: AsyncSession, dealer_id: int) -> list[User]:
    rows = await session.scalars(
        select(User).where(
            User.dealer_id == dealer_id,
            User.is_active.is_(True),
            User.telegram_id.is_not(None),
            User.blocked_bot_at.is_(None),
        )
    )
    return list(rows)


async def deliver_dealer_notifications(
    bot: Bot, sessionmaker: async_sessionmaker[AsyncSession]
) -> int:
    """Send pending order/claim status events to the dealer's people; returns messages sent.

    Each event is marked done in the same transaction that reads it; a person who blocked the
    bot is marked and skipped; a failing event is retried up to MAX_ATTEMPTS times.
    """
    i18n = create_i18n()
    sent = 0
    async with sessionmaker() as session:
        events = list(
            await session.scalars(
                select(OutboxEvent)
                .where(
                    OutboxEvent.state == "pending",
                    OutboxEvent.kind.in_(KINDS),
                    OutboxEvent.available_at <= utcnow(),
                )
                .order_by(OutboxEvent.id)
                .limit(BATCH)
            )
        )
        for event in events:
            try:
                sent += await _deliver(bot, session, i18n, event)
                event.state = "done"
                event.processed_at = utcnow()
            except Exception as error:
                log.warning("notification failed event=%s error=%s", event.id, error)
                event.attempts += 1
                event.last_error = str(error)[:1000]
                if event.attempts >= MAX_ATTEMPTS:
                    event.state = "failed"
            await session.commit()
    return sent


async def _deliver(bot: Bot, session: AsyncSession, i18n: I18n, event: OutboxEvent) -> int:
    payload = event.payload
    dealer_id: int
    markup: InlineKeyboardMarkup | None = None
    if event.kind == EventKind.ORDER_STATUS:
        order = await session.get(Order, int(payload["order_id"]))
        if order is None:
            return 0
        dealer_id = order.dealer_id
        key, params = "notify.order_status", {"number": order.number}
        status = str(payload.get("to") or order.status)
        if status == OrderStatus.COMPLETED:
            markup = poll_markup(order.id)
    else:
        claim = await session.get(Claim, int(payload["claim_id"]))
        if claim is None:
            return 0
        dealer_id = claim.dealer_id
        key, params = "notify.claim_status", {"number": claim.number}
        status = str(payload.get("to") or claim.status)
    note = str(payload.get("note") or "").strip()
    count = 0
    for user in await _recipients(session, dealer_id):
        with i18n.context(), i18n.use_locale(user.language):
            label = (
                order_status(status)
                if event.kind == EventKind.ORDER_STATUS
                else claim_status(status)
            )
            text = i18n.gettext(key).format(status=label, **params)
            if note:
                text += "\n" + i18n.gettext("notify.note").format(note=note)
            if markup is not None:
                text += "\n\n" + i18n.gettext("poll.question")
        try:
            assert user.telegram_id is not None
            await bot.send_message(user.telegram_id, text[:4000], reply_markup=markup)
            count += 1
        except TelegramForbiddenError:
            user.blocked_bot_at = utcnow()
            log.info("user blocked the bot user_id=%s", user.id)
    return count

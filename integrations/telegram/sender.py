"""The one Telegram sender: outbox events become delivery rows, rows become Bot API calls.

Every message is a `core.models.Delivery` row whose state is stored before and after its
request, so a restart resumes where the sender stopped (see README.md in this folder for what
is sent again when the outcome of a request is unknown). Rows are claimed with
`SELECT ... FOR UPDATE SKIP LOCKED` on PostgreSQL, so several senders never take the same row;
on SQLite a conditional `UPDATE ... WHERE state = 'queued'` makes the claim (one writer at a
time, so a single sender process is the supported set-up there).

Limits: integrations.telegram.limits (overall, per chat, per group, 429 pauses). Errors:
429 waits `retry_after` with no request to that chat inside the wait; 5xx and network errors
are retried with exponential backoff (a few times at once, then later, then given up);
403 marks the person as having blocked the bot and cancels what was queued for them; any other
400 is a permanent failure recorded with its reason ("message is not modified" counts as done).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from aiogram import Bot
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from sqlalchemy import case, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core import sandbox
from core.broadcasts import service as broadcasts
from core.calendar import load_calendar
from core.db import is_database_outage
from core.models import Delivery, DeliveryState, OutboxEvent, User, utcnow
from core.notifications import CARD_EDIT, HANDLED_KINDS, MANAGER_CARDS, fan_out, is_still_open
from core.notify_settings import NotifyEnv, load_notify_settings
from core.orders.digest import release_digest
from core.outgoing import Renderer
from core.settings import Settings
from integrations.telegram.calls import BotCalls
from integrations.telegram.limits import Clock, Limits, MonotonicClock, RateLimiter
from integrations.telegram.ratelimit import take_turn
from integrations.telegram.receipts import Receipts

log = logging.getLogger("integrations.telegram.sender")
S = DeliveryState


class Sender:
    """Drains the outbox through Telegram within its limits; one instance per process."""

    def __init__(
        self,
        bot: Bot,
        sessionmaker: async_sessionmaker[AsyncSession],
        settings: Settings,
        *,
        render: Renderer,
        clock: Clock | None = None,
        limits: Limits | None = None,
        notify_env: NotifyEnv | None = None,
        batch: int = 200,
        concurrency: int = 8,
        max_attempts: int = 6,
        inline_retries: int = 3,
        max_inline_wait: float = 10.0,
        lease: timedelta = timedelta(minutes=2),
        receipts: Receipts | None = None,
        sandbox: bool = False,
    ) -> None:
        self.bot = bot
        # core.sandbox: a real sender takes real events and chats only, the sandbox's sender
        # (bot.sandbox, whose Bot answers in-process) the sandbox's only
        self.sandbox = sandbox
        self.sessionmaker = sessionmaker
        self.settings = settings
        self.clock = clock or MonotonicClock()
        self.limiter = RateLimiter(self.clock, limits or Limits())
        self.notify_env = notify_env
        self.batch = batch
        self.concurrency = concurrency
        self.max_attempts = max_attempts
        self.inline_retries = inline_retries
        self.max_inline_wait = max_inline_wait
        self.lease = lease
        self.receipts = receipts or Receipts(Path(settings.sender_receipts_dir))
        self._chats: dict[int, int] = {}  # delivery id -> chat, between answer and receipt
        self.render = render  # the bot's message builder (bot.outbound.Outbound)
        self.calls = BotCalls(bot, sessionmaker)

    # ------------------------------------------------------------------------ the whole cycle
    async def run_once(self, now: datetime | None = None) -> int:
        """Recover stale claims, route new outbox events, start due broadcasts, send what is
        due, mark finished broadcasts done; messages sent."""
        await self.recover(now)
        await self.route(now)
        if self.sandbox:
            return await self.send_due(now)
        await self.start_broadcasts(now)
        sent = await self.send_due(now)
        async with self.sessionmaker() as session:
            await broadcasts.settle(session, now)
        return sent

    async def start_broadcasts(self, now: datetime | None = None) -> list[int]:
        """Make the delivery rows of broadcasts that are due (scheduled ones included: the
        schedule is the broadcasts table, so a restart still starts them)."""
        async with self.sessionmaker() as session:
            started = await broadcasts.start_due(session, now)
        if started:
            log.info("broadcasts started ids=%s", started)
        return started

    async def run_digest(self, now: datetime | None = None) -> int:
        """Release the after-hours orders held until `now` and send them; messages sent."""
        async with self.sessionmaker() as session:
            headers = await release_digest(session, now)
            await session.commit()
        log.info("digest released chats=%s", len(headers))
        return await self.send_due(now)

    # ------------------------------------------------------------------------ outbox -> rows
    async def route(self, now: datetime | None = None) -> int:
        """Turn pending outbox events into delivery rows; each event is taken exactly once."""
        now = now or utcnow()
        routed = 0
        async with self.sessionmaker() as session:
            calendar = await load_calendar(session, self.settings)
            notify = await load_notify_settings(session, self.notify_env)
            events = list(
                await session.scalars(
                    select(OutboxEvent)
                    .where(
                        OutboxEvent.state == "pending",
                        OutboxEvent.kind.in_(HANDLED_KINDS),
                        OutboxEvent.available_at <= now,
                        OutboxEvent.is_sandbox.is_(self.sandbox),
                    )
                    .order_by(OutboxEvent.id)
                    .limit(self.batch)
                    .with_for_update(skip_locked=True)
                )
            )
            for event in events:
                if not self.sandbox and await sandbox.concerns_sandbox(session, event):
                    event.is_sandbox = True  # about a sandbox order: the sandbox's sender's
                    continue
                taken = await session.execute(
                    update(OutboxEvent)
                    .where(OutboxEvent.id == event.id, OutboxEvent.state == "pending")
                    .values(state="done", processed_at=now, attempts=OutboxEvent.attempts + 1)
                    .execution_options(synchronize_session=False)
                )
                if taken.rowcount != 1:  # type: ignore[attr-defined]
                    continue  # another sender took it
                try:
                    async with session.begin_nested():
                        with sandbox.playing() if self.sandbox else contextlib.nullcontext():
                            await fan_out(session, event, calendar=calendar, notify=notify, now=now)
                    routed += 1
                except Exception as error:
                    log.exception("routing failed event=%s", event.id)
                    await session.execute(
                        update(OutboxEvent)
                        .where(OutboxEvent.id == event.id)
                        .values(state="failed", last_error=str(error)[:1000])
                        .execution_options(synchronize_session=False)
                    )
            await session.commit()
        return routed

    # ------------------------------------------------------------------------ rows -> Telegram
    async def send_due(self, now: datetime | None = None) -> int:
        """Claim due rows and send them: chats in parallel, each chat's rows in order."""
        now = now or utcnow()
        claimed = await self._claim(now)
        if not claimed:
            return 0
        by_chat: dict[int, list[int]] = defaultdict(list)
        for delivery_id, chat_id in claimed:
            by_chat[chat_id].append(delivery_id)
        gate = asyncio.Semaphore(self.concurrency)

        async def run_chat(ids: list[int]) -> int:
            async with gate:
                done = 0
                for delivery_id in ids:
                    done += await self._send_one(delivery_id, now)
                return done

        results = await asyncio.gather(*(run_chat(ids) for ids in by_chat.values()))
        return sum(results)

    async def _claim(self, now: datetime) -> list[tuple[int, int]]:
        async with self.sessionmaker() as session:
            rows = (
                await session.execute(
                    select(Delivery.id, Delivery.chat_id)
                    .where(Delivery.state == S.QUEUED, Delivery.available_at <= now)
                    .where(
                        Delivery.chat_id >= sandbox.SANDBOX_BASE
                        if self.sandbox
                        else Delivery.chat_id < sandbox.SANDBOX_BASE
                    )
                    # broadcast rows after everything else: a card for a new order does not
                    # wait behind ten thousand broadcast messages
                    .order_by(
                        case((Delivery.broadcast_id.is_(None), 0), else_=1),
                        Delivery.available_at,
                        Delivery.id,
                    )
                    .limit(self.batch)
                    .with_for_update(skip_locked=True)
                )
            ).all()
            if not rows:
                return []
            taken = set(
                await session.scalars(
                    update(Delivery)
                    .where(Delivery.id.in_([r[0] for r in rows]), Delivery.state == S.QUEUED)
                    .values(state=S.SENDING, claimed_at=now, attempts=Delivery.attempts + 1)
                    .returning(Delivery.id)
                    .execution_options(synchronize_session=False)
                )
            )
            await session.commit()
        return [(row[0], row[1]) for row in rows if row[0] in taken]

    async def _send_one(self, delivery_id: int, now: datetime) -> int:
        async with self.sessionmaker() as session:
            delivery = await session.get(Delivery, delivery_id)
            if delivery is None or delivery.state != S.SENDING:
                return 0
            if delivery.user_id is not None:
                blocked = await session.scalar(
                    select(User.blocked_bot_at).where(User.id == delivery.user_id)
                )
                if blocked is not None:
                    await self._finish(delivery_id, S.FAILED, error="blocked the bot")
                    return 0
            refused = await broadcasts.refusal_now(session, delivery)  # paused/revoked since queued
            if refused is not None:
                await self._finish(delivery_id, S.SKIPPED, error=refused)
                return 0
            outgoing = await self.render(session, delivery)
            chat_id, user_id, attempts = delivery.chat_id, delivery.user_id, delivery.attempts
        if outgoing is None:
            await self._finish(delivery_id, S.SKIPPED, error="nothing to send")
            return 0
        failures = 0
        while True:
            await self.limiter.wait_turn(chat_id)
            await take_turn(self.bot, chat_id)  # the turn in the limit all workers share
            # from here on a crash leaves the outcome unknown; before it, the row is unsent
            marked = await self._finish(
                delivery_id, S.SENDING, requested_at=utcnow(), if_claimed_at=now
            )
            if marked is False:  # settled meanwhile by a new leader (core.leader): not ours
                return 0
            await self.limiter.depart()
            try:
                message_id = await self.calls.request(chat_id, outgoing)
            except TelegramRetryAfter as error:
                self.limiter.retry_after(chat_id, error.retry_after)
                log.warning("429 chat=%s retry_after=%s", chat_id, error.retry_after)
                wait = self.limiter.paused_until(chat_id) - self.clock.now()
                if wait > self.max_inline_wait:
                    await self._requeue(delivery_id, now + timedelta(seconds=wait), str(error))
                    return 0
                continue  # wait_turn sleeps out the pause before the next request
            except TelegramForbiddenError as error:
                await self._blocked(delivery_id, user_id, str(error))
                return 0
            except (TelegramServerError, TelegramNetworkError) as error:
                failures += 1
                delay = min(2.0 ** (failures - 1), 30.0)
                log.warning("retryable error chat=%s failures=%s: %s", chat_id, failures, error)
                if failures < self.inline_retries:
                    await self.clock.sleep(delay)
                    continue
                if attempts >= self.max_attempts:
                    await self._finish(delivery_id, S.FAILED, error=str(error))
                else:
                    backoff = timedelta(seconds=min(30 * 2**attempts, 3600))
                    await self._requeue(delivery_id, now + backoff, str(error))
                return 0
            except TelegramBadRequest as error:
                if "message is not modified" in str(error):
                    await self._record_sent(delivery_id, outgoing.message_id)
                    return 0
                await self._finish(delivery_id, S.FAILED, error=str(error))
                return 0
            except TelegramAPIError as error:
                await self._finish(delivery_id, S.FAILED, error=str(error))
                return 0
            self._chats[delivery_id] = chat_id  # for the receipt
            await self._record_sent(delivery_id, message_id)
            return 1

    # ------------------------------------------------------------------------ recording
    async def _record_sent(self, delivery_id: int, message_id: int | None) -> None:
        """The request succeeded: store it (the step a crash may separate from the request).

        The receipt goes to the local journal first (integrations.telegram.receipts), so a
        restart after a kill here still knows the message arrived; a database that does not
        answer is retried (with backoff, within the lease) instead of losing the answer.
        """
        sent_at = utcnow()
        chat_id = self._chats.pop(delivery_id, None)
        if chat_id is not None:
            self.receipts.write(delivery_id, chat_id, message_id, sent_at)
        delay, waited = 0.5, 0.0
        while True:
            try:
                await self._finish(delivery_id, S.SENT, message_id=message_id, sent_at=sent_at)
                return
            except Exception as error:
                if not is_database_outage(error) or waited + delay > self.lease.total_seconds():
                    raise
                log.warning(
                    "delivery=%s sent, database unavailable: retrying the record", delivery_id
                )
                await asyncio.sleep(delay)
                waited, delay = waited + delay, min(delay * 2, 10.0)

    async def _finish(
        self, delivery_id: int, state: str, *, if_claimed_at: datetime | None = None, **values: Any
    ) -> bool:
        """Update the row; with `if_claimed_at` only while it is still that claim (`sending`,
        same claim time): False when another sender settled or claimed it since."""
        condition = [Delivery.id == delivery_id]
        if if_claimed_at is not None:
            condition += [Delivery.state == S.SENDING, Delivery.claimed_at == if_claimed_at]
        async with self.sessionmaker() as session:
            result = await session.execute(
                update(Delivery)
                .where(*condition)
                .values(state=state, **values)
                .execution_options(synchronize_session=False)
            )
            await session.commit()
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def _requeue(self, delivery_id: int, at: datetime, error: str) -> None:
        await self._finish(delivery_id, S.QUEUED, available_at=at, error=error[:1000])

    async def _blocked(self, delivery_id: int, user_id: int | None, error: str) -> None:
        """403: the person blocked the bot (or the bot left the group); send them nothing more."""
        now = utcnow()
        async with self.sessionmaker() as session:
            await session.execute(
                update(Delivery)
                .where(Delivery.id == delivery_id)
                .values(state=S.FAILED, error=error[:1000])
                .execution_options(synchronize_session=False)
            )
            if user_id is not None:
                await session.execute(
                    update(User)
                    .where(User.id == user_id, User.blocked_bot_at.is_(None))
                    .values(blocked_bot_at=now)
                    .execution_options(synchronize_session=False)
                )
                await session.execute(
                    update(Delivery)
                    .where(
                        Delivery.user_id == user_id,
                        Delivery.state.in_([S.QUEUED, S.HELD]),
                    )
                    .values(state=S.FAILED, error="blocked the bot")
                    .execution_options(synchronize_session=False)
                )
            await session.commit()
        log.info("403 blocked delivery=%s user=%s", delivery_id, user_id)

    # ------------------------------------------------------------------------ after a crash
    async def recover(self, now: datetime | None = None, lease: timedelta | None = None) -> int:
        """Settle rows left `sending` by a sender that died (older than the lease; a new
        leader passes a lease of 0: every row left `sending` is the dead leader's).

        The rule (README.md): card edits are sent again (an edit is idempotent); manager cards
        and claim photos are sent again, marked as a repeat, while the order or claim still
        awaits a decision (a lost card is an order nobody confirms; a duplicate is harmless,
        the first decision wins); dealer notices and digest headers are not sent again
        (state `unknown`: a duplicate notice misleads, and the bot shows every status anyway).
        Any row that was claimed but never requested (`requested_at` empty) is simply queued
        again; broadcast rows that were requested become `unknown` (no second copy).
        """
        now = now or utcnow()
        settled = 0
        async with self.sessionmaker() as session:
            stale = list(
                await session.scalars(
                    select(Delivery)
                    .where(
                        Delivery.state == S.SENDING,
                        Delivery.claimed_at <= now - (self.lease if lease is None else lease),
                    )
                    .order_by(Delivery.id)
                    .with_for_update(skip_locked=True)
                )
            )
            receipts = self.receipts.read({row.id for row in stale if row.requested_at})
            for row in stale:
                receipt = receipts.get(row.id)
                if (
                    receipt is not None
                    and row.requested_at is not None
                    and receipt[0] == row.chat_id
                    and receipt[2] >= row.requested_at
                ):  # Telegram answered before the kill: it was delivered
                    row.state, row.message_id, row.sent_at = S.SENT, receipt[1], receipt[2]
                    row.error = None
                elif row.requested_at is None:
                    row.state, row.available_at = S.QUEUED, now  # claimed, never requested
                elif row.kind == CARD_EDIT:
                    row.state, row.available_at = S.QUEUED, now
                elif row.kind in MANAGER_CARDS and await is_still_open(session, row):
                    row.state, row.available_at = S.QUEUED, now
                    row.params = {**row.params, "resent": True}
                else:
                    row.state = S.UNKNOWN
                    row.error = "outcome unknown after a restart; not sent again"
                settled += 1
                log.warning("recovered delivery=%s kind=%s -> %s", row.id, row.kind, row.state)
            await session.commit()
        return settled

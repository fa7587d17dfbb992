"""Scheduler jobs of the sender: the outbox drain loop and the morning digest.

`schedule_jobs` is what the composition root calls with its AsyncIOScheduler. The drain runs
every few seconds, never two at once (max_instances=1) and never catching up a pile of missed
runs (coalesce). The digest runs at the start of each working day of the working calendar
(holidays, shortened days and working weekends included), then schedules its next run; a run
missed while the process was down is made on start-up within the grace time, and the drain
also releases any held order that is overdue, so nothing waits past its morning.

With several workers every one schedules the jobs and only the leader (`leads()`, see
core.leader) runs them: a tick on another worker returns at once, and the worker that takes
over runs the next tick (the drain releases a digest the old leader missed).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.calendar import load_calendar
from core.db import is_database_outage
from core.metrics.weekly import queue_weekly_digest
from core.models import utcnow
from core.orders.digest import held_orders
from core.settings import Settings
from integrations.telegram.sender import Sender

log = logging.getLogger("integrations.telegram.jobs")
DRAIN_JOB = "telegram.drain"
DIGEST_JOB = "telegram.digest"
WEEKLY_JOB = "metrics.weekly_digest"
WEEKLY_EVERY = timedelta(minutes=5)
DRAIN_EVERY = timedelta(seconds=2)
DIGEST_GRACE = timedelta(hours=6)
DRAIN_FOR = 55.0  # seconds one drain run may keep going while batches keep coming


async def next_digest_at(
    sessionmaker: async_sessionmaker[AsyncSession], settings: Settings, after: datetime
) -> datetime:
    """The next start of a working day strictly after `after`."""
    async with sessionmaker() as session:
        calendar = await load_calendar(session, settings)
    return calendar.next_working_start(after + timedelta(seconds=1))


def schedule_jobs(
    scheduler: AsyncIOScheduler,
    *,
    settings: Settings,
    sessionmaker: async_sessionmaker[AsyncSession],
    sender: Sender,
    leads: Callable[[], bool] = lambda: True,
    settle_on_takeover: bool = False,
) -> Sender:
    """Add the drain loop and the digests to `scheduler`, run only while `leads()`; returns
    the sender they use (built by the composition root, dealerbot.telegram.make_sender). With
    `settle_on_takeover` (workers electing a leader) the first drain of a new leader settles
    every row left `sending` at once: only the leader sends, so those are the dead leader's
    (no waiting out the lease)."""
    leading = False

    async def drain() -> None:
        nonlocal leading
        if not leads():
            leading = False
            return
        try:
            if not leading and settle_on_takeover:
                settled = await sender.recover(lease=timedelta(0))
                log.info("leader took over: settled rows=%s", settled)
            leading = True
            async with sessionmaker() as session:
                overdue = await held_orders(session, until=utcnow())
            if overdue:
                await sender.run_digest()
            # keep draining while there is work (a broadcast is thousands of rows): waiting
            # DRAIN_EVERY between batches of 200 would cost a fifth of Telegram's rate
            started = time.monotonic()
            while leads() and await sender.run_once() and time.monotonic() - started < DRAIN_FOR:
                pass
        except Exception as error:
            if is_database_outage(error):  # one line, not a stack trace per tick
                log.warning("outbox drain: database unavailable (%s)", type(error).__name__)
            else:
                log.exception("outbox drain failed")

    async def digest() -> None:
        try:
            if leads():
                await sender.run_digest()
        except Exception:
            log.exception("morning digest failed")
        finally:
            await plan_digest(utcnow())

    async def weekly() -> None:
        """Queue the head of sales' weekly digest once its moment has come (once per week:
        dedupe keys); the drain sends it."""
        if not leads():
            return
        try:
            async with sessionmaker() as session:
                calendar = await load_calendar(session, settings)
                if await queue_weekly_digest(session, calendar, now=utcnow()):
                    await session.commit()
        except Exception:
            log.exception("weekly digest failed")

    async def plan_digest(after: datetime) -> None:
        at = await next_digest_at(sessionmaker, settings, after)
        scheduler.add_job(
            digest,
            DateTrigger(run_date=at),
            id=DIGEST_JOB,
            replace_existing=True,
            misfire_grace_time=int(DIGEST_GRACE.total_seconds()),
            coalesce=True,
        )
        log.info("next digest at=%s", at.isoformat())

    scheduler.add_job(
        drain,
        IntervalTrigger(seconds=DRAIN_EVERY.total_seconds()),
        id=DRAIN_JOB,
        replace_existing=True,
        max_instances=1,
        coalesce=True,
        misfire_grace_time=30,
    )
    scheduler.add_job(
        weekly,
        IntervalTrigger(seconds=WEEKLY_EVERY.total_seconds()),
        id=WEEKLY_JOB,
        replace_existing=True,
        max_instances=1,
        coalesce=True,
        next_run_time=utcnow(),
    )
    scheduler.add_job(
        plan_digest,
        DateTrigger(run_date=utcnow()),
        args=[utcnow()],
        id=f"{DIGEST_JOB}.plan",
        replace_existing=True,
        misfire_grace_time=None,
    )
    return sender

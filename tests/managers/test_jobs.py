"""The scheduler jobs: the drain loop and the digest planned at the next working start."""

from __future__ import annotations

from datetime import timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from core.models import utcnow
from dealerbot.telegram import make_sender
from integrations.telegram.jobs import DIGEST_JOB, DRAIN_JOB, schedule_jobs
from tests.managers.conftest import World


async def test_jobs_are_scheduled_with_grace_and_coalescing(world: World) -> None:
    scheduler = AsyncIOScheduler(timezone="UTC")
    sender = schedule_jobs(
        scheduler,
        settings=world.tg.settings,
        sessionmaker=world.db,
        sender=make_sender(world.tg.bot, world.db, world.tg.settings),
    )
    assert sender.bot is world.tg.bot
    scheduler.start(paused=True)
    try:
        drain = scheduler.get_job(DRAIN_JOB)
        assert drain is not None
        assert (drain.max_instances, drain.coalesce, drain.misfire_grace_time) == (1, True, 30)
        plan = scheduler.get_job(f"{DIGEST_JOB}.plan")
        assert plan is not None
        await plan.func(*plan.args)  # what the scheduler runs once at start-up
        digest = scheduler.get_job(DIGEST_JOB)
        assert digest is not None and digest.coalesce is True
        assert digest.misfire_grace_time == int(timedelta(hours=6).total_seconds())
        at = digest.trigger.run_date
        local = at.astimezone(world.tg.settings.zone)
        assert at > utcnow() and (local.hour, local.minute) == (9, 0)
        assert local.isoweekday() <= 5
    finally:
        scheduler.shutdown(wait=False)

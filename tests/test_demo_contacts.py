"""`make demo` gives the dashboard the managers' metrics: contacts outside the platform and
time with clients have a baseline (before the launch), a target and a current value; the
contact actions count among the operations per manager."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.metrics import rollout_dashboard
from core.models import DealerContact, ManagerAction
from dealerbot.demo import load_demo

NOW = datetime(2025, 6, 10, 9, 30, tzinfo=UTC)
KEYS = ("ops_per_manager", "contacts_outside", "client_time")


async def test_demo_feeds_the_managers_metrics(db: async_sessionmaker[AsyncSession]) -> None:
    await load_demo(db, items=50, now=NOW)
    async with db() as session:
        contacts = await session.scalar(select(func.count()).select_from(DealerContact))
        logged = await session.scalar(
            select(func.count())
            .select_from(ManagerAction)
            .where(ManagerAction.action == "contact.logged", ManagerAction.contact_id.is_not(None))
        )
        assert contacts and logged == contacts
        rows = {
            r.key: r
            for r in await rollout_dashboard(
                session, now=NOW, zone=ZoneInfo("Europe/Moscow"), keys=KEYS
            )
        }
    outside, time_with = rows["contacts_outside"], rows["client_time"]
    for row in (outside, time_with):
        assert row.baseline is not None and row.baseline > 0, row
        assert row.current is not None and row.target == (row.baseline * 8 / 10).quantize(
            row.target
        )
        assert row.status in ("met", "behind")
    # Before the bot, dealers phone about prices and stock far more often than after.
    assert outside.current < outside.baseline
    assert rows["ops_per_manager"].detail["contacts"] > 0

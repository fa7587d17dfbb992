"""A worker process killed with SIGKILL right after the portal made the company (or the deal),
before the id reached our database: the next worker makes no second one."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import pytest

from core import crm_sync
from tests.crm.test_bitrix24_sync import assert_one_deal, bot_order, drain

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = """
import asyncio, sys
from core.db import create_engine, create_sessionmaker
from core.settings import Settings
from integrations.crm.worker import build_worker

async def main():
    settings = Settings(database_url=sys.argv[1], bitrix24_webhook_url=sys.argv[2], _env_file=None)
    engine = create_engine(settings.database_url)
    worker = build_worker(settings, create_sessionmaker(engine))
    await worker.run_once()

asyncio.run(main())
"""


@pytest.mark.parametrize("cut_after", ["crm.company.add", "crm.deal.add"])
async def test_kill_9_mid_way_makes_no_duplicate(db, database_url, portal, make_worker, cut_after):
    fake, url = portal
    w = await bot_order(db)
    fake.hold_after = cut_after
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", SCRIPT, database_url, url, cwd=ROOT, env={**os.environ}
    )
    try:
        await asyncio.wait_for(fake.held.wait(), 30)
    finally:
        process.send_signal(signal.SIGKILL)
        await process.wait()
    assert process.returncode == -signal.SIGKILL
    assert len(fake.of("company")) == 1
    async with db() as s:
        if cut_after == "crm.company.add":
            assert await crm_sync.link(s, "dealer", w["dealer"]) is None
        else:
            assert len(fake.of("deal")) == 1
            assert await crm_sync.link(s, "order", w["order"]) is None
    fake.hold_after = None
    await drain(make_worker())  # past the dead worker's lease
    assert_one_deal(fake, w)

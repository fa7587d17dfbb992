"""State that several workers share: 1C sessions, uploads and imports, the polling process."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.locks import StartRefused
from core.models import Product
from core.settings import get_settings
from integrations.onec.http import setup_onec_routes
from integrations.onec.storage import check_shared_storage
from tests.onec.conftest import LOGIN, PASSWORD, TEST_LIMITS, OneC, need_fixtures

ROOT = Path(__file__).resolve().parents[2]


def worker_app(db: async_sessionmaker[AsyncSession], storage: Path) -> web.Application:
    """One worker's exchange endpoint (its own Exchange, as in its own process)."""
    settings = get_settings(
        environment="test", onec_username=LOGIN, onec_password=PASSWORD, timezone="Europe/Moscow"
    )
    app = web.Application()
    setup_onec_routes(
        app, settings=settings, sessionmaker=db, storage_dir=storage, limits=TEST_LIMITS
    )
    return app


async def test_an_exchange_spread_over_two_workers_succeeds(
    db: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    """checkauth on A, the file's chunks alternately to A and B, import polled on B only."""
    data = (need_fixtures() / "bigperson-exchange1c" / "import.xml").read_bytes()
    storage = tmp_path / "shared-1c"
    async with (
        TestClient(TestServer(worker_app(db, storage), host="127.0.0.1")) as a,
        TestClient(TestServer(worker_app(db, storage), host="127.0.0.1")) as b,
    ):
        one_c_a, one_c_b = OneC(a), OneC(b)
        await one_c_a.checkauth()
        one_c_b.cookie = one_c_a.cookie  # the load balancer sends 1C anywhere
        step = max(len(data) // 5, 1)
        for n, start in enumerate(range(0, len(data), step)):
            side = one_c_a if n % 2 == 0 else one_c_b
            answer = await side.text(
                "catalog", "file", filename="import.xml", data=data[start : start + step]
            )
            assert answer.startswith("success"), answer
        result = await one_c_b.import_("import.xml")
        assert result.startswith("success"), result
        again = await one_c_a.text("catalog", "import", filename="import.xml")
        assert again.startswith("success")  # A reads B's result from the database
    async with db() as session:
        assert await session.scalar(select(func.count()).select_from(Product)) > 0


async def test_a_worker_with_another_storage_folder_refuses_to_start(
    db: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    await check_shared_storage(db, tmp_path / "shared")
    assert await check_shared_storage(db, tmp_path / "shared")  # the same folder: fine
    with pytest.raises(StartRefused, match="ONEC_STORAGE_DIR"):
        await check_shared_storage(db, tmp_path / "local-disk")
    with pytest.raises(StartRefused):
        async with TestClient(TestServer(worker_app(db, tmp_path / "other"), host="127.0.0.1")):
            pass


@pytest.mark.multiprocess
def test_a_second_polling_process_exits_with_a_clear_message(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "ENVIRONMENT": "development",
        "DATABASE_URL": os.environ.get("TEST_DATABASE_URL")
        or f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}",
        "BOT_TOKEN": "123456:polling-test",
        "TELEGRAM_API_URL": "http://127.0.0.1:18699",  # nobody answers: polling keeps retrying
        "WEBHOOK_URL": "",
        "REDIS_URL": "",
        "ONEC_STORAGE_DIR": str(tmp_path / "1c"),
        "SENDER_RECEIPTS_DIR": str(tmp_path / "receipts"),
        "HTTP_HOST": "127.0.0.1",
    }
    cmd = [sys.executable, "-m", "dealerbot", "run"]
    first = subprocess.Popen(
        cmd, env={**env, "HTTP_PORT": "18601"}, cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    try:
        assert first.stdout is not None
        deadline = time.monotonic() + 60
        while "DealerBot is up" not in first.stdout.readline():
            assert first.poll() is None and time.monotonic() < deadline
        second = subprocess.run(
            cmd,
            env={**env, "HTTP_PORT": "18602"},
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert second.returncode == 1
        assert "long polling" in second.stderr and "WEBHOOK_URL" in second.stderr
        assert "Traceback" not in second.stderr
        assert first.poll() is None  # the first one keeps polling
    finally:
        first.terminate()
        first.wait(timeout=30)

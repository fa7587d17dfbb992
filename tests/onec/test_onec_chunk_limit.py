"""ONEC_MAX_CHUNK_BYTES: the `file_limit` 1C is told, and the most one request may carry
(aiohttp's MAX_UPLOAD_BYTES does not see the 1C endpoint, which streams to disk)."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.settings import get_settings
from integrations.onec.http import setup_onec_routes
from tests.onec.conftest import LOGIN, PASSWORD, OneC


async def test_a_chunk_over_onec_max_chunk_bytes_is_refused(
    db: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    settings = get_settings(
        environment="test",
        onec_username=LOGIN,
        onec_password=PASSWORD,
        onec_max_chunk_bytes=64 * 1024,
        _env_file=None,
    )
    app = web.Application()
    setup_onec_routes(app, settings=settings, sessionmaker=db, storage_dir=tmp_path / "1c")
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        onec = OneC(client)
        await onec.checkauth()
        assert "file_limit=65536" in await onec.text("catalog", "init")
        ok = await onec.upload("import.xml", b"<a>" + b" " * 100_000, chunk=64 * 1024)
        assert ok.startswith("success")  # split as 1C was told: accepted
        answer = await onec.upload("offers.xml", b"<a>" + b" " * 200_000)  # one big request
        assert answer.startswith("failure\n") and "больше допустимого" in answer
    assert not any((tmp_path / "1c").glob("session-*"))

"""A broadcast made by `dealerbot broadcast create` is the admin's: the sender delivers it to
every recipient once on the fake Bot API, and `broadcast show` then counts them as sent."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.models import Broadcast
from dealerbot.cli import main
from tests.broadcasts.conftest import Telegram
from tests.broadcasts.data import crowd


async def test_a_broadcast_from_the_cli_reaches_everyone_once(
    db: async_sessionmaker[AsyncSession],
    telegram: Telegram,
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("REDIS_URL", "")
    people = await crowd(db, 6)
    argv = ["broadcast", "create", "--markup", "--text", "*Новинка* в каталоге"]
    assert await asyncio.to_thread(main, argv) == 0
    broadcast_id = int(capsys.readouterr().out.splitlines()[0])
    await telegram.drain()
    for chat in people:
        [message] = telegram.fake.delivered(chat)
        assert message.params["text"] == "<b>Новинка</b> в каталоге"
    async with db() as s:
        item = await s.scalar(select(Broadcast).where(Broadcast.id == broadcast_id))
        assert item is not None and item.state == "done" and item.sent == 6
    assert await asyncio.to_thread(main, ["broadcast", "show", str(broadcast_id)]) == 0
    shown = capsys.readouterr().out.splitlines()
    assert f"Рассылка {broadcast_id} «Новинка в каталоге»: завершена." == shown[0]
    assert "доставлено: 6" in shown and "в очереди: 0" in shown

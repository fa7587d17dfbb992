"""`dealerbot run` as a whole: HTTP up and the bot polling the (fake) Bot API it is pointed at."""

from __future__ import annotations

import asyncio
import socket

import aiohttp

from core.settings import Settings
from dealerbot.runner import serve
from tests.bot.fake_api import FakeTelegram, TgUser


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_run_serves_http_and_polls_the_bot(fake: FakeTelegram, database_url: str, db) -> None:
    port = _free_port()
    settings = Settings(
        database_url=database_url,
        http_port=port,
        bot_token=fake.token,
        telegram_api_url=fake.url,
    )
    stop = asyncio.Event()
    task = asyncio.create_task(serve(settings, stop))
    try:
        stranger = TgUser(id=777_000_001, first_name="Пётр", username="petr", language_code="ru")
        await fake.push("message", fake.message(stranger, text="/start"))
        reply = await fake.wait_for("sendMessage", lambda c: c.chat_id == stranger.id, timeout=20)
        assert "пилот" in reply.text.lower()
        assert fake.calls_of("deleteWebhook") and fake.calls_of("setMyCommands")
        async with (
            aiohttp.ClientSession() as client,
            client.get(f"http://127.0.0.1:{port}/healthz") as response,
        ):
            assert response.status == 200
    finally:
        stop.set()
        await asyncio.wait_for(task, 20)

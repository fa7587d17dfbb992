"""Faults at the bot's edges: a webhook body that is not an update, and the Bot API
unreachable when `dealerbot run` starts (it waits and retries instead of exiting)."""

from __future__ import annotations

import asyncio
import logging
import socket
from urllib.parse import urlsplit

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.factory import create_bot, create_dispatcher
from bot.runner import WEBHOOK_PATH, setup_webhook_routes
from core.settings import Settings, get_settings
from dealerbot.runner import serve
from tests.bot.fake_api import FakeTelegram, TgUser
from tests.tcp_proxy import TcpProxy

SECRET = "s3cret-token-of-the-webhook"


@pytest.mark.parametrize(
    "body",
    [b"not json at all", b"\xff\xfe\x00garbage", b"[1, 2, 3]", b'{"update_id": "x"}', b""],
    ids=["text", "binary", "list", "bad-update", "empty"],
)
async def test_a_bad_webhook_body_with_the_right_secret_is_a_400(
    fake: FakeTelegram, db: async_sessionmaker[AsyncSession], database_url: str, body: bytes
) -> None:
    settings = get_settings(
        environment="test",
        database_url=database_url,
        bot_token=fake.token,
        telegram_api_url=fake.url,
        _env_file=None,
    )
    bot = create_bot(settings)
    app = web.Application()
    setup_webhook_routes(app, dispatcher=create_dispatcher(settings, db), bot=bot, secret=SECRET)
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET, "Content-Type": "application/json"}
    async with TestClient(TestServer(app)) as client:
        response = await client.post(WEBHOOK_PATH, data=body, headers=headers)
        assert response.status == 400
        assert "not a Telegram update" in await response.text()
        wrong = await client.post(
            WEBHOOK_PATH, data=body, headers={**headers, "X-Telegram-Bot-Api-Secret-Token": "x"}
        )
        assert wrong.status == 401  # the secret is still checked first
        good = {"update_id": 5, "message": fake.message(TgUser(id=778), text="/start")}
        ok = await client.post(WEBHOOK_PATH, json=good, headers=headers)
        assert ok.status == 200
        await fake.wait_for("sendMessage", lambda c: c.chat_id == 778)
    await bot.session.close()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_run_waits_for_an_unreachable_bot_api_and_then_serves(
    fake: FakeTelegram, database_url: str, db, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    target = urlsplit(fake.url)
    proxy = await TcpProxy(target.hostname or "127.0.0.1", target.port or 80).start()
    proxy.cut()  # the Bot API is unreachable when the service starts
    port = _free_port()
    settings = Settings(
        database_url=database_url,
        http_port=port,
        bot_token=fake.token,
        telegram_api_url=f"http://127.0.0.1:{proxy.port}",
    )
    stop = asyncio.Event()
    task = asyncio.create_task(serve(settings, stop))
    try:
        for _ in range(400):
            if proxy.refused >= 2 or task.done():
                break
            await asyncio.sleep(0.05)
        assert not task.done(), "dealerbot run exited instead of retrying"
        assert proxy.refused >= 2  # it tried, and tried again
        assert "Bot API unreachable at start-up" in caplog.text and "retrying in" in caplog.text
        async with (  # HTTP serves meanwhile
            aiohttp.ClientSession() as client,
            client.get(f"http://127.0.0.1:{port}/healthz") as response,
        ):
            assert response.status == 200
        proxy.restore()  # the network is back
        user = TgUser(id=777_000_002, first_name="Анна", username="anna", language_code="ru")
        await fake.push("message", fake.message(user, text="/start"))
        reply = await fake.wait_for("sendMessage", lambda c: c.chat_id == user.id, timeout=30)
        assert "пилот" in reply.text.lower()
        assert "Bot API reachable again" in caplog.text
    finally:
        stop.set()
        await asyncio.wait_for(task, 20)
        await proxy.close()

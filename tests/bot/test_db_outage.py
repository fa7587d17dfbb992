"""PostgreSQL unreachable for a while under `dealerbot run`: a TCP proxy between the service
and PostgreSQL is cut for OUTAGE seconds and restored.

While it is cut, /healthz answers 503 with the reason and a dealer writing to the bot is told
"Сервис временно недоступен" (no stack trace). Orders queued for notification before the
service can reach the database again are all delivered after it returns, each exactly once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import AsyncIterator, Awaitable, Callable

import aiohttp
import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.calendar import load_calendar
from core.models import Dealer, Delivery, Order, Role, User
from core.models.admin import set_setting
from core.notify_settings import IMMEDIATE, POLICY_KEY
from core.orders.cart import add_item
from core.orders.placement import place_order
from core.settings import Settings, get_settings
from dealerbot.runner import serve
from tests import factories
from tests.bot.conftest import Shop, make_shop
from tests.bot.fake_api import Call, FakeTelegram, TgUser
from tests.conftest import POSTGRES_SKIP_REASON, postgres_url
from tests.tcp_proxy import TcpProxy

OUTAGE = 12.0  # seconds PostgreSQL stays unreachable (the issue asks for 10 to 30)
pytestmark = pytest.mark.skipif(postgres_url() is None, reason=POSTGRES_SKIP_REASON)


class People:
    """What make_shop needs of a bot harness: new Telegram people."""

    def __init__(self) -> None:
        self.n = 880_000_000

    def person(self, *, language: str = "ru", first_name: str = "Иван") -> TgUser:
        self.n += 1
        return TgUser(
            id=self.n, first_name=first_name, username=f"u{self.n}", language_code=language
        )


def sent_to(fake: FakeTelegram, chat_id: int) -> list[Call]:
    return [c for c in fake.calls_of("sendMessage") if c.chat_id == chat_id]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def health(port: int) -> tuple[int, dict[str, str]]:
    async with (
        aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as client,
        client.get(f"http://127.0.0.1:{port}/healthz") as response,
    ):
        return response.status, await response.json()


async def place(db: async_sessionmaker[AsyncSession], shop: Shop, key: str) -> str:
    async with db() as s:
        user = await s.get(User, shop.user_id)
        assert user is not None
        await add_item(s, user, shop.products["OC 90"], 1)
        order = await place_order(
            s, user, request_key=key, calendar=await load_calendar(s, get_settings(_env_file=None))
        )
        await s.commit()
        return order.number


async def until(condition: Callable[[], Awaitable[bool]], what: str) -> None:
    for _ in range(600):  # a minute at most
        if await condition():
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
async def proxy(database_url: str) -> AsyncIterator[TcpProxy]:
    url = make_url(database_url)
    running = await TcpProxy(url.host or "127.0.0.1", url.port or 5432).start()
    yield running
    await running.close()


async def test_the_service_rides_out_a_database_outage(
    fake: FakeTelegram,
    db: async_sessionmaker[AsyncSession],
    database_url: str,
    proxy: TcpProxy,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    shop = await make_shop(People(), db)  # type: ignore[arg-type]
    manager = TgUser(id=880_100_001, first_name="Мария", username="maria", language_code="ru")
    async with db() as s:
        person = await factories.user(s, role=Role.MANAGER)
        person.telegram_id = manager.id
        dealer_row = await s.get(Dealer, shop.dealer_id)
        assert dealer_row is not None
        dealer_row.manager_id = person.id
        await set_setting(s, POLICY_KEY, IMMEDIATE)  # cards at once, whatever the hour
        await s.commit()

    port = _free_port()
    proxied = make_url(database_url).set(host="127.0.0.1", port=proxy.port)
    settings = Settings(
        database_url=proxied.render_as_string(hide_password=False),
        http_port=port,
        bot_token=fake.token,
        telegram_api_url=fake.url,
        _env_file=None,  # type: ignore[call-arg]
    )
    stop = asyncio.Event()
    task = asyncio.create_task(serve(settings, stop))
    try:
        await until(lambda: _ok(port), "the service to start")
        before = await place(db, shop, "outage-1")

        async def card_sent(number: str) -> bool:
            return any(number in c.text for c in sent_to(fake, manager.id))

        await until(lambda: card_sent(before), "the first card")

        proxy.cut()  # PostgreSQL becomes unreachable for the service
        started = asyncio.get_running_loop().time()
        status, body = await health(port)
        assert status == 503 and body["status"] == "unavailable"
        assert "database" in body["reason"]
        # orders keep coming (another worker, 1C) while this service cannot read them
        during = [await place(db, shop, f"outage-{i}") for i in (2, 3, 4)]
        dealer = shop.tg_user
        await fake.push("message", fake.message(dealer, text="/orders"))
        reply = await fake.wait_for(
            "sendMessage",
            lambda c: c.chat_id == dealer.id and "временно недоступен" in c.text,
            timeout=30,
        )
        assert reply.text == "Сервис временно недоступен, попробуйте через минуту."
        english = TgUser(id=880_100_002, first_name="John", username="john", language_code="en")
        await fake.push("message", fake.message(english, text="/start"))
        answer = await fake.wait_for("sendMessage", lambda c: c.chat_id == english.id, timeout=30)
        assert "temporarily unavailable" in answer.text
        remaining = OUTAGE - (asyncio.get_running_loop().time() - started)
        await asyncio.sleep(max(remaining, 0))
        status, _ = await health(port)
        assert status == 503  # still cut: nothing healed by itself
        proxy.restore()

        await until(lambda: _ok(port), "/healthz to recover")
        for number in during:
            await until(lambda number=number: card_sent(number), f"the card of {number}")
        await fake.push("message", fake.message(dealer, text="/start"))
        await fake.wait_for(
            "sendMessage",
            lambda c: c.chat_id == dealer.id and "временно недоступен" not in c.text,
            timeout=30,
        )
        await asyncio.sleep(3)  # a few more drain runs: nothing is sent a second time
        for number in [before, *during]:
            cards = [c for c in sent_to(fake, manager.id) if number in c.text]
            assert len(cards) == 1, f"order {number}: {len(cards)} cards"
        async with db() as s:
            states = set(
                await s.scalars(select(Delivery.state).where(Delivery.kind == "order.card"))
            )
            assert states == {"sent"}
            assert len(list(await s.scalars(select(Order.id)))) == 4
        assert "Traceback" not in "\n".join(
            r.getMessage() for r in caplog.records if r.name.startswith("bot")
        )
    finally:
        proxy.restore()
        stop.set()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(task, 30)


async def _ok(port: int) -> bool:
    try:
        status, _ = await health(port)
    except (aiohttp.ClientError, TimeoutError):
        return False
    return status == 200

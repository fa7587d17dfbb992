"""The bot under test: the real Dispatcher polling the fake Bot API, on the test database."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiogram import Bot, Dispatcher
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.factory import create_bot, create_dispatcher
from core.models import DeliveryAddress, PriceType, Product, Warehouse
from core.settings import Settings, get_settings
from tests import factories
from tests.bot.fake_api import SCHEMA_FILE, Call, FakeTelegram, Schema, TgUser

_people = itertools.count(5_000_001)


@pytest.fixture(scope="session")
def schema() -> Schema:
    if not SCHEMA_FILE.exists():
        pytest.skip(f"Bot API schema {SCHEMA_FILE} is absent: bot tests need it to check requests")
    return Schema.load(SCHEMA_FILE)


class BotHarness:
    """A dealer's side of Telegram: send updates, wait until the bot handled them, read replies."""

    def __init__(self, fake: FakeTelegram, dispatcher: Dispatcher, bot: Bot, settings: Settings):
        self.fake = fake
        self.dp = dispatcher
        self.bot = bot
        self.settings = settings

    def person(self, *, language: str = "ru", first_name: str = "Иван") -> TgUser:
        """A new Telegram person."""
        n = next(_people)
        return TgUser(id=n, first_name=first_name, username=f"user{n}", language_code=language)

    async def settle(self, update_id: int) -> None:
        """Wait until the bot has fetched the update and every handler task has finished."""
        await self.fake.wait_acked(update_id)
        while self.dp._handle_update_tasks:
            await asyncio.gather(*list(self.dp._handle_update_tasks), return_exceptions=True)

    async def _send(self, kind: str, payload: dict[str, Any]) -> list[Call]:
        start = len(self.fake.calls)
        update_id = await self.fake.push(kind, payload)
        await self.settle(update_id)
        return self.fake.calls[start:]

    async def send_text(self, user: TgUser, text: str) -> list[Call]:
        """The person writes `text`; returns the calls the bot made while handling it."""
        return await self._send("message", self.fake.message(user, text=text, **_entities(text)))

    async def press(self, user: TgUser, callback_data: str, message_id: int = 1) -> list[Call]:
        """The person presses an inline button of the bot's message `message_id`."""
        return await self._send(
            "callback_query", self.fake.callback_query(user, callback_data, message_id)
        )

    async def press_in(self, user: TgUser, call: Call, starts: str) -> list[Call]:
        """Press the button whose text starts with `starts` on the message `call` sent."""
        return await self.press(user, call.button(starts), call.message_id or 1)

    async def send_document(
        self,
        user: TgUser,
        content: bytes,
        file_name: str,
        *,
        size: int | None = None,
        mime: str = "application/octet-stream",
    ) -> list[Call]:
        file_id, unique = self.fake.add_file(content, file_name)
        document = {
            "file_id": file_id,
            "file_unique_id": unique,
            "file_name": file_name,
            "mime_type": mime,
            "file_size": size if size is not None else len(content),
        }
        return await self._send("message", self.fake.message(user, document=document))

    async def send_photo(self, user: TgUser, content: bytes = b"\xff\xd8photo") -> list[Call]:
        file_id, unique = self.fake.add_file(content, "photo.jpg")
        photo = [{"file_id": file_id, "file_unique_id": unique, "width": 800, "height": 600}]
        return await self._send("message", self.fake.message(user, photo=photo))

    async def send_contact(
        self, user: TgUser, phone: str, *, owner: int | None = None
    ) -> list[Call]:
        contact = {
            "phone_number": phone,
            "first_name": user.first_name,
            "user_id": owner or user.id,
        }
        return await self._send("message", self.fake.message(user, contact=contact))

    async def inline(self, user: TgUser, query: str) -> list[Call]:
        payload = {"id": f"iq{next(_people)}", "from": user.as_dict(), "query": query, "offset": ""}
        return await self._send("inline_query", payload)

    async def wait_for(
        self,
        method: str,
        predicate: Any = lambda _c: True,
        timeout: float = 10,  # noqa: ASYNC109 - the helper's documented signature
    ) -> Call:
        return await self.fake.wait_for(method, predicate, timeout)


def _entities(text: str) -> dict[str, Any]:
    if text.startswith("/"):
        length = len(text.split()[0])
        return {"entities": [{"type": "bot_command", "offset": 0, "length": length}]}
    return {}


def last_message(calls: list[Call]) -> Call:
    """The last sendMessage (or editMessageText) among `calls`."""
    for call in reversed(calls):
        if call.method in ("sendMessage", "editMessageText", "sendDocument"):
            return call
    raise AssertionError(f"the bot sent no message: {[c.method for c in calls]}")


def alerts(calls: list[Call]) -> list[str]:
    """Texts of answerCallbackQuery calls."""
    return [str(c.params.get("text", "")) for c in calls if c.method == "answerCallbackQuery"]


@pytest.fixture
async def fake(schema: Schema) -> AsyncIterator[FakeTelegram]:
    server = FakeTelegram(schema)
    await server.start()
    yield server
    await server.close()
    assert not server.violations, "Bot API schema violations:\n" + "\n".join(server.violations)


@pytest.fixture
async def tg(
    fake: FakeTelegram, db: async_sessionmaker[AsyncSession], database_url: str
) -> AsyncIterator[BotHarness]:
    """The running bot (real Dispatcher in polling mode) and helpers to talk to it."""
    settings = get_settings(
        environment="test",
        database_url=database_url,
        bot_token=fake.token,
        telegram_api_url=fake.url,
        redis_url=None,
        _env_file=None,
    )
    bot = create_bot(settings)
    dispatcher = create_dispatcher(settings, db)
    task = asyncio.create_task(
        dispatcher.start_polling(
            bot, polling_timeout=5, handle_signals=False, close_bot_session=True
        )
    )
    harness = BotHarness(fake, dispatcher, bot, settings)
    try:
        yield harness
    finally:
        await dispatcher.stop_polling()
        await asyncio.wait_for(task, 10)


class Shop:
    """A dealer with a price type, two warehouses and a few items, and one bound person."""

    def __init__(self) -> None:
        self.dealer_id = 0
        self.user_id = 0
        self.products: dict[str, int] = {}
        self.person: TgUser | None = None

    @property
    def tg_user(self) -> TgUser:
        assert self.person is not None
        return self.person


async def make_shop(
    tg: BotHarness,
    db: async_sessionmaker[AsyncSession],
    *,
    entities: int = 1,
    language: str = "ru",
    name: str = "ООО Автодеталь",
) -> Shop:
    """Create the catalog and a dealer whose person is bound to it (no /start needed)."""
    shop = Shop()
    person = tg.person(language=language)
    async with db() as s:
        pt = await s.scalar(select(PriceType).where(PriceType.name == "Дилерская"))
        if pt is None:
            pt = await factories.price_type(s)
            main = await factories.warehouse(s, "Москва")
            south = await factories.warehouse(s, "Краснодар")
            items = [
                ("OC 90", "Фильтр масляный", "350.00", {main: "40", south: "10"}),
                ("W712/75", "Фильтр масляный MANN", "512.50", {main: "3"}),
                ("LX 1006", "Фильтр воздушный", "890.00", {south: "12"}),
            ]
            for article, title, price, stock in items:
                await factories.product(s, article, title, prices={pt: price}, stock=stock)
        else:
            main = await s.scalar(select(Warehouse).where(Warehouse.name == "Москва"))
        dealer = await factories.dealer(s, name, price_type=pt, entities=entities)
        s.add(
            DeliveryAddress(
                dealer_id=dealer.id, address="Москва, ул. Складская, 1", is_default=True
            )
        )
        user = await factories.user(s, dealer=dealer)
        user.telegram_id = person.id
        user.language = language
        await s.commit()
        shop.products = {p.article: p.id for p in await s.scalars(select(Product))}
        shop.dealer_id, shop.user_id, shop.person = dealer.id, user.id, person
    return shop


@pytest.fixture
async def shop(tg: BotHarness, db: async_sessionmaker[AsyncSession]) -> Shop:
    return await make_shop(tg, db)

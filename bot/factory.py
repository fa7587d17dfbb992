"""Factories of the Bot and the Dispatcher; the entry point and the tests both use them."""

from __future__ import annotations

from aiogram import Bot, Dispatcher
from aiogram.client.telegram import TelegramAPIServer
from aiogram.fsm.storage.base import BaseEventIsolation, BaseStorage
from aiogram.fsm.storage.memory import MemoryStorage, SimpleEventIsolation
from aiogram.utils.token import extract_bot_id
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.handlers import get_routers
from bot.i18n import create_i18n
from bot.middlewares import DbSessionMiddleware, LocaleMiddleware
from bot.middlewares.access import AccessMiddleware
from core.settings import Settings
from integrations.telegram.ratelimit import RateLimitedSession, ReplyScope, backend_for

BOT_COMMANDS = ("start", "help", "menu", "cancel", "template", "lists", "balance", "documents")


def create_bot(settings: Settings) -> Bot:
    """A Bot talking to the Bot API server at TELEGRAM_API_URL, within the shared rate limit."""
    if settings.bot_token is None:
        raise ValueError("BOT_TOKEN is not set")
    token = settings.bot_token.get_secret_value()
    # every call, direct replies included, takes its turn in the limit all workers share
    session = RateLimitedSession(
        backend_for(settings, extract_bot_id(token)),
        api=TelegramAPIServer.from_base(settings.telegram_api_url),
    )
    return Bot(token=token, session=session)


def create_storage(settings: Settings) -> tuple[BaseStorage, BaseEventIsolation]:
    """FSM storage and per-user event isolation: Redis when REDIS_URL is set, else memory."""
    if settings.redis_url:
        from aiogram.fsm.storage.redis import RedisEventIsolation, RedisStorage
        from redis.asyncio import BlockingConnectionPool, Redis

        # a burst of updates waits for a connection instead of failing with "Too many
        # connections" (200 people pressing /start at once: tests/multiprocess)
        pool = BlockingConnectionPool.from_url(settings.redis_url, max_connections=50, timeout=30)
        storage = RedisStorage(redis=Redis(connection_pool=pool))
        return storage, RedisEventIsolation(redis=storage.redis)
    return MemoryStorage(), SimpleEventIsolation()


def create_dispatcher(
    settings: Settings, sessionmaker: async_sessionmaker[AsyncSession]
) -> Dispatcher:
    """The Dispatcher with middlewares, i18n and every flow's router.

    Workflow data `settings` and `sessionmaker` reach handlers by name.
    """
    storage, isolation = create_storage(settings)
    dispatcher = Dispatcher(
        storage=storage,
        events_isolation=isolation,
        settings=settings,
        sessionmaker=sessionmaker,
    )
    i18n = create_i18n()
    dispatcher.update.outer_middleware(DbSessionMiddleware(sessionmaker))
    dispatcher.update.outer_middleware(AccessMiddleware(i18n))  # core.access, every update
    dispatcher.update.outer_middleware(ReplyScope())  # replies pace with the person
    LocaleMiddleware(i18n).setup(dispatcher)
    dispatcher.include_routers(*get_routers())
    return dispatcher

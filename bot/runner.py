"""Run modes of the bot: long polling (default) and a webhook on the shared aiohttp app."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from aiogram import Bot, Dispatcher
from aiogram.types import BotCommand, BotCommandScopeDefault
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.factory import BOT_COMMANDS, create_bot, create_dispatcher
from bot.i18n import LOCALES, create_i18n
from bot.notifications import deliver_dealer_notifications
from core.settings import Settings

log = logging.getLogger("bot.runner")
WEBHOOK_PATH = "/telegram/webhook"
NOTIFY_EVERY_SECONDS = 5.0


async def set_commands(bot: Bot) -> None:
    """The command menu in Telegram, in Russian by default and in English for English users."""
    i18n = create_i18n()
    for locale in LOCALES:
        with i18n.context(), i18n.use_locale(locale):
            commands = [
                BotCommand(command=c, description=i18n.gettext(f"command.{c}"))
                for c in BOT_COMMANDS
            ]
        await bot.set_my_commands(
            commands,
            scope=BotCommandScopeDefault(),
            language_code=None if locale == i18n.default_locale else locale,
        )


async def notify_loop(
    bot: Bot, sessionmaker: async_sessionmaker[AsyncSession], every: float = NOTIFY_EVERY_SECONDS
) -> None:
    """Deliver dealer notifications from the outbox until cancelled."""
    while True:
        try:
            await deliver_dealer_notifications(bot, sessionmaker)
        except Exception:
            log.exception("notification delivery failed")
        await asyncio.sleep(every)


async def run_polling(settings: Settings, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    """Run the bot with long polling until cancelled (also delivers dealer notifications)."""
    bot = create_bot(settings)
    dispatcher = create_dispatcher(settings, sessionmaker)
    await bot.delete_webhook(drop_pending_updates=False)
    await set_commands(bot)
    notifier = asyncio.create_task(notify_loop(bot, sessionmaker))
    try:
        await dispatcher.start_polling(bot, handle_signals=False, close_bot_session=True)
    finally:
        notifier.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await notifier
        await dispatcher.storage.close()


def setup_webhook_routes(
    app: web.Application,
    *,
    dispatcher: Dispatcher,
    bot: Bot,
    secret: str,
    path: str = WEBHOOK_PATH,
) -> None:
    """Serve Telegram's webhook at `path`; a request without the right
    X-Telegram-Bot-Api-Secret-Token header gets 401 and is not processed."""
    if not secret or not secret.strip():
        raise ValueError("a webhook needs WEBHOOK_SECRET: Telegram's requests are checked with it")
    SimpleRequestHandler(dispatcher=dispatcher, bot=bot, secret_token=secret).register(
        app, path=path
    )


async def start_webhook(bot: Bot, url: str, secret: str) -> None:
    """Tell Telegram where to send updates, with the secret it must present."""
    await bot.set_webhook(url, secret_token=secret, drop_pending_updates=False)
    await set_commands(bot)

"""Run modes of the bot: long polling (default) and a webhook on the shared aiohttp app."""

from __future__ import annotations

import logging

from aiogram import Bot, Dispatcher
from aiogram.types import BotCommand, BotCommandScopeDefault
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web

from bot.factory import BOT_COMMANDS
from bot.i18n import LOCALES, create_i18n

log = logging.getLogger("bot.runner")
WEBHOOK_PATH = "/telegram/webhook"


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


async def run_polling(bot: Bot, dispatcher: Dispatcher) -> None:
    """Run the bot with long polling until cancelled (the caller owns the bot's session)."""
    await bot.delete_webhook(drop_pending_updates=False)
    await set_commands(bot)
    try:
        await dispatcher.start_polling(bot, handle_signals=False, close_bot_session=False)
    finally:
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

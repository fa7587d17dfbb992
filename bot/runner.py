"""Run modes of the bot: long polling (default) and a webhook on the shared aiohttp app."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from aiogram import Bot, Dispatcher
from aiogram.exceptions import TelegramNetworkError, TelegramServerError
from aiogram.types import BotCommand, BotCommandScopeDefault, Update
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


async def with_retries(
    what: str,
    call: Callable[[], Awaitable[object]],
    *,
    first_delay: float = 1.0,
    max_delay: float = 60.0,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> None:
    """Call the Bot API at start-up until it answers: a network error or a 5xx is retried
    with exponential backoff (first_delay, doubled up to max_delay), each retry logged."""
    delay, attempt = first_delay, 1
    while True:
        try:
            await call()
            if attempt > 1:
                log.info("Bot API reachable again: %s done after %s attempts", what, attempt)
            return
        except (TelegramNetworkError, TelegramServerError) as error:
            log.warning(
                "Bot API unreachable at start-up (%s, attempt %s): %s; retrying in %.0f s",
                what,
                attempt,
                error,
                delay,
            )
            await sleep(delay)
            delay, attempt = min(delay * 2, max_delay), attempt + 1


async def run_polling(bot: Bot, dispatcher: Dispatcher) -> None:
    """Run the bot with long polling until cancelled (the caller owns the bot's session).

    An unreachable Bot API at start is waited for (with_retries), not a reason to exit.
    """
    await with_retries("deleteWebhook", lambda: bot.delete_webhook(drop_pending_updates=False))
    await with_retries("setMyCommands", lambda: set_commands(bot))
    await with_retries("getMe", bot.me)  # aiogram's polling asks it first, without retrying
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
    CheckedRequestHandler(dispatcher=dispatcher, bot=bot, secret_token=secret).register(
        app, path=path
    )


class CheckedRequestHandler(SimpleRequestHandler):
    """aiogram's webhook handler, answering 400 (not 500) to a body that is not an update."""

    async def handle(self, request: web.Request) -> web.Response:
        """Check the secret, then the body, then hand the update to aiogram."""
        bot = await self.resolve_bot(request)
        if not self.verify_secret(request.headers.get("X-Telegram-Bot-Api-Secret-Token", ""), bot):
            return web.Response(body="Unauthorized", status=401)
        try:  # JSON errors and pydantic's ValidationError are both ValueErrors
            Update.model_validate(
                await request.json(loads=bot.session.json_loads), context={"bot": bot}
            )
        except (ValueError, TypeError) as error:
            log.warning("webhook body refused: %s", str(error).splitlines()[0][:200])
            return web.Response(text="Bad Request: the body is not a Telegram update", status=400)
        return await super().handle(request)


async def start_webhook(bot: Bot, url: str, secret: str) -> None:
    """Tell Telegram where to send updates, with the secret it must present (retried while
    the Bot API is unreachable)."""
    await with_retries(
        "setWebhook", lambda: bot.set_webhook(url, secret_token=secret, drop_pending_updates=False)
    )
    await with_retries("setMyCommands", lambda: set_commands(bot))

"""Running the service: the HTTP server, the Telegram bot and the scheduler in one process."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal

from aiohttp import web

from bot.factory import create_bot, create_dispatcher
from bot.runner import notify_loop, run_polling, setup_webhook_routes, start_webhook
from core import migrate
from core.settings import Settings
from dealerbot.app import Services, build_services, build_web_app

log = logging.getLogger("dealerbot")


async def ensure_schema(settings: Settings) -> None:
    """Migrate to head in development; elsewhere migrations are an explicit deploy step."""
    if settings.is_development:
        await migrate.upgrade(settings.database_url)


async def start_http(app: web.Application, settings: Settings) -> web.AppRunner:
    """Start serving `app` on HTTP_HOST:HTTP_PORT."""
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, settings.http_host, settings.http_port).start()
    log.info("http listening host=%s port=%s", settings.http_host, settings.http_port)
    return runner


async def serve(settings: Settings, stop: asyncio.Event | None = None) -> None:
    """Run until SIGINT/SIGTERM (or until `stop` is set, for tests)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    await ensure_schema(settings)
    services: Services = build_services(settings)
    app = build_web_app(services)
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    background: list[asyncio.Task[None]] = []
    webhook_bot = None
    if settings.bot_token is None:
        log.warning(
            "BOT_TOKEN is not set: the Telegram bot is off; HTTP (health check, 1C exchange, "
            "admin) runs. Set BOT_TOKEN to start the bot."
        )
    elif settings.webhook_url:
        webhook_bot = create_bot(settings)
        secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else ""
        setup_webhook_routes(
            app,
            dispatcher=create_dispatcher(settings, services.sessionmaker),
            bot=webhook_bot,
            secret=secret,
        )
    runner = await start_http(app, settings)
    if webhook_bot is not None:
        await start_webhook(webhook_bot, settings.webhook_url or "", secret)
        background.append(asyncio.create_task(notify_loop(webhook_bot, services.sessionmaker)))
        log.info("bot in webhook mode url=%s", settings.webhook_url)
    elif settings.bot_token is not None:
        background.append(asyncio.create_task(run_polling(settings, services.sessionmaker)))
        log.info("bot in long-polling mode api=%s", settings.telegram_api_url)
    print(f"DealerBot is up: http://{settings.http_host}:{settings.http_port}/healthz", flush=True)
    try:
        await stop.wait()
    finally:
        for task in background:
            task.cancel()
        await asyncio.gather(*background, return_exceptions=True)
        if webhook_bot is not None:
            await webhook_bot.session.close()
        await runner.cleanup()

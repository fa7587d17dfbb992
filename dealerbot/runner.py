"""Running the service: the HTTP server, the Telegram bot and the scheduler in one process."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal

from aiogram import Bot
from aiohttp import web
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.factory import create_bot, create_dispatcher
from bot.runner import run_polling, setup_webhook_routes, start_webhook
from core import migrate
from core.leader import Leadership
from core.locks import POLLING, ProcessLock, StartRefused, hold_process_lock
from core.settings import Settings
from dealerbot.app import Services, build_services, build_web_app
from dealerbot.telegram import make_sender
from integrations.crm.worker import build_worker
from integrations.telegram.jobs import schedule_jobs

log = logging.getLogger("dealerbot")
POLLING_TAKEN = (
    "другой процесс уже получает обновления бота (long polling) с этой базой данных: "
    "long polling — один процесс; для нескольких процессов задайте WEBHOOK_URL. "
    "Another process is already long polling this bot on this database: run one polling "
    "process, or set WEBHOOK_URL to run several workers."
)


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


async def banner(settings: Settings, services: Services, first_login: str | None) -> str:
    """The start line: the admin's address, and how to log in when no login exists yet."""
    from sqlalchemy import func, select

    from core.models import StaffAccount

    base = f"http://{settings.http_host}:{settings.http_port}"
    lines = [f"DealerBot is up: admin {base}/admin/ (health check {base}/healthz)"]
    if first_login:
        lines.append(first_login)
    else:
        async with services.sessionmaker() as session:
            logins = await session.scalar(select(func.count()).select_from(StaffAccount))
        if not logins:
            lines.append("входа в админку ещё нет: dealerbot admin create --login admin")
    return "\n".join(lines)


async def serve(
    settings: Settings, stop: asyncio.Event | None = None, *, first_login: str | None = None
) -> None:
    """Run until SIGINT/SIGTERM (or until `stop` is set, for tests).

    With BOT_TOKEN: the bot (long polling, or webhook on this HTTP server when WEBHOOK_URL is
    set) and the scheduler, whose jobs drain the outbox through the sender and post the
    morning digest; with several workers on PostgreSQL only the elected leader runs them
    (core.leader). Without it: HTTP only, and a log line says so. The start banner gives
    the admin's address and `first_login` (the demo's new login, on its first run).
    """
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    await ensure_schema(settings)
    services: Services = build_services(settings)
    app = build_web_app(services)
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)

    bot: Bot | None = None
    polling_lock: ProcessLock | None = None
    if settings.bot_token is not None and not settings.webhook_url:
        polling_lock = await hold_process_lock(services.engine, POLLING, "polling")
        if polling_lock is None:
            await services.engine.dispose()
            raise StartRefused(POLLING_TAKEN)
    background: list[asyncio.Task[None]] = []
    scheduler = AsyncIOScheduler(timezone="UTC")
    leadership = Leadership(settings.database_url)  # who runs the jobs among the workers
    if settings.bot_token is None:
        log.warning(
            "BOT_TOKEN is not set: the Telegram bot and the notification sender are off; "
            "HTTP (health check, 1C exchange, admin) runs. Set BOT_TOKEN to start the bot."
        )
    else:
        bot = create_bot(settings)
        dispatcher = create_dispatcher(settings, services.sessionmaker)
        secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else ""
        if settings.webhook_url:
            setup_webhook_routes(app, dispatcher=dispatcher, bot=bot, secret=secret)
        sender = make_sender(bot, services.sessionmaker, settings)
        schedule_jobs(
            scheduler,
            settings=settings,
            sessionmaker=services.sessionmaker,
            sender=sender,
            leads=lambda: leadership.is_leader,
            settle_on_takeover=leadership.postgres,
        )

    runner = await start_http(app, settings)
    crm = build_worker(settings, services.sessionmaker)
    if crm is not None:  # its own task: the bot's path only writes outbox rows
        background.append(asyncio.create_task(crm.run_forever(stop)))
        log.info("crm sync on: Bitrix24")
    if bot is not None:
        if settings.webhook_url:
            await start_webhook(bot, settings.webhook_url, secret)
            log.info("bot in webhook mode url=%s", settings.webhook_url)
        else:
            background.append(asyncio.create_task(run_polling(bot, dispatcher)))
            log.info("bot in long-polling mode api=%s", settings.telegram_api_url)
        background.append(asyncio.create_task(leadership.run()))
        scheduler.start()
    print(await banner(settings, services, first_login), flush=True)
    try:
        await stop.wait()
    finally:
        if scheduler.running:
            scheduler.shutdown(wait=False)
        for task in background:
            task.cancel()
        await asyncio.gather(*background, return_exceptions=True)
        if bot is not None:
            await bot.session.close()
        if polling_lock is not None:
            await polling_lock.release()
        if crm is not None:
            await crm.port.close()
        await runner.cleanup()

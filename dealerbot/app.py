"""Composition root: builds settings, engine, web app (and, as they land, bot and scheduler)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from admin.app import setup_admin
from core import crm_sync
from core.db import create_engine, create_sessionmaker
from core.settings import Settings
from dealerbot.telegram import make_sandbox
from integrations.onec.http import setup_onec_routes


@dataclass
class Services:
    """Process-wide objects every adapter receives from here."""

    settings: Settings
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]


SERVICES = web.AppKey("services", Services)
log = logging.getLogger("dealerbot.health")


def build_services(settings: Settings) -> Services:
    """Create the engine and session factory for `settings`."""
    engine = create_engine(settings.database_url)
    return Services(settings=settings, engine=engine, sessionmaker=create_sessionmaker(engine))


HEALTH_TIMEOUT = 3.0  # seconds the database has to answer /healthz


async def healthz(request: web.Request) -> web.Response:
    """Liveness and database check: 200 `ok`, or 503 `unavailable` with the reason; a CRM
    sync paused on a refused webhook adds `crm: paused` and its reason to the 200."""
    services = request.app[SERVICES]

    crm: dict[str, str] = {}

    async def ping() -> None:
        async with services.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        async with services.sessionmaker() as session:
            paused = await crm_sync.pause(session)
        if paused is not None:  # the bot still works: reported, not a failed check
            crm.update(crm="paused", crm_reason=paused.reason)

    try:
        await asyncio.wait_for(ping(), HEALTH_TIMEOUT)
    except Exception as error:  # any failure to answer is the reason, never a 500
        reason = (
            f"database did not answer within {HEALTH_TIMEOUT:.0f} s"
            if isinstance(error, TimeoutError)
            else f"database unreachable ({type(error).__name__})"
        )
        log.warning(
            "healthz: %s: %s", reason, str(error).splitlines()[0][:200] if str(error) else ""
        )
        return web.json_response({"status": "unavailable", "reason": reason}, status=503)
    return web.json_response({"status": "ok", **crm})


def build_web_app(services: Services) -> web.Application:
    """The one aiohttp application: health check, 1C exchange, bot webhook, admin."""
    app = web.Application(client_max_size=services.settings.max_upload_bytes)
    app[SERVICES] = services
    app.router.add_get("/healthz", healthz)
    setup_onec_routes(
        app,
        settings=services.settings,
        sessionmaker=services.sessionmaker,
        storage_dir=Path(services.settings.onec_storage_dir),
    )
    # the sandbox: the real Dispatcher through an in-process Bot API (no token needed)
    sandbox = make_sandbox(services.settings, services.sessionmaker)
    setup_admin(
        app, settings=services.settings, sessionmaker=services.sessionmaker, sandbox=sandbox
    )

    async def dispose_engine(_app: web.Application) -> AsyncIterator[None]:
        yield
        await sandbox.close()
        await services.engine.dispose()

    app.cleanup_ctx.append(dispose_engine)
    return app

"""The admin's entry: `setup_admin` mounts the pages under /admin and the API under /api/v1."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlencode

import aiohttp_jinja2
import aiohttp_session
import jinja2
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from admin import jinja_display
from admin.api import build_api_app
from admin.keys import METRICS_CACHE, SESSIONMAKER, SETTINGS
from admin.messages import text as message_text
from admin.views import access as access_views
from admin.views import auth, dealer_editing, dealers, metrics, orders, pilot, system
from admin.views import broadcasts as broadcast_views
from admin.views import contacts as contact_views
from admin.views import crm as crm_views
from admin.views import crosses as cross_views
from admin.views import finance as finance_views
from admin.views import sandbox as sandbox_views
from admin.views.sandbox import SANDBOX, SandboxPort
from admin.web import (
    PREFIX,
    auth_middleware,
    cookie_storage,
    csrf_middleware,
    db_middleware,
    error_middleware,
    id_range_middleware,
)
from core.metrics import WindowCache
from core.settings import Settings

HERE = Path(__file__).resolve().parent


def query_string(query: Mapping[str, str], **changes: object) -> str:
    """The current query string with some parameters changed (for pagers)."""
    merged = {k: v for k, v in query.items() if k not in changes}
    merged.update({k: str(v) for k, v in changes.items()})
    return urlencode(merged)


API_PREFIX = "/api/v1"


def build_admin_app(
    settings: Settings,
    sessionmaker: async_sessionmaker[AsyncSession],
    metrics_cache: WindowCache | None = None,
    sandbox: SandboxPort | None = None,
) -> web.Application:
    """The /admin sub-application: pages, static files, login, CSRF (and the sandbox page,
    whose bot the composition root passes in)."""
    app = web.Application(client_max_size=settings.max_upload_bytes + 64 * 1024)
    if sandbox is not None:
        app[SANDBOX] = sandbox
    app[SETTINGS] = settings
    app[SESSIONMAKER] = sessionmaker
    app[METRICS_CACHE] = WindowCache() if metrics_cache is None else metrics_cache
    aiohttp_session.setup(app, cookie_storage(settings.secret_key.get_secret_value()))
    app.middlewares.extend(
        [db_middleware, error_middleware, id_range_middleware, csrf_middleware, auth_middleware]
    )
    env = aiohttp_jinja2.setup(
        app,
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=jinja2.select_autoescape(["html"]),
    )
    jinja_display.install(env, settings.zone)
    env.globals["prefix"] = PREFIX
    env.globals["qs"] = query_string
    env.globals["message"] = message_text
    for module in (auth, dealers, pilot, orders, system, metrics):
        app.add_routes(module.routes)
    app.add_routes(broadcast_views.routes)
    app.add_routes(dealer_editing.routes)  # people, legal entities, addresses, tags, approval
    app.add_routes(cross_views.routes)
    app.add_routes(access_views.routes)
    app.add_routes(finance_views.routes)  # a dealer's finance tab and credit policy
    app.add_routes(contact_views.routes)  # the contact log on the dealer card
    app.add_routes(crm_views.routes)
    app.add_routes(sandbox_views.routes)
    app.router.add_static("/static", HERE / "static", append_version=True)
    return app


def setup_admin(
    app: web.Application,
    *,
    settings: Settings,
    sessionmaker: async_sessionmaker[AsyncSession],
    sandbox: SandboxPort | None = None,
) -> None:
    """Mount the admin pages at /admin and the JSON API at /api/v1 on the main application."""
    metrics_cache = WindowCache()
    app.add_subapp(PREFIX, build_admin_app(settings, sessionmaker, metrics_cache, sandbox))
    api = build_api_app()
    api[SETTINGS] = settings
    api[SESSIONMAKER] = sessionmaker
    api[METRICS_CACHE] = metrics_cache
    app.add_subapp(API_PREFIX, api)

    async def to_admin(_request: web.Request) -> web.StreamResponse:
        raise web.HTTPFound(f"{PREFIX}/")

    app.router.add_get(PREFIX, to_admin)


__all__ = ["build_admin_app", "setup_admin"]

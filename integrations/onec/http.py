"""The 1C exchange endpoint on aiohttp: `/1c/exchange` and `/bitrix/admin/1c_exchange.php`.

Plain-text answers whose first line is `success`, `progress` or `failure`; `checkauth` needs
HTTP Basic credentials from the settings (ONEC_USERNAME / ONEC_PASSWORD), every later request
the session cookie it returned (or `sessid=` in the query, as newer modules send it).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.net import client_ip
from core.settings import Settings
from integrations.onec.auth_guard import basic_credentials, refused_login
from integrations.onec.exchange import COOKIE, Answer, Exchange, failure
from integrations.onec.finance_http import setup_finance_route
from integrations.onec.safety import Limits
from integrations.onec.storage import check_shared_storage

ONEC_EXCHANGE = web.AppKey("onec_exchange", Exchange)
PATHS = ("/1c/exchange", "/bitrix/admin/1c_exchange.php")


def _credentials(request: web.Request) -> tuple[str, str] | None:
    return basic_credentials(request.headers.get("Authorization", ""))


def _respond(answer: Answer) -> web.Response:
    if isinstance(answer.body, bytes):
        return web.Response(body=answer.body, content_type="application/xml", charset="utf-8")
    response = web.Response(text=answer.body, content_type="text/plain", charset="utf-8")
    if answer.cookie:
        response.set_cookie(COOKIE, answer.cookie, httponly=True, samesite="Strict")
    return response


async def _body(request: web.Request) -> AsyncIterator[bytes]:
    async for chunk in request.content.iter_chunked(256 * 1024):
        yield chunk


async def handle_exchange(request: web.Request) -> web.Response:
    """One request of the 1C exchange protocol (GET or POST, every mode)."""
    exchange = request.app[ONEC_EXCHANGE]
    params = dict(request.query)
    kind = params.get("type", "").strip().lower()
    mode = params.get("mode", "").strip().lower()
    given = _credentials(request)
    peer = client_ip(
        request.remote, request.headers.get("X-Forwarded-For"), exchange.settings.proxy_networks
    )
    if given is not None:
        refused = await refused_login(exchange.sessionmaker, exchange.settings, kind, peer, given)
        if refused is not None:
            return _respond(failure(refused))
    if mode == "checkauth":
        if given is None:
            return _respond(failure("нужна авторизация: логин и пароль обмена (HTTP Basic)"))
        return _respond(await exchange.checkauth(kind, peer))
    token = request.cookies.get(COOKIE) or params.get("sessid")
    body = _body(request) if mode == "file" else None
    return _respond(await exchange.dispatch(kind, mode, token, params, body))


def limits_from(settings: Settings) -> Limits:
    """The exchange's limits with the sizes settings choose: ONEC_MAX_CHUNK_BYTES (the
    `file_limit` 1C is told, and the most one request may carry) and ONEC_STORAGE_QUOTA_BYTES."""
    return Limits(
        chunk_bytes=settings.onec_max_chunk_bytes, quota_bytes=settings.onec_storage_quota_bytes
    )


def setup_onec_routes(
    app: web.Application,
    *,
    settings: Settings,
    sessionmaker: async_sessionmaker[AsyncSession],
    storage_dir: Path,
    limits: Limits | None = None,
) -> None:
    """Add the exchange endpoint to `app`; uploaded files are kept under `storage_dir`."""
    storage_dir.mkdir(parents=True, exist_ok=True)
    exchange = Exchange(
        settings=settings,
        sessionmaker=sessionmaker,
        storage_dir=storage_dir.resolve(),
        limits=limits or limits_from(settings),
    )
    app[ONEC_EXCHANGE] = exchange
    setup_finance_route(app, settings=settings, sessionmaker=sessionmaker)
    for path in PATHS:
        app.router.add_route("GET", path, handle_exchange)
        app.router.add_route("POST", path, handle_exchange)

    async def _check(_app: web.Application) -> None:
        await check_shared_storage(sessionmaker, exchange.storage_dir)

    app.on_startup.append(_check)

    async def _stop(_app: web.Application) -> None:
        await exchange.wait()

    app.on_shutdown.append(_stop)

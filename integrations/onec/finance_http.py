"""`POST /1c/finance`: 1C pushes debt, limits and documents as JSON (docs/1c-finance.md).

The same HTTP Basic login as the exchange (ONEC_USERNAME / ONEC_PASSWORD), throttled per address
(integrations.onec.auth_guard). Answers are JSON: 200 with the counts (and the unknown INNs),
400 with the reason when the push is malformed or too big (nothing applied), 401 on a wrong or
missing login.
"""

from __future__ import annotations

import functools
import json
from typing import Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.models import utcnow
from core.settings import Settings
from integrations.onec.auth_guard import basic_credentials, refused_login
from integrations.onec.finance import FinanceRefused, apply_raw, log_push, read_limited, too_big

PATH = "/1c/finance"
FINANCE_SETTINGS = web.AppKey("onec_finance_settings", Settings)
FINANCE_DB = web.AppKey("onec_finance_db", async_sessionmaker[AsyncSession])


def _answer(status: int, body: dict[str, Any]) -> web.Response:
    response = web.json_response(
        body, status=status, dumps=functools.partial(json.dumps, ensure_ascii=False)
    )
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Basic realm="1c", charset="UTF-8"'
    return response


async def handle_finance(request: web.Request) -> web.Response:
    """One finance push: authenticate, read at most the limit, parse, apply, answer."""
    settings = request.app[FINANCE_SETTINGS]
    sessionmaker = request.app[FINANCE_DB]
    given = basic_credentials(request.headers.get("Authorization", ""))
    if given is None:
        reason = "нужна авторизация: логин и пароль обмена (HTTP Basic)"
        return _answer(401, {"status": "error", "error": reason})
    refused = await refused_login(sessionmaker, settings, "finance", request.remote, given)
    if refused is not None:
        return _answer(401, {"status": "error", "error": refused})
    limit = settings.onec_finance_max_bytes
    started = utcnow()
    try:
        if request.content_length is not None and request.content_length > limit:
            await log_push(
                sessionmaker,
                PATH,
                request.content_length,
                started,
                request.remote,
                error=too_big(limit),
            )
            raise FinanceRefused(too_big(limit))
        try:
            raw = await read_limited(request.content.iter_chunked(256 * 1024), limit)
        except FinanceRefused as exc:
            await log_push(sessionmaker, PATH, limit, started, request.remote, error=str(exc))
            raise
        result = await apply_raw(
            sessionmaker, raw, zone=settings.zone, source=PATH, remote=request.remote
        )
    except FinanceRefused as exc:
        return _answer(400, {"status": "error", "error": str(exc)})
    return _answer(200, {"status": "ok", **result.counts()})


def setup_finance_route(
    app: web.Application, *, settings: Settings, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    """Add `POST /1c/finance` to `app`."""
    app[FINANCE_SETTINGS] = settings
    app[FINANCE_DB] = sessionmaker
    app.router.add_route("POST", PATH, handle_finance)

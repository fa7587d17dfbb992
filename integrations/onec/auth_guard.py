"""1C's HTTP Basic login, throttled per address (core.throttle.ONEC_IP), and its failures
recorded in the exchange log (a `refused` row of exchange_sessions) and the service log."""

from __future__ import annotations

import base64
import binascii
import logging
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core import throttle
from core.models import AuditEntry, ExchangeSession, utcnow
from core.settings import Settings
from integrations.onec.exchange import check_credentials

log = logging.getLogger("integrations.onec.auth")
KIND_LABELS = {"catalog": "каталог", "sale": "заказы", "finance": "взаиморасчёты"}


def basic_credentials(header: str) -> tuple[str, str] | None:
    """Login and password of an `Authorization: Basic ...` header (UTF-8 or windows-1251)."""
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic" or not encoded:
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True)
    except (binascii.Error, ValueError):
        return None
    for encoding in ("utf-8", "cp1251"):
        try:
            login, sep, password = decoded.decode(encoding).partition(":")
        except UnicodeDecodeError:
            continue
        return (login, password) if sep else None
    return None


def record_auth_failure(
    session: AsyncSession, kind: str, ip: str | None, login: str, reason: str
) -> None:
    """The one record of a refused 1C login: a log line, a `refused` exchange-log row and an
    audit entry `onec.login_failed` (the login tried, never the password)."""
    log.warning("1c login refused login=%r ip=%s reason=%s", login[:100], ip, reason)
    now = utcnow()
    session.add(
        ExchangeSession(
            exchange_type=(kind or "-")[:20],
            cookie=None,
            status="refused",
            started_at=now,
            finished_at=now,
            error=f"вход 1С отклонён ({reason}): логин «{login[:100]}»",
            remote_addr=ip,
        )
    )
    session.add(
        AuditEntry(
            at=now,
            staff_login=login.strip()[:100],
            action="onec.login_failed",
            object_type="exchange",
            details={
                "обмен": KIND_LABELS.get(kind, kind[:20]),
                "причина": reason,
            },
            remote_addr=ip,
        )
    )


async def refused_login(
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    kind: str,
    ip: str | None,
    given: tuple[str, str],
) -> str | None:
    """Why 1C's credentials from `ip` are refused (wrong, or the address is blocked), or None.

    A blocked address is refused before the password is even compared, so guessing goes on
    only at the throttle's pace.
    """
    login, password = given
    key = ip or "-"
    async with sessionmaker() as session, session.begin():
        until = await throttle.blocked_until(session, throttle.ONEC_IP, key)
        if until is not None:
            log.warning("1c login throttled ip=%s until=%s", ip, until.isoformat())
            return _blocked(until)
        if check_credentials(settings, login, password):
            return None
        record_auth_failure(session, kind, ip, login, "неверный логин или пароль")
        until = await throttle.hit(session, throttle.ONEC_IP, key)
        if until is not None:
            record_auth_failure(session, kind, ip, login, "адрес заблокирован")
            return _blocked(until)
    return "неверный логин или пароль обмена с сайтом"


def _blocked(until: datetime) -> str:
    stamp = until.strftime("%H:%M UTC")
    return (
        "слишком много неудачных попыток входа с этого адреса: неверный логин или пароль "
        f"обмена с сайтом, повторите после {stamp}"
    )

"""Refused 1C logins: each one is a row of the exchange log and an entry of the audit log.

`record_refused_login` is the one place a wrong exchange password is written down (a login
throttle, when there is one, sits beside it in integrations/onec/http.py).
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.models import AuditEntry, ExchangeSession, utcnow
from integrations.onec.exchange import TYPES

REFUSED = "refused"


async def record_refused_login(
    sessionmaker: async_sessionmaker[AsyncSession], kind: str, login: str, remote: str | None
) -> None:
    """Log a 1C request refused for a wrong login or password (the password is never kept)."""
    now = utcnow()
    login = login.strip()[:100]
    exchange_type = kind if kind in TYPES else "catalog"
    async with sessionmaker() as session, session.begin():
        session.add(
            ExchangeSession(
                exchange_type=exchange_type,
                status=REFUSED,
                started_at=now,
                finished_at=now,
                files={},
                counts={},
                error=f"неверный логин или пароль обмена (логин «{login}»)",
                remote_addr=remote,
            )
        )
        session.add(
            AuditEntry(
                at=now,
                staff_login=login,
                action="onec.login_failed",
                object_type="exchange",
                details={"обмен": {"catalog": "каталог", "sale": "заказы"}.get(kind, kind[:20])},
                remote_addr=remote,
            )
        )

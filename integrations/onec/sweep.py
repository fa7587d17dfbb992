"""Abandoned 1C sessions: their files are removed at the next `checkauth`.

A session is abandoned when it is closed, failed or expired (older than SESSION_TTL), or when
its files did not change for ABANDONED_AFTER and no import of it is running.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from core.models import ExchangeSession, utcnow

if TYPE_CHECKING:
    from integrations.onec.exchange import Exchange

ABANDONED_AFTER = timedelta(hours=2)  # an open session whose files did not change this long
SESSION_TTL = timedelta(hours=24)


async def sweep_abandoned(exchange: Exchange) -> int:
    """Remove the files of abandoned sessions: closed, failed, expired, or idle for
    ABANDONED_AFTER without a running import. Returns how many folders went."""
    now = utcnow()
    removed = 0
    ids = {
        int(p.name.removeprefix("session-").removesuffix(".seen"))
        for p in exchange.storage_dir.glob("session-*")
        if p.name.removeprefix("session-").removesuffix(".seen").isdigit()
    }
    for session_id in sorted(ids):
        if any(key[0] == session_id for key in exchange.tasks):
            continue
        async with exchange.sessionmaker() as session:
            row = await session.get(ExchangeSession, session_id)
            status = row.status if row is not None else None
            started = row.started_at if row is not None else None
        folder = exchange.folder(session_id)
        touched = max(
            (p.stat().st_mtime for p in (folder, exchange.seen_path(session_id)) if p.exists()),
            default=0.0,
        )
        idle = now.timestamp() - touched > ABANDONED_AFTER.total_seconds()
        if row is None or status in {"done", "closed", "failed"}:
            exchange.remove_files(session_id)
        elif (started is not None and now - started > SESSION_TTL) or (
            idle and status != "importing"
        ):
            await exchange.fail(session_id, "сессия обмена брошена: файлы удалены")
        else:
            continue
        removed += 1
    return removed

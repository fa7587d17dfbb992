"""CRM sync state kept by us: remembered CRM ids, the last errors, the pause; admin actions."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core import crm_events
from core.models import CrmError, CrmLink, CrmPause, utcnow

PAUSE_ID = 1
ERRORS_KEPT = 1000  # older error rows are trimmed when new ones are written


async def link(session: AsyncSession, entity: str, local_id: int) -> CrmLink | None:
    """Our record of `entity` `local_id` in the CRM, if any."""
    return await session.scalar(
        select(CrmLink).where(CrmLink.entity == entity, CrmLink.local_id == local_id)
    )


async def links(session: AsyncSession, entity: str, local_ids: list[int]) -> dict[int, CrmLink]:
    rows = await session.scalars(
        select(CrmLink).where(CrmLink.entity == entity, CrmLink.local_id.in_(local_ids))
    )
    return {row.local_id: row for row in rows}


async def remember(
    session: AsyncSession,
    entity: str,
    local_id: int,
    *,
    crm_id: str | None = None,
    state: str,
    error: str = "",
) -> CrmLink:
    """Store the CRM id / state of one object (the caller commits)."""
    row = await link(session, entity, local_id)
    if row is None:
        row = CrmLink(entity=entity, local_id=local_id)
        session.add(row)
    if crm_id is not None:
        row.crm_id = crm_id
    row.state = state
    row.last_error = error[:2000]
    row.updated_at = utcnow()
    if state == "synced":
        row.synced_at = row.updated_at
    await session.flush()
    return row


def record_error(
    session: AsyncSession, entity: str, local_id: int | None, kind: str, message: str
) -> None:
    session.add(CrmError(entity=entity, local_id=local_id, kind=kind, message=message[:2000]))


async def errors_page(
    session: AsyncSession, *, page: int, per_page: int = 50
) -> tuple[list[CrmError], int]:
    """The last errors, newest first, and how many there are."""
    total = int(await session.scalar(select(func.count()).select_from(CrmError)) or 0)
    rows = await session.scalars(
        select(CrmError)
        .order_by(CrmError.id.desc())
        .offset(max(page - 1, 0) * per_page)
        .limit(per_page)
    )
    return list(rows), total


async def pause(session: AsyncSession) -> CrmPause | None:
    """The pause row while the sync is paused, else None."""
    row = await session.get(CrmPause, PAUSE_ID)
    return row if row is not None and row.paused_at is not None else None


async def set_paused(session: AsyncSession, reason: str) -> bool:
    """Pause the sync; True if it was running (so the error is reported once)."""
    row = await session.get(CrmPause, PAUSE_ID, with_for_update=True)
    if row is None:
        row = CrmPause(id=PAUSE_ID)
        session.add(row)
    if row.paused_at is not None:
        return False
    row.paused_at = utcnow()
    row.reason = reason[:2000]
    await session.flush()
    return True


async def resume(session: AsyncSession) -> bool:
    """An admin retries: the sync runs again (the paused rows are still pending)."""
    row = await session.get(CrmPause, PAUSE_ID)
    if row is None or row.paused_at is None:
        return False
    row.paused_at = None
    row.reason = ""
    await session.flush()
    return True


async def resend(session: AsyncSession, entity: str, local_id: int) -> None:
    """ "Отправить ещё раз": a new CRM row for a dealer or an order (the caller commits)."""
    kind = {"dealer": crm_events.DEALER, "order": crm_events.ORDER}[entity]
    crm_events.emit_crm(session, kind, {f"{entity}_id": local_id, "cause": "admin"})
    await remember(session, entity, local_id, state="pending")

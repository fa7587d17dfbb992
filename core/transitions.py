"""Race-safe status changes: a row moves only from the status this session read."""

from __future__ import annotations

from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import InvalidTransition
from core.models import Claim, Order


async def move_status(
    session: AsyncSession,
    row: Order | Claim,
    current: str,
    values: dict[str, Any],
    *,
    error_key: str,
) -> None:
    """Update `row` with `values` only if its status is still `current`.

    Of two people acting at once exactly one wins; the other gets InvalidTransition
    `error_key` with the status the winner set, and the row is reloaded.
    """
    model = type(row)
    result = await session.execute(
        update(model)
        .where(model.id == row.id, model.status == current)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        await session.refresh(row)
        raise InvalidTransition(error_key, number=row.number, status=row.status)
    for key, value in values.items():
        setattr(row, key, value)

"""The rule of each rollout metric, as SQL aggregates over one window and one scope of dealers."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from core.metrics.rollout import MetricFilters, Period

Values = dict[str, tuple[Decimal | None, dict[str, Any]]]


async def compute_metrics(
    session: AsyncSession, keys: Sequence[str], filters: MetricFilters, period: Period
) -> Values:
    """Each metric in `keys` over `period` for the dealers `filters` select: (value, detail)."""
    raise NotImplementedError

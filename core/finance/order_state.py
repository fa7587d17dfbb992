"""An order's money state from 1C's documents linked to it: paid / partly paid, shipped /
partly shipped (sums of payment and shipment documents against the order's total)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.models import DocumentKind, FinanceDocument, Order

ZERO = Decimal("0")


@dataclass(frozen=True)
class OrderMoney:
    """What the documents say of one order; None where they say nothing."""

    paid: str | None = None  # "paid" | "partly_paid"
    shipped: str | None = None  # "shipped" | "partly_shipped"

    @property
    def states(self) -> list[str]:
        """The states to show, shipment first."""
        return [s for s in (self.shipped, self.paid) if s]


def _state(done: Decimal, total: Decimal, full: str, part: str) -> str | None:
    if done <= ZERO:
        return None
    return full if total <= ZERO or done >= total else part


async def order_money(session: AsyncSession, orders: Iterable[Order]) -> dict[int, OrderMoney]:
    """The money state of each order (orders with no linked documents are left out)."""
    by_id = {o.id: o for o in orders}
    if not by_id:
        return {}
    rows = await session.execute(
        select(FinanceDocument.order_id, FinanceDocument.kind, func.sum(FinanceDocument.amount))
        .where(FinanceDocument.order_id.in_(by_id))
        .group_by(FinanceDocument.order_id, FinanceDocument.kind)
    )
    sums: dict[int, dict[str, Decimal]] = {}
    for order_id, kind, total in rows.all():
        sums.setdefault(int(order_id or 0), {})[str(kind)] = Decimal(total or 0)
    result = {}
    for order_id, kinds in sums.items():
        order = by_id[order_id]
        shipped = kinds.get(DocumentKind.SHIPMENT, ZERO) - kinds.get(DocumentKind.RETURN, ZERO)
        paid = kinds.get(DocumentKind.PAYMENT, ZERO)
        state = OrderMoney(
            paid=_state(paid, order.total, "paid", "partly_paid"),
            shipped=_state(shipped, order.total, "shipped", "partly_shipped"),
        )
        if state.states:
            result[order_id] = state
    return result

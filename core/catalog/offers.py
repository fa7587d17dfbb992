"""The one place that says what an item costs a dealer and how much of it is in stock."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.models import Price, Stock, Warehouse
from core.models.base import ZERO


@dataclass(frozen=True)
class WarehouseStock:
    """Stock of one item at one warehouse."""

    warehouse_id: int
    warehouse: str
    quantity: Decimal


@dataclass
class Offer:
    """Price for the dealer's price type (None if 1C sent none) and stock by warehouse."""

    product_id: int
    price: Decimal | None = None
    currency: str = "RUB"
    stock: list[WarehouseStock] = field(default_factory=list)

    @property
    def stock_total(self) -> Decimal:
        """Stock over all warehouses (negative 1C balances count as zero)."""
        return sum((max(s.quantity, ZERO) for s in self.stock), ZERO)


async def load_offers(
    session: AsyncSession, product_ids: Iterable[int], price_type_id: int | None
) -> dict[int, Offer]:
    """Offers for the given items: two indexed queries, whatever the number of items."""
    ids = sorted(set(product_ids))
    offers = {pid: Offer(product_id=pid) for pid in ids}
    if not ids:
        return offers
    if price_type_id is not None:
        rows = await session.execute(
            select(Price.product_id, Price.value, Price.currency).where(
                Price.product_id.in_(ids), Price.price_type_id == price_type_id
            )
        )
        for pid, value, currency in rows:
            offers[pid].price = value
            offers[pid].currency = currency
    stock_rows = await session.execute(
        select(Stock.product_id, Warehouse.id, Warehouse.name, Stock.quantity)
        .join(Warehouse, Warehouse.id == Stock.warehouse_id)
        .where(Stock.product_id.in_(ids), Warehouse.is_active.is_(True))
        .order_by(Stock.product_id, Warehouse.name)
    )
    for pid, wid, wname, qty in stock_rows:
        offers[pid].stock.append(WarehouseStock(wid, wname, qty))
    return offers

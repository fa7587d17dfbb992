"""The one place that says what an item costs a dealer and how much of it is in stock."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import Integer, Select, and_, bindparam, null, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.models import Price, Product, Stock, Warehouse
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
    """Offers for the given items: one indexed query, whatever the number of items.

    Each item's row carries its price (the price type's price is unique per item) and one of
    its stock rows; stock at inactive warehouses is left out.
    """
    ids = sorted(set(product_ids))
    offers = {pid: Offer(product_id=pid) for pid in ids}
    if not ids:
        return offers
    rows = await session.execute(
        _OFFERS_WITH_PRICE if price_type_id is not None else _OFFERS,
        {"ids": ids, "price_type_id": price_type_id},
    )
    for pid, value, currency, wid, wname, quantity in rows:
        offer = offers[pid]
        if value is not None:
            offer.price = value
            offer.currency = currency
        if wid is not None:
            offer.stock.append(WarehouseStock(wid, wname, quantity))
    return offers


def _offers_query(with_price: bool) -> Select[*tuple[Any, ...]]:
    ids = bindparam("ids", type_=Integer, expanding=True)
    price = (Price.value, Price.currency) if with_price else (null(), null())
    stmt: Select[*tuple[Any, ...]] = (
        select(Product.id, *price, Warehouse.id, Warehouse.name, Stock.quantity)
        .outerjoin(Stock, Stock.product_id == Product.id)
        .outerjoin(
            Warehouse, and_(Warehouse.id == Stock.warehouse_id, Warehouse.is_active.is_(True))
        )
        .where(Product.id.in_(ids))
        .order_by(Product.id, Warehouse.name, Warehouse.id)
    )
    if with_price:
        stmt = stmt.outerjoin(
            Price,
            and_(Price.product_id == Product.id, Price.price_type_id == bindparam("price_type_id")),
        )
    return stmt


# Built once: the hot path (every search page) only binds the ids and the price type.
_OFFERS_WITH_PRICE = _offers_query(True)
_OFFERS = _offers_query(False)

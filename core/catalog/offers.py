"""The one place that says what an item costs a dealer and how much of it is in stock."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Integer, Select, and_, bindparam, null, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import QueryableAttribute

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
    """Offers for the given items: one indexed query, whatever the number of items."""
    ids = sorted(set(product_ids))
    offers = {pid: Offer(product_id=pid) for pid in ids}
    if not ids:
        return offers
    rows = await session.execute(
        _OFFERS_WITH_PRICE if price_type_id is not None else _OFFERS,
        {"ids": ids, "price_type_id": price_type_id},
    )
    for pid, *offer_row in rows:
        add_offer_row(offers[pid], *offer_row)
    return offers


OfferSelect = Select[*tuple[Any, ...]]
# The order of an item's stock rows (after whatever orders the items).
OFFER_ORDER = (Warehouse.name, Warehouse.id)


def with_offer_columns(
    stmt: OfferSelect, product_id: ColumnElement[int] | QueryableAttribute[int], *, with_price: bool
) -> OfferSelect:
    """`stmt` with five columns more about the item `product_id`: its price and currency for the
    price type bound as `price_type_id` (NULLs unless `with_price`; the price is unique per
    item and price type), and an active warehouse's id, name and quantity: one row per
    warehouse holding the item, NULLs if none. `add_offer_row` reads them."""
    price = (Price.value, Price.currency) if with_price else (null(), null())
    stmt = (
        stmt.add_columns(*price, Warehouse.id, Warehouse.name, Stock.quantity)
        .outerjoin(Stock, Stock.product_id == product_id)
        .outerjoin(
            Warehouse, and_(Warehouse.id == Stock.warehouse_id, Warehouse.is_active.is_(True))
        )
    )
    if with_price:
        stmt = stmt.outerjoin(
            Price,
            and_(Price.product_id == product_id, Price.price_type_id == bindparam("price_type_id")),
        )
    return stmt


def add_offer_row(
    offer: Offer,
    value: Decimal | None,
    currency: str | None,
    warehouse_id: int | None,
    warehouse: str | None,
    quantity: Decimal | None,
) -> None:
    """Add one row of `with_offer_columns` to the item's offer."""
    if value is not None and currency is not None:
        offer.price = value
        offer.currency = currency
    if warehouse_id is not None and warehouse is not None and quantity is not None:
        offer.stock.append(WarehouseStock(warehouse_id, warehouse, quantity))


def _offers_query(with_price: bool) -> OfferSelect:
    ids = bindparam("ids", type_=Integer, expanding=True)
    stmt: OfferSelect = select(Product.id).where(Product.id.in_(ids))
    return with_offer_columns(stmt, Product.id, with_price=with_price).order_by(
        Product.id, *OFFER_ORDER
    )


# Built once: the hot path (every search page) only binds the ids and the price type.
_OFFERS_WITH_PRICE = _offers_query(True)
_OFFERS = _offers_query(False)

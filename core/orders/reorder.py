"""Repeat a past order: a new cart from its lines, with what changed since."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Protocol

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.catalog.offers import load_offers
from core.dealers.features import REORDER, require_feature
from core.dealers.service import dealer_id_of, get_dealer
from core.finance.prices import price_type_for
from core.models import CartLine, Product, User, utcnow
from core.orders.cart import lock_cart
from core.orders.queries import get_order


class LineChange(StrEnum):
    """What happened to a past line when repeated."""

    SAME = "same"
    PRICE_UP = "price_up"
    PRICE_DOWN = "price_down"
    SHORT_STOCK = "short_stock"
    NOT_SOLD = "not_sold"
    NO_PRICE = "no_price"


@dataclass
class ReorderLine:
    """One line of the past order and how it looks now."""

    article: str
    name: str
    quantity: Decimal
    old_price: Decimal | None
    new_price: Decimal | None
    stock_total: Decimal
    changes: list[LineChange] = field(default_factory=list)

    @property
    def added(self) -> bool:
        """True if the line went into the new cart."""
        return not {LineChange.NOT_SOLD, LineChange.NO_PRICE} & set(self.changes)


class PastLine(Protocol):
    """A line to repeat: of a past order, or of a saved list (its price then)."""

    @property
    def product_onec_id(self) -> str | None: ...
    @property
    def article(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def quantity(self) -> Decimal: ...
    @property
    def price(self) -> Decimal | None: ...


@dataclass
class LineDiff:
    """The diff shown before checkout: each repeated line and how it looks now."""

    lines: list[ReorderLine]

    @property
    def added_count(self) -> int:
        """How many lines went into the cart."""
        return sum(1 for line in self.lines if line.added)

    @property
    def has_changes(self) -> bool:
        """True if anything differs from the past order."""
        return any(line.changes != [LineChange.SAME] for line in self.lines)


@dataclass
class ReorderResult(LineDiff):
    """The diff of a repeated order."""

    order_id: int = 0
    order_number: str = ""


async def fill_cart_from(
    session: AsyncSession, user: User, lines: Sequence[PastLine], *, reorder_of_id: int | None
) -> list[ReorderLine]:
    """Replace the person's cart with `lines` at today's prices, and say what changed.

    Items no longer sold or without a price are left out; short stock is allowed and marked.
    A line without a price then (saved while "цена по запросу") shows no price change.
    """
    dealer = await get_dealer(session, dealer_id_of(user))
    by_onec = {line.product_onec_id for line in lines if line.product_onec_id}
    products = {
        p.onec_id: p
        for p in await session.scalars(select(Product).where(Product.onec_id.in_(by_onec)))
    }
    price_type_id = await price_type_for(session, dealer.id, user.active_legal_entity_id)
    offers = await load_offers(session, [p.id for p in products.values()], price_type_id)

    cart = await lock_cart(session, user)
    await session.execute(delete(CartLine).where(CartLine.cart_id == cart.id))
    cart.reorder_of_id = reorder_of_id
    cart.updated_at = utcnow()

    out: list[ReorderLine] = []
    quantities: dict[int, Decimal] = {}
    for line in lines:
        product = products.get(line.product_onec_id or "")
        offer = offers.get(product.id) if product is not None else None
        diff = ReorderLine(
            article=line.article,
            name=line.name,
            quantity=line.quantity,
            old_price=line.price,
            new_price=offer.price if offer else None,
            stock_total=offer.stock_total if offer else Decimal("0"),
        )
        if product is None or not product.is_active or offer is None:
            diff.changes.append(LineChange.NOT_SOLD)
        elif offer.price is None:
            diff.changes.append(LineChange.NO_PRICE)
        else:
            if line.price is not None and offer.price > line.price:
                diff.changes.append(LineChange.PRICE_UP)
            elif line.price is not None and offer.price < line.price:
                diff.changes.append(LineChange.PRICE_DOWN)
            if offer.stock_total < line.quantity:
                diff.changes.append(LineChange.SHORT_STOCK)
            quantities[product.id] = quantities.get(product.id, Decimal("0")) + line.quantity
        if not diff.changes:
            diff.changes.append(LineChange.SAME)
        out.append(diff)
    session.add_all(
        CartLine(cart_id=cart.id, product_id=pid, quantity=qty) for pid, qty in quantities.items()
    )
    await session.flush()
    return out


async def reorder(session: AsyncSession, user: User, order_id: int) -> ReorderResult:
    """Replace the person's cart with the lines of one of their dealer's past orders.

    Items no longer sold or without a price are left out; short stock is allowed and marked.
    Another dealer's order is NotFound and nothing changes.
    """
    dealer_id = dealer_id_of(user)
    dealer = await get_dealer(session, dealer_id)
    require_feature(dealer, REORDER)
    order = await get_order(session, dealer_id, order_id)
    lines = await fill_cart_from(session, user, order.lines, reorder_of_id=order.id)
    return ReorderResult(lines=lines, order_id=order.id, order_number=order.number)

"""Reading a dealer's own orders: every read is scoped to the dealer."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from core.errors import NotFound
from core.models import Order

MAX_PAGE_SIZE = 50


async def list_orders(
    session: AsyncSession,
    dealer_id: int,
    *,
    page: int = 0,
    page_size: int = 10,
    status: str | None = None,
) -> list[Order]:
    """The dealer's orders, newest first, one page."""
    page_size = max(1, min(page_size, MAX_PAGE_SIZE))
    query = (
        select(Order)
        .where(Order.dealer_id == dealer_id)
        .order_by(Order.placed_at.desc(), Order.id.desc())
        .offset(max(page, 0) * page_size)
        .limit(page_size)
    )
    if status is not None:
        query = query.where(Order.status == status)
    return list(await session.scalars(query))


async def get_order(
    session: AsyncSession, dealer_id: int, order_id: int, *, fresh: bool = False
) -> Order:
    """One of the dealer's orders with its lines; another dealer's order is NotFound.

    `fresh` reloads an order already in the session (after its lines changed).
    """
    query = (
        select(Order)
        .where(Order.id == order_id, Order.dealer_id == dealer_id)
        .options(selectinload(Order.lines))
    )
    if fresh:
        query = query.execution_options(populate_existing=True)
    order = await session.scalar(query)
    if order is None:
        raise NotFound("order.not_found", order_id=order_id)
    return order


async def get_order_any_dealer(session: AsyncSession, order_id: int) -> Order:
    """An order with its lines for staff (managers, admins, 1C); NotFound if absent."""
    order = await session.scalar(
        select(Order).where(Order.id == order_id).options(selectinload(Order.lines))
    )
    if order is None:
        raise NotFound("order.not_found", order_id=order_id)
    return order

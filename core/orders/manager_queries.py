"""What managers look up: pending orders, today's orders, a dealer's last orders, dealers.

Scope: the one rule of core.access.scope (an admin sees every dealer; a manager the dealers
assigned to them, to their group and to nobody).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.access.scope import dealer_scope
from core.errors import NotFound
from core.models import Dealer, Order, OrderStatus, User
from core.orders.manager import require_staff

MAX_ROWS = 30


def _dealer_scope(actor: User) -> list[ColumnElement[bool]]:
    require_staff(actor)
    scope = dealer_scope(actor)
    return [] if scope is None else [scope]


async def dealer_names(session: AsyncSession, dealer_ids: set[int]) -> dict[int, str]:
    """Dealer id -> name, for lists."""
    if not dealer_ids:
        return {}
    rows = await session.execute(select(Dealer.id, Dealer.name).where(Dealer.id.in_(dealer_ids)))
    return {dealer_id: name for dealer_id, name in rows.all()}


async def pending_orders(session: AsyncSession, actor: User, limit: int = MAX_ROWS) -> list[Order]:
    """New orders awaiting a decision, oldest first."""
    rows = await session.scalars(
        select(Order)
        .join(Dealer, Dealer.id == Order.dealer_id)
        .where(Order.status == OrderStatus.NEW, *_dealer_scope(actor))
        .order_by(Order.placed_at, Order.id)
        .limit(limit)
    )
    return list(rows)


async def orders_between(
    session: AsyncSession, actor: User, start: datetime, end: datetime, limit: int = MAX_ROWS
) -> list[Order]:
    """Orders placed in [start, end), newest first (today's orders: the local day's bounds)."""
    rows = await session.scalars(
        select(Order)
        .join(Dealer, Dealer.id == Order.dealer_id)
        .where(Order.placed_at >= start, Order.placed_at < end, *_dealer_scope(actor))
        .order_by(Order.placed_at.desc(), Order.id.desc())
        .limit(limit)
    )
    return list(rows)


async def dealer_last_orders(
    session: AsyncSession, actor: User, dealer_id: int, limit: int = 10
) -> tuple[Dealer, list[Order]]:
    """A dealer in the manager's scope and its last orders; NotFound outside the scope."""
    dealer = await session.scalar(
        select(Dealer).where(Dealer.id == dealer_id, *_dealer_scope(actor))
    )
    if dealer is None:
        raise NotFound("dealer.not_found", dealer_id=dealer_id)
    rows = await session.scalars(
        select(Order)
        .where(Order.dealer_id == dealer.id)
        .order_by(Order.placed_at.desc(), Order.id.desc())
        .limit(min(limit, MAX_ROWS))
    )
    return dealer, list(rows)


async def search_dealers(
    session: AsyncSession, actor: User, text: str, limit: int = 10
) -> list[Dealer]:
    """Dealers whose name contains `text` (any case, Cyrillic too) or whose INN starts with it.

    Matched in Python: SQLite's LIKE folds only ASCII case, and a distributor has hundreds of
    dealers, not millions.
    """
    needle = " ".join(text.split()).casefold()
    if not needle:
        return []
    dealers = await session.scalars(
        select(Dealer).where(*_dealer_scope(actor)).order_by(Dealer.name, Dealer.id)
    )
    found = [d for d in dealers if needle in d.name.casefold() or (d.inn or "").startswith(needle)]
    return found[:limit]

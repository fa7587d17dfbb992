"""THE price type a dealer's prices come from (search, cart, reorder, placement, alerts)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.models import Dealer, FinanceContract


async def price_type_for(
    session: AsyncSession, dealer_id: int, legal_entity_id: int | None = None
) -> int | None:
    """The price type for a dealer's order or view on behalf of `legal_entity_id`.

    A current contract of that legal entity naming a known price type (1C's push) wins; then a
    contract 1C pushed under the dealer's own INN; then the dealer's price type (None if none).
    """
    rows = (
        await session.execute(
            select(FinanceContract.legal_entity_id, FinanceContract.price_type_id)
            .where(
                FinanceContract.dealer_id == dealer_id,
                FinanceContract.is_active.is_(True),
                FinanceContract.price_type_id.is_not(None),
            )
            .order_by(FinanceContract.number, FinanceContract.id)
        )
    ).all()
    by_entity: dict[int | None, int] = {}
    for entity_id, price_type_id in rows:
        if price_type_id is not None:
            by_entity.setdefault(entity_id, price_type_id)
    if legal_entity_id is not None and legal_entity_id in by_entity:
        return by_entity[legal_entity_id]
    if None in by_entity:
        return by_entity[None]
    return await session.scalar(select(Dealer.price_type_id).where(Dealer.id == dealer_id))

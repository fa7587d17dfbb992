"""A dealer's credit position: limit, debt, overdue and free limit from 1C's latest figures."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.models import FinanceContract

ZERO = Decimal("0")


@dataclass(frozen=True)
class CreditPosition:
    """The figures checkout and the dealer see; free_limit = max(credit_limit - debt, 0).

    When several contracts apply, their limits, debts and overdue add up, deferral_days is the
    shortest, contract_number lists them ("Д-1, Д-2") and as_of is the oldest of their dates.
    """

    credit_limit: Decimal
    debt: Decimal
    overdue: Decimal
    free_limit: Decimal
    deferral_days: int
    contract_number: str
    as_of: datetime


def position_of(contracts: Sequence[FinanceContract]) -> CreditPosition | None:
    """The combined position of these contracts, or None for none."""
    if not contracts:
        return None
    limit = sum((c.credit_limit for c in contracts), ZERO)
    debt = sum((c.debt for c in contracts), ZERO)
    return CreditPosition(
        credit_limit=limit,
        debt=debt,
        overdue=sum((c.overdue for c in contracts), ZERO),
        free_limit=max(limit - debt, ZERO),
        deferral_days=min(c.deferral_days for c in contracts),
        contract_number=", ".join(c.number for c in contracts),
        as_of=min(c.as_of for c in contracts),
    )


async def active_contracts(
    session: AsyncSession, dealer_id: int, legal_entity_id: int | None = None
) -> list[FinanceContract]:
    """The dealer's current contracts; with an entity, that entity's (else the dealer-level ones).

    Dealer-level contracts are those 1C pushed under the dealer's own INN with no legal entity.
    """
    query = (
        select(FinanceContract)
        .where(FinanceContract.dealer_id == dealer_id, FinanceContract.is_active.is_(True))
        .order_by(FinanceContract.legal_entity_id, FinanceContract.number, FinanceContract.id)
    )
    contracts = list((await session.scalars(query)).all())
    if legal_entity_id is None:
        return contracts
    own = [c for c in contracts if c.legal_entity_id == legal_entity_id]
    return own or [c for c in contracts if c.legal_entity_id is None]


async def credit_position(
    session: AsyncSession, dealer_id: int, legal_entity_id: int | None
) -> CreditPosition | None:
    """The credit position of a dealer (all its contracts) or of one of its legal entities.

    None when 1C pushed nothing for that dealer/entity.
    """
    return position_of(await active_contracts(session, dealer_id, legal_entity_id))

"""core.finance.positions: the credit position of a dealer or one of its legal entities."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.finance.positions import credit_position
from core.models import Dealer, FinanceContract, LegalEntity
from tests import factories

AS_OF = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)


def contract(dealer: Dealer, entity: LegalEntity | None, number: str, **figures: object):
    values: dict[str, object] = {
        "credit_limit": Decimal("500000.00"),
        "debt": Decimal("320000.50"),
        "overdue": Decimal("15000.00"),
        "deferral_days": 14,
        "as_of": AS_OF,
    }
    values.update(figures)
    return FinanceContract(
        dealer_id=dealer.id,
        legal_entity_id=entity.id if entity else None,
        inn=entity.inn if entity else (dealer.inn or ""),
        kpp="",
        number=number,
        **values,
    )


async def test_position_of_one_entity_and_of_the_dealer(session: AsyncSession) -> None:
    dealer = await factories.dealer(session, entities=2)
    first, second = (
        await session.scalars(select(LegalEntity).where(LegalEntity.dealer_id == dealer.id))
    ).all()
    older = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    session.add_all(
        [
            contract(dealer, first, "Д-15/2025"),
            contract(
                dealer,
                second,
                "Д-2",
                credit_limit=Decimal("100000"),
                debt=Decimal("120000"),
                overdue=Decimal("0"),
                deferral_days=7,
                as_of=older,
            ),
            contract(dealer, second, "Д-old", is_active=False, debt=Decimal("999")),
        ]
    )
    await session.flush()

    one = await credit_position(session, dealer.id, first.id)
    assert one is not None
    assert (one.credit_limit, one.debt, one.overdue) == (
        Decimal("500000.00"),
        Decimal("320000.50"),
        Decimal("15000.00"),
    )
    assert one.free_limit == Decimal("179999.50")
    assert (one.deferral_days, one.contract_number, one.as_of) == (14, "Д-15/2025", AS_OF)

    over = await credit_position(session, dealer.id, second.id)
    assert over is not None
    assert over.free_limit == Decimal("0")  # debt above the limit: never negative
    assert over.contract_number == "Д-2"  # the inactive contract does not count

    whole = await credit_position(session, dealer.id, None)
    assert whole is not None
    assert whole.credit_limit == Decimal("600000.00")
    assert whole.debt == Decimal("440000.50")
    assert whole.deferral_days == 7
    assert whole.as_of == older
    assert set(whole.contract_number.split(", ")) == {"Д-15/2025", "Д-2"}


async def test_none_when_nothing_was_pushed(session: AsyncSession) -> None:
    dealer = await factories.dealer(session)
    other = await factories.dealer(session, "ООО Другой")
    entity = await session.scalar(select(LegalEntity).where(LegalEntity.dealer_id == other.id))
    assert entity is not None
    session.add(contract(other, entity, "Д-9"))
    await session.flush()
    assert await credit_position(session, dealer.id, None) is None
    # another dealer's entity id gives nothing for this dealer
    assert await credit_position(session, dealer.id, entity.id) is None


async def test_dealer_level_contract_covers_its_entities(session: AsyncSession) -> None:
    dealer = await factories.dealer(session)
    entity = await session.scalar(select(LegalEntity).where(LegalEntity.dealer_id == dealer.id))
    assert entity is not None
    session.add(contract(dealer, None, "Д-общий", debt=Decimal("0")))
    await session.flush()
    position = await credit_position(session, dealer.id, entity.id)
    assert position is not None
    assert (position.contract_number, position.free_limit) == ("Д-общий", Decimal("500000.00"))
    dealer_row = await session.get(Dealer, dealer.id)
    assert dealer_row is not None and dealer_row.credit_policy == "warn"

"""Price type per legal entity/contract from 1C's push, falling back to the dealer's: one
function (core.finance.prices) behind the cart, placement and search."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.calendar import calendar_from_settings
from core.catalog.search import search_products
from core.finance.prices import price_type_for
from core.finance.push import FinancePush, PushedContract, PushedCounterparty, apply_push
from core.models import OrderLine, PriceType
from core.orders.cart import add_item, get_cart
from core.orders.placement import place_order
from core.settings import get_settings
from tests import factories
from tests import finance_data as fd


async def test_contract_price_type_wins_for_its_entity_only(session: AsyncSession) -> None:
    known = await fd.seed(session)
    base = await session.scalar(select(PriceType).where(PriceType.name == "Оптовая"))
    assert base is not None
    item = await factories.product(
        session,
        "OC 90",
        "Фильтр масляный",
        prices={base: "400.00", known.price_type: "350.00"},
        stock={await factories.warehouse(session): "10"},
    )
    assert await price_type_for(session, known.dealer.id, known.entity_a.id) == base.id

    contract = PushedContract(
        number="Д-1", credit_limit=Decimal("1000"), debt=Decimal("0"), price_type="Дилерская"
    )
    push = FinancePush(
        as_of=datetime(2026, 12, 1, tzinfo=UTC),
        counterparties=(PushedCounterparty(fd.INN_A, fd.KPP_A, (contract,)),),
    )
    await apply_push(session, push)
    assert await price_type_for(session, known.dealer.id, known.entity_a.id) == known.price_type.id
    # the other entity (no contract price type) and the dealer as a whole keep the dealer's
    assert await price_type_for(session, known.dealer.id, known.entity_b.id) == base.id
    assert await price_type_for(session, known.dealer.id, None) == base.id

    buyer = known.buyer
    buyer.active_legal_entity_id = known.entity_a.id
    await add_item(session, buyer, item.id, 2)
    view = await get_cart(session, buyer)
    assert [line.price for line in view.lines] == [Decimal("350.00")]
    found = await search_products(
        session,
        "oc90",
        price_type_id=await price_type_for(session, known.dealer.id, buyer.active_legal_entity_id),
    )
    assert found.items and found.items[0].price == Decimal("350.00")

    order = await place_order(
        session,
        buyer,
        request_key="price-type-b",
        legal_entity_id=known.entity_b.id,  # ordered for the ИП: the dealer's price type
        calendar=calendar_from_settings(get_settings(_env_file=None)),
    )
    line = await session.scalar(select(OrderLine).where(OrderLine.order_id == order.id))
    assert line is not None and line.price == Decimal("400.00")

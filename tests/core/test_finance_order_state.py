"""Order state from 1C's documents: partly shipped/paid, then shipped/paid; returns subtract."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from core.finance.order_state import order_money
from core.finance.push import (
    FinancePush,
    PushedContract,
    PushedCounterparty,
    PushedDocument,
    apply_push,
)
from core.models import DocumentKind
from tests import finance_data as fd


def document(kind: DocumentKind, number: str, amount: str, order: str) -> PushedDocument:
    return PushedDocument(kind, number, date(2026, 11, 20), Decimal(amount), order_ref=order)


async def push(session: AsyncSession, *documents: PushedDocument) -> None:
    contract = PushedContract("Д-1", Decimal("1000000"), Decimal("0"), documents=documents)
    party = PushedCounterparty(fd.INN_A, fd.KPP_A, (contract,))
    await apply_push(session, FinancePush(datetime(2026, 12, 1, tzinfo=UTC), (party,)))


async def test_states_follow_the_sums_of_linked_documents(session: AsyncSession) -> None:
    known = await fd.seed(session)  # order DB-000123 for 120 000,00, 1C number ЗК-0042
    order = known.order
    assert await order_money(session, [order]) == {}

    await push(session, document(DocumentKind.SHIPMENT, "РТ-1", "60000.00", "DB-000123"))
    state = (await order_money(session, [order]))[order.id]
    assert (state.shipped, state.paid) == ("partly_shipped", None)

    await push(
        session,
        document(DocumentKind.SHIPMENT, "РТ-2", "60000.00", "ЗК-0042"),  # by 1C's number
        document(DocumentKind.PAYMENT, "ПП-1", "50000.00", "DB-000123"),
    )
    state = (await order_money(session, [order]))[order.id]
    assert (state.shipped, state.paid) == ("shipped", "partly_paid")

    await push(
        session,
        document(DocumentKind.RETURN, "В-1", "10000.00", "DB-000123"),
        document(DocumentKind.PAYMENT, "ПП-2", "70000.00", "DB-000123"),
    )
    state = (await order_money(session, [order]))[order.id]
    assert (state.shipped, state.paid) == ("partly_shipped", "paid")
    assert state.states == ["partly_shipped", "paid"]


async def test_a_reference_to_another_dealers_order_is_not_linked(session: AsyncSession) -> None:
    from tests import factories

    known = await fd.seed(session)
    stranger = await factories.dealer(session, "ООО Чужой")
    from core.models import Order

    theirs = Order(number="DB-000999", dealer_id=stranger.id, total=Decimal("10"))
    session.add(theirs)
    await session.flush()
    await push(session, document(DocumentKind.SHIPMENT, "РТ-9", "10.00", "DB-000999"))
    assert await order_money(session, [theirs, known.order]) == {}

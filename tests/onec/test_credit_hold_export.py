"""Credit control at checkout: warn, hold (kept out of 1C's sale query until the manager
approves, then exported once) and block, with 1C played over HTTP."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from lxml import etree
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.calendar import calendar_from_settings
from core.errors import Forbidden, InvalidInput
from core.finance.credit import approve_credit, reject_credit
from core.models import CartLine, LegalEntity, Order, OutboxEvent, SyncState, User
from core.orders.approval import approve_order
from core.orders.cart import add_item
from core.orders.placement import place_order
from core.outbox import EventKind
from core.settings import get_settings
from tests import factories
from tests.finance_print_data import contract
from tests.onec.conftest import OneC

CALENDAR = calendar_from_settings(get_settings(_env_file=None))
MONDAY_10 = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)  # 10:00 in Moscow
NS = {"c": "urn:1C.ru:commerceml_2"}


async def _world(session: AsyncSession, policy: str, *, debt: str = "900", overdue: str = "0"):
    pt = await factories.price_type(session, f"Дилерская {policy} {factories.next_id()}")
    wh = await factories.warehouse(session)
    item = await factories.product(session, "OC 90", prices={pt: "450.50"}, stock={wh: "100"})
    manager = await factories.user(session, role="manager")
    dealer = await factories.dealer(session, price_type=pt, manager=manager)
    dealer.credit_policy = policy
    entity = await session.scalar(select(LegalEntity).where(LegalEntity.dealer_id == dealer.id))
    await contract(
        session,
        dealer,
        entity,
        credit_limit=Decimal("1000"),
        debt=Decimal(debt),
        overdue=Decimal(overdue),
    )
    buyer = await factories.user(session, dealer=dealer)
    other_manager = await factories.user(session, role="manager")
    other = await factories.dealer(session, "ООО Чужой", manager=other_manager)
    approver = await factories.user(session, dealer=dealer)
    approver.dealer_role = "approver"
    await session.commit()
    return {
        "buyer": buyer.id,
        "item": item.id,
        "manager": manager.id,
        "other_manager": other_manager.id,
        "other": other.id,
        "approver": approver.id,
    }


async def _place(session: AsyncSession, w: dict[str, int], key: str, qty: int = 2) -> Order:
    user = await session.get(User, w["buyer"])
    assert user is not None
    await add_item(session, user, w["item"], qty)
    order = await place_order(session, user, request_key=key, calendar=CALENDAR, now=MONDAY_10)
    await session.commit()
    return order


async def _offered(onec: OneC) -> list[str]:
    status, body = await onec.call("sale", "query")
    assert status == 200
    return list(etree.fromstring(body).xpath("//c:Документ/c:Номер/text()", namespaces=NS))


async def _count(session: AsyncSession, kind: str, order_id: int) -> int:
    return int(
        await session.scalar(
            select(func.count())
            .select_from(OutboxEvent)
            .where(
                OutboxEvent.kind == kind, OutboxEvent.payload["order_id"].as_integer() == order_id
            )
        )
        or 0
    )


async def test_held_order_stays_out_of_1c_until_the_manager_approves_then_once(
    onec: OneC, db: async_sessionmaker[AsyncSession]
) -> None:
    async with db() as session:
        w = await _world(session, "hold")  # free limit 100, order 901
        order = await _place(session, w, "credit-hold-1")
        assert (order.status, order.sync_state, order.credit_hold) == (
            "awaiting_approval",
            SyncState.AWAITING_APPROVAL,
            "held",
        )
        assert await _count(session, EventKind.CREDIT_HOLD, order.id) == 1
        assert await _count(session, EventKind.ORDER_EXPORT, order.id) == 0
        assert await _count(session, EventKind.APPROVAL_REQUESTED, order.id) == 0
    await onec.checkauth("sale")
    assert order.number not in await _offered(onec)
    async with db() as session:
        # the dealer's own approver may not lift a credit hold
        approver = await session.get(User, w["approver"])
        assert approver is not None
        with pytest.raises(Forbidden):
            await approve_order(session, order.id, approver)
        await session.rollback()
        # a manager of another dealer: refused (the attack of a forged order id)
        stranger = await session.get(User, w["other_manager"])
        assert stranger is not None
        with pytest.raises(Forbidden):
            await approve_credit(session, order.id, stranger)
        await session.rollback()
        assert (await session.get(Order, order.id)).credit_hold == "held"  # type: ignore[union-attr]
    assert order.number not in await _offered(onec)
    async with db() as session:
        manager = await session.get(User, w["manager"])
        assert manager is not None
        approved, changed = await approve_credit(session, order.id, manager)
        await session.commit()
        assert changed and (approved.status, approved.credit_hold) == ("new", "approved")
        _, changed_again = await approve_credit(session, order.id, manager)
        await session.commit()
        assert not changed_again
        assert await _count(session, EventKind.ORDER_EXPORT, order.id) == 1
        assert await _count(session, EventKind.ORDER_PLACED, order.id) == 1
    assert await _offered(onec) == [order.number]
    assert (await onec.text("sale", "success")).startswith("success")
    assert order.number not in await _offered(onec)


async def test_refused_credit_hold_is_never_offered(
    onec: OneC, db: async_sessionmaker[AsyncSession]
) -> None:
    async with db() as session:
        w = await _world(session, "hold", debt="0", overdue="10")  # overdue alone holds
        order = await _place(session, w, "credit-hold-2", qty=1)
        assert order.credit_hold == "held"
        manager = await session.get(User, w["manager"])
        assert manager is not None
        refused, changed = await reject_credit(session, order.id, manager, "Просрочка")
        await session.commit()
        assert changed and (refused.status, refused.sync_state) == ("rejected", "n/a")
        assert not (await approve_credit(session, order.id, manager))[1]
    await onec.checkauth("sale")
    assert order.number not in await _offered(onec)


async def test_warn_places_normally_and_block_places_nothing(
    db: async_sessionmaker[AsyncSession],
) -> None:
    async with db() as session:
        w = await _world(session, "warn")
        order = await _place(session, w, "credit-warn")
        assert (order.status, order.sync_state, order.credit_hold) == ("new", "pending", None)
        assert await _count(session, EventKind.ORDER_EXPORT, order.id) == 1
    async with db() as session:
        w = await _world(session, "block")
        user = await session.get(User, w["buyer"])
        assert user is not None
        await add_item(session, user, w["item"], 2)
        await session.commit()
        before = await session.scalar(select(func.count()).select_from(Order))
        with pytest.raises(InvalidInput) as refused:
            await place_order(
                session, user, request_key="credit-block", calendar=CALENDAR, now=MONDAY_10
            )
        await session.rollback()
        assert refused.value.key == "credit.blocked"
        assert await session.scalar(select(func.count()).select_from(Order)) == before
        assert await session.scalar(select(func.count()).select_from(CartLine)) >= 1

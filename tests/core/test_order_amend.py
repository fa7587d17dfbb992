"""Cancel or change an order before confirmation; after it (or once 1C has it) it is locked;
a cancel and a manager's confirm at the same moment: exactly one wins."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest
from sqlalchemy import select

from core.errors import InvalidInput, InvalidTransition, NotFound
from core.models import (
    Order,
    OrderLine,
    OrderStatus,
    OrderStatusEvent,
    OutboxEvent,
    SyncState,
    User,
)
from core.orders.amend import OrderLocked, cancel_order, change_quantities, is_editable
from core.orders.manager import confirm_order
from core.orders.onec_sync import OnecOrderState, apply_onec_status, mark_exported
from core.orders.placement import place_order
from core.outbox import EventKind
from tests import factories as f
from tests.core.test_orders import CAL, WORKING, world


async def placed(session, w, lines=None) -> Order:
    await f.cart(session, w["alice"], lines or {w["filt"]: "4", w["pads"]: "1"})
    order = await place_order(session, w["alice"], request_key="k", calendar=CAL, now=WORKING)
    await session.commit()
    return order


async def events(session, order_id: int, kind: str) -> list[OutboxEvent]:
    rows = await session.scalars(select(OutboxEvent).where(OutboxEvent.kind == kind))
    return [e for e in rows if e.payload.get("order_id") == order_id]


async def test_cancel_before_confirmation_goes_to_the_managers_and_to_1c(session) -> None:
    w = await world(session)
    order = await placed(session, w)
    assert await mark_exported(session, [order.id]) == 1  # 1C has pulled it, not acknowledged
    await session.commit()
    cancelled = await cancel_order(session, w["alice"], order.id, "по ошибке")
    await session.commit()
    assert cancelled.status == OrderStatus.CANCELLED
    assert cancelled.sync_state == SyncState.PENDING  # offered again: 1C gets the cancellation
    event = await session.scalar(
        select(OrderStatusEvent).where(OrderStatusEvent.to_status == OrderStatus.CANCELLED)
    )
    assert event is not None
    assert (event.actor_kind, event.actor_id, event.note) == ("dealer", w["alice"].id, "по ошибке")
    (notice,) = await events(session, order.id, EventKind.ORDER_STATUS)
    assert notice.payload["to"] == OrderStatus.CANCELLED
    with pytest.raises(OrderLocked):  # twice: the second is refused
        await cancel_order(session, w["alice"], order.id)


async def test_after_confirmation_or_1c_acceptance_nothing_changes(session) -> None:
    w = await world(session)
    order = await placed(session, w)
    await confirm_order(session, order.id, w["manager"])
    await session.commit()
    for action in (
        cancel_order(session, w["alice"], order.id),
        change_quantities(session, w["alice"], order.id, {order.lines[0].id: 1}),
    ):
        with pytest.raises(OrderLocked) as locked:
            await action
        assert locked.value.key == "order.edit_closed"
    await session.refresh(order)
    assert order.status == OrderStatus.CONFIRMED and order.total == Decimal("3801.99")

    await f.cart(session, w["alice"], {w["filt"]: "1"})
    second = await place_order(session, w["alice"], request_key="k2", calendar=CAL, now=WORKING)
    await apply_onec_status(session, second, OnecOrderState(onec_number="УТ-1"))
    await session.commit()
    assert second.status == OrderStatus.NEW and second.sync_state == SyncState.ACKNOWLEDGED
    assert not is_editable(second)
    with pytest.raises(OrderLocked):
        await cancel_order(session, w["alice"], second.id)


async def test_another_dealers_order_is_not_found(session) -> None:
    w = await world(session)
    order = await placed(session, w)
    with pytest.raises(NotFound):
        await cancel_order(session, w["bob"], order.id)
    with pytest.raises(NotFound):
        await change_quantities(session, w["bob"], order.id, {order.lines[0].id: 1})
    await session.refresh(order)
    assert order.status == OrderStatus.NEW


async def test_changing_quantities_recomputes_and_queues_1c_and_the_cards(session) -> None:
    w = await world(session)
    order = await placed(session, w)
    await mark_exported(session, [order.id])
    await session.commit()
    filt, pads = order.lines
    changed = await change_quantities(session, w["alice"], order.id, {filt.id: "2", pads.id: 3})
    await session.commit()
    assert [(ln.line_no, ln.quantity, ln.amount) for ln in changed.lines] == [
        (1, Decimal("2"), Decimal("901.00")),
        (2, Decimal("3"), Decimal("5999.97")),
    ]
    assert changed.total == Decimal("6900.97")
    assert changed.sync_state == SyncState.PENDING and changed.status == OrderStatus.NEW
    assert changed.edited_by_id == w["alice"].id and changed.edited_at is not None
    assert len(await events(session, order.id, EventKind.ORDER_EDITED)) == 1

    # 0 removes a line; the rest are renumbered; removing every line is refused
    changed = await change_quantities(session, w["alice"], order.id, {filt.id: 0})
    await session.commit()
    assert [(ln.line_no, ln.article) for ln in changed.lines] == [(1, "0 986 494 004")]
    assert changed.total == Decimal("5999.97")
    with pytest.raises(InvalidInput) as error:
        await change_quantities(session, w["alice"], order.id, {pads.id: 0})
    assert error.value.key == "order.edit_all_removed"

    # the same quantity again writes nothing
    before = len(await events(session, order.id, EventKind.ORDER_EDITED))
    await change_quantities(session, w["alice"], order.id, {pads.id: "3"})
    assert len(await events(session, order.id, EventKind.ORDER_EDITED)) == before


@pytest.mark.parametrize(
    ("value", "key"),
    [
        ("abc", "cart.quantity_not_number"),
        ("-1", "cart.quantity_not_positive"),
        ("1,5", "cart.quantity_fractional"),
        ("1000000", "cart.quantity_too_large"),
    ],
)
async def test_bad_quantities_change_nothing(session, value: str, key: str) -> None:
    w = await world(session)
    order = await placed(session, w)
    order_id = order.id
    with pytest.raises(InvalidInput) as error:
        await change_quantities(session, w["alice"], order_id, {order.lines[0].id: value})
    assert error.value.key == key
    session.expire_all()
    lines = list(await session.scalars(select(OrderLine.quantity).order_by(OrderLine.line_no)))
    assert lines == [Decimal("4"), Decimal("1")]
    assert await events(session, order_id, EventKind.ORDER_EDITED) == []


async def test_a_line_of_another_order_is_not_found(session) -> None:
    w = await world(session)
    order = await placed(session, w)
    await f.cart(session, w["bob"], {w["filt"]: "1"})
    theirs = await place_order(session, w["bob"], request_key="b", calendar=CAL, now=WORKING)
    with pytest.raises(NotFound):
        await change_quantities(session, w["alice"], order.id, {theirs.lines[0].id: 1})


async def _stale_pair(db, w) -> tuple[int, int, int]:
    async with db() as s:
        order = await placed(s, w)
        return order.id, w["alice"].id, w["manager"].id


async def test_confirm_then_a_stale_cancel_loses(db) -> None:
    async with db() as s:
        w = await world(s)
        order = await placed(s, w)
        order_id, alice_id, manager_id = order.id, w["alice"].id, w["manager"].id
    async with db() as dealer_s, db() as manager_s:
        alice = await dealer_s.get(User, alice_id)
        stale = await dealer_s.get(Order, order_id)  # the dealer read it while still new
        assert stale is not None and stale.status == OrderStatus.NEW
        manager = await manager_s.get(User, manager_id)
        await confirm_order(manager_s, order_id, manager)
        await manager_s.commit()
        with pytest.raises(OrderLocked):
            await cancel_order(dealer_s, alice, order_id)
        await dealer_s.commit()
    async with db() as s:
        order = await s.get(Order, order_id)
        assert order is not None and order.status == OrderStatus.CONFIRMED


async def test_cancel_then_a_stale_confirm_loses(db) -> None:
    async with db() as s:
        w = await world(s)
        order = await placed(s, w)
        order_id, alice_id, manager_id = order.id, w["alice"].id, w["manager"].id
    async with db() as dealer_s, db() as manager_s:
        manager = await manager_s.get(User, manager_id)
        stale = await manager_s.get(Order, order_id)  # the manager's card was read while new
        assert stale is not None and stale.status == OrderStatus.NEW
        alice = await dealer_s.get(User, alice_id)
        await cancel_order(dealer_s, alice, order_id)
        await dealer_s.commit()
        with pytest.raises(InvalidTransition) as lost:
            await confirm_order(manager_s, order_id, manager)
        assert lost.value.key == "order.already_changed"
        await manager_s.rollback()
    async with db() as s:
        order = await s.get(Order, order_id)
        assert order is not None and order.status == OrderStatus.CANCELLED


async def test_cancel_and_confirm_at_once_exactly_one_wins(db) -> None:
    async with db() as s:
        w = await world(s)
        order = await placed(s, w)
        order_id, alice_id, manager_id = order.id, w["alice"].id, w["manager"].id

    async def cancel() -> str:
        async with db() as s:
            alice = await s.get(User, alice_id)
            try:
                await cancel_order(s, alice, order_id)
                await s.commit()
                return "cancelled"
            except InvalidTransition as error:
                return error.key

    async def confirm() -> str:
        async with db() as s:
            manager = await s.get(User, manager_id)
            try:
                await confirm_order(s, order_id, manager)
                await s.commit()
                return "confirmed"
            except InvalidTransition as error:
                return error.key

    for _round in range(3):
        results = await asyncio.gather(cancel(), confirm())
        async with db() as s:
            order = await s.get(Order, order_id)
            assert order is not None
            winners = [r for r in results if r in ("cancelled", "confirmed")]
            assert winners == [order.status], results
            moves = list(
                await s.scalars(
                    select(OrderStatusEvent.to_status).where(
                        OrderStatusEvent.order_id == order_id,
                        OrderStatusEvent.from_status == OrderStatus.NEW,
                    )
                )
            )
            assert moves == [order.status]
            # put it back to new for another round
            await s.execute(
                OrderStatusEvent.__table__.delete().where(
                    OrderStatusEvent.order_id == order_id,
                    OrderStatusEvent.from_status == OrderStatus.NEW,
                )
            )
            order.status, order.sync_state = OrderStatus.NEW, SyncState.PENDING
            await s.commit()

"""Order placement, idempotency, ownership, reorder diff and manager decisions."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from core.calendar import WorkingCalendar
from core.errors import Forbidden, InvalidInput, InvalidTransition, NotFound
from core.models import (
    CartLine,
    ManagerAction,
    Order,
    OrderStatus,
    OrderStatusEvent,
    OutboxEvent,
    Price,
    Product,
    Role,
    Stock,
)
from core.orders.manager import confirm_order, reject_order
from core.orders.placement import place_order
from core.orders.queries import get_order, list_orders
from core.orders.reorder import LineChange, reorder
from core.outbox import EventKind
from tests import factories as f

CAL = WorkingCalendar(zone=ZoneInfo("Europe/Moscow"))
WORKING = datetime(2026, 11, 5, 10, 0, tzinfo=UTC)  # Thursday 13:00 in Moscow
EVENING = datetime(2026, 11, 5, 15, 30, tzinfo=UTC)  # Thursday 18:30 in Moscow


async def world(session):
    """Two dealers with one person each, a manager, and three priced items."""
    pt = await f.price_type(session)
    other_pt = await f.price_type(session, "Розничная")
    wh = await f.warehouse(session)
    manager = await f.user(session, role=Role.MANAGER)
    a = await f.dealer(session, "ООО Альфа", price_type=pt, manager=manager)
    b = await f.dealer(session, "ООО Бета", price_type=pt)
    alice = await f.user(session, dealer=a)
    bob = await f.user(session, dealer=b)
    filt = await f.product(
        session,
        "W 712/75",
        "Фильтр масляный",
        prices={pt: "450.50", other_pt: "600"},
        stock={wh: "10"},
    )
    pads = await f.product(
        session, "0 986 494 004", "Колодки", prices={pt: "1999.99"}, stock={wh: "2"}
    )
    oil = await f.product(
        session,
        "OIL-5W30",
        "Масло 5W-30",
        prices={pt: "333.33"},
        stock={wh: "100"},
        unit="л",
        unit_code="112",
    )
    return {
        "pt": pt,
        "wh": wh,
        "manager": manager,
        "a": a,
        "b": b,
        "alice": alice,
        "bob": bob,
        "filt": filt,
        "pads": pads,
        "oil": oil,
    }


async def test_place_order_snapshots_lines_and_queues_events(session) -> None:
    w = await world(session)
    await f.cart(session, w["alice"], {w["filt"]: "3", w["oil"]: "1.5"})
    order = await place_order(
        session,
        w["alice"],
        request_key="k1",
        calendar=CAL,
        now=WORKING,
        comment=" срочно ",
        dealer_po="PO-77",
        desired_date=date(2026, 11, 10),
    )
    await session.commit()
    assert order.number == f"DB-{order.id:06d}"
    assert order.status == OrderStatus.NEW and order.source == "bot"
    assert order.total == Decimal("1351.50") + Decimal(
        "500.00"
    )  # 3*450.50 + 1.5*333.33=499.995→500.00
    assert [(line.article, line.price, line.quantity, line.amount) for line in order.lines] == [
        ("W 712/75", Decimal("450.50"), Decimal("3.000"), Decimal("1351.50")),
        ("OIL-5W30", Decimal("333.33"), Decimal("1.500"), Decimal("500.00")),
    ]
    assert order.comment == "срочно" and order.dealer_po == "PO-77"
    assert not order.is_after_hours
    assert await session.scalar(select(func.count()).select_from(CartLine)) == 0
    kinds = set(await session.scalars(select(OutboxEvent.kind)))
    assert kinds == {EventKind.ORDER_PLACED, EventKind.ORDER_EXPORT, "crm.order"}
    events = list(await session.scalars(select(OrderStatusEvent.to_status)))
    assert events == [OrderStatus.NEW]
    # The snapshot does not move when the price does.
    price = await session.get(Price, (w["filt"].id, w["pt"].id))
    price.value = Decimal("999")
    await session.commit()
    again = await get_order(session, w["a"].id, order.id)
    assert again.lines[0].price == Decimal("450.50")


async def test_same_request_key_makes_one_order(session) -> None:
    w = await world(session)
    await f.cart(session, w["alice"], {w["filt"]: "1"})
    first = await place_order(session, w["alice"], request_key="tap-42", calendar=CAL, now=WORKING)
    second = await place_order(session, w["alice"], request_key="tap-42", calendar=CAL, now=WORKING)
    await session.commit()
    assert first.id == second.id
    assert await session.scalar(select(func.count()).select_from(Order)) == 1
    core_events = select(func.count()).where(OutboxEvent.kind.not_like("crm.%"))
    assert await session.scalar(core_events) == 2
    crm_rows = select(func.count()).where(OutboxEvent.kind == "crm.order")
    assert await session.scalar(crm_rows) == 1  # core.crm_events follows order.placed once


async def test_concurrent_double_tap_makes_one_order(db) -> None:
    async with db() as session:
        w = await world(session)
        await f.cart(session, w["alice"], {w["filt"]: "1"})
        await session.commit()
        alice_id = w["alice"].id

    async def tap():
        async with db() as s:
            from core.models import User

            user = await s.get(User, alice_id)
            order = await place_order(s, user, request_key="same", calendar=CAL, now=WORKING)
            await s.commit()
            return order.id

    results = await asyncio.gather(tap(), tap())
    async with db() as session:
        assert await session.scalar(select(func.count()).select_from(Order)) == 1
        order_id = await session.scalar(select(Order.id))
    assert results == [order_id, order_id]


async def test_after_hours_flag(session) -> None:
    w = await world(session)
    await f.cart(session, w["alice"], {w["filt"]: "1"})
    order = await place_order(session, w["alice"], request_key="eve", calendar=CAL, now=EVENING)
    assert order.is_after_hours


@pytest.mark.parametrize(
    ("setup", "kwargs", "key"),
    [
        ("empty", {}, "order.empty_cart"),
        ("inactive", {}, "order.item_not_sold"),
        ("no_price", {}, "order.item_no_price"),
        ("ok", {"desired_date": date(2026, 11, 1)}, "order.desired_date_past"),
        ("ok", {"comment": "x" * 1001}, "order.comment_too_long"),
        ("ok", {"dealer_po": "P" * 65}, "order.po_too_long"),
        ("ok", {"request_key": "  "}, "order.bad_request_key"),
    ],
)
async def test_place_order_refuses_bad_input_and_changes_nothing(
    session, setup, kwargs, key
) -> None:
    w = await world(session)
    if setup == "inactive":
        w["filt"].is_active = False
    if setup == "no_price":
        nameless = await f.product(session, "NP-1", "Без цены", stock={w["wh"]: "5"})
        await f.cart(session, w["alice"], {nameless: "1"})
    elif setup != "empty":
        await f.cart(session, w["alice"], {w["filt"]: "1"})
    await session.commit()
    args = {"request_key": "bad", "calendar": CAL, "now": WORKING} | kwargs
    with pytest.raises(InvalidInput) as caught:
        await place_order(session, w["alice"], **args)
    assert caught.value.key == key
    await session.rollback()
    assert await session.scalar(select(func.count()).select_from(Order)) == 0
    assert await session.scalar(select(func.count()).select_from(OutboxEvent)) == 0


async def test_legal_entity_must_be_picked_and_owned(session) -> None:
    w = await world(session)
    several = await f.dealer(session, "ООО Много", price_type=w["pt"], entities=2)
    carol = await f.user(session, dealer=several)
    await f.cart(session, carol, {w["filt"]: "1"})
    with pytest.raises(InvalidInput, match="order.pick_legal_entity"):
        await place_order(session, carol, request_key="c1", calendar=CAL, now=WORKING)
    from core.dealers.service import legal_entities

    foreign = (await legal_entities(session, w["b"].id))[0]
    with pytest.raises(NotFound):
        await place_order(
            session, carol, request_key="c2", calendar=CAL, now=WORKING, legal_entity_id=foreign.id
        )
    mine = (await legal_entities(session, several.id))[1]
    order = await place_order(
        session, carol, request_key="c3", calendar=CAL, now=WORKING, legal_entity_id=mine.id
    )
    assert order.legal_entity_id == mine.id


async def test_dealer_cannot_see_or_reorder_another_dealers_order(session) -> None:
    w = await world(session)
    await f.cart(session, w["alice"], {w["filt"]: "1"})
    order = await place_order(session, w["alice"], request_key="a1", calendar=CAL, now=WORKING)
    await session.commit()
    assert [o.id for o in await list_orders(session, w["a"].id)] == [order.id]
    assert await list_orders(session, w["b"].id) == []
    with pytest.raises(NotFound):
        await get_order(session, w["b"].id, order.id)
    with pytest.raises(NotFound):
        await reorder(session, w["bob"], order.id)
    assert await session.scalar(select(func.count()).select_from(CartLine)) == 0


async def test_reorder_diff(session) -> None:
    w = await world(session)
    await f.cart(session, w["alice"], {w["filt"]: "2", w["pads"]: "1", w["oil"]: "3"})
    order = await place_order(session, w["alice"], request_key="r1", calendar=CAL, now=WORKING)
    await session.commit()
    # Since then: filter got dearer, pads went out of stock, oil is no longer sold.
    (await session.get(Price, (w["filt"].id, w["pt"].id))).value = Decimal("500.00")
    (await session.get(Stock, (w["pads"].id, w["wh"].id))).quantity = Decimal("0")
    (await session.get(Product, w["oil"].id)).is_active = False
    await session.commit()
    result = await reorder(session, w["alice"], order.id)
    await session.commit()
    diff = {line.article: line for line in result.lines}
    assert diff["W 712/75"].changes == [LineChange.PRICE_UP]
    assert (diff["W 712/75"].old_price, diff["W 712/75"].new_price) == (
        Decimal("450.50"),
        Decimal("500.00"),
    )
    assert diff["0 986 494 004"].changes == [LineChange.SHORT_STOCK]
    assert diff["OIL-5W30"].changes == [LineChange.NOT_SOLD] and not diff["OIL-5W30"].added
    assert result.added_count == 2 and result.has_changes
    cart = dict((await session.execute(select(CartLine.product_id, CartLine.quantity))).all())
    assert cart == {w["filt"].id: Decimal("2"), w["pads"].id: Decimal("1")}
    again = await place_order(session, w["alice"], request_key="r2", calendar=CAL, now=WORKING)
    assert again.reorder_of_id == order.id
    assert again.total == Decimal("2999.99")  # 2*500 + 1999.99


async def test_confirm_and_reject(session) -> None:
    w = await world(session)
    await f.cart(session, w["alice"], {w["filt"]: "1"})
    first = await place_order(session, w["alice"], request_key="m1", calendar=CAL, now=WORKING)
    with pytest.raises(Forbidden):
        await confirm_order(session, first.id, w["alice"])
    confirmed = await confirm_order(session, first.id, w["manager"])
    assert (
        confirmed.status == OrderStatus.CONFIRMED and confirmed.confirmed_by_id == w["manager"].id
    )
    assert confirmed.confirmed_at is not None
    with pytest.raises(InvalidTransition):
        await reject_order(session, first.id, w["manager"], "нет на складе")
    await session.commit()
    statuses = [
        e.payload["to"]
        for e in await session.scalars(
            select(OutboxEvent).where(OutboxEvent.kind == EventKind.ORDER_STATUS)
        )
    ]
    assert statuses == [OrderStatus.CONFIRMED]
    actions = list(await session.scalars(select(ManagerAction.action)))
    assert actions == ["order.confirm"]


async def test_reject_needs_a_reason_and_reaches_the_outbox(session) -> None:
    w = await world(session)
    await f.cart(session, w["alice"], {w["filt"]: "1"})
    order = await place_order(session, w["alice"], request_key="x1", calendar=CAL, now=WORKING)
    with pytest.raises(InvalidInput, match="order.reject_reason_required"):
        await reject_order(session, order.id, w["manager"], "  ")
    await reject_order(session, order.id, w["manager"], "Нет в наличии")
    await session.commit()
    event = await session.scalar(
        select(OutboxEvent).where(OutboxEvent.kind == EventKind.ORDER_STATUS)
    )
    assert event.payload == {
        "order_id": order.id,
        "from": "new",
        "to": "rejected",
        "note": "Нет в наличии",
    }


async def test_two_managers_confirm_at_once_one_wins(db) -> None:
    async with db() as session:
        w = await world(session)
        second = await f.user(session, role=Role.MANAGER)
        # the two share a group, so both act on the dealer (core.access.scope)
        w["manager"].manager_group = second.manager_group = "Продажи"
        await f.cart(session, w["alice"], {w["filt"]: "1"})
        order = await place_order(
            session, w["alice"], request_key="race", calendar=CAL, now=WORKING
        )
        await session.commit()
        ids = (w["manager"].id, second.id, order.id)

    async def press(manager_id: int):
        async with db() as s:
            from core.models import User

            manager = await s.get(User, manager_id)
            try:
                await confirm_order(s, ids[2], manager)
                await s.commit()
                return "won"
            except InvalidTransition as error:
                return error.key

    results = sorted(await asyncio.gather(press(ids[0]), press(ids[1])))
    assert results in (["order.already_changed", "won"], ["order.bad_transition", "won"])
    async with db() as session:
        confirmations = await session.scalar(
            select(func.count())
            .select_from(OrderStatusEvent)
            .where(OrderStatusEvent.to_status == "confirmed")
        )
        assert confirmations == 1

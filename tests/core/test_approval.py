"""Roles inside a dealer and the approval of orders above the threshold, against the database."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.calendar import calendar_from_settings
from core.dealers.invitations import invite_colleague, redeem_invitation
from core.dealers.roles import may_approve, may_invite
from core.errors import Forbidden, InvalidInput, NotFound
from core.models import Dealer, LegalEntity, Order, OutboxEvent, SyncState, User
from core.orders.approval import approve_order, reject_by_approver
from core.orders.cart import add_item
from core.orders.onec_sync import orders_pending_export
from core.orders.placement import place_order
from core.outbox import EventKind
from core.settings import get_settings
from tests import factories

CALENDAR = calendar_from_settings(get_settings(_env_file=None))


async def _world(session: AsyncSession, threshold: str | None = "1000") -> dict[str, int]:
    pt = await factories.price_type(session)
    wh = await factories.warehouse(session)
    item = await factories.product(session, "OC 90", prices={pt: "350.00"}, stock={wh: "100"})
    dealer = await factories.dealer(session, price_type=pt)
    dealer.approval_threshold = Decimal(threshold) if threshold else None
    people = {}
    for name, role in (("buyer", "buyer"), ("olga", "approver"), ("petr", "admin")):
        user = await factories.user(session, dealer=dealer)
        user.full_name, user.dealer_role = name, role
        people[name] = user.id
    other = await factories.dealer(session, "ООО Другой", price_type=pt)
    stranger = await factories.user(session, dealer=other)
    stranger.dealer_role = "approver"
    await session.commit()
    return {"dealer": dealer.id, "item": item.id, "stranger": stranger.id, **people}


async def _place(session: AsyncSession, user_id: int, item: int, qty: int, key: str) -> Order:
    user = await session.get(User, user_id)
    assert user is not None
    await add_item(session, user, item, qty)
    order = await place_order(session, user, request_key=key, calendar=CALENDAR)
    await session.commit()
    return order


async def _kinds(session: AsyncSession) -> list[str]:
    return list(await session.scalars(select(OutboxEvent.kind).order_by(OutboxEvent.id)))


async def test_threshold_rules(session: AsyncSession) -> None:
    w = await _world(session)
    exact = await _place(session, w["buyer"], w["item"], 2, "a")  # 700 <= 1000: as today
    assert (exact.status, exact.sync_state) == ("new", "pending")
    above = await _place(session, w["buyer"], w["item"], 3, "b")  # 1050 > 1000
    assert (above.status, above.sync_state) == ("awaiting_approval", "awaiting_approval")
    own = await _place(session, w["olga"], w["item"], 10, "c")  # an approver's own order
    assert own.status == "new"
    # the legal entity's own threshold wins over the dealer's
    entity = await session.scalar(select(LegalEntity).where(LegalEntity.dealer_id == w["dealer"]))
    assert entity is not None
    entity.approval_threshold = Decimal("5000")
    await session.commit()
    under_entity = await _place(session, w["buyer"], w["item"], 4, "d")  # 1400 <= 5000
    assert under_entity.status == "new"
    kinds = await _kinds(session)
    assert kinds.count(EventKind.APPROVAL_REQUESTED) == 1
    assert kinds.count(EventKind.ORDER_PLACED) == 3 and kinds.count(EventKind.ORDER_EXPORT) == 3
    assert [e.order.id for e in await orders_pending_export(session)] == [
        exact.id,
        own.id,
        under_entity.id,
    ]


async def test_no_threshold_means_no_approval(session: AsyncSession) -> None:
    w = await _world(session, threshold=None)
    order = await _place(session, w["buyer"], w["item"], 50, "big")
    assert order.status == "new"


async def test_who_may_decide(session: AsyncSession) -> None:
    w = await _world(session)
    order = await _place(session, w["buyer"], w["item"], 5, "x")
    users = {k: await session.get(User, w[k]) for k in ("buyer", "olga", "petr", "stranger")}
    assert {k: may_approve(u, order) for k, u in users.items() if u} == {
        "buyer": False,
        "olga": True,
        "petr": True,
        "stranger": False,
    }
    assert [k for k, u in users.items() if u and may_invite(u)] == ["petr"]
    buyer, stranger = users["buyer"], users["stranger"]
    assert buyer is not None and stranger is not None
    with pytest.raises(Forbidden):
        await approve_order(session, order.id, buyer)
    with pytest.raises(NotFound):  # another dealer's order looks missing
        await approve_order(session, order.id, stranger)
    olga = users["olga"]
    assert olga is not None
    with pytest.raises(InvalidInput):
        await reject_by_approver(session, order.id, olga, "   ")
    await session.refresh(order)
    assert order.status == "awaiting_approval"


async def test_two_approvers_at_once_one_decision(db: async_sessionmaker[AsyncSession]) -> None:
    async with db() as session:
        w = await _world(session)
        order = await _place(session, w["buyer"], w["item"], 5, "race")

    async def tap(name: str) -> bool:
        async with db() as session:
            user = await session.get(User, w[name])
            assert user is not None
            result = await approve_order(session, order.id, user)
            await session.commit()
            return result.changed

    results = await asyncio.gather(tap("olga"), tap("petr"), tap("olga"))
    assert sorted(results) == [False, False, True]
    async with db() as session:
        stored = await session.get(Order, order.id)
        assert stored is not None and (stored.status, stored.sync_state) == ("new", "pending")
        placed = await session.scalar(
            select(func.count()).where(OutboxEvent.kind == EventKind.ORDER_PLACED)
        )
        assert placed == 1
        assert [e.order.id for e in await orders_pending_export(session)] == [order.id]


async def test_awaiting_order_is_never_exported_even_if_resent(session: AsyncSession) -> None:
    w = await _world(session)
    order = await _place(session, w["buyer"], w["item"], 5, "held")
    order.sync_state = SyncState.PENDING  # e.g. "send to 1C again" pressed in the admin
    await session.commit()
    assert await orders_pending_export(session) == []


async def test_colleague_invitations_hold_seats(session: AsyncSession) -> None:
    w = await _world(session)
    dealer = await session.get(Dealer, w["dealer"])
    assert dealer is not None
    dealer.max_people = 4
    await session.commit()
    petr, buyer = await session.get(User, w["petr"]), await session.get(User, w["buyer"])
    assert petr is not None and buyer is not None
    with pytest.raises(Forbidden):
        await invite_colleague(session, buyer, "buyer")
    with pytest.raises(InvalidInput):
        await invite_colleague(session, petr, "admin")  # not the dealer admin's to give
    invitation, seats = await invite_colleague(session, petr, "approver")
    assert (seats.people, seats.reserved, seats.limit, seats.free) == (3, 1, 4, 0)
    with pytest.raises(InvalidInput) as full:
        await invite_colleague(session, petr, "buyer")
    assert full.value.key == "invitation.dealer_full"
    joined = await redeem_invitation(session, invitation.token, telegram_id=77_000_001)
    assert (joined.dealer_id, joined.dealer_role) == (w["dealer"], "approver")
    with pytest.raises(InvalidInput) as used:
        await redeem_invitation(session, invitation.token, telegram_id=77_000_002)
    assert used.value.key == "invitation.used_up"

"""Claims: own confirmed orders only, quantity within what was ordered, staff decisions."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from core.claims.service import (
    ClaimLineInput,
    change_claim_status,
    claimable_orders,
    file_claim,
    get_claim,
    list_claims,
)
from core.errors import Forbidden, InvalidInput, InvalidTransition, NotFound
from core.models import Claim, ClaimStatus, OutboxEvent
from core.orders.manager import confirm_order
from core.orders.placement import place_order
from core.outbox import EventKind
from tests import factories as f
from tests.core.test_orders import CAL, WORKING, world


async def confirmed_order(session, w):
    await f.cart(session, w["alice"], {w["filt"]: "4", w["pads"]: "1"})
    order = await place_order(session, w["alice"], request_key="c", calendar=CAL, now=WORKING)
    await confirm_order(session, order.id, w["manager"])
    return order


async def test_file_claim_for_wrong_item_with_photos(session) -> None:
    w = await world(session)
    order = await confirmed_order(session, w)
    line = order.lines[0]
    claim = await file_claim(
        session,
        w["alice"],
        order.id,
        [ClaimLineInput(line.id, "wrong_item", "2", "пришёл другой фильтр")],
        comment="пересорт",
        attachments=[("photo-1", "u1"), ("photo-2", "u2")],
        request_key="cl-1",
    )
    await session.commit()
    assert claim.number == f"RK-{claim.id:06d}" and claim.status == ClaimStatus.NEW
    loaded = await get_claim(session, w["a"].id, claim.id)
    assert [(cl.reason, cl.quantity) for cl in loaded.lines] == [("wrong_item", Decimal("2"))]
    assert [a.telegram_file_id for a in loaded.attachments] == ["photo-1", "photo-2"]
    assert [c.id for c in await list_claims(session, w["a"].id)] == [claim.id]
    event = await session.scalar(
        select(OutboxEvent).where(OutboxEvent.kind == EventKind.CLAIM_FILED)
    )
    assert event.payload == {"claim_id": claim.id}
    again = await file_claim(
        session,
        w["alice"],
        order.id,
        [ClaimLineInput(line.id, "wrong_item", "2")],
        request_key="cl-1",
    )
    assert again.id == claim.id


async def test_claim_rules(session) -> None:
    w = await world(session)
    await f.cart(session, w["alice"], {w["filt"]: "1"})
    new_order = await place_order(session, w["alice"], request_key="n", calendar=CAL, now=WORKING)
    with pytest.raises(InvalidInput, match="claim.order_not_confirmed"):
        await file_claim(
            session, w["alice"], new_order.id, [ClaimLineInput(new_order.lines[0].id, "defect", 1)]
        )
    order = await confirmed_order(session, w)
    line = order.lines[0]  # 4 ordered
    with pytest.raises(NotFound):  # another dealer's order
        await file_claim(session, w["bob"], order.id, [ClaimLineInput(line.id, "defect", 1)])
    with pytest.raises(NotFound):  # a line of another order
        await file_claim(
            session, w["alice"], order.id, [ClaimLineInput(new_order.lines[0].id, "defect", 1)]
        )
    for quantity in ("0", "-1", "abc", "NaN", "5"):
        with pytest.raises(InvalidInput):
            await file_claim(
                session, w["alice"], order.id, [ClaimLineInput(line.id, "defect", quantity)]
            )
    with pytest.raises(InvalidInput, match="claim.bad_reason"):
        await file_claim(session, w["alice"], order.id, [ClaimLineInput(line.id, "because", 1)])
    with pytest.raises(InvalidInput, match="claim.no_lines"):
        await file_claim(session, w["alice"], order.id, [])
    assert await session.scalar(select(func.count()).select_from(Claim)) == 0
    await file_claim(session, w["alice"], order.id, [ClaimLineInput(line.id, "shortage", 3)])
    with pytest.raises(InvalidInput, match="claim.quantity_exceeds"):  # only 1 left to claim
        await file_claim(session, w["alice"], order.id, [ClaimLineInput(line.id, "defect", 2)])
    assert [o.id for o in await claimable_orders(session, w["a"].id)] == [order.id]


async def test_claim_decisions(session) -> None:
    w = await world(session)
    order = await confirmed_order(session, w)
    claim = await file_claim(
        session, w["alice"], order.id, [ClaimLineInput(order.lines[1].id, "damage", 1)]
    )
    with pytest.raises(Forbidden):
        await change_claim_status(session, claim.id, "accepted", w["alice"])
    await change_claim_status(session, claim.id, "in_review", w["manager"])
    await change_claim_status(session, claim.id, "accepted", w["manager"], note="заменим")
    with pytest.raises(InvalidTransition):
        await change_claim_status(session, claim.id, "rejected", w["manager"])
    await session.commit()
    assert claim.status == "accepted" and claim.decided_by_id == w["manager"].id
    notes = [
        e.payload["to"]
        for e in await session.scalars(
            select(OutboxEvent)
            .where(OutboxEvent.kind == EventKind.CLAIM_STATUS)
            .order_by(OutboxEvent.id)
        )
    ]
    assert notes == ["in_review", "accepted"]

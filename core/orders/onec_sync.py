"""The order side of the 1C exchange, free of XML: what to offer 1C, and what 1C tells us back.

Orders placed through the bot wait with sync_state "pending" until 1C acknowledges an exchange
that carried them (an order still awaiting the dealer's approval is never offered, whatever its
sync state says: core.orders.approval); status changes reported by 1C go through
`change_status` (so the dealer is notified through the outbox); orders that exist only in 1C
are recorded with source "1c".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from core.errors import InvalidTransition
from core.models import (
    Dealer,
    LegalEntity,
    Order,
    OrderLine,
    OrderSource,
    OrderStatus,
    Product,
    SyncState,
    utcnow,
)
from core.orders.status import change_status

ONEC_ACTOR = "onec"


@dataclass
class ExportOrder:
    """An order with everything 1C needs: lines, the dealer and the legal entity."""

    order: Order
    lines: list[OrderLine]
    dealer: Dealer
    legal_entity: LegalEntity | None


async def orders_pending_export(session: AsyncSession, *, limit: int = 500) -> list[ExportOrder]:
    """Orders placed through the bot that 1C has not acknowledged yet, oldest first (not those
    awaiting the dealer's approval)."""
    orders = list(
        (
            await session.scalars(
                select(Order)
                .where(
                    Order.sync_state == SyncState.PENDING,
                    Order.source == OrderSource.BOT,
                    Order.status != OrderStatus.AWAITING_APPROVAL,
                    Order.is_sandbox.is_(False),  # core.sandbox: never offered to 1C
                )
                .options(selectinload(Order.lines))
                .order_by(Order.id)
                .limit(limit)
            )
        ).all()
    )
    if not orders:
        return []
    dealers = {
        d.id: d
        for d in await session.scalars(
            select(Dealer).where(Dealer.id.in_({o.dealer_id for o in orders}))
        )
    }
    entity_ids = {o.legal_entity_id for o in orders if o.legal_entity_id}
    entities = {
        e.id: e
        for e in await session.scalars(select(LegalEntity).where(LegalEntity.id.in_(entity_ids)))
    }
    return [
        ExportOrder(
            order=o,
            lines=list(o.lines),
            dealer=dealers[o.dealer_id],
            legal_entity=entities.get(o.legal_entity_id) if o.legal_entity_id else None,
        )
        for o in orders
    ]


async def mark_exported(
    session: AsyncSession,
    order_ids: Sequence[int],
    *,
    versions: Mapping[int, datetime] | None = None,
) -> int:
    """1C confirmed it received these orders: they are not offered again. Returns how many.

    With `versions` (each order's `updated_at` as the offered document had it), an order
    changed since it was offered (the dealer changed quantities or cancelled meanwhile) stays
    pending, so 1C gets the change on its next query.
    """
    if not order_ids:
        return 0
    now = utcnow()
    base = (
        update(Order)
        .where(Order.sync_state == SyncState.PENDING)
        .values(sync_state=SyncState.EXPORTED, exported_at=now)
        .execution_options(synchronize_session=False)
    )
    if versions is None:
        result = await session.execute(base.where(Order.id.in_(list(order_ids))))
        return int(result.rowcount or 0)  # type: ignore[attr-defined]
    marked = 0
    for order_id in order_ids:
        version = versions.get(order_id)
        if version is None:
            continue
        result = await session.execute(
            base.where(Order.id == order_id, Order.updated_at == version)
        )
        marked += int(result.rowcount or 0)  # type: ignore[attr-defined]
    return marked


@dataclass
class OnecOrderState:
    """What 1C reports about an order (None = not said)."""

    onec_id: str = ""
    onec_number: str = ""
    status: str | None = None
    is_paid: bool | None = None
    note: str = ""


@dataclass
class ApplyResult:
    """Outcome of applying a 1C order state: found?, status moved?, refused transition."""

    order: Order | None
    moved: bool = False
    refused: str | None = None


async def find_order(session: AsyncSession, *refs: str) -> Order | None:
    """Our order by its number or its 1C id (first match of the non-empty `refs`)."""
    keys = [r for r in refs if r]
    if not keys:
        return None
    return await session.scalar(
        select(Order)
        .where(or_(Order.number.in_(keys), Order.onec_id.in_(keys)))
        .order_by(Order.id)
        .limit(1)
    )


async def apply_onec_status(
    session: AsyncSession, order: Order, state: OnecOrderState
) -> ApplyResult:
    """Record 1C's number/id and payment, and move the status through `change_status`.

    A transition the order's rules forbid (e.g. a completed order "cancelled") is not applied
    and is reported in `refused`.
    """
    values: dict[str, object] = {}
    if state.onec_number and order.onec_number != state.onec_number:
        values["onec_number"] = state.onec_number[:64]
    if state.onec_id and not order.onec_id and state.onec_id != order.number:
        clash = await session.scalar(select(Order.id).where(Order.onec_id == state.onec_id))
        if clash is None:
            values["onec_id"] = state.onec_id[:100]
    if state.is_paid is not None and order.is_paid != state.is_paid:
        values["is_paid"] = state.is_paid
    if order.source == OrderSource.BOT and order.sync_state != SyncState.ACKNOWLEDGED:
        values["sync_state"] = SyncState.ACKNOWLEDGED
    if values:
        await session.execute(
            update(Order)
            .where(Order.id == order.id)
            .values(**values, updated_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        for key, value in values.items():
            setattr(order, key, value)
    result = ApplyResult(order=order)
    if state.status and state.status != order.status:
        try:
            result.moved = await change_status(
                session, order, state.status, actor_kind=ONEC_ACTOR, note=state.note
            )
        except InvalidTransition as exc:
            result.refused = f"{order.number}: {order.status} -> {state.status} ({exc.key})"
    return result


@dataclass
class OnecLine:
    """A line of an order known from 1C."""

    product_onec_id: str
    name: str
    article: str
    quantity: Decimal
    price: Decimal
    amount: Decimal


@dataclass
class OnecOrder:
    """An order as 1C describes it, with the buyer's identifiers."""

    onec_id: str
    onec_number: str
    placed_at: datetime | None
    is_after_hours: bool = False
    buyer_onec_id: str = ""
    buyer_inn: str = ""
    buyer_kpp: str = ""
    currency: str = "RUB"
    total: Decimal = Decimal("0")
    comment: str = ""
    lines: list[OnecLine] = field(default_factory=list)
    state: OnecOrderState = field(default_factory=OnecOrderState)


async def _buyer(session: AsyncSession, data: OnecOrder) -> tuple[int, int | None] | None:
    if data.buyer_inn:
        query = select(LegalEntity).where(LegalEntity.inn == data.buyer_inn)
        entities = list((await session.scalars(query)).all())
        if data.buyer_kpp:
            entities = [e for e in entities if e.kpp in (data.buyer_kpp, None)] or entities
        if entities:
            return entities[0].dealer_id, entities[0].id
    if data.buyer_onec_id:
        entity = await session.scalar(
            select(LegalEntity).where(LegalEntity.onec_id == data.buyer_onec_id)
        )
        if entity is not None:
            return entity.dealer_id, entity.id
    conditions = []
    if data.buyer_onec_id:
        conditions.append(Dealer.onec_id == data.buyer_onec_id)
    if data.buyer_inn:
        conditions.append(Dealer.inn == data.buyer_inn)
    if conditions:
        dealer_id = await session.scalar(select(Dealer.id).where(or_(*conditions)).limit(1))
        if dealer_id is not None:
            return dealer_id, None
    return None


async def record_onec_order(session: AsyncSession, data: OnecOrder) -> Order | None:
    """Record an order that exists only in 1C (source "1c"), or update the one recorded before.

    Returns None when the buyer is not one of our dealers (nothing is stored then).
    """
    existing = await session.scalar(select(Order).where(Order.onec_id == data.onec_id))
    if existing is not None:
        await apply_onec_status(session, existing, data.state)
        return existing
    buyer = await _buyer(session, data)
    if buyer is None:
        return None
    dealer_id, entity_id = buyer
    number = f"1C-{data.onec_number or data.onec_id}"[:32]
    if await session.scalar(select(Order.id).where(Order.number == number)) is not None:
        number = f"{number[:20]}-{data.onec_id[-8:]}"[:32]
    products = dict(
        (
            await session.execute(
                select(Product.onec_id, Product.id).where(
                    Product.onec_id.in_({line.product_onec_id for line in data.lines})
                )
            )
        ).all()
    )
    order = Order(
        number=number,
        dealer_id=dealer_id,
        legal_entity_id=entity_id,
        status=OrderStatus.NEW,
        source=OrderSource.ONEC,
        placed_at=data.placed_at or utcnow(),
        is_after_hours=data.is_after_hours,
        comment=data.comment,
        currency=data.currency,
        total=data.total,
        onec_number=data.onec_number[:64] or None,
        onec_id=data.onec_id[:100],
        sync_state=SyncState.NOT_APPLICABLE,
    )
    session.add(order)
    await session.flush()
    session.add_all(
        OrderLine(
            order_id=order.id,
            line_no=i,
            product_id=products.get(line.product_onec_id),
            product_onec_id=line.product_onec_id[:150] or None,
            article=line.article[:100],
            name=(line.name or line.product_onec_id)[:500],
            price=line.price,
            quantity=line.quantity,
            amount=line.amount,
        )
        for i, line in enumerate(data.lines, start=1)
    )
    await session.flush()
    if data.state.status and data.state.status != OrderStatus.NEW:
        # The history starts where 1C is; the dealer is not notified of a past they never saw.
        await change_status(
            session,
            order,
            data.state.status,
            actor_kind=ONEC_ACTOR,
            note="1C",
            notify_dealer=False,
        )
    return order

"""The dealer changes their mind before confirmation: cancel an order or change quantities.

An order is open to the dealer while it is new (no manager has confirmed or rejected it) and
1C has not acknowledged it (core.orders.onec_sync: an acknowledged order lives in 1C now).
Every change first takes the order row with one conditional UPDATE (still new, still not
acknowledged): that both locks the row (PostgreSQL) and decides races, so of a dealer's cancel
and a manager's confirm at the same moment exactly one wins. A change puts the order back in
1C's queue (sync state "pending"): 1C gets the changed order, or the cancellation, on its next
`sale query`. The manager's cards are redrawn through the outbox.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.dealers.service import dealer_id_of
from core.errors import InvalidInput, InvalidTransition, NotFound
from core.models import Order, OrderLine, OrderSource, OrderStatus, Product, SyncState, User, utcnow
from core.orders.cart import line_amount, parse_quantity, validate_quantity
from core.orders.queries import get_order
from core.orders.status import change_status
from core.outbox import EventKind, emit

DEALER_ACTOR = "dealer"
# Statuses in which the dealer may still change the order (an approval step would join here).
EDITABLE_STATUSES = frozenset({OrderStatus.NEW})
# 1C has not taken the order over yet: not sent, or sent but not acknowledged.
OPEN_SYNC_STATES = frozenset({SyncState.PENDING, SyncState.EXPORTED})
MAX_REASON = 500


class OrderLocked(InvalidTransition):
    """The order is past the point where the dealer may change it (key `order.edit_closed`)."""


def is_editable(order: Order) -> bool:
    """True while the dealer may cancel the order or change its quantities."""
    return (
        order.source == OrderSource.BOT
        and order.status in EDITABLE_STATUSES
        and order.sync_state in OPEN_SYNC_STATES
    )


def may_cancel(order: Order, user: User) -> bool:
    """True when this person may cancel the order now: while it is open to the dealer, or,
    while it awaits the dealer's own approval, when they are its author (an approver rejects it
    instead, core.orders.approval)."""
    if is_editable(order):
        return True
    return (
        order.source == OrderSource.BOT
        and order.status == OrderStatus.AWAITING_APPROVAL
        and order.author_id is not None
        and order.author_id == user.id
    )


async def _take(session: AsyncSession, order: Order, values: dict[str, object]) -> None:
    """Write `values` only if the order is still editable; OrderLocked (reloaded) if not."""
    result = await session.execute(
        update(Order)
        .where(
            Order.id == order.id,
            Order.source == OrderSource.BOT,
            Order.status.in_(EDITABLE_STATUSES),
            Order.sync_state.in_(OPEN_SYNC_STATES),
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        await session.refresh(order)
        raise OrderLocked("order.edit_closed", number=order.number, status=order.status)
    for key, value in values.items():
        setattr(order, key, value)


async def cancel_order(session: AsyncSession, user: User, order_id: int, reason: str = "") -> Order:
    """The dealer cancels one of their orders before confirmation, or its author cancels it
    while it awaits the dealer's approval (may_cancel).

    OrderLocked once a manager or approver decided or 1C acknowledged it; NotFound for another
    dealer's order. The dealer's people and the manager's cards are told through the outbox.
    """
    reason = (reason or "").strip()
    if len(reason) > MAX_REASON:
        raise InvalidInput("order.cancel_reason_too_long", limit=MAX_REASON)
    order = await get_order(session, dealer_id_of(user), order_id)
    if not may_cancel(order, user):
        raise OrderLocked("order.edit_closed", number=order.number, status=order.status)
    awaiting = order.status == OrderStatus.AWAITING_APPROVAL
    if not awaiting:  # an approval-held order was never offered to 1C: nothing to take back
        await _take(session, order, {"sync_state": SyncState.PENDING, "updated_at": utcnow()})
    await change_status(  # race-safe against a manager's or an approver's decision
        session,
        order,
        OrderStatus.CANCELLED,
        actor_kind=DEALER_ACTOR,
        actor_id=user.id,
        note=reason,
    )
    if awaiting:  # kept out of 1C; the approvers' cards are redrawn, the author not told
        await session.execute(
            update(Order)
            .where(Order.id == order.id)
            .values(sync_state=SyncState.NOT_APPLICABLE)
            .execution_options(synchronize_session=False)
        )
        order.sync_state = SyncState.NOT_APPLICABLE
        emit(
            session,
            EventKind.APPROVAL_DECIDED,
            {"order_id": order.id, "approved": False, "note": reason, "cancelled": True},
            dedupe_key=f"approval-decided:{order.id}",
        )
    await session.flush()
    return order


def _new_quantity(line: OrderLine, product: Product | None, value: object) -> Decimal:
    """The validated quantity for a line; 0 removes it."""
    number = parse_quantity(value)
    if number == 0:
        return number
    unit = product if product is not None else Product(unit=line.unit, unit_code=None)
    return validate_quantity(unit, number)


async def change_quantities(
    session: AsyncSession, user: User, order_id: int, quantities: Mapping[int, object]
) -> Order:
    """Set new quantities of order lines (by line id; 0 removes the line) before confirmation.

    Prices stay those of the order. Refused, changing nothing: a line not of this order
    (NotFound), a bad quantity (InvalidInput as in the cart), every line removed
    (`order.edit_all_removed`: cancel instead), or an order no longer editable (OrderLocked).
    Returns the order; without any real change nothing is written.
    """
    order = await get_order(session, dealer_id_of(user), order_id)
    if not is_editable(order):
        raise OrderLocked("order.edit_closed", number=order.number, status=order.status)
    lines = {line.id: line for line in order.lines}
    products = {
        p.id: p
        for p in await session.scalars(
            select(Product).where(Product.id.in_({ln.product_id for ln in order.lines}))
        )
    }
    wanted: dict[int, Decimal] = {}
    for line_id, value in quantities.items():
        line = lines.get(int(line_id))
        if line is None:
            raise NotFound("order.line_not_found", line_id=line_id)
        quantity = _new_quantity(line, products.get(line.product_id or 0), value)
        if quantity != line.quantity:
            wanted[line.id] = quantity
    if not wanted:
        return order
    if all(wanted.get(line_id, line.quantity) == 0 for line_id, line in lines.items()):
        raise InvalidInput("order.edit_all_removed", number=order.number)
    now = utcnow()
    await _take(
        session,
        order,
        {
            "sync_state": SyncState.PENDING,
            "updated_at": now,
            "edited_at": now,
            "edited_by_id": user.id,
        },
    )
    # The row is ours now: read the lines again, a colleague may have changed them meanwhile.
    fresh = list(
        await session.scalars(
            select(OrderLine)
            .where(OrderLine.order_id == order.id)
            .order_by(OrderLine.line_no)
            .execution_options(populate_existing=True)
        )
    )
    kept: list[OrderLine] = []
    for line in fresh:
        quantity = wanted.get(line.id, line.quantity)
        if quantity == 0:
            await session.delete(line)
            continue
        line.quantity, line.amount = quantity, line_amount(line.price, quantity)
        kept.append(line)
    if not kept:
        raise InvalidInput("order.edit_all_removed", number=order.number)
    for n, line in enumerate(kept, start=1):
        line.line_no = n
    order.total = sum((line.amount for line in kept), Decimal("0"))
    emit(session, EventKind.ORDER_EDITED, {"order_id": order.id, "by": user.id})
    await session.flush()
    return await get_order(session, order.dealer_id, order.id, fresh=True)

"""Order status rules: which changes are allowed, and the one function that makes them."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import InvalidTransition
from core.models import Order, OrderStatus, OrderStatusEvent, utcnow
from core.outbox import EventKind, emit
from core.transitions import move_status

S = OrderStatus
ALLOWED: dict[str, set[str]] = {
    # an approver's decision (core.orders.approval), or the order withdrawn before it
    S.AWAITING_APPROVAL: {S.NEW, S.REJECTED, S.CANCELLED},
    S.NEW: {S.CONFIRMED, S.REJECTED, S.CANCELLED, S.IN_PROGRESS, S.SHIPPED, S.COMPLETED},
    S.CONFIRMED: {S.IN_PROGRESS, S.SHIPPED, S.COMPLETED, S.CANCELLED},
    S.IN_PROGRESS: {S.SHIPPED, S.COMPLETED, S.CANCELLED},
    S.SHIPPED: {S.COMPLETED},
    S.REJECTED: set(),
    S.CANCELLED: set(),
    S.COMPLETED: set(),
}
# Statuses at or past confirmation: a claim may be filed against these.
CONFIRMED_OR_LATER = frozenset({S.CONFIRMED, S.IN_PROGRESS, S.SHIPPED, S.COMPLETED})


async def change_status(
    session: AsyncSession,
    order: Order,
    to_status: str,
    *,
    actor_kind: str,
    actor_id: int | None = None,
    note: str = "",
    notify_dealer: bool = True,
) -> bool:
    """Move `order` to `to_status`, race-safely; returns False if it already was there.

    The row is updated only if it still has the status this session read, so of two managers
    pressing Confirm at once exactly one wins; the loser gets InvalidTransition with the status
    the winner set. A status event is recorded and, unless told not to, the dealer is notified
    through the outbox.
    """
    to_status = OrderStatus(to_status)
    current = order.status
    if current == to_status:
        return False
    if to_status not in ALLOWED[current]:
        raise InvalidTransition("order.bad_transition", number=order.number, status=current)
    now = utcnow()
    values: dict[str, object] = {"status": to_status, "updated_at": now}
    if to_status == S.CONFIRMED:
        values.update(confirmed_at=now, confirmed_by_id=actor_id)
    if to_status == S.REJECTED:
        values["rejected_reason"] = note
    await move_status(session, order, current, values, error_key="order.already_changed")
    session.add(
        OrderStatusEvent(
            order_id=order.id,
            from_status=current,
            to_status=to_status,
            actor_id=actor_id,
            actor_kind=actor_kind,
            note=note,
            at=now,
        )
    )
    if notify_dealer:
        emit(
            session,
            EventKind.ORDER_STATUS,
            {"order_id": order.id, "from": current, "to": to_status, "note": note},
        )
    return True

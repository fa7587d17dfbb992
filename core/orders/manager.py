"""What managers do with orders: confirm or reject, logged for the per-manager metrics."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from core.access.scope import require_order_in_scope
from core.errors import Forbidden, InvalidInput, InvalidTransition
from core.models import ManagerAction, Order, OrderStatus, Role, User
from core.orders.status import change_status

STAFF_ROLES = frozenset({Role.MANAGER, Role.ADMIN})
MAX_REASON = 500


def require_staff(actor: User) -> None:
    """Only managers and admins act on orders and claims."""
    if actor.role not in STAFF_ROLES or not actor.is_active:
        raise Forbidden("staff.only")


def _require_moved(order: Order, moved: bool) -> None:
    """A decision on an order someone already moved to that status is the race's loser: the
    winner committed before this session read the row, so there is nothing to decide."""
    if not moved:
        raise InvalidTransition("order.already_changed", number=order.number, status=order.status)


async def confirm_order(
    session: AsyncSession, order_id: int, actor: User, *, channel: str = "bot"
) -> Order:
    """Confirm a new order of a dealer in the actor's scope (Forbidden `access.denied` for any
    other, existing or not); of two managers at once, one wins and the other gets an error."""
    require_staff(actor)
    order = await require_order_in_scope(session, actor, order_id)  # the manager's dealers
    moved = await change_status(
        session, order, OrderStatus.CONFIRMED, actor_kind=actor.role, actor_id=actor.id
    )
    _require_moved(order, moved)
    session.add(
        ManagerAction(user_id=actor.id, action="order.confirm", order_id=order.id, channel=channel)
    )
    await session.flush()
    return order


async def reject_order(
    session: AsyncSession, order_id: int, actor: User, reason: str, *, channel: str = "bot"
) -> Order:
    """Reject a new order with a reason the dealer will read."""
    require_staff(actor)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("order.reject_reason_required")
    if len(reason) > MAX_REASON:
        raise InvalidInput("order.reject_reason_too_long", limit=MAX_REASON)
    order = await require_order_in_scope(session, actor, order_id)  # the manager's dealers
    moved = await change_status(
        session, order, OrderStatus.REJECTED, actor_kind=actor.role, actor_id=actor.id, note=reason
    )
    _require_moved(order, moved)
    session.add(
        ManagerAction(user_id=actor.id, action="order.reject", order_id=order.id, channel=channel)
    )
    await session.flush()
    return order

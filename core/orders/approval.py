"""Orders above the dealer's approval threshold: held "на согласовании" until an approver decides.

The rule: a buyer's order whose total is above the threshold (the legal entity's when it has
one, else the dealer's; none = no approval) is placed with status `awaiting_approval` and sync
state `awaiting_approval` — no manager card, not offered to 1C (core.orders.onec_sync skips it).
The dealer's approvers get it in the bot with Approve / Reject. The first decision wins, race-safely
(core.transitions.move_status); every later tap, by the same or another approver, changes
nothing and learns who decided. Approved: status `new`, and only then "notify manager" and
"export to 1C" are queued, exactly once (dedupe keys). Rejected: status `rejected` with the
reason, never exported; the buyer is told the reason. Both go through the outbox.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.dealers.roles import may_approve, needs_no_approval
from core.errors import Forbidden, InvalidInput, InvalidTransition, NotFound
from core.models import (
    Dealer,
    LegalEntity,
    Order,
    OrderStatus,
    OrderStatusEvent,
    SyncState,
    User,
    utcnow,
)
from core.orders.status import change_status
from core.outbox import EventKind, emit

APPROVER = "approver"  # actor_kind of the status events an approver makes
MAX_REASON = 500
# where an order waiting for approval can go: approved (new), rejected, cancelled
DECIDED = {
    OrderStatus.NEW: "approved",
    OrderStatus.REJECTED: "rejected",
    OrderStatus.CANCELLED: "cancelled",
}


def threshold_for(dealer: Dealer, entity: LegalEntity | None) -> Decimal | None:
    """The approval threshold of an order for `entity` of `dealer` (None: no approval)."""
    if entity is not None and entity.approval_threshold is not None:
        return entity.approval_threshold
    return dealer.approval_threshold


def needs_approval(user: User, dealer: Dealer, entity: LegalEntity | None, total: Decimal) -> bool:
    """True for a buyer's order whose total is above the threshold."""
    threshold = threshold_for(dealer, entity)
    return threshold is not None and total > threshold and not needs_no_approval(user)


def hold_for_approval(session: AsyncSession, order: Order) -> None:
    """Queue the approvers' cards of an order placed awaiting approval (called by placement)."""
    emit(
        session,
        EventKind.APPROVAL_REQUESTED,
        {"order_id": order.id},
        dedupe_key=f"approval-request:{order.id}",
    )


@dataclass(frozen=True)
class Outcome:
    """Where an order's approval stands after a tap.

    `changed` is True only for the tap that made the decision; `decision` is approved,
    rejected or cancelled (None while it still waits); `by` names who decided.
    """

    order: Order
    changed: bool
    decision: str | None
    by: str
    at: datetime | None
    note: str = ""


async def _name(session: AsyncSession, user_id: int | None) -> str:
    user = await session.get(User, user_id) if user_id else None
    if user is None:
        return "—"
    return user.full_name or (f"@{user.username}" if user.username else f"#{user.id}")


async def outcome(session: AsyncSession, order: Order, *, changed: bool = False) -> Outcome:
    """The order's approval decision as stored (the status event that left awaiting_approval)."""
    if order.status == OrderStatus.AWAITING_APPROVAL:
        return Outcome(order, False, None, "", None)
    event = await session.scalar(
        select(OrderStatusEvent)
        .where(
            OrderStatusEvent.order_id == order.id,
            OrderStatusEvent.from_status == OrderStatus.AWAITING_APPROVAL,
        )
        .order_by(OrderStatusEvent.id)
        .limit(1)
    )
    if event is None:
        return Outcome(order, changed, None, "—", None)
    return Outcome(
        order,
        changed,
        DECIDED.get(OrderStatus(event.to_status)),
        await _name(session, event.actor_id),
        event.at,
        event.note,
    )


async def _order_for(session: AsyncSession, order_id: int, actor: User) -> Order:
    order = await session.get(Order, order_id)
    if order is None or order.dealer_id != actor.dealer_id:
        raise NotFound("order.not_found")
    return order


async def _decide(
    session: AsyncSession, order_id: int, actor: User, to_status: OrderStatus, note: str
) -> Outcome:
    order = await _order_for(session, order_id, actor)
    if order.status != OrderStatus.AWAITING_APPROVAL:
        return await outcome(session, order)
    if not may_approve(actor, order) or order.credit_hold == "held":
        # a credit hold is the distributor's manager's decision, never the dealer's approver's
        raise Forbidden("approval.not_allowed")
    try:
        await change_status(
            session,
            order,
            to_status,
            actor_kind=APPROVER,
            actor_id=actor.id,
            note=note,
            notify_dealer=False,
        )
    except InvalidTransition:
        # Another approver (or the other tap of a double tap) decided first: say who.
        return await outcome(session, order)
    approved = to_status == OrderStatus.NEW
    credit_next = approved and order.credit_hold == "pending"  # the manager's credit hold next
    sync = SyncState.PENDING if approved else SyncState.NOT_APPLICABLE
    if credit_next:
        sync = SyncState.AWAITING_APPROVAL
    await session.execute(
        update(Order)
        .where(Order.id == order.id)
        .values(sync_state=sync, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    order.sync_state = sync
    if credit_next:
        await session.execute(
            update(Order)
            .where(Order.id == order.id)
            .values(credit_hold="held")
            .execution_options(synchronize_session=False)
        )
        order.credit_hold = "held"
        emit(
            session,
            EventKind.CREDIT_HOLD,
            {"order_id": order.id},
            dedupe_key=f"credit-hold:{order.id}",
        )
    elif approved:
        # Exactly once, whatever taps come later: the same dedupe keys as a plain placement.
        emit(
            session, EventKind.ORDER_PLACED, {"order_id": order.id}, dedupe_key=f"placed:{order.id}"
        )
        emit(
            session, EventKind.ORDER_EXPORT, {"order_id": order.id}, dedupe_key=f"export:{order.id}"
        )
    emit(
        session,
        EventKind.APPROVAL_DECIDED,
        {"order_id": order.id, "approved": approved, "note": note},
        dedupe_key=f"approval-decided:{order.id}",
    )
    await session.flush()
    return await outcome(session, order, changed=True)


async def approve_order(session: AsyncSession, order_id: int, actor: User) -> Outcome:
    """Approve an order waiting for approval: it goes on to the manager and 1C."""
    return await _decide(session, order_id, actor, OrderStatus.NEW, "")


async def reject_by_approver(
    session: AsyncSession, order_id: int, actor: User, reason: str
) -> Outcome:
    """Reject an order waiting for approval with a reason the buyer will read."""
    reason = " ".join((reason or "").split())
    if not reason:
        raise InvalidInput("approval.reason_required")
    if len(reason) > MAX_REASON:
        raise InvalidInput("approval.reason_too_long", limit=MAX_REASON)
    return await _decide(session, order_id, actor, OrderStatus.REJECTED, reason)


async def check_can_decide(session: AsyncSession, order_id: int, actor: User) -> Outcome:
    """Before asking an approver for a rejection reason: the order's state (Forbidden if they
    may not decide on it)."""
    order = await _order_for(session, order_id, actor)
    if order.status == OrderStatus.AWAITING_APPROVAL and not may_approve(actor, order):
        raise Forbidden("approval.not_allowed")
    return await outcome(session, order)

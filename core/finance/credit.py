"""Credit control at checkout, and the manager's decision on an order held for credit.

The rule: an order is over credit when its total exceeds the free limit (1C's limit less debt)
or the contract has overdue debt. Per the dealer's `credit_policy`:
- warn: the dealer is told before confirming, the order goes normally;
- hold: the dealer is told before confirming; the order is placed "на согласовании" with
  `credit_hold = "held"` (a credit hold decided by the distributor's MANAGER, not by the dealer's
  approver), sync state `awaiting_approval`, so 1C's `sale query` does not offer it. The manager
  gets a card with Approve / Reject (manager scope, core.access); approved -> status new and
  "notify manager" + "export to 1C" queued exactly once (dedupe keys); rejected -> rejected;
- block: the dealer is told, the order is not placed (InvalidInput "credit.blocked").
No figures from 1C for the dealer/entity: no check. An order that also needs the dealer's own
approval goes to the dealer's approver first, then to the manager's credit decision.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from core.access.scope import require_order_in_scope
from core.errors import InvalidInput
from core.finance.positions import CreditPosition, credit_position
from core.models import (
    CreditPolicy,
    Dealer,
    ManagerAction,
    Order,
    OrderStatus,
    SyncState,
    User,
    utcnow,
)
from core.orders.manager import require_staff
from core.orders.status import change_status
from core.outbox import EventKind, emit

# orders.credit_hold: PENDING waits for the dealer's approver first, HELD for the manager
PENDING, HELD, APPROVED, REJECTED = "pending", "held", "approved", "rejected"
ZERO = Decimal("0")
# the note of the status event the dealer is told (stored text, like a manager's typed reason)
CREDIT_APPROVED_NOTE = "Одобрено менеджером поставщика (кредитный лимит)"


@dataclass(frozen=True)
class CreditCheck:
    """An order's total against the position; `policy` is what follows when `exceeded`."""

    position: CreditPosition
    total: Decimal
    policy: str

    @property
    def over_limit(self) -> bool:
        """The order would exceed the free limit."""
        return self.total > self.position.free_limit

    @property
    def has_overdue(self) -> bool:
        """The contract has overdue debt."""
        return self.position.overdue > ZERO

    @property
    def exceeded(self) -> bool:
        """Either of the two."""
        return self.over_limit or self.has_overdue

    @property
    def holds(self) -> bool:
        """Placed, but held for the manager."""
        return self.exceeded and self.policy == CreditPolicy.HOLD

    @property
    def blocks(self) -> bool:
        """Not placed at all."""
        return self.exceeded and self.policy == CreditPolicy.BLOCK


async def check_credit(
    session: AsyncSession, dealer: Dealer, legal_entity_id: int | None, total: Decimal
) -> CreditCheck | None:
    """The credit check of an order of `total` (None: 1C sent no figures, nothing to check)."""
    position = await credit_position(session, dealer.id, legal_entity_id)
    if position is None:
        return None
    policy = dealer.credit_policy if dealer.credit_policy in set(CreditPolicy) else "warn"
    return CreditCheck(position, total, policy)


def hold_for_credit(session: AsyncSession, order: Order) -> None:
    """Queue the manager's credit card of an order held for credit (exactly once)."""
    emit(
        session,
        EventKind.CREDIT_HOLD,
        {"order_id": order.id},
        dedupe_key=f"credit-hold:{order.id}",
    )


async def _take(session: AsyncSession, order: Order, to: str) -> bool:
    """Move credit_hold from held to `to` if it is still held (one winner of two taps)."""
    result = await session.execute(
        update(Order)
        .where(Order.id == order.id, Order.credit_hold == HELD)
        .values(credit_hold=to, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    won = bool(getattr(result, "rowcount", 0))
    await session.refresh(order)
    return won


async def approve_credit(session: AsyncSession, order_id: int, actor: User) -> tuple[Order, bool]:
    """The manager lets a credit-held order go on: to the manager's queue and to 1C, once.

    Returns the order and whether this call decided (False: someone decided before).
    """
    require_staff(actor)
    order = await require_order_in_scope(session, actor, order_id)
    if order.credit_hold != HELD:
        return order, False
    if not await _take(session, order, APPROVED):
        return order, False
    if order.status == OrderStatus.AWAITING_APPROVAL:
        await change_status(
            session,
            order,
            OrderStatus.NEW,
            actor_kind=actor.role,
            actor_id=actor.id,
            note=CREDIT_APPROVED_NOTE,
            notify_dealer=True,
        )
    await session.execute(
        update(Order)
        .where(Order.id == order.id)
        .values(sync_state=SyncState.PENDING)
        .execution_options(synchronize_session=False)
    )
    order.sync_state = SyncState.PENDING
    emit(session, EventKind.ORDER_PLACED, {"order_id": order.id}, dedupe_key=f"placed:{order.id}")
    emit(session, EventKind.ORDER_EXPORT, {"order_id": order.id}, dedupe_key=f"export:{order.id}")
    session.add(ManagerAction(user_id=actor.id, action="order.credit_approve", order_id=order.id))
    await session.flush()
    return order, True


async def reject_credit(
    session: AsyncSession, order_id: int, actor: User, reason: str
) -> tuple[Order, bool]:
    """The manager refuses a credit-held order; the dealer reads the reason."""
    require_staff(actor)
    reason = " ".join((reason or "").split())
    if not reason:
        raise InvalidInput("order.reject_reason_required")
    order = await require_order_in_scope(session, actor, order_id)
    if order.credit_hold != HELD or not await _take(session, order, REJECTED):
        return order, False
    await change_status(
        session, order, OrderStatus.REJECTED, actor_kind=actor.role, actor_id=actor.id, note=reason
    )
    await session.execute(
        update(Order)
        .where(Order.id == order.id)
        .values(sync_state=SyncState.NOT_APPLICABLE)
        .execution_options(synchronize_session=False)
    )
    order.sync_state = SyncState.NOT_APPLICABLE
    session.add(ManagerAction(user_id=actor.id, action="order.credit_reject", order_id=order.id))
    await session.flush()
    return order, True

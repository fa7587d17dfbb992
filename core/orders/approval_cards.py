"""Who is told what about an order waiting for approval, and what its card says, as plain data.

- "approval requested" -> an approval card (Approve / Reject) to each approver of the dealer who
  can be reached in Telegram (core.dealers.roles.approvers; never the author);
- "approval decided" -> a notice to the author (approved, or rejected with the reason), and an
  edit of every approval card already sent, so each approver sees who decided.

The bot renders the rows (bot/outbound.py); integrations/telegram delivers them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.dealers.roles import approvers
from core.models import (
    Dealer,
    Delivery,
    DeliveryState,
    LegalEntity,
    Order,
    OrderStatus,
    OutboxEvent,
    User,
)
from core.notifications import CARD_EDIT
from core.orders.approval import Outcome, outcome, threshold_for
from core.outbox import EventKind

APPROVAL_CARD = "approval.card"  # an order for the dealer's approvers, with Approve / Reject
APPROVAL_NOTICE = "approval.notice"  # the decision, to the order's author
APPROVAL_EVENTS = (EventKind.APPROVAL_REQUESTED, EventKind.APPROVAL_DECIDED)


def _reachable(user: User | None) -> bool:
    return (
        user is not None
        and user.is_active
        and user.telegram_id is not None
        and user.blocked_bot_at is None
    )


def _row(
    event: OutboxEvent, kind: str, user: User, order: Order, at: datetime, **kw: object
) -> Delivery:
    assert user.telegram_id is not None
    return Delivery(
        kind=kind,
        dedupe_key=f"{event.id}:{kind}:{user.telegram_id}",
        outbox_id=event.id,
        chat_id=user.telegram_id,
        user_id=user.id,
        order_id=order.id,
        locale=user.language,
        available_at=at,
        **kw,
    )


async def approval_deliveries(
    session: AsyncSession, event: OutboxEvent, now: datetime
) -> list[Delivery]:
    """The delivery rows of an approval event (added to the session by the caller)."""
    order = await session.get(Order, int(event.payload["order_id"]))
    if order is None:
        return []
    rows: list[Delivery] = []
    if event.kind == EventKind.APPROVAL_REQUESTED:
        for person in await approvers(session, order):
            if _reachable(person):
                rows.append(_row(event, APPROVAL_CARD, person, order, now))
        return rows
    author = await session.get(User, order.author_id) if order.author_id else None
    if _reachable(author) and not event.payload.get("cancelled"):  # the author cancelled it
        assert author is not None
        params = {
            "approved": bool(event.payload.get("approved")),
            "note": event.payload.get("note", ""),
        }
        rows.append(_row(event, APPROVAL_NOTICE, author, order, now, params=params))
    cards = await session.scalars(
        select(Delivery)
        .where(
            Delivery.order_id == order.id,
            Delivery.kind == APPROVAL_CARD,
            Delivery.state == DeliveryState.SENT,
        )
        .order_by(Delivery.id)
    )
    for card in cards:
        rows.append(
            Delivery(
                kind=CARD_EDIT,
                dedupe_key=f"{event.id}:{CARD_EDIT}:{card.id}",
                outbox_id=event.id,
                chat_id=card.chat_id,
                user_id=card.user_id,
                order_id=order.id,
                locale=card.locale,
                available_at=now,
                params={"card_id": card.id, "message_id": card.message_id, "of": APPROVAL_CARD},
            )
        )
    return rows


@dataclass(frozen=True)
class ApprovalInfo:
    """What an approver reads beside the order's lines: who placed it, against which threshold,
    and the decision once there is one."""

    order_id: int
    number: str
    status: str
    author: str
    threshold: Decimal | None
    outcome: Outcome

    @property
    def is_open(self) -> bool:
        """True while an approver may still decide."""
        return self.status == OrderStatus.AWAITING_APPROVAL


async def approval_info(session: AsyncSession, order_id: int) -> ApprovalInfo | None:
    """The approval side of an order's card, or None if the order is gone."""
    order = await session.get(Order, order_id)
    if order is None:
        return None
    dealer = await session.get(Dealer, order.dealer_id)
    entity = (
        await session.get(LegalEntity, order.legal_entity_id) if order.legal_entity_id else None
    )
    author = await session.get(User, order.author_id) if order.author_id else None
    name = "—"
    if author is not None:
        name = author.full_name or (f"@{author.username}" if author.username else f"#{author.id}")
    return ApprovalInfo(
        order_id=order.id,
        number=order.number,
        status=order.status,
        author=name,
        threshold=threshold_for(dealer, entity) if dealer is not None else None,
        outcome=await outcome(session, order),
    )

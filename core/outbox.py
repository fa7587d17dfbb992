"""The outbox: events written in the same transaction as the change that caused them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core import crm_events
from core.models import OutboxEvent, utcnow


class EventKind:
    """Names of outbox events (the sender and the 1C writer dispatch on these)."""

    ORDER_PLACED = "order.placed"  # notify the manager(s)
    ORDER_STATUS = "order.status"  # notify the dealer
    ORDER_EDITED = "order.edited"  # the dealer changed quantities: redraw the manager's cards
    ORDER_EXPORT = "order.export_1c"  # offer to 1C
    CLAIM_FILED = "claim.filed"  # notify the manager(s)
    CLAIM_STATUS = "claim.status"  # notify the dealer
    APPLICATION_APPROVED = "application.approved"  # send the applicant their invitation link
    APPLICATION_REJECTED = "application.rejected"  # tell the applicant why not
    APPROVAL_REQUESTED = "order.approval_requested"  # the dealer's approvers get Approve / Reject
    APPROVAL_DECIDED = "order.approval_decided"  # tell the buyer; update the approvers' cards
    CREDIT_HOLD = "order.credit_hold"  # an order held for credit: the manager's Approve / Reject
    STOCK_BACK = "alert.stock_back"  # tell a person their awaited items are in stock
    PRICE_DROP = "alert.price_drop"  # tell a dealer's opted-in people their items got cheaper
    ORDER_SHIPMENT = "order.shipment"  # 1C pushed a shipment document of an order: tell the dealer
    CONTACT_LOGGED = "contact.logged"  # a manager logged a dealer's call/e-mail (CRM activity)


def emit(
    session: AsyncSession,
    kind: str,
    payload: dict[str, Any],
    *,
    dedupe_key: str | None = None,
    available_at: datetime | None = None,
) -> OutboxEvent:
    """Add an event to the session; it is stored when the caller commits."""
    from core import sandbox  # core.sandbox imports the models this module does

    event = OutboxEvent(
        is_sandbox=sandbox.active(),
        kind=kind,
        payload=payload,
        dedupe_key=dedupe_key,
        available_at=available_at or utcnow(),
    )
    session.add(event)
    crm_events.follow(session, kind, payload, dedupe_key)
    return event


async def pending(session: AsyncSession, kind: str | None = None) -> list[OutboxEvent]:
    """Events not yet delivered, oldest first."""
    query = select(OutboxEvent).where(OutboxEvent.state == "pending").order_by(OutboxEvent.id)
    if kind is not None:
        query = query.where(OutboxEvent.kind == kind)
    return list((await session.scalars(query)).all())

"""The dealer told of a shipment: one delivery per reachable person of the order's dealer."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from core.models import Delivery, FinanceDocument, Order, OutboxEvent

SHIPMENT_NOTICE = "order.shipment"  # delivery kind: a shipment document of the dealer's order


async def shipment_deliveries(
    session: AsyncSession, event: OutboxEvent, now: datetime
) -> list[Delivery]:
    """Deliveries of an `order.shipment` event (none when the order or document is gone)."""
    from core.notifications import _delivery, dealer_recipients

    order = await session.get(Order, int(event.payload["order_id"]))
    document = await session.get(FinanceDocument, int(event.payload["document_id"]))
    if order is None or document is None or document.dealer_id != order.dealer_id:
        return []
    params = {"document_id": document.id}
    return [
        _delivery(event, SHIPMENT_NOTICE, to, at=now, order_id=order.id, params=params)
        for to in await dealer_recipients(session, order.dealer_id)
    ]

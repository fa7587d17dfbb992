"""The morning digest: after-hours orders held for the start of the next working day.

When the after-hours policy is `digest`, the manager cards of an order placed outside working
time are stored as held deliveries due at the next working start (core.notifications.fan_out).
At that moment `release_digest` opens the digest in each chat with a header listing the orders
and releases their cards (same buttons as ever); an order someone already handled overnight
is not sent again.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.models import Delivery, DeliveryState, Order, OrderStatus, utcnow
from core.notifications import DIGEST_HEADER, ORDER_CARD


async def held_orders(session: AsyncSession, until: datetime | None = None) -> list[Order]:
    """Orders with manager cards still held (due by `until` when given), oldest first."""
    query = (
        select(Order)
        .join(Delivery, Delivery.order_id == Order.id)
        .where(Delivery.kind == ORDER_CARD, Delivery.state == DeliveryState.HELD)
        .order_by(Order.placed_at, Order.id)
        .distinct()
    )
    if until is not None:
        query = query.where(Delivery.available_at <= until)
    return list(await session.scalars(query))


async def release_digest(session: AsyncSession, now: datetime | None = None) -> list[Delivery]:
    """Release the held cards due by `now`: a header per chat, then the cards; returns headers.

    The header is due a moment before its cards so that each chat reads it first.
    """
    now = now or utcnow()
    due = list(
        await session.scalars(
            select(Delivery)
            .where(
                Delivery.kind == ORDER_CARD,
                Delivery.state == DeliveryState.HELD,
                Delivery.available_at <= now,
            )
            .order_by(Delivery.id)
            .with_for_update()
        )
    )
    if not due:
        return []
    statuses = dict(
        (
            await session.execute(
                select(Order.id, Order.status).where(
                    Order.id.in_({row.order_id for row in due if row.order_id})
                )
            )
        ).all()
    )
    by_chat: dict[int, list[Delivery]] = defaultdict(list)
    for row in due:
        if row.order_id is not None and statuses.get(row.order_id) == OrderStatus.NEW:
            row.state, row.available_at = DeliveryState.QUEUED, now
            by_chat[row.chat_id].append(row)
        else:
            row.state, row.error = DeliveryState.SKIPPED, "handled before the digest"
    headers = [
        Delivery(
            kind=DIGEST_HEADER,
            dedupe_key=f"digest:{chat_id}:{now.isoformat()}",
            chat_id=chat_id,
            user_id=rows[0].user_id,
            locale=rows[0].locale,
            params={"order_ids": [row.order_id for row in rows]},
            available_at=now - timedelta(seconds=1),
        )
        for chat_id, rows in by_chat.items()
    ]
    session.add_all(headers)
    await session.flush()
    return headers

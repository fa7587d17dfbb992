"""Alerts a dealer person asks for: "tell me when it is back in stock" and price drops.

- A person asks for an item without stock (`subscribe`). After each 1C offers import,
  `after_exchange` finds the waiting alerts whose item now has stock, ends them and emits one
  outbox event per person (listing their items), in one transaction: a second exchange or a
  restart finds nothing left to tell.
- A person opts in to price drops (`set_price_drops`). After each import the items of their
  dealer's orders of the last RECENT_DAYS days are compared with the price the dealer was last
  measured against (`PriceMark`, or the price paid when there is none yet); a lower price is a
  drop, told once: the mark moves to the new price in the same transaction.

The Telegram sender turns the events into one message per person (`alert_deliveries`), within
its limits, like every other notice.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.access import check_person
from core.catalog.lookup import product_by_id
from core.catalog.offers import load_offers
from core.db import is_postgres
from core.dealers.service import dealer_id_of
from core.errors import NotFound
from core.models import (
    AlertPreference,
    Dealer,
    Delivery,
    Order,
    OrderLine,
    OutboxEvent,
    Price,
    PriceMark,
    Product,
    StockAlert,
    User,
    utcnow,
)
from core.outbox import EventKind, emit

RECENT_DAYS = 90
STOCK_NOTICE = "alert.stock"  # delivery kinds the Telegram sender renders
PRICE_NOTICE = "alert.price"
ALERT_EVENTS = (EventKind.STOCK_BACK, EventKind.PRICE_DROP)
MAX_ITEMS = 20  # items listed in one message
_LOCK_KEY = 15_0005  # pg_advisory_xact_lock: one alert pass at a time


async def subscribe(session: AsyncSession, user: User, product_id: int) -> str:
    """Ask to be told when the item is in stock: "created", "already" (waiting) or "in_stock"
    (nothing to wait for; no alert). Raises NotFound `cart.unknown_product`, and Forbidden
    for a person bound to no dealer."""
    dealer_id_of(user)
    product = await product_by_id(session, product_id)
    if product is None:
        raise NotFound("cart.unknown_product", product_id=product_id)
    offer = (await load_offers(session, [product.id], None))[product.id]
    if offer.stock_total > 0:
        return "in_stock"
    alert = await session.scalar(
        select(StockAlert).where(StockAlert.user_id == user.id, StockAlert.product_id == product.id)
    )
    if alert is not None and alert.notified_at is None:
        return "already"
    if alert is None:
        session.add(StockAlert(user_id=user.id, product_id=product.id))
    else:  # told before; waiting again
        alert.notified_at, alert.created_at = None, utcnow()
    await session.flush()
    return "created"


async def price_drops_enabled(session: AsyncSession, user: User) -> bool:
    """Whether the person gets price-drop alerts."""
    pref = await session.get(AlertPreference, user.id)
    return bool(pref and pref.price_drops)


async def set_price_drops(session: AsyncSession, user: User, enabled: bool) -> None:
    """Turn price-drop alerts on or off. Turning on measures the dealer's recent items at
    today's prices, so only drops from now on are told. Flushed, not committed."""
    dealer_id = dealer_id_of(user)
    pref = await session.get(AlertPreference, user.id)
    if pref is None:
        pref = AlertPreference(user_id=user.id)
        session.add(pref)
    pref.price_drops, pref.updated_at = enabled, utcnow()
    if enabled:
        await _measure(session, {dealer_id}, utcnow(), tell=False)
    await session.flush()


async def after_exchange(session: AsyncSession, now: datetime | None = None) -> dict[str, int]:
    """After a 1C offers import: end the alerts whose items are back and emit their events;
    emit price drops. Flushed, not committed (the caller commits both at once)."""
    now = now or utcnow()
    if is_postgres(session):
        await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
    back = await _stock_back(session, now)
    dealers = set(
        await session.scalars(
            select(User.dealer_id)
            .join(AlertPreference, AlertPreference.user_id == User.id)
            .where(
                AlertPreference.price_drops.is_(True),
                User.is_active.is_(True),
                User.dealer_id.is_not(None),
            )
        )
    )
    drops = await _measure(session, {d for d in dealers if d is not None}, now, tell=True)
    await session.flush()
    return {"stock_back": back, "price_drops": drops}


async def _stock_back(session: AsyncSession, now: datetime) -> int:
    waiting = (
        await session.execute(
            select(StockAlert.id, StockAlert.user_id, StockAlert.product_id)
            .join(Product, Product.id == StockAlert.product_id)
            .where(StockAlert.notified_at.is_(None), Product.is_active.is_(True))
            .order_by(StockAlert.id)
        )
    ).all()
    if not waiting:
        return 0
    offers = await load_offers(session, {pid for _, _, pid in waiting}, None)
    by_user: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for alert_id, user_id, pid in waiting:
        if offers[pid].stock_total > 0:
            by_user[user_id].append((alert_id, pid))
    told = 0
    for user_id, items in by_user.items():
        ids = [alert_id for alert_id, _ in items]
        ended = await session.execute(
            update(StockAlert)
            .where(StockAlert.id.in_(ids), StockAlert.notified_at.is_(None))
            .values(notified_at=now)
            .returning(StockAlert.product_id)
            .execution_options(synchronize_session=False)
        )
        product_ids = sorted(ended.scalars())
        if product_ids:
            emit(session, EventKind.STOCK_BACK, {"user_id": user_id, "product_ids": product_ids})
            told += len(product_ids)
    return told


async def _measure(
    session: AsyncSession, dealer_ids: set[int], now: datetime, *, tell: bool
) -> int:
    """Compare the dealers' recent items with their marks, move the marks to today's prices,
    and (if `tell`) emit one event per dealer listing the drops; returns the drops."""
    if not dealer_ids:
        return 0
    dealers = sorted(dealer_ids)
    price_types = dict(
        (
            await session.execute(
                select(Dealer.id, Dealer.price_type_id).where(Dealer.id.in_(dealers))
            )
        ).all()
    )
    paid: dict[tuple[int, int], Decimal] = {}
    lines = await session.execute(
        select(Order.dealer_id, OrderLine.product_id, OrderLine.price)
        .join(OrderLine, OrderLine.order_id == Order.id)
        .where(
            Order.dealer_id.in_(dealers),
            Order.placed_at >= now - timedelta(days=RECENT_DAYS),
            OrderLine.product_id.is_not(None),
        )
        .order_by(Order.placed_at.desc(), OrderLine.id.desc())
    )
    for dealer_id, pid, price in lines:
        if pid is not None:
            paid.setdefault((dealer_id, pid), price)  # the latest order's price
    if not paid:
        return 0
    products = sorted({pid for _, pid in paid})
    current: dict[tuple[int, int], tuple[Decimal, str]] = {}
    for pid, type_id, value, currency in await session.execute(
        select(Price.product_id, Price.price_type_id, Price.value, Price.currency)
        .join(Product, Product.id == Price.product_id)
        .where(
            Price.product_id.in_(products),
            Price.price_type_id.in_({t for t in price_types.values() if t is not None}),
            Product.is_active.is_(True),
        )
    ):
        current[(type_id, pid)] = (value, currency)
    marks = {
        (m.dealer_id, m.product_id): m
        for m in await session.scalars(select(PriceMark).where(PriceMark.dealer_id.in_(dealers)))
    }
    drops: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for (dealer_id, pid), price_paid in sorted(paid.items()):
        now_price = current.get((price_types.get(dealer_id), pid))  # type: ignore[arg-type]
        if now_price is None:
            continue
        value, currency = now_price
        mark = marks.get((dealer_id, pid))
        before = mark.price if mark is not None else price_paid
        if value < before:
            drops[dealer_id].append(
                {"product_id": pid, "old": str(before), "new": str(value), "currency": currency}
            )
        if mark is None:
            session.add(PriceMark(dealer_id=dealer_id, product_id=pid, price=value, updated_at=now))
        elif mark.price != value:
            mark.price, mark.updated_at = value, now
    if not tell:
        return 0
    for dealer_id, items in drops.items():
        emit(session, EventKind.PRICE_DROP, {"dealer_id": dealer_id, "drops": items})
    return sum(len(items) for items in drops.values())


def _reachable(query: Any) -> Any:
    return query.where(
        User.is_active.is_(True), User.telegram_id.is_not(None), User.blocked_bot_at.is_(None)
    )


async def alert_deliveries(
    session: AsyncSession, event: OutboxEvent, *, now: datetime
) -> list[Delivery]:
    """The delivery rows of an alert event: the person who asked, or the dealer's opted-in
    people (added to the session, not committed)."""
    payload = event.payload
    if event.kind == EventKind.STOCK_BACK:
        people = list(
            await session.scalars(
                _reachable(select(User).where(User.id == int(payload["user_id"])))
            )
        )
        kind, params = STOCK_NOTICE, {"product_ids": list(payload["product_ids"])[:MAX_ITEMS]}
    elif event.kind == EventKind.PRICE_DROP:
        people = list(
            await session.scalars(
                _reachable(
                    select(User)
                    .join(AlertPreference, AlertPreference.user_id == User.id)
                    .where(
                        User.dealer_id == int(payload["dealer_id"]),
                        AlertPreference.price_drops.is_(True),
                    )
                ).order_by(User.id)
            )
        )
        kind, params = PRICE_NOTICE, {"drops": list(payload["drops"])[:MAX_ITEMS]}
    else:
        return []
    # Prices and stock go only to people who may see them now (core.access: not revoked, dealer
    # not paused); the alert of a paused dealer's person ends unsent.
    people = [p for p in people if (await check_person(session, p, None)).allowed]
    rows = [
        Delivery(
            kind=kind,
            dedupe_key=f"{event.id}:{kind}:{person.telegram_id}",
            outbox_id=event.id,
            chat_id=person.telegram_id,
            user_id=person.id,
            locale=person.language,
            available_at=now,
            params=params,
        )
        for person in people
        if person.telegram_id is not None
    ]
    session.add_all(rows)
    return rows

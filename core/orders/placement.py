"""Placing an order from a cart: one transaction, idempotent on the caller's request key."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from core import sandbox
from core.calendar import WorkingCalendar
from core.catalog.offers import load_offers
from core.dealers.features import AFTER_HOURS_ORDERS, feature_enabled
from core.dealers.service import dealer_id_of, get_dealer, legal_entities, legal_entity_for
from core.display import money
from core.errors import InvalidInput
from core.finance.credit import HELD as CREDIT_HELD
from core.finance.credit import PENDING as CREDIT_PENDING
from core.finance.credit import check_credit, hold_for_credit
from core.finance.prices import price_type_for
from core.models import (
    CartLine,
    LegalEntity,
    Order,
    OrderLine,
    OrderSource,
    OrderStatus,
    OrderStatusEvent,
    Product,
    SyncState,
    User,
    utcnow,
)
from core.orders.approval import hold_for_approval, needs_approval
from core.orders.cart import cart_lines, line_amount, lock_cart
from core.orders.numbers import order_number, provisional_number
from core.outbox import EventKind, emit

MAX_COMMENT = 1000
MAX_PO = 64


async def _existing(session: AsyncSession, request_key: str, dealer_id: int) -> Order | None:
    order = await session.scalar(
        select(Order).where(Order.request_key == request_key).options(selectinload(Order.lines))
    )
    if order is not None and order.dealer_id != dealer_id:
        raise InvalidInput("order.request_key_taken")
    return order


async def place_order(
    session: AsyncSession,
    user: User,
    *,
    request_key: str,
    calendar: WorkingCalendar,
    legal_entity_id: int | None = None,
    comment: str = "",
    desired_date: date | None = None,
    dealer_po: str | None = None,
    delivery_address: str | None = None,
    now: datetime | None = None,
) -> Order:
    """Turn the person's cart into an order; the same request key twice gives the same order.

    Snapshots every line at the dealer's current price, flags after-hours orders, records the
    first status event and queues "notify manager" and "export to 1C"; the cart is emptied.
    A buyer's order above the approval threshold is held for the dealer's approvers instead
    (core.orders.approval): status and sync state `awaiting_approval`, nothing to manager or 1C.
    Credit control (core.finance.credit) against 1C's figures: "block" refuses the order,
    "hold" places it awaiting the manager's credit decision (not offered to 1C meanwhile).
    """
    dealer_id = dealer_id_of(user)
    request_key = request_key.strip()
    if not request_key or len(request_key) > 100:
        raise InvalidInput("order.bad_request_key")
    existing = await _existing(session, request_key, dealer_id)
    if existing is not None:
        return existing
    now = now or utcnow()
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT:
        raise InvalidInput("order.comment_too_long", limit=MAX_COMMENT)
    dealer_po = (dealer_po or "").strip() or None
    if dealer_po and len(dealer_po) > MAX_PO:
        raise InvalidInput("order.po_too_long", limit=MAX_PO)
    if desired_date is not None and desired_date < now.astimezone(calendar.zone).date():
        raise InvalidInput("order.desired_date_past")
    entity = await _legal_entity(session, user, legal_entity_id)
    dealer = await get_dealer(session, dealer_id)
    after_hours = not calendar.is_working_time(now)
    if after_hours and not feature_enabled(dealer, AFTER_HOURS_ORDERS):
        raise InvalidInput("order.after_hours_disabled")

    cart = await lock_cart(session, user)
    # A double tap waits on the cart lock; once it has it, the first tap's order is there.
    existing = await _existing(session, request_key, dealer_id)
    if existing is not None:
        return existing
    cart_rows = sorted((await cart_lines(session, cart)).values(), key=lambda line: line.id)
    if not cart_rows:
        raise InvalidInput("order.empty_cart")
    product_ids = [line.product_id for line in cart_rows]
    products = {
        p.id: p for p in await session.scalars(select(Product).where(Product.id.in_(product_ids)))
    }
    offers = await load_offers(
        session, product_ids, await price_type_for(session, dealer.id, entity.id)
    )
    lines: list[OrderLine] = []
    for number, cart_line in enumerate(cart_rows, start=1):
        product = products[cart_line.product_id]
        price = offers[product.id].price
        if not product.is_active:
            raise InvalidInput("order.item_not_sold", article=product.article)
        if price is None:
            raise InvalidInput("order.item_no_price", article=product.article)
        lines.append(
            OrderLine(
                line_no=number,
                product_id=product.id,
                product_onec_id=product.onec_id,
                article=product.article,
                name=product.name,
                unit=product.unit,
                price=price,
                quantity=cart_line.quantity,
                amount=line_amount(price, cart_line.quantity),
            )
        )
    total = sum((line.amount for line in lines), Decimal("0"))
    held = needs_approval(user, dealer, entity, total)
    credit = await check_credit(session, dealer, entity.id, total)
    if credit is not None and credit.blocks:
        raise InvalidInput(
            "credit.blocked",
            free=money(credit.position.free_limit, "RUB"),
            overdue=money(credit.position.overdue, "RUB"),
        )
    credit_held = credit is not None and credit.holds
    status = OrderStatus.AWAITING_APPROVAL if held or credit_held else OrderStatus.NEW
    order = Order(
        number=provisional_number(),
        request_key=request_key,
        dealer_id=dealer_id,
        legal_entity_id=entity.id,
        author_id=user.id,
        status=status,
        source=OrderSource.BOT,
        reorder_of_id=cart.reorder_of_id,
        placed_at=now,
        is_after_hours=after_hours,
        is_sandbox=sandbox.active(),
        comment=comment,
        desired_date=desired_date,
        dealer_po=dealer_po,
        delivery_address=(delivery_address or "").strip() or None,
        currency=next(iter(offers.values())).currency,
        total=total,
        sync_state=SyncState.AWAITING_APPROVAL if held or credit_held else SyncState.PENDING,
        credit_hold=(CREDIT_PENDING if held else CREDIT_HELD) if credit_held else None,
        updated_at=now,
    )
    try:
        async with session.begin_nested():
            session.add(order)
            await session.flush()
    except IntegrityError:
        # Another request with the same key won the race; return its order.
        raced = await _existing(session, request_key, dealer_id)
        if raced is None:
            raise
        return raced
    order.number = order_number(order.id)
    for line in lines:
        line.order_id = order.id
    session.add_all(lines)
    session.add(
        OrderStatusEvent(
            order_id=order.id,
            to_status=status,
            actor_id=user.id,
            actor_kind="dealer",
            at=now,
        )
    )
    if held:
        hold_for_approval(session, order)
    elif credit_held:
        hold_for_credit(session, order)
    else:
        emit(
            session, EventKind.ORDER_PLACED, {"order_id": order.id}, dedupe_key=f"placed:{order.id}"
        )
        emit(
            session, EventKind.ORDER_EXPORT, {"order_id": order.id}, dedupe_key=f"export:{order.id}"
        )
    await session.execute(delete(CartLine).where(CartLine.cart_id == cart.id))
    cart.reorder_of_id = None
    await session.flush()
    await session.refresh(order, attribute_names=["lines"])
    return order


async def _legal_entity(
    session: AsyncSession, user: User, legal_entity_id: int | None
) -> LegalEntity:
    """The chosen entity, else the person's active one, else the dealer's only one."""
    chosen = legal_entity_id or user.active_legal_entity_id
    if chosen is not None:
        return await legal_entity_for(session, user, chosen)
    entities = await legal_entities(session, dealer_id_of(user))
    if len(entities) == 1:
        return entities[0]
    if not entities:
        raise InvalidInput("order.no_legal_entity")
    raise InvalidInput("order.pick_legal_entity")

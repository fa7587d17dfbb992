"""Who is told what: routing of outbox events to chats, and message content as plain data.

Routing rules (one place):
- a new order or claim goes to the dealer's manager (active, reachable in Telegram) and to the
  managers' group chat when one is set; with neither, to every active manager, so nothing
  waits unseen;
- an after-hours order follows the after-hours policy: sent at once, or held until the start
  of the next working day, when the digest releases it (core.orders.digest);
- a status change of an order or claim goes to every active person of the dealer who has not
  blocked the bot, and edits every manager card already sent for it (all see who acted);
- a dealer's change of quantities before confirmation edits every manager card already sent;
- people who blocked the bot (User.blocked_bot_at) get nothing;
- an order waiting for the dealer's approval goes to the dealer's approvers, and the decision to
  its author (core.orders.approval_cards).

Each message becomes a Delivery row; the Telegram adapter renders and sends it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from core import sandbox
from core.calendar import WorkingCalendar
from core.catalog.alerts import ALERT_EVENTS, alert_deliveries
from core.models import (
    Claim,
    ClaimStatus,
    ClaimStatusEvent,
    Dealer,
    Delivery,
    DeliveryState,
    LegalEntity,
    Order,
    OrderLine,
    OrderStatus,
    OrderStatusEvent,
    OutboxEvent,
    Role,
    User,
    utcnow,
)
from core.notify_settings import DIGEST, NotifySettings
from core.outbox import EventKind

# Kinds of delivery rows.
ORDER_CARD = "order.card"  # a new order for managers, with Confirm / Reject / Open
CLAIM_PHOTOS = "claim.photos"  # the photos of a new claim, just before its card
CLAIM_CARD = "claim.card"  # a new claim for managers, with Accept / Reject / In review
ORDER_NOTICE = "order.notice"  # a status change of an order, to the dealer
CLAIM_NOTICE = "claim.notice"  # a status change of a claim, to the dealer
CARD_EDIT = "card.edit"  # a card already sent, edited to show the decision
CREDIT_CARD = "credit.card"  # an order held for credit, to the managers: Approve / Reject
DIGEST_HEADER = "digest"  # the morning digest's opening message, before the held cards
APPLICATION_NOTICE = "application.notice"  # an applicant's decision: the invitation, or why not
MANAGER_CARDS = frozenset({ORDER_CARD, CLAIM_PHOTOS, CLAIM_CARD})
HANDLED_KINDS = (
    EventKind.ORDER_PLACED,
    EventKind.CLAIM_FILED,
    EventKind.ORDER_STATUS,
    EventKind.CLAIM_STATUS,
    EventKind.ORDER_EDITED,
    EventKind.APPLICATION_APPROVED,
    EventKind.APPLICATION_REJECTED,
    EventKind.APPROVAL_REQUESTED,
    EventKind.APPROVAL_DECIDED,
    EventKind.CREDIT_HOLD,
    EventKind.ORDER_SHIPMENT,
    *ALERT_EVENTS,
)
MAX_CARD_LINES = 15


@dataclass(frozen=True)
class Recipient:
    """A chat to send to: a person's private chat, or the managers' group (user_id None)."""

    chat_id: int
    user_id: int | None
    locale: str


def _reachable(query: Any) -> Any:
    return query.where(
        User.is_active.is_(True),
        User.telegram_id.is_not(None),
        User.blocked_bot_at.is_(None),
        sandbox.people_of_mode(),  # sandbox events reach sandbox people only, and vice versa
    )


async def manager_recipients(
    session: AsyncSession, dealer_id: int, notify: NotifySettings
) -> list[Recipient]:
    """The dealer's manager and/or the managers' group; every active manager if neither."""
    out: list[Recipient] = []
    dealer = await session.get(Dealer, dealer_id)
    if dealer is not None and dealer.manager_id is not None:
        # in the sandbox the dealer's manager is played by their sandbox stand-in
        key = User.sandbox_of_id if sandbox.active() else User.id
        manager = await session.scalar(_reachable(select(User).where(key == dealer.manager_id)))
        if manager is not None and manager.telegram_id is not None:
            out.append(Recipient(manager.telegram_id, manager.id, manager.language))
    if notify.managers_chat_id is not None and not sandbox.active():
        out.append(Recipient(notify.managers_chat_id, None, "ru"))
    if not out:
        everyone = await session.scalars(
            _reachable(select(User).where(User.role == Role.MANAGER)).order_by(User.id)
        )
        out = [Recipient(u.telegram_id, u.id, u.language) for u in everyone if u.telegram_id]
    return out


async def dealer_recipients(session: AsyncSession, dealer_id: int) -> list[Recipient]:
    """Every active person of the dealer who can be reached."""
    people = await session.scalars(
        _reachable(select(User).where(User.dealer_id == dealer_id)).order_by(User.id)
    )
    return [Recipient(u.telegram_id, u.id, u.language) for u in people if u.telegram_id]


def _delivery(
    event: OutboxEvent, kind: str, to: Recipient, *, at: datetime, **fields: Any
) -> Delivery:
    return Delivery(
        kind=kind,
        dedupe_key=f"{event.id}:{kind}:{to.chat_id}",
        outbox_id=event.id,
        chat_id=to.chat_id,
        user_id=to.user_id,
        locale=to.locale,
        available_at=at,
        **fields,
    )


async def fan_out(
    session: AsyncSession,
    event: OutboxEvent,
    *,
    calendar: WorkingCalendar,
    notify: NotifySettings,
    now: datetime | None = None,
) -> list[Delivery]:
    """The delivery rows of one outbox event (added to the session, not committed)."""
    now = now or utcnow()
    payload = event.payload
    rows: list[Delivery] = []
    if event.kind == EventKind.ORDER_PLACED:
        order = await session.get(Order, int(payload["order_id"]))
        if order is None:
            return []
        # the sandbox shows the card at once: a demo does not wait for the morning digest
        held = order.is_after_hours and notify.after_hours_policy == DIGEST and not sandbox.active()
        until = calendar.next_working_start(order.placed_at) if held else now
        state = DeliveryState.HELD if held and until > now else DeliveryState.QUEUED
        for to in await manager_recipients(session, order.dealer_id, notify):
            rows.append(
                _delivery(event, ORDER_CARD, to, at=max(until, now), order_id=order.id, state=state)
            )
    elif event.kind == EventKind.CLAIM_FILED:
        claim = await session.scalar(
            select(Claim)
            .where(Claim.id == int(payload["claim_id"]))
            .options(selectinload(Claim.attachments))
        )
        if claim is None:
            return []
        for to in await manager_recipients(session, claim.dealer_id, notify):
            if claim.attachments:
                rows.append(_delivery(event, CLAIM_PHOTOS, to, at=now, claim_id=claim.id))
            rows.append(_delivery(event, CLAIM_CARD, to, at=now, claim_id=claim.id))
    elif event.kind in (EventKind.ORDER_STATUS, EventKind.CLAIM_STATUS):
        is_order = event.kind == EventKind.ORDER_STATUS
        target: Order | Claim | None = (
            await session.get(Order, int(payload["order_id"]))
            if is_order
            else await session.get(Claim, int(payload["claim_id"]))
        )
        if target is None:
            return []
        link = {"order_id": target.id} if is_order else {"claim_id": target.id}
        params = {"to": str(payload.get("to") or target.status), "note": payload.get("note", "")}
        for to in await dealer_recipients(session, target.dealer_id):
            kind = ORDER_NOTICE if is_order else CLAIM_NOTICE
            rows.append(_delivery(event, kind, to, at=now, params=params, **link))
        rows.extend(await _card_edits(session, event, is_order, target.id, now))
    elif event.kind == EventKind.ORDER_EDITED:
        # The dealer changed quantities: every manager card already sent is redrawn.
        rows.extend(await _card_edits(session, event, True, int(payload["order_id"]), now))
    elif event.kind in (EventKind.APPLICATION_APPROVED, EventKind.APPLICATION_REJECTED):
        # The applicant is not a User yet: the application holds their Telegram id.
        approved = event.kind == EventKind.APPLICATION_APPROVED
        to = Recipient(int(payload["telegram_id"]), None, str(payload.get("language") or "ru"))
        keys = ("link", "dealer", "thanks") if approved else ("message",)
        params = {"approved": approved} | {key: str(payload.get(key) or "") for key in keys}
        rows.append(_delivery(event, APPLICATION_NOTICE, to, at=now, params=params))
    elif event.kind in (EventKind.APPROVAL_REQUESTED, EventKind.APPROVAL_DECIDED):
        # imported here: approval_cards builds on this module's delivery kinds
        from core.orders.approval_cards import approval_deliveries

        rows = await approval_deliveries(session, event, now)
    elif event.kind == EventKind.CREDIT_HOLD:  # core.finance.credit: the manager decides
        order = await session.get(Order, int(payload["order_id"]))
        if order is None:
            return []
        for to in await manager_recipients(session, order.dealer_id, notify):
            rows.append(_delivery(event, CREDIT_CARD, to, at=now, order_id=order.id))
    elif event.kind == EventKind.ORDER_SHIPMENT:  # 1C pushed a shipment: core.finance.notices
        from core.finance.notices import shipment_deliveries

        rows.extend(await shipment_deliveries(session, event, now))
    elif event.kind in ALERT_EVENTS:  # back in stock, price drops: core.catalog.alerts
        rows.extend(await alert_deliveries(session, event, now=now))
    session.add_all(rows)
    return rows


async def _card_edits(
    session: AsyncSession, event: OutboxEvent, is_order: bool, target_id: int, now: datetime
) -> list[Delivery]:
    """Edits of every manager card of an order or claim already sent (all see the change)."""
    card_kind = ORDER_CARD if is_order else CLAIM_CARD
    column = Delivery.order_id if is_order else Delivery.claim_id
    link = {"order_id": target_id} if is_order else {"claim_id": target_id}
    cards = await session.scalars(
        select(Delivery)
        .where(
            column == target_id,
            Delivery.kind == card_kind,
            Delivery.state == DeliveryState.SENT,
        )
        .order_by(Delivery.id)
    )
    return [
        Delivery(
            kind=CARD_EDIT,
            dedupe_key=f"{event.id}:{CARD_EDIT}:{card.id}",
            outbox_id=event.id,
            chat_id=card.chat_id,
            user_id=card.user_id,
            locale=card.locale,
            available_at=now,
            params={"card_id": card.id, "message_id": card.message_id},
            **link,
        )
        for card in cards
    ]


# --------------------------------------------------------------------------- content as data


@dataclass(frozen=True)
class CardLine:
    """One line of an order as a card shows it."""

    article: str
    name: str
    quantity: Decimal
    unit: str
    price: Decimal
    amount: Decimal


@dataclass(frozen=True)
class Decision:
    """Who last acted on an order or claim, and when."""

    status: str
    by: str
    at: datetime
    note: str = ""


@dataclass(frozen=True)
class OrderCard:
    """What a manager needs to decide on an order."""

    order_id: int
    number: str
    status: str
    dealer_id: int
    dealer_name: str
    dealer_inn: str
    entity_name: str
    entity_inn: str
    lines: tuple[CardLine, ...]
    line_count: int
    total: Decimal
    currency: str
    comment: str
    desired_date: date | None
    dealer_po: str | None
    delivery_address: str | None
    after_hours: bool
    placed_at: datetime
    decision: Decision | None
    edited_at: datetime | None = None  # the dealer changed quantities before confirmation
    edited_by: str = ""

    @property
    def is_open(self) -> bool:
        """True while a manager may still confirm or reject it."""
        return self.status == OrderStatus.NEW


@dataclass(frozen=True)
class ClaimCardLine:
    """One claimed line."""

    article: str
    name: str
    reason: str
    quantity: Decimal
    comment: str


@dataclass(frozen=True)
class ClaimCard:
    """What a manager needs to decide on a claim."""

    claim_id: int
    number: str
    status: str
    order_number: str
    dealer_name: str
    lines: tuple[ClaimCardLine, ...]
    comment: str
    photos: tuple[str, ...]
    created_at: datetime
    decision: Decision | None

    @property
    def is_open(self) -> bool:
        """True while the claim awaits a final decision."""
        return self.status in (ClaimStatus.NEW, ClaimStatus.IN_REVIEW)


async def _actor_name(session: AsyncSession, user_id: int | None) -> str:
    user = await session.get(User, user_id) if user_id else None
    if user is None:
        return "—"
    return user.full_name or (f"@{user.username}" if user.username else f"#{user.id}")


async def order_card(
    session: AsyncSession, order_id: int, *, max_lines: int = MAX_CARD_LINES
) -> OrderCard | None:
    """The card of an order (at most `max_lines` lines listed), or None if it is gone."""
    order = await session.get(Order, order_id)
    if order is None:
        return None
    dealer = await session.get(Dealer, order.dealer_id)
    entity = (
        await session.get(LegalEntity, order.legal_entity_id) if order.legal_entity_id else None
    )
    lines = list(
        await session.scalars(
            select(OrderLine).where(OrderLine.order_id == order.id).order_by(OrderLine.line_no)
        )
    )
    decision = None
    if order.status != OrderStatus.NEW:
        event = await session.scalar(
            select(OrderStatusEvent)
            .where(OrderStatusEvent.order_id == order.id, OrderStatusEvent.from_status.is_not(None))
            .order_by(OrderStatusEvent.at.desc(), OrderStatusEvent.id.desc())
            .limit(1)
        )
        if event is not None:
            decision = Decision(
                event.to_status, await _actor_name(session, event.actor_id), event.at, event.note
            )
    return OrderCard(
        order_id=order.id,
        number=order.number,
        status=order.status,
        dealer_id=order.dealer_id,
        dealer_name=dealer.name if dealer else "—",
        dealer_inn=(dealer.inn or "") if dealer else "",
        entity_name=entity.name if entity else "",
        entity_inn=entity.inn if entity else "",
        lines=tuple(
            CardLine(line.article, line.name, line.quantity, line.unit, line.price, line.amount)
            for line in lines[:max_lines]
        ),
        line_count=len(lines),
        total=order.total,
        currency=order.currency,
        comment=order.comment,
        desired_date=order.desired_date,
        dealer_po=order.dealer_po,
        delivery_address=order.delivery_address,
        after_hours=order.is_after_hours,
        placed_at=order.placed_at,
        decision=decision,
        edited_at=order.edited_at,
        edited_by=await _actor_name(session, order.edited_by_id) if order.edited_at else "",
    )


async def claim_card(session: AsyncSession, claim_id: int) -> ClaimCard | None:
    """The card of a claim, or None if it is gone."""
    claim = await session.scalar(
        select(Claim)
        .where(Claim.id == claim_id)
        .options(selectinload(Claim.lines), selectinload(Claim.attachments))
    )
    if claim is None:
        return None
    order = await session.get(Order, claim.order_id)
    dealer = await session.get(Dealer, claim.dealer_id)
    order_lines = {
        line.id: line
        for line in await session.scalars(
            select(OrderLine).where(OrderLine.id.in_([item.order_line_id for item in claim.lines]))
        )
    }
    decision = None
    if claim.status != ClaimStatus.NEW:
        event = await session.scalar(
            select(ClaimStatusEvent)
            .where(ClaimStatusEvent.claim_id == claim.id, ClaimStatusEvent.from_status.is_not(None))
            .order_by(ClaimStatusEvent.at.desc(), ClaimStatusEvent.id.desc())
            .limit(1)
        )
        if event is not None:
            decision = Decision(
                event.to_status, await _actor_name(session, event.actor_id), event.at, event.note
            )
    lines: list[ClaimCardLine] = []
    for item in claim.lines:
        line = order_lines.get(item.order_line_id)
        lines.append(
            ClaimCardLine(
                article=line.article if line else "",
                name=line.name if line else "",
                reason=item.reason,
                quantity=item.quantity,
                comment=item.comment,
            )
        )
    return ClaimCard(
        claim_id=claim.id,
        number=claim.number,
        status=claim.status,
        order_number=order.number if order else "",
        dealer_name=dealer.name if dealer else "—",
        lines=tuple(lines),
        comment=claim.comment,
        photos=tuple(a.telegram_file_id for a in claim.attachments if a.kind == "photo"),
        created_at=claim.created_at,
        decision=decision,
    )


async def is_still_open(session: AsyncSession, delivery: Delivery) -> bool:
    """True if the order or claim of a manager card still awaits a decision."""
    if delivery.order_id is not None:
        status = await session.scalar(select(Order.status).where(Order.id == delivery.order_id))
        return status == OrderStatus.NEW
    if delivery.claim_id is not None:
        status = await session.scalar(select(Claim.status).where(Claim.id == delivery.claim_id))
        return status in (ClaimStatus.NEW, ClaimStatus.IN_REVIEW)
    return False

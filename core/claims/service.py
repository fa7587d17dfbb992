"""Claims (рекламации): filed by a dealer against their own confirmed orders, decided by staff."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from core import sandbox
from core.access.scope import require_claim_in_scope
from core.dealers.features import CLAIMS, require_feature
from core.dealers.service import dealer_id_of, get_dealer
from core.errors import InvalidInput, InvalidTransition, NotFound
from core.models import (
    Claim,
    ClaimAttachment,
    ClaimLine,
    ClaimReason,
    ClaimStatus,
    ClaimStatusEvent,
    ManagerAction,
    Order,
    User,
    utcnow,
)
from core.orders.manager import require_staff
from core.orders.numbers import claim_number, provisional_number
from core.orders.queries import MAX_PAGE_SIZE, get_order
from core.orders.status import CONFIRMED_OR_LATER
from core.outbox import EventKind, emit
from core.transitions import move_status

C = ClaimStatus
ALLOWED: dict[str, set[str]] = {
    C.NEW: {C.IN_REVIEW, C.ACCEPTED, C.REJECTED},
    C.IN_REVIEW: {C.ACCEPTED, C.REJECTED},
    C.ACCEPTED: {C.RESOLVED},
    C.REJECTED: set(),
    C.RESOLVED: set(),
}
MAX_ATTACHMENTS = 10
MAX_COMMENT = 2000


@dataclass(frozen=True)
class ClaimLineInput:
    """One claimed line as the dealer enters it."""

    order_line_id: int
    reason: str
    quantity: Decimal | int | str
    comment: str = ""


def _quantity(value: Decimal | int | str) -> Decimal:
    try:
        quantity = Decimal(str(value).replace(",", ".").strip())
    except InvalidOperation:
        raise InvalidInput("claim.bad_quantity", value=str(value)) from None
    if not quantity.is_finite() or quantity <= 0:
        raise InvalidInput("claim.bad_quantity", value=str(value))
    return quantity


async def claimable_orders(session: AsyncSession, dealer_id: int, limit: int = 20) -> list[Order]:
    """The dealer's orders a claim may be filed against (confirmed or later), newest first."""
    rows = await session.scalars(
        select(Order)
        .where(Order.dealer_id == dealer_id, Order.status.in_(CONFIRMED_OR_LATER))
        .order_by(Order.placed_at.desc())
        .limit(limit)
    )
    return list(rows)


async def _already_claimed(session: AsyncSession, line_ids: Sequence[int]) -> dict[int, Decimal]:
    rows = await session.execute(
        select(ClaimLine.order_line_id, func.sum(ClaimLine.quantity))
        .join(Claim, Claim.id == ClaimLine.claim_id)
        .where(ClaimLine.order_line_id.in_(line_ids), Claim.status != C.REJECTED)
        .group_by(ClaimLine.order_line_id)
    )
    return {line_id: Decimal(total) for line_id, total in rows}


async def file_claim(
    session: AsyncSession,
    user: User,
    order_id: int,
    lines: Sequence[ClaimLineInput],
    *,
    comment: str = "",
    attachments: Sequence[tuple[str, str | None]] = (),
    request_key: str | None = None,
) -> Claim:
    """File a claim; every rule is checked before anything is written.

    Rules: own order only (another dealer's is NotFound), order confirmed or later, lines of that
    order, a known reason, 0 < quantity <= ordered minus what open claims already cover.
    The same request key twice gives the same claim. Managers are notified through the outbox.
    """
    dealer_id = dealer_id_of(user)
    require_feature(await get_dealer(session, dealer_id), CLAIMS)
    if request_key:
        existing = await session.scalar(select(Claim).where(Claim.request_key == request_key))
        if existing is not None and existing.dealer_id == dealer_id:
            return existing
    order = await get_order(session, dealer_id, order_id)
    if order.status not in CONFIRMED_OR_LATER:
        raise InvalidInput("claim.order_not_confirmed", number=order.number)
    if not lines:
        raise InvalidInput("claim.no_lines")
    if len(attachments) > MAX_ATTACHMENTS:
        raise InvalidInput("claim.too_many_attachments", limit=MAX_ATTACHMENTS)
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT:
        raise InvalidInput("claim.comment_too_long", limit=MAX_COMMENT)
    order_lines = {line.id: line for line in order.lines}
    claimed = await _already_claimed(session, list(order_lines))
    asked: dict[int, Decimal] = {}
    prepared: list[ClaimLine] = []
    for item in lines:
        order_line = order_lines.get(item.order_line_id)
        if order_line is None:
            raise NotFound("claim.line_not_in_order")
        if item.reason not in set(ClaimReason):
            raise InvalidInput("claim.bad_reason", reason=item.reason)
        quantity = _quantity(item.quantity)
        asked[order_line.id] = asked.get(order_line.id, Decimal("0")) + quantity
        left = order_line.quantity - claimed.get(order_line.id, Decimal("0"))
        if asked[order_line.id] > left:
            raise InvalidInput("claim.quantity_exceeds", article=order_line.article, left=left)
        prepared.append(
            ClaimLine(
                order_line_id=order_line.id,
                reason=item.reason,
                quantity=quantity,
                comment=item.comment.strip(),
            )
        )
    now = utcnow()
    claim = Claim(
        number=provisional_number(),
        request_key=request_key,
        dealer_id=dealer_id,
        order_id=order.id,
        author_id=user.id,
        comment=comment,
        created_at=now,
        is_sandbox=sandbox.active(),
    )
    try:
        async with session.begin_nested():
            session.add(claim)
            await session.flush()
    except IntegrityError:
        raced = await session.scalar(select(Claim).where(Claim.request_key == request_key))
        if raced is None or raced.dealer_id != dealer_id:
            raise
        return raced
    claim.number = claim_number(claim.id)
    for line in prepared:
        line.claim_id = claim.id
    session.add_all(prepared)
    session.add_all(
        ClaimAttachment(claim_id=claim.id, telegram_file_id=file_id, file_unique_id=unique_id)
        for file_id, unique_id in attachments
    )
    session.add(ClaimStatusEvent(claim_id=claim.id, to_status=C.NEW, actor_id=user.id, at=now))
    emit(session, EventKind.CLAIM_FILED, {"claim_id": claim.id}, dedupe_key=f"claim:{claim.id}")
    await session.flush()
    return claim


def _with_details() -> tuple[Any, ...]:
    return (selectinload(Claim.lines), selectinload(Claim.attachments))


async def list_claims(
    session: AsyncSession, dealer_id: int, *, page: int = 0, page_size: int = 10
) -> list[Claim]:
    """The dealer's claims, newest first."""
    page_size = max(1, min(page_size, MAX_PAGE_SIZE))
    rows = await session.scalars(
        select(Claim)
        .where(Claim.dealer_id == dealer_id)
        .order_by(Claim.created_at.desc(), Claim.id.desc())
        .offset(max(page, 0) * page_size)
        .limit(page_size)
        .options(*_with_details())
    )
    return list(rows)


async def get_claim(session: AsyncSession, dealer_id: int | None, claim_id: int) -> Claim:
    """A claim with lines and attachments; scoped to the dealer unless `dealer_id` is None."""
    query = select(Claim).where(Claim.id == claim_id).options(*_with_details())
    if dealer_id is not None:
        query = query.where(Claim.dealer_id == dealer_id)
    claim = await session.scalar(query)
    if claim is None:
        raise NotFound("claim.not_found", claim_id=claim_id)
    return claim


async def change_claim_status(
    session: AsyncSession,
    claim_id: int,
    to_status: str,
    actor: User,
    *,
    note: str = "",
    channel: str = "bot",
) -> Claim:
    """A staff decision on a claim of a dealer in the actor's scope (Forbidden `access.denied`
    for any other, existing or not); the dealer is told through the outbox."""
    require_staff(actor)
    await require_claim_in_scope(session, actor, claim_id)
    claim = await get_claim(session, None, claim_id)
    to_status = ClaimStatus(to_status)
    current = claim.status
    if to_status not in ALLOWED[current]:
        raise InvalidTransition("claim.bad_transition", number=claim.number, status=current)
    now = utcnow()
    values: dict[str, object] = {"status": to_status}
    if to_status in (C.ACCEPTED, C.REJECTED):
        values.update(decided_at=now, decided_by_id=actor.id, decision_note=note.strip())
    await move_status(session, claim, current, values, error_key="claim.already_changed")
    session.add(
        ClaimStatusEvent(
            claim_id=claim.id,
            from_status=current,
            to_status=to_status,
            actor_id=actor.id,
            note=note,
            at=now,
        )
    )
    session.add(
        ManagerAction(
            user_id=actor.id, action=f"claim.{to_status}", claim_id=claim.id, channel=channel
        )
    )
    emit(
        session,
        EventKind.CLAIM_STATUS,
        {"claim_id": claim.id, "from": current, "to": to_status, "note": note},
    )
    await session.flush()
    return claim

"""The satisfaction poll after an order is completed: a score 1-5 and an optional comment."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.dealers.service import dealer_id_of
from core.errors import InvalidInput, NotFound
from core.models import OrderStatus, SatisfactionResponse, User, utcnow
from core.orders.queries import get_order

SCORES = range(1, 6)
MAX_COMMENT = 1000


async def _response(
    session: AsyncSession, order_id: int, user_id: int
) -> SatisfactionResponse | None:
    return await session.scalar(
        select(SatisfactionResponse).where(
            SatisfactionResponse.order_id == order_id, SatisfactionResponse.user_id == user_id
        )
    )


async def record_score(
    session: AsyncSession, user: User, order_id: int, score: int
) -> SatisfactionResponse:
    """Store the person's score of one of their dealer's completed orders.

    Tapping again changes the score (one answer per order and person). Errors, nothing changed:
    poll.bad_score, order.not_found (also another dealer's order), poll.order_not_completed.
    """
    if score not in SCORES:
        raise InvalidInput("poll.bad_score", score=score)
    order = await get_order(session, dealer_id_of(user), order_id)
    if order.status != OrderStatus.COMPLETED:
        raise InvalidInput("poll.order_not_completed", number=order.number)
    response = await _response(session, order.id, user.id)
    if response is None:
        try:
            async with session.begin_nested():
                response = SatisfactionResponse(
                    order_id=order.id, user_id=user.id, score=score, created_at=utcnow()
                )
                session.add(response)
        except IntegrityError:  # the same tap delivered twice at once
            response = await _response(session, order.id, user.id)
            if response is None:
                raise
    response.score = score
    await session.flush()
    return response


async def add_comment(
    session: AsyncSession, user: User, order_id: int, comment: str
) -> SatisfactionResponse:
    """Attach a comment to the person's score of an order (the score comes first)."""
    comment = (comment or "").strip()
    if not comment:
        raise InvalidInput("poll.comment_required")
    if len(comment) > MAX_COMMENT:
        raise InvalidInput("poll.comment_too_long", limit=MAX_COMMENT)
    response = await _response(session, order_id, user.id)
    if response is None:
        raise NotFound("poll.not_found")
    response.comment = comment
    await session.flush()
    return response

"""Finding the dealers a staff person may log a contact for, and a dealer's last contacts."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.access.scope import dealer_scope, in_scope
from core.models import Dealer, DealerContact, Order, Role, User
from core.orders.manager_queries import search_dealers

RECENT = 6


async def find_dealers(session: AsyncSession, actor: User, text: str) -> list[Dealer]:
    """Dealers of the actor's scope whose name contains `text` or whose INN starts with it."""
    return await search_dealers(session, actor, text, limit=8)


async def recent_dealers(session: AsyncSession, actor: User, limit: int = RECENT) -> list[Dealer]:
    """The actor's dealers they logged a contact for most recently, then those who ordered
    last; only dealers in the actor's scope."""
    scope = dealer_scope(actor)
    where = [scope] if scope is not None else []
    contacted = (
        select(DealerContact.dealer_id, func.max(DealerContact.occurred_at).label("at"))
        .where(DealerContact.manager_id == actor.id)
        .group_by(DealerContact.dealer_id)
        .subquery()
    )
    found = list(
        await session.scalars(
            select(Dealer)
            .join(contacted, contacted.c.dealer_id == Dealer.id)
            .where(*where)
            .order_by(contacted.c.at.desc(), Dealer.id)
            .limit(limit)
        )
    )
    if len(found) < limit:
        ordered = (
            select(Order.dealer_id, func.max(Order.placed_at).label("at"))
            .group_by(Order.dealer_id)
            .subquery()
        )
        known = {d.id for d in found}
        more = await session.scalars(
            select(Dealer)
            .join(ordered, ordered.c.dealer_id == Dealer.id)
            .where(*where, Dealer.id.not_in(known) if known else Dealer.id.is_not(None))
            .order_by(ordered.c.at.desc(), Dealer.id)
            .limit(limit - len(found))
        )
        found.extend(more)
    return found


async def dealer_of_sender(
    session: AsyncSession, actor: User, telegram_id: int | None
) -> tuple[Dealer, User] | None:
    """The dealer (in the actor's scope) and person behind a forwarded message's sender;
    None when the sender is no dealer's person or their dealer is outside the scope."""
    if telegram_id is None:
        return None
    person = await session.scalar(select(User).where(User.telegram_id == telegram_id))
    if person is None or person.role != Role.DEALER or person.dealer_id is None:
        return None
    if actor.role not in (Role.MANAGER, Role.ADMIN) or not await in_scope(
        session, actor, person.dealer_id
    ):
        return None
    dealer = await session.get(Dealer, person.dealer_id)
    return (dealer, person) if dealer is not None else None


async def dealer_contacts(
    session: AsyncSession, dealer_id: int, limit: int = 20
) -> list[tuple[DealerContact, str]]:
    """A dealer's last contacts, newest first, with the name of who logged each."""
    rows = await session.execute(
        select(DealerContact, func.coalesce(User.full_name, ""))
        .outerjoin(User, User.id == DealerContact.manager_id)
        .where(DealerContact.dealer_id == dealer_id)
        .order_by(DealerContact.occurred_at.desc(), DealerContact.id.desc())
        .limit(limit)
    )
    return [(contact, name) for contact, name in rows]

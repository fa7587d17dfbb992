"""Manager scope: the dealers a staff person acts on, and so their orders and claims.

An admin acts on every dealer. A manager acts on the dealers assigned to them, on those of the
managers of their group (`User.manager_group`, when set), and on dealers assigned to nobody
(their cards go to every manager, so somebody must be able to act). Everyone else acts on none.

Outside the scope an order, a claim or a dealer answers `access.denied` exactly as a missing
one does: a forged id reveals nothing, not even that the thing exists.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, false, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased, selectinload

from core.errors import Forbidden
from core.models import Claim, Dealer, Invitation, Order, Role, User

DENIED = "access.denied"
STAFF = frozenset({Role.MANAGER, Role.ADMIN})


def scope_for(role: str, user_id: int | None) -> ColumnElement[bool] | None:
    """The condition on `Dealer` for a staff role and person id; None means every dealer."""
    if role == Role.ADMIN:
        return None
    if role != Role.MANAGER or user_id is None:
        return false()
    me, peer = aliased(User), aliased(User)
    my_group = select(me.manager_group).where(me.id == user_id).scalar_subquery()
    # a sandbox stand-in (core.sandbox) acts with the scope of the person it plays
    acting = select(func.coalesce(me.sandbox_of_id, me.id)).where(me.id == user_id)
    user_id_of = acting.scalar_subquery()
    peers = select(peer.id).where(peer.manager_group.is_not(None), peer.manager_group == my_group)
    return or_(
        Dealer.manager_id == user_id_of,
        Dealer.manager_id.is_(None),
        Dealer.manager_id.in_(peers),
    )


def dealer_scope(actor: User) -> ColumnElement[bool] | None:
    """The condition on `Dealer` for a person (false() for a revoked or inactive one)."""
    if not actor.is_active or actor.revoked_at is not None:
        return false()
    return scope_for(actor.role, actor.id)


async def owner_scope(
    session: AsyncSession, role: str, user_id: int | None
) -> ColumnElement[bool] | None:
    """The condition on `Dealer` for a credential a staff role owns (an API token): None (all)
    for an admin's; for a manager's, that person's scope, and no dealer at all once the person
    is gone, inactive, revoked or no longer staff."""
    if role == Role.ADMIN:
        return None
    person = await session.get(User, user_id) if user_id is not None else None
    if person is None or person.role not in STAFF:
        return false()
    if not person.is_active or person.revoked_at is not None:
        return false()
    return scope_for(role, user_id)


async def in_scope(session: AsyncSession, actor: User, dealer_id: int | None) -> bool:
    """True when the person may act on this dealer."""
    if dealer_id is None:
        return False
    query = select(Dealer.id).where(Dealer.id == dealer_id)
    scope = dealer_scope(actor)
    if scope is not None:
        query = query.where(scope)
    return await session.scalar(query) is not None


async def require_dealer_in_scope(session: AsyncSession, actor: User, dealer_id: int) -> Dealer:
    """The dealer, or Forbidden `access.denied` (also when it does not exist)."""
    if actor.role not in STAFF or not await in_scope(session, actor, dealer_id):
        raise Forbidden(DENIED)
    dealer = await session.get(Dealer, dealer_id)
    if dealer is None:
        raise Forbidden(DENIED)
    return dealer


async def require_order_in_scope(session: AsyncSession, actor: User, order_id: int) -> Order:
    """The order with its lines, or Forbidden `access.denied` (also when it does not exist)."""
    order = await session.scalar(
        select(Order).where(Order.id == order_id).options(selectinload(Order.lines))
    )
    if order is None or actor.role not in STAFF:
        raise Forbidden(DENIED)
    if not await in_scope(session, actor, order.dealer_id):
        raise Forbidden(DENIED)
    return order


async def require_claim_in_scope(session: AsyncSession, actor: User, claim_id: int) -> Claim:
    """The claim, or Forbidden `access.denied` (also when it does not exist)."""
    dealer_id = await session.scalar(select(Claim.dealer_id).where(Claim.id == claim_id))
    if dealer_id is None or actor.role not in STAFF:
        raise Forbidden(DENIED)
    if not await in_scope(session, actor, dealer_id):
        raise Forbidden(DENIED)
    claim = await session.get(Claim, claim_id)
    assert claim is not None
    return claim


async def dealer_of_object(
    session: AsyncSession, kind: str, object_id: int
) -> tuple[bool, int | None]:
    """Whether an object (`dealer`, `order`, `claim`, `invitation`) exists, and its dealer."""
    column = {
        "dealer": (Dealer.id, Dealer.id),
        "order": (Order.id, Order.dealer_id),
        "claim": (Claim.id, Claim.dealer_id),
        "invitation": (Invitation.id, Invitation.dealer_id),
    }.get(kind)
    if column is None:
        raise ValueError(f"unknown object kind {kind!r}")
    key, dealer = column
    row = (await session.execute(select(key, dealer).where(key == object_id))).first()
    return (False, None) if row is None else (True, row[1])


async def staff_may_see(
    session: AsyncSession, role: str, user_id: int | None, kind: str, object_id: int
) -> bool:
    """True when a staff role (and its person) may see this object; False also when missing.

    An admin sees every existing object; a manager only those of dealers in their scope."""
    exists, dealer_id = await dealer_of_object(session, kind, object_id)
    scope = scope_for(role, user_id)
    if not exists or (scope is not None and dealer_id is None):
        return False
    if scope is None:
        return True
    found = await session.scalar(select(Dealer.id).where(Dealer.id == dealer_id, scope))
    return found is not None

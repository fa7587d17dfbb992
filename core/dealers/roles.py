"""Roles inside a dealer: buyer, approver and the dealer's admin, and the admin's invitations.

- a **buyer** prepares and places orders; their order above the approval threshold waits for an
  approver (core.orders.approval);
- an **approver** also decides on those orders (Approve / Reject in the bot);
- the dealer's **admin** is an approver who also invites colleagues from the bot with one-use
  links, within the limit the distributor set (`Dealer.max_people`).

What each role may do is written once, in core.access.rule.ROLE_ACTIONS; the predicates here
(`may_approve`, `may_invite`) ask it and add what is about the order (same dealer, not one's own).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Select, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.access.rule import DealerAction, role_allows
from core.errors import InvalidInput
from core.models import Dealer, Invitation, Order, Role, User, utcnow

COLLEAGUE_INVITE_DAYS = 7
MAX_PEOPLE_LIMIT = 1000


class DealerRole(StrEnum):
    """What a dealer's person may do inside the dealer."""

    BUYER = "buyer"
    APPROVER = "approver"
    ADMIN = "admin"


APPROVING = frozenset({DealerRole.APPROVER, DealerRole.ADMIN})
# A dealer's admin invites buyers and approvers; another admin is the distributor's decision.
INVITABLE = (DealerRole.BUYER, DealerRole.APPROVER)


def dealer_role_of(user: User) -> DealerRole:
    """The person's role inside their dealer (an unknown stored value counts as buyer)."""
    try:
        return DealerRole(user.dealer_role)
    except ValueError:
        return DealerRole.BUYER


def may_approve(user: User, order: Order) -> bool:
    """May this person approve or reject this order waiting for approval?

    Yes for an active person of the order's dealer whose role is approver or dealer admin, and
    who is not the order's author (nobody approves their own order). The central access check
    (dealer paused, person revoked) runs in front of this and is not repeated here.
    """
    return (
        user.is_active
        and role_allows(user, DealerAction.APPROVE)
        and user.dealer_id == order.dealer_id
        and user.id != order.author_id
    )


def may_invite(user: User) -> bool:
    """May this person invite colleagues to their dealer from the bot (the dealer's admin)?"""
    return user.is_active and role_allows(user, DealerAction.INVITE)


def needs_no_approval(user: User) -> bool:
    """Orders of approvers and dealer admins go straight on, whatever their total."""
    return role_allows(user, DealerAction.APPROVE)


async def approvers(session: AsyncSession, order: Order) -> list[User]:
    """Everyone who may decide on `order`, by id."""
    people = await session.scalars(
        select(User)
        .where(
            User.dealer_id == order.dealer_id,
            User.role == Role.DEALER,
            User.is_active.is_(True),
            User.dealer_role.in_([r.value for r in APPROVING]),
        )
        .order_by(User.id)
    )
    return [p for p in people if may_approve(p, order)]


# --------------------------------------------------------------------------- seats and invites


@dataclass(frozen=True)
class Seats:
    """How many people a dealer has against its limit: bound and active, plus open invitations
    its admins made (each holds a seat until used, revoked or expired)."""

    people: int
    reserved: int
    limit: int

    @property
    def free(self) -> int:
        """Seats left for new invitations."""
        return max(self.limit - self.people - self.reserved, 0)


async def _active_people(session: AsyncSession, dealer_id: int) -> int:
    return int(
        await session.scalar(
            select(func.count(User.id)).where(
                User.dealer_id == dealer_id, User.role == Role.DEALER, User.is_active.is_(True)
            )
        )
        or 0
    )


def _open_colleague_invitations(dealer_id: int, now: datetime) -> Select[int]:
    return select(func.count(Invitation.id)).where(
        Invitation.dealer_id == dealer_id,
        Invitation.dealer_role.is_not(None),
        Invitation.revoked_at.is_(None),
        Invitation.uses < Invitation.max_uses,
        or_(Invitation.expires_at.is_(None), Invitation.expires_at > now),
    )


async def seats(session: AsyncSession, dealer: Dealer, now: datetime | None = None) -> Seats:
    """The dealer's people, open colleague invitations and limit."""
    now = now or utcnow()
    reserved = await session.scalar(_open_colleague_invitations(dealer.id, now))
    return Seats(await _active_people(session, dealer.id), int(reserved or 0), dealer.max_people)


async def check_seat(session: AsyncSession, invitation: Invitation, user: User | None) -> None:
    """Before a colleague invitation binds someone: refuse when the dealer is full.

    Only invitations made by a dealer's admin count against the limit (the distributor's own
    links are the distributor's decision). Someone already bound to the dealer takes no seat.
    """
    if invitation.dealer_role is None or invitation.dealer_id is None:
        return
    if user is not None and user.dealer_id == invitation.dealer_id and user.is_active:
        return
    dealer = await session.scalar(
        select(Dealer).where(Dealer.id == invitation.dealer_id).with_for_update()
    )
    if dealer is None:
        return
    if await _active_people(session, dealer.id) >= dealer.max_people:
        raise InvalidInput("invitation.dealer_full", limit=dealer.max_people)


def apply_invitation_role(invitation: Invitation, user: User) -> None:
    """The role a redeemed invitation gives (a distributor's link leaves the role as it is)."""
    if invitation.dealer_role is not None:
        user.dealer_role = DealerRole(invitation.dealer_role)


def check_max_people(value: int | None) -> int:
    """The distributor's limit of a dealer's people: 0 (no invitations from the bot) to 1000."""
    if value is None or not 0 <= value <= MAX_PEOPLE_LIMIT:
        raise InvalidInput("dealer.bad_max_people", limit=MAX_PEOPLE_LIMIT)
    return value

"""A person's standing: may they use the service now, and for what.

One place decides, for a Telegram person (or a staff login's person):
- revoked by an admin -> nothing at all (an old invitation does not bring them back);
- their dealer paused -> no price, stock, search, cart or checkout; told why, with their
  manager's contact; carts and placed orders are kept;
- their role inside the dealer -> which dealer actions (`ROLE_ACTIONS`, the slot for buyer /
  approver / dealer admin);
- anyone else passes (unknown people reach onboarding, staff reach the managers' flows, which
  `core.access.scope` limits to their dealers).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from core.models import Dealer, DealerStatus, Role, User


class Standing(StrEnum):
    """The outcome of the person check."""

    OK = "ok"  # may go on (what exactly is up to the role and the scope)
    REVOKED = "revoked"  # cut off by an admin
    DEALER_PAUSED = "dealer_paused"  # their dealer is paused by the distributor


class DealerAction(StrEnum):
    """What a dealer's person does; roles inside a dealer allow a subset."""

    USE = "use"  # anything at all on the dealer side (menus, orders history, settings)
    SEE_PRICES = "see_prices"  # search, inline mode, item cards, cart with prices
    ORDER = "order"  # cart, checkout, reorder, list and file import
    APPROVE = "approve"  # approve a colleague's order above the threshold
    INVITE = "invite"  # invite colleagues from the bot
    CLAIM = "claim"  # file claims


_ALL = frozenset(DealerAction)
# Roles inside a dealer (`User.dealer_role`, core.dealers.roles.DealerRole) and what each may
# do: the one table of it. A buyer prepares and places orders; an approver also decides on
# colleagues' orders above the threshold; the dealer's admin also invites colleagues.
ROLE_ACTIONS: dict[str, frozenset[DealerAction]] = {
    "buyer": _ALL - {DealerAction.APPROVE, DealerAction.INVITE},
    "approver": _ALL - {DealerAction.INVITE},
    "admin": _ALL,
}


def role_allows(user: User, action: DealerAction) -> bool:
    """True when the person is a dealer's person whose role inside the dealer allows `action`
    (an unknown stored role counts as buyer). Whether they may act now at all (revoked, dealer
    paused) is `check_person`'s answer."""
    if user.role != Role.DEALER or user.dealer_id is None:
        return False
    actions = ROLE_ACTIONS.get(user.dealer_role) or ROLE_ACTIONS["buyer"]
    return action in actions


@dataclass(frozen=True)
class Verdict:
    """The answer for one person now; `params` fill the text the adapters show."""

    standing: Standing
    params: dict[str, str] = field(default_factory=dict)

    @property
    def allowed(self) -> bool:
        return self.standing == Standing.OK

    @property
    def key(self) -> str:
        """The message key of a refusal (`access.revoked`, `access.dealer_paused`)."""
        return f"access.{self.standing}"


OK = Verdict(Standing.OK)


def is_revoked(user: User) -> bool:
    """True for a person an admin cut off (and has not restored)."""
    return user.revoked_at is not None


def is_paused(dealer: Dealer | None) -> bool:
    """True while the distributor has paused the dealer."""
    return dealer is not None and dealer.status == DealerStatus.PAUSED


PAUSED_DEALER = "access.dealer_paused"
REVOKED_PERSON = "access.person_revoked"


def broadcast_refusal(*, active: bool, revoked: bool, dealer_status: str | None) -> str | None:
    """Why a dealer's person gets no broadcast now (a reason key the report shows), or None:
    a revoked or switched-off person, or anyone of a paused dealer, is skipped."""
    if revoked or not active:
        return REVOKED_PERSON
    if dealer_status == DealerStatus.PAUSED:
        return PAUSED_DEALER
    return None


async def manager_contact(session: AsyncSession, dealer: Dealer) -> str:
    """The dealer's manager as one line (name, @username, phone), or '' when none."""
    if dealer.manager_id is None:
        return ""
    manager = await session.get(User, dealer.manager_id)
    if manager is None or not manager.is_active:
        return ""
    parts = [manager.full_name or ""]
    if manager.username:
        parts.append(f"@{manager.username}")
    if manager.phone:
        parts.append(manager.phone)
    return ", ".join(p for p in parts if p)


async def check_person(session: AsyncSession, user: User | None, dealer: Dealer | None) -> Verdict:
    """May this person use the service now? (`dealer` is the person's dealer, if any.)"""
    if user is None:
        return OK  # a stranger: onboarding decides (invitation, application)
    if is_revoked(user):
        return Verdict(Standing.REVOKED)
    if user.role == Role.DEALER and user.dealer_id is not None:
        if dealer is None or dealer.id != user.dealer_id:
            dealer = await session.get(Dealer, user.dealer_id)
        if is_paused(dealer):
            assert dealer is not None
            return Verdict(
                Standing.DEALER_PAUSED,
                {
                    "dealer": dealer.name,
                    "reason": dealer.pause_reason,
                    "manager": await manager_contact(session, dealer),
                },
            )
    return OK

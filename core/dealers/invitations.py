"""Invitation deep links: created for a dealer (or a manager), redeemed from Telegram's /start."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.dealers.roles import (
    COLLEAGUE_INVITE_DAYS,
    INVITABLE,
    DealerRole,
    Seats,
    apply_invitation_role,
    check_seat,
    may_invite,
    seats,
)
from core.errors import Forbidden, InvalidInput, NotFound
from core.models import Dealer, DealerStatus, Invitation, InvitationUse, Role, User, utcnow

MAX_USES = 1000
MAX_DAYS = 366


def deep_link(bot_username: str, token: str) -> str:
    """The t.me link that opens the bot with `/start <token>`."""
    return f"https://t.me/{bot_username.lstrip('@')}?start={token}"


async def create_invitation(
    session: AsyncSession,
    *,
    dealer_id: int | None,
    role: str = Role.DEALER,
    max_uses: int = 1,
    days: int | None = None,
    created_by_id: int | None = None,
    now: datetime | None = None,
) -> Invitation:
    """A new invitation; a dealer invitation needs an existing dealer, a manager one none."""
    role = Role(role)
    if not 1 <= max_uses <= MAX_USES:
        raise InvalidInput("invitation.bad_uses", max_uses=max_uses, limit=MAX_USES)
    if days is not None and not 1 <= days <= MAX_DAYS:
        raise InvalidInput("invitation.bad_days", days=days, limit=MAX_DAYS)
    if role == Role.DEALER and (dealer_id is None or await session.get(Dealer, dealer_id) is None):
        raise NotFound("dealer.not_found", dealer_id=dealer_id)
    now = now or utcnow()
    invitation = Invitation(
        token=secrets.token_urlsafe(18),  # 24 characters of [A-Za-z0-9_-]: valid in /start
        dealer_id=dealer_id if role == Role.DEALER else None,
        role=role,
        max_uses=max_uses,
        expires_at=now + timedelta(days=days) if days else None,
        created_by_id=created_by_id,
        created_at=now,
    )
    session.add(invitation)
    await session.flush()
    return invitation


async def revoke_invitation(session: AsyncSession, invitation_id: int) -> Invitation:
    """Revoke an invitation; links already redeemed stay bound."""
    invitation = await session.get(Invitation, invitation_id)
    if invitation is None:
        raise NotFound("invitation.unknown")
    invitation.revoked_at = invitation.revoked_at or utcnow()
    await session.flush()
    return invitation


async def redeem_invitation(
    session: AsyncSession,
    token: str,
    *,
    telegram_id: int,
    full_name: str = "",
    username: str | None = None,
    language: str = "ru",
    now: datetime | None = None,
) -> User:
    """Bind the Telegram person to the invitation's dealer (or make them a manager).

    Errors (nothing changes): invitation.unknown, invitation.revoked, invitation.expired,
    invitation.used_up, invitation.other_dealer (the person already belongs to another dealer).
    Forbidden access.revoked for a person an admin cut off (old and multi-use links too).
    Redeeming the same link twice is harmless and uses it once.
    """
    now = now or utcnow()
    invitation = await session.scalar(select(Invitation).where(Invitation.token == token.strip()))
    if invitation is None:
        raise NotFound("invitation.unknown")
    if invitation.revoked_at is not None:
        raise InvalidInput("invitation.revoked")
    if invitation.expires_at is not None and invitation.expires_at <= now:
        raise InvalidInput("invitation.expired")
    user = await session.scalar(select(User).where(User.telegram_id == telegram_id))
    if user is not None and user.revoked_at is not None:
        raise Forbidden("access.revoked")  # only an admin re-admits (core.access.lifecycle)
    if user is not None:
        already = await session.scalar(
            select(InvitationUse.id).where(
                InvitationUse.invitation_id == invitation.id, InvitationUse.user_id == user.id
            )
        )
        if already is not None:
            return user
        if (
            invitation.role == Role.DEALER
            and user.dealer_id is not None
            and user.dealer_id != invitation.dealer_id
        ):
            raise InvalidInput("invitation.other_dealer")
    if invitation.uses >= invitation.max_uses:
        raise InvalidInput("invitation.used_up")  # said before "the dealer is full"
    await check_seat(session, invitation, user)
    # Take one use only if one is left: safe when two people redeem the last use at once.
    taken = await session.execute(
        update(Invitation)
        .where(Invitation.id == invitation.id, Invitation.uses < Invitation.max_uses)
        .values(uses=Invitation.uses + 1)
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount != 1:  # type: ignore[attr-defined]
        raise InvalidInput("invitation.used_up")
    if user is None:
        user = User(telegram_id=telegram_id, created_at=now)
        session.add(user)
    user.full_name = full_name or user.full_name
    user.username = username
    user.language = language if language in ("ru", "en") else "ru"
    user.is_active = True
    if invitation.role == Role.DEALER:
        user.role = Role.DEALER
        user.dealer_id = invitation.dealer_id
        apply_invitation_role(invitation, user)
    elif user.role != Role.ADMIN:
        user.role = invitation.role
    await session.flush()
    session.add(InvitationUse(invitation_id=invitation.id, user_id=user.id, used_at=now))
    if invitation.dealer_id is not None:
        dealer = await session.get(Dealer, invitation.dealer_id)
        if dealer is not None:
            if dealer.status != DealerStatus.PAUSED:  # a new person does not lift a pause
                dealer.status = DealerStatus.ACTIVE
            dealer.onboarded_at = dealer.onboarded_at or now
    await session.flush()
    await session.refresh(invitation)
    return user


async def invite_colleague(
    session: AsyncSession, inviter: User, role: str, *, now: datetime | None = None
) -> tuple[Invitation, Seats]:
    """A one-use invitation to the inviter's dealer with `role`, valid a week.

    Forbidden `dealer_role.not_admin` unless the inviter is the dealer's admin; InvalidInput
    `dealer_role.bad_role` for a role they may not give; `invitation.dealer_full` when the
    dealer's people and open invitations already fill its limit. The dealer row is locked
    (PostgreSQL) so two admins inviting at once cannot both take the last seat.
    """
    if not may_invite(inviter):
        raise Forbidden("dealer_role.not_admin")
    if role not in INVITABLE:
        raise InvalidInput("dealer_role.bad_role", role=role)
    now = now or utcnow()
    assert inviter.dealer_id is not None
    dealer = await session.scalar(
        select(Dealer).where(Dealer.id == inviter.dealer_id).with_for_update()
    )
    if dealer is None:
        raise NotFound("dealer.not_found", dealer_id=inviter.dealer_id)
    count = await seats(session, dealer, now)
    if count.free <= 0:
        raise InvalidInput("invitation.dealer_full", limit=count.limit, people=count.people)
    invitation = await create_invitation(
        session,
        dealer_id=dealer.id,
        max_uses=1,
        days=COLLEAGUE_INVITE_DAYS,
        created_by_id=inviter.id,
        now=now,
    )
    invitation.dealer_role = DealerRole(role)
    await session.flush()
    return invitation, Seats(count.people, count.reserved + 1, count.limit)

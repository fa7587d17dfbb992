"""Cut a dealer or a person off and let them back, every change audited (who, when, why).

Pausing keeps everything: carts, placed orders (managers and 1C go on with them), invitations.
While paused the dealer's people see no price or stock and are told why (core.access.rule).
A revoked person loses access at once; no invitation, old or multi-use, re-admits them
(core.dealers.invitations refuses them) until an admin restores them explicitly.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import InvalidInput, NotFound
from core.models import AuditEntry, Dealer, DealerStatus, Role, User, utcnow

MAX_REASON = 500
MAX_GROUP = 60


@dataclass(frozen=True)
class Actor:
    """Who made a change, as the audit log records it."""

    login: str
    staff_id: int | None = None
    remote_addr: str | None = None


def _reason(text: str | None) -> str:
    reason = " ".join((text or "").split())
    if len(reason) > MAX_REASON:
        raise InvalidInput("access.reason_too_long", limit=MAX_REASON)
    return reason


def record(
    session: AsyncSession,
    actor: Actor,
    action: str,
    object_type: str,
    object_id: object,
    **details: Any,
) -> AuditEntry:
    """Add one audit entry (same transaction as the change)."""
    entry = AuditEntry(
        at=utcnow(),
        staff_id=actor.staff_id,
        staff_login=actor.login[:100],
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        details=details,
        remote_addr=actor.remote_addr,
    )
    session.add(entry)
    return entry


async def _dealer(session: AsyncSession, dealer_id: int) -> Dealer:
    dealer = await session.get(Dealer, dealer_id)
    if dealer is None:
        raise NotFound("dealer.not_found", dealer_id=dealer_id)
    return dealer


async def pause_dealer(
    session: AsyncSession, dealer_id: int, actor: Actor, *, reason: str = ""
) -> Dealer:
    """Pause a dealer (a paused one gets the new reason); its people see no prices at once."""
    dealer = await _dealer(session, dealer_id)
    reason = _reason(reason)
    was = dealer.status
    dealer.status = DealerStatus.PAUSED
    dealer.paused_at = dealer.paused_at or utcnow()
    dealer.pause_reason = reason
    record(session, actor, "dealer.pause", "dealer", dealer.id, reason=reason, was=was)
    await session.flush()
    return dealer


async def resume_dealer(
    session: AsyncSession, dealer_id: int, actor: Actor, *, reason: str = ""
) -> Dealer:
    """Let a paused dealer back; InvalidInput `access.not_paused` for one that is not paused."""
    dealer = await _dealer(session, dealer_id)
    reason = _reason(reason)
    if dealer.status != DealerStatus.PAUSED:
        raise InvalidInput("access.not_paused", dealer=dealer.name)
    dealer.status = DealerStatus.ACTIVE
    dealer.paused_at = None
    dealer.pause_reason = ""
    record(session, actor, "dealer.resume", "dealer", dealer.id, reason=reason)
    await session.flush()
    return dealer


async def _person(session: AsyncSession, telegram_id: int) -> User:
    user = await session.scalar(select(User).where(User.telegram_id == telegram_id))
    if user is None:
        raise NotFound("user.not_found", telegram_id=telegram_id)
    return user


async def person_by_id(session: AsyncSession, user_id: int, dealer_id: int | None = None) -> User:
    """A person by id (of this dealer when given), or NotFound."""
    user = await session.get(User, user_id)
    if user is None or (dealer_id is not None and user.dealer_id != dealer_id):
        raise NotFound("user.not_found", telegram_id=user_id)
    return user


async def _set_access(
    session: AsyncSession, person: User, actor: Actor, *, revoke: bool, reason: str
) -> User:
    """Revoke or restore one person, with its audit entry (same transaction)."""
    reason = _reason(reason)
    person.revoked_at = utcnow() if revoke else None
    person.revoke_reason = reason if revoke else ""
    person.is_active = not revoke  # revoked: no notifications, broadcasts or manager cards
    record(
        session,
        actor,
        "user.revoke" if revoke else "user.restore",
        "user",
        person.id,
        reason=reason,
        telegram_id=person.telegram_id,
        dealer_id=person.dealer_id,
        name=person.full_name,
    )
    await session.flush()
    return person


async def revoke_person(
    session: AsyncSession, user: User | int, actor: Actor, *, reason: str = ""
) -> User:
    """Cut a person off (by User or Telegram id): at once, and for good until restored."""
    person = user if isinstance(user, User) else await _person(session, user)
    _reason(reason)  # a too long reason is refused before the state is looked at
    if person.revoked_at is not None:
        raise InvalidInput("access.already_revoked", name=person.full_name)
    return await _set_access(session, person, actor, revoke=True, reason=reason)


async def restore_person(
    session: AsyncSession, user: User | int, actor: Actor, *, reason: str = ""
) -> User:
    """Re-admit a revoked person (the explicit admin action); they keep their dealer."""
    person = user if isinstance(user, User) else await _person(session, user)
    _reason(reason)
    if person.revoked_at is None:
        raise InvalidInput("access.not_revoked", name=person.full_name)
    return await _set_access(session, person, actor, revoke=False, reason=reason)


async def set_person_access(
    session: AsyncSession, person: User, active: bool, actor: Actor, *, reason: str = ""
) -> bool:
    """An "active" flag (the admin's person form) as revoke or restore, never a bare write:
    off revokes, on restores, each audited; True when it changed anything. A person switched
    off by a bare write before this rule existed is restored (or revoked) the same way."""
    if active == (person.is_active and person.revoked_at is None):
        return False
    await _set_access(session, person, actor, revoke=not active, reason=reason)
    return True


async def set_manager_group(
    session: AsyncSession, telegram_id: int, group: str | None, actor: Actor
) -> User:
    """Put a manager in a group (managers of one group share dealers); None or '' takes them out."""
    person = await _person(session, telegram_id)
    if person.role not in (Role.MANAGER, Role.ADMIN):
        raise InvalidInput("access.not_a_manager", name=person.full_name)
    name = " ".join((group or "").split()) or None
    if name is not None and len(name) > MAX_GROUP:
        raise InvalidInput("access.group_too_long", limit=MAX_GROUP)
    was = person.manager_group
    person.manager_group = name
    record(session, actor, "user.manager_group", "user", person.id, group=name, was=was)
    await session.flush()
    return person


async def dealer_audit(session: AsyncSession, dealer_id: int, limit: int = 50) -> list[AuditEntry]:
    """The audit entries of a dealer and of its people, newest first (shown on its card)."""
    people = select(User.id).where(User.dealer_id == dealer_id)
    ids = [str(i) for i in await session.scalars(people)]
    conditions = [(AuditEntry.object_type == "dealer") & (AuditEntry.object_id == str(dealer_id))]
    if ids:
        conditions.append((AuditEntry.object_type == "user") & AuditEntry.object_id.in_(ids))
    rows = await session.scalars(
        select(AuditEntry)
        .where(or_(*conditions))
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .limit(limit)
    )
    return list(rows)

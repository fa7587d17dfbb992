"""Editing a dealer's people, legal entities, delivery addresses, tags and approval settings.

Every function checks all of its input first and raises InvalidInput (a message key) before it
changes anything, so a refused form saves nothing. Each returns the changes as
{field: [before, after]} for the caller's audit entry (core.models.AuditEntry).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.dealers.roles import MAX_PEOPLE_LIMIT, DealerRole, check_max_people
from core.dealers.validation import (
    check_inn_checksum,
    check_kpp,
    normalize_phone,
    parse_tags,
    parse_threshold,
)
from core.errors import InvalidInput, NotFound
from core.models import Dealer, DeliveryAddress, LegalEntity, Role, User

Changes = dict[str, list[Any]]


def _text(value: str, key: str, limit: int) -> str:
    """Required text, inner spaces collapsed; `key` + "required" / "too_long" on error."""
    text = " ".join((value or "").split())
    if not text:
        raise InvalidInput(f"{key}required")
    if len(text) > limit:
        raise InvalidInput(f"{key}too_long", limit=limit)
    return text


def _apply(row: Any, values: dict[str, Any]) -> Changes:
    changes: Changes = {}
    for name, value in values.items():
        before = getattr(row, name)
        if before != value:
            changes[name] = [before, value]
            setattr(row, name, value)
    return changes


async def person_of(session: AsyncSession, dealer: Dealer, user_id: int) -> User:
    """One of the dealer's people, or NotFound (someone else's person looks missing)."""
    user = await session.get(User, user_id)
    if user is None or user.dealer_id != dealer.id or user.role != Role.DEALER:
        raise NotFound("person.not_found")
    return user


async def update_person(
    session: AsyncSession,
    dealer: Dealer,
    user_id: int,
    *,
    full_name: str,
    phone: str,
    dealer_role: str,
) -> tuple[User, Changes]:
    """A person's name, phone (normalised to +7...) and role inside the dealer; access is
    changed only through core.access.lifecycle (set_person_access), audited."""
    user = await person_of(session, dealer, user_id)
    values = {
        "full_name": _text(full_name, "person.name_", 255),
        "phone": normalize_phone(phone or ""),
        "dealer_role": _role(dealer_role),
    }
    changes = _apply(user, values)
    await session.flush()
    return user, changes


def _role(value: str) -> str:
    try:
        return DealerRole(value).value
    except ValueError:
        raise InvalidInput("person.bad_role", role=value) from None


async def entity_of(session: AsyncSession, dealer: Dealer, entity_id: int) -> LegalEntity:
    """One of the dealer's legal entities, or NotFound."""
    entity = await session.get(LegalEntity, entity_id)
    if entity is None or entity.dealer_id != dealer.id:
        raise NotFound("legal_entity.not_found")
    return entity


async def save_legal_entity(
    session: AsyncSession,
    dealer: Dealer,
    entity_id: int | None,
    *,
    name: str,
    inn: str,
    kpp: str,
    approval_threshold: str = "",
) -> tuple[LegalEntity, Changes]:
    """Create (entity_id None) or edit a legal entity: name, INN with its checksum, KPP of 9
    characters, and its own approval threshold (empty: the dealer's)."""
    values: dict[str, Any] = {
        "name": _text(name, "legal_entity.name_", 255),
        "inn": check_inn_checksum(inn or ""),
        "kpp": check_kpp(kpp or ""),
        "approval_threshold": parse_threshold(approval_threshold or ""),
    }
    if entity_id is None:
        entity = LegalEntity(dealer_id=dealer.id)  # every field is then a change from None
        session.add(entity)
    else:
        entity = await entity_of(session, dealer, entity_id)
    changes = _apply(entity, values)
    await session.flush()
    return entity, changes


async def address_of(session: AsyncSession, dealer: Dealer, address_id: int) -> DeliveryAddress:
    """One of the dealer's delivery addresses, or NotFound."""
    row = await session.get(DeliveryAddress, address_id)
    if row is None or row.dealer_id != dealer.id:
        raise NotFound("address.not_found")
    return row


async def save_address(
    session: AsyncSession,
    dealer: Dealer,
    address_id: int | None,
    *,
    address: str,
    is_default: bool,
) -> tuple[DeliveryAddress, Changes]:
    """Create or edit a delivery address; making it the default unmarks the others."""
    text = _text(address, "address.", 500)
    if address_id is None:
        row = DeliveryAddress(dealer_id=dealer.id)  # every field is then a change from None
        session.add(row)
    else:
        row = await address_of(session, dealer, address_id)
    changes = _apply(row, {"address": text, "is_default": bool(is_default)})
    await session.flush()
    if is_default:
        await session.execute(
            update(DeliveryAddress)
            .where(DeliveryAddress.dealer_id == dealer.id, DeliveryAddress.id != row.id)
            .values(is_default=False)
            .execution_options(synchronize_session=False)
        )
    return row, changes


async def delete_address(session: AsyncSession, dealer: Dealer, address_id: int) -> str:
    """Remove a delivery address (orders keep their own copy of it); returns its text."""
    row = await address_of(session, dealer, address_id)
    text = row.address
    await session.delete(row)
    await session.flush()
    return text


def set_dealer_settings(dealer: Dealer, *, tags: str, threshold: str, max_people: str) -> Changes:
    """The dealer's tags (one per line or comma-separated; the broadcasts' tag segment reads
    them), approval threshold (empty: no approval) and people limit for its admin's invites."""
    parsed = parse_tags(tags or "")
    try:
        limit = int(max_people.strip())
    except ValueError:
        raise InvalidInput("dealer.bad_max_people", limit=MAX_PEOPLE_LIMIT) from None
    values: dict[str, Any] = {
        "approval_threshold": parse_threshold(threshold or ""),
        "max_people": check_max_people(limit),
    }
    changes: Changes = {}
    before = sorted(k for k, v in (dealer.tags or {}).items() if v)
    if before != sorted(parsed):
        dealer.tags = parsed
        changes["tags"] = [before, sorted(parsed)]
    return changes | _apply(dealer, values)


async def people(session: AsyncSession, dealer_id: int) -> list[User]:
    """The dealer's people, oldest first."""
    rows = await session.scalars(
        select(User).where(User.dealer_id == dealer_id, User.role == Role.DEALER).order_by(User.id)
    )
    return list(rows)


def threshold_text(value: Decimal | None) -> str:
    """A stored threshold as the form shows it ('' when none)."""
    return "" if value is None else f"{value:.2f}"

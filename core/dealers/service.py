"""Dealers, their legal entities and addresses, and people as the other services need them."""

from __future__ import annotations

import re

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import Forbidden, InvalidInput, NotFound
from core.models import Dealer, DealerStatus, DeliveryAddress, LegalEntity, PriceType, User

_INN = re.compile(r"^(\d{10}|\d{12})$")


def dealer_id_of(user: User) -> int:
    """The dealer a person acts for; Forbidden for someone bound to no dealer."""
    if user.dealer_id is None:
        raise Forbidden("dealer.not_bound")
    return user.dealer_id


def check_inn(inn: str) -> str:
    """A Russian INN: 10 digits (company) or 12 (sole trader)."""
    inn = inn.strip()
    if not _INN.match(inn):
        raise InvalidInput("dealer.bad_inn", inn=inn)
    return inn


async def user_by_telegram_id(session: AsyncSession, telegram_id: int) -> User | None:
    """The person with this Telegram id, if known."""
    return await session.scalar(select(User).where(User.telegram_id == telegram_id))


_USER_AND_DEALER = (
    select(User, Dealer)
    .outerjoin(Dealer, Dealer.id == User.dealer_id)
    .where(User.telegram_id == bindparam("telegram_id"))
)


async def user_and_dealer_by_telegram_id(
    session: AsyncSession, telegram_id: int
) -> tuple[User, Dealer | None] | None:
    """The person with this Telegram id and their dealer, in one query.

    Both land in the session, so a later `get_dealer` for that dealer needs no query.
    """
    row = (await session.execute(_USER_AND_DEALER, {"telegram_id": telegram_id})).first()
    return None if row is None else (row[0], row[1])


def mark_reachable(user: User) -> None:
    """The person wrote to the bot in private, so they no longer block it: send to them again."""
    if user.blocked_bot_at is not None:
        user.blocked_bot_at = None


async def get_dealer(session: AsyncSession, dealer_id: int) -> Dealer:
    """A dealer by id, or NotFound."""
    dealer = await session.get(Dealer, dealer_id)
    if dealer is None:
        raise NotFound("dealer.not_found", dealer_id=dealer_id)
    return dealer


async def dealer_of(session: AsyncSession, user: User) -> Dealer:
    """The dealer of a bound person (from the session's identity map when already loaded)."""
    return await get_dealer(session, dealer_id_of(user))


async def legal_entities(session: AsyncSession, dealer_id: int) -> list[LegalEntity]:
    """The dealer's active legal entities."""
    rows = await session.scalars(
        select(LegalEntity)
        .where(LegalEntity.dealer_id == dealer_id, LegalEntity.is_active.is_(True))
        .order_by(LegalEntity.id)
    )
    return list(rows)


async def legal_entity_for(session: AsyncSession, user: User, legal_entity_id: int) -> LegalEntity:
    """One of the person's dealer's active legal entities, or NotFound (also for another's)."""
    entity = await session.get(LegalEntity, legal_entity_id)
    if entity is None or entity.dealer_id != dealer_id_of(user) or not entity.is_active:
        raise NotFound("legal_entity.not_found")
    return entity


async def set_active_legal_entity(
    session: AsyncSession, user: User, legal_entity_id: int
) -> LegalEntity:
    """Make one of the dealer's legal entities the person's active one."""
    entity = await legal_entity_for(session, user, legal_entity_id)
    user.active_legal_entity_id = entity.id
    await session.flush()
    return entity


async def addresses(session: AsyncSession, dealer_id: int) -> list[DeliveryAddress]:
    """The dealer's delivery addresses, the default first."""
    rows = await session.scalars(
        select(DeliveryAddress)
        .where(DeliveryAddress.dealer_id == dealer_id)
        .order_by(DeliveryAddress.is_default.desc(), DeliveryAddress.id)
    )
    return list(rows)


async def create_dealer(
    session: AsyncSession, *, name: str, inn: str, price_type_name: str | None = None
) -> Dealer:
    """Create a dealer with one legal entity of the same name and INN."""
    name = name.strip()
    if not name:
        raise InvalidInput("dealer.name_required")
    inn = check_inn(inn)
    price_type_id = None
    if price_type_name:
        price_type = await session.scalar(
            select(PriceType).where(PriceType.name == price_type_name)
        )
        if price_type is None:
            known = list(await session.scalars(select(PriceType.name).order_by(PriceType.name)))
            raise InvalidInput("dealer.unknown_price_type", name=price_type_name, known=known)
        price_type_id = price_type.id
    dealer = Dealer(name=name, inn=inn, price_type_id=price_type_id, status=DealerStatus.PROSPECT)
    session.add(dealer)
    await session.flush()
    session.add(LegalEntity(dealer_id=dealer.id, name=name, inn=inn))
    await session.flush()
    return dealer

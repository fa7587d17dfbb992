"""Our objects as the port's cards, read from the database (labels through core.display)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from core import sandbox
from core.display import label
from core.models import Claim, Dealer, LegalEntity, Order, Role, User
from core.settings import Settings
from integrations.crm.port import DealerCard, NoteCard, OrderCard, Person, Requisite, Row


def responsible(settings: Settings, user_id: int | None) -> str | None:
    """The CRM user id of our manager `user_id` (BITRIX24_USER_MAP), or None."""
    return settings.bitrix24_user_map.get(str(user_id)) if user_id is not None else None


async def dealer_card(session: AsyncSession, settings: Settings, dealer_id: int) -> DealerCard:
    dealer = await session.get_one(Dealer, dealer_id)
    entities = await session.scalars(
        select(LegalEntity)
        .where(LegalEntity.dealer_id == dealer_id, LegalEntity.is_active.is_(True))
        .order_by(LegalEntity.id)
    )
    people = await session.scalars(
        select(User)
        .where(User.dealer_id == dealer_id, User.role == Role.DEALER, User.is_active.is_(True))
        .where(sandbox.real_people())  # the sandbox's stand-ins are never CRM contacts
        .order_by(User.id)
    )
    return DealerCard(
        id=dealer.id,
        name=dealer.name,
        inn=dealer.inn,
        city=dealer.city,
        responsible=responsible(settings, dealer.manager_id),
        requisites=[Requisite(e.name, e.inn, e.kpp) for e in entities],
        people=[Person(p.id, p.full_name, p.phone) for p in people],
    )


async def order_card(session: AsyncSession, settings: Settings, order: Order) -> OrderCard:
    dealer = await session.get_one(Dealer, order.dealer_id)
    return OrderCard(
        id=order.id,
        number=order.number,
        stage=settings.bitrix24_stage_map.get(str(order.status), "NEW"),
        currency=order.currency,
        total=order.total,
        responsible=responsible(settings, order.confirmed_by_id or dealer.manager_id),
        rows=[Row(line.article, line.name, line.price, line.quantity) for line in order.lines],
        comment=order.comment,
    )


async def load_order(session: AsyncSession, order_id: int) -> Order:
    return (
        await session.scalars(
            select(Order).where(Order.id == order_id).options(selectinload(Order.lines))
        )
    ).one()


async def claim_note(session: AsyncSession, settings: Settings, claim_id: int) -> NoteCard:
    claim = await session.get_one(Claim, claim_id)
    order = await session.get_one(Order, claim.order_id)
    dealer = await session.get_one(Dealer, claim.dealer_id)
    return NoteCard(
        entity="claim",
        id=claim.id,
        title=f"Рекламация {claim.number} по заказу {order.number}",
        text=f"{label('claim_status', claim.status)}. {claim.comment}".strip(),
        at=claim.created_at,
        responsible=responsible(settings, dealer.manager_id),
    )


def contact_note(settings: Settings, payload: dict[str, object]) -> NoteCard:
    """The agreed "contact.logged" payload as an activity."""
    minutes = payload.get("duration_minutes")
    parts = [
        f"Канал: {label('contact_channel', payload.get('channel'))}",
        f"Тема: {label('contact_topic', payload.get('topic'))}",
    ]
    if minutes:
        parts.append(f"Длительность: {minutes} мин")
    if payload.get("note"):
        parts.append(str(payload["note"]))
    manager = payload.get("manager_user_id")
    return NoteCard(
        entity="contact",
        id=int(str(payload["contact_id"])),
        title=(
            f"Контакт №{payload['contact_id']}: {label('contact_channel', payload.get('channel'))}"
            f", {label('contact_topic', payload.get('topic'))}"
        ),
        text="\n".join(parts),
        at=datetime.fromisoformat(str(payload["occurred_at"]).replace("Z", "+00:00")),
        responsible=responsible(settings, int(str(manager)) if manager is not None else None),
    )

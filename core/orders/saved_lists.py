"""Saved order lists: a cart kept under a name ("заказ на неделю"), ordered from again later.

Lists belong to the dealer, so every person of the dealer sees, orders from, renames and
deletes the same lists; another dealer's list is NotFound. Ordering from a list replaces the
person's cart with its lines at today's prices and returns the same diff as repeating an order
(price then/now, short stock, no longer sold). Services flush but never commit.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from core.dealers.service import dealer_id_of
from core.errors import InvalidInput, NotFound
from core.models import SavedList, SavedListLine, User, utcnow
from core.orders.cart import get_cart
from core.orders.reorder import LineDiff, fill_cart_from

MAX_NAME = 64
MAX_LISTS = 50  # per dealer: more is a sign of a loop, not of planning


@dataclass(frozen=True)
class ListSummary:
    """A list as the overview shows it."""

    id: int
    name: str
    line_count: int
    updated_at: datetime


@dataclass
class ListOrderResult(LineDiff):
    """The diff of ordering from a saved list."""

    list_id: int = 0
    name: str = ""


def clean_name(name: str) -> tuple[str, str]:
    """The name as shown (spaces collapsed, control characters dropped) and its folded key.

    InvalidInput `saved_list.name_empty` or `saved_list.name_too_long`.
    """
    text = "".join(ch for ch in name or "" if unicodedata.category(ch)[0] != "C" or ch == " ")
    text = " ".join(text.split())
    if not text:
        raise InvalidInput("saved_list.name_empty")
    if len(text) > MAX_NAME:
        raise InvalidInput("saved_list.name_too_long", limit=MAX_NAME)
    return text, text.casefold().replace("ё", "е")


async def list_lists(session: AsyncSession, user: User) -> list[ListSummary]:
    """The dealer's lists, by name, with their line counts."""
    dealer_id = dealer_id_of(user)
    rows = await session.execute(
        select(SavedList.id, SavedList.name, SavedList.updated_at, func.count(SavedListLine.id))
        .outerjoin(SavedListLine, SavedListLine.list_id == SavedList.id)
        .where(SavedList.dealer_id == dealer_id)
        .group_by(SavedList.id, SavedList.name, SavedList.updated_at)
        .order_by(SavedList.name_key, SavedList.id)
    )
    return [ListSummary(id=i, name=n, line_count=c, updated_at=u) for i, n, u, c in rows]


async def get_list(session: AsyncSession, user: User, list_id: int) -> SavedList:
    """One of the dealer's lists with its lines; another dealer's list is NotFound."""
    saved = await session.scalar(
        select(SavedList)
        .where(SavedList.id == list_id, SavedList.dealer_id == dealer_id_of(user))
        .options(selectinload(SavedList.lines))
        .execution_options(populate_existing=True)
    )
    if saved is None:
        raise NotFound("saved_list.not_found", list_id=list_id)
    return saved


async def _by_key(session: AsyncSession, dealer_id: int, key: str) -> SavedList | None:
    return await session.scalar(
        select(SavedList).where(SavedList.dealer_id == dealer_id, SavedList.name_key == key)
    )


async def save_cart(
    session: AsyncSession, user: User, name: str, *, replace: bool = False
) -> tuple[SavedList, bool]:
    """Save the person's cart as the dealer's list `name`; returns the list and whether an
    existing list of that name was replaced.

    InvalidInput `saved_list.cart_empty`, `saved_list.name_taken` (a list of that name exists
    and `replace` is False), `saved_list.too_many`, or a bad name; nothing is changed then.
    """
    dealer_id = dealer_id_of(user)
    shown, key = clean_name(name)
    view = await get_cart(session, user)
    if view.is_empty:
        raise InvalidInput("saved_list.cart_empty")
    existing = await _by_key(session, dealer_id, key)
    if existing is not None and not replace:
        raise InvalidInput("saved_list.name_taken", name=existing.name)
    now = utcnow()
    if existing is None:
        count = await session.scalar(
            select(func.count(SavedList.id)).where(SavedList.dealer_id == dealer_id)
        )
        if (count or 0) >= MAX_LISTS:
            raise InvalidInput("saved_list.too_many", limit=MAX_LISTS)
        saved = SavedList(
            dealer_id=dealer_id,
            name=shown,
            name_key=key,
            created_by_id=user.id,
            updated_by_id=user.id,
            created_at=now,
            updated_at=now,
        )
        try:
            async with session.begin_nested():
                session.add(saved)
        except IntegrityError:  # a colleague saved the same name at the same moment
            raise InvalidInput("saved_list.name_taken", name=shown) from None
    else:
        saved = existing
        saved.name, saved.updated_by_id, saved.updated_at = shown, user.id, now
        await session.execute(delete(SavedListLine).where(SavedListLine.list_id == saved.id))
    session.add_all(
        SavedListLine(
            list_id=saved.id,
            line_no=n,
            product_id=line.product.id,
            product_onec_id=line.product.onec_id,
            article=line.product.article,
            name=line.product.name,
            unit=line.product.unit,
            price=line.price,
            quantity=line.quantity,
        )
        for n, line in enumerate(view.lines, start=1)
    )
    await session.flush()
    return await get_list(session, user, saved.id), existing is not None


async def rename_list(session: AsyncSession, user: User, list_id: int, name: str) -> SavedList:
    """Give one of the dealer's lists another name (`saved_list.name_taken` if in use)."""
    saved = await get_list(session, user, list_id)
    shown, key = clean_name(name)
    other = await _by_key(session, saved.dealer_id, key)
    if other is not None and other.id != saved.id:
        raise InvalidInput("saved_list.name_taken", name=other.name)
    saved.name, saved.name_key = shown, key
    saved.updated_by_id, saved.updated_at = user.id, utcnow()
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError:
        raise InvalidInput("saved_list.name_taken", name=shown) from None
    return saved


async def delete_list(session: AsyncSession, user: User, list_id: int) -> str:
    """Delete one of the dealer's lists; returns its name."""
    saved = await get_list(session, user, list_id)
    name = saved.name
    await session.delete(saved)
    await session.flush()
    return name


async def order_from_list(session: AsyncSession, user: User, list_id: int) -> ListOrderResult:
    """Replace the person's cart with the list's lines at today's prices, with the diff."""
    saved = await get_list(session, user, list_id)
    lines = await fill_cart_from(session, user, saved.lines, reorder_of_id=None)
    return ListOrderResult(lines=lines, list_id=saved.id, name=saved.name)

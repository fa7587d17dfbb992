"""Alerts: "Сообщить о поступлении" on an item without stock, and the texts of the alert
messages the sender delivers (back in stock, price drops)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from aiogram import Router
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callbacks import AddToCart, StockAlertAsk
from bot.filters import BoundDealer
from bot.i18n import _
from bot.render import clip, money, qty, short
from core.catalog.alerts import PRICE_NOTICE, STOCK_NOTICE, subscribe
from core.catalog.offers import load_offers
from core.finance.prices import price_type_for
from core.models import Dealer, Delivery, Product, User

ANSWERS = {
    "created": "alerts.asked.created",
    "already": "alerts.asked.already",
    "in_stock": "alerts.asked.in_stock",
}


def create_router() -> Router:
    """The alert button of search results, for bound dealers."""
    router = Router(name="alerts")
    router.callback_query.filter(BoundDealer())

    @router.callback_query(StockAlertAsk.filter())
    async def ask(
        query: CallbackQuery, callback_data: StockAlertAsk, session: AsyncSession, user: User
    ) -> None:
        outcome = await subscribe(session, user, callback_data.product_id)
        await query.answer(_(ANSWERS[outcome]), show_alert=outcome != "created")

    return router


def _add_button(product_id: int, article: str) -> list[InlineKeyboardButton]:
    return [
        InlineKeyboardButton(
            text=f"{short(article, 20)} +1",
            callback_data=AddToCart(product_id=product_id, qty=1).pack(),
        )
    ]


async def alert_message(
    session: AsyncSession, delivery: Delivery
) -> tuple[str, InlineKeyboardMarkup | None] | None:
    """The text and buttons of an alert delivery, from the current catalog, in the current
    locale (the sender sets it); None when nothing is left to tell (items gone)."""
    p: dict[str, Any] = delivery.params
    user = await session.get(User, delivery.user_id) if delivery.user_id else None
    dealer = await session.get(Dealer, user.dealer_id) if user and user.dealer_id else None
    price_type_id = (
        await price_type_for(session, dealer.id, user.active_legal_entity_id)
        if dealer and user
        else None
    )
    if delivery.kind == STOCK_NOTICE:
        ids = [int(pid) for pid in p.get("product_ids", [])]
    elif delivery.kind == PRICE_NOTICE:
        ids = [int(d["product_id"]) for d in p.get("drops", [])]
    else:
        return None
    products = {
        product.id: product
        for product in await session.scalars(
            select(Product).where(Product.id.in_(ids), Product.is_active.is_(True))
        )
    }
    if not products:
        return None
    offers = await load_offers(session, products, price_type_id)
    lines: list[str] = []
    buttons: list[list[InlineKeyboardButton]] = []
    if delivery.kind == STOCK_NOTICE:
        lines.append(_("alerts.back_title"))
        for pid in ids:
            product = products.get(pid)
            if product is None:
                continue
            offer = offers[pid]
            lines.append(
                _(
                    "alerts.back_line",
                    article=product.article,
                    name=product.name,
                    price=money(offer.price, offer.currency),
                    total=qty(offer.stock_total),
                    unit=product.unit,
                )
            )
            buttons.append(_add_button(pid, product.article))
    else:
        lines.append(_("alerts.drop_title"))
        for drop in p.get("drops", []):
            product = products.get(int(drop["product_id"]))
            if product is None:
                continue
            currency = str(drop.get("currency") or "RUB")
            lines.append(
                _(
                    "alerts.drop_line",
                    article=product.article,
                    name=product.name,
                    old=money(Decimal(str(drop["old"])), currency),
                    new=money(Decimal(str(drop["new"])), currency),
                )
            )
            buttons.append(_add_button(product.id, product.article))
    return clip("\n\n".join(lines)), InlineKeyboardMarkup(inline_keyboard=buttons)

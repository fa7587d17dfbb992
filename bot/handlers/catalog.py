"""Search: any text is a query (article, barcode or words); results with the dealer's price and
stock by warehouse, paging, and add-to-cart buttons 1 / 5 / 10 / other."""

from __future__ import annotations

from dataclasses import dataclass, field

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callbacks import AddToCart, CartAction, SearchPage, StockAlertAsk
from bot.filters import BoundDealer, Is
from bot.i18n import _
from bot.render import clip, money, qty, short
from core.catalog.crosses import Analog, analogs_of
from core.catalog.search import SearchHit, search_products
from core.dealers.service import dealer_id_of, get_dealer
from core.finance.prices import price_type_for
from core.models import User

PAGE_SIZE = 5
MAX_QUERY = 200
ADD_STEPS = (1, 5, 10)


@dataclass
class Found:
    """One page of search results."""

    items: list[SearchHit]
    has_more: bool
    corrected: str | None = None  # the query shown instead of the one typed (it found nothing)
    analogs: dict[int, list[Analog]] = field(default_factory=dict)  # in stock, not on the page


async def find(session: AsyncSession, user: User, query: str, page: int) -> Found:
    """Search the catalog for the dealer: their price type, one page, each item's in-stock
    analogs (cross numbers) that the page does not already show."""
    dealer = await get_dealer(session, dealer_id_of(user))
    price_type_id = await price_type_for(session, dealer.id, user.active_legal_entity_id)
    result = await search_products(
        session, query, price_type_id=price_type_id, page=page, page_size=PAGE_SIZE
    )
    shown = {hit.product_id for hit in result.items}
    analogs = await analogs_of(session, list(shown), price_type_id)
    others = {
        pid: [a for a in found if a.product_id not in shown] for pid, found in analogs.items()
    }
    return Found(
        items=list(result.items),
        has_more=result.has_more,
        corrected=result.corrected,
        analogs={pid: found for pid, found in others.items() if found},
    )


def analog_lines(analogs: list[Analog]) -> list[str]:
    """The lines listing an item's in-stock analogs, after the item."""
    if not analogs:
        return []
    rows = ["   " + _("catalog.analogs")]
    for a in analogs:
        rows.append(
            "   "
            + _(
                "catalog.analog",
                article=a.article,
                name=a.name,
                price=money(a.price, a.currency),
                total=qty(a.stock_total),
                unit=a.unit,
            )
        )
    return rows


def item_text(n: int, hit: SearchHit, analogs: list[Analog] | None = None) -> str:
    """An item: article, name, price, stock in total and by warehouse; its analogs in stock."""
    rows = [
        f"{n}. {hit.article} — {hit.name}",
        "   " + _("catalog.price", price=money(hit.price, hit.currency)),
    ]
    if hit.stock_total > 0:
        by_warehouse = ", ".join(f"{s.warehouse}: {qty(s.quantity)}" for s in hit.stock)
        rows.append(
            "   " + _("catalog.stock", total=qty(hit.stock_total), unit=hit.unit, by=by_warehouse)
        )
    else:
        rows.append("   " + _("catalog.no_stock"))
    rows.extend(analog_lines(analogs or []))
    return "\n".join(rows)


def results_view(query: str, found: Found, page: int) -> tuple[str, InlineKeyboardMarkup | None]:
    if not found.items:
        return (_("catalog.nothing", query=query) if page == 0 else _("catalog.no_more")), None
    first = page * PAGE_SIZE + 1
    text = [_("catalog.results", query=query)]
    if found.corrected is not None:
        text = [_("catalog.corrected", query=found.corrected)]
    rows: list[list[InlineKeyboardButton]] = []
    for i, hit in enumerate(found.items):
        text.append(item_text(first + i, hit, found.analogs.get(hit.product_id)))
        rows.append(
            [
                InlineKeyboardButton(
                    text=f"{first + i}. {short(hit.article, 14)} +{n}",
                    callback_data=AddToCart(product_id=hit.product_id, qty=n).pack(),
                )
                for n in ADD_STEPS
            ]
            + [
                InlineKeyboardButton(
                    text=_("catalog.other_qty"),
                    callback_data=AddToCart(product_id=hit.product_id, qty=0).pack(),
                )
            ]
        )
        if hit.stock_total <= 0:
            rows.append(
                [
                    InlineKeyboardButton(
                        text=_("alerts.ask_button", n=first + i),
                        callback_data=StockAlertAsk(product_id=hit.product_id).pack(),
                    )
                ]
            )
    nav = []
    if page > 0:
        nav.append(InlineKeyboardButton(text="◀", callback_data=SearchPage(page=page - 1).pack()))
    nav.append(
        InlineKeyboardButton(text=_("cart.show"), callback_data=CartAction(action="show").pack())
    )
    if found.has_more:
        nav.append(InlineKeyboardButton(text="▶", callback_data=SearchPage(page=page + 1).pack()))
    rows.append(nav)
    return clip("\n\n".join(text)), InlineKeyboardMarkup(inline_keyboard=rows)


def create_router() -> Router:
    """Search for bound dealers: the last text handler (flows with steps come first)."""
    router = Router(name="catalog")
    router.message.filter(BoundDealer())
    router.callback_query.filter(BoundDealer())

    @router.message(StateFilter(None), Is(F.text), Is(~F.text.startswith("/")))
    async def search(
        message: Message, session: AsyncSession, user: User, state: FSMContext
    ) -> None:
        query = (message.text or "").strip()[:MAX_QUERY]
        found = await find(session, user, query, 0)
        await state.update_data(search_query=query)
        text, markup = results_view(query, found, 0)
        await message.answer(text, reply_markup=markup)

    @router.callback_query(SearchPage.filter())
    async def page(
        query: CallbackQuery,
        callback_data: SearchPage,
        session: AsyncSession,
        user: User,
        state: FSMContext,
    ) -> None:
        data = await state.get_data()
        text_query = data.get("search_query")
        if not text_query or callback_data.page < 0:
            await query.answer(_("error.stale_button"), show_alert=True)
            return
        found = await find(session, user, text_query, callback_data.page)
        await query.answer()
        text, markup = results_view(text_query, found, callback_data.page)
        assert isinstance(query.message, Message)
        await query.bot.edit_message_text(  # type: ignore[union-attr]
            text=text,
            chat_id=query.message.chat.id,
            message_id=query.message.message_id,
            reply_markup=markup,
        )

    return router

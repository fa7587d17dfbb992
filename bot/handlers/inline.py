"""Inline mode: `@bot query` in any chat lists items with prices (bound dealers only)."""

from __future__ import annotations

from aiogram import Router
from aiogram.types import (
    InlineQuery,
    InlineQueryResultArticle,
    InlineQueryResultUnion,
    InputTextMessageContent,
)
from sqlalchemy.ext.asyncio import AsyncSession

from bot.filters import BoundDealer
from bot.handlers.catalog import find, item_text
from bot.i18n import _
from bot.render import money, qty
from core.models import User

MIN_QUERY = 2


def create_router() -> Router:
    """Inline queries of bound dealers (others get an empty answer from the fallback)."""
    router = Router(name="inline")
    router.inline_query.filter(BoundDealer())

    @router.inline_query()
    async def inline_search(query: InlineQuery, session: AsyncSession, user: User) -> None:
        text = query.query.strip()
        if len(text) < MIN_QUERY:
            await query.answer([], cache_time=0, is_personal=True)
            return
        found = await find(session, user, text[:200], 0)
        results: list[InlineQueryResultUnion] = [
            InlineQueryResultArticle(
                id=str(hit.product_id),
                title=f"{hit.article} — {hit.name}"[:200],
                description=_(
                    "inline.description",
                    price=money(hit.price, hit.currency),
                    stock=qty(hit.stock_total),
                ),
                input_message_content=InputTextMessageContent(message_text=item_text(1, hit)[3:]),
            )
            for hit in found.items
        ]
        await query.answer(results, cache_time=0, is_personal=True)

    return router

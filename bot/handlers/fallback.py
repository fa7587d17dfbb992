"""Last router: unknown commands, stale buttons, anything no flow took."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.types import CallbackQuery, InlineQuery, Message

from bot.filters import Is
from bot.i18n import _
from bot.keyboards import main_menu
from core.models import Dealer


def create_router() -> Router:
    """Answers for what no other router handled."""
    router = Router(name="fallback")

    @router.message(Is(F.text.startswith("/")))
    async def unknown_command(message: Message, dealer: Dealer | None = None) -> None:
        await message.answer(_("error.unknown_command"), reply_markup=main_menu(dealer))

    @router.message()
    async def not_understood(message: Message, dealer: Dealer | None = None) -> None:
        await message.answer(_("error.not_understood"), reply_markup=main_menu(dealer))

    @router.callback_query()
    async def stale_button(query: CallbackQuery) -> None:
        await query.answer(_("error.stale_button"), show_alert=True)

    @router.inline_query()
    async def inline_nothing(query: InlineQuery) -> None:
        await query.answer([], cache_time=0, is_personal=True)

    return router

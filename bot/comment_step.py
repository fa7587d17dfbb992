"""The optional comment after a one-tap score (the satisfaction poll and the NPS question)."""

from __future__ import annotations

from aiogram import F
from aiogram.filters import Filter, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from bot.filters import Is, NotMenu
from bot.keyboards import main_menu
from core.models import Dealer


async def ask_for_comment(
    query: CallbackQuery, *, thanks: str, question: str, skip_text: str, skip_data: str
) -> None:
    """After a score: thank, take the score buttons away, ask for a comment that can be skipped."""
    await query.answer(thanks)
    message = query.message
    assert isinstance(message, Message)
    await query.bot.edit_message_reply_markup(  # type: ignore[union-attr]
        chat_id=message.chat.id, message_id=message.message_id, reply_markup=None
    )
    await message.answer(
        question,
        reply_markup=InlineKeyboardMarkup(
            inline_keyboard=[[InlineKeyboardButton(text=skip_text, callback_data=skip_data)]]
        ),
    )


def comment_filters(state: State) -> tuple[Filter, ...]:
    """A plain text (not a menu button, not a command) while `state` waits for the comment."""
    return StateFilter(state), Is(F.text), NotMenu(), Is(~F.text.startswith("/"))


async def comment_saved(
    message: Message, state: FSMContext, dealer: Dealer | None, text: str
) -> None:
    """End the step: the flow is over, the main menu comes back."""
    await state.clear()
    await message.answer(text, reply_markup=main_menu(dealer))

"""The satisfaction poll: one tap for the score, then an optional comment."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callbacks import Poll
from bot.comment_step import ask_for_comment, comment_filters, comment_saved
from bot.filters import BoundDealer
from bot.i18n import _
from core.models import Dealer, User
from core.orders.satisfaction import SCORES, add_comment, record_score


class PollStates(StatesGroup):
    """Waiting for an optional comment after a score."""

    comment = State()


def poll_markup(order_id: int) -> InlineKeyboardMarkup:
    """Five buttons, 1 to 5."""
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=f"{'⭐' if s == 5 else ''}{s}",
                    callback_data=Poll(order_id=order_id, score=s).pack(),
                )
                for s in SCORES
            ]
        ]
    )


def create_router() -> Router:
    """Poll handlers for bound dealers."""
    router = Router(name="satisfaction")
    router.message.filter(BoundDealer())
    router.callback_query.filter(BoundDealer())

    @router.callback_query(Poll.filter(F.score > 0))
    async def score(
        query: CallbackQuery,
        callback_data: Poll,
        session: AsyncSession,
        user: User,
        state: FSMContext,
    ) -> None:
        await record_score(session, user, callback_data.order_id, callback_data.score)
        await state.set_state(PollStates.comment)
        await state.update_data(poll_order_id=callback_data.order_id)
        await ask_for_comment(
            query,
            thanks=_("poll.thanks"),
            question=_("poll.ask_comment"),
            skip_text=_("poll.no_comment"),
            skip_data=Poll(order_id=callback_data.order_id, score=0).pack(),
        )

    @router.callback_query(Poll.filter(F.score == 0))
    async def no_comment(query: CallbackQuery, state: FSMContext) -> None:
        await state.clear()
        await query.answer(_("poll.thanks"))

    @router.message(*comment_filters(PollStates.comment))
    async def comment(
        message: Message,
        session: AsyncSession,
        user: User,
        state: FSMContext,
        dealer: Dealer | None,
    ) -> None:
        data = await state.get_data()
        await add_comment(session, user, int(data["poll_order_id"]), message.text or "")
        await comment_saved(message, state, dealer, _("poll.comment_saved"))

    return router

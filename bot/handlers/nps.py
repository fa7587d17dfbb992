"""The NPS question for pilot dealers: 0..10 buttons, then an optional comment."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.comment_step import ask_for_comment, comment_filters, comment_saved
from bot.filters import BoundDealer
from bot.i18n import _
from core.metrics.nps import SCORES, add_nps_comment, record_nps
from core.models import Dealer, User

SKIP = -1  # the "no comment" button


class Nps(CallbackData, prefix="nps"):
    """An answer to the NPS question of a survey round (score -1: no comment)."""

    survey: str
    score: int


class NpsStates(StatesGroup):
    """Waiting for an optional comment after a score."""

    comment = State()


def nps_markup(survey: str) -> InlineKeyboardMarkup:
    """Eleven buttons, 0 to 10, in two rows."""
    buttons = [
        InlineKeyboardButton(text=str(s), callback_data=Nps(survey=survey, score=s).pack())
        for s in SCORES
    ]
    return InlineKeyboardMarkup(inline_keyboard=[buttons[:6], buttons[6:]])


def create_router() -> Router:
    """NPS handlers for bound dealers."""
    router = Router(name="nps")
    router.message.filter(BoundDealer())
    router.callback_query.filter(BoundDealer())

    @router.callback_query(Nps.filter(F.score >= 0))
    async def score(
        query: CallbackQuery,
        callback_data: Nps,
        session: AsyncSession,
        user: User,
        state: FSMContext,
    ) -> None:
        await record_nps(session, user, callback_data.survey, callback_data.score)
        await state.set_state(NpsStates.comment)
        await state.update_data(nps_survey=callback_data.survey)
        await ask_for_comment(
            query,
            thanks=_("nps.thanks"),
            question=_("nps.ask_comment"),
            skip_text=_("nps.no_comment"),
            skip_data=Nps(survey=callback_data.survey, score=SKIP).pack(),
        )

    @router.callback_query(Nps.filter(F.score == SKIP))
    async def no_comment(query: CallbackQuery, state: FSMContext) -> None:
        await state.clear()
        await query.answer(_("nps.thanks"))

    @router.message(*comment_filters(NpsStates.comment))
    async def comment(
        message: Message,
        session: AsyncSession,
        user: User,
        state: FSMContext,
        dealer: Dealer | None,
    ) -> None:
        data = await state.get_data()
        await add_nps_comment(session, user, str(data["nps_survey"]), message.text or "")
        await comment_saved(message, state, dealer, _("nps.comment_saved"))

    return router

"""Approvers in the bot: Approve / Reject (with a reason) on an order waiting for approval.

The rules are core's (core.orders.approval): the first decision wins, a later tap changes
nothing and is told who decided. The card pressed is redrawn at once; the other approvers'
cards and the buyer's notice go through the outbox.
"""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, ForceReply, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.approval_texts import already_text, card
from bot.callbacks import ApprovalDecision
from bot.filters import BoundDealer, Is, NotMenu
from bot.i18n import _
from core.models import User
from core.orders.approval import Outcome, approve_order, check_can_decide, reject_by_approver
from core.settings import Settings


class ApprovalReason(StatesGroup):
    """Waiting for the reason of a rejection."""

    text = State()


async def redraw(
    query: CallbackQuery, session: AsyncSession, order_id: int, settings: Settings
) -> None:
    """Edit the pressed card to the order's current state."""
    message = query.message if isinstance(query.message, Message) else None
    drawn = await card(session, order_id, settings.zone)
    if message is None or drawn is None:
        return
    text, markup = drawn
    if text != (message.text or "") or markup is None:
        await message.edit_text(text, reply_markup=markup)


def done_text(result: Outcome) -> str:
    """The answer to the tap that decided."""
    return _(f"approval.done.{result.decision}", number=result.order.number)


def create_router() -> Router:
    """The approvers' router (a fresh one per dispatcher)."""
    router = Router(name="approval")
    router.message.filter(BoundDealer())
    router.callback_query.filter(BoundDealer())

    @router.callback_query(ApprovalDecision.filter(F.action == "ok"))
    async def approve(
        query: CallbackQuery,
        callback_data: ApprovalDecision,
        session: AsyncSession,
        user: User,
        settings: Settings,
    ) -> None:
        result = await approve_order(session, callback_data.order_id, user)
        await session.commit()
        await redraw(query, session, callback_data.order_id, settings)
        if result.changed:
            await query.answer(done_text(result))
        else:
            await query.answer(already_text(result), show_alert=True)

    @router.callback_query(ApprovalDecision.filter(F.action == "no"))
    async def ask_reason(
        query: CallbackQuery,
        callback_data: ApprovalDecision,
        session: AsyncSession,
        user: User,
        settings: Settings,
        state: FSMContext,
    ) -> None:
        result = await check_can_decide(session, callback_data.order_id, user)
        if result.decision is not None:
            await redraw(query, session, callback_data.order_id, settings)
            await query.answer(already_text(result), show_alert=True)
            return
        await state.set_state(ApprovalReason.text)
        await state.update_data(order_id=result.order.id)
        await query.answer()
        assert query.message is not None
        await query.message.answer(
            _("approval.ask_reason", number=result.order.number),
            reply_markup=ForceReply(selective=True),
        )

    @router.message(StateFilter(ApprovalReason.text), Is(F.text), NotMenu())
    async def reason(
        message: Message, session: AsyncSession, user: User, state: FSMContext
    ) -> None:
        data = await state.get_data()
        result = await reject_by_approver(session, int(data["order_id"]), user, message.text or "")
        await session.commit()
        await state.clear()
        if result.changed:
            await message.answer(done_text(result))
        else:
            await message.answer(already_text(result))

    return router

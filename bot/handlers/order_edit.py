"""Cancel an order or change its quantities before a manager confirms it, from its card.

The core decides whether the order is still open (core.orders.amend); once it is not (a manager
decided, or 1C took it), the dealer is told whom to call: their manager's name and contact.
"""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callbacks import OrderEdit
from bot.filters import BoundDealer, Is, NotMenu
from bot.handlers.menu import manager_contacts
from bot.handlers.orders import edit_button as button
from bot.handlers.orders import order_text
from bot.i18n import _
from bot.render import order_status, qty, short
from core.dealers.service import dealer_id_of
from core.models import Order, User
from core.orders.amend import (
    OrderLocked,
    cancel_order,
    change_quantities,
    is_editable,
    may_cancel,
)
from core.orders.queries import get_order
from core.settings import Settings

MAX_LINE_BUTTONS = 15


class EditStates(StatesGroup):
    """Waiting for the new quantity of an order line."""

    quantity = State()


def lines_markup(order: Order) -> InlineKeyboardMarkup:
    """One button per line (its current quantity), then Cancel the order."""
    rows = [
        [
            button(
                f"{short(line.article or line.name, 24)}: {qty(line.quantity)} {line.unit}",
                "line",
                order.id,
                line.id,
            )
        ]
        for line in order.lines[:MAX_LINE_BUTTONS]
    ]
    rows.append([button(_("order_edit.cancel"), "cancel", order.id)])
    return InlineKeyboardMarkup(inline_keyboard=rows)


async def closed_text(session: AsyncSession, order: Order) -> str:
    """Why the order can no longer be changed in the bot, and whom to call."""
    contacts = await manager_contacts(session, order.dealer_id)
    text = _("order_edit.closed", number=order.number, status=order_status(order.status))
    if contacts is None:
        return f"{text}\n{_('manager.none')}"
    return f"{text}\n{_('order_edit.call', contacts=contacts)}"


def create_router() -> Router:
    """Order changes for bound dealers."""
    router = Router(name="order_edit")
    router.message.filter(BoundDealer())
    router.callback_query.filter(BoundDealer())

    async def refuse(query: CallbackQuery, session: AsyncSession, order: Order) -> None:
        await query.answer()
        assert isinstance(query.message, Message)
        await query.message.answer(await closed_text(session, order))

    @router.callback_query(OrderEdit.filter(F.action == "call"))
    async def call(
        query: CallbackQuery, callback_data: OrderEdit, session: AsyncSession, user: User
    ) -> None:
        order = await get_order(session, dealer_id_of(user), callback_data.order_id)
        await refuse(query, session, order)

    @router.callback_query(OrderEdit.filter(F.action == "cancel"))
    async def ask_cancel(
        query: CallbackQuery, callback_data: OrderEdit, session: AsyncSession, user: User
    ) -> None:
        order = await get_order(session, dealer_id_of(user), callback_data.order_id)
        if not may_cancel(order, user):
            await refuse(query, session, order)
            return
        await query.answer()
        assert isinstance(query.message, Message)
        await query.message.answer(
            _("order_edit.cancel_ask", number=order.number),
            reply_markup=InlineKeyboardMarkup(
                inline_keyboard=[[button(_("order_edit.cancel_yes"), "cancelok", order.id)]]
            ),
        )

    @router.callback_query(OrderEdit.filter(F.action == "cancelok"))
    async def do_cancel(
        query: CallbackQuery, callback_data: OrderEdit, session: AsyncSession, user: User
    ) -> None:
        try:
            order = await cancel_order(session, user, callback_data.order_id)
        except OrderLocked:
            order = await get_order(session, dealer_id_of(user), callback_data.order_id)
            await refuse(query, session, order)
            return
        await query.answer(_("order_edit.cancelled", number=order.number))
        assert isinstance(query.message, Message)
        await query.bot.edit_message_text(  # type: ignore[union-attr]
            text=_("order_edit.cancelled", number=order.number),
            chat_id=query.message.chat.id,
            message_id=query.message.message_id,
        )

    @router.callback_query(OrderEdit.filter(F.action == "edit"))
    async def edit(
        query: CallbackQuery, callback_data: OrderEdit, session: AsyncSession, user: User
    ) -> None:
        order = await get_order(session, dealer_id_of(user), callback_data.order_id)
        if not is_editable(order):
            await refuse(query, session, order)
            return
        await query.answer()
        assert isinstance(query.message, Message)
        await query.message.answer(
            _("order_edit.pick_line", number=order.number), reply_markup=lines_markup(order)
        )

    @router.callback_query(OrderEdit.filter(F.action == "line"))
    async def ask_quantity(
        query: CallbackQuery,
        callback_data: OrderEdit,
        session: AsyncSession,
        user: User,
        state: FSMContext,
    ) -> None:
        order = await get_order(session, dealer_id_of(user), callback_data.order_id)
        if not is_editable(order):
            await refuse(query, session, order)
            return
        line = next((ln for ln in order.lines if ln.id == callback_data.line_id), None)
        if line is None:
            await query.answer(_("order_edit.line_gone"), show_alert=True)
            return
        await state.set_state(EditStates.quantity)
        await state.update_data(order_id=order.id, line_id=line.id)
        await query.answer()
        assert isinstance(query.message, Message)
        await query.message.answer(
            _(
                "order_edit.ask_quantity",
                article=line.article,
                name=line.name,
                qty=qty(line.quantity),
                unit=line.unit,
            )
        )

    @router.message(StateFilter(EditStates.quantity), Is(F.text), NotMenu())
    async def typed_quantity(
        message: Message,
        state: FSMContext,
        session: AsyncSession,
        user: User,
        settings: Settings,
    ) -> None:
        data = await state.get_data()
        order_id, line_id = int(data["order_id"]), int(data["line_id"])
        try:
            order = await change_quantities(session, user, order_id, {line_id: message.text})
        except OrderLocked:
            await state.clear()
            order = await get_order(session, dealer_id_of(user), order_id)
            await message.answer(await closed_text(session, order))
            return
        await state.clear()
        await message.answer(
            _("order_edit.changed") + "\n\n" + order_text(order, settings),
            reply_markup=lines_markup(order),
        )

    return router

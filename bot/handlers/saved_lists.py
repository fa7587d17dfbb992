"""Saved order lists: save the cart under a name, see the dealer's lists, order from one with
the diff (price then/now, short stock, no longer sold), rename, delete. /lists opens them."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callbacks import ListAction
from bot.filters import BoundDealer, Is, NotMenu
from bot.handlers.orders import diff_markup, diff_rows
from bot.i18n import _
from bot.render import clip, money, qty, short
from core.errors import InvalidInput
from core.models import SavedList, User
from core.orders.saved_lists import (
    delete_list,
    get_list,
    list_lists,
    order_from_list,
    rename_list,
    save_cart,
)


class ListStates(StatesGroup):
    """Waiting for a list's name: a new list from the cart, or a new name of a list."""

    name = State()


def button(text: str, action: str, list_id: int = 0) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text=text, callback_data=ListAction(action=action, list_id=list_id).pack()
    )


def list_text(saved: SavedList) -> str:
    """A list: its name and lines with the price each had when saved."""
    rows = [_("lists.detail_title", name=saved.name, count=len(saved.lines))]
    for line in saved.lines:
        rows.append(
            f"{line.line_no}. {line.article} — {line.name}\n"
            f"   {qty(line.quantity)} {line.unit} × {money(line.price)}"
        )
    return clip("\n".join(rows))


def list_markup(saved: SavedList) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [button(_("lists.order"), "order", saved.id)],
            [
                button(_("lists.rename"), "ren", saved.id),
                button(_("lists.delete"), "del", saved.id),
            ],
            [button(_("lists.all"), "all")],
        ]
    )


def create_router() -> Router:
    """Saved lists for bound dealers."""
    router = Router(name="saved_lists")
    router.message.filter(BoundDealer())
    router.callback_query.filter(BoundDealer())

    async def send_overview(message: Message, session: AsyncSession, user: User) -> None:
        lists = await list_lists(session, user)
        if not lists:
            await message.answer(_("lists.none"))
            return
        rows = [
            [button(_("lists.line", name=short(s.name), count=s.line_count), "view", s.id)]
            for s in lists
        ]
        await message.answer(
            _("lists.title"), reply_markup=InlineKeyboardMarkup(inline_keyboard=rows)
        )

    @router.message(Command("lists"))
    async def lists_command(
        message: Message, session: AsyncSession, user: User, state: FSMContext
    ) -> None:
        await state.clear()
        await send_overview(message, session, user)

    @router.callback_query(ListAction.filter(F.action == "all"))
    async def lists_button(query: CallbackQuery, session: AsyncSession, user: User) -> None:
        await query.answer()
        assert isinstance(query.message, Message)
        await send_overview(query.message, session, user)

    @router.callback_query(ListAction.filter(F.action == "view"))
    async def view(
        query: CallbackQuery, callback_data: ListAction, session: AsyncSession, user: User
    ) -> None:
        saved = await get_list(session, user, callback_data.list_id)
        await query.answer()
        assert isinstance(query.message, Message)
        await query.message.answer(list_text(saved), reply_markup=list_markup(saved))

    @router.callback_query(ListAction.filter(F.action == "order"))
    async def order(
        query: CallbackQuery,
        callback_data: ListAction,
        session: AsyncSession,
        user: User,
        state: FSMContext,
    ) -> None:
        result = await order_from_list(session, user, callback_data.list_id)
        await state.clear()
        await query.answer()
        text = clip("\n".join([_("lists.ordered", name=result.name), *diff_rows(result)]))
        assert isinstance(query.message, Message)
        await query.message.answer(text, reply_markup=diff_markup(result))

    @router.callback_query(ListAction.filter(F.action.in_({"save", "ren"})))
    async def ask_name(query: CallbackQuery, callback_data: ListAction, state: FSMContext) -> None:
        await state.set_state(ListStates.name)
        await state.update_data(list_id=callback_data.list_id, mode=callback_data.action)
        await query.answer()
        assert isinstance(query.message, Message)
        await query.message.answer(_("lists.ask_name"))

    @router.message(StateFilter(ListStates.name), Is(F.text), NotMenu())
    async def typed_name(
        message: Message, state: FSMContext, session: AsyncSession, user: User
    ) -> None:
        data = await state.get_data()
        name = message.text or ""
        if data.get("mode") == "ren":
            saved = await rename_list(session, user, int(data["list_id"]), name)
            await state.clear()
            await message.answer(_("lists.renamed", name=saved.name))
            return
        try:
            saved, _replaced = await save_cart(session, user, name)
        except InvalidInput as exc:
            if exc.key != "saved_list.name_taken":
                raise
            # Offer to replace the colleague's list of that name (the name stays asked for).
            await state.update_data(name=name)
            taken = exc.params.get("name", name)
            await message.answer(
                _("lists.name_taken", name=taken),
                reply_markup=InlineKeyboardMarkup(
                    inline_keyboard=[[button(_("lists.replace"), "replace")]]
                ),
            )
            return
        await state.clear()
        await message.answer(
            _("lists.saved", name=saved.name, count=len(saved.lines)),
            reply_markup=InlineKeyboardMarkup(inline_keyboard=[[button(_("lists.all"), "all")]]),
        )

    @router.callback_query(ListAction.filter(F.action == "replace"))
    async def replace(
        query: CallbackQuery, state: FSMContext, session: AsyncSession, user: User
    ) -> None:
        data = await state.get_data()
        if not data.get("name"):
            await query.answer(_("lists.replace_stale"), show_alert=True)
            return
        saved, _replaced = await save_cart(session, user, str(data["name"]), replace=True)
        await state.clear()
        await query.answer()
        assert isinstance(query.message, Message)
        await query.message.answer(_("lists.replaced", name=saved.name, count=len(saved.lines)))

    @router.callback_query(ListAction.filter(F.action == "del"))
    async def ask_delete(
        query: CallbackQuery, callback_data: ListAction, session: AsyncSession, user: User
    ) -> None:
        saved = await get_list(session, user, callback_data.list_id)
        await query.answer()
        assert isinstance(query.message, Message)
        await query.message.answer(
            _("lists.delete_ask", name=saved.name),
            reply_markup=InlineKeyboardMarkup(
                inline_keyboard=[[button(_("lists.delete_yes"), "delok", saved.id)]]
            ),
        )

    @router.callback_query(ListAction.filter(F.action == "delok"))
    async def delete(
        query: CallbackQuery, callback_data: ListAction, session: AsyncSession, user: User
    ) -> None:
        name = await delete_list(session, user, callback_data.list_id)
        await query.answer(_("lists.deleted", name=name))
        assert isinstance(query.message, Message)
        await query.bot.edit_message_text(  # type: ignore[union-attr]
            text=_("lists.deleted", name=name),
            chat_id=query.message.chat.id,
            message_id=query.message.message_id,
        )

    return router

"""The cart: view with totals, change a quantity, remove a line, clear; adding from search."""

from __future__ import annotations

from decimal import Decimal

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callbacks import AddToCart, CartAction, Checkout, ListAction
from bot.filters import BoundDealer, Is, MenuButton, NotMenu
from bot.i18n import _
from bot.render import clip, money, qty, short
from core.models import User
from core.orders.cart import CartView, add_item, clear_cart, get_cart, remove_item, set_quantity

MAX_LINE_BUTTONS = 15


class CartStates(StatesGroup):
    """Waiting for a quantity typed by the dealer."""

    quantity = State()


def warning_text(warnings: tuple[str, ...] | frozenset[str], stock: Decimal) -> str:
    return "; ".join(_(f"cart.warning.{w}", stock=qty(stock)) for w in sorted(warnings))


def cart_text(view: CartView) -> str:
    """The cart as a message: lines with amounts and warnings, then the total."""
    if view.is_empty:
        return _("cart.empty")
    rows = [_("cart.title")]
    for n, line in enumerate(view.lines, start=1):
        p = line.product
        rows.append(f"{n}. {p.article} — {p.name}")
        amount = money(line.amount, line.currency) if line.amount is not None else "—"
        rows.append(
            f"   {qty(line.quantity)} {p.unit} × {money(line.price, line.currency)} = {amount}"
        )
        if line.warnings:
            rows.append("   ⚠ " + warning_text(line.warnings, line.stock_total))
    rows.append("")
    rows.append(_("cart.total", total=money(view.total, view.currency)))
    return clip("\n".join(rows))


def cart_markup(view: CartView) -> InlineKeyboardMarkup | None:
    """Per-line −/+/qty/remove buttons, then checkout and clear."""
    if view.is_empty:
        return None
    rows = []
    for line in view.lines[:MAX_LINE_BUTTONS]:
        pid = line.product.id
        rows.append(
            [
                InlineKeyboardButton(
                    text="➖", callback_data=CartAction(action="dec", product_id=pid).pack()
                ),
                InlineKeyboardButton(
                    text=f"{short(line.product.article, 16)}: {qty(line.quantity)}",
                    callback_data=CartAction(action="qty", product_id=pid).pack(),
                ),
                InlineKeyboardButton(
                    text="➕", callback_data=CartAction(action="inc", product_id=pid).pack()
                ),
                InlineKeyboardButton(
                    text="🗑", callback_data=CartAction(action="rm", product_id=pid).pack()
                ),
            ]
        )
    rows.append(
        [
            InlineKeyboardButton(
                text=_("cart.checkout"), callback_data=Checkout(action="start").pack()
            ),
            InlineKeyboardButton(
                text=_("cart.clear"), callback_data=CartAction(action="clear").pack()
            ),
        ]
    )
    rows.append(
        [InlineKeyboardButton(text=_("lists.save"), callback_data=ListAction(action="save").pack())]
    )
    return InlineKeyboardMarkup(inline_keyboard=rows)


async def show_cart(message: Message, session: AsyncSession, user: User) -> None:
    """Send the cart as a new message."""
    view = await get_cart(session, user)
    await message.answer(cart_text(view), reply_markup=cart_markup(view))


async def refresh(query: CallbackQuery, view: CartView) -> None:
    """Redraw the cart in the message whose button was pressed."""
    assert query.message is not None
    await query.bot.edit_message_text(  # type: ignore[union-attr]
        text=cart_text(view),
        chat_id=query.message.chat.id,
        message_id=query.message.message_id,
        reply_markup=cart_markup(view),
    )


def line_quantity(view: CartView, product_id: int) -> Decimal | None:
    return next((line.quantity for line in view.lines if line.product.id == product_id), None)


def create_router() -> Router:
    """Cart handlers for bound dealers."""
    router = Router(name="cart")
    router.message.filter(BoundDealer())
    router.callback_query.filter(BoundDealer())

    @router.message(MenuButton("menu.cart"))
    async def cart(message: Message, session: AsyncSession, user: User, state: FSMContext) -> None:
        await state.clear()
        await show_cart(message, session, user)

    @router.callback_query(CartAction.filter(F.action == "show"))
    async def cart_show(query: CallbackQuery, session: AsyncSession, user: User) -> None:
        await query.answer()
        assert query.message is not None
        view = await get_cart(session, user)
        await query.message.answer(cart_text(view), reply_markup=cart_markup(view))

    @router.callback_query(AddToCart.filter(F.qty > 0))
    async def add(
        query: CallbackQuery, callback_data: AddToCart, session: AsyncSession, user: User
    ) -> None:
        view = await add_item(session, user, callback_data.product_id, callback_data.qty)
        now = line_quantity(view, callback_data.product_id) or Decimal(0)
        await query.answer(
            _(
                "cart.added",
                qty=callback_data.qty,
                total_qty=qty(now),
                total=money(view.total, view.currency),
            )
        )

    @router.callback_query(AddToCart.filter(F.qty == 0))
    async def add_other(query: CallbackQuery, callback_data: AddToCart, state: FSMContext) -> None:
        await state.set_state(CartStates.quantity)
        await state.update_data(product_id=callback_data.product_id, mode="add")
        await query.answer()
        assert query.message is not None
        await query.message.answer(_("cart.ask_quantity"))

    @router.callback_query(CartAction.filter(F.action == "qty"))
    async def ask_quantity(
        query: CallbackQuery, callback_data: CartAction, state: FSMContext
    ) -> None:
        await state.set_state(CartStates.quantity)
        await state.update_data(product_id=callback_data.product_id, mode="set")
        await query.answer()
        assert query.message is not None
        await query.message.answer(_("cart.ask_quantity"))

    @router.message(StateFilter(CartStates.quantity), Is(F.text), NotMenu())
    async def typed_quantity(
        message: Message, state: FSMContext, session: AsyncSession, user: User
    ) -> None:
        data = await state.get_data()
        product_id = int(data["product_id"])
        if data.get("mode") == "add":
            view = await add_item(session, user, product_id, message.text)
        else:
            view = await set_quantity(session, user, product_id, message.text)
        await state.clear()
        await message.answer(cart_text(view), reply_markup=cart_markup(view))

    @router.callback_query(CartAction.filter(F.action.in_({"inc", "dec"})))
    async def step(
        query: CallbackQuery, callback_data: CartAction, session: AsyncSession, user: User
    ) -> None:
        view = await get_cart(session, user)
        current = line_quantity(view, callback_data.product_id)
        if current is None:
            await query.answer(_("cart.line_gone"), show_alert=True)
            return
        new = current + 1 if callback_data.action == "inc" else current - 1
        if new <= 0:
            view = await remove_item(session, user, callback_data.product_id)
        else:
            view = await set_quantity(session, user, callback_data.product_id, new)
        await query.answer()
        await refresh(query, view)

    @router.callback_query(CartAction.filter(F.action == "rm"))
    async def remove(
        query: CallbackQuery, callback_data: CartAction, session: AsyncSession, user: User
    ) -> None:
        view = await remove_item(session, user, callback_data.product_id)
        await query.answer(_("cart.removed"))
        await refresh(query, view)

    @router.callback_query(CartAction.filter(F.action == "clear"))
    async def clear(query: CallbackQuery, session: AsyncSession, user: User) -> None:
        view = await clear_cart(session, user)
        await query.answer(_("cart.cleared"))
        await refresh(query, view)

    return router

"""Orders: the list with statuses, one order's detail, and Repeat with the diff shown first."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callbacks import CartAction, Checkout, ClaimAction, ListAction, OrderAction, OrderEdit
from bot.filters import BoundDealer, MenuButton
from bot.handlers.menu import manager_contacts
from bot.handlers.print_forms import invoice_button
from bot.i18n import _
from bot.render import clip, day, moment, money, order_status, qty
from core.dealers.features import CLAIMS, REORDER, feature_enabled
from core.dealers.service import dealer_id_of, dealer_of
from core.finance.order_state import OrderMoney, order_money
from core.models import Order, OrderStatus, User
from core.orders.amend import is_editable, may_cancel
from core.orders.queries import get_order, list_orders
from core.orders.reorder import LineChange, LineDiff, ReorderResult, reorder
from core.orders.status import CONFIRMED_OR_LATER
from core.settings import Settings

PAGE_SIZE = 8


def money_states(state: OrderMoney | None) -> str:
    """`отгружен, оплачен частично` from 1C's documents ("" when they say nothing)."""
    return ", ".join(_(f"finance.order.{s}") for s in state.states) if state else ""


def list_markup(
    orders: list[Order],
    page: int,
    settings: Settings,
    states: dict[int, OrderMoney] | None = None,
) -> InlineKeyboardMarkup:
    states = states or {}
    rows = [
        [
            InlineKeyboardButton(
                text=f"{o.number} · {o.placed_at.astimezone(settings.zone):%d.%m.%Y}"
                f" · {order_status(o.status)}"
                + (f" · {money_states(states[o.id])}" if o.id in states else ""),
                callback_data=OrderAction(action="view", order_id=o.id).pack(),
            )
        ]
        for o in orders
    ]
    nav = []
    if page > 0:
        nav.append(
            InlineKeyboardButton(
                text="◀", callback_data=OrderAction(action="list", page=page - 1).pack()
            )
        )
    if len(orders) == PAGE_SIZE:
        nav.append(
            InlineKeyboardButton(
                text="▶", callback_data=OrderAction(action="list", page=page + 1).pack()
            )
        )
    if nav:
        rows.append(nav)
    lists = ListAction(action="all").pack()
    rows.append([InlineKeyboardButton(text=_("lists.open"), callback_data=lists)])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def order_text(order: Order, settings: Settings, state: OrderMoney | None = None) -> str:
    """One order: number, status, date, lines, total, and the optional details."""
    rows = [
        _("orders.detail_title", number=order.number, status=order_status(order.status)),
        _("orders.placed_at", at=moment(order.placed_at, settings.zone)),
    ]
    if state is not None and state.states:
        rows.append(_("finance.order_states", states=money_states(state)))
    for line in order.lines:
        rows.append(
            f"{line.line_no}. {line.article} — {line.name}\n"
            f"   {qty(line.quantity)} {line.unit} × {money(line.price, order.currency)}"
            f" = {money(line.amount, order.currency)}"
        )
    rows.append(_("orders.total", total=money(order.total, order.currency)))
    if order.desired_date:
        rows.append(_("orders.desired_date", date=day(order.desired_date)))
    if order.delivery_address:
        rows.append(_("orders.address", address=order.delivery_address))
    if order.dealer_po:
        rows.append(_("orders.po", po=order.dealer_po))
    if order.comment:
        rows.append(_("orders.comment", comment=order.comment))
    if order.rejected_reason:
        rows.append(_("orders.rejected_reason", reason=order.rejected_reason))
    return clip("\n".join(rows))


def diff_rows(diff: LineDiff) -> list[str]:
    """What changed for each repeated line, then how many went into the cart."""
    rows = []
    for line in diff.lines:
        notes = []
        for change in line.changes:
            if change == LineChange.SAME:
                continue
            notes.append(
                _(
                    f"reorder.{change.value}",
                    old=money(line.old_price),
                    new=money(line.new_price),
                    stock=qty(line.stock_total),
                )
            )
        mark = "✅" if line.added else "❌"
        text = f"{mark} {line.article} — {line.name}: {qty(line.quantity)}"
        rows.append(text + (f"\n   {'; '.join(notes)}" if notes else ""))
    rows.append("")
    rows.append(_("reorder.added", count=diff.added_count, total=len(diff.lines)))
    if not diff.has_changes:
        rows.append(_("reorder.no_changes"))
    return rows


def reorder_text(result: ReorderResult) -> str:
    """The diff of a repeated order: what changed for each line."""
    return clip("\n".join([_("reorder.title", number=result.order_number), *diff_rows(result)]))


def diff_markup(diff: LineDiff) -> InlineKeyboardMarkup:
    """Checkout (when something went into the cart) and Cart, under a diff."""
    buttons = [
        InlineKeyboardButton(text=_("cart.show"), callback_data=CartAction(action="show").pack())
    ]
    if diff.added_count:
        buttons.insert(
            0,
            InlineKeyboardButton(
                text=_("cart.checkout"), callback_data=Checkout(action="start").pack()
            ),
        )
    return InlineKeyboardMarkup(inline_keyboard=[buttons])


def edit_button(text: str, action: str, order_id: int, line_id: int = 0) -> InlineKeyboardButton:
    """A button of the order-change flow (bot.handlers.order_edit)."""
    data = OrderEdit(action=action, order_id=order_id, line_id=line_id).pack()
    return InlineKeyboardButton(text=text, callback_data=data)


def amend_rows(order: Order, user: User) -> list[list[InlineKeyboardButton]]:
    """Change quantities / Cancel while the order is open to the dealer; only Cancel for the
    author of an order awaiting approval; nothing afterwards."""
    if not is_editable(order):
        if may_cancel(order, user):
            return [[edit_button(_("order_edit.cancel"), "cancel", order.id)]]
        return []
    return [
        [
            edit_button(_("order_edit.edit"), "edit", order.id),
            edit_button(_("order_edit.cancel"), "cancel", order.id),
        ]
    ]


# Past confirmation but not finished: the manager can still change it, the bot cannot.
MANAGER_CHANGES = frozenset({OrderStatus.CONFIRMED, OrderStatus.IN_PROGRESS})


def create_router() -> Router:
    """Order handlers for bound dealers."""
    router = Router(name="orders")
    router.message.filter(BoundDealer())
    router.callback_query.filter(BoundDealer())

    async def send_list(
        message: Message, session: AsyncSession, user: User, page: int, settings: Settings
    ) -> None:
        orders = await list_orders(session, dealer_id_of(user), page=page, page_size=PAGE_SIZE)
        if not orders and page == 0:
            lists = ListAction(action="all").pack()
            markup = InlineKeyboardButton(text=_("lists.open"), callback_data=lists)
            await message.answer(
                _("orders.none"), reply_markup=InlineKeyboardMarkup(inline_keyboard=[[markup]])
            )
            return
        states = await order_money(session, orders)
        keyboard = list_markup(orders, page, settings, states)
        await message.answer(_("orders.title"), reply_markup=keyboard)

    @router.message(MenuButton("menu.orders"))
    async def orders(
        message: Message, session: AsyncSession, user: User, state: FSMContext, settings: Settings
    ) -> None:
        await state.clear()
        await send_list(message, session, user, 0, settings)

    @router.callback_query(OrderAction.filter(F.action == "list"))
    async def orders_page(
        query: CallbackQuery,
        callback_data: OrderAction,
        session: AsyncSession,
        user: User,
        settings: Settings,
    ) -> None:
        await query.answer()
        assert isinstance(query.message, Message)
        await send_list(query.message, session, user, max(callback_data.page, 0), settings)

    @router.callback_query(OrderAction.filter(F.action == "view"))
    async def view(
        query: CallbackQuery,
        callback_data: OrderAction,
        session: AsyncSession,
        user: User,
        settings: Settings,
    ) -> None:
        order = await get_order(session, dealer_id_of(user), callback_data.order_id)
        dealer = await dealer_of(session, user)
        await query.answer()
        rows = amend_rows(order, user)
        text = order_text(order, settings, (await order_money(session, [order])).get(order.id))
        if order.status in MANAGER_CHANGES or (order.status == OrderStatus.NEW and not rows):
            contacts = await manager_contacts(session, order.dealer_id)
            if contacts is not None:
                text = clip(f"{text}\n\n{_('order_edit.call', contacts=contacts)}")
        if feature_enabled(dealer, REORDER):
            rows.append(
                [
                    InlineKeyboardButton(
                        text=_("orders.repeat"),
                        callback_data=OrderAction(action="repeat", order_id=order.id).pack(),
                    )
                ]
            )
        if order.status in CONFIRMED_OR_LATER and feature_enabled(dealer, CLAIMS):
            rows.append(
                [
                    InlineKeyboardButton(
                        text=_("orders.claim"),
                        callback_data=ClaimAction(action="order", order_id=order.id).pack(),
                    )
                ]
            )
        invoice = await invoice_button(session, order, settings)
        if invoice:
            rows.append(invoice)
        assert isinstance(query.message, Message)
        await query.message.answer(text, reply_markup=InlineKeyboardMarkup(inline_keyboard=rows))

    @router.callback_query(OrderAction.filter(F.action == "repeat"))
    async def repeat(
        query: CallbackQuery,
        callback_data: OrderAction,
        session: AsyncSession,
        user: User,
        state: FSMContext,
    ) -> None:
        result = await reorder(session, user, callback_data.order_id)
        await state.clear()
        await query.answer()
        assert isinstance(query.message, Message)
        await query.message.answer(reorder_text(result), reply_markup=diff_markup(result))

    return router

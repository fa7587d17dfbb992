"""Checkout: legal entity, delivery address, desired date, comment, PO number, confirm.

Optional steps can be skipped. The order's request key is the confirm message's id with the
person's Telegram id, so a double tap or a re-delivered update never places two orders.
"""

from __future__ import annotations

from datetime import date, datetime

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callbacks import Checkout
from bot.filters import BoundDealer, Is, NotMenu
from bot.handlers.cart import cart_text
from bot.i18n import _
from bot.keyboards import main_menu
from bot.render import day, money, short
from core.calendar import load_calendar
from core.dealers.roles import approvers
from core.dealers.service import (
    addresses,
    dealer_id_of,
    dealer_of,
    legal_entities,
    legal_entity_for,
)
from core.errors import InvalidInput
from core.finance.credit import HELD as CREDIT_HELD
from core.finance.credit import CreditCheck, check_credit
from core.models import Dealer, LegalEntity, Order, OrderStatus, User
from core.orders.approval import threshold_for
from core.orders.cart import get_cart
from core.orders.placement import place_order
from core.settings import Settings

DATE_FORMATS = ("%d.%m.%Y", "%d.%m.%y", "%Y-%m-%d", "%d/%m/%Y")


class CheckoutStates(StatesGroup):
    """The steps of checkout."""

    entity = State()
    address = State()
    desired_date = State()
    comment = State()
    po = State()
    confirm = State()


def button(text: str, action: str, value: int = 0) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text=text, callback_data=Checkout(action=action, value=value).pack()
    )


def skip_markup(extra: list[list[InlineKeyboardButton]] | None = None) -> InlineKeyboardMarkup:
    rows = list(extra or [])
    rows.append([button(_("checkout.skip"), "skip"), button(_("checkout.cancel"), "cancel")])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def request_key(telegram_id: int, confirm_message_id: int) -> str:
    """Stable for one confirm screen: the same tap, repeated or re-delivered, gives one order."""
    return f"tg:{telegram_id}:{confirm_message_id}"


def parse_date(text: str, today: date) -> date:
    """A desired delivery date typed as 31.12.2025, 31.12.25, 2025-12-31 or 31.12."""
    text = text.strip()
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    try:
        return datetime.strptime(f"{text}.{today.year}", "%d.%m.%Y").date()
    except ValueError:
        raise InvalidInput("checkout.bad_date", value=text) from None


async def ask_entity(
    message: Message, state: FSMContext, session: AsyncSession, user: User
) -> None:
    entities = await legal_entities(session, dealer_id_of(user))
    if len(entities) <= 1:
        await state.update_data(le_id=entities[0].id if entities else None)
        await ask_address(message, state, session, user)
        return
    await state.set_state(CheckoutStates.entity)
    rows = [
        [
            button(
                ("✅ " if e.id == user.active_legal_entity_id else "") + short(e.name, 50),
                "le",
                e.id,
            )
        ]
        for e in entities
    ]
    rows.append([button(_("checkout.cancel"), "cancel")])
    await message.answer(
        _("checkout.ask_entity"), reply_markup=InlineKeyboardMarkup(inline_keyboard=rows)
    )


async def ask_address(
    message: Message, state: FSMContext, session: AsyncSession, user: User
) -> None:
    await state.set_state(CheckoutStates.address)
    saved = await addresses(session, dealer_id_of(user))
    rows = [[button(short(a.address, 60), "addr", a.id)] for a in saved[:8]]
    await message.answer(_("checkout.ask_address"), reply_markup=skip_markup(rows))


async def ask_date(message: Message, state: FSMContext) -> None:
    await state.set_state(CheckoutStates.desired_date)
    await message.answer(_("checkout.ask_date"), reply_markup=skip_markup())


async def ask_comment(message: Message, state: FSMContext) -> None:
    await state.set_state(CheckoutStates.comment)
    await message.answer(_("checkout.ask_comment"), reply_markup=skip_markup())


async def ask_po(message: Message, state: FSMContext) -> None:
    await state.set_state(CheckoutStates.po)
    await message.answer(_("checkout.ask_po"), reply_markup=skip_markup())


async def ask_confirm(
    message: Message, state: FSMContext, session: AsyncSession, user: User
) -> None:
    data = await state.get_data()
    view = await get_cart(session, user)
    if view.is_empty:
        await state.clear()
        await message.answer(
            _("cart.empty"), reply_markup=main_menu(await dealer_of(session, user))
        )
        return
    entity = await legal_entity_for(session, user, data["le_id"]) if data.get("le_id") else None
    none = _("checkout.none")
    summary = _(
        "checkout.summary",
        entity=entity.name if entity else none,
        address=data.get("address") or none,
        date=day(date.fromisoformat(data["date"])) if data.get("date") else none,
        comment=data.get("comment") or none,
        po=data.get("po") or none,
    )
    dealer = await dealer_of(session, user)
    entity_id = entity.id if entity else user.active_legal_entity_id
    credit = await check_credit(session, dealer, entity_id, view.total) if dealer else None
    if credit is not None and credit.exceeded:
        summary += "\n\n" + credit_text(credit, view.currency)
    await state.set_state(CheckoutStates.confirm)
    sent = await message.answer(
        f"{cart_text(view)}\n\n{summary}"[:4000],
        reply_markup=InlineKeyboardMarkup(
            inline_keyboard=[
                [button(_("checkout.confirm"), "confirm"), button(_("checkout.cancel"), "cancel")]
            ]
        ),
    )
    await state.update_data(confirm_id=sent.message_id)


def credit_text(credit: CreditCheck, currency: str) -> str:
    """What the dealer reads before confirming an order over credit (warn, hold or block)."""
    position = credit.position
    reasons = []
    if credit.over_limit:
        reasons.append(_("checkout.credit.over_limit", free=money(position.free_limit, currency)))
    if credit.has_overdue:
        reasons.append(_("checkout.credit.overdue", overdue=money(position.overdue, currency)))
    return "\n".join([*reasons, _(f"checkout.credit.{credit.policy}")])


async def placed_for_approval(session: AsyncSession, order: Order) -> str:
    """The buyer's answer for an order held for approval: threshold and who decides."""
    dealer = await session.get(Dealer, order.dealer_id)
    entity = (
        await session.get(LegalEntity, order.legal_entity_id) if order.legal_entity_id else None
    )
    threshold = threshold_for(dealer, entity) if dealer is not None else None
    names = [p.full_name or f"@{p.username}" for p in await approvers(session, order)]
    text = _(
        "checkout.placed_for_approval",
        number=order.number,
        threshold=money(threshold, order.currency) if threshold is not None else "—",
    )
    if names:
        return text + "\n" + _("checkout.approvers", names=", ".join(names))
    return text + "\n" + _("checkout.no_approvers")


NEXT_STEP = {
    CheckoutStates.address.state: "date",
    CheckoutStates.desired_date.state: "comment",
    CheckoutStates.comment.state: "po",
    CheckoutStates.po.state: "confirm",
}


def create_router() -> Router:
    """Checkout handlers for bound dealers."""
    router = Router(name="checkout")
    router.message.filter(BoundDealer())
    router.callback_query.filter(BoundDealer())

    async def advance(
        after: str | None, message: Message, state: FSMContext, session: AsyncSession, user: User
    ) -> None:
        step = NEXT_STEP.get(after or "")
        if step == "date":
            await ask_date(message, state)
        elif step == "comment":
            await ask_comment(message, state)
        elif step == "po":
            await ask_po(message, state)
        elif step == "confirm":
            await ask_confirm(message, state, session, user)

    @router.callback_query(Checkout.filter(F.action == "start"))
    async def start(
        query: CallbackQuery, state: FSMContext, session: AsyncSession, user: User
    ) -> None:
        view = await get_cart(session, user)
        await query.answer()
        assert isinstance(query.message, Message)
        if view.is_empty:
            await query.message.answer(_("cart.empty"))
            return
        await state.clear()
        await ask_entity(query.message, state, session, user)

    @router.callback_query(StateFilter(CheckoutStates.entity), Checkout.filter(F.action == "le"))
    async def pick_entity(
        query: CallbackQuery,
        callback_data: Checkout,
        state: FSMContext,
        session: AsyncSession,
        user: User,
    ) -> None:
        entity = await legal_entity_for(session, user, callback_data.value)
        await state.update_data(le_id=entity.id)
        await query.answer(entity.name[:200])
        assert isinstance(query.message, Message)
        await ask_address(query.message, state, session, user)

    @router.callback_query(StateFilter(CheckoutStates.address), Checkout.filter(F.action == "addr"))
    async def pick_address(
        query: CallbackQuery,
        callback_data: Checkout,
        state: FSMContext,
        session: AsyncSession,
        user: User,
    ) -> None:
        saved = {a.id: a.address for a in await addresses(session, dealer_id_of(user))}
        if callback_data.value not in saved:
            await query.answer(_("error.stale_button"), show_alert=True)
            return
        await state.update_data(address=saved[callback_data.value])
        await query.answer()
        assert isinstance(query.message, Message)
        await ask_date(query.message, state)

    @router.message(StateFilter(CheckoutStates.address), Is(F.text), NotMenu())
    async def typed_address(message: Message, state: FSMContext) -> None:
        text = (message.text or "").strip()
        if len(text) > 500:
            raise InvalidInput("checkout.address_too_long", limit=500)
        await state.update_data(address=text)
        await ask_date(message, state)

    @router.message(StateFilter(CheckoutStates.desired_date), Is(F.text), NotMenu())
    async def typed_date(message: Message, state: FSMContext, settings: Settings) -> None:
        today = datetime.now(settings.zone).date()
        wanted = parse_date(message.text or "", today)
        if wanted < today:
            raise InvalidInput("order.desired_date_past")
        await state.update_data(date=wanted.isoformat())
        await ask_comment(message, state)

    @router.message(StateFilter(CheckoutStates.comment), Is(F.text), NotMenu())
    async def typed_comment(message: Message, state: FSMContext) -> None:
        await state.update_data(comment=(message.text or "").strip())
        await ask_po(message, state)

    @router.message(StateFilter(CheckoutStates.po), Is(F.text), NotMenu())
    async def typed_po(
        message: Message, state: FSMContext, session: AsyncSession, user: User
    ) -> None:
        await state.update_data(po=(message.text or "").strip())
        await ask_confirm(message, state, session, user)

    @router.callback_query(Checkout.filter(F.action == "skip"))
    async def skip(
        query: CallbackQuery, state: FSMContext, session: AsyncSession, user: User
    ) -> None:
        current = await state.get_state()
        if current not in NEXT_STEP:
            await query.answer(_("error.stale_button"), show_alert=True)
            return
        await query.answer()
        assert isinstance(query.message, Message)
        await advance(current, query.message, state, session, user)

    @router.callback_query(Checkout.filter(F.action == "cancel"))
    async def cancel(query: CallbackQuery, state: FSMContext, dealer: Dealer | None) -> None:
        await state.clear()
        await query.answer()
        assert isinstance(query.message, Message)
        await query.message.answer(_("checkout.cancelled"), reply_markup=main_menu(dealer))

    @router.callback_query(Checkout.filter(F.action == "confirm"))
    async def confirm(
        query: CallbackQuery,
        state: FSMContext,
        session: AsyncSession,
        user: User,
        settings: Settings,
        dealer: Dealer | None,
    ) -> None:
        assert isinstance(query.message, Message)
        key = request_key(query.from_user.id, query.message.message_id)
        data = await state.get_data()
        if (
            await state.get_state() == CheckoutStates.confirm.state
            and data.get("confirm_id") == query.message.message_id
        ):
            order = await place_order(
                session,
                user,
                request_key=key,
                calendar=await load_calendar(session, settings),
                legal_entity_id=data.get("le_id"),
                comment=data.get("comment") or "",
                desired_date=date.fromisoformat(data["date"]) if data.get("date") else None,
                dealer_po=data.get("po"),
                delivery_address=data.get("address"),
            )
            await session.commit()
            await state.clear()
        else:
            earlier = await session.scalar(
                select(Order).where(Order.request_key == key, Order.dealer_id == dealer_id_of(user))
            )
            if earlier is None:
                await query.answer(_("error.stale_button"), show_alert=True)
                return
            order = earlier
        await query.answer()
        text = _("checkout.placed", number=order.number)
        if order.credit_hold == CREDIT_HELD:
            text = _("checkout.placed_credit_hold", number=order.number)
        elif order.status == OrderStatus.AWAITING_APPROVAL:
            text = await placed_for_approval(session, order)
        if order.is_after_hours:
            text += "\n" + _("checkout.after_hours")
        await query.message.answer(text, reply_markup=main_menu(dealer))

    return router

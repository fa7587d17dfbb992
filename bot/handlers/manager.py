"""Managers in the loop: Confirm / Reject (with a reason) / Open on order cards, Accept /
Reject / In review on claim cards, and the commands /pending, /today, /dealer.

Decisions go through core services (race-safe: of two managers pressing at once one wins and
the other is told who did). The card the manager pressed is redrawn at once; every other copy
(other managers, the group) is edited by the sender from the status event in the outbox.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject, Filter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import (
    CallbackQuery,
    ForceReply,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    TelegramObject,
)
from sqlalchemy.ext.asyncio import AsyncSession

from bot.handlers.manager_cards import (
    claim_card_markup,
    claim_card_text,
    decision_line,
    order_card_markup,
    order_card_text,
    order_list_text,
)
from bot.handlers.manager_texts import mt
from bot.manager_callbacks import ClaimDecision, DealerPick, OrderDecision
from core.claims.service import change_claim_status
from core.errors import InvalidTransition
from core.models import ClaimStatus, User
from core.notifications import claim_card, order_card
from core.orders.manager import STAFF_ROLES, confirm_order, reject_order
from core.orders.manager_queries import (
    dealer_last_orders,
    dealer_names,
    orders_between,
    pending_orders,
    search_dealers,
)
from core.settings import Settings

CLAIM_ACTIONS = {"acc": ClaimStatus.ACCEPTED, "rev": ClaimStatus.IN_REVIEW}
FULL_ORDER_LINES = 200


class IsStaff(Filter):
    """An active manager or admin."""

    async def __call__(self, event: TelegramObject, user: User | None = None) -> bool:
        return user is not None and user.is_active and user.role in STAFF_ROLES


class RejectReason(StatesGroup):
    """Waiting for the reason of a rejection."""

    text = State()


async def redraw_order(
    message: Message | None, session: AsyncSession, order_id: int, locale: str, zone: ZoneInfo
) -> str:
    """Edit the pressed card to the order's current state; returns the decision line or ''."""
    card = await order_card(session, order_id)
    if card is None or message is None:
        return ""
    text = order_card_text(card, locale, zone)
    if text != (message.text or ""):
        await message.edit_text(text, reply_markup=order_card_markup(card, locale))
    return decision_line(card, locale, zone)


async def redraw_claim(
    message: Message | None, session: AsyncSession, claim_id: int, locale: str, zone: ZoneInfo
) -> str:
    """Edit the pressed claim card to the claim's current state."""
    card = await claim_card(session, claim_id)
    if card is None or message is None:
        return ""
    text = claim_card_text(card, locale, zone)
    if text != (message.text or ""):
        await message.edit_text(text, reply_markup=claim_card_markup(card, locale))
    return decision_line(card, locale, zone)


def _message(query: CallbackQuery) -> Message | None:
    return query.message if isinstance(query.message, Message) else None


def manager_router() -> Router:
    """The managers' router (a fresh one per dispatcher)."""
    router = Router(name="manager")
    router.message.filter(IsStaff())
    router.callback_query.filter(IsStaff())

    # order cards --------------------------------------------------------------------------
    @router.callback_query(OrderDecision.filter(F.action == "ok"))
    async def confirm(
        query: CallbackQuery,
        callback_data: OrderDecision,
        session: AsyncSession,
        user: User,
        settings: Settings,
    ) -> None:
        locale = user.language
        try:
            order = await confirm_order(session, callback_data.order_id, user)
        except InvalidTransition:
            await session.rollback()
            who = await redraw_order(
                _message(query), session, callback_data.order_id, locale, settings.zone
            )
            await query.answer(mt(locale, "already", who=who), show_alert=True)
            return
        await session.commit()
        await redraw_order(_message(query), session, order.id, locale, settings.zone)
        await query.answer(mt(locale, "done.confirmed", number=order.number))

    @router.callback_query(OrderDecision.filter(F.action == "no"))
    async def ask_reason(
        query: CallbackQuery,
        callback_data: OrderDecision,
        session: AsyncSession,
        user: User,
        settings: Settings,
        state: FSMContext,
    ) -> None:
        card = await order_card(session, callback_data.order_id, max_lines=0)
        if card is None or not card.is_open:
            who = await redraw_order(
                _message(query), session, callback_data.order_id, user.language, settings.zone
            )
            await query.answer(mt(user.language, "already", who=who), show_alert=True)
            return
        await _ask(query, state, "order", card.order_id, card.number, user.language)

    @router.callback_query(OrderDecision.filter(F.action == "open"))
    async def open_order(
        query: CallbackQuery,
        callback_data: OrderDecision,
        session: AsyncSession,
        user: User,
        settings: Settings,
        bot: Bot,
    ) -> None:
        card = await order_card(session, callback_data.order_id, max_lines=FULL_ORDER_LINES)
        await query.answer()
        if card is not None:
            text = order_card_text(card, user.language, settings.zone)
            await bot.send_message(query.from_user.id, text)

    # claim cards --------------------------------------------------------------------------
    @router.callback_query(ClaimDecision.filter(F.action.in_(CLAIM_ACTIONS)))
    async def decide_claim(
        query: CallbackQuery,
        callback_data: ClaimDecision,
        session: AsyncSession,
        user: User,
        settings: Settings,
    ) -> None:
        status = CLAIM_ACTIONS[callback_data.action]
        locale = user.language
        try:
            claim = await change_claim_status(session, callback_data.claim_id, status, user)
        except InvalidTransition:
            await session.rollback()
            who = await redraw_claim(
                _message(query), session, callback_data.claim_id, locale, settings.zone
            )
            await query.answer(mt(locale, "already", who=who), show_alert=True)
            return
        await session.commit()
        await redraw_claim(_message(query), session, claim.id, locale, settings.zone)
        label = mt(locale, f"claim_status.{status}")
        await query.answer(mt(locale, "done.claim", number=claim.number, status=label))

    @router.callback_query(ClaimDecision.filter(F.action == "rej"))
    async def ask_claim_reason(
        query: CallbackQuery,
        callback_data: ClaimDecision,
        session: AsyncSession,
        user: User,
        settings: Settings,
        state: FSMContext,
    ) -> None:
        card = await claim_card(session, callback_data.claim_id)
        if card is None or not card.is_open:
            who = await redraw_claim(
                _message(query), session, callback_data.claim_id, user.language, settings.zone
            )
            await query.answer(mt(user.language, "already", who=who), show_alert=True)
            return
        await _ask(query, state, "claim", card.claim_id, card.number, user.language)

    # the reason ---------------------------------------------------------------------------
    @router.message(RejectReason.text, Command("cancel"))
    async def reason_cancelled(message: Message, user: User, state: FSMContext) -> None:
        await state.clear()
        await message.answer(mt(user.language, "cancelled"))

    @router.message(RejectReason.text, F.text, ~F.text.startswith("/"))
    async def reason_given(
        message: Message,
        session: AsyncSession,
        user: User,
        settings: Settings,
        state: FSMContext,
        bot: Bot,
    ) -> None:
        data = await state.get_data()
        reason = message.text or ""
        locale = user.language
        card_message = (int(data["chat_id"]), int(data["message_id"]))
        try:
            if data["kind"] == "order":
                order = await reject_order(session, int(data["id"]), user, reason)
                done = mt(locale, "done.rejected", number=order.number)
            else:
                claim = await change_claim_status(
                    session, int(data["id"]), ClaimStatus.REJECTED, user, note=reason
                )
                label = mt(locale, "claim_status.rejected")
                done = mt(locale, "done.claim", number=claim.number, status=label)
        except InvalidTransition:
            await session.rollback()
            await state.clear()
            await message.answer(mt(locale, "already", who=""))
            await _redraw_by_id(bot, session, data, card_message, locale, settings)
            return
        await session.commit()
        await state.clear()
        await message.answer(done)
        await _redraw_by_id(bot, session, data, card_message, locale, settings)

    # commands -----------------------------------------------------------------------------
    @router.message(Command("pending"))
    async def pending(
        message: Message, session: AsyncSession, user: User, settings: Settings
    ) -> None:
        orders = await pending_orders(session, user)
        if not orders:
            await message.answer(mt(user.language, "pending.none"))
            return
        names = await dealer_names(session, {o.dealer_id for o in orders})
        title = mt(user.language, "pending.title", count=len(orders))
        rows = [
            [
                InlineKeyboardButton(
                    text=f"{o.number} — {names.get(o.dealer_id, '')}"[:60],
                    callback_data=OrderDecision(action="open", order_id=o.id).pack(),
                )
            ]
            for o in orders[:20]
        ]
        await message.answer(
            order_list_text(title, orders, names, user.language, settings.zone),
            reply_markup=InlineKeyboardMarkup(inline_keyboard=rows),
        )

    @router.message(Command("today"))
    async def today(
        message: Message, session: AsyncSession, user: User, settings: Settings
    ) -> None:
        local_day = datetime.now(settings.zone).date()
        start = datetime.combine(local_day, time(0), settings.zone)
        orders = await orders_between(session, user, start, start + timedelta(days=1))
        if not orders:
            await message.answer(mt(user.language, "today.none"))
            return
        names = await dealer_names(session, {o.dealer_id for o in orders})
        title = mt(user.language, "today.title", count=len(orders))
        await message.answer(order_list_text(title, orders, names, user.language, settings.zone))

    @router.message(Command("dealer"))
    async def dealer_search(
        message: Message, command: CommandObject, session: AsyncSession, user: User
    ) -> None:
        if not (command.args or "").strip():
            await message.answer(mt(user.language, "dealer.ask"))
            return
        dealers = await search_dealers(session, user, command.args or "")
        if not dealers:
            await message.answer(mt(user.language, "dealer.none"))
            return
        rows = [
            [
                InlineKeyboardButton(
                    text=f"{d.name} ({d.inn or '—'})"[:60],
                    callback_data=DealerPick(dealer_id=d.id).pack(),
                )
            ]
            for d in dealers
        ]
        await message.answer(
            mt(user.language, "dealer.found", count=len(dealers)),
            reply_markup=InlineKeyboardMarkup(inline_keyboard=rows),
        )

    @router.callback_query(DealerPick.filter())
    async def dealer_orders(
        query: CallbackQuery,
        callback_data: DealerPick,
        session: AsyncSession,
        user: User,
        settings: Settings,
    ) -> None:
        dealer, orders = await dealer_last_orders(session, user, callback_data.dealer_id)
        await query.answer()
        message = _message(query)
        if message is None:
            return
        if not orders:
            await message.answer(mt(user.language, "dealer.no_orders", name=dealer.name))
            return
        title = mt(user.language, "dealer.orders", name=dealer.name, count=len(orders))
        names = {dealer.id: dealer.name}
        await message.answer(order_list_text(title, orders, names, user.language, settings.zone))

    return router


async def _ask(
    query: CallbackQuery, state: FSMContext, kind: str, target: int, number: str, locale: str
) -> None:
    """Ask the pressing manager for a reason; the card to redraw is remembered."""
    message = _message(query)
    await state.set_state(RejectReason.text)
    await state.update_data(
        kind=kind,
        id=target,
        chat_id=message.chat.id if message else query.from_user.id,
        message_id=message.message_id if message else 0,
    )
    await query.answer()
    key = "ask.order_reason" if kind == "order" else "ask.claim_reason"
    if message is not None:
        await message.answer(
            mt(locale, key, number=number), reply_markup=ForceReply(selective=True)
        )


async def _redraw_by_id(
    bot: Bot,
    session: AsyncSession,
    data: dict[str, object],
    card_message: tuple[int, int],
    locale: str,
    settings: Settings,
) -> None:
    """Redraw the card the manager pressed Reject on (found by chat and message id)."""
    chat_id, message_id = card_message
    if not message_id:
        return
    target = int(str(data["id"]))
    markup: InlineKeyboardMarkup | None
    if data["kind"] == "order":
        order = await order_card(session, target)
        if order is None:
            return
        text = order_card_text(order, locale, settings.zone)
        markup = order_card_markup(order, locale)
    else:
        claim = await claim_card(session, target)
        if claim is None:
            return
        text = claim_card_text(claim, locale, settings.zone)
        markup = claim_card_markup(claim, locale)
    await bot.edit_message_text(
        text=text, chat_id=chat_id, message_id=message_id, reply_markup=markup
    )

"""Managers in the bot: Approve / Refuse on an order held for credit (core.finance.credit).

The access gate checks the order is in the presser's manager scope before this runs
(CreditDecision is a staff target); core checks the same scope again. The first decision wins;
a later tap is told the order was decided.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from aiogram import Router
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.handlers.manager import IsStaff
from bot.handlers.manager_cards import order_card_text
from bot.handlers.manager_texts import mt
from bot.manager_callbacks import CreditDecision
from core.display import moment, money
from core.finance.credit import APPROVED, HELD, REJECTED, approve_credit, reject_credit
from core.finance.positions import credit_position
from core.models import ManagerAction, Order, User
from core.notifications import order_card
from core.settings import Settings


async def credit_card(
    session: AsyncSession, order_id: int, locale: str, zone: ZoneInfo
) -> tuple[str, InlineKeyboardMarkup | None] | None:
    """The manager's credit card of an order: why it is held, the order, the buttons."""
    order = await session.get(Order, order_id)
    card = await order_card(session, order_id)
    if order is None or card is None:
        return None
    out = [mt(locale, "credit.title", number=order.number), mt(locale, "credit.why")]
    position = await credit_position(session, order.dealer_id, order.legal_entity_id)
    if position is not None:
        out.append(
            mt(
                locale,
                "credit.position",
                limit=money(position.credit_limit, locale=locale),
                debt=money(position.debt, locale=locale),
                free=money(position.free_limit, locale=locale),
                overdue=money(position.overdue, locale=locale),
                at=moment(position.as_of, zone, locale),
            )
        )
        if order.total > position.free_limit:
            out.append(mt(locale, "credit.over_limit", total=money(order.total, locale=locale)))
        if position.overdue > 0:
            out.append(mt(locale, "credit.overdue"))
    if order.credit_hold in (APPROVED, REJECTED):
        action = await session.scalar(
            select(ManagerAction)
            .where(ManagerAction.order_id == order.id, ManagerAction.action.like("order.credit_%"))
            .order_by(ManagerAction.id.desc())
            .limit(1)
        )
        who = await session.get(User, action.user_id) if action and action.user_id else None
        out.append(
            mt(
                locale,
                "credit.approved" if order.credit_hold == APPROVED else "credit.rejected",
                by=(who.full_name or f"#{who.id}") if who else "—",
                at=moment(action.at, zone, locale) if action else "—",
            )
        )
    out += ["", order_card_text(card, locale, zone)]
    markup = None
    if order.credit_hold == HELD:

        def button(key: str, action: str) -> InlineKeyboardButton:
            data = CreditDecision(action=action, order_id=order_id).pack()
            return InlineKeyboardButton(text=mt(locale, key), callback_data=data)

        markup = InlineKeyboardMarkup(
            inline_keyboard=[[button("button.credit_ok", "ok"), button("button.credit_no", "no")]]
        )
    return "\n".join(out)[:4000], markup


def create_router() -> Router:
    """The managers' credit-hold router (a fresh one per dispatcher)."""
    router = Router(name="credit")
    router.callback_query.filter(IsStaff())

    @router.callback_query(CreditDecision.filter())
    async def decide(
        query: CallbackQuery,
        callback_data: CreditDecision,
        session: AsyncSession,
        user: User,
        settings: Settings,
    ) -> None:
        locale = user.language
        if callback_data.action == "ok":
            order, changed = await approve_credit(session, callback_data.order_id, user)
        else:
            reason = mt("ru", "credit.reason")
            order, changed = await reject_credit(session, callback_data.order_id, user, reason)
        await session.commit()
        key = "done.credit_ok" if callback_data.action == "ok" else "done.credit_no"
        if changed:
            await query.answer(mt(locale, key, number=order.number))
        else:
            await query.answer(mt(locale, "already", who=order.number), show_alert=True)
        drawn = await credit_card(session, order.id, locale, settings.zone)
        if isinstance(query.message, Message) and drawn is not None:
            await query.message.edit_text(drawn[0], reply_markup=drawn[1])

    return router

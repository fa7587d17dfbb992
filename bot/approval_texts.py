"""An order waiting for approval as Telegram messages: the approver's card and the buyer's notice.

Texts come from the dealers' .po files in the current locale (approvers are dealer people); used
by the approval handlers (to redraw the card pressed) and by the sender (to send and edit cards).
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from bot.callbacks import ApprovalDecision
from bot.i18n import _
from bot.render import clip, day, moment, money, qty
from core.models import LegalEntity, Order
from core.orders.approval import Outcome
from core.orders.approval_cards import ApprovalInfo, approval_info

MAX_LINES = 15


def decision_text(outcome: Outcome, zone: ZoneInfo) -> str:
    """ "✅ Согласовал(а): Ольга, 02.12.2026 16:05" (with the reason of a rejection), or ''."""
    if outcome.decision is None:
        return ""
    at = moment(outcome.at, zone) if outcome.at else ""
    text = _(f"approval.status.{outcome.decision}", by=outcome.by, at=at)
    if outcome.decision == "rejected" and outcome.note:
        text += "\n" + _("approval.reason", reason=outcome.note)
    return text


def already_text(outcome: Outcome) -> str:
    """What a late tap is told: who decided (an alert, at most 200 characters)."""
    key = f"approval.already.{outcome.decision or 'cancelled'}"
    return _(key, number=outcome.order.number, by=outcome.by)[:200]


async def card_text(session: AsyncSession, info: ApprovalInfo, zone: ZoneInfo) -> str:
    """The approver's card: number, author, legal entity, lines, total against the threshold,
    details, and the decision once made."""
    order = await session.scalar(
        select(Order).where(Order.id == info.order_id).options(selectinload(Order.lines))
    )
    assert order is not None
    entity = (
        await session.get(LegalEntity, order.legal_entity_id) if order.legal_entity_id else None
    )
    rows = [
        _("approval.card.title", number=order.number),
        _("approval.card.author", name=info.author),
    ]
    if entity is not None:
        rows.append(_("approval.card.entity", name=entity.name, inn=entity.inn))
    rows.append("")
    for line in order.lines[:MAX_LINES]:
        rows.append(
            f"• {line.article} — {line.name}: {qty(line.quantity)} {line.unit}"
            f" × {money(line.price, order.currency)} = {money(line.amount, order.currency)}"
        )
    if len(order.lines) > MAX_LINES:
        rows.append(_("approval.card.more_lines", count=len(order.lines) - MAX_LINES))
    total = money(order.total, order.currency)
    if info.threshold is not None:
        rows.append(
            _("approval.card.total", total=total, threshold=money(info.threshold, order.currency))
        )
    else:
        rows.append(_("orders.total", total=total))
    if order.desired_date:
        rows.append(_("orders.desired_date", date=day(order.desired_date)))
    if order.delivery_address:
        rows.append(_("orders.address", address=order.delivery_address))
    if order.comment:
        rows.append(_("orders.comment", comment=order.comment))
    rows.append(_("orders.placed_at", at=moment(order.placed_at, zone)))
    decided = decision_text(info.outcome, zone)
    if decided:
        rows += ["", decided]
    return clip("\n".join(rows))


def card_markup(info: ApprovalInfo) -> InlineKeyboardMarkup | None:
    """Approve / Reject while the order waits; no buttons once decided."""
    if not info.is_open:
        return None

    def button(key: str, action: str) -> InlineKeyboardButton:
        data = ApprovalDecision(action=action, order_id=info.order_id).pack()
        return InlineKeyboardButton(text=_(key), callback_data=data)

    return InlineKeyboardMarkup(
        inline_keyboard=[
            [button("approval.button.approve", "ok"), button("approval.button.reject", "no")]
        ]
    )


async def card(
    session: AsyncSession, order_id: int, zone: ZoneInfo
) -> tuple[str, InlineKeyboardMarkup | None] | None:
    """Text and buttons of an order's approval card now (None if the order is gone)."""
    info = await approval_info(session, order_id)
    if info is None:
        return None
    return await card_text(session, info, zone), card_markup(info)


def notice_text(number: str, approved: bool, by: str, reason: str) -> str:
    """The buyer's notice of the decision."""
    if approved:
        return _("approval.notice.approved", number=number, by=by)
    return _("approval.notice.rejected", number=number, by=by, reason=reason or "—")

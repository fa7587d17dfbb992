"""Manager cards as Telegram messages: text and buttons of an order or claim card, the digest.

Built from core.notifications' plain data; used by the manager handlers (to edit the card a
manager pressed) and by the sender (to send and edit cards for everyone).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.handlers.manager_texts import mt
from bot.manager_callbacks import ClaimDecision, OrderDecision
from core import display
from core.models import Order
from core.notifications import ClaimCard, Decision, OrderCard

MAX_TEXT = 4000


def money(value: Decimal, currency: str, locale: str) -> str:
    """1 234,50 ₽ (ru) or 1,234.50 ₽ (en)."""
    return display.money(value, currency, locale)


def quantity(value: Decimal, locale: str) -> str:
    """A quantity without exponent or trailing zeros."""
    return display.quantity(value, locale=locale)


def moment(value: datetime, zone: ZoneInfo) -> str:
    """A stored UTC time in the configured zone."""
    return display.moment(value, zone)


def clip(text: str) -> str:
    """Fit one Telegram message."""
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


def _decision_line(prefix: str, decision: Decision, locale: str, zone: ZoneInfo) -> str:
    key = f"{prefix}.status.{decision.status}"
    when = moment(decision.at, zone)
    try:
        return mt(locale, key, by=decision.by, at=when)
    except KeyError:
        status = mt(locale, f"status.{decision.status}")
        return mt(locale, f"{prefix}.status.other", status=status, by=decision.by, at=when)


def decision_line(card: OrderCard | ClaimCard, locale: str, zone: ZoneInfo) -> str:
    """Who decided and when ("✅ Подтверждён: Ольга, 10.12.2026 12:01"), or ''."""
    if card.decision is None:
        return ""
    prefix = "order" if isinstance(card, OrderCard) else "claim"
    return _decision_line(prefix, card.decision, locale, zone)


def order_card_text(card: OrderCard, locale: str, zone: ZoneInfo, *, resent: bool = False) -> str:
    """The card: dealer, legal entity, lines, total, comment, after-hours mark, decision."""
    out = [mt(locale, "order.title", number=card.number)]
    if resent:
        out.append(mt(locale, "order.resent"))
    if card.after_hours:
        out.append(mt(locale, "order.after_hours"))
    out.append(mt(locale, "order.dealer", name=card.dealer_name))
    if card.entity_name:
        out.append(mt(locale, "order.entity", name=card.entity_name, inn=card.entity_inn))
    out.append("")
    for line in card.lines:
        out.append(
            mt(
                locale,
                "order.line",
                article=line.article,
                name=line.name,
                qty=quantity(line.quantity, locale),
                unit=line.unit,
                price=money(line.price, card.currency, locale),
                amount=money(line.amount, card.currency, locale),
            )
        )
    if card.line_count > len(card.lines):
        out.append(mt(locale, "order.more_lines", count=card.line_count - len(card.lines)))
    out.append(mt(locale, "order.total", total=money(card.total, card.currency, locale)))
    if card.comment:
        out.append(mt(locale, "order.comment", comment=card.comment))
    if card.desired_date:
        out.append(mt(locale, "order.desired", date=display.day(card.desired_date)))
    if card.dealer_po:
        out.append(mt(locale, "order.po", po=card.dealer_po))
    if card.delivery_address:
        out.append(mt(locale, "order.address", address=card.delivery_address))
    out.append(mt(locale, "order.placed", at=moment(card.placed_at, zone)))
    if card.edited_at is not None:
        out.append(mt(locale, "order.edited", by=card.edited_by, at=moment(card.edited_at, zone)))
    if card.decision is not None:
        out.append("")
        out.append(_decision_line("order", card.decision, locale, zone))
        if card.decision.note:
            out.append(mt(locale, "order.reason", reason=card.decision.note))
    return clip("\n".join(out))


def order_card_markup(card: OrderCard, locale: str) -> InlineKeyboardMarkup:
    """Confirm / Reject / Open while the order is new; Open alone afterwards."""

    def button(key: str, action: str) -> InlineKeyboardButton:
        data = OrderDecision(action=action, order_id=card.order_id).pack()
        return InlineKeyboardButton(text=mt(locale, key), callback_data=data)

    rows = []
    if card.is_open:
        rows.append([button("button.confirm", "ok"), button("button.reject", "no")])
    rows.append([button("button.open", "open")])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def claim_card_text(card: ClaimCard, locale: str, zone: ZoneInfo, *, resent: bool = False) -> str:
    """The claim card: dealer, order, claimed lines, comment, photo count, decision."""
    out = [mt(locale, "claim.title", number=card.number, order=card.order_number)]
    if resent:
        out.append(mt(locale, "order.resent"))
    out.append(mt(locale, "order.dealer", name=card.dealer_name))
    out.append("")
    for line in card.lines:
        out.append(
            mt(
                locale,
                "claim.line",
                article=line.article,
                name=line.name,
                reason=mt(locale, f"claim.reason.{line.reason}"),
                qty=quantity(line.quantity, locale),
            )
        )
        if line.comment:
            out.append(mt(locale, "claim.line_comment", comment=line.comment))
    if card.comment:
        out.append(mt(locale, "order.comment", comment=card.comment))
    if card.photos:
        out.append(mt(locale, "claim.photos", count=len(card.photos)))
    out.append(mt(locale, "claim.filed", at=moment(card.created_at, zone)))
    if card.decision is not None:
        out.append("")
        out.append(_decision_line("claim", card.decision, locale, zone))
        if card.decision.note:
            out.append(mt(locale, "order.reason", reason=card.decision.note))
    return clip("\n".join(out))


def claim_card_markup(card: ClaimCard, locale: str) -> InlineKeyboardMarkup | None:
    """Accept / Reject / In review while the claim is open (In review only while new)."""
    if not card.is_open:
        return None

    def button(key: str, action: str) -> InlineKeyboardButton:
        data = ClaimDecision(action=action, claim_id=card.claim_id).pack()
        return InlineKeyboardButton(text=mt(locale, key), callback_data=data)

    row = [button("button.accept", "acc"), button("button.reject", "rej")]
    if card.status == "new":
        row.append(button("button.in_review", "rev"))
    return InlineKeyboardMarkup(inline_keyboard=[row])


def digest_text(cards: Sequence[OrderCard], locale: str) -> str:
    """The digest header: how many orders came after hours, one line each."""
    out = [mt(locale, "digest.title", count=len(cards))]
    for card in cards:
        total = money(card.total, card.currency, locale)
        out.append(
            mt(locale, "digest.line", number=card.number, dealer=card.dealer_name, total=total)
        )
    return clip("\n".join(out))


def order_list_text(
    title: str, orders: Sequence[Order], dealers: dict[int, str], locale: str, zone: ZoneInfo
) -> str:
    """A list of orders for the manager commands."""
    out = [title]
    for order in orders:
        out.append(
            mt(
                locale,
                "list.line",
                number=order.number,
                dealer=dealers.get(order.dealer_id, "—"),
                total=money(order.total, order.currency, locale),
                status=mt(locale, f"status.{order.status}"),
                at=moment(order.placed_at, zone),
            )
        )
    return clip("\n".join(out))

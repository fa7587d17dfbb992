"""What a delivery row looks like on Telegram: built by the bot when it is sent, from current data.

`Outbound` is the renderer the composition root hands to integrations.telegram.sender: texts
and keyboards come from the bot's own modules; the sender only delivers the `core.outgoing`
message it returns.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession

from bot import approval_texts
from bot.handlers.alerts import alert_message
from bot.handlers.credit import credit_card
from bot.handlers.finance import shipment_text
from bot.handlers.manager_cards import (
    claim_card_markup,
    claim_card_text,
    digest_text,
    order_card_markup,
    order_card_text,
)
from bot.handlers.nps import nps_markup
from bot.handlers.satisfaction import poll_markup
from bot.i18n import create_i18n
from bot.render import claim_status, order_status
from core.broadcasts import photos as broadcast_photos
from core.broadcasts import service as broadcasts
from core.catalog.alerts import PRICE_NOTICE, STOCK_NOTICE
from core.finance.notices import SHIPMENT_NOTICE
from core.metrics.nps import NPS_QUESTION
from core.metrics.weekly import WEEKLY_DIGEST, weekly_digest_text
from core.models import Claim, Delivery, Order, OrderStatus
from core.notifications import (
    APPLICATION_NOTICE,
    CARD_EDIT,
    CLAIM_CARD,
    CLAIM_NOTICE,
    CLAIM_PHOTOS,
    CREDIT_CARD,
    DIGEST_HEADER,
    ORDER_CARD,
    ORDER_NOTICE,
    OrderCard,
    claim_card,
    order_card,
)
from core.orders.approval_cards import APPROVAL_CARD, APPROVAL_NOTICE, approval_info
from core.outgoing import Button, Keyboard, Outgoing

MAX_TEXT = 4000


def keyboard_of(markup: InlineKeyboardMarkup | None) -> Keyboard | None:
    """The bot's inline keyboard as plain rows of buttons (callbacks and links)."""
    if markup is None:
        return None
    return tuple(
        tuple(Button(b.text, callback_data=b.callback_data, url=b.url) for b in row)
        for row in markup.inline_keyboard
    )


def _out(
    method: str,
    text: str = "",
    markup: InlineKeyboardMarkup | None = None,
    *,
    photos: tuple[str, ...] = (),
    message_id: int | None = None,
    parse_mode: str | None = None,
    upload_of: int | None = None,
) -> Outgoing:
    """A `core.outgoing.Outgoing` with the bot's aiogram keyboard turned into plain buttons."""
    return Outgoing(
        method,
        text,
        keyboard_of(markup),
        photos=photos,
        message_id=message_id,
        parse_mode=parse_mode,
        upload_of=upload_of,
    )


class Outbound:
    """The renderer for integrations.telegram.sender: the bot's texts in the configured zone."""

    def __init__(self, zone: ZoneInfo, i18n: I18n | None = None) -> None:
        self.zone = zone
        self.i18n = i18n or create_i18n()

    async def __call__(self, session: AsyncSession, delivery: Delivery) -> Outgoing | None:
        return await render(session, delivery, zone=self.zone, i18n=self.i18n)


async def render(
    session: AsyncSession, delivery: Delivery, *, zone: ZoneInfo, i18n: I18n
) -> Outgoing | None:
    """The call for a delivery, or None when there is nothing left to send (target gone)."""
    kind, locale = delivery.kind, delivery.locale
    resent = bool(delivery.params.get("resent"))
    if kind in (broadcasts.BROADCAST, broadcasts.BROADCAST_TEST):
        return await _broadcast(session, delivery)
    if kind in (APPROVAL_CARD, APPROVAL_NOTICE) or (
        kind == CARD_EDIT and delivery.params.get("of") == APPROVAL_CARD
    ):
        return await _approval(session, delivery, zone=zone, i18n=i18n)
    if kind == CREDIT_CARD and delivery.order_id is not None:  # core.finance.credit
        drawn = await credit_card(session, delivery.order_id, locale, zone)
        return _out("text", drawn[0], drawn[1]) if drawn else None
    if kind == ORDER_CARD and delivery.order_id is not None:
        order = await order_card(session, delivery.order_id)
        if order is None:
            return None
        text = order_card_text(order, locale, zone, resent=resent)
        return _out("text", text, order_card_markup(order, locale))
    if kind in (CLAIM_CARD, CLAIM_PHOTOS) and delivery.claim_id is not None:
        claim = await claim_card(session, delivery.claim_id)
        if claim is None:
            return None
        if kind == CLAIM_PHOTOS:
            return _out("photos", photos=claim.photos) if claim.photos else None
        text = claim_card_text(claim, locale, zone, resent=resent)
        return _out("text", text, claim_card_markup(claim, locale))
    if kind == CARD_EDIT:
        message_id = delivery.params.get("message_id")
        if not message_id:
            return None
        if delivery.order_id is not None:
            order = await order_card(session, delivery.order_id)
            if order is None:
                return None
            text = order_card_text(order, locale, zone)
            return _out("edit", text, order_card_markup(order, locale), message_id=message_id)
        if delivery.claim_id is not None:
            claim = await claim_card(session, delivery.claim_id)
            if claim is None:
                return None
            text = claim_card_text(claim, locale, zone)
            return _out("edit", text, claim_card_markup(claim, locale), message_id=message_id)
        return None
    if kind == DIGEST_HEADER:
        cards: list[OrderCard] = []
        for order_id in delivery.params.get("order_ids", []):
            card = await order_card(session, int(order_id), max_lines=0)
            if card is not None:
                cards.append(card)
        return _out("text", digest_text(cards, locale)) if cards else None
    if kind in (ORDER_NOTICE, CLAIM_NOTICE):
        return await _dealer_notice(session, delivery, i18n)
    if kind == APPLICATION_NOTICE:
        return _application_notice(delivery, i18n)
    if kind == NPS_QUESTION:
        with i18n.context(), i18n.use_locale(locale):
            text = i18n.gettext("nps.question")
        return _out("text", text, nps_markup(str(delivery.params.get("survey") or "")))
    if kind == WEEKLY_DIGEST:
        return _out("text", weekly_digest_text(delivery.params, locale))
    if kind == SHIPMENT_NOTICE:  # core.finance.notices
        with i18n.context(), i18n.use_locale(locale):
            shipped = await shipment_text(session, delivery)
        return _out("text", shipped) if shipped else None
    if kind in (STOCK_NOTICE, PRICE_NOTICE):  # core.catalog.alerts
        with i18n.context(), i18n.use_locale(locale):
            message = await alert_message(session, delivery)
        return _out("text", message[0], message[1]) if message else None
    return None


async def _broadcast(session: AsyncSession, delivery: Delivery) -> Outgoing | None:
    """A broadcast's message (None once the broadcast is cancelled)."""
    content = await broadcasts.for_delivery(session, delivery)
    if content is None:
        return None
    markup = None
    if content.button_text and content.button_url:
        button = InlineKeyboardButton(text=content.button_text, url=content.button_url)
        markup = InlineKeyboardMarkup(inline_keyboard=[[button]])
    if content.photo:
        return _out("photo", content.text, markup, photos=(content.photo,), parse_mode="HTML")
    if content.photo_file_name:
        broadcast_id = broadcasts.broadcast_id_of(delivery)
        file_id = await broadcast_photos.file_id_of(session, broadcast_id)
        if file_id is not None:
            return _out("photo", content.text, markup, photos=(file_id,), parse_mode="HTML")
        # Not on Telegram yet: the sender uploads it (once, reading it when it sends).
        return _out("photo", content.text, markup, parse_mode="HTML", upload_of=broadcast_id)
    return _out("text", content.text, markup, parse_mode="HTML")


async def _approval(
    session: AsyncSession, delivery: Delivery, *, zone: ZoneInfo, i18n: I18n
) -> Outgoing | None:
    """An approver's card (or its edit once decided), or the decision told to the buyer."""
    if delivery.order_id is None:
        return None
    with i18n.context(), i18n.use_locale(delivery.locale):
        if delivery.kind == APPROVAL_NOTICE:
            info = await approval_info(session, delivery.order_id)
            if info is None:
                return None
            text = approval_texts.notice_text(
                info.number,
                bool(delivery.params.get("approved")),
                info.outcome.by,
                str(delivery.params.get("note") or ""),
            )
            return _out("text", text[:MAX_TEXT])
        drawn = await approval_texts.card(session, delivery.order_id, zone)
        if drawn is None:
            return None
        text, markup = drawn
        if delivery.kind == CARD_EDIT:
            message_id = delivery.params.get("message_id")
            return _out("edit", text, markup, message_id=message_id) if message_id else None
        return _out("text", text, markup)


def _application_notice(delivery: Delivery, i18n: I18n) -> Outgoing:
    """The decision on a pilot application: the invitation link, or the reason for a no."""
    p = delivery.params
    with i18n.context(), i18n.use_locale(delivery.locale):
        if p.get("approved"):
            text = i18n.gettext("notify.application_approved").format(
                dealer=p.get("dealer", ""), link=p.get("link", "")
            )
            if p.get("thanks"):
                text += "\n\n" + str(p["thanks"])
        else:
            text = i18n.gettext("notify.application_rejected").format(message=p.get("message", ""))
    return _out("text", text[:MAX_TEXT])


async def _dealer_notice(session: AsyncSession, delivery: Delivery, i18n: I18n) -> Outgoing | None:
    """A status change told to the dealer in their language, with the bot's own texts."""
    status = str(delivery.params.get("to") or "")
    note = str(delivery.params.get("note") or "").strip()
    markup = None
    with i18n.context(), i18n.use_locale(delivery.locale):
        if delivery.kind == ORDER_NOTICE and delivery.order_id is not None:
            order = await session.get(Order, delivery.order_id)
            if order is None:
                return None
            status = status or order.status
            text = i18n.gettext("notify.order_status").format(
                number=order.number, status=order_status(status)
            )
        elif delivery.claim_id is not None:
            claim = await session.get(Claim, delivery.claim_id)
            if claim is None:
                return None
            status = status or claim.status
            text = i18n.gettext("notify.claim_status").format(
                number=claim.number, status=claim_status(status)
            )
        else:
            return None
        if note:
            text += "\n" + i18n.gettext("notify.note").format(note=note)
        if delivery.kind == ORDER_NOTICE and status == OrderStatus.COMPLETED:
            text += "\n\n" + i18n.gettext("poll.question")
            markup = poll_markup(delivery.order_id or 0)
    return _out("text", text[:MAX_TEXT], markup)

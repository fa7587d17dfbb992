"""Взаиморасчёты: debt, limits and deferral per legal entity and contract (/balance), and the
documents 1C pushed with their PDFs (/documents; a tap sends the PDF, then by cached file_id).

Every lookup is within the person's own dealer (core.finance.queries); the access gate has
already refused paused dealers and revoked people.
"""

from __future__ import annotations

import logging

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
)
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callbacks import FinanceAction, ReconciliationAction
from bot.filters import BoundDealer, MenuButton
from bot.i18n import _
from bot.render import clip, day, moment, money, short
from core.dealers.service import dealer_id_of
from core.finance import queries
from core.models import Delivery, FinanceDocument, Order, User
from core.settings import Settings

log = logging.getLogger(__name__)
PAGE_SIZE = 8


def balance_text(views: list[queries.ContractView], settings: Settings) -> str:
    """Per legal entity and contract: debt, overdue, limit, free limit, deferral, freshness."""
    if not views:
        return _("finance.none")
    blocks = [_("finance.title")]
    for view in views:
        c = view.contract
        lines = [
            _("finance.contract", entity=view.entity_name or "—", number=c.number),
            _("finance.as_of", at=moment(c.as_of, settings.zone)),
        ]
        if queries.is_stale(c.as_of):
            lines.append(_("finance.stale"))
        lines += [
            _("finance.debt", amount=money(c.debt)),
            _("finance.overdue", amount=money(c.overdue)),
            _("finance.limit", amount=money(c.credit_limit)),
            _("finance.free", amount=money(view.free_limit)),
            _("finance.deferral", days=c.deferral_days),
        ]
        blocks.append("\n".join(lines))
    return clip("\n\n".join(blocks))


def balance_markup() -> InlineKeyboardMarkup:
    """Under the balance: Documents. Hook: h17b adds «Акт сверки за период» here
    (bot.callbacks.ReconciliationAction, declared at the access gate)."""
    docs = FinanceAction(action="docs").pack()
    act = ReconciliationAction(action="ask").pack()
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text=_("finance.documents"), callback_data=docs)],
            [InlineKeyboardButton(text=_("finance.act_button"), callback_data=act)],
        ]
    )


def document_line(document: FinanceDocument) -> str:
    """`УПД РТ-004512 от 20.11.2026 — 120 000,00 ₽ (заказ DB-000123)`."""
    text = _(
        "finance.doc_line",
        kind=_(f"finance.kind.{document.kind}"),
        number=document.number,
        date=day(document.doc_date),
        amount=money(document.amount),
    )
    if document.due_date:
        text += " " + _("finance.doc_due", date=day(document.due_date))
    if document.order_ref:
        text += " " + _("finance.doc_order", order=document.order_ref)
    if not document.file_size:
        text += " " + _("finance.doc_no_pdf")
    return text


def documents_markup(
    documents: list[FinanceDocument], page: int, pages: int
) -> InlineKeyboardMarkup:
    """A button per document with a PDF, then ◀ ▶ between pages."""
    rows = [
        [
            InlineKeyboardButton(
                text=short(f"📄 {_(f'finance.kind.{d.kind}')} {d.number}", 60),
                callback_data=FinanceAction(action="pdf", doc_id=d.id).pack(),
            )
        ]
        for d in documents
        if d.file_size
    ]
    nav = []
    if page > 0:
        data = FinanceAction(action="docs", page=page - 1).pack()
        nav.append(InlineKeyboardButton(text="◀", callback_data=data))
    if page + 1 < pages:
        data = FinanceAction(action="docs", page=page + 1).pack()
        nav.append(InlineKeyboardButton(text="▶", callback_data=data))
    if nav:
        rows.append(nav)
    act = ReconciliationAction(action="ask").pack()
    rows.append([InlineKeyboardButton(text=_("finance.act_button"), callback_data=act)])
    return InlineKeyboardMarkup(inline_keyboard=rows)


async def send_documents(message: Message, session: AsyncSession, user: User, page: int) -> None:
    """One page of the dealer's documents, newest first."""
    dealer_id = dealer_id_of(user)
    total = await queries.count_documents(session, dealer_id)
    if total == 0:
        await message.answer(_("finance.no_documents"))
        return
    pages = (total + PAGE_SIZE - 1) // PAGE_SIZE
    page = min(max(page, 0), pages - 1)
    documents = await queries.list_documents(session, dealer_id, page=page, page_size=PAGE_SIZE)
    head = _("finance.documents_title", page=page + 1, pages=pages)
    text = clip("\n".join([head, *(f"• {document_line(d)}" for d in documents)]))
    await message.answer(text, reply_markup=documents_markup(documents, page, pages))


async def send_pdf(
    bot: Bot, chat_id: int, session: AsyncSession, document: FinanceDocument
) -> None:
    """The document's PDF: by the cached file_id when Telegram has it, else uploaded (and the
    returned file_id kept for the next tap)."""
    caption = document_line(document)[:1000]
    if document.telegram_file_id:
        try:
            await bot.send_document(chat_id, document.telegram_file_id, caption=caption)
            return
        except TelegramBadRequest:
            log.warning("cached file_id refused document=%s: uploading again", document.id)
    content = await queries.document_pdf(session, document)
    name = document.file_name or f"{document.number}.pdf"
    sent = await bot.send_document(
        chat_id, BufferedInputFile(content, filename=name), caption=caption
    )
    if sent.document is not None:
        await queries.remember_file_id(
            session, document.id, document.file_sha256, sent.document.file_id
        )
        await session.commit()


async def shipment_text(session: AsyncSession, delivery: Delivery) -> str | None:
    """The shipment notice of a delivery (bot.outbound), in the current locale."""
    document = await session.get(FinanceDocument, int(delivery.params.get("document_id") or 0))
    order = await session.get(Order, delivery.order_id or 0)
    if document is None or order is None:
        return None
    return _("notify.shipment", number=order.number, document=document_line(document))


def create_router() -> Router:
    """Balance and documents for bound dealers."""
    router = Router(name="finance")
    router.message.filter(BoundDealer())
    router.callback_query.filter(BoundDealer())

    async def show_balance(message: Message, session: AsyncSession, user: User, settings: Settings):
        views = await queries.dealer_contracts(session, dealer_id_of(user))
        markup = balance_markup() if views else None
        await message.answer(balance_text(views, settings), reply_markup=markup)

    @router.message(Command("balance"))
    @router.message(MenuButton("menu.finance"))
    async def balance(
        message: Message, session: AsyncSession, user: User, state: FSMContext, settings: Settings
    ) -> None:
        await state.clear()
        await show_balance(message, session, user, settings)

    @router.message(Command("documents"))
    async def documents(
        message: Message, session: AsyncSession, user: User, state: FSMContext
    ) -> None:
        await state.clear()
        await send_documents(message, session, user, 0)

    @router.callback_query(FinanceAction.filter(F.action == "bal"))
    async def balance_again(
        query: CallbackQuery, session: AsyncSession, user: User, settings: Settings
    ) -> None:
        await query.answer()
        assert isinstance(query.message, Message)
        await show_balance(query.message, session, user, settings)

    @router.callback_query(FinanceAction.filter(F.action == "docs"))
    async def documents_page(
        query: CallbackQuery, callback_data: FinanceAction, session: AsyncSession, user: User
    ) -> None:
        await query.answer()
        assert isinstance(query.message, Message)
        await send_documents(query.message, session, user, callback_data.page)

    @router.callback_query(FinanceAction.filter(F.action == "pdf"))
    async def pdf(
        query: CallbackQuery,
        callback_data: FinanceAction,
        session: AsyncSession,
        user: User,
        bot: Bot,
    ) -> None:
        # another dealer's id (a forged button) is NotFound: the error router answers it
        document = await queries.get_document(session, dealer_id_of(user), callback_data.doc_id)
        await query.answer()
        assert isinstance(query.message, Message)
        await send_pdf(bot, query.message.chat.id, session, document)

    return router

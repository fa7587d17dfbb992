"""Print forms in the bot: «Счёт на оплату» on a confirmed order, «Акт сверки» for a period.

Both are the person's own dealer's only: the order is looked up within the dealer
(core.orders.queries.get_order: another dealer's id is NotFound, answered by the error router),
the act is made for the person's dealer and active legal entity. 1C's PDF goes out when 1C
pushed one (through h17a's send_pdf, cached file_id), otherwise ours (core.finance.print_data).
"""

from __future__ import annotations

from datetime import date

from aiogram import Bot, F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
)
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callbacks import OrderAction, ReconciliationAction
from bot.filters import BoundDealer, NotMenu
from bot.handlers.finance import send_pdf
from bot.i18n import _
from core.dealers.service import dealer_id_of
from core.finance.print_data import (
    PrintedFile,
    invoice_available,
    order_invoice,
    parse_period,
    period_of,
    reconciliation,
)
from core.models import FinanceDocument, Order, User, utcnow
from core.orders.queries import get_order
from core.settings import Settings

PERIODS = ("month", "last_month", "quarter", "year")


class ActPeriod(StatesGroup):
    """Waiting for a typed period of the акт сверки."""

    text = State()


async def invoice_button(
    session: AsyncSession, order: Order, settings: Settings
) -> list[InlineKeyboardButton] | None:
    """The «Счёт на оплату» row of an order card, when an invoice can be given for it."""
    if not await invoice_available(session, order, settings):
        return None
    data = OrderAction(action="invoice", order_id=order.id).pack()
    return [InlineKeyboardButton(text=_("finance.invoice_button"), callback_data=data)]


def act_button() -> list[InlineKeyboardButton]:
    """The «Акт сверки» row under the balance and the documents."""
    data = ReconciliationAction(action="ask").pack()
    return [InlineKeyboardButton(text=_("finance.act_button"), callback_data=data)]


def periods_markup() -> InlineKeyboardMarkup:
    """This month, last month, quarter, year, and a typed period."""

    def button(index: int) -> InlineKeyboardButton:
        return InlineKeyboardButton(
            text=_(f"finance.period.{PERIODS[index]}"),
            callback_data=ReconciliationAction(action="p", value=index).pack(),
        )

    typed = ReconciliationAction(action="typed").pack()
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [button(0), button(1)],
            [button(2), button(3)],
            [InlineKeyboardButton(text=_("finance.period.typed"), callback_data=typed)],
        ]
    )


async def deliver(bot: Bot, chat_id: int, session: AsyncSession, printed: PrintedFile) -> None:
    """A pushed document through send_pdf (cached file_id), ours as a fresh upload."""
    if printed.document_id is not None:
        document = await session.get(FinanceDocument, printed.document_id)
        if document is not None:
            await send_pdf(bot, chat_id, session, document)
            return
    upload = BufferedInputFile(printed.content, filename=printed.file_name)
    await bot.send_document(chat_id, upload)


def create_router() -> Router:
    """Invoice and акт сверки for bound dealers (a fresh router per dispatcher)."""
    router = Router(name="print_forms")
    router.message.filter(BoundDealer())
    router.callback_query.filter(BoundDealer())

    async def send_act(
        chat_id: int,
        bot: Bot,
        session: AsyncSession,
        user: User,
        settings: Settings,
        start: date,
        end: date,
    ) -> None:
        printed = await reconciliation(
            session, dealer_id_of(user), user.active_legal_entity_id, start, end, settings
        )
        await deliver(bot, chat_id, session, printed)

    @router.callback_query(OrderAction.filter(F.action == "invoice"))
    async def invoice(
        query: CallbackQuery,
        callback_data: OrderAction,
        session: AsyncSession,
        user: User,
        settings: Settings,
        bot: Bot,
    ) -> None:
        order = await get_order(session, dealer_id_of(user), callback_data.order_id)
        printed = await order_invoice(session, order.id, settings)
        await query.answer()
        assert isinstance(query.message, Message)
        await deliver(bot, query.message.chat.id, session, printed)

    @router.callback_query(ReconciliationAction.filter(F.action == "ask"))
    async def ask(query: CallbackQuery) -> None:
        await query.answer()
        assert isinstance(query.message, Message)
        await query.message.answer(_("finance.act_ask"), reply_markup=periods_markup())

    @router.callback_query(ReconciliationAction.filter(F.action == "p"))
    async def chosen(
        query: CallbackQuery,
        callback_data: ReconciliationAction,
        session: AsyncSession,
        user: User,
        settings: Settings,
        bot: Bot,
    ) -> None:
        choice = PERIODS[min(max(callback_data.value, 0), len(PERIODS) - 1)]
        start, end = period_of(choice, utcnow().astimezone(settings.zone).date())
        assert isinstance(query.message, Message)
        await send_act(query.message.chat.id, bot, session, user, settings, start, end)
        await query.answer()

    @router.callback_query(ReconciliationAction.filter(F.action == "typed"))
    async def ask_typed(query: CallbackQuery, state: FSMContext) -> None:
        await state.set_state(ActPeriod.text)
        await query.answer()
        assert isinstance(query.message, Message)
        await query.message.answer(_("finance.period.ask"))

    @router.message(StateFilter(ActPeriod.text), F.text, NotMenu())
    async def typed(
        message: Message,
        state: FSMContext,
        session: AsyncSession,
        user: User,
        settings: Settings,
        bot: Bot,
    ) -> None:
        start, end = parse_period(message.text or "")
        await state.clear()
        await send_act(message.chat.id, bot, session, user, settings, start, end)

    return router

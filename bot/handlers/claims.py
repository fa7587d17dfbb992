"""Claims: order, line, reason, quantity, photos, comment, confirm; and the list with statuses."""

from __future__ import annotations

from decimal import Decimal

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callbacks import ClaimAction
from bot.filters import BoundDealer, Is, MenuButton, NotMenu
from bot.i18n import _
from bot.keyboards import main_menu
from bot.render import claim_status, clip, moment, qty, short
from core.claims.service import (
    MAX_ATTACHMENTS,
    ClaimLineInput,
    claimable_orders,
    file_claim,
    list_claims,
)
from core.dealers.service import dealer_id_of
from core.errors import InvalidInput, NotFound
from core.models import ClaimReason, Dealer, User
from core.orders.cart import parse_quantity
from core.orders.queries import get_order
from core.orders.status import CONFIRMED_OR_LATER
from core.settings import Settings


class ClaimStates(StatesGroup):
    """The steps of filing a claim."""

    line = State()
    reason = State()
    quantity = State()
    photos = State()
    comment = State()
    confirm = State()


def btn(text: str, action: str, **kw: int | str) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=ClaimAction(action=action, **kw).pack())


def cancel_row() -> list[InlineKeyboardButton]:
    return [btn(_("claim.cancel"), "cancel")]


def request_key(telegram_id: int, confirm_message_id: int) -> str:
    """Stable for one confirm screen, so a double tap files one claim."""
    return f"tgc:{telegram_id}:{confirm_message_id}"


def create_router() -> Router:
    """Claim handlers for bound dealers."""
    router = Router(name="claims")
    router.message.filter(BoundDealer())
    router.callback_query.filter(BoundDealer())

    @router.message(MenuButton("menu.claims"))
    async def claims_menu(
        message: Message, session: AsyncSession, user: User, state: FSMContext, settings: Settings
    ) -> None:
        await state.clear()
        claims = await list_claims(session, dealer_id_of(user), page_size=10)
        rows = [_("claim.list_title")] if claims else [_("claim.list_empty")]
        for c in claims:
            rows.append(
                f"{c.number} · {moment(c.created_at, settings.zone)} · {claim_status(c.status)}"
            )
        await message.answer(
            clip("\n".join(rows)),
            reply_markup=InlineKeyboardMarkup(inline_keyboard=[[btn(_("claim.new"), "new")]]),
        )

    @router.callback_query(ClaimAction.filter(F.action == "new"))
    async def new_claim(
        query: CallbackQuery, session: AsyncSession, user: User, state: FSMContext
    ) -> None:
        await state.clear()
        orders = await claimable_orders(session, dealer_id_of(user), limit=10)
        await query.answer()
        assert isinstance(query.message, Message)
        if not orders:
            await query.message.answer(_("claim.no_orders"))
            return
        rows = [
            [btn(f"{o.number} · {o.placed_at:%d.%m.%Y}", "order", order_id=o.id)] for o in orders
        ]
        rows.append(cancel_row())
        await query.message.answer(
            _("claim.ask_order"), reply_markup=InlineKeyboardMarkup(inline_keyboard=rows)
        )

    @router.callback_query(ClaimAction.filter(F.action == "order"))
    async def pick_order(
        query: CallbackQuery,
        callback_data: ClaimAction,
        session: AsyncSession,
        user: User,
        state: FSMContext,
    ) -> None:
        order = await get_order(session, dealer_id_of(user), callback_data.order_id)
        if order.status not in CONFIRMED_OR_LATER:
            raise InvalidInput("claim.order_not_confirmed", number=order.number)
        await state.clear()
        await state.set_state(ClaimStates.line)
        await state.update_data(order_id=order.id, order_number=order.number, photos=[])
        await query.answer()
        rows = [
            [
                btn(
                    short(f"{ln.article} — {ln.name} ({qty(ln.quantity)} {ln.unit})", 60),
                    "line",
                    order_id=order.id,
                    line_id=ln.id,
                )
            ]
            for ln in order.lines[:30]
        ]
        rows.append(cancel_row())
        assert isinstance(query.message, Message)
        await query.message.answer(
            _("claim.ask_line", number=order.number),
            reply_markup=InlineKeyboardMarkup(inline_keyboard=rows),
        )

    @router.callback_query(StateFilter(ClaimStates.line), ClaimAction.filter(F.action == "line"))
    async def pick_line(
        query: CallbackQuery,
        callback_data: ClaimAction,
        session: AsyncSession,
        user: User,
        state: FSMContext,
    ) -> None:
        data = await state.get_data()
        if data.get("order_id") != callback_data.order_id:
            await query.answer(_("error.stale_button"), show_alert=True)
            return
        order = await get_order(session, dealer_id_of(user), callback_data.order_id)
        line = next((ln for ln in order.lines if ln.id == callback_data.line_id), None)
        if line is None:
            raise NotFound("claim.line_not_in_order")
        await state.update_data(
            line_id=line.id, line_text=f"{line.article} — {line.name}", ordered=str(line.quantity)
        )
        await state.set_state(ClaimStates.reason)
        await query.answer()
        rows = [[btn(_(f"claim.reason.{r.value}"), "reason", reason=r.value)] for r in ClaimReason]
        rows.append(cancel_row())
        assert isinstance(query.message, Message)
        await query.message.answer(
            _("claim.ask_reason"), reply_markup=InlineKeyboardMarkup(inline_keyboard=rows)
        )

    @router.callback_query(
        StateFilter(ClaimStates.reason), ClaimAction.filter(F.action == "reason")
    )
    async def pick_reason(
        query: CallbackQuery, callback_data: ClaimAction, state: FSMContext
    ) -> None:
        if callback_data.reason not in set(ClaimReason):
            await query.answer(_("error.stale_button"), show_alert=True)
            return
        await state.update_data(reason=callback_data.reason)
        await state.set_state(ClaimStates.quantity)
        data = await state.get_data()
        await query.answer()
        assert isinstance(query.message, Message)
        await query.message.answer(_("claim.ask_quantity", ordered=qty(Decimal(data["ordered"]))))

    @router.message(StateFilter(ClaimStates.quantity), Is(F.text), NotMenu())
    async def typed_quantity(message: Message, state: FSMContext) -> None:
        number = parse_quantity(message.text or "")
        if number <= 0:
            raise InvalidInput("claim.bad_quantity", value=message.text)
        await state.update_data(quantity=str(number))
        await state.set_state(ClaimStates.photos)
        await message.answer(
            _("claim.ask_photos", limit=MAX_ATTACHMENTS),
            reply_markup=InlineKeyboardMarkup(
                inline_keyboard=[
                    [btn(_("claim.photos_done"), "done"), btn(_("claim.skip"), "skip")]
                ]
            ),
        )

    @router.message(StateFilter(ClaimStates.photos), Is(F.photo))
    async def photo(message: Message, state: FSMContext) -> None:
        assert message.photo
        data = await state.get_data()
        photos = list(data.get("photos", []))
        if len(photos) >= MAX_ATTACHMENTS:
            raise InvalidInput("claim.too_many_attachments", limit=MAX_ATTACHMENTS)
        best = message.photo[-1]
        photos.append([best.file_id, best.file_unique_id])
        await state.update_data(photos=photos)
        await message.answer(
            _("claim.photo_added", count=len(photos)),
            reply_markup=InlineKeyboardMarkup(
                inline_keyboard=[[btn(_("claim.photos_done"), "done")]]
            ),
        )

    async def ask_comment(message: Message, state: FSMContext) -> None:
        await state.set_state(ClaimStates.comment)
        await message.answer(
            _("claim.ask_comment"),
            reply_markup=InlineKeyboardMarkup(inline_keyboard=[[btn(_("claim.skip"), "skip")]]),
        )

    async def ask_confirm(message: Message, state: FSMContext) -> None:
        data = await state.get_data()
        await state.set_state(ClaimStates.confirm)
        text = _(
            "claim.summary",
            number=data["order_number"],
            line=data["line_text"],
            reason=_(f"claim.reason.{data['reason']}"),
            quantity=qty(Decimal(data["quantity"])),
            photos=len(data.get("photos", [])),
            comment=data.get("comment") or _("checkout.none"),
        )
        sent = await message.answer(
            clip(text),
            reply_markup=InlineKeyboardMarkup(
                inline_keyboard=[[btn(_("claim.submit"), "confirm")], cancel_row()]
            ),
        )
        await state.update_data(confirm_id=sent.message_id)

    @router.callback_query(
        StateFilter(ClaimStates.photos), ClaimAction.filter(F.action.in_({"done", "skip"}))
    )
    async def photos_done(query: CallbackQuery, state: FSMContext) -> None:
        await query.answer()
        assert isinstance(query.message, Message)
        await ask_comment(query.message, state)

    @router.message(StateFilter(ClaimStates.comment), Is(F.text), NotMenu())
    async def typed_comment(message: Message, state: FSMContext) -> None:
        await state.update_data(comment=(message.text or "").strip())
        await ask_confirm(message, state)

    @router.callback_query(StateFilter(ClaimStates.comment), ClaimAction.filter(F.action == "skip"))
    async def skip_comment(query: CallbackQuery, state: FSMContext) -> None:
        await query.answer()
        assert isinstance(query.message, Message)
        await ask_confirm(query.message, state)

    @router.callback_query(ClaimAction.filter(F.action == "confirm"))
    async def confirm(
        query: CallbackQuery,
        state: FSMContext,
        session: AsyncSession,
        user: User,
        dealer: Dealer | None,
    ) -> None:
        assert isinstance(query.message, Message)
        data = await state.get_data()
        if (
            await state.get_state() != ClaimStates.confirm.state
            or data.get("confirm_id") != query.message.message_id
        ):
            await query.answer(_("error.stale_button"), show_alert=True)
            return
        claim = await file_claim(
            session,
            user,
            int(data["order_id"]),
            [
                ClaimLineInput(
                    order_line_id=int(data["line_id"]),
                    reason=data["reason"],
                    quantity=data["quantity"],
                )
            ],
            comment=data.get("comment") or "",
            attachments=[(file_id, unique_id) for file_id, unique_id in data.get("photos", [])],
            request_key=request_key(query.from_user.id, query.message.message_id),
        )
        await session.commit()
        await state.clear()
        await query.answer()
        await query.message.answer(
            _("claim.filed", number=claim.number), reply_markup=main_menu(dealer)
        )

    @router.callback_query(ClaimAction.filter(F.action == "cancel"))
    async def cancel(query: CallbackQuery, state: FSMContext, dealer: Dealer | None) -> None:
        await state.clear()
        await query.answer()
        assert isinstance(query.message, Message)
        await query.message.answer(_("claim.cancelled"), reply_markup=main_menu(dealer))

    return router

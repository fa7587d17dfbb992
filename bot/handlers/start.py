"""Onboarding: /start with an invitation token, the closed-pilot application form, /start again."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import CommandObject, CommandStart, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    ReplyKeyboardRemove,
)
from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callbacks import ApplicationAction
from bot.filters import Is, NotBound, is_bound_dealer
from bot.handlers.errors import domain_error_text
from bot.handlers.settings import entity_picker
from bot.i18n import _, normalize_locale
from bot.keyboards import contact_keyboard, main_menu
from core.dealers.applications import (
    check_city,
    check_company,
    check_contact_name,
    pending_application,
    submit_application,
)
from core.dealers.invitations import redeem_invitation
from core.dealers.service import check_inn, get_dealer, legal_entities
from core.errors import DomainError
from core.models import User


class ApplicationForm(StatesGroup):
    """The steps of the closed-pilot application."""

    company = State()
    inn = State()
    city = State()
    contact_name = State()
    phone = State()


def apply_button() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=_("apply.button"), callback_data=ApplicationAction(action="start").pack()
                )
            ]
        ]
    )


async def closed_pilot(message: Message, session: AsyncSession, lead: str = "") -> None:
    """Tell an unknown person the pilot is closed and offer the application form."""
    assert message.from_user is not None
    pending = await pending_application(session, message.from_user.id)
    text = _("apply.pending") if pending is not None else _("start.closed_pilot")
    markup = None if pending is not None else apply_button()
    await message.answer(f"{lead}\n\n{text}".strip(), reply_markup=markup)


async def greet_dealer(message: Message, session: AsyncSession, user: User, *, first: bool) -> None:
    """Welcome a bound dealer; ask for the active legal entity if there is a choice."""
    assert user.dealer_id is not None
    dealer = await get_dealer(session, user.dealer_id)
    key = "start.welcome" if first else "start.welcome_back"
    await message.answer(
        _(key, name=user.full_name or "", dealer=dealer.name), reply_markup=main_menu(dealer)
    )
    entities = await legal_entities(session, user.dealer_id)
    if len(entities) > 1 and user.active_legal_entity_id not in {e.id for e in entities}:
        await message.answer(
            _("settings.pick_entity"),
            reply_markup=entity_picker(entities, user.active_legal_entity_id),
        )


def create_router() -> Router:
    """/start and the application form."""
    router = Router(name="start")

    @router.message(CommandStart(deep_link=True))
    async def start_with_token(
        message: Message,
        command: CommandObject,
        session: AsyncSession,
        state: FSMContext,
        i18n: I18n,
    ) -> None:
        assert message.from_user is not None
        await state.clear()
        tg = message.from_user
        try:
            user = await redeem_invitation(
                session,
                command.args or "",
                telegram_id=tg.id,
                full_name=tg.full_name,
                username=tg.username,
                language=normalize_locale(tg.language_code),
            )
        except DomainError as error:
            await closed_pilot(message, session, lead=domain_error_text(error))
            return
        await session.commit()
        i18n.current_locale = user.language
        if is_bound_dealer(user):
            await greet_dealer(message, session, user, first=True)
        else:
            await message.answer(_("start.staff_welcome"), reply_markup=ReplyKeyboardRemove())

    @router.message(CommandStart())
    async def start(
        message: Message, session: AsyncSession, user: User | None, state: FSMContext
    ) -> None:
        await state.clear()
        if user is not None and is_bound_dealer(user):
            await greet_dealer(message, session, user, first=False)
        elif user is not None and user.role in ("manager", "admin"):
            await message.answer(_("start.staff_welcome"), reply_markup=ReplyKeyboardRemove())
        else:
            await closed_pilot(message, session)

    # The application form -------------------------------------------------------------------
    @router.callback_query(ApplicationAction.filter(F.action == "start"), NotBound())
    async def apply_start(query: CallbackQuery, state: FSMContext) -> None:
        await state.set_state(ApplicationForm.company)
        await query.answer()
        assert query.message is not None
        await query.message.answer(_("apply.ask_company"))

    @router.message(StateFilter(ApplicationForm.company), Is(F.text))
    async def apply_company(message: Message, state: FSMContext) -> None:
        await state.update_data(company=check_company(message.text or ""))
        await state.set_state(ApplicationForm.inn)
        await message.answer(_("apply.ask_inn"))

    @router.message(StateFilter(ApplicationForm.inn), Is(F.text))
    async def apply_inn(message: Message, state: FSMContext) -> None:
        await state.update_data(inn=check_inn(message.text or ""))
        await state.set_state(ApplicationForm.city)
        await message.answer(_("apply.ask_city"))

    @router.message(StateFilter(ApplicationForm.city), Is(F.text))
    async def apply_city(message: Message, state: FSMContext) -> None:
        await state.update_data(city=check_city(message.text or ""))
        await state.set_state(ApplicationForm.contact_name)
        await message.answer(_("apply.ask_contact"))

    @router.message(StateFilter(ApplicationForm.contact_name), Is(F.text))
    async def apply_contact_name(message: Message, state: FSMContext) -> None:
        await state.update_data(contact_name=check_contact_name(message.text or ""))
        await state.set_state(ApplicationForm.phone)
        await message.answer(_("apply.ask_phone"), reply_markup=contact_keyboard())

    @router.message(StateFilter(ApplicationForm.phone), Is(F.contact))
    async def apply_phone(
        message: Message, state: FSMContext, session: AsyncSession, i18n: I18n
    ) -> None:
        assert message.contact is not None and message.from_user is not None
        if message.contact.user_id not in (None, message.from_user.id):
            await message.answer(_("apply.own_phone"), reply_markup=contact_keyboard())
            return
        data = await state.get_data()
        await submit_application(
            session,
            telegram_id=message.from_user.id,
            company=data["company"],
            inn=data["inn"],
            city=data["city"],
            contact_name=data["contact_name"],
            phone=message.contact.phone_number,
            language=i18n.current_locale,
        )
        await session.commit()
        await state.clear()
        await message.answer(_("apply.sent"), reply_markup=ReplyKeyboardRemove())

    @router.message(StateFilter(ApplicationForm.phone))
    async def apply_phone_typed(message: Message) -> None:
        await message.answer(_("apply.use_button"), reply_markup=contact_keyboard())

    @router.message(StateFilter(ApplicationForm.company))
    @router.message(StateFilter(ApplicationForm.inn))
    @router.message(StateFilter(ApplicationForm.city))
    @router.message(StateFilter(ApplicationForm.contact_name))
    async def apply_not_text(message: Message) -> None:
        await message.answer(_("apply.need_text"))

    # Anything else from someone not bound to a dealer ---------------------------------------
    @router.message(NotBound())
    async def not_bound(message: Message, session: AsyncSession) -> None:
        await closed_pilot(message, session)

    @router.callback_query(NotBound())
    async def not_bound_button(query: CallbackQuery) -> None:
        await query.answer(_("start.not_bound"), show_alert=True)

    return router

"""Settings: the active legal entity, the language, price-drop alerts."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callbacks import PickEntity, SettingsAction
from bot.filters import BoundDealer, MenuButton
from bot.handlers.colleagues import invite_button
from bot.i18n import LOCALES, _
from bot.keyboards import main_menu
from bot.render import short
from core.catalog.alerts import price_drops_enabled, set_price_drops
from core.dealers.roles import may_invite
from core.dealers.service import dealer_id_of, legal_entities, set_active_legal_entity
from core.models import Dealer, LegalEntity, User


def entity_picker(entities: list[LegalEntity], active_id: int | None) -> InlineKeyboardMarkup:
    """One button per legal entity; the active one is marked."""
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=("✅ " if e.id == active_id else "") + short(f"{e.name} ({e.inn})", 60),
                    callback_data=PickEntity(entity_id=e.id).pack(),
                )
            ]
            for e in entities
        ]
    )


async def settings_view(session: AsyncSession, user: User) -> tuple[str, InlineKeyboardMarkup]:
    entities = await legal_entities(session, dealer_id_of(user))
    active = next((e for e in entities if e.id == user.active_legal_entity_id), None)
    if active is None and len(entities) == 1:
        active = entities[0]
    text = _(
        "settings.text",
        entity=f"{active.name} ({active.inn})" if active else _("settings.entity_none"),
        language=_("settings.language_name"),
    )
    rows = []
    if len(entities) > 1:
        rows.append(
            [
                InlineKeyboardButton(
                    text=_("settings.change_entity"),
                    callback_data=SettingsAction(action="le").pack(),
                )
            ]
        )
    rows.append(
        [
            InlineKeyboardButton(
                text=f"{'• ' if user.language == code else ''}{_('settings.lang_' + code)}",
                callback_data=SettingsAction(action="lang", value=code).pack(),
            )
            for code in LOCALES
        ]
    )
    if may_invite(user):
        rows.append([invite_button()])
    rows.append([await price_drop_button(session, user)])
    return text, InlineKeyboardMarkup(inline_keyboard=rows)


async def price_drop_button(session: AsyncSession, user: User) -> InlineKeyboardButton:
    """The price-drop alerts switch, showing its state."""
    on = await price_drops_enabled(session, user)
    return InlineKeyboardButton(
        text=_("settings.price_drops_on" if on else "settings.price_drops_off"),
        callback_data=SettingsAction(action="pd", value="off" if on else "on").pack(),
    )


def create_router() -> Router:
    """Settings for bound dealers."""
    router = Router(name="settings")
    router.message.filter(BoundDealer())
    router.callback_query.filter(BoundDealer())

    @router.message(MenuButton("menu.settings"))
    async def show(message: Message, session: AsyncSession, user: User, state: FSMContext) -> None:
        await state.clear()
        text, markup = await settings_view(session, user)
        await message.answer(text, reply_markup=markup)

    @router.callback_query(SettingsAction.filter(F.action == "le"))
    async def change_entity(query: CallbackQuery, session: AsyncSession, user: User) -> None:
        entities = await legal_entities(session, dealer_id_of(user))
        await query.answer()
        assert query.message is not None
        await query.message.answer(
            _("settings.pick_entity"),
            reply_markup=entity_picker(entities, user.active_legal_entity_id),
        )

    @router.callback_query(PickEntity.filter())
    async def pick_entity(
        query: CallbackQuery, callback_data: PickEntity, session: AsyncSession, user: User
    ) -> None:
        entity = await set_active_legal_entity(session, user, callback_data.entity_id)
        await query.answer(_("settings.entity_set", entity=entity.name))
        assert isinstance(query.message, Message)
        entities = await legal_entities(session, dealer_id_of(user))
        await query.message.edit_reply_markup(reply_markup=entity_picker(entities, entity.id))

    @router.callback_query(SettingsAction.filter(F.action == "pd"))
    async def toggle_price_drops(
        query: CallbackQuery, callback_data: SettingsAction, session: AsyncSession, user: User
    ) -> None:
        enabled = callback_data.value == "on"
        await set_price_drops(session, user, enabled)
        await query.answer(
            _("settings.price_drops_set_on" if enabled else "settings.price_drops_set_off")
        )
        assert isinstance(query.message, Message)
        _text, markup = await settings_view(session, user)
        await query.message.edit_reply_markup(reply_markup=markup)

    @router.callback_query(SettingsAction.filter(F.action == "lang"))
    async def change_language(
        query: CallbackQuery,
        callback_data: SettingsAction,
        session: AsyncSession,
        user: User,
        i18n: I18n,
        dealer: Dealer | None,
    ) -> None:
        if callback_data.value not in LOCALES:
            await query.answer(_("error.stale_button"), show_alert=True)
            return
        user.language = callback_data.value
        await session.flush()
        i18n.current_locale = user.language
        await query.answer()
        assert query.message is not None
        await query.message.answer(_("settings.language_set"), reply_markup=main_menu(dealer))

    return router

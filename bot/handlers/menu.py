"""Main menu items that are just answers: catalog prompt, my manager, /help, /menu."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.filters import BoundDealer, MenuButton
from bot.i18n import _
from bot.keyboards import main_menu
from core.dealers.service import get_dealer
from core.models import Dealer, User


async def manager_contacts(session: AsyncSession, dealer_id: int) -> str | None:
    """The dealer's manager as lines: name, @username, phone (None when none is assigned)."""
    dealer = await get_dealer(session, dealer_id)
    manager = await session.get(User, dealer.manager_id) if dealer.manager_id else None
    if manager is None:
        return None
    contacts = [manager.full_name or "—"]
    if manager.username:
        contacts.append(f"@{manager.username}")
    if manager.phone:
        contacts.append(manager.phone)
    return "\n".join(contacts)


def create_router() -> Router:
    """Menu answers for bound dealers."""
    router = Router(name="menu")
    router.message.filter(BoundDealer())

    @router.message(Command("help"))
    async def help_(message: Message, dealer: Dealer | None) -> None:
        await message.answer(_("help.text"), reply_markup=main_menu(dealer))

    @router.message(Command("menu"))
    async def menu(message: Message, state: FSMContext, dealer: Dealer | None) -> None:
        await state.clear()
        await message.answer(_("menu.shown"), reply_markup=main_menu(dealer))

    @router.message(Command("cancel"))
    async def cancel(message: Message, state: FSMContext, dealer: Dealer | None) -> None:
        await state.clear()
        await message.answer(_("menu.cancelled"), reply_markup=main_menu(dealer))

    @router.message(MenuButton("menu.catalog"))
    async def catalog(message: Message, state: FSMContext) -> None:
        await state.clear()
        await message.answer(_("catalog.prompt"))

    @router.message(MenuButton("menu.manager"))
    async def my_manager(
        message: Message, session: AsyncSession, user: User, state: FSMContext
    ) -> None:
        await state.clear()
        assert user.dealer_id is not None
        contacts = await manager_contacts(session, user.dealer_id)
        if contacts is None:
            await message.answer(_("manager.none"))
            return
        await message.answer(_("manager.text", contacts=contacts))

    return router

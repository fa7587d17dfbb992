"""The dealer's admin invites colleagues: /invite (or Settings -> Invite), pick a role, get a
one-use link valid a week, within the people limit the distributor set (core.dealers.roles)."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callbacks import ColleagueInvite
from bot.filters import BoundDealer
from bot.i18n import _
from bot.render import moment
from core.dealers.invitations import deep_link, invite_colleague
from core.dealers.roles import COLLEAGUE_INVITE_DAYS, INVITABLE, may_invite, seats
from core.dealers.service import dealer_of
from core.errors import Forbidden, InvalidInput
from core.models import User
from core.settings import Settings


def invite_button() -> InlineKeyboardButton:
    """The Settings button that starts an invitation (shown to dealer admins only)."""
    return InlineKeyboardButton(
        text=_("invite.button"), callback_data=ColleagueInvite(action="ask").pack()
    )


async def ask_role(message: Message, session: AsyncSession, user: User) -> None:
    """Seats left and the roles to choose from; refused in words when there is no seat."""
    if not may_invite(user):
        raise Forbidden("dealer_role.not_admin")
    count = await seats(session, await dealer_of(session, user))
    if count.free <= 0:
        raise InvalidInput("invitation.dealer_full", limit=count.limit, people=count.people)
    rows = [
        [
            InlineKeyboardButton(
                text=_(f"invite.role.{role}"),
                callback_data=ColleagueInvite(action="role", role=role).pack(),
            )
        ]
        for role in INVITABLE
    ]
    await message.answer(
        _("invite.ask_role", days=COLLEAGUE_INVITE_DAYS, free=count.free, limit=count.limit),
        reply_markup=InlineKeyboardMarkup(inline_keyboard=rows),
    )


def create_router() -> Router:
    """Colleague invitations for bound dealers (the core refuses anyone but the dealer admin)."""
    router = Router(name="colleagues")
    router.message.filter(BoundDealer())
    router.callback_query.filter(BoundDealer())

    @router.message(Command("invite"))
    async def invite(message: Message, session: AsyncSession, user: User) -> None:
        await ask_role(message, session, user)

    @router.callback_query(ColleagueInvite.filter(F.action == "ask"))
    async def invite_from_settings(query: CallbackQuery, session: AsyncSession, user: User) -> None:
        assert isinstance(query.message, Message)
        await ask_role(query.message, session, user)
        await query.answer()

    @router.callback_query(ColleagueInvite.filter(F.action == "role"))
    async def make_link(
        query: CallbackQuery,
        callback_data: ColleagueInvite,
        session: AsyncSession,
        user: User,
        settings: Settings,
    ) -> None:
        invitation, count = await invite_colleague(session, user, callback_data.role)
        await session.commit()
        await query.answer()
        assert isinstance(query.message, Message)
        assert invitation.expires_at is not None
        await query.message.answer(
            _(
                "invite.link",
                role=_(f"role.{callback_data.role}"),
                until=moment(invitation.expires_at, settings.zone),
                link=deep_link(settings.bot_username, invitation.token),
                free=count.free,
                limit=count.limit,
            )
        )

    return router

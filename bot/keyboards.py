"""Keyboards shared by several flows: the main menu and small helpers."""

from __future__ import annotations

from aiogram.types import KeyboardButton, ReplyKeyboardMarkup

from bot.i18n import _

MENU_KEYS = (
    ("menu.catalog", "menu.cart"),
    ("menu.orders", "menu.claims"),
    ("menu.manager", "menu.settings"),
)


def main_menu() -> ReplyKeyboardMarkup:
    """The reply keyboard of a bound dealer, in the current locale."""
    return ReplyKeyboardMarkup(
        keyboard=[[KeyboardButton(text=_(key)) for key in row] for row in MENU_KEYS],
        resize_keyboard=True,
        is_persistent=True,
    )


def contact_keyboard() -> ReplyKeyboardMarkup:
    """One button that shares the person's phone number."""
    return ReplyKeyboardMarkup(
        keyboard=[[KeyboardButton(text=_("apply.share_phone"), request_contact=True)]],
        resize_keyboard=True,
        one_time_keyboard=True,
    )

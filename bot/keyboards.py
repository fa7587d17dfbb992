"""Keyboards shared by several flows: the main menu and small helpers."""

from __future__ import annotations

from aiogram.types import KeyboardButton, ReplyKeyboardMarkup

from bot.i18n import _
from core.dealers.features import CLAIMS, feature_enabled
from core.models import Dealer

MENU_KEYS = (
    ("menu.catalog", "menu.cart"),
    ("menu.orders", "menu.claims"),
    ("menu.finance", "menu.manager"),
    ("menu.settings",),
)


# Menu buttons shown only while the dealer's feature is on (the core refuses it when off).
_MENU_FEATURES = {"menu.claims": CLAIMS}


def main_menu(dealer: Dealer | None = None) -> ReplyKeyboardMarkup:
    """The reply keyboard of a bound dealer, in the current locale, without the buttons of
    features switched off for `dealer`."""
    rows = [
        [
            KeyboardButton(text=_(key))
            for key in row
            if dealer is None
            or key not in _MENU_FEATURES
            or feature_enabled(dealer, _MENU_FEATURES[key])
        ]
        for row in MENU_KEYS
    ]
    return ReplyKeyboardMarkup(
        keyboard=[row for row in rows if row],
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

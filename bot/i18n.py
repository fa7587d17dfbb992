"""Texts through aiogram's gettext i18n; the .po files are compiled in memory when loaded.

Keys are the msgids (e.g. `cart.empty`); every key lives in bot/locales/{ru,en}/LC_MESSAGES/
messages.po. No build step: Babel reads the .po files at start, so a clean clone just runs.
"""

from __future__ import annotations

import gettext
import io
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _gettext
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALES_DIR = Path(__file__).resolve().parent / "locales"
DOMAIN = "messages"
DEFAULT_LOCALE = "ru"
LOCALES = ("ru", "en")


def po_path(locale: str) -> Path:
    """The .po file of a locale."""
    return LOCALES_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def read_catalog(locale: str) -> dict[str, str]:
    """Key -> text of one locale, as written in its .po file (empty texts left out)."""
    with po_path(locale).open("rb") as fp:
        catalog = read_po(fp, locale=locale)
    return {str(m.id): str(m.string) for m in catalog if m.id and m.string}


def _compile(locale: str) -> gettext.GNUTranslations:
    with po_path(locale).open("rb") as fp:
        catalog = read_po(fp, locale=locale)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


class PoI18n(I18n):
    """aiogram's I18n reading .po files directly (compiled in memory, no .mo files)."""

    def find_locales(self) -> dict[str, gettext.GNUTranslations]:
        return {locale: _compile(locale) for locale in LOCALES if po_path(locale).exists()}

    @contextmanager
    def context(self) -> Iterator[I18n]:
        # Register as aiogram's I18n (a subclass would get its own context variable, and
        # aiogram's gettext() looks the instance up under I18n).
        token = I18n.set_current(self)
        try:
            yield self
        finally:
            I18n.reset_current(token)


def create_i18n() -> I18n:
    """The translations of the bot, Russian by default."""
    return PoI18n(path=LOCALES_DIR, default_locale=DEFAULT_LOCALE, domain=DOMAIN)


def _(key: str, /, **params: Any) -> str:
    """The text of `key` in the current locale, with `{name}` placeholders filled."""
    text = _gettext(key)
    return text.format(**params) if params else text


def has_text(key: str) -> bool:
    """True if the current locale translates `key` (domain error keys are looked up this way)."""
    return _gettext(key) != key


@cache
def texts_of(key: str) -> frozenset[str]:
    """The text of `key` in every locale (menu buttons are matched against these)."""
    return frozenset(read_catalog(locale).get(key, key) for locale in LOCALES)


def normalize_locale(code: str | None) -> str:
    """A supported locale for a Telegram language code (Russian unless it is English)."""
    if code and code.split("-")[0].lower() == "en":
        return "en"
    return DEFAULT_LOCALE

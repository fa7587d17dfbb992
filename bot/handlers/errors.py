"""The one error router: domain errors become translated answers; anything else is logged
with its update and gets a polite apology."""

from __future__ import annotations

import logging
from typing import Any

from aiogram import Router
from aiogram.filters import ExceptionTypeFilter
from aiogram.types import ErrorEvent, Update

from bot.i18n import _, has_text, normalize_locale, read_catalog
from core.db import is_database_outage
from core.errors import DomainError

log = logging.getLogger("bot.errors")


class _Params(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "?"


def domain_error_text(error: DomainError) -> str:
    """The translated text of a domain error (a generic one for a key without a text)."""
    key = f"error.{error.key}"
    if not has_text(key):
        log.warning("no text for domain error key=%s", error.key)
        return _("error.generic")
    return _(key).format_map(_Params(error.params))


async def reply(update: Update, text: str) -> None:
    """Answer the person where the update came from (alert for a button press)."""
    if update.callback_query is not None:
        await update.callback_query.answer(text[:200], show_alert=True)
    elif update.message is not None:
        await update.message.answer(text)
    elif update.inline_query is not None:
        await update.inline_query.answer([], cache_time=0, is_personal=True)


def outage_text(data: dict[str, Any]) -> str:
    """ "Service temporarily unavailable" in the person's language, read without the database
    or the i18n context (the outage may have struck before either was set up)."""
    saved = data.get("user_language")
    tg_user = data.get("event_from_user")
    locale = normalize_locale(saved or (tg_user.language_code if tg_user else None))
    return read_catalog(locale)["error.service_unavailable"]


def create_router() -> Router:
    """Handlers of the `error` event."""
    router = Router(name="errors")

    @router.error(ExceptionTypeFilter(DomainError))
    async def on_domain_error(event: ErrorEvent) -> None:
        assert isinstance(event.exception, DomainError)
        log.info("domain error key=%s update_id=%s", event.exception.key, event.update.update_id)
        await reply(event.update, domain_error_text(event.exception))

    @router.error(lambda event: is_database_outage(event.exception))
    async def on_database_outage(event: ErrorEvent, **data: Any) -> None:
        # no stack trace: one line per update, and the person is asked to try again later
        log.warning(
            "database unavailable update_id=%s: %s",
            event.update.update_id,
            f"{type(event.exception).__name__}: {str(event.exception).splitlines()[0][:200]}"
            if str(event.exception)
            else type(event.exception).__name__,
        )
        await reply(event.update, outage_text(data))

    @router.error()
    async def on_unexpected(event: ErrorEvent) -> None:
        log.exception(
            "unhandled error update=%s",
            event.update.model_dump_json(exclude_none=True)[:2000],
            exc_info=event.exception,
        )
        await reply(event.update, _("error.unexpected"))

    return router

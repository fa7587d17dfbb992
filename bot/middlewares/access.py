"""The bot's gate to core.access: every update passes here right after the DB session.

- A revoked person, or a person of a paused dealer, gets the refusal in words (the pause
  reason and their manager's contact) and nothing else: no handler runs, so no price or stock
  reaches them through a new search, an old message's button, inline mode, reorder, a file or
  checkout. Their cart and orders stay as they are.
- A button naming a manager's object (order, claim, dealer card) runs only when the object is
  in the presser's scope; otherwise "нет доступа", the same for a forged id of a missing one.
- Every callback prefix the routers use is declared below (staff object or dealer's own);
  tests/core/test_access_coverage.py fails when a handler uses an undeclared one.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.filters.callback_data import CallbackData
from aiogram.types import (
    InlineQueryResultArticle,
    InputTextMessageContent,
    TelegramObject,
    Update,
)
from aiogram.types import User as TgUser
from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callbacks import (
    AddToCart,
    ApplicationAction,
    ApprovalDecision,
    CartAction,
    Checkout,
    ClaimAction,
    ColleagueInvite,
    FinanceAction,
    ListAction,
    OrderAction,
    OrderEdit,
    PickEntity,
    Poll,
    ReconciliationAction,
    SearchPage,
    SettingsAction,
    StockAlertAsk,
)
from bot.handlers.nps import Nps
from bot.i18n import LOCALES, _, normalize_locale
from bot.manager_callbacks import (
    ClaimDecision,
    ContactStep,
    CreditDecision,
    DealerPick,
    OrderDecision,
)
from core.access import Standing, Verdict, check_person
from core.access.scope import (
    require_claim_in_scope,
    require_dealer_in_scope,
    require_order_in_scope,
)
from core.errors import Forbidden
from core.models import User

log = logging.getLogger("bot.access")

# Buttons naming a manager's object: (callback class, the field holding the id, the check).
Check = Callable[[AsyncSession, User, int], Awaitable[object]]
STAFF_TARGETS: dict[str, tuple[type[CallbackData], str, Check]] = {
    OrderDecision.__prefix__: (OrderDecision, "order_id", require_order_in_scope),
    CreditDecision.__prefix__: (CreditDecision, "order_id", require_order_in_scope),
    ClaimDecision.__prefix__: (ClaimDecision, "claim_id", require_claim_in_scope),
    DealerPick.__prefix__: (DealerPick, "dealer_id", require_dealer_in_scope),
    ContactStep.__prefix__: (ContactStep, "dealer_id", require_dealer_in_scope),  # /contact
}
# Buttons of the dealer's side: the person check above applies, and the core services they
# call look objects up within the person's own dealer only.
DEALER_OWN: frozenset[str] = frozenset(
    cls.__prefix__
    for cls in (
        AddToCart,
        SearchPage,
        CartAction,
        Checkout,
        OrderAction,
        ClaimAction,
        SettingsAction,
        PickEntity,
        Poll,
        Nps,
        ApprovalDecision,  # core.orders.approval: only an approver of the order's own dealer
        ColleagueInvite,
        ListAction,  # core.orders.saved_lists: the person's own dealer's lists only
        OrderEdit,  # core.orders.amend: the person's own dealer's orders only
        StockAlertAsk,
        FinanceAction,  # core.finance.queries: the person's own dealer's documents only
        ReconciliationAction,  # акт сверки of the person's own dealer (h17b)
    )
)
# Buttons for people not yet bound to a dealer (the application form).
PUBLIC: frozenset[str] = frozenset({ApplicationAction.__prefix__})
# Updates that are bookkeeping, not a person asking for something (blocked the bot, ...).
BOOKKEEPING = frozenset({"my_chat_member"})


def declared_prefixes() -> frozenset[str]:
    """Every callback prefix the access gate knows."""
    return frozenset(STAFF_TARGETS) | DEALER_OWN | PUBLIC


def _locale(user: User | None, tg_user: TgUser | None) -> str:
    if user is not None and user.language in LOCALES:
        return user.language
    return normalize_locale(tg_user.language_code if tg_user else None)


def refusal_text(verdict: Verdict) -> str:
    """The refusal in words, in the current locale."""
    if verdict.standing == Standing.REVOKED:
        return _("access.revoked")
    params = verdict.params
    lines = [_("access.dealer_paused", dealer=params.get("dealer", ""))]
    if params.get("reason"):
        lines.append(_("access.reason", reason=params["reason"]))
    lines.append(_("access.kept"))
    if params.get("manager"):
        lines.append(_("access.manager", manager=params["manager"]))
    else:
        lines.append(_("access.no_manager"))
    return "\n".join(lines)


class AccessMiddleware(BaseMiddleware):
    """Outer update middleware after DbSessionMiddleware: asks core.access for every update."""

    def __init__(self, i18n: I18n) -> None:
        self.i18n = i18n

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        assert isinstance(event, Update)
        session: AsyncSession = data["session"]
        user: User | None = data.get("user")
        verdict = await check_person(session, user, data.get("dealer"))
        data["access"] = verdict
        if event.event_type in BOOKKEEPING:
            return await handler(event, data)
        locale = _locale(user, data.get("event_from_user"))
        if not verdict.allowed:
            log.info("refused standing=%s update_id=%s", verdict.standing, event.update_id)
            with self.i18n.context(), self.i18n.use_locale(locale):
                await _refuse(event, refusal_text(verdict), _("access.inline_title"))
            return None
        if event.callback_query is not None and not await self._target_allowed(
            session, user, event.callback_query.data or ""
        ):
            log.info("refused target update_id=%s", event.update_id)
            with self.i18n.context(), self.i18n.use_locale(locale):
                await event.callback_query.answer(_("error.access.denied"), show_alert=True)
            return None
        return await handler(event, data)

    @staticmethod
    async def _target_allowed(session: AsyncSession, user: User | None, data: str) -> bool:
        prefix = data.split(":", 1)[0]
        target = STAFF_TARGETS.get(prefix)
        if target is None:
            return True
        cls, field_name, check = target
        if user is None:
            return False
        try:
            object_id = int(getattr(cls.unpack(data), field_name))
            await check(session, user, object_id)
        except (Forbidden, ValueError, TypeError):
            return False
        return True


async def _refuse(event: Update, text: str, title: str) -> None:
    """Tell the person why, where they asked."""
    if event.message is not None:
        await event.message.answer(text)
    elif event.callback_query is not None:
        await event.callback_query.answer(text[:200], show_alert=True)
    elif event.inline_query is not None:
        result = InlineQueryResultArticle(
            id="access",
            title=title,
            description=text[:200],
            input_message_content=InputTextMessageContent(message_text=text),
        )
        await event.inline_query.answer([result], cache_time=0, is_personal=True)

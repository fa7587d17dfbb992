"""Callback data of every inline button (short prefixes: Telegram allows 64 bytes)."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData


class AddToCart(CallbackData, prefix="add"):
    """Add `qty` of an item to the cart; qty 0 asks for another quantity."""

    product_id: int
    qty: int


class SearchPage(CallbackData, prefix="sp"):
    """Another page of the last search."""

    page: int


class CartAction(CallbackData, prefix="cart"):
    """Cart: show, inc, dec, qty (ask a quantity), rm, clear, checkout."""

    action: str
    product_id: int = 0


class Checkout(CallbackData, prefix="co"):
    """Checkout steps: le (legal entity), addr, skip, confirm, cancel."""

    action: str
    value: int = 0


class OrderAction(CallbackData, prefix="ord"):
    """Orders: list (page), view, repeat."""

    action: str
    order_id: int = 0
    page: int = 0


class ClaimAction(CallbackData, prefix="clm"):
    """Claims: new, list, order, line, reason, done (photos), skip, confirm, cancel."""

    action: str
    order_id: int = 0
    line_id: int = 0
    reason: str = ""


class SettingsAction(CallbackData, prefix="set"):
    """Settings: le (choose legal entity), lang (choose language), pd (price-drop alerts on|off)."""

    action: str
    value: str = ""


class PickEntity(CallbackData, prefix="le"):
    """Make a legal entity the active one."""

    entity_id: int


class Poll(CallbackData, prefix="poll"):
    """Satisfaction score of a completed order."""

    order_id: int
    score: int


class ApplicationAction(CallbackData, prefix="app"):
    """Closed-pilot application: start, cancel."""

    action: str


class ApprovalDecision(CallbackData, prefix="apr"):
    """An approver's button on an order awaiting approval: ok (approve), no (reject, asks why)."""

    action: str
    order_id: int


class ColleagueInvite(CallbackData, prefix="inv"):
    """The dealer admin's invitation of a colleague: ask (choose a role), role (make the link)."""

    action: str
    role: str = ""


class ListAction(CallbackData, prefix="sl"):
    """Saved lists: all, view, order, save (ask a name), replace, ren, del, delok."""

    action: str
    list_id: int = 0


class OrderEdit(CallbackData, prefix="oe"):
    """Change an order before confirmation: cancel, cancelok, edit, line (ask qty), call."""

    action: str
    order_id: int
    line_id: int = 0


class StockAlertAsk(CallbackData, prefix="sta"):
    """Tell me when this item is back in stock."""

    product_id: int


class FinanceAction(CallbackData, prefix="fin"):
    """Money side: bal (balance), docs (documents, page), pdf (send one document's PDF)."""

    action: str
    doc_id: int = 0
    page: int = 0


class ReconciliationAction(CallbackData, prefix="rca"):
    """Акт сверки за период (print forms: bot.handlers of h17b); declared at the access gate."""

    action: str
    value: int = 0

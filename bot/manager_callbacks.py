"""Callback data of the managers' buttons (short prefixes: Telegram allows 64 bytes)."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData


class OrderDecision(CallbackData, prefix="mgo"):
    """A manager's button on an order card: ok (confirm), no (reject, asks why), open."""

    action: str
    order_id: int


class ClaimDecision(CallbackData, prefix="mgc"):
    """A manager's button on a claim card: acc (accept), rej (reject, asks why), rev (review)."""

    action: str
    claim_id: int


class DealerPick(CallbackData, prefix="mgd"):
    """Show the last orders of a dealer found by /dealer."""

    dealer_id: int


class CreditDecision(CallbackData, prefix="mgk"):
    """A manager's button on an order held for credit: ok (let it go on), no (refuse)."""

    action: str
    order_id: int


class ContactStep(CallbackData, prefix="mcl"):
    """A step of logging a dealer's contact (/contact): d (dealer chosen), t (topic), ch
    (channel), min (duration), ok (save), x (drop). Every step names the dealer, so the
    access gate checks it against the manager's scope on every press."""

    step: str
    dealer_id: int
    value: str = ""

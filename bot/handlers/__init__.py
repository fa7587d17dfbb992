"""Routers, one per flow, built fresh by factory functions (a Router joins one dispatcher only)."""

from __future__ import annotations

from aiogram import Router

from bot.handlers import (
    alerts,
    approval,
    cart,
    catalog,
    checkout,
    claims,
    colleagues,
    contact,
    credit,
    errors,
    fallback,
    finance,
    inline,
    manager,
    menu,
    nps,
    order_edit,
    orders,
    print_forms,
    quick_order,
    satisfaction,
    saved_lists,
    settings,
    start,
)


def get_routers() -> list[Router]:
    """Every router in the order updates try them: the order matters and is visible here.

    Flows with steps (checkout, claims, quick-order quantities) come before the search, which
    takes any other text; the fallback answers whatever nobody took.
    """
    return [
        errors.create_router(),
        start.create_router(),  # /start, application form, people not bound to a dealer
        manager.manager_router(),  # managers: order and claim cards, reasons, commands
        credit.create_router(),  # managers: Approve / Refuse orders held for credit
        contact.create_router(),  # managers log dealers' calls/e-mails (/contact, forwards)
        menu.create_router(),  # /help, /menu, /cancel, catalog prompt, my manager
        settings.create_router(),
        cart.create_router(),
        checkout.create_router(),
        approval.create_router(),  # approvers: Approve / Reject orders above the threshold
        colleagues.create_router(),  # the dealer's admin invites colleagues (/invite)
        print_forms.create_router(),  # счёт на оплату on an order, акт сверки for a period
        orders.create_router(),
        finance.create_router(),  # /balance, /documents: 1C's figures and PDFs
        order_edit.create_router(),  # cancel / change quantities before confirmation
        saved_lists.create_router(),  # saved order lists, /lists
        claims.create_router(),
        satisfaction.create_router(),
        nps.create_router(),  # the NPS question of pilot dealers
        quick_order.create_router(),  # pasted lists and spreadsheet files
        inline.create_router(),
        alerts.create_router(),  # "tell me when it is back" under search results
        catalog.create_router(),  # any other text is a search
        fallback.create_router(),
    ]

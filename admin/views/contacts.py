"""The contact log on the admin's dealer card: the last contacts and a small form to log one
(core.contacts.log_contact; audited; CSRF like every form)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiohttp import web

from admin.accounts import acting_user
from admin.keys import SETTINGS
from admin.web import DB, PREFIX, STAFF, audit, field, flash, form, int_field, redirect
from core.contacts import ContactInput, log_contact
from core.contacts.queries import dealer_contacts
from core.display import LABELS
from core.errors import InvalidInput
from core.models import Dealer

routes = web.RouteTableDef()
FORM_CHANNELS = ("call", "email", "messenger", "visit", "other")


async def contacts_context(request: web.Request, dealer: Dealer) -> dict[str, Any]:
    """What the card's contact section shows."""
    return {
        "contacts": await dealer_contacts(request[DB], dealer.id),
        "contact_topics": LABELS["contact_topic"],
        "contact_channels": {k: LABELS["contact_channel"][k] for k in FORM_CHANNELS},
    }


def _occurred(request: web.Request, raw: str) -> datetime | None:
    """The local date and time typed in the form, as an aware moment; None when empty."""
    if not raw:
        return None
    try:
        local = datetime.fromisoformat(raw)
    except ValueError:
        raise InvalidInput("contact.bad_time") from None
    if local.tzinfo is None:
        local = local.replace(tzinfo=request.app[SETTINGS].zone)
    return local


@routes.post("/dealers/{dealer_id:\\d+}/contacts")
async def add_contact(request: web.Request) -> web.StreamResponse:
    """Log a dealer's contact from the card (managers for their own dealers, admins for any)."""
    from admin.views.dealers import visible_dealer

    data = await form(request)
    db = request[DB]
    dealer = await visible_dealer(request, int(request.match_info["dealer_id"]))
    channel = field(data, "channel")
    if channel not in FORM_CHANNELS:
        raise InvalidInput("contact.bad_channel")
    actor = await acting_user(db, request[STAFF])
    contact = await log_contact(
        db,
        actor,
        ContactInput(
            dealer_id=dealer.id,
            channel=channel,
            topic=field(data, "topic"),
            duration_minutes=int_field(data, "minutes"),
            note=field(data, "note"),
            occurred_at=_occurred(request, field(data, "occurred_at")),
        ),
        source="admin",
    )
    audit(
        request,
        "contact.create",
        "dealer",
        dealer.id,
        contact_id=contact.id,
        channel=contact.channel,
        topic=contact.topic,
        minutes=contact.duration_minutes,
    )
    await db.commit()
    await flash(request, "Обращение записано.")
    raise redirect(f"{PREFIX}/dealers/{dealer.id}")

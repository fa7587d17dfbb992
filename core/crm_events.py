"""What the core tells the CRM: outbox rows of kind `crm.*`, written by ONE function.

`core.outbox.emit` calls `follow` for every event it writes, so an order placed, a status
changed, a claim filed or decided and a contact logged each get their CRM row in the same
transaction as the change, without any call site knowing about the CRM. The CRM worker
(integrations/crm/worker.py) drains these rows; the Telegram sender never sees them.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from core.models import OutboxEvent, utcnow

CRM_PREFIX = "crm."
ORDER = "crm.order"  # the order's deal: create or update (rows, stage)
DEALER = "crm.dealer"  # the dealer's company, requisites and contacts
CLAIM = "crm.claim"  # a claim as an activity (or a deal of the claims pipeline)
CONTACT = "crm.contact"  # a contact logged by a manager, as an activity
KINDS = (ORDER, DEALER, CLAIM, CONTACT)

# core event kind -> (CRM kind, the payload key naming the object)
_FOLLOWS: dict[str, tuple[str, str]] = {
    "order.placed": (ORDER, "order_id"),
    "order.status": (ORDER, "order_id"),
    "order.edited": (ORDER, "order_id"),
    "claim.filed": (CLAIM, "claim_id"),
    "claim.status": (CLAIM, "claim_id"),
    "contact.logged": (CONTACT, "contact_id"),
}


def emit_crm(
    session: AsyncSession, kind: str, payload: dict[str, Any], *, dedupe_key: str | None = None
) -> OutboxEvent | None:
    """Add one CRM row to the session (the one place a CRM event is written); nothing while
    the sandbox is played (core.sandbox: sandbox objects never reach the CRM)."""
    from core import sandbox  # core.sandbox imports the models, as core.outbox does

    if sandbox.active():
        return None
    event = OutboxEvent(kind=kind, payload=payload, dedupe_key=dedupe_key, available_at=utcnow())
    session.add(event)
    return event


def follow(
    session: AsyncSession, kind: str, payload: dict[str, Any], dedupe_key: str | None
) -> None:
    """The CRM row that follows a core event of `kind`, if the CRM cares about it."""
    followed = _FOLLOWS.get(kind)
    if followed is None or followed[1] not in payload:
        return
    crm_kind, key = followed
    body = dict(payload) if crm_kind == CONTACT else {key: payload[key], "cause": kind}
    emit_crm(session, crm_kind, body, dedupe_key=f"crm:{dedupe_key}" if dedupe_key else None)

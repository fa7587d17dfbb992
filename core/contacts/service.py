"""Logging a contact: checked against the manager's scope, stored with its manager action and
its outbox event ("contact.logged", pushed to the CRM as an activity) in one transaction."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from core.access.scope import require_dealer_in_scope
from core.errors import InvalidInput
from core.models import ContactChannel, ContactTopic, DealerContact, ManagerAction, User, utcnow
from core.orders.manager import require_staff
from core.outbox import EventKind, emit

MAX_MINUTES = 600  # ten hours: a longer "duration" is a typo
MAX_NOTE = 2000
CHANNELS = frozenset(c.value for c in ContactChannel)
TOPICS = frozenset(t.value for t in ContactTopic)
_LEADING_MINUTES = re.compile(
    r"^\s*(\d{1,5})\s*(?:мин\w*\.?|min\w*\.?|м\.?|m\.?)?(?:\s+|$)(.*)$", re.S
)


@dataclass(frozen=True)
class ContactInput:
    """What a manager tells about one contact."""

    dealer_id: int
    channel: str
    topic: str
    duration_minutes: int | None = None
    note: str = ""
    person_id: int | None = None
    occurred_at: datetime | None = None  # aware; now when None


def parse_duration_and_note(text: str) -> tuple[int | None, str]:
    """ "15 уточнил цены" -> (15, "уточнил цены"); "уточнил" -> (None, "уточнил").

    A leading number is the duration in minutes (1..MAX_MINUTES, else InvalidInput
    `contact.bad_duration`); the rest is the note.
    """
    text = (text or "").strip()
    match = _LEADING_MINUTES.match(text)
    if match is None:
        return None, text
    minutes = int(match.group(1))
    if not 1 <= minutes <= MAX_MINUTES:
        raise InvalidInput("contact.bad_duration", limit=MAX_MINUTES)
    return minutes, match.group(2).strip()


def _validated(data: ContactInput) -> ContactInput:
    if data.channel not in CHANNELS:
        raise InvalidInput("contact.bad_channel")
    if data.topic not in TOPICS:
        raise InvalidInput("contact.bad_topic")
    minutes = data.duration_minutes
    if minutes is not None and not 1 <= minutes <= MAX_MINUTES:
        raise InvalidInput("contact.bad_duration", limit=MAX_MINUTES)
    if len(data.note) > MAX_NOTE:
        raise InvalidInput("contact.note_too_long", limit=MAX_NOTE)
    when = data.occurred_at
    if when is not None and when.tzinfo is None:
        raise InvalidInput("contact.bad_time")
    return data


async def log_contact(
    session: AsyncSession, actor: User, data: ContactInput, *, source: str = "bot"
) -> DealerContact:
    """Store a contact of a dealer in the actor's scope (Forbidden `access.denied` for any
    other, existing or not), its "contact.logged" manager action and outbox event; flushed,
    not committed. Bad input: InvalidInput, nothing added."""
    require_staff(actor)
    data = _validated(data)
    await require_dealer_in_scope(session, actor, data.dealer_id)
    occurred = (data.occurred_at or utcnow()).astimezone(UTC)
    contact = DealerContact(
        dealer_id=data.dealer_id,
        manager_id=actor.id,
        person_id=data.person_id,
        channel=data.channel,
        topic=data.topic,
        duration_minutes=data.duration_minutes,
        note=data.note.strip(),
        source=source,
        occurred_at=occurred,
        created_at=utcnow(),
    )
    session.add(contact)
    await session.flush()
    session.add(
        ManagerAction(
            user_id=actor.id,
            action="contact.logged",
            contact_id=contact.id,
            channel=source,
            at=occurred,
        )
    )
    emit(
        session,
        EventKind.CONTACT_LOGGED,
        {
            "contact_id": contact.id,
            "dealer_id": contact.dealer_id,
            "manager_user_id": actor.id,
            "channel": contact.channel,
            "topic": contact.topic,
            "duration_minutes": contact.duration_minutes,
            "note": contact.note,
            "occurred_at": occurred.isoformat(),
        },
        dedupe_key=f"contact.logged:{contact.id}",
    )
    await session.flush()
    return contact

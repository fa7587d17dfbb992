"""Applications to join the closed pilot, sent from the bot by people without an invitation."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.dealers.service import check_inn
from core.errors import InvalidInput
from core.models import Application, utcnow

NEW = "new"
MAX_COMPANY = 255
MAX_CITY = 100
MAX_NAME = 255
_PHONE_CHARS = re.compile(r"[\s()\-.]")


def normalize_phone(phone: str) -> str:
    """Digits with a leading `+`: `8 (912) 345-67-89` -> `+79123456789`."""
    digits = _PHONE_CHARS.sub("", phone or "").lstrip("+")
    if not digits.isdigit() or not 10 <= len(digits) <= 15:
        raise InvalidInput("application.bad_phone", phone=phone)
    if len(digits) == 11 and digits.startswith("8"):
        digits = "7" + digits[1:]
    elif len(digits) == 10:
        digits = "7" + digits
    return "+" + digits


def _text(value: str, key: str, limit: int) -> str:
    value = " ".join((value or "").split())
    if not value:
        raise InvalidInput(f"application.{key}_required")
    if len(value) > limit:
        raise InvalidInput(f"application.{key}_too_long", limit=limit)
    return value


def check_company(value: str) -> str:
    """A company name: not empty, at most 255 characters."""
    return _text(value, "company", MAX_COMPANY)


def check_city(value: str) -> str:
    """A city: not empty, at most 100 characters."""
    return _text(value, "city", MAX_CITY)


def check_contact_name(value: str) -> str:
    """A contact person's name: not empty, at most 255 characters."""
    return _text(value, "contact", MAX_NAME)


async def pending_application(session: AsyncSession, telegram_id: int) -> Application | None:
    """The person's application still waiting for a decision, if any."""
    return await session.scalar(
        select(Application)
        .where(Application.telegram_id == telegram_id, Application.status == NEW)
        .order_by(Application.id.desc())
        .limit(1)
    )


async def submit_application(
    session: AsyncSession,
    *,
    telegram_id: int,
    company: str,
    inn: str,
    city: str,
    contact_name: str,
    phone: str,
    language: str = "ru",
) -> Application:
    """Put an application into the admin's queue; a second one from the same person replaces
    the details of the first while it waits. Bad input raises InvalidInput, nothing is stored."""
    values = {
        "company": check_company(company),
        "inn": check_inn(inn),
        "city": check_city(city),
        "contact_name": check_contact_name(contact_name),
        "phone": normalize_phone(phone),
        "language": language if language in ("ru", "en") else "ru",
    }
    application = await pending_application(session, telegram_id)
    if application is None:
        application = Application(telegram_id=telegram_id, status=NEW, created_at=utcnow())
        session.add(application)
    for name, value in values.items():
        setattr(application, name, value)
    await session.flush()
    return application

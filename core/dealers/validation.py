"""Checks of what the admin types about a dealer: INN (with checksum), KPP, phone, tags, sums.

Each check returns the cleaned value or raises InvalidInput with a message key (the admin shows
it in Russian on the form; nothing is saved).
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

import phonenumbers
from stdnum.exceptions import ValidationError
from stdnum.ru import inn as stdnum_inn

from core.errors import InvalidInput

# KPP: tax office (4 digits), reason code (2 digits or capital Latin letters), number (3 digits)
_KPP = re.compile(r"^\d{4}[\dA-Z]{2}\d{3}$")
_TAG = re.compile(r"^[\w-]{1,40}$")
MAX_TAGS = 30
MAX_THRESHOLD = Decimal("999999999999.99")  # what Numeric(14, 2) holds


def check_inn_checksum(value: str) -> str:
    """A Russian INN: 10 digits (company) or 12 (sole trader), with valid check digits."""
    inn = "".join(value.split())
    if not re.fullmatch(r"\d{10}|\d{12}", inn):
        raise InvalidInput("dealer.bad_inn", inn=inn)
    try:
        stdnum_inn.validate(inn)
    except ValidationError:
        raise InvalidInput("dealer.bad_inn_checksum", inn=inn) from None
    return inn


def check_kpp(value: str) -> str | None:
    """A KPP of 9 characters (digits; the 5th-6th may be capital Latin letters), or None."""
    kpp = "".join(value.split()).upper()
    if not kpp:
        return None
    if not _KPP.match(kpp):
        raise InvalidInput("legal_entity.bad_kpp", kpp=kpp)
    return kpp


def normalize_phone(value: str) -> str | None:
    """A Russian phone typed any usual way (8 912 ..., +7 (912) ..., 912...) as +7XXXXXXXXXX."""
    text = value.strip()
    if not text:
        return None
    try:
        number = phonenumbers.parse(text, "RU")
    except phonenumbers.NumberParseException:
        raise InvalidInput("person.bad_phone", phone=text) from None
    if number.country_code != 7 or not phonenumbers.is_valid_number(number):
        raise InvalidInput("person.bad_phone", phone=text)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def parse_tags(value: str) -> dict[str, bool]:
    """Tags typed one per line or separated by commas -> {"tag": True} (the broadcasts' segment
    reads a dealer as tagged X when X is a key with a truthy value)."""
    tags: dict[str, bool] = {}
    for raw in re.split(r"[,\n;]", value):
        tag = raw.strip()
        if not tag:
            continue
        if not _TAG.match(tag):
            raise InvalidInput("dealer.bad_tag", tag=tag[:50])
        tags[tag] = True
    if len(tags) > MAX_TAGS:
        raise InvalidInput("dealer.too_many_tags", limit=MAX_TAGS)
    return tags


def parse_threshold(value: str) -> Decimal | None:
    """An approval threshold typed as 150000, 150 000 or 150000,50 (roubles); empty = none."""
    text = "".join(value.split()).replace(",", ".")
    if not text:
        return None
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise InvalidInput("dealer.bad_threshold", value=value.strip()) from None
    if not amount.is_finite() or amount < 0 or amount > MAX_THRESHOLD:
        raise InvalidInput("dealer.bad_threshold", value=value.strip())
    if amount != amount.quantize(Decimal("0.01")):
        raise InvalidInput("dealer.bad_threshold", value=value.strip())
    return amount.quantize(Decimal("0.01"))

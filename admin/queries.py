"""Query pieces shared by the pages and the API."""

from __future__ import annotations

from sqlalchemy import exists, or_
from sqlalchemy.sql.elements import ColumnElement

from core.models import Dealer, LegalEntity

ESCAPE = "\\"


def escape_like(value: str) -> str:
    """`value` with LIKE's wildcards taken literally."""
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def dealer_text_match(q: str) -> ColumnElement[bool]:
    """Dealers whose name, city, INN or a legal entity's name or INN contains `q`.

    ILIKE folds Cyrillic case on PostgreSQL; SQLite folds ASCII only, so the usual spellings
    (as typed, lower, Capitalised, UPPER) are tried as well.
    """
    variants = [f"%{escape_like(v)}%" for v in {q, q.lower(), q.capitalize(), q.upper()}]
    digits = f"%{escape_like(q)}%"
    return or_(
        *[Dealer.name.ilike(v, escape=ESCAPE) for v in variants],
        *[Dealer.city.ilike(v, escape=ESCAPE) for v in variants],
        Dealer.inn.like(digits, escape=ESCAPE),
        exists().where(
            LegalEntity.dealer_id == Dealer.id,
            or_(
                LegalEntity.inn.like(digits, escape=ESCAPE),
                *[LegalEntity.name.ilike(v, escape=ESCAPE) for v in variants],
            ),
        ),
    )

"""The port: what the core tells a CRM, as plain cards, and the errors an adapter raises."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Protocol


class CrmFailure(Exception):
    """A CRM call failed; `kind` says what the worker does about it."""

    kind = "rejected"  # permanent: the CRM refused this data


class CrmRetryable(CrmFailure):
    """Network error, 5xx or the portal's rate limit: try again later."""

    kind = "server"


class CrmAuthError(CrmFailure):
    """The webhook is wrong or lost its access: pause the sync until an admin retries."""

    kind = "auth"


@dataclass(frozen=True)
class Requisite:
    name: str
    inn: str
    kpp: str | None = None


@dataclass(frozen=True)
class Person:
    id: int
    name: str
    phone: str | None


@dataclass(frozen=True)
class DealerCard:
    id: int
    name: str
    inn: str | None
    city: str
    responsible: str | None  # CRM user id of the dealer's manager, when mapped
    requisites: list[Requisite] = field(default_factory=list)
    people: list[Person] = field(default_factory=list)


@dataclass(frozen=True)
class Row:
    article: str
    name: str
    price: Decimal
    quantity: Decimal


@dataclass(frozen=True)
class OrderCard:
    id: int
    number: str
    stage: str
    currency: str
    total: Decimal
    responsible: str | None
    rows: list[Row]
    comment: str = ""


@dataclass(frozen=True)
class NoteCard:
    """A claim or a logged contact, pushed as an activity on the company."""

    entity: str  # claim | contact
    id: int
    title: str
    text: str
    at: datetime
    responsible: str | None


class CrmPort(Protocol):
    """One CRM. Every method looks up before it creates, so calling it again is harmless."""

    async def sync_company(self, dealer: DealerCard, known_id: str | None) -> str:
        """The company of `dealer` (found by INN or our id, else created) with requisites."""

    async def sync_people(
        self, dealer: DealerCard, company_id: str, known: dict[int, str]
    ) -> dict[int, str]:
        """CRM contact ids of the dealer's people (those in `known` are not looked up)."""

    async def sync_deal(self, order: OrderCard, company_id: str, known_id: str | None) -> str:
        """The order's one deal (found by ORIGIN_ID, else created) with rows and stage."""

    async def move_stage(self, deal_id: str, stage: str) -> None:
        """Move a known deal to `stage`."""

    async def add_note(self, note: NoteCard, company_id: str, known_id: str | None) -> str:
        """A claim or contact as an activity (or a claims-pipeline deal); found before added."""

    async def close(self) -> None:
        """Release the HTTP session."""

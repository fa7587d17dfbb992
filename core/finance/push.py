"""Applying a finance push from 1C: figures replaced per named counterparty, documents upserted.

The wire format is read elsewhere (integrations.onec.finance); this module takes plain values.
Rules (docs/1c-finance.md):
- a counterparty is found by INN+KPP among legal entities (an empty KPP matches the entity with
  that INN when there is exactly one), else by the dealer's own INN; an unknown or ambiguous one
  is reported back and nothing of it is stored;
- the contracts pushed for a known counterparty replace its figures; its contracts the push does
  not name become inactive (their documents stay);
- documents are upserted by (contract, kind, number, date); a PDF changes only when new bytes
  come (a new PDF drops the cached Telegram file_id); an `order` reference links our order by its
  number (DB-000123) or 1C's number, only when it is this dealer's order;
- a shipment document new to us for a linked order tells the dealer, once (outbox).
Everything happens in the caller's transaction: a failure leaves nothing applied.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.models import (
    Dealer,
    DocumentKind,
    FinanceContract,
    FinanceDocument,
    FinanceDocumentFile,
    LegalEntity,
    Order,
    OutboxEvent,
    PriceType,
    utcnow,
)
from core.outbox import EventKind, emit

ORDER_SHIPMENT = EventKind.ORDER_SHIPMENT


@dataclass(frozen=True)
class PushedDocument:
    """One document as 1C pushed it (already validated)."""

    kind: DocumentKind
    number: str
    doc_date: date
    amount: Decimal
    due_date: date | None = None
    order_ref: str = ""
    file_name: str = ""
    pdf: bytes | None = None


@dataclass(frozen=True)
class PushedContract:
    """One contract's figures and documents."""

    number: str
    credit_limit: Decimal
    debt: Decimal
    overdue: Decimal = Decimal("0")
    deferral_days: int = 0
    price_type: str = ""
    documents: tuple[PushedDocument, ...] = ()


@dataclass(frozen=True)
class PushedCounterparty:
    """A counterparty named by INN (and KPP, "" for none) with its contracts."""

    inn: str
    kpp: str
    contracts: tuple[PushedContract, ...]


@dataclass(frozen=True)
class FinancePush:
    """A whole push: the moment its figures are for (UTC) and the counterparties it names."""

    as_of: datetime
    counterparties: tuple[PushedCounterparty, ...]


@dataclass
class PushResult:
    """What a push changed, for 1C's answer and the exchange log."""

    counterparties: int = 0
    contracts: int = 0
    contracts_closed: int = 0
    documents_new: int = 0
    documents_updated: int = 0
    files: int = 0
    shipment_notices: int = 0
    unknown: list[dict[str, str]] = field(default_factory=list)
    price_types_unknown: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, object]:
        """The figures as a plain dict (JSON answer, exchange log)."""
        return {
            "counterparties": self.counterparties,
            "contracts": self.contracts,
            "contracts_closed": self.contracts_closed,
            "documents_new": self.documents_new,
            "documents_updated": self.documents_updated,
            "files": self.files,
            "shipment_notices": self.shipment_notices,
            "unknown": self.unknown,
            "price_types_unknown": self.price_types_unknown,
        }


@dataclass(frozen=True)
class Counterparty:
    """Where a pushed INN+KPP belongs: the dealer and maybe one of its legal entities."""

    dealer_id: int
    legal_entity_id: int | None


async def find_counterparty(session: AsyncSession, inn: str, kpp: str) -> Counterparty | None:
    """The dealer (and legal entity) of INN+KPP, or None when unknown or ambiguous."""
    entities = list(
        (await session.scalars(select(LegalEntity).where(LegalEntity.inn == inn))).all()
    )
    if kpp:
        exact = [e for e in entities if (e.kpp or "") == kpp]
        entities = exact or [e for e in entities if not e.kpp]
    if len(entities) == 1:
        return Counterparty(entities[0].dealer_id, entities[0].id)
    if entities:
        return None  # several entities fit: the admin must tell them apart (KPP)
    dealers = list((await session.scalars(select(Dealer.id).where(Dealer.inn == inn))).all())
    return Counterparty(dealers[0], None) if len(dealers) == 1 else None


async def apply_push(session: AsyncSession, push: FinancePush) -> PushResult:
    """Apply `push` in the caller's transaction; see the module's rules."""
    result = PushResult()
    price_types = {pt.name: pt.id for pt in (await session.scalars(select(PriceType))).all()}
    for party in push.counterparties:
        where = await find_counterparty(session, party.inn, party.kpp)
        if where is None:
            result.unknown.append({"inn": party.inn, "kpp": party.kpp})
            continue
        result.counterparties += 1
        existing = {
            c.number: c
            for c in (
                await session.scalars(
                    select(FinanceContract).where(
                        FinanceContract.inn == party.inn, FinanceContract.kpp == party.kpp
                    )
                )
            ).all()
        }
        for pushed in party.contracts:
            contract = existing.pop(pushed.number, None)
            if contract is None:
                contract = FinanceContract(inn=party.inn, kpp=party.kpp, number=pushed.number)
                session.add(contract)
            price_type_id = price_types.get(pushed.price_type) if pushed.price_type else None
            missing = pushed.price_type and price_type_id is None
            if missing and pushed.price_type not in result.price_types_unknown:
                result.price_types_unknown.append(pushed.price_type)
            contract.dealer_id = where.dealer_id
            contract.legal_entity_id = where.legal_entity_id
            contract.credit_limit = pushed.credit_limit
            contract.debt = pushed.debt
            contract.overdue = pushed.overdue
            contract.deferral_days = pushed.deferral_days
            contract.price_type_name = pushed.price_type
            contract.price_type_id = price_type_id
            contract.is_active = True
            contract.as_of = push.as_of
            contract.received_at = utcnow()
            await session.flush()
            result.contracts += 1
            for document in pushed.documents:
                await _upsert_document(session, contract, document, result)
        for stale in existing.values():
            if stale.is_active:
                stale.is_active = False
                result.contracts_closed += 1
    await session.flush()
    return result


async def _find_order(session: AsyncSession, dealer_id: int, ref: str) -> Order | None:
    if not ref:
        return None
    found = await session.scalars(
        select(Order)
        .where(Order.dealer_id == dealer_id, or_(Order.number == ref, Order.onec_number == ref))
        .order_by(Order.id)
        .limit(1)
    )
    return found.first()


async def _upsert_document(
    session: AsyncSession, contract: FinanceContract, pushed: PushedDocument, result: PushResult
) -> None:
    document = await session.scalar(
        select(FinanceDocument).where(
            FinanceDocument.contract_id == contract.id,
            FinanceDocument.kind == pushed.kind.value,
            FinanceDocument.number == pushed.number,
            FinanceDocument.doc_date == pushed.doc_date,
        )
    )
    order = await _find_order(session, contract.dealer_id, pushed.order_ref)
    is_new = document is None
    if document is None:
        document = FinanceDocument(
            contract_id=contract.id,
            dealer_id=contract.dealer_id,
            kind=pushed.kind.value,
            number=pushed.number,
            doc_date=pushed.doc_date,
            file_size=0,
            file_sha256="",
        )
        session.add(document)
    document.dealer_id = contract.dealer_id
    document.amount = pushed.amount
    document.due_date = pushed.due_date
    document.order_ref = pushed.order_ref
    document.order_id = order.id if order else None
    document.file_name = pushed.file_name or document.file_name
    await session.flush()
    if pushed.pdf is not None:
        digest = hashlib.sha256(pushed.pdf).hexdigest()
        if digest != document.file_sha256:
            stored = await session.get(FinanceDocumentFile, document.id)
            if stored is None:
                session.add(FinanceDocumentFile(document_id=document.id, content=pushed.pdf))
            else:
                stored.content = pushed.pdf
            document.file_size = len(pushed.pdf)
            document.file_sha256 = digest
            document.telegram_file_id = None
            result.files += 1
    if is_new:
        result.documents_new += 1
    else:
        result.documents_updated += 1
    if order is not None and pushed.kind == DocumentKind.SHIPMENT:
        # once per shipment document: a re-push (or a re-link) never tells twice
        key = f"shipment:{document.id}"
        seen = await session.scalar(select(OutboxEvent.id).where(OutboxEvent.dedupe_key == key))
        if seen is None:
            emit(
                session,
                ORDER_SHIPMENT,
                {"order_id": order.id, "document_id": document.id},
                dedupe_key=key,
            )
            result.shipment_notices += 1

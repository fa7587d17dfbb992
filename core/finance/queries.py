"""What the dealer and the admin read of the finance data: contracts, documents, PDFs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import NotFound
from core.models import FinanceContract, FinanceDocument, FinanceDocumentFile, LegalEntity, utcnow

STALE_AFTER = timedelta(days=1)  # figures older than this carry a warning


@dataclass(frozen=True)
class ContractView:
    """A contract with the name of the legal entity it belongs to ("" for the dealer itself)."""

    contract: FinanceContract
    entity_name: str

    @property
    def free_limit(self) -> Decimal:
        """max(limit - debt, 0)."""
        return max(self.contract.credit_limit - self.contract.debt, Decimal("0"))


def is_stale(as_of: datetime, now: datetime | None = None) -> bool:
    """True when 1C's figures are older than a day."""
    return (now or utcnow()) - as_of > STALE_AFTER


async def dealer_contracts(
    session: AsyncSession, dealer_id: int, *, active_only: bool = True
) -> list[ContractView]:
    """The dealer's contracts, by legal entity then number."""
    query = (
        select(FinanceContract, LegalEntity.name)
        .outerjoin(LegalEntity, LegalEntity.id == FinanceContract.legal_entity_id)
        .where(FinanceContract.dealer_id == dealer_id)
        .order_by(LegalEntity.name, FinanceContract.number, FinanceContract.id)
    )
    if active_only:
        query = query.where(FinanceContract.is_active.is_(True))
    rows = (await session.execute(query)).all()
    return [ContractView(contract, name or "") for contract, name in rows]


async def count_documents(session: AsyncSession, dealer_id: int) -> int:
    """How many documents the dealer has."""
    query = select(func.count()).where(FinanceDocument.dealer_id == dealer_id)
    return int(await session.scalar(query) or 0)


async def list_documents(
    session: AsyncSession, dealer_id: int, *, page: int = 0, page_size: int = 8
) -> list[FinanceDocument]:
    """The dealer's documents, newest first, one page."""
    query = (
        select(FinanceDocument)
        .where(FinanceDocument.dealer_id == dealer_id)
        .order_by(FinanceDocument.doc_date.desc(), FinanceDocument.id.desc())
        .offset(max(page, 0) * page_size)
        .limit(page_size)
    )
    return list((await session.scalars(query)).all())


async def get_document(session: AsyncSession, dealer_id: int, document_id: int) -> FinanceDocument:
    """One of the dealer's documents; another dealer's (or a missing one) is NotFound."""
    document = await session.scalar(
        select(FinanceDocument).where(
            FinanceDocument.id == document_id, FinanceDocument.dealer_id == dealer_id
        )
    )
    if document is None:
        raise NotFound("finance.document_not_found", document_id=document_id)
    return document


async def document_pdf(session: AsyncSession, document: FinanceDocument) -> bytes:
    """The PDF bytes of a document; NotFound when 1C pushed none."""
    stored = await session.get(FinanceDocumentFile, document.id) if document.file_size else None
    if stored is None:
        raise NotFound("finance.no_pdf", document_id=document.id)
    return stored.content


async def remember_file_id(
    session: AsyncSession, document_id: int, sha256: str, file_id: str
) -> None:
    """Keep Telegram's file_id for these bytes (not when the PDF changed meanwhile)."""
    document = await session.get(FinanceDocument, document_id)
    if document is not None and document.file_sha256 == sha256:
        document.telegram_file_id = file_id[:255]

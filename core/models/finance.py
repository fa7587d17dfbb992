"""Money side pushed by 1C: contracts with their figures, finance documents and their PDFs.

A contract belongs to a counterparty that 1C names by INN+KPP; we keep the pushed INN/KPP on the
row and the dealer (and legal entity) it was matched to. Figures (limit, debt, overdue, deferral)
are replaced by each push that names the counterparty; documents are upserted by
(contract, kind, number, date). PDF bytes live in `finance_document_files` so that listing
documents never loads them.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base, Money, utcnow


class CreditPolicy(StrEnum):
    """What checkout does when an order would exceed the free limit or debt is overdue."""

    WARN = "warn"
    HOLD = "hold"
    BLOCK = "block"


class DocumentKind(StrEnum):
    """Kinds of finance documents 1C pushes."""

    INVOICE = "invoice"  # счёт на оплату
    SHIPMENT = "shipment"  # УПД / реализация
    PAYMENT = "payment"  # платёжное поручение, поступление
    RETURN = "return"  # возврат
    RECONCILIATION = "reconciliation"  # акт сверки (a ready PDF)


class FinanceContract(Base):
    """A contract (договор) of a counterparty with the distributor and its latest figures."""

    __tablename__ = "finance_contracts"
    __table_args__ = (UniqueConstraint("inn", "kpp", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dealer_id: Mapped[int] = mapped_column(ForeignKey("dealers.id", ondelete="CASCADE"), index=True)
    # None when the INN matched the dealer itself rather than one of its legal entities
    legal_entity_id: Mapped[int | None] = mapped_column(
        ForeignKey("legal_entities.id", ondelete="CASCADE"), index=True
    )
    inn: Mapped[str] = mapped_column(String(12))  # as pushed
    kpp: Mapped[str] = mapped_column(String(9), default="")  # as pushed, "" for none
    number: Mapped[str] = mapped_column(String(100))
    credit_limit: Mapped[Decimal] = mapped_column(Money)
    deferral_days: Mapped[int] = mapped_column(default=0)
    debt: Mapped[Decimal] = mapped_column(Money)
    overdue: Mapped[Decimal] = mapped_column(Money)
    price_type_name: Mapped[str] = mapped_column(String(150), default="")  # as pushed
    price_type_id: Mapped[int | None] = mapped_column(
        ForeignKey("price_types.id", ondelete="SET NULL")
    )
    # False once a push named the counterparty without this contract (kept for its documents)
    is_active: Mapped[bool] = mapped_column(default=True)
    as_of: Mapped[datetime]  # the moment 1C's figures are for (UTC)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)


class FinanceDocument(Base):
    """A finance document of a contract: invoice, shipment, payment, return, reconciliation."""

    __tablename__ = "finance_documents"
    __table_args__ = (
        UniqueConstraint("contract_id", "kind", "number", "doc_date"),
        Index("ix_finance_documents_dealer_date", "dealer_id", "doc_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(
        ForeignKey("finance_contracts.id", ondelete="CASCADE"), index=True
    )
    dealer_id: Mapped[int] = mapped_column(ForeignKey("dealers.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    number: Mapped[str] = mapped_column(String(100))
    doc_date: Mapped[date]
    amount: Mapped[Decimal] = mapped_column(Money)
    due_date: Mapped[date | None]
    order_ref: Mapped[str] = mapped_column(String(64), default="")  # as pushed: DB-000123 or 1C's
    order_id: Mapped[int | None] = mapped_column(
        ForeignKey("orders.id", ondelete="SET NULL"), index=True
    )
    file_name: Mapped[str] = mapped_column(String(255), default="")
    file_size: Mapped[int] = mapped_column(default=0)  # 0: no PDF pushed
    file_sha256: Mapped[str] = mapped_column(String(64), default="")
    # what Telegram returned for the first sendDocument of these bytes; reset when they change
    telegram_file_id: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class FinanceDocumentFile(Base):
    """The PDF bytes of a finance document (in the database, so that every worker reads them)."""

    __tablename__ = "finance_document_files"

    document_id: Mapped[int] = mapped_column(
        ForeignKey("finance_documents.id", ondelete="CASCADE"), primary_key=True
    )
    content: Mapped[bytes] = mapped_column(LargeBinary)

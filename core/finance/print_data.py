"""Print forms from the database: our invoice for an order, the акт сверки for a period.

1C's own PDF wins whenever it pushed one (an invoice linked to the order; a reconciliation
document dated inside the period); otherwise we render from what 1C pushed (core.finance models).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import InvalidInput, NotFound
from core.finance.positions import active_contracts
from core.finance.printforms import (
    Invoice,
    InvoiceLine,
    Party,
    Reconciliation,
    ReconciliationLine,
    Seller,
    render_invoice,
    render_reconciliation,
)
from core.models import (
    Dealer,
    DocumentKind,
    FinanceDocument,
    FinanceDocumentFile,
    LegalEntity,
    Order,
    OrderLine,
    OrderStatus,
)
from core.settings import Settings

ZERO = Decimal("0")
# orders a счёт на оплату may be issued for: confirmed by the manager, or further on
INVOICEABLE = {OrderStatus.CONFIRMED, OrderStatus.IN_PROGRESS, OrderStatus.SHIPPED}
DEBIT_KINDS: dict[str, str] = {DocumentKind.SHIPMENT: "Реализация"}
CREDIT_KINDS: dict[str, str] = {DocumentKind.PAYMENT: "Оплата", DocumentKind.RETURN: "Возврат"}
MAX_PERIOD_DAYS = 3 * 366


@dataclass(frozen=True)
class PrintedFile:
    """A PDF to send: its file name, bytes, and the pushed document it came from (None: ours)."""

    file_name: str
    content: bytes
    document_id: int | None = None
    telegram_file_id: str | None = None


def seller_from(settings: Settings) -> Seller | None:
    """The seller's requisites from settings, or None when name or account is not set."""
    if not settings.seller_name.strip() or not settings.seller_account.strip():
        return None
    return Seller(
        party=Party(
            settings.seller_name, settings.seller_inn, settings.seller_kpp, settings.seller_address
        ),
        bank=settings.seller_bank,
        bik=settings.seller_bik,
        account=settings.seller_account,
        corr_account=settings.seller_corr_account,
        director=settings.seller_director,
        accountant=settings.seller_accountant,
    )


async def _pushed(session: AsyncSession, document: FinanceDocument | None) -> PrintedFile | None:
    if document is None:
        return None
    content = await session.scalar(
        select(FinanceDocumentFile.content).where(FinanceDocumentFile.document_id == document.id)
    )
    if not content:
        return None
    return PrintedFile(
        document.file_name or f"{document.number}.pdf",
        bytes(content),
        document.id,
        document.telegram_file_id,
    )


async def _buyer(session: AsyncSession, dealer_id: int, entity_id: int | None) -> Party:
    entity = await session.get(LegalEntity, entity_id) if entity_id else None
    if entity is not None:
        return Party(entity.name, entity.inn, entity.kpp or "")
    dealer = await session.get(Dealer, dealer_id)
    if dealer is None:
        raise NotFound("order.not_found")
    return Party(dealer.name, dealer.inn or "")


async def invoice_available(session: AsyncSession, order: Order, settings: Settings) -> bool:
    """True when a счёт на оплату can be given for the order: confirmed, and 1C pushed one for
    it or the seller's requisites are configured."""
    if order.status not in INVOICEABLE:
        return False
    if seller_from(settings) is not None:
        return True
    pushed = await session.scalar(
        select(FinanceDocument.id)
        .where(
            FinanceDocument.order_id == order.id,
            FinanceDocument.kind == DocumentKind.INVOICE,
            FinanceDocument.file_size > 0,
        )
        .limit(1)
    )
    return pushed is not None


async def order_invoice(
    session: AsyncSession, order_id: int, settings: Settings, *, today: date | None = None
) -> PrintedFile:
    """The счёт на оплату of a confirmed order: 1C's PDF when pushed for it, else ours.

    Raises InvalidInput when the order is not confirmed (yet) or the seller's requisites are
    not configured; NotFound for a missing order. The caller checks who may ask.
    """
    order = await session.get(Order, order_id)
    if order is None:
        raise NotFound("order.not_found")
    if order.status not in INVOICEABLE:
        raise InvalidInput("invoice.not_confirmed")
    pushed = await session.scalar(
        select(FinanceDocument)
        .where(
            FinanceDocument.order_id == order.id,
            FinanceDocument.kind == DocumentKind.INVOICE,
            FinanceDocument.file_size > 0,
        )
        .order_by(FinanceDocument.doc_date.desc(), FinanceDocument.id.desc())
        .limit(1)
    )
    found = await _pushed(session, pushed)
    if found is not None:
        return found
    seller = seller_from(settings)
    if seller is None:
        raise InvalidInput("invoice.no_requisites")
    lines = (
        await session.scalars(
            select(OrderLine).where(OrderLine.order_id == order.id).order_by(OrderLine.line_no)
        )
    ).all()
    issued = (order.confirmed_at or order.placed_at).replace(tzinfo=UTC)
    invoice = Invoice(
        number=order.number,
        date=today or issued.astimezone(settings.zone).date(),
        seller=seller,
        buyer=await _buyer(session, order.dealer_id, order.legal_entity_id),
        lines=[
            InvoiceLine(line.article, line.name, line.quantity, line.unit, line.price, line.amount)
            for line in lines
        ],
        vat_rate=settings.vat_rate,
        basis=f"Заказ {order.number}"
        + (f", заказ покупателя {order.dealer_po}" if order.dealer_po else ""),
    )
    return PrintedFile(f"Счёт {order.number}.pdf", render_invoice(invoice))


async def reconciliation(
    session: AsyncSession,
    dealer_id: int,
    legal_entity_id: int | None,
    start: date,
    end: date,
    settings: Settings,
) -> PrintedFile:
    """The акт сверки for [start, end]: 1C's PDF for that period when pushed, else rendered.

    Rendered from the pushed documents: the closing balance is 1C's current debt less the
    movements after `end`, the opening balance that less the period's movements (shipments
    are debit, payments and returns credit). InvalidInput without 1C figures or for a bad period.
    """
    if end < start or (end - start).days > MAX_PERIOD_DAYS:
        raise InvalidInput("reconciliation.bad_period")
    contracts = await active_contracts(session, dealer_id, legal_entity_id)
    if not contracts:
        raise InvalidInput("reconciliation.no_data")
    ids = [c.id for c in contracts]
    ready = await session.scalar(
        select(FinanceDocument)
        .where(
            FinanceDocument.contract_id.in_(ids),
            FinanceDocument.kind == DocumentKind.RECONCILIATION,
            FinanceDocument.doc_date >= start,
            FinanceDocument.doc_date <= end + timedelta(days=31),
            FinanceDocument.file_size > 0,
        )
        .order_by(FinanceDocument.doc_date.desc(), FinanceDocument.id.desc())
        .limit(1)
    )
    # a pushed act covers the period when it is dated within it or up to a month after its end
    found = await _pushed(session, ready)
    if found is not None:
        return found
    documents = (
        await session.scalars(
            select(FinanceDocument)
            .where(
                FinanceDocument.contract_id.in_(ids),
                FinanceDocument.kind.in_([*DEBIT_KINDS, *CREDIT_KINDS]),
                FinanceDocument.doc_date >= start,
            )
            .order_by(FinanceDocument.doc_date, FinanceDocument.id)
        )
    ).all()
    debt_now = sum((c.debt for c in contracts), ZERO)

    def signed(doc: FinanceDocument) -> Decimal:
        return doc.amount if doc.kind in DEBIT_KINDS else -doc.amount

    after = sum((signed(d) for d in documents if d.doc_date > end), ZERO)
    inside = [d for d in documents if d.doc_date <= end]
    closing = debt_now - after
    opening = closing - sum((signed(d) for d in inside), ZERO)
    seller = seller_from(settings)
    act = Reconciliation(
        seller=seller.party if seller else Party(settings.seller_name or "Поставщик"),
        buyer=await _buyer(session, dealer_id, legal_entity_id or contracts[0].legal_entity_id),
        start=start,
        end=end,
        opening=opening,
        lines=[
            ReconciliationLine(
                d.doc_date,
                f"{DEBIT_KINDS.get(d.kind) or CREDIT_KINDS.get(d.kind, '')} {d.number}",
                debit=d.amount if d.kind in DEBIT_KINDS else ZERO,
                credit=d.amount if d.kind in CREDIT_KINDS else ZERO,
            )
            for d in inside
        ],
        contracts=", ".join(c.number for c in contracts),
    )
    name = f"Акт сверки {start:%d.%m.%Y}-{end:%d.%m.%Y}.pdf"
    return PrintedFile(name, render_reconciliation(act))


def period_of(choice: str, today: date) -> tuple[date, date]:
    """The dates of a period button: month, last_month, quarter, year (to `today`)."""
    if choice == "month":
        return today.replace(day=1), today
    if choice == "last_month":
        last = today.replace(day=1) - timedelta(days=1)
        return last.replace(day=1), last
    if choice == "quarter":
        first_month = 3 * ((today.month - 1) // 3) + 1
        return today.replace(month=first_month, day=1), today
    if choice == "year":
        return today.replace(month=1, day=1), today
    raise InvalidInput("reconciliation.bad_period")


def parse_period(text: str) -> tuple[date, date]:
    """A typed period `01.10.2026-31.10.2026` (spaces and an en dash allowed)."""
    cleaned = text.replace("—", "-").replace("–", "-").replace(" ", "")
    parts = cleaned.split("-")
    if len(parts) != 2:
        raise InvalidInput("reconciliation.bad_period")
    try:
        start, end = (datetime.strptime(p, "%d.%m.%Y").date() for p in parts)
    except ValueError:
        raise InvalidInput("reconciliation.bad_period") from None
    if end < start or (end - start).days > MAX_PERIOD_DAYS:
        raise InvalidInput("reconciliation.bad_period")
    return start, end

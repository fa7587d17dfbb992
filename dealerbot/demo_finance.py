"""Demo finance data: contracts with figures and a few documents with small real PDFs, pushed
through core.finance.push as 1C would (one call from dealerbot.demo)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from fpdf import FPDF
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.finance.push import (
    FinancePush,
    PushedContract,
    PushedCounterparty,
    PushedDocument,
    apply_push,
)
from core.models import DocumentKind, LegalEntity, Order, OutboxEvent, PriceType
from core.outbox import EventKind

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")  # Debian's fonts-dejavu-core
DEALERS_WITH_FINANCE = 8
TITLES = {
    DocumentKind.INVOICE: "Счёт на оплату",
    DocumentKind.SHIPMENT: "УПД",
    DocumentKind.PAYMENT: "Платёжное поручение",
    DocumentKind.RECONCILIATION: "Акт сверки",
}


def demo_pdf(title: str, lines: list[str], when: datetime) -> bytes:
    """A one-page PDF; Cyrillic with the system's DejaVu Sans, else transliterated to '?'."""
    pdf = FPDF()
    pdf.set_creation_date(when)  # the same seed gives the same bytes
    pdf.add_page()
    if FONT.exists():
        pdf.add_font("DejaVu", fname=str(FONT))
        pdf.set_font("DejaVu", size=14)
        text = [title, *lines]
    else:
        pdf.set_font("Helvetica", size=14)
        text = [s.encode("latin-1", "replace").decode("latin-1") for s in (title, *lines)]
    for line in text:
        pdf.cell(text=line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


async def load_finance(session: AsyncSession, rng: random.Random, now: datetime) -> int:
    """Contracts and documents for the first dealers' legal entities; returns the contracts."""
    entities = list(
        (
            await session.scalars(
                select(LegalEntity).order_by(LegalEntity.dealer_id, LegalEntity.id)
            )
        ).all()
    )
    dealer_ids = sorted({e.dealer_id for e in entities})[:DEALERS_WITH_FINANCE]
    price_type = await session.scalar(select(PriceType.name).order_by(PriceType.id))
    as_of = (now - timedelta(hours=3)).astimezone(UTC)
    parties = []
    for n, entity in enumerate(e for e in entities if e.dealer_id in dealer_ids):
        order = await session.scalar(
            select(Order)
            .where(Order.dealer_id == entity.dealer_id)
            .order_by(Order.placed_at.desc())
            .limit(1)
        )
        limit = Decimal(rng.choice([300_000, 500_000, 1_000_000]))
        debt = (limit * Decimal(rng.randint(20, 110)) / 100).quantize(Decimal("0.01"))
        overdue = Decimal("0") if n % 3 else (debt / 10).quantize(Decimal("0.01"))
        number = f"Д-{100 + n}/2026"
        documents = []
        for k, kind in enumerate(TITLES):
            day = (now - timedelta(days=3 + 7 * k)).date()
            amount = Decimal(rng.randint(10_000, 200_000))
            doc_number = f"{kind.value[:2].upper()}-{n:03d}{k}"
            pdf = demo_pdf(
                f"{TITLES[kind]} № {doc_number} от {day:%d.%m.%Y}",
                [entity.name, f"Договор {number}", f"Сумма: {amount} руб."],
                datetime(2026, 1, 1, tzinfo=UTC),
            )
            documents.append(
                PushedDocument(
                    kind=kind,
                    number=doc_number,
                    doc_date=day,
                    amount=amount,
                    due_date=day + timedelta(days=14) if kind == DocumentKind.INVOICE else None,
                    order_ref=order.number
                    if order and kind in (DocumentKind.SHIPMENT, DocumentKind.PAYMENT)
                    else "",
                    file_name=f"{TITLES[kind]} {doc_number}.pdf",
                    pdf=None if kind == DocumentKind.PAYMENT else pdf,
                )
            )
        contract = PushedContract(
            number=number,
            credit_limit=limit,
            debt=debt,
            overdue=overdue,
            deferral_days=rng.choice([7, 14, 30]),
            price_type=price_type or "",
            documents=tuple(documents),
        )
        parties.append(PushedCounterparty(entity.inn, entity.kpp or "", (contract,)))
    result = await apply_push(session, FinancePush(as_of=as_of, counterparties=tuple(parties)))
    # demo history: no shipment notices to the demo's made-up chats
    await session.execute(delete(OutboxEvent).where(OutboxEvent.kind == EventKind.ORDER_SHIPMENT))
    return result.contracts

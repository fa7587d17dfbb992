"""Finance test data: small real PDFs, a dealer known to 1C by INN, pushes as 1C writes them."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from fpdf import FPDF
from sqlalchemy.ext.asyncio import AsyncSession

from core.models import Dealer, DealerStatus, LegalEntity, Order, PriceType, User

INN_A, KPP_A = "7701234567", "770101001"
INN_B = "500100732259"  # an ИП: 12 digits, no KPP
INN_UNKNOWN = "7799999999"


def tiny_pdf(title: str) -> bytes:
    """A real one-page PDF (fpdf2, core font: non-Latin letters become "?")."""
    pdf = FPDF()
    pdf.set_creation_date(datetime(2026, 1, 1, tzinfo=UTC))  # same title, same bytes
    pdf.add_page()
    pdf.set_font("Helvetica", size=14)
    pdf.cell(text=title.encode("latin-1", "replace").decode("latin-1"))
    return bytes(pdf.output())


def b64(content: bytes) -> str:
    """Base64 with line breaks every 76 characters, as 1C's Base64Строка() writes it."""
    text = base64.b64encode(content).decode()
    return "\r\n".join(text[i : i + 76] for i in range(0, len(text), 76))


@dataclass
class Known:
    """What the finance tests start from."""

    dealer: Dealer
    entity_a: LegalEntity
    entity_b: LegalEntity
    buyer: User
    order: Order
    price_type: PriceType


async def seed(session: AsyncSession, *, telegram_id: int = 7_100_001) -> Known:
    """A dealer with two legal entities (ООО with KPP, ИП without), a buyer, an order DB-000123."""
    price_type = PriceType(onec_id="pt-dealer", name="Дилерская", currency="RUB")
    base = PriceType(onec_id="pt-base", name="Оптовая", currency="RUB")
    session.add_all([price_type, base])
    await session.flush()
    dealer = Dealer(
        name="ООО Автодеталь", inn=INN_A, status=DealerStatus.ACTIVE, price_type_id=base.id
    )
    session.add(dealer)
    await session.flush()
    entity_a = LegalEntity(dealer_id=dealer.id, name="ООО Автодеталь", inn=INN_A, kpp=KPP_A)
    entity_b = LegalEntity(dealer_id=dealer.id, name="ИП Петров", inn=INN_B, kpp=None)
    buyer = User(telegram_id=telegram_id, dealer_id=dealer.id, full_name="Иван Петров")
    session.add_all([entity_a, entity_b, buyer])
    await session.flush()
    order = Order(
        number="DB-000123",
        dealer_id=dealer.id,
        legal_entity_id=entity_a.id,
        author_id=buyer.id,
        status="confirmed",
        total=Decimal("120000.00"),
        onec_number="ЗК-0042",
    )
    session.add(order)
    await session.flush()
    return Known(dealer, entity_a, entity_b, buyer, order, price_type)


def contract(number: str = "Д-15/2025", **over: Any) -> dict[str, Any]:
    """A contract of the push, as in the issue's example."""
    item: dict[str, Any] = {
        "number": number,
        "credit_limit": "500000.00",
        "deferral_days": 14,
        "debt": "320000.50",
        "overdue": "15000.00",
        "price_type": "Дилерская",
        "documents": [
            {
                "kind": "shipment",
                "number": "РТ-004512",
                "date": "2026-11-20",
                "amount": "120000.00",
                "due_date": "2026-12-04",
                "order": "DB-000123",
                "file_name": "УПД РТ-004512.pdf",
                "file_base64": b64(tiny_pdf("UPD RT-004512")),
            },
            {"kind": "payment", "number": "ПП-771", "date": "2026-11-25", "amount": "50000.00"},
        ],
    }
    item.update(over)
    return item


def push(*parties: dict[str, Any], as_of: str = "2026-12-01T18:00:00+03:00") -> dict[str, Any]:
    return {"as_of": as_of, "counterparties": list(parties)}


def party(inn: str = INN_A, kpp: str = KPP_A, *contracts: dict[str, Any]) -> dict[str, Any]:
    return {"inn": inn, "kpp": kpp, "contracts": list(contracts) or [contract()]}


def body(data: dict[str, Any]) -> bytes:
    return json.dumps(data, ensure_ascii=False).encode("utf-8")

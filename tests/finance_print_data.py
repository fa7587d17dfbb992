"""Finance rows as 1C's push would leave them, for the print-form and credit tests."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from core.models import (
    Dealer,
    FinanceContract,
    FinanceDocument,
    FinanceDocumentFile,
    LegalEntity,
)
from core.settings import Settings, get_settings

AS_OF = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)


def seller_settings(**extra: object) -> Settings:
    """Settings with the seller's requisites filled in."""
    values: dict[str, object] = {
        "environment": "test",
        "timezone": "Europe/Moscow",
        "seller_name": "ООО «Дистрибьютор»",
        "seller_inn": "7700000001",
        "seller_kpp": "770001001",
        "seller_address": "Москва, ул. Складская, 1",
        "seller_bank": "ПАО Сбербанк",
        "seller_bik": "044525225",
        "seller_account": "40702810900000000001",
        "seller_corr_account": "30101810400000000225",
        "seller_director": "Иванов И. И.",
        "seller_accountant": "Петрова П. П.",
        "vat_rate": Decimal("20"),
    }
    values.update(extra)
    return get_settings(**values)


async def contract(
    session: AsyncSession,
    dealer: Dealer,
    entity: LegalEntity | None,
    number: str = "Д-15/2025",
    **figures: object,
) -> FinanceContract:
    values: dict[str, object] = {
        "credit_limit": Decimal("500000.00"),
        "debt": Decimal("320000.50"),
        "overdue": Decimal("0.00"),
        "deferral_days": 14,
        "as_of": AS_OF,
    }
    values.update(figures)
    row = FinanceContract(
        dealer_id=dealer.id,
        legal_entity_id=entity.id if entity else None,
        inn=entity.inn if entity else (dealer.inn or ""),
        kpp="",
        number=number,
        **values,
    )
    session.add(row)
    await session.flush()
    return row


async def document(
    session: AsyncSession,
    contract: FinanceContract,
    kind: str,
    number: str,
    day: date,
    amount: str,
    *,
    pdf: bytes | None = None,
    order_id: int | None = None,
) -> FinanceDocument:
    row = FinanceDocument(
        contract_id=contract.id,
        dealer_id=contract.dealer_id,
        kind=kind,
        number=number,
        doc_date=day,
        amount=Decimal(amount),
        order_id=order_id,
        file_name=f"{number}.pdf" if pdf else "",
        file_size=len(pdf or b""),
        file_sha256=hashlib.sha256(pdf).hexdigest() if pdf else "",
    )
    session.add(row)
    await session.flush()
    if pdf:
        session.add(FinanceDocumentFile(document_id=row.id, content=pdf))
        await session.flush()
    return row

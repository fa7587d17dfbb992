"""Print forms read back with pypdf: requisites, totals, сумма прописью; 1C's PDFs win."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import InvalidInput
from core.finance.print_data import order_invoice, parse_period, period_of, reconciliation
from core.finance.printforms import (
    Invoice,
    InvoiceLine,
    Party,
    Seller,
    amount_in_words,
    render_invoice,
    vat_of,
)
from core.finance.printforms import base as printbase
from core.models import Dealer, LegalEntity, Order, OrderLine, OrderStatus
from tests import factories
from tests.finance_print_data import contract, document, seller_settings

ONEC_PDF = b"%PDF-1.4\n% 1C's own document\n%%EOF\n"


def text_of(pdf: bytes) -> str:
    """The PDF's text, spaces normalised (fpdf2 embeds the font with a ToUnicode map)."""
    assert pdf.startswith(b"%PDF")
    raw = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    return " ".join(raw.replace("\xa0", " ").split())


def test_amount_in_words_writes_rubles_in_words_and_kopecks_in_digits() -> None:
    assert (
        amount_in_words(Decimal("1234.50")) == "Одна тысяча двести тридцать четыре рубля 50 копеек"
    )
    assert amount_in_words(Decimal("21.01")) == "Двадцать один рубль 01 копейка"
    assert amount_in_words(Decimal("2.02")) == "Два рубля 02 копейки"
    assert amount_in_words(Decimal("1000000")) == "Один миллион рублей 00 копеек"
    assert vat_of(Decimal("901.00"), Decimal("20")) == Decimal("150.17")
    assert vat_of(Decimal("901.00"), Decimal("0")) == Decimal("0.00")


def _invoice(vat: str = "20") -> Invoice:
    seller = Seller(
        Party("ООО «Дистрибьютор»", "7700000001", "770001001", "Москва, ул. Складская, 1"),
        "ПАО Сбербанк",
        "044525225",
        "40702810900000000001",
        "30101810400000000225",
        "Иванов И. И.",
    )
    return Invoice(
        "DB-000123",
        date(2026, 12, 3),
        seller,
        Party("ООО «Ромашка»", "7701234567", "770101001"),
        [
            InvoiceLine(
                "OC 90", "Фильтр масляный", Decimal("2"), "шт", Decimal("450.50"), Decimal("901.00")
            ),
            InvoiceLine(
                "NGK-1",
                "Свеча зажигания",
                Decimal("4"),
                "шт",
                Decimal("333.25"),
                Decimal("1333.00"),
            ),
        ],
        Decimal(vat),
        "Заказ DB-000123",
    )


def test_invoice_carries_requisites_totals_vat_and_words() -> None:
    text = text_of(render_invoice(_invoice()))
    for expected in (
        "Счёт на оплату № DB-000123 от 03.12.2026",
        "ПАО Сбербанк",
        "БИК 044525225",
        "40702810900000000001",
        "30101810400000000225",
        "ИНН 7700000001",
        "КПП 770001001",
        "ООО «Ромашка», ИНН 7701234567, КПП 770101001",
        "OC 90 Фильтр масляный",
        "450,50",
        "Итого: 2 234,00",
        "В том числе НДС (20%): 372,33",
        "Всего к оплате: 2 234,00",
        "Всего наименований 2, на сумму 2 234,00 руб.",
        "Две тысячи двести тридцать четыре рубля 00 копеек",
        "Иванов И. И.",
    ):
        assert expected in text, (expected, text)
    assert "Без налога (НДС)" in text_of(render_invoice(_invoice(vat="0")))


def test_same_invoice_same_bytes() -> None:
    assert render_invoice(_invoice()) == render_invoice(_invoice())


def test_missing_fonts_say_where_they_were_looked_for(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(printbase, "_candidates", lambda: [printbase.Path("/nonexistent")])
    with pytest.raises(printbase.FontsMissing, match="fonts-dejavu-core"):
        render_invoice(_invoice())


async def _confirmed_order(session: AsyncSession) -> Order:
    dealer = await factories.dealer(session)
    entity = await session.scalar(select(LegalEntity).where(LegalEntity.dealer_id == dealer.id))
    assert entity is not None
    order = Order(
        number=f"DB-{factories.next_id():06d}",
        dealer_id=dealer.id,
        legal_entity_id=entity.id,
        status=OrderStatus.CONFIRMED,
        total=Decimal("901.00"),
    )
    session.add(order)
    await session.flush()
    session.add(
        OrderLine(
            order_id=order.id,
            line_no=1,
            article="OC 90",
            name="Фильтр масляный",
            price=Decimal("450.50"),
            quantity=Decimal("2"),
            amount=Decimal("901.00"),
        )
    )
    await session.flush()
    return order


async def test_order_invoice_is_ours_unless_1c_pushed_one(session: AsyncSession) -> None:
    settings = seller_settings()
    order = await _confirmed_order(session)
    ours = await order_invoice(session, order.id, settings)
    assert ours.document_id is None and ours.file_name == f"Счёт {order.number}.pdf"
    text = text_of(ours.content)
    assert f"Счёт на оплату № {order.number}" in text
    assert "Девятьсот один рубль 00 копеек" in text and "НДС (20%): 150,17" in text
    dealer = await session.get(Dealer, order.dealer_id)
    assert dealer is not None
    row = await contract(session, dealer, None)
    pushed = await document(
        session,
        row,
        "invoice",
        "СЧ-77",
        date(2026, 12, 2),
        "901.00",
        pdf=ONEC_PDF,
        order_id=order.id,
    )
    theirs = await order_invoice(session, order.id, settings)
    assert (theirs.content, theirs.document_id) == (ONEC_PDF, pushed.id)


async def test_order_invoice_refused_before_confirmation_or_without_requisites(
    session: AsyncSession,
) -> None:
    order = await _confirmed_order(session)
    with pytest.raises(InvalidInput) as no_seller:
        await order_invoice(session, order.id, seller_settings(seller_name=""))
    assert no_seller.value.key == "invoice.no_requisites"
    order.status = OrderStatus.NEW
    with pytest.raises(InvalidInput) as early:
        await order_invoice(session, order.id, seller_settings())
    assert early.value.key == "invoice.not_confirmed"


async def test_reconciliation_rendered_from_pushed_documents(session: AsyncSession) -> None:
    dealer = await factories.dealer(session)
    entity = await session.scalar(select(LegalEntity).where(LegalEntity.dealer_id == dealer.id))
    assert entity is not None
    row = await contract(session, dealer, entity, debt=Decimal("170000.00"))
    await document(session, row, "shipment", "РТ-1", date(2026, 10, 5), "100000.00")
    await document(session, row, "payment", "ПП-1", date(2026, 11, 3), "30000.00")
    await document(session, row, "shipment", "РТ-2", date(2026, 11, 20), "120000.00")
    await document(session, row, "return", "ВЗ-1", date(2026, 11, 25), "5000.00")
    await document(session, row, "invoice", "СЧ-1", date(2026, 11, 21), "999.00")  # no movement
    await document(session, row, "payment", "ПП-2", date(2026, 12, 1), "50000.00")  # after
    act = await reconciliation(
        session, dealer.id, entity.id, date(2026, 11, 1), date(2026, 11, 30), seller_settings()
    )
    assert act.document_id is None and act.file_name == "Акт сверки 01.11.2026-30.11.2026.pdf"
    text = text_of(act.content)
    # closing on 30.11 = 170 000 now + 50 000 paid after; opening = closing - 120 000 + 35 000
    for expected in (
        "Акт сверки взаиморасчётов",
        "за период с 01.11.2026 по 30.11.2026",
        "ООО «Дистрибьютор», ИНН 7700000001",
        f"{entity.name}, ИНН {entity.inn}",
        "по договору Д-15/2025",
        "Сальдо начальное 135 000,00",
        "03.11.2026 Оплата ПП-1 30 000,00",
        "20.11.2026 Реализация РТ-2 120 000,00",
        "25.11.2026 Возврат ВЗ-1 5 000,00",
        "Обороты за период 120 000,00 35 000,00",
        "Сальдо конечное 220 000,00",
        "составляет 220 000,00 руб. (Двести двадцать тысяч рублей 00 копеек)",
    ):
        assert expected in text, (expected, text)
    assert "РТ-1" not in text and "СЧ-1" not in text and "ПП-2" not in text


async def test_reconciliation_is_1c_pdf_when_pushed_for_the_period(session: AsyncSession) -> None:
    dealer = await factories.dealer(session)
    row = await contract(session, dealer, None)
    pushed = await document(
        session, row, "reconciliation", "АС-11", date(2026, 11, 30), "0", pdf=ONEC_PDF
    )
    act = await reconciliation(
        session, dealer.id, None, date(2026, 11, 1), date(2026, 11, 30), seller_settings()
    )
    assert (act.content, act.document_id) == (ONEC_PDF, pushed.id)
    other = await reconciliation(
        session, dealer.id, None, date(2026, 1, 1), date(2026, 3, 31), seller_settings()
    )
    assert other.document_id is None and other.content.startswith(b"%PDF")


async def test_reconciliation_without_1c_data_or_with_a_bad_period(session: AsyncSession) -> None:
    dealer = await factories.dealer(session)
    with pytest.raises(InvalidInput) as none:
        await reconciliation(
            session, dealer.id, None, date(2026, 11, 1), date(2026, 11, 30), seller_settings()
        )
    assert none.value.key == "reconciliation.no_data"
    with pytest.raises(InvalidInput):
        parse_period("31.11.2026-01.12.2026")
    with pytest.raises(InvalidInput):
        parse_period("30.11.2026-01.11.2026")
    assert parse_period("01.10.2026 – 31.10.2026") == (date(2026, 10, 1), date(2026, 10, 31))
    today = date(2026, 12, 3)
    assert period_of("month", today) == (date(2026, 12, 1), today)
    assert period_of("last_month", today) == (date(2026, 11, 1), date(2026, 11, 30))
    assert period_of("quarter", today) == (date(2026, 10, 1), today)
    assert period_of("year", today) == (date(2026, 1, 1), today)

"""Счёт на оплату: the seller's bank details, buyer, lines, totals, VAT, сумма прописью."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from core.display import amount, day, number, quantity
from core.finance.printforms.base import Page, Party
from core.finance.printforms.words import amount_in_words, vat_of


@dataclass(frozen=True)
class Seller:
    """The distributor's requisites and bank details (SELLER_* settings)."""

    party: Party
    bank: str
    bik: str
    account: str  # расчётный счёт
    corr_account: str  # корреспондентский счёт
    director: str = ""
    accountant: str = ""


@dataclass(frozen=True)
class InvoiceLine:
    """One line of the invoice; `amount` is price x quantity as the order recorded it."""

    article: str
    name: str
    quantity: Decimal
    unit: str
    price: Decimal
    amount: Decimal


@dataclass(frozen=True)
class Invoice:
    """Everything printed on a счёт на оплату. Prices include VAT at `vat_rate` percent."""

    number: str
    date: dt.date
    seller: Seller
    buyer: Party
    lines: list[InvoiceLine]
    vat_rate: Decimal
    basis: str = ""  # "Заказ DB-000123" / a contract
    pay_until: dt.date | None = None

    @property
    def total(self) -> Decimal:
        """The sum of the lines."""
        return sum((line.amount for line in self.lines), Decimal("0"))

    @property
    def vat(self) -> Decimal:
        """The VAT included in the total."""
        return vat_of(self.total, self.vat_rate)


def _bank_block(page: Page, seller: Seller) -> None:
    party = seller.party
    inn_kpp = f"ИНН {party.inn}" + (f"   КПП {party.kpp}" if party.kpp else "")
    page.grid(
        (110, 20, 50),
        ["Банк получателя", "БИК", seller.bik],
        [
            [seller.bank, "Сч. №", seller.corr_account],
            [f"{inn_kpp}\nПолучатель: {party.name}", "Сч. №", seller.account],
        ],
    )


def render_invoice(invoice: Invoice) -> bytes:
    """The счёт на оплату as PDF bytes."""
    page = Page(f"Счёт на оплату № {invoice.number}")
    _bank_block(page, invoice.seller)
    page.ln(4)
    page.text_line(
        f"Счёт на оплату № {invoice.number} от {day(invoice.date)}", size=13, bold=True, h=7
    )
    page.ln(2)
    page.text_line(f"Поставщик (исполнитель): {invoice.seller.party.line()}")
    page.text_line(f"Покупатель (заказчик): {invoice.buyer.line()}")
    if invoice.basis:
        page.text_line(f"Основание: {invoice.basis}")
    page.ln(3)
    rows = [
        [
            str(i),
            f"{line.article} {line.name}".strip(),
            quantity(line.quantity),
            line.unit,
            amount(line.price),
            amount(line.amount),
        ]
        for i, line in enumerate(invoice.lines, start=1)
    ]
    page.grid(
        (10, 88, 20, 12, 25, 25),
        ["№", "Товар", "Кол-во", "Ед.", "Цена", "Сумма"],
        rows,
        align="LLRCRR",
    )
    page.ln(2)
    total = amount(invoice.total)
    if invoice.vat_rate > 0:
        vat_line = f"В том числе НДС ({number(invoice.vat_rate)}%): {amount(invoice.vat)}"
    else:
        vat_line = "Без налога (НДС)"
    for text in (f"Итого: {total}", vat_line, f"Всего к оплате: {total}"):
        page.set_x(page.l_margin)
        page.text_line(text, bold=True)
    page.ln(2)
    page.text_line(f"Всего наименований {len(invoice.lines)}, на сумму {total} руб.")
    page.text_line(amount_in_words(invoice.total), bold=True)
    if invoice.pay_until is not None:
        page.text_line(f"Оплатить не позднее {day(invoice.pay_until)}.")
    page.ln(8)
    page.text_line(f"Руководитель ____________________ {invoice.seller.director}")
    page.ln(3)
    page.text_line(f"Бухгалтер ____________________ {invoice.seller.accountant}")
    return page.pdf_bytes()

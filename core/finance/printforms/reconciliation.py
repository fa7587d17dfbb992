"""Акт сверки взаиморасчётов: opening balance, debit/credit lines, turnover, closing balance.

Balances are the buyer's debt to the seller: positive = the buyer owes. Debit (the seller's
side) are shipments; credit are payments and returns.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from core.display import amount, day
from core.finance.printforms.base import Page, Party
from core.finance.printforms.words import amount_in_words

ZERO = Decimal("0")


@dataclass(frozen=True)
class ReconciliationLine:
    """A movement of the period: a document and its amount on one side."""

    date: dt.date
    document: str  # "Реализация РТ-004512"
    debit: Decimal = ZERO
    credit: Decimal = ZERO


@dataclass(frozen=True)
class Reconciliation:
    """An акт сверки between the seller and a buyer for [start, end] (both days included)."""

    seller: Party
    buyer: Party
    start: dt.date
    end: dt.date
    opening: Decimal  # the buyer's debt at the start of `start`
    lines: list[ReconciliationLine]
    contracts: str = ""  # "Д-15/2025"

    @property
    def debit_turnover(self) -> Decimal:
        """Shipped in the period."""
        return sum((line.debit for line in self.lines), ZERO)

    @property
    def credit_turnover(self) -> Decimal:
        """Paid or returned in the period."""
        return sum((line.credit for line in self.lines), ZERO)

    @property
    def closing(self) -> Decimal:
        """The buyer's debt at the end of `end`."""
        return self.opening + self.debit_turnover - self.credit_turnover


def _sides(balance: Decimal) -> tuple[str, str]:
    return (amount(balance), "") if balance >= 0 else ("", amount(-balance))


def _closing_sentence(act: Reconciliation) -> str:
    closing = act.closing
    on = day(act.end)
    if closing > 0:
        return (
            f"На {on} задолженность в пользу {act.seller.name} составляет "
            f"{amount(closing)} руб. ({amount_in_words(closing)})."
        )
    if closing < 0:
        return (
            f"На {on} задолженность в пользу {act.buyer.name} составляет "
            f"{amount(-closing)} руб. ({amount_in_words(-closing)})."
        )
    return f"На {on} задолженность отсутствует."


def render_reconciliation(act: Reconciliation) -> bytes:
    """The акт сверки as PDF bytes."""
    page = Page("Акт сверки взаиморасчётов")
    page.text_line("Акт сверки взаиморасчётов", size=13, bold=True, h=7)
    page.text_line(f"за период с {day(act.start)} по {day(act.end)}")
    page.text_line(f"между {act.seller.line()}")
    page.text_line(f"и {act.buyer.line()}")
    if act.contracts:
        page.text_line(f"по договору {act.contracts}")
    page.ln(3)
    opening_debit, opening_credit = _sides(act.opening)
    closing_debit, closing_credit = _sides(act.closing)
    rows = [["", "Сальдо начальное", opening_debit, opening_credit]]
    rows += [
        [
            day(line.date),
            line.document,
            amount(line.debit) if line.debit else "",
            amount(line.credit) if line.credit else "",
        ]
        for line in act.lines
    ]
    rows.append(["", "Обороты за период", amount(act.debit_turnover), amount(act.credit_turnover)])
    rows.append(["", "Сальдо конечное", closing_debit, closing_credit])
    page.grid(
        (22, 98, 30, 30),
        ["Дата", "Документ", "Дебет", "Кредит"],
        rows,
        align="LLRR",
        bold_last=True,
    )
    page.ln(3)
    page.text_line(_closing_sentence(act), bold=True)
    page.ln(8)
    page.text_line(f"От {act.seller.name} ____________________")
    page.ln(3)
    page.text_line(f"От {act.buyer.name} ____________________")
    return page.pdf_bytes()

"""Print forms as PDF: счёт на оплату and акт сверки взаиморасчётов.

Pure functions from plain dataclasses to PDF bytes (fpdf2 with an embedded DejaVu font, so
Cyrillic text is real text that a reader can search and copy). Nothing here touches the
database, Telegram or HTTP: core.finance.print_data gathers the figures.
"""

from core.finance.printforms.base import FontsMissing, Party, check_fonts
from core.finance.printforms.invoice import Invoice, InvoiceLine, Seller, render_invoice
from core.finance.printforms.reconciliation import (
    Reconciliation,
    ReconciliationLine,
    render_reconciliation,
)
from core.finance.printforms.words import amount_in_words, vat_of

__all__ = [
    "FontsMissing",
    "Invoice",
    "InvoiceLine",
    "Party",
    "Reconciliation",
    "ReconciliationLine",
    "Seller",
    "amount_in_words",
    "check_fonts",
    "render_invoice",
    "render_reconciliation",
    "vat_of",
]

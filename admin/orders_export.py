"""The orders list as an XLSX workbook: Russian column names, money as numbers shown in ₽,
times in the configured zone (Excel has no time zones: the cells hold local wall-clock time)."""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from core.models import Order

DATE_FORMAT = "DD.MM.YYYY HH:MM"
CURRENCY_SIGNS = {"RUB": "₽", "USD": "$", "EUR": "€"}
# (title, width) of each column, in the order of `_row`.
COLUMNS: tuple[tuple[str, int], ...] = (
    ("Номер", 16),
    ("Дата", 17),
    ("Дилер", 32),
    ("Юрлицо", 32),
    ("ИНН", 14),
    ("Статус", 14),
    ("Состояние 1С", 16),
    ("Номер в 1С", 14),
    ("Позиций", 9),
    ("Сумма", 16),
    ("Валюта", 8),
    ("В нерабочее время", 10),
    ("Номер заказа покупателя", 18),
    ("Адрес доставки", 36),
    ("Комментарий", 40),
)
MONEY_COLUMN = 10  # 1-based index of "Сумма"
DATE_COLUMN = 2


@dataclass(frozen=True)
class ExportRow:
    """One order with the names the sheet shows."""

    order: Order
    dealer_name: str
    entity_name: str | None
    entity_inn: str | None
    line_count: int


def money_format(currency: str) -> str:
    """An Excel number format with the currency sign: 1 234,50 ₽ in a Russian Excel."""
    sign = CURRENCY_SIGNS.get(currency, currency).replace('"', "")
    return f'#,##0.00\\ "{sign}"'


def _row(
    item: ExportRow, zone: ZoneInfo, statuses: Mapping[str, str], sync_states: Mapping[str, str]
) -> list[object]:
    order = item.order
    return [
        order.number,
        order.placed_at.astimezone(zone).replace(tzinfo=None),
        item.dealer_name,
        item.entity_name or "",
        item.entity_inn or "",
        statuses.get(order.status, order.status),
        sync_states.get(order.sync_state, order.sync_state),
        order.onec_number or "",
        item.line_count,
        Decimal(order.total),
        order.currency,
        "да" if order.is_after_hours else "нет",
        order.dealer_po or "",
        order.delivery_address or "",
        order.comment or "",
    ]


def orders_xlsx(
    rows: Iterable[ExportRow],
    *,
    zone: ZoneInfo,
    statuses: Mapping[str, str],
    sync_states: Mapping[str, str],
) -> bytes:
    """The workbook: a header row (bold, frozen, filterable), then one row per order."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Заказы"
    sheet.append([title for title, _width in COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for n, (_title, width) in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(n)].width = width
    count = 0
    for item in rows:
        sheet.append(_row(item, zone, statuses, sync_states))
        count += 1
        line = sheet.max_row
        sheet.cell(line, DATE_COLUMN).number_format = DATE_FORMAT
        sheet.cell(line, MONEY_COLUMN).number_format = money_format(item.order.currency)
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{count + 1}"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()

"""Dealers and their legal entities from a spreadsheet (.xlsx, .csv), with a per-row report.

One row is one dealer, optionally with one legal entity. The header row (Russian or English
names, see COLUMNS) is required and must name the INN column. A dealer is found by its INN and
updated with the non-empty cells, or created; a legal entity is found within the dealer by INN
and KPP, or added. Each row is applied in its own savepoint: a bad row is reported with its
row number and changes nothing, the good rows are imported.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.dealers.service import check_inn, create_dealer
from core.display import LABELS
from core.errors import DomainError, InvalidInput
from core.models import Dealer, DealerStatus, LegalEntity, PilotWave, PriceType

# The spreadsheet readers are shared with the cart import (one place for file limits).
from core.orders.cart_import import MAX_FILE_BYTES, Row, _csv_rows, _xlsx_rows

MAX_ROWS = 5000
HEADER_SEARCH_ROWS = 10
COLUMNS: dict[str, tuple[str, ...]] = {
    "name": ("название", "наименование", "дилер", "name", "dealer"),
    "inn": ("инн", "инн дилера", "inn", "dealer inn", "dealer_inn"),
    "city": ("город", "city"),
    "region": ("регион", "region"),
    "price_type": ("тип цен", "тип цены", "price type", "price_type"),
    "wave": ("волна", "wave"),
    "status": ("статус", "status"),
    "legal_entity": ("юрлицо", "юр лицо", "юридическое лицо", "legal entity", "legal_entity"),
    "legal_entity_inn": ("инн юрлица", "инн юр лица", "legal entity inn", "legal_entity_inn"),
    "kpp": ("кпп", "kpp"),
}
_WORDS = re.compile(r"[^\w]+", re.UNICODE)
_KPP = re.compile(r"^\d{9}$")
MAX_NAME = 255
MAX_PLACE = 100
_STATUS_OF_LABEL = {label: key for key, label in LABELS["dealer_status"].items()}


def _norm_header(value: str) -> str:
    return " ".join(_WORDS.sub(" ", value.lower().replace("ё", "е")).split())


@dataclass(frozen=True)
class DealerRow:
    """The cells of one data row by column name (missing columns are empty strings)."""

    row: int
    values: dict[str, str]

    def get(self, name: str) -> str:
        return " ".join(self.values.get(name, "").split())


@dataclass(frozen=True)
class RowResult:
    """What happened to one row: created, updated or error (with the error key and params)."""

    row: int
    status: str
    dealer_id: int | None = None
    inn: str = ""
    key: str = ""
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class DealerImportReport:
    """The per-row report of an import."""

    rows: list[RowResult] = field(default_factory=list)

    @property
    def created(self) -> int:
        return sum(1 for r in self.rows if r.status == "created")

    @property
    def updated(self) -> int:
        return sum(1 for r in self.rows if r.status == "updated")

    @property
    def errors(self) -> list[RowResult]:
        return [r for r in self.rows if r.status == "error"]


def parse_dealer_file(data: bytes, filename: str) -> list[DealerRow]:
    """The data rows of a dealers file. Raises InvalidInput `import.empty_file`,
    `import.too_large`, `import.unsupported_format`, `import.bad_file` or
    `import.missing_column` (the INN column)."""
    if not data:
        raise InvalidInput("import.empty_file")
    if len(data) > MAX_FILE_BYTES:
        raise InvalidInput("import.too_large", max_bytes=MAX_FILE_BYTES)
    suffix = PurePath(filename or "").suffix.lower()
    is_zip = data[:4] == b"PK\x03\x04"
    rows: Iterator[Row]
    if suffix in (".xlsx", ".xlsm") or (is_zip and suffix not in (".csv", ".txt")):
        rows = _xlsx_rows(data)
    elif suffix in (".csv", ".txt", "") and not is_zip:
        rows = _csv_rows(data)
    elif suffix in (".xls", ".ods", ".numbers"):
        raise InvalidInput("import.unsupported_format", filename=filename)
    else:
        raise InvalidInput("import.bad_file", filename=filename)
    columns: dict[str, int] | None = None
    parsed: list[DealerRow] = []
    for number, cells in rows:
        if not any(cells):
            continue
        if columns is None:
            columns = _columns(cells)
            if columns is None and number >= HEADER_SEARCH_ROWS:
                raise InvalidInput("import.missing_column", column="inn")
            continue
        if len(parsed) >= MAX_ROWS:
            raise InvalidInput("import.too_large", max_rows=MAX_ROWS)
        values = {name: cells[i] if i < len(cells) else "" for name, i in columns.items()}
        parsed.append(DealerRow(number, values))
    if columns is None:
        raise InvalidInput("import.missing_column", column="inn")
    if not parsed:
        raise InvalidInput("import.empty_file")
    return parsed


def _columns(cells: Sequence[str]) -> dict[str, int] | None:
    """Column indexes by name when `cells` is the header row (it names the INN column)."""
    found: dict[str, int] = {}
    for index, cell in enumerate(cells):
        header = _norm_header(cell)
        for name, aliases in COLUMNS.items():
            if name not in found and header in aliases:
                found[name] = index
                break
    return found if "inn" in found else None


async def import_dealers(session: AsyncSession, rows: Sequence[DealerRow]) -> DealerImportReport:
    """Apply the rows; each in its own savepoint, so a bad row changes nothing."""
    price_types = {pt.name.lower(): pt for pt in await session.scalars(select(PriceType))}
    waves = {w.name.lower(): w for w in await session.scalars(select(PilotWave))}
    report = DealerImportReport()
    for row in rows:
        try:
            async with session.begin_nested():
                result = await _apply(session, row, price_types, waves)
        except DomainError as error:
            result = RowResult(
                row.row, "error", inn=row.get("inn"), key=error.key, params=error.params
            )
        report.rows.append(result)
    await session.flush()
    return report


async def _apply(
    session: AsyncSession,
    row: DealerRow,
    price_types: dict[str, PriceType],
    waves: dict[str, PilotWave],
) -> RowResult:
    inn = check_inn(row.get("inn"))
    name = row.get("name")
    if len(name) > MAX_NAME:
        raise InvalidInput("import.too_long", column="name", limit=MAX_NAME)
    values: dict[str, Any] = {}
    for column in ("city", "region"):
        text = row.get(column)
        if len(text) > MAX_PLACE:
            raise InvalidInput("import.too_long", column=column, limit=MAX_PLACE)
        if text:
            values[column] = text
    if price_type_name := row.get("price_type"):
        price_type = price_types.get(price_type_name.lower())
        if price_type is None:
            raise InvalidInput("import.unknown_price_type", name=price_type_name)
        values["price_type_id"] = price_type.id
    if wave_name := row.get("wave"):
        wave = waves.get(wave_name.lower())
        if wave is None:
            raise InvalidInput("import.unknown_wave", name=wave_name)
        values["wave_id"] = wave.id
    if status := row.get("status").lower():
        status = _STATUS_OF_LABEL.get(status, status)  # "активен" as well as "active"
        if status not in set(DealerStatus):
            raise InvalidInput("import.bad_status", status=status)
        values["status"] = status
    entity = await _entity_values(row, name)
    dealer = await session.scalar(select(Dealer).where(Dealer.inn == inn).order_by(Dealer.id))
    created = dealer is None
    if dealer is None:
        if not name:
            raise InvalidInput("import.name_required")
        dealer = await create_dealer(session, name=name, inn=inn)
    elif name:
        dealer.name = name
    for key, value in values.items():
        setattr(dealer, key, value)
    if entity is not None:
        await _upsert_entity(session, dealer, *entity)
    await session.flush()
    return RowResult(row.row, "created" if created else "updated", dealer_id=dealer.id, inn=inn)


async def _entity_values(row: DealerRow, dealer_name: str) -> tuple[str, str, str | None] | None:
    entity_inn = row.get("legal_entity_inn")
    entity_name = row.get("legal_entity")
    kpp = row.get("kpp") or None
    if not entity_inn:
        if entity_name or kpp:
            raise InvalidInput("import.legal_entity_inn_required")
        return None
    entity_inn = check_inn(entity_inn)
    if kpp is not None and not _KPP.match(kpp):
        raise InvalidInput("import.bad_kpp", kpp=kpp)
    if len(entity_name) > MAX_NAME:
        raise InvalidInput("import.too_long", column="legal_entity", limit=MAX_NAME)
    return entity_name or dealer_name, entity_inn, kpp


async def _upsert_entity(
    session: AsyncSession, dealer: Dealer, name: str, inn: str, kpp: str | None
) -> LegalEntity:
    others = await session.scalar(
        select(LegalEntity.dealer_id)
        .where(
            LegalEntity.inn == inn,
            LegalEntity.kpp.is_(None) if kpp is None else LegalEntity.kpp == kpp,
            LegalEntity.dealer_id != dealer.id,
        )
        .limit(1)
    )
    if others is not None:
        raise InvalidInput("import.legal_entity_other_dealer", inn=inn)
    entities = await session.scalars(
        select(LegalEntity).where(LegalEntity.dealer_id == dealer.id, LegalEntity.inn == inn)
    )
    for entity in entities:
        if kpp is None or entity.kpp in (kpp, None):
            entity.kpp = kpp or entity.kpp
            entity.name = name or entity.name
            entity.is_active = True
            return entity
    entity = LegalEntity(dealer_id=dealer.id, name=name or dealer.name, inn=inn, kpp=kpp)
    session.add(entity)
    return entity

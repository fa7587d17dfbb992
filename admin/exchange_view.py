"""The 1C exchange log as people read it: Russian kinds and states, sizes, durations, counts.

Sizes and durations go through Babel's own formatters (`format_unit`, `format_timedelta`);
when core/display lands they move there.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from babel.dates import format_timedelta
from babel.numbers import format_decimal
from babel.units import format_unit

from core.models import ExchangeSession

LOCALE = "ru"
KINDS = {
    "catalog": "каталог, цены, остатки",
    "sale": "заказы",
    "offline": "загрузка файлов",
    "finance": "взаиморасчёты (долг, лимиты, документы)",
}
STATUSES = {
    "open": "идёт",
    "importing": "загрузка",
    "done": "завершён",
    "failed": "с ошибкой",
    "refused": "вход отклонён",
}
FILE_STATES = {
    "uploaded": "получен",
    "importing": "загружается",
    "done": "загружен",
    "failed": "ошибка",
    "unpacked": "распакован",
}
COUNT_LABELS = {
    "groups": "групп",
    "products": "товаров",
    "variants": "вариантов",
    "offers": "предложений",
    "prices": "цен",
    "stock": "остатков",
    "properties": "свойств",
    "price_types": "типов цен",
    "warehouses": "складов",
    "changed": "изменено",
    "unknown": "не найдено в каталоге",
    "orders": "заказов",
    "offered": "передано заказов",
    "exported": "подтверждено 1С заказов",
    "deactivated_products": "снято с продажи товаров",
    "deactivated_variants": "снято с продажи вариантов",
    "deactivate": "снято с продажи",
    "seconds": "загрузка, с",
    "package": "пакет",
    # finance pushes (integrations.onec.finance)
    "counterparties": "контрагентов",
    "contracts": "договоров",
    "contracts_closed": "договоров не передано (скрыты)",
    "documents_new": "новых документов",
    "documents_updated": "обновлено документов",
    "files": "файлов PDF",
    "shipment_notices": "уведомлений об отгрузке",
    "unknown_inn": "неизвестных ИНН",
    "price_types_unknown": "неизвестных типов цен",
}
PACKAGE_WORDS = {
    "classifier": "классификатор",
    "catalog": "каталог",
    "offers": "предложения",
    "documents": "документы",
    "full": "полный",
    "partial": "только изменения",
}


def file_size(size: Any) -> str:
    """Bytes as КБ/МБ/ГБ (Babel's unit formatter)."""
    if not isinstance(size, int | float) or size < 0:
        return ""
    for unit, scale in (("gigabyte", 1024**3), ("megabyte", 1024**2), ("kilobyte", 1024)):
        if size >= scale:
            return format_unit(round(size / scale, 1), f"digital-{unit}", "short", locale=LOCALE)
    return format_unit(size, "digital-byte", "short", locale=LOCALE)


def duration(span: timedelta | None) -> str:
    """How long a session took, in words ("37 секунд", "2 минуты")."""
    if span is None:
        return "—"
    if span < timedelta(seconds=1):
        return "меньше секунды"
    return format_timedelta(span, threshold=1.5, locale=LOCALE)


def _value(key: str, value: Any) -> str:
    if isinstance(value, list | tuple):
        return format_decimal(len(value), locale=LOCALE)
    if isinstance(value, bool) or value is None:
        return "да" if value else "—"
    if isinstance(value, int | float):
        return format_decimal(value, locale=LOCALE)
    if isinstance(value, dict):
        return ", ".join(f"{_label(k)} {_value(k, v)}" for k, v in value.items())
    if key == "package":
        return ", ".join(
            " ".join(PACKAGE_WORDS.get(word, word) for word in part.split(":"))
            for part in str(value).split(", ")
        )
    return str(value)


def _label(key: str) -> str:
    return COUNT_LABELS.get(key, key.replace("_", " "))


@dataclass
class FileLine:
    """One file of a session."""

    name: str
    size: str
    state: str
    error: str


@dataclass
class SessionView:
    """One exchange session, ready to show."""

    row: ExchangeSession
    kind: str
    status: str
    took: str
    files: list[FileLine] = field(default_factory=list)
    counts: list[tuple[str, str]] = field(default_factory=list)


def present(row: ExchangeSession) -> SessionView:
    """The readable form of an exchange session."""
    took = (
        duration(row.finished_at - row.started_at)
        if row.finished_at is not None and row.status != "refused"
        else "—"
    )
    files = []
    for name, info in (row.files or {}).items():
        info = info if isinstance(info, dict) else {}
        state = info.get("job") or info.get("state") or ""
        files.append(FileLine(name, file_size(info.get("size")), FILE_STATES.get(state, state), ""))
    counts: list[tuple[str, str]] = []
    for key, value in (row.counts or {}).items():
        if key == "orders" and isinstance(value, list):
            continue  # the numbers themselves; "offered" says how many
        label = key if key in (row.files or {}) else _label(key)
        counts.append((label, _value(key, value)))
    return SessionView(
        row=row,
        kind=KINDS.get(row.exchange_type, row.exchange_type),
        status=(
            "завершён с ошибкой"
            if row.status == "done" and row.error
            else STATUSES.get(row.status, row.status)
        ),
        took=took,
        files=files,
        counts=counts,
    )

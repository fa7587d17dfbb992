"""1C's finance push (JSON, UTF-8) read into core.finance values; docs/1c-finance.md is the spec.

Every check happens before anything is applied: a malformed push raises FinanceRefused with the
reason in Russian (the path of the bad field included), and the database is not touched.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import re
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.finance.push import (
    FinancePush,
    PushedContract,
    PushedCounterparty,
    PushedDocument,
    PushResult,
    apply_push,
)
from core.models import DocumentKind, ExchangeSession, utcnow

DEFAULT_MAX_BYTES = 10 * 1024 * 1024  # ONEC_FINANCE_MAX_BYTES
MAX_MONEY = Decimal("999999999999.99")  # Numeric(14, 2)
_INN = re.compile(r"^(\d{10}|\d{12})$")
_KPP = re.compile(r"^(\d{4}[\dA-Z]{2}\d{3})?$")
FINANCE_FILE = re.compile(r"(^|/)finance[^/]*\.json$", re.IGNORECASE)
KIND_NAMES = {k.value: k for k in DocumentKind}


class FinanceRefused(Exception):
    """A push refused as a whole; the message (Russian) is what 1C's administrator reads."""


def is_finance_file(name: str) -> bool:
    """True for `finance*.json` (the exchange's file/import steps and `dealerbot import`)."""
    return bool(FINANCE_FILE.search(name.replace("\\", "/")))


async def read_limited(chunks: AsyncIterator[bytes], limit: int) -> bytes:
    """The body, refused as soon as it grows past `limit` bytes (never read whole first)."""
    parts: list[bytes] = []
    size = 0
    async for chunk in chunks:
        size += len(chunk)
        if size > limit:
            raise FinanceRefused(too_big(limit))
        parts.append(chunk)
    return b"".join(parts)


def too_big(limit: int) -> str:
    """The refusal of an oversized push."""
    return (
        f"данные больше допустимого: не более {limit} байт (ONEC_FINANCE_MAX_BYTES); "
        "разделите выгрузку на несколько по контрагентам"
    )


def parse_push(raw: bytes, zone: ZoneInfo) -> FinancePush:
    """The push in `raw` (UTF-8 JSON) as core values; FinanceRefused when anything is wrong."""
    if raw.startswith(b"\xef\xbb\xbf"):  # 1C's ЗаписьJSON may write a BOM
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FinanceRefused(f"данные не в кодировке UTF-8 (байт {exc.start})") from None
    try:
        data = json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as exc:
        raise FinanceRefused(
            f"неверный JSON: {exc.msg} (строка {exc.lineno}, позиция {exc.colno}); "
            "возможно, данные обрезаны"
        ) from None
    root = _object(data, "корень")
    as_of = _datetime(root.get("as_of"), "as_of", zone)
    parties = _list(root.get("counterparties"), "counterparties")
    seen: set[tuple[str, str]] = set()
    result = []
    for i, item in enumerate(parties):
        party = _counterparty(item, f"counterparties[{i}]")
        key = (party.inn, party.kpp)
        if key in seen:
            raise FinanceRefused(f"counterparties[{i}]: ИНН {party.inn} КПП {party.kpp!r} повторён")
        seen.add(key)
        result.append(party)
    return FinancePush(as_of=as_of, counterparties=tuple(result))


def _counterparty(value: Any, where: str) -> PushedCounterparty:
    item = _object(value, where)
    inn = _string(item.get("inn"), f"{where}.inn", required=True)
    if not _INN.match(inn):
        raise FinanceRefused(f"{where}.inn: ИНН {inn!r} должен состоять из 10 или 12 цифр")
    kpp = _string(item.get("kpp", ""), f"{where}.kpp")
    if not _KPP.match(kpp):
        raise FinanceRefused(f"{where}.kpp: КПП {kpp!r} должен состоять из 9 знаков или быть пуст")
    contracts = []
    numbers: set[str] = set()
    for i, entry in enumerate(_list(item.get("contracts"), f"{where}.contracts")):
        contract = _contract(entry, f"{where}.contracts[{i}]")
        if contract.number in numbers:
            raise FinanceRefused(f"{where}.contracts[{i}]: договор {contract.number!r} повторён")
        numbers.add(contract.number)
        contracts.append(contract)
    return PushedCounterparty(inn=inn, kpp=kpp, contracts=tuple(contracts))


def _contract(value: Any, where: str) -> PushedContract:
    item = _object(value, where)
    documents = []
    keys: set[tuple[str, str, date]] = set()
    for i, entry in enumerate(_list(item.get("documents", []), f"{where}.documents")):
        document = _document(entry, f"{where}.documents[{i}]")
        key = (document.kind.value, document.number, document.doc_date)
        if key in keys:
            raise FinanceRefused(f"{where}.documents[{i}]: документ {document.number!r} повторён")
        keys.add(key)
        documents.append(document)
    deferral = item.get("deferral_days", 0)
    if isinstance(deferral, bool) or not isinstance(deferral, int) or not 0 <= deferral <= 3650:
        raise FinanceRefused(f"{where}.deferral_days: нужно целое число дней от 0 до 3650")
    return PushedContract(
        number=_string(item.get("number"), f"{where}.number", required=True, size=100),
        credit_limit=_money(item.get("credit_limit"), f"{where}.credit_limit", minimum=True),
        debt=_money(item.get("debt"), f"{where}.debt"),
        overdue=_money(item.get("overdue", "0"), f"{where}.overdue", minimum=True),
        deferral_days=deferral,
        price_type=_string(item.get("price_type", ""), f"{where}.price_type", size=150),
        documents=tuple(documents),
    )


def _document(value: Any, where: str) -> PushedDocument:
    item = _object(value, where)
    kind_name = _string(item.get("kind"), f"{where}.kind", required=True)
    kind = KIND_NAMES.get(kind_name)
    if kind is None:
        names = ", ".join(KIND_NAMES)
        raise FinanceRefused(f"{where}.kind: неизвестный вид {kind_name!r} (допустимы: {names})")
    encoded = item.get("file_base64")
    pdf = None if encoded in (None, "") else _pdf(encoded, f"{where}.file_base64")
    due = item.get("due_date")
    return PushedDocument(
        kind=kind,
        number=_string(item.get("number"), f"{where}.number", required=True, size=100),
        doc_date=_date(item.get("date"), f"{where}.date"),
        amount=_money(item.get("amount"), f"{where}.amount", minimum=True),
        due_date=None if due in (None, "") else _date(due, f"{where}.due_date"),
        order_ref=_string(item.get("order", ""), f"{where}.order", size=64),
        file_name=_string(item.get("file_name", ""), f"{where}.file_name", size=255),
        pdf=pdf,
    )


def _object(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise FinanceRefused(f"{where}: ожидался объект {{...}}")
    return value


def _list(value: Any, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise FinanceRefused(f"{where}: ожидался массив [...]")
    return value


def _string(value: Any, where: str, *, required: bool = False, size: int = 12) -> str:
    if value is None and not required:
        return ""
    if not isinstance(value, str):
        raise FinanceRefused(f"{where}: ожидалась строка")
    text = value.strip()
    if required and not text:
        raise FinanceRefused(f"{where}: пустое значение")
    if len(text) > size:
        raise FinanceRefused(f"{where}: длиннее {size} знаков")
    return text


def _money(value: Any, where: str, *, minimum: bool = False) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        raise FinanceRefused(f'{where}: ожидалась сумма строкой, например "1500.00"')
    try:
        amount = Decimal(str(value).strip().replace(" ", "").replace(",", "."))
    except InvalidOperation:
        raise FinanceRefused(f"{where}: {value!r} не сумма") from None
    if not amount.is_finite() or abs(amount) > MAX_MONEY:
        raise FinanceRefused(f"{where}: {value!r} не сумма")
    if amount != amount.quantize(Decimal("0.01")):
        raise FinanceRefused(f"{where}: {value!r}: не больше двух знаков после запятой")
    if minimum and amount < 0:
        raise FinanceRefused(f"{where}: сумма не может быть отрицательной")
    return amount.quantize(Decimal("0.01"))


def _date(value: Any, where: str) -> date:
    if not isinstance(value, str):
        raise FinanceRefused(f'{where}: ожидалась дата строкой "ГГГГ-ММ-ДД"')
    text = value.strip()
    try:
        # 1C's ЗаписьJSON writes dates as 2026-11-20T00:00:00: the day is what counts
        return date.fromisoformat(text[:10]) if len(text) >= 10 else date.fromisoformat(text)
    except ValueError:
        raise FinanceRefused(f'{where}: {value!r} не дата "ГГГГ-ММ-ДД"') from None


def _datetime(value: Any, where: str, zone: ZoneInfo) -> datetime:
    if not isinstance(value, str):
        raise FinanceRefused(f'{where}: ожидалось время строкой "2026-12-01T18:00:00+03:00"')
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise FinanceRefused(f"{where}: {value!r} не дата и время ISO 8601") from None
    if moment.tzinfo is None:  # 1C writes local time without an offset: the service's zone
        moment = moment.replace(tzinfo=zone)
    return moment.astimezone(UTC)


def _pdf(value: Any, where: str) -> bytes:
    if not isinstance(value, str):
        raise FinanceRefused(f"{where}: ожидалась строка Base64")
    try:  # 1C's Base64Строка() breaks lines every 76 characters
        content = base64.b64decode(re.sub(r"\s+", "", value), validate=True)
    except (binascii.Error, ValueError):
        raise FinanceRefused(f"{where}: неверный Base64") from None
    if not content.startswith(b"%PDF-"):
        raise FinanceRefused(f"{where}: файл не PDF (нет заголовка %PDF-)")
    return content


async def apply_raw(
    sessionmaker: async_sessionmaker[AsyncSession],
    raw: bytes,
    *,
    zone: ZoneInfo,
    source: str,
    remote: str | None = None,
) -> PushResult:
    """Parse and apply a push in one transaction, and log it (exchange log, type "finance").

    A refused push is logged as failed and re-raised; nothing of it is applied.
    """
    started = utcnow()
    try:
        push = parse_push(raw, zone)
        async with sessionmaker() as session, session.begin():
            result = await apply_push(session, push)
    except FinanceRefused as exc:
        await log_push(sessionmaker, source, len(raw), started, remote, error=str(exc))
        raise
    await log_push(sessionmaker, source, len(raw), started, remote, counts=result.counts())
    return result


async def log_push(
    sessionmaker: async_sessionmaker[AsyncSession],
    source: str,
    size: int,
    started: datetime,
    remote: str | None,
    *,
    counts: dict[str, Any] | None = None,
    error: str | None = None,
) -> None:
    """One row of the exchange log for a push (done with its counts, or failed with why)."""
    counts = dict(counts or {})
    unknown = counts.pop("unknown", None) or []
    if unknown:
        counts["unknown_inn"] = unknown
    note = (
        "неизвестные ИНН: " + ", ".join(f"{u['inn']}/{u['kpp'] or '-'}" for u in unknown)
        if unknown
        else None
    )
    async with sessionmaker() as session, session.begin():
        session.add(
            ExchangeSession(
                exchange_type="finance",
                status="failed" if error else "done",
                started_at=started,
                finished_at=utcnow(),
                files={source[:200]: {"size": size, "state": "failed" if error else "done"}},
                counts=counts,
                error=(error or note or None) and (error or note or "")[:4000],
                remote_addr=remote,
            )
        )


async def import_finance_file(
    sessionmaker: async_sessionmaker[AsyncSession],
    path: Path,
    *,
    zone: ZoneInfo,
    limit: int = DEFAULT_MAX_BYTES,
) -> dict[str, Any]:
    """A `finance*.json` file (exchange upload or `dealerbot import`): its push's counts."""
    size = (await asyncio.to_thread(path.stat)).st_size
    if size > limit:
        message = too_big(limit)
        await log_push(sessionmaker, path.name, size, utcnow(), None, error=message)
        raise FinanceRefused(message)
    raw = await asyncio.to_thread(path.read_bytes)
    result = await apply_raw(sessionmaker, raw, zone=zone, source=path.name)
    return result.counts()

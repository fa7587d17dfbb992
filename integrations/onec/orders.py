"""Orders in CommerceML: the document 1C pulls (`type=sale&mode=query`) and the ones it sends back.

The outgoing document follows the CommerceML 2.08 schema (it validates against the XSD). Incoming
documents are read by `reader.read`; here they become core calls: a known order gets 1C's number,
payment and status (through core.orders.onec_sync, so the dealer is notified), an order that
exists only in 1C is recorded with source "1c".
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from lxml import etree
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.calendar import WorkingCalendar
from core.models import CalendarDay, OrderStatus
from core.orders.onec_sync import (
    ExportOrder,
    OnecLine,
    OnecOrder,
    OnecOrderState,
    apply_onec_status,
    find_order,
    record_onec_order,
)
from integrations.onec.reader import TRUE, Document

NS = "urn:1C.ru:commerceml_2"
SCHEMA_VERSION = "2.08"
_RANK: dict[str, int] = {
    OrderStatus.NEW: 0,
    OrderStatus.CONFIRMED: 1,
    OrderStatus.IN_PROGRESS: 2,
    OrderStatus.SHIPPED: 3,
    OrderStatus.COMPLETED: 4,
}
# Bitrix-style status letters 1C sends in "Статуса заказа ИД" / "[X] ..." status names.
_LETTERS = {"N": OrderStatus.NEW, "P": OrderStatus.IN_PROGRESS, "F": OrderStatus.COMPLETED}


def _money(value: Decimal) -> str:
    return f"{value:.2f}"


def _qty(value: Decimal) -> str:
    return format(value.normalize(), "f") if value == value.to_integral() else str(value)


def _sub(parent: Any, name: str, text: str | None = None, **attrs: str) -> Any:
    elem = etree.SubElement(parent, f"{{{NS}}}{name}", {k: v for k, v in attrs.items() if v})
    if text is not None:
        elem.text = text
    return elem


def _requisites(parent: Any, values: list[tuple[str, str]]) -> None:
    box = _sub(parent, "ЗначенияРеквизитов")
    for name, value in values:
        item = _sub(box, "ЗначениеРеквизита")
        _sub(item, "Наименование", name)
        _sub(item, "Значение", value)


def build_orders_document(orders: list[ExportOrder], *, now: datetime, zone: ZoneInfo) -> bytes:
    """The CommerceML document with `orders` (an empty document when there are none)."""
    root = etree.Element(
        f"{{{NS}}}КоммерческаяИнформация",
        {
            "ВерсияСхемы": SCHEMA_VERSION,
            "ДатаФормирования": now.astimezone(zone).strftime("%Y-%m-%dT%H:%M:%S"),
        },
        nsmap={None: NS},  # type: ignore[dict-item]  # lxml-stubs forbid the default namespace key
    )
    for item in orders:
        order, dealer, entity = item.order, item.dealer, item.legal_entity
        placed = order.placed_at.astimezone(zone)
        doc = _sub(root, "Документ")
        _sub(doc, "Ид", order.number)
        _sub(doc, "Номер", order.number)
        _sub(doc, "Дата", placed.strftime("%Y-%m-%d"))
        _sub(doc, "ХозОперация", "Заказ товара")
        _sub(doc, "Роль", "Продавец")
        _sub(doc, "Валюта", "руб" if order.currency == "RUB" else order.currency)
        _sub(doc, "Курс", "1")
        _sub(doc, "Сумма", _money(order.total))
        parties = _sub(doc, "Контрагенты")
        party = _sub(parties, "Контрагент")
        _sub(
            party,
            "Ид",
            (entity.onec_id if entity and entity.onec_id else None)
            or dealer.onec_id
            or f"dealer-{dealer.id}",
        )
        _sub(party, "Наименование", entity.name if entity else dealer.name)
        _sub(party, "ОфициальноеНаименование", entity.name if entity else dealer.name)
        inn = entity.inn if entity else dealer.inn
        if inn:
            _sub(party, "ИНН", inn)
        if entity is not None and entity.kpp:
            _sub(party, "КПП", entity.kpp)
        _sub(party, "Роль", "Покупатель")
        _sub(doc, "Время", placed.strftime("%H:%M:%S"))
        comment = order.comment or ""
        if order.delivery_address:
            comment = f"{comment}\nАдрес доставки: {order.delivery_address}".strip()
        if comment:
            _sub(doc, "Комментарий", comment[:3000])
        goods = _sub(doc, "Товары")
        for line in item.lines:
            good = _sub(goods, "Товар")
            _sub(good, "Ид", line.product_onec_id or f"line-{line.id}")
            if line.article:
                _sub(good, "Артикул", line.article)
            _sub(good, "Наименование", line.name)
            _sub(good, "БазоваяЕдиница", line.unit, Код="796" if line.unit == "шт" else "")
            _sub(good, "ЦенаЗаЕдиницу", _money(line.price))
            _sub(good, "Количество", _qty(line.quantity))
            _sub(good, "Сумма", _money(line.amount))
        requisites = [
            ("Номер заказа в боте", order.number),
            ("Статус заказа", order.status),
            ("Заказ оплачен", "true" if order.is_paid else "false"),
            ("Отменен", "true" if order.status == OrderStatus.CANCELLED else "false"),
        ]
        if order.dealer_po:
            requisites.append(("Номер заказа покупателя", order.dealer_po))
        if order.desired_date:
            requisites.append(("Желаемая дата отгрузки", order.desired_date.isoformat()))
        if order.delivery_address:
            requisites.append(("Адрес доставки", order.delivery_address))
        _requisites(doc, requisites)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))


def _status_word(value: str) -> str | None:
    value = value.strip()
    if value.startswith("[") and "]" in value:
        value = value[1 : value.index("]")]
    return _LETTERS.get(value.upper()) if len(value) == 1 else None


def state_from_document(doc: Document) -> OnecOrderState:
    """What a 1C document says about the order: 1C number, payment, where its status is."""
    req = {key.strip(): value.strip() for key, value in doc.requisites.items()}

    def yes(*names: str) -> bool:
        return any(req.get(name, "").lower() in TRUE for name in names)

    status: str | None = None
    if yes("ПометкаУдаления", "Отменен"):
        status = OrderStatus.CANCELLED
    elif yes("Финальный статус"):
        status = OrderStatus.COMPLETED
    elif yes("Отгружен") or req.get("Номер отгрузки по 1С"):
        status = OrderStatus.SHIPPED
    else:
        status = _status_word(req.get("Статуса заказа ИД", "")) or _status_word(
            req.get("Статус заказа", "")
        )
        if status in (None, OrderStatus.NEW) and yes("Проведен"):
            status = OrderStatus.CONFIRMED
    paid: bool | None = None
    if yes("Заказ оплачен") or req.get("Номер оплаты по 1С") or req.get("Дата оплаты по 1С"):
        paid = True
    onec_number = req.get("Номер1С") or req.get("Номер по 1С") or ""
    return OnecOrderState(
        onec_id=doc.onec_id,
        onec_number=onec_number,
        status=status,
        is_paid=paid,
        note=req.get("Статус заказа", "") or "1C",
    )


def _forward(current: str, target: str | None) -> str | None:
    """Only moves forward (a re-sent old state does not pull an order back)."""
    if target is None or target == current:
        return None
    if target == OrderStatus.CANCELLED:
        return target
    if current in _RANK and target in _RANK and _RANK[target] <= _RANK[current]:
        return None
    return target


def placed_at_of(doc: Document, zone: ZoneInfo) -> tuple[datetime | None, bool]:
    """When 1C created the document, in UTC, and whether its time of day is known.

    1C writes `Дата` (YYYY-MM-DD, some versions YYYY-MM-DDTHH:MM:SS) and `Время` (HH:MM:SS) in
    its own local time, taken to be the configured zone. Without a time the day's midnight is
    used and the time counts as unknown (such an order is never flagged after-hours).
    """
    raw = doc.date.strip()
    try:
        day = datetime.strptime(raw[:10], "%Y-%m-%d")
    except ValueError:
        return None, False
    clock = doc.time.strip() or (raw[11:19] if len(raw) >= 16 and raw[10] in "T " else "")
    for fmt in ("%H:%M:%S", "%H:%M"):
        try:
            moment = datetime.strptime(clock, fmt).time()
        except ValueError:
            continue
        return datetime.combine(day.date(), moment, zone).astimezone(UTC), True
    return day.replace(tzinfo=zone).astimezone(UTC), False


async def _calendar(
    session: AsyncSession, zone: ZoneInfo, hours: WorkingCalendar | None
) -> WorkingCalendar:
    """The working calendar (weekly hours given, else 9-18 Mon-Fri) with the stored days."""
    rows = await session.execute(select(CalendarDay.day, CalendarDay.kind))
    base = hours or WorkingCalendar(zone=zone)
    return replace(base, zone=zone, overrides={day: kind for day, kind in rows})


async def apply_documents(
    session: AsyncSession,
    docs: list[Document],
    *,
    zone: ZoneInfo,
    hours: WorkingCalendar | None = None,
) -> dict[str, Any]:
    """Apply 1C's order documents inside the caller's transaction; returns counts and notes.

    An order known only from 1C keeps its time of creation (`Дата` + `Время`) and is flagged
    after-hours by the working calendar when that time is known (`hours`: the weekly schedule
    from settings; holidays and special days come from the database).
    """
    calendar: WorkingCalendar | None = None
    counts: dict[str, Any] = {"documents": len(docs), "updated": 0, "moved": 0, "recorded": 0}
    notes: list[str] = []
    for doc in docs:
        if doc.operation and "заказ" not in doc.operation.lower():
            notes.append(f"{doc.number}: операция {doc.operation!r} пропущена")
            continue
        state = state_from_document(doc)
        order = await find_order(session, doc.onec_id, doc.number)
        if order is not None:
            state.status = _forward(order.status, state.status)
            result = await apply_onec_status(session, order, state)
            counts["updated"] += 1
            counts["moved"] += int(result.moved)
            if result.refused:
                notes.append(result.refused)
            continue
        buyer = next((p for p in doc.parties if p.role.lower() == "покупатель"), None)
        buyer = buyer or (doc.parties[0] if doc.parties else None)
        placed_at, timed = placed_at_of(doc, zone)
        if timed and calendar is None:
            calendar = await _calendar(session, zone, hours)
        data = OnecOrder(
            onec_id=doc.onec_id or doc.number,
            onec_number=state.onec_number or doc.number,
            placed_at=placed_at,
            is_after_hours=bool(
                timed and calendar and placed_at and not calendar.is_working_time(placed_at)
            ),
            buyer_onec_id=buyer.onec_id if buyer else "",
            buyer_inn=buyer.inn if buyer else "",
            buyer_kpp=buyer.kpp if buyer else "",
            currency=doc.currency,
            total=doc.total,
            comment=doc.comment,
            lines=[
                OnecLine(d.onec_id, d.name, d.article, d.quantity, d.price, d.amount)
                for d in doc.lines
            ],
            state=state,
        )
        recorded = await record_onec_order(session, data)
        if recorded is None:
            notes.append(f"{doc.number}: покупатель не найден среди дилеров")
        else:
            counts["recorded"] += 1
    if notes:
        counts["notes"] = notes[:50]
    return counts

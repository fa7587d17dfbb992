"""Streaming CommerceML reader: files of any size in flat memory, any version, any namespace.

lxml's iterparse reports only the elements we act on; each is turned into a plain row as soon as
it ends and then cleared, with the siblings before it. What a file holds is decided by its
content (classifier, catalog, offers package, documents), never by its name. Ids and unit codes
lose trailing spaces. Entities are never resolved and no DTD or network is read.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from lxml import etree

from core.catalog.importer import (
    TOTAL_WAREHOUSE_ID,
    GroupRow,
    PriceRow,
    PriceTypeRow,
    ProductRow,
    StockRow,
    WarehouseRow,
)

ROOT = "КоммерческаяИнформация"
SECTIONS = {"Классификатор", "Каталог", "ПакетПредложений", "ИзмененияПакетаПредложений"}
TAGS = [
    f"{{*}}{name}"
    for name in (
        ROOT,
        *SECTIONS,
        "Контейнер",
        "СодержитТолькоИзменения",
        "Группа",
        "Свойство",
        "ТипЦены",
        "Склад",
        "Товар",
        "Предложение",
        "Документ",
    )
]
UNIT_NAMES = {"796": "шт", "166": "кг", "112": "л", "006": "м", "839": "компл", "715": "пар"}
TRUE = {"true", "1", "да", "истина"}


@dataclass(slots=True)
class Section:
    """Start of a top-level section; `partial` means СодержитТолькоИзменения=true."""

    kind: str  # classifier | catalog | offers
    partial: bool


@dataclass(slots=True)
class Offer:
    """An offer: the item it describes (if named), its prices and its stock."""

    onec_id: str
    product: ProductRow | None
    prices: list[PriceRow] = field(default_factory=list)
    stock: list[StockRow] = field(default_factory=list)


@dataclass(slots=True)
class Party:
    """A counterparty of a document."""

    onec_id: str = ""
    name: str = ""
    inn: str = ""
    kpp: str = ""
    role: str = ""


@dataclass(slots=True)
class DocLine:
    """A line of a document."""

    onec_id: str
    name: str
    article: str
    quantity: Decimal
    price: Decimal
    amount: Decimal


@dataclass(slots=True)
class Document:
    """A document (an order and its state) as 1C sends it."""

    onec_id: str
    number: str
    date: str
    operation: str
    currency: str
    total: Decimal
    comment: str
    parties: list[Party]
    requisites: dict[str, str]
    lines: list[DocLine]


Record = Section | GroupRow | PriceTypeRow | WarehouseRow | ProductRow | Offer | Document


def local(tag: Any) -> str:
    """The tag name without its namespace."""
    if not isinstance(tag, str):
        return ""
    return tag.rpartition("}")[2]


def _text(elem: Any) -> str:
    return (elem.text or "").strip()


def _children(elem: Any) -> dict[str, Any]:
    """First child per local name."""
    found: dict[str, Any] = {}
    for child in elem:
        found.setdefault(local(child.tag), child)
    return found


def _child_text(kids: dict[str, Any], name: str) -> str:
    child = kids.get(name)
    return _text(child) if child is not None else ""


def decimal(value: str) -> Decimal | None:
    """A number as 1C writes it ('1 234,50', '12.5'), or None."""
    cleaned = value.replace("\xa0", "").replace(" ", "").replace(",", ".")
    if not cleaned:
        return None
    try:
        number = Decimal(cleaned)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def currency(value: str) -> str:
    """ISO code for what 1C calls the currency ('руб', '643', 'RUB')."""
    cleaned = value.strip().rstrip(".")
    if cleaned.lower() in {"руб", "рубль", "643", "rub", "rur", ""}:
        return "RUB"
    return cleaned.upper()[:10]


def _flag(value: str) -> bool:
    return value.strip().lower() in TRUE


def _unit(kids: dict[str, Any]) -> tuple[str | None, str | None]:
    elem = kids.get("БазоваяЕдиница")
    if elem is None:
        return None, None
    code = (elem.get("Код") or "").strip() or None
    name = (elem.get("НаименованиеКраткое") or "").strip()
    text = _text(elem)
    if text.isdigit() and code is None:
        code = text
    elif text and not name:
        name = text
    if not name and code:
        name = UNIT_NAMES.get(code, "")
    return name or None, code


def _pairs(container: Any, item: str, key: str, value: str) -> dict[str, str]:
    result: dict[str, str] = {}
    if container is None:
        return result
    for elem in container:
        if local(elem.tag) != item:
            continue
        kids = _children(elem)
        name = _child_text(kids, key)
        if name:
            result[name] = _child_text(kids, value)
    return result


def _groups(elem: Any, parent: str | None) -> Iterator[GroupRow]:
    kids = _children(elem)
    onec_id = _child_text(kids, "Ид")
    if not onec_id:
        return
    deleted = _flag(_child_text(kids, "ПометкаУдаления"))
    yield GroupRow(onec_id, _child_text(kids, "Наименование") or onec_id, parent, not deleted)
    nested = kids.get("Группы")
    if nested is not None:
        for child in nested:
            if local(child.tag) == "Группа":
                yield from _groups(child, onec_id)


def _product(elem: Any) -> ProductRow | None:
    kids = _children(elem)
    onec_id = _child_text(kids, "Ид")
    if not onec_id:
        return None
    unit, unit_code = _unit(kids)
    group = kids.get("Группы")
    group_id = None
    if group is not None:
        for child in group:
            if local(child.tag) == "Ид":
                group_id = _text(child) or None
                break
    properties: dict[str, Any] = {}
    requisites = _pairs(
        kids.get("ЗначенияРеквизитов"), "ЗначениеРеквизита", "Наименование", "Значение"
    )
    if requisites:
        properties["requisites"] = requisites
    features = _pairs(
        kids.get("ХарактеристикиТовара"), "ХарактеристикаТовара", "Наименование", "Значение"
    )
    if features:
        properties["features"] = features
    values = _pairs(kids.get("ЗначенияСвойств"), "ЗначенияСвойства", "Ид", "Значение")
    if values:
        properties["values"] = values
    maker = kids.get("Изготовитель")
    if maker is not None:
        properties["manufacturer"] = _child_text(_children(maker), "Наименование")
    status = _child_text(kids, "Статус").lower()
    deleted = _flag(_child_text(kids, "ПометкаУдаления")) or status in {"удален", "удалён"}
    deleted = deleted or (elem.get("Статус") or "").strip().lower() == "удален"
    return ProductRow(
        onec_id=onec_id,
        name=_child_text(kids, "Наименование") or onec_id,
        article=_child_text(kids, "Артикул"),
        unit=unit,
        unit_code=unit_code,
        barcode=_child_text(kids, "Штрихкод") or None,
        group_onec_id=group_id,
        properties=properties,
        is_active=not deleted,
    )


def _offer(elem: Any) -> Offer | None:
    kids = _children(elem)
    onec_id = _child_text(kids, "Ид")
    if not onec_id:
        return None
    product = _product(elem) if _child_text(kids, "Наименование") else None
    offer = Offer(onec_id=onec_id, product=product)
    prices = kids.get("Цены")
    if prices is not None:
        for price in prices:
            if local(price.tag) != "Цена":
                continue
            pk = _children(price)
            value = decimal(_child_text(pk, "ЦенаЗаЕдиницу"))
            type_id = _child_text(pk, "ИдТипаЦены")
            if value is not None and type_id:
                offer.prices.append(
                    PriceRow(onec_id, type_id, value, currency(_child_text(pk, "Валюта")))
                )
    total: Decimal | None = None
    for child in elem:
        name = local(child.tag)
        if name == "Склад":  # <Склад ИдСклада=".." КоличествоНаСкладе=".."/>
            wid = (child.get("ИдСклада") or "").strip()
            qty = decimal(child.get("КоличествоНаСкладе") or "")
            if wid and qty is not None:
                offer.stock.append(StockRow(onec_id, wid, qty))
        elif name == "Остатки":
            for rest in child:
                if local(rest.tag) != "Остаток":
                    continue
                rk = _children(rest)
                house = rk.get("Склад")
                if house is not None:
                    hk = _children(house)
                    wid = _child_text(hk, "Ид")
                    qty = decimal(_child_text(hk, "Количество"))
                    if wid and qty is not None:
                        offer.stock.append(StockRow(onec_id, wid, qty))
                else:
                    qty = decimal(_child_text(rk, "Количество"))
                    if qty is not None:
                        total = (total or Decimal(0)) + qty
        elif name == "Количество":
            total = decimal(_text(child))
    if not offer.stock and total is not None:
        offer.stock.append(StockRow(onec_id, TOTAL_WAREHOUSE_ID, total))
    return offer


def _document(elem: Any) -> Document:
    kids = _children(elem)
    parties = []
    container = kids.get("Контрагенты")
    if container is not None:
        for party in container:
            if local(party.tag) != "Контрагент":
                continue
            pk = _children(party)
            legal = pk.get("ЮридическоеЛицо")
            lk = _children(legal) if legal is not None else {}
            parties.append(
                Party(
                    onec_id=_child_text(pk, "Ид"),
                    name=_child_text(pk, "ОфициальноеНаименование")
                    or _child_text(pk, "Наименование"),
                    inn=_child_text(pk, "ИНН") or _child_text(lk, "ИНН"),
                    kpp=_child_text(pk, "КПП") or _child_text(lk, "КПП"),
                    role=_child_text(pk, "Роль"),
                )
            )
    lines = []
    goods = kids.get("Товары")
    if goods is not None:
        for item in goods:
            if local(item.tag) != "Товар":
                continue
            ik = _children(item)
            lines.append(
                DocLine(
                    onec_id=_child_text(ik, "Ид"),
                    name=_child_text(ik, "Наименование"),
                    article=_child_text(ik, "Артикул"),
                    quantity=decimal(_child_text(ik, "Количество")) or Decimal(0),
                    price=decimal(_child_text(ik, "ЦенаЗаЕдиницу")) or Decimal(0),
                    amount=decimal(_child_text(ik, "Сумма")) or Decimal(0),
                )
            )
    requisites = _pairs(
        kids.get("ЗначенияРеквизитов"), "ЗначениеРеквизита", "Наименование", "Значение"
    )
    for name in ("Номер1С", "Дата1С", "ПометкаУдаления", "Проведен", "Отменен"):
        if name in kids:
            requisites.setdefault(name, _child_text(kids, name))
    return Document(
        onec_id=_child_text(kids, "Ид"),
        number=_child_text(kids, "Номер"),
        date=_child_text(kids, "Дата"),
        operation=_child_text(kids, "ХозОперация"),
        currency=currency(_child_text(kids, "Валюта")),
        total=decimal(_child_text(kids, "Сумма")) or Decimal(0),
        comment=_child_text(kids, "Комментарий"),
        parties=parties,
        requisites=requisites,
        lines=lines,
    )


def _release(elem: Any) -> None:
    """Free an element that has been read, and the siblings read before it."""
    elem.clear(keep_tail=False)
    parent = elem.getparent()
    if parent is not None:
        while elem.getprevious() is not None:
            del parent[0]


def read(path: Path) -> Generator[Record, None, None]:
    """The records of one CommerceML file, in document order."""
    context = etree.iterparse(
        str(path),
        events=("start", "end"),
        tag=TAGS,
        resolve_entities=False,
        load_dtd=False,
        no_network=True,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    seen_root = False
    for event, elem in context:
        name = local(elem.tag)
        parent = elem.getparent()
        pname = local(parent.tag) if parent is not None else ""
        if not seen_root:
            if name != ROOT:
                raise ValueError(f"корневой элемент {name!r}, ожидался {ROOT}")
            seen_root = True
            continue
        if event == "start":
            if name in SECTIONS and pname == ROOT:
                kind = {"Классификатор": "classifier", "Каталог": "catalog"}.get(name, "offers")
                yield Section(kind, _flag(elem.get("СодержитТолькоИзменения") or ""))
            continue
        # end events
        if name == "СодержитТолькоИзменения" and pname in SECTIONS:
            grand = parent.getparent()
            if grand is not None and local(grand.tag) == ROOT:
                kind = {"Классификатор": "classifier", "Каталог": "catalog"}.get(pname, "offers")
                yield Section(kind, _flag(_text(elem)))
        elif name == "Группа":
            if pname == "Группы" and local(parent.getparent().tag) == "Классификатор":
                yield from _groups(elem, None)
                _release(elem)
        elif name == "ТипЦены":
            if pname == "ТипыЦен":
                kids = _children(elem)
                onec_id = _child_text(kids, "Ид")
                if onec_id:
                    yield PriceTypeRow(
                        onec_id,
                        _child_text(kids, "Наименование") or onec_id,
                        currency(_child_text(kids, "Валюта")),
                    )
                _release(elem)
        elif name == "Склад":
            if pname == "Склады" and local(parent.getparent().tag) in SECTIONS:
                kids = _children(elem)
                onec_id = _child_text(kids, "Ид")
                if onec_id:
                    yield WarehouseRow(onec_id, _child_text(kids, "Наименование") or onec_id)
                _release(elem)
        elif name == "Свойство":
            if pname == "Свойства":
                _release(elem)
        elif name == "Товар":
            if pname == "Товары" and local(parent.getparent().tag) == "Каталог":
                product = _product(elem)
                if product is not None:
                    yield product
                _release(elem)
        elif name == "Предложение":
            if pname == "Предложения":
                offer = _offer(elem)
                if offer is not None:
                    yield offer
                _release(elem)
        elif name == "Документ":
            if pname in {ROOT, "Контейнер"}:
                yield _document(elem)
                _release(elem)
        elif name in SECTIONS and pname == ROOT:
            _release(elem)
